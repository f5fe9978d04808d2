package telephony

// The persistent CTI log: the in-memory EventLog lives for one process, but the SLA statistics
// must cover any period (SLA-5 monthly reports, SLA-7), so serve saves the log to the
// operational database every few seconds and the statistics read the period from there.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"sportello/internal/sqldb"
)

// eventMigrations create the saved CTI log. A restart starts Seq again from 1, so a saved event
// is keyed by the run (one random id per process) and its Seq: saving the same batch twice is a
// no-op, and two runs never collide. The event itself is kept whole as JSON, which round-trips
// every field (nanosecond times included); at (Unix ms) indexes the period queries. Version 2
// indexes call ids (the queue_log import's duplicate check) and operators' events over time
// (the operators' state at the start of a period, for the occupancy).
var eventMigrations = []sqldb.Migration{{Version: 1, SQL: `
CREATE TABLE cti_events (
	id {{ID}},
	run TEXT NOT NULL,
	seq BIGINT NOT NULL,
	at BIGINT NOT NULL,
	kind TEXT NOT NULL,
	call_id TEXT NOT NULL,
	queue TEXT NOT NULL,
	operator TEXT NOT NULL,
	channel TEXT NOT NULL,
	caller TEXT NOT NULL,
	data TEXT NOT NULL,
	UNIQUE (run, seq)
);
CREATE INDEX cti_events_at ON cti_events (at);
`}, {Version: 2, SQL: `
CREATE INDEX cti_events_call ON cti_events (call_id);
CREATE INDEX cti_events_operator ON cti_events (operator, at);
`}}

// EventStore is the CTI log saved in the operational database. It is safe for concurrent use.
type EventStore struct {
	db  *sqldb.DB
	run string // this process's run id
}

// OpenEventStore runs the "telephony" migrations on db and returns a store whose saves belong
// to a new run.
func OpenEventStore(ctx context.Context, db *sqldb.DB) (*EventStore, error) {
	if err := db.Migrate(ctx, "telephony", eventMigrations); err != nil {
		return nil, fmt.Errorf("telephony: event store: %w", err)
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &EventStore{db: db, run: hex.EncodeToString(b)}, nil
}

// Run returns the id under which this store saves events.
func (s *EventStore) Run() string { return s.run }

// Save stores events in one transaction: all or none. Events already saved by this run are
// skipped, so a retried batch is harmless.
func (s *EventStore) Save(ctx context.Context, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	return s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		for _, e := range events {
			data, err := json.Marshal(e)
			if err != nil {
				return fmt.Errorf("telephony: event %d: %w", e.Seq, err)
			}
			caller := e.From
			if e.Direction == "out" {
				caller = e.To
			}
			if _, err := tx.Exec(ctx, `INSERT INTO cti_events (run, seq, at, kind, call_id, queue, operator, channel, caller, data)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run, seq) DO NOTHING`,
				s.run, int64(e.Seq), e.Time.UnixMilli(), string(e.Kind), e.CallID, e.Queue, e.Operator,
				string(e.Channel), caller, string(data)); err != nil {
				return fmt.Errorf("telephony: saving event %d: %w", e.Seq, err)
			}
		}
		return nil
	})
}

// savedEvent is a stored event with its run.
type savedEvent struct {
	run string
	Event
}

func (s *EventStore) query(ctx context.Context, from, to time.Time) ([]savedEvent, error) {
	q := `SELECT id, run, data FROM cti_events WHERE 1 = 1`
	var args []any
	// at is in whole milliseconds: widen the bounds by one and filter exactly below.
	if !from.IsZero() {
		q += ` AND at >= ?`
		args = append(args, from.UnixMilli()-1)
	}
	if !to.IsZero() {
		q += ` AND at <= ?`
		args = append(args, to.UnixMilli()+1)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("telephony: reading events: %w", err)
	}
	defer rows.Close()
	var out []savedEvent
	for rows.Next() {
		var id int64
		var se savedEvent
		var data string
		if err := rows.Scan(&id, &se.run, &data); err != nil {
			return nil, fmt.Errorf("telephony: reading events: %w", err)
		}
		if err := json.Unmarshal([]byte(data), &se.Event); err != nil {
			return nil, fmt.Errorf("telephony: cti_events row %d: data: %w", id, err)
		}
		if !from.IsZero() && se.Time.Before(from) || !to.IsZero() && !se.Time.Before(to) {
			continue
		}
		out = append(out, se)
	}
	return out, rows.Err()
}

// Events returns the saved events with from <= Time < to (zero bounds are open), of every run,
// in time order.
func (s *EventStore) Events(ctx context.Context, from, to time.Time) ([]Event, error) {
	saved, err := s.query(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]Event, len(saved))
	for i, se := range saved {
		out[i] = se.Event
	}
	sortByTime(out)
	return out, nil
}

// Merged returns the events of the period from the store and from log, this run's in-memory
// log, without duplicates: the events the persister has not saved yet are still counted, and
// the ones it saves while this runs are counted once.
func (s *EventStore) Merged(ctx context.Context, log *EventLog, from, to time.Time) ([]Event, error) {
	mem := log.Events(from, to) // before the store: whatever is saved meanwhile is found there
	saved, err := s.query(ctx, from, to)
	if err != nil {
		return nil, err
	}
	mine := map[uint64]bool{}
	out := make([]Event, 0, len(saved)+len(mem))
	for _, se := range saved {
		if se.run == s.run {
			mine[se.Seq] = true
		}
		out = append(out, se.Event)
	}
	for _, e := range mem {
		if !mine[e.Seq] {
			out = append(out, e)
		}
	}
	sortByTime(out)
	return out, nil
}

// sortByTime orders events by time, keeping the log's order among equal times.
func sortByTime(events []Event) {
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.Before(events[j].Time) })
}

// Persister saves an EventLog to an EventStore: Run flushes every Interval and once more when
// its context ends, and trims from memory the saved events older than Keep.
type Persister struct {
	Log      *EventLog
	Store    *EventStore
	Interval time.Duration // 0: 5 s
	Keep     time.Duration // in-memory history; 0: 24 h
	Logger   *slog.Logger  // nil: slog.Default()

	mu   sync.Mutex
	last uint64 // the last Seq saved
}

// Flush saves the events appended since the last flush, in one transaction, and returns how
// many. On error nothing is marked saved, and the next flush retries the same events.
func (p *Persister) Flush(ctx context.Context) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	batch := p.Log.Since(p.last)
	if len(batch) == 0 {
		return 0, nil
	}
	if err := p.Store.Save(ctx, batch); err != nil {
		return 0, err
	}
	lastEv := batch[len(batch)-1]
	p.last = lastEv.Seq
	keep := p.Keep
	if keep <= 0 {
		keep = 24 * time.Hour
	}
	// Only what is both old and saved may go: never beyond the last saved event.
	cut := time.Now().Add(-keep)
	if lastEv.Time.Before(cut) {
		cut = lastEv.Time
	}
	p.Log.Trim(cut)
	return len(batch), nil
}

// Run flushes every Interval until ctx ends, then a last time; it returns when that is done.
func (p *Persister) Run(ctx context.Context) {
	every := p.Interval
	if every <= 0 {
		every = 5 * time.Second
	}
	log := p.Logger
	if log == nil {
		log = slog.Default()
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if _, err := p.Flush(ctx); err != nil {
				log.Error("cti log not saved; retrying", "err", err)
			}
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			n, err := p.Flush(fctx)
			cancel()
			if err != nil {
				log.Error("cti log: final flush failed", "err", err)
			} else {
				log.Info("cti log saved", "events", n)
			}
			return
		}
	}
}
