package web

import (
	"context"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sportello/contactcenter"
	"sportello/internal/role"
	"sportello/telephony"
	"sportello/ticketing"
	webcc "sportello/web/contactcenter"
)

const deskPill = "https://w3id.org/sportello/id/pill/tri-001"

type deskView struct {
	Ticket      ticketing.Ticket      `json:"ticket"`
	Line        webcc.TicketLine      `json:"line"`
	History     []webcc.TicketLine    `json:"history"`
	Path        []webcc.Step          `json:"path"`
	Queries     []string              `json:"queries"`
	Callbacks   []ticketing.Callback  `json:"callbacks"`
	SolveAction string                `json:"solveAction"`
	CanEscalate bool                  `json:"canEscalate"`
	MayHear     bool                  `json:"mayHear"`
	Recordings  []webcc.RecordingLine `json:"recordings"`
	Pending     bool                  `json:"pending"`
	Already     bool                  `json:"already"`
	Fields      map[string]string     `json:"fields"`
	Code        string                `json:"code"`
}

// answer brings a call from number to the operator, has them answer through the API and
// returns the contact pop (with its ticket) from their stream.
func (ct *ctiTest) answer(t *testing.T, sse *ctiSSEReader, id, number string) *webcc.Pop {
	t.Helper()
	if _, err := ct.acd.Arrive(telephony.ContactInfo{CallID: id, From: number}, "centralino"); err != nil {
		t.Fatal(err)
	}
	if p := sse.next("pop").Pop; p.CallID != id {
		t.Fatalf("pop of %s: %+v", id, p)
	}
	ct.clock.Advance(4 * time.Second)
	if r := ct.postJSON(t, "/api/cti/answer", role.Operator, map[string]string{"callId": id}); r.Status != http.StatusOK {
		t.Fatalf("answer: %d %s", r.Status, r.Body)
	}
	p := sse.next("contact").Pop
	if p == nil || p.CallID != id || p.Ticket == "" || !p.Answered {
		t.Fatalf("contact of %s: %+v", id, p)
	}
	return p
}

// TestDeskAPI is the desk's day through its API (issue 16, TK-1, TK-5, SLA-2 C.4, KB-4): a call
// answered opens one ticket, solved with the pill shown (the searches kept, the text typed
// saved); a second call from the same number shows the first in the history, is escalated with
// the call to a level-2 colleague — the ticket goes with it — and solved there; refusals name
// their fields.
func TestDeskAPI(t *testing.T) {
	ct := newCTITest(t)
	hs := httptest.NewServer(ct.h)
	defer hs.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sse := ctiOpenSSE(t, ctx, hs.URL, role.Operator)
	level2 := ctiOpenSSE(t, ctx, hs.URL, role.Level2)
	ct.postJSON(t, "/api/cti/status", role.Operator, map[string]string{"action": "login"})

	p := ct.answer(t, sse, "d1", "+39 333 1112223")
	var v deskView
	decode(t, ct.call(t, http.MethodGet, "/api/desk/tickets/"+p.Ticket, role.Operator, "", nil), &v)
	if v.Ticket.Number != p.Ticket || v.Ticket.State != ticketing.StateInProgress || v.SolveAction != "solve_l1" || !v.CanEscalate ||
		len(v.Path) != 2 || v.Line.URL != "/ticket/"+p.Ticket {
		t.Fatalf("view: %+v", v)
	}
	// Refusals name their fields and change nothing.
	for _, c := range []struct {
		body, field string
		status      int
	}{
		{`{}`, "pill", 400},
		{`{"pill": "TRI-001"}`, "pill", 400},
		{`{"pill": "` + deskPill + `", "description": "` + strings.Repeat("x", 70000) + `"}`, "description", 400},
	} {
		r := ct.call(t, http.MethodPost, "/api/desk/tickets/"+p.Ticket+"/solve", role.Operator, "application/json", strings.NewReader(c.body))
		var e deskView
		decode(t, r, &e)
		if r.Status != c.status || e.Fields[c.field] == "" {
			t.Errorf("solve %.40s: %d %+v", c.body, r.Status, e.Fields)
		}
	}
	for _, body := range []string{"", "{", `{"dance": 1}`} {
		if r := ct.call(t, http.MethodPost, "/api/desk/tickets/"+p.Ticket+"/solve", role.Operator, "application/json", strings.NewReader(body)); r.Status != http.StatusBadRequest {
			t.Errorf("solve with %q: %d", body, r.Status)
		}
	}
	if r := ct.call(t, http.MethodPost, "/api/desk/tickets/"+p.Ticket+"/solve", role.Operator, "text/plain", strings.NewReader("{}")); r.Status != http.StatusBadRequest {
		t.Errorf("solve without JSON: %d", r.Status)
	}
	r := ct.postJSON(t, "/api/desk/tickets/"+p.Ticket+"/solve", role.Operator, map[string]any{"pill": deskPill,
		"queries": []string{"bollo auto scadenza"}, "description": "bollo auto scadenza", "subject": "Scadenza del bollo"})
	var solved deskView
	decode(t, r, &solved)
	if r.Status != http.StatusOK || solved.Ticket.State != ticketing.StateSolvedL1 || !solved.Ticket.FirstContact ||
		solved.Ticket.Description != "bollo auto scadenza" || solved.Ticket.Subject != "Scadenza del bollo" {
		t.Fatalf("solved: %d %+v", r.Status, solved.Ticket)
	}
	if q, _ := ct.tickets.Queries(ctx, solved.Ticket.ID); len(q) != 1 {
		t.Errorf("searches on the ticket: %v", q)
	}
	if r := ct.postJSON(t, "/api/desk/tickets/"+p.Ticket+"/solve", role.Operator, map[string]any{"pill": deskPill}); r.Status != http.StatusConflict {
		t.Errorf("solved twice: %d %s", r.Status, r.Body)
	}
	ct.postJSON(t, "/api/cti/hangup", role.Operator, map[string]string{"callId": "d1"})
	ct.clock.Advance(time.Minute)
	ct.acd.Tick()

	// The second call: the history, then escalated with the call to level 2.
	ct.postJSON(t, "/api/cti/status", role.Level2, map[string]string{"action": "login"})
	ct.postJSON(t, "/api/cti/status", role.Level2, map[string]string{"action": "pause", "reason": "II livello"})
	p2 := ct.answer(t, sse, "d2", "3331112223")
	var caller struct {
		History []webcc.TicketLine `json:"history"`
	}
	decode(t, ct.call(t, http.MethodGet, "/api/desk/caller?number=3331112223", role.Operator, "", nil), &caller)
	if len(caller.History) != 2 {
		t.Errorf("caller history: %+v", caller.History)
	}
	decode(t, ct.call(t, http.MethodGet, "/api/desk/tickets/"+p2.Ticket, role.Operator, "", nil), &v)
	if len(v.History) != 1 || v.History[0].Number != p.Ticket {
		t.Errorf("history of the second contact: %+v", v.History)
	}
	var dir map[string][]webcc.DirectoryEntry
	decode(t, ct.call(t, http.MethodGet, "/api/cti/directory?q=", role.Operator, "", nil), &dir)
	if len(dir["items"]) < 3 || dir["items"][0].Kind != "operator" || dir["items"][0].Level != "level2" || dir["items"][0].Extension != "203" {
		t.Fatalf("transfer targets: %+v", dir["items"][:min(3, len(dir["items"]))])
	}
	r = ct.postJSON(t, "/api/desk/tickets/"+p2.Ticket+"/escalate", role.Operator, map[string]any{"extension": "203"})
	decode(t, r, &v)
	if r.Status != http.StatusBadRequest || v.Fields["queries"] == "" {
		t.Errorf("escalation without searches: %d %s", r.Status, r.Body)
	}
	r = ct.postJSON(t, "/api/desk/tickets/"+p2.Ticket+"/escalate", role.Operator, map[string]any{"extension": "203",
		"queries": []string{"rimborso bollo"}, "note": "pagato due volte", "description": "Chiede il rimborso del bollo pagato due volte"})
	decode(t, r, &v)
	if r.Status != http.StatusOK || !v.Pending {
		t.Fatalf("escalation with the call: %d %s", r.Status, r.Body)
	}
	in := level2.next("contact").Pop
	if in.Ticket != p2.Ticket || in.TransferredFrom != "test-operator" || in.Operator != "test-level2" {
		t.Fatalf("level 2's desk: %+v", in)
	}
	decode(t, ct.call(t, http.MethodGet, "/api/desk/tickets/"+p2.Ticket, role.Level2, "", nil), &v)
	if v.Ticket.State != ticketing.StateEscalated || v.Ticket.Assignee != "test-level2" || v.SolveAction != "solve" ||
		v.Ticket.Description != "Chiede il rimborso del bollo pagato due volte" {
		t.Fatalf("level 2's view: %+v", v)
	}
	var mine struct {
		Items []webcc.TicketLine `json:"items"`
	}
	decode(t, ct.call(t, http.MethodGet, "/api/desk/mine", role.Level2, "", nil), &mine)
	if len(mine.Items) != 1 || mine.Items[0].Number != p2.Ticket {
		t.Errorf("level 2's requests to complete: %+v", mine.Items)
	}
	r = ct.postJSON(t, "/api/desk/tickets/"+p2.Ticket+"/solve", role.Level2, map[string]any{"pill": deskPill})
	decode(t, r, &v)
	if r.Status != http.StatusOK || v.Ticket.State != ticketing.StateSolved || v.Ticket.FirstContact {
		t.Fatalf("solved at level 2: %d %s", r.Status, r.Body)
	}
	f, err := ct.tickets.Figures(ctx, ctiStart.Add(-time.Hour), ctiStart.Add(24*time.Hour))
	if err != nil || f.Contacts != 2 || f.FirstContact != 1 {
		t.Errorf("figures: %+v %v", f, err)
	}
	if all, _ := ct.tickets.List(ctx, ticketing.Filter{}); len(all) != 2 {
		t.Errorf("%d tickets for two contacts", len(all))
	}
	if r := ct.call(t, http.MethodGet, "/api/desk/tickets/RS-1999-000001", role.Operator, "", nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown ticket: %d", r.Status)
	}
}

// TestDeskRecordOffline (TK-14): the API takes a contact recorded while the server was
// unreachable with the time it was recorded, flags it, and takes a second sending of the same
// record as the same ticket.
func TestDeskRecordOffline(t *testing.T) {
	ct := newCTITest(t)
	at := ctiStart.Add(-20 * time.Minute).UTC().Format(time.RFC3339)
	body := map[string]any{"id": "0b0e8a3c-1d2e-4f50-8a9b-0c1d2e3f4a5b", "channel": "phone", "from": "0874 555666",
		"at": at, "notes": "Chiede la scadenza del bollo", "pill": deskPill, "queries": []string{"scadenza bollo"}, "offline": true}
	r := ct.postJSON(t, "/api/desk/contacts", role.Operator, body)
	var v deskView
	decode(t, r, &v)
	if r.Status != http.StatusCreated || !v.Ticket.RecordedOffline || v.Ticket.State != ticketing.StateSolvedL1 ||
		v.Ticket.Created.UTC().Format(time.RFC3339) != at || !v.Line.Offline {
		t.Fatalf("recorded offline: %d %s", r.Status, r.Body)
	}
	again := ct.postJSON(t, "/api/desk/contacts", role.Operator, body)
	var v2 deskView
	decode(t, again, &v2)
	if again.Status != http.StatusOK || !v2.Already || v2.Ticket.ID != v.Ticket.ID {
		t.Fatalf("sent again: %d %s", again.Status, again.Body)
	}
	path, _ := ct.tickets.Path(context.Background(), v.Ticket.ID)
	if len(path) < 2 || path[1].Action != ticketing.ActRecordedOffline {
		t.Errorf("path: %+v", path)
	}
	for _, bad := range []map[string]any{
		{"id": "x", "notes": "a"},
		{"id": "abcdefgh-1", "notes": "a", "at": "ieri"},
		{"id": "abcdefgh-2"},
	} {
		if r := ct.postJSON(t, "/api/desk/contacts", role.Operator, bad); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `"fields"`) {
			t.Errorf("%v: %d %s", bad, r.Status, r.Body)
		}
	}
	if all, _ := ct.tickets.List(context.Background(), ticketing.Filter{}); len(all) != 1 {
		t.Errorf("%d tickets, want 1", len(all))
	}
}

// TestDeskCallControl: attended transfer from the desk (consult, go back, consult, complete)
// and a callback placed with its booking as the call's reference, its outcome on the ticket.
func TestDeskCallControl(t *testing.T) {
	ct := newCTITest(t)
	ct.acd.ReportTransfers()
	hs := httptest.NewServer(ct.h)
	defer hs.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sse := ctiOpenSSE(t, ctx, hs.URL, role.Operator)
	ct.postJSON(t, "/api/cti/status", role.Operator, map[string]string{"action": "login"})
	p := ct.answer(t, sse, "x1", "3339998887")
	if r := ct.postJSON(t, "/api/cti/transfer/complete", role.Operator, map[string]string{}); r.Status != http.StatusConflict {
		t.Errorf("complete without a consultation: %d %s", r.Status, r.Body)
	}
	if r := ct.postJSON(t, "/api/cti/consult", role.Operator, map[string]string{"extension": "3001"}); r.Status != http.StatusOK {
		t.Fatalf("consult: %d %s", r.Status, r.Body)
	}
	if r := ct.postJSON(t, "/api/cti/transfer/cancel", role.Operator, map[string]string{}); r.Status != http.StatusOK {
		t.Fatalf("back to the caller: %d %s", r.Status, r.Body)
	}
	if _, err := ct.acd.TransferResult("x1", telephony.TransferCancelled, "operator"); err != nil {
		t.Fatal(err)
	}
	if r := ct.postJSON(t, "/api/cti/consult", role.Operator, map[string]string{"extension": "bad ext"}); r.Status != http.StatusBadRequest {
		t.Errorf("bad extension: %d", r.Status)
	}
	ct.postJSON(t, "/api/cti/consult", role.Operator, map[string]string{"extension": "3001"})
	ct.postJSON(t, "/api/cti/transfer/complete", role.Operator, map[string]string{})
	var kinds []string
	for _, a := range ct.actions() {
		if a.CallID == "x1" && (a.Kind == telephony.ActConsult || a.Kind == telephony.ActCancelXfer || a.Kind == telephony.ActCompleteXfer) {
			kinds = append(kinds, string(a.Kind))
		}
	}
	if len(kinds) != 4 {
		t.Errorf("actions for the media layer: %v", kinds)
	}
	ct.acd.TransferResult("x1", telephony.TransferDone, "")
	if tk, _ := ct.tickets.TicketByNumber(ctx, p.Ticket); tk.State != ticketing.StateInProgress || tk.Assignee != "test-operator" {
		t.Errorf("a transfer to the PBX leaves the ticket with the operator: %+v", tk)
	}
	ct.clock.Advance(time.Minute)
	ct.acd.Tick()

	// A callback booked on the ticket, placed from the desk.
	tk, _ := ct.tickets.TicketByNumber(ctx, p.Ticket)
	cb, err := ct.tickets.ScheduleCallback(ctx, tk.ID, ticketing.Callback{Number: "3339998887", Due: ctiStart}, "sistema")
	if err != nil {
		t.Fatal(err)
	}
	var due struct {
		Items []webcc.DueCallback `json:"items"`
	}
	decode(t, ct.call(t, http.MethodGet, "/api/desk/callbacks", role.Operator, "", nil), &due)
	if len(due.Items) != 1 || due.Items[0].ID != cb.ID || due.Items[0].Ticket != p.Ticket {
		t.Fatalf("callbacks due: %+v", due.Items)
	}
	if r := ct.postJSON(t, "/api/cti/callback", role.Operator, map[string]any{"callbackId": cb.ID, "queue": "centralino"}); r.Status != http.StatusOK {
		t.Fatalf("callback: %d %s", r.Status, r.Body)
	}
	op := ct.operator(t, "test-operator")
	c := sse.next("contact").Pop
	if c.Ticket != p.Ticket || c.Ref != contactcenter.CallbackRef(cb.ID) || c.Channel != telephony.CallbackChan {
		t.Fatalf("the placed callback on the desk: %+v", c)
	}
	if err := ct.acd.CallbackResult(op.CallID, "no-answer"); err != nil {
		t.Fatal(err)
	}
	for m := sse.next("cti"); m.Event.Kind != telephony.EvCallbackOutcome; m = sse.next("cti") {
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		cbs, _ := ct.tickets.Callbacks(ctx, tk.ID)
		if cbs[0].Attempts == 1 && cbs[0].Outcome == "non risponde" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outcome not recorded: %+v", cbs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := ct.postJSON(t, "/api/cti/callback", role.Operator, map[string]any{"callbackId": 9999}); r.Status != http.StatusNotFound {
		t.Errorf("unknown booking: %d %s", r.Status, r.Body)
	}
}

// TestDeskAssets: the desk's and the notification's scripts and the ring are served; the layout
// loads the notification script for the roles with a desk only.
func TestDeskAssets(t *testing.T) {
	ct := newCTITest(t)
	for path, ctype := range map[string]string{"/static/desk.js": "javascript", "/static/notify.js": "javascript",
		"/static/desk.css": "text/css", "/static/notify.css": "text/css", "/static/ring.wav": "audio/"} {
		r := ct.call(t, http.MethodGet, path, role.Anonymous, "", nil)
		if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), ctype) {
			t.Errorf("%s: %d %s", path, r.Status, r.Header.Get("Content-Type"))
		}
		if path == "/static/ring.wav" {
			b := []byte(r.Body)
			if len(b) < 44 || string(b[:4]) != "RIFF" || len(b) > 16<<10 {
				t.Fatalf("ring.wav: %d bytes", len(b))
			}
			rate, bytes := binary.LittleEndian.Uint32(b[24:]), binary.LittleEndian.Uint32(b[40:])
			if d := time.Duration(bytes/2) * time.Second / time.Duration(rate); d > time.Second {
				t.Errorf("ring.wav lasts %v: a notification is short", d)
			}
		}
	}
	for who, want := range map[role.Role]bool{role.Operator: true, role.Level2: true, role.Backoffice: true, role.Supervisor: true,
		role.Anonymous: false, role.Publisher: false, role.Administrator: false} {
		page := ct.call(t, http.MethodGet, "/albero", who, "", nil)
		if got := strings.Contains(page.Body, `src="/static/notify.js"`); got != want {
			t.Errorf("/albero as %s loads notify.js: %v", who, got)
		}
	}
}
