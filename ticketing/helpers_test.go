package ticketing

import (
	"context"
	"sync"
	"testing"
	"time"

	"sportello/internal/clock"
	"sportello/internal/sqldb/sqldbtest"
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

var rome = clock.Rome()

// romeTime is a wall-clock time in Rome.
func romeTime(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, rome)
}

// stores opens a ticketing Store on each engine with cfg (DataDir and Now filled in).
func stores(t testing.TB, clock *fakeClock, cfg Config) map[string]*Store {
	t.Helper()
	out := map[string]*Store{}
	for name, db := range sqldbtest.Engines(t) {
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
