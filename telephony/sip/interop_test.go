package sip

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"sportello/telephony"
	"sportello/telephony/media"
)

// invite places a call from p to number with extra headers and returns the dialog and the
// final answer (success or not).
func (p *phone) invite(t *testing.T, to *net.UDPAddr, number string, hdrs ...sipmsg.Header) (*sipgo.DialogClientSession, *sipmsg.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hdrs = append(hdrs, sipmsg.NewHeader("Content-Type", "application/sdp"))
	d, err := p.dua.Invite(ctx, sipmsg.Uri{Scheme: "sip", User: number, Host: "127.0.0.1", Port: to.Port},
		BuildSDP(net.IPv4(127, 0, 0, 1), p.rtpPort(), 1, p.codec, 101), hdrs...)
	if err != nil {
		return nil, nil, err
	}
	err = d.WaitAnswer(ctx, sipgo.AnswerOptions{})
	if err == nil {
		err = d.Ack(ctx)
	}
	return d, d.InviteResponse, err
}

// Session timers (RFC 4028; TEL-1): an interval under Min-SE is refused with 422; a caller that
// supports timers is granted one as refresher; without refresh the call is hung up, with
// UPDATEs in time it stays up.
func TestSessionTimers(t *testing.T) {
	r := newRig(t, rigConfig{
		queues:  []telephony.QueueConfig{{Name: "centralino"}},
		numbers: map[string]string{"100": "centralino"},
		adapter: func(c *Config) { c.MinSE, c.SessionExpires = 2*time.Second, 3*time.Second },
	})
	p := newPhone(t, "3331234567")
	timer := sipmsg.NewHeader("Supported", "timer")
	_, res, err := p.invite(t, r.ad.Addr(), "100", timer, sipmsg.NewHeader("Session-Expires", "1"))
	if err == nil || res == nil || res.StatusCode != 422 || res.GetHeader("Min-SE") == nil || res.GetHeader("Min-SE").Value() != "2" {
		t.Fatalf("interval under Min-SE: %v %v, want 422 with Min-SE: 2", res, err)
	}
	// Granted and not refreshed: hung up after 3 s less a third.
	start := time.Now()
	_, res, err = p.invite(t, r.ad.Addr(), "100", timer)
	if err != nil {
		t.Fatal(err)
	}
	if h := res.GetHeader("Session-Expires"); h == nil || h.Value() != "3;refresher=uac" || res.GetHeader("Require") == nil {
		t.Fatalf("200 without the session timer: %v", res)
	}
	select {
	case <-p.byes:
		if d := time.Since(start); d < 1900*time.Millisecond {
			t.Fatalf("hung up after %s, before the interval less a third (2 s)", d)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("a session not refreshed was not hung up")
	}
	r.waitIdle(t, 5*time.Second)
	// Refreshed by UPDATE: stays up past the interval.
	dlg, _, err := p.invite(t, r.ad.Addr(), "100", timer, sipmsg.NewHeader("Session-Expires", "2;refresher=uac"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := 0; i < 6; i++ {
		time.Sleep(600 * time.Millisecond)
		req := sipmsg.NewRequest(sipmsg.UPDATE, dlg.InviteResponse.Contact().Address)
		req.AppendHeader(sipmsg.NewHeader("Session-Expires", "2;refresher=uac"))
		res, err := dlg.Do(ctx, req)
		if err != nil || res.StatusCode != 200 || res.GetHeader("Session-Expires") == nil {
			t.Fatalf("UPDATE refresh %d: %v %v", i, res, err)
		}
	}
	select {
	case <-p.byes:
		t.Fatal("a refreshed session was hung up")
	default:
	}
	dlg.Bye(ctx)
	r.waitIdle(t, 5*time.Second)
}

// A fixed RTP port range (TEL-1: the firewall opens exactly it): every leg's media port is in
// it, and a call that finds none free is refused with 503.
func TestRTPPortRange(t *testing.T) {
	ports := freePorts(t, 1)
	lo := ports[0]
	r := newRig(t, rigConfig{
		queues:  []telephony.QueueConfig{{Name: "centralino"}},
		numbers: map[string]string{"100": "centralino"},
		adapter: func(c *Config) { c.RTPPorts = [2]int{lo, lo + 3} }, // two even ports
	})
	var dlgs []*sipgo.DialogClientSession
	for i := 0; i < 2; i++ {
		p := newPhone(t, "333123456"+itoa(i))
		d, remote := p.call(t, r.ad.Addr(), "100")
		if remote.Port != lo && remote.Port != lo+2 {
			t.Fatalf("media port %d outside %d-%d", remote.Port, lo, lo+3)
		}
		dlgs = append(dlgs, d)
	}
	p := newPhone(t, "3339999999")
	if _, res, err := p.invite(t, r.ad.Addr(), "100"); err == nil || res == nil || res.StatusCode != 503 {
		t.Fatalf("third call with the range full: %v %v, want 503", res, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, d := range dlgs {
		d.Bye(ctx)
	}
	r.waitIdle(t, 5*time.Second)
}

// selfSigned returns a server TLS config for 127.0.0.1 and a client one that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sportello"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// SIP over TCP and TLS (TEL-1): a phone registers over TCP, a caller calls over TLS and hears
// the welcome; the adapter's Contact says the transport, so in-dialog requests come back over it.
func TestTCPAndTLS(t *testing.T) {
	srvTLS, cliTLS := selfSigned(t)
	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino"}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
		adapter: func(c *Config) {
			c.ListenTCP, c.ListenTLS, c.TLS = "127.0.0.1:0", "127.0.0.1:0", srvTLS
		},
	})
	for _, tc := range []struct {
		transport string
		tls       *tls.Config
	}{{"tcp", nil}, {"tls", cliTLS}} {
		addr := r.ad.StreamAddr(strings.ToUpper(tc.transport))
		ua, err := sipgo.NewUA(sipgo.WithUserAgenTLSConfig(tc.tls))
		if err != nil {
			t.Fatal(err)
		}
		defer ua.Close()
		cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
		if err != nil {
			t.Fatal(err)
		}
		rtpConn, _ := net.ListenPacket("udp4", "127.0.0.1:0")
		defer rtpConn.Close()
		target := sipmsg.Uri{Scheme: "sip", User: "100", Host: "127.0.0.1", Port: addr.Port, UriParams: sipmsg.NewParams()}
		target.UriParams.Add("transport", tc.transport)
		contact := sipmsg.Uri{Scheme: "sip", User: "3331234567", Host: "127.0.0.1", Port: 5999, UriParams: sipmsg.NewParams()}
		contact.UriParams.Add("transport", tc.transport)
		dua := &sipgo.DialogUA{Client: cli, ContactHDR: sipmsg.ContactHeader{Address: contact}}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()

		reg := sipmsg.NewRequest(sipmsg.REGISTER, target)
		reg.Recipient.User = ""
		reg.AppendHeader(&sipmsg.ToHeader{Address: sipmsg.Uri{Scheme: "sip", User: "201", Host: "127.0.0.1"}})
		reg.AppendHeader(&sipmsg.ContactHeader{Address: contact})
		res, err := cli.Do(ctx, reg)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: REGISTER: %v %v", tc.transport, res, err)
		}

		dlg, err := dua.Invite(ctx, target, BuildSDP(net.IPv4(127, 0, 0, 1), rtpConn.LocalAddr().(*net.UDPAddr).Port, 1, media.PCMU, 101),
			sipmsg.NewHeader("Content-Type", "application/sdp"))
		if err != nil {
			t.Fatalf("%s: INVITE: %v", tc.transport, err)
		}
		if err := dlg.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
			t.Fatalf("%s: %v", tc.transport, err)
		}
		if err := dlg.Ack(ctx); err != nil {
			t.Fatal(err)
		}
		if c := dlg.InviteResponse.Contact(); c == nil || c.Address.UriParams.GetOr("transport", "") != tc.transport {
			t.Errorf("%s: the adapter's Contact %v does not say the transport", tc.transport, c)
		}
		if p := readRTP(t, rtpConn); p.PayloadType != 0 {
			t.Fatalf("%s: RTP %+v", tc.transport, p.Header)
		}
		if err := dlg.Bye(ctx); err != nil {
			t.Fatalf("%s: BYE: %v", tc.transport, err)
		}
		r.waitIdle(t, 5*time.Second)
	}
}

// Calls from the PBX trunk (TEL-1): accepted from the trunk's address or with its digest
// password, refused (403) from anywhere else.
func TestTrunkInbound(t *testing.T) {
	r := newRig(t, rigConfig{
		queues:  []telephony.QueueConfig{{Name: "centralino"}},
		numbers: map[string]string{"100": "centralino"},
		adapter: func(c *Config) {
			c.Security.AllowCalls = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")} // not the test's phones
			c.Trunk = Trunk{Addresses: []netip.Prefix{netip.MustParsePrefix("127.0.0.5/32")}, InboundUser: "pbx", InboundPassword: "s3cret"}
		},
	})
	invite := `
INVITE sip:100@{remote} SIP/2.0
Via: SIP/2.0/UDP {local};branch={branch}
From: <sip:3331112222@{local}>;tag=a
To: <sip:100@{remote}>
Call-ID: t-{branch}
CSeq: 1 INVITE
Max-Forwards: 70
Contact: <sip:3331112222@{local}>
Content-Type: application/sdp
Content-Length: {len}

{sdp}`
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	msg := strings.NewReplacer("{sdp}", sdp, "{len}", itoa(len(sdp))).Replace(invite)
	trunk := newRawPeer(t, "127.0.0.5", r.ad.Addr())
	trunk.send(t, msg)
	if res := trunk.answer(t, 5*time.Second); res == nil || res.StatusCode != 200 {
		t.Fatalf("call from the trunk's address: %v", res)
	}
	other := newRawPeer(t, "127.0.0.6", r.ad.Addr())
	other.send(t, msg)
	if res := other.answer(t, 5*time.Second); res == nil || res.StatusCode != 401 {
		t.Fatalf("call from elsewhere without credentials: %v, want a 401 challenge", res)
	}
	// With the trunk's password (sipgo answers the challenge).
	p := newPhone(t, "3332223333")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		pass string
		ok   bool
	}{{"sbagliata", false}, {"s3cret", true}} {
		d, err := p.dua.Invite(ctx, sipmsg.Uri{Scheme: "sip", User: "100", Host: "127.0.0.1", Port: r.ad.Addr().Port},
			BuildSDP(net.IPv4(127, 0, 0, 1), p.rtpPort(), 1, media.PCMU, 101), sipmsg.NewHeader("Content-Type", "application/sdp"))
		if err != nil {
			t.Fatal(err)
		}
		err = d.WaitAnswer(ctx, sipgo.AnswerOptions{Username: "pbx", Password: tc.pass})
		if (err == nil) != tc.ok {
			t.Fatalf("password %q: %v", tc.pass, err)
		}
		if err == nil {
			d.Ack(ctx)
			d.Bye(ctx)
		}
	}
}
