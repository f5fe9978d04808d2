package linkeddata

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"sportello/kb"
	"sportello/kb/rdf"
)

// BenchmarkGraphStorePut times the Graph Store's replace (PUT) of an N-Triples document of 100k
// statements into a bolt store that already holds the graph (go test -run '^$' -bench
// GraphStorePut -benchtime 3x ./kb/linkeddata/): parse, clear, write, in one transaction. It
// reports statements per second and the heap the write grows to (the document is parsed whole
// before the transaction, so that a syntax error costs the other writers nothing).
func BenchmarkGraphStorePut(b *testing.B) {
	const n = 100_000
	var doc bytes.Buffer
	for i := range n {
		fmt.Fprintf(&doc, "<https://dati.example.it/ufficio/%d> <https://schema.org/name> \"Ufficio numero %d della Regione\"@it .\n", i/4, i)
	}
	s, err := kb.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sv := New(s, Config{}, Limits{})
	ctx := context.Background()
	const g = "https://dati.example.it/grafo/uffici"
	if _, err := sv.ReplaceGraph(ctx, g, bytes.NewReader(doc.Bytes()), rdf.NTriples, "bench"); err != nil {
		b.Fatal(err)
	}
	var peak uint64
	var total time.Duration
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		done := make(chan struct{})
		go func() { // sample the heap while the write runs
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peak {
						peak = m.HeapInuse
					}
				}
			}
		}()
		res, err := sv.ReplaceGraph(ctx, g, bytes.NewReader(doc.Bytes()), rdf.NTriples, "bench")
		close(done)
		total += time.Since(start)
		if err != nil || res.Statements != n {
			b.Fatal(res, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "statements/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(doc.Len())/(1<<20), "doc-MiB")
}
