package telephony

import (
	"context"
	"errors"
	"fmt"
	"sportello/workcal"
	"sync"
	"time"
)

// CallbackPolicy configures callback booking (TEL-7, seed 003: "la fascia oraria di erogazione
// del servizio coincide con gli orari di apertura al pubblico cioè dalle 9.00 – 13.00").
type CallbackPolicy struct {
	Calendar   *workcal.Calendar // working days; default workcal.Default()
	Window     workcal.Band      // default 9:00–13:00
	Slot       time.Duration     // slot length, default 15 min
	PerSlot    int               // callbacks per slot; 0 means no limit
	Lead       time.Duration     // minimum notice before the first slot, default 0
	Attempts   int               // default 3
	RetryDelay time.Duration     // default 30 min
}

func (p *CallbackPolicy) defaults() {
	if p.Calendar == nil {
		p.Calendar = workcal.Default()
	}
	if p.Window == (workcal.Band{}) {
		p.Window = workcal.Hours(9, 0, 13, 0)
	}
	if p.Slot <= 0 {
		p.Slot = 15 * time.Minute
	}
	if p.Attempts <= 0 {
		p.Attempts = 3
	}
	if p.RetryDelay <= 0 {
		p.RetryDelay = 30 * time.Minute
	}
}

// Booking is the outcome of a callback request.
type Booking struct {
	Ticket   TicketRef
	Callback Callback
}

// Booker books callbacks on the working calendar and hands them to the ticketing system.
type Booker struct {
	policy  CallbackPolicy
	tickets Tickets
	log     *EventLog
	clock   Clock

	mu     sync.Mutex
	booked map[int64]int // slot start (Unix seconds) → callbacks booked
}

// NewBooker returns a Booker; log may be nil.
func NewBooker(p CallbackPolicy, t Tickets, log *EventLog, clock Clock) (*Booker, error) {
	p.defaults()
	if p.Window.From >= p.Window.To {
		return nil, fmt.Errorf("telephony: callback window %s is empty", p.Window)
	}
	if t == nil {
		return nil, errors.New("telephony: callback booking needs a ticketing system")
	}
	if clock == nil {
		clock = SystemClock{}
	}
	return &Booker{policy: p, tickets: t, log: log, clock: clock, booked: map[int64]int{}}, nil
}

// NextSlot returns the start of the first slot at or after t+Lead that lies in the window of a
// working day and still has room.
func (b *Booker) NextSlot(t time.Time) (time.Time, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.nextSlot(t)
}

func (b *Booker) nextSlot(t time.Time) (time.Time, error) {
	p := b.policy
	t = t.Add(p.Lead).In(p.Calendar.Location)
	day := workcal.Midnight(t)
	for i := 0; i < workcal.SearchDays; i++ {
		if p.Calendar.IsWorkingDay(day) {
			for off := p.Window.From; off+p.Slot <= p.Window.To; off += p.Slot {
				s := workcal.At(day, off)
				if s.Before(t) {
					continue
				}
				if p.PerSlot > 0 && b.booked[s.Unix()] >= p.PerSlot {
					continue
				}
				return s, nil
			}
		}
		day = workcal.Midnight(day.AddDate(0, 0, 1))
	}
	return time.Time{}, fmt.Errorf("telephony: no callback slot within %d days of %s", workcal.SearchDays, t.Format(time.DateOnly))
}

// RetryAt returns when to try again after an unanswered attempt at failed: RetryDelay later,
// moved into the next window if it falls outside one.
func (b *Booker) RetryAt(failed time.Time) (time.Time, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.policy
	t := failed.Add(p.RetryDelay).In(p.Calendar.Location)
	if p.Calendar.IsWorkingDay(t) {
		off := workcal.SinceMidnight(t)
		if off >= p.Window.From && off < p.Window.To {
			return t, nil
		}
	}
	return b.nextSlot(t)
}

// Book books a callback for a caller of queue on the next free slot, opens the ticket and puts
// the callback on it; the event log records it.
func (b *Booker) Book(ctx context.Context, c ContactInfo, queue string) (Booking, error) {
	if c.From == "" {
		return Booking{}, fmt.Errorf("telephony: call %s: no caller number to call back", c.CallID)
	}
	now := b.clock.Now()
	b.mu.Lock()
	slot, err := b.nextSlot(now)
	if err == nil {
		b.booked[slot.Unix()]++ // held now so that concurrent bookings do not overfill the slot
	}
	b.mu.Unlock()
	if err != nil {
		return Booking{}, err
	}
	release := func() {
		b.mu.Lock()
		b.booked[slot.Unix()]--
		b.mu.Unlock()
	}
	ref, err := b.tickets.OpenContact(ctx, TicketContact{CallID: c.CallID, Channel: c.Channel, From: c.From, To: c.To, Queue: queue, At: now})
	if err != nil {
		release()
		return Booking{}, fmt.Errorf("telephony: call %s: opening the ticket: %w", c.CallID, err)
	}
	cb := Callback{CallID: c.CallID, Number: c.From, Queue: queue, Slot: slot, Attempts: b.policy.Attempts, RetryDelay: b.policy.RetryDelay}
	if err := b.tickets.BookCallback(ctx, ref, cb); err != nil {
		release()
		return Booking{}, fmt.Errorf("telephony: call %s: booking the callback on %s: %w", c.CallID, ref, err)
	}
	if b.log != nil {
		b.log.Append(Event{Time: now, Kind: EvCallbackBooked, CallID: c.CallID, Queue: queue, Channel: c.Channel,
			Direction: "in", From: c.From, To: c.To, Reason: slot.Format(time.RFC3339)})
	}
	return Booking{Ticket: ref, Callback: cb}, nil
}
