// Package accesslog records who read which pill and when (REQUIREMENTS KB-8: record accesses,
// to see which areas interest most; issue 5 item 5), in the operational SQL database, with a
// retention period after which reads are deleted, and reports the most read pills of a period.
// It is part of the accounts domain (who did what); the web server records a read after a
// signed-in user's pill page or pill API call succeeds.
package accesslog

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"sportello/internal/sqldb"
)

var migrations = []sqldb.Migration{
	{Version: 1, SQL: `
CREATE TABLE pill_reads (
	id {{ID}},
	pill TEXT NOT NULL,
	user_name TEXT NOT NULL,
	role TEXT NOT NULL,
	at BIGINT NOT NULL
);
CREATE INDEX pill_reads_at ON pill_reads (at);
CREATE INDEX pill_reads_pill ON pill_reads (pill, at);
`},
}

// DefaultRetention is how long reads are kept when the configuration says nothing: a year,
// enough for yearly reports, not a permanent record of what each operator looked at.
const DefaultRetention = 365 * 24 * time.Hour

// Log is the access log.
type Log struct {
	db        *sqldb.DB
	retention time.Duration
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New opens the access log on db. Reads older than retention are deleted by Prune; a negative
// retention keeps them forever, zero means DefaultRetention.
func New(ctx context.Context, db *sqldb.DB, retention time.Duration) (*Log, error) {
	if err := db.Migrate(ctx, "accesslog", migrations); err != nil {
		return nil, err
	}
	if retention == 0 {
		retention = DefaultRetention
	}
	return &Log{db: db, retention: retention, Now: time.Now}, nil
}

// Retention returns the retention period in force (negative: forever).
func (l *Log) Retention() time.Duration { return l.retention }

// Read is one pill read.
type Read struct {
	Pill string    `json:"pill"` // IRI
	User string    `json:"user"`
	Role string    `json:"role"`
	At   time.Time `json:"at"`
}

// Record stores a read; a zero At means now.
func (l *Log) Record(ctx context.Context, r Read) error {
	if r.Pill == "" || r.User == "" {
		return errors.New("accesslog: a read needs a pill and a user")
	}
	if r.At.IsZero() {
		r.At = l.Now()
	}
	_, err := l.db.Exec(ctx, `INSERT INTO pill_reads (pill, user_name, role, at) VALUES (?, ?, ?, ?)`,
		r.Pill, r.User, r.Role, sqldb.Millis(r.At))
	return err
}

// Prune deletes the reads older than the retention period and returns how many.
func (l *Log) Prune(ctx context.Context) (int64, error) {
	if l.retention < 0 {
		return 0, nil
	}
	res, err := l.db.Exec(ctx, `DELETE FROM pill_reads WHERE at < ?`, sqldb.Millis(l.Now().Add(-l.retention)))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Count is how often a pill was read in a period, and by how many people.
type Count struct {
	Pill    string `json:"pill"`
	Reads   int    `json:"reads"`
	Readers int    `json:"readers"`
}

// Top returns the most read pills in [from, to), most read first (ties by IRI), at most limit
// (0: all).
func (l *Log) Top(ctx context.Context, from, to time.Time, limit int) ([]Count, error) {
	q := `SELECT pill, COUNT(*), COUNT(DISTINCT user_name) FROM pill_reads WHERE at >= ? AND at < ?
		GROUP BY pill ORDER BY COUNT(*) DESC, pill`
	args := []any{sqldb.Millis(from), sqldb.Millis(to)}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := l.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Pill, &c.Reads, &c.Readers); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RunPrune deletes the reads older than the retention at once and then every interval, until
// ctx ends: the access log's background job.
func (l *Log) RunPrune(ctx context.Context, every time.Duration, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := l.Prune(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("access log: pruning", "err", err)
		case n > 0:
			log.Info("access log: old reads deleted", "reads", n, "retention", l.Retention())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
