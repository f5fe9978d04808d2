package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"sportello/internal/role"
)

// TestPublicPagesCacheable: an anonymous page has an ETag and a public Cache-Control, and the
// same ETag in If-None-Match is a 304 without a body; a signed-in caller's page, the request
// pages and error pages stay no-store without an ETag; assets keep their own caching.
func TestPublicPagesCacheable(t *testing.T) {
	f := newTicketFixture(t)
	get := func(path string, who role.Role, etag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if who != role.Anonymous {
			req.Header.Set("X-Test-Role", string(who))
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		return rec
	}
	for _, p := range []string{"/", "/servizi", "/servizi/eventi/8", "/servizi/schede/" + f.pill.Code, "/albero", "/rubrica", "/privacy", "/accessibilita"} {
		r := get(p, role.Anonymous, "")
		tag := r.Header().Get("ETag")
		if r.Code != http.StatusOK || tag == "" || r.Header().Get("Cache-Control") != PublicMaxAge {
			t.Errorf("%s: %d, ETag %q, Cache-Control %q", p, r.Code, tag, r.Header().Get("Cache-Control"))
			continue
		}
		if again := get(p, role.Anonymous, ""); again.Header().Get("ETag") != tag || again.Body.String() != r.Body.String() {
			t.Errorf("%s: the same page has another ETag", p)
		}
		nm := get(p, role.Anonymous, `"other", W/`+tag)
		if nm.Code != http.StatusNotModified || nm.Body.Len() != 0 || nm.Header().Get("ETag") != tag {
			t.Errorf("%s with If-None-Match: %d, %d bytes", p, nm.Code, nm.Body.Len())
		}
		if stale := get(p, role.Anonymous, `"stale"`); stale.Code != http.StatusOK || stale.Body.Len() == 0 {
			t.Errorf("%s with a stale ETag: %d", p, stale.Code)
		}
		// Signed in: no-store wins, never a 304 from the public page's ETag.
		for _, who := range []role.Role{role.Operator, role.Administrator} {
			s := get(p, who, tag)
			if s.Code != http.StatusOK || s.Header().Get("Cache-Control") != "no-store" || s.Header().Get("ETag") != "" {
				t.Errorf("%s as %s: %d, Cache-Control %q, ETag %q", p, who, s.Code, s.Header().Get("Cache-Control"), s.Header().Get("ETag"))
			}
		}
	}
	for _, p := range []string{"/richiesta", "/richiesta/stato?numero=RS-2026-000001-AAAA&email=a@example.it"} {
		r := get(p, role.Anonymous, "")
		if r.Header().Get("ETag") != "" || r.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s (personal data): ETag %q, Cache-Control %q", p, r.Header().Get("ETag"), r.Header().Get("Cache-Control"))
		}
	}
	if r := get("/servizi/schede/NESSUNA", role.Anonymous, ""); r.Code != http.StatusNotFound || r.Header().Get("ETag") != "" {
		t.Errorf("not found: %d, ETag %q", r.Code, r.Header().Get("ETag"))
	}
	if r := get("/static/style.css", role.Anonymous, ""); r.Header().Get("ETag") != "" || r.Header().Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("asset: ETag %q, Cache-Control %q", r.Header().Get("ETag"), r.Header().Get("Cache-Control"))
	}
}
