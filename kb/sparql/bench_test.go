package sparql

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cayleygraph/cayley"
	"github.com/cayleygraph/cayley/graph"
	_ "github.com/cayleygraph/cayley/graph/kv/bolt"
	"github.com/cayleygraph/quad"

	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/ontology"
)

// The query benchmarks (go test -run '^$' -bench Queries -benchtime 20x ./kb/sparql/) build a
// bolt store of pill-like data at 100k and 1M triples — a taxonomy of 488 concepts on three
// levels whose 8 top concepts closeMatch the national life events, 60 offices, pills with
// code, title, question, answer, keywords, status, concept and office — and time three typical
// queries with this engine and with roqet on the same data (an N-Triples file roqet reads at
// each run, as it has no store of its own). Each reports the p95 latency.

const benchTop, benchMid, benchLeaf = 8, 6, 9 // concepts per level

func benchConcept(i int) quad.IRI { return quad.IRI(fmt.Sprintf("%sconcept/b%d", kb.Base, i)) }
func benchPill(i int) string      { return fmt.Sprintf("%spill/B-%07d", kb.Base, i) }

// benchData emits about n quads.
func benchData(n int, emit func(quad.Quad)) {
	content, taxonomy, dir := quad.IRI(ontology.GraphContent), quad.IRI(ontology.GraphTaxonomy), quad.IRI(ontology.GraphDirectory)
	count := 0
	add := func(s quad.IRI, p string, o quad.Value, g quad.IRI) {
		emit(quad.Quad{Subject: s, Predicate: quad.IRI(p), Object: o, Label: g})
		count++
	}
	lit := func(s string) quad.Value { return quad.LangString{Value: quad.String(s), Lang: "it"} }
	scheme := quad.IRI(kb.Base + "scheme/classificazione")
	var leaves []quad.IRI
	id := 0
	concept := func(parent quad.IRI) quad.IRI {
		c := benchConcept(id)
		id++
		add(c, ontology.RDFType, quad.IRI(ontology.SKOSConcept), taxonomy)
		add(c, ontology.SKOSPrefLabel, lit(fmt.Sprintf("Concetto %d", id)), taxonomy)
		add(c, ontology.SKOSInScheme, scheme, taxonomy)
		if parent != "" {
			add(c, ontology.SKOSBroader, parent, taxonomy)
			add(parent, ontology.SKOSNarrower, c, taxonomy)
		}
		return c
	}
	for t := 0; t < benchTop; t++ {
		top := concept("")
		add(top, skosNS+"topConceptOf", scheme, taxonomy)
		add(top, skosNS+"closeMatch", quad.IRI(fmt.Sprintf("%s/%d", ontology.LifeEventScheme, t+1)), taxonomy)
		leaves = append(leaves, top)
		for m := 0; m < benchMid; m++ {
			mid := concept(top)
			leaves = append(leaves, mid)
			for l := 0; l < benchLeaf; l++ {
				leaves = append(leaves, concept(mid))
			}
		}
	}
	const offices = 60
	for u := 0; u < offices; u++ {
		o := quad.IRI(fmt.Sprintf("%sunit/u%d", kb.Base, u))
		add(o, ontology.RDFType, quad.IRI(ontology.ORGOrganizationalUnit), dir)
		add(o, ontology.VCardFN, lit(fmt.Sprintf("Ufficio %d", u)), dir)
	}
	for i := 0; count < n; i++ {
		p := quad.IRI(benchPill(i))
		a := p + "#answer"
		add(p, ontology.RDFType, quad.IRI(ontology.KnowledgePill), content)
		add(p, ontology.DCTIdentifier, quad.String(fmt.Sprintf("B-%07d", i)), content)
		add(p, ontology.DCTTitle, lit(fmt.Sprintf("Scheda numero %d sulla città", i)), content)
		add(p, ontology.SchemaText, lit(fmt.Sprintf("Come si fa la pratica %d?", i)), content)
		add(p, ontology.SchemaAcceptedAnswer, a, content)
		add(a, ontology.SchemaText, lit(fmt.Sprintf("<p>Risposta %d: si presenta la domanda all'ufficio.</p>", i)), content)
		add(p, ontology.SchemaKeywords, lit(fmt.Sprintf("parola%d", i%997)), content)
		add(p, ontology.DCTSubject, leaves[i%len(leaves)], content)
		add(p, ontology.CompetentOffice, quad.IRI(fmt.Sprintf("%sunit/u%d", kb.Base, i%offices)), content)
		add(p, ontology.ADMSStatus, quad.IRI(kb.StatusPublished.IRI()), content)
	}
}

type benchQuery struct {
	name       string
	q, roqet   string
	entailment Entailment
}

func benchQueries(pill int) []benchQuery {
	p := benchPill(pill)
	le := ontology.LifeEventScheme + "/3"
	return []benchQuery{
		{name: "pill-office-concepts", q: `SELECT ?title ?office ?concept WHERE { <` + p + `> dct:title ?title ; sp:competentOffice ?o ; dct:subject ?c . ?o vcard:fn ?office . ?c skos:prefLabel ?concept }`},
		{name: "pills-under-life-event-entailment", entailment: EntailSKOS,
			q:     `SELECT ?pill WHERE { <` + le + `> skos:closeMatch ?top . { ?pill dct:subject ?top } UNION { ?c skos:broaderTransitive ?top . ?pill dct:subject ?c } } LIMIT 100`,
			roqet: `SELECT ?pill WHERE { ?top skos:closeMatch <` + le + `> . { ?pill dct:subject ?top } UNION { ?c skos:broader ?top . ?pill dct:subject ?c } UNION { ?c skos:broader ?m . ?m skos:broader ?top . ?pill dct:subject ?c } } LIMIT 100`},
		{name: "counts-per-branch",
			q:     `SELECT ?top (COUNT(?p) AS ?n) WHERE { ?top skos:topConceptOf scheme:classificazione . ?c skos:broader* ?top . ?p dct:subject ?c } GROUP BY ?top`,
			roqet: `SELECT ?top (COUNT(?p) AS ?n) WHERE { ?top skos:topConceptOf scheme:classificazione . { ?p dct:subject ?top } UNION { ?c skos:broader ?top . ?p dct:subject ?c } UNION { ?c skos:broader ?m . ?m skos:broader ?top . ?p dct:subject ?c } } GROUP BY ?top`},
	}
}

type benchStore struct {
	qs     graph.QuadStore
	nt     string
	pills  int
	closer func()
}

var (
	benchStores = map[int]*benchStore{}
	roqetDone   = map[string][2]float64{}
)

// openBench builds (once per size and run) the bolt store and the N-Triples file.
func openBench(b *testing.B, n int) *benchStore {
	if s, ok := benchStores[n]; ok {
		return s
	}
	dir, err := os.MkdirTemp("", "sportello-sparql-bench-")
	if err != nil {
		b.Fatal(err)
	}
	gdir := filepath.Join(dir, "graph")
	os.MkdirAll(gdir, 0o700)
	if err := graph.InitQuadStore("bolt", gdir, nil); err != nil {
		b.Fatal(err)
	}
	h, err := cayley.NewGraph("bolt", gdir, nil)
	if err != nil {
		b.Fatal(err)
	}
	ntPath := filepath.Join(dir, "data.nt")
	f, err := os.Create(ntPath)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	nw, _ := rdf.NewWriter(bw, rdf.NTriples, rdf.WriterOptions{})
	var batch []graph.Delta
	pills := 0
	flush := func() {
		if err := h.QuadStore.ApplyDeltas(batch, graph.IgnoreOpts{IgnoreDup: true}); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	start := time.Now()
	benchData(n, func(q quad.Quad) {
		if q.Predicate == quad.IRI(ontology.DCTIdentifier) {
			pills++
		}
		batch = append(batch, graph.Delta{Quad: q, Action: graph.Add})
		nw.WriteQuad(q)
		if len(batch) == 50_000 {
			flush()
		}
	})
	flush()
	nw.Close()
	bw.Flush()
	f.Close()
	b.Logf("%d triples loaded in %s", n, time.Since(start).Round(time.Second))
	s := &benchStore{qs: h.QuadStore, nt: ntPath, pills: pills, closer: func() { h.Close(); os.RemoveAll(dir) }}
	benchStores[n] = s
	return s
}

// cpuTime is the CPU time of the process so far (user and system): on a shared machine it
// varies far less than wall-clock latency.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func p95(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := (len(ds)*95 + 99) / 100
	if i > len(ds) {
		i = len(ds)
	}
	return ds[i-1]
}

// roqetRuns and roqetLimit bound roqet's share of the run: it reads the whole file at every
// run, and its joins of UNIONs grow fast with the data.
const (
	roqetRuns  = 3
	roqetLimit = 5 * time.Minute
)

func BenchmarkQueries(b *testing.B) {
	defer func() {
		for n, s := range benchStores {
			s.closer()
			delete(benchStores, n)
		}
	}()
	roqet, _ := exec.LookPath("roqet")
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("triples=%d", n), func(b *testing.B) {
			s := openBench(b, n)
			e := NewQuadStore(s.qs)
			for qi, bq := range benchQueries(0) {
				b.Run("engine=sportello/"+bq.name, func(b *testing.B) {
					var ds []time.Duration
					rows := 0
					cpu0 := cpuTime()
					for i := 0; i < b.N; i++ {
						q := benchQueries((i * 7919) % s.pills)[qi]
						start := time.Now()
						r, err := e.Query(context.Background(), prefixes+q.q, Options{Entailment: q.entailment, Timeout: time.Minute})
						if err != nil {
							b.Fatal(err)
						}
						ds = append(ds, time.Since(start))
						rows = len(r.Rows)
					}
					b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
					b.ReportMetric(float64(p95(ds).Microseconds())/1000, "p95-ms")
					b.ReportMetric(float64(rows), "rows")
				})
				if roqet == "" {
					continue
				}
				b.Run("engine=roqet/"+bq.name, func(b *testing.B) {
					// the benchmark function runs more than once (b.N = 1, then the -benchtime
					// count): roqet runs only the first time, its figures are kept
					key := fmt.Sprint(n, bq.name)
					if m, ok := roqetDone[key]; ok {
						b.ReportMetric(m[0], "p95-ms")
						b.ReportMetric(m[1], "rows")
						return
					}
					rows := 0.0
					var ds []time.Duration
					for i := 0; i < roqetRuns; i++ {
						q := benchQueries((i * 7919) % s.pills)[qi]
						rq := q.roqet
						if rq == "" {
							rq = q.q
						}
						ctx, cancel := context.WithTimeout(context.Background(), roqetLimit)
						start := time.Now()
						out, err := exec.CommandContext(ctx, roqet, "-q", "-i", "sparql", "-D", s.nt, "-r", "csv", "-e", prefixes+rq).Output()
						ds = append(ds, time.Since(start))
						late := ctx.Err() != nil
						cancel()
						if late {
							b.Logf("roqet did not finish in %s", roqetLimit)
							break
						}
						if len(out) == 0 {
							b.Fatalf("roqet: %v", err)
						}
						if i == 0 {
							rows = float64(strings.Count(string(out), "\n") - 1)
						}
					}
					m := [2]float64{float64(p95(ds).Microseconds()) / 1000, rows}
					roqetDone[key] = m
					b.ReportMetric(m[0], "p95-ms")
					b.ReportMetric(m[1], "rows")
				})
			}
		})
	}
}
