package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var (
	benchFiles   = map[int]string{}
	benchFilesMu sync.Mutex
)

// benchWorkbook writes (once per size) a workbook of n pills with the columns of the corpus,
// using excelize's stream writer so the generator itself stays small.
func benchWorkbook(b *testing.B, n int) string {
	benchFilesMu.Lock()
	defer benchFilesMu.Unlock()
	if p, ok := benchFiles[n]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "sportello-bench")
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("pillole-%d.xlsx", n))
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	_ = sw.SetRow("A1", []any{"Pillole generate per il benchmark"})
	header := []any{"Codice", "Titolo", "Domanda frequente", "Risposta", "Parole chiave", "Categoria", "Sottocategoria", "Ufficio competente", "Riferimento normativo", "Link", "Data ultimo aggiornamento", "Validato da", "Note"}
	_ = sw.SetRow("A3", header)
	answer := "Per ottenere il servizio il cittadino presenta domanda online o allo sportello.\n- documento di identità\n- codice fiscale\nIl costo è di 16,00 € e la pratica si chiude in 30 giorni."
	for i := 0; i < n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+4)
		row := []any{
			fmt.Sprintf("B-%06d", i), fmt.Sprintf("Servizio numero %d", i), fmt.Sprintf("Come si ottiene il servizio %d?", i), answer,
			"servizio; domanda; sportello", fmt.Sprintf("Categoria %d", i%20), fmt.Sprintf("Sotto %d", i%7), fmt.Sprintf("Ufficio %d", i%50),
			"L.R. 12/2013 art. 4", "https://www.example.it/servizi", fmt.Sprintf("%02d/%02d/2020", i%28+1, i%12+1), "M. Rossi", "",
		}
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	f.Close()
	benchFiles[n] = path
	return path
}

// peakHeap samples the heap while fn runs and returns the highest HeapInuse seen.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak
}

// BenchmarkParse reads a 100,000-row workbook row by row into pill records (no store): the
// importer's own cost, and proof that memory does not grow with the rows.
func BenchmarkParse(b *testing.B) {
	const n = 100_000
	path := benchWorkbook(b, n)
	b.ResetTimer()
	var peak uint64
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		peak = max(peak, peakHeap(func() {
			wb, err := OpenFile(path)
			if err != nil {
				b.Fatal(err)
			}
			count := 0
			res, err := scan(wb, scanOptions{Pill: func(Record) error { count++; return nil }})
			wb.Close()
			if err != nil || count != n {
				b.Fatalf("%d records, %v, %v", count, err, res.Problems)
			}
		}))
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	// Rows per second of CPU (user and system, all threads): the wall clock of a shared machine
	// says more about the neighbours than about the code.
	b.ReportMetric(float64(n*b.N)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImport imports generated workbooks into an in-memory store: the whole path, taxonomy
// and department links included.
func BenchmarkImport(b *testing.B) {
	// 100,000 rows take minutes and gigabytes in the in-memory cayley store: run them with
	// -bench Import/rows=100000 when needed; BenchmarkParse covers 100,000 rows of the importer.
	for _, n := range []int{10_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			path := benchWorkbook(b, n)
			b.ResetTimer()
			var peak uint64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				store := openStore(b)
				b.StartTimer()
				peak = max(peak, peakHeap(func() {
					sum, err := ImportFile(context.Background(), store, path, Options{})
					if err != nil || sum.Pills.Created != n {
						b.Fatalf("%+v %v", sum.Pills, err)
					}
				}))
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}
