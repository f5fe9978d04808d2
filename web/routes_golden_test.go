package web

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"sportello/internal/role"
	"sportello/kb"
)

var updateGolden = flag.Bool("update", false, "rewrite web/testdata/routes.golden from the current routes")

// TestRoutesGolden walks every route the server registers (HEAD twins included) with every
// role, through the real middleware, and compares who gets past the gate with
// testdata/routes.golden (KB-8: differentiated access levels). The file is the route × role
// matrix: a route that moves, disappears or changes its roles changes it, so a restructure that
// keeps it identical keeps every permission. `go test ./web/ -run TestRoutesGolden -update`
// rewrites it — review the diff before committing.
//
// The server has no optional component (telephony, tickets, search…): a role the gate lets
// through then meets the handler's 404, which is "allowed" here; only 401 and 403 are "denied".
// A fresh empty store keeps the walk from writing anything anywhere.
func TestRoutesGolden(t *testing.T) {
	store, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv := New(Config{Auth: headerAuth{}, DataDir: t.TempDir()}, Deps{Store: store})
	h := srv.Handler()

	keys := make([]string, 0, len(srv.table))
	for k := range srv.table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	param := regexp.MustCompile(`:[A-Za-z_]+|\*`)
	var b strings.Builder
	b.WriteString("# METHOD PATH role=allowed|denied for every role (go test ./web/ -run TestRoutesGolden -update)\n")
	for _, k := range keys {
		rt := srv.table[k]
		method, pattern, _ := strings.Cut(k, " ")
		path := param.ReplaceAllString(pattern, "zz-sample")
		fmt.Fprintf(&b, "%s %s", method, pattern)
		for _, who := range role.All {
			req := httptest.NewRequest(method, path, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			if who != role.Anonymous {
				req.Header.Set("X-Test-Role", string(who))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			denied := rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden
			if denied == rt.Allows(who) {
				t.Errorf("%s %s as %s: %d, but the route table says allowed=%v", method, path, who, rec.Code, rt.Allows(who))
			}
			verdict := "allowed"
			if denied {
				verdict = "denied"
			}
			fmt.Fprintf(&b, " %s=%s", who, verdict)
		}
		b.WriteString("\n")
	}
	golden := filepath.Join("testdata", "routes.golden")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("the route × role matrix changed; diff against %s:\n%s", golden, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var out strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			out.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			out.WriteString("+ " + l + "\n")
		}
	}
	return out.String()
}
