package ticketing

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestInboxesAndWebRequests(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{}
	for name, s := range stores(t, clock, Config{}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 6, 1, 9, 0))
			old, err := s.SubmitWeb(ctx, WebRequest{Consent: true, Name: "Luca Neri", Email: "luca@example.it", Phone: "333 9998887", Description: "Contributo affitto"})
			if err != nil {
				t.Fatal(err)
			}
			clock.Set(romeTime(2026, 6, 3, 9, 0))
			fresh, err := s.SubmitWeb(ctx, WebRequest{Consent: true, Name: "L. Neri", Email: "LUCA@example.it", Description: "Seconda domanda"})
			if err != nil {
				t.Fatal(err)
			}
			// Public requests are not filed under a citizen by what they typed (see
			// TestTakeoverByPhoneNumberFails): each keeps its own contact.
			if fresh.CitizenID != 0 || old.CitizenID != 0 || fresh.Channel != Web || fresh.Contact.Email != "luca@example.it" {
				t.Fatalf("second web request: %+v", fresh)
			}
			if _, err := s.SubmitWeb(ctx, WebRequest{Consent: true, Email: "nope", Description: "x"}); !errors.Is(err, ErrInvalid) {
				t.Fatalf("bad email: %v", err)
			}
			rows, err := s.Rows(ctx, Inbox(AsOperator, ""), romeTime(2026, 6, 3, 10, 0))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 || rows[0].ID != old.ID || !rows[0].SLA.Overdue || rows[1].SLA.Overdue {
				t.Fatalf("operator inbox = %+v", rows)
			}
			s.Apply(ctx, old.ID, Step{Action: ActEscalate, Actor: "bo", Role: AsBackOffice, Queries: []string{"affitto"}})
			s.Apply(ctx, old.ID, Step{Action: ActAssign, Actor: "l2", Role: AsLevel2, Office: officeA})
			if got, _ := s.List(ctx, Inbox(AsOffice, officeA)); len(got) != 1 {
				t.Fatalf("office inbox has %d", len(got))
			}
			if got, _ := s.List(ctx, Inbox(AsOffice, officeB)); len(got) != 0 {
				t.Fatalf("other office sees %d", len(got))
			}
			// Only a member rejects for the office (TK-11).
			if _, err := s.Apply(ctx, old.ID, Step{Action: ActReject, Actor: "uff", Role: AsOffice, Reason: "no"}); !errors.Is(err, ErrNotMember) {
				t.Fatalf("a non-member rejected for the office: %v", err)
			}
			if _, err := s.AddMember(ctx, officeA, "uff", AsOffice, "admin"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Apply(ctx, old.ID, Step{Action: ActReject, Actor: "uff", Role: AsLevel2, Reason: "no"}); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.List(ctx, Inbox(AsSupervisor, "")); len(got) != 1 {
				t.Fatalf("level-3 inbox has %d", len(got))
			}
			s.Apply(ctx, fresh.ID, Step{Action: ActRequestData, Actor: "bo", Role: AsBackOffice, Reason: "ISEE"})
			if got, _ := s.AwaitingData(ctx, 12*time.Hour, romeTime(2026, 6, 3, 18, 0)); len(got) != 0 {
				t.Fatalf("awaiting too early: %d", len(got))
			}
			if got, _ := s.AwaitingData(ctx, 12*time.Hour, romeTime(2026, 6, 4, 10, 0)); len(got) != 1 {
				t.Fatalf("awaiting data: %d", len(got))
			}
		})
	}
}
