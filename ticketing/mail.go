package ticketing

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/encoding/htmlindex"

	"sportello/internal/htmltext"
	"sportello/internal/sqldb"
)

// Mailer sends the tickets' outbound email through a relay (net/smtp): answers with KB
// documents and forms attached (TK-6), the data-integration request of TK-13 and its final
// reminder, and the notifications of assignment, rejection and solution (TK-15).
type Mailer struct {
	Relay   string    // host:port of the Administration's SMTP relay
	From    string    // "Sportello Regione <sportello@regione.example.it>"
	Auth    smtp.Auth // optional (smtp.PlainAuth needs TLS or localhost)
	Level3  string    // where rejections go: the level-3 mailbox (TK-12)
	Service string    // the service's name in the messages, e.g. "Contact Center Regione Valdoria"
	// Send replaces smtp.SendMail (tests); nil means smtp.SendMail.
	Send func(addr string, a smtp.Auth, from string, to []string, msg []byte) error
}

// OutAttachment is a file sent with a message.
type OutAttachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// OutMessage is one email to send.
type OutMessage struct {
	To          []string
	Subject     string
	Body        string // plain text, UTF-8
	Attachments []OutAttachment
	InReplyTo   string // Message-ID of the message answered
	References  []string
}

func (m *Mailer) domain() string {
	if a, err := mail.ParseAddress(m.From); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			return a.Address[i+1:]
		}
	}
	return "sportello.invalid"
}

// Compose renders msg as RFC 5322 bytes and returns them with the new Message-ID.
func (m *Mailer) Compose(msg OutMessage, now time.Time) ([]byte, string, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, "", fmt.Errorf("ticketing: mail sender %q: %w", m.From, err)
	}
	var to []string
	for _, r := range msg.To {
		a, err := mail.ParseAddress(r)
		if err != nil {
			return nil, "", invalid("to", "indirizzo %q non valido", r)
		}
		to = append(to, a.String())
	}
	if len(to) == 0 {
		return nil, "", invalid("to", "nessun destinatario")
	}
	var rnd [12]byte
	rand.Read(rnd[:])
	id := "<" + hex.EncodeToString(rnd[:]) + "@" + m.domain() + ">"
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", from.String())
	h("To", strings.Join(to, ", "))
	h("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", id)
	if msg.InReplyTo != "" {
		h("In-Reply-To", msg.InReplyTo)
	}
	if len(msg.References) > 0 {
		h("References", strings.Join(msg.References, " "))
	}
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated")
	mw := multipart.NewWriter(&b)
	h("Content-Type", `multipart/mixed; boundary="`+mw.Boundary()+`"`)
	b.WriteString("\r\n")
	pw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"}})
	qp := quotedprintable.NewWriter(pw)
	qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(msg.Body, "\r\n", "\n"), "\n", "\r\n")))
	qp.Close()
	for _, a := range msg.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		name := SafeFileName(a.Name)
		aw, _ := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType(strings.SplitN(ct, ";", 2)[0], map[string]string{"name": name})},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": name})},
			"Content-Transfer-Encoding": {"base64"},
		})
		enc := base64.StdEncoding.EncodeToString(a.Data)
		for len(enc) > 76 {
			aw.Write([]byte(enc[:76] + "\r\n"))
			enc = enc[76:]
		}
		aw.Write([]byte(enc + "\r\n"))
	}
	mw.Close()
	return b.Bytes(), id, nil
}

// Deliver composes and sends msg through the relay and returns its Message-ID; other
// packages' mail (the SLA reports) goes out the same way as the tickets'.
func (m *Mailer) Deliver(msg OutMessage, now time.Time) (string, error) { return m.deliver(msg, now) }

// deliver composes and sends msg.
func (m *Mailer) deliver(msg OutMessage, now time.Time) (string, error) {
	raw, id, err := m.Compose(msg, now)
	if err != nil {
		return "", err
	}
	from, _ := mail.ParseAddress(m.From)
	var rcpt []string
	for _, r := range msg.To {
		a, _ := mail.ParseAddress(r)
		rcpt = append(rcpt, a.Address)
	}
	send := m.Send
	if send == nil {
		send = smtp.SendMail
	}
	if err := send(m.Relay, m.Auth, from.Address, rcpt, raw); err != nil {
		return "", fmt.Errorf("ticketing: sending mail via %s: %w", m.Relay, err)
	}
	return id, nil
}

// ErrNoMail is returned by the outbound email actions when no Mailer is configured.
var ErrNoMail = errors.New("ticketing: outbound email is not configured")

// Message is an email of a ticket, in or out.
type Message struct {
	ID         int64     `json:"id"`
	TicketID   int64     `json:"ticketId"`
	Direction  string    `json:"direction"` // "in" or "out"
	Kind       string    `json:"kind"`      // request, reply, answer, ack, data_request, final_reminder, notification, internal
	MessageID  string    `json:"messageId"`
	Sender     string    `json:"from"`
	Recipients string    `json:"to"`
	Subject    string    `json:"subject"`
	Body       string    `json:"body"`
	At         time.Time `json:"at"`
}

// Messages lists a ticket's emails.
func (s *Store) Messages(ctx context.Context, ticketID int64) ([]Message, error) {
	rows, err := s.db.Query(ctx, `SELECT id, ticket_id, direction, kind, message_id, sender, recipients, subject, body, at
		FROM tk_messages WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var at int64
		if err := rows.Scan(&m.ID, &m.TicketID, &m.Direction, &m.Kind, &m.MessageID, &m.Sender, &m.Recipients, &m.Subject,
			&m.Body, &at); err != nil {
			return nil, err
		}
		m.At = sqldb.Time(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) recordMessage(ctx context.Context, m *Message) error {
	return s.db.QueryRow(ctx, `INSERT INTO tk_messages (ticket_id, direction, kind, message_id, sender, recipients, subject,
		body, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.TicketID, m.Direction, m.Kind, m.MessageID, m.Sender,
		m.Recipients, m.Subject, m.Body, sqldb.Millis(m.At)).Scan(&m.ID)
}

// recipient is where mail about a ticket goes, and the Message-IDs to thread with. Mail goes
// only to the e-mail of the request itself (its Contact: what the citizen typed on the public
// page, or the sender of the e-mail that opened it) or to the record of the citizen staff
// linked it to: the latest writer of the thread when they are one of those, else the request's
// e-mail, else the citizen's first. Anyone else who managed to write into the thread gets
// nothing, so a request filed with someone else's phone number cannot draw their mail.
func (s *Store) recipient(ctx context.Context, t *Ticket) (string, []string, error) {
	allowed := map[string]bool{}
	var first string
	if t.Contact != nil && t.Contact.Email != "" {
		allowed[t.Contact.Email] = true
		first = t.Contact.Email
	}
	if t.CitizenID != 0 {
		c, err := s.Citizen(ctx, t.CitizenID)
		if err != nil {
			return "", nil, err
		}
		for _, e := range c.Emails {
			allowed[e] = true
			if first == "" {
				first = e
			}
		}
	}
	var refs []string
	rows, err := s.db.Query(ctx, `SELECT message_id, sender, direction FROM tk_messages WHERE ticket_id = ? ORDER BY id`, t.ID)
	if err != nil {
		return "", nil, err
	}
	var lastSender string
	for rows.Next() {
		var id, sender, dir string
		if err := rows.Scan(&id, &sender, &dir); err != nil {
			rows.Close()
			return "", nil, err
		}
		refs = append(refs, id)
		if dir == "in" && allowed[sender] {
			lastSender = sender
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", nil, err
	}
	if lastSender != "" {
		return lastSender, refs, nil
	}
	if first != "" {
		return first, refs, nil
	}
	return "", refs, invalid("email", "la richiesta %s non ha un indirizzo email né un cittadino con un indirizzo", t.Number)
}

func (s *Store) service() string {
	if s.mail != nil && s.mail.Service != "" {
		return s.mail.Service
	}
	return "Sportello"
}

// sendToCitizen sends an email about t to its citizen, threaded with the earlier messages.
func (s *Store) sendToCitizen(ctx context.Context, t *Ticket, kind, subject, body string, att []OutAttachment, actor string, role Capacity) (*Message, error) {
	return s.sendToCitizenAt(ctx, t, "", kind, subject, body, att, actor, role, "", nil)
}

// sendToCitizenAt is sendToCitizen to a chosen address — one the caller checked is the
// request's or its citizen's (Reply) — or, when to is empty, to recipient's choice; pill and
// extra (what the reply was made of) go into the path.
func (s *Store) sendToCitizenAt(ctx context.Context, t *Ticket, to, kind, subject, body string, att []OutAttachment,
	actor string, role Capacity, pill string, extra []string) (*Message, error) {
	if s.mail == nil {
		return nil, ErrNoMail
	}
	def, refs, err := s.recipient(ctx, t)
	if err != nil && (to == "" || !errors.Is(err, ErrInvalid)) {
		return nil, err
	}
	if to == "" {
		to = def
	}
	msg := OutMessage{To: []string{to}, Subject: fmt.Sprintf("[%s] %s", t.Number, subject), Body: body,
		Attachments: att, References: refs}
	if len(refs) > 0 {
		msg.InReplyTo = refs[len(refs)-1]
	}
	now := s.clock()
	id, err := s.mail.deliver(msg, now)
	if err != nil {
		return nil, err
	}
	m := Message{TicketID: t.ID, Direction: "out", Kind: kind, MessageID: id, Sender: s.mail.From, Recipients: to,
		Subject: msg.Subject, Body: body, At: now}
	if err := s.recordMessage(ctx, &m); err != nil {
		return nil, err
	}
	names := make([]string, len(att))
	for i, a := range att {
		names[i] = a.Name
	}
	reason := "email al cittadino: " + subject
	if len(extra) > 0 {
		reason += " (" + strings.Join(extra, ", ") + ")"
	}
	if len(names) > 0 {
		reason += " (allegati: " + strings.Join(names, ", ") + ")"
	}
	err = s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		return addEvent(ctx, tx, Event{TicketID: t.ID, At: now, Actor: actor, Role: role, Action: ActMessage,
			From: t.State, To: t.State, Reason: reason, Pill: pill})
	})
	return &m, err
}

// SendAnswer emails the answer to the citizen with files attached (TK-6). It does not change
// the ticket's state; solve it with Apply. Reply is the full form: canned answers, the pill's
// forms, a chosen address.
func (s *Store) SendAnswer(ctx context.Context, id int64, actor string, role Capacity, body string, docs []OutAttachment) (*Message, error) {
	t, err := s.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(body) == "" {
		return nil, invalid("body", "il testo della risposta è vuoto")
	}
	if role, err = s.actForOffice(ctx, t, ActMessage, actor, role); err != nil {
		return nil, err
	}
	return s.sendToCitizen(ctx, t, "answer", "Risposta alla sua richiesta", body+signature(s, t), docs, actor, role)
}

func signature(s *Store, t *Ticket) string {
	ref := t.PublicRef
	if ref == "" {
		ref = t.Number
	}
	return fmt.Sprintf("\n\nPer ogni comunicazione citi il numero della richiesta %s.\n%s", ref, s.service())
}

// RequestData handles an incomplete offline request (TK-13, Annex A §6): it emails the citizen
// asking for the missing data and a phone number, and moves the ticket to "Richiesta
// incompleta". If the email cannot be sent the state does not change.
func (s *Store) RequestData(ctx context.Context, id int64, actor string, role Capacity, missing string) (*Ticket, error) {
	t, err := s.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(missing) == "" {
		return nil, invalid("reason", "indicare i dati mancanti")
	}
	if _, _, err := s.authorize(ctx, s.db, t, ActRequestData, actor, role); err != nil {
		return nil, err
	}
	body := fmt.Sprintf("Gentile utente,\n\nper poter prendere in carico la sua richiesta %s abbiamo bisogno delle seguenti "+
		"informazioni:\n\n%s\n\nLa preghiamo di rispondere a questo messaggio indicando anche un recapito telefonico al quale "+
		"poterla ricontattare.", t.Number, strings.TrimSpace(missing))
	if _, err := s.sendToCitizen(ctx, t, "data_request", "Richiesta di integrazione dati", body+signature(s, t), nil, actor, role); err != nil {
		return nil, err
	}
	return s.Apply(ctx, id, Step{Action: ActRequestData, Actor: actor, Role: role, Reason: missing})
}

// FinalReminder closes an incomplete request whose data never came (TK-13): a final email
// invites the citizen to call, and the ticket is "Risolto I Livello".
func (s *Store) FinalReminder(ctx context.Context, id int64, actor string, role Capacity) (*Ticket, error) {
	t, err := s.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.authorize(ctx, s.db, t, ActFinalReminder, actor, role); err != nil {
		return nil, err
	}
	body := fmt.Sprintf("Gentile utente,\n\nnon avendo ricevuto le informazioni necessarie non è stato possibile dare corso "+
		"alla sua richiesta %s.\nLa invitiamo a contattare telefonicamente il contact center, citando il numero della "+
		"richiesta, per completarla.", t.Number)
	if _, err := s.sendToCitizen(ctx, t, "final_reminder", "Sollecito finale", body+signature(s, t), nil, actor, role); err != nil {
		return nil, err
	}
	return s.Apply(ctx, id, Step{Action: ActFinalReminder, Actor: actor, Role: role, Reason: "email definitiva inviata"})
}

// notify sends the notifications of a step (TK-15): the office on assignment, level 3 on
// rejection, the citizen on solution. A failed notification never undoes the step; it is
// recorded in the ticket's path so someone can follow up.
func (s *Store) notify(ctx context.Context, t *Ticket, st Step) {
	if s.mail == nil {
		return
	}
	var err error
	switch st.Action {
	case ActAssign, ActReassign:
		err = s.notifyOffice(ctx, t, st)
	case ActReject:
		if s.mail.Level3 != "" {
			body := fmt.Sprintf("L'assegnazione della richiesta %s è stata respinta da %s.\nMotivazione: %s\nUfficio suggerito: %s\n",
				t.Number, st.Actor, st.Reason, orDash(st.SuggestedOffice))
			err = s.sendInternal(ctx, t, s.mail.Level3, "Assegnazione respinta", body, st)
		}
	case ActSolve, ActSolveL1:
		if t.Channel.Offline() {
			body := "Gentile utente,\n\nla sua richiesta " + t.Number + " è stata risolta."
			if st.Reason != "" {
				body += "\n\n" + st.Reason
			}
			_, err = s.sendToCitizen(ctx, t, "notification", "Richiesta risolta", body+signature(s, t), nil, st.Actor, st.Role)
			if errors.Is(err, ErrInvalid) {
				err = nil // no address: nobody to notify
			}
		}
	}
	if err != nil {
		log.Printf("ticketing: %s: notification of %s failed: %v", t.Number, st.Action, err)
		s.db.InTx(ctx, func(tx *sqldb.Tx) error {
			return addEvent(ctx, tx, Event{TicketID: t.ID, At: s.clock(), Actor: "sistema", Role: AsSystem,
				Action: "notification_failed", From: t.State, To: t.State, Reason: oneLine(err.Error())})
		})
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// notifyOffice tells an office that a request was assigned to it (TK-15): its own mailbox
// and each of its members, one message each, so that an address the relay refuses does not
// keep the others from being told.
func (s *Store) notifyOffice(ctx context.Context, t *Ticket, st Step) error {
	name, to, err := s.officeRecipients(ctx, t.Office, st.Actor)
	if err != nil {
		return err
	}
	verb := "assegnata"
	if st.Action == ActReassign {
		verb = "riassegnata dal supervisore"
	}
	body := fmt.Sprintf("All'ufficio %s è stata %s la richiesta %s (canale %s, priorità %s).\n\nOggetto: %s\n%s\n\nNote: %s\n\n"+
		"La richiesta è nella coda dell'ufficio: la può prendere in carico, risolvere, chiedere un'integrazione al cittadino "+
		"o respingere indicando il motivo e, se lo conosce, l'ufficio competente.\n",
		name, verb, t.Number, t.Channel.Label(), t.Priority, orDash(t.Subject), t.Description, orDash(st.Reason))
	var failed []string
	for _, addr := range to {
		if err := s.sendInternal(ctx, t, addr, "Nuova richiesta assegnata all'ufficio", body, st); err != nil {
			failed = append(failed, addr+": "+err.Error())
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

// sendInternal mails staff about t: never the citizen, so it is recorded as "internal" and
// never shown on the citizens' status page.
func (s *Store) sendInternal(ctx context.Context, t *Ticket, to, subject, body string, st Step) error {
	now := s.clock()
	msg := OutMessage{To: []string{to}, Subject: fmt.Sprintf("[%s] %s", t.Number, subject), Body: body}
	id, err := s.mail.deliver(msg, now)
	if err != nil {
		return err
	}
	return s.recordMessage(ctx, &Message{TicketID: t.ID, Direction: "out", Kind: KindInternal, MessageID: id,
		Sender: s.mail.From, Recipients: to, Subject: msg.Subject, Body: body, At: now})
}

// KindInternal is the kind of the messages sent to staff (offices, members, level 3).
const KindInternal = "internal"

// ——— Intake ———

var subjectNumber = regexp.MustCompile(`\[\s*(RS-\d{4}-\d{6,})\s*\]`)

// inbound is a parsed email.
type inbound struct {
	from        *mail.Address
	subject     string
	messageID   string
	refs        []string
	body        string
	attachments []OutAttachment
	refused     []string
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("charset %q sconosciuto", charset)
	}
	return enc.NewDecoder().Reader(r), nil
}

const maxBody = 64 << 10 // characters of description kept from a message

func parseEmail(raw []byte) (*inbound, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, invalid("message", "email illeggibile: %v", err)
	}
	in := &inbound{}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) == 0 {
		return nil, invalid("from", "mittente mancante o non valido")
	}
	in.from = from[0]
	in.from.Address = strings.ToLower(in.from.Address)
	if in.subject, err = wordDecoder.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		in.subject = msg.Header.Get("Subject")
	}
	in.subject = strings.Join(strings.Fields(in.subject), " ")
	in.messageID = strings.TrimSpace(msg.Header.Get("Message-Id"))
	in.refs = append(strings.Fields(msg.Header.Get("In-Reply-To")), strings.Fields(msg.Header.Get("References"))...)
	var html string
	if err := walkPart(textproto.MIMEHeader(msg.Header), msg.Body, in, &html, 0); err != nil {
		return nil, invalid("message", "%v", err)
	}
	if in.body == "" && html != "" {
		in.body = htmltext.Text(html)
	}
	in.body = strings.TrimSpace(in.body)
	if r := []rune(in.body); len(r) > maxBody {
		in.body = string(r[:maxBody-1]) + "…"
	}
	if r := []rune(in.subject); len(r) > MaxSubject {
		in.subject = string(r[:MaxSubject-1]) + "…"
	}
	return in, nil
}

// walkPart collects the text and the attachments of a MIME part, recursively.
func walkPart(h textproto.MIMEHeader, body io.Reader, in *inbound, html *string, depth int) error {
	if depth > 10 {
		return errors.New("struttura MIME troppo annidata")
	}
	ctype := h.Get("Content-Type")
	if ctype == "" {
		ctype = "text/plain; charset=us-ascii"
	}
	media, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		media, params = "application/octet-stream", nil
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("parte MIME: %w", err)
			}
			if err := walkPart(p.Header, p, in, html, depth+1); err != nil {
				return err
			}
		}
	}
	data, err := io.ReadAll(decodeTransfer(h.Get("Content-Transfer-Encoding"), body))
	if err != nil {
		return fmt.Errorf("contenuto: %w", err)
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if name != "" {
		if dec, err := wordDecoder.DecodeHeader(name); err == nil {
			name = dec
		}
	}
	isText := media == "text/plain" || media == "text/html"
	if disp == "attachment" || name != "" || !isText {
		if name == "" {
			exts, _ := mime.ExtensionsByType(media)
			name = "allegato"
			if media == "message/rfc822" {
				name += ".eml"
			} else if len(exts) > 0 {
				name += exts[0]
			}
		}
		in.attachments = append(in.attachments, OutAttachment{Name: name, ContentType: media, Data: data})
		return nil
	}
	text := string(data)
	if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		if r, err := charsetReader(cs, bytes.NewReader(data)); err == nil {
			if b, err := io.ReadAll(r); err == nil {
				text = string(b)
			}
		}
	}
	if media == "text/html" {
		if *html == "" {
			*html = text
		}
	} else if in.body == "" {
		in.body = text
	}
	return nil
}

func decodeTransfer(enc string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &stripSpace{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// stripSpace drops line breaks and spaces, which base64 bodies carry but the decoder refuses.
type stripSpace struct{ r io.Reader }

func (s *stripSpace) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		j := 0
		for _, c := range p[:n] {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// ReceiveEmail turns an email into a ticket (TK-8): a reply — the ticket number in the subject,
// "[RS-2026-000123]", or an In-Reply-To/References naming one of the ticket's messages — joins
// its ticket (and resumes an incomplete request, TK-13); anything else opens a new email ticket
// for the sender, matched to a known citizen by address or registered with name and address
// only (TK-17). Attachments are stored with the ticket; files of refused kinds are listed in
// the path instead. A message that cannot be read is refused before anything is written.
func (s *Store) ReceiveEmail(ctx context.Context, raw []byte) (*Ticket, error) {
	in, err := parseEmail(raw)
	if err != nil {
		return nil, err
	}
	t, err := s.threadOf(ctx, in)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	kind := "reply"
	if t == nil {
		kind = "request"
		// An empty message is no request: refused before anything is written (the sender's
		// server is told in the SMTP dialogue).
		if in.body == "" && in.subject == "" && len(in.attachments) == 0 {
			return nil, invalid("message", "messaggio vuoto: senza oggetto, testo né allegati")
		}
		// The sender's address is the request's contact; a citizen's record is matched by it
		// (the mail channel's answers go back to that same address) or registered with name
		// and address only (TK-17).
		c, err := s.MatchCitizen(ctx, "", in.from.Address, "")
		if err != nil {
			return nil, err
		}
		if c == nil {
			name := in.from.Name
			if name == "" {
				name = in.from.Address[:strings.IndexByte(in.from.Address, '@')]
			}
			c = &Citizen{Name: name, Emails: []string{in.from.Address}, PreferredChannel: Email}
			if err := s.CreateCitizen(ctx, c); err != nil {
				return nil, err
			}
		}
		desc := in.body
		if desc == "" && in.subject == "" {
			var names []string
			for i, a := range in.attachments {
				if i == 20 {
					names = append(names, fmt.Sprintf("e altri %d", len(in.attachments)-20))
					break
				}
				names = append(names, SafeFileName(a.Name))
			}
			desc = "Messaggio senza testo, con allegati: " + strings.Join(names, ", ")
		}
		name := strings.Join(strings.Fields(in.from.Name), " ")
		if r := []rune(name); len(r) > MaxContactName {
			name = string(r[:MaxContactName])
		}
		t, err = s.Create(ctx, NewTicket{CitizenID: c.ID, Channel: Email, Subject: in.subject, Description: desc,
			Actor: "sistema", Role: AsSystem, At: now, Contact: Contact{Name: name, Email: in.from.Address}})
		if err != nil {
			return nil, err
		}
	}
	msgID := in.messageID
	if msgID == "" {
		msgID = "<no-id-" + t.Number + "-" + fmt.Sprint(now.UnixMilli()) + "@sportello>"
	}
	if err := s.recordMessage(ctx, &Message{TicketID: t.ID, Direction: "in", Kind: kind, MessageID: msgID,
		Sender: in.from.Address, Recipients: "", Subject: in.subject, Body: in.body, At: now}); err != nil {
		return nil, err
	}
	var refused []string
	for _, a := range in.attachments {
		if _, err := s.Attach(ctx, t.ID, a.Name, bytes.NewReader(a.Data), in.from.Address, "email"); err != nil {
			if !errors.Is(err, ErrInvalid) {
				return nil, err
			}
			refused = append(refused, err.Error())
		}
	}
	reason := "email ricevuta da " + in.from.Address
	if len(refused) > 0 {
		reason += "; allegati rifiutati: " + strings.Join(refused, "; ")
	}
	if err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		return addEvent(ctx, tx, Event{TicketID: t.ID, At: now, Actor: in.from.Address, Role: AsSystem, Action: ActMessage,
			From: t.State, To: t.State, Reason: reason})
	}); err != nil {
		return nil, err
	}
	switch {
	case kind == "request":
		if s.mail != nil {
			body := fmt.Sprintf("Gentile utente,\n\nabbiamo ricevuto la sua richiesta, registrata con il numero %s.\n"+
				"Può seguirne lo stato sul sito con il numero %s e il suo indirizzo email, o rispondendo a questo messaggio.",
				t.Number, t.PublicRef)
			if _, err := s.sendToCitizen(ctx, t, "ack", "Richiesta ricevuta", body+signature(s, t), nil, "sistema", AsSystem); err != nil {
				log.Printf("ticketing: %s: acknowledgement not sent: %v", t.Number, err)
			}
		}
	case t.State == StateIncomplete:
		return s.Apply(ctx, t.ID, Step{Action: ActResume, Actor: "sistema", Role: AsSystem, Reason: "il cittadino ha risposto"})
	case t.State == StateSolved || t.State == StateSolvedL1:
		return s.Apply(ctx, t.ID, Step{Action: ActReopen, Actor: "sistema", Role: AsSystem, Reason: "nuovo messaggio del cittadino"})
	}
	return s.Ticket(ctx, t.ID)
}

// threadOf finds the ticket an email replies to, or nil. A closed ticket does not take new
// messages: a reply to it opens a new request.
func (s *Store) threadOf(ctx context.Context, in *inbound) (*Ticket, error) {
	var t *Ticket
	if m := subjectNumber.FindStringSubmatch(in.subject); m != nil {
		found, err := s.TicketByNumber(ctx, m[1])
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		// A number is easy to guess: only the ticket's own correspondents may add to it.
		if found != nil {
			known, err := s.knownSender(ctx, found, in.from.Address)
			if err != nil {
				return nil, err
			}
			if known {
				t = found
			}
		}
	}
	for i := len(in.refs) - 1; t == nil && i >= 0; i-- {
		var id int64
		err := s.db.QueryRow(ctx, `SELECT ticket_id FROM tk_messages WHERE message_id = ? ORDER BY id DESC LIMIT 1`, in.refs[i]).Scan(&id)
		if err == nil {
			if t, err = s.Ticket(ctx, id); err != nil {
				return nil, err
			}
		}
	}
	if t != nil && t.State == StateClosed {
		return nil, nil
	}
	return t, nil
}

// knownSender reports whether addr wrote to the ticket before, is the request's own e-mail or
// is its citizen's address.
func (s *Store) knownSender(ctx context.Context, t *Ticket, addr string) (bool, error) {
	if t.Contact != nil && t.Contact.Email == addr {
		return true, nil
	}
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tk_messages WHERE ticket_id = ? AND direction = 'in' AND sender = ?`,
		t.ID, addr).Scan(&n)
	if err != nil || n > 0 {
		return n > 0, err
	}
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tk_citizen_contacts WHERE citizen_id = ? AND kind = 'email' AND value = ?`,
		t.CitizenID, addr).Scan(&n)
	return n > 0, err
}
