package contactcenter

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sportello/internal/sqldb"
	"sportello/internal/sqldb/sqldbtest"
	"sportello/telephony"
	"sportello/ticketing"
)

// liteDB is a fresh SQLite database, for the tests whose rules do not depend on the engine.
func liteDB(t *testing.T) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

const pillIRI = "https://w3id.org/sportello/id/pill/tri-001"

// deskRig is the contact center of the desk's tests: an ACD on a manual clock with an operator
// (mario, 201) and a level-2 user (lucia, 203), the ticketing store of one engine, the hub with
// the desk, and a listener per desk.
type deskRig struct {
	t       *testing.T
	clock   *telephony.ManualClock
	acd     *telephony.ACD
	store   *ticketing.Store
	desk    *Desk
	hub     *Hub
	mario   <-chan Message
	lucia   <-chan Message
	records *telephony.Recordings
}

func newDeskRig(t *testing.T, store *ticketing.Store, reports bool) *deskRig {
	t.Helper()
	r := &deskRig{t: t, store: store, clock: telephony.NewManualClock(romeTime(2026, 3, 2, 10, 0))}
	setup := &telephony.Setup{Queues: []telephony.QueueConfig{{Name: "centralino", RingTimeout: 15 * time.Second}},
		Operators: []telephony.OperatorConfig{
			{ID: "mario", Name: "Mario", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}},
			{ID: "lucia", Name: "Lucia", Extension: "203", Queues: []telephony.Membership{{Queue: "centralino", Penalty: 5}}},
		}}
	acd, err := setup.Build(r.clock, telephony.NewEventLog())
	if err != nil {
		t.Fatal(err)
	}
	if reports {
		acd.ReportTransfers()
	}
	r.acd = acd
	r.records = &telephony.Recordings{Dir: t.TempDir()}
	caps := CapacityFunc(func(_ context.Context, user string) ticketing.Capacity {
		if user == "lucia" {
			return ticketing.AsLevel2
		}
		return ticketing.AsOperator
	})
	r.desk = &Desk{Tickets: store, Recordings: r.records, Finders: []CallerFinder{Citizens{Store: store}},
		Now: func() time.Time { return r.clock.Now() }}
	r.hub = NewHub(acd, &Tickets{Store: store, Capacities: caps}, Citizens{Store: store}).WithDesk(r.desk)
	var stop1, stop2 func()
	r.mario, stop1 = r.hub.Listen(Filter{Operator: "mario"}, 256)
	r.lucia, stop2 = r.hub.Listen(Filter{Operator: "lucia"}, 256)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.hub.Run(ctx); close(done) }()
	t.Cleanup(func() { stop1(); stop2(); cancel(); <-done })
	if _, err := acd.Login("mario"); err != nil {
		t.Fatal(err)
	}
	if _, err := acd.Login("lucia"); err != nil {
		t.Fatal(err)
	}
	return r
}

// wait returns the first message of ch whose event is kind (and, when pop, that carries a pop).
func (r *deskRig) wait(ch <-chan Message, kind telephony.EventKind, pop bool) Message {
	r.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m := <-ch:
			if m.Event.Kind == kind && (!pop || m.Pop != nil) {
				return m
			}
		case <-timeout:
			r.t.Fatalf("no %s message within 5 s", kind)
		}
	}
}

// call brings a call from number to mario and has him answer: the answered pop.
func (r *deskRig) call(id, number string) Pop {
	r.t.Helper()
	if _, err := r.acd.Arrive(telephony.ContactInfo{CallID: id, Channel: telephony.Voice, From: number}, "centralino"); err != nil {
		r.t.Fatal(err)
	}
	ring := r.wait(r.mario, telephony.EvRinging, true)
	if ring.Pop.Ticket != "" {
		r.t.Fatalf("a ringing phone has a ticket: %+v", ring.Pop)
	}
	r.clock.Advance(2 * time.Second)
	if _, err := r.acd.OperatorAnswered(id, "mario"); err != nil {
		r.t.Fatal(err)
	}
	m := r.wait(r.mario, telephony.EvAnswered, true)
	if m.Pop.Ticket == "" || !m.Pop.Answered {
		r.t.Fatalf("answered without a ticket: %+v", m.Pop)
	}
	return *m.Pop
}

// TestDeskOneTicketPerContact is the day of the desk (TK-1, TK-5, SLA-2 C.4, KB-4): a call is
// answered — one ticket, in the operator's hands — and solved with the pill shown, the
// searches kept; a second call from the same citizen shows the first in the history, is
// escalated to level 2 with the call and the ticket travels with the transfer to the level-2
// user, who solves it with the pill. Two contacts, two tickets, one first-contact resolution.
func TestDeskOneTicketPerContact(t *testing.T) {
	ctx := context.Background()
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			var r *deskRig
			store, err := ticketing.Open(ctx, db, ticketing.Config{DataDir: t.TempDir(), Now: func() time.Time { return r.clock.Now() }})
			if err != nil {
				t.Fatal(err)
			}
			r = newDeskRig(t, store, false)
			carla := &ticketing.Citizen{Name: "Carla Verdi", Phones: []string{"0874 555666"}}
			if err := store.CreateCitizen(ctx, carla); err != nil {
				t.Fatal(err)
			}
			p := r.call("call-1", "+390874555666")
			if len(p.Callers) != 1 || p.Callers[0].CitizenID != carla.ID {
				t.Errorf("caller: %+v", p.Callers)
			}
			v, err := r.desk.View(ctx, p.Ticket, "mario", ticketing.AsOperator)
			if err != nil {
				t.Fatal(err)
			}
			if v.Ticket.Assignee != "mario" || v.Ticket.State != ticketing.StateInProgress || v.Citizen == nil ||
				v.Citizen.ID != carla.ID || v.SolveAction != ticketing.ActSolveL1 || !v.CanEscalate || len(v.History) != 0 {
				t.Fatalf("view = %+v", v)
			}
			desc := "bollo auto scadenza"
			solved, err := r.desk.Solve(ctx, p.Ticket, "mario", ticketing.AsOperator, Solution{Edit: Edit{Description: &desc},
				Pill: pillIRI, Queries: []string{"bollo", "bollo auto scadenza"}})
			if err != nil {
				t.Fatal(err)
			}
			if solved.State != ticketing.StateSolvedL1 || !solved.FirstContact || solved.Pill != pillIRI || solved.Description != desc {
				t.Fatalf("solved = %+v", solved)
			}
			if q, _ := store.Queries(ctx, solved.ID); len(q) != 2 {
				t.Errorf("searches kept: %v", q)
			}
			r.clock.Advance(time.Minute)
			r.acd.Hangup("call-1", telephony.ByCaller)
			r.wait(r.mario, telephony.EvCompleted, false)
			r.clock.Advance(time.Minute)
			r.acd.Tick() // the wrap-up ends

			// The second call: the history shows the first request (KB-4).
			p2 := r.call("call-2", "0874 555666")
			if p2.Ticket == p.Ticket {
				t.Fatal("the second contact reuses the first one's ticket")
			}
			cv, err := r.desk.Caller(ctx, "0874 555666")
			if err != nil || len(cv.History) != 2 {
				t.Fatalf("caller view: %+v, %v", cv, err)
			}
			v2, _ := r.desk.View(ctx, p2.Ticket, "mario", ticketing.AsOperator)
			if len(v2.History) != 1 || v2.History[0].Ticket.Number != p.Ticket {
				t.Fatalf("history of the second contact: %+v", v2.History)
			}
			// Escalated with the call: nothing is escalated before the transfer succeeds.
			if _, err := r.desk.Escalate(ctx, p2.Ticket, "mario", ticketing.AsOperator, Escalation{}, "call-2"); !errors.Is(err, ticketing.ErrInvalid) ||
				ticketing.Fields(err)["queries"] == "" {
				t.Fatalf("escalation without searches: %v", err)
			}
			if _, err := r.desk.Escalate(ctx, p2.Ticket, "mario", ticketing.AsOperator, Escalation{Queries: []string{"rimborso bollo"}}, "call-1"); err == nil {
				t.Fatal("escalation with another contact's call accepted")
			}
			tk, err := r.desk.Escalate(ctx, p2.Ticket, "mario", ticketing.AsOperator,
				Escalation{Queries: []string{"rimborso bollo pagato due volte"}, Note: "bollo pagato due volte"}, "call-2")
			if err != nil || tk.State != ticketing.StateInProgress {
				t.Fatalf("escalation waiting for the transfer: %+v, %v", tk, err)
			}
			if _, err := r.acd.Transfer("call-2", "203"); err != nil {
				t.Fatal(err)
			}
			in := r.wait(r.lucia, telephony.EvTransferred, true)
			if in.Pop.Ticket != p2.Ticket || in.Pop.TransferredFrom != "mario" || in.Pop.Operator != "lucia" || !in.Pop.Answered {
				t.Fatalf("the level-2 desk's contact: %+v", in.Pop)
			}
			moved, _ := store.TicketByNumber(ctx, p2.Ticket)
			if moved.Assignee != "lucia" || moved.State != ticketing.StateEscalated {
				t.Fatalf("the ticket after the transfer: %+v", moved)
			}
			path, _ := store.Path(ctx, moved.ID)
			var steps []string
			for _, e := range path {
				steps = append(steps, string(e.Action)+"/"+e.Actor+"/"+string(e.Role))
			}
			if got := strings.Join(steps, " "); !strings.HasSuffix(got, "escalate/mario/operator transfer/lucia/level2") {
				t.Errorf("path: %s", got)
			}
			if cur, ok := r.hub.Current("lucia"); !ok || cur.Ticket != p2.Ticket {
				t.Errorf("level 2's current contact: %+v", cur)
			}
			lv, err := r.desk.View(ctx, p2.Ticket, "lucia", ticketing.AsLevel2)
			if err != nil || lv.SolveAction != ticketing.ActSolve {
				t.Fatalf("level 2's view: %+v, %v", lv, err)
			}
			done, err := r.desk.Solve(ctx, p2.Ticket, "lucia", ticketing.AsLevel2, Solution{Pill: pillIRI})
			if err != nil || done.State != ticketing.StateSolved || done.FirstContact {
				t.Fatalf("solved at level 2: %+v, %v", done, err)
			}
			f, err := store.Figures(ctx, romeTime(2026, 3, 2, 0, 0), romeTime(2026, 3, 3, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if f.Contacts != 2 || f.FirstContact != 1 {
				t.Errorf("figures: %d contacts, %d at first contact", f.Contacts, f.FirstContact)
			}
			if n, _ := store.List(ctx, ticketing.Filter{}); len(n) != 2 {
				t.Errorf("%d tickets for two contacts", len(n))
			}
		})
	}
}

// TestDeskTransferFails: with a media layer that reports transfers, an escalation with the
// call waits; the transfer fails (busy) and the call returns to the operator: the ticket
// stays in progress with the operator, and a later successful transfer without the
// escalation does not escalate it.
func TestDeskTransferFails(t *testing.T) {
	ctx := context.Background()
	db := liteDB(t)
	var r *deskRig
	store, err := ticketing.Open(ctx, db, ticketing.Config{DataDir: t.TempDir(), Now: func() time.Time { return r.clock.Now() }})
	if err != nil {
		t.Fatal(err)
	}
	r = newDeskRig(t, store, true)
	p := r.call("call-9", "3331234567")
	if _, err := r.desk.Escalate(ctx, p.Ticket, "mario", ticketing.AsOperator, Escalation{Queries: []string{"residenza"}}, "call-9"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.acd.Transfer("call-9", "3001"); err != nil {
		t.Fatal(err)
	}
	r.wait(r.mario, telephony.EvTransferStarted, false)
	if _, err := r.acd.TransferResult("call-9", telephony.TransferFailed, "486 Busy Here"); err != nil {
		t.Fatal(err)
	}
	r.wait(r.mario, telephony.EvTransferFailed, false)
	tk, _ := store.TicketByNumber(ctx, p.Ticket)
	if tk.State != ticketing.StateInProgress || tk.Assignee != "mario" {
		t.Fatalf("after the failed transfer: %+v", tk)
	}
	if _, err := r.acd.Transfer("call-9", "3001"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.acd.TransferResult("call-9", telephony.TransferDone, ""); err != nil {
		t.Fatal(err)
	}
	r.wait(r.mario, telephony.EvTransferred, false)
	if tk, _ = store.TicketByNumber(ctx, p.Ticket); tk.State != ticketing.StateInProgress || tk.Assignee != "mario" {
		t.Fatalf("after a plain transfer to the PBX: %+v", tk)
	}
	if cur, ok := r.hub.Current("mario"); !ok || cur.Ended != telephony.EvTransferred || cur.Ticket != p.Ticket {
		t.Errorf("the operator's desk keeps the transferred contact's ticket: %+v", cur)
	}
}

// TestDeskCallback: a callback booked on a ticket is placed from the desk with its booking as
// the call's reference; the placed call shows the booking's ticket, and its outcome is recorded
// on the booking (TEL-7).
func TestDeskCallback(t *testing.T) {
	ctx := context.Background()
	db := liteDB(t)
	var r *deskRig
	store, err := ticketing.Open(ctx, db, ticketing.Config{DataDir: t.TempDir(), Now: func() time.Time { return r.clock.Now() }})
	if err != nil {
		t.Fatal(err)
	}
	r = newDeskRig(t, store, true)
	tk, err := store.Create(ctx, ticketing.NewTicket{Channel: ticketing.Phone, Subject: "Richiamata prenotata dall'IVR", Actor: "sistema"})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := store.ScheduleCallback(ctx, tk.ID, ticketing.Callback{Number: "0874 555666", Due: r.clock.Now(), MaxAttempts: 2}, "sistema")
	if err != nil {
		t.Fatal(err)
	}
	due, err := r.desk.DueCallbacks(ctx)
	if err != nil || len(due) != 1 || due[0].Ticket != tk.Number {
		t.Fatalf("due: %+v, %v", due, err)
	}
	number, ref, err := r.desk.CallbackToPlace(ctx, cb.ID)
	if err != nil || number != "+390874555666" || ref != CallbackRef(cb.ID) {
		t.Fatalf("to place: %q %q %v", number, ref, err)
	}
	if _, err := r.acd.PlaceCallbackFor("mario", "cb-1", number, "centralino", ref); err != nil {
		t.Fatal(err)
	}
	m := r.wait(r.mario, telephony.EvAnswered, true)
	if m.Pop.Ticket != tk.Number || m.Pop.Channel != telephony.CallbackChan || m.Pop.From != number {
		t.Fatalf("the placed callback's contact: %+v", m.Pop)
	}
	if err := r.acd.CallbackResult("cb-1", "busy"); err != nil {
		t.Fatal(err)
	}
	r.wait(r.mario, telephony.EvCallbackOutcome, false)
	cbs, _ := store.Callbacks(ctx, tk.ID)
	if len(cbs) != 1 || cbs[0].Attempts != 1 || cbs[0].Outcome != "occupato" || cbs[0].State != ticketing.CallbackPending || cbs[0].Operator != "mario" {
		t.Fatalf("callback after a busy line: %+v", cbs)
	}
	if n, _ := store.List(ctx, ticketing.Filter{}); len(n) != 1 {
		t.Errorf("the placed callback opened a ticket of its own: %d tickets", len(n))
	}
	if _, _, err := r.desk.CallbackToPlace(ctx, 999); !errors.Is(err, ticketing.ErrNotFound) {
		t.Errorf("unknown callback: %v", err)
	}
}

// TestDeskRecord (TK-14): contacts recorded on the desk — offline ones keep the time they were
// recorded and are flagged; the same record sent twice is one ticket; a contact with a pill is
// solved at first contact; junk is refused naming each field.
func TestDeskRecord(t *testing.T) {
	ctx := context.Background()
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			now := romeTime(2026, 3, 2, 11, 0)
			store, err := ticketing.Open(ctx, db, ticketing.Config{DataDir: t.TempDir(), Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			d := &Desk{Tickets: store, Now: func() time.Time { return now }}
			rec := Recorded{ID: "3f2a9c1e-0000-4000-8000-000000000001", From: "0874 555666", At: now.Add(-25 * time.Minute),
				Notes: "Chiede la scadenza del bollo", Pill: pillIRI, Queries: []string{"scadenza bollo"}, Offline: true}
			tk, already, err := d.Record(ctx, "mario", ticketing.AsOperator, rec)
			if err != nil || already {
				t.Fatalf("record: %+v %v %v", tk, already, err)
			}
			if !tk.RecordedOffline || !tk.Created.Equal(rec.At) || tk.State != ticketing.StateSolvedL1 || !tk.FirstContact ||
				tk.Assignee != "mario" || tk.Contact == nil || tk.Contact.Phone != "+390874555666" {
				t.Fatalf("recorded ticket = %+v", tk)
			}
			again, already, err := d.Record(ctx, "mario", ticketing.AsOperator, rec)
			if err != nil || !already || again.ID != tk.ID {
				t.Fatalf("sent twice: %+v %v %v", again, already, err)
			}
			// Online, without a pill: in progress, to complete.
			counter, _, err := d.Record(ctx, "mario", ticketing.AsOperator, Recorded{ID: "counter-0001", Channel: ticketing.Counter,
				Name: "Luigi Neri", Notes: "Modulo per la residenza"})
			if err != nil || counter.RecordedOffline || counter.State != ticketing.StateInProgress || counter.Subject != "Contatto allo sportello: Luigi Neri" {
				t.Fatalf("counter contact = %+v, %v", counter, err)
			}
			mine, _ := d.Mine(ctx, "mario")
			if len(mine) != 1 || mine[0].Ticket.ID != counter.ID {
				t.Errorf("to complete: %+v", mine)
			}
			for _, bad := range []struct {
				r     Recorded
				field string
			}{
				{Recorded{ID: "x", Notes: "a"}, "id"},
				{Recorded{ID: "abcdefgh-1", Offline: true, Notes: "a"}, "at"},
				{Recorded{ID: "abcdefgh-2", At: now.Add(time.Hour), Notes: "a"}, "at"},
				{Recorded{ID: "abcdefgh-3", At: now.Add(-40 * 24 * time.Hour), Notes: "a", Offline: true}, "at"},
				{Recorded{ID: "abcdefgh-4"}, "notes"},
				{Recorded{ID: "abcdefgh-5", Notes: "a", From: "tel. casa"}, "from"},
				{Recorded{ID: "abcdefgh-6", Notes: "a", Channel: ticketing.Voicemail}, "channel"},
			} {
				if _, _, err := d.Record(ctx, "mario", ticketing.AsOperator, bad.r); ticketing.Fields(err)[bad.field] == "" {
					t.Errorf("%+v: %v (want a message for %s)", bad.r, err, bad.field)
				}
			}
			if all, _ := store.List(ctx, ticketing.Filter{}); len(all) != 2 {
				t.Errorf("%d tickets, want 2", len(all))
			}
		})
	}
}

// TestDeskRecordings (TK-4): the recordings of a contact are listed and opened for the
// supervisors and for who handled the request only; deleted ones are gone.
func TestDeskRecordings(t *testing.T) {
	ctx := context.Background()
	db := liteDB(t)
	var r *deskRig
	store, err := ticketing.Open(ctx, db, ticketing.Config{DataDir: t.TempDir(), Now: func() time.Time { return r.clock.Now() }})
	if err != nil {
		t.Fatal(err)
	}
	r = newDeskRig(t, store, false)
	p := r.call("call-rec", "3331234567")
	w, err := r.records.Create("call-rec", r.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]int16, 8000))
	w.Close()
	for _, c := range []struct {
		user string
		cap  ticketing.Capacity
		ok   bool
	}{
		{"mario", ticketing.AsOperator, true},        // answered it
		{"sergio", ticketing.AsSupervisor, true},     // level 3
		{"bruno", ticketing.AsOperator, false},       // another operator
		{"lucia", ticketing.AsLevel2, false},         // level 2 not on it
		{"admin", ticketing.Capacity("none"), false}, // administrators and auditors read tickets, not conversations
	} {
		recs, err := r.desk.RecordingsOf(ctx, p.Ticket, c.user, c.cap)
		if c.ok != (err == nil) || c.ok && (len(recs) != 1 || recs[0].Duration != time.Second) {
			t.Errorf("%s: %+v, %v", c.user, recs, err)
		}
		if !c.ok && !errors.Is(err, ErrNotAllowed) {
			t.Errorf("%s: %v, want ErrNotAllowed", c.user, err)
		}
		v, _ := r.desk.View(ctx, p.Ticket, c.user, c.cap)
		if v.MayHear != c.ok || len(v.Recordings) != map[bool]int{true: 1, false: 0}[c.ok] {
			t.Errorf("%s: view may hear %v, %d recordings", c.user, v.MayHear, len(v.Recordings))
		}
	}
	// Level 2 hears it once the call is transferred to them.
	r.acd.Transfer("call-rec", "203")
	r.wait(r.lucia, telephony.EvTransferred, true)
	recs, err := r.desk.RecordingsOf(ctx, p.Ticket, "lucia", ticketing.AsLevel2)
	if err != nil || len(recs) != 1 {
		t.Fatalf("level 2 after the transfer: %+v, %v", recs, err)
	}
	f, err := r.desk.OpenRecording(ctx, p.Ticket, recs[0].Name, "lucia", ticketing.AsLevel2)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := r.desk.OpenRecording(ctx, p.Ticket, "../../etc/passwd", "lucia", ticketing.AsLevel2); !errors.Is(err, telephony.ErrNoRecording) {
		t.Errorf("a path as a recording's name: %v", err)
	}
	// The retention deletes it: gone from the list, not found.
	os.Chtimes(filepath.Join(r.records.Dir, "call-rec", recs[0].Name), time.Now().Add(-48*time.Hour), time.Now().Add(-48*time.Hour))
	if n, err := r.records.Purge(time.Now().Add(-24 * time.Hour)); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if recs, _ := r.desk.RecordingsOf(ctx, p.Ticket, "mario", ticketing.AsOperator); len(recs) != 0 {
		t.Errorf("deleted recording listed: %+v", recs)
	}
	if _, err := r.desk.OpenRecording(ctx, p.Ticket, recs[0].Name, "mario", ticketing.AsOperator); !errors.Is(err, telephony.ErrNoRecording) {
		t.Errorf("deleted recording opened: %v", err)
	}
}
