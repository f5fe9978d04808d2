package ticketing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"sportello/internal/clock"
	"sportello/internal/sqldb"
	"sportello/internal/textfold"
)

// Canned answers are the administrators' small table of named reply texts (TK-6) — "Conferma
// ricezione documenti", "Orari dell'ufficio" — with placeholders the reply fills from the
// ticket: {numero}, {nome}, {oggetto}, {data}, {scheda}, {ufficio}, {servizio}. A text naming
// a placeholder that does not exist is refused when it is saved, not when a citizen would get
// it; a placeholder without a value for a ticket (no pill chosen for {scheda}) is refused when
// the reply is prepared, never sent as a blank.

// CannedAnswer is a named reply text.
type CannedAnswer struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Subject    string    `json:"subject,omitempty"` // the e-mail's subject; a default when empty
	Body       string    `json:"body"`
	Modified   time.Time `json:"modified"`
	ModifiedBy string    `json:"modifiedBy,omitempty"`
}

// Limits of a canned answer, in characters.
const (
	MaxCannedName = 80
	MaxCannedBody = 20000
)

// Placeholder is one of the values a canned answer may name.
type Placeholder struct {
	Name        string `json:"name"`
	Description string `json:"description"` // Italian, for the administrators' page
}

// Placeholders lists the placeholders of canned answers.
func Placeholders() []Placeholder {
	out := make([]Placeholder, 0, len(placeholderHelp))
	for k, v := range placeholderHelp {
		out = append(out, Placeholder{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

var placeholderHelp = map[string]string{
	"numero":   "il riferimento della richiesta da citare (RS-AAAA-NNNNNN-XXXX), con cui il cittadino ne segue lo stato",
	"nome":     "il nome del cittadino collegato o, altrimenti, quello indicato nella richiesta",
	"oggetto":  "l'oggetto della richiesta (o l'inizio della descrizione)",
	"data":     "la data in cui è arrivata la richiesta (GG/MM/AAAA)",
	"scheda":   "il titolo della scheda scelta per la risposta",
	"ufficio":  "il nome dell'ufficio a cui è assegnata la richiesta",
	"servizio": "il nome del servizio (contact center) che firma le email",
}

// placeholderSpans finds the {name} tokens of text: a brace, letters, a brace. Other braces are
// text. fn is called with each token's name and its byte span.
func placeholderSpans(text string, fn func(name string, start, end int)) {
	for i := 0; i < len(text); i++ {
		if text[i] != '{' {
			continue
		}
		j := i + 1
		for j < len(text) && j-i <= 32 && (text[j] >= 'a' && text[j] <= 'z' || text[j] >= 'A' && text[j] <= 'Z') {
			j++
		}
		if j < len(text) && text[j] == '}' && j > i+1 {
			fn(strings.ToLower(text[i+1:j]), i, j+1)
			i = j
		}
	}
}

// checkTemplate refuses the placeholders of text that do not exist, naming them.
func checkTemplate(field, text string) error {
	var unknown []string
	seen := map[string]bool{}
	placeholderSpans(text, func(name string, _, _ int) {
		if _, ok := placeholderHelp[name]; !ok && !seen[name] {
			seen[name] = true
			unknown = append(unknown, "{"+name+"}")
		}
	})
	if len(unknown) > 0 {
		return invalid(field, "segnaposto sconosciuti %s: si possono usare {numero}, {nome}, {oggetto}, {data}, {scheda}, {ufficio}, {servizio}",
			strings.Join(unknown, ", "))
	}
	return nil
}

// fillTemplate replaces the placeholders of text in one pass (a value is never read again as
// a template). A placeholder without a value is an error naming it, from missing.
func fillTemplate(field, text string, values map[string]string, missing map[string]string) (string, error) {
	var b strings.Builder
	last := 0
	var err error
	placeholderSpans(text, func(name string, start, end int) {
		if err != nil {
			return
		}
		v, ok := values[name]
		if !ok || v == "" {
			if why, known := missing[name]; known {
				err = invalid(field, "%s", why)
			} else if _, known := placeholderHelp[name]; !known {
				err = invalid(field, "segnaposto sconosciuto {%s}", name)
			} else {
				err = invalid(field, "il segnaposto {%s} non ha un valore per questa richiesta", name)
			}
			return
		}
		b.WriteString(text[last:start])
		b.WriteString(v)
		last = end
	})
	if err != nil {
		return "", err
	}
	b.WriteString(text[last:])
	return b.String(), nil
}

func (c *CannedAnswer) clean() error {
	var p Problems
	c.Name = strings.Join(strings.Fields(c.Name), " ")
	c.Subject = strings.Join(strings.Fields(c.Subject), " ")
	c.Body = strings.TrimSpace(strings.ReplaceAll(c.Body, "\r\n", "\n"))
	if c.Name == "" {
		p.add(invalid("name", "dare un nome alla risposta predefinita"))
	} else if utf8.RuneCountInString(c.Name) > MaxCannedName {
		p.add(invalid("name", "il nome supera %d caratteri", MaxCannedName))
	}
	p.add(checkText("subject", "l'oggetto", c.Subject, MaxSubject))
	if c.Body == "" {
		p.add(invalid("body", "scrivere il testo della risposta predefinita"))
	} else {
		p.add(checkText("body", "il testo", c.Body, MaxCannedBody))
	}
	if len(p) == 0 {
		p.add(checkTemplate("subject", c.Subject))
		p.add(checkTemplate("body", c.Body))
	}
	return p.err()
}

// PutCanned saves a canned answer: a new one when c.ID is 0, else the one with that id. Names
// are unique without regard to case and accents.
func (s *Store) PutCanned(ctx context.Context, c CannedAnswer, actor string) (*CannedAnswer, error) {
	if err := c.clean(); err != nil {
		return nil, err
	}
	c.Modified, c.ModifiedBy = s.clock(), actor
	key := textfold.Fold(c.Name)
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var other int64
		err := tx.QueryRow(ctx, `SELECT id FROM tk_canned WHERE name_key = ? AND id <> ?`, key, c.ID).Scan(&other)
		if err == nil {
			return invalid("name", "esiste già una risposta predefinita «%s»", c.Name)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if c.ID == 0 {
			return tx.QueryRow(ctx, `INSERT INTO tk_canned (name, name_key, subject, body, modified, modified_by)
				VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, c.Name, key, c.Subject, c.Body, sqldb.Millis(c.Modified), actor).Scan(&c.ID)
		}
		res, err := tx.Exec(ctx, `UPDATE tk_canned SET name = ?, name_key = ?, subject = ?, body = ?, modified = ?,
			modified_by = ? WHERE id = ?`, c.Name, key, c.Subject, c.Body, sqldb.Millis(c.Modified), actor, c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// DeleteCanned removes a canned answer; ErrNotFound when there is none.
func (s *Store) DeleteCanned(ctx context.Context, id int64) error {
	res, err := s.db.Exec(ctx, `DELETE FROM tk_canned WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s *Store) canned(ctx context.Context, where string, args ...any) ([]CannedAnswer, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, subject, body, modified, modified_by FROM tk_canned `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CannedAnswer{}
	for rows.Next() {
		var c CannedAnswer
		var mod int64
		if err := rows.Scan(&c.ID, &c.Name, &c.Subject, &c.Body, &mod, &c.ModifiedBy); err != nil {
			return nil, err
		}
		c.Modified = sqldb.Time(mod)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CannedAnswers lists the canned answers by name.
func (s *Store) CannedAnswers(ctx context.Context) ([]CannedAnswer, error) {
	return s.canned(ctx, `ORDER BY name_key, id`)
}

// Canned returns one canned answer.
func (s *Store) Canned(ctx context.Context, id int64) (*CannedAnswer, error) {
	list, err := s.canned(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ErrNotFound
	}
	return &list[0], nil
}

// templateValues are the placeholders' values for ticket t (and the pill chosen, if any), and
// why each missing one is missing.
func (s *Store) templateValues(ctx context.Context, t *Ticket, pillTitle string) (map[string]string, map[string]string, error) {
	name := ""
	if t.CitizenID != 0 {
		c, err := s.Citizen(ctx, t.CitizenID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, nil, err
		}
		if c != nil {
			name = c.Name
		}
	}
	if name == "" && t.Contact != nil {
		name = t.Contact.Name
	}
	if name == "" {
		name = "utente"
	}
	subject := t.Subject
	if subject == "" {
		subject = firstWords(t.Description, 12)
	}
	ref := t.PublicRef
	if ref == "" {
		ref = t.Number
	}
	v := map[string]string{
		"numero": ref, "nome": name, "oggetto": subject, "servizio": s.service(),
		"data":   t.Created.In(clock.Rome()).Format("02/01/2006"),
		"scheda": pillTitle,
	}
	if t.Office != "" {
		v["ufficio"] = s.officeName(ctx, t.Office)
	}
	missing := map[string]string{
		"scheda":  "la risposta usa {scheda}: scegliere la scheda",
		"ufficio": fmt.Sprintf("la risposta usa {ufficio}, ma la richiesta %s non è assegnata a un ufficio", t.Number),
	}
	return v, missing, nil
}

// RenderCanned fills canned answer id for ticket ticketID (and pill, when {scheda} is used):
// the subject and text the reply form starts from, for the operator to read and edit.
func (s *Store) RenderCanned(ctx context.Context, ticketID, id int64, pill string) (subject, body string, err error) {
	t, err := s.Ticket(ctx, ticketID)
	if err != nil {
		return "", "", err
	}
	c, err := s.Canned(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return "", "", invalid("canned", "risposta predefinita %d inesistente", id)
	}
	if err != nil {
		return "", "", err
	}
	title := ""
	if pill = strings.TrimSpace(pill); pill != "" {
		p, err := s.replyPill(ctx, pill)
		if err != nil {
			return "", "", err
		}
		title = p.Title
	}
	return s.renderCanned(ctx, t, c, title)
}

func (s *Store) renderCanned(ctx context.Context, t *Ticket, c *CannedAnswer, pillTitle string) (string, string, error) {
	values, missing, err := s.templateValues(ctx, t, pillTitle)
	if err != nil {
		return "", "", err
	}
	subject, err := fillTemplate("subject", c.Subject, values, missing)
	if err != nil {
		return "", "", err
	}
	body, err := fillTemplate("body", c.Body, values, missing)
	if err != nil {
		return "", "", err
	}
	return subject, body, nil
}
