package sip

import (
	"bytes"
	"context"
	"crypto/rand"
	"net"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"

	"sportello/telephony"
	"sportello/telephony/media"
)

// secureCall offers SRTP (SDES) from p and returns the dialog, the adapter's media address and
// the adapter's key from the answer, or the refusal.
func (p *phone) secureCall(t *testing.T, to *net.UDPAddr, key []byte) (*sipgo.DialogClientSession, *net.UDPAddr, []byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sdp := BuildSDPCrypto(net.IPv4(127, 0, 0, 1), p.rtpPort(), 1, media.PCMU, 101, &Crypto{Tag: 1, Suite: sdesSuite, Key: key})
	d, err := p.dua.Invite(ctx, sipmsg.Uri{Scheme: "sip", User: "100", Host: "127.0.0.1", Port: to.Port}, sdp,
		sipmsg.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		return nil, nil, nil, err
	}
	if err := d.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		return nil, nil, nil, err
	}
	d.Ack(ctx)
	ans, err := ParseSDP(d.InviteResponse.Body())
	if err != nil || !ans.Secure || len(ans.Crypto) != 1 || ans.Crypto[0].Suite != sdesSuite || len(ans.Crypto[0].Key) != 30 {
		t.Fatalf("answer to an SRTP offer: %+v %v", ans, err)
	}
	return d, ans.RemoteAddr(), ans.Crypto[0].Key, nil
}

func srtpCtx(t *testing.T, key []byte) *srtp.Context {
	c, err := srtp.CreateContext(key[:16], key[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// SRTP with SDES keys on the caller's leg (TEL-1, issue 18 item 3): the caller hears the welcome
// encrypted with the adapter's key, its encrypted voice reaches the (plain RTP) operator, the
// operator's voice reaches it encrypted; a forged packet is dropped. Modes: off refuses SRTP
// offers, required refuses plain ones (488).
func TestSRTPCallerLeg(t *testing.T) {
	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino"}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
		adapter:   func(c *Config) { c.SRTP = SRTPOptional },
	})
	anna := newPhone(t, "201")
	anna.register(t, r.ad.Addr())
	caller := newPhone(t, "3331234567")
	key := make([]byte, 30)
	rand.Read(key)
	dlg, remote, theirs, err := caller.secureCall(t, r.ad.Addr(), key)
	if err != nil {
		t.Fatal(err)
	}
	dec, enc := srtpCtx(t, theirs), srtpCtx(t, key)
	buf := make([]byte, 1500)
	caller.rtp.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := caller.rtp.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	var h rtp.Header
	h.Unmarshal(buf[:n])
	plain, err := dec.DecryptRTP(nil, buf[:n], &h)
	if err != nil {
		t.Fatalf("the welcome does not decrypt with the adapter's key: %v", err)
	}
	var first rtp.Packet
	first.Unmarshal(plain)
	if want := media.PCMU.Encode(nil, tone(200, 660)[:media.FrameSamples]); !bytes.Equal(first.Payload, want) {
		t.Fatal("decrypted first packet is not the welcome")
	}
	if bytes.Equal(buf[12:n], first.Payload) {
		t.Fatal("the welcome went out in clear")
	}

	opDlg := <-anna.answered
	offer, _ := ParseSDP(opDlg.InviteRequest.Body())
	if offer.Secure {
		t.Fatal("the operator's leg was offered SRTP: phones inside stay plain RTP")
	}
	r.waitEvent(t, telephony.EvAnswered, 1, 10*time.Second)
	// Caller → operator: a forged packet is dropped, the encrypted one arrives decrypted.
	mark := bytes.Repeat([]byte{0x42}, media.FrameSamples)
	seq := uint16(0)
	send := func(ssrc uint32, forged bool) {
		seq++
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: ssrc}, Payload: mark}
		b, _ := p.Marshal()
		if !forged {
			b, _ = enc.EncryptRTP(nil, b, &p.Header)
		} else {
			b = append(b, make([]byte, 10)...) // no valid tag
		}
		caller.rtp.WriteTo(b, remote)
	}
	if !hears(anna.rtp, 5*time.Second, func() { send(77, true); send(99, false) }, func(s uint32) bool {
		if s == 77 {
			t.Fatal("a forged SRTP packet reached the operator")
		}
		return s == 99
	}) {
		t.Fatal("the caller's encrypted voice did not reach the operator")
	}
	// Operator → caller, encrypted on the way.
	got := hears(caller.rtp, 5*time.Second, func() { talk(anna.rtp, offer.RemoteAddr(), 1234) }, func(uint32) bool { return false })
	_ = got
	caller.rtp.SetReadDeadline(time.Now().Add(5 * time.Second))
	ok := false
	for !ok {
		talk(anna.rtp, offer.RemoteAddr(), 1234)
		n, _, err := caller.rtp.ReadFrom(buf)
		if err != nil {
			break
		}
		var h rtp.Header
		h.Unmarshal(buf[:n])
		if h.SSRC != 1234 {
			continue
		}
		plain, err := dec.DecryptRTP(nil, buf[:n], &h)
		ok = err == nil && bytes.Equal(plain[12:], bytes.Repeat([]byte{0x55}, media.FrameSamples))
	}
	if !ok {
		t.Fatal("the operator's voice did not reach the caller encrypted")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dlg.Bye(ctx)
	r.waitIdle(t, 5*time.Second)

	// Modes.
	off := newRig(t, rigConfig{queues: []telephony.QueueConfig{{Name: "centralino"}}, numbers: map[string]string{"100": "centralino"}})
	if _, _, _, err := newPhone(t, "1").secureCall(t, off.ad.Addr(), key); err == nil {
		t.Error("SRTP off: an SRTP offer was accepted")
	}
	req := newRig(t, rigConfig{queues: []telephony.QueueConfig{{Name: "centralino"}}, numbers: map[string]string{"100": "centralino"},
		adapter: func(c *Config) { c.SRTP = SRTPRequired }})
	if _, res, err := newPhone(t, "2").invite(t, req.ad.Addr(), "100"); err == nil || res == nil || res.StatusCode != 488 {
		t.Errorf("SRTP required: plain offer got %v %v, want 488", res, err)
	}
}
