package kb

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestDirectoryEditsWithHistory: offices and people changed from the browser (KB-13) — create,
// change phone and hours, move a person, retire — each change recorded in the history with who,
// when and what (names, not IRIs), in the same transaction; unreadable hours and a refused
// retirement record nothing.
func TestDirectoryEditsWithHistory(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []string{"memstore", "bolt"} {
		t.Run(backend, func(t *testing.T) {
			s := openBackend(t, backend)
			at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
			dept := &Unit{Name: "Dipartimento Tributi", Kind: UnitDepartment}
			if err := s.SaveUnit(ctx, dept, "admin", at); err != nil {
				t.Fatal(err)
			}
			office := &Unit{Name: "Ufficio Bollo Auto", Parent: dept.IRI, Phones: []string{"+39 0874 000111"},
				OpeningHours: "lun-ven 9-13"}
			if err := s.SaveUnit(ctx, office, "admin", at.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			office.Phones = []string{"+39 0874 000222"}
			office.OpeningHours = "lun-ven 9-13, mar e gio 15-17"
			if err := s.SaveUnit(ctx, office, "pubblicatore", at.Add(2*time.Minute)); err != nil {
				t.Fatal(err)
			}
			got, err := s.Unit(ctx, office.IRI)
			if err != nil || len(got.Phones) != 1 || got.Phones[0] != "+39-0874-000222" || !got.Hours().Known() {
				t.Fatalf("office after edit: %+v, %v", got, err)
			}
			h, err := s.DirectoryHistory(ctx, office.IRI)
			if err != nil || len(h) != 2 {
				t.Fatalf("history: %+v, %v", h, err)
			}
			if h[0].Actor != "pubblicatore" || h[0].Action != "modifica" || !h[0].At.Equal(at.Add(2*time.Minute)) ||
				!strings.Contains(h[0].Detail, "telefoni: +39-0874-000111 → +39-0874-000222") ||
				!strings.Contains(h[0].Detail, "orari: «lun-ven 9-13» → «lun-ven 9-13, mar e gio 15-17»") {
				t.Errorf("last change: %+v", h[0])
			}
			if h[1].Action != "creazione" || !strings.Contains(h[1].Detail, "sotto «Dipartimento Tributi»") {
				t.Errorf("creation: %+v", h[1])
			}

			// Hours that cannot be read are refused and leave nothing behind.
			bad := *got
			bad.OpeningHours = "su appuntamento"
			var ve *ValidationError
			if err := s.SaveUnit(ctx, &bad, "admin", at.Add(3*time.Minute)); !errors.As(err, &ve) || ve.Field != "openingHours" {
				t.Fatalf("unreadable hours: %v", err)
			}
			if h, _ := s.DirectoryHistory(ctx, office.IRI); len(h) != 2 {
				t.Errorf("refused edit recorded: %+v", h)
			}

			p := &Person{GivenName: "Anna", FamilyName: "Rossi", Role: "Responsabile", Unit: office.IRI, Extension: "7001"}
			if err := s.SavePerson(ctx, p, "admin", at.Add(4*time.Minute)); err != nil {
				t.Fatal(err)
			}
			p.Unit, p.Extension = dept.IRI, "7002"
			if err := s.SavePerson(ctx, p, "admin", at.Add(5*time.Minute)); err != nil {
				t.Fatal(err)
			}
			ph, _ := s.DirectoryHistory(ctx, p.IRI)
			if len(ph) != 2 || !strings.Contains(ph[0].Detail, "ufficio: «Dipartimento Tributi»") || !strings.Contains(ph[0].Detail, "interno: «7001» → «7002»") {
				t.Errorf("person history: %+v", ph)
			}
			if err := s.SavePerson(ctx, &Person{FamilyName: "X", Unit: "https://example.org/nessuno"}, "admin", at); !errors.As(err, &ve) {
				t.Errorf("unknown office accepted: %v", err)
			}

			// The department still has an office and a person: refused, nothing recorded.
			if err := s.RetireUnit(ctx, dept.IRI, "admin", at.Add(6*time.Minute)); !errors.As(err, &ve) {
				t.Fatalf("retire with members: %v", err)
			}
			if err := s.RetirePerson(ctx, p.IRI, "admin", at.Add(7*time.Minute)); err != nil {
				t.Fatal(err)
			}
			// A pill names the office: refused, or the pill would point at nothing.
			pill := &Pill{IRI: "https://example.org/pill/bollo", Title: "Bollo auto", Answer: "<p>Si paga online.</p>", Office: office.IRI, Status: StatusPublished}
			if err := putPill(ctx, s, pill); err != nil {
				t.Fatal(err)
			}
			if err := s.RetireUnit(ctx, office.IRI, "admin", at.Add(8*time.Minute)); !errors.As(err, &ve) || ve.Field != "pills" {
				t.Fatalf("retire an office pills name: %v", err)
			}
			if err := deletePill(ctx, s, pill.IRI); err != nil {
				t.Fatal(err)
			}
			if err := s.RetireUnit(ctx, office.IRI, "admin", at.Add(8*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Unit(ctx, office.IRI); !errors.Is(err, ErrNotFound) {
				t.Errorf("retired office still there: %v", err)
			}
			h, _ = s.DirectoryHistory(ctx, office.IRI)
			if len(h) != 3 || h[0].Action != "ritiro" || h[0].Detail != "«Ufficio Bollo Auto»" {
				t.Errorf("retired office history: %+v", h)
			}
			if h, _ := s.DirectoryHistory(ctx, dept.IRI); len(h) != 1 {
				t.Errorf("refused retirement recorded: %+v", h)
			}
			// The directory's latest changes, retired office included, newest first.
			all, err := s.DirectoryChanges(ctx, 3)
			if err != nil || len(all) != 3 || all[0].IRI != office.IRI || all[0].Action != "ritiro" || all[1].IRI != p.IRI || all[1].Action != "ritiro" {
				t.Errorf("latest changes: %+v, %v", all, err)
			}
			if all, _ := s.DirectoryChanges(ctx, 0); len(all) != 7 {
				t.Errorf("all changes: %d, want 7", len(all))
			}
			if err := s.SaveUnit(ctx, &Unit{Name: "X"}, " ", at); !errors.As(err, &ve) {
				t.Errorf("no actor: %v", err)
			}
		})
	}
}
