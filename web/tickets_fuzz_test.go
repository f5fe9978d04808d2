package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"sportello/internal/role"
)

// FuzzTicketQuery feeds arbitrary query strings to the list filters and arbitrary public forms
// to /richiesta: bad input is a 400 with a message, never a 500 or a panic.
func FuzzTicketQuery(f *testing.F) {
	for _, seed := range []struct{ query, form string }{
		{"inbox=1&state=new", "name=A&email=a@example.it&description=x"},
		{"state=new,escalated&channel=phone&since=2026-01-01&until=2026-12-31", "email=&description="},
		{"state=bogus&limit=-1", "email=%ZZ"},
		{"citizen=abc&office=%00&inbox=1", "name=%3Cscript%3E&email=a@b.c&description=%E0%A4"},
		{"since=2026-13-45&offset=99999999999999999999", strings.Repeat("a", 300)},
	} {
		f.Add(seed.query, seed.form)
	}
	fx := newTicketFixture(f)
	f.Fuzz(func(t *testing.T, query, form string) {
		for _, p := range []string{"/api/tickets?", "/ticket?", "/api/tickets/figures?", "/lacune?"} {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL.Path = strings.TrimSuffix(p, "?")
			req.URL.RawQuery = query
			req.Header.Set("X-Test-Role", string(role.Supervisor))
			rec := httptest.NewRecorder()
			fx.h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s%s: %d %s", p, query, rec.Code, rec.Body.String())
			}
		}
		if _, err := url.ParseQuery(form); err != nil {
			return
		}
		req := httptest.NewRequest(http.MethodPost, "/richiesta", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		fx.h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST /richiesta %q: %d %s", form, rec.Code, rec.Body.String())
		}
	})
}
