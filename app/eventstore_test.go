package app

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"sportello/telephony"
)

// TestServeSavesEventLog: serve saves the CTI log to the operational database, and stop's final
// flush saves the last events before the database closes, so a restart keeps them (SLA-5).
func TestServeSavesEventLog(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, db, tickets, store := testStores(t)
	w := &telephonyPart{cfg: TelephonyConfig{Sample: time.Second}}
	tel, err := w.build(true, dir, store, tickets, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if tel.EventStore == nil {
		t.Fatal("no event store on the ticketing database")
	}
	stopTel := runTelephony(t, ctx, w, tel)
	if _, err := tel.ACD.Login("operatore"); err != nil {
		t.Fatal(err)
	}
	stopTel()
	// A new process: a new run on the same database finds the login.
	again, err := telephony.OpenEventStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := again.Events(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	found, out := false, false
	for _, e := range saved {
		found = found || e.Kind == telephony.EvLogin && e.Operator == "operatore"
		out = out || e.Kind == telephony.EvLogout && e.Operator == "operatore"
	}
	if !found || !out {
		t.Errorf("the login and the logout at stop are not saved: %+v", saved)
	}
}
