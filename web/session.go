package web

// The server's side of the accounts (issue 5, KB-8, KB-14): the Authenticator that resolves the
// session cookie, the session middleware that enforces CSRF on every state-changing request, and
// the access log's record of who read which pill. The login, profile and account pages are
// web/accounts'.

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"sportello/accounts"
	"sportello/accounts/accesslog"
	"sportello/internal/role"
	"sportello/web/webkit"
)

// SessionAuth is the Authenticator of signed-in users: the session cookie, resolved through the
// account store. Pass it as Config.Auth.
type SessionAuth struct {
	Users *accounts.Store
	// TrustProxy takes the client address from X-Forwarded-For whoever the peer is.
	//
	// Deprecated: set Config.TrustedProxies to the proxies' addresses instead; with it empty,
	// TrustProxy trusts every peer, as it always did.
	TrustProxy bool
}

// NewSessionAuth returns the Authenticator backed by users.
func NewSessionAuth(users *accounts.Store) *SessionAuth { return &SessionAuth{Users: users} }

// resolvedKey marks a request whose session the middleware has already looked up, so that Role
// does not query the database a second time for a request without a valid session.
type resolvedKey struct{}

// Role implements Authenticator.
func (a *SessionAuth) Role(r *http.Request) (string, role.Role) {
	sess := webkit.FromContext(r.Context())
	if sess == nil && r.Context().Value(resolvedKey{}) == nil {
		sess, _ = a.Users.Session(r.Context(), webkit.TokenFrom(r))
	}
	if sess == nil {
		return "", role.Anonymous
	}
	return sess.User.Name, role.Stored(string(sess.User.Role))
}

// sessions is the middleware that resolves the session cookie once per request and guards
// every state-changing request: the browser must not say it comes from another site, and a
// caller with a session must echo the session's CSRF token (form field csrf_token or header
// X-CSRF-Token). It runs before authorize. Without a SessionAuth it does nothing.
func (s *Server) sessions(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sa, ok := s.auth.(*SessionAuth)
		if !ok {
			return next(c)
		}
		r := c.Request()
		token := webkit.TokenFrom(r)
		sess, err := sa.Users.Session(r.Context(), token)
		if err != nil && !errors.Is(err, accounts.ErrNoSession) {
			return webkit.Internal(err)
		}
		if sess == nil && token != "" {
			// Expired or revoked: drop the cookies so the browser stops sending them.
			c.SetCookie(webkit.ClearCookie(r))
			c.SetCookie(webkit.ClearCSRFCookie(r))
		}
		if sess != nil {
			if ck, err := r.Cookie(webkit.CSRFCookieName); err != nil || ck.Value != sess.CSRF {
				c.SetCookie(webkit.CSRFCookie(r, sess))
			}
		}
		ctx := context.WithValue(r.Context(), resolvedKey{}, true)
		if sess != nil {
			ctx = webkit.NewContext(ctx, sess)
		}
		r = r.WithContext(ctx)
		c.SetRequest(r)
		if webkit.Unsafe(r.Method) {
			if err := webkit.CheckOrigin(r); err != nil {
				return &webkit.HTTPError{Status: http.StatusForbidden, Code: "cross_site", Msg: err.Error()}
			}
			if sess != nil {
				if err := accounts.CheckCSRF(sess, webkit.CSRFFrom(r)); err != nil {
					return &webkit.HTTPError{Status: http.StatusForbidden, Code: "csrf", Msg: err.Error()}
				}
			}
		}
		err = next(c)
		if err == nil && sess != nil {
			s.recordRead(c, sess)
		}
		// A page that needs signing in sends the browser to the login form and back.
		var he *webkit.HTTPError
		if errors.As(err, &he) && he.Status == http.StatusUnauthorized && r.Method == http.MethodGet && !webkit.WantsJSON(r) {
			return c.Redirect(http.StatusSeeOther, "/accedi?next="+url.QueryEscape(r.URL.RequestURI()))
		}
		return err
	}
}

// pillReadPaths are the routes that show one pill.
var pillReadPaths = map[string]bool{"/schede/:code": true, "/api/pills/:code": true}

// recordRead logs a successful read of a pill by a signed-in user. A failure to log is logged,
// never shown: the operator on the phone needs the answer more than the statistics do.
func (s *Server) recordRead(c echo.Context, sess *accounts.Session) {
	l := s.deps.AccessLog
	if l == nil || c.Request().Method != http.MethodGet || !pillReadPaths[c.Path()] || c.Response().Status != http.StatusOK {
		return
	}
	ctx := c.Request().Context()
	p, err := webkit.FindPill(ctx, s.store, c.Param("code"), role.Stored(string(sess.User.Role)))
	if err != nil {
		return
	}
	if err := l.Record(ctx, accesslog.Read{Pill: p.IRI, User: sess.User.Name, Role: string(sess.User.Role)}); err != nil {
		s.log.Warn("access log", "err", err)
	}
}
