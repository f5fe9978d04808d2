package sip

import (
	"strconv"
	"strings"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"sportello/telephony"
)

// Session timers (RFC 4028, TEL-1: PBX trunks and SBCs use them to clear calls whose other end
// vanished). The adapter only answers: a caller that supports timers ("Supported: timer") is
// the refresher (refresher=uac) and must send a re-INVITE or UPDATE before the interval ends,
// or the adapter hangs up. A caller that does not support them gets no timer (RFC 4028 section
// 9 lets a UAS decline to be the refresher only by not using timers at all; sending refreshes
// ourselves is not done).

// sessionTimer reads a request's Session-Expires and Supported headers. It returns the interval
// to grant (0: no timer), or a refusal: 422 when the interval asked is under MinSE.
func (a *Adapter) sessionTimer(req *sipmsg.Request) (interval time.Duration, refuse bool) {
	supported := false
	for _, h := range append(req.GetHeaders("Supported"), req.GetHeaders("k")...) {
		for _, tag := range strings.Split(h.Value(), ",") {
			supported = supported || strings.EqualFold(strings.TrimSpace(tag), "timer")
		}
	}
	asked := time.Duration(0)
	if h := req.GetHeader("Session-Expires"); h != nil || req.GetHeader("x") != nil {
		if h == nil {
			h = req.GetHeader("x")
		}
		v, _, _ := strings.Cut(h.Value(), ";")
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			return 0, true
		}
		asked = time.Duration(n) * time.Second
		if asked < a.cfg.MinSE {
			return 0, true
		}
	}
	if !supported {
		return 0, false
	}
	if asked == 0 || asked > a.cfg.SessionExpires {
		asked = a.cfg.SessionExpires
	}
	return asked, false
}

// timerHeaders are the headers of a 2xx granting interval.
func timerHeaders(interval time.Duration) []sipmsg.Header {
	return []sipmsg.Header{
		sipmsg.NewHeader("Session-Expires", strconv.Itoa(int(interval/time.Second))+";refresher=uac"),
		sipmsg.NewHeader("Require", "timer"),
		sipmsg.NewHeader("Supported", "timer"),
	}
}

// tooShort is the 422 for an interval under MinSE.
func (a *Adapter) tooShort(tx sipmsg.ServerTransaction, req *sipmsg.Request) {
	respond(tx, req, 422, "Session Interval Too Small", sipmsg.NewHeader("Min-SE", strconv.Itoa(int(a.cfg.MinSE/time.Second))))
}

// armTimer (re)starts the call's session timer: without a refresh by the end of the interval,
// less min(32 s, a third) as RFC 4028 section 10 says, the call is hung up.
func (c *call) armTimer(interval time.Duration) {
	if interval <= 0 {
		return
	}
	wait := interval - min(32*time.Second, interval/3)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	if c.session != nil {
		c.session.Stop()
	}
	c.interval = interval
	c.session = time.AfterFunc(wait, c.sessionExpired)
	c.timers = append(c.timers, c.session)
}

func (c *call) sessionExpired() {
	c.a.log.Info("session timer expired: hanging up", "callId", c.id)
	acts, err := c.a.acd.Hangup(c.id, telephony.ByCaller)
	if err != nil {
		c.a.log.Debug("hangup", "callId", c.id, "error", err)
	}
	c.a.handle(acts)
	c.teardown(true)
}

// refreshed handles a session refresh (re-INVITE or UPDATE from the caller): the timer starts
// again, and the answer carries the interval.
func (c *call) refreshed(req *sipmsg.Request) []sipmsg.Header {
	c.mu.Lock()
	interval := c.interval
	c.mu.Unlock()
	if interval <= 0 {
		return nil
	}
	if asked, refuse := c.a.sessionTimer(req); !refuse && asked > 0 {
		interval = asked
	}
	c.armTimer(interval)
	return timerHeaders(interval)
}
