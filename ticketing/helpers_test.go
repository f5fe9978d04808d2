package ticketing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"sportello/fixtures/testenv"
	"sportello/internal/sqldb"
)

// fakeClock is a settable clock shared by a test's stores.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var rome = DefaultCalendar().Location

// romeTime is a wall-clock time in Rome.
func romeTime(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, rome)
}

// openDBs opens a fresh SQLite file and a fresh schema on the throwaway PostgreSQL of ./test.sh.
func openDBs(t testing.TB) map[string]*sqldb.DB {
	t.Helper()
	lite, err := sqldb.Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	out := map[string]*sqldb.DB{"sqlite": lite}
	url := testenv.PostgresURL(t)
	if url == "" {
		return out
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	schema := "tk_" + hex.EncodeToString(rnd[:])
	admin, err := sqldb.Open(url, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	pg, err := sqldb.Open(url+sep+"search_path="+schema, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pg.Close()
		admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	out["postgres"] = pg
	return out
}

// stores opens a ticketing Store on each engine with cfg (DataDir and Now filled in).
func stores(t testing.TB, clock *fakeClock, cfg Config) map[string]*Store {
	t.Helper()
	out := map[string]*Store{}
	for name, db := range openDBs(t) {
		c := cfg
		c.DataDir = t.TempDir()
		if clock != nil {
			c.Now = clock.Now
		}
		s, err := Open(context.Background(), db, c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = s
	}
	return out
}
