package sip

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/emiago/sipgo/siptest"
	"github.com/icholy/digest"

	"sportello/telephony"
)

// rawPeer sends hand-written SIP from a chosen loopback address (127.0.0.0/8 is all ours, so a
// test can play several sources) and reads the answers.
type rawPeer struct {
	conn *net.UDPConn
	to   *net.UDPAddr
}

func newRawPeer(t *testing.T, ip string, to *net.UDPAddr) *rawPeer {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPeer{conn: c, to: to}
}

func (p *rawPeer) local() string { return p.conn.LocalAddr().String() }

// request fills a template ({local}, {remote}, {branch}, {n}) with CRLF line ends and sends it.
func (p *rawPeer) send(t *testing.T, tmpl string) {
	t.Helper()
	r := strings.NewReplacer("{local}", p.local(), "{remote}", p.to.String(), "{branch}", "z9hG4bK"+strconv.Itoa(rand.Int()))
	msg := strings.ReplaceAll(strings.TrimLeft(r.Replace(tmpl), "\n"), "\n", "\r\n")
	if _, err := p.conn.WriteTo([]byte(msg), p.to); err != nil {
		t.Fatal(err)
	}
}

// answer returns the next final response, or nil if none comes within d.
func (p *rawPeer) answer(t *testing.T, d time.Duration) *sipmsg.Response {
	t.Helper()
	buf := make([]byte, 65535)
	deadline := time.Now().Add(d)
	for {
		p.conn.SetReadDeadline(deadline)
		n, _, err := p.conn.ReadFrom(buf)
		if err != nil {
			return nil
		}
		m, err := sipmsg.ParseMessage(buf[:n])
		if err != nil {
			t.Fatalf("unreadable answer: %v\n%s", err, buf[:n])
		}
		if res, ok := m.(*sipmsg.Response); ok && res.StatusCode >= 200 {
			return res
		}
	}
}

const rawOptions = `
OPTIONS sip:{remote} SIP/2.0
Via: SIP/2.0/UDP {local};branch={branch}
From: <sip:probe@{local}>;tag=1
To: <sip:{remote}>
Call-ID: probe-{branch}
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0

`

// Requests RFC 3261 says must be refused are refused with the right code (issue 18 item 4).
func TestMalformedRequestsRefused(t *testing.T) {
	r := newRig(t, rigConfig{
		queues:  []telephony.QueueConfig{{Name: "centralino"}},
		numbers: map[string]string{"100": "centralino"},
		adapter: func(c *Config) {
			c.Security.AllowCalls, _ = ParsePrefixes([]string{"127.0.0.1"})
		},
	})
	to := r.ad.Addr()
	self := to.String()
	invite := func(extra string) string {
		return `
INVITE sip:100@{remote} SIP/2.0
Via: SIP/2.0/UDP {local};branch={branch}
From: <sip:3331112222@{local}>;tag=a
To: <sip:100@{remote}>
Call-ID: m-{branch}
` + extra + `Contact: <sip:3331112222@{local}>
Content-Length: 0

`
	}
	tests := []struct {
		name, from, msg string
		code            int
	}{
		{"SIP/7.0", "127.0.0.1", strings.Replace(rawOptions, "SIP/2.0\n", "SIP/7.0\n", 1), 505},
		{"Max-Forwards 0", "127.0.0.1", invite("CSeq: 1 INVITE\nMax-Forwards: 0\n"), 483},
		{"INVITE with CSeq BYE", "127.0.0.1", invite("CSeq: 1 BYE\nMax-Forwards: 70\n"), 400},
		{"no From", "127.0.0.1", strings.Replace(rawOptions, "From: <sip:probe@{local}>;tag=1\n", "", 1), 400},
		{"looped back through a proxy", "127.0.0.1", strings.Replace(rawOptions, "Via: SIP/2.0/UDP {local};branch={branch}\n",
			"Via: SIP/2.0/UDP {local};branch={branch}\nVia: SIP/2.0/UDP "+self+";branch=z9hG4bKours\n", 1), 482},
		{"call from a source not allowed", "127.0.0.7", invite("CSeq: 1 INVITE\nMax-Forwards: 70\n"), 403},
		{"unknown method", "127.0.0.1", strings.ReplaceAll(rawOptions, "OPTIONS", "FROBNICATE"), 405},
		{"OPTIONS", "127.0.0.1", rawOptions, 200},
	}
	for _, tt := range tests {
		p := newRawPeer(t, tt.from, to)
		p.send(t, tt.msg)
		res := p.answer(t, 3*time.Second)
		if res == nil {
			t.Errorf("%s: no answer, want %d", tt.name, tt.code)
			continue
		}
		if res.StatusCode != tt.code {
			t.Errorf("%s: %d %s, want %d", tt.name, res.StatusCode, res.Reason, tt.code)
		}
	}
	if r.count(telephony.EvOffered, "") != 0 {
		t.Errorf("a refused INVITE reached the ACD")
	}
}

// registerRaw sends a REGISTER for ext from p, answering the challenge with password when it
// is not "": it returns the final codes seen (401 then 200/403, or none when dropped).
func registerRaw(t *testing.T, p *rawPeer, ext, password string) []int {
	t.Helper()
	tmpl := `
REGISTER sip:{remote} SIP/2.0
Via: SIP/2.0/UDP {local};branch={branch}
From: <sip:` + ext + `@{remote}>;tag=r
To: <sip:` + ext + `@{remote}>
Call-ID: reg-` + ext + `-{local}
CSeq: {cseq} REGISTER
Contact: <sip:` + ext + `@{local}>
Max-Forwards: 70
Expires: 60
{auth}Content-Length: 0

`
	p.send(t, strings.NewReplacer("{cseq}", "1", "{auth}", "").Replace(tmpl))
	res := p.answer(t, 2*time.Second)
	if res == nil {
		return nil
	}
	codes := []int{res.StatusCode}
	if res.StatusCode != 401 || password == "" {
		return codes
	}
	chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil {
		t.Fatal(err)
	}
	uri := "sip:" + p.to.String()
	cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: uri, Username: ext, Password: password, Cnonce: "abc", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	p.send(t, strings.NewReplacer("{cseq}", "2", "{auth}", "Authorization: "+cred.String()+"\n").Replace(tmpl))
	if res = p.answer(t, 2*time.Second); res == nil {
		return codes
	}
	return append(codes, res.StatusCode)
}

// Password guessing (issue 18 item 4): an unknown extension and a wrong password get the same
// answers; repeated failures lock the extension (even the right password is refused for a
// while) and then the guessing source, whose packets are then dropped unanswered; a REGISTER
// flood is cut by the per-source rate; other sources and extensions are not affected.
func TestRegisterGuessingLockedOut(t *testing.T) {
	r := newRig(t, rigConfig{
		queues: []telephony.QueueConfig{{Name: "centralino"}},
		operators: []telephony.OperatorConfig{
			{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}},
			{ID: "bruno", Extension: "202", Queues: []telephony.Membership{{Queue: "centralino"}}},
		},
		numbers: map[string]string{"100": "centralino"},
		adapter: func(c *Config) {
			c.Accounts = map[string]string{"201": "s3greto", "202": "altro"}
			c.Security = Security{MaxFailures: 3, Lockout: 3 * time.Second, RegisterRate: 1000, RegisterBurst: 1000,
				AllowCalls: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}} // the guesser is not trusted
		},
	})
	to := r.ad.Addr()
	guesser := newRawPeer(t, "127.0.0.9", to)
	unknown := registerRaw(t, guesser, "299", "tentativo")
	wrong := registerRaw(t, guesser, "202", "tentativo")
	if fmt.Sprint(unknown) != "[401 403]" || fmt.Sprint(wrong) != "[401 403]" {
		t.Fatalf("unknown extension %v, wrong password %v: want the same [401 403]", unknown, wrong)
	}
	// Two more failures on 201 lock it: then the right password is refused too.
	registerRaw(t, guesser, "201", "x1")
	registerRaw(t, guesser, "201", "x2")
	registerRaw(t, guesser, "201", "x3")
	phone := newRawPeer(t, "127.0.0.1", to)
	if got := registerRaw(t, phone, "201", "s3greto"); fmt.Sprint(got) != "[403]" {
		t.Fatalf("locked extension with the right password: %v, want [403]", got)
	}
	if got := registerRaw(t, phone, "202", "altro"); fmt.Sprint(got) != "[401 200]" {
		t.Fatalf("another extension during the lockout: %v", got)
	}
	// 4×3 failures from one source lock the source: its packets get no answer at all.
	tries := 0
	for ; tries < 20 && registerRaw(t, guesser, "2"+strconv.Itoa(10+tries), "x") != nil; tries++ {
	}
	if tries != 12-5 {
		t.Fatalf("the source was locked out after %d more failures, want %d", tries, 12-5)
	}
	guesser.send(t, rawOptions)
	if res := guesser.answer(t, 500*time.Millisecond); res != nil {
		t.Fatalf("locked-out source still answered: %d", res.StatusCode)
	}
	// The lockouts end.
	time.Sleep(3 * time.Second)
	if got := registerRaw(t, phone, "201", "s3greto"); fmt.Sprint(got) != "[401 200]" {
		t.Fatalf("after the lockout: %v", got)
	}
	if _, ok := r.ad.Registered("201"); !ok {
		t.Fatal("201 not registered after the lockout")
	}
}

// A REGISTER flood from one source is answered for the burst only.
func TestRegisterFloodRateLimited(t *testing.T) {
	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino"}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
		adapter: func(c *Config) {
			c.Accounts = map[string]string{"201": "s3greto"}
			c.Security.AllowCalls = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		},
	})
	p := newRawPeer(t, "127.0.0.11", r.ad.Addr())
	for i := 0; i < 60; i++ {
		p.send(t, strings.Replace(strings.Replace(rawOptions, "OPTIONS", "REGISTER", -1), "To: <sip:{remote}>", "To: <sip:201@{remote}>", 1))
	}
	answered := 0
	for p.answer(t, 500*time.Millisecond) != nil {
		answered++
	}
	if answered == 0 || answered > 25 {
		t.Fatalf("%d of 60 REGISTERs in a burst answered, want the burst of 20 (and a few refilled)", answered)
	}
}

// syncBuffer is a log sink safe for the adapter's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Unreadable packets cost a few short lines of log, not the packets (issue 18: 15 MB of log in
// 2 s before), and the adapter keeps answering.
func TestUnreadableFloodLogsLittle(t *testing.T) {
	var logbuf syncBuffer
	r := newRig(t, rigConfig{
		queues:  []telephony.QueueConfig{{Name: "centralino"}},
		numbers: map[string]string{"100": "centralino"},
		adapter: func(c *Config) {
			c.Logger = slog.New(slog.NewTextHandler(&logbuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c.Security = Security{PacketRate: 1e6, PacketBurst: 1e6} // let the flood reach the parser
		},
	})
	flood := newRawPeer(t, "127.0.0.13", r.ad.Addr())
	junk := bytes.Repeat([]byte("\x00garbage SIP/2.0 \xff"), 500) // 9 KB
	sent := 0
	for i := 0; i < 2000; i++ {
		junk[1] = byte(i)
		if _, err := flood.conn.WriteTo(junk, flood.to); err == nil {
			sent++
		}
	}
	time.Sleep(500 * time.Millisecond)
	probe := newRawPeer(t, "127.0.0.1", r.ad.Addr())
	probe.send(t, rawOptions)
	if res := probe.answer(t, 3*time.Second); res == nil || res.StatusCode != 200 {
		t.Fatalf("after the flood OPTIONS got %v", res)
	}
	log := logbuf.String()
	if len(log) > 64<<10 {
		t.Fatalf("%d bytes of log for %d unreadable packets of %d bytes", len(log), sent, len(junk))
	}
	for _, l := range strings.Split(log, "\n") {
		if len(l) > 2000 {
			t.Fatalf("a log line of %d bytes: %.300s…", len(l), l)
		}
	}
	t.Logf("%d unreadable packets of %d bytes: %d bytes of log", sent, len(junk), len(log))
}

// FuzzSIPEntry drives the adapter's entry point with arbitrary bytes: the packet filter, sipgo's
// parser, then the guard and the handlers of a running adapter (REGISTER changes its location
// table; INVITEs find no queue number, so no call starts). No input may panic, answer twice
// finally, or answer an ACK.
func FuzzSIPEntry(f *testing.F) {
	for _, s := range []string{rawOptions, strings.Replace(rawOptions, "SIP/2.0\n", "SIP/7.0\n", 1),
		strings.ReplaceAll(rawOptions, "OPTIONS", "REGISTER"), strings.ReplaceAll(rawOptions, "OPTIONS", "INVITE"),
		strings.ReplaceAll(rawOptions, "OPTIONS", "BYE"), strings.ReplaceAll(rawOptions, "OPTIONS", "ACK"),
		"INVITE sip:100@x SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bKx\r\nCSeq: 1 BYE\r\nMax-Forwards: 0\r\n\r\n"} {
		f.Add([]byte(strings.NewReplacer("{local}", "127.0.0.1:5099", "{remote}", "127.0.0.1:5060", "{branch}", "z9hG4bK1", "\n", "\r\n").Replace(s)))
	}
	clk := telephony.NewManualClock(monday10())
	acd := telephony.New(telephony.Config{Clock: clk})
	acd.AddQueue(telephony.QueueConfig{Name: "q"})
	acd.AddOperator(telephony.OperatorConfig{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "q"}}})
	a, err := Start(f.Context(), Config{Addr: "127.0.0.1:0", Center: &telephony.Center{ACD: acd}, Queues: map[string]string{},
		Operators: map[string]string{"201": "anna"}, Accounts: map[string]string{"201": "pw"}, LoginOnRegister: true, TickInterval: -1, Espeak: "-",
		// Limits high enough that the fuzzer's own rate does not hide the handlers.
		Security: Security{PacketRate: 1e9, RegisterRate: 1e9, MaxFailures: 1 << 30}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { a.Close() })
	handlers := map[sipmsg.RequestMethod]func(*sipmsg.Request, sipmsg.ServerTransaction){
		sipmsg.REGISTER: a.guard(a.onRegister), sipmsg.INVITE: a.guard(a.onInvite), sipmsg.BYE: a.guard(a.onBye),
		sipmsg.ACK: a.guard(a.onAck),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if out, _ := a.filter(sipmsg.TransportReadProps{RemoteAddr: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5099}}, data); out == nil {
			return
		}
		m, err := sipmsg.ParseMessage(data)
		if err != nil {
			return
		}
		req, ok := m.(*sipmsg.Request)
		if !ok {
			return
		}
		if _, err := sipmsg.ServerTxKeyMake(req); err != nil {
			return // sipgo's transaction layer answers 400 itself
		}
		req.SetSource("127.0.0.1:5099")
		tx := siptest.NewServerTxRecorder(req)
		h := handlers[req.Method]
		if h == nil {
			h = a.guard(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) { respond(tx, req, 405, "Method Not Allowed") })
		}
		h(req, tx)
		final := 0
		for _, res := range tx.Result() {
			if res.StatusCode >= 200 {
				final++
			}
		}
		if final > 1 || req.Method == sipmsg.ACK && len(tx.Result()) > 0 {
			t.Fatalf("%s: %d final answers, %d in all", req.Method, final, len(tx.Result()))
		}
	})
}
