package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"sportello/internal/sqldb"
)

// migrations create the SLA tables in the operational database: the components' uptime
// (SLA-1), the contract manager's notes, supervisors' saved views, the report settings and
// the log of reports sent.
var migrations = []sqldb.Migration{{Version: 1, SQL: `
CREATE TABLE sla_uptime (
	id {{ID}},
	component TEXT NOT NULL,
	run TEXT NOT NULL,
	up_from BIGINT NOT NULL,
	up_to BIGINT NOT NULL
);
CREATE INDEX sla_uptime_component ON sla_uptime (component, up_to);
CREATE TABLE sla_notes (
	period TEXT PRIMARY KEY,
	body TEXT NOT NULL,
	author TEXT NOT NULL,
	at BIGINT NOT NULL
);
CREATE TABLE sla_views (
	id {{ID}},
	owner TEXT NOT NULL,
	name TEXT NOT NULL,
	data TEXT NOT NULL,
	at BIGINT NOT NULL,
	UNIQUE (owner, name)
);
CREATE TABLE sla_settings (
	id INTEGER PRIMARY KEY,
	data TEXT NOT NULL,
	at BIGINT NOT NULL
);
CREATE TABLE sla_sent (
	period TEXT PRIMARY KEY,
	recipients TEXT NOT NULL,
	message_id TEXT NOT NULL,
	at BIGINT NOT NULL
);
`}}

// Store keeps the SLA data of the operational database.
type Store struct {
	db  *sqldb.DB
	now func() time.Time
}

// Open runs the "sla" migrations on db. now is the clock (nil: time.Now).
func Open(ctx context.Context, db *sqldb.DB, now func() time.Time) (*Store, error) {
	if err := db.Migrate(ctx, "sla", migrations); err != nil {
		return nil, fmt.Errorf("sla: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}, nil
}

// ErrInvalid marks bad input; the message (after "sla: ") is Italian, for the user.
var ErrInvalid = errors.New("sla: dati non validi")

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// Note is the contract manager's free text on a report.
type Note struct {
	Period string    `json:"period"` // Period.Key()
	Text   string    `json:"text"`
	Author string    `json:"author"`
	At     time.Time `json:"at"`
}

// MaxNote bounds a note, in characters.
const MaxNote = 20000

// SetNote stores the note of a period (Period.Key()); an empty text removes it.
func (s *Store) SetNote(ctx context.Context, period, text, author string) error {
	text = strings.TrimSpace(text)
	if !utf8.ValidString(text) {
		return invalid("la nota non è testo UTF-8")
	}
	if n := utf8.RuneCountInString(text); n > MaxNote {
		return invalid("la nota ha %d caratteri, al massimo %d", n, MaxNote)
	}
	return s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sla_notes WHERE period = ?`, period); err != nil {
			return err
		}
		if text == "" {
			return nil
		}
		_, err := tx.Exec(ctx, `INSERT INTO sla_notes (period, body, author, at) VALUES (?, ?, ?, ?)`,
			period, text, author, sqldb.Millis(s.now()))
		return err
	})
}

// Note returns the note of a period, or nil.
func (s *Store) Note(ctx context.Context, period string) (*Note, error) {
	n := Note{Period: period}
	var at int64
	err := s.db.QueryRow(ctx, `SELECT body, author, at FROM sla_notes WHERE period = ?`, period).Scan(&n.Text, &n.Author, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sla: note: %w", err)
	}
	n.At = sqldb.Time(at)
	return &n, nil
}

// View is a supervisor's saved set of filters for the statistics page (SLA-6 "custom views").
type View struct {
	Owner  string `json:"owner"`
	Name   string `json:"name"`
	Filter Filter `json:"filter"`
	// Range is relative ("today", "7d", "30d", "month", "previous-month", "bimester", "year")
	// or "custom" with From and To.
	Range       string    `json:"range"`
	From        time.Time `json:"from,omitzero"`
	To          time.Time `json:"to,omitzero"`
	Granularity string    `json:"granularity"` // day, week, month, year, hour
	SLAs        []string  `json:"slas,omitempty"`
	Updated     time.Time `json:"updated"`
}

// ViewRanges and Granularities list the values a View accepts.
var (
	ViewRanges    = []string{"today", "7d", "30d", "month", "previous-month", "bimester", "year", "custom"}
	Granularities = []string{"hour", "day", "week", "month", "year"}
)

func (v *View) validate() error {
	v.Name = strings.TrimSpace(v.Name)
	switch {
	case v.Owner == "":
		return invalid("la vista non ha un proprietario")
	case v.Name == "":
		return invalid("dare un nome alla vista")
	case utf8.RuneCountInString(v.Name) > 80:
		return invalid("il nome della vista supera gli 80 caratteri")
	case !contains(ViewRanges, v.Range):
		return invalid("intervallo %q sconosciuto (%s)", v.Range, strings.Join(ViewRanges, ", "))
	case v.Range == "custom" && (v.From.IsZero() || !v.To.After(v.From)):
		return invalid("l'intervallo personalizzato vuole un inizio e una fine successiva")
	case v.Granularity == "":
		v.Granularity = "day"
	case !contains(Granularities, v.Granularity):
		return invalid("dettaglio %q sconosciuto (%s)", v.Granularity, strings.Join(Granularities, ", "))
	}
	for _, id := range v.SLAs {
		if _, ok := RuleByID(id); !ok {
			return invalid("livello di servizio %q sconosciuto", id)
		}
	}
	if len(v.Filter.Queues) > 100 || len(v.Filter.Channels) > 20 {
		return invalid("troppi filtri nella vista")
	}
	return nil
}

// SaveView stores v under its owner and name, replacing a view of the same name.
func (s *Store) SaveView(ctx context.Context, v View) error {
	if err := v.validate(); err != nil {
		return err
	}
	v.Updated = s.now().UTC().Truncate(time.Millisecond)
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sla_views WHERE owner = ? AND name = ?`, v.Owner, v.Name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sla_views (owner, name, data, at) VALUES (?, ?, ?, ?)`,
			v.Owner, v.Name, string(data), sqldb.Millis(v.Updated))
		return err
	})
}

// Views returns owner's views by name.
func (s *Store) Views(ctx context.Context, owner string) ([]View, error) {
	rows, err := s.db.Query(ctx, `SELECT data FROM sla_views WHERE owner = ? ORDER BY name`, owner)
	if err != nil {
		return nil, fmt.Errorf("sla: views: %w", err)
	}
	defer rows.Close()
	var out []View
	for rows.Next() {
		var data string
		var v View
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			return nil, fmt.Errorf("sla: view: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// DeleteView removes owner's view; it reports whether there was one.
func (s *Store) DeleteView(ctx context.Context, owner, name string) (bool, error) {
	res, err := s.db.Exec(ctx, `DELETE FROM sla_views WHERE owner = ? AND name = ?`, owner, name)
	if err != nil {
		return false, fmt.Errorf("sla: views: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Settings are the report settings: what is e-mailed, to whom and when, and the contract's
// parameters of the figures.
type Settings struct {
	// Recipients receive the reports; none: nothing is sent.
	Recipients []string `json:"recipients"`
	Monthly    bool     `json:"monthly"`   // send each month's report
	Bimonthly  bool     `json:"bimonthly"` // send each bimester's report
	// Day and Hour: reports go out on this day of the following month (1–28), at this hour
	// (0–23), so that late tickets and the last night's calls are in.
	Day  int `json:"day"`
	Hour int `json:"hour"`
	// BimesterStart is the month (1–12) with which a bimester starts: 1 for January–February,
	// March–April…; 2 for February–March… (the contract's start).
	BimesterStart int `json:"bimesterStart"`
	// Planned is the planned volume, contacts a year (SLA-8).
	Planned float64 `json:"planned"`
	// ShortAbandonSeconds: callers who hang up within it are reported as short abandons (they
	// still count in C.3); 0: off.
	ShortAbandonSeconds int `json:"shortAbandonSeconds"`
}

// DefaultSettings are the settings before anyone saves any.
func DefaultSettings() Settings {
	return Settings{Monthly: true, Bimonthly: true, Day: 2, Hour: 7, BimesterStart: 1, Planned: DefaultPlanned}
}

// Validate checks and normalises the settings; the error is Italian.
func (st *Settings) Validate() error {
	var rcpt []string
	for _, r := range st.Recipients {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		a, err := mail.ParseAddress(r)
		if err != nil {
			return invalid("indirizzo %q non valido", r)
		}
		rcpt = append(rcpt, a.Address)
	}
	if len(rcpt) > 50 {
		return invalid("al massimo 50 destinatari")
	}
	st.Recipients = rcpt
	switch {
	case st.Day < 1 || st.Day > 28:
		return invalid("giorno di invio %d: tra 1 e 28", st.Day)
	case st.Hour < 0 || st.Hour > 23:
		return invalid("ora di invio %d: tra 0 e 23", st.Hour)
	case st.BimesterStart < 1 || st.BimesterStart > 12:
		return invalid("mese d'inizio dei bimestri %d: tra 1 e 12", st.BimesterStart)
	case !(st.Planned > 0) || st.Planned > 1e9:
		return invalid("volume previsto %v: un numero positivo di contatti l'anno", st.Planned)
	case st.ShortAbandonSeconds < 0 || st.ShortAbandonSeconds > 600:
		return invalid("soglia di abbandono breve %d s: tra 0 e 600", st.ShortAbandonSeconds)
	}
	return nil
}

// Settings returns the saved settings, or the defaults.
func (s *Store) Settings(ctx context.Context) (Settings, error) {
	st := DefaultSettings()
	var data string
	err := s.db.QueryRow(ctx, `SELECT data FROM sla_settings WHERE id = 1`).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("sla: settings: %w", err)
	}
	if err := json.Unmarshal([]byte(data), &st); err != nil {
		return st, fmt.Errorf("sla: settings: %w", err)
	}
	return st, nil
}

// SaveSettings validates and stores the settings.
func (s *Store) SaveSettings(ctx context.Context, st Settings) error {
	if err := st.Validate(); err != nil {
		return err
	}
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sla_settings WHERE id = 1`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sla_settings (id, data, at) VALUES (1, ?, ?)`, string(data), sqldb.Millis(s.now()))
		return err
	})
}

// Sent is a report the scheduler e-mailed.
type Sent struct {
	Period     string    `json:"period"`
	Recipients []string  `json:"recipients"`
	MessageID  string    `json:"messageId"`
	At         time.Time `json:"at"`
}

// WasSent returns the sending of a period's report, or nil.
func (s *Store) WasSent(ctx context.Context, period string) (*Sent, error) {
	out := Sent{Period: period}
	var rcpt string
	var at int64
	err := s.db.QueryRow(ctx, `SELECT recipients, message_id, at FROM sla_sent WHERE period = ?`, period).Scan(&rcpt, &out.MessageID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sla: sent reports: %w", err)
	}
	out.Recipients, out.At = strings.Split(rcpt, ","), sqldb.Time(at)
	return &out, nil
}

// SentReports lists the reports sent, the latest first, at most limit (0: 100).
func (s *Store) SentReports(ctx context.Context, limit int) ([]Sent, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.Query(ctx, `SELECT period, recipients, message_id, at FROM sla_sent ORDER BY at DESC, period LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sla: sent reports: %w", err)
	}
	defer rows.Close()
	var out []Sent
	for rows.Next() {
		var sent Sent
		var rcpt string
		var at int64
		if err := rows.Scan(&sent.Period, &rcpt, &sent.MessageID, &at); err != nil {
			return nil, fmt.Errorf("sla: sent reports: %w", err)
		}
		sent.Recipients, sent.At = strings.Split(rcpt, ","), sqldb.Time(at)
		out = append(out, sent)
	}
	return out, rows.Err()
}

func (s *Store) markSent(ctx context.Context, sent Sent) error {
	_, err := s.db.Exec(ctx, `INSERT INTO sla_sent (period, recipients, message_id, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (period) DO UPDATE SET recipients = excluded.recipients, message_id = excluded.message_id, at = excluded.at`,
		sent.Period, strings.Join(sent.Recipients, ","), sent.MessageID, sqldb.Millis(sent.At))
	return err
}
