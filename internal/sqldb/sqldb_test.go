package sqldb

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"sportello/fixtures/testenv"
)

// engines opens the same schema on SQLite and on the throwaway PostgreSQL of ./test.sh.
func engines(t *testing.T) map[string]*DB {
	t.Helper()
	lite, err := Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	pg, err := Open(testenv.PostgresURL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	return map[string]*DB{"sqlite": lite, "postgres": pg}
}

func TestMigrateAndRoundTrip(t *testing.T) {
	ctx := context.Background()
	for name, db := range engines(t) {
		t.Run(name, func(t *testing.T) {
			comp := "sqldbtest_" + filepath.Base(t.TempDir()) // fresh component per run on a shared server
			table := "t_" + comp[len("sqldbtest_"):]
			steps := []Migration{{1, "CREATE TABLE " + table + " (id {{ID}}, name TEXT NOT NULL, at BIGINT NOT NULL);\nCREATE INDEX " + table + "_name ON " + table + " (name);"}}
			for i := 0; i < 2; i++ { // twice: the second run must be a no-op
				if err := db.Migrate(ctx, comp, steps); err != nil {
					t.Fatal(err)
				}
			}
			var id int64
			if err := db.QueryRow(ctx, "INSERT INTO "+table+" (name, at) VALUES (?, ?) RETURNING id", "Niccolò 'q?'", int64(42)).Scan(&id); err != nil {
				t.Fatal(err)
			}
			var got string
			if err := db.QueryRow(ctx, "SELECT name FROM "+table+" WHERE id = ? AND name <> '?'", id).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != "Niccolò 'q?'" {
				t.Fatalf("got %q", got)
			}
			// A failed transaction leaves nothing behind.
			boom := errors.New("boom")
			err := db.InTx(ctx, func(tx *Tx) error {
				if _, err := tx.Exec(ctx, "INSERT INTO "+table+" (name, at) VALUES (?, ?)", "x", 1); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("InTx error = %v", err)
			}
			var n int
			db.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
			if n != 1 {
				t.Fatalf("rows after rollback = %d, want 1", n)
			}
		})
	}
}

func TestRebind(t *testing.T) {
	pg := &DB{Dialect: Postgres}
	for in, want := range map[string]string{
		"SELECT ? , ?":                "SELECT $1 , $2",
		"SELECT '?' FROM t WHERE a=?": "SELECT '?' FROM t WHERE a=$1",
		"no placeholders":             "no placeholders",
	} {
		if got := pg.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
	if got := (&DB{}).Rebind("a ?"); got != "a ?" {
		t.Errorf("sqlite Rebind changed the query: %q", got)
	}
}

func TestRedact(t *testing.T) {
	if got := redact("postgres://u:secret@h/db"); got != "postgres://u:***@h/db" {
		t.Errorf("redact = %q", got)
	}
}
