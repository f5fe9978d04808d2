package sip

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"sportello/telephony"
	"sportello/telephony/media"
)

// dialOut is a call the operator places (ActDial: a booked callback, TEL-7): the adapter rings
// the operator's phone first, then calls the citizen through Config.Outbound, and relays RTP
// between the two like an inbound call.
type dialOut struct {
	a      *Adapter
	id     string // the ACD's call ID
	ctx    context.Context
	cancel context.CancelFunc

	op, citizen *outLeg
	mu          sync.Mutex
	ended       bool
}

// outLeg is one client leg of a dialOut.
type outLeg struct {
	d      *dialOut
	callID string
	dlg    *sipgo.DialogClientSession
	rtp    net.PacketConn
	remote atomic.Pointer[net.UDPAddr]
	bye    atomic.Bool // BYE received from this side
}

// outboundURI fills Config.Outbound with the number to call.
func (a *Adapter) outboundURI(number string) (sipmsg.Uri, error) {
	var u sipmsg.Uri
	if a.cfg.Outbound == "" {
		return u, errors.New("no outbound route configured (Config.Outbound)")
	}
	for _, r := range number {
		if !(r >= '0' && r <= '9' || r == '+') {
			return u, errors.New("number " + number + " has characters other than digits and +")
		}
	}
	err := sipmsg.ParseUri(strings.ReplaceAll(a.cfg.Outbound, "{number}", number), &u)
	return u, err
}

// dial carries out ActDial in the background.
func (a *Adapter) dial(x telephony.Action) {
	d := &dialOut{a: a, id: x.CallID}
	d.ctx, d.cancel = context.WithCancel(a.ctx)
	a.mu.Lock()
	if a.outs[x.CallID] != nil {
		a.mu.Unlock()
		return
	}
	a.outs[x.CallID] = d
	a.mu.Unlock()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		d.run(x)
	}()
}

func (d *dialOut) run(x telephony.Action) {
	a := d.a
	by := telephony.ByOperator
	outcome := ""
	defer func() {
		// The outcome goes on the call's events with the booking it carries out (TEL-7).
		if err := a.acd.CallbackResult(d.id, outcome); err != nil {
			a.log.Debug("callback result", "callId", d.id, "error", err)
		}
		d.end(by)
	}()
	target, err := a.outboundURI(x.Number)
	if err != nil {
		a.log.Warn("callback not placed", "callId", d.id, "error", err)
		outcome = "failed: " + err.Error()
		return
	}
	contact, ok := a.Registered(x.Extension)
	if !ok {
		a.log.Warn("callback not placed: operator phone not registered", "callId", d.id, "extension", x.Extension)
		outcome = "failed: the operator's phone is not registered"
		return
	}
	// The operator's phone rings first and shows whom it is calling.
	d.op, err = d.invite(contact, x.Number, "Richiamata "+x.Number, media.PCMU, 101, true)
	if err != nil {
		a.log.Info("callback: operator did not answer", "callId", d.id, "error", err)
		outcome = "failed: the operator did not answer"
		return
	}
	codec, dtmf := media.PCMU, uint8(101)
	if ans, err := ParseSDP(d.op.dlg.InviteResponse.Body()); err == nil {
		d.op.remote.Store(ans.RemoteAddr())
		if c, pt, err := ans.Negotiate(); err == nil {
			codec, dtmf = c, pt
		}
	}
	// The citizen sees the Administration's number (TEL-7), not the operator's extension.
	callerID := a.cfg.Trunk.CallerID
	if callerID == "" {
		callerID = x.Extension
	}
	d.citizen, err = d.invite(target, callerID, "", codec, dtmf, false)
	if err != nil {
		a.log.Info("callback: citizen did not answer", "callId", d.id, "number", x.Number, "error", err)
		outcome = "no-answer"
		var rerr *sipgo.ErrDialogResponse
		if errors.As(err, &rerr) {
			switch rerr.Res.StatusCode {
			case sipmsg.StatusBusyHere, 600:
				outcome = "busy"
			case 603:
				outcome = "declined"
			case sipmsg.StatusRequestTerminated, sipmsg.StatusTemporarilyUnavailable:
			default:
				outcome = "failed: " + strconv.Itoa(rerr.Res.StatusCode) + " " + rerr.Res.Reason
			}
		}
		return
	}
	outcome = "reached"
	if ans, err := ParseSDP(d.citizen.dlg.InviteResponse.Body()); err == nil {
		d.citizen.remote.Store(ans.RemoteAddr())
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); d.relay(d.op, d.citizen) }()
	go func() { defer wg.Done(); d.relay(d.citizen, d.op) }()
	select {
	case <-d.op.dlg.Context().Done():
	case <-d.citizen.dlg.Context().Done():
		by = telephony.ByCaller
	case <-d.ctx.Done():
	}
	d.hangupLegs()
	wg.Wait()
}

// invite places one leg and waits for its answer (up to DialTimeout).
func (d *dialOut) invite(to sipmsg.Uri, fromUser, display string, codec media.Codec, dtmf uint8, toOperator bool) (*outLeg, error) {
	a := d.a
	sock, err := a.rtpSocket()
	if err != nil {
		return nil, err
	}
	l := &outLeg{d: d, rtp: sock, callID: "cb-" + sipmsg.GenerateTagN(20)}
	req := sipmsg.NewRequest(sipmsg.INVITE, to)
	req.SetBody(BuildSDP(a.host, sock.LocalAddr().(*net.UDPAddr).Port, rand.Uint64()>>1, codec, dtmf))
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	from := &sipmsg.FromHeader{DisplayName: display, Address: sipmsg.Uri{Scheme: "sip", User: fromUser, Host: a.host.String(), Port: a.port}}
	from.Params.Add("tag", sipmsg.GenerateTagN(16))
	req.AppendHeader(from)
	if !toOperator && a.cfg.Trunk.CallerID != "" {
		// Carriers take the calling number from P-Asserted-Identity on a trusted trunk (RFC 3325).
		req.AppendHeader(sipmsg.NewHeader("P-Asserted-Identity", "<sip:"+a.cfg.Trunk.CallerID+"@"+a.host.String()+">"))
	}
	req.AppendHeader(&sipmsg.ToHeader{Address: sipmsg.Uri{Scheme: "sip", User: to.User, Host: to.Host, Port: to.Port}})
	cid := sipmsg.CallIDHeader(l.callID)
	req.AppendHeader(&cid)
	a.mu.Lock()
	a.outLegs[l.callID] = l
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(d.ctx, a.cfg.DialTimeout)
	defer cancel()
	l.dlg, err = a.duaForURI(to).WriteInvite(ctx, req)
	if err == nil {
		opts := sipgo.AnswerOptions{}
		if !toOperator {
			opts.Username, opts.Password = a.cfg.Trunk.Username, a.cfg.Trunk.Password
		}
		err = l.dlg.WaitAnswer(ctx, opts)
	}
	if err == nil {
		err = l.dlg.Ack(context.Background())
	}
	if err != nil {
		if l.dlg != nil && l.dlg.InviteResponse != nil && l.dlg.InviteResponse.IsSuccess() {
			bctx, bcancel := context.WithTimeout(context.Background(), byeTimeout)
			l.dlg.Ack(bctx)
			l.dlg.Bye(bctx)
			bcancel()
		}
		l.close()
		return nil, err
	}
	return l, nil
}

// relay copies RTP from one leg to the other until the socket closes.
func (d *dialOut) relay(from, to *outLeg) {
	buf := make([]byte, 1500)
	for {
		n, _, err := from.rtp.ReadFrom(buf)
		if err != nil {
			return
		}
		if r := to.remote.Load(); r != nil {
			to.rtp.WriteTo(buf[:n], r)
		}
	}
}

// hangupLegs sends BYE to each answered leg that did not hang up itself and closes the sockets.
func (d *dialOut) hangupLegs() {
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	for _, l := range []*outLeg{d.op, d.citizen} {
		if l == nil {
			continue
		}
		if !l.bye.Load() {
			l.dlg.Bye(ctx)
		}
		l.close()
	}
}

func (l *outLeg) close() {
	l.rtp.Close()
	a := l.d.a
	a.mu.Lock()
	delete(a.outLegs, l.callID)
	a.mu.Unlock()
}

// end reports the end of the callback to the ACD once.
func (d *dialOut) end(by telephony.Party) {
	d.mu.Lock()
	if d.ended {
		d.mu.Unlock()
		return
	}
	d.ended = true
	d.mu.Unlock()
	d.cancel()
	a := d.a
	if acts, err := a.acd.Hangup(d.id, by); err == nil {
		a.handle(acts)
	}
	a.mu.Lock()
	delete(a.outs, d.id)
	a.mu.Unlock()
}

// stop ends a placed callback from the ACD's side (ActDisconnect from the console).
func (d *dialOut) stop() { d.cancel() }
