package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sportello/internal/role"
)

// FuzzCTIQuery feeds the statistics, queue_log and Erlang C parameters and a call-control body
// to the handlers: whatever arrives, the answer is a JSON success or a 4xx with an Italian
// message, never a 500 or a panic.
func FuzzCTIQuery(f *testing.F) {
	ct := newCTITest(f)
	f.Add("2026-03-02", "2026-03-03", "100", "180", `{"action":"pause","reason":"pranzo"}`)
	f.Add("2026-03-02T10:00", "", "1e6", "0,5", `{"callId":"x","extension":"2111"}`)
	f.Add("2026-03-02T10:00:00+01:00", "ieri", "-1", "NaN", `{"number":"+39 333"}`)
	f.Add("", "9999-99-99", "Inf", "36001", `{"action":`)
	f.Fuzz(func(t *testing.T, from, to, calls, aht, body string) {
		q := url.Values{"from": {from}, "to": {to}, "calls": {calls}, "aht": {aht}, "formula": {"customer"}}.Encode()
		for _, path := range []string{"/api/cti/stats?", "/api/cti/queue_log?", "/api/cti/erlang?", "/statistiche?"} {
			r := ct.call(t, http.MethodGet, path+q, role.Supervisor, "", nil)
			if r.Status >= 500 {
				t.Fatalf("%s%s: %d %s", path, q, r.Status, r.Body)
			}
			if r.Status >= 400 && strings.HasPrefix(path, "/api/") && !strings.Contains(r.Body, `"error"`) {
				t.Fatalf("%s%s: %d without a JSON error: %s", path, q, r.Status, r.Body)
			}
		}
		for _, path := range []string{"/api/cti/status", "/api/cti/transfer", "/api/cti/callback", "/api/cti/hangup"} {
			r := ct.call(t, http.MethodPost, path, role.Operator, "application/json", strings.NewReader(body))
			if r.Status >= 500 {
				t.Fatalf("%s %q: %d %s", path, body, r.Status, r.Body)
			}
		}
		// Leave the operator logged out, so that every input starts from the same state.
		ct.acd.Logout("test-operator")
	})
}
