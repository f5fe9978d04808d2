package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"sportello/accounts"
	"sportello/contactcenter"
	"sportello/internal/clock"
	"sportello/internal/role"
	"sportello/internal/sqldb"
	"sportello/telephony"
	"sportello/ticketing"
	webcc "sportello/web/contactcenter"
	"sportello/web/webkit"
	"sportello/workcal"
)

// ctiTest is a server with a telephony component on a manual clock: the ACD's queues, an
// operator for each desk role (the user names headerAuth gives), the tickets on SQLite with
// the desk, an announcements store and the Zammad webhook.
type ctiTest struct {
	srv     *Server
	h       http.Handler
	clock   *telephony.ManualClock
	acd     *telephony.ACD
	tel     *webcc.Telephony
	tickets *ticketing.Store
	desk    *contactcenter.Desk

	mu   sync.Mutex
	acts []telephony.Action
}

const ctiToken = "segreto-di-prova"

// ctiStart is a Monday morning, when the service is open.
var ctiStart = time.Date(2026, 3, 2, 10, 0, 0, 0, clock.Rome())

func newCTITest(t testing.TB) *ctiTest {
	t.Helper()
	ct := &ctiTest{clock: telephony.NewManualClock(ctiStart)}
	log := telephony.NewEventLog()
	queues := []telephony.QueueConfig{
		{Name: "centralino", Strategy: telephony.LongestIdle, RingTimeout: 15 * time.Second},
		{Name: "numero verde", Strategy: telephony.Linear},
	}
	setup := &telephony.Setup{Queues: queues}
	for i, who := range []role.Role{role.Operator, role.Backoffice, role.Level2, role.Supervisor} {
		id := "test-" + string(who)
		setup.Operators = append(setup.Operators, telephony.OperatorConfig{ID: id, Name: "Operatore " + string(who),
			Extension: "20" + string(rune('1'+i)), Queues: []telephony.Membership{{Queue: "centralino"}, {Queue: "numero verde", Penalty: 1}}})
	}
	acd, err := setup.Build(ct.clock, log)
	if err != nil {
		t.Fatal(err)
	}
	ann, err := telephony.OpenAnnouncements(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	ct.acd = acd
	ct.tel = &webcc.Telephony{ACD: acd, Announcements: ann, AnnouncementBytes: 1 << 20, Queues: queues, Demo: true,
		History:  telephony.NewWaitHistory(10*time.Second, 60),
		Calendar: workcal.Default(),
		Bands:    []telephony.NamedBand{{Name: "mattina", Band: workcal.Hours(8, 0, 13, 0)}},
		Zammad:   &telephony.ZammadCTI{Log: log, Clock: ct.clock, Token: ctiToken},
		Do: func(a []telephony.Action) {
			ct.mu.Lock()
			ct.acts = append(ct.acts, a...)
			ct.mu.Unlock()
		},
		KeepAlive: 50 * time.Millisecond,
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir, err := contactcenter.NewDirectory(ctx, testStore(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ct.tel.Directory = dir
	db, err := sqldb.Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	t.Cleanup(cancel) // the hub stops before the database closes
	if ct.tickets, err = ticketing.Open(ctx, db, ticketing.Config{DataDir: t.TempDir(), Now: ct.clock.Now}); err != nil {
		t.Fatal(err)
	}
	caps := contactcenter.CapacityFunc(func(_ context.Context, user string) ticketing.Capacity {
		return ticketing.CapacityOf(role.Role(strings.TrimPrefix(user, "test-")))
	})
	ct.desk = &contactcenter.Desk{Tickets: ct.tickets, Recordings: &telephony.Recordings{Dir: t.TempDir()}, Capacities: caps,
		Finders: []contactcenter.CallerFinder{contactcenter.Citizens{Store: ct.tickets}, dir}, Now: ct.clock.Now}
	ct.tel.Desk = ct.desk
	ct.tel.Hub = contactcenter.NewHub(acd, &contactcenter.Tickets{Store: ct.tickets, Capacities: caps},
		contactcenter.Citizens{Store: ct.tickets}, dir).WithDesk(ct.desk)
	go ct.tel.Hub.Run(ctx)
	ct.srv = New(Config{Auth: headerAuth{}}, Deps{Store: testStore(t), Telephony: ct.tel})
	ct.h = ct.srv.Handler()
	return ct
}

func (ct *ctiTest) actions() []telephony.Action {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	return append([]telephony.Action(nil), ct.acts...)
}

// call sends a request as role and returns the response.
func (ct *ctiTest) call(t testing.TB, method, path string, who role.Role, ctype string, body io.Reader) response {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if who != role.Anonymous {
		req.Header.Set("X-Test-Role", string(who))
	}
	rec := httptest.NewRecorder()
	ct.h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return response{rec.Code, rec.Result().Header, string(b)}
}

func (ct *ctiTest) postJSON(t *testing.T, path string, who role.Role, v any) response {
	t.Helper()
	b, _ := json.Marshal(v)
	return ct.call(t, http.MethodPost, path, who, "application/json", bytes.NewReader(b))
}

func (ct *ctiTest) operator(t *testing.T, id string) telephony.OperatorSnapshot {
	t.Helper()
	for _, o := range ct.acd.Snapshot().Operators {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("no operator %s", id)
	return telephony.OperatorSnapshot{}
}

func ctiWAV() []byte { return telephony.BuildWAV("ulaw", bytes.Repeat([]byte{0xff}, 8000)) }

func ctiMultipart(t *testing.T, field, filename string, data []byte, fields map[string]string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), &buf
}

// TestCTIRoutesRoles walks every telephony route with every role (issue 7 item 7): the roles
// the table lists get through, the others get 401 or 403.
func TestCTIRoutesRoles(t *testing.T) {
	ct := newCTITest(t)
	if _, err := ct.tel.Announcements.Upload("benvenuto", bytes.NewReader(ctiWAV())); err != nil {
		t.Fatal(err)
	}
	// A ticket every desk role may read, with a recording of its contact that the supervisor hears
	// (the others did not handle it: 403, as the route's own rule says, checked apart below).
	tk, err := ct.tickets.Create(context.Background(), ticketing.NewTicket{Channel: ticketing.Phone, Subject: "prova",
		CallID: "rec-1", Actor: "sistema"})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := ct.desk.Recordings.Create("rec-1", ctiStart)
	w.Write(make([]int16, 800))
	w.Close()
	recs, _ := ct.desk.Recordings.List("rec-1")
	for _, rt := range ct.srv.routesOf("contactcenter") {
		name := "benvenuto"
		if strings.Contains(rt.Path, "/recordings/") {
			name = recs[0].Name
		}
		path := strings.NewReplacer(":name", name, ":token", ctiToken, ":number", tk.Number).Replace(rt.Path)
		recordings := strings.Contains(rt.Path, "/recordings")
		for _, who := range role.All {
			var r response
			switch {
			case rt.Path == "/api/cti/events":
				// A stream: read until the subscription comment, then hang up.
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				req := httptest.NewRequest(http.MethodGet, path, nil).WithContext(ctx)
				if who != role.Anonymous {
					req.Header.Set("X-Test-Role", string(who))
				}
				rec := httptest.NewRecorder()
				ct.h.ServeHTTP(rec, req)
				cancel()
				r = response{Status: rec.Code, Body: rec.Body.String()}
			case rt.Method == http.MethodPost:
				r = ct.call(t, rt.Method, path, who, "application/json", strings.NewReader("{}"))
			default:
				r = ct.call(t, rt.Method, path, who, "", nil)
			}
			denied := r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden
			if recordings && rt.Allows(who) && who != role.Supervisor {
				// TK-4: allowed by the route, refused by the recordings' own rule to who did
				// not handle the request.
				if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "not_allowed") {
					t.Errorf("%s %s as %s: %d, want 403 not_allowed", rt.Method, path, who, r.Status)
				}
				continue
			}
			if rt.Allows(who) && denied {
				t.Errorf("%s %s as %s: %d, want allowed\n%.200s", rt.Method, path, who, r.Status, r.Body)
			}
			if !rt.Allows(who) && !denied {
				t.Errorf("%s %s as %s: %d, want denied", rt.Method, path, who, r.Status)
			}
			if rt.Allows(who) && rt.Method == http.MethodGet && r.Status != http.StatusOK {
				t.Errorf("%s %s as %s: %d, want 200\n%.300s", rt.Method, path, who, r.Status, r.Body)
			}
		}
	}
}

// TestCTIAbsent: a server without telephony answers 404 on the telephony pages.
func TestCTIAbsent(t *testing.T) {
	h := testServer(t).Handler()
	for _, p := range []string{"/operatore", "/supervisore", "/statistiche", "/api/cti/snapshot"} {
		if r := get(t, h, p, role.Supervisor); r.Status != http.StatusNotFound {
			t.Errorf("%s without telephony: %d, want 404", p, r.Status)
		}
	}
}

// ctiSSEReader reads Server-Sent Events from a live stream.
type ctiSSEReader struct {
	t    *testing.T
	body io.ReadCloser
	sc   *bufio.Scanner
	msgs chan ctiSSEMsg
}

type ctiSSEMsg struct {
	Event string
	Data  string
}

func ctiOpenSSE(t *testing.T, ctx context.Context, url string, who role.Role) *ctiSSEReader {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/cti/events", nil)
	req.Header.Set("X-Test-Role", string(who))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events as %s: %d %s", who, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	r := &ctiSSEReader{t: t, body: resp.Body, sc: bufio.NewScanner(resp.Body), msgs: make(chan ctiSSEMsg, 100)}
	ready := make(chan struct{})
	go func() {
		defer close(r.msgs)
		var m ctiSSEMsg
		once := sync.Once{}
		for r.sc.Scan() {
			line := r.sc.Text()
			switch {
			case line == ": ok":
				once.Do(func() { close(ready) })
			case strings.HasPrefix(line, "event: "):
				m.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				m.Data = line[6:]
			case line == "" && m.Event != "":
				r.msgs <- m
				m = ctiSSEMsg{}
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not start")
	}
	return r
}

// next returns the next message of the given SSE event name, skipping others.
func (r *ctiSSEReader) next(event string) webcc.Message {
	r.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m, ok := <-r.msgs:
			if !ok {
				r.t.Fatalf("stream closed waiting for %s", event)
			}
			if m.Event != event {
				continue
			}
			var cm webcc.Message
			if err := json.Unmarshal([]byte(m.Data), &cm); err != nil {
				r.t.Fatalf("SSE data is not JSON: %v\n%s", err, m.Data)
			}
			return cm
		case <-timeout:
			r.t.Fatalf("no %s message within 5 s", event)
		}
	}
}

// TestCTIScreenPop drives the ACD with the manual clock and checks the live push (TEL-2,
// TK-1): the operator whose phone rings gets the pop with the caller's directory record, the
// channel, the queue, the seconds waited and an open ticket; another operator does not; the
// supervisor sees everything.
func TestCTIScreenPop(t *testing.T) {
	ct := newCTITest(t)
	hs := httptest.NewServer(ct.h)
	defer hs.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	me := ctiOpenSSE(t, ctx, hs.URL, role.Operator)
	other := ctiOpenSSE(t, ctx, hs.URL, role.Backoffice)
	sup := ctiOpenSSE(t, ctx, hs.URL, role.Supervisor)

	if r := ct.postJSON(t, "/api/cti/status", role.Operator, map[string]string{"action": "login"}); r.Status != http.StatusOK {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	if m := me.next("cti"); m.Event.Kind != telephony.EvLogin || m.Event.Operator != "test-operator" {
		t.Fatalf("first event of the console: %+v", m.Event)
	}
	// Marco Bellandi calls from his direct line; he waits 12 s because nobody is free... the
	// operator is free, so the call rings at once after the clock moved.
	ct.clock.Advance(3 * time.Second)
	acts, err := ct.acd.Arrive(telephony.ContactInfo{CallID: "c1", From: "0544952111", To: "800550011"}, "centralino")
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 2 || acts[1].Kind != telephony.ActRing || acts[1].Operator != "test-operator" {
		t.Fatalf("arrive: %+v", acts)
	}
	pop := me.next("pop")
	p := pop.Pop
	if p == nil || p.CallID != "c1" || p.Operator != "test-operator" || p.Queue != "centralino" || p.Channel != telephony.Voice || p.From != "0544952111" {
		t.Fatalf("pop: %+v", p)
	}
	if len(p.Matches) != 1 || p.Matches[0].Name != "Marco Bellandi" || p.Matches[0].Extension != "2111" {
		t.Errorf("caller record: %+v", p.Matches)
	}
	if p.Ticket != "" {
		t.Fatalf("a ringing phone has a ticket: %+v", p)
	}
	if s := sup.next("pop"); s.Pop == nil || s.Pop.CallID != "c1" {
		t.Errorf("supervisor pop: %+v", s)
	}
	// The other operator's console gets its own events only: after its login, no pop of c1.
	if r := ct.postJSON(t, "/api/cti/status", role.Backoffice, map[string]string{"action": "login"}); r.Status != http.StatusOK {
		t.Fatal(r.Body)
	}
	for {
		m := other.next("cti")
		if m.Event.Operator != "test-backoffice" {
			t.Fatalf("backoffice console received another operator's event: %+v", m.Event)
		}
		if m.Event.Kind == telephony.EvLogin {
			break
		}
	}
	// The console reopened mid-ring finds the pop again.
	var mine map[string]json.RawMessage
	decode(t, ct.call(t, http.MethodGet, "/api/cti/me", role.Operator, "", nil), &mine)
	if !strings.Contains(string(mine["pop"]), `"callId":"c1"`) {
		t.Errorf("/api/cti/me without the live pop: %s", mine["pop"])
	}
	// The answer opens the contact's ticket, in the operator's hands (TK-1).
	ct.postJSON(t, "/api/cti/answer", role.Operator, map[string]string{"callId": "c1"})
	ans := me.next("contact").Pop
	if ans == nil || !ans.Answered || ans.Ticket == "" {
		t.Fatalf("answered contact: %+v", ans)
	}
	tk, err := ct.tickets.TicketByNumber(context.Background(), ans.Ticket)
	if err != nil || tk.CallID != "c1" || tk.Assignee != "test-operator" || tk.Contact == nil || tk.Contact.Phone != "+390544952111" {
		t.Errorf("ticket of the contact: %+v, %v", tk, err)
	}
	// The supervisor's view gets the answer as an ordinary event ("cti", on which its page
	// refreshes the operator to on-call), without the contact's ticket.
	for {
		m := sup.next("cti")
		if m.Event.Kind == telephony.EvAnswered {
			if m.Pop != nil || m.Event.CallID != "c1" {
				t.Errorf("the supervisor's answered event: %+v", m)
			}
			break
		}
	}
	decode(t, ct.call(t, http.MethodGet, "/api/cti/me", role.Operator, "", nil), &mine)
	if !strings.Contains(string(mine["contact"]), `"ticket":"`+ans.Ticket+`"`) {
		t.Errorf("/api/cti/me without the contact: %s", mine["contact"])
	}
	// Waited seconds: a second call waits 20 s with nobody free before it rings.
	ct.postJSON(t, "/api/cti/status", role.Backoffice, map[string]string{"action": "pause", "reason": "riunione"})
	if _, err := ct.acd.Arrive(telephony.ContactInfo{CallID: "c2", From: "+39 333 1234567"}, "centralino"); err != nil {
		t.Fatal(err)
	}
	ct.clock.Advance(20 * time.Second)
	ct.postJSON(t, "/api/cti/status", role.Backoffice, map[string]string{"action": "unpause"})
	p2 := other.next("pop").Pop
	if p2.CallID != "c2" || p2.WaitSeconds != 20 || len(p2.Matches) != 0 {
		t.Errorf("second pop: %+v", p2)
	}
}

// TestCTIStreamNoLeak: when the browser goes away the stream ends, its subscription is removed
// and no goroutine stays behind.
func TestCTIStreamNoLeak(t *testing.T) {
	ct := newCTITest(t)
	hs := httptest.NewServer(ct.h)
	defer hs.Close()
	before := runtime.NumGoroutine()
	for i := 0; i < 5; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		r := ctiOpenSSE(t, ctx, hs.URL, role.Supervisor)
		if n := ct.tel.Hub.Listeners(); n != 1 {
			t.Fatalf("listeners while connected: %d", n)
		}
		cancel()
		r.body.Close()
		deadline := time.Now().Add(5 * time.Second)
		for ct.tel.Hub.Listeners() != 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	if n := ct.tel.Hub.Listeners(); n != 0 {
		t.Fatalf("listeners after the browsers left: %d", n)
	}
	hs.CloseClientConnections()
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Errorf("goroutines: %d before, %d after the streams closed", before, n)
	}
}

// TestCTICallControl: the console's endpoints change the ACD's state (TEL-8, TEL-7).
func TestCTICallControl(t *testing.T) {
	ct := newCTITest(t)
	op := "test-operator"
	steps := []struct {
		name   string
		do     func() response
		status int
		check  func(o telephony.OperatorSnapshot) bool
	}{
		{"bad action", func() response {
			return ct.postJSON(t, "/api/cti/status", role.Operator, map[string]string{"action": "dance"})
		},
			http.StatusBadRequest, nil},
		{"login", func() response {
			return ct.postJSON(t, "/api/cti/status", role.Operator, map[string]string{"action": "login"})
		},
			http.StatusOK, func(o telephony.OperatorSnapshot) bool { return o.Status == telephony.Available }},
		{"pause", func() response {
			return ct.postJSON(t, "/api/cti/status", role.Operator, map[string]string{"action": "pause", "reason": "pausa pranzo"})
		}, http.StatusOK, func(o telephony.OperatorSnapshot) bool {
			return o.Status == telephony.Paused && o.Reason == "pausa pranzo"
		}},
		{"pause twice", func() response {
			return ct.postJSON(t, "/api/cti/status", role.Operator, map[string]string{"action": "pause"})
		},
			http.StatusConflict, nil},
		{"unpause", func() response {
			return ct.postJSON(t, "/api/cti/status", role.Operator, map[string]string{"action": "unpause"})
		},
			http.StatusOK, func(o telephony.OperatorSnapshot) bool { return o.Status == telephony.Available }},
		{"answer with no call", func() response {
			return ct.postJSON(t, "/api/cti/answer", role.Operator, map[string]string{"callId": "x"})
		},
			http.StatusNotFound, nil},
		{"call arrives", func() response {
			ct.acd.Arrive(telephony.ContactInfo{CallID: "k1", From: "0544950111"}, "centralino")
			return ct.call(t, http.MethodGet, "/api/cti/me", role.Operator, "", nil)
		}, http.StatusOK, func(o telephony.OperatorSnapshot) bool { return o.State == telephony.Ringing && o.CallID == "k1" }},
		{"a colleague cannot hang it up", func() response {
			return ct.postJSON(t, "/api/cti/hangup", role.Backoffice, map[string]string{"callId": "k1"})
		}, http.StatusConflict, func(o telephony.OperatorSnapshot) bool { return o.State == telephony.Ringing }},
		{"answer", func() response {
			return ct.postJSON(t, "/api/cti/answer", role.Operator, map[string]string{"callId": "k1"})
		},
			http.StatusOK, func(o telephony.OperatorSnapshot) bool { return o.State == telephony.OnCall && o.CallID == "k1" }},
		{"transfer without extension", func() response {
			return ct.postJSON(t, "/api/cti/transfer", role.Operator, map[string]string{"callId": "k1", "extension": ""})
		}, http.StatusBadRequest, nil},
		{"transfer", func() response {
			ct.clock.Advance(40 * time.Second)
			return ct.postJSON(t, "/api/cti/transfer", role.Operator, map[string]string{"callId": "k1", "extension": "2111"})
		}, http.StatusOK, func(o telephony.OperatorSnapshot) bool { return o.State == telephony.Idle && o.Calls == 1 }},
		{"second call, declined", func() response {
			// Declined, the call keeps its place and, nobody else being free, rings again; then
			// the caller gives up.
			ct.acd.Arrive(telephony.ContactInfo{CallID: "k2", From: "0544950111"}, "centralino")
			r := ct.postJSON(t, "/api/cti/hangup", role.Operator, map[string]string{})
			ct.acd.Hangup("k2", telephony.ByCaller)
			return r
		}, http.StatusOK, func(o telephony.OperatorSnapshot) bool { return o.State == telephony.Idle && o.CallID == "" }},
		{"third call, answered and hung up", func() response {
			ct.acd.Arrive(telephony.ContactInfo{CallID: "k3", From: "0544950111"}, "numero verde")
			if r := ct.postJSON(t, "/api/cti/answer", role.Operator, map[string]string{}); r.Status != http.StatusOK {
				return r
			}
			ct.clock.Advance(30 * time.Second)
			return ct.postJSON(t, "/api/cti/hangup", role.Operator, map[string]string{"callId": "k3"})
		}, http.StatusOK, func(o telephony.OperatorSnapshot) bool { return o.State == telephony.Idle && o.Calls == 2 }},
		{"bad callback number", func() response {
			return ct.postJSON(t, "/api/cti/callback", role.Operator, map[string]string{"number": "<script>"})
		}, http.StatusBadRequest, nil},
		{"callback", func() response {
			return ct.postJSON(t, "/api/cti/callback", role.Operator, map[string]string{"number": "+39 333 7654321", "queue": "centralino"})
		}, http.StatusOK, func(o telephony.OperatorSnapshot) bool {
			return o.State == telephony.OnCall && strings.HasPrefix(o.CallID, "cb-")
		}},
		{"logout on a call", func() response {
			return ct.postJSON(t, "/api/cti/status", role.Operator, map[string]string{"action": "logout"})
		},
			http.StatusConflict, nil},
		{"supervisor hangs up for the operator", func() response {
			return ct.postJSON(t, "/api/cti/hangup", role.Supervisor, map[string]string{"operator": op})
		}, http.StatusOK, func(o telephony.OperatorSnapshot) bool { return o.State == telephony.Idle }},
		{"logout", func() response {
			return ct.postJSON(t, "/api/cti/status", role.Operator, map[string]string{"action": "logout"})
		},
			http.StatusOK, func(o telephony.OperatorSnapshot) bool { return o.Status == telephony.LoggedOut }},
	}
	for _, s := range steps {
		r := s.do()
		if r.Status != s.status {
			t.Fatalf("%s: %d, want %d\n%s", s.name, r.Status, s.status, r.Body)
		}
		if s.check != nil && !s.check(ct.operator(t, op)) {
			t.Fatalf("%s: operator is %+v", s.name, ct.operator(t, op))
		}
	}
	var kinds []string
	for _, e := range ct.acd.Log().Events(time.Time{}, time.Time{}) {
		if e.CallID == "k1" || e.CallID == "k2" || e.CallID == "k3" {
			kinds = append(kinds, e.CallID+":"+string(e.Kind))
		}
	}
	want := "k1:offered k1:queued k1:ringing k1:answered k1:transferred k2:offered k2:queued k2:ringing k2:no-answer k2:ringing k2:abandoned " +
		"k3:offered k3:queued k3:ringing k3:answered k3:completed"
	if got := strings.Join(kinds, " "); !strings.HasPrefix(got, want) {
		t.Errorf("event log:\n got %s\nwant %s…", got, want)
	}
	var transfer, dial bool
	for _, a := range ct.actions() {
		transfer = transfer || a.Kind == telephony.ActTransfer && a.Extension == "2111" && a.CallID == "k1"
		dial = dial || a.Kind == telephony.ActDial && a.Number == "+39 333 7654321"
	}
	if !transfer || !dial {
		t.Errorf("the media layer did not receive the transfer (%v) or the dial (%v): %+v", transfer, dial, ct.actions())
	}
	// A user who is not an operator of the ACD gets a clear 404.
	s2 := New(Config{Auth: ctiFixedAuth{"mario", role.Operator}}, Deps{Store: testStore(t), Telephony: ct.tel})
	r := httptest.NewRecorder()
	s2.Handler().ServeHTTP(r, httptest.NewRequest(http.MethodGet, "/api/cti/me", nil))
	if r.Code != http.StatusNotFound || !strings.Contains(r.Body.String(), "not_operator") {
		t.Errorf("unknown operator: %d %s", r.Code, r.Body)
	}
}

type ctiFixedAuth struct {
	user string
	role role.Role
}

func (a ctiFixedAuth) Role(*http.Request) (string, role.Role) { return a.user, a.role }

// TestCTIAnnouncements: upload, list, listen, activate, refuse to delete the active one,
// back up, delete, restore (TEL-5).
func TestCTIAnnouncements(t *testing.T) {
	ct := newCTITest(t)
	ctype, body := ctiMultipart(t, "file", "Benvenuto.wav", ctiWAV(), nil)
	r := ct.call(t, http.MethodPost, "/annunci", role.Administrator, ctype, body)
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "ok=uploaded") {
		t.Fatalf("upload: %d %v %s", r.Status, r.Header, r.Body)
	}
	ctype, body = ctiMultipart(t, "file", "rotto.wav", []byte("RIFF, not really"), nil)
	r = ct.call(t, http.MethodPost, "/annunci", role.Administrator, ctype, body)
	// The outcome travels as a key (webkit.Flash), shown as the catalogue's text.
	if loc, _ := url.Parse(r.Header.Get("Location")); loc == nil || loc.Query().Get("errore") != "wav" {
		t.Errorf("bad WAV: %v", r.Header.Get("Location"))
	}
	if page := ct.call(t, http.MethodGet, "/annunci?errore=wav", role.Administrator, "", nil); !strings.Contains(page.Body, "Il file non è una registrazione WAV telefonica") {
		t.Errorf("bad WAV: message not shown")
	}
	// A file a little over the store's limit reaches the store, which refuses it…
	big := bytes.Repeat([]byte{0xff}, 1<<20)
	ctype, body = ctiMultipart(t, "file", "lungo.wav", telephony.BuildWAV("ulaw", big), nil)
	if r := ct.call(t, http.MethodPost, "/annunci", role.Administrator, ctype, body); !strings.Contains(r.Header.Get("Location"), "errore=size") {
		t.Errorf("file over the store's limit accepted: %v", r.Header)
	}
	// …and a request over the limit plus the form's margin is refused before it is read.
	big = bytes.Repeat([]byte{0xff}, 2<<20)
	ctype, body = ctiMultipart(t, "file", "lungo.wav", telephony.BuildWAV("ulaw", big), nil)
	if r := ct.call(t, http.MethodPost, "/annunci", role.Administrator, ctype, body); r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "Il file supera il limite di 1 MiB") {
		t.Errorf("request over the limit: %d %.200s", r.Status, r.Body)
	}
	page := ct.call(t, http.MethodGet, "/annunci?ok=uploaded", role.Administrator, "", nil)
	if !strings.Contains(page.Body, `data-name="benvenuto"`) || !strings.Contains(page.Body, `src="/annunci/file/benvenuto"`) || !strings.Contains(page.Body, "Registrazione caricata.") {
		t.Fatalf("list:\n%.3000s", page.Body)
	}
	wav := ct.call(t, http.MethodGet, "/annunci/file/benvenuto", role.Administrator, "", nil)
	if wav.Status != http.StatusOK || wav.Header.Get("Content-Type") != "audio/wav" || !bytes.Equal([]byte(wav.Body), ctiWAV()) {
		t.Errorf("listen: %d %s (%d bytes)", wav.Status, wav.Header.Get("Content-Type"), len(wav.Body))
	}
	form := func(path string, v map[string]string) response {
		var parts []string
		for k, x := range v {
			parts = append(parts, k+"="+x)
		}
		return ct.call(t, http.MethodPost, path, role.Administrator, "application/x-www-form-urlencoded", strings.NewReader(strings.Join(parts, "&")))
	}
	if r := form("/annunci/attiva", map[string]string{"slot": "welcome", "band": "mattina", "name": "benvenuto"}); !strings.Contains(r.Header.Get("Location"), "ok=activated") {
		t.Fatalf("activate: %v", r.Header)
	}
	if n, ok := ct.tel.Announcements.Active(telephony.SlotWelcome, "mattina"); !ok || n != "benvenuto" {
		t.Errorf("active welcome in the morning: %q %v", n, ok)
	}
	if r := form("/annunci/attiva", map[string]string{"slot": "welcome", "band": "notte", "name": "benvenuto"}); !strings.Contains(r.Header.Get("Location"), "errore=") {
		t.Errorf("unknown band accepted: %v", r.Header)
	}
	if r := form("/annunci/elimina", map[string]string{"name": "benvenuto"}); !strings.Contains(r.Header.Get("Location"), "errore=") {
		t.Errorf("active recording deleted: %v", r.Header)
	}
	backup := ct.call(t, http.MethodGet, "/annunci/backup", role.Administrator, "", nil)
	if backup.Status != http.StatusOK || backup.Header.Get("Content-Type") != "application/gzip" {
		t.Fatalf("backup: %d %s", backup.Status, backup.Header.Get("Content-Type"))
	}
	// Restore on a fresh store brings back the recording and its activation.
	fresh, err := telephony.OpenAnnouncements(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	ct.tel.Announcements = fresh
	ctype, body = ctiMultipart(t, "backup", "annunci.tar.gz", []byte(backup.Body), nil)
	if r := ct.call(t, http.MethodPost, "/annunci/ripristina", role.Administrator, ctype, body); !strings.Contains(r.Header.Get("Location"), "ok=restored") {
		t.Fatalf("restore: %v", r.Header)
	}
	if n, ok := fresh.Active(telephony.SlotWelcome, "mattina"); !ok || n != "benvenuto" {
		t.Errorf("after restore: %q %v", n, ok)
	}
	ctype, body = ctiMultipart(t, "backup", "x.tar.gz", []byte("not a backup"), nil)
	if r := ct.call(t, http.MethodPost, "/annunci/ripristina", role.Administrator, ctype, body); !strings.Contains(r.Header.Get("Location"), "errore=") {
		t.Errorf("garbage restored: %v", r.Header)
	}
	if r := ct.call(t, http.MethodGet, "/annunci/file/..%2Fetc", role.Administrator, "", nil); r.Status != http.StatusNotFound {
		t.Errorf("path outside the store: %d", r.Status)
	}
}

// TestCTIZammad: the webhook feeds the event log with the right token only (TEL-1).
func TestCTIZammad(t *testing.T) {
	ct := newCTITest(t)
	body := "event=newCall&from=0544952111&to=800550011&direction=in&callId=z1&user[]=test-operator"
	r := ct.call(t, http.MethodPost, "/api/v1/cti/"+ctiToken, role.Anonymous, "application/x-www-form-urlencoded", strings.NewReader(body))
	if r.Status != http.StatusOK {
		t.Fatalf("newCall: %d %s", r.Status, r.Body)
	}
	var kinds []string
	for _, e := range ct.acd.Log().Events(time.Time{}, time.Time{}) {
		if e.CallID == "z1" {
			kinds = append(kinds, string(e.Kind))
		}
	}
	if strings.Join(kinds, " ") != "offered queued ringing" {
		t.Errorf("events of the webhook call: %v", kinds)
	}
	// A console hears the external PBX's calls for its extension (201 is test-operator's).
	hs := httptest.NewServer(ct.h)
	defer hs.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sse := ctiOpenSSE(t, ctx, hs.URL, role.Operator)
	body2 := "event=newCall&from=0544952111&to=centralino&direction=in&callId=z2&user[]=201"
	ct.call(t, http.MethodPost, "/api/v1/cti/"+ctiToken, role.Anonymous, "application/x-www-form-urlencoded", strings.NewReader(body2))
	p := sse.next("pop").Pop
	if p.CallID == "z1" { // the first call's pop, if the stream opened before the hub sent it
		p = sse.next("pop").Pop
	}
	if p.CallID != "z2" || p.Queue != "centralino" || len(p.Matches) == 0 || p.Ticket != "" {
		t.Errorf("pop of the external call: %+v", p)
	}
	if r := ct.call(t, http.MethodPost, "/api/v1/cti/sbagliato", role.Anonymous, "application/x-www-form-urlencoded", strings.NewReader(body)); r.Status != http.StatusForbidden {
		t.Errorf("wrong token: %d", r.Status)
	}
}

// TestCTIPages renders the pages with the live state (TEL-3: the supervisor view).
func TestCTIPages(t *testing.T) {
	ct := newCTITest(t)
	ct.acd.Login("test-operator")
	ct.acd.Pause("test-operator", "formazione")
	ct.acd.Arrive(telephony.ContactInfo{CallID: "p1", From: "0544950111"}, "centralino")
	ct.clock.Advance(42 * time.Second)
	ct.tel.History.Sample(ct.acd)
	ct.tel.Terminal = func(ext string) (string, bool) { return "sip:201@127.0.0.1:5071", ext == "201" }
	sup := ct.call(t, http.MethodGet, "/supervisore", role.Supervisor, "", nil)
	for _, want := range []string{`<tr data-queue="centralino">`, `<td class="waiting hot">1</td><td class="oldest">42 s</td>`,
		"in pausa (formazione)", `<polyline points=`, `201 <span class="reg">telefono registrato</span>`,
		`202 <span class="unreg">telefono non registrato</span>`, "Simula una chiamata", `<meta name="csrf-token"`} {
		if !strings.Contains(sup.Body, want) {
			t.Errorf("supervisor page lacks %q", want)
		}
	}
	if aud := ct.call(t, http.MethodGet, "/supervisore", role.Auditor, "", nil); strings.Contains(aud.Body, "Simula una chiamata") {
		t.Error("the auditor (read-only) is offered the demo call")
	}
	con := ct.call(t, http.MethodGet, "/operatore", role.Operator, "", nil)
	for _, want := range []string{`data-operator="test-operator"`, `id="contact"`, "Rispondi", "Trasferisci", `id="desk-labels"`,
		"in pausa", `id="kb-q"`, `id="ticket-form"`, `id="record-form"`, "Risolvi la richiesta con la scheda scelta", `data-tickets`, `/static/notify.js`} {
		if !strings.Contains(con.Body, want) {
			t.Errorf("desk lacks %q", want)
		}
	}
	var sn webcc.Snapshot
	decode(t, ct.call(t, http.MethodGet, "/api/cti/snapshot", role.Auditor, "", nil), &sn)
	if tm := sn.Operators[0].Terminal; tm == nil || !tm.Registered || tm.Contact != "sip:201@127.0.0.1:5071" {
		t.Errorf("terminal of 201: %+v", tm)
	}
	if len(sn.Queues) != 2 || sn.Queues[0].Waiting != 1 || sn.Queues[0].OldestWaitSeconds != 42 || sn.Queues[0].Paused != 1 || len(sn.History) == 0 {
		t.Errorf("snapshot: %+v", sn)
	}
	var dir map[string][]webcc.DirectoryEntry
	decode(t, ct.call(t, http.MethodGet, "/api/cti/directory?q=Bellandi", role.Operator, "", nil), &dir)
	if len(dir["items"]) != 1 || dir["items"][0].Extension != "2111" {
		t.Errorf("directory search: %+v", dir)
	}
	r := ct.postJSON(t, "/api/cti/demo/call", role.Supervisor, map[string]string{"queue": "centralino", "from": "0544952111"})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"callId":"demo-`) {
		t.Errorf("demo call: %d %s", r.Status, r.Body)
	}
	if r := ct.postJSON(t, "/api/cti/demo/call", role.Supervisor, map[string]string{"queue": "nessuna"}); r.Status != http.StatusNotFound {
		t.Errorf("demo call to an unknown queue: %d", r.Status)
	}
}

// TestCTICSRFToken: with a session, the pages carry its CSRF token, in the meta element the
// console's script sends back as X-CSRF-Token and in every form of the announcements page.
func TestCTICSRFToken(t *testing.T) {
	ct := newCTITest(t)
	ct.tel.Announcements.Upload("benvenuto", bytes.NewReader(ctiWAV()))
	for _, tc := range []struct {
		path string
		role role.Role
		want []string
	}{
		{"/operatore", role.Operator, []string{`<meta name="csrf-token" content="tok-123">`}},
		{"/supervisore", role.Supervisor, []string{`<meta name="csrf-token" content="tok-123">`}},
		{"/annunci", role.Administrator, []string{`<input type="hidden" name="csrf_token" value="tok-123">`}},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		req.Header.Set("X-Test-Role", string(tc.role))
		req = req.WithContext(webkit.NewContext(req.Context(), &accounts.Session{CSRF: "tok-123"}))
		rec := httptest.NewRecorder()
		ct.h.ServeHTTP(rec, req)
		for _, w := range tc.want {
			if !strings.Contains(rec.Body.String(), w) {
				t.Errorf("%s lacks %s", tc.path, w)
			}
		}
		if tc.path == "/annunci" {
			if n := strings.Count(rec.Body.String(), `name="csrf_token"`); n != 4 {
				t.Errorf("/annunci: %d forms with the token, want 4 (upload, delete, activate, restore)", n)
			}
		}
	}
}

// TestCTIPhoneAnswers: with SIP phones the console cannot connect a call its phone has not
// answered.
func TestCTIPhoneAnswers(t *testing.T) {
	ct := newCTITest(t)
	ct.tel.PhoneAnswers = true
	ct.acd.Login("test-operator")
	ct.acd.Arrive(telephony.ContactInfo{CallID: "s1", From: "0544950111"}, "centralino")
	r := ct.postJSON(t, "/api/cti/answer", role.Operator, map[string]string{"callId": "s1"})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "answer_on_phone") {
		t.Errorf("answer with SIP phones: %d %s", r.Status, r.Body)
	}
	if o := ct.operator(t, "test-operator"); o.State != telephony.Ringing {
		t.Errorf("operator %s after a refused answer", o.State)
	}
	if page := ct.call(t, http.MethodGet, "/operatore", role.Operator, "", nil); !strings.Contains(page.Body, "data-phone-answers") {
		t.Error("the console does not know the phone answers")
	}
}
