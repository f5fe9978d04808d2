package ratelimit

import (
	"container/list"
	"strings"
	"sync"
	"time"
)

// LoginPolicy sets a LoginThrottle. Zero fields take the defaults written beside them.
type LoginPolicy struct {
	// FreeFailures is how many failed logins an account+address pair makes before the first
	// delay (default 3: a typo, a caps-lock, an old password).
	FreeFailures int
	// BaseDelay is the first delay; each further failure doubles it (default 1 s).
	BaseDelay time.Duration
	// MaxDelay caps the delay (default 15 min): an attacker gets at most 4 guesses an hour per
	// pair once there, and the account's owner, from another address, is never held up.
	MaxDelay time.Duration
	// ForgetAfter: a pair with no attempt for this long starts afresh (default 24 h).
	ForgetAfter time.Duration
	// AddressBudget is how many failures one address may make across all accounts before it
	// must wait (default 30), and AddressRefill how often one comes back (default 1 min). It
	// stops one address from trying one password on every account; it never holds up a pair
	// that logged in successfully before (see KnownFor), so a colleague behind the same
	// address keeps working.
	AddressBudget int
	AddressRefill time.Duration
	// KnownFor is how long a successful login exempts its pair from the address budget
	// (default 30 days). The pair's own delays still apply to it.
	KnownFor time.Duration
	// MaxKeys bounds the pairs and the addresses remembered, each (default 100,000).
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (p LoginPolicy) withDefaults() LoginPolicy {
	if p.FreeFailures <= 0 {
		p.FreeFailures = 3
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = time.Second
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 15 * time.Minute
	}
	p.MaxDelay = max(p.MaxDelay, p.BaseDelay)
	if p.ForgetAfter <= 0 {
		p.ForgetAfter = 24 * time.Hour
	}
	if p.AddressBudget <= 0 {
		p.AddressBudget = 30
	}
	if p.AddressRefill <= 0 {
		p.AddressRefill = time.Minute
	}
	if p.KnownFor <= 0 {
		p.KnownFor = 30 * 24 * time.Hour
	}
	if p.MaxKeys <= 0 {
		p.MaxKeys = 100000
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	return p
}

// Delay is the wait a pair's next attempt has after failures failed attempts: none for the
// first FreeFailures, then BaseDelay doubling with each failure, capped at MaxDelay.
func (p LoginPolicy) Delay(failures int) time.Duration {
	p = p.withDefaults()
	if failures < p.FreeFailures {
		return 0
	}
	d := p.BaseDelay
	for i := p.FreeFailures; i < failures && d < p.MaxDelay; i++ {
		d *= 2
	}
	return min(d, p.MaxDelay)
}

// LoginThrottle decides whether a login attempt may be tried now, so that guessing is slow
// and cannot be turned into a lockout of somebody else:
//
//   - Per account+address pair, a progressive delay: FreeFailures attempts at once, then a
//     delay that doubles with each failure up to MaxDelay. Failures from one address never
//     delay the same account from another address: five failures from five addresses lock
//     nobody out.
//   - Per address, a budget of failures across accounts (AddressBudget, one more every
//     AddressRefill), so one address cannot try a password on every account. A pair that
//     logged in successfully within KnownFor is not held by it: an attacker behind the
//     office's NAT does not lock out the colleagues behind it.
//   - Counting is atomic and pessimistic: Begin counts the attempt as a failure before the
//     password is checked, under one lock, and Succeeded takes it back. Fifty guesses sent at
//     once get exactly FreeFailures tries, not fifty.
//
// State is kept in memory, bounded by MaxKeys pairs and addresses (least recently used go
// first); a restart forgets it. Keys are the account as typed, lower-cased and trimmed, and
// AddressKey of the address. It is safe for concurrent use.
type LoginThrottle struct {
	p     LoginPolicy
	addrs *Limiter

	mu    sync.Mutex
	pairs map[string]*list.Element // → *pair
	lru   *list.List
}

type pair struct {
	key      string
	failures int
	last     time.Time // of the last attempt
	known    time.Time // until when a success exempts the pair from the address budget
}

// NewLoginThrottle returns a throttle with policy p (zero fields: defaults).
func NewLoginThrottle(p LoginPolicy) *LoginThrottle {
	p = p.withDefaults()
	return &LoginThrottle{p: p, pairs: map[string]*list.Element{}, lru: list.New(),
		addrs: MustNew(Config{Burst: p.AddressBudget, Every: max(p.AddressRefill, time.Millisecond), MaxKeys: p.MaxKeys, Now: p.Now})}
}

// Policy is the throttle's policy with the defaults filled in.
func (t *LoginThrottle) Policy() LoginPolicy { return t.p }

// Attempt is a login attempt Begin let through; it counts as a failure until Succeeded.
type Attempt struct {
	t           *LoginThrottle
	pairKey     string
	addrKey     string
	tookAddress bool
}

// Refusal says why Begin refused an attempt: "pair" (this account from this address must
// wait) or "address" (this address made too many failures across accounts).
type Refusal string

const (
	RefusedPair    Refusal = "pair"
	RefusedAddress Refusal = "address"
)

func pairKey(account, addrKey string) string {
	return strings.ToLower(strings.TrimSpace(account)) + "\x00" + addrKey
}

// Begin asks whether account may try a password from addr now. When it may, the attempt is
// already counted as a failed one; call Succeeded on the Attempt if the password was right.
// When it may not, Begin says how long to wait and why; nothing is counted.
func (t *LoginThrottle) Begin(account, addr string) (a Attempt, ok bool, retryAfter time.Duration, why Refusal) {
	ak := AddressKey(addr)
	pk := pairKey(account, ak)
	now := t.p.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	pr := t.pair(pk, now)
	if wait := pr.last.Add(t.p.Delay(pr.failures)).Sub(now); pr.failures > 0 && wait > 0 {
		return Attempt{}, false, wait, RefusedPair
	}
	known := now.Before(pr.known)
	took := false
	if !known {
		// The address budget is checked under t.mu too, so the pair and the address are
		// counted together or not at all.
		okAddr, wait := t.addrs.Allow(ak)
		if !okAddr {
			return Attempt{}, false, wait, RefusedAddress
		}
		took = true
	}
	pr.failures++
	pr.last = now
	return Attempt{t: t, pairKey: pk, addrKey: ak, tookAddress: took}, true, 0, ""
}

// pair returns the pair's state, forgetting failures older than ForgetAfter. t.mu is held.
func (t *LoginThrottle) pair(key string, now time.Time) *pair {
	if e, ok := t.pairs[key]; ok {
		t.lru.MoveToFront(e)
		pr := e.Value.(*pair)
		if now.Sub(pr.last) > t.p.ForgetAfter {
			pr.failures = 0
		}
		return pr
	}
	for t.lru.Len() >= t.p.MaxKeys {
		old := t.lru.Back()
		t.lru.Remove(old)
		delete(t.pairs, old.Value.(*pair).key)
	}
	pr := &pair{key: key}
	t.pairs[key] = t.lru.PushFront(pr)
	return pr
}

// Succeeded records that the attempt's password was right: the pair starts afresh and is
// known for KnownFor, and the address gets its token back.
func (a Attempt) Succeeded() {
	if a.t == nil {
		return
	}
	t := a.t
	now := t.p.Now()
	t.mu.Lock()
	if e, ok := t.pairs[a.pairKey]; ok {
		pr := e.Value.(*pair)
		pr.failures = 0
		pr.known = now.Add(t.p.KnownFor)
	}
	t.mu.Unlock()
	if a.tookAddress {
		t.addrs.Refund(a.addrKey)
	}
}

// Failures is how many failed attempts the pair has on record (for the accounts' messages
// and tests).
func (t *LoginThrottle) Failures(account, addr string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.pairs[pairKey(account, AddressKey(addr))]; ok {
		return e.Value.(*pair).failures
	}
	return 0
}

// Len is the number of pairs remembered.
func (t *LoginThrottle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lru.Len()
}
