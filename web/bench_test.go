package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"sportello/web/webkit"
)

// Benchmarks of the pages an operator opens most, on the demo data in memory. Run with
// go test ./web -bench . -run '^$'
func BenchmarkPages(b *testing.B) {
	h := testServer(b).Handler()
	p := published(b)
	for _, bb := range []struct{ name, path string }{
		{"tree", "/albero"},
		{"pill", "/schede/" + p.Code},
		{"concept", "/concetti/" + webkit.LocalID(p.Concepts[0])},
		{"directory-search", "/rubrica?q=rossi"},
		{"api-pills", "/api/pills?limit=50"},
		{"export-turtle-public", "/export/turtle"},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, bb.path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", bb.path, rec.Code)
				}
			}
		})
	}
}
