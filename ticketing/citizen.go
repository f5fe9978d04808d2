package ticketing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"unicode"

	"sportello/internal/phone"
	"sportello/internal/sqldb"
	"sportello/internal/textfold"
)

// NormalizeEmail lower-cases an address and checks its syntax.
func NormalizeEmail(s string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil || !strings.Contains(a.Address, "@") {
		return "", fmt.Errorf("email %q non valida", s)
	}
	return strings.ToLower(a.Address), nil
}

// ValidateVAT checks an 11-digit numeric tax code of a business (partita IVA).
func ValidateVAT(s string) (string, error) {
	s = NormalizeTaxCode(s)
	if len(s) != 11 {
		return "", fmt.Errorf("partita IVA %q: deve avere 11 cifre", s)
	}
	sum := 0
	for i, r := range s {
		if !unicode.IsDigit(r) {
			return "", fmt.Errorf("partita IVA %q: solo cifre", s)
		}
		d := int(r - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	if sum%10 != 0 {
		return "", fmt.Errorf("partita IVA %q: cifra di controllo errata", s)
	}
	return s, nil
}

// validTaxID accepts a person's tax code or a business's 11-digit one.
func validTaxID(s string) (string, error) {
	s = NormalizeTaxCode(s)
	if len(s) == 11 {
		return ValidateVAT(s)
	}
	return ValidateTaxCode(s)
}

// clean validates and normalises a citizen record in place.
func (c *Citizen) clean() error {
	c.Name = strings.Join(strings.Fields(c.Name), " ")
	if c.Name == "" {
		return invalid("name", "il nome è obbligatorio")
	}
	if c.TaxCode != "" {
		tc, err := validTaxID(c.TaxCode)
		if err != nil {
			return invalid("taxCode", "%v", err)
		}
		c.TaxCode = tc
	}
	var err error
	if c.Phones, err = normalizeAll(c.Phones, phone.Normalize, "phones"); err != nil {
		return err
	}
	if c.Emails, err = normalizeAll(c.Emails, NormalizeEmail, "emails"); err != nil {
		return err
	}
	if c.PreferredChannel != "" && !c.PreferredChannel.Valid() {
		return invalid("preferredChannel", "canale %q sconosciuto", c.PreferredChannel)
	}
	c.Organisation = strings.TrimSpace(c.Organisation)
	c.PrivacyNotes = strings.TrimSpace(c.PrivacyNotes)
	return nil
}

// normalizeAll normalises each value and drops duplicates and blanks.
func normalizeAll(in []string, norm func(string) (string, error), field string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, v := range in {
		if strings.TrimSpace(v) == "" {
			continue
		}
		n, err := norm(v)
		if err != nil {
			return nil, invalid(field, "%v", err)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// DuplicateError is a new citizen record that matches an existing one.
type DuplicateError struct {
	Existing int64
	By       string // "taxCode", "email" or "phone"
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("ticketing: citizen already registered (id %d, same %s)", e.Existing, e.By)
}

// CreateCitizen registers a citizen. A record with the same tax code already present is a
// *DuplicateError: the operator should open that one (or merge later).
func (s *Store) CreateCitizen(ctx context.Context, c *Citizen) error {
	if err := c.clean(); err != nil {
		return err
	}
	now := s.clock()
	return s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if c.TaxCode != "" {
			var id int64
			err := tx.QueryRow(ctx, `SELECT id FROM tk_citizens WHERE tax_code = ?`, c.TaxCode).Scan(&id)
			if err == nil {
				return &DuplicateError{Existing: id, By: "taxCode"}
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO tk_citizens (name, tax_code, organisation, preferred_channel,
			privacy_notes, created, modified, name_fold) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.Name, c.TaxCode,
			c.Organisation, c.PreferredChannel, c.PrivacyNotes, sqldb.Millis(now), sqldb.Millis(now),
			textfold.Fold(c.Name)).Scan(&c.ID); err != nil {
			return err
		}
		c.Created, c.Modified, c.MergedInto = now, now, 0
		return putContacts(ctx, tx, c)
	})
}

func putContacts(ctx context.Context, tx *sqldb.Tx, c *Citizen) error {
	if _, err := tx.Exec(ctx, `DELETE FROM tk_citizen_contacts WHERE citizen_id = ?`, c.ID); err != nil {
		return err
	}
	for kind, list := range map[string][]string{"phone": c.Phones, "email": c.Emails} {
		for _, v := range list {
			if _, err := tx.Exec(ctx, `INSERT INTO tk_citizen_contacts (citizen_id, kind, value) VALUES (?, ?, ?)`,
				c.ID, kind, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// UpdateCitizen replaces a citizen's record (TK-2).
func (s *Store) UpdateCitizen(ctx context.Context, c *Citizen) error {
	if err := c.clean(); err != nil {
		return err
	}
	now := s.clock()
	return s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if c.TaxCode != "" {
			var id int64
			err := tx.QueryRow(ctx, `SELECT id FROM tk_citizens WHERE tax_code = ? AND id <> ?`, c.TaxCode, c.ID).Scan(&id)
			if err == nil {
				return &DuplicateError{Existing: id, By: "taxCode"}
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		res, err := tx.Exec(ctx, `UPDATE tk_citizens SET name = ?, tax_code = ?, organisation = ?,
			preferred_channel = ?, privacy_notes = ?, modified = ?, name_fold = ? WHERE id = ? AND merged_into = 0`, c.Name,
			c.TaxCode, c.Organisation, c.PreferredChannel, c.PrivacyNotes, sqldb.Millis(now), textfold.Fold(c.Name), c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		c.Modified = now
		return putContacts(ctx, tx, c)
	})
}

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func loadCitizen(ctx context.Context, q querier, id int64) (*Citizen, error) {
	var c Citizen
	var created, modified int64
	err := q.QueryRow(ctx, `SELECT id, name, tax_code, organisation, preferred_channel, privacy_notes, merged_into,
		created, modified FROM tk_citizens WHERE id = ?`, id).Scan(&c.ID, &c.Name, &c.TaxCode, &c.Organisation,
		&c.PreferredChannel, &c.PrivacyNotes, &c.MergedInto, &created, &modified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.Created, c.Modified = sqldb.Time(created), sqldb.Time(modified)
	rows, err := q.Query(ctx, `SELECT kind, value FROM tk_citizen_contacts WHERE citizen_id = ? ORDER BY kind, value`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, v string
		if err := rows.Scan(&kind, &v); err != nil {
			return nil, err
		}
		if kind == "phone" {
			c.Phones = append(c.Phones, v)
		} else {
			c.Emails = append(c.Emails, v)
		}
	}
	return &c, rows.Err()
}

// Citizen returns a citizen record. A merged record is returned as it is, with MergedInto set:
// callers follow it to the surviving one.
func (s *Store) Citizen(ctx context.Context, id int64) (*Citizen, error) {
	return loadCitizen(ctx, s.db, id)
}

// FindCitizen finds the citizens a phone number, an email address or a tax code belongs to
// (the caller lookup of the operator console); it also matches names containing key. Merged
// records are skipped.
func (s *Store) FindCitizen(ctx context.Context, key string) ([]Citizen, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return nil, nil
	}
	var rows *sql.Rows
	var err error
	switch {
	case strings.Contains(key, "@"):
		e, nerr := NormalizeEmail(key)
		if nerr != nil {
			return nil, invalid("email", "%v", nerr)
		}
		rows, err = s.db.Query(ctx, `SELECT c.id FROM tk_citizens c JOIN tk_citizen_contacts k ON k.citizen_id = c.id
			WHERE k.kind = 'email' AND k.value = ? AND c.merged_into = 0`, e)
	default:
		var args []any
		conds := []string{"LOWER(c.name) LIKE ?"}
		args = append(args, "%"+strings.ToLower(escapeLike(key))+"%")
		if tc := NormalizeTaxCode(key); len(tc) == 16 || len(tc) == 11 {
			conds = append(conds, "c.tax_code = ?")
			args = append(args, tc)
		}
		if p, perr := phone.Normalize(key); perr == nil {
			conds = append(conds, "c.id IN (SELECT citizen_id FROM tk_citizen_contacts WHERE kind = 'phone' AND value = ?)")
			args = append(args, p)
		}
		rows, err = s.db.Query(ctx, `SELECT c.id FROM tk_citizens c WHERE c.merged_into = 0 AND (`+
			strings.Join(conds, " OR ")+`) ORDER BY c.name, c.id LIMIT 50`, args...)
	}
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]Citizen, 0, len(ids))
	for _, id := range ids {
		c, err := loadCitizen(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// MatchCitizen returns the one citizen that a tax code, email or phone identifies, trying them
// in that order of reliability; nil when none matches.
func (s *Store) MatchCitizen(ctx context.Context, taxCode, email, phoneNumber string) (*Citizen, error) {
	try := func(q string, v string) (*Citizen, error) {
		var id int64
		err := s.db.QueryRow(ctx, q, v).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return loadCitizen(ctx, s.db, id)
	}
	if tc, err := validTaxID(taxCode); err == nil {
		if c, err := try(`SELECT id FROM tk_citizens WHERE tax_code = ? AND merged_into = 0`, tc); c != nil || err != nil {
			return c, err
		}
	}
	byContact := `SELECT MIN(c.id) FROM tk_citizens c JOIN tk_citizen_contacts k ON k.citizen_id = c.id
		WHERE k.kind = '%s' AND k.value = ? AND c.merged_into = 0 HAVING COUNT(*) > 0`
	if e, err := NormalizeEmail(email); err == nil && email != "" {
		if c, err := try(fmt.Sprintf(byContact, "email"), e); c != nil || err != nil {
			return c, err
		}
	}
	if p, err := phone.Normalize(phoneNumber); err == nil && phoneNumber != "" {
		if c, err := try(fmt.Sprintf(byContact, "phone"), p); c != nil || err != nil {
			return c, err
		}
	}
	return nil, nil
}

// Merge folds the record drop into keep (deduplication): keep gains drop's phones, emails and
// missing fields, drop's tickets move to keep with a step in their path, and drop stays as an
// empty record pointing to keep so that old references still resolve.
func (s *Store) Merge(ctx context.Context, keep, drop int64, actor string) (*Citizen, error) {
	if keep == drop {
		return nil, invalid("citizen", "non si può unire un record con se stesso")
	}
	now := s.clock()
	var out *Citizen
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		k, err := loadCitizen(ctx, tx, keep)
		if err != nil {
			return err
		}
		d, err := loadCitizen(ctx, tx, drop)
		if err != nil {
			return err
		}
		if k.MergedInto != 0 || d.MergedInto != 0 {
			return invalid("citizen", "record già unito a un altro")
		}
		if k.TaxCode != "" && d.TaxCode != "" && k.TaxCode != d.TaxCode {
			return invalid("taxCode", "i due record hanno codici fiscali diversi (%s, %s)", k.TaxCode, d.TaxCode)
		}
		tax := k.TaxCode
		if tax == "" {
			tax = d.TaxCode
		}
		k.Phones = union(k.Phones, d.Phones)
		k.Emails = union(k.Emails, d.Emails)
		for _, f := range []struct {
			dst *string
			src string
		}{{&k.Organisation, d.Organisation}, {&k.PrivacyNotes, d.PrivacyNotes}} {
			if *f.dst == "" {
				*f.dst = f.src
			}
		}
		if k.PreferredChannel == "" {
			k.PreferredChannel = d.PreferredChannel
		}
		// The tax code is unique: free it on the dropped record first.
		if _, err := tx.Exec(ctx, `UPDATE tk_citizens SET tax_code = '', merged_into = ?, modified = ? WHERE id = ?`,
			keep, sqldb.Millis(now), drop); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM tk_citizen_contacts WHERE citizen_id = ?`, drop); err != nil {
			return err
		}
		k.TaxCode = tax
		if _, err := tx.Exec(ctx, `UPDATE tk_citizens SET tax_code = ?, organisation = ?, privacy_notes = ?,
			preferred_channel = ?, modified = ? WHERE id = ?`, k.TaxCode, k.Organisation, k.PrivacyNotes,
			k.PreferredChannel, sqldb.Millis(now), keep); err != nil {
			return err
		}
		if err := putContacts(ctx, tx, k); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, state FROM tk_tickets WHERE citizen_id = ?`, drop)
		if err != nil {
			return err
		}
		type moved struct {
			id    int64
			state State
		}
		var list []moved
		for rows.Next() {
			var m moved
			if err := rows.Scan(&m.id, &m.state); err != nil {
				rows.Close()
				return err
			}
			list = append(list, m)
		}
		rows.Close()
		for _, m := range list {
			if _, err := tx.Exec(ctx, `UPDATE tk_tickets SET citizen_id = ?, modified = ? WHERE id = ?`, keep,
				sqldb.Millis(now), m.id); err != nil {
				return err
			}
			if err := addEvent(ctx, tx, Event{TicketID: m.id, At: now, Actor: actor, Role: AsBackOffice, Action: ActMerge,
				From: m.state, To: m.state, Reason: fmt.Sprintf("cittadino %d unito a %d", drop, keep)}); err != nil {
				return err
			}
		}
		k.Modified = now
		out = k
		return nil
	})
	return out, err
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range append(append([]string(nil), a...), b...) {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}
