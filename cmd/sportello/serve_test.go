package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"sportello/fixtures"
	"sportello/kb"
)

func TestServerURL(t *testing.T) {
	tests := []struct {
		addr, base, want string
	}{
		{"[::]:8080", "", "http://localhost:8080/"},
		{"0.0.0.0:8080", "", "http://localhost:8080/"},
		{"127.0.0.1:41234", "", "http://127.0.0.1:41234/"},
		{"[::1]:9000", "", "http://[::1]:9000/"},
		{"127.0.0.1:8080", "https://sportello.regione.example/", "https://sportello.regione.example/"},
	}
	for _, tt := range tests {
		a, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := serverURL(a, tt.base); got != tt.want {
			t.Errorf("serverURL(%s, %q) = %s, want %s", tt.addr, tt.base, got, tt.want)
		}
	}
}

func TestServeUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want int
	}{
		{[]string{"serve", "--help"}, 0},
		{[]string{"serve", "--no-such-flag"}, 2},
		{[]string{"serve", "extra"}, 2},
	} {
		var out, errOut strings.Builder
		if got := run(tt.args, &out, &errOut); got != tt.want {
			t.Errorf("%v: exit %d, want %d\n%s", tt.args, got, tt.want, errOut.String())
		}
	}
}

// TestLoadDemoOnce: --demo fills an empty knowledge base and leaves a filled one alone.
func TestLoadDemoOnce(t *testing.T) {
	ctx := context.Background()
	store, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := loadDemo(ctx, store, log); err != nil {
		t.Fatal(err)
	}
	first, err := store.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Pills != len(fixtures.Pills) || first.People != len(fixtures.People) {
		t.Errorf("after --demo: %+v, want %d pills and %d people", first, len(fixtures.Pills), len(fixtures.People))
	}
	p := fixtures.Pills[0]
	p.Title = "Modificata dall'utente"
	if err := fixtures.PutPill(ctx, store, &p); err != nil {
		t.Fatal(err)
	}
	if err := loadDemo(ctx, store, log); err != nil {
		t.Fatal(err)
	}
	got, err := store.PillByCode(ctx, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Modificata dall'utente" {
		t.Errorf("a second --demo overwrote the user's change: %q", got.Title)
	}
}
