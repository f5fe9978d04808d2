package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/internal/role"
	"sportello/internal/sqldb"
	"sportello/sla"
	"sportello/telephony"
	"sportello/ticketing"
	"sportello/web/reports"
)

// slaTest is the contact-center test server with the service levels: the CTI log saved in a
// real SQLite database beside the ACD's in-memory log, the SLA store, the reporter on the
// manual clock and, with mail, a real SMTP server on loopback as the relay.
type slaTest struct {
	*ctiTest
	db     *sqldb.DB
	events *telephony.EventStore
	store  *sla.Store
	rp     *sla.Reporter
	svc    *reports.Service
	sink   *mailSink
}

// mailSink is the product's own SMTP listener on loopback, keeping what it receives.
type mailSink struct {
	mu   sync.Mutex
	msgs [][]byte
	addr string
}

func (m *mailSink) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.msgs)
}

func newSLATest(t testing.TB, mail bool) *slaTest {
	t.Helper()
	ctx := context.Background()
	st := &slaTest{ctiTest: newCTITest(t)}
	var err error
	if st.db, err = sqldb.Open("", t.TempDir()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.db.Close() })
	if st.events, err = telephony.OpenEventStore(ctx, st.db); err != nil {
		t.Fatal(err)
	}
	st.tel.EventStore = st.events
	if st.store, err = sla.Open(ctx, st.db, st.clock.Now); err != nil {
		t.Fatal(err)
	}
	st.rp = &sla.Reporter{Calls: sla.LiveCalls{Store: st.events, Log: st.acd.Log()}, Store: st.store,
		Options: sla.Options{Calendar: st.tel.Calendar}, Now: st.clock.Now}
	st.svc = &reports.Service{Reporter: st.rp, Store: st.store, Queues: []string{"centralino", "numero verde"}}
	if mail {
		st.sink = &mailSink{}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &ticketing.SMTPServer{Domain: "relay.test", Addresses: []string{"gestore@regione.example.it", "dec@regione.example.it"},
			Deliver: func(_ context.Context, _ string, _ []string, data []byte) error {
				st.sink.mu.Lock()
				defer st.sink.mu.Unlock()
				st.sink.msgs = append(st.sink.msgs, data)
				return nil
			}}
		go srv.Serve(l)
		t.Cleanup(func() { srv.Close() })
		st.sink.addr = l.Addr().String()
		st.svc.Scheduler = &sla.Scheduler{Store: st.store, Reporter: st.rp, Now: st.clock.Now,
			Mail: &ticketing.Mailer{Relay: st.sink.addr, From: "Sportello <sportello@regione.example.it>"}}
	}
	st.srv = New(Config{Auth: headerAuth{}}, Deps{Store: testStore(t), Telephony: st.tel, SLA: st.svc})
	st.h = st.srv.Handler()
	return st
}

// scriptCalls plays the period of the old statistics test on the ACD: c1 answered after 10 s,
// c2 after 70 s (the operator was paused), c3 abandoned after 5 s, c4 after 70 s.
func (st *slaTest) scriptCalls(t *testing.T) {
	t.Helper()
	a := st.acd
	must := func(_ []telephony.Action, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.Login("test-operator"))
	must(a.Pause("test-operator", "riunione"))
	for _, id := range []string{"c1", "c2", "c3", "c4"} {
		must(a.Arrive(telephony.ContactInfo{CallID: id, From: "0544950111"}, "centralino"))
	}
	st.clock.Advance(5 * time.Second)
	must(a.Hangup("c3", telephony.ByCaller))
	st.clock.Advance(5 * time.Second)
	must(a.Unpause("test-operator"))
	must(a.OperatorAnswered("c1", "test-operator"))
	st.clock.Advance(60 * time.Second)
	must(a.Hangup("c1", telephony.ByCaller))
	must(a.Hangup("c4", telephony.ByCaller))
	must(a.OperatorAnswered("c2", "test-operator"))
	st.clock.Advance(30 * time.Second)
	must(a.Hangup("c2", telephony.ByOperator))
}

// figuresJSON is the part of /api/sla/figures the tests read.
type figuresJSON struct {
	Range       string                    `json:"range"`
	Granularity string                    `json:"granularity"`
	From        time.Time                 `json:"from"`
	To          time.Time                 `json:"to"`
	SLA         map[string]sla.Assessment `json:"sla"`
	Overall     sla.Figures               `json:"overall"`
	Daily       []sla.Bucket              `json:"daily"`
	ByQueue     []sla.Group               `json:"byQueue"`
}

func periodQuery(from, to time.Time, extra string) string {
	q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
	return "?" + q.Encode() + extra
}

// TestStatsFigures scripts a period on the manual clock and checks the statistics' figures in
// the API, the CSV, the queue_log export and the page, all from package sla (SLA-2, SLA-6).
func TestStatsFigures(t *testing.T) {
	st := newSLATest(t, false)
	st.scriptCalls(t)
	q := periodQuery(ctiStart.Add(-time.Minute), ctiStart.Add(time.Hour), "&granularity=hour")
	r := st.call(t, http.MethodGet, "/api/sla/figures"+q, role.Auditor, "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("figures: %d %s", r.Status, r.Body)
	}
	var f figuresJSON
	decode(t, r, &f)
	o := f.Overall
	if o.Offered != 4 || o.Answered != 2 || o.AnsweredUnder != 1 || o.Abandoned != 2 || o.Overflowed != 0 || o.LongestWaitSeconds != 70 ||
		*o.MeanAnswer != 40 || *o.MeanTalk != 45 || *o.MeanWait != 38.75 || *o.C2 != 0.5 || *o.C3 != 0.5 {
		t.Errorf("figures: %+v", o)
	}
	if f.Range != "custom" || f.Granularity != "hour" || f.SLA["C.2"].Met == nil || *f.SLA["C.2"].Met || f.SLA["C.3"].Threshold != 0.05 {
		t.Errorf("range %q, granularity %q, SLA %+v", f.Range, f.Granularity, f.SLA)
	}
	if len(f.ByQueue) != 1 || f.ByQueue[0].Name != "centralino" || f.ByQueue[0].Figures.Offered != 4 {
		t.Errorf("by queue: %+v", f.ByQueue)
	}
	// The former address answers the same.
	if old := st.call(t, http.MethodGet, "/api/cti/stats"+q, role.Supervisor, "", nil); old.Body != r.Body {
		t.Errorf("/api/cti/stats differs from /api/sla/figures:\n%.300s", old.Body)
	}
	// A queue that took no call, and a channel without calls: zero, and no figure is 100 %.
	var none figuresJSON
	decode(t, st.call(t, http.MethodGet, "/api/sla/figures"+q+"&queue=numero+verde", role.Supervisor, "", nil), &none)
	if none.Overall.Offered != 0 || none.Overall.C2 != nil || none.SLA["C.2"].Met != nil {
		t.Errorf("another queue: %+v", none.Overall)
	}
	decode(t, st.call(t, http.MethodGet, "/api/sla/figures"+q+"&channel=email", role.Supervisor, "", nil), &none)
	if none.Overall.Offered != 0 {
		t.Errorf("e-mail channel: %+v", none.Overall)
	}
	for _, bad := range []string{"?from=ieri", "?range=ieri", "?granularity=minuto", "?channel=piccione", "?format=xml",
		"?from=2026-03-03&to=2026-03-02", "?from=2020-01-01&to=2026-03-02", "?range=custom&from=2026-03-03&to=2026-03-02"} {
		r := st.call(t, http.MethodGet, "/api/sla/figures"+bad, role.Supervisor, "", nil)
		var e map[string]string
		json.Unmarshal([]byte(r.Body), &e)
		if r.Status != http.StatusBadRequest || e["error"] == "" {
			t.Errorf("figures%s: %d %s", bad, r.Status, r.Body)
		}
	}
	csv := st.call(t, http.MethodGet, "/api/sla/figures"+q+"&format=csv", role.Supervisor, "", nil)
	if !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(csv.Body, "period,from,to,offered,answered,") ||
		!strings.Contains(csv.Body, "\ntotal,2026-03-02T09:59:00+01:00,2026-03-02T11:00:00+01:00,4,2,1,0,2,0,0,0,0,0,0,1,0.5,0.5,0,") ||
		!strings.Contains(csv.Body, "\n10,,,4,2,1,0,2,") || strings.Count(csv.Body, "\n") != 26 {
		t.Errorf("csv export:\n%s", csv.Body)
	}
	ql := st.call(t, http.MethodGet, "/api/cti/queue_log"+q, role.Supervisor, "", nil)
	for _, line := range []string{"|c1|centralino|test-operator|CONNECT|10|c1|", "|c3|centralino|NONE|ABANDON|", "|c2|centralino|test-operator|COMPLETEAGENT|70|30|"} {
		if !strings.Contains(ql.Body, line) {
			t.Errorf("queue_log lacks %q:\n%s", line, ql.Body)
		}
	}
	page := st.call(t, http.MethodGet, "/statistiche"+q, role.Supervisor, "", nil)
	for _, want := range []string{`<tr data-sla="C.2" class="sla-ko">`, `<td>50,0 %</td><td>1 / 2</td><td>≥ 90,0 %</td><td>NON rispettato</td>`,
		`<td class="breach"><span class="v">50,0 %</span> <small>(oltre soglia)</small></td>`, `<td class="breach"><span class="v">50,0 %</span> <small>(sotto soglia)</small></td>`,
		`<dd data-fig="offered">4</dd>`, `<dd data-fig="meanAnswer">40 s</dd>`, `<dd data-fig="meanTalk">45 s</dd>`,
		`id="st-esiti-title"`, `id="st-c2-data"`, `<th scope="row">10–11</th>`, `<option value="custom" selected>`,
		`value="2026-03-02"`, `href="/api/sla/figures?from=2026-03-02`, `<td>100,0 %</td><td>4 / 4</td>`,
		`<th scope="row">Formula del cliente</th><td>1 − (risposte, abbandoni e uscite oltre 30 secondi) / (offerte − abbandoni e uscite entro 30 secondi − senza esito)</td><td>33,3 %</td>`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("statistics page lacks %s", want)
		}
	}
	if page.Status != http.StatusOK {
		t.Errorf("statistics page: %d", page.Status)
	}
}

// TestStatsNobodyAnswers: calls that reach the maximum wait and leave for the callback are
// overflowed; C.2 has no value (not 100 %) and says why, C.3 counts no abandon.
func TestStatsNobodyAnswers(t *testing.T) {
	st := newSLATest(t, false)
	st.acd.Login("test-operator")
	st.acd.Pause("test-operator", "riunione") // in the queue, answering nobody
	for _, id := range []string{"n1", "n2", "n3"} {
		if _, err := st.acd.Arrive(telephony.ContactInfo{CallID: id, From: "0544950111"}, "centralino"); err != nil {
			t.Fatal(err)
		}
	}
	st.clock.Advance(91 * time.Second)
	st.acd.Tick() // the maximum wait: out of the queue
	q := periodQuery(ctiStart.Add(-time.Minute), ctiStart.Add(time.Hour), "")
	var f figuresJSON
	decode(t, st.call(t, http.MethodGet, "/api/sla/figures"+q, role.Supervisor, "", nil), &f)
	if f.Overall.Offered != 3 || f.Overall.Overflowed != 3 || f.Overall.C2 != nil || *f.Overall.C3 != 0 || *f.Overall.SLA7 != 0 {
		t.Errorf("nobody answered: %+v", f.Overall)
	}
	page := st.call(t, http.MethodGet, "/statistiche"+q, role.Supervisor, "", nil)
	for _, want := range []string{`<tr data-sla="C.2" class="sla-nd">`, "Nessuna chiamata risposta: 3 uscite dalla coda senza operatore",
		`<td>n.d.</td><td>0 / 0</td>`, `<dd data-fig="overflowed">3 (tempo massimo 3,`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

// TestStatsSavedRun: with a saved CTI log the figures and the queue_log export include the calls
// of a previous run (before a restart) and this run's unsaved ones, each once, before and after
// the persister saves them.
func TestStatsSavedRun(t *testing.T) {
	ctx := context.Background()
	st := newSLATest(t, false)
	prev, err := telephony.OpenEventStore(ctx, st.db)
	if err != nil {
		t.Fatal(err)
	}
	old := ctiStart.Add(-time.Hour)
	var saved []telephony.Event
	for i, e := range []telephony.Event{
		{Time: old, Kind: telephony.EvOffered},
		{Time: old, Kind: telephony.EvQueued, Position: 1, OrigPos: 1},
		{Time: old.Add(5 * time.Second), Kind: telephony.EvAnswered, Operator: "test-operator", Wait: 5 * time.Second},
		{Time: old.Add(65 * time.Second), Kind: telephony.EvCompleted, Operator: "test-operator", Wait: 5 * time.Second, Talk: time.Minute, By: telephony.ByCaller},
	} {
		e.Seq, e.CallID, e.Queue, e.Channel, e.Direction, e.From = uint64(i+1), "prima", "centralino", telephony.Voice, "in", "0544950111"
		saved = append(saved, e)
	}
	if err := prev.Save(ctx, saved); err != nil {
		t.Fatal(err)
	}
	a := st.acd
	if _, err := a.Login("test-operator"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Arrive(telephony.ContactInfo{CallID: "dopo", From: "0544950222"}, "centralino"); err != nil {
		t.Fatal(err)
	}
	st.clock.Advance(3 * time.Second)
	if _, err := a.OperatorAnswered("dopo", "test-operator"); err != nil {
		t.Fatal(err)
	}
	st.clock.Advance(time.Minute)
	if _, err := a.Hangup("dopo", telephony.ByCaller); err != nil {
		t.Fatal(err)
	}
	q := periodQuery(old.Add(-time.Minute), ctiStart.Add(time.Hour), "")
	p := &telephony.Persister{Log: a.Log(), Store: st.events}
	for _, step := range []string{"unsaved", "saved"} {
		var f figuresJSON
		decode(t, st.call(t, http.MethodGet, "/api/sla/figures"+q, role.Supervisor, "", nil), &f)
		if f.Overall.Offered != 2 || f.Overall.Answered != 2 {
			t.Errorf("%s: figures %+v, want 2 offered and answered", step, f.Overall)
		}
		ql := st.call(t, http.MethodGet, "/api/cti/queue_log"+q, role.Supervisor, "", nil)
		if strings.Count(ql.Body, "|prima|centralino|test-operator|CONNECT|") != 1 || strings.Count(ql.Body, "|dopo|centralino|test-operator|CONNECT|") != 1 {
			t.Errorf("%s: queue_log:\n%s", step, ql.Body)
		}
		if _, err := p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStatsViews: a supervisor saves the page's filters as a view, finds it listed, opens it
// (the form comes back as saved), and deletes it; views are the owner's own; the auditor reads
// but saves nothing; the JSON API does the same.
func TestStatsViews(t *testing.T) {
	st := newSLATest(t, false)
	form := url.Values{"name": {"Centralino, settimane"}, "range": {"30d"}, "granularity": {"week"}, "queue": {"centralino"}, "channel": {"voice"}}
	r := st.call(t, http.MethodPost, "/statistiche/viste", role.Supervisor, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	loc, _, _ := strings.Cut(r.Header.Get("Location"), "#") // a browser keeps the fragment to itself
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/statistiche?") || !strings.Contains(loc, "range=30d") || !strings.Contains(loc, "queue=centralino") {
		t.Fatalf("save: %d %s %s", r.Status, loc, r.Body)
	}
	page := st.call(t, http.MethodGet, loc, role.Supervisor, "", nil)
	for _, want := range []string{"Vista «Centralino, settimane» salvata.", `aria-current="true">Centralino, settimane</a>`,
		`<option value="30d" selected>`, `<option value="week" selected>`, `name="queue" value="centralino" checked`, `name="channel" value="voice" checked`,
		`<h1>Statistiche del contact center – Centralino, settimane</h1>`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the view opened lacks %s", want)
		}
	}
	// Another supervisor has no views; the administrator neither; the auditor is refused.
	other := New(Config{Auth: ctiFixedAuth{"altro", role.Supervisor}}, Deps{Store: testStore(t), Telephony: st.tel, SLA: st.svc})
	rec := httpGet(other.Handler(), "/statistiche")
	if !strings.Contains(rec, "Nessuna vista salvata.") {
		t.Error("another supervisor sees the view")
	}
	if r := st.call(t, http.MethodPost, "/statistiche/viste", role.Auditor, "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); r.Status != http.StatusForbidden {
		t.Errorf("auditor saves a view: %d", r.Status)
	}
	if aud := st.call(t, http.MethodGet, "/statistiche", role.Auditor, "", nil); strings.Contains(aud.Body, `action="/statistiche/viste"`) {
		t.Error("the auditor is offered the save form")
	}
	// A bad view is explained.
	bad := url.Values{"name": {""}, "range": {"7d"}}
	if r := st.call(t, http.MethodPost, "/statistiche/viste", role.Supervisor, "application/x-www-form-urlencoded", strings.NewReader(bad.Encode())); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Dare un nome alla vista.") {
		t.Errorf("nameless view: %d %.300s", r.Status, r.Body)
	}
	custom := url.Values{"name": {"Marzo"}, "range": {"custom"}, "from": {"2026-03-01"}, "to": {"2026-03-31"}, "granularity": {"day"}}
	r = st.call(t, http.MethodPost, "/statistiche/viste", role.Supervisor, "application/x-www-form-urlencoded", strings.NewReader(custom.Encode()))
	if loc := r.Header.Get("Location"); r.Status != http.StatusSeeOther || !strings.Contains(loc, "from=2026-03-01") || !strings.Contains(loc, "to=2026-03-31") {
		t.Errorf("custom view: %d %s", r.Status, loc)
	}
	// API: list, replace, delete.
	var list struct{ Items []sla.View }
	decode(t, st.call(t, http.MethodGet, "/api/sla/views", role.Supervisor, "", nil), &list)
	if len(list.Items) != 2 || list.Items[0].Name != "Centralino, settimane" || list.Items[0].Owner != "test-supervisor" || !list.Items[1].To.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, ctiStart.Location())) {
		t.Errorf("views: %+v", list.Items)
	}
	body, _ := json.Marshal(map[string]any{"name": "Anno", "range": "year", "granularity": "month", "owner": "qualcun-altro"})
	r = st.call(t, http.MethodPut, "/api/sla/views", role.Supervisor, "application/json", bytes.NewReader(body))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"owner":"test-supervisor"`) {
		t.Errorf("put view: %d %s", r.Status, r.Body)
	}
	if r := st.call(t, http.MethodDelete, "/api/sla/views/Anno", role.Supervisor, "", nil); r.Status != http.StatusNoContent {
		t.Errorf("delete view: %d %s", r.Status, r.Body)
	}
	if r := st.call(t, http.MethodDelete, "/api/sla/views/Anno", role.Supervisor, "", nil); r.Status != http.StatusNotFound {
		t.Errorf("delete again: %d", r.Status)
	}
	del := url.Values{"name": {"Centralino, settimane"}}
	r = st.call(t, http.MethodPost, "/statistiche/viste/elimina", role.Supervisor, "application/x-www-form-urlencoded", strings.NewReader(del.Encode()))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("delete form: %d %s", r.Status, r.Body)
	}
	loc, _, _ = strings.Cut(r.Header.Get("Location"), "#")
	if page := st.call(t, http.MethodGet, loc, role.Supervisor, "", nil); !strings.Contains(page.Body, "Vista «Centralino, settimane» eliminata.") || strings.Contains(page.Body, ">Centralino, settimane</a>") {
		t.Errorf("after deleting, the page:\n%.500s", page.Body)
	}
}

// httpGet is the body of a GET on h.
func httpGet(h http.Handler, path string) string {
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	rec := &bodyRecorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	return rec.body.String()
}

type bodyRecorder struct {
	header http.Header
	body   bytes.Buffer
	status int
}

func (b *bodyRecorder) Header() http.Header         { return b.header }
func (b *bodyRecorder) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bodyRecorder) WriteHeader(s int)           { b.status = s }

// TestStatsErlang checks the calculator against the published example (issue 7 item 8).
func TestStatsErlang(t *testing.T) {
	st := newSLATest(t, false)
	var e reports.Erlang
	decode(t, st.call(t, http.MethodGet, "/api/cti/erlang?calls=100&interval=30&aht=180&target=20&operators=14", role.Supervisor, "", nil), &e)
	if e.Traffic != 10 || e.Operators != 14 || e.ProbWait != 0.1741 || e.SL != 0.8884 || e.ASA != 7.84 {
		t.Errorf("Erlang C: %+v", e)
	}
	decode(t, st.call(t, http.MethodGet, "/api/cti/erlang?calls=100&aht=180&target=20&sl=80", role.Supervisor, "", nil), &e)
	if e.Needed != 13 && e.Needed != 14 || e.SL < 0.8 {
		t.Errorf("operators for 80%% in 20 s: %+v", e)
	}
	for _, bad := range []string{"", "?calls=x&aht=180", "?calls=100&aht=0", "?calls=100&aht=180&sl=100"} {
		if r := st.call(t, http.MethodGet, "/api/cti/erlang"+bad, role.Supervisor, "", nil); r.Status != http.StatusBadRequest {
			t.Errorf("erlang%s: %d", bad, r.Status)
		}
	}
	page := st.call(t, http.MethodGet, "/statistiche?calls=100&interval=30&aht=180&target=20&operators=14", role.Supervisor, "", nil)
	if i := strings.Index(page.Body, `id="erlang-result"`); i < 0 || !strings.Contains(page.Body, `data-fig="pwait">17,4 %`) || !strings.Contains(page.Body, `data-fig="asa">7,84`) {
		t.Errorf("calculator on the page:\n%s", page.Body[max(i, 0):])
	}
}

// TestReportPage: the monthly report of the scripted calls, with SLA-1 measured for the ACD:
// the page has each SLA's value, threshold, deviation and penalty points, the overflow rule and
// the availability; the Excel download opens and has the figures; the note, the settings and
// "send now" work for the supervisor, through a real SMTP relay, and the auditor only reads.
func TestReportPage(t *testing.T) {
	ctx := context.Background()
	st := newSLATest(t, true)
	// The ACD beats every minute from 9:00 to 10:00.
	beat := ctiStart.Add(-time.Hour)
	hb := &sla.Heartbeat{Store: st.store, Component: sla.ComponentACD, Every: time.Minute, Now: func() time.Time { return beat }}
	for ; !beat.After(ctiStart); beat = beat.Add(time.Minute) {
		if err := hb.Beat(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st.scriptCalls(t)
	page := st.call(t, http.MethodGet, "/livelli-servizio?month=2026-03", role.Supervisor, "", nil)
	if page.Status != http.StatusOK {
		t.Fatalf("report page: %d %.500s", page.Status, page.Body)
	}
	for _, want := range []string{"Livelli di servizio – report mensile – marzo 2026", "Periodo in corso: valori parziali",
		`<dt>Chiamate offerte (entrate in coda)</dt><dd>4</dd>`, `<dt>Riduzione delle soglie</dt><dd>0 punti</dd>`,
		`<tr class="sla-ko"><th scope="row">C.2</th>`, `<td>50,0 %</td><td>≥ 90,0 %</td>`, `<td>-40,00</td><td>40</td><td>NON rispettato</td>`,
		`<th scope="row">C.3</th>`, `<td>-45,00</td><td>45</td>`,
		`<tr class="sla-ok"><th scope="row">ACD.service</th>`, `<tr class="sla-nd"><th scope="row">IVR</th>`,
		`id="disponibilita-title"`, `href="/api/sla/report?month=2026-03&amp;format=xlsx"`, `data-print`,
		`<input type="month" id="rp-period" name="period" value="2026-03"`, `aria-current="page">Report SLA</a>`,
		`action="/livelli-servizio/nota"`, `action="/livelli-servizio/impostazioni"`, "Nessun report inviato finora."} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("report page lacks %s", want)
		}
	}
	// The note.
	note := url.Values{"kind": {"month"}, "period": {"2026-03"}, "note": {"Picco di chiamate per il bando Casa <dal 2 marzo>."}}
	r := st.call(t, http.MethodPost, "/livelli-servizio/nota", role.Supervisor, "application/x-www-form-urlencoded", strings.NewReader(note.Encode()))
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/livelli-servizio?month=2026-03&noteSaved=1" {
		t.Fatalf("note: %d %s %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	page = st.call(t, http.MethodGet, r.Header.Get("Location"), role.Supervisor, "", nil)
	if !strings.Contains(page.Body, "Nota salvata.") || !strings.Contains(page.Body, `<blockquote class="sla-note">Picco di chiamate per il bando Casa &lt;dal 2 marzo&gt;.<footer>test-supervisor`) {
		t.Errorf("the note on the page:\n%.3000s", page.Body)
	}
	long := url.Values{"kind": {"month"}, "period": {"2026-03"}, "note": {strings.Repeat("x", sla.MaxNote+1)}}
	r = st.call(t, http.MethodPost, "/livelli-servizio/nota", role.Supervisor, "application/x-www-form-urlencoded", strings.NewReader(long.Encode()))
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `aria-invalid="true"`) || !strings.Contains(r.Body, "La nota ha 20001 caratteri, al massimo 20000.") {
		t.Errorf("a note too long: %d", r.Status)
	}
	// The settings, refused and then saved.
	set := url.Values{"kind": {"month"}, "period": {"2026-03"}, "recipients": {"gestore@regione.example.it\r\nDEC <dec@regione.example.it>"},
		"monthly": {"1"}, "day": {"40"}, "hour": {"8"}, "bimesterStart": {"2"}, "planned": {"150000"}, "shortAbandonSeconds": {"5"}}
	r = st.call(t, http.MethodPost, "/livelli-servizio/impostazioni", role.Supervisor, "application/x-www-form-urlencoded", strings.NewReader(set.Encode()))
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Giorno di invio 40: tra 1 e 28.") || !strings.Contains(r.Body, `name="day" min="1" max="28" required value="40"`) {
		t.Errorf("bad day: %d", r.Status)
	}
	set.Set("day", "3")
	r = st.call(t, http.MethodPost, "/livelli-servizio/impostazioni", role.Supervisor, "application/x-www-form-urlencoded", strings.NewReader(set.Encode()))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("settings: %d %.500s", r.Status, r.Body)
	}
	var s sla.Settings
	decode(t, st.call(t, http.MethodGet, "/api/sla/settings", role.Auditor, "", nil), &s)
	if strings.Join(s.Recipients, ",") != "gestore@regione.example.it,dec@regione.example.it" || !s.Monthly || s.Bimonthly || s.Day != 3 || s.Hour != 8 ||
		s.BimesterStart != 2 || s.Planned != 150000 || s.ShortAbandonSeconds != 5 {
		t.Errorf("settings: %+v", s)
	}
	// Send now: one message through the relay, recorded and listed.
	r = st.call(t, http.MethodPost, "/livelli-servizio/invia", role.Supervisor, "application/x-www-form-urlencoded", strings.NewReader(url.Values{"kind": {"month"}, "period": {"2026-03"}}.Encode()))
	if r.Status != http.StatusSeeOther || st.sink.count() != 1 {
		t.Fatalf("send: %d %s, %d messages", r.Status, r.Body, st.sink.count())
	}
	page = st.call(t, http.MethodGet, r.Header.Get("Location"), role.Supervisor, "", nil)
	if !strings.Contains(page.Body, "Report inviato a gestore@regione.example.it, dec@regione.example.it.") ||
		!strings.Contains(page.Body, `<th scope="row">mensile marzo 2026</th>`) || !strings.Contains(page.Body, `id="rp-sent-this"`) {
		t.Errorf("after sending:\n%.4000s", page.Body)
	}
	st.sink.mu.Lock()
	msg := string(st.sink.msgs[0])
	st.sink.mu.Unlock()
	if !strings.Contains(msg, "sla-mese-2026-03.xlsx") || !strings.Contains(msg, "Picco di chiamate per il bando Casa") {
		t.Errorf("the message lacks the workbook or the note:\n%.2000s", msg)
	}
	var sent struct{ Items []sla.Sent }
	decode(t, st.call(t, http.MethodGet, "/api/sla/sent", role.Auditor, "", nil), &sent)
	if len(sent.Items) != 1 || sent.Items[0].Period != "mese-2026-03" {
		t.Errorf("sent: %+v", sent.Items)
	}
	// The Excel workbook.
	x := st.call(t, http.MethodGet, "/api/sla/report?month=2026-03&format=xlsx", role.Auditor, "", nil)
	if x.Status != http.StatusOK || !strings.Contains(x.Header.Get("Content-Disposition"), `filename="sla-mese-2026-03.xlsx"`) {
		t.Fatalf("xlsx: %d %v", x.Status, x.Header)
	}
	wb, err := excelize.OpenReader(strings.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := wb.GetCellValue("Sintesi", "B6"); v != "4" {
		rows, _ := wb.GetRows("Sintesi")
		t.Errorf("offered in the workbook: %q\n%v", v, rows[:8])
	}
	// JSON and the printable page.
	var rep struct {
		Offered int                       `json:"offered"`
		SLA     map[string]sla.Assessment `json:"sla"`
		Note    *sla.Note                 `json:"note"`
	}
	decode(t, st.call(t, http.MethodGet, "/api/sla/report?month=2026-03", role.Auditor, "", nil), &rep)
	if rep.Offered != 4 || rep.SLA["C.2"].PenaltyPoints != 40 || rep.Note == nil {
		t.Errorf("report JSON: %+v", rep)
	}
	if h := st.call(t, http.MethodGet, "/api/sla/report?month=2026-03&format=html", role.Auditor, "", nil); !strings.HasPrefix(h.Body, "<!doctype html>") {
		t.Errorf("printable page: %.200s", h.Body)
	}
	// The auditor reads the report and the settings, and changes nothing.
	aud := st.call(t, http.MethodGet, "/livelli-servizio?month=2026-03", role.Auditor, "", nil)
	if strings.Contains(aud.Body, `method="post"`) || !strings.Contains(aud.Body, "Il tuo profilo può leggere i report, non modificarli.") ||
		!strings.Contains(aud.Body, "gestore@regione.example.it, dec@regione.example.it") {
		t.Error("the auditor's page offers forms or hides the settings")
	}
	for _, path := range []string{"/livelli-servizio/nota", "/livelli-servizio/impostazioni", "/livelli-servizio/invia"} {
		if r := st.call(t, http.MethodPost, path, role.Auditor, "application/x-www-form-urlencoded", strings.NewReader(note.Encode())); r.Status != http.StatusForbidden {
			t.Errorf("auditor %s: %d", path, r.Status)
		}
	}
	// The bimester and bad periods.
	if b := st.call(t, http.MethodGet, "/livelli-servizio?kind=bimester&period=2026-03", role.Supervisor, "", nil); !strings.Contains(b.Body, "report bimestrale – marzo–aprile 2026") ||
		!strings.Contains(b.Body, "Mese di marzo 2026 – riferimento contrattuale") {
		t.Errorf("bimester page: %d", b.Status)
	}
	for _, bad := range []string{"?month=2026-13", "?month=2026-03&bimester=2026-03", "?kind=trimestre&period=2026-03"} {
		if r := st.call(t, http.MethodGet, "/api/sla/report"+bad, role.Supervisor, "", nil); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `"error"`) {
			t.Errorf("report%s: %d %s", bad, r.Status, r.Body)
		}
	}
}

// TestReportWithoutMail: without outbound mail "send now" explains itself on the page.
func TestReportWithoutMail(t *testing.T) {
	st := newSLATest(t, false)
	if err := st.store.SaveSettings(context.Background(), sla.Settings{Recipients: []string{"gestore@regione.example.it"}, Monthly: true, Day: 2, Hour: 7, BimesterStart: 1, Planned: 200000}); err != nil {
		t.Fatal(err)
	}
	page := st.call(t, http.MethodGet, "/livelli-servizio?month=2026-02", role.Supervisor, "", nil)
	if !strings.Contains(page.Body, `id="rp-mail-off"`) {
		t.Error("the page does not say the mail is off")
	}
	r := st.call(t, http.MethodPost, "/livelli-servizio/invia", role.Supervisor, "application/x-www-form-urlencoded", strings.NewReader("kind=month&period=2026-02"))
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body, `id="rp-send-err"`) || !strings.Contains(r.Body, "La posta in uscita non è configurata") {
		t.Errorf("send without mail: %d", r.Status)
	}
	body, _ := json.Marshal(map[string]string{"month": "2026-02"})
	if r := st.call(t, http.MethodPost, "/api/sla/send", role.Supervisor, "application/json", bytes.NewReader(body)); r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body, `"code":"mail_off"`) {
		t.Errorf("API send without mail: %d %s", r.Status, r.Body)
	}
}

// TestReportAPI: notes, settings and sending through the JSON API.
func TestReportAPI(t *testing.T) {
	st := newSLATest(t, true)
	put := func(path string, v any) response {
		b, _ := json.Marshal(v)
		return st.call(t, http.MethodPut, path, role.Administrator, "application/json", bytes.NewReader(b))
	}
	if r := put("/api/sla/note", map[string]string{"bimester": "2026-01", "text": "Bimestre di avvio."}); r.Status != http.StatusOK || !strings.Contains(r.Body, `"period":"bimestre-2026-01"`) {
		t.Errorf("put note: %d %s", r.Status, r.Body)
	}
	if r := st.call(t, http.MethodGet, "/api/sla/note?bimester=2026-01", role.Auditor, "", nil); !strings.Contains(r.Body, "Bimestre di avvio.") {
		t.Errorf("get note: %s", r.Body)
	}
	if r := put("/api/sla/note", map[string]string{"text": "senza periodo"}); r.Status != http.StatusBadRequest {
		t.Errorf("note without a period: %d", r.Status)
	}
	if r := put("/api/sla/note", map[string]string{"bimester": "2026-01", "text": ""}); r.Status != http.StatusOK || strings.TrimSpace(r.Body) != "null" {
		t.Errorf("note removed: %d %s", r.Status, r.Body)
	}
	if r := put("/api/sla/settings", map[string]any{"recipients": []string{"non-un-indirizzo"}, "day": 2, "hour": 7, "bimesterStart": 1, "planned": 200000}); r.Status != http.StatusBadRequest ||
		!strings.Contains(r.Body, `Indirizzo \"non-un-indirizzo\" non valido.`) {
		t.Errorf("bad settings: %d %s", r.Status, r.Body)
	}
	if r := put("/api/sla/settings", map[string]any{"recipients": []string{"dec@regione.example.it"}, "monthly": true, "day": 2, "hour": 7, "bimesterStart": 1, "planned": 200000}); r.Status != http.StatusOK {
		t.Errorf("settings: %d %s", r.Status, r.Body)
	}
	b, _ := json.Marshal(map[string]any{"month": "2026-02", "to": []string{"gestore@regione.example.it"}})
	r := st.call(t, http.MethodPost, "/api/sla/send", role.Supervisor, "application/json", bytes.NewReader(b))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"recipients":["gestore@regione.example.it"]`) || st.sink.count() != 1 {
		t.Errorf("send: %d %s", r.Status, r.Body)
	}
	b, _ = json.Marshal(map[string]any{"month": "2026-02", "to": []string{"posta sbagliata"}})
	if r := st.call(t, http.MethodPost, "/api/sla/send", role.Supervisor, "application/json", bytes.NewReader(b)); r.Status != http.StatusBadRequest {
		t.Errorf("send to a bad address: %d %s", r.Status, r.Body)
	}
}

// TestSupervisorToday: the supervisor's page shows the day's charts from sla — waiting, answered
// within 30 s, abandoned — each with its data, outside the part the page reloads.
func TestSupervisorToday(t *testing.T) {
	st := newSLATest(t, false)
	st.scriptCalls(t)
	page := st.call(t, http.MethodGet, "/supervisore", role.Supervisor, "", nil)
	live := strings.Index(page.Body, `<div id="live">`)
	today := strings.Index(page.Body, `<section class="sup-today" id="oggi"`)
	if live < 0 || today < live {
		t.Fatalf("the block of today: at %d (live part at %d)", today, live)
	}
	for _, want := range []string{"Alle 10:01: 4 chiamate entrate in coda, 2 risposte, 2 abbandonate, 0 uscite senza operatore.",
		`<li class="sla-ko" data-sla="C.2">C.2: <strong>50,0 %</strong> – NON rispettato</li>`,
		`id="oggi-attesa-title"`, `id="oggi-c2-title"`, `id="oggi-c3-title"`, `<table class="chart-data" id="oggi-c3-data">`,
		`<th scope="row">10</th><td>50,0 % (oltre soglia)</td>`} {
		if !strings.Contains(page.Body[today:], want) {
			t.Errorf("the block of today lacks %s", want)
		}
	}
	// Without the service levels the supervisor page is as before.
	if p := st.ctiTest.srv; p != nil {
		plain := New(Config{Auth: headerAuth{}}, Deps{Store: testStore(t), Telephony: st.tel})
		if body := httpGetAs(plain.Handler(), "/supervisore", role.Supervisor); strings.Contains(body, "sup-today") || !strings.Contains(body, `id="live"`) {
			t.Error("without sla: the block is there, or the page is not")
		}
	}
}

func httpGetAs(h http.Handler, path string, who role.Role) string {
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("X-Test-Role", string(who))
	rec := &bodyRecorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	return rec.body.String()
}

// TestReportsRoutes: every GET of the service levels answers 200 to each role the table
// allows (with the sample parameters), and the absent component answers 404.
func TestReportsRoutes(t *testing.T) {
	st := newSLATest(t, false)
	for _, rt := range st.srv.routesOf("reports") {
		if rt.Method != http.MethodGet {
			continue
		}
		path := rt.Path
		switch path {
		case "/api/cti/erlang":
			path += "?calls=100&aht=180"
		case "/api/sla/note":
			path += "?month=2026-03"
		}
		for _, who := range rt.Roles {
			if r := st.call(t, rt.Method, path, who, "", nil); r.Status != http.StatusOK {
				t.Errorf("%s as %s: %d %.300s", path, who, r.Status, r.Body)
			}
		}
	}
	h := testServer(t).Handler()
	for _, p := range []string{"/statistiche", "/livelli-servizio", "/api/sla/figures", "/api/sla/report"} {
		if r := get(t, h, p, role.Supervisor); r.Status != http.StatusNotFound {
			t.Errorf("%s without sla: %d, want 404", p, r.Status)
		}
	}
}

// FuzzStatsQuery feeds the statistics' and the report's parameters to the handlers: whatever
// arrives, the answer is a success or a 4xx with an Italian message, never a 500 or a panic.
func FuzzStatsQuery(f *testing.F) {
	st := newSLATest(f, false)
	f.Add("today", "2026-03-02", "2026-03-03", "hour", "centralino", "voice", "2026-03")
	f.Add("custom", "2026-03-02T10:00", "", "week", "", "email", "2026-13")
	f.Add("custom", "2026-03-02T10:00:00+01:00", "ieri", "anno", "x", "piccione", "")
	f.Add("", "0001-01-01", "9999-12-31", "", "", "", "1999-01")
	f.Fuzz(func(t *testing.T, rng, from, to, gran, queue, channel, month string) {
		q := url.Values{"range": {rng}, "from": {from}, "to": {to}, "granularity": {gran}, "queue": {queue}, "channel": {channel}}.Encode()
		for _, path := range []string{"/api/sla/figures?", "/api/cti/queue_log?", "/statistiche?", "/api/sla/figures?format=csv&"} {
			r := st.call(t, http.MethodGet, path+q, role.Supervisor, "", nil)
			if r.Status >= 500 {
				t.Fatalf("%s%s: %d %s", path, q, r.Status, r.Body)
			}
			if r.Status >= 400 && strings.HasPrefix(path, "/api/") && !strings.Contains(r.Body, `"error"`) {
				t.Fatalf("%s%s: %d without a JSON error", path, q, r.Status)
			}
		}
		for _, path := range []string{"/api/sla/report?month=", "/livelli-servizio?period="} {
			if r := st.call(t, http.MethodGet, path+url.QueryEscape(month), role.Supervisor, "", nil); r.Status >= 500 {
				t.Fatalf("%s%s: %d %s", path, month, r.Status, r.Body)
			}
		}
	})
}
