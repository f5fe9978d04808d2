package modeltest

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cayleygraph/quad"
	"github.com/xuri/excelize/v2"

	"sportello/fixtures/testenv"
	"sportello/ingest"
	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/kb/search"
	"sportello/ontology"
)

// TestModel runs at least 1,000 random sequences of 5 to 30 steps (fewer with -short), most on
// memstore and one in eight on bolt, and checks the store's invariants after every step:
//
//   - every graph the step touched writes in all six syntaxes and parses back isomorphic (the
//     whole store at the end of each sequence);
//   - every pill has one record, the content graph holds what the record says operators see,
//     and a published pill has exactly one live version, the only published one;
//   - the history holds the step: its last event is the step, by its actor;
//   - the search index, following the store through its change hook as in the product, finds
//     the pills the graph holds, with their status, and no deleted one;
//   - importing the store's own export changes nothing; into an empty store it rebuilds it.
//
// The seed is printed; SPORTELLO_MODEL_SEED=N replays from it, SPORTELLO_MODEL_SEQUENCES sets
// how many sequences run.
func TestModel(t *testing.T) {
	seed := time.Now().UnixNano()
	if v := os.Getenv("SPORTELLO_MODEL_SEED"); v != "" {
		seed, _ = strconv.ParseInt(v, 10, 64)
	}
	n := 1000
	if testing.Short() {
		n = 60
	}
	if v := os.Getenv("SPORTELLO_MODEL_SEQUENCES"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	shared := corpus{book: testenv.Shared(t, "corpus/pillole-legacy.xlsx"), directory: testenv.Shared(t, "corpus/rubrica.xlsx")}
	start := time.Now()
	var mu sync.Mutex
	steps := map[string]int{}
	// The sequences run in parallel (go test's -parallel, GOMAXPROCS by default); the figures are
	// printed once they are all done.
	t.Cleanup(func() {
		var names []string
		for k := range steps {
			names = append(names, k)
		}
		sort.Strings(names)
		var b strings.Builder
		total := 0
		for _, k := range names {
			fmt.Fprintf(&b, " %s %d", k, steps[k])
			total += steps[k]
		}
		t.Logf("seed %d: %d sequences, %d steps in %v:%s", seed, n, total, time.Since(start).Round(time.Second), b.String())
		testenv.Figure("model-based test: %d sequences, %d steps in %v (seed %d)", n, total, time.Since(start).Round(time.Second), seed)
	})
	for i := 0; i < n; i++ {
		s := seed + int64(i)
		backend := "memstore"
		if i%8 == 7 {
			backend = "bolt"
		}
		// One sequence in 50 also imports the shared corpus (160 rows and the directory: a
		// second each), so the budget goes to many sequences rather than a few big ones.
		heavy := i%50 == 49
		t.Run(fmt.Sprintf("seq-%d-%s", i, backend), func(t *testing.T) {
			t.Parallel()
			counts := map[string]int{}
			runSequence(t, s, backend, heavy, shared, counts)
			mu.Lock()
			for k, v := range counts {
				steps[k] += v
			}
			mu.Unlock()
		})
	}
}

type corpus struct{ book, directory string }

// world is one sequence's store, its index, and what the test remembers to pick from.
type world struct {
	t     *testing.T
	ctx   context.Context
	rng   *rand.Rand
	dir   string
	store *kb.Store
	index *search.Index
	seen  map[string]bool // every pill IRI ever written
	books []genBook       // generated workbooks, to import again changed
	codes []string        // the codes of this sequence's generated pills
	token map[string]string
	log   []string
	n     int

	seed    int64
	backend string
	recs    []*kb.PillRecord // the records as the last check read them; nil when a step wrote since

	changed    map[string]bool // pills the step wrote (the store's change hook)
	changedAll bool            // an RDF import: anything may have changed
}

// genRow is one row of a generated workbook.
type genRow struct{ code, title, question, answer, category, office string }

type genBook struct{ rows []genRow }

var (
	publishers = []string{"pubblicatore", "redattrice"}
	validators = []string{"validatore", "validatrice"}
	categories = []string{"Tributi", "Salute", "Casa", "Lavoro"}
	offices    = []string{"Ufficio Tributi", "Ufficio Casa", "URP", "Servizio Personale e Concorsi"}
	texts      = []string{"Si paga online con pagoPA.", "Si presenta la domanda all'URP, con l'ISEE.", "<p>Il modulo è sul portale.</p>", "Serve lo SPID o la CIE; tab\tdentro", "Risposta \"tra virgolette\" & <b>grassetto</b>"}
)

func runSequence(t *testing.T, seed int64, backend string, heavy bool, shared corpus, steps map[string]int) {
	ctx := context.Background()
	w := &world{t: t, ctx: ctx, rng: rand.New(rand.NewSource(seed)), dir: t.TempDir(), seen: map[string]bool{}, token: map[string]string{},
		seed: seed, backend: backend}
	var err error
	if backend == "bolt" {
		w.store, err = kb.Open(filepath.Join(w.dir, "data"))
	} else {
		w.store, err = kb.OpenMemory()
	}
	if err != nil {
		t.Fatal(err)
	}
	defer w.store.Close()
	clock := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	w.store.Workflow().SetClock(func() time.Time { clock = clock.Add(time.Minute); return clock })
	if w.index, err = search.OpenMemory(); err != nil {
		t.Fatal(err)
	}
	defer w.index.Close()
	search.KeepIndexed(w.store, w.index, slog.New(slog.NewTextHandler(io.Discard, nil)))
	// What each step changed, as the store tells its followers: the records to check.
	w.changed = map[string]bool{}
	w.store.OnChange(func(_ context.Context, c kb.Change) {
		for _, iri := range append(append([]string(nil), c.Pills...), c.DeletedPills...) {
			w.changed[iri] = true
		}
		if c.Imported {
			w.changedAll = true
		}
	})

	type step struct {
		name   string
		weight int
		do     func() (touched []string)
	}
	all := []step{
		{"import-generated", 22, w.importGenerated},
		{"import-changed", 8, w.importChanged},
		{"import-shared", 1, func() []string { return w.importWorkbook(shared.book, "") }},
		{"import-directory", 2, func() []string { return w.importWorkbook(shared.directory, ingest.KindDirectory) }},
		{"import-rdf", 5, w.importRDF},
		{"edit", 14, w.edit},
		{"submit", 10, w.submit},
		{"approve", 10, w.approve},
		{"reject", 4, w.reject},
		{"retire", 3, w.retire},
		{"delete", 3, w.delete},
		{"restore", 4, w.restore},
		{"settle-conflict", 4, w.settle},
		{"export-reimport", 1, w.exportReimport},
	}
	if !heavy {
		all = slices.DeleteFunc(all, func(s step) bool { return s.name == "import-shared" || s.name == "import-directory" })
	} else {
		for i := range all {
			if all[i].name == "import-shared" || all[i].name == "import-directory" {
				all[i].weight = 8
			}
		}
	}
	total := 0
	for _, s := range all {
		total += s.weight
	}
	length := 5 + w.rng.Intn(26)
	for i := 0; i < length; i++ {
		r := w.rng.Intn(total)
		var s step
		for _, s = range all {
			if r < s.weight {
				break
			}
			r -= s.weight
		}
		w.n = i
		w.note("step %d: %s", i, s.name)
		touched := s.do()
		w.recs = nil // the step may have written
		steps[s.name]++
		w.checkRecords(false)
		w.checkIndex()
		// Each step checks the pill graphs it touched in one syntax, in turn: over a run every
		// syntax meets every kind of step thousands of times; the end checks every data graph in
		// all of them. JSON-LD is read by json-gold at 5–15k statements a second: it is checked
		// at the end of one sequence in four.
		var graphs []string
		for _, g := range touched {
			// The content graph and the history change together: one of them per step, in turn.
			if g == ontology.GraphContent && i%2 == 0 || g == ontology.GraphHistory && i%2 == 1 {
				graphs = append(graphs, g)
			}
		}
		f := stepFormats[(int(seed%1000)+i)%len(stepFormats)]
		w.checkExports(graphs, []rdf.Format{f})
	}
	formats := stepFormats
	if seed%4 == 0 {
		formats = rdf.Formats
	}
	w.checkRecords(true)
	w.checkExports(dataGraphs, formats)
	if seed%2 == 0 {
		w.checkOwnExport()
	}
	if backend == "bolt" {
		// What a new process sees: the file, opened again.
		before := exportQuads(w, w.store, "")
		w.store.Close()
		s, err := kb.Open(filepath.Join(w.dir, "data"))
		if err != nil {
			t.Fatal(err)
		}
		w.store = s
		if after := exportQuads(w, s, ""); !rdf.Isomorphic(before, after) {
			w.fail("the store opened again differs: %d statements, %d before", len(after), len(before))
		}
	}
}

func (w *world) note(format string, a ...any) { w.log = append(w.log, fmt.Sprintf(format, a...)) }

func (w *world) fail(format string, a ...any) {
	w.t.Helper()
	w.t.Fatalf("%s\nreplay: SPORTELLO_MODEL_SEED=%d SPORTELLO_MODEL_SEQUENCES=1 (backend %s)\nsteps so far:\n  %s",
		fmt.Sprintf(format, a...), w.seed, w.backend, strings.Join(w.log, "\n  "))
}

// expected reports whether err is one the rules give (a state, four eyes, a missing version or
// text, a refusal of bad input): anything else fails the test.
func expected(err error) bool {
	var se *kb.StateError
	var ve *kb.ValidationError
	return err == nil || errors.As(err, &se) || errors.As(err, &ve) || errors.Is(err, kb.ErrFourEyes) ||
		errors.Is(err, kb.ErrAlreadySigned) || errors.Is(err, kb.ErrNoVersion) || errors.Is(err, kb.ErrNoPending) ||
		errors.Is(err, kb.ErrReasonRequired) || errors.Is(err, kb.ErrNotFound)
}

func (w *world) pick(list []string) string { return list[w.rng.Intn(len(list))] }

// records returns the records of every pill written so far, by IRI (read once between writes).
func (w *world) records() []*kb.PillRecord {
	if w.recs != nil {
		return w.recs
	}
	var out []*kb.PillRecord
	iris := make([]string, 0, len(w.seen))
	for iri := range w.seen {
		iris = append(iris, iri)
	}
	sort.Strings(iris)
	for _, iri := range iris {
		r, err := w.store.Workflow().Record(w.ctx, iri)
		if err != nil {
			w.fail("record of %s: %v", iri, err)
		}
		out = append(out, r)
	}
	w.recs = out
	return out
}

// learn remembers the pills in the content graph (an import may bring any).
func (w *world) learn() {
	pills, err := w.store.Pills(w.ctx, kb.PillFilter{})
	if err != nil {
		w.fail("pills: %v", err)
	}
	for _, p := range pills {
		w.seen[p.IRI] = true
	}
}

func (w *world) pickRecord(ok func(r *kb.PillRecord) bool) *kb.PillRecord {
	var c []*kb.PillRecord
	for _, r := range w.records() {
		if ok(r) {
			c = append(c, r)
		}
	}
	if len(c) == 0 {
		return nil
	}
	return c[w.rng.Intn(len(c))]
}

// history checks that the step is the last event of the record, by actor.
func (w *world) history(iri string, a kb.Action, actor string) {
	w.t.Helper()
	r, err := w.store.Workflow().Record(w.ctx, iri)
	if err != nil {
		w.fail("record of %s: %v", iri, err)
	}
	if len(r.Events) == 0 {
		w.fail("%s: the history holds no step after %s", iri, a)
	}
	last := r.Events[len(r.Events)-1]
	if last.Action != a || last.Actor != actor {
		w.fail("%s: the last step of the history is %s by %s, want %s by %s", iri, last.Action, last.Actor, a, actor)
	}
}

// --- steps -------------------------------------------------------------------------------

func (w *world) newRow() genRow {
	code := fmt.Sprintf("M-%03d", w.rng.Intn(40))
	tok, ok := w.token[code]
	if !ok {
		tok = fmt.Sprintf("zq%04d", w.rng.Intn(10000))
		w.token[code] = tok
	}
	return genRow{code: code, title: "Scheda " + tok + " " + w.pick(categories), question: "Come si fa " + tok + "?",
		answer: w.pick(texts), category: w.pick(categories), office: w.pick(offices)}
}

func (w *world) writeBook(b genBook) string {
	if w.rng.Intn(4) > 0 {
		return w.writeCSV(b) // the importer's fastest input: most steps use it
	}
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &[]any{"Codice", "Titolo", "Domanda", "Risposta", "Categoria", "Ufficio competente"})
	for i, r := range b.rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow("Sheet1", cell, &[]any{r.code, r.title, r.question, r.answer, r.category, r.office})
	}
	path := filepath.Join(w.dir, fmt.Sprintf("book-%d.xlsx", w.n))
	if err := f.SaveAs(path); err != nil {
		w.fail("workbook: %v", err)
	}
	return path
}

// writeCSV writes the rows as a CSV file (semicolons, as Italian Excel saves it).
func (w *world) writeCSV(b genBook) string {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Comma = ';'
	cw.Write([]string{"Codice", "Titolo", "Domanda", "Risposta", "Categoria", "Ufficio competente"})
	for _, r := range b.rows {
		cw.Write([]string{r.code, r.title, r.question, r.answer, r.category, r.office})
	}
	cw.Flush()
	path := filepath.Join(w.dir, fmt.Sprintf("book-%d.csv", w.n))
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		w.fail("csv: %v", err)
	}
	return path
}

func (w *world) importGenerated() []string {
	var b genBook
	seen := map[string]bool{}
	for i := 0; i < 1+w.rng.Intn(6); i++ {
		r := w.newRow()
		if !seen[r.code] {
			seen[r.code] = true
			b.rows = append(b.rows, r)
		}
	}
	w.books = append(w.books, b)
	return w.importWorkbook(w.writeBook(b), ingest.KindPills)
}

func (w *world) importChanged() []string {
	if len(w.books) == 0 {
		return w.importGenerated()
	}
	b := w.books[w.rng.Intn(len(w.books))]
	rows := slices.Clone(b.rows)
	if len(rows) > 0 && w.rng.Intn(3) > 0 {
		i := w.rng.Intn(len(rows))
		rows[i].answer = w.pick(texts) + " (agg.)"
	}
	return w.importWorkbook(w.writeBook(genBook{rows: rows}), ingest.KindPills)
}

func (w *world) importWorkbook(path string, kind ingest.Kind) []string {
	status := kb.StatusDraft
	if kind != ingest.KindDirectory && w.rng.Intn(6) == 0 {
		status = kb.StatusPublished
	}
	actor := w.pick([]string{"admin", "importazione"})
	w.note("  %s (%s, %s, by %s)", filepath.Base(path), kind, status, actor)
	sum, err := ingest.ImportFile(w.ctx, w.store, path, ingest.Options{Kind: kind, Status: status, Actor: actor})
	if err != nil {
		w.fail("import %s: %v", path, err)
	}
	for _, it := range sum.Items {
		if it.Type != "pill" || it.IRI == "" {
			continue
		}
		w.seen[it.IRI] = true
		switch it.Action {
		case ingest.Created, ingest.Updated, ingest.Conflict:
			w.history(it.IRI, kb.ActionImport, actor)
		}
	}
	w.learn()
	return []string{ontology.GraphContent, ontology.GraphHistory, ontology.GraphTaxonomy, ontology.GraphDirectory}
}

// importRDF imports a Turtle document describing a pill of the sequence's codes (its text
// perhaps changed) and a concept: the same import rules as workbooks.
func (w *world) importRDF() []string {
	r := w.newRow()
	iri := kb.PillIRI(r.code)
	doc := fmt.Sprintf(`@prefix sp: <https://w3id.org/sportello/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<%s> a sp:KnowledgePill, schema:Question ; dct:identifier %q ; dct:title %q@it ; schema:text %q@it ;
    schema:acceptedAnswer <%s#answer> ; schema:keywords "rdf"@it .
<%s#answer> a schema:Answer ; schema:text %q@it .
<https://example.org/concetti/%s> a skos:Concept ; skos:prefLabel "Voce %s"@it .
`, iri, r.code, r.title, r.question, iri, iri, r.answer, w.token[r.code], w.token[r.code])
	actor := "admin"
	w.note("  RDF pill %s", r.code)
	res, err := w.store.ImportRDF(w.ctx, strings.NewReader(doc), rdf.Turtle, kb.ImportOptions{File: "scheda.ttl", Actor: actor, Publish: w.rng.Intn(5) == 0})
	if err != nil {
		w.fail("RDF import: %v", err)
	}
	for _, p := range res.Pills {
		w.seen[p.IRI] = true
		if p.Outcome == kb.ImportCreated || p.Outcome == kb.ImportUpdated || p.Outcome == kb.ImportConflict {
			w.history(p.IRI, kb.ActionImport, actor)
		}
	}
	w.learn()
	return []string{ontology.GraphContent, ontology.GraphHistory}
}

// workflowStep applies fn and, when it succeeds, checks the history holds it.
func (w *world) workflowStep(name string, iri string, a kb.Action, actor string, fn func() (*kb.PillRecord, *kb.WorkflowEvent, error)) []string {
	w.note("  %s %s by %s", name, iri, actor)
	_, ev, err := fn()
	if !expected(err) {
		w.fail("%s %s: %v", name, iri, err)
	}
	if err != nil {
		w.note("    refused: %v", err)
		return nil
	}
	if ev != nil {
		w.history(iri, a, actor)
	}
	w.seen[iri] = true
	return []string{ontology.GraphContent, ontology.GraphHistory}
}

func (w *world) edit() []string {
	r := w.pickRecord(func(r *kb.PillRecord) bool { return true })
	actor := w.pick(publishers)
	if r == nil || w.rng.Intn(5) == 0 {
		row := w.newRow()
		c := kb.Pill{Code: row.code, Title: row.title, Question: row.question, Answer: "<p>" + row.answer + "</p>", Lang: "it"}
		w.note("  create %s by %s", row.code, actor)
		rec, ev, err := w.store.Workflow().Create(w.ctx, c, actor)
		if !expected(err) {
			w.fail("create: %v", err)
		}
		if err == nil && ev != nil {
			w.seen[rec.IRI] = true
			w.history(rec.IRI, kb.ActionEdit, actor)
		}
		return []string{ontology.GraphContent, ontology.GraphHistory}
	}
	c := r.Versions[len(r.Versions)-1].Content
	c.Answer = "<p>" + w.pick(texts) + " (modifica " + strconv.Itoa(w.n) + ")</p>"
	if w.rng.Intn(3) == 0 {
		c.Keywords = append(slices.Clone(c.Keywords), "modifica")
	}
	return w.workflowStep("edit", r.IRI, kb.ActionEdit, actor, func() (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return w.store.Workflow().Edit(w.ctx, r.IRI, c, actor)
	})
}

func (w *world) openWith(st kb.Status) *kb.PillRecord {
	return w.pickRecord(func(r *kb.PillRecord) bool { o := r.Open(); return o != nil && o.Status == st && !r.Deleted })
}

func (w *world) submit() []string {
	r := w.openWith(kb.StatusDraft)
	if r == nil {
		return w.edit()
	}
	actor := w.pick(publishers)
	n := r.Open().Number
	return w.workflowStep("submit", r.IRI, kb.ActionSubmit, actor, func() (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return w.store.Workflow().Submit(w.ctx, r.IRI, n, actor)
	})
}

func (w *world) approve() []string {
	r := w.openWith(kb.StatusSubmitted)
	if r == nil {
		return w.submit()
	}
	actor := w.pick(append(validators, publishers...)) // publishers are refused: four eyes
	n := r.Open().Number
	return w.workflowStep("approve", r.IRI, kb.ActionApprove, actor, func() (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return w.store.Workflow().Approve(w.ctx, r.IRI, n, actor)
	})
}

func (w *world) reject() []string {
	r := w.openWith(kb.StatusSubmitted)
	if r == nil {
		return w.submit()
	}
	actor := w.pick(validators)
	n := r.Open().Number
	return w.workflowStep("reject", r.IRI, kb.ActionReject, actor, func() (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return w.store.Workflow().Reject(w.ctx, r.IRI, n, actor, "manca il costo")
	})
}

func (w *world) retire() []string {
	r := w.pickRecord(func(r *kb.PillRecord) bool { return r.Live > 0 })
	if r == nil {
		return w.approve()
	}
	actor := w.pick(validators)
	return w.workflowStep("retire", r.IRI, kb.ActionRetire, actor, func() (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return w.store.Workflow().Retire(w.ctx, r.IRI, actor, "superata")
	})
}

func (w *world) delete() []string {
	r := w.pickRecord(func(r *kb.PillRecord) bool { return !r.Deleted })
	if r == nil {
		return w.edit()
	}
	actor := w.pick(publishers)
	return w.workflowStep("delete", r.IRI, kb.ActionDelete, actor, func() (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return w.store.Workflow().Delete(w.ctx, r.IRI, actor, "doppione")
	})
}

func (w *world) restore() []string {
	r := w.pickRecord(func(r *kb.PillRecord) bool { return r.Open() == nil || r.Deleted })
	if r == nil {
		return w.edit()
	}
	actor := w.pick(publishers)
	n := 1 + w.rng.Intn(len(r.Versions))
	return w.workflowStep("restore", r.IRI, kb.ActionRestore, actor, func() (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return w.store.Workflow().Restore(w.ctx, r.IRI, n, actor)
	})
}

func (w *world) settle() []string {
	conf, err := w.store.Workflow().Conflicts(w.ctx)
	if err != nil {
		w.fail("conflicts: %v", err)
	}
	if len(conf) == 0 {
		return w.importChanged()
	}
	c := conf[w.rng.Intn(len(conf))]
	actor := w.pick(publishers)
	if w.rng.Intn(2) == 0 {
		return w.workflowStep("discard", c.IRI, kb.ActionDiscard, actor, func() (*kb.PillRecord, *kb.WorkflowEvent, error) {
			return w.store.Workflow().Discard(w.ctx, c.IRI, actor)
		})
	}
	merged := c.Pending.Content
	merged.Notes = "unito dal redattore"
	return w.workflowStep("merge", c.IRI, kb.ActionMerge, actor, func() (*kb.PillRecord, *kb.WorkflowEvent, error) {
		return w.store.Workflow().Merge(w.ctx, c.IRI, merged, actor)
	})
}

// exportReimport imports the store's own export: into the store itself it changes nothing, into
// an empty store it gives the same store back.
func (w *world) exportReimport() []string {
	f := rdf.Formats[w.rng.Intn(len(rdf.Formats))]
	if !f.HasGraphs() {
		f = rdf.NQuads // a syntax without graphs cannot say which graph a statement was in
	}
	w.note("  export %s, import it again", f)
	var doc bytes.Buffer
	if err := w.store.Export(w.ctx, &doc, f, ""); err != nil {
		w.fail("export %s: %v", f, err)
	}
	before := exportQuads(w, w.store, "")
	if _, err := w.store.ImportRDF(w.ctx, bytes.NewReader(doc.Bytes()), f, kb.ImportOptions{File: "export" + f.Ext(), Actor: "admin"}); err != nil {
		w.fail("importing the store's own %s export: %v", f, err)
	}
	if after := exportQuads(w, w.store, ""); !rdf.Isomorphic(before, after) {
		w.fail("importing the store's own %s export changed it: %d statements, %d before%s", f, len(after), len(before), diff(before, after))
	}
	fresh, err := kb.OpenMemory()
	if err != nil {
		w.fail("%v", err)
	}
	defer fresh.Close()
	if _, err := fresh.ImportRDF(w.ctx, bytes.NewReader(doc.Bytes()), f, kb.ImportOptions{File: "export" + f.Ext()}); err != nil {
		w.fail("importing the %s export into an empty store: %v", f, err)
	}
	if got := exportQuads(w, fresh, ""); !rdf.Isomorphic(before, got) {
		w.fail("the %s export imported into an empty store gives %d statements, the store has %d%s", f, len(got), len(before), diff(before, got))
	}
	return nil
}

// --- invariants --------------------------------------------------------------------------

// checkRecords: every pill has a record; the content graph holds the record's view of it; a
// published pill has exactly one live version, the only published one. After a step it checks
// the pills the step changed (all after an RDF import), at the end of a sequence every one.
func (w *world) checkRecords(all bool) {
	w.learn()
	all = all || w.changedAll
	changed := w.changed
	w.changed, w.changedAll = map[string]bool{}, false
	for _, r := range w.records() {
		if !all && !changed[r.IRI] {
			continue
		}
		p, err := w.store.Pill(w.ctx, r.IRI)
		g := r.GraphPill()
		switch {
		case g == nil && err == nil:
			w.fail("%s is deleted in its record but in the content graph", r.IRI)
		case g != nil && err != nil:
			w.fail("%s: the record shows it, the content graph does not: %v", r.IRI, err)
		case g != nil && (g.Status != p.Status || g.Version != p.Version || kb.PillHash(g) != kb.PillHash(p)):
			w.fail("%s: the content graph holds v%d %s, the record v%d %s", r.IRI, p.Version, p.Status, g.Version, g.Status)
		}
		published := 0
		for _, v := range r.Versions {
			if v.Status == kb.StatusPublished {
				published++
				if v.Number != r.Live {
					w.fail("%s: version %d is published but version %d is live", r.IRI, v.Number, r.Live)
				}
			}
		}
		if r.Live > 0 && published != 1 || r.Live == 0 && published != 0 {
			w.fail("%s: live version %d, %d published versions", r.IRI, r.Live, published)
		}
		if g != nil && (g.Status == kb.StatusPublished) != (r.Live > 0) {
			w.fail("%s: operators see %s, live version %d", r.IRI, g.Status, r.Live)
		}
		open := 0
		for _, v := range r.Versions {
			if v.Status == kb.StatusDraft || v.Status == kb.StatusSubmitted || v.Status == kb.StatusRejected {
				open++
			}
		}
		if open > 1 {
			w.fail("%s: %d versions in progress", r.IRI, open)
		}
	}
}

// checkIndex searches a few pills by the word only they hold: the index finds those the content
// graph holds, with their status, and none that was deleted.
func (w *world) checkIndex() {
	recs := w.records()
	for i := 0; i < 1 && len(recs) > 0; i++ {
		r := recs[w.rng.Intn(len(recs))]
		code := ""
		for _, v := range r.Versions {
			code = v.Content.Code
		}
		tok := w.token[code]
		if tok == "" {
			continue
		}
		res, err := w.index.Search(w.ctx, tok, search.Options{IncludeDrafts: true, IncludeRetired: true, Complete: true, Limit: 50, Kinds: []string{search.KindPill}})
		if err != nil {
			w.fail("search %q: %v", tok, err)
		}
		var hit *search.Hit
		for j := range res.Hits {
			if res.Hits[j].IRI == r.IRI {
				hit = &res.Hits[j]
			}
		}
		g := r.GraphPill()
		switch {
		case g == nil && hit != nil:
			w.fail("the index still finds the deleted %s", r.IRI)
		case g != nil && hit == nil && strings.Contains(g.Title, tok):
			w.fail("the index does not find %s (%q) by %q", r.IRI, g.Title, tok)
		case g != nil && hit != nil && hit.Status != string(g.Status):
			w.fail("the index has %s %s, the graph %s", r.IRI, hit.Status, g.Status)
		}
	}
}

// stepFormats are the syntaxes checked after each step: all but JSON-LD.
var stepFormats = []rdf.Format{rdf.Turtle, rdf.NTriples, rdf.TriG, rdf.RDFXML}

// dataGraphs are the graphs a sequence writes; the ontology and the vocabularies are the same in
// every store, and are checked once (TestBootstrapExports).
var dataGraphs = []string{ontology.GraphContent, ontology.GraphHistory, ontology.GraphTaxonomy, ontology.GraphDirectory}

// checkExports writes graphs in the syntaxes and reads them back: the same statements as the
// store's N-Quads export of the graph.
func (w *world) checkExports(graphs []string, formats []rdf.Format) {
	for _, g := range graphs {
		want := exportQuads(w, w.store, g)
		for _, f := range formats {
			if f == rdf.NQuads {
				continue
			}
			var doc bytes.Buffer
			if err := w.store.Export(w.ctx, &doc, f, g); err != nil {
				w.fail("export %s of graph %q: %v", f, g, err)
			}
			got := parse(w, doc.Bytes(), f)
			exp := want
			if !f.HasGraphs() {
				exp = triples(want)
				got = triples(got)
			}
			if !rdf.Isomorphic(exp, got) {
				w.fail("the %s export of graph %q reads back as %d statements, not the %d of the store%s", f, g, len(got), len(exp), diff(exp, got))
			}
		}
	}
}

// checkOwnExport: the store's N-Quads export imported into the store changes nothing.
func (w *world) checkOwnExport() {
	before := exportQuads(w, w.store, "")
	var doc bytes.Buffer
	if err := w.store.Export(w.ctx, &doc, rdf.NQuads, ""); err != nil {
		w.fail("export: %v", err)
	}
	if _, err := w.store.Import(w.ctx, bytes.NewReader(doc.Bytes()), rdf.NQuads, kb.ImportOptions{File: "tutto.nq"}); err != nil {
		w.fail("import of the store's own export: %v", err)
	}
	if after := exportQuads(w, w.store, ""); !rdf.Isomorphic(before, after) {
		w.fail("the store's own export imported again changed it: %d statements, %d before", len(after), len(before))
	}
}

func exportQuads(w *world, s *kb.Store, g string) []quad.Quad {
	var doc bytes.Buffer
	if err := s.Export(w.ctx, &doc, rdf.NQuads, g); err != nil {
		w.fail("export: %v", err)
	}
	return parse(w, doc.Bytes(), rdf.NQuads)
}

func parse(w *world, doc []byte, f rdf.Format) []quad.Quad {
	r, err := rdf.NewReader(bytes.NewReader(doc), f, rdf.ReaderOptions{})
	if err != nil {
		w.fail("%v", err)
	}
	qs, err := quad.ReadAll(r)
	if err != nil {
		w.fail("the %s export does not parse: %v", f, err)
	}
	return qs
}

// triples drops the graphs and the repeats.
func triples(qs []quad.Quad) []quad.Quad {
	seen := map[quad.Quad]bool{}
	var out []quad.Quad
	for _, q := range qs {
		q.Label = nil
		if !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	return out
}

// diff lists (some of) the statements only one side has, blank nodes aside.
func diff(a, b []quad.Quad) string {
	in := func(qs []quad.Quad) map[string]bool {
		m := map[string]bool{}
		for _, q := range qs {
			m[q.String()] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for k := range ma {
		if !mb[k] && !strings.Contains(k, "_:") {
			out = append(out, "- "+k)
		}
	}
	for k := range mb {
		if !ma[k] && !strings.Contains(k, "_:") {
			out = append(out, "+ "+k)
		}
	}
	sort.Strings(out)
	if len(out) > 30 {
		out = out[:30]
	}
	return "\n    " + strings.Join(out, "\n    ")
}

// TestBootstrapExports: what every store holds from its first start — the ontology and the
// national vocabularies — writes in every syntax and reads back the same.
func TestBootstrapExports(t *testing.T) {
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w := &world{t: t, ctx: context.Background(), store: s}
	w.checkExports([]string{"", ontology.GraphOntology, ontology.GraphVocabulary}, rdf.Formats)
}
