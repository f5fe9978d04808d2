package kb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cayleygraph/cayley"
	"github.com/cayleygraph/quad"

	"sportello/ontology"
)

// The benchmarks measure the store at the sizes the issue names. They run only under -bench
// (go test -run '^$' -bench . -benchtime 1x ./kb/ for the loads; the 1M store is built once).

// synthetic generates n triples shaped like the real data: concepts with labels, and pills
// with a code, title, answer node, keywords and a subject — about 12 triples per pill.
func synthetic(n int, emit func(quad.Quad)) {
	content, taxonomy := quad.IRI(ontology.GraphContent), quad.IRI(ontology.GraphTaxonomy)
	const concepts = 500
	count := 0
	add := func(s quad.IRI, p string, o quad.Value, g quad.IRI) {
		if count < n {
			emit(quad.Quad{Subject: s, Predicate: quad.IRI(p), Object: o, Label: g})
			count++
		}
	}
	for i := 0; i < concepts; i++ {
		c := quad.IRI(fmt.Sprintf("%sconcept/c%d", Base, i))
		add(c, ontology.RDFType, quad.IRI(ontology.SKOSConcept), taxonomy)
		add(c, ontology.SKOSPrefLabel, quad.LangString{Value: quad.String(fmt.Sprintf("Concetto %d", i)), Lang: "it"}, taxonomy)
		add(c, ontology.SKOSPrefLabel, quad.LangString{Value: quad.String(fmt.Sprintf("Concept %d", i)), Lang: "en"}, taxonomy)
	}
	for i := 0; count < n; i++ {
		p := quad.IRI(pillName(i))
		a := p + "#answer"
		add(p, ontology.RDFType, quad.IRI(ontology.KnowledgePill), content)
		add(p, ontology.DCTIdentifier, quad.String(fmt.Sprintf("P-%07d", i)), content)
		add(p, ontology.DCTTitle, text(fmt.Sprintf("Scheda numero %d sulla città", i), "it"), content)
		add(p, ontology.SchemaText, text(fmt.Sprintf("Come si fa la pratica %d?", i), "it"), content)
		add(p, ontology.SchemaAcceptedAnswer, a, content)
		add(a, ontology.RDFType, quad.IRI(ontology.SchemaAnswer), content)
		add(a, ontology.SchemaText, text(fmt.Sprintf("<p>Risposta %d: si presenta la domanda all'ufficio, con l'ISEE e un documento.</p>", i), "it"), content)
		add(p, ontology.SchemaKeywords, text(fmt.Sprintf("parola%d", i%997), "it"), content)
		add(p, ontology.SchemaKeywords, text(fmt.Sprintf("tema%d", i%101), "it"), content)
		add(p, ontology.DCTSubject, quad.IRI(fmt.Sprintf("%sconcept/c%d", Base, i%concepts)), content)
		add(p, ontology.ADMSStatus, quad.IRI(StatusPublished.IRI()), content)
		add(p, ontology.VersionNumber, typed("1", ontology.XSDInteger), content)
	}
}

func pillName(i int) string { return fmt.Sprintf("%spill/P-%07d", Base, i) }

// loadBolt loads n synthetic triples into a new bolt store in dir, in transactions of batch
// deltas, and returns the store.
func loadBolt(tb testing.TB, dir string, n, batch int) *Store {
	s, err := Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	tx := newDeltaSet()
	var werr error
	synthetic(n, func(q quad.Quad) {
		tx.add(q)
		if len(tx.order) >= batch && werr == nil {
			werr = s.apply(ctx, tx)
			tx = newDeltaSet()
		}
	})
	if werr == nil {
		werr = s.apply(ctx, tx)
	}
	if werr != nil {
		tb.Fatal(werr)
	}
	return s
}

func BenchmarkLoadBolt(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("triples=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				dir := b.TempDir()
				start := time.Now()
				s := loadBolt(b, dir, n, 10_000)
				elapsed := time.Since(start)
				st, _ := s.Stats(context.Background())
				s.Close()
				fi, err := os.Stat(filepath.Join(dir, "graph", "indexes.bolt"))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(n)/elapsed.Seconds(), "triples/s")
				b.ReportMetric(float64(fi.Size())/float64(st.Triples), "bytes/triple")
			}
		})
	}
}

// The 1M-triple store is built once for the query benchmarks and removed by TestMain.
var (
	bigOnce  sync.Once
	bigStore *Store
	bigDir   string
)

func big(b *testing.B) *Store {
	bigOnce.Do(func() {
		// SPORTELLO_BENCH_DIR keeps the 1M store between runs (it takes a minute or more to
		// build); without it the store lives in a temporary folder removed by TestMain.
		if dir := os.Getenv("SPORTELLO_BENCH_DIR"); dir != "" {
			if Exists(dir) {
				s, err := Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				bigStore = s
				return
			}
			bigStore = loadBolt(b, dir, 1_000_000, 50_000)
			return
		}
		dir, err := os.MkdirTemp("", "sportello-kb-bench-")
		if err != nil {
			b.Fatal(err)
		}
		bigDir = dir
		bigStore = loadBolt(b, dir, 1_000_000, 50_000)
	})
	if bigStore == nil {
		b.Fatal("the 1M store could not be built")
	}
	return bigStore
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bigStore != nil {
		bigStore.Close()
		if bigDir != "" {
			os.RemoveAll(bigDir)
		}
	}
	os.Exit(code)
}

// BenchmarkPill1M reads a whole pill (its quads, then its answer node) at 1M triples.
func BenchmarkPill1M(b *testing.B) {
	s := big(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := s.Pill(ctx, pillName(i%70_000))
		if err != nil || p.Answer == "" {
			b.Fatalf("%v %+v", err, p)
		}
	}
}

// BenchmarkTwoHop1M: two-hop queries at 1M triples, each hop inside its named graph: the
// indexed way (one lookup per node, filtered by predicate and graph reference before values are
// read), the chained cayley path restricted to the graphs (LabelContext, what a graph-aware query
// needs: its second hop scans), and the chained path ignoring graphs, for comparison.
// pill → dct:subject → skos:prefLabel ends on a small predicate (1,000 quads); pill →
// schema:acceptedAnswer → schema:text on a large one (about 160,000 quads).
func BenchmarkTwoHop1M(b *testing.B) {
	s := big(b)
	ctx := context.Background()
	queries := []struct {
		name        string
		first, then string
		g1, g2      string
		want        int
	}{
		{"subject-label", ontology.DCTSubject, ontology.SKOSPrefLabel, ontology.GraphContent, ontology.GraphTaxonomy, 2},
		{"answer-text", ontology.SchemaAcceptedAnswer, ontology.SchemaText, ontology.GraphContent, ontology.GraphContent, 1},
	}
	for _, q := range queries {
		b.Run(q.name+"/indexed", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s.mu.RLock()
				var got []string
				for _, a := range s.quadsDirPred(ctx, quad.Subject, quad.IRI(pillName(i%70_000)), q.first, q.g1) {
					for _, l := range s.quadsDirPred(ctx, quad.Subject, a.Object, q.then, q.g2) {
						got = append(got, lex(l.Object))
					}
				}
				s.mu.RUnlock()
				if len(got) != q.want {
					b.Fatalf("got %v", got)
				}
			}
		})
		b.Run(q.name+"/path-in-graphs", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s.mu.RLock()
				p := cayley.StartPath(s.qs, quad.IRI(pillName(i%70_000))).
					LabelContext(quad.IRI(q.g1)).Out(quad.IRI(q.first)).
					LabelContext(quad.IRI(q.g2)).Out(quad.IRI(q.then))
				vals, err := p.Iterate(ctx).AllValues(s.qs)
				s.mu.RUnlock()
				if err != nil || len(vals) != q.want {
					b.Fatalf("%v %v", vals, err)
				}
			}
		})
		b.Run(q.name+"/path-any-graph", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s.mu.RLock()
				p := cayley.StartPath(s.qs, quad.IRI(pillName(i%70_000))).
					Out(quad.IRI(q.first)).Out(quad.IRI(q.then))
				vals, err := p.Iterate(ctx).AllValues(s.qs)
				s.mu.RUnlock()
				if err != nil || len(vals) != q.want {
					b.Fatalf("%v %v", vals, err)
				}
			}
		})
	}
}

// BenchmarkPillsByConcept1M lists the pills filed under one concept at 1M triples (about 140
// pills per concept), through the object index.
func BenchmarkPillsByConcept1M(b *testing.B) {
	s := big(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ps, err := s.Pills(ctx, PillFilter{Concept: fmt.Sprintf("%sconcept/c%d", Base, i%500), Limit: 20})
		if err != nil || len(ps) != 20 {
			b.Fatalf("%d pills, %v", len(ps), err)
		}
	}
}
