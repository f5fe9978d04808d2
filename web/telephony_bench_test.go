package web

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sportello/internal/role"
	"sportello/telephony"
)

// benchFanOut appends b.N events to the CTI log and waits until each of listeners streams has
// received them all: the hub's throughput to connected consoles.
func benchFanOut(b *testing.B, listeners int, kind telephony.EventKind) {
	ct := newCTITest(b)
	h := ct.tel.hub
	var wg sync.WaitGroup
	var got atomic.Int64 // messages the first listener received
	for i := 0; i < listeners; i++ {
		c := &ctiClient{ch: make(chan ctiMessage, 1<<16), all: true}
		h.add(c)
		wg.Add(1)
		go func(first bool) {
			defer wg.Done()
			for n := 0; n < b.N; n++ {
				<-c.ch
				if first {
					got.Add(1)
				}
			}
		}(i == 0)
	}
	log := ct.acd.Log()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("b%d", i)
		log.Append(telephony.Event{Time: time.Now(), Kind: kind, CallID: id, Queue: "centralino", Operator: "test-operator",
			Channel: telephony.Voice, From: "0544952111"})
		// The log drops events for a subscriber more than its buffer behind: keep the hub
		// within 2048 events, so that every event is delivered and measured.
		for int64(i)-got.Load() > 2048 {
			time.Sleep(10 * time.Microsecond)
		}
	}
	wg.Wait()
	b.StopTimer()
	if d := h.dropped.Load(); d > 0 {
		b.Fatalf("%d messages dropped", d)
	}
}

// BenchmarkCTIFanOut: plain events to 100 supervisor screens.
func BenchmarkCTIFanOut(b *testing.B) { benchFanOut(b, 100, telephony.EvQueued) }

// BenchmarkCTIScreenPop: ringing events, each looked up in the demo directory and given a
// ticket, to 10 screens.
func BenchmarkCTIScreenPop(b *testing.B) { benchFanOut(b, 10, telephony.EvRinging) }

// BenchmarkCTISnapshotAPI: GET /api/cti/snapshot, the supervisor page's data.
func BenchmarkCTISnapshotAPI(b *testing.B) {
	ct := newCTITest(b)
	ct.acd.Login("test-operator")
	for i := 0; i < 20; i++ {
		ct.acd.Arrive(telephony.ContactInfo{CallID: fmt.Sprintf("s%d", i), From: "0544950111"}, "centralino")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := ct.call(b, http.MethodGet, "/api/cti/snapshot", role.Supervisor, "", nil); r.Status != http.StatusOK {
			b.Fatal(r.Status)
		}
	}
}
