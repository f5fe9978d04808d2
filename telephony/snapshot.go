package telephony

import (
	"sort"
	"sync"
	"time"
)

// QueueSnapshot is the supervisor's view of one queue (TEL-3).
type QueueSnapshot struct {
	Name       string
	Strategy   Strategy
	Waiting    int           // contacts waiting or ringing
	OldestWait time.Duration // wait of the first call
	Operators  map[State]int // logged-in members by state
	Paused     int
	LoggedIn   int
	Open       bool // by the queue's calendar
}

// OperatorSnapshot is one operator's line on the supervisor's screen.
type OperatorSnapshot struct {
	ID, Name, Extension string // Extension is the terminal
	Status              Status
	Reason              string // pause reason
	State               State
	CallID              string  // ringing or connected live contact
	Offline             int     // offline contacts in hand
	Load                float64 // in-hand contacts over capacity, 0…1
	Calls               int
	Talk                time.Duration
	LastCallEnd         time.Time
	Queues              []string
}

// Snapshot is the supervisor's live view, a plain value the web layer renders.
type Snapshot struct {
	At        time.Time
	Queues    []QueueSnapshot
	Operators []OperatorSnapshot
}

// Snapshot returns the current state of every queue and operator, in configuration order.
func (a *ACD) Snapshot() Snapshot {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clock.Now()
	s := Snapshot{At: now}
	for _, q := range a.qorder {
		qs := QueueSnapshot{Name: q.cfg.Name, Strategy: q.cfg.Strategy, Operators: map[State]int{},
			Open: q.cfg.Calendar == nil || q.cfg.Calendar.IsOpen(now)}
		qs.Waiting = len(q.waiting)
		oldest := func(c *contact) {
			if w := now.Sub(c.queuedAt); w > qs.OldestWait {
				qs.OldestWait = w
			}
		}
		for _, c := range q.waiting {
			oldest(c)
		}
		for _, c := range a.ringingIn(q) {
			qs.Waiting++
			oldest(c)
		}
		for c := range q.welcome {
			qs.Waiting++
			oldest(c)
		}
		for _, m := range q.members {
			switch m.op.status {
			case LoggedOut:
				continue
			case Paused:
				qs.Paused++
			}
			qs.LoggedIn++
			qs.Operators[m.op.state]++
		}
		s.Queues = append(s.Queues, qs)
	}
	for _, o := range a.oporder {
		os := OperatorSnapshot{ID: o.cfg.ID, Name: o.cfg.Name, Extension: o.cfg.Extension, Status: o.status,
			Reason: o.reason, State: o.state, Offline: len(o.offline), Calls: o.calls, Talk: o.talk, LastCallEnd: o.lastEnd}
		if o.call != nil {
			os.CallID = o.call.info.CallID
		}
		var held, capSum int
		for _, ch := range []Channel{Voice, Web, CallbackChan, Email, Fax, VoicemailChan} {
			capSum += o.capacity(ch)
			held += o.load[chanIndex(ch)]
		}
		if o.call != nil || o.state == WrapUp {
			held++
		}
		if capSum > 0 {
			os.Load = float64(held) / float64(capSum)
		}
		for _, q := range o.queues {
			os.Queues = append(os.Queues, q.cfg.Name)
		}
		s.Operators = append(s.Operators, os)
	}
	return s
}

// WaitSample is one point of the waiting history of a channel (TEL-3).
type WaitSample struct {
	At         time.Time
	Channel    Channel
	Waiting    int
	OldestWait time.Duration
}

// WaitHistory samples the waits per channel at a configurable interval and keeps the last
// Keep samples of each channel. Call Sample from the same loop that calls Tick: it records only
// when Interval has passed since the last sample.
type WaitHistory struct {
	Interval time.Duration
	Keep     int

	mu      sync.Mutex
	last    time.Time
	samples map[Channel][]WaitSample
}

// NewWaitHistory returns a history sampled every interval, keeping keep samples per channel.
func NewWaitHistory(interval time.Duration, keep int) *WaitHistory {
	return &WaitHistory{Interval: interval, Keep: keep, samples: map[Channel][]WaitSample{}}
}

// Sample records the ACD's waits if the interval has passed; it reports whether it did.
func (h *WaitHistory) Sample(a *ACD) bool {
	a.mu.Lock()
	now := a.clock.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.last.IsZero() && now.Sub(h.last) < h.Interval {
		a.mu.Unlock()
		return false
	}
	h.last = now
	per := map[Channel]*WaitSample{}
	for _, c := range a.contacts {
		if c.state != csQueued && c.state != csRinging && c.state != csWelcome {
			continue
		}
		ws := per[c.info.Channel]
		if ws == nil {
			ws = &WaitSample{At: now, Channel: c.info.Channel}
			per[c.info.Channel] = ws
		}
		ws.Waiting++
		if w := now.Sub(c.queuedAt); w > ws.OldestWait {
			ws.OldestWait = w
		}
	}
	a.mu.Unlock()
	for _, ch := range []Channel{Voice, Web, CallbackChan, Email, Fax, VoicemailChan} {
		ws := per[ch]
		if ws == nil {
			ws = &WaitSample{At: now, Channel: ch}
		}
		list := append(h.samples[ch], *ws)
		if h.Keep > 0 && len(list) > h.Keep {
			list = list[len(list)-h.Keep:]
		}
		h.samples[ch] = list
	}
	return true
}

// Samples returns the history of one channel, oldest first.
func (h *WaitHistory) Samples(ch Channel) []WaitSample {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]WaitSample(nil), h.samples[ch]...)
}

// Channels returns the channels with samples, sorted.
func (h *WaitHistory) Channels() []Channel {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Channel
	for ch := range h.samples {
		out = append(out, ch)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
