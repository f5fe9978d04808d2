package search

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sportello/internal/fsperm"
	"sportello/internal/textfold"
	"strings"
	"sync"
)

// SynonymGroup is a set of words or phrases that mean the same thing to a citizen: "bollo auto",
// "tassa automobilistica". Any of them in a query also searches for the others (KB-6).
type SynonymGroup struct {
	ID      string   `json:"id"`
	Terms   []string `json:"terms"`
	Builtin bool     `json:"builtin,omitempty"` // from the built-in list: cannot be removed
}

// defaultSynonyms is the built-in vocabulary of Italian public-administration language:
// acronyms with their expansions, the plain words citizens use for official terms ("corriera"
// for the regional bus lines, "senza lavoro" for "disoccupato"), and the verbs citizens say
// for the nouns of the procedures ("rinnovare" for "rinnovo", "mi hanno rubato" for "furto"),
// which no dictionary relates. Ordinary language — everyday synonyms — comes from the Italian
// thesaurus (language.go) instead of growing this list; administrators add the rest on
// /sinonimi.
var defaultSynonyms = [][]string{
	{"bollo auto", "tassa automobilistica", "bollo macchina", "tassa di circolazione", "bollo"},
	{"macchina", "auto", "automobile", "autovettura", "veicolo", "vettura"},
	{"ISEE", "indicatore della situazione economica equivalente"},
	{"SPID", "sistema pubblico di identità digitale", "identità digitale"},
	{"CIE", "carta d'identità elettronica", "carta di identità elettronica", "carta d'identità"},
	{"CUP", "centro unico di prenotazione"},
	{"ERP", "edilizia residenziale pubblica", "case popolari", "alloggio popolare", "casa popolare", "IACP"},
	{"TARI", "tassa rifiuti", "tassa sui rifiuti", "tassa spazzatura"},
	{"IMU", "imposta municipale unica", "tassa sulla casa"},
	{"ASL", "ASP", "ASRM", "azienda sanitaria", "USL", "unità sanitaria locale"},
	{"NASpI", "indennità di disoccupazione", "sussidio di disoccupazione"},
	{"DURC", "documento unico di regolarità contributiva", "regolarità contributiva"},
	{"SUAP", "sportello unico per le attività produttive", "sportello unico attività produttive"},
	{"ZTL", "zona a traffico limitato"},
	{"pagoPA", "pago pa", "pago PA"},
	{"ticket", "tiket", "ticket sanitario", "compartecipazione alla spesa"},
	{"esenzione", "esente", "esenti", "esentato", "esonero"},
	{"medico di base", "medico di famiglia", "medico di medicina generale", "MMG", "dottore di famiglia"},
	{"medico", "dottore"},
	{"FSE", "fascicolo sanitario elettronico", "fascicolo sanitario"},
	{"PEC", "posta elettronica certificata", "posta certificata"},
	{"URP", "ufficio relazioni con il pubblico"},
	{"IRAP", "imposta regionale sulle attività produttive"},
	{"IRPEF", "imposta sul reddito delle persone fisiche"},
	{"TPL", "trasporto pubblico locale", "trasporto pubblico"},
	{"autobus", "bus", "pullman", "corriera", "corriere"},
	{"NCC", "noleggio con conducente"},
	{"PAC", "politica agricola comune"},
	{"PSR", "programma di sviluppo rurale", "sviluppo rurale", "CSR"},
	{"CAA", "centro di assistenza agricola"},
	{"DID", "dichiarazione di immediata disponibilità"},
	{"centro per l'impiego", "CPI", "ufficio di collocamento", "collocamento"},
	{"disoccupato", "disoccupati", "disoccupazione", "senza lavoro", "licenziato", "perso il lavoro"},
	{"GOL", "garanzia di occupabilità dei lavoratori"},
	{"OSS", "operatore socio sanitario"},
	{"SCIA", "segnalazione certificata di inizio attività"},
	{"PMI", "piccole e medie imprese"},
	{"FOIA", "accesso civico generalizzato"},
	{"BURM", "bollettino ufficiale"},
	{"TEAM", "tessera europea di assicurazione malattia", "tessera europea"},
	{"NRE", "ricetta elettronica", "ricetta dematerializzata"},
	{"ricetta", "impegnativa", "prescrizione"},
	{"invalido", "invalidi", "invalidità", "disabile", "disabili", "disabilità", "handicap", "legge 104"},
	{"carrozzina", "sedia a rotelle"},
	{"tirocinio", "stage", "tirocini"},
	{"affitto", "canone", "locazione", "pigione"},
	{"multa", "sanzione", "verbale", "contravvenzione"},
	{"prenotare", "prenotazione", "prenoto", "prenotato"},
	{"pagare", "pagamento", "pago", "versamento", "pagato"},
	{"rinnovare", "rinnovo", "rinnovato"},
	{"iscriversi", "iscrizione", "iscritto", "iscrivo"},
	{"rimborso", "rimborsare", "rimborsa", "restituzione", "ridanno i soldi"},
	{"disdetta", "disdire", "annullare", "annullamento", "cancellare la prenotazione"},
	{"smarrito", "smarrimento", "perso", "persa", "perduto", "perdita"},
	{"furto", "rubato", "rubata", "rubati"},
	{"scadenza", "scaduto", "scaduta", "scade", "scadere"},
	{"vaccino", "vaccini", "vaccinazione", "vaccinazioni", "vaccinare"},
	{"contributo", "bonus", "sussidio", "aiuto economico", "agevolazione", "incentivo", "finanziamento"},
	{"gratis", "gratuito", "gratuita", "gratuiti", "senza pagare"},
	{"rifiuti", "spazzatura", "immondizia"},
	{"caccia", "venatorio", "venatoria", "cacciatore"},
	{"pesca", "pescare", "pescatore"},
	{"scuole superiori", "superiori", "liceo", "scuola secondaria di secondo grado"},
	{"casa", "abitazione", "alloggio", "appartamento"},
	{"sconto", "riduzione", "ridotto", "agevolato"},
	{"stranieri", "straniero", "straniera", "immigrati", "extracomunitari"},
	{"neonato", "nuovi nati", "nascita", "bebè", "nato", "nata"},
	{"anziani", "over 65", "terza età"},
	{"trasloco", "cambio di residenza"},
	{"B&B", "bed and breakfast", "affittacamere", "casa vacanza", "case vacanza"},
	{"negozio", "esercizio di vicinato", "attività commerciale"},
	{"caldaia", "impianto termico", "impianti termici"},
	{"lavoro", "impiego", "occupazione"},
	{"referti", "referto", "esiti degli esami"},
	{"quanto costa", "quanto si paga", "quanto pago", "quanto devo pagare", "costo", "importo", "prezzo", "tariffa", "quanto viene"},
	{"guardia medica", "continuità assistenziale"},
	{"reclamo", "lamentela", "protesta", "segnalazione"},
	// Situations the pills describe, as callers put them.
	{"dimenticato", "dimenticata", "dimenticare", "scordato", "scordata", "scordare"},
	{"vendita", "venduto", "venduta", "vendere", "ceduto", "passaggio di proprietà"},
	{"libera professione", "intramoenia", "ALPI", "visita privata", "privatamente", "a pagamento"},
	{"priorità", "classe di priorità", "urgente", "urgenza"},
	{"e-commerce", "vendere online", "vendita online", "negozio online", "sito internet"},
	{"orari", "orario", "a che ora"},
	{"impresa", "ditta", "imprese"},
	{"autoimpiego", "partita iva", "lavoro autonomo", "mettersi in proprio", "nuova impresa"},
	{"femminile", "donna", "donne"},
}

// Synonyms holds the built-in groups and those administrators maintain; the latter are kept in
// a JSON file in the index folder and survive rebuilds of the index.
type Synonyms struct {
	mu      sync.RWMutex
	path    string
	builtin []SynonymGroup
	admin   []SynonymGroup
	concept []SynonymGroup // from SKOS labels, replaced when the concept tree changes
	gen     int            // counts changes, for the analysed cache
}

const synonymsFile = "synonyms.json"

// loadSynonyms reads the administrators' list from path; a missing file is an empty list.
func loadSynonyms(path string) (*Synonyms, error) {
	s := &Synonyms{path: path}
	for _, terms := range defaultSynonyms {
		s.builtin = append(s.builtin, SynonymGroup{ID: groupID(terms), Terms: terms, Builtin: true})
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, err
	}
	if err := json.Unmarshal(b, &s.admin); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	for i := range s.admin {
		s.admin[i].Builtin = false
		s.admin[i].ID = groupID(s.admin[i].Terms)
	}
	return s, nil
}

func groupID(terms []string) string {
	keys := make([]string, 0, len(terms))
	for _, t := range terms {
		keys = append(keys, textfold.Fold(strings.TrimSpace(t)))
	}
	sort.Strings(keys)
	h := sha256.Sum256([]byte(strings.Join(keys, "\x00")))
	return hex.EncodeToString(h[:6])
}

// List returns the built-in groups followed by the administrators' ones.
func (s *Synonyms) List() []SynonymGroup {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]SynonymGroup, 0, len(s.builtin)+len(s.admin))
	out = append(out, s.builtin...)
	return append(out, s.admin...)
}

// Add stores a new group of at least two terms and returns it.
func (s *Synonyms) Add(terms []string) (SynonymGroup, error) {
	var clean []string
	seen := map[string]bool{}
	for _, t := range terms {
		t = strings.Join(strings.Fields(t), " ")
		if t == "" || seen[textfold.Fold(t)] {
			continue
		}
		seen[textfold.Fold(t)] = true
		clean = append(clean, t)
	}
	if len(clean) < 2 {
		return SynonymGroup{}, errors.New("a synonym group needs at least two different terms")
	}
	g := SynonymGroup{ID: groupID(clean), Terms: clean}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.admin {
		if o.ID == g.ID {
			return o, nil
		}
	}
	admin := append(append([]SynonymGroup(nil), s.admin...), g)
	if err := s.save(admin); err != nil {
		return SynonymGroup{}, err
	}
	s.admin = admin
	s.gen++
	return g, nil
}

// Remove deletes an administrators' group. Built-in groups cannot be removed.
func (s *Synonyms) Remove(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, g := range s.admin {
		if g.ID == id {
			admin := append(append([]SynonymGroup(nil), s.admin[:i]...), s.admin[i+1:]...)
			if err := s.save(admin); err != nil {
				return err
			}
			s.admin = admin
			s.gen++
			return nil
		}
	}
	for _, g := range s.builtin {
		if g.ID == id {
			return fmt.Errorf("synonym group %s is built in and cannot be removed", id)
		}
	}
	return fmt.Errorf("synonym group %s: not found", id)
}

// save writes the list to a temporary file and renames it, so that a crash leaves the old
// list or the new one, never half of one.
func (s *Synonyms) save(groups []SynonymGroup) error {
	if s.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(groups, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := fsperm.MkdirAll(filepath.Dir(s.path)); err != nil {
		return err
	}
	if err := os.WriteFile(tmp, append(b, '\n'), fsperm.File); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}

func (s *Synonyms) setConceptGroups(groups []SynonymGroup) {
	s.mu.Lock()
	s.concept = groups
	s.gen++
	s.mu.Unlock()
}

// snapshot returns every group, concept labels included, and the generation of the lists.
func (s *Synonyms) snapshot() ([]SynonymGroup, int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]SynonymGroup, 0, len(s.builtin)+len(s.admin)+len(s.concept))
	out = append(out, s.builtin...)
	out = append(out, s.admin...)
	return append(out, s.concept...), s.gen
}
