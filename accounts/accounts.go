// Package accounts owns who may use Sportello (REQUIREMENTS KB-8, KB-14): local users with one
// role each (internal/role), in the operational SQL database; passwords hashed with argon2id;
// sessions as random tokens stored hashed, with a CSRF token per session; login throttling that
// cannot be turned against users (internal/ratelimit's LoginThrottle: progressive delays per
// account and client address, a budget per address that spares accounts known there, atomic
// counting; in memory, so a restart forgets it); the demo accounts. Its subpackage accesslog
// records who read which pill.
//
// No HTTP here: cookies, headers and the CSRF check of a request are web/webkit's, the login
// pages web's. The web server asks this package who the caller is; deny by default lives in the
// web route table.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"sportello/internal/ratelimit"
	"sportello/internal/role"
	"sportello/internal/sqldb"
)

// User is an account.
type User struct {
	ID          int64
	Name        string // login name
	DisplayName string
	Email       string
	Role        role.Role
	Disabled    bool
	Created     time.Time
	Updated     time.Time
}

// Session is a logged-in browser.
type Session struct {
	User     User
	CSRF     string // token every state-changing request must echo
	Created  time.Time
	LastSeen time.Time
	Expires  time.Time
}

var (
	ErrNotFound      = errors.New("utente inesistente")
	ErrExists        = errors.New("esiste già un utente con questo nome")
	ErrBadLogin      = errors.New("nome utente o password errati")
	ErrDisabled      = errors.New("utente disabilitato")
	ErrThrottled     = errors.New("troppi tentativi di accesso falliti: riprovare fra qualche minuto")
	ErrNoSession     = errors.New("sessione assente o scaduta: accedere di nuovo")
	ErrBadCSRF       = errors.New("token di sicurezza (CSRF) mancante o non valido: ricaricare la pagina")
	ErrWrongPassword = errors.New("la password attuale non è corretta")
)

// ThrottledError refuses a login after too many failures; it matches ErrThrottled with
// errors.Is. RetryAfter is when the next attempt may succeed, for the Retry-After header;
// Address tells that the client's address made too many failures across accounts, rather
// than this account from this address.
type ThrottledError struct {
	RetryAfter time.Duration
	Address    bool
}

func (e *ThrottledError) Error() string {
	what := "troppi tentativi di accesso falliti"
	if e.Address {
		what = "troppi tentativi di accesso falliti da questo indirizzo"
	}
	return what + ": riprovare fra " + waitText(e.RetryAfter)
}

func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// waitText writes a wait in Italian, rounded up: "1 secondo", "40 secondi", "15 minuti".
func waitText(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	switch {
	case secs <= 1:
		return "1 secondo"
	case secs < 60:
		return strconv.Itoa(secs) + " secondi"
	case secs <= 60:
		return "1 minuto"
	}
	return strconv.Itoa((secs+59)/60) + " minuti"
}

// PasswordError says why a new password is refused.
type PasswordError struct{ Reason string }

func (e *PasswordError) Error() string { return "password non valida: " + e.Reason }

// Config holds the security settings; the zero value means the defaults.
//
// Login throttling (ratelimit.LoginThrottle): an account may fail MaxFailures times from one
// address at once; then each attempt from that address waits a delay that starts at 1 s and
// doubles with each failure, up to FailureWindow. Failures from other addresses never delay
// the account's owner. One address may fail AddressLimit times across all accounts (a budget
// that comes back over time); a pair that logged in successfully in the last 30 days is not
// held by it, so colleagues behind one address keep working. (MaxFailures and FailureWindow
// were a lock of the account for a window before; the names and their variables stay.)
type Config struct {
	SessionTTL     time.Duration // absolute lifetime of a session (default 12 h: one working day)
	IdleTimeout    time.Duration // a session unused this long ends (default 2 h)
	MaxFailures    int           // failed logins of an account from one address before the first delay (default 3)
	FailureWindow  time.Duration // the longest delay between attempts after failures (default 15 min)
	AddressLimit   string        // failures one address may make across accounts, as "30/30m" (ratelimit.ParseConfig; default 30/30m: 30 at once, one more a minute)
	MinPasswordLen int           // default 10
}

func (c Config) withDefaults() Config {
	if c.SessionTTL == 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 2 * time.Hour
	}
	if c.MaxFailures == 0 {
		c.MaxFailures = 3
	}
	if c.AddressLimit == "" {
		c.AddressLimit = "30/30m"
	}
	if c.FailureWindow == 0 {
		c.FailureWindow = 15 * time.Minute
	}
	if c.MinPasswordLen == 0 {
		c.MinPasswordLen = 10
	}
	return c
}

// Store is the account store.
type Store struct {
	db       *sqldb.DB
	cfg      Config
	throttle *ratelimit.LoginThrottle
	audit    Auditor    // the administrators' acts (admin.go); nil: not recorded
	dir      *Directory // LDAP / Active Directory login for staff (directory.go); nil: local accounts only
	// Now is the clock; tests replace it (the login throttle reads it too).
	Now func() time.Time
}

var migrations = []sqldb.Migration{
	{Version: 1, SQL: `
CREATE TABLE users (
	id {{ID}},
	name TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	email TEXT NOT NULL,
	role TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0,
	created BIGINT NOT NULL,
	updated BIGINT NOT NULL
);
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users(id),
	csrf TEXT NOT NULL,
	created BIGINT NOT NULL,
	last_seen BIGINT NOT NULL,
	expires BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE login_failures (
	id {{ID}},
	subject TEXT NOT NULL,
	at BIGINT NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (subject, at);
`},
}

// New opens the account store on db, creating its tables when missing. A wrong AddressLimit is
// an error naming the setting.
func New(ctx context.Context, db *sqldb.DB, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	addr, err := ratelimit.ParseConfig(cfg.AddressLimit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvAddressLimit, err)
	}
	if err := db.Migrate(ctx, "auth", migrations); err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, "auth.profile", profileMigrations); err != nil {
		return nil, err
	}
	s := &Store{db: db, cfg: cfg, Now: time.Now}
	// The login_failures table of the migration is no longer written: the throttle counts in
	// memory, under one lock, which is what makes fifty parallel guesses count as fifty.
	s.throttle = ratelimit.NewLoginThrottle(ratelimit.LoginPolicy{
		FreeFailures:  cfg.MaxFailures,
		BaseDelay:     time.Second,
		MaxDelay:      cfg.FailureWindow,
		AddressBudget: addr.Burst,
		AddressRefill: addr.Every,
		Now:           func() time.Time { return s.Now() },
	})
	return s, nil
}

// Config returns the settings in force.
func (s *Store) Config() Config { return s.cfg }

// maxPasswordLen bounds the work one login can ask of argon2 and of the request parser; a
// passphrase of 256 characters is still allowed.
const maxPasswordLen = 256

// CheckPassword applies the password rules: long enough, not only letters or only digits, not
// containing the user name, not a well-known password nor a common word with a few digits
// (passwords.go).
func (s *Store) CheckPassword(name, password string) error {
	n := utf8.RuneCountInString(password)
	if n < s.cfg.MinPasswordLen {
		return &PasswordError{fmt.Sprintf("servono almeno %d caratteri", s.cfg.MinPasswordLen)}
	}
	if n > maxPasswordLen {
		return &PasswordError{fmt.Sprintf("sono ammessi al massimo %d caratteri", maxPasswordLen)}
	}
	if !utf8.ValidString(password) || strings.IndexFunc(password, unicode.IsControl) >= 0 {
		return &PasswordError{"contiene caratteri di controllo non ammessi"}
	}
	var letters, others bool
	for _, r := range password {
		if unicode.IsLetter(r) {
			letters = true
		} else {
			others = true
		}
	}
	if !letters || !others {
		return &PasswordError{"usare sia lettere sia cifre o simboli"}
	}
	if why := guessable(password); why != "" {
		return &PasswordError{why}
	}
	if name = normName(name); name != "" && strings.Contains(strings.ToLower(password), name) {
		return &PasswordError{"non deve contenere il nome utente"}
	}
	return nil
}

// CheckName applies the rules for login names: 1 to 64 characters among lower-case letters,
// digits and . _ - @, so that a name is also safe in a log line, a URL and a shell argument.
// Names are compared in lower case: "Mario.Rossi" and "mario.rossi" are one account.
func CheckName(name string) error {
	if name == "" {
		return &NameError{"manca il nome utente"}
	}
	if utf8.RuneCountInString(name) > 64 {
		return &NameError{"il nome utente supera i 64 caratteri"}
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)) {
			return &NameError{fmt.Sprintf("il carattere %q non è ammesso nel nome utente (usare lettere minuscole, cifre e . _ - @)", r)}
		}
	}
	return nil
}

// NameError says why a login name is refused.
type NameError struct{ Reason string }

func (e *NameError) Error() string { return "nome utente non valido: " + e.Reason }

func normName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// AddUser creates an account.
func (s *Store) AddUser(ctx context.Context, u User, password string) (User, error) {
	u.Name = normName(u.Name)
	if err := CheckName(u.Name); err != nil {
		return User{}, err
	}
	r, err := parseRole(string(u.Role))
	if err != nil {
		return User{}, err
	}
	u.Role = r
	if err := s.CheckPassword(u.Name, password); err != nil {
		return User{}, err
	}
	if u.DisplayName == "" {
		u.DisplayName = u.Name
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	now := s.Now().UTC()
	u.Created, u.Updated = now, now
	err = s.db.QueryRow(ctx, `INSERT INTO users (name, display_name, email, role, password_hash, disabled, created, updated)
		VALUES (?, ?, ?, ?, ?, 0, ?, ?) RETURNING id`,
		u.Name, u.DisplayName, u.Email, string(u.Role), hash, sqldb.Millis(now), sqldb.Millis(now)).Scan(&u.ID)
	if err != nil {
		if _, e := s.User(ctx, u.Name); e == nil {
			return User{}, ErrExists
		}
		return User{}, err
	}
	return u, nil
}

const userCols = `id, name, display_name, email, role, disabled, created, updated`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (User, error) {
	var u User
	var stored string
	var disabled int
	var created, updated int64
	dest := append([]any{&u.ID, &u.Name, &u.DisplayName, &u.Email, &stored, &disabled, &created, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return User{}, ErrNotFound
		}
		return User{}, err
	}
	u.Role, u.Disabled = role.Role(stored), disabled != 0
	u.Created, u.Updated = sqldb.Time(created), sqldb.Time(updated)
	return u, nil
}

// User returns the account named name.
func (s *Store) User(ctx context.Context, name string) (User, error) {
	return scanUser(s.db.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE name = ?`, normName(name)))
}

// Users lists every account by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.Query(ctx, `SELECT `+userCols+` FROM users ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetPassword replaces a user's password (administrators, `sportello user passwd`) and ends the
// user's sessions.
func (s *Store) SetPassword(ctx context.Context, name, password string) error {
	name = normName(name)
	if err := s.CheckPassword(name, password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, updated = ? WHERE name = ?`, hash, sqldb.Millis(s.Now()), name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?)`, name)
		return err
	})
}

// ChangePassword is the user's own change: the old password is required.
func (s *Store) ChangePassword(ctx context.Context, name, old, password string) error {
	name = normName(name)
	var hash string
	if err := s.db.QueryRow(ctx, `SELECT password_hash FROM users WHERE name = ?`, name).Scan(&hash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	}
	if !VerifyPassword(hash, old) {
		return ErrWrongPassword
	}
	return s.SetPassword(ctx, name, password)
}

// SetDisabled disables (ending every session) or re-enables an account.
func (s *Store) SetDisabled(ctx context.Context, name string, disabled bool) error {
	name = normName(name)
	flag := 0
	if disabled {
		flag = 1
	}
	return s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET disabled = ?, updated = ? WHERE name = ?`, flag, sqldb.Millis(s.Now()), name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if disabled {
			_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?)`, name)
		}
		return err
	})
}

// Login checks a name and password from client address ip and opens a session. It returns the
// session token for the cookie. Before the password is checked, the login throttle must let the
// attempt through (see Config); a refusal is a *ThrottledError saying how long to wait, and no
// password is checked, so guessing gets nowhere. The attempt counts as a failure until the
// password turns out right.
func (s *Store) Login(ctx context.Context, name, password, ip string) (string, *Session, error) {
	name = normName(name)
	now := s.Now().UTC()
	attempt, allowed, wait, why := s.throttle.Begin(name, ip)
	if !allowed {
		return "", nil, &ThrottledError{RetryAfter: max(wait, time.Second), Address: why == ratelimit.RefusedAddress}
	}
	// A local account's hash, or the directory for a name that is not a local one (directory.go).
	u, hash, ok, err := s.checkCredentials(ctx, name, password)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "", nil, ErrBadLogin
	}
	attempt.Succeeded()
	if u.Disabled {
		return "", nil, ErrDisabled
	}
	if needsRehash(hash) {
		// The parameters were raised since this hash was made: the password is at hand now,
		// and only now, to bring the hash up to date.
		if nh, err := HashPassword(password); err == nil {
			s.db.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, nh, u.ID)
		}
	}
	token, csrf := randomToken(), randomToken()
	sess := &Session{User: u, CSRF: csrf, Created: now, LastSeen: now, Expires: now.Add(s.cfg.SessionTTL)}
	_, err = s.db.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf, created, last_seen, expires) VALUES (?, ?, ?, ?, ?, ?)`,
		hashToken(token), u.ID, csrf, sqldb.Millis(now), sqldb.Millis(now), sqldb.Millis(sess.Expires))
	if err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// Session resolves a session token. Expired or idle sessions are deleted and refused.
func (s *Store) Session(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, ErrNoSession
	}
	now := s.Now().UTC()
	var csrf string
	var created, lastSeen, expires int64
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT u.id, u.name, u.display_name, u.email, u.role, u.disabled, u.created, u.updated,
		s.csrf, s.created, s.last_seen, s.expires
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, hashToken(token)),
		&csrf, &created, &lastSeen, &expires)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	sess := &Session{User: u, CSRF: csrf, Created: sqldb.Time(created), LastSeen: sqldb.Time(lastSeen), Expires: sqldb.Time(expires)}
	if u.Disabled || !now.Before(sess.Expires) || now.Sub(sess.LastSeen) >= s.cfg.IdleTimeout {
		s.Logout(ctx, token)
		return nil, ErrNoSession
	}
	// Refresh last-seen at most once a minute: a write per request would serialise SQLite.
	if now.Sub(sess.LastSeen) > time.Minute {
		sess.LastSeen = now
		if _, err := s.db.Exec(ctx, `UPDATE sessions SET last_seen = ? WHERE token_hash = ?`, sqldb.Millis(now), hashToken(token)); err != nil {
			return nil, err
		}
	}
	return sess, nil
}

// Prune deletes expired and idle sessions, and the login failures an older version kept in the
// database. Session cleans up after itself as it meets old rows; Prune is for a periodic sweep,
// so the table does not grow with sessions nobody comes back to.
func (s *Store) Prune(ctx context.Context) error {
	now := s.Now().UTC()
	if _, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE expires <= ? OR last_seen <= ?`,
		sqldb.Millis(now), sqldb.Millis(now.Add(-s.cfg.IdleTimeout))); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `DELETE FROM login_failures`)
	return err
}

// Logout ends a session.
func (s *Store) Logout(ctx context.Context, token string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hashToken(token))
	return err
}

// CheckCSRF compares the token a request sent with the session's, in constant time.
func CheckCSRF(sess *Session, sent string) error {
	if sess == nil || sent == "" || subtle.ConstantTimeCompare([]byte(sess.CSRF), []byte(sent)) != 1 {
		return ErrBadCSRF
	}
	return nil
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is what the database keeps of a session token: a stolen database backup does not
// hand out live sessions.
func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// argon2id parameters: OWASP's minimum recommendation (19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format, with a random salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	h := Hash{Memory: argonMemory, Time: argonTime, Threads: argonThreads, Salt: salt}
	h.Key = argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return h.String(), nil
}

// Hash is a decoded argon2id PHC string.
type Hash struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	Salt    []byte
	Key     []byte
}

// Limits on the parameters ParseHash accepts: a hash is read from the database, but a corrupt
// or planted one must not make a login allocate gigabytes or spin for minutes.
const (
	maxArgonMemory = 256 * 1024
	maxArgonTime   = 16
	maxArgonKeyLen = 128
)

// ParseHash decodes "$argon2id$v=19$m=19456,t=2,p=1$SALT$KEY" (unpadded standard base64).
func ParseHash(encoded string) (*Hash, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return nil, errors.New("password hash: not an argon2id PHC string")
	}
	if parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return nil, fmt.Errorf("password hash: unsupported version %q", parts[2])
	}
	var h Hash
	var threads uint32
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return nil, fmt.Errorf("password hash: bad parameter %q", kv)
		}
		switch k {
		case "m":
			h.Memory = uint32(n)
		case "t":
			h.Time = uint32(n)
		case "p":
			threads = uint32(n)
		default:
			return nil, fmt.Errorf("password hash: unknown parameter %q", kv)
		}
	}
	if h.Time < 1 || h.Time > maxArgonTime || threads < 1 || threads > 255 ||
		h.Memory < 8*threads || h.Memory > maxArgonMemory {
		return nil, fmt.Errorf("password hash: parameters out of range %q", parts[3])
	}
	h.Threads = uint8(threads)
	var err error
	if h.Salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(h.Salt) < 8 {
		return nil, errors.New("password hash: bad salt")
	}
	if h.Key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(h.Key) < 16 || len(h.Key) > maxArgonKeyLen {
		return nil, errors.New("password hash: bad key")
	}
	return &h, nil
}

// String encodes h back in the PHC format.
func (h *Hash) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.Memory, h.Time, h.Threads,
		base64.RawStdEncoding.EncodeToString(h.Salt), base64.RawStdEncoding.EncodeToString(h.Key))
}

// needsRehash reports whether a hash was made with weaker parameters than the current ones.
func needsRehash(encoded string) bool {
	h, err := ParseHash(encoded)
	return err == nil && (h.Memory < argonMemory || h.Time < argonTime || len(h.Key) < argonKeyLen)
}

// VerifyPassword checks password against a PHC argon2id hash, with the parameters it records.
// A malformed hash never matches.
func VerifyPassword(encoded, password string) bool {
	h, err := ParseHash(encoded)
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), h.Salt, h.Time, h.Memory, h.Threads, uint32(len(h.Key)))
	return subtle.ConstantTimeCompare(got, h.Key) == 1
}

// dummyHash is what a login for an unknown name is checked against, made on first use: every
// command of the binary imports this package, and most never check a password.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a real password 0")
	return h
})

// RunPrune prunes expired sessions and old login failures at once and then every interval,
// until ctx ends: the accounts' background job.
func (s *Store) RunPrune(ctx context.Context, every time.Duration, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.Prune(ctx); err != nil && ctx.Err() == nil {
			log.Error("accounts: pruning sessions", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
