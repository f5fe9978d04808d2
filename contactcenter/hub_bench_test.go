package contactcenter

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sportello/fixtures"
	"sportello/kb"
	"sportello/telephony"
)

// benchFanOut appends b.N events to the CTI log and waits until each of listeners streams has
// received them all: the hub's throughput to connected consoles.
func benchFanOut(b *testing.B, listeners int, kind telephony.EventKind) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, err := kb.OpenMemory()
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if err := fixtures.Load(ctx, store); err != nil {
		b.Fatal(err)
	}
	dir, err := NewDirectory(ctx, store, nil)
	if err != nil {
		b.Fatal(err)
	}
	acd, err := (&telephony.Setup{Queues: []telephony.QueueConfig{{Name: "centralino"}}}).Build(telephony.SystemClock{}, telephony.NewEventLog())
	if err != nil {
		b.Fatal(err)
	}
	h := NewHub(acd, telephony.NewMemTickets(), dir)
	go h.Run(ctx)
	var wg sync.WaitGroup
	var got atomic.Int64 // messages the first listener received
	for i := 0; i < listeners; i++ {
		msgs, stop := h.Listen(Filter{All: true}, 1<<16)
		defer stop()
		wg.Add(1)
		go func(first bool) {
			defer wg.Done()
			for n := 0; n < b.N; n++ {
				<-msgs
				if first {
					got.Add(1)
				}
			}
		}(i == 0)
	}
	log := acd.Log()
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
	if d := h.Dropped(); d > 0 {
		b.Fatalf("%d messages dropped", d)
	}
}

// BenchmarkCTIFanOut: plain events to 100 supervisor screens.
func BenchmarkCTIFanOut(b *testing.B) { benchFanOut(b, 100, telephony.EvQueued) }

// BenchmarkCTIScreenPop: ringing events, each looked up in the demo directory and given a
// ticket, to 10 screens.
func BenchmarkCTIScreenPop(b *testing.B) { benchFanOut(b, 10, telephony.EvRinging) }
