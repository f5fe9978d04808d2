package web

import "fmt"

// messages holds every string the UI shows, in Italian (DESIGN: Italian first in the UI; English
// for code, logs and API field names). Templates reach them through the "t" function and Go code
// through msg, so that a translation or a wording change happens in this one place.
var messages = map[string]string{
	"app.name":    "Sportello",
	"app.tagline": "Base di conoscenza del contact center",
	"skip":        "Vai al contenuto",

	"nav.label":     "Navigazione principale",
	"nav.home":      "Inizio",
	"nav.tree":      "Albero dei contenuti",
	"nav.directory": "Rubrica",
	"nav.export":    "Esporta",
	"nav.api":       "API",
	"nav.role":      "Profilo",

	"role.anonymous":     "pubblico",
	"role.administrator": "amministratore",
	"role.publisher":     "redattore",
	"role.validator":     "validatore",
	"role.operator":      "operatore di front office",
	"role.backoffice":    "operatore di back office",
	"role.level2":        "secondo livello",
	"role.supervisor":    "supervisore",
	"role.auditor":       "revisore",

	"home.title": "Sportello",
	"home.intro": "Sportello raccoglie le schede informative approvate che gli operatori del contact center " +
		"leggono ai cittadini durante la telefonata, l'albero dei contenuti che le classifica e la rubrica " +
		"di uffici e persone dell'Amministrazione. I dati sono in formati aperti (RDF, SKOS, vCard) e si " +
		"possono esportare in ogni momento.",
	"home.tree":        "Sfoglia l'albero dei contenuti per evento della vita",
	"home.directory":   "Cerca un ufficio o una persona nella rubrica",
	"home.export":      "Scarica tutti i dati in formato aperto",
	"home.stats":       "Contenuti",
	"home.stat.pills":  "schede",
	"home.stat.concpt": "voci di classificazione",
	"home.stat.office": "uffici",
	"home.stat.people": "persone in rubrica",

	"tree.title":     "Albero dei contenuti",
	"tree.intro":     "Le voci sono organizzate per eventi della vita. Tra parentesi il numero di schede della voce e delle sue sottovoci.",
	"tree.empty":     "L'albero dei contenuti è vuoto.",
	"tree.expandAll": "Espandi tutto",
	"pills.one":      "1 scheda",
	"pills.many":     "%d schede",

	"concept.breadcrumb": "Percorso",
	"concept.narrower":   "Sottovoci",
	"concept.pills":      "Schede di questa voce e delle sottovoci",
	"concept.noPills":    "Nessuna scheda in questa voce.",
	"concept.altLabels":  "Detta anche",

	"pill.question":   "Domanda",
	"pill.answer":     "Risposta",
	"pill.office":     "Ufficio competente",
	"pill.department": "Struttura",
	"pill.legal":      "Riferimenti normativi",
	"pill.links":      "Collegamenti",
	"pill.forms":      "Moduli",
	"pill.keywords":   "Parole chiave",
	"pill.concepts":   "Classificazione",
	"pill.status":     "Stato",
	"pill.version":    "Versione",
	"pill.validated":  "Ultima validazione",
	"pill.reviewBy":   "Da rivedere entro",
	"pill.modified":   "Ultima modifica",
	"pill.validFrom":  "Valida dal",
	"pill.validUntil": "Valida fino al",
	"pill.audience":   "Destinatari",
	"pill.code":       "Codice",
	"pill.never":      "mai",
	"pill.phone":      "Telefono",
	"pill.email":      "Email",
	"pill.json":       "Dati della scheda (JSON)",

	"status.draft":     "bozza",
	"status.submitted": "in revisione",
	"status.published": "pubblicata",
	"status.rejected":  "respinta",
	"status.retired":   "ritirata",

	"dir.title":         "Rubrica",
	"dir.intro":         "Cerca per nome, ufficio, ruolo o numero interno.",
	"dir.q":             "Cerca",
	"dir.office":        "Ufficio",
	"dir.allOffices":    "Tutti gli uffici",
	"dir.submit":        "Cerca",
	"dir.reset":         "Azzera",
	"dir.results":       "Risultati",
	"dir.noResults":     "Nessun risultato.",
	"dir.offices":       "Uffici",
	"dir.people":        "Persone",
	"dir.name":          "Nome",
	"dir.role":          "Ruolo",
	"dir.extension":     "Interno",
	"dir.phone":         "Telefono",
	"dir.email":         "Email",
	"dir.pec":           "PEC",
	"dir.address":       "Indirizzo",
	"dir.hours":         "Orari",
	"dir.urp":           "Ufficio Relazioni con il Pubblico",
	"dir.subunits":      "Uffici dipendenti",
	"dir.unitPills":     "Schede di competenza",
	"dir.partOf":        "Fa parte di",
	"dir.noPeople":      "Nessuna persona in rubrica per questo ufficio.",
	"kind.organization": "ente",
	"kind.department":   "struttura",
	"kind.office":       "ufficio",

	"export.title":       "Esporta i dati",
	"export.intro":       "I dati appartengono all'Amministrazione e si possono scaricare in ogni momento in formati aperti (KB-11).",
	"export.all":         "Tutti i dati",
	"export.graph":       "Solo",
	"export.list":        "Esporta questo elenco",
	"export.vcard":       "vCard",
	"export.json":        "JSON",
	"graph.ontology":     "ontologia",
	"graph.vocabularies": "vocabolari nazionali",
	"graph.taxonomy":     "albero dei contenuti",
	"graph.content":      "schede",
	"graph.directory":    "rubrica",
	"graph.history":      "storico delle modifiche",

	"err.title":            "Errore",
	"err.notFound":         "La pagina richiesta non esiste.",
	"err.pillNotFound":     "Scheda non trovata.",
	"err.conceptNotFound":  "Voce dell'albero non trovata.",
	"err.unitNotFound":     "Ufficio non trovato.",
	"err.unauthorized":     "Per questa pagina occorre accedere con un profilo autorizzato.",
	"err.forbidden":        "Il tuo profilo non è autorizzato a questa operazione.",
	"err.internal":         "Si è verificato un errore interno. Riprova tra poco; se persiste, avvisa l'amministratore.",
	"err.badFormat":        "Formato di esportazione sconosciuto: scegli tra turtle, ntriples, nquads, trig, rdfxml, jsonld, vcard.",
	"err.badGraph":         "Grafo sconosciuto.",
	"err.badStatus":        "Stato della scheda sconosciuto.",
	"err.badNumber":        "Il parametro %s deve essere un numero intero non negativo.",
	"err.statusDenied":     "Il tuo profilo può vedere solo le schede pubblicate.",
	"err.methodNotAllowed": "Metodo non consentito.",
	"err.back":             "Torna all'inizio",

	"footer": "Sportello — dati in formati aperti, di proprietà dell'Amministrazione.",
}

// msg returns the UI string for key, formatted with args when given. A missing key shows
// itself, so that a typo is visible on the page rather than an empty space.
func msg(key string, args ...any) string {
	s, ok := messages[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}
