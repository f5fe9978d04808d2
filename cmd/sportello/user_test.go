package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"sportello/accounts"
	"sportello/audit"
	"sportello/fixtures/testenv"
	"sportello/internal/sqldb"
)

// userDBs is where `sportello user` runs in the tests: the default SQLite file in a fresh data
// folder, and a private schema of the throwaway PostgreSQL of ./test.sh given with --db.
func userDBs(t *testing.T) map[string][]string {
	t.Helper()
	url := testenv.PostgresURL(t)
	admin, err := sqldb.Open(url, "")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "clitest_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return map[string][]string{
		"sqlite":   {"--data", filepath.Join(t.TempDir(), "data"), "--db", ""},
		"postgres": {"--data", t.TempDir(), "--db", url + sep + "search_path=" + schema},
	}
}

// withInput makes the password come from in, as if piped or typed.
func withInput(t *testing.T, in string, tty bool) {
	t.Helper()
	oldIn, oldTTY, oldSecret := passwordInput, stdinIsTTY, readSecret
	t.Cleanup(func() { passwordInput, stdinIsTTY, readSecret = oldIn, oldTTY, oldSecret })
	passwordInput = strings.NewReader(in)
	stdinIsTTY = func() bool { return tty }
	lines := strings.Split(in, "\n")
	readSecret = func() ([]byte, error) {
		if len(lines) == 0 {
			return nil, errors.New("no more input")
		}
		l := lines[0]
		lines = lines[1:]
		return []byte(l), nil
	}
}

func TestUserCommand(t *testing.T) {
	for engine, db := range userDBs(t) {
		t.Run(engine, func(t *testing.T) {
			steps := []struct {
				name     string
				args     []string
				input    string
				tty      bool
				code     int
				inStdout string
				inStderr string
			}{
				{"add from stdin", []string{"user", "add", "Mario.Rossi", "--role", "publisher", "--display-name", "Mario Rossi", "--password-stdin"},
					"Cambio-Residenza-7\n", false, 0, "created user mario.rossi (publisher)", ""},
				{"add on the terminal", []string{"user", "--role=validator", "add", "anna"},
					"Valida-le-schede-1\nValida-le-schede-1", true, 0, "created user anna (validator)", "Password"},
				{"terminal passwords differ", []string{"user", "add", "luca", "--role", "operator"},
					"Prima-password-1\nSeconda-password-1", true, 1, "", "differ"},
				{"no terminal, no --password-stdin", []string{"user", "add", "luca", "--role", "operator"},
					"Prima-password-1\n", false, 2, "", "--password-stdin"},
				{"weak password", []string{"user", "add", "luca", "--role", "operator", "--password-stdin"},
					"corta1\n", false, 1, "", "almeno 10 caratteri"},
				{"duplicate", []string{"user", "add", "MARIO.ROSSI", "--role", "operator", "--password-stdin"},
					"Cambio-Residenza-8\n", false, 1, "", "esiste già"},
				{"unknown role", []string{"user", "add", "luca", "--role", "capo", "--password-stdin"},
					"", false, 2, "", "unknown role"},
				{"missing role", []string{"user", "add", "luca", "--password-stdin"}, "", false, 2, "", "--role"},
				{"bad name", []string{"user", "add", "Luca Bianchi", "--role", "operator", "--password-stdin"},
					"Prima-password-1\n", false, 1, "", "non è ammesso"},
				{"empty stdin", []string{"user", "passwd", "anna", "--password-stdin"}, "", false, 1, "", "no password"},
				{"passwd", []string{"user", "passwd", "anna", "--password-stdin"}, "Nuova-Password-22\n", false, 0, "password of anna changed", ""},
				{"passwd unknown", []string{"user", "passwd", "nessuno", "--password-stdin"}, "Nuova-Password-22\n", false, 1, "", "inesistente"},
				{"role", []string{"user", "role", "anna", "--role", "supervisor"}, "", false, 0, "user anna is now supervisor", ""},
				{"role back", []string{"user", "role", "Anna", "--role=validator"}, "", false, 0, "user anna is now validator", ""},
				{"role without --role", []string{"user", "role", "anna"}, "", false, 2, "", "--role"},
				{"role unknown user", []string{"user", "role", "nessuno", "--role", "operator"}, "", false, 1, "", "inesistente"},
				{"disable", []string{"user", "disable", "mario.rossi"}, "", false, 0, "user mario.rossi disabled", ""},
				{"disable unknown", []string{"user", "disable", "nessuno"}, "", false, 1, "", "inesistente"},
				{"list", []string{"user", "list"}, "", false, 0, "mario.rossi  publisher  disabled", ""},
				{"no verb", []string{"user"}, "", false, 2, "", "missing subcommand"},
				{"bad verb", []string{"user", "delete", "anna"}, "", false, 2, "", "unknown subcommand"},
				{"two names", []string{"user", "disable", "a", "b"}, "", false, 2, "", "exactly one"},
				{"list with a name", []string{"user", "list", "anna"}, "", false, 2, "", "no arguments"},
				{"help", []string{"user", "--help"}, "", false, 0, "", "sportello user passwd"},
			}
			for _, st := range steps {
				withInput(t, st.input, st.tty)
				code, out, errOut := sportello(t, append(st.args, db...)...)
				if code != st.code || !strings.Contains(out, st.inStdout) || !strings.Contains(errOut, st.inStderr) {
					t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", st.name, code, st.code, out, errOut)
				}
				if strings.Contains(out+errOut, "Cambio-Residenza") || strings.Contains(out+errOut, "Nuova-Password") {
					t.Errorf("%s: a password was printed", st.name)
				}
			}

			code, out, errOut := sportello(t, append([]string{"user", "list", "--json"}, db...)...)
			var rows []struct {
				Name, Role, DisplayName string
				Disabled                bool
			}
			if code != 0 || json.Unmarshal([]byte(out), &rows) != nil {
				t.Fatalf("list --json: exit %d: %s%s", code, out, errOut)
			}
			if len(rows) != 2 || rows[0].Name != "anna" || rows[0].Role != "validator" || rows[0].Disabled ||
				rows[1].Name != "mario.rossi" || rows[1].DisplayName != "Mario Rossi" || !rows[1].Disabled {
				t.Errorf("list --json = %+v", rows)
			}

			// What the commands wrote is what the server reads: the new password logs in, the
			// disabled account does not.
			dsn, dir := db[3], db[1]
			sdb, err := sqldb.Open(dsn, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer sdb.Close()
			store, err := accounts.New(context.Background(), sdb, accounts.Config{})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := store.Login(context.Background(), "anna", "Nuova-Password-22", "127.0.0.1"); err != nil {
				t.Errorf("login with the password set by passwd: %v", err)
			}
			if _, _, err := store.Login(context.Background(), "mario.rossi", "Cambio-Residenza-7", "127.0.0.1"); !errors.Is(err, accounts.ErrDisabled) {
				t.Errorf("login of the disabled user: %v", err)
			}
			withInput(t, "", false)
			if code, out, _ := sportello(t, append([]string{"user", "enable", "mario.rossi"}, db...)...); code != 0 || !strings.Contains(out, "enabled") {
				t.Errorf("enable: exit %d %s", code, out)
			}
			// Every act is in the audit log, recorded by the accounts with the command line as actor.
			log, err := audit.Open(context.Background(), sdb, audit.Config{})
			if err != nil {
				t.Fatal(err)
			}
			entries, err := log.List(context.Background(), audit.Filter{Actor: cliActor()}) // cli:USER
			if err != nil {
				t.Fatal(err)
			}
			var acts []string
			for _, e := range entries {
				acts = append(acts, string(e.Action))
			}
			if got := strings.Join(acts, " "); got != "account.enable account.disable account.role account.role account.password account.create account.create" {
				t.Errorf("audit log of the commands: %s", got)
			}
		})
	}
}
