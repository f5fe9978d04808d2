package web

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"sportello/fixtures"
	"sportello/i18n"
	"sportello/internal/role"
	"sportello/internal/sqldb"
	"sportello/internal/sqldb/sqldbtest"
	"sportello/kb"
	"sportello/ticketing"
	"sportello/web/public"
	webtickets "sportello/web/tickets"
)

// tkFixture is a server with the demo knowledge base in its own store (the ticket tests write
// draft pills, so they must not share testStore) and a ticketing store on SQLite in a temporary
// folder. The tickets of one test are its own: each test opens the tickets it works on.
type tkFixture struct {
	srv     *Server
	h       http.Handler
	st      *ticketing.Store
	kb      *kb.Store
	pill    kb.Pill   // a published pill
	offices []kb.Unit // two offices
}

var (
	tkKBOnce sync.Once
	tkKB     *kb.Store
	tkKBErr  error
)

func newTicketFixture(t testing.TB) *tkFixture {
	t.Helper()
	dir := t.TempDir()
	db, err := sqldb.Open("", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return newTicketFixtureOn(t, db, dir)
}

func newTicketFixtureOn(t testing.TB, db *sqldb.DB, dir string) *tkFixture {
	t.Helper()
	tkKBOnce.Do(func() {
		tkKB, tkKBErr = kb.OpenMemory()
		if tkKBErr == nil {
			tkKBErr = fixtures.Load(context.Background(), tkKB)
		}
	})
	if tkKBErr != nil {
		t.Fatalf("knowledge base: %v", tkKBErr)
	}
	ctx := context.Background()
	st, err := ticketing.Open(ctx, db, ticketing.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{Auth: headerAuth{}}, Deps{Store: tkKB, Tickets: st})
	f := &tkFixture{srv: srv, h: srv.Handler(), st: st, kb: tkKB}
	pills, err := tkKB.Pills(ctx, kb.PillFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pills {
		if p.Status == kb.StatusPublished && p.Code != "" {
			f.pill = p
			break
		}
	}
	units, err := tkKB.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if u.Kind == kb.UnitOffice && len(f.offices) < 2 {
			f.offices = append(f.offices, u)
		}
	}
	if f.pill.IRI == "" || len(f.offices) < 2 {
		t.Fatal("the demo needs a published pill and two offices")
	}
	// The level-2 user works for both offices: only members act on an office's tickets (TK-11).
	for _, u := range f.offices {
		if _, err := st.AddMember(ctx, u.IRI, "test-"+string(role.Level2), ticketing.AsOffice, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// do sends a request as role; body is JSON unless it is an io.Reader already.
func (f *tkFixture) do(t *testing.T, method, path string, who role.Role, body any) response {
	t.Helper()
	var r io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		r, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		js, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r, ctype = bytes.NewReader(js), "application/json"
	}
	req := httptest.NewRequest(method, path, r)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if who != role.Anonymous && who != "" {
		req.Header.Set("X-Test-Role", string(who))
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return response{rec.Code, rec.Result().Header, string(b)}
}

func (f *tkFixture) want(t *testing.T, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
}

// create opens a phone ticket as the operator, for a new citizen.
func (f *tkFixture) create(t *testing.T, description string) ticketing.Ticket {
	t.Helper()
	r := f.do(t, http.MethodPost, "/api/tickets", role.Operator, map[string]any{
		"channel": "phone", "description": description,
		"citizen": map[string]any{"name": "Maria Rossi", "phones": []string{"+39 0544 111222"}},
	})
	f.want(t, r, http.StatusCreated)
	var tk ticketing.Ticket
	decode(t, r, &tk)
	return tk
}

func (f *tkFixture) step(t *testing.T, number string, who role.Role, body map[string]any, status int) ticketing.Ticket {
	t.Helper()
	r := f.do(t, http.MethodPost, "/api/tickets/"+number+"/steps", who, body)
	f.want(t, r, status)
	var tk ticketing.Ticket
	if status == http.StatusOK {
		decode(t, r, &tk)
	}
	return tk
}

// TestTicketRoutesRoles walks every ticket route with every role: the roles listed get past
// authorize, the others get 401 (anonymous) or 403.
func TestTicketRoutesRoles(t *testing.T) {
	f := newTicketFixture(t)
	tk := f.create(t, "Informazioni sul bollo auto")
	for _, rt := range slices.Concat(f.srv.routesOf("tickets"), f.srv.routesOf("public")) {
		path := strings.NewReplacer(":number", tk.Number, ":id", "1").Replace(rt.Path)
		for _, who := range role.All {
			r := f.do(t, rt.Method, path, who, nil)
			var body struct{ Code string }
			_ = json.Unmarshal([]byte(r.Body), &body)
			denied := r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden && body.Code == "forbidden" ||
				r.Status == http.StatusForbidden && strings.Contains(r.Body, i18n.T("err.forbidden"))
			if rt.Allows(who) && denied {
				t.Errorf("%s %s as %s: refused (%d), the table allows it", rt.Method, rt.Path, who, r.Status)
			}
			if !rt.Allows(who) && !denied {
				t.Errorf("%s %s as %s: %d, want 401/403", rt.Method, rt.Path, who, r.Status)
			}
		}
	}
}

// TestTicketsAbsent: without the component every ticket page answers 404.
func TestTicketsAbsent(t *testing.T) {
	h := testServer(t).Handler()
	for _, p := range []string{"/ticket", "/api/tickets", "/richiesta", "/lacune"} {
		if r := get(t, h, p, role.Supervisor); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, r.Status)
		}
	}
}

// TestTicketFirstCallHTTP is Annex A's level-1 path over HTTP: the operator takes a call and
// solves it with a pill (first-call resolution, the link of C.4).
func TestTicketFirstCallHTTP(t *testing.T) {
	f := newTicketFixture(t)
	tk := f.create(t, "Come si paga il bollo auto?")
	if tk.State != ticketing.StateNew || !strings.HasPrefix(tk.Number, "RS-") {
		t.Fatalf("created %+v", tk)
	}
	r := f.do(t, http.MethodPost, "/api/tickets/"+tk.Number+"/answer", role.Operator, map[string]string{"pill": f.pill.Code})
	f.want(t, r, http.StatusOK)
	var solved ticketing.Ticket
	decode(t, r, &solved)
	if solved.State != ticketing.StateSolvedL1 || solved.Pill != f.pill.IRI || !solved.FirstContact {
		t.Fatalf("after answer: state %s pill %q first %v", solved.State, solved.Pill, solved.FirstContact)
	}
	// Solving again is a state conflict, with the Italian message.
	r = f.do(t, http.MethodPost, "/api/tickets/"+tk.Number+"/answer", role.Operator, map[string]string{"pill": f.pill.IRI})
	f.want(t, r, http.StatusConflict)
	if !strings.Contains(r.Body, "Risolto I Livello") {
		t.Errorf("409 body does not name the state: %s", r.Body)
	}
	var v webtickets.TicketView
	decode(t, f.do(t, http.MethodGet, "/api/tickets/"+tk.Number, role.Auditor, nil), &v)
	if len(v.Path) != 2 || v.Path[1].Action != ticketing.ActSolveL1 || len(v.Allowed) != 0 {
		t.Errorf("path %+v allowed %v", v.Path, v.Allowed)
	}
	var figs ticketing.Figures
	decode(t, f.do(t, http.MethodGet, "/api/tickets/figures", role.Supervisor, nil), &figs)
	if figs.Contacts != 1 || figs.FirstContact != 1 || figs.FCRRate != 1 || figs.WithPill != 1 {
		t.Errorf("figures %+v", figs)
	}
}

// TestTicketEscalationHTTP is the long path of Annex A over HTTP as the right roles: escalated
// with the searches, assigned to the wrong office, rejected with a reason and a suggestion,
// reassigned by level 3, solved by the office, proposed as knowledge, closed; and the steps the
// roles may not take answer 403, the steps the state forbids 409.
func TestTicketEscalationHTTP(t *testing.T) { escalationFlow(t, newTicketFixture(t)) }

// TestTicketFlowsPostgres runs the Annex A flows over HTTP on PostgreSQL (`--db postgres://…`).
func TestTicketFlowsPostgres(t *testing.T) {
	db := sqldbtest.Postgres(t)
	f := newTicketFixtureOn(t, db, t.TempDir())
	escalationFlow(t, f)
	tk := f.create(t, "Come si paga il bollo auto?")
	r := f.do(t, http.MethodPost, "/api/tickets/"+tk.Number+"/answer", role.Operator, map[string]string{"pill": f.pill.Code})
	f.want(t, r, http.StatusOK)
	var figs ticketing.Figures
	decode(t, f.do(t, http.MethodGet, "/api/tickets/figures", role.Supervisor, nil), &figs)
	if figs.Contacts != 2 || figs.FirstContact != 1 || figs.WithPill != 1 || figs.New != 1 {
		t.Errorf("figures on PostgreSQL %+v", figs)
	}
}

func escalationFlow(t *testing.T, f *tkFixture) {
	tk := f.create(t, "Contributo per la ristrutturazione del tetto di un agriturismo")
	wrong, right := f.offices[0].IRI, f.offices[1].IRI

	f.step(t, tk.Number, role.Operator, map[string]any{"action": "take"}, http.StatusOK)
	r := f.do(t, http.MethodPost, "/api/tickets/"+tk.Number+"/escalate", role.Operator,
		map[string]any{"queries": []string{"contributo tetto", "agriturismo ristrutturazione"}})
	f.want(t, r, http.StatusOK)
	// The operator may not assign (403), and the office cannot reject what is not assigned (409).
	f.step(t, tk.Number, role.Operator, map[string]any{"action": "assign", "office": wrong}, http.StatusForbidden)
	f.step(t, tk.Number, role.Level2, map[string]any{"action": "reject", "reason": "x"}, http.StatusConflict)
	f.step(t, tk.Number, role.Backoffice, map[string]any{"action": "assign", "office": wrong}, http.StatusOK)
	// A rejection needs its reason (400).
	f.step(t, tk.Number, role.Level2, map[string]any{"action": "reject"}, http.StatusBadRequest)
	got := f.step(t, tk.Number, role.Level2, map[string]any{"action": "reject", "reason": "Non è di nostra competenza",
		"suggestedOffice": right}, http.StatusOK)
	if got.State != ticketing.StateRejected {
		t.Fatalf("after reject: %s", got.State)
	}
	// Only level 3 reassigns (TK-12).
	f.step(t, tk.Number, role.Level2, map[string]any{"action": "reassign", "office": right}, http.StatusForbidden)
	got = f.step(t, tk.Number, role.Supervisor, map[string]any{"action": "reassign", "office": right}, http.StatusOK)
	if got.State != ticketing.StateAssigned || got.Office != right {
		t.Fatalf("after reassign: %s %s", got.State, got.Office)
	}
	// The office's inbox has it.
	var list struct{ Tickets []ticketing.Row }
	decode(t, f.do(t, http.MethodGet, "/api/tickets?inbox=1&office="+url.QueryEscape(right), role.Level2, nil), &list)
	if len(list.Tickets) != 1 || list.Tickets[0].Number != tk.Number {
		t.Errorf("office inbox: %+v", list.Tickets)
	}
	// Proposing knowledge before the solution is a conflict; the operator may never.
	f.want(t, f.do(t, http.MethodPost, "/api/tickets/"+tk.Number+"/propose", role.Level2, nil), http.StatusConflict)
	got = f.step(t, tk.Number, role.Level2, map[string]any{"action": "solve",
		"reason": "Il contributo si chiede con il modulo B entro il 30 giugno."}, http.StatusOK)
	if got.State != ticketing.StateSolved || got.FirstContact {
		t.Fatalf("after solve: %+v", got)
	}
	f.want(t, f.do(t, http.MethodPost, "/api/tickets/"+tk.Number+"/propose", role.Operator, nil), http.StatusForbidden)
	r = f.do(t, http.MethodPost, "/api/tickets/"+tk.Number+"/propose", role.Level2, nil)
	f.want(t, r, http.StatusCreated)
	var prop ticketing.Proposal
	decode(t, r, &prop)
	if prop.Pill == nil || prop.Pill.Status != kb.StatusDraft || !strings.Contains(prop.Pill.Answer, "modulo B") {
		t.Errorf("proposal %+v", prop.Pill)
	}
	f.step(t, tk.Number, role.Operator, map[string]any{"action": "close"}, http.StatusOK)
	f.step(t, tk.Number, role.Operator, map[string]any{"action": "take"}, http.StatusConflict)

	var v webtickets.TicketView
	decode(t, f.do(t, http.MethodGet, "/api/tickets/"+tk.Number, role.Supervisor, nil), &v)
	if len(v.Queries) != 2 {
		t.Errorf("queries %v", v.Queries)
	}
	var actions []ticketing.Action
	for _, e := range v.Path {
		actions = append(actions, e.Action)
	}
	want := "create take escalate assign reject reassign solve propose_knowledge close"
	if got := strings.Trim(strings.Join(strings.Fields(strings.Trim(fmtActions(actions), "[]")), " "), " "); got != want {
		t.Errorf("path %s, want %s", got, want)
	}
	for _, e := range v.Path {
		if e.Action == ticketing.ActReject && (e.Reason == "" || e.SuggestedOffice != right || e.Actor != "test-level2") {
			t.Errorf("reject step %+v", e)
		}
	}
	// The solution without a pill is a knowledge gap.
	var gaps []ticketing.Gap
	decode(t, f.do(t, http.MethodGet, "/api/tickets/gaps", role.Administrator, nil), &gaps)
	if len(gaps) != 1 || gaps[0].Tickets[0] != tk.Number {
		t.Errorf("gaps %+v", gaps)
	}
	// The ticket page shows the path, the reason and no buttons for a closed ticket.
	page := f.do(t, http.MethodGet, "/ticket/"+tk.Number, role.Supervisor, nil)
	f.want(t, page, http.StatusOK)
	for _, s := range []string{"Non è di nostra competenza", "Chiusa", "contributo tetto", i18n.T("tk.page.noActions")} {
		if !strings.Contains(page.Body, esc(s)) {
			t.Errorf("ticket page lacks %q", s)
		}
	}
}

func fmtActions(a []ticketing.Action) string {
	var b strings.Builder
	for _, x := range a {
		b.WriteString(string(x) + " ")
	}
	return b.String()
}

// TestTicketIncompleteHTTP: the incomplete request of TK-13 without outbound email is a plain
// transition, and resume returns the ticket where it was.
func TestTicketIncompleteHTTP(t *testing.T) {
	f := newTicketFixture(t)
	tk := f.create(t, "Domanda senza allegati")
	f.step(t, tk.Number, role.Operator, map[string]any{"action": "take"}, http.StatusOK)
	f.step(t, tk.Number, role.Operator, map[string]any{"action": "request_data"}, http.StatusBadRequest)
	got := f.step(t, tk.Number, role.Operator, map[string]any{"action": "request_data", "reason": "copia del documento"}, http.StatusOK)
	if got.State != ticketing.StateIncomplete {
		t.Fatalf("state %s", got.State)
	}
	got = f.step(t, tk.Number, role.Backoffice, map[string]any{"action": "resume"}, http.StatusOK)
	if got.State != ticketing.StateInProgress {
		t.Fatalf("resumed to %s", got.State)
	}
	f.step(t, tk.Number, role.Auditor, map[string]any{"action": "close"}, http.StatusForbidden)
	f.step(t, tk.Number, role.Operator, map[string]any{"action": "nonsense"}, http.StatusBadRequest)
}

// TestTicketForms drives the pages as a browser without JavaScript would: the console form
// solved with a pill, a step from the ticket page's buttons, and the error page of a refusal.
func TestTicketForms(t *testing.T) {
	f := newTicketFixture(t)
	r := f.do(t, http.MethodPost, "/ticket/nuovo", role.Operator, url.Values{"name": {"Luca Bianchi"}, "phone": {"3331234567"},
		"channel": {"phone"}, "description": {"Orari dello sportello"}, "pill": {f.pill.IRI}})
	f.want(t, r, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, "/ticket/RS-") {
		t.Fatalf("redirect to %q", loc)
	}
	page := f.do(t, http.MethodGet, loc, role.Operator, nil)
	f.want(t, page, http.StatusOK)
	if !strings.Contains(page.Body, `id="tk-first"`) || !strings.Contains(page.Body, "Risolto I Livello") {
		t.Errorf("solved ticket page: %s", page.Body)
	}
	// The caller is found again by phone on the console.
	console := f.do(t, http.MethodGet, "/ticket/nuovo?cerca=3331234567", role.Operator, nil)
	f.want(t, console, http.StatusOK)
	if !strings.Contains(console.Body, "Luca Bianchi") {
		t.Error("caller lookup does not find the citizen by phone")
	}
	// Escalate from the console with the searches, then a refused step from the page.
	r = f.do(t, http.MethodPost, "/ticket/nuovo", role.Operator, url.Values{"name": {"Anna Verdi"}, "email": {"anna@example.it"},
		"channel": {"phone"}, "description": {"Caso particolare"}, "do": {"escalate"}, "queries": {"caso particolare\nrimborso"}})
	f.want(t, r, http.StatusSeeOther)
	number := strings.TrimPrefix(r.Header.Get("Location"), "/ticket/")
	r = f.do(t, http.MethodPost, "/ticket/"+number+"/azione", role.Operator, url.Values{"action": {"assign"}, "office": {f.offices[0].IRI}})
	f.want(t, r, http.StatusForbidden)
	if !strings.Contains(r.Body, esc(i18n.T("tk.err.role", webtickets.ActionLabel(ticketing.ActAssign)))) {
		t.Errorf("403 page lacks the Italian reason: %s", r.Body)
	}
	r = f.do(t, http.MethodPost, "/ticket/"+number+"/azione", role.Backoffice, url.Values{"action": {"assign"}, "office": {f.offices[0].IRI}})
	f.want(t, r, http.StatusSeeOther)
	tk, err := f.st.TicketByNumber(context.Background(), number)
	if err != nil || tk.State != ticketing.StateAssigned {
		t.Fatalf("after the form: %+v %v", tk, err)
	}
	// Every page renders for the roles that may read it.
	for _, p := range []string{"/ticket", "/ticket?inbox=0&state=assigned", "/ticket/nuovo", "/ticket/" + number,
		"/ticket/richiamate", "/cittadini?q=Verdi", "/cittadini/1"} {
		for _, who := range []role.Role{role.Operator, role.Backoffice, role.Level2, role.Supervisor} {
			if r := f.do(t, http.MethodGet, p, who, nil); r.Status != http.StatusOK {
				t.Errorf("%s as %s: %d", p, who, r.Status)
			}
		}
	}
	for _, p := range []string{"/lacune", "/ticket/indicatori"} {
		if r := f.do(t, http.MethodGet, p, role.Administrator, nil); r.Status != http.StatusOK {
			t.Errorf("%s: %d %s", p, r.Status, r.Body)
		}
	}
}

// TestTicketExportXLSX: the lists download as workbooks that excelize opens, with the rows of
// the filter.
func TestTicketExportXLSX(t *testing.T) {
	f := newTicketFixture(t)
	a := f.create(t, "Prima richiesta")
	f.create(t, "Seconda richiesta")
	f.step(t, a.Number, role.Operator, map[string]any{"action": "escalate", "queries": []string{"prima"}}, http.StatusOK)
	for _, tc := range []struct {
		path string
		rows int // data rows
	}{
		{"/ticket?inbox=0&formato=xlsx", 2},
		{"/ticket?inbox=0&state=escalated&formato=xlsx", 1},
		{"/api/tickets/export?state=new", 1},
		{"/cittadini/1?formato=xlsx", 2},
		{"/lacune?formato=xlsx", 0},
		{"/ticket/richiamate?formato=xlsx", 0},
	} {
		r := f.do(t, http.MethodGet, tc.path, role.Supervisor, nil)
		f.want(t, r, http.StatusOK)
		if !strings.Contains(r.Header.Get("Content-Disposition"), ".xlsx") {
			t.Errorf("%s: disposition %q", tc.path, r.Header.Get("Content-Disposition"))
		}
		x, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatalf("%s: excelize: %v", tc.path, err)
		}
		rows, err := x.GetRows(x.GetSheetList()[0])
		x.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows)-1 != tc.rows {
			t.Errorf("%s: %d data rows, want %d", tc.path, len(rows)-1, tc.rows)
		}
		if tc.rows > 0 && rows[0][0] != "Numero" {
			t.Errorf("%s: header %v", tc.path, rows[0])
		}
	}
}

// TestTicketAttachmentsCallbacksCitizens covers the rest of the API: upload and download with
// the safe headers, a refused file type, callbacks scheduled, due and attempted, citizens found,
// a duplicate refused with 409 and two records merged.
func TestTicketAttachmentsCallbacksCitizens(t *testing.T) {
	f := newTicketFixture(t)
	tk := f.create(t, "Con allegato")
	upload := func(name string, data []byte) response {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", name)
		fw.Write(data)
		w.Close()
		req := httptest.NewRequest(http.MethodPost, "/api/tickets/"+tk.Number+"/attachments", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("X-Test-Role", string(role.Backoffice))
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		return response{rec.Code, rec.Result().Header, rec.Body.String()}
	}
	r := upload("../../nota.txt", []byte("testo della nota\n"))
	f.want(t, r, http.StatusCreated)
	var a ticketing.Attachment
	decode(t, r, &a)
	if a.Name != "nota.txt" {
		t.Errorf("stored name %q", a.Name)
	}
	f.want(t, upload("virus.exe", []byte("MZ\x90\x00")), http.StatusBadRequest)
	d := f.do(t, http.MethodGet, "/api/attachments/1", role.Operator, nil)
	f.want(t, d, http.StatusOK)
	if d.Body != "testo della nota\n" || !strings.HasPrefix(d.Header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(d.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("download: %q %v", d.Body, d.Header)
	}

	r = f.do(t, http.MethodPost, "/api/tickets/"+tk.Number+"/callbacks", role.Operator,
		map[string]any{"number": "0544 111222", "due": "2020-01-02T10:00:00+01:00"})
	f.want(t, r, http.StatusCreated)
	var cb ticketing.Callback
	decode(t, r, &cb)
	var due []ticketing.Callback
	decode(t, f.do(t, http.MethodGet, "/api/callbacks/due", role.Operator, nil), &due)
	if len(due) != 1 || due[0].ID != cb.ID {
		t.Fatalf("due %+v", due)
	}
	r = f.do(t, http.MethodPost, "/api/callbacks/"+tkItoa(cb.ID)+"/attempts", role.Operator, map[string]any{"reached": true, "outcome": "richiamato"})
	f.want(t, r, http.StatusOK)
	decode(t, r, &cb)
	if cb.State != ticketing.CallbackDone {
		t.Errorf("after the attempt: %+v", cb)
	}
	f.want(t, f.do(t, http.MethodPost, "/api/tickets/"+tk.Number+"/callbacks", role.Operator, map[string]any{"number": "abc"}), http.StatusBadRequest)
	// The callbacks page lists a due task and records a failed try from its form.
	r = f.do(t, http.MethodPost, "/api/tickets/"+tk.Number+"/callbacks", role.Operator, map[string]any{"number": "0544 111222", "due": "2020-01-03T10:00"})
	f.want(t, r, http.StatusCreated)
	decode(t, r, &cb)
	page := f.do(t, http.MethodGet, "/ticket/richiamate", role.Operator, nil)
	if !strings.Contains(page.Body, "/ticket/richiamate/"+tkItoa(cb.ID)+"/tentativo") {
		t.Errorf("callbacks page lacks the task: %s", page.Body)
	}
	// An empty form is no attempt: the page comes back with the message beside the task's
	// outcome, and nothing is counted; a refused outcome (too long) is kept as typed.
	empty := f.do(t, http.MethodPost, "/ticket/richiamate/"+tkItoa(cb.ID)+"/tentativo", role.Operator, url.Values{"reached": {"0"}, "outcome": {"  "}})
	f.want(t, empty, http.StatusBadRequest)
	errID := "cb-outcome-" + tkItoa(cb.ID) + "-err"
	if !strings.Contains(empty.Body, `id="`+errID+`"`) || !strings.Contains(empty.Body, `aria-describedby="`+errID+`"`) ||
		!strings.Contains(empty.Body, "indicare l&#39;esito") || !strings.Contains(empty.Body, `<h1>`) {
		t.Errorf("an empty attempt: the page without the message beside the field:\n%s", empty.Body)
	}
	long := strings.Repeat("occupato ", 200)
	r = f.do(t, http.MethodPost, "/ticket/richiamate/"+tkItoa(cb.ID)+"/tentativo", role.Operator, url.Values{"reached": {"0"}, "outcome": {long}})
	f.want(t, r, http.StatusBadRequest)
	if !strings.Contains(r.Body, `value="`+strings.TrimSpace(long)+`"`) {
		t.Errorf("a refused outcome was not kept as typed")
	}
	var before []ticketing.Callback
	decode(t, f.do(t, http.MethodGet, "/api/tickets/"+tk.Number+"/callbacks", role.Operator, nil), &before)
	if len(before) != 2 || before[1].Attempts != 0 {
		t.Errorf("refused attempts were counted: %+v", before)
	}
	f.want(t, f.do(t, http.MethodPost, "/ticket/richiamate/"+tkItoa(cb.ID)+"/tentativo", role.Operator, url.Values{"reached": {"0"}, "outcome": {"occupato"}}), http.StatusSeeOther)
	var cbs []ticketing.Callback
	decode(t, f.do(t, http.MethodGet, "/api/tickets/"+tk.Number+"/callbacks", role.Operator, nil), &cbs)
	if len(cbs) != 2 || cbs[1].Attempts != 1 || cbs[1].State != ticketing.CallbackPending {
		t.Errorf("after a failed try: %+v", cbs)
	}

	var found []ticketing.Citizen
	decode(t, f.do(t, http.MethodGet, "/api/citizens?q=0544111222", role.Operator, nil), &found)
	if len(found) != 1 || found[0].Name != "Maria Rossi" {
		t.Fatalf("found %+v", found)
	}
	check, err := ticketing.TaxCodeCheck("RSSMRA85T10A562")
	if err != nil {
		t.Fatal(err)
	}
	code := "RSSMRA85T10A562" + string(check)
	f.want(t, f.do(t, http.MethodPost, "/api/citizens", role.Operator, map[string]any{"name": "Mario Rossi", "taxCode": code}), http.StatusCreated)
	r = f.do(t, http.MethodPost, "/api/citizens", role.Operator, map[string]any{"name": "M. Rossi", "taxCode": strings.ToLower(code)})
	f.want(t, r, http.StatusConflict)
	if !strings.Contains(r.Body, "codice fiscale") {
		t.Errorf("409 does not say why: %s", r.Body)
	}
	f.want(t, f.do(t, http.MethodPost, "/api/citizens", role.Operator, map[string]any{"name": "X", "taxCode": "RSSMRA85T10A562A"}), http.StatusBadRequest)
	r = f.do(t, http.MethodPost, "/api/citizens", role.Operator, map[string]any{"name": "M. Rossi", "emails": []string{"maria@example.it"}})
	f.want(t, r, http.StatusCreated)
	var other ticketing.Citizen
	decode(t, r, &other)
	f.want(t, f.do(t, http.MethodPost, "/api/citizens/"+tkItoa(found[0].ID)+"/merge", role.Operator, map[string]any{"drop": other.ID}), http.StatusForbidden)
	r = f.do(t, http.MethodPost, "/api/citizens/"+tkItoa(found[0].ID)+"/merge", role.Backoffice, map[string]any{"drop": other.ID})
	f.want(t, r, http.StatusOK)
	var merged ticketing.Citizen
	decode(t, r, &merged)
	if len(merged.Emails) != 1 || merged.Emails[0] != "maria@example.it" {
		t.Errorf("merged %+v", merged)
	}
	var cv webtickets.CitizenView
	decode(t, f.do(t, http.MethodGet, "/api/citizens/"+tkItoa(found[0].ID), role.Auditor, nil), &cv)
	if len(cv.Tickets) != 1 || cv.Tickets[0].Number != tk.Number {
		t.Errorf("citizen view %+v", cv.Tickets)
	}
}

func tkItoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestPublicRequest is TK-18: anyone files a request on /richiesta and reads its status with
// the number and the email; a wrong email gets the same answer as a wrong number.
func TestPublicRequest(t *testing.T) {
	f := newTicketFixture(t)
	page := f.do(t, http.MethodGet, "/richiesta", role.Anonymous, nil)
	f.want(t, page, http.StatusOK)
	r := f.do(t, http.MethodPost, "/richiesta", role.Anonymous, url.Values{"name": {"Giulia Neri"}, "email": {"giulia@example.it"},
		"subject": {"Borsa di studio"}, "description": {"Quando esce la graduatoria?"}, "consent": {"1"}})
	f.want(t, r, http.StatusSeeOther)
	number := strings.TrimPrefix(r.Header.Get("Location"), "/richiesta?numero=")
	if !strings.HasPrefix(number, "RS-") {
		t.Fatalf("redirect %q", r.Header.Get("Location"))
	}
	done := f.do(t, http.MethodGet, r.Header.Get("Location"), role.Anonymous, nil)
	if !strings.Contains(done.Body, number) {
		t.Error("the page does not show the number")
	}
	st := f.do(t, http.MethodGet, "/richiesta/stato?numero="+number+"&email=GIULIA@example.it", role.Anonymous, nil)
	f.want(t, st, http.StatusOK)
	if !strings.Contains(st.Body, `id="tk-status"`) || !strings.Contains(st.Body, "Nuova") {
		t.Errorf("status page: %s", st.Body)
	}
	wrong := f.do(t, http.MethodGet, "/richiesta/stato?numero="+number+"&email=altro@example.it", role.Anonymous, nil)
	none := f.do(t, http.MethodGet, "/richiesta/stato?numero=RS-2000-000999&email=giulia@example.it", role.Anonymous, nil)
	f.want(t, wrong, http.StatusNotFound)
	f.want(t, none, http.StatusNotFound)
	if !strings.Contains(wrong.Body, esc(i18n.T("tk.public.notFound"))) || !strings.Contains(none.Body, esc(i18n.T("tk.public.notFound"))) {
		t.Error("wrong email and wrong number must read the same")
	}
	// Invalid input shows the form again with the reason and what was typed.
	bad := f.do(t, http.MethodPost, "/richiesta", role.Anonymous, url.Values{"email": {"non-valida"}, "description": {"testo conservato"}, "consent": {"1"}})
	f.want(t, bad, http.StatusBadRequest)
	if !strings.Contains(bad.Body, "testo conservato") || !strings.Contains(bad.Body, `id="tk-error"`) {
		t.Errorf("bad form: %s", bad.Body)
	}
	// The JSON twin.
	r = f.do(t, http.MethodPost, "/api/public/requests", role.Anonymous, map[string]any{"name": "Ugo", "email": "x@example.it", "description": "Domanda", "consent": true})
	f.want(t, r, http.StatusCreated)
	var out map[string]string
	decode(t, r, &out)
	var ps public.Status
	decode(t, f.do(t, http.MethodGet, "/api/public/status?number="+out["number"]+"&email=x@example.it", role.Anonymous, nil), &ps)
	if ps.Number != out["number"] || ps.State != "Nuova" || len(ps.Steps) != 1 {
		t.Errorf("public status %+v", ps)
	}
	if strings.Contains(mustJSON(ps), "sistema") {
		t.Error("the public status leaks the actor")
	}
}

// TestProposeIntoWorkflow is the KCS loop with the approval workflow (KB-2, KB-9): level 2
// opens the short form prefilled from the solved ticket, edits it and proposes; the proposal is
// a draft in the publishers' workspace linked to its ticket (not in the validators' queue), with
// keywords that are words; the publisher completes and submits it, a validator approves it. A
// ticket answered with a pill puts the new answer in a draft version of that pill while the
// published one stays live, and its version number only grows.
func TestProposeIntoWorkflow(t *testing.T) {
	f := newTicketFixture(t)
	ctx := context.Background()
	db, err := sqldb.Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wf, err := kb.NewWorkflow(ctx, f.kb, db)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = New(Config{Auth: headerAuth{}}, Deps{Store: f.kb, Tickets: f.st, Workflow: wf})
	f.h = f.srv.Handler()
	concepts, err := f.kb.Concepts(ctx)
	if err != nil || len(concepts) == 0 {
		t.Fatal("the demo has no tree", err)
	}
	category := concepts[len(concepts)-1]

	tk := f.create(t, "Buongiorno, volevo sapere come si rinnova il contrassegno disabili scaduto per mia madre")
	f.do(t, http.MethodPost, "/api/tickets/"+tk.Number+"/escalate", role.Operator, map[string]any{"queries": []string{"contrassegno"}})
	f.step(t, tk.Number, role.Backoffice, map[string]any{"action": "assign", "office": f.offices[0].IRI}, http.StatusOK)
	f.step(t, tk.Number, role.Level2, map[string]any{"action": "solve", "reason": "Il cittadino è stato richiamato: si rinnova con il certificato del medico curante."}, http.StatusOK)

	// The form: prefilled from the ticket, for level 2 and not for operators.
	f.want(t, f.do(t, http.MethodGet, "/ticket/"+tk.Number+"/proponi", role.Operator, nil), http.StatusForbidden)
	page := f.do(t, http.MethodGet, "/ticket/"+tk.Number+"/proponi", role.Level2, nil)
	f.want(t, page, http.StatusOK)
	for _, s := range []string{"contrassegno disabili scaduto", "certificato del medico curante", `name="category"`, `name="office"`, template.HTMLEscapeString(f.offices[0].Name)} {
		if !strings.Contains(page.Body, s) {
			t.Errorf("the proposal form lacks %q", s)
		}
	}
	r := f.do(t, http.MethodPost, "/ticket/"+tk.Number+"/proponi", role.Level2, url.Values{
		"title": {"Rinnovo del contrassegno disabili"}, "question": {"Come si rinnova il contrassegno disabili scaduto?"},
		"answer":   {"Si rinnova con il certificato del medico curante.\n\nLa domanda si presenta al Comune."},
		"category": {category.IRI}, "office": {f.offices[1].IRI}})
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "proposta=") {
		t.Fatalf("propose form: %d %s %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	path := mustPath(t, f, tk.Number)
	iri := path[len(path)-1].Pill
	rec, err := wf.Record(ctx, iri)
	if err != nil {
		t.Fatal(err)
	}
	v := rec.Open()
	if v == nil || v.Status != kb.StatusDraft || v.Submitted != nil {
		t.Fatalf("the proposal is not a draft for the publishers: %+v", v)
	}
	p := v.Content
	if p.Question != "Come si rinnova il contrassegno disabili scaduto?" || !strings.Contains(p.Answer, "<p>La domanda si presenta al Comune.</p>") ||
		len(p.Concepts) != 1 || p.Concepts[0] != category.IRI || p.Office != f.offices[1].IRI || strings.Contains(p.Answer, "richiamato") {
		t.Errorf("the proposal is not what level 2 wrote: %+v", p)
	}
	for _, k := range p.Keywords {
		if !strings.Contains(strings.ToLower(p.Title+" "+p.Question), k) {
			t.Errorf("keyword %q is not a word of the question (%v)", k, p.Keywords)
		}
	}
	queue, _ := wf.Open(ctx, kb.StatusSubmitted)
	for _, o := range queue {
		if o.IRI == iri {
			t.Errorf("the proposal reached the validators")
		}
	}
	var ws kb.Workspace
	decode(t, f.do(t, http.MethodGet, "/api/workflow/workspace", role.Publisher, nil), &ws)
	found := false
	for _, pr := range ws.Proposals {
		found = found || pr.IRI == iri && len(pr.Tickets) == 1 && pr.Tickets[0] == tk.Number
	}
	if !found {
		t.Errorf("the publisher's workspace lacks the proposal linked to %s: %+v", tk.Number, ws.Proposals)
	}
	// The publisher submits it, a validator approves it.
	id := localIDOf(iri)
	f.want(t, f.do(t, http.MethodPost, "/api/workflow/pills/"+id+"/versions/1/submit", role.Publisher, nil), http.StatusOK)
	f.want(t, f.do(t, http.MethodPost, "/api/workflow/pills/"+id+"/versions/1/approve", role.Validator, nil), http.StatusOK)
	if live, err := f.kb.Pill(ctx, iri); err != nil || live.Status != kb.StatusPublished {
		t.Errorf("after approval: %v %+v", err, live)
	}

	known := f.create(t, "Bollo auto")
	f.do(t, http.MethodPost, "/api/tickets/"+known.Number+"/answer", role.Operator, map[string]string{"pill": f.pill.IRI})
	before, _ := wf.Record(ctx, f.pill.IRI)
	r = f.do(t, http.MethodPost, "/api/tickets/"+known.Number+"/propose", role.Backoffice, map[string]string{"answer": "Si paga anche con pagoPA."})
	f.want(t, r, http.StatusCreated)
	var prop ticketing.Proposal
	decode(t, r, &prop)
	if !prop.Written || !prop.Revision || prop.Pill.IRI != f.pill.IRI || prop.Pill.Version <= len(before.Versions)-1 || !strings.Contains(prop.Pill.Notes, "pagoPA") {
		t.Fatalf("revision %+v (the record had %d versions)", prop.Pill, len(before.Versions))
	}
	rec, err = wf.Record(ctx, f.pill.IRI)
	if err != nil {
		t.Fatal(err)
	}
	if v := rec.Open(); v == nil || v.Status != kb.StatusDraft {
		t.Fatalf("revision not a draft: %+v", rec.Open())
	}
	if live := rec.LivePill(); live == nil || live.Status != kb.StatusPublished {
		t.Errorf("the published version is no longer live: %+v", live)
	}
	// A second proposal goes into the same draft: its number does not change.
	r = f.do(t, http.MethodPost, "/api/tickets/"+known.Number+"/propose", role.Backoffice, nil)
	f.want(t, r, http.StatusCreated)
	var again ticketing.Proposal
	decode(t, r, &again)
	if again.Pill.Version != prop.Pill.Version {
		t.Errorf("second proposal: version %d, then %d", prop.Pill.Version, again.Pill.Version)
	}
}

// TestEmptyPostsOpenNoTicket: the empty POSTs of the old console — to the API, the console's
// form, the public form — are refused (400, the form again where there is one) and leave no
// ticket behind (issue 16: "no ticket without a description or contact").
func TestEmptyPostsOpenNoTicket(t *testing.T) {
	f := newTicketFixture(t)
	ctx := context.Background()
	count := func() int {
		t.Helper()
		list, err := f.st.List(ctx, ticketing.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	before := count()
	blank := url.Values{"subject": {"  "}, "description": {"\n\t"}, "channel": {"phone"}, "tk-name": {""}}
	for _, c := range []struct {
		path string
		who  role.Role
		body any
	}{
		{"/api/tickets", role.Operator, nil},
		{"/api/tickets", role.Operator, map[string]any{}},
		{"/api/tickets", role.Operator, map[string]any{"channel": "phone", "subject": " ", "description": " "}},
		{"/api/tickets", role.Backoffice, map[string]any{"channel": "phone", "citizen": map[string]any{"name": "Mario Rossi"}}},
		{"/ticket/nuovo", role.Operator, url.Values{}},
		{"/ticket/nuovo", role.Operator, blank},
		{"/richiesta", role.Anonymous, url.Values{}},
	} {
		r := f.do(t, http.MethodPost, c.path, c.who, c.body)
		if r.Status != http.StatusBadRequest {
			t.Errorf("POST %s %v as %s: %d, want 400\n%.300s", c.path, c.body, c.who, r.Status, r.Body)
		}
	}
	if n := count(); n != before {
		t.Errorf("empty POSTs opened %d tickets", n-before)
	}
}
