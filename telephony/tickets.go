package telephony

import (
	"context"
	"time"
)

// TicketRef identifies a ticket in the ticketing system.
type TicketRef string

// TicketContact is what the CTI knows of a contact when it asks for a ticket (TK-1).
type TicketContact struct {
	CallID   string
	Channel  Channel
	From     string // caller number: the ticketing side matches the citizen by it
	To       string
	Queue    string
	Operator string
	At       time.Time
}

// Callback is a booked return call (TEL-7): the operator calls Number at Slot; if nobody
// answers, up to Attempts tries, RetryDelay apart, inside the callback window.
type Callback struct {
	CallID     string
	Number     string
	Queue      string
	Slot       time.Time
	Attempts   int
	RetryDelay time.Duration
}

// VoicemailInfo describes a message left in the voicemail box (TEL-6, TK-16).
type VoicemailInfo struct {
	CallID    string
	From      string
	To        string
	Queue     string
	At        time.Time
	Recording string        // file name inside the voicemail directory
	Duration  time.Duration // length of the recording
	Deadline  time.Time     // must be taken in charge by then (4 working hours)
}

// Tickets is the part of the ticketing system the telephony needs. The ticketing package
// implements it; MemTickets is an in-memory implementation for tests and the demo.
type Tickets interface {
	// OpenContact opens (or finds) the ticket of a contact that reached an operator.
	OpenContact(ctx context.Context, c TicketContact) (TicketRef, error)
	// BookCallback puts a callback on a ticket.
	BookCallback(ctx context.Context, t TicketRef, cb Callback) error
	// Voicemail opens an offline ticket for a message, with the recording attached.
	Voicemail(ctx context.Context, v VoicemailInfo) (TicketRef, error)
}
