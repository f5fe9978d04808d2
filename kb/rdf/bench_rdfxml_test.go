package rdf

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/cayleygraph/quad"

	"sportello/fixtures/testenv"
)

// benchRXGraph makes n pill-like triples: ten per pill, with IRIs, Italian titles and texts
// with accents and language tags, typed dates and decimals, and a blank-node office.
func benchRXGraph(n int) []quad.Quad {
	const (
		kb  = "https://sportello.example.it/kb/"
		dct = "http://purl.org/dc/terms/"
		sch = "https://schema.org/"
		xsd = "http://www.w3.org/2001/XMLSchema#"
	)
	topics := []string{"Carta d'identità", "Residenza e domicilio", "TARI – tassa sui rifiuti", "Iscrizione all'asilo nido", "Permesso ZTL", "Cambio di abitazione"}
	qs := make([]quad.Quad, 0, n)
	for i := 0; len(qs) < n; i++ {
		p := quad.IRI(kb + "pillola/" + strconv.Itoa(i))
		office := quad.BNode("u" + strconv.Itoa(i))
		topic := topics[i%len(topics)]
		for _, q := range []quad.Quad{
			{Subject: p, Predicate: quad.IRI(rxNsRDF + "type"), Object: quad.IRI(kb + "Pillola")},
			{Subject: p, Predicate: quad.IRI(dct + "title"), Object: quad.LangString{Value: quad.String(topic + " n. " + strconv.Itoa(i)), Lang: "it"}},
			{Subject: p, Predicate: quad.IRI(dct + "description"), Object: quad.LangString{Value: quad.String("Per " + topic + " è necessario prenotare: più informazioni allo sportello, città di Forlì."), Lang: "it"}},
			{Subject: p, Predicate: quad.IRI(dct + "modified"), Object: quad.TypedString{Value: quad.String(fmt.Sprintf("2026-%02d-%02d", i%12+1, i%28+1)), Type: xsd + "date"}},
			{Subject: p, Predicate: quad.IRI(kb + "costo"), Object: quad.TypedString{Value: quad.String(fmt.Sprintf("%d.%02d", i%50, i%100)), Type: xsd + "decimal"}},
			{Subject: p, Predicate: quad.IRI(dct + "subject"), Object: quad.IRI(kb + "concetto/" + strconv.Itoa(i%300))},
			{Subject: p, Predicate: quad.IRI(kb + "ufficio"), Object: office},
			{Subject: office, Predicate: quad.IRI(sch + "name"), Object: quad.String("Ufficio " + strconv.Itoa(i%40))},
			{Subject: office, Predicate: quad.IRI(sch + "telephone"), Object: quad.String("+39 0543 7" + fmt.Sprintf("%05d", i%100000))},
			{Subject: p, Predicate: quad.IRI(kb + "stato"), Object: quad.IRI(kb + "Pubblicata")},
		} {
			if len(qs) < n {
				qs = append(qs, q)
			}
		}
	}
	return qs
}

var benchRXData struct {
	sync.Mutex
	m map[string][]byte
}

// benchRXDoc serialises the n-triple graph in f once per process.
func benchRXDoc(b *testing.B, f Format, n int) []byte {
	benchRXData.Lock()
	defer benchRXData.Unlock()
	key := string(f) + strconv.Itoa(n)
	if d, ok := benchRXData.m[key]; ok {
		return d
	}
	if benchRXData.m == nil {
		benchRXData.m = map[string][]byte{}
	}
	d := peerWriteAll(b, f, benchRXGraph(n), WriterOptions{Prefixes: peerPrefixes})
	benchRXData.m[key] = d
	return d
}

func benchRXParse(b *testing.B, f Format, n int) {
	data := benchRXDoc(b, f, n)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, _ := NewReader(bytes.NewReader(data), f, ReaderOptions{})
		got := 0
		for {
			_, err := r.ReadQuad()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		if got != n {
			b.Fatalf("read %d triples, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "triples/s")
}

func benchRXSerialize(b *testing.B, f Format, n int) {
	g := benchRXGraph(n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, _ := NewWriter(io.Discard, f, WriterOptions{Prefixes: peerPrefixes})
		if _, err := w.WriteQuads(g); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "triples/s")
}

const benchRXSize = 100_000

func BenchmarkRDFXMLParse100k(b *testing.B)     { benchRXParse(b, RDFXML, benchRXSize) }
func BenchmarkRDFXMLSerialize100k(b *testing.B) { benchRXSerialize(b, RDFXML, benchRXSize) }
func BenchmarkJSONLDParse100k(b *testing.B)     { benchRXParse(b, JSONLD, benchRXSize) }
func BenchmarkJSONLDSerialize100k(b *testing.B) { benchRXSerialize(b, JSONLD, benchRXSize) }

// BenchmarkRapperRDFXML100k is the reference row: raptor2 counting the triples of the same
// file (`rapper -i rdfxml -c`), process start included.
func BenchmarkRapperRDFXML100k(b *testing.B) {
	rapper := testenv.Command(b, "rapper", "raptor2-utils")
	name := filepath.Join(b.TempDir(), "bench.rdf")
	if err := os.WriteFile(name, benchRXDoc(b, RDFXML, benchRXSize), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out, err := exec.Command(rapper, "-q", "-i", "rdfxml", "-c", name).CombinedOutput(); err != nil {
			b.Fatalf("rapper: %v\n%s", err, out)
		}
	}
	b.ReportMetric(float64(benchRXSize)*float64(b.N)/b.Elapsed().Seconds(), "triples/s")
}
