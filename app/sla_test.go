package app

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sportello/sla"
)

// TestServeSLAHeartbeats: with telephony, tickets and SIP, serve's SLA jobs beat for the ACD,
// the CTI feed and the IVR (its SIP listener answers OPTIONS), so SLA-1 is measured from the
// first minute; stopping them waits for them.
func TestServeSLAHeartbeats(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, db, tickets, store := testStores(t)
	sipFile := filepath.Join(dir, "sip.json")
	os.WriteFile(sipFile, []byte(`{"listen": "127.0.0.1:0", "numbers": {"100": "centralino"}}`), 0o600)
	w := &telephonyPart{cfg: TelephonyConfig{Sample: time.Second}}
	w.cfg.SIP = sipFile
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	tel, err := w.build(true, dir, store, tickets, nil, discard)
	if err != nil {
		t.Fatal(err)
	}
	stopTel := runTelephony(t, ctx, w, tel)
	defer w.adapter.Close()
	defer stopTel()
	part, err := openSLA(ctx, db, tickets, tel)
	if err != nil {
		t.Fatal(err)
	}
	jobs := slaJobs(part, db, tel, w, discard)
	stop := runJobs(ctx, jobs)
	st, _ := sla.Open(ctx, db, nil)
	deadline := time.Now().Add(10 * time.Second)
	for _, comp := range []string{sla.ComponentACD, sla.ComponentCTI, sla.ComponentIVR} {
		for {
			av, err := st.Availability(ctx, comp, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), nil)
			if err != nil {
				t.Fatal(err)
			}
			if av.Measured {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no heartbeat", comp)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	stop()
	// With the listener gone, the IVR's check fails.
	addr := w.adapter.Addr()
	w.adapter.Close()
	cctx, ccancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer ccancel()
	if err := sipOptions(cctx, addr); err == nil {
		t.Error("OPTIONS answered with the SIP listener closed")
	}
}
