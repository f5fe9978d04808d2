package contactcenter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"sportello/internal/clock"
	"sportello/telephony"
	"sportello/ticketing"
)

// Tickets adapts the ticketing Store to the telephony package's Tickets interface: the CTI
// opens one ticket when a call reaches an operator (TK-1), books callbacks on it (TEL-7), and
// turns voicemail messages into offline tickets with the recording attached (TEL-6, TK-16).
type Tickets struct {
	Store *ticketing.Store
	// VoicemailDir is the voicemail box's folder (telephony.VoicemailBox.Dir), where the
	// recordings named by VoicemailInfo.Recording are read from.
	VoicemailDir string
	// Capacities tells in which capacity the person who answers a contact acts (their role:
	// a call transferred to a level-2 user is at level 2); nil: everyone answers as an operator.
	Capacities Capacities
}

// Capacities tells in which capacity a user acts on tickets (ticketing.CapacityOf of their
// role): the telephony knows operators by name only.
type Capacities interface {
	Capacity(ctx context.Context, user string) ticketing.Capacity
}

// CapacityFunc adapts a function to Capacities.
type CapacityFunc func(ctx context.Context, user string) ticketing.Capacity

// Capacity calls f.
func (f CapacityFunc) Capacity(ctx context.Context, user string) ticketing.Capacity {
	return f(ctx, user)
}

var _ telephony.Tickets = (*Tickets)(nil)

func channelOf(c telephony.Channel) ticketing.Channel {
	switch c {
	case telephony.Email:
		return ticketing.Email
	case telephony.Fax:
		return ticketing.Fax
	case telephony.VoicemailChan:
		return ticketing.Voicemail
	case telephony.Web:
		return ticketing.Web
	}
	return ticketing.Phone // voice and outbound callbacks
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// OpenContact returns the one ticket of a contact (ticketing.Store.ForContact): opened the
// first time, taken in hand by the operator who answered, the same ticket afterwards — also
// when the call is transferred to another operator (TK-5), which the path records. The caller
// is matched to a citizen by number; unknown callers are not registered automatically (TK-17):
// the operator links or creates the record.
//
// The person who answered acts in the capacity their role gives (Capacities): a call
// transferred to a level-2 user is at level 2 from then on, and no longer counts as solved at
// first contact.
func (a *Tickets) OpenContact(ctx context.Context, c telephony.TicketContact) (telephony.TicketRef, error) {
	var role ticketing.Capacity
	if a.Capacities != nil && c.Operator != "" {
		role = a.Capacities.Capacity(ctx, c.Operator)
		switch role {
		case ticketing.AsOperator, ticketing.AsBackOffice, ticketing.AsLevel2, ticketing.AsSupervisor:
		default:
			role = ticketing.AsOperator // an ACD operator without an account answering role
		}
	}
	t, err := a.Store.ForContact(ctx, c.CallID, ticketing.AnsweredContact{Channel: channelOf(c.Channel), From: c.From,
		Operator: c.Operator, Role: role, Queue: c.Queue, At: c.At})
	if err != nil {
		return "", err
	}
	return telephony.TicketRef(t.Number), nil
}

// BookCallback puts a telephony callback booking on the ticket's callback list.
func (a *Tickets) BookCallback(ctx context.Context, ref telephony.TicketRef, cb telephony.Callback) error {
	t, err := a.Store.TicketByNumber(ctx, string(ref))
	if err != nil {
		return fmt.Errorf("contactcenter: callback on %s: %w", ref, err)
	}
	_, err = a.Store.ScheduleCallback(ctx, t.ID, ticketing.Callback{Number: cb.Number, Due: cb.Slot, MaxAttempts: cb.Attempts,
		RetryDelay: cb.RetryDelay, Notes: "prenotata dall'IVR, coda " + cb.Queue}, "sistema")
	return err
}

// Voicemail opens an offline ticket for a message left in the voicemail box, with the
// recording attached. Its SLA clock follows TK-16 on this package's calendar.
func (a *Tickets) Voicemail(ctx context.Context, v telephony.VoicemailInfo) (telephony.TicketRef, error) {
	if t, err := a.Store.TicketByCall(ctx, v.CallID, ticketing.Voicemail); err != nil || t != nil {
		if t == nil {
			return "", err
		}
		return telephony.TicketRef(t.Number), nil
	}
	n := ticketing.NewTicket{Channel: ticketing.Voicemail, Actor: "sistema", Role: ticketing.AsSystem, CallID: v.CallID, At: v.At,
		Subject:     "Messaggio in segreteria da " + orDash(v.From),
		Description: fmt.Sprintf("Messaggio vocale di %s lasciato il %s (coda %s).", v.Duration.Round(time.Second), clock.DateTime(v.At), orDash(v.Queue))}
	// Open the recording first, so that a missing one fails before anything is written.
	var rec *os.File
	if v.Recording != "" && a.VoicemailDir != "" {
		if filepath.Base(v.Recording) != v.Recording {
			return "", &ticketing.InvalidError{Field: "recording", Msg: fmt.Sprintf("%q non è un nome di file", v.Recording)}
		}
		f, err := os.Open(filepath.Join(a.VoicemailDir, v.Recording))
		if err != nil {
			return "", fmt.Errorf("contactcenter: voicemail recording: %w", err)
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
			return telephony.TicketRef(t.Number), fmt.Errorf("contactcenter: %s: attaching the recording: %w", t.Number, err)
		}
	}
	return telephony.TicketRef(t.Number), nil
}
