package ingest

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sportello/kb"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImportBolt imports a generated workbook into a bolt store, in ONE transaction as
// every import: rows per CPU-second, the peak heap, and the statements each row adds. The rows
// are new pills: each becomes its content, its first version and its import step in the history
// (62 statements). One transaction holds all of it in memory until the commit (bolt's dirty
// pages, cayley's index entries): about 115 MB per 1,000 rows, so 100,000 rows need some 11 GB —
// run -bench ImportBolt/rows=100000 only on a machine that has it.
func BenchmarkImportBolt(b *testing.B) {
	for _, n := range []int{3_000, 10_000, 100_000} {
		if n == 100_000 && !strings.Contains(flagBench(), "100000") {
			continue
		}
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			path := benchWorkbook(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				store, err := kb.Open(filepath.Join(b.TempDir(), "data"))
				if err != nil {
					b.Fatal(err)
				}
				before, _ := store.Stats(context.Background())
				b.StartTimer()
				c0 := cpuNow()
				var sum *Summary
				peak := peakHeap(func() {
					sum, err = ImportFile(context.Background(), store, path, Options{Actor: "admin"})
				})
				cpu := cpuNow() - c0
				if err != nil && sum == nil || sum.Pills.Created != n {
					b.Fatalf("%+v %v", sum, err)
				}
				after, _ := store.Stats(context.Background())
				store.Close()
				b.ReportMetric(float64(n)/cpu.Seconds(), "rows/CPU-s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(after.Triples-before.Triples)/float64(n), "statements/row")
			}
		})
	}
}

// flagBench is the -test.bench pattern.
func flagBench() string {
	if f := flag.Lookup("test.bench"); f != nil {
		return f.Value.String()
	}
	return ""
}
