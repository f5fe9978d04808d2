package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/web/webkit"
)

// The client's real address. Behind a reverse proxy every request comes from the proxy, and
// the client's address is in a header the proxy writes (X-Forwarded-For, X-Real-IP) — a header
// anyone else can write too. The server believes it only from a peer in Config.TrustedProxies,
// and reads X-Forwarded-For from the right, skipping the trusted proxies, so that whatever the
// client put at its left is never taken (echo's extractors, with their default trust of
// loopback and private networks turned off: only the ranges given count). Login throttling, the
// rate limits, the log lines and the audit log all use the address resolved here.

// ParseTrustedProxies reads the --trusted-proxy setting: addresses or CIDR ranges separated by
// commas ("10.0.0.5,192.168.10.0/24,::1"). Empty means none: the peer is the client.
func ParseTrustedProxies(spec string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(spec, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("proxy fidato %q non valido: usare un indirizzo IP o un intervallo CIDR (10.0.0.0/8)", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("proxy fidato %q non valido: usare un indirizzo IP o un intervallo CIDR (10.0.0.0/8)", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// ipExtractor is how echo's c.RealIP finds the client: the peer, or with trusted proxies the
// X-Forwarded-For chain (or X-Real-IP when there is no chain) written by one of them.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		_, n, err := net.ParseCIDR(p.String())
		if err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
		if p.Addr().Is4() {
			// An IPv4 peer may come as IPv4-mapped IPv6 on a dual-stack listener.
			if _, n, err := net.ParseCIDR(fmt.Sprintf("::ffff:%s/%d", p.Addr(), 96+p.Bits())); err == nil {
				opts = append(opts, echo.TrustIPRange(n))
			}
		}
	}
	xff, real := echo.ExtractIPFromXFFHeader(opts...), echo.ExtractIPFromRealIPHeader(opts...)
	return func(r *http.Request) string {
		if len(r.Header.Values(echo.HeaderXForwardedFor)) > 0 {
			return xff(r)
		}
		return real(r)
	}
}

// clientAddress resolves the client's address once and keeps it in the request's context
// (webkit.ClientAddr).
func (s *Server) clientAddress(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		addr := c.RealIP()
		if a, err := netip.ParseAddr(addr); err == nil {
			addr = a.Unmap().String()
		}
		c.SetRequest(r.WithContext(webkit.WithClient(r.Context(), addr)))
		return next(c)
	}
}
