package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"sportello/telephony"
	"sportello/telephony/media"
)

// PromptFunc returns the audio of an announcement slot at time t, as 8 kHz linear samples.
type PromptFunc func(slot telephony.Slot, t time.Time) ([]int16, error)

// Config configures an Adapter.
type Config struct {
	// Addr is the UDP address the SIP listener binds, e.g. "127.0.0.1:5060". Port 0 picks a free
	// one (tests); Adapter.Addr tells which.
	Addr string
	// MediaIP is the address put in SDP and bound by the RTP sockets; default the host of Addr
	// (127.0.0.1 when Addr has no host).
	MediaIP string
	// Center is the ACD with its callback booker and voicemail box. Center.ACD is required.
	Center *telephony.Center
	// Queues maps dialled numbers (the user part of the Request-URI) to queue names, e.g.
	// {"100": "centralino", "800": "numero verde"}.
	Queues map[string]string
	// Operators maps the SIP user of each operator's phone (OperatorConfig.Extension) to the
	// operator ID. ExtensionsOf builds it from the ACD configuration.
	Operators map[string]string
	// Accounts holds the SIP passwords of operators' phones, by extension: a phone whose
	// extension has one must answer a digest challenge to register. Extensions without a
	// password register freely (a closed network of desk phones).
	Accounts map[string]string
	// LoginOnRegister logs an operator in when their phone registers and out when the
	// registration is removed (Expires: 0).
	LoginOnRegister bool
	// Prompts gives the audio of announcements; nil plays the built-in hold music only.
	Prompts PromptFunc
	// PromptsDir holds the Italian recorded prompts the IVR speaks positions and waits with
	// (Asterisk's Italian sound set); default media.DefaultPromptsDir, the Debian path.
	PromptsDir string
	// Espeak is the espeak-ng executable for sentences the prompts lack; "" searches PATH, "-"
	// disables speech synthesis.
	Espeak string
	// AnswerDelay lets the caller hear ringing before the IVR answers; during it a CANCEL
	// abandons the call with 487.
	AnswerDelay time.Duration
	// TickInterval is how often the adapter runs the ACD's deadlines (ACD.Run); default 100 ms.
	// Negative: someone else runs ACD.Run and hands the actions to Adapter.Do (sportello serve).
	TickInterval time.Duration
	// CallbackKey is the DTMF key that books a callback after the offer (TEL-7); default '1'.
	CallbackKey byte
	// ChoiceTimeout ends an overflowed call whose caller pressed nothing; default 15 s.
	ChoiceTimeout time.Duration
	// MaxRecording bounds a voicemail message; default 2 minutes.
	MaxRecording time.Duration
	// MaxExpires caps registrations; default 3600 s.
	MaxExpires time.Duration
	// Outbound is where callbacks to citizens go (ActDial, TEL-7): a SIP URI with {number} in
	// it, e.g. "sip:{number}@192.0.2.1:5060" for a PSTN gateway. Empty: callbacks cannot be
	// placed by the adapter.
	Outbound string
	// DialTimeout bounds the ringing of each leg of a placed callback; default 30 s.
	DialTimeout time.Duration
	// ListenTCP and ListenTLS add SIP over TCP and over TLS (RFC 3261 section 18; TEL-1: the
	// PBX trunk or an SBC may require them), e.g. "0.0.0.0:5060" and "0.0.0.0:5061". TLS needs
	// TLS with a certificate.
	ListenTCP, ListenTLS string
	TLS                  *tls.Config
	// RTPPorts is the range the RTP sockets are taken from, first and last port inclusive (even
	// ports only, RTCP's odd neighbours stay free), so that a firewall can open exactly it.
	// Zero: any free port. A call that finds no free port is refused with 503.
	RTPPorts [2]int
	// SessionExpires is the session interval (RFC 4028) granted to callers that support
	// session timers: a call not refreshed in time is hung up, so a vanished peer does not hold
	// a line. Default 30 minutes; MinSE is the shortest accepted (default 90 s, the RFC's).
	SessionExpires, MinSE time.Duration
	// Recording records the calls of some queues (TK-4).
	Recording Recording
	// SRTP is SRTPOff (default), SRTPOptional or SRTPRequired: SDES-keyed SRTP on callers'
	// legs (TEL-1).
	SRTP string
	// StateDir keeps what must survive a restart: the registrations of the phones. Empty: kept
	// in memory only.
	StateDir string
	// Trunk is the connection to the Administration's PBX (TEL-1): transfers to extensions not
	// registered here go through it, and its addresses may call in.
	Trunk Trunk
	// Security sets who may call and register, and the limits against floods and password
	// guessing (issue 18 item 4).
	Security Security
	Logger   *slog.Logger
}

// Recording says which queues' calls are recorded (TK-4) and where the recordings go.
type Recording struct {
	Queues map[string]bool // queue names
	// Store keeps the recordings under the contact's ID; nil records nothing.
	Store *telephony.Recordings
	// Retention is how long recordings are kept (Recordings.Run deletes older ones).
	Retention time.Duration
	// Notice is the privacy notice played first; nil: a spoken Italian text (espeak-ng). A
	// queue whose notice cannot be played is not recorded: no recording without notice.
	Notice []int16
}

// Trunk is the SIP trunk to the Administration's PBX.
type Trunk struct {
	// URI is where a call to a directory extension goes, with {number} in it, e.g.
	// "sip:{number}@192.0.2.5:5060".
	URI string
	// Username and Password answer the PBX's digest challenge on calls we place.
	Username, Password string
	// Addresses are the PBX's: calls from them are accepted (and exempt from the packet rate).
	Addresses []netip.Prefix
	// CallerID is the Administration's number, shown on calls placed to citizens.
	CallerID string
	// InboundUser and InboundPassword let the PBX call in from an address not in Addresses by
	// answering a digest challenge.
	InboundUser, InboundPassword string
}

// ExtensionsOf maps each operator's extension to its ID, for Config.Operators.
func ExtensionsOf(ops []telephony.OperatorConfig) map[string]string {
	m := make(map[string]string, len(ops))
	for _, o := range ops {
		if o.Extension != "" {
			m[o.Extension] = o.ID
		}
	}
	return m
}

type binding struct {
	contact sipmsg.Uri
	expires time.Time
}

// Adapter is the SIP front end of the ACD: a registrar for operators' phones and a B2BUA for
// calls to queue numbers.
type Adapter struct {
	cfg     Config
	acd     *telephony.ACD
	log     *slog.Logger
	host    net.IP
	port    int
	conn    net.PacketConn
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	dua     *sipgo.DialogUA            // UDP
	duas    map[string]*sipgo.DialogUA // by transport: "UDP", "TCP", "TLS"
	tcp     net.Listener
	tls     net.Listener
	rtpNext atomic.Uint64
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	sockets atomic.Int64
	rtpSent atomic.Int64 // packets of prompts and music sent by calls that have ended
	rtpDue  atomic.Int64 // packets their real-time schedule called for

	mu      sync.Mutex
	calls   map[string]*call    // by the caller's Call-ID
	legs    map[string]*leg     // by the operator leg's Call-ID
	outs    map[string]*dialOut // placed callbacks, by the ACD's call ID
	outLegs map[string]*outLeg  // their legs, by Call-ID
	loc     map[string]binding

	nonces nonces
	decoy  string // the password unknown extensions are checked against: never matches
	voice  *media.Voice
	shield *shield
	// logs is the logger for what a remote party can make happen at will (refusals, failed
	// logins, unreadable packets): rate-limited per message, long values shortened.
	logs       *slog.Logger
	hostAddr   netip.Addr
	trunkAddrs []netip.Prefix
}

// Start listens on cfg.Addr and serves until ctx ends or Close is called.
func Start(ctx context.Context, cfg Config) (*Adapter, error) {
	if cfg.Center == nil || cfg.Center.ACD == nil {
		return nil, errors.New("sip: Config.Center.ACD is required")
	}
	if cfg.TickInterval == 0 {
		cfg.TickInterval = 100 * time.Millisecond
	}
	if cfg.CallbackKey == 0 {
		cfg.CallbackKey = '1'
	}
	if cfg.ChoiceTimeout <= 0 {
		cfg.ChoiceTimeout = 15 * time.Second
	}
	if cfg.MaxRecording <= 0 {
		cfg.MaxRecording = 2 * time.Minute
	}
	if cfg.MaxExpires <= 0 {
		cfg.MaxExpires = time.Hour
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.Security.defaults()
	if cfg.SessionExpires <= 0 {
		cfg.SessionExpires = 30 * time.Minute
	}
	if cfg.MinSE <= 0 {
		cfg.MinSE = 90 * time.Second
	}
	cfg.SessionExpires = max(cfg.SessionExpires, cfg.MinSE)
	conn, err := net.ListenPacket("udp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("sip: listening on %s: %w", cfg.Addr, err)
	}
	la := conn.LocalAddr().(*net.UDPAddr)
	host := la.IP
	if cfg.MediaIP != "" {
		host = net.ParseIP(cfg.MediaIP)
		if host == nil {
			conn.Close()
			return nil, fmt.Errorf("sip: MediaIP %q is not an IP address", cfg.MediaIP)
		}
	} else if host.IsUnspecified() {
		host = net.IPv4(127, 0, 0, 1)
	}
	a := &Adapter{cfg: cfg, acd: cfg.Center.ACD, log: cfg.Logger, host: host, port: la.Port, conn: conn,
		calls: map[string]*call{}, legs: map[string]*leg{}, outs: map[string]*dialOut{}, outLegs: map[string]*outLeg{}, loc: map[string]binding{}}
	a.hostAddr, _ = netip.AddrFromSlice(host)
	a.hostAddr = a.hostAddr.Unmap()
	a.nonces = newNonces()
	a.decoy = a.nonces.issue(time.Now()) // random, and no phone knows it
	a.logs = slog.New(newRateLog(cfg.Logger.Handler(), 20))
	a.shield = newShield(cfg.Security, a.trusts, a.logs)
	var notes []string
	a.voice, notes = media.NewVoice(cfg.PromptsDir, cfg.Espeak)
	for _, n := range notes {
		a.log.Warn("ivr voice: " + n)
	}
	a.trunkAddrs = cfg.Trunk.Addresses
	// The adapter reports every transfer's outcome: a failed one is never logged as done.
	a.acd.ReportTransfers()
	if !a.voice.Recorded() && !a.voice.Synthesis() {
		a.log.Warn("ivr voice: positions and expected waits are not spoken; callers hear the hold music")
	}
	// sipgo logs an unparsable message whole: its logger is the rate-limited one.
	a.ua, err = sipgo.NewUA(sipgo.WithUserAgent("Sportello"), sipgo.WithUserAgentHostname(host.String()),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerReadFilter(a.filter), sipmsg.WithTransportLayerLogger(a.logs)),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(a.logs)))
	if err != nil {
		conn.Close()
		return nil, err
	}
	a.srv, err = sipgo.NewServer(a.ua, sipgo.WithServerLogger(a.logs))
	if err != nil {
		a.ua.Close()
		conn.Close()
		return nil, err
	}
	// The client sends from the listening socket, so phones see one address for the adapter.
	cli, err := sipgo.NewClient(a.ua, sipgo.WithClientLogger(a.logs), sipgo.WithClientHostname(host.String()),
		sipgo.WithClientPort(la.Port), sipgo.WithClientConnectionAddr(conn.LocalAddr().String()))
	if err != nil {
		a.ua.Close()
		conn.Close()
		return nil, err
	}
	a.dua = &sipgo.DialogUA{Client: cli, ContactHDR: sipmsg.ContactHeader{
		Address: sipmsg.Uri{Scheme: "sip", User: "sportello", Host: host.String(), Port: la.Port}}}
	a.duas = map[string]*sipgo.DialogUA{"UDP": a.dua}
	closeAll := func() {
		a.ua.Close()
		conn.Close()
		for _, l := range []net.Listener{a.tcp, a.tls} {
			if l != nil {
				l.Close()
			}
		}
	}
	// Each transport has its dialogs' Contact: in-dialog requests must come back over it.
	for _, tp := range []struct {
		name, addr string
		tls        bool
	}{{"TCP", cfg.ListenTCP, false}, {"TLS", cfg.ListenTLS, true}} {
		if tp.addr == "" {
			continue
		}
		var l net.Listener
		if tp.tls {
			if cfg.TLS == nil || len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetCertificate == nil {
				closeAll()
				return nil, errors.New("sip: SIP over TLS needs a certificate")
			}
			l, err = tls.Listen("tcp", tp.addr, cfg.TLS)
			a.tls = l
		} else {
			l, err = net.Listen("tcp", tp.addr)
			a.tcp = l
		}
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("sip: listening on %s (%s): %w", tp.addr, tp.name, err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u := sipmsg.Uri{Scheme: "sip", User: "sportello", Host: host.String(), Port: port, UriParams: sipmsg.NewParams()}
		u.UriParams.Add("transport", strings.ToLower(tp.name))
		tcli, err := sipgo.NewClient(a.ua, sipgo.WithClientLogger(a.logs), sipgo.WithClientHostname(host.String()), sipgo.WithClientPort(port))
		if err != nil {
			closeAll()
			return nil, err
		}
		a.duas[tp.name] = &sipgo.DialogUA{Client: tcli, ContactHDR: sipmsg.ContactHeader{Address: u}}
	}
	a.routes()
	// Phones registered before a restart are back at once, their operators logged in again.
	for _, ext := range a.loadRegistrations(time.Now()) {
		a.log.Info("registration restored", "extension", ext)
		if cfg.LoginOnRegister {
			if _, err := a.acd.Login(cfg.Operators[ext]); err != nil {
				a.log.Warn("login on restored registration", "extension", ext, "error", err)
			}
		}
	}
	a.ctx, a.cancel = context.WithCancel(ctx)
	a.wg.Add(3)
	go func() {
		defer a.wg.Done()
		a.srv.ServeUDP(conn)
	}()
	waitListening(a.ua, conn.LocalAddr().String())
	for _, l := range []struct {
		l     net.Listener
		serve func(net.Listener) error
	}{{a.tcp, a.srv.ServeTCP}, {a.tls, a.srv.ServeTLS}} {
		if l.l != nil {
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				l.serve(l.l)
			}()
		}
	}
	go func() {
		defer a.wg.Done()
		if cfg.TickInterval > 0 {
			a.acd.Run(a.ctx, cfg.TickInterval, nil, a.handle)
		}
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-a.ctx.Done():
				return
			case now := <-t.C:
				a.expire(now)
				if now.Second()%10 == 0 {
					a.shield.report()
				}
			}
		}
	}()
	if len(cfg.Recording.Queues) > 0 && cfg.Recording.Store != nil {
		// Synthesise the privacy notice now, not on the first recorded call.
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			if a.notice() == nil {
				a.log.Warn("recording: no privacy notice can be played (no notice file, no espeak-ng): calls will not be recorded")
			}
		}()
	}
	events, unsubscribe := a.acd.Log().Subscribe(4096)
	go func() {
		defer a.wg.Done()
		defer unsubscribe()
		for {
			select {
			case <-a.ctx.Done():
				return
			case e := <-events:
				if e.Kind == telephony.EvOverflowed || e.Kind == telephony.EvClosed {
					if c := a.call(e.CallID); c != nil {
						c.mu.Lock()
						c.overflowed = true
						c.mu.Unlock()
					}
				}
			}
		}
	}()
	return a, nil
}

// routes registers the request handlers, each behind the guard.
func (a *Adapter) routes() {
	a.srv.OnRegister(a.guard(a.onRegister))
	a.srv.OnInvite(a.guard(a.onInvite))
	a.srv.OnAck(a.guard(a.onAck))
	a.srv.OnBye(a.guard(a.onBye))
	a.srv.OnCancel(a.guard(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		// CANCELs that match a pending INVITE are answered by the transaction layer (200, then
		// 487 to the INVITE); what reaches here matches nothing.
		respond(tx, req, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
	}))
	a.srv.OnUpdate(a.guard(a.onUpdate))
	a.srv.OnOptions(a.guard(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		respond(tx, req, sipmsg.StatusOK, "OK", sipmsg.NewHeader("Allow", allowed))
	}))
	a.srv.OnNoRoute(a.guard(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if req.Method != sipmsg.ACK {
			respond(tx, req, sipmsg.StatusMethodNotAllowed, "Method Not Allowed", sipmsg.NewHeader("Allow", allowed))
		}
	}))
}

// allowed lists the methods the adapter handles.
const allowed = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, UPDATE"

// onUpdate answers an UPDATE inside a call (RFC 3311): a session refresh without SDP (RFC 4028);
// an SDP in it is answered like a re-INVITE's.
func (a *Adapter) onUpdate(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	id := req.CallID().Value()
	a.mu.Lock()
	c, l := a.calls[id], a.legs[id]
	a.mu.Unlock()
	if len(req.Body()) > 0 && (c != nil || l != nil) {
		a.onReInvite(req, tx)
		return
	}
	switch {
	case c != nil:
		respond(tx, req, sipmsg.StatusOK, "OK", c.refreshed(req)...)
	case l != nil:
		respond(tx, req, sipmsg.StatusOK, "OK")
	default:
		respond(tx, req, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
	}
}

// waitListening waits until sipgo has put the listening socket in its connection pool: until
// then a request sent from it would try to bind the port a second time.
func waitListening(ua *sipgo.UserAgent, addr string) {
	for i := 0; i < 200; i++ {
		if c, err := ua.TransportLayer().GetConnection("udp", addr); err == nil && c != nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Addr returns the address the SIP listener is bound to.
func (a *Adapter) Addr() *net.UDPAddr { return a.conn.LocalAddr().(*net.UDPAddr) }

// StreamAddr returns the address of the TCP ("TCP") or TLS ("TLS") listener, nil when off.
func (a *Adapter) StreamAddr(transport string) *net.TCPAddr {
	l := a.tcp
	if transport == "TLS" {
		l = a.tls
	}
	if l == nil {
		return nil
	}
	return l.Addr().(*net.TCPAddr)
}

// duaFor returns the dialog user agent of a transport ("UDP", "TCP", "TLS"), UDP when that
// transport is not served.
func (a *Adapter) duaFor(transport string) *sipgo.DialogUA {
	if d := a.duas[strings.ToUpper(transport)]; d != nil {
		return d
	}
	return a.dua
}

// duaForURI picks the dialog user agent for a request to u (its transport parameter, TLS for
// sips:).
func (a *Adapter) duaForURI(u sipmsg.Uri) *sipgo.DialogUA {
	tp := "UDP"
	if u.UriParams != nil {
		if v, ok := u.UriParams.Get("transport"); ok {
			tp = strings.ToUpper(v)
		}
	}
	if u.IsEncrypted() {
		tp = "TLS"
	}
	return a.duaFor(tp)
}

// Close hangs up every call, stops the listener and waits for every goroutine of the adapter.
func (a *Adapter) Close() error {
	a.mu.Lock()
	calls := make([]*call, 0, len(a.calls))
	for _, c := range a.calls {
		calls = append(calls, c)
	}
	a.mu.Unlock()
	for _, c := range calls {
		if acts, err := a.acd.Hangup(c.id, telephony.ByOperator); err == nil {
			a.handle(acts)
		}
		c.teardown(true)
	}
	a.mu.Lock()
	for _, d := range a.outs {
		d.stop()
	}
	a.mu.Unlock()
	a.cancel()
	a.ua.Close()
	err := a.conn.Close()
	for _, l := range []net.Listener{a.tcp, a.tls} {
		if l != nil {
			l.Close()
		}
	}
	a.wg.Wait()
	return err
}

// Usage counts what the adapter holds: live calls, operator legs and open RTP sockets. After
// every call has ended all three are 0 (the leak tests check it).
type Usage struct{ Calls, Legs, Sockets int }

// Usage returns the current counts.
func (a *Adapter) Usage() Usage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return Usage{Calls: len(a.calls) + len(a.outs), Legs: len(a.legs) + len(a.outLegs), Sockets: int(a.sockets.Load())}
}

// RTPPackets returns how many prompt and music packets the calls that have ended sent, and how
// many their real-time schedule (one per 20 ms while the IVR had the caller) called for: the
// pacing figure of the media benchmark.
func (a *Adapter) RTPPackets() (sent, due int64) { return a.rtpSent.Load(), a.rtpDue.Load() }

// Registered returns the contact registered for extension, if the binding has not expired.
func (a *Adapter) Registered(extension string) (sipmsg.Uri, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.loc[extension]
	if !ok || !time.Now().Before(b.expires) {
		return sipmsg.Uri{}, false
	}
	return b.contact, true
}

// expire drops registrations that were not refreshed in time; with LoginOnRegister their
// operators are logged out, so the ACD stops offering them calls their phones cannot take.
func (a *Adapter) expire(now time.Time) {
	a.mu.Lock()
	var gone []string
	for ext, b := range a.loc {
		if !now.Before(b.expires) {
			delete(a.loc, ext)
			gone = append(gone, ext)
		}
	}
	if len(gone) > 0 {
		a.saveRegistrationsLocked()
	}
	a.mu.Unlock()
	for _, ext := range gone {
		a.log.Info("registration expired", "extension", ext)
		if !a.cfg.LoginOnRegister {
			continue
		}
		acts, err := a.acd.Logout(a.cfg.Operators[ext])
		if err != nil {
			a.log.Warn("logout on expiry", "extension", ext, "error", err)
		}
		a.handle(acts)
	}
}

func (a *Adapter) call(id string) *call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[id]
}

// rtpSocket opens a UDP socket for one call leg on the media address, in Config.RTPPorts when
// set (taken in turn, so a port just freed is not reused at once by a stray late packet).
func (a *Adapter) rtpSocket() (net.PacketConn, error) {
	lo, hi := a.cfg.RTPPorts[0], a.cfg.RTPPorts[1]
	if lo <= 0 {
		c, err := net.ListenPacket("udp", net.JoinHostPort(a.host.String(), "0"))
		if err != nil {
			return nil, err
		}
		a.sockets.Add(1)
		return &countedConn{PacketConn: c, n: &a.sockets}, nil
	}
	lo += lo % 2
	n := (hi-lo)/2 + 1
	for i := 0; i < n; i++ {
		p := lo + 2*int((a.rtpNext.Add(1)-1)%uint64(n))
		c, err := net.ListenPacket("udp", net.JoinHostPort(a.host.String(), strconv.Itoa(p)))
		if err == nil {
			a.sockets.Add(1)
			return &countedConn{PacketConn: c, n: &a.sockets}, nil
		}
	}
	return nil, fmt.Errorf("no free RTP port in %d-%d", lo, hi)
}

// countedConn keeps Usage.Sockets exact whatever path closes the socket.
type countedConn struct {
	net.PacketConn
	n    *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.PacketConn.Close()
	c.once.Do(func() { c.n.Add(-1) })
	return err
}

// prompt returns the samples of slot, or nil (silence) when none is configured or readable;
// AnnouncementPrompts caches the decoded files.
func (a *Adapter) prompt(slot telephony.Slot) []int16 {
	if a.cfg.Prompts == nil {
		return nil
	}
	pcm, err := a.cfg.Prompts(slot, time.Now())
	if err != nil {
		a.log.Warn("announcement unavailable", "slot", slot, "error", err)
		return nil
	}
	return pcm
}

// AnnouncementPrompts plays the announcements the IVR selects (TEL-5): the file active for the
// slot in the current time band, decoded once and kept while its path stays the same.
func AnnouncementPrompts(ivr *telephony.IVR) PromptFunc {
	var mu sync.Mutex
	cache := map[string][]int16{}
	return func(slot telephony.Slot, t time.Time) ([]int16, error) {
		path, err := ivr.Prompt(slot, t)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		pcm, ok := cache[path]
		mu.Unlock()
		if ok {
			return pcm, nil
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		pcm, err = media.ReadWAV(path, f)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		cache[path] = pcm
		mu.Unlock()
		return pcm, nil
	}
}

func respond(tx sipmsg.ServerTransaction, req *sipmsg.Request, code int, reason string, hdrs ...sipmsg.Header) {
	res := sipmsg.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	tx.Respond(res)
}

// onRegister keeps the location table of operators' phones (RFC 3261 section 10.3), with
// digest authentication for the extensions that have a password in Config.Accounts.
func (a *Adapter) onRegister(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	to := req.To()
	if to == nil {
		respond(tx, req, sipmsg.StatusBadRequest, "Missing To")
		return
	}
	ext := to.Address.User
	src := sourceAddr(req.Source())
	if al := a.cfg.Security.AllowRegister; len(al) > 0 && !inPrefixes(al, src) && !a.trusts(src) {
		a.logs.Info("register: source not allowed", "source", src.String())
		respond(tx, req, sipmsg.StatusForbidden, "Forbidden")
		return
	}
	if ok, why := a.shield.register(src, ext, time.Now()); !ok {
		a.logs.Info("register refused", "reason", why, "extension", ext, "source", src.String())
		if why != "register rate" { // a flood gets no answer at all
			respond(tx, req, sipmsg.StatusForbidden, "Forbidden")
		}
		return
	}
	if !a.authorized(req, tx, ext, src) {
		return
	}
	opID := a.cfg.Operators[ext]
	contact := req.Contact()
	if contact == nil { // a query: answer with the current binding
		if uri, ok := a.Registered(ext); ok {
			respond(tx, req, sipmsg.StatusOK, "OK", &sipmsg.ContactHeader{Address: uri})
			return
		}
		respond(tx, req, sipmsg.StatusOK, "OK")
		return
	}
	expires := a.cfg.MaxExpires
	if v, ok := contact.Params.Get("expires"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			respond(tx, req, sipmsg.StatusBadRequest, "Bad Contact expires")
			return
		}
		expires = time.Duration(n) * time.Second
	} else if h := req.GetHeader("Expires"); h != nil {
		n, err := strconv.Atoi(h.Value())
		if err != nil || n < 0 {
			respond(tx, req, sipmsg.StatusBadRequest, "Bad Expires")
			return
		}
		expires = time.Duration(n) * time.Second
	}
	expires = min(expires, a.cfg.MaxExpires)
	a.mu.Lock()
	if expires == 0 || contact.Address.Wildcard {
		delete(a.loc, ext)
	} else {
		a.loc[ext] = binding{contact: contact.Address, expires: time.Now().Add(expires)}
	}
	a.saveRegistrationsLocked()
	a.mu.Unlock()
	secs := strconv.Itoa(int(expires / time.Second))
	a.log.Info("register", "extension", ext, "operator", opID, "contact", contact.Address.String(), "expires", secs)
	// The ACD knows of the login before the phone hears 200: a call may be routed to it at once.
	if a.cfg.LoginOnRegister {
		var acts []telephony.Action
		var err error
		if expires == 0 {
			acts, err = a.acd.Logout(opID)
		} else {
			acts, err = a.acd.Login(opID)
		}
		if err != nil {
			a.log.Warn("login on register", "operator", opID, "error", err)
		}
		defer a.handle(acts)
	}
	c := contact.Clone()
	c.Params.Remove("expires")
	c.Params.Add("expires", secs)
	respond(tx, req, sipmsg.StatusOK, "OK", c, sipmsg.NewHeader("Expires", secs))
}

func (a *Adapter) onAck(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if c := a.call(req.CallID().Value()); c != nil {
		c.dlg.ReadAck(req, tx)
	}
}

func (a *Adapter) onBye(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	id := req.CallID().Value()
	a.mu.Lock()
	c, l, o := a.calls[id], a.legs[id], a.outLegs[id]
	a.mu.Unlock()
	switch {
	case o != nil:
		// A placed callback: the leg's dialog ends and dialOut.run hangs up the other.
		o.bye.Store(true)
		if err := o.dlg.ReadBye(req, tx); err != nil {
			respond(tx, req, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		}
	case c != nil:
		// Ends the dialog; the call's watcher reports the hangup to the ACD.
		if err := c.dlg.ReadBye(req, tx); err != nil {
			respond(tx, req, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		}
	case l != nil:
		if err := l.dlg.ReadBye(req, tx); err != nil {
			respond(tx, req, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
			return
		}
		l.byeReceived.Store(true)
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			l.c.legGone(l)
		}()
	default:
		respond(tx, req, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
	}
}

// onInvite answers a call to a queue number as the caller's side of the B2BUA.
func (a *Adapter) onInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		a.onReInvite(req, tx)
		return
	}
	number := req.Recipient.User
	queue, ok := a.cfg.Queues[number]
	if !ok {
		respond(tx, req, sipmsg.StatusNotFound, "Not Found")
		return
	}
	offer, err := ParseSDP(req.Body())
	if err != nil {
		respond(tx, req, sipmsg.StatusNotAcceptableHere, "Not Acceptable Here")
		a.log.Info("invite refused", "callId", req.CallID().Value(), "error", err)
		return
	}
	codec, dtmf, err := offer.Negotiate()
	if err != nil {
		respond(tx, req, sipmsg.StatusNotAcceptableHere, "Not Acceptable Here")
		return
	}
	var remoteKey, localKey Crypto
	switch {
	case offer.Secure && a.cfg.SRTP == SRTPOff, !offer.Secure && a.cfg.SRTP == SRTPRequired:
		respond(tx, req, sipmsg.StatusNotAcceptableHere, "Not Acceptable Here")
		a.logs.Info("invite refused: SRTP mode", "srtp", a.cfg.SRTP, "offered", offer.Secure)
		return
	case offer.Secure:
		if remoteKey, localKey, err = srtpAnswer(offer); err != nil {
			respond(tx, req, sipmsg.StatusNotAcceptableHere, "Not Acceptable Here")
			return
		}
	}
	interval, tooShort := a.sessionTimer(req)
	if tooShort {
		a.tooShort(tx, req)
		return
	}
	dlg, err := a.duaFor(req.Transport()).ReadInvite(req, tx)
	if err != nil {
		respond(tx, req, sipmsg.StatusBadRequest, "Bad Request")
		return
	}
	sock, err := a.rtpSocket()
	if err != nil {
		dlg.Respond(sipmsg.StatusServiceUnavailable, "Service Unavailable", nil)
		return
	}
	var crypto *Crypto
	if offer.Secure {
		sc, err := newSecureConn(sock, remoteKey, localKey)
		if err != nil {
			sock.Close()
			dlg.Respond(sipmsg.StatusNotAcceptableHere, "Not Acceptable Here", nil)
			return
		}
		sock, crypto = sc, &localKey
	}
	id := req.CallID().Value()
	from := ""
	if f := req.From(); f != nil {
		from = f.Address.User
	}
	c := newCall(a, id, dlg, sock, codec, dtmf, offer.RemoteAddr())
	c.interval = interval
	c.crypto = crypto
	c.maxFwd = 70
	if mf := req.MaxForwards(); mf != nil {
		c.maxFwd = int(*mf) - 1
	}
	a.mu.Lock()
	if a.calls[id] != nil {
		a.mu.Unlock()
		sock.Close()
		dlg.Respond(sipmsg.StatusLoopDetected, "Loop Detected", nil)
		return
	}
	a.calls[id] = c
	a.mu.Unlock()
	dlg.Respond(sipmsg.StatusTrying, "Trying", nil)
	dlg.Respond(sipmsg.StatusRinging, "Ringing", nil)
	if a.records(queue) {
		// The privacy notice comes first, before the welcome (TK-4): the ACD rings nobody
		// before both have been heard.
		if n := a.notice(); n != nil {
			c.record = true
			c.playq = append(c.playq, playItem{pcm: n})
		} else {
			a.logs.Warn("recording: no privacy notice can be played (no notice file, no espeak-ng): the call is not recorded", "queue", queue)
		}
	}

	// AwaitReady: no operator is rung before the caller has heard the welcome (issue 18).
	acts, err := a.acd.Arrive(telephony.ContactInfo{CallID: id, Channel: telephony.Voice, From: from, To: number, AwaitReady: true}, queue)
	if err != nil {
		a.log.Warn("arrive", "callId", id, "error", err)
		c.reject(sipmsg.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	for _, x := range acts {
		if x.Kind == telephony.ActReject && x.CallID == id {
			// The queue is full (SLA-2 "blocked"): the ACD did not keep the contact.
			c.reject(sipmsg.StatusBusyHere, "Busy Here")
			return
		}
	}
	a.handle(acts)
	// sipgo terminates the INVITE transaction when this handler returns, so the handler lives
	// as long as the caller's leg.
	a.wg.Add(1)
	c.run()
}

// Do carries out actions the ACD returned to someone else, e.g. the web console's hang-up or
// transfer (web.Telephony.Do): the adapter is the media layer of the whole ACD.
func (a *Adapter) Do(acts []telephony.Action) { a.handle(acts) }

// onReInvite answers an INVITE inside a dialog (session refresh, hold, a phone moving its
// media): the adapter keeps its own side as it is, answers with the same SDP and sends to the
// address of the new offer. Holding is left to the phones: the adapter keeps relaying.
func (a *Adapter) onReInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	id := req.CallID().Value()
	a.mu.Lock()
	c, l := a.calls[id], a.legs[id]
	a.mu.Unlock()
	var sock net.PacketConn
	var codec media.Codec
	var dtmf uint8
	var crypto *Crypto
	switch {
	case c != nil:
		sock, codec, dtmf, crypto = c.rtp, c.codec, c.dtmfPT, c.crypto
	case l != nil:
		sock, codec, dtmf = l.rtp, l.c.codec, l.c.dtmfPT
	default:
		respond(tx, req, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	if body := req.Body(); len(body) > 0 {
		offer, err := ParseSDP(body)
		if err != nil {
			respond(tx, req, sipmsg.StatusNotAcceptableHere, "Not Acceptable Here")
			return
		}
		if _, _, err := offer.Negotiate(); err != nil {
			respond(tx, req, sipmsg.StatusNotAcceptableHere, "Not Acceptable Here")
			return
		}
		if offer.Port != 0 && !offer.Addr.IsUnspecified() {
			if c != nil {
				c.mu.Lock()
				c.remote = offer.RemoteAddr()
				c.mu.Unlock()
				c.sender.SetRemote(offer.RemoteAddr())
			} else {
				l.remote.Store(offer.RemoteAddr())
			}
		}
	}
	res := sipmsg.NewSDPResponseFromRequest(req, BuildSDPCrypto(a.host, sock.LocalAddr().(*net.UDPAddr).Port, uint64(time.Now().UnixNano()), codec, dtmf, crypto))
	res.AppendHeader(&a.duaFor(req.Transport()).ContactHDR)
	if c != nil {
		for _, h := range c.refreshed(req) {
			res.AppendHeader(h)
		}
	}
	tx.Respond(res)
}

// handle carries out the ACD's actions. It never blocks on the network: SIP transactions run
// in the calls' goroutines.
func (a *Adapter) handle(acts []telephony.Action) {
	for _, x := range acts {
		if x.Kind == telephony.ActDial {
			a.dial(x)
			continue
		}
		a.mu.Lock()
		out := a.outs[x.CallID]
		a.mu.Unlock()
		if out != nil {
			switch x.Kind {
			case telephony.ActDisconnect:
				out.stop()
			case telephony.ActTransfer, telephony.ActConsult:
				// Not supported on a placed callback: say so rather than leave it pending.
				acts, err := a.acd.TransferResult(x.CallID, telephony.TransferFailed, "transfers of placed callbacks are not supported")
				if err == nil {
					defer a.handle(acts)
				}
			}
			continue
		}
		c := a.call(x.CallID)
		if c == nil {
			a.log.Debug("action for a call that is gone", "kind", x.Kind, "callId", x.CallID)
			continue
		}
		switch x.Kind {
		case telephony.ActPlay:
			c.play(x)
		case telephony.ActRing:
			c.ring(x.Operator, x.Extension)
		case telephony.ActStopRing:
			c.stopRing(x.Operator)
		case telephony.ActConnect:
			c.connect(x.Operator)
		case telephony.ActOfferCallback:
			c.offer(offerCallback)
		case telephony.ActOfferVoicemail:
			c.offer(offerVoicemail)
		case telephony.ActDisconnect, telephony.ActReject:
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				c.teardown(true)
			}()
		case telephony.ActTransfer, telephony.ActConsult:
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				c.transfer(x.Extension, x.Kind == telephony.ActConsult)
			}()
		case telephony.ActCompleteXfer:
			c.completeTransfer()
		case telephony.ActCancelXfer:
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				c.endTransfer(nil, telephony.TransferCancelled, "the operator went back to the caller")
			}()
		default:
			a.log.Warn("action not supported by the SIP adapter", "kind", x.Kind, "callId", x.CallID)
		}
	}
}
