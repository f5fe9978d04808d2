package search

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"sportello/internal/htmltext"
	"sportello/kb"
)

// generatePills makes n pills from the legacy workbook's vocabulary: titles, questions and
// answers are word sequences drawn from the real ones, so that term statistics look like a
// knowledge base's, not like random strings.
func generatePills(tb testing.TB, n int) ([]kb.Pill, []kb.Concept) {
	pills, concepts := loadLegacy(tb)
	var title, text []string
	for _, p := range pills {
		title = append(title, strings.Fields(p.Title+" "+p.Question)...)
		text = append(text, strings.Fields(htmltext.Text(p.Answer))...)
	}
	rng := rand.New(rand.NewSource(1))
	words := func(pool []string, k int) string {
		out := make([]string, k)
		for i := range out {
			out[i] = pool[rng.Intn(len(pool))]
		}
		return strings.Join(out, " ")
	}
	out := make([]kb.Pill, n)
	for i := range out {
		base := pills[i%len(pills)]
		out[i] = kb.Pill{
			IRI:      fmt.Sprintf("urn:bench:pill:%d", i),
			Code:     fmt.Sprintf("GEN-%06d", i),
			Title:    words(title, 6),
			Question: words(title, 10),
			Answer:   words(text, 90),
			Keywords: strings.Fields(words(title, 4)),
			Concepts: base.Concepts, OfficeName: base.OfficeName,
			Status: kb.StatusPublished, Version: 1,
		}
	}
	return out, concepts
}

// BenchmarkIndex measures indexing throughput (pills/s) of a full rebuild on disk.
func BenchmarkIndex(b *testing.B) {
	pills, concepts := generatePills(b, 5000)
	src := &memSource{pills: pills, concepts: concepts}
	b.ResetTimer()
	var elapsed time.Duration
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		x, err := Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := x.Rebuild(context.Background(), src, nil); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		x.Close()
	}
	b.ReportMetric(float64(len(pills)*b.N)/elapsed.Seconds(), "pills/s")
	// Throughput per CPU second does not depend on what else the machine is running.
	b.ReportMetric(float64(len(pills)*b.N)/(cpuTime()-cpu0).Seconds(), "pills/cpu-s")
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkQuery measures query latency at 1k, 10k and 100k pills (p50, p95 over the
// evaluation queries), the index size on disk and the heap in use.
func BenchmarkQuery(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("pills=%d", n), func(b *testing.B) {
			x, size, heap := benchIndex(b, n)
			ctx := context.Background()
			var lat []time.Duration
			cpu0 := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				q := evalQueries[i%len(evalQueries)].q
				start := time.Now()
				if _, err := x.Search(ctx, q, Options{Limit: 10, Complete: true}); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			cpu := cpuTime() - cpu0
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			ms50 := float64(lat[len(lat)/2].Microseconds()) / 1000
			ms95 := float64(lat[len(lat)*95/100].Microseconds()) / 1000
			b.ReportMetric(ms50, "p50-ms")
			b.ReportMetric(ms95, "p95-ms")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/query")
			b.ReportMetric(float64(size)/(1<<20), "disk-MB")
			b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
		})
	}
}

// benchIndexes keeps the indexes BenchmarkQuery builds: the testing package runs a benchmark
// function more than once (b.N = 1 first), and a 100k-pill index takes minutes to build.
var benchIndexes = map[int]struct {
	x          *Index
	dir        string
	size, heap int64
}{}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, e := range benchIndexes {
		e.x.Close()
		os.RemoveAll(e.dir)
	}
	os.Exit(code)
}

func benchIndex(b *testing.B, n int) (*Index, int64, int64) {
	if e, ok := benchIndexes[n]; ok {
		return e.x, e.size, e.heap
	}
	pills, concepts := generatePills(b, n)
	dir, err := os.MkdirTemp("", "sportello-bench-")
	if err != nil {
		b.Fatal(err)
	}
	x, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := x.Rebuild(context.Background(), &memSource{pills: pills, concepts: concepts}, nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d pills indexed in %s", n, time.Since(start).Round(time.Millisecond))
	pills, concepts = nil, nil
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var size int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				size += info.Size()
			}
		}
		return nil
	})
	benchIndexes[n] = struct {
		x          *Index
		dir        string
		size, heap int64
	}{x, dir, size, int64(ms.HeapInuse)}
	return x, size, int64(ms.HeapInuse)
}
