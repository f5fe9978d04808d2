package accounts

import (
	"strings"
	"testing"
)

// FuzzParseHash feeds arbitrary strings to the hash parser, which reads the users table: it must
// never panic, and whatever it accepts must be safe to hand to argon2 and encode back the same.
func FuzzParseHash(f *testing.F) {
	for _, seed := range []string{
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U",
		"$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=19456,t=0,p=0$$",
		"$argon2id$v=19$m=4294967295,t=4294967295,p=255$AAAA$AAAA",
		"$argon2i$v=19$m=1,t=1,p=1$x$y",
		"$$$$$",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHash(s)
		if err != nil {
			return
		}
		if h.Time < 1 || h.Threads < 1 || h.Memory < 8*uint32(h.Threads) || h.Memory > maxArgonMemory || h.Time > maxArgonTime {
			t.Fatalf("ParseHash(%q) accepted unsafe parameters %+v", s, h)
		}
		if h2, err := ParseHash(h.String()); err != nil || h2.String() != h.String() {
			t.Fatalf("re-encoding %q: %v", s, err)
		}
	})
}

// FuzzCheckPassword checks the password rules never panic and never accept what they promise to
// refuse.
func FuzzCheckPassword(f *testing.F) {
	for _, seed := range []struct{ name, pw string }{
		{"mario.rossi", "Cambio-Residenza-7"}, {"", ""}, {"a", "a1a1a1a1a1a1"}, {"x", "\xff\xfe1234567890"},
		{"mario", "MARIO-12345"}, {"ü", "ÜÜÜÜÜÜÜÜÜÜ1"},
	} {
		f.Add(seed.name, seed.pw)
	}
	s := &Store{cfg: Config{}.withDefaults()}
	f.Fuzz(func(t *testing.T, name, pw string) {
		if s.CheckPassword(name, pw) != nil {
			return
		}
		if n := len([]rune(pw)); n < s.cfg.MinPasswordLen || n > maxPasswordLen {
			t.Fatalf("accepted a password of %d characters", n)
		}
		if n := normName(name); n != "" && strings.Contains(strings.ToLower(pw), n) {
			t.Fatalf("accepted %q containing the name %q", pw, name)
		}
	})
}
