package telephony

// Reading Asterisk's queue_log: the call log of the Administration's own PBX (seed 002 §5), so
// that the SLA reports work whichever system carried the calls (SLA-2, SLA-5). QueueLogLine
// writes the same format; reading what it wrote gives back the events the figures need.
//
// The format is one line per event, fields separated by "|":
//
//	time|callid|queue|agent|EVENT|data1|data2|…
//
// time is Unix seconds (a decimal fraction is accepted; so is "2006-01-02 15:04:05", which
// realtime back-ends write, in Europe/Rome). Asterisk has written this format since 1.2 and
// the events below have kept their data fields across versions; no Go library reads it, and
// the mapping to Sportello's events is the point, so the reader is ours.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"sportello/internal/clock"
)

// MaxQueueLogLine is the longest line read; a longer one is reported as damaged and skipped.
const MaxQueueLogLine = 16 << 10

// maxPlausible bounds the durations a line may carry: a wait or a conversation longer than a
// day is a damaged field, not a call.
const maxPlausible = 24 * time.Hour

// QueueLogProblem is a damaged line: its number (from 1), its text (cut at 200 bytes) and
// what is wrong with it, in Italian for the person who runs the import.
type QueueLogProblem struct {
	Line int    `json:"line"`
	Text string `json:"text"`
	Msg  string `json:"message"`
}

func (p QueueLogProblem) Error() string { return fmt.Sprintf("riga %d: %s", p.Line, p.Msg) }

// QueueLogEvent is one line read: the event, the line's number and its text (the import keys
// duplicates on the text).
type QueueLogEvent struct {
	Line  int
	Text  string
	Event Event
}

// errSkip marks a well-formed line that carries nothing the statistics use (QUEUESTART,
// CONFIGRELOAD, DID, INFO…).
var errSkip = errors.New("not a call or operator event")

// ReadQueueLog reads r line by line and calls fn for every line that maps to an event, in file
// order. Damaged lines are handed to bad (nil: ignored) and reading goes on; lines of events
// the statistics do not use are counted in skipped by event name; lines is the number of lines
// read. Memory stays flat: one line at a time. An error from fn or from reading stops it.
func ReadQueueLog(r io.Reader, loc *time.Location, fn func(QueueLogEvent) error, bad func(QueueLogProblem)) (lines int, skipped map[string]int, err error) {
	if loc == nil {
		loc = clock.Rome()
	}
	skipped = map[string]int{}
	br := bufio.NewReaderSize(r, 64<<10)
	report := func(p QueueLogProblem) {
		if bad != nil {
			bad(p)
		}
	}
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br)
		if err == io.EOF && line == "" && !tooLong {
			return n - 1, skipped, nil
		}
		if err != nil && err != io.EOF {
			return n - 1, skipped, fmt.Errorf("riga %d: %w", n, err)
		}
		if tooLong {
			report(QueueLogProblem{Line: n, Text: clip(line), Msg: fmt.Sprintf("riga più lunga di %d byte", MaxQueueLogLine)})
		} else if strings.TrimSpace(line) != "" {
			e, perr := ParseQueueLogLine(line, loc)
			switch {
			case errors.Is(perr, errSkip):
				skipped[queueLogName(line)]++
			case perr != nil:
				report(QueueLogProblem{Line: n, Text: clip(line), Msg: perr.Error()})
			default:
				if ferr := fn(QueueLogEvent{Line: n, Text: line, Event: e}); ferr != nil {
					return n, skipped, ferr
				}
			}
		}
		if err == io.EOF {
			return n, skipped, nil
		}
	}
}

// readLine returns the next line without its end (LF or CRLF); a line longer than
// MaxQueueLogLine is consumed to its end and returned cut, with tooLong set.
func readLine(br *bufio.Reader) (line string, tooLong bool, err error) {
	var b []byte
	for {
		chunk, e := br.ReadSlice('\n')
		if len(b)+len(chunk) > MaxQueueLogLine+2 {
			tooLong = true
			if len(b) < 200 {
				b = append(b, chunk[:min(len(chunk), 200)]...)
			}
		} else {
			b = append(b, chunk...)
		}
		if e == bufio.ErrBufferFull {
			continue
		}
		err = e
		break
	}
	s := strings.TrimRight(string(b), "\r\n")
	if len(b) == 0 && err == io.EOF {
		return "", false, io.EOF
	}
	return s, tooLong, err
}

func clip(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

func queueLogName(line string) string {
	f := strings.SplitN(line, "|", 6)
	if len(f) < 5 {
		return ""
	}
	return strings.TrimSpace(f[4])
}

// ParseQueueLogLine maps one queue_log line to an event. Events that say nothing about calls,
// queues or operators return an error wrapping errSkip; damaged lines return an error in
// Italian naming the field.
func ParseQueueLogLine(line string, loc *time.Location) (Event, error) {
	f := strings.Split(line, "|")
	if len(f) < 5 {
		return Event{}, fmt.Errorf("%d campi, ne servono almeno 5 (ora|chiamata|coda|operatore|evento)", len(f))
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	at, err := queueLogTime(f[0], loc)
	if err != nil {
		return Event{}, err
	}
	none := func(s string) string {
		if s == "NONE" {
			return ""
		}
		return s
	}
	e := Event{Time: at, CallID: none(f[1]), Queue: none(f[2]), Operator: none(f[3])}
	name, data := f[4], f[5:]
	arg := func(i int) string {
		if i < len(data) {
			return data[i]
		}
		return ""
	}
	// secs reads data field i as whole seconds (what app_queue writes); field names the
	// field in the message.
	secs := func(i int, field string) (time.Duration, error) {
		v := arg(i)
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || time.Duration(n)*time.Second > maxPlausible {
			return 0, fmt.Errorf("%s: %s %q non è un numero di secondi plausibile", name, field, v)
		}
		return time.Duration(n) * time.Second, nil
	}
	pos := func(i int) int {
		n, err := strconv.Atoi(arg(i))
		if err != nil || n < 0 {
			return 0 // positions are informative only: a missing one does not damage the line
		}
		return n
	}
	call := func() error {
		if e.CallID == "" {
			return fmt.Errorf("%s senza identificativo di chiamata", name)
		}
		if e.Queue == "" {
			return fmt.Errorf("%s senza coda", name)
		}
		return nil
	}
	agent := func() error {
		if e.Operator == "" {
			return fmt.Errorf("%s senza operatore", name)
		}
		return nil
	}
	e.Direction = "in"
	switch name {
	case "ENTERQUEUE":
		e.Kind, e.From = EvQueued, arg(1)
		return e, call()
	case "FULL", "JOINEMPTY", "JOINUNAVAIL":
		// Refused at the queue's door: no free place (FULL) or no operator to join (the
		// other two), which is what C.1 counts against.
		e.Kind, e.Reason = EvBlocked, strings.ToLower(name)
		return e, call()
	case "CONNECT":
		e.Kind = EvAnswered
		if err := call(); err != nil {
			return e, err
		}
		if err := agent(); err != nil {
			return e, err
		}
		if e.Wait, err = secs(0, "attesa"); err != nil {
			return e, err
		}
		if v := arg(2); v != "" { // ring time, absent before Asterisk 1.6
			if e.Ring, err = secs(2, "squillo"); err != nil {
				return e, err
			}
		}
		return e, nil
	case "COMPLETECALLER", "COMPLETEAGENT":
		e.Kind, e.By = EvCompleted, ByCaller
		if name == "COMPLETEAGENT" {
			e.By = ByOperator
		}
		if err := call(); err != nil {
			return e, err
		}
		if e.Wait, err = secs(0, "attesa"); err != nil {
			return e, err
		}
		if e.Talk, err = secs(1, "conversazione"); err != nil {
			return e, err
		}
		e.OrigPos = pos(2)
		return e, nil
	case "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER":
		// Asterisk logs a transfer once it has happened: the target has the caller.
		e.Kind = EvTransferred
		if err := call(); err != nil {
			return e, err
		}
		if name != "ATTENDEDTRANSFER" {
			e.Extension = arg(0)
		}
		if e.Wait, err = secs(2, "attesa"); err != nil {
			return e, err
		}
		if e.Talk, err = secs(3, "conversazione"); err != nil {
			return e, err
		}
		e.OrigPos = pos(4)
		return e, nil
	case "ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY":
		e.Kind = EvAbandoned
		switch name {
		case "EXITWITHTIMEOUT":
			e.Kind, e.Reason = EvOverflowed, OverflowTimeout
		case "EXITEMPTY":
			e.Kind, e.Reason = EvOverflowed, OverflowEmpty
		}
		if err := call(); err != nil {
			return e, err
		}
		e.Position, e.OrigPos = pos(0), pos(1)
		e.Wait, err = secs(2, "attesa")
		return e, err
	case "EXITWITHKEY":
		e.Kind, e.Reason = EvOverflowed, OverflowKey
		if err := call(); err != nil {
			return e, err
		}
		e.Position, e.OrigPos = pos(1), pos(2)
		if v := arg(3); v != "" { // wait time, absent before Asterisk 1.8
			e.Wait, err = secs(3, "attesa")
		}
		return e, err
	case "RINGNOANSWER":
		e.Kind = EvNoAnswer
		if err := call(); err != nil {
			return e, err
		}
		if err := agent(); err != nil {
			return e, err
		}
		ms, err := strconv.ParseInt(arg(0), 10, 64)
		if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > maxPlausible {
			return e, fmt.Errorf("RINGNOANSWER: squillo %q non è un numero di millisecondi plausibile", arg(0))
		}
		e.Ring = time.Duration(ms) * time.Millisecond
		return e, nil
	case "AGENTLOGIN", "AGENTCALLBACKLOGIN", "ADDMEMBER":
		e.Kind, e.CallID, e.Direction = EvLogin, "", ""
		if name != "ADDMEMBER" {
			e.Queue, e.Extension = "", arg(0)
		}
		return e, agent()
	case "AGENTLOGOFF", "AGENTCALLBACKLOGOFF", "REMOVEMEMBER":
		e.Kind, e.CallID, e.Direction = EvLogout, "", ""
		if name != "REMOVEMEMBER" {
			e.Queue, e.Extension = "", arg(0)
			if v := arg(1); v != "" {
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
					e.Session = time.Duration(n) * time.Second
				}
			}
		}
		return e, agent()
	case "PAUSE", "PAUSEALL", "UNPAUSE", "UNPAUSEALL":
		// Sportello pauses an operator in every queue at once; a pause in one queue is taken
		// as a pause of the operator (see sla's occupancy).
		e.Kind, e.CallID, e.Direction, e.Queue, e.Reason = EvPause, "", "", "", arg(0)
		if strings.HasPrefix(name, "UN") {
			e.Kind = EvUnpause
		}
		return e, agent()
	}
	if name == "" {
		return e, errors.New("nome dell'evento mancante")
	}
	return e, fmt.Errorf("%s: %w", name, errSkip)
}

// How a contact left a queue without an operator, in Event.Reason of EvOverflowed (the ACD
// writes the overflow target there: "callback" or "voicemail" after OverflowTimeout).
const (
	OverflowTimeout = "timeout" // the maximum wait was reached (EXITWITHTIMEOUT)
	OverflowKey     = "key"     // the caller pressed a key to leave, e.g. for a callback (EXITWITHKEY)
	OverflowEmpty   = "empty"   // no operator left in the queue (EXITEMPTY)
)

// queueLogTime reads Unix seconds (with an optional fraction) or a local date and time.
func queueLogTime(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("ora mancante")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && s[0] != '+' && s[0] != '-' {
		// Between 2000 and 2100: anything else is a damaged field.
		if f < 946684800 || f >= 4102444800 || math.IsNaN(f) {
			return time.Time{}, fmt.Errorf("ora %q fuori dagli anni 2000–2099", s)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			if t.Year() < 2000 || t.Year() > 2099 {
				break
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("ora %q non leggibile: servono i secondi Unix o AAAA-MM-GG hh:mm:ss", s)
}
