package ratelimit

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sportello/fixtures/testenv"
)

func TestDelayDoublesAndIsCapped(t *testing.T) {
	p := LoginPolicy{FreeFailures: 3, BaseDelay: time.Second, MaxDelay: 15 * time.Minute}
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for f, w := range want {
		if got := p.Delay(f); got != w {
			t.Errorf("Delay(%d) = %s, want %s", f, got, w)
		}
	}
	if got := p.Delay(20); got != 15*time.Minute {
		t.Errorf("Delay(20) = %s", got)
	}
	if got := p.Delay(1 << 30); got != 15*time.Minute {
		t.Errorf("Delay(huge) = %s", got)
	}
}

// TestFiftyParallelGuesses is the race of the hardening campaign (10 guesses got through
// instead of 5): 50 guesses at once on one account from one address get exactly FreeFailures
// tries, because Begin counts before the password is checked.
func TestFiftyParallelGuesses(t *testing.T) {
	clk := newClock()
	th := NewLoginThrottle(LoginPolicy{FreeFailures: 5, Now: clk.Now})
	var tried atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, ok, _, _ := th.Begin("admin", "203.0.113.9:4000"); ok {
				tried.Add(1)
				time.Sleep(time.Millisecond) // the password check
			}
		}()
	}
	close(start)
	wg.Wait()
	if tried.Load() != 5 {
		t.Fatalf("%d of 50 parallel guesses were tried, want 5", tried.Load())
	}
	testenv.Figure("ratelimit: 50 parallel password guesses on one account from one address: %d tried (the budget is 5)", tried.Load())
}

// TestNoLockoutByOthers: failures from other addresses never hold up the account's owner, and
// an address that exhausts its budget does not hold up a colleague behind it who logged in
// before — the lockouts of the hardening campaign.
func TestNoLockoutByOthers(t *testing.T) {
	clk := newClock()
	th := NewLoginThrottle(LoginPolicy{FreeFailures: 3, BaseDelay: time.Second, MaxDelay: time.Minute,
		AddressBudget: 10, AddressRefill: time.Minute, Now: clk.Now})
	// Five failures from five addresses (the campaign's lockout): the owner logs in at once.
	for i := 0; i < 5; i++ {
		if _, ok, _, _ := th.Begin("mario.rossi", fmt.Sprintf("198.51.100.%d", i)); !ok {
			t.Fatal("a first attempt from a new address was refused")
		}
	}
	a, ok, _, _ := th.Begin("mario.rossi", "192.0.2.50")
	if !ok {
		t.Fatal("the owner is locked out by other addresses' failures")
	}
	a.Succeeded()

	// The office NAT: a colleague logs in successfully, then someone behind the same address
	// sprays one password over many accounts until the address budget is gone.
	const nat = "203.0.113.1"
	col, ok, _, _ := th.Begin("lucia", nat)
	if !ok {
		t.Fatal("colleague refused")
	}
	col.Succeeded()
	refusedAddress := 0
	for i := 0; i < 40; i++ {
		if _, ok, _, why := th.Begin(fmt.Sprintf("utente%d", i), nat); !ok && why == RefusedAddress {
			refusedAddress++
		}
	}
	if refusedAddress != 30 {
		t.Fatalf("the sprayer was refused %d times of 40, want 30 (budget 10)", refusedAddress)
	}
	// A new account from that address waits for the budget ...
	if _, ok, wait, why := th.Begin("nuovo", nat); ok || why != RefusedAddress || wait <= 0 || wait > time.Minute {
		t.Fatalf("new account behind the sprayer: %v %s %s", ok, wait, why)
	}
	// ... but the colleague who logged in before from there is not held up, and the owner
	// from elsewhere neither.
	col, ok, _, _ = th.Begin("Lucia", nat)
	if !ok {
		t.Fatal("the colleague behind the same address is locked out")
	}
	col.Succeeded()
	if _, ok, _, _ := th.Begin("mario.rossi", "192.0.2.50"); !ok {
		t.Fatal("the owner elsewhere is held up")
	}
}

// TestProgressiveDelay: a pair's failures make it wait longer and longer, a success starts it
// afresh, a quiet day forgets.
func TestProgressiveDelay(t *testing.T) {
	clk := newClock()
	th := NewLoginThrottle(LoginPolicy{FreeFailures: 2, BaseDelay: 2 * time.Second, MaxDelay: 10 * time.Second,
		ForgetAfter: time.Hour, Now: clk.Now})
	try := func() (bool, time.Duration, Refusal) {
		_, ok, wait, why := th.Begin("anna", "192.0.2.1")
		return ok, wait, why
	}
	for i := 0; i < 2; i++ {
		if ok, _, _ := try(); !ok {
			t.Fatalf("free attempt %d refused", i+1)
		}
	}
	for _, want := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		ok, wait, why := try()
		if ok || wait != want || why != RefusedPair {
			t.Fatalf("refusal: %v %s %s, want wait %s", ok, wait, why, want)
		}
		clk.Add(wait - time.Millisecond)
		if ok, _, _ := try(); ok {
			t.Fatal("let through before the delay")
		}
		clk.Add(time.Millisecond)
		if ok, _, _ := try(); !ok {
			t.Fatalf("refused after waiting %s", want)
		}
	}
	if th.Failures("ANNA", "192.0.2.1:999") != 7 {
		t.Fatalf("failures = %d", th.Failures("anna", "192.0.2.1"))
	}
	// A success starts afresh.
	clk.Add(10 * time.Second)
	a, ok, _, _ := th.Begin("anna", "192.0.2.1")
	if !ok {
		t.Fatal("refused after the cap")
	}
	a.Succeeded()
	if th.Failures("anna", "192.0.2.1") != 0 {
		t.Fatal("success did not clear the failures")
	}
	// A quiet hour forgets failures.
	for i := 0; i < 2; i++ {
		try()
	}
	if ok, _, _ := try(); ok {
		t.Fatal("third failure in a row not delayed")
	}
	clk.Add(time.Hour + time.Second)
	if ok, _, _ := try(); !ok {
		t.Fatal("not forgotten after a quiet hour")
	}
	var zero Attempt
	zero.Succeeded() // a refused attempt's zero value is harmless
}

func TestLoginThrottleBoundedMemory(t *testing.T) {
	clk := newClock()
	th := NewLoginThrottle(LoginPolicy{MaxKeys: 500, Now: clk.Now})
	for i := 0; i < 100000; i++ {
		th.Begin(fmt.Sprintf("u%d", i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
	}
	if th.Len() != 500 || th.addrs.Len() != 500 {
		t.Fatalf("kept %d pairs, %d addresses", th.Len(), th.addrs.Len())
	}
}

func BenchmarkLoginBegin(b *testing.B) {
	th := NewLoginThrottle(LoginPolicy{})
	for i := 0; i < b.N; i++ {
		a, ok, _, _ := th.Begin(fmt.Sprintf("u%d", i%1000), "192.0.2.1")
		if ok {
			a.Succeeded()
		}
	}
}
