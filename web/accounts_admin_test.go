package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"sportello/accounts"
	"sportello/audit"
	"sportello/internal/role"
	webaccounts "sportello/web/accounts"
	"sportello/web/webkit"
)

// TestAccountRoles: an account is created only with a role chosen for it — a form without one,
// or with a guessable password, comes back with what was typed and the message beside the
// field — and its role is changed later from the same page, shown on the user's row and kept
// in the audit log with who and from where; nobody changes their own role; auditors only read.
func TestAccountRoles(t *testing.T) {
	site := newAuthSite(t)
	admin, aud := site.login(t, "admin"), site.login(t, "revisore")
	form := func(u *signedIn, path string, v url.Values) reply {
		t.Helper()
		v.Set(webkit.CSRFField, u.csrf)
		return u.postForm(path, v)
	}
	r := admin.get("/amministrazione/utenti")
	if r.Status != 200 || !strings.Contains(r.Body, `<option value="" selected>`) {
		t.Fatalf("the new-user form preselects a role: %d\n%.2000s", r.Status, r.Body)
	}
	r = form(admin, "/amministrazione/utenti", url.Values{"name": {"luca.bianchi"}, "display": {"Luca Bianchi"},
		"email": {"luca@valdoria.example"}, "password": {"Lunga-abbastanza-1"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="u-role-err"`) ||
		!strings.Contains(r.Body, `value="luca.bianchi"`) || !strings.Contains(r.Body, `value="Luca Bianchi"`) ||
		!strings.Contains(r.Body, `value="luca@valdoria.example"`) || strings.Contains(r.Body, "Lunga-abbastanza-1") {
		t.Fatalf("no role: %d\n%s", r.Status, r.Body)
	}
	r = form(admin, "/amministrazione/utenti", url.Values{"name": {"luca.bianchi"}, "role": {"level2"}, "password": {"password12"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="u-password-err"`) || !strings.Contains(r.Body, "indovinare") ||
		!strings.Contains(r.Body, `<option value="level2" selected>`) {
		t.Fatalf("password12: %d\n%s", r.Status, r.Body)
	}
	if r = form(admin, "/amministrazione/utenti", url.Values{"name": {"luca.bianchi"}, "role": {"level2"},
		"password": {"Lunga-abbastanza-1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r = form(admin, "/amministrazione/utenti/luca.bianchi/ruolo", url.Values{"role": {"validator"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("change role: %d %s", r.Status, r.Body)
	}
	a, err := site.users.Account(context.Background(), "luca.bianchi")
	if err != nil || a.Role != role.Validator || a.RoleChangedBy != "admin" {
		t.Fatalf("after the change: %+v %v", a, err)
	}
	r = admin.get("/amministrazione/utenti")
	if !strings.Contains(r.Body, "ruolo cambiato il") {
		t.Errorf("the users page does not show the change")
	}
	for _, tc := range []struct {
		who    *signedIn
		path   string
		v      url.Values
		status int
	}{
		{admin, "/amministrazione/utenti/admin/ruolo", url.Values{"role": {"operator"}}, http.StatusConflict},
		{admin, "/amministrazione/utenti/luca.bianchi/ruolo", url.Values{"role": {""}}, http.StatusBadRequest},
		{admin, "/amministrazione/utenti/nessuno/ruolo", url.Values{"role": {"operator"}}, http.StatusNotFound},
		{aud, "/amministrazione/utenti/luca.bianchi/ruolo", url.Values{"role": {"operator"}}, http.StatusForbidden},
	} {
		if r := form(tc.who, tc.path, tc.v); r.Status != tc.status {
			t.Errorf("POST %s %v: %d, want %d", tc.path, tc.v, r.Status, tc.status)
		}
	}
	entries, err := site.audit.List(context.Background(), audit.Filter{Actor: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range entries {
		acts = append(acts, string(e.Action)+" "+e.Detail)
		if e.Client == "" {
			t.Errorf("entry without the client's address: %+v", e)
		}
	}
	if !slices.Contains(acts, "account.role Supporto di II livello → Validatore") || !slices.Contains(acts, "account.create ruolo: Supporto di II livello") {
		t.Errorf("audit log: %q", acts)
	}

	// The audit log's page and downloads, for administrators and auditors; a download is itself
	// recorded.
	r = aud.get("/amministrazione/registro")
	if r.Status != 200 || !strings.Contains(r.Body, "Modifica ruolo") || !strings.Contains(r.Body, "luca.bianchi") {
		t.Errorf("audit page: %d\n%.1500s", r.Status, r.Body)
	}
	r = aud.get("/amministrazione/registro?formato=csv&action=account.role")
	if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), "registro-") || !strings.Contains(r.Body, "luca.bianchi") ||
		strings.Contains(r.Body, "account.create") {
		t.Errorf("CSV: %d %v\n%s", r.Status, r.Header, r.Body)
	}
	if entries, _ := site.audit.List(context.Background(), audit.Filter{Action: audit.AuditExport}); len(entries) != 1 || entries[0].Actor != "revisore" {
		t.Errorf("the export is not recorded: %+v", entries)
	}
	if r := aud.get("/amministrazione/registro?formato=pdf"); r.Status != http.StatusBadRequest {
		t.Errorf("unknown format: %d", r.Status)
	}
}

// TestStartPages: each role lands on its own start page after signing in (no page asked for);
// a page asked for wins; the API says where the start page is; the administration's home links
// what administrators manage, and auditors see only what they may read.
func TestStartPages(t *testing.T) {
	site := newAuthSite(t)
	for _, u := range accounts.DemoAccounts {
		b := site.browser(t)
		r := b.postForm("/accedi", url.Values{"name": {u.Name}, "password": {accounts.DemoPassword}, "next": {"/"}})
		if want := webaccounts.StartPage(u.Role); r.Status != http.StatusSeeOther || r.Header.Get("Location") != want || want == "/" {
			t.Errorf("%s (%s) lands on %q (%d), want %q", u.Name, u.Role, r.Header.Get("Location"), r.Status, want)
		}
	}
	b := site.browser(t)
	if r := b.postForm("/accedi", url.Values{"name": {"operatore"}, "password": {accounts.DemoPassword}, "next": {"/albero"}}); r.Header.Get("Location") != "/albero" {
		t.Errorf("next ignored: %s", r.Header.Get("Location"))
	}
	r := site.browser(t).postJSON("/api/login", map[string]string{"name": "supervisore", "password": accounts.DemoPassword}, "")
	if !strings.Contains(r.Body, `"start":"/supervisore"`) {
		t.Errorf("API login: %s", r.Body)
	}
	admin, aud, op := site.login(t, "admin"), site.login(t, "revisore"), site.login(t, "operatore")
	r = admin.get("/amministrazione")
	for _, id := range []string{"adm-utenti", "adm-uffici", "adm-risposte", "adm-sinonimi", "adm-annunci", "adm-importa", "adm-registro"} {
		if !strings.Contains(r.Body, `id="`+id+`"`) {
			t.Errorf("the administration's home lacks %s", id)
		}
	}
	if r := aud.get("/amministrazione"); r.Status != 200 || strings.Contains(r.Body, "adm-sinonimi") || !strings.Contains(r.Body, "adm-registro") {
		t.Errorf("auditor's home: %d", r.Status)
	}
	if r := op.get("/amministrazione"); r.Status != http.StatusForbidden {
		t.Errorf("operator: %d", r.Status)
	}
}
