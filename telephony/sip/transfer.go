package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"

	sipmsg "github.com/emiago/sipgo/sip"

	"sportello/telephony"
)

// xfer is a transfer under way (TEL-8, TK-5). The B2BUA keeps the caller's leg and rings the
// target on a new leg; the operator's leg stays up until the outcome, so that a failed transfer
// returns the caller to the operator. Meanwhile the caller hears the hold music; in an attended
// transfer the operator talks to the target once it answers (the consultation).
type xfer struct {
	ext      string
	attended bool
	target   *leg
	from     *leg // the operator's leg; nil once the operator has hung up
	answered bool // the target answered
	complete bool // completion was asked for before the target answered
}

// consulting reports whether the operator and the target are talking; c.mu is held.
func (x *xfer) consulting() bool {
	return x.attended && x.answered && x.from != nil && !x.complete
}

// route finds where an extension is reached: a phone registered here (an operator of the
// contact center), else the PBX through the trunk (any extension of the directory).
func (a *Adapter) route(ext string) (uri sipmsg.Uri, user, pass string, err error) {
	if u, ok := a.Registered(ext); ok {
		return u, "", "", nil
	}
	t := a.cfg.Trunk
	if t.URI == "" {
		return uri, "", "", fmt.Errorf("extension %s is not registered here and no trunk to the PBX is configured", ext)
	}
	if ext == "" || strings.Trim(ext, "0123456789+*#") != "" {
		return uri, "", "", fmt.Errorf("extension %q has characters other than digits, +, * and #", ext)
	}
	if err := sipmsg.ParseUri(strings.ReplaceAll(t.URI, "{number}", ext), &uri); err != nil {
		return uri, "", "", fmt.Errorf("trunk URI for %s: %w", ext, err)
	}
	return uri, t.Username, t.Password, nil
}

// transfer starts a blind or attended transfer (ActTransfer, ActConsult).
func (c *call) transfer(ext string, attended bool) {
	uri, user, pass, err := c.a.route(ext)
	if err != nil {
		c.a.log.Warn("transfer not possible: the caller stays with the operator", "callId", c.id, "extension", ext, "error", err)
		c.report(telephony.TransferFailed, err.Error())
		return
	}
	sock, err := c.a.rtpSocket()
	if err != nil {
		c.report(telephony.TransferFailed, "no RTP port: "+err.Error())
		return
	}
	l := &leg{c: c, op: "transfer:" + ext, ext: ext, rtp: sock, transfer: true, uri: uri, user: user, pass: pass,
		timeout: c.a.cfg.DialTimeout, finished: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancel(c.ctx)
	c.mu.Lock()
	if c.ended || c.xfer != nil || c.bridge == nil || c.legs[l.op] != nil {
		why := "the call is not connected to an operator"
		if c.xfer != nil || c.legs[l.op] != nil {
			why = "a transfer is already under way"
		}
		c.mu.Unlock()
		sock.Close()
		c.report(telephony.TransferFailed, why)
		return
	}
	c.xfer = &xfer{ext: ext, attended: attended, target: l, from: c.bridge}
	c.legs[l.op] = l
	// The caller holds: the player resumes the music (nothing is relayed to the caller from
	// the operator's leg while it is not the bridge).
	c.bridge = nil
	c.kickLocked()
	c.wg.Add(1)
	c.mu.Unlock()
	c.a.log.Info("transfer", "callId", c.id, "extension", ext, "to", uri.String(), "attended", attended)
	go l.run()
}

// targetAnswered runs when the target's phone answers: a blind transfer completes; an attended
// one starts the consultation, unless the operator has already asked to complete or hung up.
func (c *call) targetAnswered(l *leg) {
	c.mu.Lock()
	x := c.xfer
	if x == nil || x.target != l {
		c.mu.Unlock()
		l.hangup()
		return
	}
	x.answered = true
	consult := x.consulting()
	c.mu.Unlock()
	if !consult {
		c.completeTransfer()
	}
}

// completeTransfer hands the caller to the target (ActCompleteXfer; a blind transfer whose
// target answered; the operator hanging up during the consultation): the caller is bridged to
// the target and the operator's leg is hung up. Asked before the target answers, it completes
// on the answer.
func (c *call) completeTransfer() {
	c.mu.Lock()
	x := c.xfer
	if x == nil {
		c.mu.Unlock()
		return
	}
	if !x.answered {
		x.complete = true
		c.mu.Unlock()
		return
	}
	c.xfer = nil
	from, target := x.from, x.target
	c.bridge = target
	c.silenceLocked()
	if from != nil && c.legs[from.op] == from {
		delete(c.legs, from.op)
	}
	c.mu.Unlock()
	c.sender.Quiesce()
	target.live.Store(true)
	// The ACD hears of the handover before the operator's leg is hung up: hanging up waits for
	// the phone's answer, and a caller who hangs up meanwhile must end a transferred call, not
	// a transfer still under way (which would count it as failed).
	c.a.log.Info("transferred", "callId", c.id, "extension", x.ext)
	c.report(telephony.TransferDone, "")
	if from != nil {
		from.hangup()
	}
}

// endTransfer ends a transfer without handing the caller over: the target failed (busy, no
// answer, no route), hung up during the consultation, or the operator went back to the caller
// (ActCancelXfer, target nil: the current one). The caller is bridged to the operator again;
// if the operator has left meanwhile, the caller goes back to the queue with its place.
func (c *call) endTransfer(target *leg, outcome telephony.TransferOutcome, reason string) {
	c.mu.Lock()
	x := c.xfer
	if x == nil || target != nil && x.target != target {
		c.mu.Unlock()
		return
	}
	c.xfer = nil
	from := x.from
	if from != nil {
		c.bridge = from
		c.silenceLocked()
	}
	if c.legs[x.target.op] == x.target {
		delete(c.legs, x.target.op)
	}
	c.mu.Unlock()
	if from != nil {
		c.sender.Quiesce()
		from.live.Store(true)
	}
	x.target.hangup()
	c.a.log.Info("transfer ended", "callId", c.id, "extension", x.ext, "outcome", outcome, "reason", reason)
	c.report(outcome, reason)
	if from == nil && c.ctx.Err() == nil {
		acts, err := c.a.acd.ReturnToQueue(c.id, "the operator left during a transfer that did not succeed")
		if err != nil {
			c.a.log.Warn("return to queue", "callId", c.id, "error", err)
		}
		c.a.handle(acts)
	}
}

// report tells the ACD how the transfer ended.
func (c *call) report(outcome telephony.TransferOutcome, reason string) {
	acts, err := c.a.acd.TransferResult(c.id, outcome, reason)
	if err != nil {
		c.a.log.Debug("transfer result", "callId", c.id, "error", err)
	}
	c.a.handle(acts)
}

// legGone handles a BYE from an operator's or a target's phone.
func (c *call) legGone(l *leg) {
	c.mu.Lock()
	x := c.xfer
	switch {
	case x != nil && l == x.from:
		// The operator hangs up during a transfer: during the consultation that completes it
		// (as on most PBXs); before the target answered it becomes a blind transfer.
		x.from = nil
		if c.legs[l.op] == l {
			delete(c.legs, l.op)
		}
		answered := x.answered
		c.mu.Unlock()
		l.close()
		if answered {
			c.completeTransfer()
		}
		return
	case x != nil && l == x.target:
		c.mu.Unlock()
		c.endTransfer(l, telephony.TransferCancelled, "the transfer target hung up during the consultation")
		l.close()
		return
	}
	bridged := c.bridge == l
	c.mu.Unlock()
	if !bridged {
		l.close()
		return
	}
	acts, err := c.a.acd.Hangup(c.id, telephony.ByOperator)
	if err != nil {
		c.a.log.Debug("hangup", "callId", c.id, "error", err)
	}
	c.a.handle(acts) // ActDisconnect: teardown with a BYE to the caller
	c.teardown(true)
}

// hangup ends a leg from our side: CANCEL while it rings, BYE once answered.
func (l *leg) hangup() {
	l.stopped.Store(true)
	if l.up.Load() && !l.byeReceived.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
		if err := l.dlg.Bye(ctx); err != nil && !errors.Is(err, context.Canceled) {
			l.c.a.log.Debug("bye", "leg", l.op, "error", err)
		}
		cancel()
	}
	l.close()
}
