package ticketing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestOneTicketPerContact is the contact's life as the contact center sees it (TK-1, TK-5, C.4):
// answered — one ticket, in the operator's hands; asked again (a reload, the screen pop and the
// desk at once) — the same ticket; transferred to level 2 with the call — the same ticket, now
// in level 2's hands, no longer a first-contact resolution; solved there. A second contact,
// answered and solved with a pill, is one contact solved at first contact.
func TestOneTicketPerContact(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{}
	for name, s := range stores(t, clock, Config{}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 9, 7, 10, 0))
			known := &Citizen{Name: "Carla Verdi", Phones: []string{"0874 555666"}}
			if err := s.CreateCitizen(ctx, known); err != nil {
				t.Fatal(err)
			}
			c := AnsweredContact{From: "+390874555666", Operator: "mario", Queue: "tributi", At: clock.Now()}
			tk, err := s.ForContact(ctx, "call-1", c)
			if err != nil {
				t.Fatal(err)
			}
			if tk.State != StateInProgress || tk.Assignee != "mario" || tk.CitizenID != known.ID || tk.Channel != Phone ||
				tk.Contact == nil || tk.Contact.Phone != "+390874555666" || tk.Subject != "Chiamata da +390874555666" || tk.CallID != "call-1" {
				t.Fatalf("ticket of the contact = %+v", tk)
			}
			for i := 0; i < 3; i++ {
				again, err := s.ForContact(ctx, " call-1 ", c)
				if err != nil || again.ID != tk.ID {
					t.Fatalf("asked again: %+v, %v", again, err)
				}
			}
			if got, _ := s.ContactTicket(ctx, "call-1"); got == nil || got.ID != tk.ID {
				t.Fatalf("ContactTicket = %+v", got)
			}
			if got, _ := s.ContactTicket(ctx, "call-unknown"); got != nil {
				t.Fatalf("ContactTicket of an unknown contact = %+v", got)
			}
			// A ticket opened by hand for the same call is refused: the contact has one.
			_, err = s.Create(ctx, NewTicket{Channel: Phone, Description: "doppione", CallID: "call-1", Actor: "mario", Role: AsOperator})
			if !errors.Is(err, ErrInvalid) || !strings.Contains(Fields(err)["callId"], tk.Number) {
				t.Fatalf("second ticket for the contact: %v", err)
			}
			// Transferred to level 2 with the call (TK-5).
			clock.Add(3 * time.Minute)
			s.Update(ctx, tk.ID, "mario", AsOperator, TicketPatch{Description: ptr("Chiede il rimborso del bollo pagato due volte")})
			moved, err := s.ForContact(ctx, "call-1", AnsweredContact{From: "+390874555666", Operator: "lucia", Role: AsLevel2})
			if err != nil || moved.ID != tk.ID || moved.Assignee != "lucia" || moved.State != StateInProgress {
				t.Fatalf("after the transfer: %+v, %v", moved, err)
			}
			if again, _ := s.ForContact(ctx, "call-1", AnsweredContact{Operator: "lucia", Role: AsLevel2}); again.ID != tk.ID {
				t.Fatal("asked again after the transfer: another ticket")
			}
			done, err := s.Solve(ctx, tk.ID, "lucia", AsLevel2, "Rimborso avviato", "")
			if err != nil || done.FirstContact {
				t.Fatalf("solved at level 2: %+v, %v", done, err)
			}
			var path []string
			for _, e := range mustPath(t, s, tk.ID) {
				path = append(path, string(e.Action)+"/"+e.Actor)
			}
			if got := strings.Join(path, " "); got != "create/mario take/mario update/mario transfer/lucia solve/lucia" {
				t.Fatalf("path = %s", got)
			}
			if ev := mustPath(t, s, tk.ID)[1]; ev.Reason != "contatto risposto (coda tributi)" {
				t.Fatalf("take step = %+v", ev)
			}
			// A second contact from a hidden number, transferred between two operators of level
			// 1, solved with a pill: still first-contact resolution.
			second, err := s.ForContact(ctx, "call-2", AnsweredContact{Operator: "mario"})
			if err != nil || second.Subject != "Chiamata senza numero" || second.Contact != nil || second.CitizenID != 0 {
				t.Fatalf("hidden number: %+v, %v", second, err)
			}
			if _, err := s.ForContact(ctx, "call-2", AnsweredContact{Operator: "anna"}); err != nil {
				t.Fatal(err)
			}
			if got, err := s.AnswerWithPill(ctx, second.ID, "anna", AsOperator, pillIRI); err != nil || !got.FirstContact {
				t.Fatalf("solved with a pill after a transfer at level 1: %+v, %v", got, err)
			}
			// A contact the software handled (an IVR callback booking) has its ticket, waiting;
			// the first person to answer takes it in hand (a take, not a transfer).
			ivr, err := s.ForContact(ctx, "call-3", AnsweredContact{From: "3331234567"})
			if err != nil || ivr.State != StateNew || ivr.Assignee != "" || ivr.CreatedBy != "sistema" {
				t.Fatalf("IVR contact: %+v, %v", ivr, err)
			}
			if got, _ := s.ForContact(ctx, "call-3", AnsweredContact{Operator: "anna"}); got.Assignee != "anna" || got.State != StateInProgress {
				t.Fatalf("IVR contact answered: %+v", got)
			}
			if p := mustPath(t, s, ivr.ID); p[len(p)-1].Action != ActTake {
				t.Fatalf("IVR contact answered: %+v", p[len(p)-1])
			}
			// C.4: three contacts, one solved at first contact.
			f, _ := s.Figures(ctx, romeTime(2026, 9, 1, 0, 0), romeTime(2026, 10, 1, 0, 0))
			if f.Contacts != 3 || f.FirstContact != 1 {
				t.Fatalf("figures = %+v", f)
			}
			// Refused, naming the field.
			for _, c := range []struct {
				id    string
				c     AnsweredContact
				field string
			}{
				{"", AnsweredContact{Operator: "x"}, "contact"},
				{strings.Repeat("x", MaxContactID+1), AnsweredContact{}, "contact"},
				{"vm-1", AnsweredContact{Channel: Voicemail}, "channel"},
				{"c-9", AnsweredContact{Channel: "pigeon"}, "channel"},
				{"c-9", AnsweredContact{Operator: "mario", Role: AsOffice}, "role"},
				{"c-9", AnsweredContact{Operator: "mario rossi"}, "operator"},
			} {
				if _, err := s.ForContact(ctx, c.id, c.c); Fields(err)[c.field] == "" {
					t.Errorf("ForContact(%.20q, %+v) = %v, want a message on %s", c.id, c.c, err, c.field)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestContactRace asks for the ticket of one contact from many goroutines at once — the screen
// pop, the desk, a reload, a second server — on both engines: one ticket, every caller gets it.
func TestContactRace(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			for round := 0; round < 5; round++ {
				id := fmt.Sprintf("race-%d", round)
				const n = 8
				got := make([]int64, n)
				errs := make([]error, n)
				var wg sync.WaitGroup
				for i := 0; i < n; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						tk, err := s.ForContact(ctx, id, AnsweredContact{From: "0874 111222", Operator: "mario"})
						if err == nil {
							got[i] = tk.ID
						}
						errs[i] = err
					}()
				}
				wg.Wait()
				for i := range got {
					if errs[i] != nil {
						t.Fatalf("round %d caller %d: %v", round, i, errs[i])
					}
					if got[i] != got[0] {
						t.Fatalf("round %d: two tickets for one contact (%d, %d)", round, got[0], got[i])
					}
				}
				var tickets int
				s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tk_tickets WHERE call_id = ?`, id).Scan(&tickets)
				if tickets != 1 {
					t.Fatalf("round %d: %d tickets", round, tickets)
				}
			}
		})
	}
}

// TestFiguresCountEachContactOnce: tickets left behind by the old console — an orphan opened by
// the screen pop and a second one solved at first contact, both naming the call — are one
// contact, solved at first contact.
func TestFiguresCountEachContactOnce(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: romeTime(2026, 9, 7, 10, 0)}
	for name, s := range stores(t, clock, Config{}) {
		t.Run(name, func(t *testing.T) {
			orphan, _ := s.Create(ctx, NewTicket{Channel: Phone, Subject: "Chiamata da +390874111222", CallID: "old-1"})
			solved, _ := s.Create(ctx, NewTicket{Channel: Phone, Description: "Orari", Actor: "mario", Role: AsOperator})
			if _, err := s.AnswerWithPill(ctx, solved.ID, "mario", AsOperator, pillIRI); err != nil {
				t.Fatal(err)
			}
			// What the old console wrote: the second ticket with the call's id too.
			if _, err := s.db.Exec(ctx, `UPDATE tk_tickets SET call_id = ? WHERE id = ?`, "old-1", solved.ID); err != nil {
				t.Fatal(err)
			}
			other, _ := s.ForContact(ctx, "new-1", AnsweredContact{Operator: "mario"})
			f, _ := s.Figures(ctx, romeTime(2026, 9, 1, 0, 0), romeTime(2026, 10, 1, 0, 0))
			if f.Tickets != 3 || f.Contacts != 2 || f.FirstContact != 1 || f.FCRRate != 0.5 {
				t.Fatalf("figures = %+v (orphan %d, other %d)", f, orphan.ID, other.ID)
			}
		})
	}
}
