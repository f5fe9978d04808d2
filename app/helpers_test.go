package app

import (
	"context"
	"io"
	"log/slog"
	"testing"

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
