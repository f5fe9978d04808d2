package search

import (
	"context"

	"sportello/kb"
)

// memSource is a Source over slices, as *kb.Store would return them.
type memSource struct {
	pills    []kb.Pill
	concepts []kb.Concept
	units    []kb.Unit
	people   []kb.Person
}

func (m *memSource) Pills(context.Context, kb.PillFilter) ([]kb.Pill, error) { return m.pills, nil }
func (m *memSource) Concepts(context.Context) ([]kb.Concept, error)          { return m.concepts, nil }
func (m *memSource) Units(context.Context) ([]kb.Unit, error)                { return m.units, nil }
func (m *memSource) People(context.Context) ([]kb.Person, error)             { return m.people, nil }

// evalQueries are a development set (see the package doc, "How search is measured"): phrased
// as citizens speak on the phone — colloquial, misspelled, without accents, with acronyms —
// by the developers, reading the pills. The ranking was tuned on them: TestDev measures them,
// the README does not report them. An empty want means the knowledge base has no answer.
var evalQueries = []evalQuery{
	{"quanto pago di bollo per la macchina", []string{"TRI-003"}},
	{"esenzione tiket per reddito", []string{"SAL-004"}},
	{"come faccio lo spid", []string{"GEN-007"}},
	{"voglio cambiare il dottore di famiglia", []string{"SAL-002", "SAL-001"}},
	{"scelta medico di base", []string{"SAL-001"}},
	{"mio figlio di 13 anni deve lasciare il pediatra", []string{"SAL-003"}},
	{"ho il diabete devo pagare il ticket?", []string{"SAL-005"}},
	{"sono invalido civile non voglio pagare gli esami", []string{"SAL-006"}},
	{"ho perso la tessera sanitaria", []string{"SAL-007"}},
	{"la tessera sanitaria e scaduta", []string{"SAL-008"}},
	{"prenotare una visita dallo specialista", []string{"SAL-009"}},
	{"devo disdire la prenotazione della visita", []string{"SAL-010"}},
	{"il cup mi da appuntamento fra sei mesi", []string{"SAL-011"}},
	{"ricetta elettronica in farmacia vale", []string{"SAL-012"}},
	{"dove vedo i referti su internet", []string{"SAL-013"}},
	{"fascicolo sanitario", []string{"SAL-013"}},
	{"sono studente fuorisede posso avere il medico qui", []string{"SAL-014"}},
	{"vado all'estero in vacanza se sto male", []string{"SAL-015"}},
	{"vaccinazioni bambini dove si fanno", []string{"SAL-017"}},
	{"mammografia gratuita", []string{"SAL-018"}},
	{"di notte chi chiamo guardia medica", []string{"SAL-019"}},
	{"certificato per fare sport calcio", []string{"SAL-020"}},
	{"copia cartella clinica del ricovero", []string{"SAL-021"}},
	{"carozzina per mia madre dall'asl", []string{"SAL-022"}},
	{"celiachia prodotti senza glutine", []string{"SAL-023"}},
	{"visita privata in ospedale intramenia", []string{"SAL-024"}},
	{"aiuto economico per chi assiste un familiare non autosufficiente", []string{"SAL-026"}},
	{"montascale barriere architettoniche", []string{"SAL-027"}},
	{"domanda per le case popolari", []string{"SAL-028"}},
	{"affitto della casa popolare aumentato", []string{"SAL-029"}},
	{"bonus per bambino appena nato", []string{"SAL-031"}},
	{"contributi per digitalizzare la mia azienda", []string{"ATP-001"}},
	{"aprire un negozio cosa serve", []string{"ATP-007"}},
	{"quando cominciano i saldi", []string{"ATP-008"}},
	{"incentivi per assumere a tempo indeterminato", []string{"ATP-009"}},
	{"codice cir per b&b", []string{"ATP-013"}},
	{"controllo della caldaia bollino", []string{"ATP-018"}},
	{"togliere il tetto in eternit", []string{"ATP-019"}},
	{"comunita energetiche", []string{"ATP-020"}},
	{"hanno abbandonato rifiuti vicino casa", []string{"ATP-022"}},
	{"scadenza domanda pac", []string{"AGR-002"}},
	{"finanziamento per comprare un trattore", []string{"AGR-004"}},
	{"i cinghiali mi hanno distrutto il raccolto", []string{"AGR-011"}},
	{"patentino per i diserbanti", []string{"AGR-014"}},
	{"tesserino per i funghi", []string{"AGR-020"}},
	{"licenza per pescare nel fiume", []string{"AGR-022"}},
	{"quando apre la caccia", []string{"AGR-025"}},
	{"come si diventa oss", []string{"FOR-002"}},
	{"serve ancora il libretto sanitario per lavorare al bar", []string{"FOR-004"}},
	{"mi sono licenziato come mi iscrivo al centro per l'impiego", []string{"FOR-008"}},
	{"quanto mi pagano per uno stage", []string{"FOR-011"}},
	{"borsa di studio universita", []string{"FOR-017"}},
	{"rimborso libri di scuola", []string{"FOR-016"}},
	{"servizio civile domanda", []string{"FOR-020"}},
	{"abbonamento autobus per studenti", []string{"TRA-001"}},
	{"ho perso l'abbonamento del pullman", []string{"TRA-006"}},
	{"orari delle corriere", []string{"TRA-007"}},
	{"multa sull'autobus senza biglietto", []string{"TRA-008"}},
	{"posso portare il cane sul bus", []string{"TRA-010"}},
	{"contributo per rottamare la macchina vecchia", []string{"TRA-013"}},
	{"sciopero dei mezzi fasce garantite", []string{"TRA-021"}},
	{"bollo auto entro quando si paga", []string{"TRI-001"}},
	{"posso pagare il bollo dal tabaccaio", []string{"TRI-002"}},
	{"mio padre e disabile deve pagare il bollo", []string{"TRI-004"}},
	{"bollo auto d'epoca", []string{"TRI-005"}},
	{"bollo per la macchina elettrica", []string{"TRI-006"}},
	{"mi e arrivato un accertamento del bollo ma l'ho pagato", []string{"TRI-007"}},
	{"ho pagato due volte il bollo", []string{"TRI-009"}},
	{"addizionale irpef regionale", []string{"TRI-013"}},
	{"indirizzo pec della regione", []string{"GEN-002"}},
	{"accesso agli atti", []string{"GEN-004"}},
	{"carta d'identita elettronica per entrare nei servizi online", []string{"GEN-008"}},
	{"pagare avviso pagopa", []string{"GEN-009"}},
	{"marca da bollo da 16 euro sulla domanda", []string{"GEN-010"}},
	{"concorsi in regione", []string{"GEN-011"}},

	// Harder: typos, missing accents, everyday words for official terms.
	{"nn mi e arrivata la lettera per lo screening", []string{"SAL-018"}},
	{"il dottore mi ha mandato la ricetta sul cellulare", []string{"SAL-012"}},
	{"mi serve una sedia a rotelle per mia mamma", []string{"SAL-022"}},
	{"esenzione per malatia cronica", []string{"SAL-005"}},
	{"rinnovare la tessera sanitria", []string{"SAL-008"}},
	{"vacini per i bambini", []string{"SAL-017"}},
	{"vorrei andare a lavorare in germania", []string{"FOR-022"}},
	{"voglio fare l'estetista", []string{"FOR-005"}},
	{"corsi gratis per disoccupati", []string{"FOR-001"}},
	{"ho 56 anni e sono disoccupato da un anno", []string{"FOR-021"}},
	{"fare agriturismo nella masseria", []string{"AGR-012"}},
	{"devo denunciare le arnie delle api", []string{"AGR-017"}},
	{"tagliare la legna nel mio bosco serve il permesso", []string{"AGR-018"}},
	{"esame per cercare tartufi", []string{"AGR-021"}},
	{"gasolio agricolo agevolato", []string{"AGR-009"}},
	{"non mi hanno ancora pagato la pac", []string{"AGR-007"}},
	{"aliquota irap", []string{"TRI-012"}},
	{"bolo auto scadenza", []string{"TRI-001"}},
	{"addebito del bollo sul conto corrente", []string{"TRI-014"}},
	{"mi sono dimenticato di pagare il bollo", []string{"TRI-008"}},
	{"ho venduto la macchina chi paga il bollo", []string{"TRI-010"}},
	{"orari dell'urp", []string{"GEN-001"}},
	{"voglio fare un reclamo all'ufficio", []string{"GEN-006", "TRA-012"}},
	{"numero di protocollo della mia pratica", []string{"GEN-003"}},
	{"sono idoneo in graduatoria mi chiamano", []string{"GEN-012"}},
	{"logo della regione per una sagra", []string{"GEN-013"}},
	{"dove leggo le leggi regionali", []string{"GEN-014"}},
	{"abbonamento ridotto per pensionati", []string{"TRA-003"}},
	{"un solo abbonamento per treno e autobus", []string{"TRA-004"}},
	{"rimborso per i ritardi dei bus", []string{"TRA-005"}},
	{"ho dimenticato l'ombrello sul pullman", []string{"TRA-009"}},
	{"licenza del taxi", []string{"TRA-018"}},
	{"posto letto per studenti universitari fuori sede", []string{"FOR-018"}},
	{"invalido al 60 per cento cerco lavoro", []string{"FOR-013"}},
	{"durc irregolare contributo bloccato", []string{"ATP-005"}},
	{"aprire un bed and breakfast", []string{"ATP-013"}},
	{"qualifica presa all'estero vale in italia", []string{"FOR-003"}},

	// No answer in the knowledge base.
	{"come rinnovo il passaporto", nil},
	{"rinnovo della patente di guida", nil},
	{"quanto pago di imu sulla seconda casa", nil},
	{"cambio di residenza anagrafe comune", nil},
	{"pensione di reversibilita inps", nil},
	{"permesso di costruire per ampliare casa", nil},
	{"bolletta della luce troppo alta", nil},
	{"matrimonio in comune documenti", nil},
	{"passaggio di proprieta della moto al notaio", nil},
	{"reddito di cittadinanza domanda", nil},
	{"iscrizione all'asilo nido comunale", nil},
	{"carta di soggiorno in questura", nil},
	{"buche sulla strada provinciale", nil},
	// Hard negatives: words the knowledge base uses, a question it does not answer.
	{"rinnovo del permesso di soggiorno", nil},
	{"bonus affitto per giovani coppie", nil},
	{"esenzione dal canone rai", nil},
	{"prenotare il vaccino per il cane dal veterinario", nil},
	{"multa per divieto di sosta", nil},
	{"quanto si paga di tari", nil},
	{"iscrizione all'albo degli avvocati", nil},
	{"orari della biblioteca comunale", nil},
}

// evalQuery is one development question; an empty want means the knowledge base has no answer.
type evalQuery struct {
	q    string
	want []string
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }
