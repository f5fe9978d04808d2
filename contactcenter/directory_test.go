package contactcenter

import (
	"context"
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

// TestHubPop: a ringing event reaches its operator's console with the caller's records and the
// ticket opened for the contact; another operator's console does not see it; the supervisor's
// view sees everything; a console opened mid-call finds the live pop.
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
	for name, ch := range map[string]<-chan Message{"console": mine, "supervisor": all} {
		select {
		case m := <-ch:
			if m.Pop == nil || m.Pop.Ticket == "" || len(m.Pop.Callers) != 1 || m.Pop.Callers[0].Name != "Marco Bellandi" {
				t.Errorf("%s: %+v", name, m.Pop)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no pop", name)
		}
	}
	select {
	case m := <-other:
		t.Errorf("another operator's console got %+v", m)
	case <-time.After(50 * time.Millisecond):
	}
	if p, ok := h.LivePop("c1"); !ok || p.CallID != "c1" {
		t.Errorf("live pop: %+v %v", p, ok)
	}
	log.Append(telephony.Event{Time: time.Now(), Kind: telephony.EvCompleted, CallID: "c1", Operator: "anna"})
	<-mine
	if _, ok := h.LivePop("c1"); ok {
		t.Error("the pop outlives the call")
	}
	cancel()
	<-done
	for range all { // the completed event, then the end of the stream
	}
}
