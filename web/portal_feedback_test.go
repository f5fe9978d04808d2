package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"sportello/internal/ratelimit"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/ticketing"
)

// TestPortalFeedback: "Ti è stata utile?" on a public pill page — yes/no and a comment without
// personal data, refused cross-site, rate-limited, dropped when the honeypot is filled in —
// feeds the knowledge-gap figures the publishers read (/lacune, /api/tickets/feedback; KB-10).
func TestPortalFeedback(t *testing.T) {
	f := newTicketFixture(t)
	ctx := context.Background()
	path := "/servizi/schede/" + url.PathEscape(f.pill.Code)
	page := f.do(t, http.MethodGet, path, role.Anonymous, nil)
	f.want(t, page, http.StatusOK)
	if !strings.Contains(page.Body, `action="`+path+`/utile"`) || !strings.Contains(page.Body, `name="utile" value="no"`) {
		t.Fatalf("no feedback form on %s", path)
	}
	before := noCount(t, f, f.pill.IRI)

	post := func(form url.Values, origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, path+"/utile", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		return rec
	}
	r := post(url.Values{"utile": {"no"}, "commento": {"Mancano i costi. Scrivetemi: anna.bianchi@example.it"}}, "")
	if r.Code != http.StatusSeeOther || !strings.HasSuffix(r.Header().Get("Location"), "?utile=grazie#utile") {
		t.Fatalf("feedback: %d %s", r.Code, r.Header().Get("Location"))
	}
	thanks := f.do(t, http.MethodGet, strings.TrimSuffix(r.Header().Get("Location"), "#utile"), role.Anonymous, nil)
	if !strings.Contains(thanks.Body, "Grazie per il suo parere") || strings.Contains(thanks.Body, `name="utile"`) {
		t.Error("the page after the answer does not thank")
	}
	if r := post(url.Values{"utile": {"forse"}}, ""); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "sì o no") {
		t.Errorf("neither yes nor no: %d %s", r.Code, r.Body.String())
	}
	if r := post(url.Values{"utile": {"no"}, "commento": {strings.Repeat("a", 501)}}, ""); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "500 caratteri") {
		t.Errorf("a long comment: %d %s", r.Code, r.Body.String())
	}
	if r := post(url.Values{"utile": {"no"}, "website": {"http://spam.example"}}, ""); r.Code != http.StatusSeeOther {
		t.Errorf("the honeypot: %d", r.Code)
	}
	if got := noCount(t, f, f.pill.IRI); got != before+1 {
		t.Errorf("%d «no» recorded, want %d (refused and trapped answers are not)", got-before, 1)
	}
	// A pill the public does not read takes no feedback.
	all, _ := f.kb.Pills(ctx, kb.PillFilter{})
	for _, p := range all {
		if p.Code != "" && !kb.Anonymous.Sees(&p, time.Now()) {
			req := httptest.NewRequest(http.MethodPost, "/servizi/schede/"+url.PathEscape(p.Code)+"/utile", strings.NewReader("utile=no"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, req)
			if rec.Code != http.StatusNotFound {
				t.Errorf("feedback on %s (%s): %d", p.Code, p.Status, rec.Code)
			}
			break
		}
	}
	// The publishers' gaps page shows the pill with the comment, the address masked.
	gaps := f.do(t, http.MethodGet, "/lacune", role.Publisher, nil)
	f.want(t, gaps, http.StatusOK)
	if !strings.Contains(gaps.Body, `id="tk-feedback"`) || !strings.Contains(gaps.Body, esc(f.pill.Title)) ||
		!strings.Contains(gaps.Body, "Mancano i costi") || strings.Contains(gaps.Body, "anna.bianchi") {
		t.Error("/lacune does not list the pill found not useful, or shows the address")
	}
	if r := f.do(t, http.MethodGet, "/api/tickets/feedback", role.Operator, nil); r.Status != http.StatusForbidden {
		t.Errorf("an operator reads the feedback figures: %d", r.Status)
	}
	// The rate limit of anonymous writes.
	lim, err := ratelimit.ParseConfig("2/1h")
	if err != nil {
		t.Fatal(err)
	}
	h := New(Config{Auth: headerAuth{}, RateLimits: RateLimits{RateWrites: lim}}, Deps{Store: f.kb, Tickets: f.st}).Handler()
	var codes []int
	for range 3 {
		req := httptest.NewRequest(http.MethodPost, path+"/utile", strings.NewReader("utile=si"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		codes = append(codes, rec.Code)
	}
	if codes[0] != http.StatusSeeOther || codes[2] != http.StatusTooManyRequests {
		t.Errorf("three answers with a budget of two: %v", codes)
	}
}

// noCount is the «no» answers of pill today, as the publishers' API gives them.
func noCount(t *testing.T, f *tkFixture, pill string) int {
	t.Helper()
	r := f.do(t, http.MethodGet, "/api/tickets/feedback", role.Publisher, nil)
	f.want(t, r, http.StatusOK)
	var list []ticketing.PillFeedback
	if err := json.Unmarshal([]byte(r.Body), &list); err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.Pill == pill {
			return x.No
		}
	}
	return 0
}

// TestPortalFeedbackCrossSite: the anonymous form is guarded like every anonymous form — the
// browser's Origin and Sec-Fetch-Site (webkit.CheckOrigin) — with sessions on.
func TestPortalFeedbackCrossSite(t *testing.T) {
	site := newAuthSite(t)
	b := site.browser(t)
	for _, h := range []map[string]string{{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}} {
		if r := b.do("POST", "/servizi/schede/X/utile", "application/x-www-form-urlencoded", "utile=no", h); r.Status != http.StatusForbidden {
			t.Errorf("cross-site feedback %v: %d", h, r.Status)
		}
	}
}
