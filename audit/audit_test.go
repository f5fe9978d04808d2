package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/fixtures/testenv"
	"sportello/internal/sqldb/sqldbtest"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func stores(t testing.TB, clk *fakeClock, cfg Config) map[string]*Store {
	t.Helper()
	out := map[string]*Store{}
	for name, db := range sqldbtest.Engines(t) {
		c := cfg
		if clk != nil {
			c.Now = clk.Now
		}
		s, err := Open(context.Background(), db, c)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = s
	}
	return out
}

func TestRecordListAndFilters(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	for name, s := range stores(t, clk, Config{}) {
		t.Run(name, func(t *testing.T) {
			clk.t = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
			rec := func(e Entry) Entry {
				t.Helper()
				clk.Add(time.Hour)
				got, err := s.Record(ctx, e)
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			a := rec(Entry{Actor: "admin", Action: AccountCreate, Object: "utente mario.rossi", Detail: "ruolo operatore", Client: "192.0.2.7"})
			rec(Entry{Actor: "admin", Action: AccountRole, Object: "utente mario.rossi", Detail: "operatore → redattore"})
			rec(Entry{Actor: "pubblicatore", Action: ImportRun, Object: "file pillole.xlsx", Detail: "156 schede create"})
			rec(Entry{Actor: "admin", Action: SettingsChange, Object: "impostazione sla.planned", Detail: "200000 → 180000"})
			if a.ID == 0 || len(a.Hash) != 64 || !a.At.Equal(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) {
				t.Fatalf("recorded %+v", a)
			}
			all, _ := s.List(ctx, Filter{})
			if len(all) != 4 || all[0].Action != SettingsChange || all[3].Client != "192.0.2.7" {
				t.Fatalf("list = %+v", all)
			}
			for _, tc := range []struct {
				f    Filter
				want int
			}{
				{Filter{Actor: "admin"}, 3},
				{Filter{Action: "account."}, 2},
				{Filter{Action: AccountRole}, 1},
				{Filter{Action: "account"}, 0}, // not a prefix without the dot
				{Filter{Since: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}, 3},
				{Filter{Since: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Until: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}, 2},
				{Filter{Limit: 2}, 2},
				{Filter{Limit: 2, Offset: 3}, 1},
			} {
				if got, err := s.List(ctx, tc.f); err != nil || len(got) != tc.want {
					t.Errorf("List(%+v) = %d entries, %v; want %d", tc.f, len(got), err, tc.want)
				}
			}
			// Required fields, and limits that cut rather than refuse.
			for _, bad := range []Entry{{Action: Delete, Object: "x"}, {Actor: "a", Object: "x"}, {Actor: "a", Action: Delete}, {Actor: "  ", Action: Delete, Object: "x"}} {
				if _, err := s.Record(ctx, bad); err == nil {
					t.Errorf("Record(%+v) accepted", bad)
				}
			}
			long, err := s.Record(ctx, Entry{Actor: "admin", Action: Delete, Object: strings.Repeat("o", 10000), Detail: strings.Repeat("è", 1<<20)})
			if err != nil || len([]rune(long.Object)) != maxObject || len([]rune(long.Detail)) != maxDetail || !strings.HasSuffix(long.Detail, "…") {
				t.Fatalf("long entry: %d %d %v", len([]rune(long.Object)), len([]rune(long.Detail)), err)
			}
			if n, err := s.Verify(ctx); err != nil || n != 5 {
				t.Fatalf("verify: %d %v", n, err)
			}
		})
	}
}

// TestAppendOnly: the package offers no way to change or delete an entry — only Record and
// Prune write — and a change made behind its back is found by Verify.
func TestAppendOnly(t *testing.T) {
	typ := reflect.TypeOf(&Store{})
	for i := 0; i < typ.NumMethod(); i++ {
		m := typ.Method(i).Name
		for _, verb := range []string{"Update", "Delete", "Edit", "Set", "Remove", "Replace", "Clear", "Truncate"} {
			if strings.HasPrefix(m, verb) {
				t.Errorf("Store has a method %s", m)
			}
		}
	}
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			var ids []int64
			for i := 0; i < 5; i++ {
				e, err := s.Record(ctx, Entry{Actor: "admin", Action: Delete, Object: fmt.Sprintf("scheda X-%d", i)})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, e.ID)
			}
			tamper := []struct {
				name, sql string
				args      []any
				wantID    int64
			}{
				{"detail changed", `UPDATE audit_log SET detail = 'niente' WHERE id = ?`, []any{ids[2]}, ids[2]},
				{"actor changed", `UPDATE audit_log SET actor = 'altro' WHERE id = ?`, []any{ids[1]}, ids[1]},
				{"entry removed", `DELETE FROM audit_log WHERE id = ?`, []any{ids[1]}, ids[2]},
				{"last entry removed", `DELETE FROM audit_log WHERE id = ?`, []any{ids[4]}, 0},
			}
			// Each change is checked, then undone from a snapshot.
			for _, tc := range tamper {
				snap, _ := s.List(ctx, Filter{})
				if _, err := s.db.Exec(ctx, tc.sql, tc.args...); err != nil {
					t.Fatal(err)
				}
				_, verr := s.Verify(ctx)
				var be *BrokenError
				if !errors.As(verr, &be) || be.ID != tc.wantID {
					t.Errorf("%s: Verify = %v, want broken at %d", tc.name, verr, tc.wantID)
				}
				restore(t, s, snap)
			}
			if _, err := s.Verify(ctx); err != nil {
				t.Fatalf("after restoring: %v", err)
			}
		})
	}
}

// restore puts back the rows of snap as they were (the test's way of undoing its tampering).
func restore(t *testing.T, s *Store, snap []Entry) {
	t.Helper()
	ctx := context.Background()
	// snap is newest first: rebuild oldest first, each row chained to the one before.
	last := ""
	for i := len(snap) - 1; i >= 0; i-- {
		e := snap[i]
		s.db.Exec(ctx, `DELETE FROM audit_log WHERE id = ?`, e.ID)
		if _, err := s.db.Exec(ctx, `INSERT INTO audit_log (id, at, actor, action, object, detail, client, prev, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, e.At.UnixMilli(), e.Actor, e.Action, e.Object, e.Detail, e.Client, last, e.Hash); err != nil {
			t.Fatal(err)
		}
		last = e.Hash
	}
}

// TestConcurrentRecordsChain: records from many goroutines at once form one chain on both
// engines (the head row serialises them).
func TestConcurrentRecordsChain(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan error, 40)
			for i := 0; i < 40; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					if _, err := s.Record(ctx, Entry{Actor: fmt.Sprintf("u%d", i), Action: ExportDownload, Object: "ticket.xlsx"}); err != nil {
						errs <- err
					}
				}(i)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if n, err := s.Verify(ctx); err != nil || n != 40 {
				t.Fatalf("verify after 40 parallel records: %d %v", n, err)
			}
		})
	}
}

func TestPruneByRetention(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC)}
	for name, s := range stores(t, clk, Config{Retention: 365 * 24 * time.Hour}) {
		t.Run(name, func(t *testing.T) {
			clk.t = time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC)
			for i := 0; i < 10; i++ {
				if _, err := s.Record(ctx, Entry{Actor: "admin", Action: SettingsChange, Object: fmt.Sprintf("impostazione %d", i)}); err != nil {
					t.Fatal(err)
				}
				clk.Add(60 * 24 * time.Hour) // every two months
			}
			// Now it is 20 months after the first: the entries older than a year go.
			n, err := s.Prune(ctx)
			if err != nil || n != 4 {
				t.Fatalf("pruned %d, %v", n, err)
			}
			left, _ := s.List(ctx, Filter{})
			if len(left) != 7 || left[0].Action != AuditPrune || !strings.Contains(left[0].Detail, "4 voci") {
				t.Fatalf("after pruning: %+v", left)
			}
			if n, err := s.Verify(ctx); err != nil || n != 7 {
				t.Fatalf("verify after pruning: %d %v", n, err)
			}
			if n, err := s.Prune(ctx); err != nil || n != 0 {
				t.Fatalf("second prune: %d %v", n, err)
			}
			clk.Add(time.Second)
			if n, _ := s.Verify(ctx); n != 7 {
				t.Fatalf("an empty prune recorded something: %d", n)
			}
		})
	}
	if _, err := Open(ctx, nil, Config{Retention: -1}); err == nil {
		t.Error("negative retention accepted")
	}
}

func TestExports(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Date(2026, 5, 31, 21, 30, 0, 0, time.UTC)} // 23:30 in Rome
	for name, s := range stores(t, clk, Config{}) {
		t.Run(name, func(t *testing.T) {
			clk.t = time.Date(2026, 5, 31, 21, 30, 0, 0, time.UTC)
			s.Record(ctx, Entry{Actor: "admin", Action: SynonymsChange, Object: "sinonimi", Detail: "bollo ↔ tassa automobilistica"})
			clk.Add(time.Hour) // 1 June, 00:30 in Rome
			s.Record(ctx, Entry{Actor: "admin", Action: Delete, Object: "=HYPERLINK(\"http://x\";\"clic\")", Detail: "+39 333", Client: "@evil"})
			june := Filter{Since: time.Date(2026, 5, 31, 22, 0, 0, 0, time.UTC)} // midnight in Rome
			var b bytes.Buffer
			if err := s.WriteCSV(ctx, &b, june); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(b.String(), "\uFEFF") {
				t.Fatal("no byte order mark")
			}
			r := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\uFEFF")))
			r.Comma = ';'
			recs, err := r.ReadAll()
			if err != nil || len(recs) != 2 {
				t.Fatalf("csv: %v %v", recs, err)
			}
			got := recs[1]
			if got[0] != "2026-06-01 00:30:00" || got[2] != "Eliminazione" || got[4] != "'=HYPERLINK(\"http://x\";\"clic\")" ||
				got[5] != "'+39 333" || got[6] != "'@evil" || len(got[7]) != 64 {
				t.Fatalf("csv row = %q", got)
			}
			b.Reset()
			if err := s.WriteXLSX(ctx, &b, Filter{}); err != nil {
				t.Fatal(err)
			}
			x, err := excelize.OpenReader(&b)
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := x.GetRows("Registro")
			if len(rows) != 3 || rows[1][2] != "Modifica sinonimi" || rows[2][4] != "=HYPERLINK(\"http://x\";\"clic\")" {
				t.Fatalf("xlsx rows = %q", rows)
			}
			if f, _ := x.GetCellFormula("Registro", "E3"); f != "" {
				t.Fatalf("a text cell became the formula %q", f)
			}
			legend, _ := x.GetRows("Legenda")
			if len(legend) != len(Actions)+1 {
				t.Fatalf("legend has %d rows", len(legend))
			}
		})
	}
}

// TestExportFlatMemory: a large period streams; the figure goes to the README.
func TestExportFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large export")
	}
	ctx := context.Background()
	s := stores(t, nil, Config{})["sqlite"]
	const n = 20000
	for i := 0; i < n; i++ {
		if _, err := s.Record(ctx, Entry{Actor: "admin", Action: ExportDownload, Object: fmt.Sprintf("export %d", i),
			Detail: strings.Repeat("dettaglio ", 20)}); err != nil {
			t.Fatal(err)
		}
	}
	var csvHeap, xlsxHeap uint64
	var csvSize, xlsxSize int
	csvHeap = peakHeap(func() {
		var b countingWriter
		if err := s.WriteCSV(ctx, &b, Filter{}); err != nil {
			t.Fatal(err)
		}
		csvSize = int(b)
	})
	xlsxHeap = peakHeap(func() {
		var b countingWriter
		if err := s.WriteXLSX(ctx, &b, Filter{}); err != nil {
			t.Fatal(err)
		}
		xlsxSize = int(b)
	})
	testenv.Figure("audit: export of %d entries: CSV %.1f MB with %.1f MiB peak heap, Excel %.1f MB with %.1f MiB peak heap",
		n, float64(csvSize)/1e6, float64(csvHeap)/(1<<20), float64(xlsxSize)/1e6, float64(xlsxHeap)/(1<<20))
}

// peakHeap samples the heap while fn runs and returns the highest HeapInuse seen.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-tk.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
