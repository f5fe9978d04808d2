package accounts

import (
	"context"
	"errors"
	"fmt"
	"sportello/internal/role"
)

// DemoPassword is the password of every demo account. It is printed in the README: the demo
// accounts are for trying Sportello out and must never exist on a real installation.
const DemoPassword = "Valdoria2026"

// DemoAccounts is one account per role, created by SeedDemo (`sportello serve --demo`).
var DemoAccounts = []User{
	{Name: "admin", DisplayName: "Anna Amministratrice", Email: "admin@valdoria.example", Role: role.Administrator},
	{Name: "pubblicatore", DisplayName: "Paolo Pubblicatore", Email: "pubblicatore@valdoria.example", Role: role.Publisher},
	{Name: "validatore", DisplayName: "Valeria Validatrice", Email: "validatore@valdoria.example", Role: role.Validator},
	{Name: "operatore", DisplayName: "Orsola Operatrice", Email: "operatore@valdoria.example", Role: role.Operator},
	{Name: "backoffice", DisplayName: "Bruno Backoffice", Email: "backoffice@valdoria.example", Role: role.Backoffice},
	{Name: "secondolivello", DisplayName: "Silvia Secondo Livello", Email: "secondolivello@valdoria.example", Role: role.Level2},
	{Name: "supervisore", DisplayName: "Sergio Supervisore", Email: "supervisore@valdoria.example", Role: role.Supervisor},
	{Name: "revisore", DisplayName: "Rita Revisora", Email: "revisore@valdoria.example", Role: role.Auditor},
}

// SeedDemo creates the demo accounts that do not exist yet, with DemoPassword, and returns the
// ones it created. Existing accounts are left alone, so a restart with --demo keeps passwords
// changed in the meantime.
func SeedDemo(ctx context.Context, s *Store) ([]User, error) {
	var created []User
	for _, u := range DemoAccounts {
		nu, err := s.AddUser(ctx, u, DemoPassword)
		if errors.Is(err, ErrExists) {
			continue
		}
		if err != nil {
			return created, fmt.Errorf("demo account %s: %w", u.Name, err)
		}
		created = append(created, nu)
	}
	return created, nil
}
