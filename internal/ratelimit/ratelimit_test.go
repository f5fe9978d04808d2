package ratelimit

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sportello/fixtures/testenv"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestBucket(t *testing.T) {
	clk := newClock()
	l := MustNew(Config{Burst: 3, Every: 2 * time.Second, Now: clk.Now})
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d of the budget refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 2*time.Second {
		t.Fatalf("over budget: %v, retry after %s", ok, wait)
	}
	// Another key has its own budget.
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("key b refused")
	}
	clk.Add(1500 * time.Millisecond)
	if ok, wait := l.Allow("a"); ok || wait != 500*time.Millisecond {
		t.Fatalf("after 1.5 s: %v, %s", ok, wait)
	}
	if ok, wait := l.Peek("a"); ok || wait != 500*time.Millisecond {
		t.Fatalf("peek: %v %s", ok, wait)
	}
	clk.Add(500 * time.Millisecond)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("a token came back after 2 s but was refused")
	}
	// A long pause refills only up to the budget.
	clk.Add(time.Hour)
	n := 0
	for {
		if ok, _ := l.Allow("a"); !ok {
			break
		}
		n++
	}
	if n != 3 {
		t.Fatalf("after an hour %d requests passed, want the budget 3", n)
	}
	// A refund gives one back, never beyond the budget.
	l.Refund("a")
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("refunded token refused")
	}
	clk.Add(time.Hour)
	l.Refund("a")
	l.Refund("a")
	n = 0
	for ok, _ := l.Allow("a"); ok; ok, _ = l.Allow("a") {
		n++
	}
	if n != 3 {
		t.Fatalf("refunds went beyond the budget: %d", n)
	}
	// A clock that goes back adds nothing and breaks nothing.
	clk.Add(-time.Hour)
	if ok, wait := l.Allow("a"); ok || wait <= 0 {
		t.Fatalf("clock back: %v %s", ok, wait)
	}
}

// TestConcurrentCallersGetExactlyTheBudget: 50 callers at once on one key, with the clock
// stopped: exactly the budget passes — no more, because every check and take is one step.
func TestConcurrentCallersGetExactlyTheBudget(t *testing.T) {
	for _, budget := range []int{1, 5, 10, 49, 50} {
		clk := newClock()
		l := MustNew(Config{Burst: budget, Every: time.Minute, Now: clk.Now})
		var passed atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if ok, wait := l.Allow("203.0.113.9"); ok {
					passed.Add(1)
				} else if wait <= 0 {
					t.Error("refused without a retry-after")
				}
			}()
		}
		close(start)
		wg.Wait()
		if passed.Load() != int64(budget) {
			t.Fatalf("budget %d: %d of 50 parallel callers passed", budget, passed.Load())
		}
	}
	testenv.Figure("ratelimit: 50 parallel callers on one key pass exactly the budget (1, 5, 10, 49, 50)")
}

// TestBoundedMemory: a million distinct keys keep at most MaxKeys buckets; the least recently
// used goes first, and a key in use stays.
func TestBoundedMemory(t *testing.T) {
	clk := newClock()
	l := MustNew(Config{Burst: 2, Every: time.Minute, MaxKeys: 1000, Now: clk.Now})
	l.Allow("hot")
	l.Allow("hot")
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 1_000_000; i++ {
		l.Allow(fmt.Sprintf("k%d", i))
		if i%500 == 0 {
			l.Peek("hot") // Peek does not refresh: only use does
			l.Allow("hot")
		}
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if l.Len() != 1000 {
		t.Fatalf("%d keys kept, want 1000", l.Len())
	}
	// "hot" was used every 500 keys, so it was never the least recently used of 1000: its
	// budget stayed spent.
	if ok, _ := l.Allow("hot"); ok {
		t.Fatal("the key in use was evicted and came back with a full budget")
	}
	grow := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if grow > 4<<20 {
		t.Fatalf("heap grew by %d bytes for 1,000 kept keys", grow)
	}
	testenv.Figure("ratelimit: 1,000,000 distinct keys with MaxKeys 1,000: 1,000 kept, heap %+.1f KiB after GC", float64(grow)/1024)
}

func TestNewRefusesNonsense(t *testing.T) {
	for _, c := range []Config{{Burst: 0, Every: time.Second}, {Burst: 1, Every: 0}, {Burst: 1, Every: time.Second, MaxKeys: -1}} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		in    string
		burst int
		every time.Duration
	}{
		{"30/1m", 30, 2 * time.Second},
		{"10/s", 10, 100 * time.Millisecond},
		{"100/h", 100, 36 * time.Second},
		{" 5 / 15m ", 5, 3 * time.Minute},
		{"60/min", 60, time.Second},
	} {
		c, err := ParseConfig(tc.in)
		if err != nil || c.Burst != tc.burst || c.Every != tc.every {
			t.Errorf("ParseConfig(%q) = %+v, %v", tc.in, c, err)
		}
	}
	for _, in := range []string{"", "30", "0/1m", "-1/1m", "x/1m", "30/", "30/ora", "1000000/1ms", "5/-1m", "1/9999h", strings.Repeat("9", 100) + "/1m"} {
		if _, err := ParseConfig(in); err == nil || !strings.Contains(err.Error(), "per esempio") {
			t.Errorf("ParseConfig(%q) = %v", in, err)
		}
	}
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                     "192.0.2.7",
		"192.0.2.7:51234":               "192.0.2.7",
		"::ffff:192.0.2.7":              "192.0.2.7",
		"[2001:db8:1:2:aaaa::1]:443":    "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb:cccc:dddd:1": "2001:db8:1:2::/64",
		"fe80::1%eth0":                  "fe80::/64",
		"not an address":                "not an address",
		strings.Repeat("x", 100):        strings.Repeat("x", 64),
	} {
		if got := AddressKey(in); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "1", time.Millisecond: "1", time.Second: "1", 1001 * time.Millisecond: "2", time.Hour: "3600"} {
		if got := RetryAfterSeconds(d); got != want {
			t.Errorf("RetryAfterSeconds(%s) = %s, want %s", d, got, want)
		}
	}
}

func BenchmarkAllow(b *testing.B) {
	b.Run("one-key", func(b *testing.B) {
		l := MustNew(Config{Burst: 1 << 30, Every: time.Millisecond})
		for i := 0; i < b.N; i++ {
			l.Allow("203.0.113.9")
		}
	})
	b.Run("10k-keys-parallel", func(b *testing.B) {
		l := MustNew(Config{Burst: 100, Every: time.Millisecond, MaxKeys: 10000})
		keys := make([]string, 20000)
		for i := range keys {
			keys[i] = fmt.Sprintf("198.51.%d.%d", i/256, i%256)
		}
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Allow(keys[int(n.Add(1))%len(keys)])
			}
		})
	})
}
