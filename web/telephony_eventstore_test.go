package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"sportello/internal/role"
	"sportello/internal/sqldb"
	"sportello/telephony"
	webcc "sportello/web/contactcenter"
)

// TestCTIStatsEventStore: with a saved CTI log the statistics and the queue_log export of a
// period include the calls of a previous run (before a restart, SLA-5) and this run's unsaved
// ones, each once, before and after the persister saves them.
func TestCTIStatsEventStore(t *testing.T) {
	ctx := context.Background()
	ct := newCTITest(t)
	db, err := sqldb.Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// The previous process answered one call an hour earlier; its Seq numbers restart at 1 too.
	prev, err := telephony.OpenEventStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	old := ctiStart.Add(-time.Hour)
	base := telephony.Event{CallID: "prima", Queue: "centralino", Channel: telephony.Voice, Direction: "in", From: "0544950111"}
	var saved []telephony.Event
	for i, e := range []telephony.Event{
		{Time: old, Kind: telephony.EvOffered},
		{Time: old, Kind: telephony.EvQueued, Position: 1, OrigPos: 1},
		{Time: old.Add(5 * time.Second), Kind: telephony.EvAnswered, Operator: "test-operator", Wait: 5 * time.Second},
		{Time: old.Add(65 * time.Second), Kind: telephony.EvCompleted, Operator: "test-operator", Wait: 5 * time.Second, Talk: time.Minute, By: telephony.ByCaller},
	} {
		e.Seq, e.CallID, e.Queue, e.Channel, e.Direction, e.From = uint64(i+1), base.CallID, base.Queue, base.Channel, base.Direction, base.From
		saved = append(saved, e)
	}
	if err := prev.Save(ctx, saved); err != nil {
		t.Fatal(err)
	}
	store, err := telephony.OpenEventStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	ct.tel.EventStore = store
	a := ct.acd
	if _, err := a.Login("test-operator"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Arrive(telephony.ContactInfo{CallID: "dopo", From: "0544950222"}, "centralino"); err != nil {
		t.Fatal(err)
	}
	ct.clock.Advance(3 * time.Second)
	if _, err := a.OperatorAnswered("dopo", "test-operator"); err != nil {
		t.Fatal(err)
	}
	ct.clock.Advance(time.Minute)
	if _, err := a.Hangup("dopo", telephony.ByCaller); err != nil {
		t.Fatal(err)
	}
	q := strings.ReplaceAll("?from="+old.Add(-time.Minute).Format(time.RFC3339)+"&to="+ctiStart.Add(time.Hour).Format(time.RFC3339), "+", "%2B")
	p := &telephony.Persister{Log: a.Log(), Store: store}
	for _, step := range []string{"unsaved", "saved"} {
		var st webcc.Stats
		r := ct.call(t, http.MethodGet, "/api/cti/stats"+q, role.Supervisor, "", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: stats: %d %s", step, r.Status, r.Body)
		}
		decode(t, r, &st)
		if st.Figures.Offered != 2 || st.Figures.Answered != 2 {
			t.Errorf("%s: figures %+v, want 2 offered and answered", step, st.Figures)
		}
		ql := ct.call(t, http.MethodGet, "/api/cti/queue_log"+q, role.Supervisor, "", nil)
		if strings.Count(ql.Body, "|prima|centralino|test-operator|CONNECT|") != 1 || strings.Count(ql.Body, "|dopo|centralino|test-operator|CONNECT|") != 1 {
			t.Errorf("%s: queue_log:\n%s", step, ql.Body)
		}
		if _, err := p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
