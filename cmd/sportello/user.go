package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"sportello/accounts"
	"sportello/audit"
	"sportello/internal/role"
	"sportello/internal/sqldb"
)

func init() {
	register(&command{
		name:    "user",
		summary: "manage accounts: add, role, passwd, list, disable, enable (KB-8, KB-14)",
		usage: `add NAME --role ROLE [--display-name TEXT] [--email ADDR] [--password-stdin]
       sportello user role NAME --role ROLE
       sportello user passwd NAME [--password-stdin]
       sportello user list [--json]
       sportello user disable NAME
       sportello user enable NAME

Roles: ` + roleNames() + `.
The role is always given: there is no default. Creating an account, changing its role,
setting its password and disabling or enabling it are recorded in the audit log (actor "cli:" and the system user).
Passwords are asked on the terminal (twice, not echoed) or read from the first line of
standard input with --password-stdin. Every command also takes --data DIR and --db DSN.`,
		run: runUser,
	})
}

// Where passwords come from; tests replace them.
var (
	passwordInput io.Reader = os.Stdin
	stdinIsTTY              = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }
	readSecret              = func() ([]byte, error) { return term.ReadPassword(int(os.Stdin.Fd())) }
)

func roleNames() string {
	names := make([]string, len(role.Staff))
	for i, r := range role.Staff {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// dbFlag adds --db: the operational database. Empty means SQLite in the data folder.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", os.Getenv("SPORTELLO_DB"),
		"operational database: empty for SQLite in the data folder, or postgres://… (env SPORTELLO_DB)")
}

func runUser(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	data := dataFlag(fs)
	dsn := dbFlag(fs)
	roleFlag := fs.String("role", "", "role of the account (add, role): required, there is no default")
	display := fs.String("display-name", "", "full name shown on pages (add; default: the login name)")
	email := fs.String("email", "", "e-mail address (add)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (add, passwd)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table (list)")

	// Flags may come before or after the verb and the name: `user add mario --role publisher`.
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("missing subcommand: add, role, passwd, list, disable or enable")
	}
	verb, pos := pos[0], pos[1:]
	wantArgs := 1
	if verb == "list" {
		wantArgs = 0
	}
	switch verb {
	case "add", "role", "passwd", "list", "disable", "enable":
	default:
		return usagef("unknown subcommand %q: want add, role, passwd, list, disable or enable", verb)
	}
	if len(pos) != wantArgs {
		if wantArgs == 0 {
			return usagef("user list takes no arguments")
		}
		return usagef("user %s needs exactly one user name", verb)
	}
	if (verb == "add" || verb == "role") && *roleFlag == "" {
		return usagef("user %s needs --role (one of %s)", verb, roleNames())
	}
	var r role.Role
	if verb == "add" || verb == "role" {
		if r, err = role.Parse(*roleFlag); err != nil {
			return usagef("%v", err)
		}
	}

	// Ask for the password before opening the database, so a typo costs nothing.
	var password string
	if verb == "add" || verb == "passwd" {
		if password, err = readPassword(*fromStdin, fs.Output()); err != nil {
			return err
		}
	}

	// The password rules are the server's: the same environment configures both.
	cfg, err := accounts.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	ctx := context.Background()
	db, err := sqldb.Open(*dsn, *data)
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := accounts.New(ctx, db, cfg)
	if err != nil {
		return err
	}
	log, err := audit.Open(ctx, db, audit.Config{})
	if err != nil {
		return err
	}
	store.UseAudit(log)
	by := accounts.Actor{Name: cliActor()} // the accounts record their acts in the audit log

	switch verb {
	case "add":
		u, err := store.CreateUser(ctx, accounts.User{Name: pos[0], DisplayName: *display, Email: *email, Role: r}, password, by)
		if err != nil {
			return fmt.Errorf("user %s: %w", pos[0], err)
		}
		fmt.Fprintf(stdout, "created user %s (%s)\n", u.Name, u.Role)
	case "role":
		a, err := store.ChangeRole(ctx, pos[0], r, by)
		if err != nil {
			return fmt.Errorf("user %s: %w", pos[0], err)
		}
		fmt.Fprintf(stdout, "user %s is now %s\n", a.Name, a.Role)
	case "passwd":
		if err := store.ResetPassword(ctx, pos[0], password, by); err != nil {
			return fmt.Errorf("user %s: %w", pos[0], err)
		}
		fmt.Fprintf(stdout, "password of %s changed; its sessions are closed\n", strings.ToLower(pos[0]))
	case "disable", "enable":
		if err := store.SetDisabledBy(ctx, pos[0], verb == "disable", by); err != nil {
			return fmt.Errorf("user %s: %w", pos[0], err)
		}
		fmt.Fprintf(stdout, "user %s %sd\n", strings.ToLower(pos[0]), verb)
	case "list":
		users, err := store.Users(ctx)
		if err != nil {
			return err
		}
		return printUsers(stdout, users, *asJSON)
	}
	return nil
}

// parseInterleaved parses flags anywhere among the positional arguments, which it returns.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// readPassword takes the password from stdin's first line, or asks twice on the terminal
// without echo. It never prints it.
func readPassword(fromStdin bool, prompt io.Writer) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(passwordInput).ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", errors.New("--password-stdin: no password on standard input")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	if !stdinIsTTY() {
		return "", usagef("standard input is not a terminal: pass the password with --password-stdin")
	}
	fmt.Fprint(prompt, "Password: ")
	p1, err := readSecret()
	fmt.Fprintln(prompt)
	if err != nil {
		return "", err
	}
	fmt.Fprint(prompt, "Password (again): ")
	p2, err := readSecret()
	fmt.Fprintln(prompt)
	if err != nil {
		return "", err
	}
	if string(p1) != string(p2) {
		return "", errors.New("the two passwords differ")
	}
	return string(p1), nil
}

func printUsers(w io.Writer, users []accounts.User, asJSON bool) error {
	if asJSON {
		type row struct {
			Name        string `json:"name"`
			DisplayName string `json:"displayName"`
			Email       string `json:"email"`
			Role        string `json:"role"`
			Disabled    bool   `json:"disabled"`
			Created     string `json:"created"`
		}
		rows := make([]row, 0, len(users))
		for _, u := range users {
			rows = append(rows, row{u.Name, u.DisplayName, u.Email, string(u.Role), u.Disabled, u.Created.Format("2006-01-02T15:04:05Z")})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tSTATUS\tDISPLAY NAME\tE-MAIL\tCREATED")
	for _, u := range users {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, status, u.DisplayName, u.Email, u.Created.Format("2006-01-02"))
	}
	return tw.Flush()
}
