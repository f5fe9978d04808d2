// Package sqldb opens Sportello's operational database — users, sessions, tickets, calls, the
// access log — on embedded SQLite (modernc.org/sqlite, no cgo; the default, a file in the data
// folder) or on PostgreSQL (pgx), and runs each component's migrations.
//
// One schema serves both engines, so the SQL the components write is the common subset: TEXT;
// BIGINT for counters and timestamps (INTEGER is 32-bit on PostgreSQL), stored as Unix
// milliseconds UTC; INTEGER 0/1 for booleans; `?` placeholders (Rebind turns them into $n for
// PostgreSQL); and `INSERT … RETURNING id`, which both engines support. The only dialect-specific
// DDL is the auto-increment primary key, which migrations write as the placeholder {{ID}}.
package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"

	"sportello/internal/fsperm"
)

// Dialect is the SQL engine behind a DB.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is a database handle that knows its dialect.
type DB struct {
	*sql.DB
	Dialect Dialect
}

// Open opens dsn: a postgres:// or postgresql:// URL selects PostgreSQL; anything else is a
// SQLite file path (created when missing). An empty dsn means DATADIR/sportello.db.
func Open(dsn, dataDir string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("database %s: %w", redact(dsn), err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("database %s: %w", redact(dsn), err)
		}
		return &DB{DB: db, Dialect: Postgres}, nil
	}
	if dsn == "" {
		if err := fsperm.MkdirAll(dataDir); err != nil {
			return nil, err
		}
		dsn = filepath.Join(dataDir, "sportello.db")
	}
	return openSQLite(dsn)
}

// OpenMemory opens a private in-memory SQLite database, for tests.
func OpenMemory() (*DB, error) { return openSQLite(":memory:") }

func openSQLite(path string) (*DB, error) {
	// WAL lets readers work while a writer commits; busy_timeout makes concurrent writers wait
	// instead of failing; foreign keys are off by default in SQLite.
	q := "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_txlock=immediate"
	if path == ":memory:" {
		q = "?_pragma=foreign_keys(1)"
	} else {
		// The database holds citizens' data and password hashes: private to the service's user.
		// SQLite gives its -wal and -shm files the mode of the database file.
		if err := fsperm.Private(path); err != nil {
			return nil, fmt.Errorf("database %s: %w", path, err)
		}
		for _, side := range []string{path + "-wal", path + "-shm"} {
			if err := fsperm.Restrict(side); err != nil {
				return nil, fmt.Errorf("database %s: %w", side, err)
			}
		}
	}
	db, err := sql.Open("sqlite", "file:"+path+q)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	if path == ":memory:" {
		// Each connection to :memory: is a different database: keep exactly one.
		db.SetMaxOpenConns(1)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return &DB{DB: db, Dialect: SQLite}, nil
}

// redact hides the password of a database URL in messages.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if c := strings.Index(rest[:at], ":"); c >= 0 {
				return dsn[:i+3] + rest[:c] + ":***" + rest[at:]
			}
		}
	}
	return dsn
}

// Rebind turns `?` placeholders into the dialect's form ($1, $2, … for PostgreSQL). Question
// marks inside single-quoted strings are left alone.
func (db *DB) Rebind(query string) string {
	if db.Dialect != Postgres {
		return query
	}
	var b strings.Builder
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Exec, Query and QueryRow rebind the query for the dialect.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.DB.ExecContext(ctx, db.Rebind(query), args...)
}

func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.DB.QueryContext(ctx, db.Rebind(query), args...)
}

func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.DB.QueryRowContext(ctx, db.Rebind(query), args...)
}

// Tx is a transaction that rebinds like DB.
type Tx struct {
	*sql.Tx
	db *DB
}

func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(ctx, tx.db.Rebind(query), args...)
}

func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(ctx, tx.db.Rebind(query), args...)
}

func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(ctx, tx.db.Rebind(query), args...)
}

// InTx runs fn in a transaction: committed when fn returns nil, rolled back otherwise.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	stx, err := db.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&Tx{Tx: stx, db: db}); err != nil {
		stx.Rollback()
		return err
	}
	return stx.Commit()
}

// Migration is one schema step of a component. Steps are applied in order, once each; SQL may
// hold several statements separated by ";" on their own line ends, and the placeholder {{ID}}
// for an auto-increment integer primary key.
type Migration struct {
	Version int
	SQL     string
}

// Migrate applies component's migrations that have not run yet, each in its own transaction.
// Components (auth, ticketing, accesslog, …) keep separate version counters in one table.
func (db *DB) Migrate(ctx context.Context, component string, steps []Migration) error {
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component TEXT NOT NULL, version INTEGER NOT NULL, applied_at BIGINT NOT NULL,
		PRIMARY KEY (component, version))`); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	for _, m := range steps {
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE component = ? AND version = ?`,
			component, m.Version).Scan(&n); err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		if n > 0 {
			continue
		}
		err := db.InTx(ctx, func(tx *Tx) error {
			for _, stmt := range splitStatements(db.expand(m.SQL)) {
				if _, err := tx.Exec(ctx, stmt); err != nil {
					return fmt.Errorf("%w\n%s", err, stmt)
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)`,
				component, m.Version, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s %d: %w", component, m.Version, err)
		}
	}
	return nil
}

func (db *DB) expand(sqlText string) string {
	id := "INTEGER PRIMARY KEY AUTOINCREMENT"
	if db.Dialect == Postgres {
		id = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
	}
	return strings.ReplaceAll(sqlText, "{{ID}}", id)
}

func splitStatements(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";\n") {
		if p := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(part), ";")); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Millis converts a time to the stored form (Unix milliseconds UTC); the zero time is 0.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Time converts the stored form back; 0 is the zero time.
func Time(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
