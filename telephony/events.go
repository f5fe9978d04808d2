package telephony

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EventKind names one transition in the life of a contact or an operator.
type EventKind string

// Contact events (TEL-10: every contact is logged with its times).
const (
	EvOffered          EventKind = "offered"            // the contact reached the ACD
	EvClosed           EventKind = "closed"             // out of hours: not queued
	EvBlocked          EventKind = "blocked"            // no free line: queue full (SLA-2 C.1)
	EvQueued           EventKind = "queued"             // entered a queue
	EvRinging          EventKind = "ringing"            // an operator's phone rings (screen pop)
	EvNoAnswer         EventKind = "no-answer"          // that operator did not answer or was busy
	EvAnswered         EventKind = "answered"           // connected to an operator
	EvTransferStarted  EventKind = "transfer-started"   // the operator asked for a transfer (Reason: blind or attended)
	EvTransferred      EventKind = "transferred"        // the transfer target answered and has the caller (TEL-8)
	EvTransferFailed   EventKind = "transfer-failed"    // the target did not answer: the caller is back with the operator
	EvTransferCancel   EventKind = "transfer-cancelled" // attended transfer abandoned by the operator
	EvRequeued         EventKind = "requeued"           // back in the queue: the operator left during a failed transfer
	EvCallbackOutcome  EventKind = "callback-outcome"   // a placed callback ended: Reason reached, no-answer, busy…
	EvAbandoned        EventKind = "abandoned"          // the caller hung up before an answer
	EvOverflowed       EventKind = "overflowed"         // maximum wait reached: left the queue
	EvCallbackAccepted EventKind = "callback-accepted"  // the caller chose a callback (TEL-7)
	EvCallbackBooked   EventKind = "callback-booked"    // the callback is on a ticket
	EvVoicemail        EventKind = "voicemail"          // a message was left (TEL-6)
	EvCompleted        EventKind = "completed"          // an answered call ended
	EvEnded            EventKind = "ended"              // an unqueued contact (IVR only) ended
)

// Operator events.
const (
	EvLogin      EventKind = "login"
	EvLogout     EventKind = "logout"
	EvPause      EventKind = "pause"
	EvUnpause    EventKind = "unpause"
	EvWrapUpDone EventKind = "wrapup-done"
)

// Party says who ended a call.
type Party string

const (
	ByCaller   Party = "caller"
	ByOperator Party = "operator"
)

// Event is one entry of the CTI log. Durations are measured by the ACD at the time of the event;
// fields that do not apply are zero.
type Event struct {
	Seq       uint64        `json:"seq"`
	Time      time.Time     `json:"time"`
	Kind      EventKind     `json:"kind"`
	CallID    string        `json:"callId,omitempty"`
	Queue     string        `json:"queue,omitempty"`
	Operator  string        `json:"operator,omitempty"`
	Channel   Channel       `json:"channel,omitempty"`
	Direction string        `json:"direction,omitempty"` // "in" or "out"
	From      string        `json:"from,omitempty"`
	To        string        `json:"to,omitempty"`
	Wait      time.Duration `json:"wait,omitempty"`     // time in queue so far
	Talk      time.Duration `json:"talk,omitempty"`     // conversation time
	Ring      time.Duration `json:"ring,omitempty"`     // ringing time
	WrapUp    time.Duration `json:"wrapUp,omitempty"`   // after-call work
	Session   time.Duration `json:"session,omitempty"`  // logged-in time, on logout
	Position  int           `json:"position,omitempty"` // 1-based position in queue
	OrigPos   int           `json:"origPosition,omitempty"`
	Extension string        `json:"extension,omitempty"`
	By        Party         `json:"by,omitempty"`
	Reason    string        `json:"reason,omitempty"` // pause reason, overflow target, hangup cause
	Ref       string        `json:"ref,omitempty"`    // what the contact follows up (a booked callback)
}

// EventLog is the append-only CTI log. It is safe for concurrent use. Subscribers receive every
// event appended after they subscribed; a subscriber that does not keep up loses events rather
// than stalling the ACD (Dropped counts them).
type EventLog struct {
	mu sync.Mutex
	// chunks of logChunk events: appending never copies the history, which keeps the ACD's
	// latency flat as the day's log grows.
	chunks  [][]Event
	n       int // events ever appended: the last Seq
	trimmed int // events dropped by Trim, all from the front
	subs    map[int]chan Event
	nextSub int
	dropped uint64
}

// NewEventLog returns an empty log.
func NewEventLog() *EventLog { return &EventLog{subs: map[int]chan Event{}} }

// Append stamps e with the next sequence number and stores it.
func (l *EventLog) Append(e Event) Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	e.Seq = uint64(l.n)
	if k := len(l.chunks); k == 0 || len(l.chunks[k-1]) == logChunk {
		l.chunks = append(l.chunks, make([]Event, 0, logChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, e)
	for _, ch := range l.subs {
		select {
		case ch <- e:
		default:
			l.dropped++
		}
	}
	return e
}

// Events returns a copy of the events with from <= Time < to; zero bounds are open.
func (l *EventLog) Events(from, to time.Time) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, chunk := range l.chunks {
		for _, e := range chunk {
			if !from.IsZero() && e.Time.Before(from) {
				continue
			}
			if !to.IsZero() && !e.Time.Before(to) {
				continue
			}
			out = append(out, e)
		}
	}
	return out
}

// Len returns the number of events ever appended, trimmed ones included: the last Seq.
func (l *EventLog) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

const logChunk = 4096

// Since returns a copy of the events with Seq > seq, oldest first: a persister polls it with the
// last Seq it stored and never misses an event, unlike a slow subscriber. Events already
// trimmed are not returned.
func (l *EventLog) Since(seq uint64) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := int(seq) - l.trimmed // index among the kept events
	if start < 0 {
		start = 0
	}
	var out []Event
	for _, chunk := range l.chunks {
		if start >= len(chunk) {
			start -= len(chunk)
			continue
		}
		out = append(out, chunk[start:]...)
		start = 0
	}
	return out
}

// Trim drops the oldest whole chunks of events that all happened before t, once they are
// persisted elsewhere; the sequence numbers of the kept events do not change.
func (l *EventLog) Trim(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.chunks) > 1 {
		c := l.chunks[0]
		if len(c) < logChunk || !c[len(c)-1].Time.Before(t) {
			return
		}
		l.trimmed += len(c)
		l.chunks[0] = nil
		l.chunks = l.chunks[1:]
	}
}

// Subscribe returns a channel of future events with room for buf of them, and a cancel function
// that closes it. The web layer turns it into Server-Sent Events (TEL-2 screen pop).
func (l *EventLog) Subscribe(buf int) (<-chan Event, func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := l.nextSub
	l.nextSub++
	ch := make(chan Event, buf)
	l.subs[id] = ch
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			l.mu.Lock()
			delete(l.subs, id)
			l.mu.Unlock()
			close(ch)
		})
	}
}

// Dropped returns how many events slow subscribers missed.
func (l *EventLog) Dropped() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

// QueueLogLine renders e in Asterisk's queue_log format,
// epoch|callid|queue|agent|EVENT|data1|data2|data3…, with the data fields Asterisk's app_queue
// writes. Events Asterisk has no counterpart for (offered, ringing, closed, voicemail…) return
// ok == false.
func QueueLogLine(e Event) (line string, ok bool) {
	secs := func(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }
	callID, queue, agent := orNone(e.CallID), orNone(e.Queue), orNone(e.Operator)
	var name string
	var data []string
	switch e.Kind {
	case EvQueued:
		name, data = "ENTERQUEUE", []string{"", e.From}
	case EvAnswered:
		name, data = "CONNECT", []string{secs(e.Wait), e.CallID, secs(e.Ring)}
	case EvCompleted:
		name = "COMPLETECALLER"
		if e.By == ByOperator {
			name = "COMPLETEAGENT"
		}
		data = []string{secs(e.Wait), secs(e.Talk), strconv.Itoa(e.OrigPos)}
	case EvAbandoned:
		name, data = "ABANDON", []string{strconv.Itoa(e.Position), strconv.Itoa(e.OrigPos), secs(e.Wait)}
	case EvNoAnswer:
		name, data = "RINGNOANSWER", []string{strconv.FormatInt(int64(e.Ring/time.Millisecond), 10)}
	case EvOverflowed:
		// Reason is the overflow target (callback, voicemail) or, for a call read from a
		// queue_log, how it left: a key (the key itself is not kept) or an empty queue.
		name, data = "EXITWITHTIMEOUT", []string{strconv.Itoa(e.Position), strconv.Itoa(e.OrigPos), secs(e.Wait)}
		switch e.Reason {
		case OverflowKey:
			name, data = "EXITWITHKEY", append([]string{""}, data...)
		case OverflowEmpty:
			name = "EXITEMPTY"
		}
	case EvCallbackAccepted:
		if e.Position == 0 {
			return "", false // chosen after leaving the queue: already logged as EXITWITHTIMEOUT
		}
		name, data = "EXITWITHKEY", []string{"1", strconv.Itoa(e.Position), strconv.Itoa(e.OrigPos), secs(e.Wait)}
	case EvTransferred:
		name, data = "TRANSFER", []string{e.Extension, "", secs(e.Wait), secs(e.Talk), strconv.Itoa(e.OrigPos)}
	case EvBlocked:
		name = "FULL"
		if e.Reason == "joinempty" || e.Reason == "joinunavail" { // read from a queue_log
			name = strings.ToUpper(e.Reason)
		}
	case EvLogin:
		callID, queue, name, data = "NONE", "NONE", "AGENTLOGIN", []string{e.Extension}
	case EvLogout:
		callID, queue, name, data = "NONE", "NONE", "AGENTLOGOFF", []string{e.Extension, secs(e.Session)}
	case EvPause:
		callID, queue, name, data = "NONE", "NONE", "PAUSEALL", []string{e.Reason}
	case EvUnpause:
		callID, queue, name, data = "NONE", "NONE", "UNPAUSEALL", []string{e.Reason}
	default:
		return "", false
	}
	line = strconv.FormatInt(e.Time.Unix(), 10) + "|" + callID + "|" + queue + "|" + agent + "|" + name
	for _, d := range data {
		line += "|" + d
	}
	return line, true
}

func orNone(s string) string {
	if s == "" {
		return "NONE"
	}
	return s
}

// WriteQueueLog writes events in Asterisk queue_log format, one per line.
func WriteQueueLog(w io.Writer, events []Event) error {
	bw := bufio.NewWriter(w)
	for _, e := range events {
		if line, ok := QueueLogLine(e); ok {
			if _, err := fmt.Fprintln(bw, line); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}
