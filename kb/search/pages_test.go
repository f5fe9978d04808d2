package search

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"sportello/kb"
	"sportello/ontology"
)

// generatedPages is a site of n harvested pages: services of a region, each with a few
// sentences of data.
type generatedPages int

func (n generatedPages) WebPages(context.Context) ([]kb.WebPage, error) {
	topics := []string{"bollo auto", "asilo nido", "tesserino venatorio", "mensa scolastica", "contributo affitto", "esenzione ticket", "carta di identità", "rifiuti ingombranti"}
	out := make([]kb.WebPage, int(n))
	for i := range out {
		t := topics[i%len(topics)]
		out[i] = kb.WebPage{
			URL:    fmt.Sprintf("https://www.regione.example.it/servizi/%d", i),
			Title:  fmt.Sprintf("Servizio %d: %s", i, t),
			Source: "sito-regionale", Graph: ontology.GraphHarvest + "sito-regionale",
			Text: fmt.Sprintf("Come richiedere il servizio di %s (pratica %d). Chi può fare domanda, documenti necessari, tempi e costi; "+
				"l'ufficio competente risponde entro trenta giorni. Modulo %d da scaricare.", t, i, i),
		}
	}
	return out, nil
}

// TestSyncPages: pages are indexed once, searched by their words (title first), and indexed
// again only when they change.
func TestSyncPages(t *testing.T) {
	x, err := OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	ctx := context.Background()
	if hits, err := x.SearchPages(ctx, "bollo", 3); err != nil || hits != nil {
		t.Fatalf("before any sync: %v %v", hits, err)
	}
	if n, err := x.SyncPages(ctx, generatedPages(40)); err != nil || n != 40 {
		t.Fatal(n, err)
	}
	first := x.pages
	if _, err := x.SyncPages(ctx, generatedPages(40)); err != nil || x.pages != first {
		t.Error("the same pages were indexed again")
	}
	hits, err := x.SearchPages(ctx, "tesserino venatorio", 10)
	if err != nil || len(hits) != 5 {
		t.Fatalf("%+v %v", hits, err)
	}
	for _, h := range hits {
		if h.Kind != KindPage || h.Source != "sito-regionale" || h.Snippet == "" {
			t.Errorf("%+v", h)
		}
	}
	if _, err := x.SyncPages(ctx, generatedPages(3)); err != nil || x.pages == first {
		t.Fatal("changed pages were not indexed again", err)
	}
	if hits, _ := x.SearchPages(ctx, "tesserino venatorio", 10); len(hits) != 1 || hits[0].URL != "https://www.regione.example.it/servizi/2" {
		t.Errorf("after the change: %+v", hits)
	}
}

// BenchmarkPages: building the pages' index of 5,000 pages (at start-up and after each harvest)
// and the p50/p95 of a search of pages (go test -run '^$' -bench Pages ./kb/search/).
func BenchmarkPages(b *testing.B) {
	ctx := context.Background()
	const n = 5000
	b.Run("sync-5000", func(b *testing.B) {
		var total time.Duration
		var heap uint64
		for b.Loop() {
			x, err := OpenMemory()
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if _, err := x.SyncPages(ctx, generatedPages(n)); err != nil {
				b.Fatal(err)
			}
			total += time.Since(start)
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			heap = max(heap, m.HeapInuse)
			x.Close()
		}
		b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "pages/s")
		b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
	})
	b.Run("search-5000", func(b *testing.B) {
		x, err := OpenMemory()
		if err != nil {
			b.Fatal(err)
		}
		defer x.Close()
		if _, err := x.SyncPages(ctx, generatedPages(n)); err != nil {
			b.Fatal(err)
		}
		queries := []string{"bollo auto", "come iscrivere il bambino all'asilo nido", "esenzione ticket", "rinnovo carta identità", "documenti necessari affitto"}
		var lat []time.Duration
		i := 0
		for b.Loop() {
			start := time.Now()
			if _, err := x.SearchPages(ctx, queries[i%len(queries)], 3); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
			i++
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	})
}

// TestPagesFolder: an index on disk keeps its pages' index in its own folder, and the folder a
// killed process left there is removed at the next Open.
func TestPagesFolder(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.SyncPages(context.Background(), generatedPages(10)); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, pagesPrefix+"*"))
	if len(left) != 1 {
		t.Fatalf("pages' folders: %v", left)
	}
	// The process is killed: the index is not closed (only its lock is released here).
	x.mu.Lock()
	x.bi.Close()
	x.mu.Unlock()
	x.pages.Close()
	y, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if still, _ := filepath.Glob(filepath.Join(dir, pagesPrefix+"*")); len(still) != 0 {
		t.Errorf("left over: %v", still)
	}
}
