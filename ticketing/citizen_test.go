package ticketing

import (
	"context"
	"errors"
	"testing"
)

func TestCitizensDeduplicateAndMerge(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			mario := &Citizen{Name: " Mario  Rossi ", TaxCode: "rssmra85t10a562s", Phones: []string{"333 123 4567"},
				Emails: []string{"Mario.Rossi@Example.it"}, PreferredChannel: Phone, PrivacyNotes: "consenso al ricontatto telefonico"}
			if err := s.CreateCitizen(ctx, mario); err != nil {
				t.Fatal(err)
			}
			if mario.Name != "Mario Rossi" || mario.Phones[0] != "+393331234567" || mario.Emails[0] != "mario.rossi@example.it" {
				t.Fatalf("not normalised: %+v", mario)
			}
			// The same tax code again is a duplicate, naming the existing record.
			var dup *DuplicateError
			if err := s.CreateCitizen(ctx, &Citizen{Name: "M. Rossi", TaxCode: "RSSMRA85T10A562S"}); !errors.As(err, &dup) || dup.Existing != mario.ID {
				t.Fatalf("duplicate tax code: %v", err)
			}
			for _, bad := range []*Citizen{{Name: ""}, {Name: "X", TaxCode: "RSSMRA85T10A562T"}, {Name: "X", Phones: []string{"abc"}},
				{Name: "X", Emails: []string{"nope"}}, {Name: "X", PreferredChannel: "piccione"}} {
				var ie *InvalidError
				if err := s.CreateCitizen(ctx, bad); !errors.As(err, &ie) {
					t.Errorf("CreateCitizen(%+v) = %v, want InvalidError", bad, err)
				}
			}
			// Lookup by phone typed differently, by email, by tax code, by name.
			for _, key := range []string{"+39 333 1234567", "0039-333-1234567", "MARIO.ROSSI@example.it", "RSSMRA85T10A562S", "rossi"} {
				got, err := s.FindCitizen(ctx, key)
				if err != nil || len(got) != 1 || got[0].ID != mario.ID {
					t.Errorf("FindCitizen(%q) = %v, %v", key, got, err)
				}
			}
			// A second record for the same person, created from an email that did not match.
			other := &Citizen{Name: "Mario Rossi", Emails: []string{"m.rossi@pec.example.it"}, Phones: []string{"0874 998877"}, Organisation: "Rossi Srl"}
			if err := s.CreateCitizen(ctx, other); err != nil {
				t.Fatal(err)
			}
			tk, err := s.Create(ctx, NewTicket{CitizenID: other.ID, Channel: Email, Description: "bollo"})
			if err != nil {
				t.Fatal(err)
			}
			if c, _ := s.MatchCitizen(ctx, "", "M.Rossi@pec.example.it", ""); c == nil || c.ID != other.ID {
				t.Fatalf("MatchCitizen by email = %v", c)
			}
			merged, err := s.Merge(ctx, mario.ID, other.ID, "lucia")
			if err != nil {
				t.Fatal(err)
			}
			if len(merged.Phones) != 2 || len(merged.Emails) != 2 || merged.Organisation != "Rossi Srl" || merged.TaxCode != "RSSMRA85T10A562S" {
				t.Fatalf("merged = %+v", merged)
			}
			moved, _ := s.Ticket(ctx, tk.ID)
			if moved.CitizenID != mario.ID {
				t.Fatalf("ticket not moved: %+v", moved)
			}
			path, _ := s.Path(ctx, tk.ID)
			if last := path[len(path)-1]; last.Action != ActMerge || last.Actor != "lucia" {
				t.Fatalf("merge not in the path: %+v", last)
			}
			old, _ := s.Citizen(ctx, other.ID)
			if old.MergedInto != mario.ID || len(old.Emails) != 0 {
				t.Fatalf("dropped record = %+v", old)
			}
			if got, _ := s.FindCitizen(ctx, "0874998877"); len(got) != 1 || got[0].ID != mario.ID {
				t.Fatalf("after merge the phone finds %v", got)
			}
			// New tickets for the merged record land on the survivor.
			tk2, err := s.Create(ctx, NewTicket{CitizenID: other.ID, Channel: Phone, Description: "Bollo auto"})
			if err != nil || tk2.CitizenID != mario.ID {
				t.Fatalf("ticket for merged citizen: %+v, %v", tk2, err)
			}
			if _, err := s.Merge(ctx, mario.ID, other.ID, "lucia"); !errors.Is(err, ErrInvalid) {
				t.Fatalf("merging twice: %v", err)
			}
			history, _ := s.List(ctx, Filter{CitizenID: mario.ID})
			if len(history) != 2 {
				t.Fatalf("history has %d tickets", len(history))
			}
		})
	}
}
