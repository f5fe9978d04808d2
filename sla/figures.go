package sla

import (
	"fmt"
	"sort"
	"time"

	"sportello/internal/clock"
	"sportello/telephony"
)

// Calendar is the working calendar the figures need: service time for C.1 and for SLA-1's
// availability "in service time". workcal.Calendar satisfies it.
type Calendar interface {
	IsOpen(t time.Time) bool
	WorkingTime(a, b time.Time) time.Duration
}

// Options are the parameters of the figures. Zero values take the contract's.
type Options struct {
	Threshold time.Duration // C.2 and SLA-7: answered within 30 s
	MaxWait   time.Duration // C.2: none answered after 90 s
	// ShortAbandon, when positive, counts the callers who hung up within it as "short
	// abandons", a figure of its own beside C.3 (which counts every abandon). Off by default.
	ShortAbandon time.Duration
	Calendar     Calendar       // service time of C.1; nil: every hour is service time
	Location     *time.Location // days, weeks and hour bands; nil: Europe/Rome
	Filter       Filter
}

func (o Options) withDefaults() Options {
	if o.Threshold <= 0 {
		o.Threshold = 30 * time.Second
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 90 * time.Second
	}
	if o.Location == nil {
		o.Location = clock.Rome()
	}
	return o
}

// Filter keeps the contacts of some queues and channels (empty: all); a supervisor's saved
// view stores one.
type Filter struct {
	Queues   []string `json:"queues,omitempty"`
	Channels []string `json:"channels,omitempty"`
}

func (f Filter) keep(queue string, ch telephony.Channel) bool {
	return (len(f.Queues) == 0 || contains(f.Queues, queue)) && (len(f.Channels) == 0 || contains(f.Channels, string(ch)))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Outcome is how a contact ended.
type Outcome string

const (
	OutAnswered   Outcome = "answered"   // an operator answered
	OutAbandoned  Outcome = "abandoned"  // the caller hung up while queued (or ringing)
	OutOverflowed Outcome = "overflowed" // left the queue without an operator: maximum wait, key (callback), empty queue
	OutUnfinished Outcome = "unfinished" // queued, and the log says nothing more: a gap in the log
	OutBlocked    Outcome = "blocked"    // refused at the queue's door: full, or no line
	OutClosed     Outcome = "closed"     // arrived out of hours
	OutIVR        Outcome = "ivr"        // ended in the IVR (welcome, menu) without asking for a queue
)

// Contact is one contact as the figures see it: a row of the raw-data sheet. Durations are
// whole seconds, as the PBX's call log has them, so Sportello's own log and a queue_log give
// the same figures.
type Contact struct {
	CallID    string            `json:"callId"`
	Queue     string            `json:"queue"`
	Channel   telephony.Channel `json:"channel"`
	From      string            `json:"from,omitempty"`
	Arrived   time.Time         `json:"arrived"`
	InService bool              `json:"inService"`
	Outcome   Outcome           `json:"outcome"`
	// Reason says how an overflowed contact left (timeout, key, empty) or why one was blocked.
	Reason string `json:"reason,omitempty"`
	// Target is where the maximum wait sent the caller (callback, voicemail), when known.
	Target         string        `json:"target,omitempty"`
	Wait           time.Duration `json:"wait"`
	Talk           time.Duration `json:"talk"`
	WrapUp         time.Duration `json:"wrapUp"`
	Operator       string        `json:"operator,omitempty"`
	Transferred    bool          `json:"transferred"`
	TransferFailed int           `json:"transferFailed,omitempty"`
	Voicemail      bool          `json:"voicemail,omitempty"`
	CallbackBooked bool          `json:"callbackBooked,omitempty"`
	UnansweredRing int           `json:"unansweredRings,omitempty"`

	queued bool
}

// Voice reports whether the contact is a phone call: the contract's C figures count calls.
func (c *Contact) Voice() bool { return c.Channel == "" || c.Channel == telephony.Voice }

// Event kinds of the SIP work (transfers that may fail): a failed or cancelled transfer leaves
// the caller with the operator, so it is not a transfer.
const (
	kindTransferFailed    telephony.EventKind = "transfer-failed"
	kindTransferCancelled telephony.EventKind = "transfer-cancelled"
)

// Fold turns the CTI log into contacts and operator time, one event at a time, in time order.
// Contacts belong to the period in which they arrived (entered the queue, or were refused or
// found the service closed); events after the period finish the contacts that arrived in it.
type Fold struct {
	opt      Options
	from, to time.Time
	staffEnd time.Time

	byID     map[string][]*Contact
	contacts []*Contact
	ops      map[string]*opState
	staffed  time.Duration
}

type opState struct {
	member map[string]bool // queues ("" for a login to every queue)
	paused bool
	since  time.Time
}

func (o *opState) on() bool { return len(o.member) > 0 && !o.paused }

// NewFold starts a fold of the period [from, to). Operator time is counted up to staffEnd
// (zero: to), which is "now" for a period still running.
func NewFold(from, to, staffEnd time.Time, opt Options) *Fold {
	if staffEnd.IsZero() || staffEnd.After(to) {
		staffEnd = to
	}
	return &Fold{opt: opt.withDefaults(), from: from, to: to, staffEnd: staffEnd,
		byID: map[string][]*Contact{}, ops: map[string]*opState{}}
}

func (f *Fold) in(t time.Time) bool { return !t.Before(f.from) && t.Before(f.to) }

func secs(d time.Duration) time.Duration { return d.Truncate(time.Second) }

// Add folds one event. Events must come in time order; the operators' state at the start of
// the period (telephony.EventStore.OperatorStates) may be added first.
func (f *Fold) Add(e telephony.Event) {
	switch e.Kind {
	case telephony.EvLogin, telephony.EvLogout, telephony.EvPause, telephony.EvUnpause:
		f.operator(e)
		return
	}
	if e.CallID == "" || e.Direction == "out" {
		return
	}
	c := f.find(e)
	switch e.Kind {
	case telephony.EvOffered, telephony.EvQueued, telephony.EvBlocked, telephony.EvClosed:
		// A contact starts here; one already queued in another queue that enters this one
		// (moved by a transfer) is a new contact of that queue.
		if c == nil || e.Kind == telephony.EvQueued && c.queued && c.Queue != e.Queue {
			if !f.in(e.Time) {
				return
			}
			ch := e.Channel
			if ch == "" {
				ch = telephony.Voice
			}
			if !f.opt.Filter.keep(e.Queue, ch) {
				return
			}
			c = &Contact{CallID: e.CallID, Queue: e.Queue, Channel: ch, From: e.From, Arrived: e.Time}
			c.InService = f.opt.Calendar == nil || f.opt.Calendar.IsOpen(e.Time)
			f.byID[e.CallID] = append(f.byID[e.CallID], c)
			f.contacts = append(f.contacts, c)
		}
	}
	if c == nil {
		return // arrived before the period, or filtered out
	}
	switch e.Kind {
	case telephony.EvQueued:
		if c.Outcome == "" && !c.queued {
			c.queued = true
			if c.Queue == "" {
				c.Queue = e.Queue
			}
			if c.From == "" {
				c.From = e.From
			}
		}
	case telephony.EvBlocked:
		// An external PBX may report a busy hangup after the call was logged as queued.
		if c.Outcome == "" {
			c.Outcome, c.Reason, c.queued = OutBlocked, e.Reason, false
		}
	case telephony.EvClosed:
		if c.Outcome == "" {
			c.Outcome, c.InService = OutClosed, false
		}
	case telephony.EvEnded:
		if c.Outcome == "" && !c.queued {
			c.Outcome = OutIVR
		}
	case telephony.EvAnswered:
		if c.Outcome == "" {
			c.Outcome, c.Wait, c.Operator = OutAnswered, secs(e.Wait), e.Operator
		}
	case telephony.EvAbandoned:
		if c.Outcome == "" {
			c.Outcome, c.Wait = OutAbandoned, secs(e.Wait)
		}
	case telephony.EvOverflowed:
		if c.Outcome == "" {
			c.Outcome, c.Wait, c.Reason = OutOverflowed, secs(e.Wait), telephony.OverflowTimeout
			switch e.Reason {
			case telephony.OverflowKey, telephony.OverflowEmpty, telephony.OverflowTimeout:
				c.Reason = e.Reason
			default:
				c.Target = e.Reason
			}
		}
	case telephony.EvCallbackAccepted:
		// Chosen while queued: the caller left the queue with the callback key.
		if e.Position > 0 && c.Outcome == "" {
			c.Outcome, c.Wait, c.Reason, c.Target = OutOverflowed, secs(e.Wait), telephony.OverflowKey, "callback"
		}
	case telephony.EvCompleted, telephony.EvTransferred:
		if c.Outcome == "" && e.Operator != "" && c.queued {
			// The answer's own line is missing (a damaged log): the end says it was answered.
			c.Outcome, c.Wait, c.Operator = OutAnswered, secs(e.Wait), e.Operator
		}
		if t := secs(e.Talk); t > c.Talk {
			c.Talk = t
		}
		if e.Kind == telephony.EvTransferred {
			c.Transferred = true
		}
	case kindTransferFailed, kindTransferCancelled:
		c.Transferred = false
		c.TransferFailed++
	case telephony.EvWrapUpDone:
		c.WrapUp += secs(e.WrapUp)
	case telephony.EvVoicemail:
		c.Voicemail = true
	case telephony.EvCallbackBooked:
		c.CallbackBooked = true
	case telephony.EvNoAnswer:
		c.UnansweredRing++
	}
}

// find returns the contact an event belongs to: the call's contact in the event's queue (its
// latest for an event without a queue).
func (f *Fold) find(e telephony.Event) *Contact {
	list := f.byID[e.CallID]
	if len(list) == 0 {
		return nil
	}
	if e.Queue == "" {
		return list[len(list)-1]
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Queue == e.Queue || list[i].Queue == "" {
			return list[i]
		}
	}
	return nil // the call's part in a queue left out (filter, or before the period)
}

// operator follows an operator's logins and pauses: staffed time is logged in (to at least
// one queue) and not paused, counted inside the period.
func (f *Fold) operator(e telephony.Event) {
	if e.Operator == "" {
		return
	}
	o := f.ops[e.Operator]
	if o == nil {
		o = &opState{member: map[string]bool{}}
		f.ops[e.Operator] = o
	}
	was := o.on()
	switch e.Kind {
	case telephony.EvLogin:
		o.member[e.Queue] = true
		if e.Queue == "" {
			o.paused = false // a new session starts ready
		}
	case telephony.EvLogout:
		if e.Queue == "" {
			clear(o.member)
		} else {
			delete(o.member, e.Queue)
		}
	case telephony.EvPause:
		o.paused = true
	case telephony.EvUnpause:
		o.paused = false
	}
	switch now := o.on(); {
	case !was && now:
		o.since = e.Time
	case was && !now:
		f.staffed += f.clip(o.since, e.Time)
	}
}

func (f *Fold) clip(a, b time.Time) time.Duration {
	if a.Before(f.from) {
		a = f.from
	}
	if b.After(f.staffEnd) {
		b = f.staffEnd
	}
	if b.After(a) {
		return b.Sub(a)
	}
	return 0
}

// Result is the fold of a period: the contract's figures (voice calls), the same figures per
// day, week, month, year, hour band, queue and channel, and the contacts themselves.
type Result struct {
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Options Options   `json:"-"`
	Overall Figures   `json:"overall"`
	// Daily, Weekly, Monthly and Yearly cover the period without gaps (empty buckets
	// included); a week or year cut by the period's bounds covers the part inside it.
	Daily   []Bucket    `json:"daily"`
	Weekly  []Bucket    `json:"weekly"`
	Monthly []Bucket    `json:"monthly"`
	Yearly  []Bucket    `json:"yearly"`
	Hours   [24]Figures `json:"hours"` // by hour of arrival, 0–23, local time
	// ByQueue are the voice figures per queue; ByChannel the figures of every channel (email,
	// web… contacts that entered an ACD queue count there as "offered" too).
	ByQueue   []Group    `json:"byQueue"`
	ByChannel []Group    `json:"byChannel"`
	Contacts  []*Contact `json:"-"`
}

// Bucket is one slice of time: a day ("2026-10-05"), a week ("2026-W41"), a month ("2026-10")
// or a year ("2026").
type Bucket struct {
	Key     string    `json:"key"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Figures Figures   `json:"figures"`
}

// Group is the figures of one queue or channel.
type Group struct {
	Name    string  `json:"name"`
	Figures Figures `json:"figures"`
}

// Result ends the fold.
func (f *Fold) Result() *Result {
	ids := make([]string, 0, len(f.ops))
	for id := range f.ops {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	staffed := f.staffed
	if len(f.opt.Filter.Queues) > 0 {
		// Operators serve several queues: a queue's share of their time is not known.
		staffed = -1 << 62
	}
	for _, id := range ids {
		if o := f.ops[id]; o.on() {
			staffed += f.clip(o.since, f.staffEnd)
		}
	}
	loc := f.opt.Location
	r := &Result{From: f.from, To: f.to, Options: f.opt, Contacts: f.contacts}
	for _, c := range f.contacts {
		if c.Outcome == "" {
			c.Outcome = OutIVR
			if c.queued {
				c.Outcome = OutUnfinished
			}
		}
	}
	sort.SliceStable(r.Contacts, func(i, j int) bool { return r.Contacts[i].Arrived.Before(r.Contacts[j].Arrived) })
	r.Daily = buckets(f.from, f.to, loc, dayStart, func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }, func(t time.Time) string { return t.Format("2006-01-02") })
	r.Weekly = buckets(f.from, f.to, loc, weekStart, func(t time.Time) time.Time { return t.AddDate(0, 0, 7) }, func(t time.Time) string {
		y, w := t.ISOWeek()
		return isoWeekKey(y, w)
	})
	r.Monthly = buckets(f.from, f.to, loc, monthStart, func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }, func(t time.Time) string { return t.Format("2006-01") })
	r.Yearly = buckets(f.from, f.to, loc, yearStart, func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }, func(t time.Time) string { return t.Format("2006") })
	queues, channels := map[string]*Counts{}, map[string]*Counts{}
	var overall Counts
	var hours [24]Counts
	daily, weekly, monthly, yearly := make([]Counts, len(r.Daily)), make([]Counts, len(r.Weekly)), make([]Counts, len(r.Monthly)), make([]Counts, len(r.Yearly))
	for _, c := range r.Contacts {
		ch := string(c.Channel)
		if channels[ch] == nil {
			channels[ch] = &Counts{}
		}
		channels[ch].add(c, f.opt)
		if !c.Voice() {
			continue
		}
		overall.add(c, f.opt)
		if queues[c.Queue] == nil {
			queues[c.Queue] = &Counts{}
		}
		queues[c.Queue].add(c, f.opt)
		hours[c.Arrived.In(loc).Hour()].add(c, f.opt)
		for _, s := range []struct {
			b []Bucket
			c []Counts
		}{{r.Daily, daily}, {r.Weekly, weekly}, {r.Monthly, monthly}, {r.Yearly, yearly}} {
			if i := bucketOf(s.b, c.Arrived); i >= 0 {
				s.c[i].add(c, f.opt)
			}
		}
	}
	if staffed > 0 {
		overall.StaffedSeconds = int64(staffed / time.Second)
	}
	r.Overall = overall.Figures()
	for i := range hours {
		r.Hours[i] = hours[i].Figures()
	}
	for _, s := range []struct {
		b []Bucket
		c []Counts
	}{{r.Daily, daily}, {r.Weekly, weekly}, {r.Monthly, monthly}, {r.Yearly, yearly}} {
		for i := range s.b {
			s.b[i].Figures = s.c[i].Figures()
		}
	}
	r.ByQueue, r.ByChannel = groups(queues), groups(channels)
	return r
}

func groups(m map[string]*Counts) []Group {
	out := make([]Group, 0, len(m))
	for name, c := range m {
		out = append(out, Group{Name: name, Figures: c.Figures()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func dayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func weekStart(t time.Time) time.Time {
	d := dayStart(t)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) // back to Monday
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
}

func yearStart(t time.Time) time.Time { return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, t.Location()) }

func isoWeekKey(y, w int) string { return fmt.Sprintf("%04d-W%02d", y, w) }

// buckets slices [from, to) by calendar units in loc, the first and last cut to the period.
func buckets(from, to time.Time, loc *time.Location, start func(time.Time) time.Time, next func(time.Time) time.Time, key func(time.Time) string) []Bucket {
	var out []Bucket
	for t := start(from.In(loc)); t.Before(to); t = next(t) {
		b := Bucket{Key: key(t), From: t, To: next(t)}
		if b.From.Before(from) {
			b.From = from
		}
		if b.To.After(to) {
			b.To = to
		}
		out = append(out, b)
	}
	return out
}

func bucketOf(b []Bucket, t time.Time) int {
	i := sort.Search(len(b), func(i int) bool { return b[i].To.After(t) })
	if i < len(b) && !t.Before(b[i].From) {
		return i
	}
	return -1
}

// Compute folds a slice of events (in time order) for [from, to): a convenience for tests and
// small periods; reports stream from the store.
func Compute(events []telephony.Event, from, to time.Time, opt Options) *Result {
	f := NewFold(from, to, time.Time{}, opt)
	for _, e := range events {
		f.Add(e)
	}
	return f.Result()
}
