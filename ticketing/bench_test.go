package ticketing

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"sportello/internal/sqldb"
	"sportello/internal/textfold"
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
			t, err := s.SubmitWeb(ctx, WebRequest{Consent: true, Name: "Ugo", Email: "ugo@example.it", Description: "Domanda"})
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

// seedInbox writes n tickets straight into the table, in one transaction (creating them one by
// one would take minutes): a mix of channels, priorities, states, offices and citizens, with
// their search texts, as an inbox of several months looks.
func seedInbox(b *testing.B, s *Store, n int) {
	ctx := context.Background()
	words := []string{"bollo", "tari", "residenza", "contributo", "affitto", "esenzione", "ticket", "rimborso", "certificato",
		"tessera", "trasporto", "agricoltura", "bando", "borsa", "studio", "pagamento", "scadenza", "ricorso"}
	names := []string{"Mario Rossi", "Anna Bianchi", "Niccolò Esposito", "Giuseppe Verdi", "Lucia Ferrari", "Carla Romano"}
	start := romeTime(2026, 1, 5, 9, 0)
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var citizens []int64
		for _, name := range names {
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO tk_citizens (name, created, modified, name_fold) VALUES (?, 0, 0, ?) RETURNING id`,
				name, textfold.Fold(name)).Scan(&id); err != nil {
				return err
			}
			citizens = append(citizens, id)
		}
		for i := 0; i < n; i++ {
			ch := Channels[i%len(Channels)]
			st := States[(i/7)%len(States)]
			office := ""
			if st == StateAssigned || st == StateRejected || st == StateSolved {
				office = []string{officeA, officeB}[i%2]
			}
			at := start.Add(time.Duration(i) * 7 * time.Minute)
			dl := s.Deadlines(ch, at)
			t := &Ticket{Number: FormatNumber(2026, int64(i+1)), Subject: words[i%len(words)] + " " + words[(i/3)%len(words)],
				Description: "Richiesta n. " + fmt.Sprint(i) + " su " + words[(i*7)%len(words)] + " e " + words[(i*11)%len(words)]}
			if _, err := tx.Exec(ctx, `INSERT INTO tk_tickets (number, citizen_id, channel, priority, subject, description,
				state, office, assignee, created, modified, due_take, due_solve, due_final, public_key, search)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.Number, citizens[i%len(citizens)], ch,
				[]Priority{Low, Normal, Normal, High, Urgent}[i%5], t.Subject, t.Description, st, office,
				[]string{"", "mario", "anna"}[i%3], sqldb.Millis(at), sqldb.Millis(at), sqldb.Millis(dl.TakeInCharge),
				sqldb.Millis(dl.Resolve), sqldb.Millis(dl.Final), newPublicKey(), searchText(t)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkInbox measures one page of the inbox on 20,000 tickets: the default page, a text
// search of one word and of a citizen's name, a sort by deadline with a state filter, an
// office's queue, and a deep page; on each engine.
func BenchmarkInbox(b *testing.B) {
	ctx := context.Background()
	const n = 20000
	now := romeTime(2026, 6, 1, 12, 0)
	for name, s := range stores(b, nil, Config{}) {
		seedInbox(b, s, n)
		for _, c := range []struct {
			label string
			q     Query
		}{
			{"first-page", Query{}},
			{"text-word", Query{Text: "rimborso"}},
			{"text-citizen", Query{Text: "niccolo esposito"}},
			{"text-none", Query{Text: "zzzz"}},
			{"deadline-open", Query{States: []State{StateNew, StateInProgress, StateEscalated}, Sort: SortDeadline}},
			{"priority-page-100", Query{Sort: SortPriority, Desc: true, Page: 100, PageSize: 50}},
			{"office-queue", Query{Offices: []string{officeA}, queue: true}},
		} {
			b.Run(name+"/"+c.label, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := s.Search(ctx, c.q, now); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkForContact measures the ticket of an answered contact: a new contact (ticket,
// contact row, take in hand: one transaction) and the same contact asked again.
func BenchmarkForContact(b *testing.B) {
	ctx := context.Background()
	for name, s := range stores(b, nil, Config{}) {
		b.Run(name+"/new", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := s.ForContact(ctx, fmt.Sprintf("%s-bench-%d", name, i), AnsweredContact{From: "0874 123456", Operator: "mario"}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/again", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := s.ForContact(ctx, name+"-bench-0", AnsweredContact{From: "0874 123456", Operator: "mario"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
