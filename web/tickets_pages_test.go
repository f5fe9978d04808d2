package web

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/internal/sqldb"
	"sportello/ticketing"
)

// relayMail is the product's own SMTP server standing in for the Administration's relay: what
// Sportello sends out arrives here.
type relayMail struct {
	mu   sync.Mutex
	got  []string // each message, raw
	addr string
}

func startRelayMail(t *testing.T) *relayMail {
	t.Helper()
	r := &relayMail{}
	srv := &ticketing.SMTPServer{Domain: "relay.test", Deliver: func(_ context.Context, _ string, _ []string, data []byte) error {
		r.mu.Lock()
		r.got = append(r.got, string(data))
		r.mu.Unlock()
		return nil
	}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	r.addr = l.Addr().String()
	return r
}

func (r *relayMail) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// newMailTicketFixture is newTicketFixture with outbound mail through a relay, the knowledge
// base's pills for replies, and the directory of offices.
func newMailTicketFixture(t *testing.T) (*tkFixture, *relayMail) {
	t.Helper()
	f := newTicketFixture(t) // loads the shared demo knowledge base
	rel := startRelayMail(t)
	dir := t.TempDir()
	db, err := sqldb.Open("", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := ticketing.Open(context.Background(), db, ticketing.Config{DataDir: dir, Pills: tkKB,
		Offices: ticketing.OfficesFromKB(tkKB), Mail: &ticketing.Mailer{Relay: rel.addr, From: "Contact Center <urp@valdoria.example>",
			Service: "Contact Center Regione Valdoria"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range f.offices {
		if _, err := st.AddMember(context.Background(), u.IRI, "test-"+string(role.Level2), ticketing.AsOffice, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	f.st = st
	f.srv = New(Config{Auth: headerAuth{}}, Deps{Store: tkKB, Tickets: st})
	f.h = f.srv.Handler()
	return f, rel
}

// TestTicketPageForms: the ticket page has one form per action the caller may take now, with
// that action's fields only; a refused form comes back open with what was typed and the message
// beside its field; a refusal of the office says so in Italian; each step lands in the path.
func TestTicketPageForms(t *testing.T) {
	f := newTicketFixture(t)
	tk := f.create(t, "Contributo per il tetto dell'agriturismo")
	page := f.do(t, http.MethodGet, "/ticket/"+tk.Number, role.Operator, nil)
	f.want(t, page, http.StatusOK)
	for _, want := range []string{`id="act-take"`, `id="act-solve_l1"`, `id="act-escalate"`, `id="act-request_data"`, `data-pillpick`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("operator's page lacks %s", want)
		}
	}
	for _, not := range []string{`id="act-assign"`, `id="act-reject"`, `id="act-reassign"`, "codice o IRI"} {
		if strings.Contains(page.Body, not) {
			t.Errorf("operator's page has %s", not)
		}
	}
	if page := f.do(t, http.MethodGet, "/ticket/"+tk.Number, role.Auditor, nil); strings.Contains(page.Body, `name="action"`) ||
		strings.Contains(page.Body, `action="/ticket/`+tk.Number+`/note"`) {
		t.Error("the auditor gets forms")
	}
	post := func(who role.Role, path string, v url.Values) response {
		t.Helper()
		return f.do(t, http.MethodPost, path, who, v)
	}
	// Escalating without saying what was searched: the form comes back with the note typed.
	r := post(role.Operator, "/ticket/"+tk.Number+"/azione", url.Values{"action": {"escalate"}, "reason": {"nota da conservare"}})
	f.want(t, r, http.StatusBadRequest)
	for _, want := range []string{`id="f-escalate-queries-err"`, "nota da conservare", `<details class="tk-act" id="act-escalate" open>`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("refused escalation lacks %s", want)
		}
	}
	f.want(t, post(role.Operator, "/ticket/"+tk.Number+"/azione", url.Values{"action": {"escalate"}, "queries": {"contributo tetto\nagriturismo"}}), http.StatusSeeOther)
	f.want(t, post(role.Backoffice, "/ticket/"+tk.Number+"/azione", url.Values{"action": {"assign"}, "office": {f.offices[0].IRI}}), http.StatusSeeOther)

	// A level-2 user who is not a member of the office sees no buttons and is refused with the
	// office's name.
	page = f.do(t, http.MethodGet, "/ticket/"+tk.Number, role.Level2, nil)
	if !strings.Contains(page.Body, `id="act-reject"`) || !strings.Contains(page.Body, `id="act-claim"`) {
		t.Errorf("the member's page lacks reject/claim")
	}
	// Rejecting without a reason keeps the suggested office chosen.
	r = post(role.Level2, "/ticket/"+tk.Number+"/azione", url.Values{"action": {"reject"}, "suggestedOffice": {f.offices[1].IRI}})
	f.want(t, r, http.StatusBadRequest)
	if !strings.Contains(r.Body, `<option value="`+f.offices[1].IRI+`" selected>`) || !strings.Contains(r.Body, `id="f-reject-reason-err"`) {
		t.Errorf("refused rejection does not keep the office:\n%s", r.Body)
	}
	if err := f.st.RemoveMember(context.Background(), f.offices[0].IRI, "test-level2", "admin"); err != nil {
		t.Fatal(err)
	}
	page = f.do(t, http.MethodGet, "/ticket/"+tk.Number, role.Level2, nil)
	if strings.Contains(page.Body, `id="act-reject"`) {
		t.Error("a non-member gets the reject form")
	}
	r = post(role.Level2, "/ticket/"+tk.Number+"/azione", url.Values{"action": {"reject"}, "reason": {"non nostro"}})
	f.want(t, r, http.StatusForbidden)
	if !strings.Contains(r.Body, "non fa parte dell&#39;ufficio") || !strings.Contains(r.Body, `id="tk-refused"`) {
		t.Errorf("the non-member's refusal is not explained:\n%.3000s", r.Body)
	}
	if _, err := f.st.AddMember(context.Background(), f.offices[0].IRI, "test-level2", ticketing.AsOffice, "admin"); err != nil {
		t.Fatal(err)
	}
	f.want(t, post(role.Level2, "/ticket/"+tk.Number+"/azione", url.Values{"action": {"reject"}, "reason": {"Non è di nostra competenza"},
		"suggestedOffice": {f.offices[1].IRI}}), http.StatusSeeOther)
	// Level 3's queue has it, with the suggested office preselected for the reassignment.
	q := f.do(t, http.MethodGet, "/ticket/respinte", role.Supervisor, nil)
	f.want(t, q, http.StatusOK)
	if !strings.Contains(q.Body, tk.Number) || !strings.Contains(q.Body, "Non è di nostra competenza") ||
		!strings.Contains(q.Body, `<option value="`+f.offices[1].IRI+`" selected>`) {
		t.Errorf("level 3's queue:\n%s", q.Body)
	}
	f.want(t, post(role.Supervisor, "/ticket/"+tk.Number+"/azione", url.Values{"action": {"reassign"}, "office": {f.offices[1].IRI}}), http.StatusSeeOther)
	// The new office's queue has it, and its member solves it with a typed answer.
	oq := f.do(t, http.MethodGet, "/ticket/uffici/"+url.PathEscape(localIDOf(f.offices[1].IRI)), role.Level2, nil)
	f.want(t, oq, http.StatusOK)
	if !strings.Contains(oq.Body, tk.Number) {
		t.Errorf("the office's queue lacks the ticket")
	}
	mq := f.do(t, http.MethodGet, "/ticket/uffici", role.Level2, nil)
	if !strings.Contains(mq.Body, `id="tk-queues"`) || !strings.Contains(mq.Body, tk.Number) {
		t.Errorf("the member's queues:\n%.2000s", mq.Body)
	}
	f.want(t, post(role.Level2, "/ticket/"+tk.Number+"/azione", url.Values{"action": {"claim"}}), http.StatusSeeOther)
	f.want(t, post(role.Level2, "/ticket/"+tk.Number+"/azione", url.Values{"action": {"solve"}, "reason": {"Con il modulo B entro giugno."}}), http.StatusSeeOther)
	page = f.do(t, http.MethodGet, "/ticket/"+tk.Number+"?ok=solve", role.Supervisor, nil)
	var path []string
	for _, e := range mustPath(t, f, tk.Number) {
		path = append(path, string(e.Action))
	}
	if got := strings.Join(path, " "); got != "create escalate assign reject reassign claim solve" {
		t.Errorf("path %s", got)
	}
	for _, want := range []string{"Non è di nostra competenza", "Con il modulo B", i18n.T("tk.page.done", "Risolvi")} {
		if !strings.Contains(page.Body, esc(want)) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func timeNowForTests() time.Time { return time.Now() }

func localIDOf(iri string) string {
	if i := strings.LastIndexAny(iri, "/#"); i >= 0 {
		return iri[i+1:]
	}
	return iri
}

func mustPath(t *testing.T, f *tkFixture, number string) []ticketing.Event {
	t.Helper()
	tk, err := f.st.TicketByNumber(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.st.Path(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestNewTicketKeepsTheForm: a refused console form comes back with everything typed and each
// message beside its field — a tax code with a wrong check character, a request without a
// description or without anyone to answer — and nothing is written.
func TestNewTicketKeepsTheForm(t *testing.T) {
	f := newTicketFixture(t)
	check, err := ticketing.TaxCodeCheck("RSSMRA85T10A562")
	if err != nil {
		t.Fatal(err)
	}
	wrong := "RSSMRA85T10A562" + string("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZ", byte(check))+1)%26])
	v := url.Values{"name": {"Mario Rossi"}, "taxCode": {wrong}, "phone": {"333 1234567"}, "email": {"mario@example.it"},
		"channel": {"counter"}, "priority": {"high"}, "subject": {"Bollo auto"}, "description": {"Descrizione lunga da non perdere"},
		"queries": {"bollo auto"}}
	r := f.do(t, http.MethodPost, "/ticket/nuovo", role.Operator, v)
	f.want(t, r, http.StatusBadRequest)
	for _, want := range []string{`id="tk-taxcode-err"`, `value="` + wrong + `"`, `value="Mario Rossi"`, `value="333 1234567"`,
		`value="mario@example.it"`, `<option value="counter" selected>`, `<option value="high" selected>`, `value="Bollo auto"`,
		"Descrizione lunga da non perdere", `id="tk-errors"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the refused form lacks %s", want)
		}
	}
	r = f.do(t, http.MethodPost, "/ticket/nuovo", role.Operator, url.Values{"channel": {"phone"}})
	f.want(t, r, http.StatusBadRequest)
	if !strings.Contains(r.Body, `id="tk-contact-err"`) || !strings.Contains(r.Body, `id="tk-description-err"`) {
		t.Errorf("empty form: %s", r.Body)
	}
	r = f.do(t, http.MethodPost, "/ticket/nuovo", role.Operator, url.Values{"name": {"Anna Verdi"}, "channel": {"phone"}})
	f.want(t, r, http.StatusBadRequest)
	if !strings.Contains(r.Body, `id="tk-description-err"`) || !strings.Contains(r.Body, `value="Anna Verdi"`) {
		t.Errorf("no description: %s", r.Body)
	}
	pg, err := f.st.Search(context.Background(), ticketing.Query{}, timeNowForTests())
	if err != nil || pg.Total != 0 {
		t.Errorf("refused forms wrote tickets: %+v %v", pg, err)
	}
	if found, _ := f.st.FindCitizen(context.Background(), "Anna Verdi"); len(found) != 0 {
		t.Errorf("a refused form registered the caller: %+v", found)
	}
	// The same form, corrected, goes through.
	v.Set("taxCode", "RSSMRA85T10A562"+string(check))
	f.want(t, f.do(t, http.MethodPost, "/ticket/nuovo", role.Operator, v), http.StatusSeeOther)
}

// TestInboxSearchSortPages: the inbox searches the text, filters, sorts and pages with the
// bounded page size, and says how many there are.
func TestInboxSearchSortPages(t *testing.T) {
	f := newTicketFixture(t)
	for i := 0; i < 30; i++ {
		desc := "Richiesta generica"
		if i%10 == 0 {
			desc = "Cambio di residenza e carta d'identità"
		}
		f.create(t, desc)
	}
	r := f.do(t, http.MethodGet, "/ticket?inbox=0", role.Supervisor, nil)
	f.want(t, r, http.StatusOK)
	if !strings.Contains(r.Body, "30 richieste") || strings.Count(r.Body, `<tr class=`) != 25 || !strings.Contains(r.Body, `rel="next"`) {
		t.Errorf("first page: %d rows", strings.Count(r.Body, `<tr class=`))
	}
	r = f.do(t, http.MethodGet, "/ticket?inbox=0&page=2", role.Supervisor, nil)
	if strings.Count(r.Body, `<tr class=`) != 5 || !strings.Contains(r.Body, `rel="prev"`) {
		t.Errorf("second page: %d rows", strings.Count(r.Body, `<tr class=`))
	}
	r = f.do(t, http.MethodGet, "/ticket?inbox=0&q=RESIDENZA+identita", role.Supervisor, nil)
	if strings.Count(r.Body, `<tr class=`) != 3 || !strings.Contains(r.Body, "3 richieste") {
		t.Errorf("text search: %d rows", strings.Count(r.Body, `<tr class=`))
	}
	r = f.do(t, http.MethodGet, "/ticket?inbox=0&sort=number&size=5", role.Supervisor, nil)
	if strings.Count(r.Body, `<tr class=`) != 5 || !strings.Contains(r.Body, `aria-sort="ascending"`) ||
		strings.Index(r.Body, "-000001<") > strings.Index(r.Body, "-000002<") {
		t.Errorf("sorted by number ascending")
	}
	r = f.do(t, http.MethodGet, "/ticket?inbox=0&sort=bogus", role.Supervisor, nil)
	f.want(t, r, http.StatusBadRequest)
	if !strings.Contains(r.Body, "ordinamento") {
		t.Errorf("bad sort not explained")
	}
	if r = f.do(t, http.MethodGet, "/ticket?inbox=0&size=1000", role.Supervisor, nil); r.Status != http.StatusBadRequest {
		t.Errorf("page size over the bound: %d", r.Status)
	}
	var api struct {
		Tickets            []ticketing.Row
		Total, Page, Pages int
	}
	decode(t, f.do(t, http.MethodGet, "/api/tickets?q=residenza&pageSize=2", role.Supervisor, nil), &api)
	if api.Total != 3 || len(api.Tickets) != 2 || api.Pages != 2 {
		t.Errorf("API page: %+v", api)
	}
}

// TestRepliesNotesContact: the reply from the ticket with a canned answer filled in and the
// pill's forms listed, sent through the relay; internal notes never in an e-mail; a public
// request's contact linked to a candidate citizen after checking.
func TestRepliesNotesContact(t *testing.T) {
	f, rel := newMailTicketFixture(t)
	ctx := context.Background()
	c, err := f.st.PutCanned(ctx, ticketing.CannedAnswer{Name: "Conferma", Subject: "Sua richiesta {numero}",
		Body: "Gentile {nome},\nla sua richiesta «{oggetto}» è stata presa in carico."}, "admin")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := f.st.SubmitWeb(ctx, ticketing.WebRequest{Consent: true, Name: "Giulia Neri", Email: "giulia@example.it",
		Subject: "Borsa di studio", Description: "Quando esce la graduatoria?"})
	if err != nil {
		t.Fatal(err)
	}
	known := &ticketing.Citizen{Name: "Giulia Neri", Emails: []string{"giulia@example.it"}}
	if err := f.st.CreateCitizen(ctx, known); err != nil {
		t.Fatal(err)
	}
	page := f.do(t, http.MethodGet, "/ticket/"+pub.Number+"?risposta="+tkItoa(c.ID), role.Backoffice, nil)
	f.want(t, page, http.StatusOK)
	for _, want := range []string{`id="contatto"`, `id="tk-reply"`, `<option value="giulia@example.it"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the ticket page lacks %s", want)
		}
	}
	for _, want := range []string{"Collega a Giulia Neri", "Gentile Giulia Neri", "Sua richiesta " + pub.PublicRef} {
		if !strings.Contains(page.Body, esc(want)) {
			t.Errorf("the ticket page lacks %q", want)
		}
	}
	var prev map[string]string
	decode(t, f.do(t, http.MethodGet, "/api/tickets/"+pub.Number+"/canned/"+tkItoa(c.ID), role.Backoffice, nil), &prev)
	if !strings.Contains(prev["body"], "Borsa di studio") {
		t.Errorf("preview %v", prev)
	}
	// A note, then a reply: the note never leaves.
	f.want(t, f.do(t, http.MethodPost, "/ticket/"+pub.Number+"/note", role.Backoffice, url.Values{"body": {"Segreto interno: richiamata il 3"}}), http.StatusSeeOther)
	r := f.do(t, http.MethodPost, "/ticket/"+pub.Number+"/note", role.Backoffice, url.Values{"body": {"  "}})
	f.want(t, r, http.StatusBadRequest)
	if !strings.Contains(r.Body, `id="f-note-body-err"`) {
		t.Errorf("empty note")
	}
	r = f.do(t, http.MethodPost, "/ticket/"+pub.Number+"/rispondi", role.Backoffice, url.Values{"to": {"altro@example.it"},
		"subject": {"Oggetto scritto"}, "body": {"Testo scritto a mano"}})
	f.want(t, r, http.StatusBadRequest)
	if !strings.Contains(r.Body, "Testo scritto a mano") || !strings.Contains(r.Body, `value="Oggetto scritto"`) {
		t.Errorf("refused reply does not keep the text")
	}
	r = f.do(t, http.MethodPost, "/ticket/"+pub.Number+"/rispondi", role.Backoffice, url.Values{"to": {"giulia@example.it"},
		"canned": {tkItoa(c.ID)}, "subject": {"Sua richiesta"}, "body": {"Gentile Giulia, la graduatoria esce a luglio."},
		"pill": {f.pill.IRI}})
	f.want(t, r, http.StatusSeeOther)
	msgs := rel.messages()
	var sent string
	for _, m := range msgs {
		if strings.Contains(m, "graduatoria esce a luglio") {
			sent = m
		}
		if strings.Contains(m, "Segreto interno") {
			t.Error("an internal note left in an e-mail")
		}
	}
	if sent == "" || !strings.Contains(sent, pub.Number) {
		t.Fatalf("the reply did not reach the relay: %d messages", len(msgs))
	}
	page = f.do(t, http.MethodGet, "/ticket/"+pub.Number, role.Operator, nil)
	if !strings.Contains(page.Body, "Segreto interno") || !strings.Contains(page.Body, "graduatoria esce a luglio") {
		t.Errorf("notes and messages on the page")
	}
	// The contact, checked, is linked to the candidate.
	f.want(t, f.do(t, http.MethodPost, "/ticket/"+pub.Number+"/contatto/collega", role.Operator, url.Values{"citizen": {tkItoa(known.ID)}}), http.StatusSeeOther)
	got, err := f.st.Ticket(ctx, pub.ID)
	if err != nil || got.CitizenID != known.ID {
		t.Errorf("after linking: %+v %v", got, err)
	}
	if page := f.do(t, http.MethodGet, "/ticket/"+pub.Number, role.Operator, nil); strings.Contains(page.Body, `id="contatto"`) {
		t.Error("a linked request still asks to verify its contact")
	}
	// A second public request of the same person cannot be registered as a new citizen.
	pub2, err := f.st.SubmitWeb(ctx, ticketing.WebRequest{Consent: true, Name: "G. Neri", Email: "giulia@example.it",
		Description: "Altra domanda"})
	if err != nil {
		t.Fatal(err)
	}
	r = f.do(t, http.MethodPost, "/ticket/"+pub2.Number+"/contatto/registra", role.Operator, url.Values{})
	f.want(t, r, http.StatusConflict)
	if !strings.Contains(r.Body, "Esiste già il cittadino") {
		t.Errorf("duplicate not explained")
	}
}

// TestMembersAndCannedPages: administrators add and remove members of the directory's offices
// and write canned answers (an unknown placeholder is refused with the text kept); auditors
// read; others may not.
func TestMembersAndCannedPages(t *testing.T) {
	f := newTicketFixture(t)
	office := f.offices[1].IRI
	r := f.do(t, http.MethodPost, "/amministrazione/uffici/membri", role.Administrator, url.Values{"office": {office}, "user": {"mario rossi"}, "capacity": {"office"}})
	f.want(t, r, http.StatusBadRequest)
	if !strings.Contains(r.Body, `id="m-user-err"`) || !strings.Contains(r.Body, `value="mario rossi"`) {
		t.Errorf("bad user name: %s", r.Body)
	}
	f.want(t, f.do(t, http.MethodPost, "/amministrazione/uffici/membri", role.Administrator, url.Values{"office": {office}, "user": {"mario.rossi"}, "capacity": {"level2"}}), http.StatusSeeOther)
	if ok, _ := f.st.IsMember(context.Background(), office, "mario.rossi"); !ok {
		t.Fatal("not added")
	}
	page := f.do(t, http.MethodGet, "/amministrazione/uffici", role.Auditor, nil)
	f.want(t, page, http.StatusOK)
	if !strings.Contains(page.Body, "mario.rossi") || strings.Contains(page.Body, `action="/amministrazione/uffici/membri"`) {
		t.Errorf("auditor's members page")
	}
	f.want(t, f.do(t, http.MethodPost, "/amministrazione/uffici/membri", role.Auditor, url.Values{"office": {office}, "user": {"x"}}), http.StatusForbidden)
	f.want(t, f.do(t, http.MethodPost, "/amministrazione/uffici/membri/rimuovi", role.Administrator, url.Values{"office": {office}, "user": {"mario.rossi"}}), http.StatusSeeOther)
	if ok, _ := f.st.IsMember(context.Background(), office, "mario.rossi"); ok {
		t.Fatal("not removed")
	}

	r = f.do(t, http.MethodPost, "/amministrazione/risposte", role.Administrator, url.Values{"name": {"Orari"}, "body": {"Siamo aperti {orario}."}})
	f.want(t, r, http.StatusBadRequest)
	if !strings.Contains(r.Body, `id="c-body-err"`) || !strings.Contains(r.Body, "Siamo aperti {orario}.") {
		t.Errorf("unknown placeholder: %s", r.Body)
	}
	f.want(t, f.do(t, http.MethodPost, "/amministrazione/risposte", role.Administrator, url.Values{"name": {"Orari"}, "body": {"Gentile {nome}, siamo aperti."}}), http.StatusSeeOther)
	list, err := f.st.CannedAnswers(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("canned %+v %v", list, err)
	}
	page = f.do(t, http.MethodGet, "/amministrazione/risposte?modifica="+tkItoa(list[0].ID), role.Administrator, nil)
	if !strings.Contains(page.Body, `name="id" value="`+tkItoa(list[0].ID)+`"`) || !strings.Contains(page.Body, "{servizio}") {
		t.Errorf("edit form")
	}
	f.want(t, f.do(t, http.MethodPost, "/amministrazione/risposte/"+tkItoa(list[0].ID)+"/elimina", role.Administrator, url.Values{}), http.StatusSeeOther)
	f.want(t, f.do(t, http.MethodGet, "/amministrazione/risposte", role.Operator, nil), http.StatusForbidden)
}
