package telephony

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// MemTicket is one ticket held by MemTickets.
type MemTicket struct {
	Ref       TicketRef
	Contact   TicketContact
	Callbacks []Callback
	Voicemail *VoicemailInfo
}

// MemTickets is an in-memory Tickets for tests and the demo, until the ticketing package is
// wired in. It is safe for concurrent use.
type MemTickets struct {
	mu      sync.Mutex
	next    int
	tickets map[TicketRef]*MemTicket
	byCall  map[string]TicketRef
}

// NewMemTickets returns an empty ticket store.
func NewMemTickets() *MemTickets {
	return &MemTickets{tickets: map[TicketRef]*MemTicket{}, byCall: map[string]TicketRef{}}
}

func (m *MemTickets) open(c TicketContact) *MemTicket {
	if ref, ok := m.byCall[c.CallID]; ok && c.CallID != "" {
		return m.tickets[ref]
	}
	m.next++
	t := &MemTicket{Ref: TicketRef(fmt.Sprintf("T%06d", m.next)), Contact: c}
	m.tickets[t.Ref] = t
	if c.CallID != "" {
		m.byCall[c.CallID] = t.Ref
	}
	return t
}

// OpenContact opens a ticket, or returns the one already open for the same call.
func (m *MemTickets) OpenContact(_ context.Context, c TicketContact) (TicketRef, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.open(c).Ref, nil
}

// BookCallback adds a callback to a ticket.
func (m *MemTickets) BookCallback(_ context.Context, ref TicketRef, cb Callback) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.tickets[ref]
	if t == nil {
		return fmt.Errorf("memtickets: no ticket %s", ref)
	}
	if cb.Number == "" {
		return errors.New("memtickets: callback without a number")
	}
	t.Callbacks = append(t.Callbacks, cb)
	return nil
}

// Voicemail opens an offline ticket for a message.
func (m *MemTickets) Voicemail(_ context.Context, v VoicemailInfo) (TicketRef, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.open(TicketContact{CallID: v.CallID, Channel: VoicemailChan, From: v.From, To: v.To, Queue: v.Queue, At: v.At})
	vv := v
	t.Voicemail = &vv
	return t.Ref, nil
}

// All returns copies of every ticket, in creation order.
func (m *MemTickets) All() []MemTicket {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]MemTicket, 0, len(m.tickets))
	for _, t := range m.tickets {
		c := *t
		c.Callbacks = append([]Callback(nil), t.Callbacks...)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out
}
