// Package sqldbtest gives tests a fresh operational database on each engine the product
// supports, so that every SQL component is tested on SQLite and on PostgreSQL alike.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	"sportello/fixtures/testenv"
	"sportello/internal/sqldb"
)

// Engines returns a fresh database per engine, keyed "sqlite" and "postgres": SQLite in a
// temporary folder, and a private schema of the throwaway PostgreSQL that ./test.sh starts
// (dropped when the test ends). SQLite always runs. Without that PostgreSQL only the PostgreSQL
// variant is left out: under ./test.sh the test fails, elsewhere a skipped "postgres" subtest
// says what is missing (fixtures/testenv), so that a plain `go test ./...` runs every SQLite
// test.
func Engines(t testing.TB) map[string]*sqldb.DB {
	t.Helper()
	lite, err := sqldb.Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	out := map[string]*sqldb.DB{"sqlite": lite}
	if !testenv.PostgresAvailable() && !testenv.Strict() {
		if tt, ok := t.(*testing.T); ok {
			tt.Run("postgres", func(t *testing.T) { testenv.PostgresURL(t) })
		} else {
			t.Log("PostgreSQL variant left out: no throwaway PostgreSQL (SPORTELLO_TEST_POSTGRES; ./test.sh starts one)")
		}
		return out
	}
	out["postgres"] = Postgres(t)
	return out
}

// Postgres returns a fresh schema of the throwaway PostgreSQL.
func Postgres(t testing.TB) *sqldb.DB {
	t.Helper()
	url := testenv.PostgresURL(t)
	admin, err := sqldb.Open(url, "")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	pg, err := sqldb.Open(url+sep+"search_path="+schema, "")
	if err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pg.Close()
		admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	return pg
}
