package ingest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// anotherOffice is a workbook "from another office", written by hand without looking at the
// header table: three sheets, other header names (abbreviated, misspelt, or in no list at all),
// a title row above the header, a numbering column, mixed date formats.
func anotherOffice() []sheetSpec {
	answer := func(s string) string {
		return s + " L'operatore verifica i documenti, indica i tempi (di norma trenta giorni) e i costi. Per i casi particolari rimanda all'ufficio."
	}
	return []sheetSpec{
		{name: "Servizi demografici",
			rows: [][]any{
				{"Comune di Valleverde — Schede informative dello sportello (revisione 2023)"},
				{},
				{"N.", "Identificativo", "Argomento", "Quesito del cittadino", "Indicazioni per l'operatore", "Tag", "Struttura di riferimento", "Norme", "Data ultima revisione"},
				{1, "DEM-01", "Anagrafe", "Come si cambia la residenza?", answer("La dichiarazione si presenta online o allo sportello anagrafe."), "residenza; cambio indirizzo", "Ufficio Anagrafe", "DPR 223/1989", time.Date(2023, 3, 12, 0, 0, 0, 0, time.UTC)},
				{2, "DEM-02", "Anagrafe", "Come ottengo un certificato di residenza?", answer("Il certificato si scarica dall'ANPR con SPID o CIE."), "certificato; ANPR", "Ufficio Anagrafe", "DPR 445/2000", "12/03/2013"},
				{3, "DEM-03", "Stato civile", "Come si prenota il matrimonio civile?", answer("Si prenota la data con l'ufficio di stato civile."), "matrimonio; pubblicazioni", "Ufficio Stato Civile", "Codice civile art. 106", "marzo 2013"},
				{4, "DEM-04", "Stato civile", "Chi può chiedere l'estratto di nascita?", "", "nascita; estratto", "Ufficio Stato Civile", "", "2021-02-15"},
				{5, "DEM-05", "Elettorale", "Come si ottiene la tessera elettorale?", answer("La tessera si ritira all'ufficio elettorale con un documento."), "tessera elettorale; voto", "Ufficio Elettorale", "DPR 299/2000", "15 febbraio 2021"},
				{6, "DEM-02", "Anagrafe", "Certificato di residenza storico?", answer("Lo storico richiede una ricerca d'archivio e il pagamento dei diritti."), "storico", "Ufficio Anagrafe", "", "01/06/2022"},
				{7, "DEM-06", "Elettorale", "Dove si vota dopo un cambio di residenza?", answer("Dopo il cambio di residenza arriva la nuova tessera con la sezione."), "seggio; sezione", "Ufficio Elettorale", "", 44242},
			},
			merges: [][2]string{{"A1", "I1"}},
			styles: map[string]string{"I4": "dd/mm/yyyy", "I10": "d mmmm yyyy"},
		},
		{name: "Tributi locali",
			rows: [][]any{
				{"Cod", "Titolo scheda", "Risposa", "Parole chiavi", "Categ.", "Uff. competente", "Agg.", "Referente interno"},
				{"TRB-1", "IMU prima casa", answer("L'abitazione principale non paga l'IMU, tranne le categorie di lusso."), "imu, prima casa", "IMU", "Ufficio Tributi", "10/01/2024", "M. Bianchi"},
				{"TRB-2", "IMU seconda casa", answer("La seconda casa paga l'IMU in due rate, giugno e dicembre."), "imu, seconda casa", "IMU", "Ufficio Tributi", "10/01/2024", "M. Bianchi"},
				{"TRB-3", "TARI riduzioni", answer("Le riduzioni TARI si chiedono entro il 31 gennaio con il modulo."), "tari, riduzione", "TARI", "Ufficio Tributi", "gennaio 2024", "L. Verdi"},
				{},
				{"TRB-4", "TARI nuova utenza", answer("La nuova utenza si dichiara entro 90 giorni dall'occupazione."), "tari, utenza", "TARI", "Ufficio Tributi", "2024-01-10", "L. Verdi"},
			},
		},
		{name: "Foglio3",
			rows: [][]any{
				{"Voce", "Richiesta tipica", "Istruzioni", "Etichette", "Ultima verifica", "Presso"},
				{"Permesso ZTL residenti", "Posso entrare nella ZTL con l'auto di famiglia?", answer("Il permesso ZTL si chiede online indicando la targa e la residenza nella zona."), "ztl; permesso; auto", "05/05/2022", "Ufficio Mobilità"},
				{"Passo carrabile", "Quanto costa il passo carrabile?", answer("Il passo carrabile paga un canone annuo secondo la larghezza dell'accesso."), "passo carrabile; canone", "06/05/2022", "Ufficio Mobilità"},
				{"Occupazione suolo pubblico", "Come chiedo di occupare il marciapiede per un trasloco?", answer("L'occupazione temporanea si chiede dieci giorni prima con la planimetria."), "suolo pubblico; trasloco", "07/05/2022", "Ufficio Mobilità"},
				{"Contrassegno disabili", "Chi ha diritto al contrassegno per disabili?", answer("Il contrassegno si rilascia con il certificato medico legale dell'ASL."), "disabili; contrassegno; parcheggio", "08/05/2022", "Ufficio Mobilità"},
				{"Multe e ricorsi", "Entro quando posso fare ricorso contro una multa?", answer("Il ricorso va al Prefetto entro 60 giorni o al Giudice di pace entro 30."), "multa; ricorso", "09/05/2022", "Polizia Locale"},
			},
		},
	}
}

// TestAnotherOffice imports a workbook laid out unlike the shared corpus: every row is imported
// or reported, and the columns whose headers are in no list are recognised by their content.
func TestAnotherOffice(t *testing.T) {
	sheets := anotherOffice()
	for _, format := range []string{"xlsx", "ods"} {
		t.Run(format, func(t *testing.T) {
			var path string
			if format == "xlsx" {
				path = writeWorkbook(t, "ufficio.xlsx", sheets...)
			} else {
				path = writeODS(t, "ufficio.ods", sheets...)
			}
			ms, problems, err := ShowMapping(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 3 {
				t.Fatalf("%d sheets mapped, want 3; problems %v", len(ms), problems)
			}
			want := map[string]map[string]Field{
				"Servizi demografici": {"A": FIgnore, "B": FCode, "C": FCategory, "D": FQuestion, "E": FAnswer, "F": FKeywords, "G": FOffice, "H": FLegal, "I": FUpdated},
				"Tributi locali":      {"A": FCode, "B": FTitle, "C": FAnswer, "D": FKeywords, "E": FCategory, "F": FOffice, "G": FUpdated},
				"Foglio3":             {"A": FTitle, "B": FQuestion, "C": FAnswer, "D": FKeywords, "E": FUpdated, "F": FOffice},
			}
			for _, m := range ms {
				for col, f := range want[m.Sheet] {
					got := Field("(none)")
					for _, c := range m.Columns {
						if colName(c.Index) == col {
							got = c.Field
							if len(c.Reasons) == 0 {
								t.Errorf("%s %s: no reasons", m.Sheet, col)
							}
						}
					}
					if got != f {
						t.Errorf("%s column %s → %s, want %s\n%s", m.Sheet, col, got, f, m)
					}
				}
			}

			store := openStore(t)
			sum := importOK(t, store, path, Options{})
			// Every data row is a pill or an error naming its row.
			rows := map[string][]int{"Servizi demografici": {4, 5, 6, 7, 8, 9, 10}, "Tributi locali": {2, 3, 4, 6}, "Foglio3": {2, 3, 4, 5, 6}}
			imported := map[string]bool{}
			for _, it := range sum.Items {
				if it.Type == "pill" && it.Action != Skipped {
					imported[fmt.Sprintf("%s/%d", it.Sheet, it.Row)] = true
				}
			}
			for sheet, nums := range rows {
				for _, n := range nums {
					if imported[fmt.Sprintf("%s/%d", sheet, n)] {
						continue
					}
					if findProblem(sum.Problems, sheet, n, Error) == nil {
						t.Errorf("%s row %d neither imported nor reported", sheet, n)
					}
				}
			}
			if sum.Pills.Created != 14 || sum.RowsLeftOut() != 2 {
				t.Errorf("pills %+v, %d left out; problems:\n%s", sum.Pills, sum.RowsLeftOut(), problemText(sum.Problems))
			}
			dates := map[string]string{"DEM-01": "2023-03-12", "DEM-02": "2013-03-12", "DEM-03": "2013-03-01", "DEM-05": "2021-02-15", "DEM-06": "2021-02-15", "TRB-3": "2024-01-01", "TRB-4": "2024-01-10"}
			for code, d := range dates {
				if p := pillByCode(t, store, code); p.Modified.Format(time.DateOnly) != d {
					t.Errorf("%s: date %s, want %s", code, p.Modified.Format(time.DateOnly), d)
				}
			}
			for _, p := range allPills(t, store) {
				if p.Code == "" && !strings.HasPrefix(p.Question, "") {
					t.Errorf("pill without code %q", p.Title)
				}
				for _, x := range p.Extra {
					if x.Name == "N." {
						t.Errorf("%s keeps the numbering column: %+v", p.Code, x)
					}
				}
			}
		})
	}
}
