package contactcenter

import (
	"context"
	"fmt"
	"testing"
	"time"

	"sportello/fixtures"
	"sportello/kb"
	"sportello/telephony"
)

func demoStore(t testing.TB) *kb.Store {
	t.Helper()
	store, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := fixtures.Load(context.Background(), store); err != nil {
		t.Fatal(err)
	}
	return store
}

// TestDirectory: the caller lookup finds a person by any spelling of their number and by
// extension, and follows the directory's writes without being reloaded by hand (TEL-2, TEL-8).
func TestDirectory(t *testing.T) {
	ctx := context.Background()
	store := demoStore(t)
	d, err := NewDirectory(ctx, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, number := range []string{"+39 0544 952111", "0544952111", "0039 0544 952111", "2111"} {
		got := d.Callers(ctx, number)
		if len(got) != 1 || got[0].Name != "Marco Bellandi" || got[0].Kind != "person" || got[0].Extension != "2111" || got[0].Unit == "" {
			t.Errorf("Callers(%q) = %+v", number, got)
		}
	}
	if got := d.Callers(ctx, "0000 000000"); len(got) != 0 {
		t.Errorf("unknown number: %+v", got)
	}
	// A new person is found at once; a deleted one is gone at once.
	p := kb.Person{GivenName: "Ada", FamilyName: "Nuova", Phones: []string{"0544 111222"}, Extension: "2999"}
	if err := store.PutPerson(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if got := d.Callers(ctx, "+390544111222"); len(got) != 1 || got[0].Name != "Ada Nuova" {
		t.Errorf("after PutPerson: %+v", got)
	}
	if got := d.Targets("nuova", 5); len(got) != 1 || got[0].Extension != "2999" {
		t.Errorf("transfer targets: %+v", got)
	}
	if err := store.DeletePerson(ctx, p.IRI); err != nil {
		t.Fatal(err)
	}
	if got := d.Callers(ctx, "0544111222"); len(got) != 0 {
		t.Errorf("after DeletePerson: %+v", got)
	}
	if got := d.Targets("", 3); len(got) != 3 || got[0].Kind != "unit" {
		t.Errorf("targets without a query: %+v", got)
	}
}

// TestHubPop: a ringing event reaches its operator's desk with the caller's records and no
// ticket yet; another operator's desk does not see it; the supervisor's view sees every event; a
// desk opened mid-call finds the live pop; the answer opens the contact's ticket, sent to the
// operator's desk only (the supervisor's view gets the answer as an ordinary event, on which it
// refreshes), and the desk keeps the contact (with its ticket) after the call until the next.
func TestHubPop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := NewDirectory(ctx, demoStore(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	log := telephony.NewEventLog()
	acd, err := (&telephony.Setup{Queues: []telephony.QueueConfig{{Name: "centralino"}}}).Build(telephony.SystemClock{}, log)
	if err != nil {
		t.Fatal(err)
	}
	tickets := telephony.NewMemTickets()
	h := NewHub(acd, tickets, d)
	mine, stop1 := h.Listen(Filter{Operator: "anna"}, 8)
	defer stop1()
	other, stop2 := h.Listen(Filter{Operator: "bruno"}, 8)
	defer stop2()
	all, stop3 := h.Listen(Filter{All: true}, 8)
	defer stop3()
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()

	log.Append(telephony.Event{Time: time.Now(), Kind: telephony.EvRinging, CallID: "c1", Queue: "centralino",
		Operator: "anna", Channel: telephony.Voice, From: "0544 952111"})
	for name, ch := range map[string]<-chan Message{"desk": mine, "supervisor": all} {
		select {
		case m := <-ch:
			if m.Pop == nil || m.Pop.Ticket != "" || m.Pop.Answered || len(m.Pop.Callers) != 1 || m.Pop.Callers[0].Name != "Marco Bellandi" {
				t.Errorf("%s: %+v", name, m.Pop)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no pop", name)
		}
	}
	select {
	case m := <-other:
		t.Errorf("another operator's desk got %+v", m)
	case <-time.After(50 * time.Millisecond):
	}
	if p, ok := h.LivePop("c1"); !ok || p.CallID != "c1" {
		t.Errorf("live pop: %+v %v", p, ok)
	}
	if n := len(tickets.All()); n != 0 {
		t.Fatalf("a ringing phone opened %d tickets", n)
	}
	log.Append(telephony.Event{Time: time.Now(), Kind: telephony.EvAnswered, CallID: "c1", Queue: "centralino",
		Operator: "anna", Channel: telephony.Voice, From: "0544 952111", Wait: 7 * time.Second})
	// The answer is an ordinary event for everyone — the supervisor's view refreshes on it —
	// and the desk gets the contact with its ticket besides.
	if m := <-all; m.Event.Kind != telephony.EvAnswered || m.Pop != nil || m.For != "" {
		t.Errorf("the supervisor's answered event: %+v", m)
	}
	if m := <-mine; m.Event.Kind != telephony.EvAnswered || m.Pop != nil {
		t.Errorf("the desk's answered event: %+v", m)
	}
	m := <-mine
	if m.Event.Kind != telephony.EvAnswered || m.For != "anna" || m.Pop == nil || !m.Pop.Answered || m.Pop.Ticket == "" ||
		m.Pop.WaitSeconds != 7 || len(m.Pop.Callers) != 1 {
		t.Fatalf("answered: %+v", m.Pop)
	}
	if tk := tickets.All(); len(tk) != 1 || string(tk[0].Ref) != m.Pop.Ticket {
		t.Fatalf("tickets after the answer: %+v", tk)
	}
	log.Append(telephony.Event{Time: time.Now(), Kind: telephony.EvCompleted, CallID: "c1", Operator: "anna"})
	<-mine
	if m := <-all; m.Event.Kind != telephony.EvCompleted {
		t.Errorf("the supervisor's view got the contact: %+v", m)
	}
	if _, ok := h.LivePop("c1"); ok {
		t.Error("the pop outlives the call")
	}
	if p, ok := h.Current("anna"); !ok || p.Ended != telephony.EvCompleted || p.Ticket != m.Pop.Ticket {
		t.Errorf("the desk's contact after the call: %+v %v", p, ok)
	}
	h.Dismiss("anna", "c1")
	if _, ok := h.Current("anna"); ok {
		t.Error("dismissed contact still there")
	}
	cancel()
	<-done
	for range all { // the events, then the end of the stream
	}
}

// TestHubNoJunk: tickets are opened for contacts a person answered only — not for a phone
// that rang and was busy or not answered, not for a burst of calls abandoned in the queue or
// while ringing, not for e-mails routed to an operator (the mail intake has their ticket).
func TestHubNoJunk(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := telephony.NewEventLog()
	acd, err := (&telephony.Setup{Queues: []telephony.QueueConfig{{Name: "centralino"}}}).Build(telephony.SystemClock{}, log)
	if err != nil {
		t.Fatal(err)
	}
	tickets := telephony.NewMemTickets()
	h := NewHub(acd, tickets)
	desk, stop := h.Listen(Filter{Operator: "anna"}, 1024)
	defer stop()
	go h.Run(ctx)
	now := time.Now()
	for i := 0; i < 190; i++ {
		id := fmt.Sprintf("a%d", i)
		log.Append(telephony.Event{Time: now, Kind: telephony.EvQueued, CallID: id, Queue: "centralino", Channel: telephony.Voice})
		if i%3 == 0 {
			log.Append(telephony.Event{Time: now, Kind: telephony.EvRinging, CallID: id, Operator: "anna", Channel: telephony.Voice, From: "333"})
			log.Append(telephony.Event{Time: now, Kind: telephony.EvNoAnswer, CallID: id, Operator: "anna", Channel: telephony.Voice})
		}
		if i%3 == 1 {
			log.Append(telephony.Event{Time: now, Kind: telephony.EvRinging, CallID: id, Operator: "anna", Channel: telephony.Voice, From: "333"})
		}
		log.Append(telephony.Event{Time: now, Kind: telephony.EvAbandoned, CallID: id, Queue: "centralino", Channel: telephony.Voice})
	}
	log.Append(telephony.Event{Time: now, Kind: telephony.EvAnswered, CallID: "m1", Operator: "anna", Channel: telephony.Email, From: "a@b.it"})
	log.Append(telephony.Event{Time: now, Kind: telephony.EvAnswered, CallID: "", Operator: "", Channel: telephony.Voice})
	log.Append(telephony.Event{Time: now, Kind: telephony.EvLogin, Operator: "anna"})
	released := 0
	for m := range desk {
		if m.Event.Kind == telephony.EvAbandoned && m.For == "anna" {
			released++
		}
		if m.Event.Kind == telephony.EvLogin {
			break
		}
	}
	if n := len(tickets.All()); n != 0 {
		t.Errorf("%d tickets for contacts nobody answered", n)
	}
	if released != 63 { // the calls abandoned while ringing anna: her desk is told
		t.Errorf("abandoned while ringing, told to the desk: %d", released)
	}
	if _, ok := h.Current("anna"); ok {
		t.Error("an abandoned call stays on the desk")
	}
}
