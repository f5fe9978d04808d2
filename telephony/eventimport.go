package telephony

// Reading the saved CTI log for reports, and importing another PBX's call log into it.

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"time"

	"sportello/internal/sqldb"
)

// ImportRun is the run of the saved log under which imported queue_log lines are kept. Their
// Seq is a hash of the line's text, so the store's (run, seq) key drops a line imported twice.
const ImportRun = "queue_log"

// Each calls fn with the saved events with from <= Time < to (zero bounds are open) of every
// run, in time order, reading them one at a time: a month of events is never all in memory.
// An error from fn stops it.
func (s *EventStore) Each(ctx context.Context, from, to time.Time, fn func(Event) error) error {
	q := `SELECT id, data FROM cti_events WHERE 1 = 1`
	var args []any
	if !from.IsZero() {
		q += ` AND at >= ?`
		args = append(args, from.UnixMilli()-1)
	}
	if !to.IsZero() {
		q += ` AND at <= ?`
		args = append(args, to.UnixMilli()+1)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY at, id`, args...)
	if err != nil {
		return fmt.Errorf("telephony: reading events: %w", err)
	}
	defer rows.Close()
	// Rows are ordered by whole milliseconds; within one millisecond the insertion order
	// stands, and events are handed out in nanosecond order by a small look-ahead buffer.
	var pending []Event
	var pendingMs int64 = math.MinInt64
	flush := func() error {
		sortByTime(pending)
		for _, e := range pending {
			if err := fn(e); err != nil {
				return err
			}
		}
		pending = pending[:0]
		return nil
	}
	for rows.Next() {
		var id int64
		var data string
		if err := rows.Scan(&id, &data); err != nil {
			return fmt.Errorf("telephony: reading events: %w", err)
		}
		var e Event
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return fmt.Errorf("telephony: cti_events row %d: data: %w", id, err)
		}
		if !from.IsZero() && e.Time.Before(from) || !to.IsZero() && !e.Time.Before(to) {
			continue
		}
		if ms := e.Time.UnixMilli(); ms != pendingMs {
			if err := flush(); err != nil {
				return err
			}
			pendingMs = ms
		}
		pending = append(pending, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("telephony: reading events: %w", err)
	}
	return flush()
}

// OperatorStates returns, for each operator, the last login or logout (per queue for queue
// memberships) and the last pause or unpause saved before at: the state operators were in
// when a period starts, which the occupancy of a period needs when the logins happened
// earlier.
func (s *EventStore) OperatorStates(ctx context.Context, at time.Time) ([]Event, error) {
	rows, err := s.db.Query(ctx, `SELECT e.id, e.data FROM cti_events e JOIN (
		SELECT operator, queue, CASE WHEN kind IN ('login', 'logout') THEN 'l' ELSE 'p' END AS fam, MAX(at) AS last
		FROM cti_events WHERE operator <> '' AND kind IN ('login', 'logout', 'pause', 'unpause') AND at < ?
		GROUP BY operator, queue, CASE WHEN kind IN ('login', 'logout') THEN 'l' ELSE 'p' END) l
		ON e.operator = l.operator AND e.queue = l.queue AND e.at = l.last
		WHERE e.kind IN ('login', 'logout', 'pause', 'unpause')
		AND (CASE WHEN e.kind IN ('login', 'logout') THEN 'l' ELSE 'p' END) = l.fam
		ORDER BY e.at, e.id`, at.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("telephony: operators' state: %w", err)
	}
	defer rows.Close()
	// Two events in the same millisecond may both match: the later one (by id) wins.
	type key struct{ op, queue, fam string }
	last := map[key]Event{}
	var order []key
	for rows.Next() {
		var id int64
		var data string
		if err := rows.Scan(&id, &data); err != nil {
			return nil, fmt.Errorf("telephony: operators' state: %w", err)
		}
		var e Event
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return nil, fmt.Errorf("telephony: cti_events row %d: data: %w", id, err)
		}
		if !e.Time.Before(at) {
			continue
		}
		fam := "p"
		if e.Kind == EvLogin || e.Kind == EvLogout {
			fam = "l"
		}
		k := key{e.Operator, e.Queue, fam}
		if _, ok := last[k]; !ok {
			order = append(order, k)
		}
		last[k] = e
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("telephony: operators' state: %w", err)
	}
	out := make([]Event, 0, len(order))
	for _, k := range order {
		out = append(out, last[k])
	}
	sortByTime(out)
	return out, nil
}

// ImportReport says what an import of a queue_log did with each line.
type ImportReport struct {
	Lines      int `json:"lines"`      // lines read, blank ones included
	Imported   int `json:"imported"`   // events saved
	Duplicates int `json:"duplicates"` // lines already saved by an earlier import
	// KnownCalls are the distinct calls the store already had from another source (Sportello's
	// own log, say, when its export is imported back); their lines (KnownLines) are not saved,
	// so no call is counted twice.
	KnownCalls int            `json:"knownCalls"`
	KnownLines int            `json:"knownLines"`
	Skipped    map[string]int `json:"skipped"` // well-formed lines of events the figures do not use, by name
	// Problems are the damaged lines (the first MaxImportProblems of them); Damaged counts all.
	Problems []QueueLogProblem `json:"problems"`
	Damaged  int               `json:"damaged"`
	// First and Last bound the times of the events read.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// MaxImportProblems bounds the damaged lines an ImportReport lists.
const MaxImportProblems = 100

// importBatch is the number of lines saved per transaction: short transactions leave the
// database to the running server in between.
const importBatch = 2000

// ImportQueueLog reads an Asterisk queue_log (see ReadQueueLog) into the store under
// ImportRun. Lines already imported are recognised by their text and skipped; calls the store
// has from another run are skipped whole (deduplicated by call id). Damaged lines are reported,
// not fatal. Lines are saved in batches: an import that stops half way (a database error) is
// completed by running it again.
func (s *EventStore) ImportQueueLog(ctx context.Context, r io.Reader, loc *time.Location) (*ImportReport, error) {
	rep := &ImportReport{}
	var batch []QueueLogEvent
	knownCalls := map[string]bool{} // only calls found in another run: few
	save := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
			known := map[string]bool{}
			for _, le := range batch {
				e := le.Event
				if e.CallID != "" {
					k, seen := known[e.CallID]
					if !seen {
						var n int
						if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM cti_events WHERE call_id = ? AND run <> ? LIMIT 1) x`,
							e.CallID, ImportRun).Scan(&n); err != nil {
							return fmt.Errorf("telephony: import: %w", err)
						}
						k = n > 0
						known[e.CallID] = k
						if k && !knownCalls[e.CallID] {
							knownCalls[e.CallID] = true
							rep.KnownCalls++
						}
					}
					if k {
						rep.KnownLines++
						continue
					}
				}
				data, err := json.Marshal(e)
				if err != nil {
					return err
				}
				res, err := tx.Exec(ctx, `INSERT INTO cti_events (run, seq, at, kind, call_id, queue, operator, channel, caller, data)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run, seq) DO NOTHING`,
					ImportRun, lineKey(le.Text), e.Time.UnixMilli(), string(e.Kind), e.CallID, e.Queue, e.Operator,
					string(e.Channel), e.From, string(data))
				if err != nil {
					return fmt.Errorf("telephony: import, line %d: %w", le.Line, err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					rep.Duplicates++
				} else {
					rep.Imported++
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	lines, skipped, err := ReadQueueLog(r, loc, func(le QueueLogEvent) error {
		if rep.First.IsZero() || le.Event.Time.Before(rep.First) {
			rep.First = le.Event.Time
		}
		if le.Event.Time.After(rep.Last) {
			rep.Last = le.Event.Time
		}
		batch = append(batch, le)
		if len(batch) >= importBatch {
			return save()
		}
		return nil
	}, func(p QueueLogProblem) {
		rep.Damaged++
		if len(rep.Problems) < MaxImportProblems {
			rep.Problems = append(rep.Problems, p)
		}
	})
	rep.Skipped, rep.Lines = skipped, lines
	if err != nil {
		return rep, err
	}
	if err := save(); err != nil {
		return rep, err
	}
	return rep, nil
}

// lineKey is the 63-bit FNV-1a hash of a line: the Seq of an imported event.
func lineKey(line string) int64 {
	h := fnv.New64a()
	h.Write([]byte(line))
	return int64(h.Sum64() & math.MaxInt64)
}
