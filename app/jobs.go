package app

import (
	"context"
	"log/slog"
	"sync"
)

// job is a background task of a domain package, run until its context ends: the ticketing
// reminders, the CTI log's persister, the hub's live push, the upload cleanup…
type job struct {
	name string
	run  func(ctx context.Context) error
}

// runner starts the jobs, stops them and waits for them: the one place where Sportello's
// goroutines begin and end.
type runner struct {
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newRunner(parent context.Context, log *slog.Logger) *runner {
	ctx, cancel := context.WithCancel(parent)
	return &runner{log: log, ctx: ctx, cancel: cancel}
}

// start runs j in its own goroutine; an error is logged (the job ended on its own).
func (r *runner) start(j job) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := j.run(r.ctx); err != nil && r.ctx.Err() == nil {
			r.log.Error("background job stopped", "job", j.name, "err", err)
		}
	}()
}

// stop ends every job and waits for them to return.
func (r *runner) stop() {
	r.cancel()
	r.wg.Wait()
}
