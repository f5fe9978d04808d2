package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"sportello/internal/role"
	"sportello/web/webkit"
)

// Benchmarks of the pages an operator opens most, on the demo data in memory. Run with
// go test ./web -bench . -run '^$'
func BenchmarkPages(b *testing.B) {
	h := testServer(b).Handler()
	p := published(b)
	for _, bb := range []struct {
		name, path string
		who        role.Role // "": the public
	}{
		{"tree", "/albero", ""},
		{"pill", "/schede/" + p.Code, ""},
		{"concept", "/concetti/" + webkit.LocalID(p.Concepts[0]), ""},
		{"directory-search", "/rubrica?q=rossi", ""},
		{"api-pills", "/api/pills?limit=50", ""},
		{"export-turtle-public", "/export/turtle", ""},
		{"export-nquads-public", "/export/nquads", ""},
		{"export-nquads-operator", "/export/nquads", role.Operator},
		{"export-nquads-publisher", "/export/nquads", role.Publisher},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodGet, bb.path, nil)
				if bb.who != "" {
					req.Header.Set("X-Test-Role", string(bb.who))
				}
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", bb.path, rec.Code)
				}
			}
		})
	}
}
