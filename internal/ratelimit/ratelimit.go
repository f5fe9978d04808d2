// Package ratelimit is Sportello's one rate limiter: token buckets keyed by a string — a
// client's address (AddressKey), an account and an address — in bounded memory, with an
// injectable clock. The web middleware answers 429 with Retry-After from it, login throttling
// (LoginThrottle, login.go) is built on it, and the SIP listener may use it for REGISTER and
// INVITE floods.
//
// A bucket holds at most Burst tokens and gains one every Every; a request takes one token or
// is refused with the time until the next one (retryAfter). Buckets live in a map bounded by
// MaxKeys: when a new key would exceed it, the least recently used bucket goes. An evicted key
// starts again with a full bucket, so the bound is a trade: a flood of more distinct keys than
// MaxKeys within one refill period makes the limiter forget the oldest of them. AddressKey
// groups IPv6 clients by their /64, so one host cannot mint a fresh key per request.
//
// Why our own code and not golang.org/x/time/rate: the login throttle needs to give a token
// back when a password turns out right (Refund), which x/time/rate can only approximate by
// cancelling a reservation (and then only if no later one was made), and a keyed, bounded map
// of buckets is ours to write either way. The arithmetic is twenty lines, tested below with a
// fake clock and with 50 parallel callers.
package ratelimit

import (
	"container/list"
	"fmt"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config sets a Limiter's budget.
type Config struct {
	// Burst is the budget: how many requests a key may make at once (at least 1).
	Burst int
	// Every is how often one request of the budget comes back (at least 1 ms).
	Every time.Duration
	// MaxKeys bounds the keys remembered; 0 means 10,000. About 100 bytes each.
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Limiter is a set of token buckets by key. It is safe for concurrent use.
type Limiter struct {
	burst   float64
	every   time.Duration
	maxKeys int
	now     func() time.Time

	mu   sync.Mutex
	keys map[string]*list.Element // → *bucket
	lru  *list.List               // front: most recently used
}

type bucket struct {
	key    string
	tokens float64
	at     time.Time
}

// DefaultMaxKeys is the number of keys a Limiter remembers when Config.MaxKeys is 0.
const DefaultMaxKeys = 10000

// New returns a Limiter, or an error naming the wrong setting.
func New(c Config) (*Limiter, error) {
	if c.Burst < 1 {
		return nil, fmt.Errorf("ratelimit: il limite deve ammettere almeno una richiesta (burst %d)", c.Burst)
	}
	if c.Every < time.Millisecond {
		return nil, fmt.Errorf("ratelimit: l'intervallo di ricarica deve essere di almeno 1 ms (%s)", c.Every)
	}
	if c.MaxKeys < 0 {
		return nil, fmt.Errorf("ratelimit: numero massimo di chiavi negativo (%d)", c.MaxKeys)
	}
	if c.MaxKeys == 0 {
		c.MaxKeys = DefaultMaxKeys
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Limiter{burst: float64(c.Burst), every: c.Every, maxKeys: c.MaxKeys, now: c.Now,
		keys: map[string]*list.Element{}, lru: list.New()}, nil
}

// MustNew is New for settings written in the code; it panics on a wrong one.
func MustNew(c Config) *Limiter {
	l, err := New(c)
	if err != nil {
		panic(err)
	}
	return l
}

// refill brings b's tokens to now. A clock that went back adds nothing.
func (l *Limiter) refill(b *bucket, now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = math.Min(l.burst, b.tokens+float64(d)/float64(l.every))
	}
	b.at = now
}

// get returns key's bucket, refilled to now, creating it full (and evicting the least recently
// used one beyond MaxKeys). l.mu is held.
func (l *Limiter) get(key string, now time.Time) *bucket {
	if e, ok := l.keys[key]; ok {
		l.lru.MoveToFront(e)
		b := e.Value.(*bucket)
		l.refill(b, now)
		return b
	}
	for l.lru.Len() >= l.maxKeys {
		old := l.lru.Back()
		l.lru.Remove(old)
		delete(l.keys, old.Value.(*bucket).key)
	}
	b := &bucket{key: key, tokens: l.burst, at: now}
	l.keys[key] = l.lru.PushFront(b)
	return b
}

// Allow takes one token of key's budget. When there is none it answers false and how long
// until there will be one (never less than 1 ms), for a Retry-After.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, l.wait(b)
}

// wait is the time until b holds one token.
func (l *Limiter) wait(b *bucket) time.Duration {
	d := time.Duration(math.Ceil((1 - b.tokens) * float64(l.every)))
	return max(d, time.Millisecond)
}

// Peek answers what Allow would, without taking a token.
func (l *Limiter) Peek(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, found := l.keys[key]
	if !found {
		return true, 0
	}
	b := *e.Value.(*bucket)
	l.refill(&b, now)
	if b.tokens >= 1 {
		return true, 0
	}
	return false, l.wait(&b)
}

// Refund gives key back one token (up to its budget): the request it took it for turned out
// not to count (a login whose password was right).
func (l *Limiter) Refund(key string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.keys[key]; ok {
		b := e.Value.(*bucket)
		l.refill(b, now)
		b.tokens = math.Min(l.burst, b.tokens+1)
	}
}

// Len is the number of keys remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// RetryAfterSeconds is d as the value of an HTTP Retry-After header: whole seconds, rounded
// up, at least 1.
func RetryAfterSeconds(d time.Duration) string {
	s := int64(math.Ceil(d.Seconds()))
	return strconv.FormatInt(max(s, 1), 10)
}

// ParseConfig reads a limit as an administrator writes it in a setting: "30/1m" (30 requests,
// one more every 2 s), "10/s", "100/h", "5/15m". The budget is the number; the period is what
// it takes for a whole budget to come back. MaxKeys and Now are left to the caller.
func ParseConfig(s string) (Config, error) {
	bad := func() (Config, error) {
		return Config{}, fmt.Errorf("limite %q non valido: usare richieste/periodo, per esempio 30/1m, 10/s, 100/h", s)
	}
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || len(s) > 40 {
		return bad()
	}
	burst, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || burst < 1 || burst > 1_000_000 {
		return bad()
	}
	per = strings.TrimSpace(per)
	switch per {
	case "s", "m", "h":
		per = "1" + per
	case "min":
		per = "1m"
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 || d > 7*24*time.Hour {
		return bad()
	}
	every := d / time.Duration(burst)
	if every < time.Millisecond {
		return bad()
	}
	return Config{Burst: burst, Every: every}, nil
}

// AddressKey is the key of a client address ("192.0.2.7", "192.0.2.7:51234", "[2001:db8::1]:443"):
// the IPv4 address, or the /64 network of an IPv6 address (one host usually holds a whole /64,
// so keying by the full address would give it endless fresh budgets). IPv4-mapped IPv6 is
// IPv4. Anything else is returned as it is, cut to 64 bytes.
func AddressKey(addr string) string {
	addr = strings.TrimSpace(addr)
	if h, _, err := net.SplitHostPort(addr); err == nil {
		addr = h
	}
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		if len(addr) > 64 {
			addr = addr[:64]
		}
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}
