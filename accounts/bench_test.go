package accounts

import (
	"context"
	"testing"

	"sportello/internal/role"
	"sportello/internal/sqldb"
)

// BenchmarkHashPassword is the cost of one argon2id hash at the parameters in force: what every
// login and password change spends.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("Cambio-Residenza-7"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSession is the per-request cost of resolving a session cookie on SQLite.
func BenchmarkSession(b *testing.B) {
	ctx := context.Background()
	db, err := sqldb.Open("", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s, err := New(ctx, db, Config{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.AddUser(ctx, User{Name: "operatore", Role: role.Operator}, "Cambio-Residenza-7"); err != nil {
		b.Fatal(err)
	}
	token, _, err := s.Login(ctx, "operatore", "Cambio-Residenza-7", "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Session(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}
