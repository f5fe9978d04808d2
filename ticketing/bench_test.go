package ticketing

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"
)

// BenchmarkCreateTicket measures tickets created per second with their history — creation,
// taking in charge and solving with a pill, three path events — and the p99 latency of one
// such ticket, on each engine, from one goroutine and from four.
func BenchmarkCreateTicket(b *testing.B) {
	ctx := context.Background()
	for name, s := range stores(b, nil, Config{}) {
		for _, workers := range []int{1, 4} {
			b.Run(name+"/workers="+string(rune('0'+workers)), func(b *testing.B) {
				var mu sync.Mutex
				lat := make([]time.Duration, 0, b.N)
				one := func() {
					start := time.Now()
					tk, err := s.Create(ctx, NewTicket{Channel: Phone, Category: concept, Description: "Come pago la TARI?", Actor: "mario", Role: AsOperator})
					if err != nil {
						b.Error(err)
						return
					}
					if _, err := s.Apply(ctx, tk.ID, Step{Action: ActTake, Actor: "mario", Role: AsOperator}); err != nil {
						b.Error(err)
						return
					}
					if _, err := s.AnswerWithPill(ctx, tk.ID, "mario", AsOperator, pillIRI); err != nil {
						b.Error(err)
						return
					}
					d := time.Since(start)
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				next := make(chan struct{})
				for w := 0; w < workers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range next {
							one()
						}
					}()
				}
				for i := 0; i < b.N; i++ {
					next <- struct{}{}
				}
				close(next)
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				if len(lat) == 0 {
					return
				}
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				p99 := lat[(len(lat)*99+99)/100-1] // the ceil(0.99·n)-th smallest
				b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "tickets/s")
				b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
			})
		}
	}
}

// BenchmarkPublicStatus measures a refused status look-up for a ticket that exists (wrong
// e-mail, wrong suffix) and for one that does not: the same work — one query by number, one
// hash, one constant-time comparison — so the times should not tell them apart beyond noise.
func BenchmarkPublicStatus(b *testing.B) {
	ctx := context.Background()
	for name, s := range stores(b, nil, Config{}) {
		var last *Ticket
		for i := 0; i < 200; i++ {
			t, err := s.SubmitWeb(ctx, WebRequest{Name: "Ugo", Email: "ugo@example.it", Description: "Domanda"})
			if err != nil {
				b.Fatal(err)
			}
			last = t
		}
		cases := []struct{ label, ref, email string }{
			{"exists-wrong-email", last.PublicRef, "altro@example.it"},
			{"exists-wrong-suffix", last.Number + "-ZZZZ", "ugo@example.it"},
			{"missing-number", "RS-2026-999999-ZZZZ", "ugo@example.it"},
			{"right", last.PublicRef, "ugo@example.it"},
		}
		for _, c := range cases {
			b.Run(name+"/"+c.label, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					_, err := s.PublicStatus(ctx, c.ref, c.email)
					if (err == nil) != (c.label == "right") {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
