package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"sportello/internal/role"
	"sportello/internal/sqldb"
	"sportello/internal/sqldb/sqldbtest"
)

// clock is a settable time for Store.Now, so tests can jump past idle timeouts and windows.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newStore opens the account store on db with a test clock.
func newStore(t *testing.T, db *sqldb.DB, cfg Config) (*Store, *clock) {
	t.Helper()
	s, err := New(context.Background(), db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s.Now = c.Now
	return s, c
}

// forEachEngine runs fn on a fresh store on each engine.
func forEachEngine(t *testing.T, cfg Config, fn func(t *testing.T, s *Store, c *clock)) {
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			s, c := newStore(t, db, cfg)
			fn(t, s, c)
		})
	}
}

const pw = "Cambio-Residenza-7"

func mustAdd(t *testing.T, s *Store, name string, r role.Role) User {
	t.Helper()
	u, err := s.AddUser(context.Background(), User{Name: name, Role: r}, pw)
	if err != nil {
		t.Fatalf("AddUser(%s): %v", name, err)
	}
	return u
}

func TestHashAndVerify(t *testing.T) {
	h1, err := HashPassword("Una password lunga 1")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("Una password lunga 1")
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash is not a PHC argon2id string with the expected parameters: %s", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if strings.Contains(h1, "Una password") {
		t.Error("the hash contains the password")
	}
	for _, tc := range []struct {
		hash, password string
		want           bool
	}{
		{h1, "Una password lunga 1", true},
		{h2, "Una password lunga 1", true},
		{h1, "una password lunga 1", false},
		{h1, "", false},
		{h1[:len(h1)-2], "Una password lunga 1", false},
		{strings.Replace(h1, "t=2", "t=3", 1), "Una password lunga 1", false},
		{"", "", false},
		{"plain-text", "plain-text", false},
	} {
		if got := VerifyPassword(tc.hash, tc.password); got != tc.want {
			t.Errorf("VerifyPassword(%.40q…, %q) = %v, want %v", tc.hash, tc.password, got, tc.want)
		}
	}
}

func TestParseHash(t *testing.T) {
	good, _ := HashPassword("Qualcosa di lungo 9")
	h, err := ParseHash(good)
	if err != nil {
		t.Fatal(err)
	}
	if h.String() != good || h.Memory != argonMemory || h.Time != argonTime || h.Threads != argonThreads || len(h.Salt) != 16 || len(h.Key) != 32 {
		t.Errorf("ParseHash(%s) = %+v", good, h)
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	for _, bad := range []string{
		"",
		"$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key,    // would panic argon2
		"$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key,    // would panic argon2
		"$argon2id$v=19$m=99999999,t=2,p=1$" + salt + "$" + key, // 95 GiB
		"$argon2id$v=19$m=19456,t=2,p=1,x=3$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=19456,t=2,p=1$$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$",
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "==",
		"x$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
	} {
		if _, err := ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) accepted", bad)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	s := &Store{cfg: Config{}.withDefaults()}
	for _, tc := range []struct {
		name, password string
		reason         string // part of the Italian message; "" = accepted
	}{
		{"mario.rossi", "Cambio-Residenza-7", ""},
		{"mario.rossi", "una frase lunga con spazi 2", ""},
		{"mario.rossi", "però-città-1234", ""},
		{"mario.rossi", "corta-1", "almeno 10 caratteri"},
		{"mario.rossi", "sololettereeee", "sia lettere sia cifre"},
		{"mario.rossi", "12345678901", "sia lettere sia cifre"},
		{"mario.rossi", "xxMario.Rossi99", "nome utente"},
		{"mario.rossi", "Password123", "troppo comune"},
		{"mario.rossi", strings.Repeat("a1", 129), "al massimo 256"},
		{"mario.rossi", "abcdefghij\x001", "controllo"},
	} {
		err := s.CheckPassword(tc.name, tc.password)
		switch {
		case tc.reason == "" && err != nil:
			t.Errorf("CheckPassword(%q) = %v, want accepted", tc.password, err)
		case tc.reason != "":
			var pe *PasswordError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("CheckPassword(%q) = %v, want a PasswordError about %q", tc.password, err, tc.reason)
			}
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"mario.rossi", true}, {"m_rossi-2@urp", true}, {"", false}, {"mario rossi", false},
		{"Mario", false}, {"niccolò", false}, {"a;rm -rf", false}, {strings.Repeat("a", 65), false},
	} {
		if err := CheckName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, Config{}, func(t *testing.T, s *Store, c *clock) {
		u, err := s.AddUser(ctx, User{Name: " Mario.Rossi ", DisplayName: "Mario Rossi", Email: "m.rossi@valdoria.example", Role: role.Publisher}, pw)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Name != "mario.rossi" || u.Role != role.Publisher || !u.Created.Equal(c.Now()) {
			t.Errorf("AddUser = %+v", u)
		}
		mustAdd(t, s, "anna", role.Validator)
		for _, tc := range []struct {
			u    User
			pass string
			want string
		}{
			{User{Name: "MARIO.ROSSI", Role: role.Operator}, pw, ErrExists.Error()},
			{User{Name: "luca", Role: "capo"}, pw, "sconosciuto"},
			{User{Name: "luca", Role: ""}, pw, "scegliere il ruolo"},
			{User{Name: "luca bianchi", Role: role.Operator}, pw, "non è ammesso"},
			{User{Name: "luca", Role: role.Operator}, "breve1", "almeno 10"},
		} {
			if _, err := s.AddUser(ctx, tc.u, tc.pass); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("AddUser(%+v) = %v, want %q", tc.u, err, tc.want)
			}
		}
		got, err := s.User(ctx, "Mario.Rossi")
		if err != nil || got.ID != u.ID || got.DisplayName != "Mario Rossi" || got.Email != "m.rossi@valdoria.example" {
			t.Errorf("User = %+v, %v", got, err)
		}
		if _, err := s.User(ctx, "nessuno"); !errors.Is(err, ErrNotFound) {
			t.Errorf("User(nessuno) = %v, want ErrNotFound", err)
		}
		list, err := s.Users(ctx)
		if err != nil || len(list) != 2 || list[0].Name != "anna" || list[1].Name != "mario.rossi" {
			t.Errorf("Users = %+v, %v", list, err)
		}
		// The database keeps a hash, never the password.
		var hash string
		s.db.QueryRow(ctx, `SELECT password_hash FROM users WHERE name = ?`, "anna").Scan(&hash)
		if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, pw) {
			t.Errorf("stored password %q", hash)
		}
	})
}

func TestLogin(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, Config{}, func(t *testing.T, s *Store, c *clock) {
		mustAdd(t, s, "operatore", role.Operator)
		mustAdd(t, s, "spento", role.Operator)
		if err := s.SetDisabled(ctx, "spento", true); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, pass string
			want       error
		}{
			{"operatore", pw, nil},
			{"Operatore", pw, nil},
			{"operatore", "Cambio-Residenza-8", ErrBadLogin},
			{"operatore", "", ErrBadLogin},
			{"nessuno", pw, ErrBadLogin},
			{"spento", pw, ErrDisabled},
			{"spento", "sbagliata-123", ErrBadLogin},
		} {
			token, sess, err := s.Login(ctx, tc.name, tc.pass, "192.0.2.1")
			if !errors.Is(err, tc.want) {
				t.Errorf("Login(%s, %q) = %v, want %v", tc.name, tc.pass, err, tc.want)
				continue
			}
			if tc.want != nil {
				continue
			}
			if len(token) != 43 || sess.User.Role != role.Operator || len(sess.CSRF) != 43 || sess.CSRF == token {
				t.Errorf("Login(%s) = %q, %+v", tc.name, token, sess)
			}
			if !sess.Expires.Equal(c.Now().Add(12 * time.Hour)) {
				t.Errorf("session expires %v", sess.Expires)
			}
			got, err := s.Session(ctx, token)
			if err != nil || got.User.Name != "operatore" || got.CSRF != sess.CSRF {
				t.Errorf("Session after login = %+v, %v", got, err)
			}
			// Only the token's SHA-256 is stored: a copy of the database opens no session.
			var n int
			s.db.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, token).Scan(&n)
			var m int
			s.db.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, hashToken(token)).Scan(&m)
			if n != 0 || m != 1 {
				t.Errorf("sessions by token: %d, by hash: %d; want 0 and 1", n, m)
			}
		}
		if _, err := s.Session(ctx, "forged-token"); !errors.Is(err, ErrNoSession) {
			t.Errorf("Session(forged) = %v", err)
		}
		if _, err := s.Session(ctx, ""); !errors.Is(err, ErrNoSession) {
			t.Errorf("Session(\"\") = %v", err)
		}
	})
}

// TestRehashOnLogin: a hash made with weaker parameters (an older release) still verifies, and
// the next successful login replaces it with one at the current parameters.
func TestRehashOnLogin(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, Config{}, func(t *testing.T, s *Store, c *clock) {
		mustAdd(t, s, "anna", role.Operator)
		salt := []byte("0123456789abcdef")
		old := Hash{Memory: 8 * 1024, Time: 1, Threads: 1, Salt: salt, Key: argon2.IDKey([]byte(pw), salt, 1, 8*1024, 1, 32)}
		if _, err := s.db.Exec(ctx, `UPDATE users SET password_hash = ? WHERE name = ?`, old.String(), "anna"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, "anna", pw, "192.0.2.1"); err != nil {
			t.Fatalf("login with an old hash: %v", err)
		}
		var stored string
		s.db.QueryRow(ctx, `SELECT password_hash FROM users WHERE name = ?`, "anna").Scan(&stored)
		if stored == old.String() || needsRehash(stored) || !VerifyPassword(stored, pw) {
			t.Errorf("hash after login: %s", stored)
		}
	})
}

func TestSessionLifetime(t *testing.T) {
	ctx := context.Background()
	cfg := Config{SessionTTL: 8 * time.Hour, IdleTimeout: 30 * time.Minute}
	forEachEngine(t, cfg, func(t *testing.T, s *Store, c *clock) {
		mustAdd(t, s, "validatore", role.Validator)
		login := func() string {
			t.Helper()
			token, _, err := s.Login(ctx, "validatore", pw, "192.0.2.7")
			if err != nil {
				t.Fatal(err)
			}
			return token
		}

		// Idle timeout: activity every 20 minutes keeps the session; 30 idle minutes end it.
		token := login()
		for i := 0; i < 5; i++ {
			c.Add(20 * time.Minute)
			if _, err := s.Session(ctx, token); err != nil {
				t.Fatalf("after %d×20 min of activity: %v", i+1, err)
			}
		}
		c.Add(30 * time.Minute)
		if _, err := s.Session(ctx, token); !errors.Is(err, ErrNoSession) {
			t.Fatalf("after 30 idle minutes: %v, want ErrNoSession", err)
		}

		// Absolute lifetime: active all day, the session still ends after 8 hours.
		token = login()
		for i := 0; i < 15; i++ {
			c.Add(29 * time.Minute)
			if _, err := s.Session(ctx, token); err != nil {
				t.Fatalf("after %d×29 min: %v", i+1, err)
			}
		}
		c.Add(29 * time.Minute) // 7 h 44 min
		s.Session(ctx, token)
		c.Add(20 * time.Minute)
		if _, err := s.Session(ctx, token); !errors.Is(err, ErrNoSession) {
			t.Fatalf("after 8 h: %v, want ErrNoSession", err)
		}

		// Logout deletes the row.
		token = login()
		if err := s.Logout(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, token); !errors.Is(err, ErrNoSession) {
			t.Fatalf("after logout: %v", err)
		}

		// Prune sweeps what nobody came back for.
		login()
		c.Add(time.Hour)
		if err := s.Prune(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		s.db.QueryRow(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n)
		if n != 0 {
			t.Errorf("%d sessions left after Prune", n)
		}
	})
}

// TestThrottling: the login throttle cannot be turned against the account's owner. Failures
// from other addresses never delay the owner (the campaign's "5 failures from 5 addresses lock
// the account for 15 minutes" fails); from one address the delay grows 1 s, 2 s, 4 s… up to
// FailureWindow; one address spraying many accounts runs out of its budget without holding up
// a colleague who logged in from it before.
func TestThrottling(t *testing.T) {
	ctx := context.Background()
	cfg := Config{MaxFailures: 3, FailureWindow: 10 * time.Minute, AddressLimit: "6/6m"}
	forEachEngine(t, cfg, func(t *testing.T, s *Store, c *clock) {
		mustAdd(t, s, "pubblicatore", role.Publisher)
		mustAdd(t, s, "operatore", role.Operator)

		// Five failures from five addresses lock nobody out.
		for i := 1; i <= 5; i++ {
			ip := fmt.Sprintf("192.0.2.%d", i)
			if _, _, err := s.Login(ctx, "pubblicatore", "sbagliata-"+ip, ip); !errors.Is(err, ErrBadLogin) {
				t.Fatalf("failure from %s: %v", ip, err)
			}
		}
		if _, _, err := s.Login(ctx, "Pubblicatore", pw, "198.51.100.9"); err != nil {
			t.Fatalf("the owner after 5 failures from 5 addresses: %v", err)
		}

		// From one address: three failures at once, then delays that double.
		const bad = "203.0.113.5"
		for i := 0; i < 3; i++ {
			if _, _, err := s.Login(ctx, "operatore", "sbagliata-1", bad); !errors.Is(err, ErrBadLogin) {
				t.Fatalf("free failure %d: %v", i+1, err)
			}
		}
		for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
			_, _, err := s.Login(ctx, "operatore", pw, bad) // even the right password waits
			var te *ThrottledError
			if !errors.As(err, &te) || !errors.Is(err, ErrThrottled) || te.RetryAfter != want || te.Address {
				t.Fatalf("throttled attempt = %v (%+v), want a wait of %v", err, te, want)
			}
			if !strings.Contains(err.Error(), "troppi tentativi") {
				t.Errorf("message %q", err)
			}
			c.Add(want)
			if _, _, err := s.Login(ctx, "operatore", "sbagliata-2", bad); !errors.Is(err, ErrBadLogin) {
				t.Fatalf("after %v: %v", want, err)
			}
		}
		// The owner, from the office, is never held up by that.
		if _, _, err := s.Login(ctx, "operatore", pw, "198.51.100.10"); err != nil {
			t.Fatalf("the owner from another address: %v", err)
		}
		// The delay stops growing at FailureWindow.
		for i := 0; i < 12; i++ {
			c.Add(10 * time.Minute)
			s.Login(ctx, "operatore", "sbagliata-3", bad)
		}
		_, _, err := s.Login(ctx, "operatore", pw, bad)
		var te *ThrottledError
		if !errors.As(err, &te) || te.RetryAfter != 10*time.Minute || !strings.Contains(err.Error(), "10 minuti") {
			t.Fatalf("after many failures: %v, want a wait of 10 minutes", err)
		}
		// The right password after the wait works and starts afresh.
		c.Add(10 * time.Minute)
		if _, _, err := s.Login(ctx, "operatore", pw, bad); err != nil {
			t.Fatalf("after the wait: %v", err)
		}
		if n := s.throttle.Failures("operatore", bad); n != 0 {
			t.Errorf("failures after a success = %d", n)
		}

		// One address spraying many accounts: a budget of 6 failures, then refused for new
		// accounts — but not for a pair that logged in from there before.
		const nat = "203.0.113.66"
		if _, _, err := s.Login(ctx, "pubblicatore", pw, nat); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 6; i++ {
			if _, _, err := s.Login(ctx, fmt.Sprintf("spray%d", i), "sbagliata-123", nat); !errors.Is(err, ErrBadLogin) {
				t.Fatalf("spray %d: %v", i, err)
			}
		}
		_, _, err = s.Login(ctx, "spray9", "sbagliata-123", nat)
		if !errors.As(err, &te) || !te.Address || te.RetryAfter != time.Minute || !strings.Contains(err.Error(), "da questo indirizzo") {
			t.Fatalf("spray past the budget: %v, want the address refused for a minute", err)
		}
		if _, _, err := s.Login(ctx, "pubblicatore", pw, nat); err != nil {
			t.Fatalf("a colleague known at the address: %v", err)
		}
		if _, _, err := s.Login(ctx, "operatore", pw, "203.0.113.67"); err != nil {
			t.Fatalf("from another address: %v", err)
		}
	})
}

// TestThrottleParallelGuesses: fifty guesses sent at once get exactly MaxFailures tries; the
// others are refused without a password check (the campaign's race let 10 of 5 through).
func TestThrottleParallelGuesses(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, Config{MaxFailures: 5}, func(t *testing.T, s *Store, c *clock) {
		mustAdd(t, s, "operatore", role.Operator)
		var tried, refused atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := s.Login(ctx, "operatore", fmt.Sprintf("tentativo-%d", i), "203.0.113.9")
				switch {
				case errors.Is(err, ErrBadLogin):
					tried.Add(1)
				case errors.Is(err, ErrThrottled):
					refused.Add(1)
				default:
					t.Errorf("guess %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if tried.Load() != 5 || refused.Load() != 45 {
			t.Errorf("50 parallel guesses: %d tried, %d refused; want 5 and 45", tried.Load(), refused.Load())
		}
	})
}

func TestChangePasswordAndDisable(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, Config{}, func(t *testing.T, s *Store, c *clock) {
		mustAdd(t, s, "supervisore", role.Supervisor)
		token, _, err := s.Login(ctx, "supervisore", pw, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		const newPw = "Nuova-password-2026"
		var pe *PasswordError
		for _, tc := range []struct {
			old, new string
			check    func(error) bool
		}{
			{"sbagliata-123", newPw, func(e error) bool { return errors.Is(e, ErrWrongPassword) }},
			{pw, "corta1", func(e error) bool { return errors.As(e, &pe) }},
			{pw, "xsupervisore1", func(e error) bool { return errors.As(e, &pe) }},
		} {
			if err := s.ChangePassword(ctx, "supervisore", tc.old, tc.new); !tc.check(err) {
				t.Errorf("ChangePassword(%q, %q) = %v", tc.old, tc.new, err)
			}
		}
		if _, err := s.Session(ctx, token); err != nil {
			t.Fatalf("a refused change ended the session: %v", err)
		}
		if err := s.ChangePassword(ctx, "supervisore", pw, newPw); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, token); !errors.Is(err, ErrNoSession) {
			t.Errorf("old session after a password change: %v", err)
		}
		if _, _, err := s.Login(ctx, "supervisore", pw, "192.0.2.1"); !errors.Is(err, ErrBadLogin) {
			t.Errorf("old password: %v", err)
		}
		token, _, err = s.Login(ctx, "supervisore", newPw, "192.0.2.1")
		if err != nil {
			t.Fatalf("new password: %v", err)
		}
		if err := s.ChangePassword(ctx, "nessuno", pw, newPw); !errors.Is(err, ErrNotFound) {
			t.Errorf("ChangePassword(nessuno) = %v", err)
		}

		// Disabling ends the sessions at once and refuses logins; enabling restores the account.
		if err := s.SetDisabled(ctx, "supervisore", true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, token); !errors.Is(err, ErrNoSession) {
			t.Errorf("session of a disabled user: %v", err)
		}
		if _, _, err := s.Login(ctx, "supervisore", newPw, "192.0.2.1"); !errors.Is(err, ErrDisabled) {
			t.Errorf("login of a disabled user: %v", err)
		}
		if u, _ := s.User(ctx, "supervisore"); !u.Disabled {
			t.Error("User does not say disabled")
		}
		if err := s.SetDisabled(ctx, "supervisore", false); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, "supervisore", newPw, "192.0.2.1"); err != nil {
			t.Errorf("login after re-enabling: %v", err)
		}
		if err := s.SetDisabled(ctx, "nessuno", true); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetDisabled(nessuno) = %v", err)
		}
		// The administrator's reset needs no old password, but keeps the rules.
		if err := s.SetPassword(ctx, "supervisore", "debole"); err == nil {
			t.Error("SetPassword accepted a weak password")
		}
		if err := s.SetPassword(ctx, "nessuno", newPw+"x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetPassword(nessuno) = %v", err)
		}
	})
}

func TestSeedDemo(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, Config{}, func(t *testing.T, s *Store, c *clock) {
		created, err := SeedDemo(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if len(created) != len(role.Staff) {
			t.Fatalf("SeedDemo created %d accounts, want one per role (%d)", len(created), len(role.Staff))
		}
		seen := map[role.Role]bool{}
		for _, u := range created {
			seen[u.Role] = true
		}
		for _, r := range role.Staff {
			if !seen[r] {
				t.Errorf("no demo account for %s", r)
			}
		}
		// Restarting with --demo creates nothing and keeps changed passwords.
		if err := s.SetPassword(ctx, "admin", "Scelta-da-me-1"); err != nil {
			t.Fatal(err)
		}
		again, err := SeedDemo(ctx, s)
		if err != nil || len(again) != 0 {
			t.Fatalf("second SeedDemo = %d accounts, %v", len(again), err)
		}
		if _, _, err := s.Login(ctx, "admin", "Scelta-da-me-1", "192.0.2.1"); err != nil {
			t.Errorf("admin's changed password: %v", err)
		}
		if _, sess, err := s.Login(ctx, "pubblicatore", DemoPassword, "192.0.2.1"); err != nil || sess.User.Role != role.Publisher {
			t.Errorf("demo publisher login: %v", err)
		}
	})
}

func TestCheckCSRF(t *testing.T) {
	sess := &Session{CSRF: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}
	for _, tc := range []struct {
		sess *Session
		sent string
		ok   bool
	}{
		{sess, sess.CSRF, true},
		{sess, "", false},
		{sess, sess.CSRF[:42], false},
		{sess, sess.CSRF + "x", false},
		{nil, sess.CSRF, false},
		{&Session{}, "", false},
	} {
		if err := CheckCSRF(tc.sess, tc.sent); (err == nil) != tc.ok {
			t.Errorf("CheckCSRF(%q) = %v, want ok=%v", tc.sent, err, tc.ok)
		}
	}
}
