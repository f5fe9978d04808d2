package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"sportello/audit"
	"sportello/internal/role"
	"sportello/internal/sqldb"
)

// The administrators' acts on accounts (KB-8, OPS-1): creating an account with the role chosen
// for it (there is no default role: a forgotten choice must not make an administrator),
// changing its role later, disabling or enabling it, resetting its password. Each is recorded
// in the audit log (package audit) with who did it and from where; a role change is also kept on
// the user's own record (when, by whom), so the users' page shows it without reading the log.
//
// The plain methods of accounts.go (AddUser, SetDisabled, SetPassword) stay for the demo seed and
// the tests; the pages and `sportello user` call these.

// Actor is who performs an administrative act: a user name ("cli" for the command line,
// "ldap" for the directory at login) and the client address, when there is one.
type Actor struct {
	Name   string
	Client string
}

// Auditor records administrative acts; *audit.Store satisfies it.
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) (audit.Entry, error)
}

// UseAudit makes the store record the administrators' acts in a. Without it they are not
// recorded (tests, tools); the server always sets it.
func (s *Store) UseAudit(a Auditor) { s.audit = a }

// Account is a user with what the administrators' page shows beyond User: where the account
// comes from and the last change of its role.
type Account struct {
	User
	Source        Source    // local, or the LDAP directory
	RoleChanged   time.Time // zero: the role is the one given at creation
	RoleChangedBy string
}

// Source is where an account's password is checked.
type Source string

const (
	SourceLocal     Source = "local"     // a password hash here
	SourceDirectory Source = "directory" // the LDAP / Active Directory server (directory.go)
)

// ErrNoRole refuses an account without a role: the role is always chosen, never defaulted.
var ErrNoRole = errors.New("scegliere il ruolo dell'utente")

// ErrLastAdmin refuses to take the administrator role from, or to disable, the last enabled
// administrator: nobody could manage the accounts afterwards.
var ErrLastAdmin = errors.New("è l'unico amministratore attivo: nominarne prima un altro")

// RoleError refuses a role name that is not one of the roles.
type RoleError struct{ Name string }

func (e *RoleError) Error() string {
	names := make([]string, len(role.Staff))
	for i, r := range role.Staff {
		names[i] = r.Label()
	}
	return fmt.Sprintf("ruolo %q sconosciuto: scegliere fra %s", e.Name, strings.Join(names, ", "))
}

// parseRole is role.Parse with the Italian errors of this package.
func parseRole(name string) (role.Role, error) {
	if strings.TrimSpace(name) == "" {
		return "", ErrNoRole
	}
	r, err := role.Parse(strings.TrimSpace(name))
	if err != nil {
		return "", &RoleError{name}
	}
	return r, nil
}

// profileMigrations add to the users' table where an account comes from and its last role
// change. A component of its own, so the account tables' own migrations stay as they were.
var profileMigrations = []sqldb.Migration{
	{Version: 1, SQL: `
ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'local';
ALTER TABLE users ADD COLUMN role_changed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN role_changed_by TEXT NOT NULL DEFAULT ''`},
}

// record writes an entry of the audit log, when the store has one.
func (s *Store) record(ctx context.Context, by Actor, a audit.Action, name, detail string) error {
	if s.audit == nil {
		return nil
	}
	if _, err := s.audit.Record(ctx, audit.Entry{Actor: by.Name, Action: a, Object: "utente " + name,
		Detail: detail, Client: by.Client}); err != nil {
		// The act is done; saying so while the log missed it would hide it from the next audit.
		return fmt.Errorf("accounts: %s on %s done, but not recorded in the audit log: %w", a, name, err)
	}
	return nil
}

// CreateUser creates an account as an administrator: the role is required (ErrNoRole, a
// *RoleError for an unknown one) and the act is recorded.
func (s *Store) CreateUser(ctx context.Context, u User, password string, by Actor) (User, error) {
	r, err := parseRole(string(u.Role))
	if err != nil {
		return User{}, err
	}
	u.Role = r
	nu, err := s.AddUser(ctx, u, password)
	if err != nil {
		return User{}, err
	}
	return nu, s.record(ctx, by, audit.AccountCreate, nu.Name, "ruolo: "+nu.Role.Label())
}

// ChangeRole gives an account another role, records it on the account (when, by whom) and in
// the audit log (old → new). The account's sessions stay open: each request reads the role
// afresh, so the change applies at the next page. A directory account's role follows its
// groups (directory.go); the last enabled administrator keeps the role (ErrLastAdmin).
func (s *Store) ChangeRole(ctx context.Context, name string, to role.Role, by Actor) (Account, error) {
	name = normName(name)
	r, err := parseRole(string(to))
	if err != nil {
		return Account{}, err
	}
	var old role.Role
	err = s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		a, err := loadAccount(ctx, tx, name)
		if err != nil {
			return err
		}
		if a.Source == SourceDirectory && by.Name != directoryActor {
			return ErrDirectoryRole
		}
		old = a.Role
		if old == r {
			return nil
		}
		if old == role.Administrator && !a.Disabled {
			if err := otherAdmin(ctx, tx, a.ID); err != nil {
				return err
			}
		}
		now := sqldb.Millis(s.Now())
		_, err = tx.Exec(ctx, `UPDATE users SET role = ?, role_changed = ?, role_changed_by = ?, updated = ? WHERE id = ?`,
			string(r), now, by.Name, now, a.ID)
		return err
	})
	if err != nil {
		return Account{}, err
	}
	if old != r {
		if err := s.record(ctx, by, audit.AccountRole, name, old.Label()+" → "+r.Label()); err != nil {
			return Account{}, err
		}
	}
	return s.Account(ctx, name)
}

// otherAdmin refuses with ErrLastAdmin unless an enabled administrator other than id exists.
func otherAdmin(ctx context.Context, q interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}, id int64) error {
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE role = ? AND disabled = 0 AND id <> ?`,
		string(role.Administrator), id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

// SetDisabledBy disables (ending its sessions) or enables an account as an administrator,
// recorded in the audit log. The last enabled administrator cannot be disabled.
func (s *Store) SetDisabledBy(ctx context.Context, name string, disabled bool, by Actor) error {
	name = normName(name)
	a, err := s.Account(ctx, name)
	if err != nil {
		return err
	}
	if a.Disabled == disabled {
		return nil
	}
	if disabled && a.Role == role.Administrator {
		if err := otherAdmin(ctx, s.db, a.ID); err != nil {
			return err
		}
	}
	if err := s.SetDisabled(ctx, name, disabled); err != nil {
		return err
	}
	act := audit.AccountEnable
	if disabled {
		act = audit.AccountDisable
	}
	return s.record(ctx, by, act, name, "")
}

// ResetPassword sets an account's password as an administrator (its sessions end), recorded in
// the audit log — that it was set, never to what. A directory account has no password here.
func (s *Store) ResetPassword(ctx context.Context, name, password string, by Actor) error {
	name = normName(name)
	a, err := s.Account(ctx, name)
	if err != nil {
		return err
	}
	if a.Source == SourceDirectory {
		return ErrDirectoryPassword
	}
	if err := s.SetPassword(ctx, name, password); err != nil {
		return err
	}
	return s.record(ctx, by, audit.AccountPassword, name, "")
}

const accountCols = userCols + `, source, role_changed, role_changed_by`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var changed int64
	u, err := scanUser(row, &a.Source, &changed, &a.RoleChangedBy)
	if err != nil {
		return Account{}, err
	}
	a.User = u
	if changed != 0 {
		a.RoleChanged = sqldb.Time(changed)
	}
	return a, nil
}

func loadAccount(ctx context.Context, q interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}, name string) (Account, error) {
	return scanAccount(q.QueryRow(ctx, `SELECT `+accountCols+` FROM users WHERE name = ?`, normName(name)))
}

// Account returns the account named name with its source and last role change.
func (s *Store) Account(ctx context.Context, name string) (Account, error) {
	return loadAccount(ctx, s.db, name)
}

// Accounts lists every account by name, for the administrators' page.
func (s *Store) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := s.db.Query(ctx, `SELECT `+accountCols+` FROM users ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// UserEmail is the address of an enabled account, "" for a disabled one or one without an
// address, ErrNotFound for a name that is not an account: what ticketing needs to tell an
// office's members of a new assignment (ticketing.UserDirectory, through app).
func (s *Store) UserEmail(ctx context.Context, name string) (string, error) {
	u, err := s.User(ctx, name)
	if err != nil {
		return "", err
	}
	if u.Disabled {
		return "", nil
	}
	return u.Email, nil
}
