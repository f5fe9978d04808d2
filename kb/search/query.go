package search

import (
	"context"
	"html"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"sportello/internal/textfold"
	"sportello/kb"
)

// Options narrow a search.
type Options struct {
	Limit  int // hits per page; 10 when zero
	Offset int // for pagination

	// IncludeDrafts is for publishers and validators: drafts, submitted and rejected pills too,
	// and pills outside their validity period. Operators see published, valid pills only (KB-3).
	IncludeDrafts bool
	// IncludeRetired adds archived pills; never for operators.
	IncludeRetired bool

	Kinds []string // KindPill, KindOffice, KindPerson; empty: all

	// Facet filters: a concept IRI (the classification branch), unit IRIs, a status.
	Branch, Department, Office, Status string

	// Facets asks for the counts per branch, department, office and status of all the
	// matches (the search page's filters): they cost a third of a query, so only on request.
	Facets bool

	// Complete says the query is finished; otherwise its last word may be incomplete and is also
	// matched as a prefix (search as you type).
	Complete bool

	Now time.Time // for the validity period; time.Now() when zero
}

// Response is what `sportello search --json` prints and GET /api/search returns.
//
// Probability is the calibrated probability that the first hit is the right answer (model.go);
// Sure says it reaches the threshold chosen for at most a few wrong sure answers. The hits are
// always the best candidates: a response that is not sure is for the operator to check ("da
// verificare"), not to hide.
type Response struct {
	Query       string  `json:"query"`
	Sure        bool    `json:"sure"`
	Probability float64 `json:"probability"`
	// Confident is Sure under its former name, kept while clients move to "sure".
	Confident  bool                    `json:"confident"`
	Message    string                  `json:"message,omitempty"` // for the operator, in Italian
	Hits       []Hit                   `json:"hits"`
	Suggestion string                  `json:"suggestion"`
	Total      int                     `json:"total"`
	Offset     int                     `json:"offset"`
	Limit      int                     `json:"limit"`
	Facets     map[string][]FacetValue `json:"facets,omitempty"`
	// Pages are harvested pages of the Administration's site that match the query
	// (SearchPages), for the callers that ask: never among Hits, never in Total or Probability.
	Pages []PageHit `json:"pages,omitempty"`

	features []float64 // of the best hit, for the evaluation and the fit of the model
}

// Hit is one result: a pill, an office or a person.
type Hit struct {
	Code       string     `json:"code"`
	IRI        string     `json:"iri"`
	Title      string     `json:"title"`
	Score      float64    `json:"score"`
	Kind       string     `json:"kind"`
	Highlights []string   `json:"highlights"`
	Office     string     `json:"office,omitempty"`    // competent office, by name
	OfficeIRI  string     `json:"officeIri,omitempty"` // when linked
	Validated  *time.Time `json:"validated,omitempty"` // last validation
	Status     string     `json:"status,omitempty"`
	Branch     string     `json:"branch,omitempty"` // top concept IRI
	Role       string     `json:"role,omitempty"`
	Extension  string     `json:"extension,omitempty"`
	Phones     []string   `json:"phones,omitempty"`
	// Coverage is the share of the query (weighted by rarity) found in the hit's title,
	// question, keywords, concepts or learned phrasings.
	Coverage float64 `json:"coverage"`
	// Sure marks the first hit when the response is sure; every other hit is to be checked.
	Sure bool `json:"sure"`

	matched []bool  // per query slot: found in the strong fields
	rank    float64 // the re-ranking key (rankKey)
	inTitle bool    // a word of the query is marked in the title or question
	locs    search.FieldTermLocationMap
	answer  string // stored text, for the passage of the hits returned
}

// FacetValue is one value of a facet with its count in the result set.
type FacetValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// MessageNotConfident is what the operator sees when no hit is a sure answer (TK-9): the
// candidates are shown all the same, marked as to be checked.
const MessageNotConfident = "Da verificare: nessuna risposta è sicura, controlla i risultati o inoltra la richiesta al secondo livello."

// slot is one thing the query asks about: a word, or a phrase found in a synonym list, with
// its alternatives.
type slot struct {
	words  []string  // as typed, folded
	terms  []string  // analysed (stemmed) terms of words
	alts   []string  // synonyms, as written in the lists
	prefix bool      // last, possibly incomplete word
	weak   []weakAlt // other forms and thesaurus synonyms, with their weights
	dir    bool      // the query asks for an office or a person: their topics count as strong
	code   bool      // looks like a pill code (SAL-012)
	digits bool      // looks like an extension or phone number
	weight float64
	df     uint64 // documents that mention the slot, estimated from the dictionaries
	// Indexed terms within typing distance of the word, as stems for the text fields and as
	// words for names: looked up once per query in the whole dictionary (one automaton), then
	// searched as plain terms in each field.
	nearStems, nearWords []nearTerm
	anyQ                 query.Query // matches the slot anywhere
}

var codeRE = regexp.MustCompile(`^[a-z]{2,5}-?\d{1,4}$`)

// parse turns the query into slots. Stop words and fillers ("come faccio", "vorrei sapere")
// are dropped unless nothing else is left.
func (x *Index) parse(q string, complete bool) []*slot {
	raw := splitWords(q)
	dirIntent := directoryIntent(q)
	var toks []tok
	for _, w := range raw {
		toks = append(toks, tok{w, analyze(x.itAn, w)})
	}
	groups := x.synonymIndex()
	stems := toks2stems(toks)
	var slots []*slot
	for i := 0; i < len(toks); {
		// The longest synonym phrase starting here, compared on stems so that "casa popolare"
		// finds "case popolari".
		best, bestLen := -1, 0
		for gi, g := range groups {
			for _, ph := range g.phrases {
				n := matchPhrase(stems[i:], ph)
				if n > bestLen {
					best, bestLen = gi, n
				}
			}
		}
		if best >= 0 {
			s := &slot{}
			for _, t := range toks[i : i+bestLen] {
				s.words = append(s.words, t.word)
				s.terms = append(s.terms, t.terms...)
			}
			typed := textfold.Fold(strings.Join(s.words, " "))
			seen := map[string]bool{typed: true}
			for gi, g := range groups {
				if gi != best && !groups[gi].covers(stems[i:i+bestLen]) {
					continue
				}
				for _, t := range g.terms {
					if !seen[textfold.Fold(t)] {
						seen[textfold.Fold(t)] = true
						s.alts = append(s.alts, t)
					}
				}
			}
			slots = append(slots, s)
			i += bestLen
			continue
		}
		t := toks[i]
		i++
		s := &slot{words: []string{t.word}, terms: t.terms}
		switch {
		case codeRE.MatchString(t.word):
			s.code = true
		case isDigits(t.word) && len(t.word) >= 3:
			s.digits = true
		case len(t.terms) == 0 || fillers[t.word] || dirIntent && directoryVerbs[t.word]:
			continue
		}
		slots = append(slots, s)
	}
	if len(slots) == 0 {
		// Only fillers: search them rather than nothing ("informazioni").
		for _, t := range toks {
			if len(t.terms) > 0 {
				slots = append(slots, &slot{words: []string{t.word}, terms: t.terms})
			}
		}
	}
	if !complete && len(slots) > 0 && len(raw) > 0 {
		last := slots[len(slots)-1]
		if len(last.words) == 1 && last.words[0] == raw[len(raw)-1] && utf8.RuneCountInString(last.words[0]) >= 3 {
			last.prefix = true
		}
	}
	return slots
}

var digitGroupsRE = regexp.MustCompile(`\d[\d .\-/]{4,}\d`)

// joinDigits writes phone numbers as the index holds them: "0874 437 500" → "0874437500".
func joinDigits(q string) string {
	return digitGroupsRE.ReplaceAllStringFunc(q, func(m string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m)
	})
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

type tok struct {
	word  string
	terms []string
}

type synGroup struct {
	terms   []string
	phrases [][]string // stems of each term
}

func (g synGroup) covers(stems []string) bool {
	for _, ph := range g.phrases {
		if matchPhrase(stems, ph) == len(ph) && len(ph) > 0 {
			return true
		}
	}
	return false
}

// synonymIndex analyses the synonym lists; cached until the lists change.
func (x *Index) synonymIndex() []synGroup {
	all, gen := x.syn.snapshot()
	x.synMu.Lock()
	defer x.synMu.Unlock()
	if x.synCache != nil && x.synGen == gen {
		return x.synCache
	}
	var out []synGroup
	for _, g := range all {
		sg := synGroup{terms: g.Terms}
		for _, t := range g.Terms {
			var stems []string
			for _, w := range splitWords(t) {
				stems = append(stems, wordKey(w, analyze(x.itAn, w)))
			}
			sg.phrases = append(sg.phrases, stems)
		}
		out = append(out, sg)
	}
	x.synCache, x.synGen = out, gen
	return out
}

// toks2stems keys each word by its stem, or by the word itself when it is a stop word, so
// that "quanto costa" and "medico di base" match as written while "casa popolare" still finds
// "case popolari".
func toks2stems(toks []tok) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = wordKey(t.word, t.terms)
	}
	return out
}

func wordKey(word string, terms []string) string {
	if len(terms) > 0 {
		return terms[0]
	}
	return "#" + word
}

// matchPhrase returns len(phrase) when stems start with phrase, or 0.
func matchPhrase(stems []string, phrase []string) int {
	if len(phrase) == 0 || len(phrase) > len(stems) {
		return 0
	}
	for i, p := range phrase {
		if stems[i] != p {
			return 0
		}
	}
	return len(phrase)
}

// fuzziness allows one typo in words of four to six letters and two in longer ones; words of
// three letters or less have too many neighbours ("ERP", "IMU") to guess.
func fuzziness(word string) int {
	switch n := utf8.RuneCountInString(word); {
	case n >= 7:
		return 2
	case n >= 4:
		return 1
	}
	return 0
}

// build makes the slot's queries over the weighted fields.
func (x *Index) build(s *slot) {
	var any []query.Query
	add := func(q query.Query) { any = append(any, q) }
	for _, f := range textFields {
		for _, q := range x.fieldQueries(s, f) {
			add(q)
		}
	}
	if s.code {
		c := bleve.NewTermQuery(s.words[0])
		c.SetField(fCode)
		c.SetBoost(20)
		add(c)
	}
	if s.digits {
		e := bleve.NewTermQuery(s.words[0])
		e.SetField(fDirExt)
		e.SetBoost(20)
		add(e)
		p := bleve.NewTermQuery(s.words[0])
		p.SetField(fDirPhone)
		p.SetBoost(10)
		add(p)
		if s.prefix {
			pe := bleve.NewPrefixQuery(s.words[0])
			pe.SetField(fDirExt)
			pe.SetBoost(5)
			add(pe)
		}
	}
	s.anyQ = bleve.NewDisjunctionQuery(any...)
}

func (x *Index) fieldQueries(s *slot, f weighted) []query.Query {
	var out []query.Query
	nameField := f.field == fDirName
	terms := s.terms
	if nameField {
		// Names are not stemmed: match the folded words.
		terms = nil
		for _, w := range s.words {
			terms = append(terms, analyze(x.foldAn, w)...)
		}
	}
	if len(terms) == 1 {
		t := bleve.NewTermQuery(terms[0])
		t.SetField(f.field)
		t.SetBoost(f.boost)
		out = append(out, t)
		near := s.nearStems
		if nameField {
			near = s.nearWords
		}
		for _, n := range near {
			q := bleve.NewTermQuery(n.term)
			q.SetField(f.field)
			q.SetBoost(f.boost * typoWeight(n.dist))
			out = append(out, q)
		}
		if stem := terms[0]; !nameField && !s.prefix && utf8.RuneCountInString(stem) >= 8 {
			// Verbs and nouns of one root differ after their first letters ("digitalizzare",
			// "digitalizzazione"): the light stemmer keeps them apart.
			r := []rune(stem)
			p := bleve.NewPrefixQuery(string(r[:len(r)-3]))
			p.SetField(f.field)
			p.SetBoost(f.boost * 0.5)
			out = append(out, p)
		}
		if s.prefix {
			p := bleve.NewPrefixQuery(prefixOf(s.words[0], terms[0]))
			p.SetField(f.field)
			p.SetBoost(f.boost * 0.5)
			out = append(out, p)
		}
	} else if len(terms) > 1 {
		p := bleve.NewMatchPhraseQuery(strings.Join(s.words, " "))
		p.SetField(f.field)
		p.SetBoost(f.boost)
		out = append(out, p)
		// The words apart, for texts that say them in another order.
		var and []query.Query
		for _, t := range terms {
			tq := bleve.NewTermQuery(t)
			tq.SetField(f.field)
			and = append(and, tq)
		}
		c := bleve.NewConjunctionQuery(and...)
		c.SetBoost(f.boost * 0.6)
		out = append(out, c)
	}
	for _, alt := range s.alts {
		if !standalone(alt, x) {
			continue
		}
		var at []string
		if nameField {
			at = analyze(x.foldAn, alt)
		} else {
			at = analyze(x.itAn, alt)
		}
		out = append(out, altQuery(alt, at, f.field, f.boost*0.8)...)
	}
	if !nameField {
		for _, w := range s.weak {
			out = append(out, altQuery(w.text, w.terms, f.field, f.boost*w.weight)...)
		}
	}
	return out
}

// weakAlt is a word the query did not type but may mean: a dictionary form of the word typed
// ("pagato" → "pagare") or a thesaurus synonym ("vigna" → "vigneto").
type weakAlt struct {
	text   string
	terms  []string // analysed
	weight float64
}

// altQuery searches an alternative of a slot: its one term, or its words as a phrase.
func altQuery(text string, terms []string, field string, boost float64) []query.Query {
	switch len(terms) {
	case 0:
		return nil
	case 1:
		t := bleve.NewTermQuery(terms[0])
		t.SetField(field)
		t.SetBoost(boost)
		return []query.Query{t}
	default:
		p := bleve.NewMatchPhraseQuery(text)
		p.SetField(field)
		p.SetBoost(boost)
		return []query.Query{p}
	}
}

// expand adds to a one-word slot the dictionary forms and thesaurus synonyms of its word that
// the index holds.
func (x *Index) expand(r index.IndexReader, s *slot) {
	if x.res == nil || len(s.words) != 1 || len(s.terms) != 1 || s.code || s.digits || len(s.alts) > 0 {
		return
	}
	w := s.words[0]
	seen := map[string]bool{s.terms[0]: true}
	add := func(text string, weight float64) bool {
		terms := analyze(x.itAn, text)
		key := strings.Join(terms, " ")
		if len(terms) == 0 || seen[key] {
			return false
		}
		seen[key] = true
		for _, t := range terms {
			if stemCount(r, t) == 0 {
				return false
			}
		}
		s.weak = append(s.weak, weakAlt{text: text, terms: terms, weight: weight})
		return true
	}
	if x.tune.lemmas {
		for _, l := range x.res.Lemmas(w) {
			add(l, x.tune.lemmaWeight)
		}
	}
	if x.tune.thesaurus {
		n := 0
		for _, syn := range x.res.Synonyms(w) {
			if n >= x.tune.maxThes {
				break
			}
			if add(syn, x.tune.thesWeight) {
				n++
			}
		}
	}
}

// standalone reports whether a synonym can be searched for on its own. "quanto costa" is a
// way of asking, useful to recognise the question, but once its stop word is dropped it would
// search for any "costa".
func standalone(alt string, x *Index) bool {
	ws := splitWords(alt)
	if len(ws) < 2 {
		return true
	}
	for _, w := range []string{ws[0], ws[len(ws)-1]} {
		if fillers[w] || len(analyze(x.itAn, w)) == 0 {
			return false
		}
	}
	return true
}

type nearTerm struct {
	term string
	dist int
}

// typoWeight is the weight of a match one or two typos away from the word typed.
func typoWeight(dist int) float64 {
	if dist <= 1 {
		return 0.6
	}
	return 0.4
}

// maxNear bounds the terms a misspelled word expands to: the most frequent win.
const maxNear = 8

// near returns the terms of field within fz edits of term (the term itself excluded).
func near(r index.IndexReader, field, term string, fz int) []nearTerm {
	fr, ok := r.(index.IndexReaderFuzzy)
	if !ok || fz == 0 {
		return nil
	}
	_, size := utf8.DecodeRuneInString(term)
	d, err := fr.FieldDictFuzzy(field, term, fz, term[:size])
	if err != nil {
		return nil
	}
	defer d.Close()
	type cand struct {
		nearTerm
		count uint64
	}
	var cs []cand
	for e, err := d.Next(); err == nil && e != nil; e, err = d.Next() {
		if e.Term == term {
			continue
		}
		dist := int(e.EditDistance)
		if dist == 0 {
			dist = levenshtein(term, e.Term)
		}
		cs = append(cs, cand{nearTerm{e.Term, dist}, e.Count})
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].dist != cs[j].dist {
			return cs[i].dist < cs[j].dist
		}
		return cs[i].count > cs[j].count
	})
	var out []nearTerm
	for i := 0; i < len(cs) && i < maxNear; i++ {
		out = append(out, cs[i].nearTerm)
	}
	return out
}

// prefixOf is the prefix to look for when word may be incomplete: the shorter of the word and
// its stem, since the index holds stems ("tessera" is indexed as "tesser").
func prefixOf(word, stem string) string {
	if strings.HasPrefix(word, stem) || len(stem) < len(word) {
		return stem
	}
	return word
}

// visibility is the filter of what the caller may see (KB-3): kb's visibility rule
// (kb.Viewer.Sees: published and in force, unless the viewer sees drafts) as an index query,
// so that a page of hits is counted after the rule, not trimmed from it.
func visibility(opt Options) query.Query {
	var must []query.Query
	if !opt.IncludeDrafts {
		st := bleve.NewTermQuery(string(kb.StatusPublished))
		st.SetField(fStatus)
		now := float64(opt.Now.Unix())
		from := bleve.NewNumericRangeInclusiveQuery(nil, &now, nil, ptr(true))
		from.SetField(fFrom)
		until := bleve.NewNumericRangeInclusiveQuery(&now, nil, ptr(false), nil)
		until.SetField(fUntil)
		open := bleve.NewTermQuery("1")
		open.SetField(fOpen)
		must = append(must, bleve.NewDisjunctionQuery(open, bleve.NewConjunctionQuery(st, from, until)))
	} else if !opt.IncludeRetired {
		st := bleve.NewTermQuery(string(kb.StatusRetired))
		st.SetField(fStatus)
		must = append(must, query.NewBooleanQuery(nil, nil, []query.Query{st}))
	}
	for field, v := range map[string]string{fBranch: opt.Branch, fDepartment: opt.Department, fOffice: opt.Office, fStatus: opt.Status} {
		if v != "" {
			t := bleve.NewTermQuery(v)
			t.SetField(field)
			must = append(must, t)
		}
	}
	if len(opt.Kinds) > 0 {
		must = append(must, kindQuery(opt.Kinds...))
	}
	if len(must) == 0 {
		return bleve.NewMatchAllQuery()
	}
	for _, q := range must {
		zeroBoost(q) // filters must not move scores
	}
	return bleve.NewConjunctionQuery(must...)
}

func ptr[T any](v T) *T { return &v }

// zeroBoost sets the boost of a filter and of its parts to zero.
func zeroBoost(q query.Query) {
	switch c := q.(type) {
	case *query.DisjunctionQuery:
		for _, d := range c.Disjuncts {
			zeroBoost(d)
		}
	case *query.ConjunctionQuery:
		for _, d := range c.Conjuncts {
			zeroBoost(d)
		}
	}
	if b, ok := q.(query.BoostableQuery); ok {
		b.SetBoost(0)
	}
}

// kindQuery matches documents of the given kinds.
func kindQuery(kinds ...string) query.Query {
	var ks []query.Query
	for _, k := range kinds {
		t := bleve.NewTermQuery(k)
		t.SetField(fKind)
		t.SetBoost(0)
		ks = append(ks, t)
	}
	return bleve.NewDisjunctionQuery(ks...)
}

// dirWindow is how many offices and people join the candidates when the query asks for them.
const dirWindow = 5

// Search runs a query as operators and publishers type it.
func (x *Index) Search(ctx context.Context, q string, opt Options) (*Response, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.search(ctx, q, opt, true)
}

func (x *Index) search(ctx context.Context, q string, opt Options, didYouMean bool) (*Response, error) {
	if opt.Limit <= 0 {
		opt.Limit = 10
	}
	if opt.Offset < 0 {
		opt.Offset = 0
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	resp := &Response{Query: q, Hits: []Hit{}, Offset: opt.Offset, Limit: opt.Limit}
	slots := x.parse(joinDigits(q), opt.Complete)
	if len(slots) == 0 {
		resp.Message = MessageNotConfident
		return resp, nil
	}
	adv, err := x.bi.Advanced()
	if err != nil {
		return nil, err
	}
	reader, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer reader.Close()
	dirIntent := directoryIntent(q)
	var disj []query.Query
	for _, s := range slots {
		s.dir = dirIntent
		if fz := fuzziness(s.words[len(s.words)-1]); fz > 0 && len(s.words) == 1 && len(s.terms) == 1 && !s.code && !s.digits &&
			(!x.tune.fuzzyUnknownOnly || stemCount(reader, s.terms[0]) == 0 || dictCount(reader, fSpell, s.words[0]) == 0) {
			s.nearStems = nearStems(reader, s.terms[0], fz)
			s.nearWords = near(reader, fSpell, s.words[0], fz)
		}
		x.expand(reader, s)
		x.build(s)
		disj = append(disj, s.anyQ)
	}
	if p := x.phraseBonus(slots); p != nil {
		disj = append(disj, p)
	}
	filter := visibility(opt)
	text := bleve.NewDisjunctionQuery(disj...)
	// The first window of candidates is re-ranked by coverage (see rerank); pages beyond it
	// keep bleve's order.
	window := max(rerankWindow, opt.Offset+opt.Limit)
	if opt.Offset >= rerankWindow {
		window = opt.Limit
	}
	from := 0
	if opt.Offset >= rerankWindow {
		from = opt.Offset
	}
	// Two passes: the first scores every match (and counts the facets) without reading where
	// the words are; the second reads, for the candidates only, the fields, the highlights and
	// which words matched where (coverage). Term positions of every match are the dearest
	// part of a search on a large index.
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(filter, text), window, from, false)
	if opt.Facets {
		for _, f := range []string{fBranch, fDepartment, fOffice, fStatus} {
			req.AddFacet(f, bleve.NewFacetRequest(f, 10))
		}
	}
	res, err := x.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	resp.Total = int(res.Total)
	candidates := res.Hits
	if dirIntent && from == 0 {
		// Offices and people score below the pills on their topics: fetch the best of them too,
		// so that re-ranking can put them first.
		dir := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(filter, text, kindQuery(KindOffice, KindPerson)), dirWindow, 0, false)
		dres, err := x.bi.SearchInContext(ctx, dir)
		if err != nil {
			return nil, err
		}
		have := map[string]bool{}
		for _, h := range candidates {
			have[h.ID] = true
		}
		for _, h := range dres.Hits {
			if !have[h.ID] {
				candidates = append(candidates, h)
			}
		}
	}
	if len(candidates) > 0 {
		ids := make([]string, len(candidates))
		for i, h := range candidates {
			ids[i] = h.ID
		}
		only := bleve.NewDocIDQuery(ids)
		only.SetBoost(0)
		detail := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(only, text), len(ids), 0, false)
		detail.Fields = []string{fKind, fIRI, fCode, fTitle, fQuestion, fOffice, fOfficeName, fStatus, fValidated, fBranch, fDirName, fDirRole, fDirExt, fDirPhone, fAnswer}
		detail.IncludeLocations = true // which words matched where: coverage
		detail.Highlight = bleve.NewHighlightWithStyle("html")
		for _, f := range []string{fTitle, fQuestion, fDirName, fDirRole} {
			detail.Highlight.AddField(f)
		}
		dres, err := x.bi.SearchInContext(ctx, detail)
		if err != nil {
			return nil, err
		}
		byID := make(map[string]*search.DocumentMatch, len(dres.Hits))
		for _, h := range dres.Hits {
			byID[h.ID] = h
		}
		for _, c := range candidates {
			d := byID[c.ID]
			if d == nil {
				continue // deleted between the two passes
			}
			d.Score = c.Score
			h := x.hit(d)
			h.answer = str(d.Fields, fAnswer)
			resp.Hits = append(resp.Hits, h)
		}
	}
	resp.Facets = x.facets(res.Facets)
	if err := x.coverage(reader, slots, resp.Hits); err != nil {
		return nil, err
	}
	if from == 0 {
		rerank(resp.Hits, dirIntent)
		learnedHit := false
		if len(resp.Hits) > 0 && x.phr != nil {
			if learnedHit, err = x.learnedMatch(ctx, slots, resp.Hits[0].IRI); err != nil {
				return nil, err
			}
		}
		resp.features = features(resp.Hits, slots, dirIntent, learnedHit)
		resp.Probability = confidence.probability(resp.features)
		resp.Sure = len(resp.Hits) > 0 && resp.Probability >= confidence.Threshold
		if len(resp.Hits) > 0 {
			resp.Hits[0].Sure = resp.Sure
		}
		resp.Confident = resp.Sure
		lo, hi := min(opt.Offset, len(resp.Hits)), min(opt.Offset+opt.Limit, len(resp.Hits))
		resp.Hits = resp.Hits[lo:hi]
	}
	for i := range resp.Hits {
		x.answerSnippet(&resp.Hits[i], resp.Hits[i].answer, slots)
	}
	if from == 0 {
		if opt.Offset > 0 {
			resp.Confident, resp.Sure = false, false
		}
	}
	// "Did you mean" is offered when a word is not in the index and the spelling found there
	// gives a sure answer.
	if didYouMean && opt.Offset == 0 {
		if fixed := suggest(reader, q, slots); fixed != "" {
			alt, err := x.search(ctx, fixed, opt, false)
			if err != nil {
				return nil, err
			}
			if alt.Confident {
				resp.Suggestion = fixed
			}
		}
	}
	if !resp.Confident {
		resp.Message = MessageNotConfident
	}
	return resp, nil
}

// phraseBonus rewards hits whose title or question holds the query's words together.
func (x *Index) phraseBonus(slots []*slot) query.Query {
	var words []string
	for _, s := range slots {
		words = append(words, s.words...)
	}
	if len(words) < 2 {
		return nil
	}
	var qs []query.Query
	for _, f := range []weighted{{fTitle, 3, true}, {fQuestion, 2, true}} {
		p := bleve.NewMatchPhraseQuery(strings.Join(words, " "))
		p.SetField(f.field)
		p.SetBoost(f.boost)
		qs = append(qs, p)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

func str(fields map[string]any, k string) string {
	switch v := fields[k].(type) {
	case string:
		return v
	case []any:
		if len(v) > 0 {
			s, _ := v[0].(string)
			return s
		}
	}
	return ""
}

func strs(fields map[string]any, k string) []string {
	switch v := fields[k].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (x *Index) hit(h *search.DocumentMatch) Hit {
	f := h.Fields
	out := Hit{
		locs:   h.Locations,
		IRI:    h.ID,
		Kind:   str(f, fKind),
		Code:   str(f, fCode),
		Title:  str(f, fTitle),
		Score:  math.Round(h.Score*1000) / 1000,
		Status: str(f, fStatus),
		Branch: str(f, fBranch),
	}
	office := str(f, fOffice)
	if u, ok := x.units[office]; ok {
		out.Office, out.OfficeIRI = u.Name, u.IRI
	} else if n := str(f, fOfficeName); n != "" {
		out.Office = n
	}
	if v := str(f, fValidated); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			out.Validated = &t
		}
	}
	switch out.Kind {
	case KindOffice:
		out.Title = str(f, fDirName)
		out.Office, out.OfficeIRI = "", ""
		if u, ok := x.units[h.ID]; ok {
			out.Phones = u.Phones
			if p, ok := x.units[u.Parent]; ok {
				out.Office, out.OfficeIRI = p.Name, p.IRI
			}
		}
	case KindPerson:
		out.Title = str(f, fDirName)
		out.Role = str(f, fDirRole)
		out.Extension = str(f, fDirExt)
		out.Phones = strs(f, fDirPhone)
		if out.Title == "" {
			out.Title = out.Role
		}
	}
	out.Highlights = []string{}
	for _, field := range []string{fTitle, fQuestion, fDirName, fDirRole, fAnswer} {
		for _, fr := range h.Fragments[field] {
			// bleve also returns a field's opening when nothing in it matched.
			if strings.Contains(fr, "<mark>") {
				out.Highlights = append(out.Highlights, fr)
				out.inTitle = out.inTitle || field == fTitle || field == fQuestion || field == fDirName
			}
		}
	}
	if len(out.Highlights) > 3 {
		out.Highlights = out.Highlights[:3]
	}
	return out
}

func (x *Index) facets(fr search.FacetResults) map[string][]FacetValue {
	out := map[string][]FacetValue{}
	for name, f := range fr {
		if f == nil || f.Terms == nil {
			continue
		}
		for _, t := range f.Terms.Terms() {
			if t.Term == "" {
				continue
			}
			out[name] = append(out[name], FacetValue{Value: t.Term, Label: x.label(t.Term), Count: t.Count})
		}
	}
	return out
}

func (x *Index) label(v string) string {
	if c, ok := x.concepts[v]; ok {
		return c.Label("it")
	}
	if u, ok := x.units[v]; ok {
		return u.Name
	}
	if n, ok := strings.CutPrefix(v, "name:"); ok {
		return n
	}
	return v
}

// coverage sets each hit's Coverage: the idf-weighted share of the query's slots it holds in
// its strong fields.
func (x *Index) coverage(r index.IndexReader, slots []*slot, hits []Hit) error {
	if len(hits) == 0 {
		return nil
	}
	n, err := x.bi.DocCount()
	if err != nil {
		return err
	}
	var total float64
	for _, s := range slots {
		s.df = x.slotDF(r, s)
		s.weight = math.Log(1 + float64(n)/float64(1+s.df))
		total += s.weight
	}
	for i := range hits {
		hits[i].matched = make([]bool, len(slots))
	}
	// The term locations bleve returned with each hit say which words matched in which field:
	// no search per word is needed.
	cov := make([]float64, len(hits))
	for si, s := range slots {
		for i := range hits {
			if total == 0 {
				continue
			}
			if x.slotMatches(s, &hits[i], strongFor(s)) {
				cov[i] += s.weight / total
				hits[i].matched[si] = true
			} else if x.tune.answerCredit > 0 && x.slotMatches(s, &hits[i], answerOnly) {
				// Said only in the answer: some evidence, not enough to make a sure answer.
				cov[i] += x.tune.answerCredit * s.weight / total
			}
		}
	}
	for i := range hits {
		hits[i].Coverage = math.Round(cov[i]*1000) / 1000
	}
	return nil
}

// directoryCues are words by which callers ask for an office or a person rather than for an
// answer ("mi passa l'ufficio caccia", "parlare con la dottoressa Rossi"); directoryPairs are
// two-word cues whose words alone are ordinary ("chi segue", "mi passa").
var directoryCues = map[string]bool{}

var directoryPairs = map[[2]string]bool{}

// directoryVerbs are cue words that say nothing about the subject: dropped from the query when
// it asks for the directory.
var directoryVerbs = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`ufficio uffici interno interni responsabile dirigente
		funzionario funzionaria referente dottor dottoressa signor signora sig rivolgermi rivolgersi
		competente`) {
		directoryCues[w] = true
	}
	for _, p := range []string{"chi occupa", "chi occupano", "chi segue", "chi seguono", "chi gestisce",
		"chi gestiscono", "mi rivolgo", "mi passa", "mi passi", "parlare con", "numero di telefono", "passarmi"} {
		ws := strings.Fields(p)
		if len(ws) == 1 {
			directoryCues[ws[0]] = true
			continue
		}
		directoryPairs[[2]string{ws[0], ws[1]}] = true
	}
	for _, w := range strings.Fields(`occupa occupano segue seguono gestisce gestiscono rivolgo
		rivolgermi rivolgersi passa passi passarmi parlare competente dottor dottoressa signor
		signora sig`) {
		directoryVerbs[w] = true
	}
}

// directoryIntent reports whether q asks for an office or a person.
func directoryIntent(q string) bool {
	var ws []string
	for _, w := range splitWords(q) {
		if w != "si" && w != "ci" { // "chi si occupa", "chi ci segue"
			ws = append(ws, w)
		}
	}
	for i, w := range ws {
		if directoryCues[w] || i > 0 && directoryPairs[[2]string{ws[i-1], w}] {
			return true
		}
	}
	return false
}

// rerankWindow is how many candidates are re-ranked by coverage.
const rerankWindow = 30

// rerank orders hits by score × (½ + coverage): among hits bleve scores alike, the one whose
// title, question, keywords or concepts hold more of the query comes first, and a hit that
// matches only in the answer text keeps a third of the weight of one that matches everywhere.
func rerank(hits []Hit, directory bool) {
	for i := range hits {
		hits[i].rank = hits[i].Score * (0.5 + hits[i].Coverage)
	}
	sort.SliceStable(hits, func(i, j int) bool { return rankKey(hits[i]) > rankKey(hits[j]) })
	if !directory {
		return
	}
	// Asked for an office or a person: their scores are not comparable with the pills', whose
	// texts are longer, so they are rescaled for the best of them to come first when it holds
	// the query; the others keep their distance from it, and the answers follow.
	best := -1
	for i, h := range hits {
		if h.Kind != KindPill {
			best = i
			break
		}
	}
	if best <= 0 || hits[best].Coverage < minPartial || rankKey(hits[best]) <= 0 {
		return
	}
	scale := rankKey(hits[0]) / rankKey(hits[best]) * 1.0001
	for i := range hits {
		if hits[i].Kind != KindPill {
			hits[i].rank *= scale
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return rankKey(hits[i]) > rankKey(hits[j]) })
}

// Confidence rule (issue 4 §5, TK-9). The best hit is a confident answer when it covers the
// query and stands out from the other candidates:
//
//   - coverage: the words it holds in its title, question, keywords or concepts (typos and
//     synonyms allowed) make up a share of the query, each word weighted by its rarity (idf), so
//     that a word the knowledge base has never heard of ("passaporto") weighs most and leaves
//     the answer unsure;
//   - standing out: no other candidate covers more, and none that covers as much comes close in
//     score (a near tie between two pills is a guess, not an answer).
//
// Strong coverage (minCoverage) needs only to avoid a tie. Partial coverage (minPartial: a
// colloquial question with words the pill does not use) is accepted when the best hit also
// dominates the ranking (dominance × the next score) and holds the query's most specific word
// among those the knowledge base knows: a word used elsewhere in the base but not in the best
// hit ("iscrizione all'albo degli avvocati" against the artisans' register) says the hit is
// about something else, while a word the base never uses ("cellulare") cannot tell pills
// apart. All are ratios, not score thresholds, so they hold for any index size.
const (
	minCoverage = 0.7
	minPartial  = 0.5
	tieRatio    = 0.8
	dominance   = 2.0
	// maxKnownMissing bounds, for partial coverage, the share of the query made of words
	// the knowledge base uses elsewhere but the best hit lacks: "il libretto della macchina" is
	// not the food handlers' "libretto sanitario", nor "la patente della moto" the pesticides'
	// "patentino". Words the base never uses are not counted: they cannot tell pills apart.
	// Lower bounds cost sure answers to long colloquial questions, whose everyday words ("mio
	// figlio", "vicino casa") weigh almost as much as the subject in a small base.
	maxKnownMissing = 0.4
)

func rankKey(h Hit) float64 {
	if h.rank != 0 {
		return h.rank
	}
	return h.Score * (0.5 + h.Coverage)
}

func confident(hits []Hit, slots []*slot) bool {
	if len(hits) == 0 || hits[0].Coverage < minPartial {
		return false
	}
	top := hits[0]
	next := 0.0
	for _, h := range hits[1:] {
		if h.Coverage > top.Coverage+1e-9 {
			return false
		}
		if h.Coverage >= top.Coverage-1e-9 && rankKey(h) >= tieRatio*rankKey(top) {
			return false
		}
		next = max(next, rankKey(h))
	}
	if top.Coverage >= minCoverage {
		return true
	}
	if rankKey(top) < dominance*next {
		return false
	}
	best := -1
	var total, knownMissing float64
	for i, s := range slots {
		total += s.weight
		if s.df > 0 && (best < 0 || s.weight > slots[best].weight) {
			best = i
		}
		if s.df > 0 && i < len(top.matched) && !top.matched[i] {
			knownMissing += s.weight
		}
	}
	if total > 0 && knownMissing/total >= maxKnownMissing {
		return false
	}
	return best >= 0 && best < len(top.matched) && top.matched[best]
}

// slotDF estimates how many documents mention a slot from the term dictionary: the largest
// document frequency among its spelling, synonyms and near spellings, a phrase counting as
// its rarest word. Codes and extensions name one
// document.
func (x *Index) slotDF(r index.IndexReader, s *slot) uint64 {
	if s.code || s.digits {
		return 1
	}
	// A phrase is searched as a phrase or as all its words together, so it is in no more
	// documents than its rarest word: taking the commonest word instead made "carta
	// d'identità" as common as "carta" and let a pill without it look like a sure answer.
	var df uint64
	consider := func(field string, terms []string) {
		var c uint64
		for i, t := range terms {
			if n := dictCount(r, field, t); i == 0 || n < c {
				c = n
			}
		}
		df = max(df, c)
	}
	consider(fStems, s.terms)
	consider(fAnswer, s.terms)
	for _, n := range s.nearStems {
		consider(fStems, []string{n.term})
		consider(fAnswer, []string{n.term})
	}
	var words []string
	for _, w := range s.words {
		if len(analyze(x.itAn, w)) > 0 { // not a stop word ("sedia a rotelle")
			words = append(words, w)
		}
	}
	if len(words) > 0 {
		consider(fSpell, words)
	}
	for _, alt := range s.alts {
		if at := analyze(x.itAn, alt); len(at) > 0 {
			consider(fStems, at)
			consider(fAnswer, at)
		}
	}
	return df
}

// suggest proposes a spelling ("did you mean") when a word of the query is not in the index:
// the most frequent indexed word within the word's typo distance.
// suggest rewrites q with the indexed spelling of each word of slots that the index does not
// hold; "" when there is nothing to correct.
func suggest(r index.IndexReader, q string, slots []*slot) string {
	fix := map[string]string{}
	for _, s := range slots {
		for _, w := range s.words {
			if fz := fuzziness(w); fz > 0 && !s.code && !s.digits && !s.prefix && termCount(r, w) == 0 {
				for _, n := range near(r, fSpell, w, fz) {
					if !fillers[n.term] && !foldedStops[n.term] {
						fix[w] = n.term
						break
					}
				}
			}
		}
	}
	if len(fix) == 0 {
		return ""
	}
	words := splitWords(q)
	for i, w := range words {
		if f, ok := fix[w]; ok {
			words[i] = f
		}
	}
	return strings.Join(words, " ")
}

func termCount(r index.IndexReader, term string) uint64 { return dictCount(r, fSpell, term) }

// stemCount is how many documents hold a stem in their short texts or in their answer (the
// larger of the two counts).
func stemCount(r index.IndexReader, stem string) uint64 {
	return max(dictCount(r, fStems, stem), dictCount(r, fAnswer, stem))
}

// nearStems is near over the short texts' stems and the answers', nearest and commonest first.
func nearStems(r index.IndexReader, stem string, fz int) []nearTerm {
	out := near(r, fStems, stem, fz)
	seen := map[string]bool{}
	for _, n := range out {
		seen[n.term] = true
	}
	for _, n := range near(r, fAnswer, stem, fz) {
		if !seen[n.term] && len(out) < 2*maxNear {
			seen[n.term] = true
			out = append(out, n)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].dist < out[j].dist })
	return out[:min(len(out), maxNear)]
}

// dictCount is the number of documents holding term in field.
func dictCount(r index.IndexReader, field, term string) uint64 {
	d, err := r.FieldDictRange(field, []byte(term), []byte(term))
	if err != nil {
		return 0
	}
	defer d.Close()
	var n uint64
	for e, err := d.Next(); err == nil && e != nil; e, err = d.Next() {
		n += e.Count
	}
	return n
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// strongFor says which fields count for a slot's coverage.
func strongFor(s *slot) func(weighted) bool {
	return func(f weighted) bool {
		return f.strong || s.dir && (f.field == fDirTopics || f.field == fDirOffice)
	}
}

func answerOnly(f weighted) bool { return f.field == fAnswer }

// slotMatches reports whether a hit holds a slot in a strong field (title, question, keywords,
// concepts, learned phrasings, names and roles; an office's topics and a person's office when
// the query asks for the directory), as typed, as a synonym, a near spelling or another form.
func (x *Index) slotMatches(s *slot, h *Hit, in func(weighted) bool) bool {
	switch {
	case s.code:
		return textfold.Fold(h.Code) == s.words[0]
	case s.digits:
		if h.Extension == s.words[0] || s.prefix && strings.HasPrefix(h.Extension, s.words[0]) {
			return true
		}
		for _, p := range phoneKeys(h.Phones) {
			if p == s.words[0] {
				return true
			}
		}
		return false
	}
	for _, f := range textFields {
		if !in(f) {
			continue
		}
		terms := h.locs[f.field]
		if len(terms) == 0 {
			continue
		}
		has := func(ts []string) bool {
			for _, t := range ts {
				if _, ok := terms[t]; !ok {
					return false
				}
			}
			return len(ts) > 0
		}
		hasPrefix := func(p string) bool {
			for t := range terms {
				if strings.HasPrefix(t, p) {
					return true
				}
			}
			return false
		}
		if f.field == fDirName {
			var ws []string
			for _, w := range s.words {
				ws = append(ws, analyze(x.foldAn, w)...)
			}
			if has(ws) || s.prefix && hasPrefix(s.words[0]) {
				return true
			}
			for _, n := range s.nearWords {
				if has([]string{n.term}) {
					return true
				}
			}
			for _, alt := range s.alts {
				if standalone(alt, x) && has(analyze(x.foldAn, alt)) {
					return true
				}
			}
			continue
		}
		if has(s.terms) {
			return true
		}
		if len(s.terms) == 1 {
			for _, n := range s.nearStems {
				if has([]string{n.term}) {
					return true
				}
			}
			if s.prefix && hasPrefix(prefixOf(s.words[0], s.terms[0])) {
				return true
			}
			if r := []rune(s.terms[0]); !s.prefix && len(r) >= 8 && hasPrefix(string(r[:len(r)-3])) {
				return true
			}
		}
		for _, alt := range s.alts {
			if standalone(alt, x) && has(analyze(x.itAn, alt)) {
				return true
			}
		}
		for _, w := range s.weak {
			if has(w.terms) {
				return true
			}
		}
	}
	return false
}

// snippetRunes is about how much of an answer a highlight shows.
const snippetRunes = 200

// answerSnippet adds to a hit the passage of its answer around the first word of the query,
// with the query's words marked. It is built from the stored text for the candidates only,
// so the index keeps no term positions of the answers (the largest field).
func (x *Index) answerSnippet(h *Hit, text string, slots []*slot) {
	if text == "" || len(h.Highlights) >= 3 || x.itAn == nil {
		return
	}
	want := map[string]bool{}
	for _, s := range slots {
		for _, t := range s.terms {
			want[t] = true
		}
		for _, n := range s.nearStems {
			want[n.term] = true
		}
		for _, alt := range s.alts {
			for _, t := range analyze(x.itAn, alt) {
				want[t] = true
			}
		}
		for _, w := range s.weak {
			for _, t := range w.terms {
				want[t] = true
			}
		}
	}
	toks := x.itAn.Analyze([]byte(text))
	first := -1
	for i, t := range toks {
		if want[string(t.Term)] {
			first = i
			break
		}
	}
	if first < 0 {
		return
	}
	// A window from a little before the first match, cut at spaces.
	start := toks[first].Start
	for back := 0; start > 0 && back < snippetRunes/3; back++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	if i := strings.IndexByte(text[start:toks[first].Start], ' '); start > 0 && i >= 0 {
		start += i + 1
	}
	end := start
	for n := 0; end < len(text) && n < snippetRunes; n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	if end < len(text) {
		if i := strings.LastIndexByte(text[start:end], ' '); i > 0 {
			end = start + i
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, t := range toks[first:] {
		if t.Start < pos || t.End > end {
			if t.Start >= end {
				break
			}
			continue
		}
		if want[string(t.Term)] {
			b.WriteString(html.EscapeString(text[pos:t.Start]))
			b.WriteString("<mark>")
			b.WriteString(html.EscapeString(text[t.Start:t.End]))
			b.WriteString("</mark>")
			pos = t.End
		}
	}
	b.WriteString(html.EscapeString(text[pos:end]))
	if end < len(text) {
		b.WriteString("…")
	}
	h.Highlights = append(h.Highlights, b.String())
}
