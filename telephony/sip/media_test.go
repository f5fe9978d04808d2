package sip

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"

	"sportello/telephony"
	"sportello/telephony/media"
)

// phone is a small SIP phone on sipgo with a real RTP socket, for the media tests (SIPp can
// send RTP from a pcap but cannot check what it receives).
type phone struct {
	user string
	ua   *sipgo.UserAgent
	cli  *sipgo.Client
	dua  *sipgo.DialogUA
	sip  net.PacketConn
	rtp  net.PacketConn
	byes chan struct{}
	// codec is offered and answered with (default PCMU).
	codec media.Codec
	// answered is the operator side's dialog, once an INVITE was answered.
	answered chan *sipgo.DialogServerSession
}

func newPhone(t *testing.T, user string) *phone {
	t.Helper()
	p := &phone{user: user, byes: make(chan struct{}, 4), answered: make(chan *sipgo.DialogServerSession, 1), codec: media.PCMU}
	var err error
	if p.sip, err = net.ListenPacket("udp4", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if p.rtp, err = net.ListenPacket("udp4", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	p.ua, _ = sipgo.NewUA(sipgo.WithUserAgent(user))
	srv, _ := sipgo.NewServer(p.ua)
	port := p.sip.LocalAddr().(*net.UDPAddr).Port
	p.cli, _ = sipgo.NewClient(p.ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientPort(port),
		sipgo.WithClientConnectionAddr(p.sip.LocalAddr().String()))
	p.dua = &sipgo.DialogUA{Client: p.cli, ContactHDR: sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: user, Host: "127.0.0.1", Port: port}}}
	var mu sync.Mutex
	var dlgs []*sipgo.DialogServerSession
	list := func() []*sipgo.DialogServerSession {
		mu.Lock()
		defer mu.Unlock()
		return append([]*sipgo.DialogServerSession(nil), dlgs...)
	}
	srv.OnInvite(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		d, err := p.dua.ReadInvite(req, tx)
		if err != nil {
			return
		}
		mu.Lock()
		dlgs = append(dlgs, d)
		mu.Unlock()
		select { // signalled before the 200: a BYE may follow the ACK at once (ring-all lost)
		case p.answered <- d:
		default:
		}
		if err := d.RespondSDP(BuildSDP(net.IPv4(127, 0, 0, 1), p.rtpPort(), 1, p.codec, 101)); err != nil {
			return
		}
		<-d.Context().Done()
	})
	srv.OnAck(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		for _, d := range list() {
			d.ReadAck(req, tx)
		}
	})
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
		p.byes <- struct{}{}
		for _, d := range list() {
			if d.InviteRequest.CallID().Value() == req.CallID().Value() {
				d.ReadBye(req, tx)
			}
		}
	})
	go srv.ServeUDP(p.sip)
	waitListening(p.ua, p.sip.LocalAddr().String())
	t.Cleanup(func() {
		p.ua.Close()
		p.sip.Close()
		p.rtp.Close()
	})
	return p
}

func (p *phone) rtpPort() int { return p.rtp.LocalAddr().(*net.UDPAddr).Port }

func (p *phone) register(t *testing.T, to *net.UDPAddr) {
	t.Helper()
	req := sipmsg.NewRequest(sipmsg.REGISTER, sipmsg.Uri{Scheme: "sip", Host: "127.0.0.1", Port: to.Port})
	req.AppendHeader(&sipmsg.ToHeader{Address: sipmsg.Uri{Scheme: "sip", User: p.user, Host: "127.0.0.1"}})
	req.AppendHeader(&p.dua.ContactHDR)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := p.cli.Do(ctx, req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("REGISTER: %v %v", res, err)
	}
}

// call dials number on the adapter offering PCMU and telephone-event 101, and waits for the
// answer; it returns the dialog and the adapter's RTP address from the answer.
func (p *phone) call(t *testing.T, to *net.UDPAddr, number string) (*sipgo.DialogClientSession, *net.UDPAddr) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := p.dua.Invite(ctx, sipmsg.Uri{Scheme: "sip", User: number, Host: "127.0.0.1", Port: to.Port},
		BuildSDP(net.IPv4(127, 0, 0, 1), p.rtpPort(), 1, p.codec, 101), sipmsg.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	ans, err := ParseSDP(d.InviteResponse.Body())
	if err != nil {
		t.Fatal(err)
	}
	return d, ans.RemoteAddr()
}

// readRTP reads one RTP packet from conn.
func readRTP(t *testing.T, conn net.PacketConn) rtp.Packet {
	t.Helper()
	buf := make([]byte, 1500)
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, _, err := conn.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil {
		t.Fatal(err)
	}
	return p
}

// The caller hears the welcome prompt as PCMU RTP (20 ms packets, marker first, consecutive
// numbers), then at the maximum wait presses 1 as RFC 4733 events: a callback is booked on a
// ticket and the IVR hangs up (TEL-5, TEL-7).
func TestMediaPromptAndDTMFCallback(t *testing.T) {
	r := newRig(t, rigConfig{
		queues:  []telephony.QueueConfig{{Name: "numero verde", MaxWait: 1500 * time.Millisecond, Overflow: telephony.OverflowCallback}},
		numbers: map[string]string{"800": "numero verde"},
	})
	caller := newPhone(t, "3331234567")
	_, remote := caller.call(t, r.ad.Addr(), "800")

	first := readRTP(t, caller.rtp)
	if first.PayloadType != 0 || !first.Marker || len(first.Payload) != media.FrameSamples {
		t.Fatalf("first packet: %+v (%d bytes)", first.Header, len(first.Payload))
	}
	welcome := tone(200, 660)
	if want := media.PCMU.Encode(nil, welcome[:media.FrameSamples]); !bytes.Equal(first.Payload, want) {
		t.Fatalf("first packet does not carry the welcome prompt")
	}
	prev := first
	for i := 0; i < 20; i++ {
		p := readRTP(t, caller.rtp)
		// Timestamps step by 160, or more at the seam between the welcome and the music if
		// the machine was slow (they follow the clock).
		step := p.Timestamp - prev.Timestamp
		if p.SequenceNumber != prev.SequenceNumber+1 || step < media.FrameSamples || step > 100*media.FrameSamples ||
			!p.Marker && step != media.FrameSamples || p.SSRC != first.SSRC {
			t.Fatalf("packet %d: %+v after %+v", i, p.Header, prev.Header)
		}
		prev = p
	}

	// Wait for the overflow, then press 1: start packets and three end packets. A citizen who
	// hears nothing presses again, and so does the test, each press a new event.
	deadline := time.Now().Add(5 * time.Second)
	for r.count(telephony.EvOverflowed, "numero verde") == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	hungUp := false
	for press := 0; press < 10 && !hungUp && r.count(telephony.EvCallbackBooked, "") == 0; press++ {
		for i, ev := range []media.TelephoneEvent{{Event: 1, Duration: 160}, {Event: 1, Duration: 320},
			{Event: 1, End: true, Duration: 480}, {Event: 1, End: true, Duration: 480}, {Event: 1, End: true, Duration: 480}} {
			pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, SequenceNumber: uint16(press*5 + i),
				Timestamp: uint32(8000 * (press + 1)), SSRC: 7, Marker: i == 0}, Payload: ev.Marshal()}
			b, _ := pkt.Marshal()
			caller.rtp.WriteTo(b, remote)
		}
		select {
		case <-caller.byes:
			hungUp = true
		case <-time.After(500 * time.Millisecond):
		}
	}
	// The IVR confirms the booking (issue 18 item 6: a spoken sentence of a few seconds), then
	// hangs up.
	if !hungUp {
		select {
		case <-caller.byes:
			hungUp = true
		case <-time.After(30 * time.Second):
		}
	}
	if !hungUp {
		t.Fatal("the IVR did not hang up after the callback choice")
	}
	r.waitIdle(t, 5*time.Second)
	tks := r.tickets.All()
	if len(tks) != 1 || len(tks[0].Callbacks) != 1 || tks[0].Callbacks[0].Number != "3331234567" {
		t.Fatalf("tickets: %+v", tks)
	}
	if n := r.count(telephony.EvCallbackBooked, "numero verde"); n != 1 {
		t.Fatalf("%d callback-booked events", n)
	}
}

// Once the operator answers, the adapter relays RTP both ways between the two legs; a BYE from
// the caller ends the operator's leg too.
func TestMediaBridge(t *testing.T) {
	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino"}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
	})
	op := newPhone(t, "201")
	op.register(t, r.ad.Addr())
	caller := newPhone(t, "3331234567")
	dlg, callerRemote := caller.call(t, r.ad.Addr(), "100")
	var opDlg *sipgo.DialogServerSession
	select {
	case opDlg = <-op.answered:
	case <-time.After(5 * time.Second):
		t.Fatal("the operator's phone did not ring")
	}
	opOffer, err := ParseSDP(opDlg.InviteRequest.Body())
	if err != nil {
		t.Fatal(err)
	}
	if from := opDlg.InviteRequest.From().Address.User; from != "3331234567" {
		t.Errorf("operator's phone shows %q, want the caller's number", from)
	}
	time.Sleep(200 * time.Millisecond) // let the ACD connect the legs

	// Caller → operator.
	mark := bytes.Repeat([]byte{0x42}, media.FrameSamples)
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 1, Timestamp: 160, SSRC: 99}, Payload: mark}
	b, _ := pkt.Marshal()
	got := false
	for i := 0; i < 10 && !got; i++ {
		caller.rtp.WriteTo(b, callerRemote)
		op.rtp.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		buf := make([]byte, 1500)
		n, _, err := op.rtp.ReadFrom(buf)
		if err == nil {
			var p rtp.Packet
			got = p.Unmarshal(buf[:n]) == nil && p.SSRC == 99 && bytes.Equal(p.Payload, mark)
		}
	}
	if !got {
		t.Fatal("the caller's audio did not reach the operator")
	}
	// Operator → caller: drain the prompts already sent, then look for the operator's SSRC.
	pkt.SSRC = 1234
	b, _ = pkt.Marshal()
	got = false
	for i := 0; i < 50 && !got; i++ {
		op.rtp.WriteTo(b, opOffer.RemoteAddr())
		caller.rtp.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		buf := make([]byte, 1500)
		for {
			n, _, err := caller.rtp.ReadFrom(buf)
			if err != nil {
				break
			}
			var p rtp.Packet
			if p.Unmarshal(buf[:n]) == nil && p.SSRC == 1234 {
				got = true
				break
			}
		}
	}
	if !got {
		t.Fatal("the operator's audio did not reach the caller")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := dlg.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-op.byes:
	case <-time.After(5 * time.Second):
		t.Fatal("the operator's leg was not hung up")
	}
	r.waitIdle(t, 5*time.Second)
	if n := r.count(telephony.EvCompleted, "centralino"); n != 1 {
		t.Fatalf("%d completed", n)
	}
}

// A transfer from the operator's console (TEL-8) rings the target phone through the B2BUA; when
// it answers, the caller's audio goes to it and the first operator is hung up.
func TestTransferToRegisteredPhone(t *testing.T) {
	r := newRig(t, rigConfig{
		queues: []telephony.QueueConfig{{Name: "centralino"}},
		operators: []telephony.OperatorConfig{
			{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}},
			{ID: "bruno", Extension: "202"},
		},
		numbers: map[string]string{"100": "centralino"},
	})
	anna, bruno := newPhone(t, "201"), newPhone(t, "202")
	anna.register(t, r.ad.Addr())
	bruno.register(t, r.ad.Addr())
	caller := newPhone(t, "3331234567")
	dlg, callerRemote := caller.call(t, r.ad.Addr(), "100")
	select {
	case <-anna.answered:
	case <-time.After(5 * time.Second):
		t.Fatal("anna's phone did not ring")
	}
	time.Sleep(200 * time.Millisecond)
	var callID string
	for _, e := range r.log.Events(time.Time{}, time.Time{}) {
		if e.Kind == telephony.EvAnswered {
			callID = e.CallID
		}
	}
	acts, err := r.acd.Transfer(callID, "202")
	if err != nil {
		t.Fatal(err)
	}
	r.ad.Do(acts)
	select {
	case <-bruno.answered:
	case <-time.After(5 * time.Second):
		t.Fatal("the transfer target did not ring")
	}
	select {
	case <-anna.byes:
	case <-time.After(5 * time.Second):
		t.Fatal("the first operator was not hung up")
	}
	mark := bytes.Repeat([]byte{0x24}, media.FrameSamples)
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 1, Timestamp: 160, SSRC: 77}, Payload: mark}
	b, _ := pkt.Marshal()
	got := false
	for i := 0; i < 10 && !got; i++ {
		caller.rtp.WriteTo(b, callerRemote)
		bruno.rtp.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		buf := make([]byte, 1500)
		if n, _, err := bruno.rtp.ReadFrom(buf); err == nil {
			var p rtp.Packet
			got = p.Unmarshal(buf[:n]) == nil && p.SSRC == 77
		}
	}
	if !got {
		t.Fatal("the caller's audio did not reach the transfer target")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dlg.Bye(ctx)
	select {
	case <-bruno.byes:
	case <-time.After(5 * time.Second):
		t.Fatal("the transfer target was not hung up")
	}
	r.waitIdle(t, 5*time.Second)
	if n := r.count(telephony.EvTransferred, "centralino"); n != 1 {
		for _, e := range r.log.Events(time.Time{}, time.Time{}) {
			t.Logf("%s %s %s %s", e.Kind, e.Queue, e.Operator, e.Reason)
		}
		t.Fatalf("%d transferred events", n)
	}
}

// Ring-all (TEL-4): both phones ring and both answer at once; the ACD connects one, and the
// adapter hangs up the other, so the caller talks to exactly one operator.
func TestRingAllBothAnswer(t *testing.T) {
	r := newRig(t, rigConfig{
		queues: []telephony.QueueConfig{{Name: "centralino", Strategy: telephony.RingAll}},
		operators: []telephony.OperatorConfig{
			{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}},
			{ID: "bruno", Extension: "202", Queues: []telephony.Membership{{Queue: "centralino"}}},
		},
		numbers: map[string]string{"100": "centralino"},
	})
	anna, bruno := newPhone(t, "201"), newPhone(t, "202")
	anna.register(t, r.ad.Addr())
	bruno.register(t, r.ad.Addr())
	caller := newPhone(t, "3331234567")
	dlg, _ := caller.call(t, r.ad.Addr(), "100")
	for _, p := range []*phone{anna, bruno} {
		select {
		case <-p.answered:
		case <-time.After(5 * time.Second):
			t.Fatalf("phone %s did not ring", p.user)
		}
	}
	// The loser is hung up (or was cancelled before its answer counted).
	deadline := time.Now().Add(5 * time.Second)
	for r.ad.Usage().Legs > 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if u := r.ad.Usage(); u.Calls != 1 || u.Legs != 1 {
		t.Fatalf("usage %+v, want one call bridged to one operator", u)
	}
	if n := r.count(telephony.EvAnswered, "centralino"); n != 1 {
		t.Fatalf("%d answered events, want 1", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dlg.Bye(ctx)
	r.waitIdle(t, 5*time.Second)
}

// A re-INVITE inside the call (a phone moving its media, a session refresh) is answered with
// the adapter's same SDP, and the prompts follow the new address.
func TestReInviteMovesMedia(t *testing.T) {
	r := newRig(t, rigConfig{
		queues:  []telephony.QueueConfig{{Name: "centralino"}},
		numbers: map[string]string{"100": "centralino"},
	})
	caller := newPhone(t, "3331234567")
	dlg, remote := caller.call(t, r.ad.Addr(), "100")
	readRTP(t, caller.rtp)
	moved, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer moved.Close()
	req := sipmsg.NewRequest(sipmsg.INVITE, dlg.InviteResponse.Contact().Address)
	req.SetBody(BuildSDP(net.IPv4(127, 0, 0, 1), moved.LocalAddr().(*net.UDPAddr).Port, 2, media.PCMU, 101))
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := dlg.Do(ctx, req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("re-INVITE: %v %v", res, err)
	}
	ans, err := ParseSDP(res.Body())
	if err != nil || ans.Port != remote.Port {
		t.Fatalf("answer %+v %v, want the same media port %d", ans, err, remote.Port)
	}
	p := readRTP(t, moved)
	if p.PayloadType != 0 {
		t.Fatalf("packet at the new address: %+v", p.Header)
	}
	if err := dlg.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	r.waitIdle(t, 5*time.Second)
}
