package telephony

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"sportello/internal/clock"
	"sportello/internal/sqldb/sqldbtest"
)

var allKinds = []EventKind{EvOffered, EvClosed, EvBlocked, EvQueued, EvRinging, EvNoAnswer, EvAnswered,
	EvTransferred, EvAbandoned, EvOverflowed, EvCallbackAccepted, EvCallbackBooked, EvVoicemail, EvCompleted,
	EvEnded, EvLogin, EvLogout, EvPause, EvUnpause, EvWrapUpDone}

// fullEvent sets every field of Event, with a nanosecond time in the Rome zone.
func fullEvent(k EventKind, i int) Event {
	return Event{Time: time.Date(2026, 3, 2, 9, 0, i, 123456789, clock.Rome()), Kind: k, CallID: "c-" + string(k),
		Queue: "anagrafe", Operator: "op1", Channel: Voice, Direction: "in", From: "+390612345678", To: "800123456",
		Wait: 12*time.Second + 345*time.Millisecond, Talk: 3 * time.Minute, Ring: 4 * time.Second, WrapUp: 30 * time.Second,
		Session: 2 * time.Hour, Position: 3, OrigPos: 5, Extension: "201", By: ByOperator, Reason: "pausa pranzo «è»"}
}

// sameEvents compares events field by field, times by instant (the store returns them in UTC).
func sameEvents(t *testing.T, got, want []Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.Time.Equal(w.Time) {
			t.Errorf("event %d: time %v, want %v", i, g.Time, w.Time)
		}
		g.Time, w.Time = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// TestEventStoreRoundTrip saves one event of every kind with all fields set and reads them back
// (SLA-5: the log behind the monthly reports must be kept whole).
func TestEventStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			s, err := OpenEventStore(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			var want []Event
			for i, k := range allKinds {
				e := fullEvent(k, i)
				e.Seq = uint64(i + 1)
				want = append(want, e)
			}
			if err := s.Save(ctx, want); err != nil {
				t.Fatal(err)
			}
			if err := s.Save(ctx, want[:3]); err != nil { // a retried batch is a no-op
				t.Fatal(err)
			}
			got, err := s.Events(ctx, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			sameEvents(t, got, want)
			// Bounds are exact to the nanosecond: [event 2, event 5).
			got, err = s.Events(ctx, want[2].Time, want[5].Time)
			if err != nil {
				t.Fatal(err)
			}
			sameEvents(t, got, want[2:5])
		})
	}
}

// TestEventStorePersister checks that a flush saves what was appended, a second flush saves
// nothing twice, and the final flush of Run saves the rest.
func TestEventStorePersister(t *testing.T) {
	ctx := context.Background()
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			s, err := OpenEventStore(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			log := NewEventLog()
			p := &Persister{Log: log, Store: s, Interval: time.Hour, Logger: slog.New(slog.DiscardHandler)}
			for i, k := range allKinds[:10] {
				log.Append(fullEvent(k, i))
			}
			if n, err := p.Flush(ctx); err != nil || n != 10 {
				t.Fatalf("first flush = %d, %v; want 10", n, err)
			}
			if n, err := p.Flush(ctx); err != nil || n != 0 {
				t.Fatalf("second flush = %d, %v; want 0", n, err)
			}
			for i, k := range allKinds[10:] {
				log.Append(fullEvent(k, 10+i))
			}
			// Merged sees the unsaved tail once, next to the saved head.
			merged, err := s.Merged(ctx, log, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			sameEvents(t, merged, log.Events(time.Time{}, time.Time{}))
			rctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { p.Run(rctx); close(done) }()
			cancel()
			<-done
			got, err := s.Events(ctx, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			sameEvents(t, got, log.Events(time.Time{}, time.Time{}))
			merged, err = s.Merged(ctx, log, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			sameEvents(t, merged, got)
		})
	}
}

// storeCall appends the events of one queued call: answered after wait, or abandoned.
func storeCall(l *EventLog, id string, at time.Time, wait time.Duration, answered bool) {
	base := Event{CallID: id, Queue: "anagrafe", Channel: Voice, Direction: "in", From: "+39061234"}
	e := base
	e.Time, e.Kind = at, EvOffered
	l.Append(e)
	e.Kind, e.Position, e.OrigPos = EvQueued, 1, 1
	l.Append(e)
	e = base
	e.Time, e.Wait = at.Add(wait), wait
	if !answered {
		e.Kind, e.Position, e.OrigPos, e.By = EvAbandoned, 1, 1, ByCaller
		l.Append(e)
		return
	}
	e.Kind, e.Operator = EvAnswered, "op1"
	l.Append(e)
	e.Time, e.Kind, e.Talk, e.By = at.Add(wait+2*time.Minute), EvCompleted, 2*time.Minute, ByCaller
	l.Append(e)
}

// TestEventStoreRestart saves two runs' logs — a process, a restart, another process, both
// starting from Seq 1 — into one store: the statistics of a period spanning the restart equal
// those of the concatenated events (SLA-5, issue 7 item 8).
func TestEventStoreRestart(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 3, 2, 8, 0, 0, 0, clock.Rome())
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			var all []Event
			var second *EventStore
			var secondLog *EventLog
			for run := 0; run < 2; run++ {
				s, err := OpenEventStore(ctx, db)
				if err != nil {
					t.Fatal(err)
				}
				log := NewEventLog()
				for i := 0; i < 6; i++ {
					at := day.Add(time.Duration(run)*4*time.Hour + time.Duration(i)*10*time.Minute)
					storeCall(log, "r"+string(rune('a'+run))+string(rune('0'+i)), at, time.Duration(10+i*10)*time.Second, i%3 != 2)
				}
				all = append(all, log.Events(time.Time{}, time.Time{})...)
				if run == 0 {
					p := &Persister{Log: log, Store: s}
					if _, err := p.Flush(ctx); err != nil {
						t.Fatal(err)
					}
					continue
				}
				// The second run saves only half its log: the rest is still in memory.
				if err := s.Save(ctx, log.Events(time.Time{}, time.Time{})[:10]); err != nil {
					t.Fatal(err)
				}
				second, secondLog = s, log
			}
			from, to := day, day.Add(24*time.Hour)
			got, err := second.Merged(ctx, secondLog, from, to)
			if err != nil {
				t.Fatal(err)
			}
			sameEvents(t, got, all)
			if o, a := kindCount(got, EvOffered), kindCount(got, EvAnswered); o != 12 || a != 8 {
				t.Errorf("offered %d answered %d, want 12 and 8", o, a)
			}
		})
	}
}

// TestEventStoreTrim: after a flush the saved events older than Keep leave memory, the recent
// ones stay, and the period's events are still all found through the store.
func TestEventStoreTrim(t *testing.T) {
	ctx := context.Background()
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			s, err := OpenEventStore(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			log := NewEventLog()
			old := time.Now().Add(-48 * time.Hour)
			n := 2*logChunk + 10
			for i := 0; i < n; i++ {
				at := old.Add(time.Duration(i) * time.Second)
				if i >= 2*logChunk {
					at = time.Now()
				}
				log.Append(Event{Time: at, Kind: EvLogin, Operator: "op1"})
			}
			p := &Persister{Log: log, Store: s, Keep: time.Hour}
			if got, err := p.Flush(ctx); err != nil || got != n {
				t.Fatalf("flush = %d, %v; want %d", got, err, n)
			}
			if kept := len(log.Events(time.Time{}, time.Time{})); kept >= n || kept < 10 {
				t.Errorf("in memory after trim: %d of %d events", kept, n)
			}
			all, err := s.Merged(ctx, log, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != n {
				t.Errorf("merged %d events, want %d", len(all), n)
			}
		})
	}
}

// BenchmarkEventStoreSave saves batches of 100 events, as the persister does under load.
func BenchmarkEventStoreSave(b *testing.B) {
	ctx := context.Background()
	for name, db := range sqldbtest.Engines(b) {
		b.Run(name, func(b *testing.B) {
			s, err := OpenEventStore(ctx, db)
			if err != nil {
				b.Fatal(err)
			}
			batch := make([]Event, 100)
			seq := uint64(0)
			for b.Loop() {
				for i := range batch {
					seq++
					batch[i] = fullEvent(EvAnswered, i)
					batch[i].Seq = seq
				}
				if err := s.Save(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
		})
	}
}
