package contactcenter

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"sportello/i18n"
	"sportello/telephony"
)

// Message is one message of the live push to the desks and the supervisor's view: every CTI
// event, for a ringing event with the screen pop; and, addressed to one operator's desk (For),
// an answered contact or one transferred to that operator, with the contact's ticket.
type Message struct {
	Event telephony.Event
	Pop   *Pop
	// For routes the message to this operator's desk instead of the event's operator: the
	// contact with its ticket for the operator who answered it, the operator a call was
	// transferred to, the other phones of a ring-all when the call ended. The supervisor's view
	// does not receive these copies (it has the event once, without the contact).
	For string
}

// Pop is the contact as an operator's desk shows it (TEL-2): the CTI's ScreenPop, the records
// whose number is the caller's (citizens first, then the directory), and — once the contact is
// answered — its ticket (TK-1). A ringing contact has no ticket: one is opened only when a
// person answers.
type Pop struct {
	telephony.ScreenPop
	Callers []Caller
	Ticket  string
	// TicketError says why no ticket could be opened, in Italian; the contact is shown anyway,
	// so the operator can still help the citizen.
	TicketError string
	// Answered: the contact is connected to the operator (or was, when Ended is set).
	Answered bool
	// TransferredFrom is the operator who transferred the call to this one (TK-5).
	TransferredFrom string
	// Ended is the event that ended the contact for this operator (completed, transferred,
	// abandoned…); "" while it lasts.
	Ended telephony.EventKind
	// Ref is what a placed callback follows up (its booking).
	Ref string
}

// Filter says which events a listener receives.
type Filter struct {
	All       bool   // every event (the supervisor's view)
	Operator  string // the events of this operator (a desk)
	Extension string // and of its extension: an external PBX (Zammad) names the terminal instead
}

func (f Filter) wants(m Message) bool {
	if m.For != "" {
		return !f.All && (f.Operator == m.For || f.Extension != "" && f.Extension == m.For)
	}
	e := m.Event
	if f.All || e.Operator == f.Operator {
		return true
	}
	return f.Extension != "" && e.Operator == f.Extension
}

// Operators maps extensions to the contact center's operators: a call transferred to an
// operator's extension brings its ticket to them. *telephony.ACD satisfies it.
type Operators interface {
	OperatorByExtension(ext string) (string, bool)
}

// Hub is the call-event hub: it reads the ACD's event log once, turns each ringing event into a
// screen pop — the caller looked up once — opens the ticket of each contact when it is answered
// (TK-1: one per contact, never for a phone that only rang, a busy one or a call abandoned in
// the queue), moves it with the call when the call is transferred to another operator (TK-5),
// records the outcome of placed callbacks on their booking, and fans the messages out to the
// listeners. A listener that does not read misses messages rather than holding up the others.
type Hub struct {
	tickets telephony.Tickets // nil: contacts get no ticket
	finders []CallerFinder
	ops     Operators
	desk    *Desk // nil: no escalation with the call, no callback outcomes
	log     *slog.Logger

	events <-chan telephony.Event
	cancel func()

	mu        sync.Mutex
	listeners map[*listener]struct{}
	pops      map[string]Pop // the pop of each live contact, by call, for a desk opened mid-call
	current   map[string]Pop // each operator's latest contact, for a desk reopened after the call
	dropped   atomic.Uint64
	started   atomic.Bool
}

type listener struct {
	ch     chan Message
	filter Filter
}

// NewHub subscribes to acd's event log at once, so that no event after NewHub is missed; Run
// then serves it. tickets opens the ticket of each answered contact (nil: none); finders look
// the caller up, in order (citizens, then the directory).
func NewHub(acd *telephony.ACD, tickets telephony.Tickets, finders ...CallerFinder) *Hub {
	events, cancel := acd.Log().Subscribe(4096)
	return &Hub{tickets: tickets, finders: finders, ops: acd, events: events, cancel: cancel, log: slog.Default(),
		listeners: map[*listener]struct{}{}, pops: map[string]Pop{}, current: map[string]Pop{}}
}

// WithDesk gives the hub the desk's domain side, before Run: escalations that travel with a
// transfer, and the outcomes of placed callbacks recorded on their booking.
func (h *Hub) WithDesk(d *Desk) *Hub {
	h.desk = d
	if d != nil && d.Log != nil {
		h.log = d.Log
	}
	return h
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

// ends are the events after which a contact is over for its operator.
var ends = map[telephony.EventKind]bool{
	telephony.EvAbandoned: true, telephony.EvCompleted: true, telephony.EvTransferred: true, telephony.EvOverflowed: true,
	telephony.EvEnded: true, telephony.EvCallbackAccepted: true, telephony.EvBlocked: true, telephony.EvRequeued: true,
}

func (h *Hub) deliver(e telephony.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs := []Message{{Event: e}}
	switch e.Kind {
	case telephony.EvRinging:
		if sp, ok := telephony.PopFromEvent(e); ok {
			p := Pop{ScreenPop: sp, Callers: h.callers(ctx, sp.From)}
			msgs[0].Pop = &p
		}
	case telephony.EvAnswered:
		// The answered event stays an ordinary event for every listener — the supervisor's
		// view refreshes its live section on it, and the stream's clients know it by its kind —
		// while the contact with its ticket is a message of its own for the desk of the
		// operator who answered.
		if p, ok := h.answered(ctx, e); ok {
			msgs = append(msgs, Message{Event: e, Pop: &p, For: e.Operator})
		}
	case telephony.EvTransferred:
		msgs = append(msgs, h.transferred(ctx, e)...)
	case telephony.EvTransferFailed, telephony.EvTransferCancel:
		if h.desk != nil {
			h.desk.CancelEscalation(e.CallID)
		}
	case telephony.EvCallbackOutcome:
		if h.desk != nil {
			if err := h.desk.CallbackOutcome(ctx, e.Ref, e.Operator, e.Reason); err != nil {
				h.log.Error("contactcenter: the outcome of a placed callback could not be recorded on its booking",
					"call", e.CallID, "ref", e.Ref, "outcome", e.Reason, "err", err)
			}
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case e.Kind == telephony.EvRinging && msgs[0].Pop != nil:
		h.pops[e.CallID] = *msgs[0].Pop
		h.current[e.Operator] = *msgs[0].Pop
	case e.Kind == telephony.EvAnswered && len(msgs) > 1:
		h.pops[e.CallID] = *msgs[1].Pop
		h.current[e.Operator] = *msgs[1].Pop
		// The other phones of a ring-all stopped ringing: their desks are told.
		msgs = append(msgs, h.release(e, e.Operator)...)
	case e.Kind == telephony.EvNoAnswer:
		if p, ok := h.current[e.Operator]; ok && p.CallID == e.CallID && !p.Answered {
			delete(h.current, e.Operator)
		}
	case ends[e.Kind]:
		delete(h.pops, e.CallID)
		if p, ok := h.current[e.Operator]; ok && p.CallID == e.CallID {
			if p.Answered {
				p.Ended = e.Kind
				h.current[e.Operator] = p // the desk keeps the contact's ticket after the call
			} else {
				delete(h.current, e.Operator)
			}
		}
		msgs = append(msgs, h.release(e, e.Operator)...)
	}
	for _, m := range msgs {
		if m.For != "" && m.Pop != nil {
			h.current[m.For] = *m.Pop
		}
		for l := range h.listeners {
			if !l.filter.wants(m) {
				continue
			}
			select {
			case l.ch <- m:
			default:
				// A browser that does not read must not hold up the others: it misses this message
				// and resynchronises from the desk's state on its next reconnection.
				h.dropped.Add(1)
			}
		}
	}
}

// release ends a call on the desks of the operators other than except whose phone it was
// ringing (a ring-all answered elsewhere, a call abandoned while ringing); h.mu is held.
func (h *Hub) release(e telephony.Event, except string) []Message {
	var out []Message
	for op, p := range h.current {
		if op == except || p.CallID != e.CallID || p.Answered {
			continue
		}
		delete(h.current, op)
		out = append(out, Message{Event: e, For: op})
	}
	return out
}

func (h *Hub) callers(ctx context.Context, number string) []Caller {
	out := []Caller{}
	for _, f := range h.finders {
		out = append(out, f.Callers(ctx, number)...)
	}
	return out
}

// answered is the pop of an answered contact with its ticket: opened now for a call that
// reached a person (Tickets.OpenContact: one per contact, the same again when asked again);
// the booking's ticket for a placed callback; none for the offline channels, whose tickets the
// mail and fax intake open.
func (h *Hub) answered(ctx context.Context, e telephony.Event) (Pop, bool) {
	if e.Operator == "" || !e.Channel.Interactive() {
		return Pop{}, false
	}
	h.mu.Lock()
	p, ok := h.pops[e.CallID]
	h.mu.Unlock()
	if !ok {
		from := e.From
		if e.Channel == telephony.CallbackChan {
			from = e.To
		}
		p = Pop{ScreenPop: telephony.ScreenPop{CallID: e.CallID, From: from, To: e.To, Channel: e.Channel, Queue: e.Queue},
			Callers: h.callers(ctx, from)}
	}
	p.Operator, p.WaitSeconds, p.Answered, p.Ref = e.Operator, int(e.Wait/time.Second), true, e.Ref
	if e.Channel == telephony.CallbackChan {
		if h.desk != nil && e.Ref != "" {
			n, err := h.desk.CallbackTicket(ctx, e.Ref)
			if err != nil {
				p.TicketError = i18n.T("cti.ticketError")
				h.log.Error("contactcenter: the ticket of a placed callback", "call", e.CallID, "ref", e.Ref, "err", err)
			}
			p.Ticket = n
		}
		return p, true
	}
	h.openTicket(ctx, &p, e.Operator, e.Time)
	return p, true
}

// openTicket asks the ticketing system for the ticket of p's contact, answered by operator.
func (h *Hub) openTicket(ctx context.Context, p *Pop, operator string, at time.Time) {
	if h.tickets == nil {
		return
	}
	ref, err := h.tickets.OpenContact(ctx, telephony.TicketContact{CallID: p.CallID, Channel: p.Channel,
		From: p.From, To: p.To, Queue: p.Queue, Operator: operator, At: at})
	if err != nil {
		p.TicketError = i18n.T("cti.ticketError")
		h.log.Error("contactcenter: the ticket of an answered contact could not be opened", "call", p.CallID,
			"operator", operator, "err", err)
	}
	p.Ticket = string(ref)
}

// transferred follows a call to its transfer target (TK-5): an escalation the operator asked
// for is made now that the call has reached the target; when the target is an operator of the
// contact center the ticket goes to them, and their desk gets the contact.
func (h *Hub) transferred(ctx context.Context, e telephony.Event) []Message {
	if h.desk != nil {
		if n, err := h.desk.EscalateTransferred(ctx, e.CallID); err != nil {
			h.log.Error("contactcenter: the ticket of a call transferred to level 2 could not be escalated",
				"call", e.CallID, "ticket", n, "err", err)
		}
	}
	target, ok := h.ops.OperatorByExtension(e.Extension)
	if !ok || target == e.Operator || !e.Channel.Interactive() || e.Channel == telephony.CallbackChan {
		return nil
	}
	h.mu.Lock()
	p, had := h.pops[e.CallID]
	if !had {
		p = h.current[e.Operator]
	}
	h.mu.Unlock()
	if p.CallID != e.CallID {
		p = Pop{ScreenPop: telephony.ScreenPop{CallID: e.CallID, From: e.From, To: e.To, Channel: e.Channel, Queue: e.Queue},
			Callers: h.callers(ctx, e.From)}
	}
	p.Operator, p.Extension, p.Answered, p.TransferredFrom, p.Ended, p.TicketError = target, e.Extension, true, e.Operator, "", ""
	h.openTicket(ctx, &p, target, e.Time)
	return []Message{{Event: e, Pop: &p, For: target}}
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

// Current returns an operator's latest contact: ringing, connected, transferred to them, or
// ended but not yet replaced by the next (the desk keeps its ticket to complete it).
func (h *Hub) Current(operator string) (Pop, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.current[operator]
	return p, ok
}

// Dismiss forgets an operator's ended contact (the desk closed it).
func (h *Hub) Dismiss(operator, callID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p, ok := h.current[operator]; ok && p.CallID == callID && (p.Ended != "" || p.TransferredFrom != "") {
		delete(h.current, operator)
	}
}
