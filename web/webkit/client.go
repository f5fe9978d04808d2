package webkit

import (
	"context"
	"net"
	"net/http"
)

// The client's address, as the server's middleware resolved it once per request: the peer, or
// behind a trusted reverse proxy the address the proxy names (web.Config.TrustedProxies). Login
// throttling, the rate limits, the server's log lines and the audit log all read it here, so
// they agree on who the client is and none of them believes a header an untrusted peer wrote.

type clientKey struct{}

// WithClient returns ctx carrying the client's address (the server's middleware calls it).
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// ClientAddr is the client's address: the one the middleware resolved, else the peer's host.
func ClientAddr(r *http.Request) string {
	if v, ok := r.Context().Value(clientKey{}).(string); ok && v != "" {
		return v
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
