package rdf

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cayleygraph/quad"
	knakk "github.com/knakk/rdf"

	"sportello/fixtures/testenv"
)

// benchSizes are the graph sizes, in triples, the benchmarks measure. The 1M case is left out
// with -short.
var benchSizes = []int{100_000, 1_000_000}

const (
	benchNS   = "https://sportello.example/kb/"
	benchDCT  = "http://purl.org/dc/terms/"
	benchSKOS = "http://www.w3.org/2004/02/skos/core#"
)

var benchPrefixes = map[string]string{"sp": benchNS, "dct": benchDCT, "skos": benchSKOS, "rdf": rdfNS, "xsd": xsdNS}

var benchTitles = []string{
	"Cambio di residenza: documenti necessari",
	"Carta d'identità elettronica — prenotazione",
	"Tassa sui rifiuti (TARI): scadenze e agevolazioni",
	"Iscrizione all'asilo nido comunale",
	"Perché la pratica è sospesa? Cosa fare",
	"Permesso di sosta per residenti: rinnovo",
}

// benchGraph makes n pill-like triples: typed pills with Italian titles and texts (accents,
// quotes, line breaks), dates, concepts, a blank node for the author. Ten triples per pill.
func benchGraph(n int) []quad.Quad {
	qs := make([]quad.Quad, 0, n)
	for i := 0; len(qs) < n; i++ {
		s := quad.IRI(fmt.Sprintf("%spill/%d", benchNS, i))
		t := benchTitles[i%len(benchTitles)]
		author := quad.BNode(fmt.Sprintf("a%d", i))
		pill := []quad.Quad{
			{Subject: s, Predicate: quad.IRI(rdfType), Object: quad.IRI(benchNS + "Pill")},
			{Subject: s, Predicate: quad.IRI(benchDCT + "title"), Object: quad.LangString{Value: quad.String(t), Lang: "it"}},
			{Subject: s, Predicate: quad.IRI(benchNS + "body"), Object: quad.LangString{Value: quad.String(fmt.Sprintf("Risposta n. %d: l'operatore verifica l'identità,\npoi indica «%s» e il numero verde.", i, t)), Lang: "it"}},
			{Subject: s, Predicate: quad.IRI(benchDCT + "modified"), Object: quad.TypedString{Value: quad.String(fmt.Sprintf("2024-%02d-%02d", i%12+1, i%28+1)), Type: xsdNS + "date"}},
			{Subject: s, Predicate: quad.IRI(benchDCT + "subject"), Object: quad.IRI(fmt.Sprintf("%sconcept/%d", benchNS, i%500))},
			{Subject: s, Predicate: quad.IRI(benchDCT + "subject"), Object: quad.IRI(fmt.Sprintf("%sconcept/%d", benchNS, (i*7)%500))},
			{Subject: s, Predicate: quad.IRI(benchNS + "unit"), Object: quad.IRI(fmt.Sprintf("%sunit/%d", benchNS, i%40))},
			{Subject: s, Predicate: quad.IRI(benchNS + "views"), Object: quad.TypedString{Value: quad.String(fmt.Sprint(i * 13 % 9973)), Type: xsdInteger}},
			{Subject: s, Predicate: quad.IRI(benchDCT + "creator"), Object: author},
			{Subject: author, Predicate: quad.IRI(benchSKOS + "prefLabel"), Object: quad.String(fmt.Sprintf("Operatore %d", i%97))},
		}
		qs = append(qs, pill[:min(len(pill), n-len(qs))]...)
	}
	return qs
}

// benchDoc is a generated graph serialised in each syntax, kept in memory across benchmarks.
type benchDoc struct {
	quads []quad.Quad
	data  map[Format][]byte
}

var (
	benchMu   sync.Mutex
	benchDocs = map[int]*benchDoc{}
)

func benchData(b *testing.B, n int) *benchDoc {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if d, ok := benchDocs[n]; ok {
		return d
	}
	d := &benchDoc{quads: benchGraph(n), data: map[Format][]byte{}}
	for _, f := range []Format{NTriples, NQuads, Turtle, TriG} {
		var buf bytes.Buffer
		w, _ := NewWriter(&buf, f, WriterOptions{Prefixes: benchPrefixes})
		if _, err := w.WriteQuads(d.quads); err != nil {
			b.Fatal(err)
		}
		w.Close()
		d.data[f] = buf.Bytes()
	}
	benchDocs[n] = d
	return d
}

func benchEachSize(b *testing.B, fn func(b *testing.B, d *benchDoc)) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			if n > 100_000 && testing.Short() {
				b.Skip("1M triples: not with -short")
			}
			fn(b, benchData(b, n))
		})
	}
}

// benchClock measures both wall time and the CPU time of this process: the machine is shared,
// and under load the CPU-time rate is the figure that compares across runs.
type benchClock struct {
	wall time.Time
	cpu  time.Duration
}

func startClock() benchClock { return benchClock{time.Now(), selfCPU()} }

func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportTriples reports triples/s (wall clock) and triples/cpu-s. extraCPU is CPU time spent
// in child processes (rapper).
func reportTriples(b *testing.B, n int, c benchClock, extraCPU time.Duration) {
	total := float64(n) * float64(b.N)
	b.ReportMetric(total/time.Since(c.wall).Seconds(), "triples/s")
	if cpu := selfCPU() - c.cpu + extraCPU; cpu > 0 {
		b.ReportMetric(total/cpu.Seconds(), "triples/cpu-s")
	}
}

func BenchmarkParse(b *testing.B) {
	for _, f := range []Format{NTriples, NQuads, Turtle, TriG} {
		b.Run(string(f), func(b *testing.B) {
			benchEachSize(b, func(b *testing.B, d *benchDoc) {
				data := d.data[f]
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				b.ResetTimer()
				start := startClock()
				for range b.N {
					r, _ := NewReader(bytes.NewReader(data), f, ReaderOptions{})
					n := 0
					for {
						_, err := r.ReadQuad()
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						n++
					}
					if n != len(d.quads) {
						b.Fatalf("read %d quads, want %d", n, len(d.quads))
					}
				}
				reportTriples(b, len(d.quads), start, 0)
			})
		})
	}
}

func BenchmarkSerialize(b *testing.B) {
	for _, f := range []Format{NTriples, NQuads, Turtle, TriG} {
		b.Run(string(f), func(b *testing.B) {
			benchEachSize(b, func(b *testing.B, d *benchDoc) {
				b.SetBytes(int64(len(d.data[f])))
				b.ReportAllocs()
				b.ResetTimer()
				start := startClock()
				for range b.N {
					w, _ := NewWriter(io.Discard, f, WriterOptions{Prefixes: benchPrefixes})
					if _, err := w.WriteQuads(d.quads); err != nil {
						b.Fatal(err)
					}
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				}
				reportTriples(b, len(d.quads), start, 0)
			})
		})
	}
}

// BenchmarkRapper is the reference: Raptor's rapper counting the same files (-c parses without
// output). Process start-up is included, a few milliseconds.
func BenchmarkRapper(b *testing.B) {
	rapper := testenv.Command(b, "rapper", "raptor2-utils")
	for _, f := range []Format{NTriples, Turtle} {
		b.Run(string(f), func(b *testing.B) {
			benchEachSize(b, func(b *testing.B, d *benchDoc) {
				file := filepath.Join(b.TempDir(), "graph"+f.Ext())
				if err := os.WriteFile(file, d.data[f], 0o644); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(d.data[f])))
				b.ResetTimer()
				start := startClock()
				var child time.Duration
				for range b.N {
					cmd := exec.Command(rapper, "-i", string(f), "-c", file)
					out, err := cmd.CombinedOutput()
					if err != nil {
						b.Fatalf("rapper: %v\n%s", err, out)
					}
					child += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
					if want := fmt.Sprintf("returned %d triples", len(d.quads)); !strings.Contains(string(out), want) {
						b.Fatalf("rapper: want %q in\n%s", want, out)
					}
				}
				reportTriples(b, len(d.quads), start, child)
			})
		})
	}
}

// BenchmarkKnakk is the baseline this package replaced: knakk/rdf decoding the same documents.
func BenchmarkKnakk(b *testing.B) {
	for _, f := range []Format{NTriples, Turtle} {
		kf := knakk.NTriples
		if f == Turtle {
			kf = knakk.Turtle
		}
		b.Run(string(f), func(b *testing.B) {
			benchEachSize(b, func(b *testing.B, d *benchDoc) {
				data := d.data[f]
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				b.ResetTimer()
				start := startClock()
				for range b.N {
					dec := knakk.NewTripleDecoder(bytes.NewReader(data), kf)
					n := 0
					for {
						_, err := dec.Decode()
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						n++
					}
					if n != len(d.quads) {
						b.Fatalf("knakk read %d triples, want %d", n, len(d.quads))
					}
				}
				reportTriples(b, len(d.quads), start, 0)
			})
		})
	}
}
