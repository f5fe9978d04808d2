package webkit

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
)

// Gate bounds how many requests of one kind run at once: a counting semaphore in front of work
// that is heavy whoever asks (a whole-store export walks every statement). A request past the
// bound is not queued — queued requests would hold connections and memory while the caller
// cannot tell — but refused at once with 503, Retry-After and an Italian message, so a client
// knows when to try again.
type Gate struct {
	slots chan struct{}
	retry time.Duration
	key   string // catalogue key of the refusal, a plural form on the seconds
}

// NewGate returns a gate of n slots (at least one) whose refusals say, through catalogue key
// key (key.one/key.other, with the seconds), to retry after retry (at least one second).
func NewGate(n int, retry time.Duration, key string) *Gate {
	return &Gate{slots: make(chan struct{}, max(n, 1)), retry: max(retry, time.Second), key: key}
}

// Enter takes a slot for the request of c, or refuses it. The caller calls release once, when
// the work is done.
func (g *Gate) Enter(c echo.Context) (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	default:
	}
	secs := int((g.retry + time.Second - 1) / time.Second)
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return nil, &HTTPError{Status: http.StatusServiceUnavailable, Code: "busy", Msg: i18n.N(g.key, secs)}
}

// Busy is how many slots are taken now.
func (g *Gate) Busy() int { return len(g.slots) }
