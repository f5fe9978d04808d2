package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"sportello/accounts"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/web/webkit"
)

// signedIn is a browser logged in as one of the demo accounts, with its CSRF token.
type signedIn struct {
	*browser
	csrf string
}

func (a *authSite) login(t *testing.T, name string) *signedIn {
	t.Helper()
	b := a.browser(t)
	r := b.postJSON("/api/login", map[string]string{"name": name, "password": accounts.DemoPassword}, "")
	var s struct{ CSRFToken string }
	if r.Status != 200 || json.Unmarshal([]byte(r.Body), &s) != nil {
		t.Fatalf("login %s: %d %s", name, r.Status, r.Body)
	}
	return &signedIn{b, s.CSRFToken}
}

func (u *signedIn) send(method, path string, body any) reply {
	u.t.Helper()
	data, _ := json.Marshal(body)
	return u.do(method, path, "application/json", string(data), map[string]string{webkit.CSRFHeader: u.csrf})
}

// answerSeenBy is the answer of pill code as the API shows it to u.
func answerSeenBy(t *testing.T, u *signedIn, code string) string {
	t.Helper()
	r := u.get("/api/pills/" + code)
	var p kb.Pill
	if r.Status != 200 || json.Unmarshal([]byte(r.Body), &p) != nil {
		t.Fatalf("GET /api/pills/%s: %d %s", code, r.Status, r.Body)
	}
	return p.Answer
}

// TestWorkflowOverHTTP is issue 5's "done when" through the API, as each role: a publisher
// edits a published pill, operators still see the old text, a validator sees the diff and
// approves, operators now see the new text, the history shows both people; the publisher
// cannot approve their own edit; an operator cannot open the editor.
func TestWorkflowOverHTTP(t *testing.T) {
	site := newAuthSiteWith(t, true)
	pub, val, op, aud := site.login(t, "pubblicatore"), site.login(t, "validatore"), site.login(t, "operatore"), site.login(t, "revisore")
	pill := published(t)
	code := pill.Code
	base := "/api/workflow/pills/" + code

	oldAnswer := answerSeenBy(t, op, code)
	edited := pill
	edited.Answer = "<p>Nuovo testo approvato: si fa online con SPID.</p>"

	type expect struct {
		who    *signedIn
		method string
		path   string
		body   any
		status int
		inBody string
	}
	steps := []expect{
		// Roles (403) before anything happens.
		{op, "PUT", base + "/draft", edited, http.StatusForbidden, "forbidden"},
		{op, "GET", base, nil, http.StatusForbidden, "forbidden"},
		{val, "PUT", base + "/draft", edited, http.StatusForbidden, "forbidden"},
		{aud, "PUT", base + "/draft", edited, http.StatusForbidden, "forbidden"},
		// The publisher edits: a new draft version 2; v1 stays live.
		{pub, "PUT", base + "/draft", edited, http.StatusOK, `"number":2`},
		{pub, "GET", "/api/workflow/mine", nil, http.StatusOK, code},
		// State (409): nothing is under review yet.
		{val, "POST", base + "/versions/2/approve", nil, http.StatusConflict, "invalid_state"},
		{pub, "POST", base + "/versions/2/submit", nil, http.StatusOK, `"submitted"`},
		{pub, "POST", base + "/versions/2/submit", nil, http.StatusConflict, "solo una bozza"},
		{pub, "PUT", base + "/draft", edited, http.StatusConflict, "in revisione"},
		// The publisher cannot approve their own edit.
		{pub, "POST", base + "/versions/2/approve", nil, http.StatusForbidden, "forbidden"},
		// The validator sees it in the queue with the word diff of the answer.
		{val, "GET", "/api/workflow/queue", nil, http.StatusOK, `"field":"answer"`},
		{val, "GET", base + "/diff", nil, http.StatusOK, "SPID"},
		{val, "POST", base + "/versions/2/reject", map[string]string{"reason": " "}, http.StatusBadRequest, "motivo"},
		{val, "POST", base + "/versions/9/approve", nil, http.StatusNotFound, "inesistente"},
		{val, "POST", base + "/versions/x/approve", nil, http.StatusBadRequest, "bad_version"},
	}
	run := func(steps []expect) {
		t.Helper()
		for _, s := range steps {
			r := s.who.send(s.method, s.path, s.body)
			if r.Status != s.status || !strings.Contains(r.Body, s.inBody) {
				t.Fatalf("%s %s: %d, want %d with %q\n%.400s", s.method, s.path, r.Status, s.status, s.inBody, r.Body)
			}
		}
	}
	run(steps)
	if got := answerSeenBy(t, op, code); got != oldAnswer {
		t.Fatalf("operators see %q during the review, want the published %q", got, oldAnswer)
	}

	run([]expect{
		{val, "POST", base + "/versions/2/approve", nil, http.StatusOK, `"published"`},
		{val, "POST", base + "/versions/2/approve", nil, http.StatusConflict, "invalid_state"},
		{val, "GET", "/api/workflow/queue", nil, http.StatusOK, "[]"},
	})
	if got := answerSeenBy(t, op, code); !strings.Contains(got, "SPID") {
		t.Fatalf("operators see %q after the approval", got)
	}
	// Operators are told: the "novità" list shows the new version and what changed.
	if r := op.get("/novita"); r.Status != 200 || !strings.Contains(r.Body, "novita-"+code) || !strings.Contains(r.Body, "<ins>") {
		t.Errorf("novità page: %d\n%.600s", r.Status, r.Body)
	}
	if r := op.get("/api/workflow/news"); r.Status != 200 || !strings.Contains(r.Body, `"previous":1`) || !strings.Contains(r.Body, `"by":"validatore"`) {
		t.Errorf("novità API: %d %s", r.Status, r.Body)
	}

	// The history, read by the auditor, names both people.
	r := aud.get(base)
	var rec kb.PillRecord
	if r.Status != 200 || json.Unmarshal([]byte(r.Body), &rec) != nil {
		t.Fatalf("history: %d %s", r.Status, r.Body)
	}
	people := map[string]kb.Action{}
	for _, e := range rec.Events {
		people[e.Actor] = e.Action
	}
	if people["pubblicatore"] != kb.ActionSubmit || people["validatore"] != kb.ActionApprove || rec.Live != 2 {
		t.Errorf("history = %+v, live %d", rec.Events, rec.Live)
	}

	// A new pill, rejected with a reason the publisher then reads.
	fresh := map[string]any{"code": "TST-NUOVA", "title": "Scheda nuova", "answer": `<p>Testo<script>alert(1)</script></p>`, "concepts": pill.Concepts}
	run([]expect{
		{pub, "POST", "/api/workflow/pills", fresh, http.StatusCreated, `"draft"`},
		{pub, "POST", "/api/workflow/pills", fresh, http.StatusConflict, "TST-NUOVA"},
		{pub, "POST", "/api/workflow/pills/TST-NUOVA/versions/1/submit", nil, http.StatusOK, `"submitted"`},
		{val, "POST", "/api/workflow/pills/TST-NUOVA/versions/1/reject", map[string]string{"reason": "Manca il costo del bollo"}, http.StatusOK, `"rejected"`},
		{pub, "GET", "/api/workflow/mine", nil, http.StatusOK, "Manca il costo del bollo"},
		{val, "POST", "/api/workflow/pills/TST-NUOVA/retire", map[string]string{}, http.StatusConflict, "pubblicata"},
	})
	if r := op.get("/api/pills/TST-NUOVA"); r.Status != http.StatusNotFound {
		t.Errorf("operators can read a rejected draft: %d", r.Status)
	}
	if r := pub.get("/api/pills/TST-NUOVA"); r.Status != 200 || strings.Contains(r.Body, "<script") {
		t.Errorf("the draft as the publisher sees it: %d %s", r.Status, r.Body)
	}

	// A state-changing call without the CSRF header is refused, whatever the role.
	if r := pub.do("PUT", base+"/draft", "application/json", `{"title":"x"}`, nil); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "csrf") {
		t.Errorf("PUT without X-CSRF-Token: %d %s", r.Status, r.Body)
	}

	// Retiring takes the pill away from operators.
	run([]expect{{val, "POST", base + "/retire", map[string]string{"reason": "norma abrogata"}, http.StatusOK, `"retired"`}})
	if r := op.get("/api/pills/" + code); r.Status != http.StatusNotFound {
		t.Errorf("operators still read the retired pill: %d", r.Status)
	}
}

// TestWorkflowRoutesByRole walks every route of issue 5 (login, workflow API and pages) with
// every role: a role the route does not list gets 401 (anonymous) or 403, a listed one gets past
// the gate.
func TestWorkflowRoutesByRole(t *testing.T) {
	srv := New(Config{Auth: headerAuth{}}, Deps{Store: testStore(t)})
	for _, rt := range slices.Concat(srv.routesOf("accounts"), srv.routesOf("editorial")) {
		if len(rt.Roles) == 0 {
			t.Errorf("%s %s: no roles; every route must say who may call it", rt.Method, rt.Path)
		}
		if _, ok := srv.table[rt.Method+" "+rt.Path]; !ok {
			t.Errorf("%s %s is not in the routes table", rt.Method, rt.Path)
		}
		for _, who := range role.All {
			path := strings.NewReplacer(":code", "X", ":n", "1").Replace(rt.Path)
			req := httptest.NewRequest(rt.Method, path, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			if who != role.Anonymous {
				req.Header.Set("X-Test-Role", string(who))
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			switch {
			case !rt.Allows(who) && who == role.Anonymous && rec.Code != http.StatusUnauthorized,
				!rt.Allows(who) && who != role.Anonymous && rec.Code != http.StatusForbidden,
				rt.Allows(who) && (rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden):
				t.Errorf("%s %s as %s: %d (allowed: %v)", rt.Method, path, who, rec.Code, rt.Allows(who))
			}
		}
	}
}

// TestWorkflowPages drives the HTML forms: the editor, the queue with the diff, approval, the
// history; and the refusals a user can meet on the way.
func TestWorkflowPages(t *testing.T) {
	site := newAuthSiteWith(t, true)
	pub, val, op := site.login(t, "pubblicatore"), site.login(t, "validatore"), site.login(t, "operatore")
	code := published(t).Code

	for _, tc := range []struct {
		who    *signedIn
		path   string
		status int
		inBody string
	}{
		{pub, "/redazione", 200, "Nessuna scheda in lavorazione"},
		{pub, "/redazione/schede/" + code, 200, `name="csrf_token"`},
		{pub, "/redazione/nuova", 200, `id="code"`},
		{op, "/redazione/schede/" + code, 403, "Errore"},
		{op, "/validazione", 403, ""},
		{val, "/validazione", 200, "Nessuna scheda in attesa"},
		{pub, "/validazione", 403, ""},
	} {
		r := tc.who.get(tc.path)
		if r.Status != tc.status || !strings.Contains(r.Body, tc.inBody) {
			t.Errorf("GET %s: %d, want %d with %q\n%.300s", tc.path, r.Status, tc.status, tc.inBody, r.Body)
		}
	}

	form := func(u *signedIn, path string, v url.Values) reply {
		t.Helper()
		v.Set(webkit.CSRFField, u.csrf)
		return u.postForm(path, v)
	}
	if r := form(pub, "/redazione/schede/"+code, url.Values{"title": {"x"}, "reviewBy": {"31/12/2026"}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Da rivedere entro") {
		t.Errorf("bad date: %d %.300s", r.Status, r.Body)
	}
	r := form(pub, "/redazione/schede/"+code, url.Values{"title": {"Titolo rivisto"}, "answer": {"<p>Testo nuovo con SPID.</p>"},
		"reviewBy": {"2020-01-31"}, "action": {"submit"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/redazione" {
		t.Fatalf("save and submit: %d %s\n%.300s", r.Status, r.Header.Get("Location"), r.Body)
	}
	if r := pub.postForm("/redazione/schede/"+code, url.Values{"title": {"x"}}); r.Status != http.StatusForbidden {
		t.Errorf("editor form without the CSRF field: %d", r.Status)
	}
	if r := form(pub, "/redazione/schede/"+code, url.Values{"title": {"x"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "in revisione") {
		t.Errorf("editing under review: %d %.300s", r.Status, r.Body)
	}
	r = val.get("/validazione")
	if r.Status != 200 || !strings.Contains(r.Body, "<ins>SPID") && !strings.Contains(r.Body, "<ins>con SPID") || !strings.Contains(r.Body, "<del>") {
		t.Fatalf("queue page does not show the diff:\n%s", r.Body)
	}
	if r := form(pub, "/validazione/"+code+"/2/approva", url.Values{}); r.Status != http.StatusForbidden {
		t.Errorf("publisher approving: %d", r.Status)
	}
	if r := form(val, "/validazione/"+code+"/2/approva", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d %.300s", r.Status, r.Body)
	}
	if got := answerSeenBy(t, op, code); !strings.Contains(got, "SPID") {
		t.Errorf("operators see %q after the approval", got)
	}
	if r := pub.get("/redazione"); !strings.Contains(r.Body, `id="revisioni-scadute"`) || !strings.Contains(r.Body, "Titolo rivisto") {
		t.Errorf("workspace does not list the overdue review:\n%.1500s", r.Body)
	}
	r = val.get("/schede/" + code + "/storia")
	if r.Status != 200 || !strings.Contains(r.Body, "pubblicatore") || !strings.Contains(r.Body, "validatore") || !strings.Contains(r.Body, "approvazione") {
		t.Errorf("history page: %d\n%.500s", r.Status, r.Body)
	}

	// A new pill from the editor, rejected with a reason the publisher then reads.
	r = form(pub, "/redazione/nuova", url.Values{"code": {"TST-PAGINA"}, "title": {"Scheda dalla pagina"}, "answer": {"<p>Bozza</p>"}, "action": {"submit"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("new pill: %d %.300s", r.Status, r.Body)
	}
	if r := form(val, "/validazione/TST-PAGINA/1/respingi", url.Values{"reason": {""}}); r.Status != http.StatusBadRequest {
		t.Errorf("reject without a reason: %d", r.Status)
	}
	if r := form(val, "/validazione/TST-PAGINA/1/respingi", url.Values{"reason": {"Manca l'ufficio competente"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reject: %d", r.Status)
	}
	if r := pub.get("/redazione"); !strings.Contains(r.Body, "Manca l&#39;ufficio competente") {
		t.Errorf("workspace does not show the reason:\n%.800s", r.Body)
	}
}

// TestAccessLogReport: reads by signed-in users are recorded, page or API, and the report of the
// most read pills and branches is for supervisors, administrators and auditors only.
func TestAccessLogReport(t *testing.T) {
	site := newAuthSiteWith(t, true)
	op, sup := site.login(t, "operatore"), site.login(t, "supervisore")
	code := published(t).Code
	for _, path := range []string{"/schede/" + code, "/api/pills/" + code, "/api/pills/NON-ESISTE"} {
		op.get(path)
	}
	site.browser(t).get("/schede/" + code) // the public is not logged

	if r := op.get("/api/accesslog/top"); r.Status != http.StatusForbidden {
		t.Errorf("operator reading the report: %d", r.Status)
	}
	if r := sup.get("/api/accesslog/top?from=31-12-2026"); r.Status != http.StatusBadRequest {
		t.Errorf("bad date: %d", r.Status)
	}
	r := sup.get("/api/accesslog/top")
	var rep struct {
		Pills []struct {
			Code           string
			Reads, Readers int
		}
		Branches []struct {
			Label string
			Reads int
		}
		RetentionDays int
	}
	if r.Status != 200 || json.Unmarshal([]byte(r.Body), &rep) != nil {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	if len(rep.Pills) != 1 || rep.Pills[0].Code != code || rep.Pills[0].Reads != 2 || rep.Pills[0].Readers != 1 {
		t.Errorf("pills = %+v", rep.Pills)
	}
	if len(rep.Branches) == 0 || rep.Branches[0].Reads != 2 || rep.Branches[0].Label == "" || rep.RetentionDays != 365 {
		t.Errorf("branches = %+v, retention %d", rep.Branches, rep.RetentionDays)
	}
}

// TestUsersPage: the administrator manages accounts from the browser; the auditor only reads.
func TestUsersPage(t *testing.T) {
	site := newAuthSite(t)
	admin, aud, op := site.login(t, "admin"), site.login(t, "revisore"), site.login(t, "operatore")
	form := func(u *signedIn, path string, v url.Values) reply {
		t.Helper()
		v.Set(webkit.CSRFField, u.csrf)
		return u.postForm(path, v)
	}
	r := admin.get("/amministrazione/utenti")
	if r.Status != 200 || strings.Count(r.Body, `<td class="code">`) != len(accounts.DemoAccounts) || !strings.Contains(r.Body, "u-password") {
		t.Fatalf("users page: %d\n%.500s", r.Status, r.Body)
	}
	if r := aud.get("/amministrazione/utenti"); r.Status != 200 || strings.Contains(r.Body, "u-password") {
		t.Errorf("auditor's page: %d, forms shown: %v", r.Status, strings.Contains(r.Body, "u-password"))
	}
	if r := op.get("/amministrazione/utenti"); r.Status != http.StatusForbidden {
		t.Errorf("operator: %d", r.Status)
	}
	if r := form(aud, "/amministrazione/utenti", url.Values{"name": {"x"}}); r.Status != http.StatusForbidden {
		t.Errorf("auditor adding a user: %d", r.Status)
	}
	for _, tc := range []struct {
		v       url.Values
		message string
	}{
		{url.Values{"name": {"luca.bianchi"}, "role": {"operator"}, "password": {"corta1"}}, "almeno 10 caratteri"},
		{url.Values{"name": {"Luca Bianchi"}, "role": {"operator"}, "password": {"Lunga-abbastanza-1"}}, "non è ammesso"},
		{url.Values{"name": {"operatore"}, "role": {"operator"}, "password": {"Lunga-abbastanza-1"}}, "esiste già"},
		{url.Values{"name": {"luca.bianchi"}, "role": {"capo"}, "password": {"Lunga-abbastanza-1"}}, "sconosciuto"},
		{url.Values{"name": {"luca.bianchi"}, "password": {"Lunga-abbastanza-1"}}, "scegliere il ruolo"},
	} {
		if r := form(admin, "/amministrazione/utenti", tc.v); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, tc.message) {
			t.Errorf("add %v: %d, want 400 with %q", tc.v, r.Status, tc.message)
		}
	}
	r = form(admin, "/amministrazione/utenti", url.Values{"name": {"luca.bianchi"}, "display": {"Luca Bianchi"}, "role": {"level2"}, "password": {"Lunga-abbastanza-1"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add: %d %.300s", r.Status, r.Body)
	}
	if _, sess, err := site.users.Login(context.Background(), "luca.bianchi", "Lunga-abbastanza-1", "192.0.2.50"); err != nil || sess.User.Role != role.Level2 {
		t.Errorf("new user's login: %v", err)
	}
	if r := form(admin, "/amministrazione/utenti/admin/stato", url.Values{"disabled": {"1"}}); r.Status != http.StatusConflict {
		t.Errorf("admin disabling themselves: %d", r.Status)
	}
	if r := form(admin, "/amministrazione/utenti/operatore/stato", url.Values{"disabled": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.Status)
	}
	if _, who := op.whoami(); who != role.Anonymous {
		t.Errorf("the disabled operator is still signed in as %s", who)
	}
	if r := form(admin, "/amministrazione/utenti/operatore/password", url.Values{"password": {"Reimpostata-2026"}}); r.Status != http.StatusSeeOther {
		t.Errorf("reset password: %d", r.Status)
	}
	if r := form(admin, "/amministrazione/utenti/nessuno/password", url.Values{"password": {"Reimpostata-2026"}}); r.Status != http.StatusNotFound {
		t.Errorf("reset an unknown user: %d", r.Status)
	}
}
