package contactcenter

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"sportello/i18n"
	"sportello/telephony"
)

// Message is one message of the live push to the consoles and the supervisor's view: every CTI
// event, and for a ringing event the screen pop.
type Message struct {
	Event telephony.Event
	Pop   *Pop
}

// Pop is the screen pop an operator's console shows when a contact rings them (TEL-2): the
// CTI's ScreenPop, the records whose number is the caller's (citizens first, then the
// directory), and the ticket opened for the contact (TK-1).
type Pop struct {
	telephony.ScreenPop
	Callers []Caller
	Ticket  string
	// TicketError says why no ticket could be opened, in Italian; the pop is shown anyway, so
	// the operator can still help the citizen.
	TicketError string
}

// Filter says which events a listener receives.
type Filter struct {
	All       bool   // every event (the supervisor's view)
	Operator  string // the events of this operator (a console)
	Extension string // and of its extension: an external PBX (Zammad) names the terminal instead
}

func (f Filter) wants(e telephony.Event) bool {
	if f.All || e.Operator == f.Operator {
		return true
	}
	return f.Extension != "" && e.Operator == f.Extension
}

// Hub is the call-event hub: it reads the ACD's event log once, turns each ringing event into a
// screen pop — the caller looked up once and one ticket opened per contact, however many
// browsers listen — and fans the messages out to the listeners. A listener that does not read
// misses messages rather than holding up the others.
type Hub struct {
	tickets telephony.Tickets // nil: pops carry no ticket
	finders []CallerFinder

	events <-chan telephony.Event
	cancel func()

	mu        sync.Mutex
	listeners map[*listener]struct{}
	pops      map[string]Pop // the last pop of each live contact, for a console opened mid-call
	dropped   atomic.Uint64
	started   atomic.Bool
}

type listener struct {
	ch     chan Message
	filter Filter
}

// NewHub subscribes to acd's event log at once, so that no event after NewHub is missed; Run
// then serves it. tickets opens the ticket of each contact (nil: none); finders look the caller
// up, in order (citizens, then the directory).
func NewHub(acd *telephony.ACD, tickets telephony.Tickets, finders ...CallerFinder) *Hub {
	events, cancel := acd.Log().Subscribe(4096)
	return &Hub{tickets: tickets, finders: finders, events: events, cancel: cancel,
		listeners: map[*listener]struct{}{}, pops: map[string]Pop{}}
}

// Run serves the events until ctx ends (or the log closes), then ends every listener's stream.
func (h *Hub) Run(ctx context.Context) error {
	h.started.Store(true)
	stop := context.AfterFunc(ctx, h.cancel)
	defer stop()
	for e := range h.events {
		h.deliver(e)
	}
	// The log closed the subscription: end every stream.
	h.mu.Lock()
	for l := range h.listeners {
		close(l.ch)
		delete(h.listeners, l)
	}
	h.mu.Unlock()
	return nil
}

// Started reports whether Run is serving the events.
func (h *Hub) Started() bool { return h.started.Load() }

func (h *Hub) deliver(e telephony.Event) {
	m := Message{Event: e}
	if sp, ok := telephony.PopFromEvent(e); ok {
		p := h.pop(sp, e.Time)
		m.Pop = &p
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch e.Kind {
	case telephony.EvRinging:
		if m.Pop != nil {
			h.pops[e.CallID] = *m.Pop
		}
	case telephony.EvAbandoned, telephony.EvCompleted, telephony.EvTransferred, telephony.EvOverflowed,
		telephony.EvEnded, telephony.EvCallbackAccepted, telephony.EvBlocked:
		delete(h.pops, e.CallID)
	}
	for l := range h.listeners {
		if !l.filter.wants(e) {
			continue
		}
		select {
		case l.ch <- m:
		default:
			// A browser that does not read must not hold up the others: it misses this message
			// and resynchronises from the console's state on its next reconnection.
			h.dropped.Add(1)
		}
	}
}

// pop enriches a screen pop: the caller looked up and the contact's ticket opened through the
// Tickets interface (TK-1). Tickets implementations open or find, so a call that rings again
// after a missed ring keeps its ticket.
func (h *Hub) pop(sp telephony.ScreenPop, at time.Time) Pop {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p := Pop{ScreenPop: sp, Callers: []Caller{}}
	for _, f := range h.finders {
		p.Callers = append(p.Callers, f.Callers(ctx, sp.From)...)
	}
	if h.tickets != nil {
		ref, err := h.tickets.OpenContact(ctx, telephony.TicketContact{CallID: sp.CallID, Channel: sp.Channel,
			From: sp.From, To: sp.To, Queue: sp.Queue, Operator: sp.Operator, At: at})
		if err != nil {
			p.TicketError = i18n.T("cti.ticketError")
		}
		p.Ticket = string(ref)
	}
	return p
}

// Listen adds a listener with a buffer of size messages; it receives the messages f wants until
// cancel is called (or the hub stops, which closes the channel).
func (h *Hub) Listen(f Filter, size int) (msgs <-chan Message, cancel func()) {
	l := &listener{ch: make(chan Message, size), filter: f}
	h.mu.Lock()
	h.listeners[l] = struct{}{}
	h.mu.Unlock()
	return l.ch, func() {
		h.mu.Lock()
		delete(h.listeners, l)
		h.mu.Unlock()
	}
}

// Listeners is the number of listeners (tests check that none outlives its browser).
func (h *Hub) Listeners() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.listeners)
}

// Dropped is the number of messages listeners missed because they did not read.
func (h *Hub) Dropped() uint64 { return h.dropped.Load() }

// LivePop returns the pop of a contact still ringing or connected.
func (h *Hub) LivePop(callID string) (Pop, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.pops[callID]
	return p, ok
}
