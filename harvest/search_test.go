package harvest

import (
	"context"
	"strings"
	"testing"

	"sportello/fixtures"
	"sportello/kb"
	"sportello/kb/search"
)

// TestHarvestedPagesSearchable: the pages a harvest brings are found by search as pages of the
// site, with their URL and title, apart from the pills; the next harvest updates them, and a
// page that leaves the sitemap or loses its data leaves the search.
func TestHarvestedPagesSearchable(t *testing.T) {
	ts, pages := site(t)
	ctx := context.Background()
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := fixtures.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	x, err := search.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.Rebuild(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	search.KeepIndexed(s, x, nil)
	if hits, err := x.SearchPages(ctx, "bollo", 5); err != nil || len(hits) != 0 {
		t.Fatalf("before any harvest: %+v %v", hits, err)
	}
	src := Source{Name: "Sito regionale", Sitemap: ts.URL + "/sitemap.xml"}
	if _, err := Harvest(ctx, s, fetcher(ts), src); err != nil {
		t.Fatal(err)
	}
	find := func(q string) []search.PageHit {
		t.Helper()
		hits, err := x.SearchPages(ctx, q, 5)
		if err != nil {
			t.Fatal(err)
		}
		return hits
	}
	hits := find("pagare il bollo")
	if len(hits) != 1 || hits[0].URL != ts.URL+"/servizi/bollo-auto" || hits[0].Title != "Bollo auto" ||
		hits[0].Kind != search.KindPage || hits[0].Source != "sito-regionale" || !strings.Contains(hits[0].Snippet, "Regione Valdoria") {
		t.Fatalf("bollo: %+v", hits)
	}
	if hits := find("asilo nido"); len(hits) != 1 || hits[0].URL != ts.URL+"/servizi/nido" {
		t.Errorf("nido: %+v", hits)
	}
	// A pill search never returns a page.
	resp, err := x.Search(ctx, "bollo auto", search.Options{Complete: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range resp.Hits {
		if h.Kind == search.KindPage || strings.HasPrefix(h.IRI, ts.URL) {
			t.Errorf("a page among the pills: %+v", h)
		}
	}
	// The next harvest brings the pages' new text, and drops what they no longer say.
	(*pages)["/servizi/bollo-auto"] = strings.Replace((*pages)["/servizi/bollo-auto"], "Pagamento del bollo auto", "Tassa automobilistica regionale", 1)
	(*pages)["/servizi/nido"] = `<html><head><title>Asili nido</title></head></html>`
	if _, err := Harvest(ctx, s, fetcher(ts), src); err != nil {
		t.Fatal(err)
	}
	if hits := find("tassa automobilistica"); len(hits) != 1 || hits[0].URL != ts.URL+"/servizi/bollo-auto" {
		t.Errorf("after the page changed: %+v", hits)
	}
	if hits := find("pagamento"); len(hits) != 0 {
		t.Errorf("the old text is still found: %+v", hits)
	}
	if hits := find("asilo nido"); len(hits) != 0 {
		t.Errorf("a page without data is still found: %+v", hits)
	}
}
