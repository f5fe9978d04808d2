package ticketing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"sportello/kb"
)

// Replies from the ticket (TK-6): an e-mail to the citizen, threaded with the request by
// "[RS-…]" in the subject and In-Reply-To/References, written by the operator or started from a
// canned answer, with the forms of the pill that answers the request and files of the ticket
// attached. It goes to the request's own e-mail or to an address of the citizen staff linked
// it to — never anywhere else (see recipient) — and never carries internal notes.

// PillReader reads a pill; *kb.Store satisfies it.
type PillReader interface {
	Pill(ctx context.Context, iri string) (*kb.Pill, error)
}

// DocumentSource finds the file stored behind a pill's form link, to attach it. A link it does
// not hold is ErrNotFound (or kb.ErrNotFound), and is then sent as a link in the text: nothing
// is fetched from the network.
type DocumentSource interface {
	Document(ctx context.Context, url string) (*OutAttachment, error)
}

// Reply is an e-mail reply to the citizen.
type Reply struct {
	// To is one of ReplyAddresses; empty means the request's usual address.
	To string
	// Subject of the e-mail, after "[RS-…]"; empty means the canned answer's, or "Risposta alla
	// sua richiesta".
	Subject string
	// Body is the text. Empty with Canned set means the canned answer's text, filled in.
	Body string
	// Canned is the canned answer the reply starts from (0: none).
	Canned int64
	// Pill is the IRI of the pill that answers: its forms are attached when stored, listed as
	// links otherwise. Only a published pill, within its validity dates, goes to a citizen.
	Pill string
	// Attachments are ids of the ticket's own attachments to send along.
	Attachments []int64
}

// Limits of a reply.
const (
	MaxReplyBody  = 20000    // characters
	MaxReplyBytes = 20 << 20 // attachments together, the size most relays take
)

// ReplyAddresses lists where a reply may go: the request's own e-mail first, then the linked
// citizen's addresses.
func (s *Store) ReplyAddresses(ctx context.Context, ticketID int64) ([]string, error) {
	t, err := s.Ticket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	return s.replyAddresses(ctx, t)
}

func (s *Store) replyAddresses(ctx context.Context, t *Ticket) ([]string, error) {
	out := []string{}
	if t.Contact != nil && t.Contact.Email != "" {
		out = append(out, t.Contact.Email)
	}
	if t.CitizenID != 0 {
		c, err := s.Citizen(ctx, t.CitizenID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if c != nil {
			for _, e := range c.Emails {
				if !contains(out, e) {
					out = append(out, e)
				}
			}
		}
	}
	return out, nil
}

// replyPill reads a pill that may go to a citizen: published, within its validity dates.
func (s *Store) replyPill(ctx context.Context, iri string) (*kb.Pill, error) {
	if !isIRI(iri) {
		return nil, invalid("pill", "%q non è l'IRI di una scheda", iri)
	}
	if s.pills == nil {
		return nil, invalid("pill", "la base di conoscenza non è collegata: non si possono inviare le schede")
	}
	p, err := s.pills.Pill(ctx, iri)
	if errors.Is(err, kb.ErrNotFound) || errors.Is(err, ErrNotFound) {
		return nil, invalid("pill", "la scheda %s non esiste", iri)
	}
	if err != nil {
		return nil, err
	}
	now := s.clock()
	// What goes to a citizen is what the public may see (kb's one visibility rule).
	if !kb.Anonymous.Sees(p, now) {
		return nil, invalid("pill", "la scheda «%s» non è pubblicata o non è in vigore: non può essere inviata al cittadino", p.Title)
	}
	return p, nil
}

// actForOffice is authorize for what is not a step of the flow (a reply): on a ticket in an
// office's hands, only its members, level 3 and the system; staff only.
func (s *Store) actForOffice(ctx context.Context, t *Ticket, a Action, actor string, role Capacity) (Capacity, error) {
	if err := staffOnly(t, a, role); err != nil {
		return "", err
	}
	if officeBound(t) && role != AsSupervisor {
		m, err := member(ctx, s.db, t.Office, actor)
		if err != nil {
			return "", err
		}
		if m == nil {
			return "", &TransitionError{t.Number, a, t.State, role, &refusal{ErrNotMember,
				fmt.Sprintf("%s non fa parte dell'ufficio «%s», a cui è assegnata la richiesta %s: risponde al cittadino uno dei suoi membri",
					actor, s.officeName(ctx, t.Office), t.Number)}}
		}
		return m.Capacity, nil
	}
	return role, nil
}

// Reply sends r to the citizen of ticket id as actor (TK-6), records it with the ticket's
// messages and as a step of the path (with the canned answer, the pill and the files sent),
// and returns the message. The ticket's state does not change: solve it with Solve or
// AnswerWithPill. Nothing is sent when anything is refused.
func (s *Store) Reply(ctx context.Context, id int64, actor string, role Capacity, r Reply) (*Message, error) {
	if s.mail == nil {
		return nil, ErrNoMail
	}
	t, err := s.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	var p Problems
	if actor, err = checkUserName("actor", actor); err != nil {
		p.add(err)
	}
	r.Body = strings.TrimSpace(strings.ReplaceAll(r.Body, "\r\n", "\n"))
	r.Subject = strings.Join(strings.Fields(r.Subject), " ")
	r.Pill = strings.TrimSpace(r.Pill)
	if r.Body == "" && r.Canned == 0 {
		p.add(invalid("body", "scrivere la risposta o scegliere una risposta predefinita"))
	}
	p.add(checkText("body", "la risposta", r.Body, MaxReplyBody))
	p.add(checkText("subject", "l'oggetto", r.Subject, MaxSubject))
	if len(r.Attachments) > 20 {
		p.add(invalid("attachments", "al massimo 20 allegati per risposta"))
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	role, err = s.actForOffice(ctx, t, ActMessage, actor, role)
	if err != nil {
		return nil, err
	}
	// Where it goes: one of the request's own addresses, nothing else.
	allowed, err := s.replyAddresses(ctx, t)
	if err != nil {
		return nil, err
	}
	to := ""
	if r.To != "" {
		addr, err := NormalizeEmail(r.To)
		if err != nil || !contains(allowed, addr) {
			return nil, invalid("to", "si risponde solo all'indirizzo della richiesta o a quelli del cittadino collegato (%s)",
				orDash(strings.Join(allowed, ", ")))
		}
		to = addr
	}
	var pill *kb.Pill
	if r.Pill != "" {
		if pill, err = s.replyPill(ctx, r.Pill); err != nil {
			return nil, err
		}
	}
	subject, body := r.Subject, r.Body
	cannedName := ""
	if r.Canned != 0 {
		c, err := s.Canned(ctx, r.Canned)
		if errors.Is(err, ErrNotFound) {
			return nil, invalid("canned", "risposta predefinita %d inesistente", r.Canned)
		}
		if err != nil {
			return nil, err
		}
		cannedName = c.Name
		title := ""
		if pill != nil {
			title = pill.Title
		}
		cs, cb, err := s.renderCanned(ctx, t, c, title)
		if err != nil {
			return nil, err
		}
		if subject == "" {
			subject = cs
		}
		if body == "" {
			body = cb
		}
	}
	if subject == "" {
		subject = "Risposta alla sua richiesta"
	}
	var files []OutAttachment
	var size int64
	for _, aid := range r.Attachments {
		f, err := s.ticketFile(ctx, t, aid)
		if err != nil {
			return nil, err
		}
		size += int64(len(f.Data))
		files = append(files, *f)
	}
	if pill != nil && len(pill.Forms) > 0 {
		var links []string
		for _, form := range pill.Forms {
			var doc *OutAttachment
			if s.docs != nil {
				doc, err = s.docs.Document(ctx, form.URL)
				if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, kb.ErrNotFound) {
					return nil, fmt.Errorf("ticketing: form %s: %w", form.URL, err)
				}
			}
			if doc != nil {
				size += int64(len(doc.Data))
				files = append(files, *doc)
				continue
			}
			title := form.Title
			if title == "" {
				title = "Modulo"
			}
			links = append(links, "- "+title+": "+form.URL)
		}
		if len(links) > 0 {
			body += "\n\nModuli e documenti:\n" + strings.Join(links, "\n")
		}
	}
	if size > MaxReplyBytes {
		return nil, invalid("attachments", "gli allegati superano insieme %d MB: inviarne meno", MaxReplyBytes>>20)
	}
	var extra []string
	if cannedName != "" {
		extra = append(extra, "risposta predefinita «"+cannedName+"»")
	}
	if pill != nil {
		extra = append(extra, "scheda «"+pill.Title+"»")
	}
	return s.sendToCitizenAt(ctx, t, to, "answer", subject, body+signature(s, t), files, actor, role, r.Pill, extra)
}

// ticketFile reads attachment aid of ticket t into memory, for a reply.
func (s *Store) ticketFile(ctx context.Context, t *Ticket, aid int64) (*OutAttachment, error) {
	a, f, err := s.OpenAttachment(ctx, aid)
	if errors.Is(err, ErrNotFound) {
		return nil, invalid("attachments", "allegato %d inesistente", aid)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if a.TicketID != t.ID {
		return nil, invalid("attachments", "l'allegato %d non è della richiesta %s", aid, t.Number)
	}
	if a.Size > MaxReplyBytes {
		return nil, invalid("attachments", "l'allegato «%s» supera %d MB", a.Name, MaxReplyBytes>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxReplyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("ticketing: attachment %d: %w", aid, err)
	}
	return &OutAttachment{Name: a.Name, ContentType: a.ContentType, Data: data}, nil
}
