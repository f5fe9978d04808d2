// Package webkit is the shared HTTP kit of the web server and its subpackages: what every page
// and API handler needs and that is about HTTP only — the session cookie and the CSRF token of
// a request, the caller's session in the request context. Domain rules live in the domain
// packages (accounts for users and sessions).
package webkit

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"sportello/accounts"
	"strings"
	"time"
)

// What the browser and API clients send.
const (
	CookieName     = "sportello_session" // the session token
	CSRFCookieName = "sportello_csrf"    // the session's CSRF token, readable by the site's scripts
	CSRFHeader     = "X-CSRF-Token"      // CSRF token from scripts and API clients
	CSRFField      = "csrf_token"        // CSRF token from HTML forms
)

// ErrCrossSite refuses a state-changing request that a browser says came from another site.
var ErrCrossSite = errors.New("richiesta proveniente da un altro sito: operazione rifiutata")

// SecureRequest reports whether the client reached us over TLS, directly or through a proxy
// that terminates it (X-Forwarded-Proto: https). The session cookie is then marked Secure, so
// the browser never sends it over plain HTTP.
func SecureRequest(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// SessionCookie is the cookie that carries the token of sess for as long as the session
// lives: HttpOnly, so script injected into a page cannot read it; SameSite=Lax, so other sites
// cannot make the browser send it with their forms; Secure behind TLS. The lifetime is counted
// from the session's own clock, so a test clock or a skewed server does not kill the cookie.
func SessionCookie(r *http.Request, token string, sess *accounts.Session) *http.Cookie {
	life := sess.Expires.Sub(sess.LastSeen)
	return &http.Cookie{
		Name:     CookieName,
		Value:    token,
		Path:     "/",
		Expires:  time.Now().Add(life),
		MaxAge:   int(life.Seconds()),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   SecureRequest(r),
	}
}

// CSRFCookie hands the session's CSRF token to the site's own scripts, which copy it into the
// X-CSRF-Token header (web/static/app.js does it for fetch and for forms). It is not HttpOnly on
// purpose; another site can neither read it nor, SameSite=Strict, make the browser send it, and
// the server compares the header with the token stored with the session, not with this cookie.
func CSRFCookie(r *http.Request, sess *accounts.Session) *http.Cookie {
	life := sess.Expires.Sub(sess.LastSeen)
	return &http.Cookie{Name: CSRFCookieName, Value: sess.CSRF, Path: "/", Expires: time.Now().Add(life),
		MaxAge: int(life.Seconds()), SameSite: http.SameSiteStrictMode, Secure: SecureRequest(r)}
}

// ClearCSRFCookie tells the browser to forget the CSRF cookie.
func ClearCSRFCookie(r *http.Request) *http.Cookie {
	return &http.Cookie{Name: CSRFCookieName, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		SameSite: http.SameSiteStrictMode, Secure: SecureRequest(r)}
}

// ClearCookie tells the browser to forget the session cookie.
func ClearCookie(r *http.Request) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: SecureRequest(r)}
}

// TokenFrom returns the session token the request carries, or "".
func TokenFrom(r *http.Request) string {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// Unsafe reports whether method changes state and so needs the CSRF token.
func Unsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// CSRFFrom returns the CSRF token a request sent: the X-CSRF-Token header, or the csrf_token
// field of a form. JSON bodies are not parsed: API clients send the header.
func CSRFFrom(r *http.Request) string {
	if v := r.Header.Get(CSRFHeader); v != "" {
		return v
	}
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data") {
		// PostFormValue parses the body once and keeps the fields, so handlers still read them.
		return r.PostFormValue(CSRFField)
	}
	return ""
}

// CheckOrigin refuses a state-changing request that the browser marks as cross-site, by
// Sec-Fetch-Site or by an Origin naming another host. It adds to the CSRF token rather than
// replacing it, and it also covers the login form, which has no session and so no token yet
// (login CSRF: another site signing the operator in as someone else). Clients that send
// neither header (curl, scripts) pass.
func CheckOrigin(r *http.Request) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return ErrCrossSite
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return ErrCrossSite
	}
	for _, h := range []string{r.Host, r.Header.Get("X-Forwarded-Host")} {
		if h != "" && strings.EqualFold(u.Host, h) {
			return nil
		}
	}
	return ErrCrossSite
}

// ClientIP is the address login throttling counts failures against: the address the server's
// middleware resolved (ClientAddr: the peer, or the client a trusted proxy names). Outside the
// server (a handler called without the middleware) it falls back to the peer address, or with
// trustProxy to the address the proxy appended last to X-Forwarded-For.
//
// Deprecated: use ClientAddr; trustProxy is web.Config.TrustedProxies now.
func ClientIP(r *http.Request, trustProxy bool) string {
	if v, ok := r.Context().Value(clientKey{}).(string); ok && v != "" {
		return v
	}
	if trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	return ClientAddr(r)
}

type ctxKey struct{}

// NewContext returns ctx carrying sess, for the handlers after the session middleware.
func NewContext(ctx context.Context, sess *accounts.Session) context.Context {
	return context.WithValue(ctx, ctxKey{}, sess)
}

// FromContext returns the session NewContext stored, or nil.
func FromContext(ctx context.Context) *accounts.Session {
	s, _ := ctx.Value(ctxKey{}).(*accounts.Session)
	return s
}
