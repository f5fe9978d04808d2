package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"sportello/accounts"
	"sportello/accounts/accesslog"
	"sportello/audit"
	"sportello/fixtures"
	"sportello/internal/role"
	"sportello/internal/sqldb"
	"sportello/kb"
	"sportello/web/webkit"
)

// authSite is a server with real accounts (SQLite in a temporary folder), listening on
// 127.0.0.1, and a clock the test can move.
type authSite struct {
	url   string
	users *accounts.Store
	audit *audit.Store // where the accounts record the administrators' acts
	store *kb.Store    // the knowledge graph the site serves
	mu    sync.Mutex
	now   time.Time
}

func (a *authSite) advance(d time.Duration) { a.mu.Lock(); a.now = a.now.Add(d); a.mu.Unlock() }

func newAuthSite(t *testing.T) *authSite { return newAuthSiteWith(t, false) }

// newAuthSiteWith builds the site; withWorkflow gives it its own copy of the demo and the pill
// workflow, since the workflow writes to the store the other tests share read-only.
func newAuthSiteWith(t *testing.T, withWorkflow bool) *authSite {
	t.Helper()
	db, err := sqldb.Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	users, err := accounts.New(context.Background(), db, accounts.Config{MaxFailures: 3, IdleTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	site := &authSite{users: users, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	users.Now = func() time.Time { site.mu.Lock(); defer site.mu.Unlock(); return site.now }
	if _, err := accounts.SeedDemo(context.Background(), users); err != nil {
		t.Fatal(err)
	}
	if site.audit, err = audit.Open(context.Background(), db, audit.Config{}); err != nil {
		t.Fatal(err)
	}
	users.UseAudit(site.audit)
	store := testStore(t)
	var wf *kb.Workflow
	if withWorkflow {
		if store, err = kb.OpenMemory(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		if err := fixtures.Load(context.Background(), store); err != nil {
			t.Fatal(err)
		}
		if wf, err = kb.NewWorkflow(context.Background(), store, db); err != nil {
			t.Fatal(err)
		}
	}
	site.store = store
	d := Deps{Store: store, Audit: site.audit}
	if wf != nil {
		reads, err := accesslog.New(context.Background(), db, 0)
		if err != nil {
			t.Fatal(err)
		}
		d.Workflow, d.AccessLog = wf, reads
	}
	srv := New(Config{Auth: NewSessionAuth(users)}, d)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	site.url = hs.URL
	return site
}

// browser is a client with a cookie jar that does not follow redirects, so tests see them.
type browser struct {
	t    *testing.T
	site *authSite
	c    *http.Client
}

func (a *authSite) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t, a, &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type reply struct {
	Status int
	Header http.Header
	Body   string
}

func (b *browser) do(method, path, ctype, body string, header map[string]string) reply {
	b.t.Helper()
	req, err := http.NewRequest(method, b.site.url+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(data)}
}

func (b *browser) get(path string) reply { return b.do("GET", path, "", "", nil) }

func (b *browser) postForm(path string, v url.Values) reply {
	return b.do("POST", path, "application/x-www-form-urlencoded", v.Encode(), nil)
}

func (b *browser) postJSON(path string, v any, csrf string) reply {
	data, _ := json.Marshal(v)
	h := map[string]string{}
	if csrf != "" {
		h[webkit.CSRFHeader] = csrf
	}
	return b.do("POST", path, "application/json", string(data), h)
}

func (b *browser) whoami() (string, role.Role) {
	b.t.Helper()
	r := b.get("/api/whoami")
	var v struct {
		User string
		Role role.Role
	}
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		b.t.Fatalf("whoami: %v: %s", err, r.Body)
	}
	return v.User, v.Role
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func TestLoginFormFlow(t *testing.T) {
	site := newAuthSite(t)
	b := site.browser(t)

	// A page for signed-in users sends an anonymous browser to the login form and back.
	r := b.get("/profilo")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/accedi?next=%2Fprofilo" {
		t.Fatalf("GET /profilo anonymous: %d %s", r.Status, r.Header.Get("Location"))
	}
	r = b.get("/accedi?next=%2Fprofilo")
	if r.Status != 200 || !strings.Contains(r.Body, `name="next" value="/profilo"`) || !strings.Contains(r.Body, "Nome utente") {
		t.Fatalf("login page: %d\n%s", r.Status, r.Body)
	}

	for _, tc := range []struct {
		name, password string
		status         int
		message        string
	}{
		{"pubblicatore", "sbagliata-123", http.StatusUnauthorized, "nome utente o password errati"},
		{"", "", http.StatusBadRequest, "Inserire nome utente e password"},
	} {
		r = b.postForm("/accedi", url.Values{"name": {tc.name}, "password": {tc.password}, "next": {"/profilo"}})
		if r.Status != tc.status || !strings.Contains(r.Body, tc.message) || r.Header.Get("Set-Cookie") != "" {
			t.Errorf("login %q/%q: %d, want %d with %q", tc.name, tc.password, r.Status, tc.status, tc.message)
		}
	}

	r = b.postForm("/accedi", url.Values{"name": {"Pubblicatore"}, "password": {accounts.DemoPassword}, "next": {"/profilo"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/profilo" {
		t.Fatalf("login: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	cookie := r.Header.Get("Set-Cookie")
	for _, want := range []string{"sportello_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("Set-Cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("Secure cookie over plain HTTP: %q", cookie)
	}
	if user, who := b.whoami(); user != "pubblicatore" || who != role.Publisher {
		t.Fatalf("whoami after login = %s %s", user, who)
	}
	r = b.get("/profilo")
	if r.Status != 200 || !strings.Contains(r.Body, "Paolo Pubblicatore") || !strings.Contains(r.Body, "redattore") {
		t.Fatalf("profile: %d\n%s", r.Status, r.Body)
	}
	m := csrfField.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("profile page has no CSRF field")
	}
	csrf := m[1]

	// Every state-changing form needs the token.
	for _, tc := range []struct {
		path string
		v    url.Values
	}{
		{"/esci", url.Values{}},
		{"/esci", url.Values{"csrf_token": {"forged"}}},
		{"/profilo/password", url.Values{"old": {accounts.DemoPassword}, "new": {"Nuova-Password-9"}, "confirm": {"Nuova-Password-9"}}},
	} {
		r = b.postForm(tc.path, tc.v)
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "CSRF") {
			t.Errorf("POST %s %v without a valid token: %d", tc.path, tc.v, r.Status)
		}
	}
	if user, _ := b.whoami(); user != "pubblicatore" {
		t.Fatal("a refused request changed the session")
	}

	// Password change: rules and mismatches are explained; success keeps this browser in.
	for _, tc := range []struct {
		old, new, confirm, message string
	}{
		{"sbagliata-123", "Nuova-Password-9", "Nuova-Password-9", "password attuale non è corretta"},
		{accounts.DemoPassword, "Nuova-Password-9", "Nuova-Password-8", "non coincidono"},
		{accounts.DemoPassword, "corta1", "corta1", "almeno 10 caratteri"},
	} {
		r = b.postForm("/profilo/password", url.Values{"csrf_token": {csrf}, "old": {tc.old}, "new": {tc.new}, "confirm": {tc.confirm}})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, tc.message) {
			t.Errorf("password change %q→%q: %d, want 400 with %q", tc.old, tc.new, r.Status, tc.message)
		}
	}
	other := site.browser(t)
	if r := other.postForm("/accedi", url.Values{"name": {"pubblicatore"}, "password": {accounts.DemoPassword}}); r.Status != http.StatusSeeOther {
		t.Fatalf("second browser login: %d", r.Status)
	}
	r = b.postForm("/profilo/password", url.Values{"csrf_token": {csrf}, "old": {accounts.DemoPassword}, "new": {"Nuova-Password-9"}, "confirm": {"Nuova-Password-9"}})
	if r.Status != 200 || !strings.Contains(r.Body, "Password cambiata") {
		t.Fatalf("password change: %d\n%s", r.Status, r.Body)
	}
	if user, _ := b.whoami(); user != "pubblicatore" {
		t.Error("the browser that changed the password was logged out")
	}
	if user, _ := other.whoami(); user != "" {
		t.Error("the other browser's session survived the password change")
	}
	csrf = csrfField.FindStringSubmatch(r.Body)[1]

	// Logout ends the session on the server, not only in the browser.
	stolen := b.c.Jar.Cookies(mustURL(t, site.url))
	r = b.postForm("/esci", url.Values{"csrf_token": {csrf}})
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %v", r.Status, r.Header)
	}
	replay := site.browser(t)
	replay.c.Jar.SetCookies(mustURL(t, site.url), stolen)
	if user, _ := replay.whoami(); user != "" {
		t.Error("the session cookie still works after logout")
	}
	if r := b.postForm("/accedi", url.Values{"name": {"pubblicatore"}, "password": {"Nuova-Password-9"}}); r.Status != http.StatusSeeOther {
		t.Errorf("login with the new password: %d", r.Status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestLoginAPI(t *testing.T) {
	site := newAuthSite(t)
	b := site.browser(t)

	if r := b.get("/api/session"); r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, `"code":"unauthorized"`) {
		t.Fatalf("GET /api/session anonymous: %d %s", r.Status, r.Body)
	}
	if r := b.do("POST", "/api/login", "application/json", "{not json", nil); r.Status != http.StatusBadRequest {
		t.Errorf("bad JSON: %d", r.Status)
	}
	r := b.postJSON("/api/login", map[string]string{"name": "validatore", "password": accounts.DemoPassword}, "")
	var sess struct {
		User struct {
			Name, DisplayName string
		}
		Role      role.Role
		CSRFToken string
		Expires   time.Time
	}
	if r.Status != 200 || json.Unmarshal([]byte(r.Body), &sess) != nil || sess.Role != role.Validator || sess.User.Name != "validatore" || len(sess.CSRFToken) < 40 {
		t.Fatalf("POST /api/login: %d %s", r.Status, r.Body)
	}
	if strings.Contains(r.Body, accounts.DemoPassword) || strings.Contains(r.Body, "argon2") {
		t.Error("the login answer leaks a password or hash")
	}
	var csrfCookie *http.Cookie
	for _, ck := range b.c.Jar.Cookies(mustURL(t, site.url)) {
		if ck.Name == webkit.CSRFCookieName {
			csrfCookie = ck
		}
	}
	if csrfCookie == nil || csrfCookie.Value != sess.CSRFToken {
		t.Errorf("CSRF cookie %+v, want the session's token", csrfCookie)
	}
	if r := b.get("/api/session"); r.Status != 200 || !strings.Contains(r.Body, sess.CSRFToken) {
		t.Errorf("GET /api/session: %d %s", r.Status, r.Body)
	}

	// An API client with a session cookie must send X-CSRF-Token.
	change := map[string]string{"oldPassword": accounts.DemoPassword, "newPassword": "Altra-Password-33"}
	if r := b.postJSON("/api/password", change, ""); r.Status != http.StatusForbidden || !strings.Contains(r.Body, `"code":"csrf"`) {
		t.Fatalf("POST /api/password without the header: %d %s", r.Status, r.Body)
	}
	if r := b.postJSON("/api/password", change, "wrong"); r.Status != http.StatusForbidden {
		t.Fatalf("POST /api/password with a wrong token: %d", r.Status)
	}
	r = b.postJSON("/api/password", change, sess.CSRFToken)
	oldCSRF := sess.CSRFToken
	if r.Status != 200 || json.Unmarshal([]byte(r.Body), &sess) != nil || sess.CSRFToken == oldCSRF {
		t.Fatalf("POST /api/password: %d %s", r.Status, r.Body)
	}
	// The new session's token works; the old one no longer does.
	if r := b.postJSON("/api/logout", nil, oldCSRF); r.Status != http.StatusForbidden {
		t.Errorf("logout with the old session's token: %d", r.Status)
	}
	if r := b.postJSON("/api/logout", nil, sess.CSRFToken); r.Status != http.StatusNoContent {
		t.Errorf("logout: %d %s", r.Status, r.Body)
	}
	if user, who := b.whoami(); user != "" || who != role.Anonymous {
		t.Errorf("after logout: %s %s", user, who)
	}
	// Behind a TLS proxy the cookie is Secure.
	r = b.do("POST", "/api/login", "application/json", `{"name":"validatore","password":"Altra-Password-33"}`, map[string]string{"X-Forwarded-Proto": "https"})
	if r.Status != 200 || !strings.Contains(r.Header.Get("Set-Cookie"), "Secure") {
		t.Errorf("login behind TLS: %d, Set-Cookie %q", r.Status, r.Header.Get("Set-Cookie"))
	}
}

func TestLoginThrottledOverHTTP(t *testing.T) {
	site := newAuthSite(t)
	b := site.browser(t)
	for i := 0; i < 3; i++ {
		if r := b.postJSON("/api/login", map[string]string{"name": "operatore", "password": "sbagliata-123"}, ""); r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	// After three failures from this address, each attempt waits: 1 s, then 2 s…
	r := b.postJSON("/api/login", map[string]string{"name": "operatore", "password": accounts.DemoPassword}, "")
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "troppi tentativi") || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("after 3 failures: %d Retry-After=%q %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	r = b.postForm("/accedi", url.Values{"name": {"operatore"}, "password": {accounts.DemoPassword}})
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "troppi tentativi") {
		t.Fatalf("form after 3 failures: %d", r.Status)
	}
	site.advance(time.Second)
	if r := b.postJSON("/api/login", map[string]string{"name": "operatore", "password": "sbagliata-456"}, ""); r.Status != http.StatusUnauthorized {
		t.Fatalf("after the wait: %d %s", r.Status, r.Body)
	}
	if r := b.postJSON("/api/login", map[string]string{"name": "operatore", "password": accounts.DemoPassword}, ""); r.Header.Get("Retry-After") != "2" {
		t.Fatalf("after a fourth failure: %d Retry-After=%q", r.Status, r.Header.Get("Retry-After"))
	}
	site.advance(2 * time.Second)
	if r := b.postJSON("/api/login", map[string]string{"name": "operatore", "password": accounts.DemoPassword}, ""); r.Status != 200 {
		t.Fatalf("after the wait, the right password: %d %s", r.Status, r.Body)
	}
}

func TestSessionEndsOverHTTP(t *testing.T) {
	site := newAuthSite(t)
	for _, tc := range []struct {
		name string
		end  func()
	}{
		{"idle", func() { site.advance(61 * time.Minute) }},
		{"disabled", func() { site.users.SetDisabled(context.Background(), "supervisore", true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := site.browser(t)
			if r := b.postJSON("/api/login", map[string]string{"name": "supervisore", "password": accounts.DemoPassword}, ""); r.Status != 200 {
				t.Fatalf("login: %d %s", r.Status, r.Body)
			}
			if _, who := b.whoami(); who != role.Supervisor {
				t.Fatalf("role %s", who)
			}
			tc.end()
			r := b.get("/api/whoami")
			if !strings.Contains(r.Body, `"role":"anonymous"`) || !strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
				t.Errorf("after the session ended: %s, Set-Cookie %q", r.Body, r.Header.Get("Set-Cookie"))
			}
		})
	}
}

func TestCrossSiteRefused(t *testing.T) {
	site := newAuthSite(t)
	b := site.browser(t)
	for _, h := range []map[string]string{{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}} {
		r := b.do("POST", "/accedi", "application/x-www-form-urlencoded", "name=admin&password="+accounts.DemoPassword, h)
		if r.Status != http.StatusForbidden || r.Header.Get("Set-Cookie") != "" {
			t.Errorf("cross-site login %v: %d", h, r.Status)
		}
	}
	r := b.do("POST", "/accedi", "application/x-www-form-urlencoded", "name=admin&password="+accounts.DemoPassword,
		map[string]string{"Origin": site.url, "Sec-Fetch-Site": "same-origin"})
	if r.Status != http.StatusSeeOther {
		t.Errorf("same-origin login: %d", r.Status)
	}
}

func TestNoAccountsConfigured(t *testing.T) {
	srv := New(Config{Auth: headerAuth{}}, Deps{Store: testStore(t)})
	for _, path := range []string{"/accedi", "/api/session"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("X-Test-Role", "publisher")
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s without accounts: %d", path, rec.Code)
		}
	}
}
