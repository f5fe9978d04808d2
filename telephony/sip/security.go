package sip

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Security holds the limits of the SIP side against a hostile network (issue 18 item 4). Zero
// fields take the defaults noted.
type Security struct {
	// AllowCalls lists the sources (addresses or CIDR prefixes) INVITEs to queue numbers are
	// accepted from: the SBC or the PBX trunk. Default loopback only; the trunk's addresses are
	// always allowed. Anything else gets 403.
	AllowCalls []netip.Prefix
	// AllowRegister lists the sources phones may REGISTER from; empty means any (the digest
	// password still applies).
	AllowRegister []netip.Prefix
	// PacketRate and PacketBurst bound the SIP packets per second accepted from one address
	// (default 100, burst 200); beyond, packets are dropped unread. The trunk's addresses and
	// AllowCalls are exempt: an SBC or a PBX carries many calls from one address.
	PacketRate, PacketBurst float64
	// RegisterRate and RegisterBurst bound REGISTERs per second per address (default 5, burst
	// 20): a phone registers once an hour, a password guesser thousands of times.
	RegisterRate, RegisterBurst float64
	// MaxFailures failed authentications within FailureWindow lock the extension (whether it
	// exists or not, so that the lockout tells nothing) for Lockout; 4×MaxFailures from one
	// address lock the address out, every packet of it dropped. Defaults 5, 10 minutes, 15
	// minutes.
	MaxFailures   int
	FailureWindow time.Duration
	Lockout       time.Duration
	// MaxMessage bounds a SIP message in bytes (default 16 KiB); larger ones are dropped.
	MaxMessage int
}

func (s *Security) defaults() {
	if len(s.AllowCalls) == 0 {
		s.AllowCalls = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	if s.PacketRate <= 0 {
		s.PacketRate = 100
	}
	if s.PacketBurst <= 0 {
		s.PacketBurst = 2 * s.PacketRate
	}
	if s.RegisterRate <= 0 {
		s.RegisterRate = 5
	}
	if s.RegisterBurst <= 0 {
		s.RegisterBurst = 20
	}
	if s.MaxFailures <= 0 {
		s.MaxFailures = 5
	}
	if s.FailureWindow <= 0 {
		s.FailureWindow = 10 * time.Minute
	}
	if s.Lockout <= 0 {
		s.Lockout = 15 * time.Minute
	}
	if s.MaxMessage <= 0 {
		s.MaxMessage = 16 << 10
	}
}

// ParsePrefixes reads addresses ("192.0.2.1") and prefixes ("10.0.0.0/8").
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a prefix", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func inPrefixes(list []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// sourceAddr extracts the IP of "host:port".
func sourceAddr(hostport string) netip.Addr {
	if ap, err := netip.ParseAddrPort(hostport); err == nil {
		return ap.Addr().Unmap()
	}
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		h = hostport
	}
	a, _ := netip.ParseAddr(h)
	return a.Unmap()
}

type bucket struct {
	tokens float64
	last   time.Time
}

type strikes struct {
	n     int
	first time.Time
	until time.Time
}

// maxTracked bounds each table of the shield: a flood from spoofed addresses must not grow it
// without limit. When full, buckets are forgotten (a fresh source starts with a full bucket) but
// lockouts still running are kept.
const maxTracked = 100_000

// shield keeps the per-source and per-extension counters.
type shield struct {
	cfg    Security
	trusts func(netip.Addr) bool // trunk addresses: exempt from the packet limits
	log    *slog.Logger

	mu      sync.Mutex
	pkts    map[netip.Addr]*bucket
	regs    map[netip.Addr]*bucket
	srcFail map[netip.Addr]*strikes
	extFail map[string]*strikes
	dropped map[string]int // reason → packets dropped since the last report
}

func newShield(cfg Security, trusts func(netip.Addr) bool, log *slog.Logger) *shield {
	cfg.defaults()
	return &shield{cfg: cfg, trusts: trusts, log: log, pkts: map[netip.Addr]*bucket{}, regs: map[netip.Addr]*bucket{},
		srcFail: map[netip.Addr]*strikes{}, extFail: map[string]*strikes{}, dropped: map[string]int{}}
}

func take(m map[netip.Addr]*bucket, a netip.Addr, rate, burst float64, now time.Time) bool {
	b := m[a]
	if b == nil {
		if len(m) >= maxTracked {
			clear(m)
		}
		b = &bucket{tokens: burst, last: now}
		m[a] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func lockedAt(s *strikes, now time.Time) bool { return s != nil && now.Before(s.until) }

// packet decides whether a datagram or stream message from src is read at all.
func (s *shield) packet(src netip.Addr, size int, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case size > s.cfg.MaxMessage:
		s.dropped["oversized"]++
		return false
	case s.trusts(src):
		return true
	case lockedAt(s.srcFail[src], now):
		s.dropped["locked-out source"]++
		return false
	case !take(s.pkts, src, s.cfg.PacketRate, s.cfg.PacketBurst, now):
		s.dropped["rate limit"]++
		return false
	}
	return true
}

// register decides whether a REGISTER from src for ext is looked at: not when the source sends
// too many, nor while the source or the extension is locked out.
func (s *shield) register(src netip.Addr, ext string, now time.Time) (ok bool, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case lockedAt(s.srcFail[src], now):
		return false, "source locked out"
	case lockedAt(s.extFail[ext], now):
		return false, "extension locked out"
	case !s.trusts(src) && !take(s.regs, src, s.cfg.RegisterRate, s.cfg.RegisterBurst, now):
		return false, "register rate"
	}
	return true, ""
}

// failed counts a failed authentication; it returns what got locked by it, if anything.
func (s *shield) failed(src netip.Addr, ext string, now time.Time) (lockedExt, lockedSrc bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	strike := func(st *strikes, max int) bool {
		if now.Sub(st.first) > s.cfg.FailureWindow {
			st.n, st.first = 0, now
		}
		st.n++
		if st.n >= max && !now.Before(st.until) {
			st.until, st.n = now.Add(s.cfg.Lockout), 0
			return true
		}
		return false
	}
	e := s.extFail[ext]
	if e == nil {
		if len(s.extFail) >= maxTracked {
			pruneStrikes(s.extFail, now)
		}
		e = &strikes{first: now}
		s.extFail[ext] = e
	}
	lockedExt = strike(e, s.cfg.MaxFailures)
	if !s.trusts(src) {
		f := s.srcFail[src]
		if f == nil {
			if len(s.srcFail) >= maxTracked {
				pruneStrikes(s.srcFail, now)
			}
			f = &strikes{first: now}
			s.srcFail[src] = f
		}
		lockedSrc = strike(f, 4*s.cfg.MaxFailures)
	}
	return lockedExt, lockedSrc
}

// succeeded forgets the extension's failures (not the source's: a guesser who found one
// password keeps its count for the others).
func (s *shield) succeeded(ext string) {
	s.mu.Lock()
	if e := s.extFail[ext]; e != nil && !e.until.After(time.Now()) {
		delete(s.extFail, ext)
	}
	s.mu.Unlock()
}

func pruneStrikes[K comparable](m map[K]*strikes, now time.Time) {
	for k, st := range m {
		if !now.Before(st.until) {
			delete(m, k)
		}
	}
}

// report logs, at most once per call, how many packets were dropped and why: one line per
// interval instead of one per packet (a flood must not flood the log).
func (s *shield) report() {
	s.mu.Lock()
	d := s.dropped
	s.dropped = map[string]int{}
	s.mu.Unlock()
	for why, n := range d {
		s.log.Warn("sip: packets dropped", "reason", why, "count", n)
	}
}

// filter is the transport read filter: the first look at every SIP message, before parsing.
// It must never return an error (sipgo would stop reading the socket).
func (a *Adapter) filter(props sipmsg.TransportReadProps, data []byte) ([]byte, error) {
	if props.RemoteAddr == nil {
		return data, nil
	}
	if !a.shield.packet(sourceAddr(props.RemoteAddr.String()), len(data), time.Now()) {
		return nil, nil
	}
	return data, nil
}

// guard wraps every request handler: it refuses what RFC 3261 says must be refused before a
// request is looked at (505 for another SIP version, 400 for missing headers or a CSeq whose
// method is not the request's, 483 when Max-Forwards is exhausted, 482 for a request that has
// already been through this adapter), and INVITEs from sources that may not call. ACKs get no
// answer whatever they hold.
func (a *Adapter) guard(h func(*sipmsg.Request, sipmsg.ServerTransaction)) func(*sipmsg.Request, sipmsg.ServerTransaction) {
	return func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		code, reason := a.screen(req)
		if code == sipmsg.StatusForbidden && req.Method == sipmsg.INVITE && a.cfg.Trunk.InboundPassword != "" {
			// Not from an allowed address: the PBX may still prove itself with the trunk's
			// digest password (TEL-1).
			if !a.trunkAuthorized(req, tx) {
				return
			}
			code = 0
		}
		if code != 0 {
			a.logs.Info("sip: request refused", "method", string(req.Method), "status", code, "reason", reason, "source", req.Source())
			if req.Method != sipmsg.ACK && tx != nil {
				respond(tx, req, code, reason)
			}
			return
		}
		h(req, tx)
	}
}

// screen returns the refusal a request deserves, or 0.
func (a *Adapter) screen(req *sipmsg.Request) (int, string) {
	if req.SipVersion != "SIP/2.0" {
		return sipmsg.StatusVersionNotSupported, "Version Not Supported"
	}
	cseq := req.CSeq()
	if req.Via() == nil || req.From() == nil || req.To() == nil || req.CallID() == nil || cseq == nil {
		return sipmsg.StatusBadRequest, "Missing Mandatory Header"
	}
	if cseq.MethodName != req.Method {
		return sipmsg.StatusBadRequest, "CSeq Method Does Not Match"
	}
	if h := req.GetHeader("Max-Forwards"); h != nil {
		mf := req.MaxForwards()
		if mf == nil {
			return sipmsg.StatusBadRequest, "Bad Max-Forwards"
		}
		if *mf == 0 && req.Method != sipmsg.ACK {
			return sipmsg.StatusTooManyHops, "Too Many Hops"
		}
	}
	// A user agent never finds its own address among a request's Via hops, unless a proxy
	// sent back what this adapter sent out: a transfer or callback routed by the PBX to one of
	// our own numbers (RFC 3261 section 16.3 item 4, Via loop detection).
	for _, h := range req.GetHeaders("Via") {
		for _, hop := range strings.Split(h.Value(), ",") {
			if a.isSelf(viaSentBy(hop)) {
				return sipmsg.StatusLoopDetected, "Loop Detected"
			}
		}
	}
	if req.Method == sipmsg.INVITE {
		if to := req.To(); to != nil && to.Params.Has("tag") {
			return 0, "" // inside a dialog: the dialog decides
		}
		if !a.mayCall(sourceAddr(req.Source())) {
			return sipmsg.StatusForbidden, "Forbidden"
		}
	}
	return 0, ""
}

// viaSentBy returns the host:port of one Via hop, "SIP/2.0/UDP 192.0.2.1:5060;branch=…".
func viaSentBy(hop string) string {
	f := strings.Fields(strings.TrimSpace(hop))
	if len(f) < 2 {
		return ""
	}
	return strings.SplitN(strings.Join(f[1:], ""), ";", 2)[0]
}

// isSelf reports whether sentBy (host:port, port 5060 when absent) is this adapter's address.
func (a *Adapter) isSelf(sentBy string) bool {
	if sentBy == "" {
		return false
	}
	host, port := sentBy, "5060"
	if h, p, err := net.SplitHostPort(sentBy); err == nil {
		host, port = h, p
	}
	return port == strconv.Itoa(a.port) && sourceAddr(host) == a.hostAddr
}

// mayCall reports whether src may place calls to queue numbers.
func (a *Adapter) mayCall(src netip.Addr) bool {
	return inPrefixes(a.cfg.Security.AllowCalls, src) || a.trusts(src)
}

// trusts reports whether src is the PBX trunk or a source allowed to call (the SBC): all the
// traffic of many callers and phones comes from such an address, so it is exempt from the
// per-source packet and REGISTER rates and from the source lockout (its extensions still lock).
func (a *Adapter) trusts(src netip.Addr) bool {
	return inPrefixes(a.trunkAddrs, src) || inPrefixes(a.cfg.Security.AllowCalls, src)
}

// rateLog is a slog.Handler that passes at most burst records per message text per minute
// (then one saying how many were suppressed) and shortens long attributes, so that a flood of
// unreadable packets costs a few lines of log, never the packets themselves: sipgo logs a
// message it cannot parse whole.
type rateLog struct {
	next  slog.Handler
	burst int
	state *rateState
}

type rateState struct {
	mu   sync.Mutex
	seen map[string]*rateEntry
}

type rateEntry struct {
	start      time.Time
	n, dropped int
}

// maxAttr bounds an attribute's text in the log.
const maxAttr = 200

func newRateLog(next slog.Handler, burst int) *rateLog {
	return &rateLog{next: next, burst: burst, state: &rateState{seen: map[string]*rateEntry{}}}
}

func (h *rateLog) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *rateLog) Handle(ctx context.Context, r slog.Record) error {
	st := h.state
	st.mu.Lock()
	e := st.seen[r.Message]
	if e == nil || r.Time.Sub(e.start) >= time.Minute {
		if e == nil && len(st.seen) >= 1000 {
			clear(st.seen)
		}
		prev := 0
		if e != nil {
			prev = e.dropped
		}
		e = &rateEntry{start: r.Time}
		st.seen[r.Message] = e
		if prev > 0 {
			r.AddAttrs(slog.Int("suppressedBefore", prev))
		}
	}
	e.n++
	if e.n > h.burst {
		e.dropped++
		st.mu.Unlock()
		return nil
	}
	st.mu.Unlock()
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(at slog.Attr) bool {
		out.AddAttrs(shorten(at))
		return true
	})
	return h.next.Handle(ctx, out)
}

func shorten(at slog.Attr) slog.Attr {
	v := at.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); len(s) > maxAttr {
			return slog.String(at.Key, strconv.Quote(s[:maxAttr])+"… ("+strconv.Itoa(len(s))+" bytes)")
		}
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			if s := err.Error(); len(s) > maxAttr {
				return slog.String(at.Key, strconv.Quote(s[:maxAttr])+"… ("+strconv.Itoa(len(s))+" bytes)")
			}
		}
	}
	return at
}

func (h *rateLog) WithAttrs(as []slog.Attr) slog.Handler {
	short := make([]slog.Attr, len(as))
	for i, a := range as {
		short[i] = shorten(a)
	}
	return &rateLog{next: h.next.WithAttrs(short), burst: h.burst, state: h.state}
}

func (h *rateLog) WithGroup(name string) slog.Handler {
	return &rateLog{next: h.next.WithGroup(name), burst: h.burst, state: h.state}
}
