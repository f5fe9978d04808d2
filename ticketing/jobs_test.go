package ticketing

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/smtp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestJobsFinalReminder runs the TK-13 timer on both engines with an injected clock: a request
// waiting for data past the O.3 working time gets exactly one final email and is solved at
// level 1; one not yet due is left alone; a failing relay leaves the ticket for the next pass;
// a second pass changes nothing.
func TestJobsFinalReminder(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{}
	rel := startRelay(t)
	var failing atomic.Bool
	mailer := &Mailer{Relay: rel.addr, From: "Contact Center <sportello@regione.example.it>", Service: "Contact Center",
		Send: func(addr string, a smtp.Auth, from string, to []string, msg []byte) error {
			if failing.Load() {
				return errors.New("relay unreachable")
			}
			return smtp.SendMail(addr, a, from, to, msg)
		}}
	// O.3 shortened to 4 working hours so one working day exercises it.
	cfg := Config{Mail: mailer, SLA: SLAPolicy{Final: 4 * time.Hour}}
	for name, s := range stores(t, clock, cfg) {
		t.Run(name, func(t *testing.T) {
			rel.take()
			failing.Store(false)
			// Wednesday 3 June 2026, a working day (2 June is a national holiday).
			clock.Set(romeTime(2026, 6, 3, 9, 0))
			incomplete := func(email string) *Ticket {
				t.Helper()
				c := &Citizen{Name: "Cittadino " + email, Emails: []string{email}, PreferredChannel: Web}
				if err := s.CreateCitizen(ctx, c); err != nil {
					t.Fatal(err)
				}
				tk, err := s.Create(ctx, NewTicket{CitizenID: c.ID, Channel: Web, Subject: "Bollo auto", Description: "rimborso"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.RequestData(ctx, tk.ID, "bo", AsBackOffice, "la targa del veicolo"); err != nil {
					t.Fatal(err)
				}
				return tk
			}
			old := incomplete("anna.bianchi@example.it")
			clock.Set(romeTime(2026, 6, 3, 12, 0))
			fresh := incomplete("mario.rossi@example.it")
			rel.take()                             // the data requests
			clock.Set(romeTime(2026, 6, 3, 14, 0)) // old waited 5 working hours, fresh 2

			// A relay that fails: logged, nothing sent, nothing changed, retried next pass.
			failing.Store(true)
			n, err := s.SendFinalReminders(ctx, quiet)
			if err == nil || n != 0 || !strings.Contains(err.Error(), old.Number) {
				t.Fatalf("failing relay: sent %d, err %v", n, err)
			}
			if got, _ := s.Ticket(ctx, old.ID); got.State != StateIncomplete {
				t.Fatalf("after a failed send the ticket is %s", got.State)
			}
			failing.Store(false)

			passes := []struct {
				sent   int
				emails int
			}{{1, 1}, {0, 0}}
			for i, p := range passes {
				n, err := s.SendFinalReminders(ctx, quiet)
				if err != nil || n != p.sent {
					t.Fatalf("pass %d: sent %d, err %v; want %d", i+1, n, err, p.sent)
				}
				got := rel.take()
				if len(got) != p.emails {
					t.Fatalf("pass %d: relay got %d emails, want %d", i+1, len(got), p.emails)
				}
				if len(got) == 1 {
					in, err := parseEmail(got[0].data)
					if err != nil {
						t.Fatal(err)
					}
					if got[0].to[0] != "anna.bianchi@example.it" || in.subject != "["+old.Number+"] Sollecito finale" ||
						!strings.Contains(in.body, "contattare telefonicamente") {
						t.Fatalf("final reminder to %v: %q / %q", got[0].to, in.subject, in.body)
					}
				}
			}
			for _, c := range []struct {
				tk    *Ticket
				state State
				kinds int
			}{{old, StateSolvedL1, 1}, {fresh, StateIncomplete, 0}} {
				got, _ := s.Ticket(ctx, c.tk.ID)
				if got.State != c.state {
					t.Errorf("%s is %s, want %s", c.tk.Number, got.State, c.state)
				}
				msgs, _ := s.Messages(ctx, c.tk.ID)
				n := 0
				for _, m := range msgs {
					if m.Kind == "final_reminder" {
						n++
					}
				}
				if n != c.kinds {
					t.Errorf("%s has %d final reminders, want %d", c.tk.Number, n, c.kinds)
				}
				if c.state == StateSolvedL1 {
					path, _ := s.Path(ctx, c.tk.ID)
					last := path[len(path)-1]
					if last.Action != ActFinalReminder || last.Role != AsSystem || last.Actor != "sistema" {
						t.Errorf("last step = %+v", last)
					}
				}
			}

			// The email of a reminder whose state change was lost is not sent again.
			clock.Set(romeTime(2026, 6, 4, 9, 0))
			if err := s.recordMessage(ctx, &Message{TicketID: fresh.ID, Direction: "out", Kind: "final_reminder",
				MessageID: "<lost@test>", Subject: "Sollecito finale", At: clock.Now()}); err != nil {
				t.Fatal(err)
			}
			if n, err := s.SendFinalReminders(ctx, quiet); err != nil || n != 0 || len(rel.take()) != 0 {
				t.Fatalf("lost state change: sent %d, err %v", n, err)
			}
			if got, _ := s.Ticket(ctx, fresh.ID); got.State != StateSolvedL1 {
				t.Fatalf("lost state change: ticket is %s", got.State)
			}
		})
	}
}

// TestJobsRunStopsWithContext checks RunJobs makes its first pass at once (a due request gets
// its final reminder) and returns when ctx ends.
func TestJobsRunStopsWithContext(t *testing.T) {
	clock := &fakeClock{}
	rel := startRelay(t)
	cfg := Config{Mail: &Mailer{Relay: rel.addr, From: "sportello@regione.example.it"}, SLA: SLAPolicy{Final: time.Hour}}
	for name, s := range stores(t, clock, cfg) {
		t.Run(name, func(t *testing.T) {
			bg := context.Background()
			clock.Set(romeTime(2026, 6, 3, 9, 0))
			c := &Citizen{Name: "Anna Bianchi", Emails: []string{"anna.bianchi@example.it"}, PreferredChannel: Web}
			if err := s.CreateCitizen(bg, c); err != nil {
				t.Fatal(err)
			}
			tk, err := s.Create(bg, NewTicket{CitizenID: c.ID, Channel: Web, Description: "rimborso bollo"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.RequestData(bg, tk.ID, "bo", AsBackOffice, "la targa"); err != nil {
				t.Fatal(err)
			}
			clock.Set(romeTime(2026, 6, 3, 11, 0))
			ctx, cancel := context.WithCancel(bg)
			done := make(chan struct{})
			go func() { s.RunJobs(ctx, time.Hour, quiet); close(done) }()
			deadline := time.Now().Add(5 * time.Second)
			for {
				got, err := s.Ticket(bg, tk.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.State == StateSolvedL1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("RunJobs left the ticket %s", got.State)
				}
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("RunJobs did not stop with its context")
			}
		})
	}
}

// quiet discards the jobs' log lines in tests.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
