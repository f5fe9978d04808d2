package telephony

import (
	"container/heap"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Errors returned by the ACD's call-control methods.
var (
	ErrUnknownCall     = errors.New("telephony: unknown call")
	ErrUnknownQueue    = errors.New("telephony: unknown queue")
	ErrUnknownOperator = errors.New("telephony: unknown operator")
	ErrWrongState      = errors.New("telephony: call or operator not in the right state")
)

// PauseNoAnswer is the pause reason set after too many missed rings (Italian: shown to the
// supervisor).
const PauseNoAnswer = "mancata risposta"

// Config configures an ACD.
type Config struct {
	Clock Clock     // default SystemClock
	Log   *EventLog // default a new log
	// MaxMissedRings pauses an operator after that many consecutive unanswered rings
	// (default 3).
	MaxMissedRings int
}

type contactState int

const (
	csQueued  contactState = iota // in its queue's heap
	csRinging                     // out of the heap, ringing operators
	csTalking                     // connected to an operator
	csIVR                         // not queued: closed, overflowed or choosing a callback
	csWelcome                     // queued but held back while the caller hears the welcome
)

// maxWelcome bounds how long a contact waits for the media layer's Ready: a media layer that
// never calls it delays the contact, it does not lose it.
const maxWelcome = time.Minute

// xferState is a transfer under way: the operator stays on the call until the media layer
// reports the outcome (TransferResult).
type xferState struct {
	ext      string
	attended bool
}

type contact struct {
	info         ContactInfo
	q            *queue
	state        contactState
	score        uint64
	seq          uint64
	index        int // in q.waiting; -1 when not in it
	arrived      time.Time
	queuedAt     time.Time
	origPos      int
	rings        int // ring rounds that went unanswered
	ringing      map[*operator]time.Time
	op           *operator
	answeredAt   time.Time
	lastAnnounce time.Time
	cbOffered    bool
	xfer         *xferState
}

// scoreEpoch keeps queued times small enough to share a 64-bit score with the priority.
var scoreEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

const maxPriority = 1<<16 - 1

// contactScore is the one score that orders a queue: priority in the high bits (higher priority
// gives a lower score), milliseconds since scoreEpoch in the low 47 bits (older gives lower).
func contactScore(priority int, queued time.Time) uint64 {
	if priority < 0 {
		priority = 0
	}
	if priority > maxPriority {
		priority = maxPriority
	}
	ms := queued.Sub(scoreEpoch).Milliseconds()
	if ms < 0 {
		ms = 0
	}
	return uint64(maxPriority-priority)<<47 | uint64(ms)&(1<<47-1)
}

// waitHeap is a binary min-heap of contacts by score, then arrival sequence.
type waitHeap []*contact

func (h waitHeap) Len() int { return len(h) }
func (h waitHeap) Less(i, j int) bool {
	if h[i].score != h[j].score {
		return h[i].score < h[j].score
	}
	return h[i].seq < h[j].seq
}
func (h waitHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *waitHeap) Push(x any) {
	c := x.(*contact)
	c.index = len(*h)
	*h = append(*h, c)
}
func (h *waitHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	c.index = -1
	*h = old[:len(old)-1]
	return c
}

type member struct {
	op      *operator
	q       *queue
	penalty int
	order   int // position in the queue's member list
	idleIdx int // index in q.idle, or -1
}

type queue struct {
	cfg     QueueConfig
	waiting waitHeap
	members []*member // sorted by penalty, then order
	// idle holds the members that are available and idle, in no particular order: live routing
	// scans only them, so a busy center with one free operator decides in O(1).
	idle   []*member
	rrLast int // order of the member rung last (RoundRobin)
	// welcome holds the contacts queued but not yet ready (ContactInfo.AwaitReady): they keep
	// their place and are counted in positions, but no operator is rung for them.
	welcome map[*contact]bool
	// aht is a moving average of the handle time (talk + wrap-up) of the queue's calls, for the
	// expected wait announced to callers (Asterisk's app_queue weighs it the same way, 3:1).
	aht   time.Duration
	total int // contacts that ever entered: origPos
	// nextDue is no later than the earliest maximum wait or announcement of a waiting contact,
	// so that Tick skips a queue with nothing due without looking at its contacts.
	nextDue time.Time
}

// due returns when c next needs Tick: its maximum wait or its next announcement.
func (q *queue) due(c *contact) time.Time {
	d := c.queuedAt.Add(q.cfg.MaxWait)
	if q.cfg.AnnounceEvery > 0 {
		if ann := c.lastAnnounce.Add(q.cfg.AnnounceEvery); ann.Before(d) {
			d = ann
		}
	}
	return d
}

func (q *queue) noteDue(c *contact) {
	if d := q.due(c); q.nextDue.IsZero() || d.Before(q.nextDue) {
		q.nextDue = d
	}
}

func (q *queue) addIdle(m *member) {
	m.idleIdx = len(q.idle)
	q.idle = append(q.idle, m)
}

func (q *queue) removeIdle(m *member) {
	i := m.idleIdx
	last := q.idle[len(q.idle)-1]
	q.idle[i], last.idleIdx = last, i
	q.idle[len(q.idle)-1] = nil
	q.idle = q.idle[:len(q.idle)-1]
	m.idleIdx = -1
}

// numChannels sizes the per-channel arrays of an operator.
const numChannels = 6

func chanIndex(ch Channel) int {
	switch ch {
	case Voice:
		return 0
	case Web:
		return 1
	case CallbackChan:
		return 2
	case Email:
		return 3
	case Fax:
		return 4
	}
	return 5
}

type operator struct {
	cfg       OperatorConfig
	status    Status
	reason    string
	state     State
	call      *contact // ringing or talking (live channels)
	offline   map[*contact]bool
	capa      [numChannels]int
	load      [numChannels]int
	mships    []*member
	queues    []*queue
	loginAt   time.Time
	idleSince time.Time
	lastEnd   time.Time
	wrapUntil time.Time
	wrapCall  string
	missed    int
	calls     int
	talk      time.Duration
}

func (o *operator) capacity(ch Channel) int { return o.capa[chanIndex(ch)] }

func (o *operator) idleLive() bool { return o.status == Available && o.state == Idle }

// free reports whether o can take a contact on ch now.
func (o *operator) free(ch Channel) bool {
	i := chanIndex(ch)
	if o.status != Available || o.capa[i] <= o.load[i] {
		return false
	}
	if ch.Interactive() {
		return o.state == Idle
	}
	return true
}

// ACD is the automatic call distributor. All methods are safe for concurrent use; each returns
// the actions the media layer must carry out, in order.
type ACD struct {
	mu        sync.Mutex
	clock     Clock
	log       *EventLog
	maxMissed int
	queues    map[string]*queue
	qorder    []*queue
	ops       map[string]*operator
	oporder   []*operator
	contacts  map[string]*contact
	ringing   map[*contact]bool // contacts in csRinging, for Tick
	seq       uint64
	acts      []Action
	// xferReports is set by a media layer that reports every transfer's outcome
	// (ReportTransfers); without one, nobody could, and a transfer is logged as done when asked.
	xferReports bool
}

// ReportTransfers tells the ACD that the media layer carries out transfers and reports each
// outcome with TransferResult (the SIP adapter does). Without it, as with the console alone or
// an external PBX, a transfer is logged as done as soon as it is asked for.
func (a *ACD) ReportTransfers() {
	a.mu.Lock()
	a.xferReports = true
	a.mu.Unlock()
}

// New returns an ACD with no queues and no operators.
func New(cfg Config) *ACD {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Log == nil {
		cfg.Log = NewEventLog()
	}
	if cfg.MaxMissedRings <= 0 {
		cfg.MaxMissedRings = 3
	}
	return &ACD{
		clock: cfg.Clock, log: cfg.Log, maxMissed: cfg.MaxMissedRings,
		queues: map[string]*queue{}, ops: map[string]*operator{},
		contacts: map[string]*contact{}, ringing: map[*contact]bool{},
	}
}

// Log returns the ACD's event log.
func (a *ACD) Log() *EventLog { return a.log }

// AddQueue adds a queue. Operators added later may join it.
func (a *ACD) AddQueue(cfg QueueConfig) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cfg.Name == "" {
		return errors.New("telephony: queue without a name")
	}
	if _, dup := a.queues[cfg.Name]; dup {
		return fmt.Errorf("telephony: queue %q already exists", cfg.Name)
	}
	switch cfg.Strategy {
	case "", Linear, LongestIdle, FewestCalls, RoundRobin, RingAll:
	default:
		return fmt.Errorf("telephony: queue %q: unknown strategy %q", cfg.Name, cfg.Strategy)
	}
	switch cfg.Overflow {
	case "", OverflowCallback, OverflowVoicemail:
	default:
		return fmt.Errorf("telephony: queue %q: unknown overflow %q", cfg.Name, cfg.Overflow)
	}
	cfg.defaults()
	q := &queue{cfg: cfg, rrLast: -1}
	a.queues[cfg.Name] = q
	a.qorder = append(a.qorder, q)
	return nil
}

// AddOperator adds a logged-out operator.
func (a *ACD) AddOperator(cfg OperatorConfig) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cfg.ID == "" {
		return errors.New("telephony: operator without an ID")
	}
	if _, dup := a.ops[cfg.ID]; dup {
		return fmt.Errorf("telephony: operator %q already exists", cfg.ID)
	}
	for _, m := range cfg.Queues {
		if a.queues[m.Queue] == nil {
			return fmt.Errorf("telephony: operator %q: %w %q", cfg.ID, ErrUnknownQueue, m.Queue)
		}
	}
	o := &operator{cfg: cfg, status: LoggedOut, state: Idle, offline: map[*contact]bool{}}
	if cfg.Capacity == nil {
		o.capa[chanIndex(Voice)], o.capa[chanIndex(Web)], o.capa[chanIndex(CallbackChan)] = 1, 1, 1
	}
	for ch, n := range cfg.Capacity {
		if !ch.Valid() {
			return fmt.Errorf("telephony: operator %q: capacity for unknown channel %q", cfg.ID, ch)
		}
		o.capa[chanIndex(ch)] = n
	}
	for _, ms := range cfg.Queues {
		q := a.queues[ms.Queue]
		m := &member{op: o, q: q, penalty: ms.Penalty, order: len(q.members), idleIdx: -1}
		q.members = append(q.members, m)
		sort.SliceStable(q.members, func(i, j int) bool { return q.members[i].penalty < q.members[j].penalty })
		o.mships = append(o.mships, m)
		o.queues = append(o.queues, q)
	}
	a.ops[cfg.ID] = o
	a.oporder = append(a.oporder, o)
	return nil
}

func (a *ACD) emit(e Event) {
	if e.Time.IsZero() {
		e.Time = a.clock.Now()
	}
	a.log.Append(e)
}

func (a *ACD) act(x Action) { a.acts = append(a.acts, x) }

// flush returns the pending actions and clears them; callers hold a.mu.
func (a *ACD) flush() []Action {
	out := a.acts
	a.acts = nil
	return out
}

// setLive changes an operator's status and state together, keeping the queues' idle counts.
func (a *ACD) setLive(o *operator, st Status, s State) {
	was := o.idleLive()
	o.status, o.state = st, s
	now := o.idleLive()
	if was == now {
		return
	}
	if now {
		o.idleSince = a.clock.Now()
	}
	for _, m := range o.mships {
		if now {
			m.q.addIdle(m)
		} else {
			m.q.removeIdle(m)
		}
	}
}

func (a *ACD) operator(id string) (*operator, error) {
	o := a.ops[id]
	if o == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownOperator, id)
	}
	return o, nil
}

// Login makes an operator available.
func (a *ACD) Login(opID string) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	o, err := a.operator(opID)
	if err != nil {
		return nil, err
	}
	if o.status != LoggedOut {
		return nil, nil
	}
	o.loginAt = a.clock.Now()
	o.missed = 0
	a.setLive(o, Available, Idle)
	a.emit(Event{Kind: EvLogin, Operator: o.cfg.ID, Extension: o.cfg.Extension})
	a.operatorFree(o)
	return a.flush(), nil
}

// Logout logs an operator out; a call still ringing them is offered elsewhere.
func (a *ACD) Logout(opID string) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	o, err := a.operator(opID)
	if err != nil {
		return nil, err
	}
	if o.status == LoggedOut {
		return nil, nil
	}
	if o.state == OnCall {
		return nil, fmt.Errorf("%w: operator %q is on a call", ErrWrongState, opID)
	}
	a.setLive(o, LoggedOut, o.state) // first, so that the withdrawn call is not offered back
	a.emit(Event{Kind: EvLogout, Operator: o.cfg.ID, Extension: o.cfg.Extension, Session: a.clock.Now().Sub(o.loginAt)})
	a.cancelRing(o)
	a.setLive(o, LoggedOut, Idle)
	return a.flush(), nil
}

// Pause stops routing to an operator, with a reason ("pausa pranzo", "back office"…).
func (a *ACD) Pause(opID, reason string) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	o, err := a.operator(opID)
	if err != nil {
		return nil, err
	}
	if o.status != Available {
		return nil, fmt.Errorf("%w: operator %q is %s", ErrWrongState, opID, o.status)
	}
	a.pause(o, reason)
	return a.flush(), nil
}

func (a *ACD) pause(o *operator, reason string) {
	o.reason = reason
	a.setLive(o, Paused, o.state) // first, so that the withdrawn call is not offered back
	a.emit(Event{Kind: EvPause, Operator: o.cfg.ID, Reason: reason})
	a.cancelRing(o)
}

// Unpause makes a paused operator available again.
func (a *ACD) Unpause(opID string) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	o, err := a.operator(opID)
	if err != nil {
		return nil, err
	}
	if o.status != Paused {
		return nil, fmt.Errorf("%w: operator %q is %s", ErrWrongState, opID, o.status)
	}
	o.reason, o.missed = "", 0
	a.setLive(o, Available, o.state)
	a.emit(Event{Kind: EvUnpause, Operator: o.cfg.ID})
	a.operatorFree(o)
	return a.flush(), nil
}

// cancelRing withdraws a ringing offer from o (logout, pause); the contact keeps its place.
func (a *ACD) cancelRing(o *operator) {
	if o.state != Ringing || o.call == nil {
		return
	}
	c := o.call
	delete(c.ringing, o)
	o.call = nil
	a.setLive(o, o.status, Idle)
	a.act(Action{Kind: ActStopRing, CallID: c.info.CallID, Operator: o.cfg.ID, Extension: o.cfg.Extension})
	if len(c.ringing) == 0 {
		a.requeue(c, false) // withdrawn by the operator's side: not an unanswered ring
		a.dispatch(c.q)
	}
}

// Arrive offers a new contact to a queue: a SIP INVITE, an email, a web form.
func (a *ACD) Arrive(info ContactInfo, queueName string) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if info.CallID == "" {
		return nil, errors.New("telephony: contact without a call ID")
	}
	if info.Channel == "" {
		info.Channel = Voice
	}
	if !info.Channel.Valid() {
		return nil, fmt.Errorf("telephony: call %s: unknown channel %q", info.CallID, info.Channel)
	}
	if _, dup := a.contacts[info.CallID]; dup {
		return nil, fmt.Errorf("telephony: call %s already exists", info.CallID)
	}
	q := a.queues[queueName]
	if q == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownQueue, queueName)
	}
	if info.Channel.Interactive() == q.cfg.Offline {
		return nil, fmt.Errorf("telephony: call %s: channel %s does not belong in queue %q", info.CallID, info.Channel, queueName)
	}
	now := a.clock.Now()
	a.seq++
	c := &contact{info: info, q: q, seq: a.seq, index: -1, arrived: now}
	ev := Event{CallID: info.CallID, Queue: q.cfg.Name, Channel: info.Channel, Direction: "in", From: info.From, To: info.To}
	ev.Kind = EvOffered
	a.emit(ev)
	if q.cfg.Calendar != nil && !q.cfg.Calendar.IsOpen(now) {
		c.state = csIVR
		a.contacts[info.CallID] = c
		ev.Kind = EvClosed
		a.emit(ev)
		a.act(Action{Kind: ActPlay, CallID: info.CallID, Prompt: SlotClosed})
		a.act(Action{Kind: ActOfferVoicemail, CallID: info.CallID})
		return a.flush(), nil
	}
	if q.cfg.MaxLen > 0 && len(q.waiting)+len(q.welcome) >= q.cfg.MaxLen {
		ev.Kind = EvBlocked
		a.emit(ev)
		a.act(Action{Kind: ActReject, CallID: info.CallID})
		return a.flush(), nil
	}
	a.contacts[info.CallID] = c
	q.total++
	c.queuedAt, c.lastAnnounce = now, now
	c.score = contactScore(info.Priority, now)
	welcome := info.AwaitReady && info.Channel.Interactive()
	if welcome {
		c.state = csWelcome
		if q.welcome == nil {
			q.welcome = map[*contact]bool{}
		}
		q.welcome[c] = true
	} else {
		c.state = csQueued
		heap.Push(&q.waiting, c)
		q.noteDue(c)
	}
	if info.Priority > 0 {
		c.origPos = a.position(c) // may jump ahead of lower priorities: count
	} else {
		c.origPos = len(q.waiting) + len(q.welcome) + len(a.ringingIn(q)) // the newest of the lowest priority is last
	}
	ev.Kind, ev.Position = EvQueued, c.origPos
	a.emit(ev)
	if info.Channel.Interactive() {
		a.act(Action{Kind: ActPlay, CallID: info.CallID, Prompt: SlotWelcome})
	}
	if welcome {
		return a.flush(), nil // the hold music is the media layer's default while it waits
	}
	a.dispatch(q)
	if c.state == csQueued && info.Channel.Interactive() {
		a.act(Action{Kind: ActPlay, CallID: info.CallID, Prompt: SlotHoldMusic})
	}
	return a.flush(), nil
}

// ringingIn counts contacts of q that are out of the heap while they ring: they still hold
// their place for position announcements.
func (a *ACD) ringingIn(q *queue) []*contact {
	var out []*contact
	for c := range a.ringing {
		if c.q == q {
			out = append(out, c)
		}
	}
	return out
}

// dispatch hands waiting contacts of q to free operators until one side runs out.
func (a *ACD) dispatch(q *queue) {
	for len(q.waiting) > 0 {
		if !q.cfg.Offline && len(q.idle) == 0 {
			return
		}
		c := q.waiting[0]
		ops := a.pick(q, c.info.Channel)
		if len(ops) == 0 {
			return
		}
		heap.Pop(&q.waiting)
		if q.cfg.Offline {
			a.deliver(c, ops[0])
			continue
		}
		a.ring(c, ops)
	}
}

// pick chooses operators for a contact on ch in q by the queue's strategy, among the free members
// of the lowest penalty tier that has any. Live queues look only at idle members; offline
// queues at every member, whose load decides.
func (a *ACD) pick(q *queue, ch Channel) []*operator {
	cands := q.idle
	if q.cfg.Offline {
		cands = q.members
	}
	if q.cfg.Strategy == RingAll {
		minPen := 0
		var all []*member
		for _, m := range cands {
			if !m.op.free(ch) {
				continue
			}
			switch {
			case len(all) == 0 || m.penalty < minPen:
				minPen, all = m.penalty, append(all[:0], m)
			case m.penalty == minPen:
				all = append(all, m)
			}
		}
		// List order, so that ring actions come out the same way every time.
		sort.Slice(all, func(i, j int) bool { return all[i].order < all[j].order })
		ops := make([]*operator, len(all))
		for i, m := range all {
			ops[i] = m.op
		}
		return ops
	}
	var best *member
	for _, m := range cands {
		if m.op.free(ch) && (best == nil || a.better(q, m, best)) {
			best = m
		}
	}
	if best == nil {
		return nil
	}
	if q.cfg.Strategy == RoundRobin {
		q.rrLast = best.order
	}
	return []*operator{best.op}
}

// better reports whether m should be chosen over best: lower penalty first, then the
// strategy's key, then list order.
func (a *ACD) better(q *queue, m, best *member) bool {
	if m.penalty != best.penalty {
		return m.penalty < best.penalty
	}
	switch q.cfg.Strategy {
	case LongestIdle:
		if !m.op.idleSince.Equal(best.op.idleSince) {
			return m.op.idleSince.Before(best.op.idleSince)
		}
	case FewestCalls:
		if m.op.calls != best.op.calls {
			return m.op.calls < best.op.calls
		}
	case RoundRobin:
		return rrKey(m.order, q.rrLast) < rrKey(best.order, q.rrLast)
	}
	return m.order < best.order
}

// rrKey orders member positions after last: last+1 first, last itself at the end.
func rrKey(order, last int) int {
	if order > last {
		return order - last
	}
	return order - last + 1<<30
}

func (a *ACD) ring(c *contact, ops []*operator) {
	now := a.clock.Now()
	c.state = csRinging
	c.ringing = make(map[*operator]time.Time, len(ops))
	a.ringing[c] = true
	for _, o := range ops {
		c.ringing[o] = now
		o.call = c
		a.setLive(o, o.status, Ringing)
		a.emit(Event{Kind: EvRinging, CallID: c.info.CallID, Queue: c.q.cfg.Name, Operator: o.cfg.ID,
			Channel: c.info.Channel, Direction: "in", From: c.info.From, To: c.info.To,
			Wait: now.Sub(c.queuedAt), Extension: o.cfg.Extension})
		a.act(Action{Kind: ActRing, CallID: c.info.CallID, Operator: o.cfg.ID, Extension: o.cfg.Extension})
	}
}

func (a *ACD) deliver(c *contact, o *operator) {
	now := a.clock.Now()
	c.state, c.op, c.answeredAt = csTalking, o, now
	o.load[chanIndex(c.info.Channel)]++
	o.offline[c] = true
	a.emit(Event{Kind: EvAnswered, CallID: c.info.CallID, Queue: c.q.cfg.Name, Operator: o.cfg.ID,
		Channel: c.info.Channel, Direction: "in", From: c.info.From, To: c.info.To, Wait: now.Sub(c.queuedAt)})
	a.act(Action{Kind: ActDeliver, CallID: c.info.CallID, Operator: o.cfg.ID})
}

// requeue puts a contact whose ringing ended back in its queue, with its original score: it
// keeps its place. Unanswered rings count towards the callback offer.
func (a *ACD) requeue(c *contact, unanswered bool) {
	delete(a.ringing, c)
	c.ringing = nil
	c.state = csQueued
	if !unanswered {
		heap.Push(&c.q.waiting, c)
		c.q.noteDue(c)
		return
	}
	c.rings++
	heap.Push(&c.q.waiting, c)
	c.q.noteDue(c)
	if n := c.q.cfg.CallbackAfterRings; n > 0 && c.rings >= n && !c.cbOffered {
		c.cbOffered = true
		a.act(Action{Kind: ActPlay, CallID: c.info.CallID, Prompt: SlotCallbackOffer})
		a.act(Action{Kind: ActOfferCallback, CallID: c.info.CallID})
	}
}

// operatorFree gives a newly free operator the best waiting contact of their queues: lowest
// penalty first, then the best score.
func (a *ACD) operatorFree(o *operator) {
	if o.status != Available {
		return
	}
	type cand struct {
		q       *queue
		penalty int
	}
	var cs []cand
	for _, m := range o.mships {
		if len(m.q.waiting) > 0 {
			cs = append(cs, cand{m.q, m.penalty})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].penalty != cs[j].penalty {
			return cs[i].penalty < cs[j].penalty
		}
		return waitHeap{cs[i].q.waiting[0], cs[j].q.waiting[0]}.Less(0, 1)
	})
	for _, x := range cs {
		a.dispatch(x.q)
	}
}

func (a *ACD) call(id string) (*contact, error) {
	c := a.contacts[id]
	if c == nil {
		return nil, fmt.Errorf("%w %s", ErrUnknownCall, id)
	}
	return c, nil
}

// OperatorAnswered connects a ringing call to the operator whose phone answered; the other
// phones of a ring-all stop ringing.
func (a *ACD) OperatorAnswered(callID, opID string) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := a.call(callID)
	if err != nil {
		return nil, err
	}
	o, err := a.operator(opID)
	if err != nil {
		return nil, err
	}
	started, ok := c.ringing[o]
	if c.state != csRinging || !ok {
		return nil, fmt.Errorf("%w: call %s is not ringing operator %s", ErrWrongState, callID, opID)
	}
	now := a.clock.Now()
	delete(c.ringing, o)
	var others []*operator
	for other := range c.ringing {
		others = append(others, other)
	}
	sort.Slice(others, func(i, j int) bool { return others[i].cfg.ID < others[j].cfg.ID })
	for _, other := range others {
		other.call = nil
		a.setLive(other, other.status, Idle)
		a.act(Action{Kind: ActStopRing, CallID: callID, Operator: other.cfg.ID, Extension: other.cfg.Extension})
	}
	delete(a.ringing, c)
	c.ringing = nil
	c.state, c.op, c.answeredAt = csTalking, o, now
	o.missed = 0
	a.setLive(o, o.status, OnCall)
	a.emit(Event{Kind: EvAnswered, CallID: callID, Queue: c.q.cfg.Name, Operator: o.cfg.ID, Channel: c.info.Channel,
		Direction: "in", From: c.info.From, To: c.info.To, Wait: now.Sub(c.queuedAt), Ring: now.Sub(started), OrigPos: c.origPos})
	a.act(Action{Kind: ActConnect, CallID: callID, Operator: o.cfg.ID, Extension: o.cfg.Extension})
	for _, other := range others {
		a.operatorFree(other)
	}
	return a.flush(), nil
}

// OperatorNoAnswer reports that an operator's phone did not answer, was busy or declined. The
// contact keeps its place; after MaxMissedRings in a row the operator is paused.
func (a *ACD) OperatorNoAnswer(callID, opID string) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := a.call(callID)
	if err != nil {
		return nil, err
	}
	o, err := a.operator(opID)
	if err != nil {
		return nil, err
	}
	if _, ok := c.ringing[o]; c.state != csRinging || !ok {
		return nil, fmt.Errorf("%w: call %s is not ringing operator %s", ErrWrongState, callID, opID)
	}
	a.noAnswer(c, o)
	return a.flush(), nil
}

func (a *ACD) noAnswer(c *contact, o *operator) {
	now := a.clock.Now()
	started := c.ringing[o]
	delete(c.ringing, o)
	o.call = nil
	o.missed++
	a.setLive(o, o.status, Idle)
	a.emit(Event{Kind: EvNoAnswer, CallID: c.info.CallID, Queue: c.q.cfg.Name, Operator: o.cfg.ID,
		Channel: c.info.Channel, Ring: now.Sub(started), Wait: now.Sub(c.queuedAt)})
	a.act(Action{Kind: ActStopRing, CallID: c.info.CallID, Operator: o.cfg.ID, Extension: o.cfg.Extension})
	if o.missed >= a.maxMissed && o.status == Available {
		a.pause(o, PauseNoAnswer)
	}
	if len(c.ringing) == 0 {
		a.requeue(c, true)
		a.dispatch(c.q)
	}
	a.operatorFree(o)
}

// position returns c's 1-based place among the waiting and ringing contacts of its queue.
func (a *ACD) position(c *contact) int {
	if c.state == csRinging {
		return 1
	}
	pos := 1 + len(a.ringingIn(c.q))
	ahead := func(w *contact) bool { return w != c && (w.score < c.score || w.score == c.score && w.seq < c.seq) }
	for _, w := range c.q.waiting {
		if ahead(w) {
			pos++
		}
	}
	for w := range c.q.welcome {
		if ahead(w) {
			pos++
		}
	}
	return pos
}

// Ready tells the ACD that a contact queued with AwaitReady has heard the welcome: it enters
// routing with the place it had from its arrival, and a caller who must wait is told their
// position and the expected wait (ActPlay SlotPosition). A contact already in routing, or
// gone, is not an error: the media layer may report late.
func (a *ACD) Ready(callID string) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := a.call(callID)
	if err != nil {
		return nil, err
	}
	if c.state == csWelcome {
		a.enterQueue(c)
	}
	return a.flush(), nil
}

// enterQueue moves a contact from the welcome into routing.
func (a *ACD) enterQueue(c *contact) {
	q := c.q
	delete(q.welcome, c)
	c.state = csQueued
	c.lastAnnounce = a.clock.Now()
	heap.Push(&q.waiting, c)
	q.noteDue(c)
	a.dispatch(q)
	if c.state == csQueued {
		pos := a.position(c)
		a.act(Action{Kind: ActPlay, CallID: c.info.CallID, Prompt: SlotPosition, Position: pos, ExpectedWait: a.expectedWait(q, pos)})
	}
}

// expectedWait estimates the wait of the caller at pos: pos calls must end before theirs is
// answered, and the logged-in operators who are not paused end calls at one per average handle
// time each. 0 when there is no figure to base it on.
func (a *ACD) expectedWait(q *queue, pos int) time.Duration {
	staffed := 0
	for _, m := range q.members {
		if m.op.status == Available {
			staffed++
		}
	}
	if staffed == 0 || q.aht <= 0 || pos <= 0 {
		return 0
	}
	return time.Duration(int64(q.aht) * int64(pos) / int64(staffed))
}

// Hangup ends a call from either side: abandoned if it was waiting or ringing, completed if
// connected, ended if it was only in the IVR.
func (a *ACD) Hangup(callID string, by Party) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := a.call(callID)
	if err != nil {
		return nil, err
	}
	now := a.clock.Now()
	base := Event{CallID: callID, Queue: c.q.cfg.Name, Channel: c.info.Channel, Direction: "in", From: c.info.From, To: c.info.To, By: by, Ref: c.info.Ref}
	switch c.state {
	case csQueued, csRinging, csWelcome:
		e := base
		e.Kind, e.Position, e.OrigPos, e.Wait = EvAbandoned, a.position(c), c.origPos, now.Sub(c.queuedAt)
		a.leave(c)
		a.emit(e)
	case csTalking:
		if x := c.xfer; x != nil {
			c.xfer = nil
			f := base
			f.Kind, f.Operator, f.Extension, f.Reason = EvTransferFailed, c.op.cfg.ID, x.ext, "hung up by the "+string(by)
			a.emit(f)
		}
		e := base
		e.Kind, e.Operator, e.Wait, e.Talk, e.OrigPos = EvCompleted, c.op.cfg.ID, c.answeredAt.Sub(c.queuedAt), now.Sub(c.answeredAt), c.origPos
		a.emit(e)
		a.finish(c)
		if by == ByOperator && c.info.Channel.Interactive() {
			a.act(Action{Kind: ActDisconnect, CallID: callID})
		}
	case csIVR:
		e := base
		e.Kind = EvEnded
		a.emit(e)
	}
	delete(a.contacts, callID)
	return a.flush(), nil
}

// leave takes a waiting or ringing contact out of routing.
func (a *ACD) leave(c *contact) {
	switch c.state {
	case csWelcome:
		delete(c.q.welcome, c)
	case csQueued:
		heap.Remove(&c.q.waiting, c.index)
	case csRinging:
		var ops []*operator
		for o := range c.ringing {
			ops = append(ops, o)
		}
		sort.Slice(ops, func(i, j int) bool { return ops[i].cfg.ID < ops[j].cfg.ID })
		for _, o := range ops {
			o.call = nil
			a.setLive(o, o.status, Idle)
			a.act(Action{Kind: ActStopRing, CallID: c.info.CallID, Operator: o.cfg.ID, Extension: o.cfg.Extension})
		}
		c.ringing = nil
		delete(a.ringing, c)
		for _, o := range ops {
			a.operatorFree(o)
		}
	}
	c.state = csIVR
}

// finish closes a connected contact on the operator's side: statistics, wrap-up, next contact.
func (a *ACD) finish(c *contact) {
	o := c.op
	now := a.clock.Now()
	c.state = csIVR
	if !c.info.Channel.Interactive() {
		o.load[chanIndex(c.info.Channel)]--
		delete(o.offline, c)
		o.calls++
		o.talk += now.Sub(c.answeredAt)
		a.operatorFree(o)
		return
	}
	o.call = nil
	o.calls++
	o.talk += now.Sub(c.answeredAt)
	o.lastEnd = now
	if handle := now.Sub(c.answeredAt) + c.q.cfg.WrapUp; c.q.aht == 0 {
		c.q.aht = handle
	} else {
		c.q.aht = (3*c.q.aht + handle) / 4
	}
	if w := c.q.cfg.WrapUp; w > 0 {
		o.wrapUntil, o.wrapCall = now.Add(w), c.info.CallID
		a.setLive(o, o.status, WrapUp)
		return
	}
	a.setLive(o, o.status, Idle)
	a.operatorFree(o)
}

// Done closes an offline contact (email, fax, voicemail) its operator has handled.
func (a *ACD) Done(callID string) ([]Action, error) { return a.Hangup(callID, ByOperator) }

// Transfer starts a blind transfer of a connected call to another extension (TEL-8: the
// directory gives the extension). The operator stays on the call until the media layer reports
// the outcome with TransferResult: done (the call ends for the ACD, the operator goes to
// wrap-up), or failed (the caller is back with the operator, and the statistics do not count it
// as transferred).
func (a *ACD) Transfer(callID, extension string) ([]Action, error) {
	return a.startTransfer(callID, extension, false)
}

// Consult starts an attended transfer: the caller holds while the operator talks to extension;
// then CompleteTransfer hands the caller over, or CancelTransfer goes back to the caller.
func (a *ACD) Consult(callID, extension string) ([]Action, error) {
	return a.startTransfer(callID, extension, true)
}

func (a *ACD) startTransfer(callID, extension string, attended bool) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := a.call(callID)
	if err != nil {
		return nil, err
	}
	if c.state != csTalking || !c.info.Channel.Interactive() {
		return nil, fmt.Errorf("%w: call %s is not connected", ErrWrongState, callID)
	}
	if extension == "" {
		return nil, fmt.Errorf("telephony: transfer of call %s: empty extension", callID)
	}
	if c.xfer != nil {
		return nil, fmt.Errorf("%w: call %s is already being transferred to %s", ErrWrongState, callID, c.xfer.ext)
	}
	c.xfer = &xferState{ext: extension, attended: attended}
	kind, act := "blind", ActTransfer
	if attended {
		kind, act = "attended", ActConsult
	}
	a.act(Action{Kind: act, CallID: callID, Operator: c.op.cfg.ID, Extension: extension})
	if !a.xferReports && !attended {
		a.transferResult(c, TransferDone, "") // one step: nothing was under way
		return a.flush(), nil
	}
	a.emit(Event{Kind: EvTransferStarted, CallID: callID, Queue: c.q.cfg.Name, Operator: c.op.cfg.ID, Channel: c.info.Channel,
		Direction: "in", From: c.info.From, To: c.info.To, Extension: extension, Reason: kind})
	return a.flush(), nil
}

// CompleteTransfer hands the caller of an attended transfer to the consulted extension.
func (a *ACD) CompleteTransfer(callID string) ([]Action, error) {
	return a.attendedStep(callID, ActCompleteXfer)
}

// CancelTransfer ends the consultation of an attended transfer: the consulted party is hung up
// and the operator is back with the caller.
func (a *ACD) CancelTransfer(callID string) ([]Action, error) {
	return a.attendedStep(callID, ActCancelXfer)
}

func (a *ACD) attendedStep(callID string, kind ActionKind) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := a.call(callID)
	if err != nil {
		return nil, err
	}
	if c.state != csTalking || c.xfer == nil || !c.xfer.attended {
		return nil, fmt.Errorf("%w: call %s has no attended transfer under way", ErrWrongState, callID)
	}
	a.act(Action{Kind: kind, CallID: callID, Operator: c.op.cfg.ID, Extension: c.xfer.ext})
	if !a.xferReports {
		if kind == ActCompleteXfer {
			a.transferResult(c, TransferDone, "")
		} else {
			a.transferResult(c, TransferCancelled, "operator")
		}
	}
	return a.flush(), nil
}

// TransferOutcome is how a transfer ended, as the media layer saw it.
type TransferOutcome string

const (
	TransferDone      TransferOutcome = "done"      // the target answered and has the caller
	TransferFailed    TransferOutcome = "failed"    // busy, no answer, no route: the caller is back with the operator
	TransferCancelled TransferOutcome = "cancelled" // the operator went back to the caller
)

// TransferResult records how the transfer under way ended. Done closes the call for the ACD
// (EvTransferred, the operator goes to wrap-up); failed and cancelled leave it connected to the
// operator (EvTransferFailed, EvTransferCancel), so a failed transfer is never counted as
// transferred.
func (a *ACD) TransferResult(callID string, outcome TransferOutcome, reason string) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := a.call(callID)
	if err != nil {
		return nil, err
	}
	if c.state != csTalking || c.xfer == nil {
		return nil, fmt.Errorf("%w: call %s has no transfer under way", ErrWrongState, callID)
	}
	switch outcome {
	case TransferDone, TransferFailed, TransferCancelled:
	default:
		return nil, fmt.Errorf("telephony: call %s: unknown transfer outcome %q", callID, outcome)
	}
	a.transferResult(c, outcome, reason)
	return a.flush(), nil
}

func (a *ACD) transferResult(c *contact, outcome TransferOutcome, reason string) {
	x, callID := c.xfer, c.info.CallID
	c.xfer = nil
	now := a.clock.Now()
	kind := "blind"
	if x.attended {
		kind = "attended"
	}
	e := Event{CallID: callID, Queue: c.q.cfg.Name, Operator: c.op.cfg.ID, Channel: c.info.Channel, Direction: "in",
		From: c.info.From, To: c.info.To, Extension: x.ext, OrigPos: c.origPos}
	switch outcome {
	case TransferDone:
		e.Kind, e.Wait, e.Talk, e.Reason = EvTransferred, c.answeredAt.Sub(c.queuedAt), now.Sub(c.answeredAt), kind
		a.emit(e)
		a.finish(c)
		delete(a.contacts, callID)
	case TransferFailed:
		e.Kind, e.Reason = EvTransferFailed, reason
		a.emit(e)
	case TransferCancelled:
		e.Kind, e.Reason = EvTransferCancel, reason
		a.emit(e)
	}
}

// ReturnToQueue puts a connected call back in its queue with the place it had (its original
// score): the media layer uses it when the operator's phone is gone and the caller would
// otherwise be lost, e.g. the operator hung up during a transfer that then failed. The
// operator goes to wrap-up as after any call.
func (a *ACD) ReturnToQueue(callID, reason string) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := a.call(callID)
	if err != nil {
		return nil, err
	}
	if c.state != csTalking || !c.info.Channel.Interactive() {
		return nil, fmt.Errorf("%w: call %s is not connected", ErrWrongState, callID)
	}
	now := a.clock.Now()
	a.emit(Event{Kind: EvRequeued, CallID: callID, Queue: c.q.cfg.Name, Operator: c.op.cfg.ID, Channel: c.info.Channel,
		Direction: "in", From: c.info.From, To: c.info.To, Talk: now.Sub(c.answeredAt), OrigPos: c.origPos, Reason: reason})
	c.xfer = nil
	a.finish(c)
	c.op = nil
	c.state = csQueued
	heap.Push(&c.q.waiting, c)
	c.q.noteDue(c)
	a.dispatch(c.q)
	return a.flush(), nil
}

// AcceptCallback records that the caller chose a callback (DTMF 1 after the offer): the contact
// leaves the queue and the IVR takes the booking (see Booker). It returns what is known of the
// caller, and the actions (stop-rings) its leaving caused.
func (a *ACD) AcceptCallback(callID string) (ContactInfo, []Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := a.call(callID)
	if err != nil {
		return ContactInfo{}, nil, err
	}
	now := a.clock.Now()
	e := Event{Kind: EvCallbackAccepted, CallID: callID, Queue: c.q.cfg.Name, Channel: c.info.Channel, Direction: "in",
		From: c.info.From, To: c.info.To, OrigPos: c.origPos}
	switch c.state {
	case csQueued, csRinging, csWelcome:
		e.Position, e.Wait = a.position(c), now.Sub(c.queuedAt)
		a.leave(c)
	case csIVR:
		if !c.queuedAt.IsZero() {
			e.Wait = now.Sub(c.queuedAt)
		}
	default:
		return ContactInfo{}, nil, fmt.Errorf("%w: call %s is connected", ErrWrongState, callID)
	}
	a.emit(e)
	return c.info, a.flush(), nil
}

// Tick processes every deadline due at the clock's time: ring timeouts, maximum waits, wrap-up
// ends and position announcements. Call it often (a few times a second) in production.
func (a *ACD) Tick() []Action {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clock.Now()

	// Ring timeouts, in a stable order so that runs are reproducible.
	var due []*contact
	for c := range a.ringing {
		due = append(due, c)
	}
	sort.Slice(due, func(i, j int) bool { return due[i].seq < due[j].seq })
	for _, c := range due {
		var late []*operator
		for o, t := range c.ringing {
			if now.Sub(t) >= c.q.cfg.RingTimeout {
				late = append(late, o)
			}
		}
		sort.Slice(late, func(i, j int) bool { return late[i].cfg.ID < late[j].cfg.ID })
		for _, o := range late {
			if c.state == csRinging {
				a.noAnswer(c, o)
			}
		}
	}

	// Contacts whose media layer never said Ready enter routing anyway.
	for _, q := range a.qorder {
		var late []*contact
		for c := range q.welcome {
			if now.Sub(c.arrived) >= maxWelcome {
				late = append(late, c)
			}
		}
		sort.Slice(late, func(i, j int) bool { return late[i].seq < late[j].seq })
		for _, c := range late {
			a.enterQueue(c)
		}
	}

	// Maximum wait and announcements, queue by queue in best-first order.
	for _, q := range a.qorder {
		if len(q.waiting) == 0 || q.cfg.Offline {
			continue
		}
		if now.Before(q.nextDue) {
			continue
		}
		// Sorting for positions costs O(n log n): only when some contact has a deadline due.
		due := false
		q.nextDue = time.Time{}
		for _, c := range q.waiting {
			if !now.Before(q.due(c)) {
				due = true
			}
		}
		if !due {
			for _, c := range q.waiting {
				q.noteDue(c)
			}
			continue
		}
		order := append([]*contact(nil), q.waiting...)
		sort.Slice(order, func(i, j int) bool { return waitHeap(order).Less(i, j) })
		ringingAhead := len(a.ringingIn(q))
		pos := ringingAhead
		for _, c := range order {
			pos++
			if now.Sub(c.queuedAt) >= q.cfg.MaxWait {
				heap.Remove(&q.waiting, c.index)
				c.state = csIVR
				a.emit(Event{Kind: EvOverflowed, CallID: c.info.CallID, Queue: q.cfg.Name, Channel: c.info.Channel,
					Direction: "in", From: c.info.From, To: c.info.To, Position: pos, OrigPos: c.origPos,
					Wait: now.Sub(c.queuedAt), Reason: string(q.cfg.Overflow)})
				pos--
				if q.cfg.Overflow == OverflowVoicemail {
					a.act(Action{Kind: ActPlay, CallID: c.info.CallID, Prompt: SlotVoicemailOffer})
					a.act(Action{Kind: ActOfferVoicemail, CallID: c.info.CallID})
				} else {
					a.act(Action{Kind: ActPlay, CallID: c.info.CallID, Prompt: SlotCallbackOffer})
					a.act(Action{Kind: ActOfferCallback, CallID: c.info.CallID})
				}
				continue
			}
			if q.cfg.AnnounceEvery > 0 && now.Sub(c.lastAnnounce) >= q.cfg.AnnounceEvery {
				c.lastAnnounce = now
				a.act(Action{Kind: ActPlay, CallID: c.info.CallID, Prompt: SlotPosition, Position: pos, ExpectedWait: a.expectedWait(q, pos)})
			}
		}
		for _, c := range q.waiting {
			q.noteDue(c)
		}
	}

	// Wrap-up ends, after the overflows: a caller past the maximum wait leaves rather than being
	// rung when both deadlines fell between two ticks. The wrap-up logged is the configured one,
	// not the tick's lateness.
	for _, o := range a.oporder {
		if o.state == WrapUp && !now.Before(o.wrapUntil) {
			a.emit(Event{Kind: EvWrapUpDone, CallID: o.wrapCall, Operator: o.cfg.ID, WrapUp: o.wrapUntil.Sub(o.lastEnd)})
			a.setLive(o, o.status, Idle)
			a.operatorFree(o)
		}
	}
	return a.flush()
}

// PlaceCallback makes an available, idle operator call a citizen back (TEL-7): the operator
// goes on call on the callback channel and the media layer dials Number.
func (a *ACD) PlaceCallback(opID, callID, number, queueName string) ([]Action, error) {
	return a.PlaceCallbackFor(opID, callID, number, queueName, "")
}

// PlaceCallbackFor is PlaceCallback for a booked callback: ref (e.g. the ticket's callback task)
// is carried by the call's events, so the outcome reported with CallbackResult can be matched to
// the booking.
func (a *ACD) PlaceCallbackFor(opID, callID, number, queueName, ref string) ([]Action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	o, err := a.operator(opID)
	if err != nil {
		return nil, err
	}
	q := a.queues[queueName]
	if q == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownQueue, queueName)
	}
	if !o.free(CallbackChan) {
		return nil, fmt.Errorf("%w: operator %q cannot place a callback now", ErrWrongState, opID)
	}
	if _, dup := a.contacts[callID]; dup || callID == "" {
		return nil, fmt.Errorf("telephony: callback call ID %q is empty or in use", callID)
	}
	now := a.clock.Now()
	a.seq++
	c := &contact{info: ContactInfo{CallID: callID, Channel: CallbackChan, To: number, Ref: ref}, q: q, seq: a.seq, index: -1,
		arrived: now, queuedAt: now, answeredAt: now, state: csTalking, op: o}
	a.contacts[callID] = c
	o.call = c
	a.setLive(o, o.status, OnCall)
	a.emit(Event{Kind: EvAnswered, CallID: callID, Queue: q.cfg.Name, Operator: o.cfg.ID, Channel: CallbackChan, Direction: "out", To: number, Ref: ref})
	a.act(Action{Kind: ActDial, CallID: callID, Operator: o.cfg.ID, Extension: o.cfg.Extension, Number: number})
	return a.flush(), nil
}

// CallbackResult records how a placed callback went (TEL-7): outcome is "reached" when the
// citizen answered, otherwise why not ("busy", "no-answer", "failed: …"). The event carries the
// booking reference given to PlaceCallbackFor.
func (a *ACD) CallbackResult(callID, outcome string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := a.call(callID)
	if err != nil {
		return err
	}
	if c.info.Channel != CallbackChan {
		return fmt.Errorf("%w: call %s is not a placed callback", ErrWrongState, callID)
	}
	op := ""
	if c.op != nil {
		op = c.op.cfg.ID
	}
	a.emit(Event{Kind: EvCallbackOutcome, CallID: callID, Queue: c.q.cfg.Name, Operator: op, Channel: CallbackChan,
		Direction: "out", To: c.info.To, Ref: c.info.Ref, Reason: outcome})
	return nil
}
