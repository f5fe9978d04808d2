package ticketing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"sportello/telephony"
)

// Telephony adapts the Store to the telephony package's Tickets interface: the CTI opens a
// ticket when a call reaches an operator (TK-1), books callbacks on it (TEL-7), and turns
// voicemail messages into offline tickets with the recording attached (TEL-6, TK-16).
type Telephony struct {
	Store *Store
	// VoicemailDir is the voicemail box's folder (telephony.VoicemailBox.Dir), where the
	// recordings named by VoicemailInfo.Recording are read from.
	VoicemailDir string
}

var _ telephony.Tickets = (*Telephony)(nil)

func channelOf(c telephony.Channel) Channel {
	switch c {
	case telephony.Email:
		return Email
	case telephony.Fax:
		return Fax
	case telephony.VoicemailChan:
		return Voicemail
	case telephony.Web:
		return Web
	}
	return Phone // voice and outbound callbacks
}

// byCall finds the ticket a call already opened, if any.
func (a *Telephony) byCall(ctx context.Context, callID string, ch Channel) (*Ticket, error) {
	if callID == "" {
		return nil, nil
	}
	t, err := scanTicket(a.Store.db.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tk_tickets WHERE call_id = ? AND channel = ?
		ORDER BY id DESC LIMIT 1`, callID, ch))
	if errors.Is(err, ErrNotFound) || errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return t, err
}

// OpenContact opens the ticket of a call that reached an operator, or returns the one the call
// already has. The caller is matched to a citizen by number; unknown callers are not
// registered automatically (TK-17): the operator links or creates the record.
func (a *Telephony) OpenContact(ctx context.Context, c telephony.TicketContact) (telephony.TicketRef, error) {
	ch := channelOf(c.Channel)
	if t, err := a.byCall(ctx, c.CallID, ch); err != nil || t != nil {
		if t == nil {
			return "", err
		}
		return telephony.TicketRef(t.Number), nil
	}
	n := NewTicket{Channel: ch, Actor: c.Operator, Role: AsOperator, CallID: c.CallID, At: c.At,
		Description: ""}
	if n.Actor == "" {
		n.Actor = "sistema"
		n.Role = AsSystem
	}
	if cit, err := a.Store.MatchCitizen(ctx, "", "", c.From); err != nil {
		return "", err
	} else if cit != nil {
		n.CitizenID = cit.ID
	}
	if c.From != "" {
		n.Subject = "Chiamata da " + c.From
	}
	t, err := a.Store.Create(ctx, n)
	if err != nil {
		return "", err
	}
	return telephony.TicketRef(t.Number), nil
}

// BookCallback puts a telephony callback booking on the ticket's callback list.
func (a *Telephony) BookCallback(ctx context.Context, ref telephony.TicketRef, cb telephony.Callback) error {
	t, err := a.Store.TicketByNumber(ctx, string(ref))
	if err != nil {
		return fmt.Errorf("ticketing: callback on %s: %w", ref, err)
	}
	_, err = a.Store.ScheduleCallback(ctx, t.ID, Callback{Number: cb.Number, Due: cb.Slot, MaxAttempts: cb.Attempts,
		RetryDelay: cb.RetryDelay, Notes: "prenotata dall'IVR, coda " + cb.Queue}, "sistema")
	return err
}

// Voicemail opens an offline ticket for a message left in the voicemail box, with the
// recording attached. Its SLA clock follows TK-16 on this package's calendar.
func (a *Telephony) Voicemail(ctx context.Context, v telephony.VoicemailInfo) (telephony.TicketRef, error) {
	if t, err := a.byCall(ctx, v.CallID, Voicemail); err != nil || t != nil {
		if t == nil {
			return "", err
		}
		return telephony.TicketRef(t.Number), nil
	}
	n := NewTicket{Channel: Voicemail, Actor: "sistema", Role: AsSystem, CallID: v.CallID, At: v.At,
		Subject:     "Messaggio in segreteria da " + orDash(v.From),
		Description: fmt.Sprintf("Messaggio vocale di %s lasciato il %s (coda %s).", v.Duration.Round(time.Second), v.At.In(a.Store.cal.Location).Format("02/01/2006 15:04"), orDash(v.Queue))}
	// Open the recording first, so that a missing one fails before anything is written.
	var rec *os.File
	if v.Recording != "" && a.VoicemailDir != "" {
		if filepath.Base(v.Recording) != v.Recording {
			return "", invalid("recording", "%q non è un nome di file", v.Recording)
		}
		f, err := os.Open(filepath.Join(a.VoicemailDir, v.Recording))
		if err != nil {
			return "", fmt.Errorf("ticketing: voicemail recording: %w", err)
		}
		defer f.Close()
		rec = f
	}
	if cit, err := a.Store.MatchCitizen(ctx, "", "", v.From); err != nil {
		return "", err
	} else if cit != nil {
		n.CitizenID = cit.ID
	}
	t, err := a.Store.Create(ctx, n)
	if err != nil {
		return "", err
	}
	if rec != nil {
		if _, err := a.Store.Attach(ctx, t.ID, v.Recording, rec, "sistema", "voicemail"); err != nil {
			// The ticket stands (the message must be called back); the box keeps the file.
			return telephony.TicketRef(t.Number), fmt.Errorf("ticketing: %s: attaching the recording: %w", t.Number, err)
		}
	}
	return telephony.TicketRef(t.Number), nil
}
