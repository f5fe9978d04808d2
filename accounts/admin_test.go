package accounts

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"sportello/audit"
	"sportello/internal/role"
)

// TestAdminActsAudited: an account is created only with a role chosen for it; its role changes
// later, on its record (when, by whom) and in the audit log (old → new); disabling, enabling and
// a password reset are logged without the password; the last administrator keeps the role.
func TestAdminActsAudited(t *testing.T) {
	forEachEngine(t, Config{}, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		log, err := audit.Open(ctx, s.db, audit.Config{Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		s.UseAudit(log)
		admin := Actor{Name: "admin", Client: "192.0.2.7"}
		if _, err := s.CreateUser(ctx, User{Name: "luca"}, pw, admin); !errors.Is(err, ErrNoRole) {
			t.Fatalf("account without a role: %v", err)
		}
		var re *RoleError
		if _, err := s.CreateUser(ctx, User{Name: "luca", Role: "capo"}, pw, admin); !errors.As(err, &re) || !strings.Contains(err.Error(), "Operatore di front office") {
			t.Fatalf("unknown role: %v", err)
		}
		if _, err := s.CreateUser(ctx, User{Name: "boss", Role: role.Administrator}, pw, admin); err != nil {
			t.Fatal(err)
		}
		u, err := s.CreateUser(ctx, User{Name: "luca", Role: role.Operator, Email: "luca@valdoria.example"}, pw, admin)
		if err != nil || u.Role != role.Operator {
			t.Fatalf("create: %+v %v", u, err)
		}
		c.Add(60e9)
		a, err := s.ChangeRole(ctx, "LUCA", role.Level2, admin)
		if err != nil || a.Role != role.Level2 || a.RoleChangedBy != "admin" || !a.RoleChanged.Equal(c.Now().UTC().Truncate(1e6)) {
			t.Fatalf("change role: %+v %v", a, err)
		}
		// The same role again changes nothing and logs nothing.
		if _, err := s.ChangeRole(ctx, "luca", role.Level2, admin); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ChangeRole(ctx, "luca", "", admin); !errors.Is(err, ErrNoRole) {
			t.Errorf("empty role: %v", err)
		}
		if _, err := s.ChangeRole(ctx, "nessuno", role.Operator, admin); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown user: %v", err)
		}
		if err := s.SetDisabledBy(ctx, "luca", true, admin); err != nil {
			t.Fatal(err)
		}
		if addr, err := s.UserEmail(ctx, "luca"); err != nil || addr != "" {
			t.Errorf("a disabled user's address: %q %v", addr, err)
		}
		if err := s.SetDisabledBy(ctx, "luca", false, admin); err != nil {
			t.Fatal(err)
		}
		if addr, err := s.UserEmail(ctx, "luca"); err != nil || addr != "luca@valdoria.example" {
			t.Errorf("address: %q %v", addr, err)
		}
		if _, err := s.UserEmail(ctx, "nessuno"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown user's address: %v", err)
		}
		if err := s.ResetPassword(ctx, "luca", "Reimpostata-2026", admin); err != nil {
			t.Fatal(err)
		}
		// The only administrator keeps the role and stays enabled.
		if _, err := s.ChangeRole(ctx, "boss", role.Operator, admin); !errors.Is(err, ErrLastAdmin) {
			t.Errorf("last admin demoted: %v", err)
		}
		if err := s.SetDisabledBy(ctx, "boss", true, admin); !errors.Is(err, ErrLastAdmin) {
			t.Errorf("last admin disabled: %v", err)
		}
		entries, err := log.List(ctx, audit.Filter{Action: "account."})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		slices.Reverse(entries) // List gives the newest first
		for _, e := range entries {
			got = append(got, string(e.Action)+" "+e.Object+" "+e.Detail)
			if e.Actor != "admin" || e.Client != "192.0.2.7" {
				t.Errorf("entry %+v", e)
			}
			if strings.Contains(e.Detail, "Reimpostata") || strings.Contains(e.Detail, pw) {
				t.Errorf("a password in the log: %+v", e)
			}
		}
		want := []string{
			"account.create utente boss ruolo: Amministratore",
			"account.create utente luca ruolo: Operatore di front office",
			"account.role utente luca Operatore di front office → Supporto di II livello",
			"account.disable utente luca ",
			"account.enable utente luca ",
			"account.password utente luca ",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("audit log:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		list, err := s.Accounts(ctx)
		if err != nil || len(list) != 2 || list[1].Name != "luca" || list[1].Source != SourceLocal || list[1].RoleChanged.IsZero() {
			t.Errorf("accounts %+v %v", list, err)
		}
	})
}
