package kb

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"sportello/kb/rdf"
)

// cpuTime is the process's user+system CPU time: the machine is shared, so per-CPU-second
// figures are the comparable ones.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapPeak runs fn and returns the highest heap (live and not yet collected objects) above what
// it was before, sampled every 2 ms from runtime/metrics, which does not stop the world.
func heapPeak(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if h := read(); h > base && h-base > peak {
					peak = h - base
				}
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak
}

// BenchmarkLoad1M loads a million synthetic triples into a bolt store (transactions of 50,000
// statements): triples per CPU-second and bytes on disk per triple. "new" loads in the process
// that created the store, "reopened" into a store created before, as every command but the
// first does (cayley's kv backend keeps bulk-load bloom filters only in the first case).
func BenchmarkLoad1M(b *testing.B) {
	b.Run("new", func(b *testing.B) { benchLoad(b, false) })
	b.Run("reopened", func(b *testing.B) { benchLoad(b, true) })
}

func benchLoad(b *testing.B, reopen bool) {
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		if reopen {
			s, err := Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
		c0, w0 := cpuTime(), time.Now()
		s := loadBolt(b, dir, 1_000_000, 50_000)
		cpu, wall := cpuTime()-c0, time.Since(w0)
		st, _ := s.Stats(context.Background())
		s.Close()
		fi, err := os.Stat(filepath.Join(dir, "graph", "indexes.bolt"))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Triples)/cpu.Seconds(), "triples/CPU-s")
		b.ReportMetric(float64(st.Triples)/wall.Seconds(), "triples/s")
		b.ReportMetric(float64(fi.Size())/float64(st.Triples), "bytes/triple")
	}
}

// BenchmarkExport1M writes the whole 1M-triple store in every syntax, to nowhere: time, triples
// per CPU-second and the peak heap the export adds.
func BenchmarkExport1M(b *testing.B) {
	s := big(b)
	st, _ := s.Stats(context.Background())
	for _, f := range rdf.Formats {
		b.Run(string(f), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var err error
				c0, w0 := cpuTime(), time.Now()
				peak := heapPeak(func() { err = s.Export(context.Background(), io.Discard, f, "") })
				cpu, wall := cpuTime()-c0, time.Since(w0)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(st.Triples)/cpu.Seconds(), "triples/CPU-s")
				b.ReportMetric(wall.Seconds(), "s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			}
		})
	}
}
