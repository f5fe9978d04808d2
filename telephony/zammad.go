package telephony

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ZammadEvent is one notification in Zammad's generic CTI format, as an external PBX sends it
// (https://docs.zammad.org, "CTI (generic API)"): event newCall, answer or hangup.
type ZammadEvent struct {
	Event           string   `json:"event"`
	From            string   `json:"from"`
	To              string   `json:"to"`
	Direction       string   `json:"direction"` // "in" or "out"
	CallID          string   `json:"callId"`
	Cause           string   `json:"cause,omitempty"` // hangup: normalClearing, busy, cancel, noAnswer, congestion, notFound…
	AnsweringNumber string   `json:"answeringNumber,omitempty"`
	User            []string `json:"user,omitempty"`
	Queue           string   `json:"queue,omitempty"`
}

// ParseZammad reads a Zammad CTI notification from a form-encoded or JSON body. The error names
// the missing or wrong field.
func ParseZammad(contentType string, body []byte) (ZammadEvent, error) {
	var z ZammadEvent
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" {
		var raw map[string]any
		if err := json.Unmarshal(body, &raw); err != nil {
			return z, fmt.Errorf("zammad cti: body is not a JSON object: %w", err)
		}
		str := func(k string) (string, error) {
			switch v := raw[k].(type) {
			case nil:
				return "", nil
			case string:
				return v, nil
			case float64:
				return strings.TrimSuffix(fmt.Sprintf("%f", v), ".000000"), nil
			default:
				return "", fmt.Errorf("zammad cti: field %q must be a string", k)
			}
		}
		var err error
		for k, dst := range map[string]*string{"event": &z.Event, "from": &z.From, "to": &z.To, "direction": &z.Direction,
			"callId": &z.CallID, "cause": &z.Cause, "answeringNumber": &z.AnsweringNumber, "queue": &z.Queue} {
			if *dst, err = str(k); err != nil {
				return z, err
			}
		}
		switch u := raw["user"].(type) {
		case nil:
		case string:
			z.User = []string{u}
		case []any:
			for _, x := range u {
				s, ok := x.(string)
				if !ok {
					return z, fmt.Errorf("zammad cti: field \"user\" must hold strings")
				}
				z.User = append(z.User, s)
			}
		default:
			return z, fmt.Errorf("zammad cti: field \"user\" must be a string or a list")
		}
	} else {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return z, fmt.Errorf("zammad cti: body is not form-encoded: %w", err)
		}
		get := func(k string) string { return form.Get(k) }
		z = ZammadEvent{Event: get("event"), From: get("from"), To: get("to"), Direction: get("direction"),
			CallID: get("callId"), Cause: get("cause"), AnsweringNumber: get("answeringNumber"), Queue: get("queue")}
		z.User = append(form["user"], form["user[]"]...)
	}
	switch z.Event {
	case "newCall", "answer", "hangup":
	case "":
		return z, fmt.Errorf("zammad cti: field \"event\" is missing")
	default:
		return z, fmt.Errorf("zammad cti: field \"event\": unknown value %q (newCall, answer, hangup)", z.Event)
	}
	if z.CallID == "" {
		return z, fmt.Errorf("zammad cti: field \"callId\" is missing")
	}
	switch z.Direction {
	case "in", "out":
	case "":
		if z.Event == "newCall" {
			return z, fmt.Errorf("zammad cti: field \"direction\" is missing")
		}
	default:
		return z, fmt.Errorf("zammad cti: field \"direction\": %q is neither in nor out", z.Direction)
	}
	return z, nil
}

// ZammadCTI is an http.Handler for Zammad's generic CTI webhook, for an external PBX whose calls
// should feed the same event log, statistics and screen pops as the built-in ACD (TEL-1). Mount
// it at e.g. /api/v1/cti/{token}; when Token is set the last path segment must equal it.
type ZammadCTI struct {
	Log   *EventLog
	Clock Clock
	Token string
	// Queue names the queue of an inbound call when the PBX does not send one; nil uses "to".
	Queue func(to string) string

	mu    sync.Mutex
	calls map[string]*zcall
}

type zcall struct {
	ev       ZammadEvent
	queue    string
	offered  time.Time
	answered time.Time
	operator string
}

// maxZammadBody bounds a notification body; real ones are a few hundred bytes.
const maxZammadBody = 64 << 10

func (h *ZammadCTI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if h.Token != "" {
		seg := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		if seg != h.Token {
			http.Error(w, "unknown CTI token", http.StatusForbidden)
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxZammadBody+1))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > maxZammadBody {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	z, err := ParseZammad(r.Header.Get("Content-Type"), body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.Apply(z)
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, "{}\n")
}

// Apply records a parsed notification in the event log.
func (h *ZammadCTI) Apply(z ZammadEvent) {
	clock := h.Clock
	if clock == nil {
		clock = SystemClock{}
	}
	now := clock.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.calls == nil {
		h.calls = map[string]*zcall{}
	}
	c := h.calls[z.CallID]
	base := func(kind EventKind) Event {
		e := Event{Time: now, Kind: kind, CallID: z.CallID, Channel: Voice, From: z.From, To: z.To, Direction: z.Direction}
		if c != nil {
			e.Queue, e.From, e.To, e.Direction = c.queue, c.ev.From, c.ev.To, c.ev.Direction
		}
		return e
	}
	switch z.Event {
	case "newCall":
		if c != nil {
			return // a repeated notification
		}
		q := z.Queue
		if q == "" && z.Direction == "in" {
			q = z.To
			if h.Queue != nil {
				q = h.Queue(z.To)
			}
		}
		c = &zcall{ev: z, queue: q, offered: now}
		h.calls[z.CallID] = c
		h.Log.Append(base(EvOffered))
		if z.Direction != "in" {
			return
		}
		e := base(EvQueued)
		e.Position = 1
		h.Log.Append(e)
		users := z.User
		if len(users) == 0 {
			users = []string{""}
		}
		for _, u := range users {
			e := base(EvRinging)
			e.Operator = u
			h.Log.Append(e)
		}
	case "answer":
		if c == nil || !c.answered.IsZero() {
			return
		}
		c.answered = now
		c.operator = z.AnsweringNumber
		if len(z.User) > 0 {
			c.operator = z.User[0]
		}
		e := base(EvAnswered)
		e.Operator, e.Wait = c.operator, now.Sub(c.offered)
		h.Log.Append(e)
	case "hangup":
		if c == nil {
			return
		}
		delete(h.calls, z.CallID)
		e := base(EvCompleted)
		e.Reason, e.Operator = z.Cause, c.operator
		switch {
		case !c.answered.IsZero():
			e.Wait, e.Talk, e.By = c.answered.Sub(c.offered), now.Sub(c.answered), ByCaller
		case c.ev.Direction != "in":
			e.Kind = EvEnded
		case z.Cause == "busy" || z.Cause == "congestion":
			e.Kind = EvBlocked
		default:
			e.Kind, e.Wait, e.Position = EvAbandoned, now.Sub(c.offered), 1
		}
		h.Log.Append(e)
	}
}
