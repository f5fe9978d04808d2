package sip

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"

	"sportello/telephony"
	"sportello/telephony/media"
)

type offerKind int

const (
	offerNone offerKind = iota
	offerCallback
	offerVoicemail
)

// byeTimeout bounds the BYE transactions of a teardown, so a vanished phone cannot hold a call.
const byeTimeout = 5 * time.Second

// playItem is one entry of a call's playlist: a prompt, or a step to run when the prompts
// before it have been played (start recording after the voicemail offer, tell the ACD the
// welcome has been heard). Steps run on the player goroutine: one that ends the call must do
// so on another goroutine (teardown waits for the player).
type playItem struct {
	pcm   []int16
	build func() []int16 // builds pcm on the player: speech synthesis must not hold up the ACD
	then  func()
}

// call is the caller's leg of the B2BUA and everything hanging from it.
type call struct {
	a      *Adapter
	id     string
	dlg    *sipgo.DialogServerSession
	rtp    net.PacketConn
	codec  media.Codec
	dtmfPT uint8
	sender *media.Sender
	ctx    context.Context // ends at teardown: stops the player and withdraws ringing legs
	cancel context.CancelFunc
	wg     sync.WaitGroup // goroutines that use the sockets

	mu       sync.Mutex
	remote   *net.UDPAddr
	answered bool
	ended    bool
	// hold is the music played whenever the playlist is empty and no operator is bridged: from
	// the answer on, a waiting caller never hears dead air (issue 18). nil while the caller
	// speaks (voicemail) or after the IVR has finished.
	hold       []int16
	playq      []playItem
	wake       chan struct{}
	cur        context.CancelFunc // stops what the player is sending now
	curHold    bool               // cur is the hold music, which a new prompt interrupts
	legs       map[string]*leg    // ringing or connected operators, by operator ID
	bridge     *leg
	xfer       *xfer   // a transfer under way
	maxFwd     int     // Max-Forwards for the legs this call places: the caller's, less one
	crypto     *Crypto // our SRTP key in the answer; nil for plain RTP
	offered    offerKind
	overflowed bool // out of the queue (overflow or closed): the IVR ends the call
	chosen     bool
	recording  bool
	rec        []int16
	timers     []*time.Timer
	session    *time.Timer   // RFC 4028 session timer, nil without one
	record     bool          // the queue records and the caller heard the notice (TK-4)
	callRec    *recorder     // the recording, from the first bridge on
	interval   time.Duration // the session interval granted
	playStart  time.Time     // when the player started, for the pacing figures
	playEnd    time.Time     // when the bridge stopped it
	done       chan struct{} // closed when the teardown has finished
}

func newCall(a *Adapter, id string, dlg *sipgo.DialogServerSession, sock net.PacketConn, codec media.Codec, dtmf uint8, remote *net.UDPAddr) *call {
	c := &call{a: a, id: id, dlg: dlg, rtp: sock, codec: codec, dtmfPT: dtmf, remote: remote,
		legs: map[string]*leg{}, wake: make(chan struct{}, 1), done: make(chan struct{}), hold: a.holdMusic()}
	c.ctx, c.cancel = context.WithCancel(a.ctx)
	c.sender = media.NewSender(sock, remote, codec, rand.Uint32(), uint16(rand.Uint32()), rand.Uint32())
	return c
}

// reject refuses a call that the ACD did not take; nothing of it stays.
func (c *call) reject(code int, reason string) {
	c.mu.Lock()
	c.ended = true
	c.mu.Unlock()
	c.cancel()
	c.dlg.Respond(code, reason, nil)
	c.rtp.Close()
	c.a.mu.Lock()
	delete(c.a.calls, c.id)
	c.a.mu.Unlock()
	close(c.done)
}

// run answers the caller (after AnswerDelay) and watches the dialog: a CANCEL before the answer
// or a BYE after it is the caller hanging up.
func (c *call) run() {
	defer c.a.wg.Done()
	dctx := c.dlg.Context()
	if d := c.a.cfg.AnswerDelay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-dctx.Done():
			t.Stop()
			c.callerGone()
			return
		case <-c.ctx.Done():
			t.Stop()
			return
		}
	}
	if !c.spawn(c.readCaller) {
		return
	}
	sdp := BuildSDPCrypto(c.a.host, c.rtp.LocalAddr().(*net.UDPAddr).Port, uint64(time.Now().UnixNano()), c.codec, c.dtmfPT, c.crypto)
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.answered = true
	interval := c.interval
	c.mu.Unlock()
	hdrs := append([]sipmsg.Header{sipmsg.NewHeader("Content-Type", "application/sdp")}, timerHeaders(interval)...)
	if interval <= 0 {
		hdrs = hdrs[:1]
	}
	if err := c.dlg.Respond(sipmsg.StatusOK, "OK", sdp, hdrs...); err != nil {
		// CANCEL won the race, or no ACK came: the caller is gone.
		c.a.log.Info("answer failed", "callId", c.id, "error", err)
		select {
		case <-c.ctx.Done():
		default:
			c.callerGone()
		}
		return
	}
	c.mu.Lock()
	c.playStart = time.Now()
	c.mu.Unlock()
	c.armTimer(interval)
	c.spawn(c.player)
	select {
	case <-dctx.Done():
		select {
		case <-c.ctx.Done(): // we hung up
		default:
			c.callerGone()
		}
	case <-c.ctx.Done():
	}
}

// spawn starts f as one of the call's goroutines, unless the teardown has begun: no goroutine
// is added while teardown waits for them.
func (c *call) spawn(f func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return false
	}
	c.wg.Add(1)
	go f()
	return true
}

// callerGone reports the caller's hangup (CANCEL or BYE) and ends the other legs.
func (c *call) callerGone() {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	rec := c.recording
	c.mu.Unlock()
	if rec {
		c.leaveVoicemail()
	}
	acts, err := c.a.acd.Hangup(c.id, telephony.ByCaller)
	if err != nil {
		c.a.log.Debug("hangup", "callId", c.id, "error", err)
	}
	c.a.handle(acts)
	c.teardown(false)
}

// teardown ends the call once: withdraws ringing legs (CANCEL), hangs up the connected
// operator and, when byeCaller, the caller; then waits for the call's goroutines and closes
// its sockets. It must not run on one of the call's own goroutines (c.wg).
func (c *call) teardown(byeCaller bool) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		<-c.done
		return
	}
	c.ended = true
	answered := c.answered
	legs := make([]*leg, 0, len(c.legs)+1)
	for _, l := range c.legs {
		legs = append(legs, l)
	}
	if c.bridge != nil && c.legs[c.bridge.op] != c.bridge {
		legs = append(legs, c.bridge)
	}
	if x := c.xfer; x != nil && x.from != nil && c.legs[x.from.op] != x.from {
		legs = append(legs, x.from)
	}
	for _, t := range c.timers {
		t.Stop()
	}
	c.mu.Unlock()
	c.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	for _, l := range legs {
		if l.up.Load() && !l.byeReceived.Load() {
			l.dlg.Bye(ctx)
		}
	}
	if byeCaller {
		if answered {
			c.dlg.Bye(ctx)
		} else {
			c.dlg.Respond(sipmsg.StatusTemporarilyUnavailable, "Temporarily Unavailable", nil)
		}
	}
	c.rtp.Close()
	for _, l := range legs {
		l.wait()
		l.close()
	}
	c.wg.Wait()
	if cr := c.recorder(); cr != nil {
		if err := cr.close(); err != nil {
			c.a.log.Error("recording not saved", "callId", c.id, "error", err)
		}
	}
	c.a.rtpSent.Add(int64(c.sender.Sent()))
	c.mu.Lock()
	if !c.playStart.IsZero() {
		end := c.playEnd
		if end.IsZero() {
			end = time.Now()
		}
		c.a.rtpDue.Add(int64(end.Sub(c.playStart) / media.FrameDuration))
	}
	c.mu.Unlock()
	c.a.mu.Lock()
	delete(c.a.calls, c.id)
	c.a.mu.Unlock()
	close(c.done)
}

// play queues the announcement of an ActPlay. The hold music slot only changes the music
// (the time band may have changed); the welcome is followed by telling the ACD that the caller
// has heard it, so no operator is rung before (AwaitReady); a position announcement says the
// caller's place and expected wait in Italian.
func (c *call) play(x telephony.Action) {
	var pcm []int16
	var build func() []int16
	switch x.Prompt {
	case telephony.SlotPosition:
		build = func() []int16 { return c.a.positionPrompt(x.Position, x.ExpectedWait) }
	case telephony.SlotHoldMusic:
		pcm = c.a.holdMusic()
	default:
		pcm = c.a.prompt(x.Prompt)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case x.Prompt == telephony.SlotHoldMusic:
		if c.hold != nil {
			c.hold = pcm
		}
		return
	case x.Prompt == telephony.SlotWelcome:
		if pcm != nil {
			c.playq = append(c.playq, playItem{pcm: pcm})
		}
		c.playq = append(c.playq, playItem{then: c.welcomeHeard})
	case c.bridge != nil:
		return
	case build != nil:
		c.playq = append(c.playq, playItem{build: build})
	case pcm == nil:
		return
	default:
		c.playq = append(c.playq, playItem{pcm: pcm})
	}
	c.kickLocked()
}

// welcomeHeard runs on the player when the welcome has been played: the ACD may now ring
// operators for the caller.
func (c *call) welcomeHeard() {
	acts, err := c.a.acd.Ready(c.id)
	if err != nil {
		c.a.log.Debug("ready", "callId", c.id, "error", err)
	}
	c.a.handle(acts)
}

// kickLocked makes the player look at its playlist again: hold music yields to a new prompt, a
// prompt being played is finished first.
func (c *call) kickLocked() {
	if c.cur != nil && c.curHold {
		c.cur()
		c.cur = nil
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// silenceLocked stops whatever the player is sending and drops the playlist; the caller must
// call c.sender.Quiesce after unlocking, before anything else is sent to the caller.
func (c *call) silenceLocked() {
	c.playq = nil
	if c.cur != nil {
		c.cur()
		c.cur = nil
	}
}

// player sends the playlist, then the hold music in a loop, on the caller's RTP stream, while
// no operator is bridged.
func (c *call) player() {
	defer c.wg.Done()
	for c.ctx.Err() == nil {
		c.mu.Lock()
		var item playItem
		var pctx context.Context
		var cancel context.CancelFunc
		have, music := false, []int16(nil)
		if c.bridge == nil {
			have = len(c.playq) > 0
			if have {
				item = c.playq[0]
				c.playq = c.playq[1:]
			} else {
				music = c.hold
			}
			if have && (item.pcm != nil || item.build != nil) || music != nil {
				pctx, cancel = context.WithCancel(c.ctx)
				c.cur, c.curHold = cancel, !have
			}
		}
		c.mu.Unlock()
		switch {
		case have && item.then != nil:
			item.then()
		case have && item.build != nil:
			if pcm := item.build(); pcm != nil {
				c.sender.Play(pctx, pcm)
			}
		case have && item.pcm != nil:
			c.sender.Play(pctx, item.pcm)
		case music != nil:
			c.sender.Loop(pctx, music)
		default:
			select {
			case <-c.wake:
			case <-c.ctx.Done():
			}
		}
		if cancel != nil {
			cancel()
		}
	}
}

// readCaller reads the caller's RTP: keys, voicemail audio, and audio for the operator.
func (c *call) readCaller() {
	defer c.wg.Done()
	buf := make([]byte, 1500)
	det := media.DTMFDetector{PT: c.dtmfPT}
	var p rtp.Packet
	for {
		n, _, err := c.rtp.ReadFrom(buf)
		if err != nil {
			return
		}
		if p.Unmarshal(buf[:n]) != nil {
			continue
		}
		c.mu.Lock()
		bridge, rec := c.bridge, c.recording
		c.mu.Unlock()
		if c.dtmfPT != 0 && p.PayloadType == c.dtmfPT {
			if k, ok, _ := det.Feed(&p); ok {
				c.key(k.Digit)
			}
		}
		switch {
		case bridge != nil:
			bridge.send(buf[:n])
			if cr := c.recorder(); cr != nil && p.PayloadType == c.codec.PT {
				cr.add(0, c.codec.Decode(nil, p.Payload), time.Now())
			}
		case rec && p.PayloadType == c.codec.PT:
			pcm := c.codec.Decode(nil, p.Payload)
			c.mu.Lock()
			if len(c.rec) < int(c.a.cfg.MaxRecording/time.Second)*media.SampleRate {
				c.rec = append(c.rec, pcm...)
			}
			c.mu.Unlock()
		}
	}
}

// offer records that the ACD offered a callback or voicemail; the choice is made by key
// (callback) or by speaking after the prompt (voicemail).
func (c *call) offer(k offerKind) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offered = k
	switch k {
	case offerVoicemail:
		c.hold = nil
		c.playq = append(c.playq, playItem{then: c.startRecording})
		c.kickLocked()
	case offerCallback:
		c.timers = append(c.timers, time.AfterFunc(c.a.cfg.ChoiceTimeout, c.choiceExpired))
	}
}

// choiceExpired ends an overflowed call whose caller did not choose the callback. A caller who
// was offered the callback while still queued (after unanswered rings) keeps waiting.
func (c *call) choiceExpired() {
	c.mu.Lock()
	end := c.overflowed && !c.chosen && !c.ended && c.bridge == nil
	c.mu.Unlock()
	if end {
		c.ivrHangup()
	}
}

// ivrHangup ends a call the IVR has finished with.
func (c *call) ivrHangup() {
	acts, err := c.a.acd.Hangup(c.id, telephony.ByOperator)
	if err != nil {
		c.a.log.Debug("hangup", "callId", c.id, "error", err)
	}
	c.a.handle(acts)
	c.teardown(true)
}

// key handles a DTMF key from the caller.
func (c *call) key(d byte) {
	c.mu.Lock()
	offered, chosen, rec := c.offered, c.chosen, c.recording
	if offered == offerCallback && d == c.a.cfg.CallbackKey && !chosen {
		c.chosen = true
	}
	c.mu.Unlock()
	switch {
	case offered == offerCallback && d == c.a.cfg.CallbackKey && !chosen:
		c.a.wg.Add(1)
		go func() {
			defer c.a.wg.Done()
			b, acts, err := c.a.cfg.Center.ChooseCallback(c.ctx, c.id)
			c.a.handle(acts)
			var pcm []int16
			if err != nil {
				c.a.log.Warn("callback booking failed", "callId", c.id, "error", err)
				pcm = c.a.speech("Ci scusiamo, non è stato possibile prenotare la richiamata. La preghiamo di richiamare più tardi.")
			} else {
				c.a.log.Info("callback booked", "callId", c.id, "ticket", b.Ticket, "slot", b.Callback.Slot)
				pcm = c.a.callbackConfirmation(b.Callback.Slot)
			}
			c.finishWith(pcm)
		}()
	case rec && d == '#':
		c.a.wg.Add(1)
		go func() {
			defer c.a.wg.Done()
			c.leaveVoicemail()
			c.ivrHangup()
		}()
	}
}

// finishWith plays a last prompt (a confirmation) and then hangs up; the music stops so that
// the end of the prompt is the end of the call.
func (c *call) finishWith(pcm []int16) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.hold = nil
	c.silenceLocked()
	if pcm != nil {
		c.playq = append(c.playq, playItem{pcm: pcm})
	}
	c.playq = append(c.playq, playItem{then: func() {
		c.a.wg.Add(1)
		go func() {
			defer c.a.wg.Done()
			c.ivrHangup()
		}()
	}})
	c.kickLocked()
	started := c.playStart != time.Time{}
	c.mu.Unlock()
	c.sender.Quiesce()
	if !started { // not answered yet: nothing will play the list
		c.ivrHangup()
	}
}

func (c *call) startRecording() {
	c.mu.Lock()
	c.recording = true
	c.timers = append(c.timers, time.AfterFunc(c.a.cfg.MaxRecording, func() {
		c.leaveVoicemail()
		c.ivrHangup()
	}))
	c.mu.Unlock()
}

// leaveVoicemail stores the recording once (TEL-6). A caller who said nothing leaves no
// message and no ticket.
func (c *call) leaveVoicemail() {
	c.mu.Lock()
	rec := c.rec
	was := c.recording
	c.recording, c.rec = false, nil
	c.mu.Unlock()
	if !was {
		return
	}
	if len(rec) == 0 {
		c.a.log.Info("voicemail without audio: nothing stored", "callId", c.id)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wav := media.WAV(rec)
	vm, ref, err := c.a.cfg.Center.LeaveVoicemail(ctx, c.id, bytes.NewReader(wav))
	if err != nil {
		c.a.log.Warn("voicemail failed", "callId", c.id, "error", err)
		return
	}
	c.a.log.Info("voicemail stored", "callId", c.id, "ticket", ref, "file", vm.Recording)
}

// ring places the operator leg: an INVITE to the phone's registered contact.
func (c *call) ring(opID, ext string) {
	contact, ok := c.a.Registered(ext)
	if !ok {
		c.a.log.Info("operator phone not registered", "operator", opID, "extension", ext)
		c.a.wg.Add(1)
		go func() {
			defer c.a.wg.Done()
			c.noAnswer(opID)
		}()
		return
	}
	sock, err := c.a.rtpSocket()
	if err != nil {
		c.a.log.Warn("rtp socket", "error", err)
		c.a.wg.Add(1)
		go func() {
			defer c.a.wg.Done()
			c.noAnswer(opID)
		}()
		return
	}
	l := &leg{c: c, op: opID, ext: ext, rtp: sock, uri: contact, finished: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancel(c.ctx)
	c.mu.Lock()
	if c.ended || c.legs[opID] != nil {
		c.mu.Unlock()
		sock.Close()
		return
	}
	c.legs[opID] = l
	c.wg.Add(1)
	c.mu.Unlock()
	go l.run()
}

func (c *call) noAnswer(opID string) {
	acts, err := c.a.acd.OperatorNoAnswer(c.id, opID)
	if err != nil {
		c.a.log.Debug("no answer", "callId", c.id, "error", err)
	}
	c.a.handle(acts)
}

// stopRing withdraws a ringing leg (ring timeout, answered elsewhere, caller gone).
func (c *call) stopRing(opID string) {
	c.mu.Lock()
	l := c.legs[opID]
	if l != nil && l != c.bridge {
		delete(c.legs, opID)
	}
	c.mu.Unlock()
	if l != nil {
		l.stopped.Store(true)
		l.cancel()
	}
}

// connect bridges the caller with the operator who answered: the IVR stops and RTP is relayed.
//
// The prompt or music being played stops first (cancelled, then Quiesce: no packet of it can
// follow), and only then does the relay pass the operator's voice: the caller never hears a
// prompt over the operator (issue 18). The welcome is never cut: the operator is rung only once
// it has been heard (ACD.Ready).
func (c *call) connect(opID string) {
	c.mu.Lock()
	l := c.legs[opID]
	if l == nil {
		c.mu.Unlock()
		return
	}
	c.bridge = l
	c.playEnd = time.Now()
	c.offered = offerNone
	c.silenceLocked()
	startRec := c.record && c.callRec == nil
	c.mu.Unlock()
	c.sender.Quiesce()
	if startRec {
		c.startCallRecording()
	}
	l.live.Store(true)
}

func (c *call) recorder() *recorder {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.callRec
}

// startCallRecording opens the call's recording (TK-4) when it is first bridged.
func (c *call) startCallRecording() {
	now := time.Now()
	w, err := c.a.cfg.Recording.Store.Create(c.id, now)
	if err != nil {
		c.a.log.Error("recording not started", "callId", c.id, "error", err)
		return
	}
	c.mu.Lock()
	c.callRec = newRecorder(w, now)
	c.mu.Unlock()
	c.a.log.Info("recording", "callId", c.id, "file", w.Name)
}

// leg is one operator's side of a call.
type leg struct {
	c      *call
	op     string
	ext    string
	rtp    net.PacketConn
	ctx    context.Context
	cancel context.CancelFunc

	transfer    bool // a transfer target, unknown to the ACD
	uri         sipmsg.Uri
	user, pass  string        // digest credentials, for the PBX trunk
	timeout     time.Duration // how long a transfer target may ring
	why         string        // why the leg was not answered, for the log and the event
	dlg         *sipgo.DialogClientSession
	callID      string
	remote      atomic.Pointer[net.UDPAddr]
	stopped     atomic.Bool // withdrawn by the ACD: its outcome is not reported
	live        atomic.Bool // bridged and the caller's prompts silenced: relay to the caller
	up          atomic.Bool // answered and acknowledged: hanging it up takes a BYE
	byeReceived atomic.Bool
	finished    chan struct{} // closed when run returns
	closeOnce   sync.Once
}

func (l *leg) wait() { <-l.finished }

// close releases the leg's socket and forgets its Call-ID.
func (l *leg) close() {
	l.closeOnce.Do(func() {
		l.cancel()
		l.rtp.Close()
		a := l.c.a
		a.mu.Lock()
		if l.callID != "" {
			delete(a.legs, l.callID)
		}
		a.mu.Unlock()
	})
}

// send relays one packet from the caller to the operator.
func (l *leg) send(pkt []byte) {
	if r := l.remote.Load(); r != nil {
		l.rtp.WriteTo(pkt, r)
	}
}

func (l *leg) run() {
	defer l.c.wg.Done()
	defer close(l.finished)
	c, a := l.c, l.c.a
	contact := l.uri
	dtmf := c.dtmfPT
	sdp := BuildSDP(a.host, l.rtp.LocalAddr().(*net.UDPAddr).Port, uint64(time.Now().UnixNano()), c.codec, dtmf)
	req := sipmsg.NewRequest(sipmsg.INVITE, contact)
	req.SetBody(sdp)
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	// The operator's phone shows the caller's number (TEL-2: the screen pop matches it too).
	info, _, _ := a.acd.Contact(c.id)
	from := &sipmsg.FromHeader{DisplayName: info.From,
		Address: sipmsg.Uri{Scheme: "sip", User: info.From, Host: a.host.String(), Port: a.port}}
	from.Params.Add("tag", sipmsg.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sipmsg.ToHeader{Address: sipmsg.Uri{Scheme: contact.Scheme, User: contact.User, Host: contact.Host, Port: contact.Port}})
	// Loop protection across the B2BUA (RFC 3261 section 16.6 item 3 applied to each leg): a
	// call the PBX routes back to us loses a hop each time round and ends with 483.
	mf := sipmsg.MaxForwardsHeader(max(c.maxFwd, 0))
	req.AppendHeader(&mf)
	callID := sipmsg.CallIDHeader("op-" + sipmsg.GenerateTagN(20))
	req.AppendHeader(&callID)
	l.callID = string(callID)
	a.mu.Lock()
	a.legs[l.callID] = l
	a.mu.Unlock()

	if c.maxFwd <= 0 {
		l.why = "483 Too Many Hops"
		l.outcome(false)
		return
	}
	ctx := l.ctx
	if l.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.timeout)
		defer cancel()
	}
	dlg, err := a.duaForURI(contact).WriteInvite(ctx, req)
	if err != nil {
		a.log.Info("invite failed", "leg", l.op, "error", err)
		l.why = "unreachable"
		l.outcome(false)
		return
	}
	l.dlg = dlg
	err = dlg.WaitAnswer(ctx, sipgo.AnswerOptions{Username: l.user, Password: l.pass})
	if err != nil {
		var rerr *sipgo.ErrDialogResponse
		switch {
		case errors.As(err, &rerr):
			l.why = strconv.Itoa(rerr.Res.StatusCode) + " " + rerr.Res.Reason
			a.log.Info("not answered", "leg", l.op, "status", rerr.Res.StatusCode)
		case ctx.Err() != nil && l.ctx.Err() == nil:
			l.why = "no answer"
		default:
			l.why = err.Error()
		}
		if res := dlg.InviteResponse; res != nil && res.IsSuccess() {
			// The phone answered as the CANCEL crossed it (ring-all lost, ring timeout): RFC
			// 3261 section 9.1 wants the 200 acknowledged and the call hung up.
			ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
			if err := dlg.Ack(ctx); err == nil {
				dlg.Bye(ctx)
			}
			cancel()
		}
		l.outcome(false)
		return
	}
	if err := dlg.Ack(context.Background()); err != nil {
		a.log.Info("ack", "leg", l.op, "error", err)
	}
	l.up.Store(true)
	if ans, err := ParseSDP(dlg.InviteResponse.Body()); err == nil {
		l.remote.Store(ans.RemoteAddr())
	}
	if l.stopped.Load() || c.ctx.Err() != nil {
		// Answered just as the ACD withdrew the ring: hang up this phone.
		ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
		dlg.Bye(ctx)
		cancel()
		l.close()
		return
	}
	if !c.spawn(l.relay) {
		ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
		dlg.Bye(ctx)
		cancel()
		l.close()
		return
	}
	if l.transfer {
		c.targetAnswered(l)
		return
	}
	acts, err := a.acd.OperatorAnswered(c.id, l.op)
	if err != nil {
		a.log.Info("operator answered a call the ACD no longer rings", "operator", l.op, "error", err)
		ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
		dlg.Bye(ctx)
		cancel()
		l.close()
		return
	}
	a.handle(acts)
}

// outcome ends a leg that was not answered; busy, declined and failed legs are reported to the
// ACD as no answer unless the ACD itself withdrew them.
func (l *leg) outcome(answered bool) {
	l.close()
	c := l.c
	c.mu.Lock()
	if c.legs[l.op] == l {
		delete(c.legs, l.op)
	}
	c.mu.Unlock()
	if !answered && !l.stopped.Load() && !l.transfer && c.ctx.Err() == nil {
		c.noAnswer(l.op)
	}
	if !answered && l.transfer && !l.stopped.Load() && c.ctx.Err() == nil {
		c.a.wg.Add(1)
		go func() {
			defer c.a.wg.Done()
			c.endTransfer(l, telephony.TransferFailed, l.why)
		}()
	}
}

// relay copies the operator's RTP to the caller while the call is bridged.
func (l *leg) relay() {
	c := l.c
	defer c.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, _, err := l.rtp.ReadFrom(buf)
		if err != nil {
			return
		}
		c.mu.Lock()
		bridged, remote := c.bridge == l && l.live.Load(), c.remote
		var peer *leg
		if x := c.xfer; x != nil && x.consulting() {
			switch l {
			case x.from:
				peer = x.target
			case x.target:
				peer = x.from
			}
		}
		c.mu.Unlock()
		if peer != nil {
			peer.send(buf[:n])
			continue
		}
		if bridged && remote != nil {
			c.rtp.WriteTo(buf[:n], remote)
			if cr := c.recorder(); cr != nil {
				var p rtp.Packet
				if p.Unmarshal(buf[:n]) == nil && p.PayloadType == c.codec.PT {
					cr.add(1, c.codec.Decode(nil, p.Payload), time.Now())
				}
			}
		}
	}
}
