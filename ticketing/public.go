package ticketing

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	mrand "math/rand/v2"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"sportello/internal/htmltext"
	"sportello/internal/phone"
	"sportello/internal/sqldb"
)

// The citizens' side of the tickets (TK-18) and the rules that keep it from being turned
// against them:
//
//   - A public request (the /richiesta page, /api/public/requests) never alters a citizen's
//     record and is never filed under a citizen by itself: anyone can type anybody's phone
//     number or e-mail. It keeps what was typed as its own unverified Contact; an operator who
//     has checked it links the request to a citizen (LinkContact) or registers the contact as
//     a new citizen (RegisterContact), and the path records who did it.
//   - Mail about a ticket goes only to the e-mail of that request or to a citizen's record
//     that staff keep (recipient, mail.go).
//   - The status page needs the public reference — the sequential number plus a random
//     suffix drawn for each ticket — and the e-mail given with that request; both are
//     compared in constant time on a hash, with the same work whether the ticket exists or not.

// ActLinkContact is the step that files a request under a citizen after an operator checked
// its contact; ActRegisterContact registers the contact as a new citizen and files the request
// under it.
const (
	ActLinkContact     Action = "link_contact"
	ActRegisterContact Action = "register_contact"
)

// Limits of what a public request may carry, in characters. Bounded work for every input: the
// public page is open to anyone, and a field beyond its limit is refused with its name, before
// anything is normalised or stored.
const (
	MaxContactName  = 200
	MaxEmail        = 254 // RFC 5321's limit of a forward path
	MaxPhone        = 40
	MaxSubject      = 300
	MaxDescription  = maxBody
	publicKeyLength = 4
)

// keyAlphabet is Crockford's base 32: no I, L, O or U, so a suffix read over the phone or
// copied by hand survives; ParseRef maps the look-alikes back.
const keyAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newPublicKey draws a ticket's suffix: 4 symbols of 32, about a million per ticket. With the
// e-mail of the request also needed and the status page rate-limited, guessing it is out of
// reach; it is not a password and is not treated as one.
func newPublicKey() string {
	var b [publicKeyLength]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("ticketing: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	for i := range b {
		b[i] = keyAlphabet[b[i]&31]
	}
	return string(b[:])
}

var refPattern = regexp.MustCompile(`^RS-(\d{4})-(\d{6,12})(?:-([0-9A-HJKMNP-TV-Z]{4}))?$`)

// ParseRef splits a ticket reference as a citizen or an operator types it —
// "rs-2026-000123-k7qf", "RS-2026-000123" — into the number and the suffix (empty when
// absent). Case and the look-alikes of Crockford's alphabet (O for 0, I and L for 1) are
// forgiven in the suffix. ok is false when s is no reference at all.
func ParseRef(s string) (number, key string, ok bool) {
	if len(s) > 64 {
		return "", "", false
	}
	s = strings.ToUpper(strings.TrimSpace(s))
	m := refPattern.FindStringSubmatch(s)
	if m == nil {
		// Look-alikes only in the suffix: the number part is digits.
		if i := strings.LastIndexByte(s, '-'); i > 0 && len(s)-i-1 == publicKeyLength {
			fixed := s[:i+1] + strings.NewReplacer("O", "0", "I", "1", "L", "1").Replace(s[i+1:])
			m = refPattern.FindStringSubmatch(fixed)
		}
		if m == nil {
			return "", "", false
		}
	}
	return "RS-" + m[1] + "-" + m[2], m[3], true
}

// clean validates and normalises a request's contact. Each field is checked against its limit
// before anything else looks at it.
func (c *Contact) clean() error {
	c.Name = strings.Join(strings.Fields(c.Name), " ")
	if utf8.RuneCountInString(c.Name) > MaxContactName {
		return invalid("name", "il nome supera %d caratteri", MaxContactName)
	}
	if c.Email = strings.TrimSpace(c.Email); c.Email != "" {
		if len(c.Email) > MaxEmail {
			return invalid("email", "l'indirizzo email supera %d caratteri", MaxEmail)
		}
		e, err := NormalizeEmail(c.Email)
		if err != nil {
			return invalid("email", "%v", err)
		}
		c.Email = e
	}
	if c.Phone = strings.TrimSpace(c.Phone); c.Phone != "" {
		if len(c.Phone) > MaxPhone {
			return invalid("phone", "il numero di telefono supera %d caratteri", MaxPhone)
		}
		p, err := phone.Normalize(c.Phone)
		if err != nil {
			return invalid("phone", "%v", err)
		}
		c.Phone = p
	}
	return nil
}

// checkText refuses a text field beyond its limit, naming it.
func checkText(field, label, v string, max int) error {
	if len(v) > max*utf8.UTFMax || utf8.RuneCountInString(v) > max {
		return invalid(field, "%s supera %d caratteri", label, max)
	}
	return nil
}

// WebRequest is what a citizen submits on the public page (TK-18).
type WebRequest struct {
	Name        string
	Email       string
	Phone       string
	Subject     string
	Description string
	Category    string
	// Consent is the citizen's tick beside the privacy notice (GDPR art. 13): a request
	// without it is refused on the field "consent" and nothing is stored.
	Consent bool
	// Trap is the honeypot field of the public form, which a person never sees and a bot
	// fills in: a request with it is dropped (ErrTrapped) before anything is checked or stored.
	Trap string
	// Files are the citizen's attachments (checkWebFiles: at most MaxWebFiles, each at most
	// MaxWebFileBytes, WebFileTypes by content): all are checked before anything is stored.
	Files []WebFile
}

// WebFile is an attachment of a public request: its name as the browser gave it and how to
// read it (more than once: once to check it, once to store it).
type WebFile struct {
	Name string
	Open func() (io.ReadCloser, error)
}

// Limits of a public request's attachments: fewer and smaller than an operator's, and only
// the formats a citizen sends (a scan, a photo, a document); each is checked by its content
// (classify), never by its name alone.
const (
	MaxWebFiles      = 3
	MaxWebFileBytes  = 5 << 20
	MaxWebTotalBytes = 10 << 20
)

// WebFileTypes are the extensions a public request may attach.
var WebFileTypes = []string{".pdf", ".jpg", ".jpeg", ".png", ".odt", ".docx", ".txt"}

// checkWebFiles checks every attachment of a public request — count, size, kind by content —
// and reports each refusal on the field "files", in Italian, naming the file.
func checkWebFiles(files []WebFile) error {
	if len(files) > MaxWebFiles {
		return invalid("files", "si possono allegare al massimo %d file (ne sono stati scelti %d)", MaxWebFiles, len(files))
	}
	var total int64
	for _, f := range files {
		name := SafeFileName(f.Name)
		if !contains(WebFileTypes, strings.ToLower(filepath.Ext(name))) {
			return invalid("files", "%s: tipo di file non ammesso (ammessi: %s)", name, strings.Join(WebFileTypes, " "))
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("ticketing: %s: %w", name, err)
		}
		var head bytes.Buffer
		n, err := io.Copy(&limitedBuffer{&head, 512}, io.LimitReader(rc, MaxWebFileBytes+1))
		rc.Close()
		switch {
		case err != nil:
			return fmt.Errorf("ticketing: %s: %w", name, err)
		case n > MaxWebFileBytes:
			return invalid("files", "%s: supera la dimensione massima di %d MB", name, MaxWebFileBytes>>20)
		case n == 0:
			return invalid("files", "%s: il file è vuoto", name)
		}
		if _, err := classify(name, head.Bytes()); err != nil {
			var inv *InvalidError
			if errors.As(err, &inv) {
				return invalid("files", "%s", inv.Msg)
			}
			return err
		}
		if total += n; total > MaxWebTotalBytes {
			return invalid("files", "gli allegati superano in tutto %d MB", MaxWebTotalBytes>>20)
		}
	}
	return nil
}

// ErrTrapped is a request that filled in the honeypot field: a bot's. Nothing is stored; the
// page answers it like a success (DecoyRef) so that the bot learns nothing, and counts it.
var ErrTrapped = errors.New("ticketing: request dropped: honeypot field filled in")

// DecoyRef is a reference shaped like a real one (the current year, a number, a suffix) for
// the answer to a trapped request; the status page knows no such request under any e-mail.
func DecoyRef() string {
	return fmt.Sprintf("RS-%d-%06d-%s", time.Now().Year(), 1+mrand.IntN(99999), newPublicKey())
}

// SubmitWeb files a request from the public page, once the citizen has ticked the consent
// beside the privacy notice; a request that filled in the honeypot is dropped (ErrTrapped). What the citizen typed — name, e-mail,
// phone — is the request's own unverified contact: it is not matched to a citizen's record and
// changes none (ContactMatches shows the operator the records it might belong to). The ticket
// runs on the offline SLA clocks, and an acknowledgement with the public reference goes to the
// e-mail given, when outbound mail is configured.
func (s *Store) SubmitWeb(ctx context.Context, r WebRequest) (*Ticket, error) {
	if r.Trap != "" {
		return nil, ErrTrapped
	}
	if !r.Consent {
		return nil, invalid("consent", "per inviare la richiesta occorre dichiarare di aver letto l'informativa sulla privacy e acconsentire al trattamento dei dati")
	}
	if strings.TrimSpace(r.Email) == "" {
		return nil, invalid("email", "indicare un indirizzo email")
	}
	if err := checkText("subject", "l'oggetto", r.Subject, MaxSubject); err != nil {
		return nil, err
	}
	if err := checkText("description", "la descrizione", r.Description, MaxDescription); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.Description) == "" {
		return nil, invalid("description", "descrivere la richiesta")
	}
	ct := Contact{Name: r.Name, Email: r.Email, Phone: r.Phone}
	if err := ct.clean(); err != nil {
		return nil, err
	}
	if err := checkWebFiles(r.Files); err != nil {
		return nil, err
	}
	t, err := s.Create(ctx, NewTicket{Channel: Web, Subject: r.Subject, Description: r.Description,
		Category: r.Category, Actor: "sistema", Role: AsSystem, Contact: ct})
	if err != nil {
		return nil, err
	}
	// Checked above: what can fail now is the disk. The request is filed all the same (the
	// citizen gets the number) and the staff see which file is missing in a note.
	for _, f := range r.Files {
		if err := s.attachWeb(ctx, t.ID, f); err != nil {
			log.Printf("ticketing: %s: attachment %q not stored: %v", t.Number, SafeFileName(f.Name), err)
			if _, nerr := s.AddNote(ctx, t.ID, "sistema", AsSystem, fmt.Sprintf("Allegato %q inviato dal cittadino non salvato: %v", SafeFileName(f.Name), err)); nerr != nil {
				log.Printf("ticketing: %s: note not added: %v", t.Number, nerr)
			}
		}
	}
	if s.mail != nil {
		body := fmt.Sprintf("Gentile utente,\n\nabbiamo ricevuto la sua richiesta, registrata con il numero %s.\n"+
			"Può seguirne lo stato sul sito con questo numero e il suo indirizzo email.", t.PublicRef)
		if _, err := s.sendToCitizen(ctx, t, "ack", "Richiesta ricevuta", body+signature(s, t), nil, "sistema", AsSystem); err != nil {
			log.Printf("ticketing: %s: acknowledgement not sent: %v", t.Number, err)
		}
	}
	return t, nil
}

// attachWeb stores one checked attachment of a public request.
func (s *Store) attachWeb(ctx context.Context, ticketID int64, f WebFile) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = s.Attach(ctx, ticketID, f.Name, io.LimitReader(rc, MaxWebFileBytes), "cittadino", "web")
	return err
}

// ContactMatches lists the citizens whose record holds the e-mail or the phone of a request's
// unverified contact: candidates for the operator to check before LinkContact, never a link.
func (s *Store) ContactMatches(ctx context.Context, ticketID int64) ([]Citizen, error) {
	t, err := s.Ticket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	if t.Contact == nil {
		return nil, nil
	}
	seen := map[int64]bool{}
	var out []Citizen
	for _, key := range []string{t.Contact.Email, t.Contact.Phone} {
		if key == "" {
			continue
		}
		list, err := s.FindCitizen(ctx, key)
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			if !seen[c.ID] && (contains(c.Emails, t.Contact.Email) || contains(c.Phones, t.Contact.Phone)) {
				seen[c.ID] = true
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// staffOnly refuses the capacities that may not vouch for a contact: the software itself and
// the roles that only read.
func staffOnly(t *Ticket, a Action, role Capacity) error {
	switch role {
	case AsOperator, AsBackOffice, AsLevel2, AsOffice, AsSupervisor:
		return nil
	}
	return &TransitionError{t.Number, a, t.State, role, ErrRole}
}

// LinkContact files a request under a citizen after an operator checked its contact (by phone,
// a document at the counter, the tax code): the ticket joins the citizen's history and its
// mail may go to the citizen's addresses. The citizen's record is not changed — the request's
// e-mail and phone stay on the request; an operator adds them to the record by editing it, if
// the citizen asks. The step is recorded in the path with who did it and what was linked.
func (s *Store) LinkContact(ctx context.Context, ticketID, citizenID int64, actor string, role Capacity) (*Ticket, error) {
	if actor == "" {
		return nil, invalid("actor", "manca l'utente che esegue l'azione")
	}
	var out *Ticket
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		t, err := scanTicket(tx.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tk_tickets WHERE id = ?`+s.forUpdate(), ticketID))
		if err != nil {
			return err
		}
		if err := staffOnly(t, ActLinkContact, role); err != nil {
			return err
		}
		c, err := loadCitizen(ctx, tx, citizenID)
		if errors.Is(err, ErrNotFound) {
			return invalid("citizen", "cittadino %d inesistente", citizenID)
		}
		if err != nil {
			return err
		}
		if c.MergedInto != 0 {
			return invalid("citizen", "il cittadino %d è stato unito al %d: collegare quello", c.ID, c.MergedInto)
		}
		if t.CitizenID == c.ID {
			out = t
			return nil
		}
		now := s.clock()
		t.CitizenID, t.Modified = c.ID, now
		if _, err := tx.Exec(ctx, `UPDATE tk_tickets SET citizen_id = ?, modified = ? WHERE id = ?`, c.ID,
			sqldb.Millis(now), t.ID); err != nil {
			return err
		}
		out = t
		return addEvent(ctx, tx, Event{TicketID: t.ID, At: now, Actor: actor, Role: role, Action: ActLinkContact,
			From: t.State, To: t.State, Reason: fmt.Sprintf("contatto %s verificato e collegato al cittadino %d (%s)",
				describeContact(t.Contact), c.ID, c.Name)})
	})
	return out, err
}

// RegisterContact registers a request's contact as a new citizen, after an operator checked
// it, and files the request under it; recorded in the path like LinkContact. A contact whose
// e-mail or phone is already on a record is refused with a *DuplicateError naming it: link to
// that one instead, or merge later.
func (s *Store) RegisterContact(ctx context.Context, ticketID int64, actor string, role Capacity) (*Citizen, *Ticket, error) {
	t, err := s.Ticket(ctx, ticketID)
	if err != nil {
		return nil, nil, err
	}
	if err := staffOnly(t, ActRegisterContact, role); err != nil {
		return nil, nil, err
	}
	if t.Contact == nil || t.Contact.Name == "" {
		return nil, nil, invalid("contact", "la richiesta %s non ha un nominativo da registrare", t.Number)
	}
	if t.CitizenID != 0 {
		return nil, nil, invalid("citizen", "la richiesta %s è già collegata al cittadino %d", t.Number, t.CitizenID)
	}
	matches, err := s.ContactMatches(ctx, ticketID)
	if err != nil {
		return nil, nil, err
	}
	if len(matches) > 0 {
		by := "email"
		if !contains(matches[0].Emails, t.Contact.Email) {
			by = "phone"
		}
		return nil, nil, &DuplicateError{Existing: matches[0].ID, By: by}
	}
	c := &Citizen{Name: t.Contact.Name, PreferredChannel: t.Channel}
	if t.Contact.Email != "" {
		c.Emails = []string{t.Contact.Email}
	}
	if t.Contact.Phone != "" {
		c.Phones = []string{t.Contact.Phone}
	}
	if err := s.CreateCitizen(ctx, c); err != nil {
		return nil, nil, err
	}
	now := s.clock()
	err = s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE tk_tickets SET citizen_id = ?, modified = ? WHERE id = ? AND citizen_id = 0`,
			c.ID, sqldb.Millis(now), t.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return invalid("citizen", "la richiesta %s è stata collegata nel frattempo", t.Number)
		}
		return addEvent(ctx, tx, Event{TicketID: t.ID, At: now, Actor: actor, Role: role, Action: ActRegisterContact,
			From: t.State, To: t.State, Reason: fmt.Sprintf("contatto %s verificato e registrato come cittadino %d",
				describeContact(t.Contact), c.ID)})
	})
	if err != nil {
		return nil, nil, err
	}
	t.CitizenID, t.Modified = c.ID, now
	return c, t, nil
}

func describeContact(c *Contact) string {
	if c == nil {
		return "(nessuno)"
	}
	var parts []string
	for _, v := range []string{c.Name, c.Email, c.Phone} {
		if v != "" {
			parts = append(parts, v)
		}
	}
	if len(parts) == 0 {
		return "(nessuno)"
	}
	return "«" + strings.Join(parts, ", ") + "»"
}

// publicDigest is what PublicStatus compares: a hash of the number, the suffix and the e-mail,
// so that the comparison has one length and runs in constant time whatever was typed.
func publicDigest(number, key, email string) [32]byte {
	return sha256.Sum256([]byte(number + "\x00" + key + "\x00" + email))
}

// PublicView is what the citizens' status page shows of a request (TK-18): its state and
// dates, when each state was reached, once it is solved the answer it got, and the messages
// sent to the citizen. Never who did what, the reasons staff wrote for each other, internal
// notes, or the mail between offices.
type PublicView struct {
	Ref      string          `json:"ref"` // the public reference
	State    State           `json:"state"`
	Label    string          `json:"label"` // the state in Italian
	Channel  Channel         `json:"channel"`
	Subject  string          `json:"subject,omitempty"`
	Created  time.Time       `json:"created"`
	Solved   time.Time       `json:"solved,omitempty"`
	Closed   time.Time       `json:"closed,omitempty"`
	Steps    []PublicStep    `json:"steps"`
	Answer   string          `json:"answer,omitempty"` // plain text, once solved
	Messages []PublicMessage `json:"messages"`
}

// PublicStep is a state the request reached, and when.
type PublicStep struct {
	At    time.Time `json:"at"`
	State State     `json:"state"`
	Label string    `json:"label"`
}

// PublicMessage is an e-mail sent to the citizen about the request.
type PublicMessage struct {
	At      time.Time `json:"at"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
}

// PublicStatus is what the citizens' page shows for a public reference (RS-2026-000123-K7QF)
// and the e-mail given with that request (TK-18). A wrong reference, a wrong suffix, a wrong
// e-mail and a ticket that does not exist are the same ErrNotFound, reached with the same
// work: one indexed query by number, one hash, one constant-time comparison against the
// stored values or, when there is no such ticket, against a dummy. The e-mail of the request
// is the only one accepted: not the addresses of the citizen it was later linked to, and not
// those of anyone else who wrote to the ticket.
func (s *Store) PublicStatus(ctx context.Context, ref, email string) (*PublicView, error) {
	number, key, _ := ParseRef(ref)
	addr := ""
	if len(email) <= MaxEmail {
		addr, _ = NormalizeEmail(email)
	}
	var id int64
	storedKey, storedEmail := "\x00no-key", "\x00no-email"
	err := s.db.QueryRow(ctx, `SELECT id, public_key, contact_email FROM tk_tickets WHERE number = ?`, number).
		Scan(&id, &storedKey, &storedEmail)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	given := publicDigest(number, key, addr)
	want := publicDigest(number, storedKey, storedEmail)
	match := subtle.ConstantTimeCompare(given[:], want[:]) == 1
	if !found || !match || key == "" || addr == "" || storedKey == "" || storedEmail == "" {
		return nil, ErrNotFound
	}
	t, err := s.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	path, err := s.Path(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	v := &PublicView{Ref: t.PublicRef, State: t.State, Label: t.State.Label(), Channel: t.Channel, Subject: t.Subject,
		Created: t.Created, Solved: t.SolvedAt, Closed: t.ClosedAt, Steps: []PublicStep{}, Messages: []PublicMessage{}}
	for _, e := range path {
		if e.From != e.To || e.Action == ActCreate {
			v.Steps = append(v.Steps, PublicStep{At: e.At, State: e.To, Label: e.To.Label()})
		}
	}
	if !t.SolvedAt.IsZero() {
		if v.Answer, err = s.publicAnswer(ctx, t); err != nil {
			return nil, err
		}
	}
	// The messages that went to the request's own address or to its citizen's: the replies,
	// acknowledgements, data requests. Mail to offices and level 3 is internal.
	allowed, err := s.replyAddresses(ctx, t)
	if err != nil {
		return nil, err
	}
	msgs, err := s.Messages(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.Direction == "out" && m.Kind != KindInternal && contains(allowed, m.Recipients) {
			v.Messages = append(v.Messages, PublicMessage{At: m.At, Subject: m.Subject, Body: m.Body})
		}
	}
	return v, nil
}

// publicAnswer is the answer a solved request got: the text recorded when it was solved, or
// the answer of the pill it was solved with when that pill is published.
func (s *Store) publicAnswer(ctx context.Context, t *Ticket) (string, error) {
	answer, err := s.solution(ctx, t.ID)
	if err != nil || answer != "" || t.Pill == "" || s.pills == nil {
		return answer, err
	}
	p, err := s.replyPill(ctx, t.Pill)
	if err != nil {
		var inv *InvalidError
		if errors.As(err, &inv) {
			return "", nil // not (or no longer) for citizens
		}
		return "", err
	}
	return htmltext.Text(p.Answer), nil
}

// backfillPublicKeys draws the suffix of tickets created before it existed, a batch at a time.
func (s *Store) backfillPublicKeys(ctx context.Context) error {
	for {
		ids, err := s.pageIDs(ctx, `SELECT id FROM tk_tickets WHERE public_key = '' LIMIT 500`)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
			for _, id := range ids {
				if _, err := tx.Exec(ctx, `UPDATE tk_tickets SET public_key = ? WHERE id = ? AND public_key = ''`,
					newPublicKey(), id); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("ticketing: public references: %w", err)
		}
	}
}
