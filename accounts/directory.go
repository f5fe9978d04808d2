package accounts

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"sportello/audit"
	"sportello/internal/role"
	"sportello/internal/sqldb"
)

// Login through the Region's LDAP or Active Directory server, for staff (optional; KB-8). The
// directory checks the password and says which groups the person is in; a mapping from groups
// to roles decides the role. The account is created here at the first login, with the mapped
// role (recorded in the audit log, actor "ldap"), and its name, e-mail and role follow the
// directory at every later login — taking someone out of a group takes the role away at their
// next login. Local accounts keep working beside it: a name that is a local account is always
// checked here, never against the directory, so a directory entry cannot take over a local
// account. An administrator may still disable a directory account here.
//
// The user's DN is found either from a template (`uid=%s,ou=people,dc=…`, or `%s@regione.it`
// for Active Directory's user principal names), binding as the user directly, or by a search
// under a base with a filter (`(sAMAccountName=%s)`) as a service account, then binding as the
// DN found. Groups are the user's memberOf values and, when a group base is set, the groups
// found there with the group filter (`(member=%s)`, %s the user's DN). The library is
// github.com/go-ldap/ldap/v3; values put into filters and DNs are escaped.

// DirectoryConfig configures the directory login; URL empty means off.
type DirectoryConfig struct {
	URL      string // ldap://host:389 or ldaps://host:636
	StartTLS bool   // upgrade an ldap:// connection with StartTLS
	CAFile   string // PEM certificates to trust for TLS; empty: the system's
	// UserDN is the template of a user's DN, %s the login name: the user binds directly.
	UserDN string
	// BindDN and BindPassword are the service account that searches for the user under Base with
	// Filter (%s the login name), when UserDN is empty.
	BindDN, BindPassword string
	Base                 string
	Filter               string // default (uid=%s)
	// GroupBase and GroupFilter find the user's groups (%s the user's DN); with GroupBase empty
	// only the user's memberOf values count.
	GroupBase   string
	GroupFilter string // default (|(member=%s)(uniqueMember=%s))
	// Roles maps groups to roles, first match first: "operator:cn=operatori,ou=gruppi,dc=…;
	// level2:Secondo livello" (a group's DN, or the value of its first RDN, case-insensitive).
	Roles string
	// NameAttr and MailAttr are the attributes of the display name and the e-mail address.
	NameAttr, MailAttr string
	Timeout            time.Duration // per connection and operation; default 10 s
}

// EnvLDAPBindPassword holds the service account's password: never a flag, which `ps` would show.
const EnvLDAPBindPassword = "SPORTELLO_LDAP_BIND_PASSWORD"

// AddFlags adds the directory flags of `sportello serve` to fs.
func (c *DirectoryConfig) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.URL, "ldap-url", "", "LDAP or Active Directory server for staff login, ldap://host:389 or ldaps://host:636 (off when empty)")
	fs.BoolVar(&c.StartTLS, "ldap-starttls", false, "upgrade the ldap:// connection with StartTLS")
	fs.StringVar(&c.CAFile, "ldap-ca", "", "PEM file of the certificates to trust for the directory's TLS")
	fs.StringVar(&c.UserDN, "ldap-user-dn", "", "template of a user's DN, %s the login name (e.g. uid=%s,ou=people,dc=regione,dc=it or %s@regione.it)")
	fs.StringVar(&c.BindDN, "ldap-bind-dn", "", "service account that searches for users (password in $"+EnvLDAPBindPassword+")")
	fs.StringVar(&c.Base, "ldap-base", "", "where to search for users")
	fs.StringVar(&c.Filter, "ldap-filter", "", "filter that finds a user, %s the login name (default (uid=%s); Active Directory: (sAMAccountName=%s))")
	fs.StringVar(&c.GroupBase, "ldap-group-base", "", "where to search for the user's groups (empty: the user's memberOf)")
	fs.StringVar(&c.GroupFilter, "ldap-group-filter", "", "filter that finds the user's groups, %s the user's DN (default (|(member=%s)(uniqueMember=%s)))")
	fs.StringVar(&c.Roles, "ldap-roles", "", "groups to roles, first match first: role:group;role:group (group: a DN or its name)")
	fs.StringVar(&c.NameAttr, "ldap-name-attr", "", "attribute of the display name (default displayName, then cn)")
	fs.StringVar(&c.MailAttr, "ldap-mail-attr", "", "attribute of the e-mail address (default mail)")
}

// groupRole is one entry of the mapping.
type groupRole struct {
	group string   // as written
	dn    *ldap.DN // when the group is written as a DN
	role  role.Role
}

// Directory is a configured directory login.
type Directory struct {
	cfg   DirectoryConfig
	roles []groupRole
	tls   *tls.Config
	log   *slog.Logger
}

// DirectoryError is a refused directory configuration, naming the setting.
type DirectoryError struct{ Setting, Msg string }

func (e *DirectoryError) Error() string { return "directory LDAP, " + e.Setting + ": " + e.Msg }

// NewDirectory checks cfg and returns the directory login; nil, nil when cfg.URL is empty.
// Nothing is contacted yet: a directory that is down stops logins through it, not the server.
func NewDirectory(cfg DirectoryConfig, log *slog.Logger) (*Directory, error) {
	if cfg.URL == "" {
		return nil, nil
	}
	if log == nil {
		log = slog.Default()
	}
	if !strings.HasPrefix(cfg.URL, "ldap://") && !strings.HasPrefix(cfg.URL, "ldaps://") {
		return nil, &DirectoryError{"--ldap-url", fmt.Sprintf("%q non è un indirizzo ldap:// o ldaps://", cfg.URL)}
	}
	if cfg.UserDN == "" && cfg.Base == "" {
		return nil, &DirectoryError{"--ldap-user-dn / --ldap-base", "indicare il modello del DN degli utenti o dove cercarli"}
	}
	if cfg.UserDN != "" && !strings.Contains(cfg.UserDN, "%s") {
		return nil, &DirectoryError{"--ldap-user-dn", "il modello deve contenere %s al posto del nome utente"}
	}
	if cfg.Filter == "" {
		cfg.Filter = "(uid=%s)"
	}
	if cfg.GroupFilter == "" {
		cfg.GroupFilter = "(|(member=%s)(uniqueMember=%s))"
	}
	for name, f := range map[string]string{"--ldap-filter": cfg.Filter, "--ldap-group-filter": cfg.GroupFilter} {
		if _, err := ldap.CompileFilter(strings.ReplaceAll(f, "%s", "x")); err != nil || !strings.Contains(f, "%s") {
			return nil, &DirectoryError{name, fmt.Sprintf("%q non è un filtro LDAP con %%s", f)}
		}
	}
	if cfg.NameAttr == "" {
		cfg.NameAttr = "displayName"
	}
	if cfg.MailAttr == "" {
		cfg.MailAttr = "mail"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	d := &Directory{cfg: cfg, log: log}
	for _, item := range strings.Split(cfg.Roles, ";") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		name, group, ok := strings.Cut(item, ":")
		r, err := role.Parse(strings.TrimSpace(name))
		if !ok || err != nil || strings.TrimSpace(group) == "" {
			return nil, &DirectoryError{"--ldap-roles", fmt.Sprintf("%q: scrivere ruolo:gruppo, con un ruolo fra %s", item, roleList())}
		}
		gr := groupRole{group: strings.TrimSpace(group), role: r}
		if strings.Contains(gr.group, "=") {
			if gr.dn, err = ldap.ParseDN(gr.group); err != nil {
				return nil, &DirectoryError{"--ldap-roles", fmt.Sprintf("%q non è un DN valido: %v", gr.group, err)}
			}
		}
		d.roles = append(d.roles, gr)
	}
	if len(d.roles) == 0 {
		return nil, &DirectoryError{"--ldap-roles", "indicare quali gruppi danno quale ruolo: senza, nessuno potrebbe accedere"}
	}
	host := strings.TrimPrefix(strings.TrimPrefix(cfg.URL, "ldaps://"), "ldap://")
	if h, _, err := net.SplitHostPort(strings.TrimSuffix(host, "/")); err == nil {
		host = h
	}
	d.tls = &tls.Config{ServerName: strings.TrimSuffix(host, "/"), MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, &DirectoryError{"--ldap-ca", err.Error()}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &DirectoryError{"--ldap-ca", "nessun certificato PEM nel file"}
		}
		d.tls.RootCAs = pool
	}
	return d, nil
}

func roleList() string {
	names := make([]string, len(role.Staff))
	for i, r := range role.Staff {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// Errors of a directory login.
var (
	// ErrDirectoryUnavailable: the directory could not be reached or refused the service
	// account; the person cannot tell, the administrator must (the cause is logged).
	ErrDirectoryUnavailable = errors.New("il servizio di accesso della Regione (directory) non risponde: riprovare fra poco o usare un account locale")
	// ErrNoDirectoryRole: the password is right, but no group of the person gives a role.
	ErrNoDirectoryRole = errors.New("il suo account della directory non fa parte di nessun gruppo abilitato a Sportello: chiedere all'amministratore")
	// ErrDirectoryRole: a directory account's role follows its groups, not this page.
	ErrDirectoryRole = errors.New("il ruolo di un account della directory segue i suoi gruppi: cambiarlo nella directory")
	// ErrDirectoryPassword: a directory account's password is the directory's.
	ErrDirectoryPassword = errors.New("la password di un account della directory si cambia nella directory")
)

// directoryActor is who the audit log names for what a directory login changes.
const directoryActor = "ldap"

// DirectoryUser is what the directory says of a person who logged in.
type DirectoryUser struct {
	Name, DN, DisplayName, Email string
	Groups                       []string
	Role                         role.Role
}

// UseDirectory turns the directory login on (d nil: off).
func (s *Store) UseDirectory(d *Directory) { s.dir = d }

// Authenticate checks name and password against the directory and finds the role: ErrBadLogin
// for an unknown name or a wrong password, ErrNoDirectoryRole when no group maps to a role,
// ErrDirectoryUnavailable when the directory cannot answer.
func (d *Directory) Authenticate(ctx context.Context, name, password string) (*DirectoryUser, error) {
	name = normName(name)
	if password == "" || CheckName(name) != nil {
		return nil, ErrBadLogin // an empty password is an anonymous bind, which "succeeds"
	}
	dialer := &net.Dialer{Timeout: d.cfg.Timeout}
	conn, err := ldap.DialURL(d.cfg.URL, ldap.DialWithDialer(dialer), ldap.DialWithTLSConfig(d.tls))
	if err != nil {
		d.log.Error("directory: connect", "url", d.cfg.URL, "err", err)
		return nil, ErrDirectoryUnavailable
	}
	defer conn.Close()
	conn.SetTimeout(d.cfg.Timeout)
	if stop := context.AfterFunc(ctx, func() { conn.Close() }); stop != nil {
		defer stop()
	}
	if d.cfg.StartTLS {
		if err := conn.StartTLS(d.tls); err != nil {
			d.log.Error("directory: StartTLS", "err", err)
			return nil, ErrDirectoryUnavailable
		}
	}
	attrs := []string{d.cfg.NameAttr, "cn", d.cfg.MailAttr, "memberOf"}
	var entry *ldap.Entry
	if d.cfg.UserDN != "" {
		dn := strings.ReplaceAll(d.cfg.UserDN, "%s", ldap.EscapeDN(name))
		if err := d.bind(conn, dn, password); err != nil {
			return nil, err
		}
		// Active Directory's user@domain is not a DN to read: then only the groups found by
		// the group search count.
		if _, perr := ldap.ParseDN(dn); perr == nil && strings.Contains(dn, "=") {
			if entry, err = d.one(conn, dn, ldap.ScopeBaseObject, "(objectClass=*)", attrs); err != nil {
				return nil, err
			}
		}
		if entry == nil {
			entry = &ldap.Entry{DN: dn}
		}
	} else {
		if err := d.service(conn); err != nil {
			return nil, err
		}
		filter := strings.ReplaceAll(d.cfg.Filter, "%s", ldap.EscapeFilter(name))
		if entry, err = d.one(conn, d.cfg.Base, ldap.ScopeWholeSubtree, filter, attrs); err != nil {
			return nil, err
		}
		if entry == nil {
			return nil, ErrBadLogin
		}
		if err := d.bind(conn, entry.DN, password); err != nil {
			return nil, err
		}
	}
	u := &DirectoryUser{Name: name, DN: entry.DN, Email: strings.TrimSpace(entry.GetAttributeValue(d.cfg.MailAttr)),
		DisplayName: strings.TrimSpace(entry.GetAttributeValue(d.cfg.NameAttr))}
	if u.DisplayName == "" {
		u.DisplayName = strings.TrimSpace(entry.GetAttributeValue("cn"))
	}
	u.Groups = append(u.Groups, entry.GetAttributeValues("memberOf")...)
	if d.cfg.GroupBase != "" {
		if d.cfg.BindDN != "" {
			// The groups may be readable only by the service account.
			if err := d.service(conn); err != nil {
				return nil, err
			}
		}
		filter := strings.ReplaceAll(d.cfg.GroupFilter, "%s", ldap.EscapeFilter(entry.DN))
		res, err := conn.Search(ldap.NewSearchRequest(d.cfg.GroupBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
			1000, int(d.cfg.Timeout/time.Second), false, filter, []string{"cn"}, nil))
		if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
			d.log.Error("directory: group search", "base", d.cfg.GroupBase, "err", err)
			return nil, ErrDirectoryUnavailable
		}
		if res != nil {
			for _, g := range res.Entries {
				u.Groups = append(u.Groups, g.DN)
			}
		}
	}
	if u.Role = d.roleOf(u.Groups); u.Role == "" {
		d.log.Warn("directory: login without a mapped group", "user", name, "groups", len(u.Groups))
		return nil, ErrNoDirectoryRole
	}
	return u, nil
}

// bind binds as dn: a wrong password (or unknown DN) is ErrBadLogin, anything else is the
// directory's trouble.
func (d *Directory) bind(conn *ldap.Conn, dn, password string) error {
	err := conn.Bind(dn, password)
	switch {
	case err == nil:
		return nil
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials), ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject),
		ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidDNSyntax), ldap.IsErrorWithCode(err, ldap.LDAPResultUnwillingToPerform):
		return ErrBadLogin
	}
	d.log.Error("directory: bind", "err", err)
	return ErrDirectoryUnavailable
}

// service binds as the service account (anonymously when none is configured).
func (d *Directory) service(conn *ldap.Conn) error {
	var err error
	if d.cfg.BindDN == "" {
		err = conn.UnauthenticatedBind("")
	} else {
		err = conn.Bind(d.cfg.BindDN, d.cfg.BindPassword)
	}
	if err != nil {
		d.log.Error("directory: the service account cannot bind", "bind-dn", d.cfg.BindDN, "err", err)
		return ErrDirectoryUnavailable
	}
	return nil
}

// one finds the entry of a search that must find at most one; nil when none, or more than one
// (a filter that matches two people must not let either in).
func (d *Directory) one(conn *ldap.Conn, base string, scope int, filter string, attrs []string) (*ldap.Entry, error) {
	res, err := conn.Search(ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, 2,
		int(d.cfg.Timeout/time.Second), false, filter, attrs, nil))
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
		return nil, nil
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded):
		d.log.Warn("directory: a login name matches more than one entry", "filter", filter)
		return nil, nil
	case err != nil:
		d.log.Error("directory: search", "base", base, "err", err)
		return nil, ErrDirectoryUnavailable
	}
	if len(res.Entries) != 1 {
		return nil, nil
	}
	return res.Entries[0], nil
}

// roleOf is the role of the first mapping entry that one of groups matches, or "".
func (d *Directory) roleOf(groups []string) role.Role {
	for _, gr := range d.roles {
		for _, g := range groups {
			dn, err := ldap.ParseDN(g)
			switch {
			case err != nil:
				continue
			case gr.dn != nil && gr.dn.EqualFold(dn):
				return gr.role
			case gr.dn == nil && len(dn.RDNs) > 0 && len(dn.RDNs[0].Attributes) > 0 &&
				strings.EqualFold(dn.RDNs[0].Attributes[0].Value, gr.group):
				return gr.role
			}
		}
	}
	return ""
}

// checkCredentials is the password check of Login: a local account against its hash; a name
// that is not a local account against the directory, when there is one, creating or updating
// the account from what it says. ok is false for a wrong name or password; hash is the local
// hash (empty for a directory account), for Login's rehash.
func (s *Store) checkCredentials(ctx context.Context, name, password string) (u User, hash string, ok bool, err error) {
	a, err := scanAccountHash(s.db.QueryRow(ctx, `SELECT `+accountCols+`, password_hash FROM users WHERE name = ?`, name), &hash)
	switch {
	case err == nil && a.Source != SourceDirectory:
		return a.User, hash, VerifyPassword(hash, password), nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return User{}, "", false, err
	case s.dir == nil:
		// Spend the same time as a real check, so response times do not reveal which names exist.
		VerifyPassword(dummyHash(), password)
		return User{}, "", false, nil
	}
	du, err := s.dir.Authenticate(ctx, name, password)
	if errors.Is(err, ErrBadLogin) {
		return User{}, "", false, nil
	}
	if err != nil {
		return User{}, "", false, err
	}
	u, err = s.syncDirectoryUser(ctx, du)
	return u, "", err == nil, err
}

func scanAccountHash(row interface{ Scan(...any) error }, hash *string) (Account, error) {
	var a Account
	var changed int64
	u, err := scanUser(row, &a.Source, &changed, &a.RoleChangedBy, hash)
	if err != nil {
		return Account{}, err
	}
	a.User = u
	return a, nil
}

// syncDirectoryUser creates the account of a directory login, or brings its name, e-mail and
// role up to date; a new account and a changed role are recorded in the audit log.
func (s *Store) syncDirectoryUser(ctx context.Context, du *DirectoryUser) (User, error) {
	by := Actor{Name: directoryActor}
	display := du.DisplayName
	if display == "" {
		display = du.Name
	}
	var created bool
	var old role.Role
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		a, err := loadAccount(ctx, tx, du.Name)
		now := sqldb.Millis(s.Now())
		if errors.Is(err, ErrNotFound) {
			created = true
			_, err = tx.Exec(ctx, `INSERT INTO users (name, display_name, email, role, password_hash, disabled, created, updated, source)
				VALUES (?, ?, ?, ?, '', 0, ?, ?, ?)`, du.Name, display, du.Email, string(du.Role), now, now, string(SourceDirectory))
			return err
		}
		if err != nil {
			return err
		}
		if a.Source != SourceDirectory {
			return ErrBadLogin // a local account of the same name: never taken over
		}
		old = a.Role
		if old != du.Role {
			_, err = tx.Exec(ctx, `UPDATE users SET display_name = ?, email = ?, role = ?, role_changed = ?, role_changed_by = ?,
				updated = ? WHERE id = ?`, display, du.Email, string(du.Role), now, directoryActor, now, a.ID)
		} else if a.DisplayName != display || a.Email != du.Email {
			_, err = tx.Exec(ctx, `UPDATE users SET display_name = ?, email = ?, updated = ? WHERE id = ?`, display, du.Email, now, a.ID)
		}
		return err
	})
	if err != nil {
		return User{}, err
	}
	switch {
	case created:
		err = s.record(ctx, by, audit.AccountCreate, du.Name, "primo accesso dalla directory, ruolo: "+du.Role.Label())
	case old != du.Role:
		err = s.record(ctx, by, audit.AccountRole, du.Name, old.Label()+" → "+du.Role.Label()+" (gruppi della directory)")
	}
	if err != nil {
		return User{}, err
	}
	return s.User(ctx, du.Name)
}
