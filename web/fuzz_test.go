package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzRequest throws arbitrary paths, query strings and roles at the whole site: whatever comes
// in, the answer is never a 5xx nor a crash, and under /api/ it is always JSON.
func FuzzRequest(f *testing.F) {
	for _, seed := range []struct{ target, role string }{
		{"/", ""},
		{"/api/pills?status=draft,published&limit=5&offset=1", "publisher"},
		{"/api/pills?concept=%00&office=x", ""},
		{"/api/pills?limit=99999999999999999999", ""},
		{"/api/people?q=%C3%A0%20ROSSI&office=boh", "operator"},
		{"/concetti/..%2F..%2Fetc", ""},
		{"/schede/%3Cscript%3E", "auditor"},
		{"/export/turtle?graph=https://w3id.org/sportello/graph/content", "validator"},
		{"/export/nt?graph=", "nessuno"},
		{"/rubrica?q=\u00e8&ufficio=%2F", ""},
		{"/static/../server.go", ""},
		{"/api/concepts/", ""},
	} {
		f.Add(seed.target, seed.role)
	}
	h := testServer(f).Handler()
	f.Fuzz(func(t *testing.T, target, who string) {
		u, err := url.ParseRequestURI(target)
		if err != nil || !strings.HasPrefix(u.Path, "/") {
			return
		}
		req := &http.Request{Method: http.MethodGet, URL: u, RequestURI: target, Header: http.Header{}, Host: "example.org"}
		if who != "" {
			req.Header.Set("X-Test-Role", who)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET %q as %q: %d\n%.300s", target, who, rec.Code, rec.Body.String())
		}
		if strings.HasPrefix(u.Path, "/api/") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("GET %q: not JSON:\n%.300s", target, rec.Body.String())
		}
	})
}
