package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
)

// BenchmarkPortal: the citizens' public pages (KB-5) on the demo data in memory, with the
// search index: "kept" is a page answered from the kept copy (the steady state between two
// writes), "304" the same with the browser's ETag, "render" a page rendered each time (a new
// URL each iteration: what the first visitor after a write pays). Run with
// go test ./web -run '^$' -bench Portal
func BenchmarkPortal(b *testing.B) {
	env := newSearchEnv(b)
	p := published(b)
	for _, bb := range []struct{ name, path string }{
		{"home", "/servizi"},
		{"event", "/servizi/eventi/8"},
		{"pill", "/servizi/schede/" + url.PathEscape(p.Code)},
		{"search", "/servizi/cerca?q=" + url.QueryEscape("carta d'identità")},
	} {
		get := func(path, etag string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			env.h.ServeHTTP(rec, req)
			return rec
		}
		tag := get(bb.path, "").Header().Get("ETag")
		b.Run(bb.name+"/kept", func(b *testing.B) {
			for b.Loop() {
				if r := get(bb.path, ""); r.Code != http.StatusOK {
					b.Fatalf("%s: %d", bb.path, r.Code)
				}
			}
		})
		b.Run(bb.name+"/304", func(b *testing.B) {
			for b.Loop() {
				if r := get(bb.path, tag); r.Code != http.StatusNotModified {
					b.Fatalf("%s: %d", bb.path, r.Code)
				}
			}
		})
		b.Run(bb.name+"/render", func(b *testing.B) {
			sep := "?"
			if u, _ := url.Parse(bb.path); u.RawQuery != "" {
				sep = "&"
			}
			i := 0
			for b.Loop() {
				i++
				if r := get(bb.path+sep+"n="+strconv.Itoa(i), ""); r.Code != http.StatusOK {
					b.Fatalf("%s: %d", bb.path, r.Code)
				}
			}
		})
	}
}
