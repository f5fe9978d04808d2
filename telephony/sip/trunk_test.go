package sip

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/pion/rtp"

	"sportello/sla"
	"sportello/telephony"
	"sportello/telephony/media"
)

// talk sends a few RTP packets of ssrc from conn to to.
func talk(conn net.PacketConn, to net.Addr, ssrc uint32) {
	for i := 0; i < 5; i++ {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: uint16(i), Timestamp: uint32(160 * i), SSRC: ssrc},
			Payload: bytes.Repeat([]byte{0x55}, media.FrameSamples)}
		b, _ := p.Marshal()
		conn.WriteTo(b, to)
	}
}

// hears reads conn until a packet whose SSRC satisfies ok arrives, sending with send (may be
// nil) between reads; false after within.
func hears(conn net.PacketConn, within time.Duration, send func(), ok func(uint32) bool) bool {
	deadline := time.Now().Add(within)
	buf := make([]byte, 1500)
	for time.Now().Before(deadline) {
		if send != nil {
			send()
		}
		conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		for {
			n, _, err := conn.ReadFrom(buf)
			if err != nil {
				break
			}
			var p rtp.Packet
			if p.Unmarshal(buf[:n]) == nil && ok(p.SSRC) {
				return true
			}
		}
	}
	return false
}

// waitEvent waits until the log holds n events of kind.
func (r *rig) waitEvent(t *testing.T, kind telephony.EventKind, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for r.count(kind, "") < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d %s events after %s, want %d", r.count(kind, ""), kind, within, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Transfers through the trunk to the Administration's PBX (TEL-8, TK-5, TEL-1; issue 18 item
// 2). Kamailio stands in for the PBX: a SIPp phone registered to it as extension 3001, the trunk
// protected by a digest password. An operator (a Go phone registered to Sportello) talks to a
// caller and:
//   - transfers to 3999, which the PBX does not know (404): the transfer is logged as failed and
//     the caller is back with the operator, whose voice the caller hears again;
//   - consults 3001 (attended): the caller hears the hold music while the operator and 3001
//     talk; the operator goes back to the caller (cancelled);
//   - transfers blind to 3001: the caller talks to the PBX phone, the operator is hung up;
//
// then on a second call consults 3001 and completes. The statistics count two transfers.
func TestTransferThroughTrunk(t *testing.T) {
	ports := freePorts(t, 4)
	pbx := ports[0]
	startKamailio(t, pbx, "trunksecret")
	phone3001 := startSIPp(t, "PBX phone 3001", "pbx_phone.xml", ports[1], ports[2], "", "-m", "3")
	reg := startSIPp(t, "register at the PBX", "register.xml", ports[3], ports[3]+10, addr(pbx), "-m", "1",
		"-inf", writeFile(t, "pbx.csv", "SEQUENTIAL", "3001;"+itoa(ports[1])))
	reg.wait(t, 10*time.Second)

	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino"}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
		adapter: func(c *Config) {
			c.Trunk = Trunk{URI: "sip:{number}@127.0.0.1:" + itoa(pbx), Username: "sportello", Password: "trunksecret",
				Addresses: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
			c.DialTimeout = 5 * time.Second
		},
	})
	anna := newPhone(t, "201")
	anna.codec = media.PCMA
	anna.register(t, r.ad.Addr())

	call := func() (*sipgo.DialogClientSession, *phone, net.Addr, string) {
		n := r.count(telephony.EvAnswered, "")
		caller := newPhone(t, "3331234567")
		caller.codec = media.PCMA
		dlg, _ := caller.call(t, r.ad.Addr(), "100")
		var opDlg *sipgo.DialogServerSession
		select {
		case opDlg = <-anna.answered:
		case <-time.After(10 * time.Second):
			t.Fatal("anna's phone did not ring")
		}
		offer, err := ParseSDP(opDlg.InviteRequest.Body())
		if err != nil {
			t.Fatal(err)
		}
		r.waitEvent(t, telephony.EvAnswered, n+1, 5*time.Second)
		var id string
		for _, e := range r.log.Events(time.Time{}, time.Time{}) {
			if e.Kind == telephony.EvAnswered {
				id = e.CallID
			}
		}
		return dlg, caller, offer.RemoteAddr(), id
	}
	const annaSSRC = 201
	dlg, caller, annaLeg, id := call()
	fromAnna := func(s uint32) bool { return s == annaSSRC }
	annaTalks := func() { talk(anna.rtp, annaLeg, annaSSRC) }
	if !hears(caller.rtp, 5*time.Second, annaTalks, fromAnna) {
		t.Fatal("the caller does not hear the operator")
	}
	do := func(acts []telephony.Action, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		r.ad.Do(acts)
	}

	// 1. An extension the PBX does not know.
	do(r.acd.Transfer(id, "3999"))
	r.waitEvent(t, telephony.EvTransferFailed, 1, 10*time.Second)
	if !hears(caller.rtp, 5*time.Second, annaTalks, fromAnna) {
		t.Fatal("after the failed transfer the caller does not hear the operator again")
	}

	// 2. Attended, then back to the caller.
	do(r.acd.Consult(id, "3001"))
	if !hears(anna.rtp, 10*time.Second, nil, func(s uint32) bool { return true }) {
		t.Fatal("the operator does not hear the consulted PBX phone")
	}
	do(r.acd.CancelTransfer(id))
	r.waitEvent(t, telephony.EvTransferCancel, 1, 10*time.Second)
	if !hears(caller.rtp, 5*time.Second, annaTalks, fromAnna) {
		t.Fatal("after the cancelled consultation the caller does not hear the operator")
	}

	// 3. Blind to 3001: the caller hears the PBX phone (neither the IVR nor anna), anna is hung up.
	byes := len(anna.byes)
	ivr := uint32(0)
	hears(caller.rtp, time.Second, nil, func(s uint32) bool {
		if s != annaSSRC {
			ivr = s
		}
		return false
	})
	do(r.acd.Transfer(id, "3001"))
	r.waitEvent(t, telephony.EvTransferred, 1, 10*time.Second)
	if !hears(caller.rtp, 10*time.Second, nil, func(s uint32) bool { return s != annaSSRC && s != ivr }) {
		t.Fatal("the caller does not hear the PBX phone after the blind transfer")
	}
	select {
	case <-anna.byes:
	case <-time.After(5 * time.Second):
		if len(anna.byes) <= byes {
			t.Fatal("the operator was not hung up after the transfer")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dlg.Bye(ctx)
	r.waitIdle(t, 10*time.Second)

	// 4. A second call: attended, completed.
	dlg2, caller2, _, id2 := call()
	do(r.acd.Consult(id2, "3001"))
	if !hears(anna.rtp, 10*time.Second, nil, func(s uint32) bool { return true }) {
		t.Fatal("the operator does not hear the consulted PBX phone (second call)")
	}
	do(r.acd.CompleteTransfer(id2))
	r.waitEvent(t, telephony.EvTransferred, 2, 10*time.Second)
	ivr2 := uint32(0)
	hears(caller2.rtp, 500*time.Millisecond, nil, func(s uint32) bool { ivr2 = s; return true })
	if !hears(caller2.rtp, 10*time.Second, nil, func(s uint32) bool { return s != annaSSRC && s != ivr2 }) {
		t.Fatal("the second caller does not hear the PBX phone after the attended transfer")
	}
	dlg2.Bye(ctx)
	if st := phone3001.wait(t, 20*time.Second); st.Successful != 3 {
		t.Fatalf("PBX phone: %+v", st)
	}
	r.waitIdle(t, 10*time.Second)

	events := r.log.Events(time.Time{}, time.Time{})
	res := sla.Compute(events, events[0].Time, r.clock.Now().Add(time.Second), sla.Options{})
	if o := res.Overall; o.Transferred != 2 || o.TransferFailed < 1 {
		t.Errorf("figures count %d transfers and %d failed, want 2 (the failed and the cancelled ones are not transfers)", o.Transferred, o.TransferFailed)
	}
	for _, e := range r.log.Events(time.Time{}, time.Time{}) {
		if e.Kind == telephony.EvTransferFailed && (e.Extension != "3999" || e.Reason == "") {
			t.Errorf("failed transfer event %+v: want the extension and the PBX's answer", e)
		}
	}
}
