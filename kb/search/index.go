package search

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"
	"go.etcd.io/bbolt"

	"sportello/internal/fsperm"
	"sportello/internal/htmltext"
	"sportello/internal/phone"
	"sportello/internal/textfold"
	"sportello/kb"
)

// schemaVersion names the mapping and analysis of the documents. An index written with another
// version is stale and is rebuilt at start-up.
const schemaVersion = "sportello-search-10"

// Kinds of documents.
const (
	KindPill   = "pill"
	KindOffice = "office"
	KindPerson = "person"
)

// State says what Open found on disk.
type State string

const (
	StateOK      State = "ok"
	StateMissing State = "missing" // no index: a new, empty one was created
	StateCorrupt State = "corrupt" // bleve could not open it: it was replaced by an empty one
	StateStale   State = "stale"   // written by another schema version
)

// Source is where the index is rebuilt from. *kb.Store satisfies it.
type Source interface {
	Pills(ctx context.Context, f kb.PillFilter) ([]kb.Pill, error)
	Concepts(ctx context.Context) ([]kb.Concept, error)
	Units(ctx context.Context) ([]kb.Unit, error)
	People(ctx context.Context) ([]kb.Person, error)
}

// Indexer is what the knowledge base calls on each write (issue 4 §8), so that a pill is
// findable, or gone, as soon as it is saved.
type Indexer interface {
	Index(p *kb.Pill) error
	Delete(iri string) error
	IndexUnit(u *kb.Unit) error
	IndexPerson(p *kb.Person) error
	SetConcepts(concepts []kb.Concept) error
}

var (
	_ Indexer = (*Index)(nil)
	_ Source  = (*kb.Store)(nil)
)

// Index is the search index of one data folder. It is safe for concurrent use.
type Index struct {
	dir   string
	state State
	syn   *Synonyms

	mu       sync.RWMutex
	bi       bleve.Index
	concepts map[string]kb.Concept
	units    map[string]kb.Unit
	itAn     analysis.Analyzer
	foldAn   analysis.Analyzer

	res  *Resources // thesaurus and dictionary; nil: none
	tune tuning

	phr       PhrasingSource // learned phrasings; nil: none
	learnRule learnRule

	synMu    sync.Mutex
	synCache []synGroup // analysed synonym lists
	synGen   int        // of Synonyms when synCache was built

	pagesMu  sync.RWMutex
	pages    bleve.Index // harvested pages (pages.go); nil until SyncPages
	pagesKey string      // fingerprint of the pages indexed
	pagesDir string      // its temporary folder
}

const (
	bleveDir     = "bleve"
	conceptsFile = "concepts.json"
	unitsFile    = "units.json"
)

// Open opens the index in dir (DATA/index), creating it when missing. A corrupt index is
// replaced by an empty one; State reports either case so that the caller calls Sync.
func Open(dir string) (*Index, error) {
	if err := fsperm.MkdirAll(dir); err != nil {
		return nil, err
	}
	x := &Index{dir: dir, state: StateOK, tune: defaultTuning, learnRule: defaultLearnRule, concepts: map[string]kb.Concept{}, units: map[string]kb.Unit{}}
	var err error
	if x.syn, err = loadSynonyms(filepath.Join(dir, synonymsFile)); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, bleveDir)
	bi, err := openBleve(path, false)
	switch {
	case errors.Is(err, ErrInUse):
		return nil, err // never taken for corruption: the other process's index stays
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
		x.state = StateMissing
		bi, err = newBleve(path)
	case err != nil:
		x.state = StateCorrupt
		if err := os.RemoveAll(path); err != nil {
			return nil, err
		}
		bi, err = newBleve(path)
	}
	if err != nil {
		return nil, fmt.Errorf("search index %s: %v", path, err)
	}
	if x.state == StateOK {
		if v, _ := bi.GetInternal([]byte(keySchema)); string(v) != schemaVersion {
			x.state = StateStale
		}
	}
	x.setBleve(bi)
	// Pages' indexes a process that ended without closing its index left behind (pages.go);
	// this process holds the index's lock, so none of them is in use.
	if old, _ := filepath.Glob(filepath.Join(dir, pagesPrefix+"*")); len(old) > 0 {
		for _, p := range old {
			os.RemoveAll(p)
		}
	}
	var concepts []kb.Concept
	if err := readJSON(filepath.Join(dir, conceptsFile), &concepts); err != nil {
		return nil, err
	}
	x.setConcepts(concepts)
	var units []kb.Unit
	if err := readJSON(filepath.Join(dir, unitsFile), &units); err != nil {
		return nil, err
	}
	for _, u := range units {
		x.units[u.IRI] = u
	}
	return x, nil
}

// lockTimeout is how long opening an index waits for another process to release it.
const lockTimeout = 2 * time.Second

// ErrInUse is returned (wrapped) when another process holds the index, as `sportello serve`
// does while it runs.
var ErrInUse = errors.New("in use by another process (is sportello serve running?)")

// openBleve opens an index on disk, failing after lockTimeout instead of waiting for ever when
// another process holds it.
func openBleve(path string, readOnly bool) (bleve.Index, error) {
	cfg := map[string]interface{}{"bolt_timeout": lockTimeout.String()}
	if readOnly {
		cfg["read_only"] = true
	}
	bi, err := bleve.OpenUsing(path, cfg)
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("search: %s is %w", path, ErrInUse)
	}
	return bi, err
}

// OpenMemory opens an index that lives in memory only, for tests and benchmarks.
func OpenMemory() (*Index, error) {
	bi, err := bleve.NewMemOnly(newMapping())
	if err != nil {
		return nil, err
	}
	syn, _ := loadSynonyms("")
	x := &Index{state: StateMissing, syn: syn, tune: defaultTuning, learnRule: defaultLearnRule, concepts: map[string]kb.Concept{}, units: map[string]kb.Unit{}}
	x.setBleve(bi)
	return x, nil
}

func (x *Index) setBleve(bi bleve.Index) {
	x.bi = bi
	m := bi.Mapping()
	x.itAn = m.AnalyzerNamed(analyzerItalian)
	x.foldAn = m.AnalyzerNamed(analyzerFolded)
}

// tuning switches parts of the ranking on and off, for the evaluation of each on the
// development sets.
type tuning struct {
	lemmas, thesaurus bool
	// Weights of the alternatives from the language resources, relative to the word typed, and
	// how many synonyms a word brings (the first the thesaurus lists that the index holds).
	lemmaWeight, thesWeight float64
	maxThes                 int
	// fuzzyUnknownOnly expands a word to its typing neighbours only when the index does not
	// hold it as typed: a word it holds is taken as meant.
	fuzzyUnknownOnly bool
	// answerCredit is the share of a word's weight a hit gets in its coverage when the word is
	// in its answer only.
	answerCredit float64
}

var defaultTuning = tuning{lemmas: true, thesaurus: true, lemmaWeight: 0.5, thesWeight: 0.3, maxThes: 6, fuzzyUnknownOnly: true}

// SetResources gives the index the language resources to expand queries with (nil: none).
// Queries use them at once; nothing is re-indexed.
func (x *Index) SetResources(r *Resources) {
	x.mu.Lock()
	x.res = r
	x.mu.Unlock()
}

// State reports what Open found: anything but StateOK calls for Sync or Rebuild.
func (x *Index) State() State { return x.state }

// Synonyms returns the synonym lists (built-in and administrators').
func (x *Index) Synonyms() *Synonyms { return x.syn }

// Close closes the index.
func (x *Index) Close() error {
	x.pagesMu.Lock()
	closePages(x.pages, x.pagesDir)
	x.pages, x.pagesDir = nil, ""
	x.pagesMu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.bi.Close()
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// writeJSON writes through a temporary file and a rename: never half a file.
func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, fsperm.File); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Field names and their weights: title and question above keywords and concept labels, above
// the office, above the answer text (issue 4 §1).
const (
	fKind       = "kind"
	fCode       = "code"
	fIRI        = "iri"
	fTitle      = "title"
	fQuestion   = "question"
	fKeywords   = "keywords"
	fConcepts   = "concepts"
	fOfficeText = "office_text"
	fAnswer     = "answer"
	fSpell      = "spell"
	fStems      = "stems"
	fBranch     = "branch"
	fDepartment = "department"
	fOffice     = "office"
	fStatus     = "status"
	fValidated  = "validated"
	fFrom       = "valid_from"
	fUntil      = "valid_until"
	// fOpen marks what everyone may see at any time — published and without a validity period,
	// almost every document: the operators' filter is one posting list, and reads the status and
	// the date ranges of the others only.
	fOpen       = "open"
	fDirName    = "dir_name"
	fDirRole    = "dir_role"
	fDirOffice  = "dir_office"
	fDirExt     = "dir_ext"
	fDirPhone   = "dir_phone"
	fOfficeName = "office_name"
	// fDirTopics holds, on an office, the titles and keywords of the published pills it is
	// competent for: "bollo" finds the car-tax office although its name does not say so.
	fDirTopics = "dir_topics"
	fDirUnit   = "dir_unit" // an office's name, stemmed: "carburante agricolo" finds "Carburanti Agricoli"
	fLearned   = "learned"  // the words contacts solved with the pill used (learn.go)
	fLearnedW  = "learned_weak"
)

type weighted struct {
	field  string
	boost  float64
	strong bool // counts for confidence: the hit is about this word
}

var textFields = []weighted{
	{fTitle, 4, true},
	{fQuestion, 3.5, true},
	{fKeywords, 2.5, true},
	{fConcepts, 2, true},
	{fLearned, 2, true},
	{fLearnedW, 0.8, false},
	{fOfficeText, 0.8, false},
	{fAnswer, 1, false},
	{fDirName, 3, true},
	{fDirOffice, 1.5, false}, // a person found by office: the office itself is the better hit
	{fDirRole, 1.5, true},
	{fDirTopics, 0.7, false},
	{fDirUnit, 3, true},
}

func newMapping() *mapping.IndexMappingImpl {
	m := bleve.NewIndexMapping()
	if err := addAnalyzers(m); err != nil {
		panic(err) // the analyzers are fixed at compile time
	}
	doc := bleve.NewDocumentStaticMapping()
	text := func(name, analyzer string, store bool) {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		// Term vectors serve highlighting (and phrases), which only stored fields get.
		// and coverage, which reads which words matched in the strong fields (slotMatches).
		// The answer's passage is cut from its stored text (answerSnippet): no positions.
		f.IncludeTermVectors = store && name != fAnswer || name == fKeywords || name == fConcepts ||
			name == fLearned || name == fDirUnit || name == fDirTopics || name == fDirOffice
		f.IncludeInAll = false
		doc.AddFieldMappingsAt(name, f)
	}
	kw := func(name string, store, facet bool) {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.DocValues = facet
		f.IncludeInAll = false
		doc.AddFieldMappingsAt(name, f)
	}
	num := func(name string) {
		f := bleve.NewNumericFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		doc.AddFieldMappingsAt(name, f)
	}
	text(fTitle, analyzerItalian, true)
	text(fQuestion, analyzerItalian, true)
	text(fKeywords, analyzerItalian, true) // stored: an office's topics are rebuilt from it
	text(fConcepts, analyzerItalian, false)
	text(fLearned, analyzerItalian, false)
	text(fLearnedW, analyzerItalian, false)
	text(fOfficeText, analyzerItalian, false)
	text(fAnswer, analyzerItalian, true)
	text(fSpell, analyzerFolded, false)
	text(fStems, analyzerItalian, false)
	text(fDirName, analyzerFolded, true)
	text(fDirRole, analyzerItalian, true)
	text(fDirOffice, analyzerItalian, false)
	text(fDirTopics, analyzerItalian, false)
	text(fDirUnit, analyzerItalian, false)
	kw(fOpen, false, false)
	for _, k := range []string{fKind, fIRI, fBranch, fDepartment, fOffice, fStatus} {
		kw(k, true, true)
	}
	kw(fValidated, true, false)
	kw(fOfficeName, true, false)
	kw(fDirExt, true, false)
	kw(fDirPhone, true, false)
	codeField := bleve.NewTextFieldMapping()
	codeField.Analyzer = analyzerKeywordLow
	codeField.Store = true
	codeField.IncludeInAll = false
	doc.AddFieldMappingsAt(fCode, codeField)
	num(fFrom)
	num(fUntil)
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerItalian
	return m
}

func newBleve(path string) (bleve.Index, error) {
	bi, err := bleve.New(path, newMapping())
	if err != nil {
		return nil, err
	}
	if err := bi.SetInternal([]byte(keySchema), []byte(schemaVersion)); err != nil {
		bi.Close()
		return nil, err
	}
	// bleve writes index_meta.json 0666: private like the rest of the data folder (fsperm).
	if _, err := fsperm.Tighten(path); err != nil {
		bi.Close()
		return nil, err
	}
	return bi, nil
}

// Internal keys: the schema version, the concept tree's hash, and per document a hash of what
// was indexed, compared with the store at start-up (Sync).
const (
	keySchema   = "schema"
	keyConcepts = "concepts"
	keyDocPref  = "doc\x00"
)

func hashStrings(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:8])
}

// docKey fingerprints what was indexed for a document, compared with the store at start-up.
// It is built from values, not from JSON, so that nil and empty lists or a time zone the store
// reads back differently do not make an index look stale.
func docKey(v any, learned ...string) string {
	switch d := v.(type) {
	case *kb.Pill:
		// The store bumps Version and Modified on every write, status changes included.
		return hashStrings(append([]string{"pill", d.IRI, fmt.Sprint(d.Version), string(d.Status), fmt.Sprint(d.Modified.Unix())}, learned...)...)
	case *kb.Unit:
		return hashStrings("unit", d.IRI, d.Name, string(d.Kind), d.Parent, fmt.Sprint(d.URP), strings.Join(d.Phones, ","))
	case *kb.Person:
		return hashStrings("person", d.IRI, d.GivenName, d.FamilyName, d.Role, d.Unit, d.Extension, strings.Join(d.Phones, ","))
	}
	return ""
}

// SetConcepts replaces the classification tree used to index pills (labels of a pill's concepts
// and of their ancestors, KB-6) and to expand queries with SKOS alt and hidden labels. Pills
// already indexed keep the labels they were indexed with until re-indexed; Sync notices the
// change and rebuilds.
func (x *Index) SetConcepts(concepts []kb.Concept) error {
	x.mu.Lock()
	x.setConcepts(concepts)
	bi := x.bi
	x.mu.Unlock()
	if x.dir != "" {
		if err := writeJSON(filepath.Join(x.dir, conceptsFile), concepts); err != nil {
			return err
		}
	}
	return bi.SetInternal([]byte(keyConcepts), []byte(conceptsHash(concepts)))
}

func conceptsHash(concepts []kb.Concept) string {
	var parts []string
	for _, c := range concepts {
		p := []string{c.IRI, c.Broader}
		for lang, l := range c.PrefLabel {
			p = append(p, "p:"+lang+":"+l)
		}
		for lang, ls := range c.AltLabels {
			for _, l := range ls {
				p = append(p, "a:"+lang+":"+l)
			}
		}
		for lang, ls := range c.HiddenLabels {
			for _, l := range ls {
				p = append(p, "h:"+lang+":"+l)
			}
		}
		for _, b := range c.AlsoBroader {
			p = append(p, "b:"+b)
		}
		sort.Strings(p[2:])
		parts = append(parts, strings.Join(p, "\x01"))
	}
	sort.Strings(parts)
	return hashStrings(parts...)
}

func (x *Index) setConcepts(concepts []kb.Concept) {
	x.concepts = make(map[string]kb.Concept, len(concepts))
	var groups []SynonymGroup
	for _, c := range concepts {
		x.concepts[c.IRI] = c
		var terms []string
		seen := map[string]bool{}
		add := func(s string) {
			if s != "" && !seen[textfold.Fold(s)] {
				seen[textfold.Fold(s)] = true
				terms = append(terms, s)
			}
		}
		for _, l := range sortedValues(c.PrefLabel) {
			add(l)
		}
		for _, ls := range c.AltLabels {
			for _, l := range ls {
				add(l)
			}
		}
		for _, ls := range c.HiddenLabels {
			for _, l := range ls {
				add(l)
			}
		}
		if len(terms) > 1 {
			groups = append(groups, SynonymGroup{ID: "concept:" + c.IRI, Terms: terms})
		}
	}
	x.syn.setConceptGroups(groups)
}

func sortedValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// lineage returns a concept and its ancestors, nearest first; a cycle in skos:broader stops the
// walk instead of looping.
func (x *Index) lineage(iri string) []kb.Concept {
	var out []kb.Concept
	seen := map[string]bool{}
	for iri != "" && !seen[iri] {
		seen[iri] = true
		c, ok := x.concepts[iri]
		if !ok {
			break
		}
		out = append(out, c)
		iri = c.Broader
	}
	return out
}

// furtherAncestors returns the ancestors reached through the further parents of lin's concepts
// (kb.Concept.AlsoBroader: SKOS allows several skos:broader) that lin does not hold, so a pill
// filed under a concept with two parents is found by the words of both branches; the branch
// facet stays the main parent's.
func (x *Index) furtherAncestors(lin []kb.Concept) []kb.Concept {
	seen := make(map[string]bool, len(lin))
	var todo []string
	for _, c := range lin {
		seen[c.IRI] = true
	}
	for _, c := range lin {
		todo = append(todo, c.AlsoBroader...)
	}
	var out []kb.Concept
	for len(todo) > 0 {
		iri := todo[0]
		todo = todo[1:]
		c, ok := x.concepts[iri]
		if seen[iri] || !ok {
			continue
		}
		seen[iri] = true
		out = append(out, c)
		todo = append(todo, c.Parents()...)
	}
	return out
}

const (
	minTime = math.MinInt32
	maxTime = math.MaxInt64 / 2
)

func (x *Index) pillDoc(p *kb.Pill, learned string) map[string]any {
	learnedStrong, learnedWeak := splitLearned(learned)
	var labels []string
	branch := ""
	for _, ci := range p.Concepts {
		lin := x.lineage(ci)
		for _, c := range append(lin, x.furtherAncestors(lin)...) {
			for _, l := range sortedValues(c.PrefLabel) {
				labels = append(labels, l)
			}
			for _, ls := range c.AltLabels {
				labels = append(labels, ls...)
			}
			for _, ls := range c.HiddenLabels {
				labels = append(labels, ls...)
			}
		}
		if len(lin) > 0 && branch == "" {
			branch = lin[len(lin)-1].IRI
		}
	}
	office := p.Office
	officeText := p.OfficeName
	if u, ok := x.units[p.Office]; ok {
		officeText = u.Name
	}
	if office == "" && p.OfficeName != "" {
		office = "name:" + p.OfficeName
	}
	answer := htmltext.Text(p.Answer)
	from, until := float64(minTime), float64(maxTime)
	if p.ValidFrom != nil {
		from = float64(p.ValidFrom.Unix())
	}
	if p.ValidUntil != nil {
		until = float64(p.ValidUntil.Unix())
	}
	validated := ""
	if p.Validated != nil {
		validated = p.Validated.UTC().Format(time.RFC3339)
	}
	status := string(p.Status)
	if status == "" {
		status = string(kb.StatusDraft)
	}
	keywords := strings.Join(p.Keywords, " ; ")
	doc := map[string]any{
		fKind:       KindPill,
		fIRI:        p.IRI,
		fCode:       p.Code,
		fTitle:      p.Title,
		fQuestion:   p.Question,
		fKeywords:   keywords,
		fConcepts:   strings.Join(labels, " ; "),
		fLearned:    learnedStrong,
		fLearnedW:   learnedWeak,
		fOfficeText: officeText,
		fOfficeName: p.OfficeName,
		fAnswer:     answer,
		// The answer is indexed once, in its own field: the spelling and stem dictionaries hold the
		// shorter texts, and lookups read the answer's dictionary beside them (stemCount,
		// nearStems).
		fSpell:      strings.Join([]string{p.Title, p.Question, keywords, strings.Join(labels, " "), officeText}, " \n "),
		fStems:      strings.Join([]string{p.Title, p.Question, keywords, strings.Join(labels, " "), officeText}, " \n "),
		fBranch:     branch,
		fDepartment: p.Department,
		fOffice:     office,
		fStatus:     status,
		fValidated:  validated,
	}
	if p.ValidFrom == nil && p.ValidUntil == nil {
		if status == string(kb.StatusPublished) {
			doc[fOpen] = "1"
		}
	} else {
		doc[fFrom], doc[fUntil] = from, until
	}
	return doc
}

// Index adds or replaces a pill. Every status is indexed; visibility is decided at query time.
func (x *Index) Index(p *kb.Pill) error {
	if p.IRI == "" {
		return errors.New("search: pill without IRI")
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	learned, err := x.learned(context.Background(), p.IRI)
	if err != nil {
		return err
	}
	before := x.storedOffice(p.IRI)
	b := x.bi.NewBatch()
	if err := b.Index(p.IRI, x.pillDoc(p, learned)); err != nil {
		return err
	}
	b.SetInternal([]byte(keyDocPref+p.IRI), []byte(docKey(p, learned)))
	if err := x.bi.Batch(b); err != nil {
		return err
	}
	return x.refreshOffices(before, p.Office)
}

// storedOffice is the competent office a document was indexed with.
func (x *Index) storedOffice(iri string) string {
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery([]string{iri}), 1, 0, false)
	req.Fields = []string{fOffice}
	res, err := x.bi.Search(req)
	if err != nil || len(res.Hits) == 0 {
		return ""
	}
	return str(res.Hits[0].Fields, fOffice)
}

// refreshOffices re-indexes the topics of the offices a pill moved between. Callers hold x.mu
// (read).
func (x *Index) refreshOffices(offices ...string) error {
	seen := map[string]bool{}
	for _, o := range offices {
		u, ok := x.units[o]
		if o == "" || seen[o] || !ok {
			continue
		}
		seen[o] = true
		topics, err := x.officeTopics(o)
		if err != nil {
			return err
		}
		b := x.bi.NewBatch()
		if err := b.Index(u.IRI, x.unitDoc(&u, topics)); err != nil {
			return err
		}
		if err := x.bi.Batch(b); err != nil {
			return err
		}
	}
	return nil
}

// maxTopicPills bounds the pills whose words describe an office.
const maxTopicPills = 200

// officeTopics reads from the index the titles and keywords of the published pills an office
// is competent for.
func (x *Index) officeTopics(office string) (string, error) {
	of := bleve.NewTermQuery(office)
	of.SetField(fOffice)
	kind := bleve.NewTermQuery(KindPill)
	kind.SetField(fKind)
	st := bleve.NewTermQuery(string(kb.StatusPublished))
	st.SetField(fStatus)
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(of, kind, st), maxTopicPills, 0, false)
	req.Fields = []string{fTitle, fKeywords}
	req.SortBy([]string{fIRI})
	res, err := x.bi.Search(req)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, h := range res.Hits {
		parts = append(parts, str(h.Fields, fTitle), str(h.Fields, fKeywords))
	}
	return strings.Join(parts, " ; "), nil
}

// topicsOf is officeTopics over a list of pills, for a rebuild.
func topicsOf(pills []kb.Pill) map[string]string {
	parts := map[string][]string{}
	sorted := make([]*kb.Pill, 0, len(pills))
	for i := range pills {
		sorted = append(sorted, &pills[i])
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].IRI < sorted[j].IRI })
	for _, p := range sorted {
		if p.Office == "" || p.Status != kb.StatusPublished || len(parts[p.Office]) >= 2*maxTopicPills {
			continue
		}
		parts[p.Office] = append(parts[p.Office], p.Title, strings.Join(p.Keywords, " ; "))
	}
	out := make(map[string]string, len(parts))
	for o, ps := range parts {
		out[o] = strings.Join(ps, " ; ")
	}
	return out
}

// Delete removes a pill, office or person.
func (x *Index) Delete(iri string) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	before := ""
	if _, unit := x.units[iri]; !unit {
		before = x.storedOffice(iri)
	}
	b := x.bi.NewBatch()
	b.Delete(iri)
	b.DeleteInternal([]byte(keyDocPref + iri))
	if err := x.bi.Batch(b); err != nil {
		return err
	}
	return x.refreshOffices(before)
}

func (x *Index) unitDoc(u *kb.Unit, topics string) map[string]any {
	parent := ""
	if p, ok := x.units[u.Parent]; ok {
		parent = p.Name
	}
	return map[string]any{
		fKind:       KindOffice,
		fIRI:        u.IRI,
		fTitle:      "",
		fDirName:    u.Name,
		fDirOffice:  parent,
		fDirRole:    map[bool]string{true: "URP ufficio relazioni con il pubblico"}[u.URP],
		fDirPhone:   phoneKeys(u.Phones),
		fDirTopics:  topics,
		fDirUnit:    u.Name,
		fDepartment: u.Parent,
		fOffice:     u.IRI,
		fSpell:      u.Name,
		fStems:      u.Name + " \n " + parent,
		fStatus:     string(kb.StatusPublished),
		fOpen:       "1",
	}
}

// IndexUnit adds or replaces an office or department in the directory (KB-13, TEL-8).
func (x *Index) IndexUnit(u *kb.Unit) error {
	if u.IRI == "" {
		return errors.New("search: unit without IRI")
	}
	x.mu.Lock()
	x.units[u.IRI] = *u
	units := x.unitList()
	x.mu.Unlock()
	x.mu.RLock()
	topics, err := x.officeTopics(u.IRI)
	doc := x.unitDoc(u, topics)
	x.mu.RUnlock()
	if err != nil {
		return err
	}
	if x.dir != "" {
		if err := writeJSON(filepath.Join(x.dir, unitsFile), units); err != nil {
			return err
		}
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	b := x.bi.NewBatch()
	if err := b.Index(u.IRI, doc); err != nil {
		return err
	}
	b.SetInternal([]byte(keyDocPref+u.IRI), []byte(docKey(u)))
	return x.bi.Batch(b)
}

func (x *Index) unitList() []kb.Unit {
	out := make([]kb.Unit, 0, len(x.units))
	for _, u := range x.units {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IRI < out[j].IRI })
	return out
}

// phoneKeys are the phone.Key of each number: what a typed number is matched against.
func phoneKeys(phones []string) []string {
	var out []string
	for _, p := range phones {
		if k := phone.Key(p); k != "" {
			out = append(out, k)
		}
	}
	return out
}

func (x *Index) personDoc(p *kb.Person) map[string]any {
	unit := x.units[p.Unit]
	office := unit.Name
	if d, ok := x.units[unit.Parent]; ok {
		office += " ; " + d.Name
	}
	name := p.FullName()
	return map[string]any{
		fKind:       KindPerson,
		fIRI:        p.IRI,
		fDirName:    name,
		fDirRole:    p.Role,
		fDirOffice:  office,
		fDirExt:     p.Extension,
		fDirPhone:   phoneKeys(p.Phones),
		fDepartment: unit.Parent,
		fOffice:     p.Unit,
		fSpell:      name + " \n " + p.Role,
		fStems:      p.Role + " \n " + office,
		fStatus:     string(kb.StatusPublished),
		fOpen:       "1",
	}
}

// IndexPerson adds or replaces a person of the phone directory: found by name, office, role or
// extension (TEL-8).
func (x *Index) IndexPerson(p *kb.Person) error {
	if p.IRI == "" {
		return errors.New("search: person without IRI")
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	b := x.bi.NewBatch()
	if err := b.Index(p.IRI, x.personDoc(p)); err != nil {
		return err
	}
	b.SetInternal([]byte(keyDocPref+p.IRI), []byte(docKey(p)))
	return x.bi.Batch(b)
}
