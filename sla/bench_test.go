package sla

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sportello/internal/sqldb"
	"sportello/telephony"
	"sportello/workcal"
)

// monthDB is a SQLite database holding the generated month (about 6,400 calls in October,
// 22,000 queue_log lines around it).
func monthDB(b *testing.B) (*telephony.EventStore, *Store, []string) {
	b.Helper()
	ctx := context.Background()
	g := generate(2026)
	db, err := sqldb.Open("", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	events, err := telephony.OpenEventStore(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := events.ImportQueueLog(ctx, strings.NewReader(strings.Join(g.lines, "\n")), rome); err != nil {
		b.Fatal(err)
	}
	st, err := Open(ctx, db, nil)
	if err != nil {
		b.Fatal(err)
	}
	return events, st, g.lines
}

// BenchmarkImportQueueLog: lines per second into a fresh SQLite store.
func BenchmarkImportQueueLog(b *testing.B) {
	ctx := context.Background()
	text := strings.Join(generate(2026).lines, "\n")
	lines := strings.Count(text, "\n") + 1
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := sqldb.Open("", b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		s, err := telephony.OpenEventStore(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := s.ImportQueueLog(ctx, strings.NewReader(text), rome); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
}

// synthLog streams n calls of queue_log (4 lines each) without holding them.
func synthLog(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		base := time.Date(2026, 10, 1, 8, 0, 0, 0, rome).Unix()
		var buf bytes.Buffer
		for i := 0; i < n; i++ {
			t := base + int64(i)*7
			id := fmt.Sprintf("%d.%d", base, i)
			fmt.Fprintf(&buf, "%d|%s|centralino|NONE|ENTERQUEUE||3470000000\n%d|%s|centralino|SIP/201|RINGNOANSWER|15000\n", t, id, t+5, id)
			fmt.Fprintf(&buf, "%d|%s|centralino|SIP/202|CONNECT|%d|x|2\n%d|%s|centralino|SIP/202|COMPLETECALLER|%d|120|1\n", t+20, id, i%60, t+140, id, i%60)
			if buf.Len() > 64<<10 {
				if _, err := pw.Write(buf.Bytes()); err != nil {
					return
				}
				buf.Reset()
			}
		}
		pw.Write(buf.Bytes())
		pw.Close()
	}()
	return pr
}

// BenchmarkImportQueueLogLarge: a 400,000-line queue_log (100,000 calls) streamed into SQLite;
// peak-heap-MB is the largest heap seen while it ran (memory stays flat: one batch at a time).
func BenchmarkImportQueueLogLarge(b *testing.B) {
	ctx := context.Background()
	const calls = 100000
	for i := 0; i < b.N; i++ {
		db, err := sqldb.Open("", b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		s, err := telephony.OpenEventStore(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var peak atomic.Uint64
		done := make(chan struct{})
		go func() {
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
				select {
				case <-done:
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		}()
		rep, err := s.ImportQueueLog(ctx, synthLog(calls), rome)
		close(done)
		if err != nil || rep.Imported != 4*calls {
			b.Fatalf("%+v %v", rep, err)
		}
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
		db.Close()
	}
	b.ReportMetric(float64(4*calls*b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkMonthReport: October's report from the store (read, fold, assess).
func BenchmarkMonthReport(b *testing.B) {
	events, st, _ := monthDB(b)
	rp := &Reporter{Calls: events, Store: st, Options: Options{Calendar: workcal.New(rome)}}
	oct := Month(2026, 10, rome)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := rp.Report(context.Background(), oct); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMonthXLSX: the Excel report of October (charts and 6,400 raw rows).
func BenchmarkMonthXLSX(b *testing.B) {
	events, st, _ := monthDB(b)
	rp := &Reporter{Calls: events, Store: st, Options: Options{Calendar: workcal.New(rome)}}
	rep, err := rp.Report(context.Background(), Month(2026, 10, rome))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var size int
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := rep.WriteXLSX(&buf); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/1024, "KB")
}

// BenchmarkFold: events per second through the fold, in memory.
func BenchmarkFold(b *testing.B) {
	events, _, _ := monthDB(b)
	oct := Month(2026, 10, rome)
	var all []telephony.Event
	events.Each(context.Background(), oct.From, oct.To.Add(4*time.Hour), func(e telephony.Event) error {
		all = append(all, e)
		return nil
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Compute(all, oct.From, oct.To, Options{Calendar: workcal.New(rome)})
	}
	b.ReportMetric(float64(len(all)*b.N)/b.Elapsed().Seconds(), "events/s")
}
