package app

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"sportello/internal/sqldb"
	"sportello/kb"
	"sportello/ticketing"
	webcc "sportello/web/contactcenter"
)

// runTelephony starts the contact center's jobs as App.Start does; the returned function logs
// the operators out, stops the jobs and waits, as App.Stop does.
func runTelephony(t testing.TB, ctx context.Context, w *telephonyPart, tel *webcc.Telephony) func() {
	t.Helper()
	r := newRunner(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	jobs, err := w.start(r.ctx, tel)
	if err != nil {
		r.stop()
		t.Fatal(err)
	}
	for _, j := range jobs {
		r.start(j)
	}
	return func() { w.beforeStop(); r.stop() }
}

// runJobs runs jobs until the returned function stops them and waits.
func runJobs(ctx context.Context, jobs []job) func() {
	r := newRunner(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, j := range jobs {
		r.start(j)
	}
	return r.stop
}

// testStores opens what the wiring tests build on: a folder, the operational database on
// SQLite in it, the ticketing store, and an empty in-memory knowledge base, closed with the test.
func testStores(t testing.TB) (dir string, db *sqldb.DB, tickets *ticketing.Store, store *kb.Store) {
	t.Helper()
	dir = t.TempDir()
	db, err := sqldb.Open("", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if tickets, err = ticketing.Open(context.Background(), db, ticketing.Config{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	if store, err = kb.OpenMemory(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return dir, db, tickets, store
}
