// Package audit is the administrators' audit log (REQUIREMENTS OPS-1): who did what to the
// system — accounts, roles, settings, imports, exports, deletions, synonyms, announcements —
// when and from where, kept on the operational database (internal/sqldb, SQLite or
// PostgreSQL) and exported for the Administration as CSV or Excel for any period.
//
// The log is append-only: the package has Record and no way to change or delete an entry.
// The only removal is Prune, by the retention setting (default five years), and Prune is
// itself recorded. Entries are chained: each stores the SHA-256 of the previous entry's hash
// and its own fields, so an entry edited or removed in the database behind the product's back
// breaks the chain, and Verify says where. (This does not stop a database administrator; it
// makes their edits visible.)
//
// What goes in is decided by the callers (accounts, web, cmd); Actions lists the events they
// record. Details must never hold a password, a token or a citizen's data: an entry says that
// an account's password was reset, not to what.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sportello/internal/sqldb"
)

// Action is the kind of an administrative act, a dotted name ("account.role").
type Action string

// The events the product records (OPS-1). Callers use these constants; Label gives the Italian
// name the exports show.
const (
	AccountCreate   Action = "account.create"   // an account is created (user name, role)
	AccountUpdate   Action = "account.update"   // display name, e-mail changed
	AccountRole     Action = "account.role"     // a role is given or taken (old → new)
	AccountDisable  Action = "account.disable"  // an account is disabled (its sessions end)
	AccountEnable   Action = "account.enable"   // an account is enabled again
	AccountPassword Action = "account.password" // a password is set by an administrator or the CLI (never its value)
	AccountSessions Action = "account.sessions" // an account's sessions are ended by an administrator
	SettingsChange  Action = "settings.change"  // a setting changes (SLA figures and recipients, second approval, retention…): name, old → new
	ImportRun       Action = "import.run"       // an import (workbook, CSV, ODS, RDF, queue_log) is written: file, counts, status
	ImportDiscard   Action = "import.discard"   // an uploaded file is discarded without importing
	ExportDownload  Action = "export.download"  // a bulk export with personal or internal data: tickets, citizens, access log, audit log, full graph with drafts
	Delete          Action = "delete"           // a pill, concept, office, person, attachment or recording is deleted
	CitizenMerge    Action = "citizen.merge"    // two citizens' records are merged
	SynonymsChange  Action = "synonyms.change"  // the search synonym groups change
	Announcement    Action = "announcement"     // an IVR announcement is uploaded, activated, deleted, restored
	Telephony       Action = "telephony.change" // queues, numbers, operators' queues, IVR hours change
	Reindex         Action = "search.reindex"   // the search index is rebuilt by hand
	PhrasingRemove  Action = "search.phrasing"  // a phrasing the search learned from contacts is removed from a pill
	AuditExport     Action = "audit.export"     // this log is exported (who took it, which period)
	AuditPrune      Action = "audit.prune"      // entries older than the retention are removed
)

// Actions lists every event, in the order of the exports' legend.
var Actions = []Action{AccountCreate, AccountUpdate, AccountRole, AccountDisable, AccountEnable, AccountPassword,
	AccountSessions, SettingsChange, ImportRun, ImportDiscard, ExportDownload, Delete, CitizenMerge, SynonymsChange,
	Announcement, Telephony, Reindex, PhrasingRemove, AuditExport, AuditPrune}

var labels = map[Action]string{
	AccountCreate: "Creazione utenza", AccountUpdate: "Modifica utenza", AccountRole: "Modifica ruolo",
	AccountDisable: "Disattivazione utenza", AccountEnable: "Riattivazione utenza", AccountPassword: "Impostazione password",
	AccountSessions: "Chiusura sessioni", SettingsChange: "Modifica impostazioni", ImportRun: "Importazione",
	ImportDiscard: "Importazione scartata", ExportDownload: "Esportazione", Delete: "Eliminazione",
	CitizenMerge: "Unione anagrafiche", SynonymsChange: "Modifica sinonimi", Announcement: "Annunci IVR",
	Telephony: "Modifica telefonia", Reindex: "Ricostruzione indice", PhrasingRemove: "Rimozione frase appresa", AuditExport: "Esportazione registro",
	AuditPrune: "Pulizia registro",
}

// Label is the Italian name of the action, or the action itself when it has none.
func (a Action) Label() string {
	if l, ok := labels[a]; ok {
		return l
	}
	return string(a)
}

// Entry is one administrative act.
type Entry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`     // when; zero means now
	Actor  string    `json:"actor"`  // user name, or "sistema" for the software, "cli" prefixed for the command line
	Action Action    `json:"action"` // one of Actions
	Object string    `json:"object"` // what it acted on: "utente mario.rossi", "scheda ABC-001", "impostazione sla.planned"
	Detail string    `json:"detail,omitempty"`
	Client string    `json:"client,omitempty"` // the client's address, when there is one
	Hash   string    `json:"hash"`             // SHA-256 of the previous entry's hash and this entry's fields
}

// Field limits, in characters: longer values are cut with "…" (an audit entry is never refused
// for its length, and never unbounded).
const (
	maxActor  = 200
	maxAction = 100
	maxObject = 500
	maxDetail = 4000
	maxClient = 100
)

// Config configures a Store.
type Config struct {
	// Retention is how long entries are kept; Prune removes older ones. 0 means five years.
	Retention time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultRetention is five years.
const DefaultRetention = 5 * 365 * 24 * time.Hour

// Store is the audit log on an operational database. It is safe for concurrent use.
type Store struct {
	db        *sqldb.DB
	retention time.Duration
	now       func() time.Time
}

var migrations = []sqldb.Migration{
	{Version: 1, SQL: `
CREATE TABLE audit_log (
	id {{ID}},
	at BIGINT NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	object TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	client TEXT NOT NULL DEFAULT '',
	prev TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE TABLE audit_head (
	id INTEGER PRIMARY KEY,
	last_hash TEXT NOT NULL,
	base_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_hash, base_hash) VALUES (1, '', '')`},
}

// Open runs the audit migrations on db and returns the store.
func Open(ctx context.Context, db *sqldb.DB, cfg Config) (*Store, error) {
	if cfg.Retention < 0 {
		return nil, fmt.Errorf("audit: conservazione negativa (%s)", cfg.Retention)
	}
	if err := db.Migrate(ctx, "audit", migrations); err != nil {
		return nil, err
	}
	s := &Store{db: db, retention: cfg.Retention, now: cfg.Now}
	if s.retention == 0 {
		s.retention = DefaultRetention
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Retention is how long entries are kept.
func (s *Store) Retention() time.Duration { return s.retention }

func cut(s string, n int) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// digest chains an entry to the previous one. Fields are length-prefixed so that no two
// different entries hash alike by moving text from one field to the next.
func digest(prev string, e Entry) string {
	h := sha256.New()
	for _, f := range []string{prev, strconv.FormatInt(e.At.UnixMilli(), 10), e.Actor, string(e.Action), e.Object, e.Detail, e.Client} {
		fmt.Fprintf(h, "%d:%s\n", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Record appends e to the log and returns it with its id, time and hash. Actor, Action and
// Object are required; over-long fields are cut.
func (s *Store) Record(ctx context.Context, e Entry) (Entry, error) {
	e.Actor, e.Action, e.Object = cut(e.Actor, maxActor), Action(cut(string(e.Action), maxAction)), cut(e.Object, maxObject)
	e.Detail, e.Client = cut(e.Detail, maxDetail), cut(e.Client, maxClient)
	switch {
	case e.Actor == "":
		return Entry{}, errors.New("audit: entry without actor")
	case e.Action == "":
		return Entry{}, errors.New("audit: entry without action")
	case e.Object == "":
		return Entry{}, errors.New("audit: entry without object")
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = e.At.UTC().Truncate(time.Millisecond)
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		// Updating the head row first locks it: concurrent Records chain one after the other
		// on both engines (SQLite's immediate transactions, PostgreSQL's row lock).
		var prev string
		if err := tx.QueryRow(ctx, `UPDATE audit_head SET last_hash = last_hash WHERE id = 1 RETURNING last_hash`).Scan(&prev); err != nil {
			return fmt.Errorf("audit: head: %w", err)
		}
		e.Hash = digest(prev, e)
		if err := tx.QueryRow(ctx, `INSERT INTO audit_log (at, actor, action, object, detail, client, prev, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, sqldb.Millis(e.At), e.Actor, e.Action, e.Object, e.Detail,
			e.Client, prev, e.Hash).Scan(&e.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE audit_head SET last_hash = ? WHERE id = 1`, e.Hash)
		return err
	})
	if err != nil {
		return Entry{}, err
	}
	return e, nil
}

// Filter selects entries. The zero value selects all.
type Filter struct {
	Since  time.Time // at or after
	Until  time.Time // before
	Actor  string
	Action Action // an action, or a prefix ending in "." ("account.")
	Limit  int    // List only: 0 means 500, at most 5,000
	Offset int
}

// MaxPage is the largest page List returns; exports stream without a limit.
const MaxPage = 5000

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	if !f.Since.IsZero() {
		conds, args = append(conds, "at >= ?"), append(args, sqldb.Millis(f.Since))
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, "at < ?"), append(args, sqldb.Millis(f.Until))
	}
	if f.Actor != "" {
		conds, args = append(conds, "actor = ?"), append(args, f.Actor)
	}
	if f.Action != "" {
		if strings.HasSuffix(string(f.Action), ".") {
			conds, args = append(conds, "substr(action, 1, ?) = ?"), append(args, len(f.Action), string(f.Action))
		} else {
			conds, args = append(conds, "action = ?"), append(args, string(f.Action))
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

const columns = `id, at, actor, action, object, detail, client, hash`

func scan(r interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var at int64
	err := r.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Object, &e.Detail, &e.Client, &e.Hash)
	e.At = sqldb.Time(at)
	return e, err
}

// List returns a page of the entries f selects, newest first.
func (s *Store) List(ctx context.Context, f Filter) ([]Entry, error) {
	if f.Limit <= 0 {
		f.Limit = 500
	}
	f.Limit = min(f.Limit, MaxPage)
	where, args := f.where()
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM audit_log`+where+
		fmt.Sprintf(` ORDER BY at DESC, id DESC LIMIT %d OFFSET %d`, f.Limit, max(f.Offset, 0)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Each calls fn with every entry f selects, oldest first, one row at a time (exports of any
// size in flat memory). Limit and Offset are ignored.
func (s *Store) Each(ctx context.Context, f Filter, fn func(Entry) error) error {
	where, args := f.where()
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM audit_log`+where+` ORDER BY id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Prune removes the entries older than the retention and records that it did, as the
// software ("sistema"). The hash of the last entry removed is kept, so Verify still checks
// the chain from the first entry left.
func (s *Store) Prune(ctx context.Context) (int64, error) {
	cutoff := s.now().Add(-s.retention)
	var n int64
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var last string
		if err := tx.QueryRow(ctx, `UPDATE audit_head SET base_hash = base_hash WHERE id = 1 RETURNING last_hash`).Scan(&last); err != nil {
			return err
		}
		var maxID int64
		var hash sql.NullString
		err := tx.QueryRow(ctx, `SELECT id, hash FROM audit_log WHERE at < ? ORDER BY id DESC LIMIT 1`, sqldb.Millis(cutoff)).Scan(&maxID, &hash)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM audit_log WHERE id <= ?`, maxID)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.Exec(ctx, `UPDATE audit_head SET base_hash = ? WHERE id = 1`, hash.String)
		return err
	})
	if err != nil || n == 0 {
		return n, err
	}
	_, err = s.Record(ctx, Entry{Actor: "sistema", Action: AuditPrune, Object: "registro di audit",
		Detail: fmt.Sprintf("%d voci anteriori al %s rimosse (conservazione %d giorni)", n,
			cutoff.Format("2006-01-02 15:04"), int(s.retention.Hours()/24))})
	return n, err
}

// BrokenError is where the chain of entries breaks: the entry with ID was changed, or the one
// before it was removed, outside Record and Prune.
type BrokenError struct {
	ID     int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit: registro alterato alla voce %d: %s", e.ID, e.Reason)
}

// Verify walks the whole log and checks the chain; it returns the number of entries checked,
// and a *BrokenError at the first entry that does not follow from the one before.
func (s *Store) Verify(ctx context.Context) (int, error) {
	var last, base string
	if err := s.db.QueryRow(ctx, `SELECT last_hash, base_hash FROM audit_head WHERE id = 1`).Scan(&last, &base); err != nil {
		return 0, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+columns+`, prev FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	prev, n := base, 0
	for rows.Next() {
		var e Entry
		var at int64
		var p string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Object, &e.Detail, &e.Client, &e.Hash, &p); err != nil {
			return n, err
		}
		e.At = sqldb.Time(at)
		if p != prev {
			return n, &BrokenError{e.ID, "la voce precedente manca o è stata cambiata"}
		}
		if digest(p, e) != e.Hash {
			return n, &BrokenError{e.ID, "il contenuto non corrisponde alla sua impronta"}
		}
		prev = e.Hash
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	if prev != last {
		return n, &BrokenError{0, "le ultime voci sono state rimosse"}
	}
	return n, nil
}
