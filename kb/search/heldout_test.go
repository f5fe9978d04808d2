package search

import "testing"

// heldOutQueries are a development set (see the package doc): written by a second engineer from
// the pills of the legacy workbook without looking at evalQueries, then used to tune — so no
// longer an independent check.
// They imitate calls to the contact center: long-winded, colloquial, misspelled, without
// accents, with regional turns of phrase, acronyms both ways, and the citizen's situation
// instead of the procedure's name. The unanswerable ones (empty want) often reuse the
// knowledge base's own words in another sense: the response must not be confident.
var heldOutQueries = []evalQuery{
	// Salute.
	{"buongiorno senta il mio dottore va in pensione e devo prenderne un altro come faccio", []string{"SAL-001", "SAL-002"}},
	{"il medico della mutua non mi piace lo posso cambiare", []string{"SAL-002"}},
	{"la bambina ha fatto 14 anni la pediatra dice che non la puo piu seguire", []string{"SAL-003"}},
	{"sono disoccupato devo pagare il ticket delle analisi", []string{"SAL-004"}},
	{"mia madre e invalida al 100% paga le visite?", []string{"SAL-006", "SAL-005"}},
	{"ho smarrito la tessera sanitaria", []string{"SAL-007"}},
	{"m'hanno rubato il portafoglio con dentro la tessera sanitaria", []string{"SAL-007"}},
	{"la tesera sanitaria e scaduta cosa devo fare", []string{"SAL-008"}},
	{"vorrei prenotare una visita dal cardiologo, ho l'impegnativa del medico", []string{"SAL-009"}},
	{"devo disdire l'appuntamento per la risonanza", []string{"SAL-010"}},
	{"mi hanno dato la visita fra un anno ma la ricetta e urgente", []string{"SAL-011"}},
	{"il dottore mi ha mandato la ricetta per whatsapp vale", []string{"SAL-012"}},
	{"come vedo i referti delle analisi su internet", []string{"SAL-013"}},
	{"faccio l'universita fuori regione mi serve un medico dove studio", []string{"SAL-014"}},
	{"vado in ferie in francia mi serve la tessera europea?", []string{"SAL-015"}},
	{"dove faccio fare le vaccinazioni a mio figlio", []string{"SAL-017"}},
	{"non mi e arrivato l'invito per il pap test", []string{"SAL-018"}},
	{"di domenica chi chiamo se sto male e il medico e chiuso", []string{"SAL-019"}},
	{"certificato per giocare a pallone agonistico", []string{"SAL-020"}},
	{"mi serve la cartella clinica di quando sono stato ricoverato", []string{"SAL-021"}},
	{"mio padre ha bisogno del deambulatore chi lo da", []string{"SAL-022"}},
	{"mio figlio e celiaco ci sono aiuti per il cibo senza glutine", []string{"SAL-023"}},
	{"visita a pagamento in ospedale con il primario", []string{"SAL-024"}},
	{"mia suocera e allettata e non autosufficiente ci sono aiuti economici per chi l'assiste", []string{"SAL-026"}},
	{"devo mettere l'ascensore in casa per mio figlio disabile ci sono contributi", []string{"SAL-027"}},
	{"come faccio a fare domanda per la casa popolare", []string{"SAL-028"}},
	{"e nato il mio bambino ci sono soldi dalla regione", []string{"SAL-031"}},
	// Attività produttive, agricoltura.
	{"voglio aprire un negozio di abbigliamento che devo fare", []string{"ATP-007"}},
	{"quando cominciano i saldi estivi", []string{"ATP-008"}},
	{"la caldaia ha bisogno del bollino?", []string{"ATP-018"}},
	{"ho il tetto del capannone in eternit ci sono contributi per toglierlo", []string{"ATP-019"}},
	{"qualcuno ha buttato rifiuti in campagna vicino casa mia a chi lo dico", []string{"ATP-022"}},
	{"voglio aprire un bed and breakfast mi serve il codice", []string{"ATP-013"}},
	{"i cinghiali mi hanno mangiato tutto l'orto chi mi risarcisce", []string{"AGR-011"}},
	{"la grandine ha rovinato l'uva posso avere un indennizzo", []string{"AGR-010"}},
	{"vorrei fare il tesserino per andare per funghi", []string{"AGR-020"}},
	{"licenza per andare a pescare le trote al fiume", []string{"AGR-022"}},
	{"quando si apre la caccia quest'anno", []string{"AGR-025"}},
	{"il gasolio agricolo agevolato come si ottiene", []string{"AGR-009"}},
	// Formazione e lavoro.
	{"ho perso il lavoro come mi iscrivo al collocamento", []string{"FOR-008"}},
	{"vorrei fare il corso da oss", []string{"FOR-002"}},
	{"per lavorare in pizzeria mi serve il libretto sanitario?", []string{"FOR-004"}},
	{"ci sono corsi gratis per chi e disoccupato", []string{"FOR-001"}},
	{"mia figlia fa lo stage quanto la devono pagare", []string{"FOR-011"}},
	{"borsa di studio per l'universita come si fa", []string{"FOR-017"}},
	{"contributo per comprare i libri di scuola", []string{"FOR-016"}},
	// Trasporti.
	{"abbonamento del pullman scontato per mio figlio che va al liceo", []string{"TRA-001"}},
	{"sono pensionato con piu di 65 anni c'e lo sconto sull'autobus", []string{"TRA-003"}},
	{"ho preso la multa sul bus perche non avevo il biglietto", []string{"TRA-008"}},
	{"ho dimenticato l'ombrello sulla corriera", []string{"TRA-009"}},
	{"posso portare il cane sull'autobus", []string{"TRA-010"}},
	{"ho perso l'abbonamento dell'autobus", []string{"TRA-006"}},
	// Tributi e affari generali.
	{"devo pagare ancora il bollo se ho venduto l'auto?", []string{"TRI-010"}},
	{"ho pagato il bollo della macchina due volte", []string{"TRI-009"}},
	{"mi sono scordato di pagare il bollo dell'auto", []string{"TRI-008"}},
	{"mio padre ha la 104 paga il bollo della macchina", []string{"TRI-004"}},
	{"ho una macchina d'epoca di 30 anni pago il bollo", []string{"TRI-005"}},
	{"bollo per la macchina elettrica", []string{"TRI-006"}},
	{"mi e arrivato l'accertamento del bollo ma l'avevo pagato", []string{"TRI-007"}},
	{"si puo pagare il bollo dal tabaccaio", []string{"TRI-002"}},
	{"entro quando scade il bollo auto", []string{"TRI-001"}},
	{"come si ottiene l'identita digitale", []string{"GEN-007"}},
	{"voglio vedere i documenti della mia pratica accesso atti", []string{"GEN-004"}},
	{"serve la marca da bollo da 16 euro sulla domanda", []string{"GEN-010"}},
	{"dove vedo i concorsi della regione", []string{"GEN-011"}},
	{"ufficio relazioni con il pubblico orari", []string{"GEN-001"}},

	// Second batch, written after the fixes and measured once before any further change,
	// for an estimate the fixes were not fitted to.
	{"c'e un contributo per fare il sito internet e vendere online per la mia ditta", []string{"ATP-001"}},
	{"sono una donna e voglio aprire una partita iva, la regione mi aiuta con dei soldi?", []string{"ATP-002"}},
	{"che vuol dire de minimis nel bando", []string{"ATP-003"}},
	{"mi hanno bloccato il contributo perche il durc non e regolare", []string{"ATP-005"}},
	{"mi serve un prestito per la mia attivita chi mi fa da garante", []string{"ATP-006"}},
	{"se assumo un ragazzo a tempo indeterminato ho degli sgravi", []string{"ATP-009"}},
	{"faccio il falegname come mi iscrivo all'albo degli artigiani", []string{"ATP-010"}},
	{"il mio albergo quante stelle puo avere", []string{"ATP-012"}},
	{"voglio diventare guida turistica", []string{"ATP-014"}},
	{"pannelli solari insieme ai vicini comunita energetica", []string{"ATP-020"}},
	{"cos'e il fascicolo aziendale per i contadini", []string{"AGR-001"}},
	{"scadenza domanda pac quest'anno", []string{"AGR-002"}},
	{"finanziamenti per comprare il trattore", []string{"AGR-004"}},
	{"ho 25 anni voglio fare l'agricoltore ci sono premi per i giovani", []string{"AGR-005"}},
	{"vorrei fare un agriturismo nel casale di mio nonno", []string{"AGR-012"}},
	{"patentino per comprare i pesticidi", []string{"AGR-014"}},
	{"devo tagliare gli alberi nel mio bosco per la legna", []string{"AGR-018"}},
	{"come si diventa tartufaio", []string{"AGR-021"}},
	{"dove prendo il tesserino della caccia", []string{"AGR-023"}},
	{"ho delle api devo denunciare le arnie", []string{"AGR-017"}},
	{"vorrei fare l'estetista cosa serve", []string{"FOR-005"}},
	{"lavoro da vent'anni come pasticcere ma non ho nessun titolo", []string{"FOR-006"}},
	{"cos'e garanzia giovani mio figlio non fa niente", []string{"FOR-010"}},
	{"sono invalida al 70 per cento come trovo lavoro con le categorie protette", []string{"FOR-013"}},
	{"mio figlio vuole imparare un mestiere dopo le medie", []string{"FOR-023"}},
	{"voglio andare a lavorare all'estero in europa", []string{"FOR-022"}},
	{"il servizio civile come si fa domanda", []string{"FOR-020"}},
	{"ho perso l'attestato del corso regionale", []string{"FOR-025"}},
	{"mia mamma e invalida ha diritto all'autobus gratis", []string{"TRA-002"}},
	{"abbonamento unico treno e pullman per pendolari", []string{"TRA-004"}},
	{"il pullman e sempre in ritardo mi rimborsano l'abbonamento", []string{"TRA-005"}},
	{"a che ora passa la corriera per campobasso", []string{"TRA-007"}},
	{"voglio fare un reclamo sull'autista della corriera", []string{"TRA-012"}},
	{"incentivi per cambiare la macchina vecchia con una elettrica", []string{"TRA-013"}},
	{"sciopero dei pullman quali corse sono garantite", []string{"TRA-021"}},
	{"quanto e l'addizionale irpef in busta paga", []string{"TRI-013"}},
	{"voglio l'addebito del bollo sul conto corrente", []string{"TRI-014"}},
	{"posso mandare la domanda con la pec", []string{"GEN-002"}},
	{"come faccio a sapere il numero di protocollo della mia domanda", []string{"GEN-003"}},
	{"mi e arrivato un avviso pagopa dalla regione", []string{"GEN-009"}},
	{"organizzo una sagra come chiedo il patrocinio", []string{"GEN-013"}},
	{"dove si leggono le delibere e le leggi regionali", []string{"GEN-014"}},
	{"sono arrivato quinto in graduatoria al concorso mi chiamano", []string{"GEN-012"}},
	{"mio marito e allettato c'e l'assegno di cura", []string{"SAL-026"}},
	{"la casa popolare e intestata a mia madre che e morta, posso restarci", []string{"SAL-030"}},
	{"mi hanno aumentato l'affitto della casa popolare", []string{"SAL-029"}},
	{"la signora che lavora da me e straniera senza permesso puo andare dal dottore", []string{"SAL-025"}},
	{"devo operarmi all'estero in una clinica specializzata mi rimborsano", []string{"SAL-016"}},

	// Not in the knowledge base.
	{"devo rinnovare la carta d'identita scaduta", nil},
	{"come faccio il cambio di residenza", nil},
	{"quanto costa il passaporto", nil},
	{"il mio medico mi ha detto di fare un bollo sulla pelle, e grave?", nil},
	{"ho perso il libretto della macchina", nil},
	{"quando passa il camion della spazzatura", nil},
	{"voglio fare la patente della moto", nil},
	{"a che ora chiude l'ufficio postale", nil},
	{"mi serve un avvocato per il divorzio", nil},
	{"come si paga l'IMU sulla seconda casa", nil},
	{"il cane del vicino abbaia tutta la notte", nil},
	{"ho perso il cane nel bosco", nil},
	{"che tempo fa domani", nil},
	{"mio figlio deve fare la carta d'identita per andare in gita", nil},
	// Second batch.
	{"mi hanno fatto la multa per eccesso di velocita", nil},
	{"come pago la tassa dei rifiuti del comune", nil},
	{"voglio iscrivere mio figlio all'asilo nido", nil},
	{"quando arriva la pensione di invalidita dall'inps", nil},
	{"il medico legale per il rinnovo della patente", nil},
	{"devo fare il passaggio di proprieta della moto", nil},
	{"orari di apertura del cimitero", nil},
	{"bollo sulla fattura elettronica quando si mette", nil},
	// Third batch: the base's words in everyday senses it does not cover.
	{"ho perso le chiavi della macchina", nil},
	{"mi hanno rubato la bicicletta sotto casa", nil},
	{"voglio fare ricorso contro la multa dei vigili per divieto di sosta", nil},
	{"il mio cane deve fare il vaccino contro la rabbia", nil},
	{"come disdico l'abbonamento della palestra", nil},
	{"devo pagare la bolletta della luce", nil},
	{"a che ora apre la farmacia di turno", nil},
	{"mi serve il certificato di residenza", nil},
}

// TestConfidentKnownMissing checks the partial-coverage branch of the confidence rule: a best
// hit that lacks words the knowledge base uses elsewhere is not a sure answer, while words the
// base never uses do not count against it.
func TestConfidentKnownMissing(t *testing.T) {
	mk := func(weight float64, df uint64) *slot { return &slot{weight: weight, df: df} }
	tests := []struct {
		name    string
		slots   []*slot
		matched []bool
		want    bool
	}{
		// "il libretto della macchina": libretto found, macchina known but missing.
		{"known word missing", []*slot{mk(1, 3), mk(0.2, 2), mk(0.9, 12)}, []bool{true, true, false}, false},
		// A word the base never uses is missing: it cannot tell pills apart.
		{"unknown word missing", []*slot{mk(1, 3), mk(0.2, 2), mk(0.9, 0)}, []bool{true, true, false}, true},
		// An everyday word is missing, a small share of the query.
		{"small share missing", []*slot{mk(1, 3), mk(0.3, 2), mk(0.5, 40), mk(0.6, 0)}, []bool{true, true, false, false}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var total, cov float64
			for _, s := range tc.slots {
				total += s.weight
			}
			for i, s := range tc.slots {
				if tc.matched[i] {
					cov += s.weight / total
				}
			}
			hits := []Hit{{Code: "A", Score: 1, Coverage: cov, matched: tc.matched}, {Code: "B", Score: 0.1, Coverage: 0.1}}
			if cov < minPartial || cov >= minCoverage {
				t.Fatalf("coverage %.3f is not partial: fix the case", cov)
			}
			if got := confident(hits, tc.slots); got != tc.want {
				t.Errorf("confident = %v, want %v (coverage %.3f)", got, tc.want, cov)
			}
		})
	}
}
