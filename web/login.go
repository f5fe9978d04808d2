package web

// This file plugs the accounts of web/auth into the server (issue 5, KB-8, KB-14): the
// Authenticator that resolves the session cookie, the session middleware that enforces CSRF on
// every state-changing request, and the login, logout, profile and password pages with their
// JSON twins under /api/.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/accounts"
	"sportello/i18n"
	"sportello/internal/role"
	"sportello/web/webkit"
)

// SessionAuth is the Authenticator of signed-in users: the session cookie, resolved through the
// account store. Pass it as Config.Auth.
type SessionAuth struct {
	Users *accounts.Store
	// TrustProxy takes the client address for login throttling from X-Forwarded-For; set it only
	// when Sportello runs behind a reverse proxy that writes that header.
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

// authRoutes are the routes of this file, added to the routes table.
func (s *Server) authRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/accedi", webkit.Everyone, s.loginPage),
		webkit.POST("/accedi", webkit.Everyone, s.loginForm),
		webkit.POST("/esci", webkit.Everyone, s.logoutForm),
		webkit.GET("/profilo", webkit.Staff, s.profilePage),
		webkit.POST("/profilo/password", webkit.Staff, s.passwordForm),
		webkit.POST("/api/login", webkit.Everyone, s.apiLogin),
		webkit.POST("/api/logout", webkit.Everyone, s.apiLogout),
		webkit.GET("/api/session", webkit.Staff, s.apiSession),
		webkit.POST("/api/password", webkit.Staff, s.apiPassword),
	}
}

// accountRoutes are every route of issue 5: login and profile (this file), the accounts page
// (users_pages.go), the workflow API (workflow.go) and pages (workflow_pages.go), and the access
// log report (accesslog.go). New registers them after the main table; they have their own role
// walk, TestWorkflowRoutesByRole.
func (s *Server) accountRoutes() []webkit.Route {
	var all []webkit.Route
	for _, rs := range [][]webkit.Route{s.authRoutes(), s.userPageRoutes(), s.workflowRoutes(), s.workflowPageRoutes(), s.accessLogRoutes()} {
		all = append(all, rs...)
	}
	return all
}

// users returns the account store, or a 404 when the server runs without accounts.
func (s *Server) users() (*SessionAuth, error) {
	if sa, ok := s.auth.(*SessionAuth); ok && sa.Users != nil {
		return sa, nil
	}
	return nil, webkit.NotFound("err.accountsAbsent")
}

// session is the caller's session as the middleware found it, or nil.
func session(c echo.Context) *accounts.Session { return webkit.FromContext(c.Request().Context()) }

// safeNext keeps a post-login redirect on this site: a local path, never "//host" or a URL.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

type loginData struct {
	Name, Next, Error string
	Already           string // the name of the account already signed in, if any
	CSRF              string // present when a session exists: the form then needs the token
	Field             string // the CSRF form field name
}

func (s *Server) loginPage(c echo.Context) error {
	if _, err := s.users(); err != nil {
		return err
	}
	d := loginData{Next: safeNext(c.QueryParam("next")), Field: webkit.CSRFField}
	if sess := session(c); sess != nil {
		d.Already, d.CSRF, d.Name = sess.User.Name, sess.CSRF, sess.User.Name
	}
	return s.render(c, "login", webkit.PageData{Title: i18n.T("login.title"), Nav: "login", Data: d})
}

// loginError maps what Login refused to a status, an error code and the Italian message.
func loginError(c echo.Context, err error) *webkit.HTTPError {
	var te *accounts.ThrottledError
	switch {
	case errors.As(err, &te):
		c.Response().Header().Set("Retry-After", strconv.Itoa(int((te.RetryAfter+time.Second-1)/time.Second)))
		return &webkit.HTTPError{Status: http.StatusTooManyRequests, Code: "throttled", Msg: err.Error()}
	case errors.Is(err, accounts.ErrBadLogin):
		return &webkit.HTTPError{Status: http.StatusUnauthorized, Code: "bad_login", Msg: err.Error()}
	case errors.Is(err, accounts.ErrDisabled):
		return &webkit.HTTPError{Status: http.StatusForbidden, Code: "disabled", Msg: err.Error()}
	}
	return webkit.Internal(err).(*webkit.HTTPError)
}

// login checks the credentials, replaces any session the browser had and sets the cookie.
func (s *Server) login(c echo.Context, sa *SessionAuth, name, password string) (*accounts.Session, error) {
	r := c.Request()
	if strings.TrimSpace(name) == "" || password == "" {
		return nil, webkit.BadRequest("missing_credentials", i18n.T("login.missing"))
	}
	token, sess, err := sa.Users.Login(r.Context(), name, password, webkit.ClientIP(r, sa.TrustProxy))
	if err != nil {
		return nil, loginError(c, err)
	}
	if old := webkit.TokenFrom(r); old != "" {
		// A new session id at every login, so a token planted before login is worth nothing.
		sa.Users.Logout(r.Context(), old)
	}
	c.SetCookie(webkit.SessionCookie(r, token, sess))
	c.SetCookie(webkit.CSRFCookie(r, sess))
	return sess, nil
}

func (s *Server) loginForm(c echo.Context) error {
	sa, err := s.users()
	if err != nil {
		return err
	}
	name, next := c.FormValue("name"), safeNext(c.FormValue("next"))
	if _, err := s.login(c, sa, name, c.FormValue("password")); err != nil {
		var he *webkit.HTTPError
		if !errors.As(err, &he) || he.Status >= 500 {
			return err
		}
		d := loginData{Name: name, Next: next, Error: he.Msg, Field: webkit.CSRFField}
		if sess := session(c); sess != nil {
			d.Already, d.CSRF = sess.User.Name, sess.CSRF
		}
		return s.renderStatus(c, he.Status, "login", webkit.PageData{Title: i18n.T("login.title"), Nav: "login", Data: d})
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logoutForm(c echo.Context) error {
	if sa, ok := s.auth.(*SessionAuth); ok {
		if token := webkit.TokenFrom(c.Request()); token != "" {
			if err := sa.Users.Logout(c.Request().Context(), token); err != nil {
				return webkit.Internal(err)
			}
		}
	}
	c.SetCookie(webkit.ClearCookie(c.Request()))
	c.SetCookie(webkit.ClearCSRFCookie(c.Request()))
	return c.Redirect(http.StatusSeeOther, "/")
}

type profileData struct {
	User              accounts.User
	Role              role.Role
	Expires           time.Time
	CSRF, Field       string
	Error, Done       string
	MinPasswordLength int
}

func (s *Server) profile(c echo.Context, status int, d profileData) error {
	sa, err := s.users()
	if err != nil {
		return err
	}
	sess := session(c)
	if sess == nil {
		return deny(role.Anonymous)
	}
	d.User, d.Role, d.Expires, d.CSRF, d.Field = sess.User, role.Stored(string(sess.User.Role)), sess.Expires, sess.CSRF, webkit.CSRFField
	d.MinPasswordLength = sa.Users.Config().MinPasswordLen
	return s.renderStatus(c, status, "profile", webkit.PageData{Title: i18n.T("profile.title"), Nav: "profile", Data: d})
}

func (s *Server) profilePage(c echo.Context) error { return s.profile(c, http.StatusOK, profileData{}) }

// changePassword changes the caller's password and, since that closes every session of the
// account, opens a new one for this browser. It returns the new session.
func (s *Server) changePassword(c echo.Context, old, new, confirm string) (*accounts.Session, error) {
	sa, err := s.users()
	if err != nil {
		return nil, err
	}
	sess := session(c)
	if sess == nil {
		return nil, deny(role.Anonymous)
	}
	if new != confirm {
		return nil, webkit.BadRequest("password_mismatch", i18n.T("password.mismatch"))
	}
	r := c.Request()
	err = sa.Users.ChangePassword(r.Context(), sess.User.Name, old, new)
	var pe *accounts.PasswordError
	switch {
	case errors.Is(err, accounts.ErrWrongPassword):
		return nil, &webkit.HTTPError{Status: http.StatusBadRequest, Code: "wrong_password", Msg: err.Error()}
	case errors.As(err, &pe):
		return nil, &webkit.HTTPError{Status: http.StatusBadRequest, Code: "weak_password", Msg: err.Error()}
	case err != nil:
		return nil, webkit.Internal(err)
	}
	token, ns, err := sa.Users.Login(r.Context(), sess.User.Name, new, webkit.ClientIP(r, sa.TrustProxy))
	if err != nil {
		c.SetCookie(webkit.ClearCookie(r))
		c.SetCookie(webkit.ClearCSRFCookie(r))
		return nil, &webkit.HTTPError{Status: http.StatusUnauthorized, Code: "relogin", Msg: i18n.T("password.relogin")}
	}
	c.SetCookie(webkit.SessionCookie(r, token, ns))
	c.SetCookie(webkit.CSRFCookie(r, ns))
	c.SetRequest(r.WithContext(webkit.NewContext(r.Context(), ns)))
	return ns, nil
}

func (s *Server) passwordForm(c echo.Context) error {
	_, err := s.changePassword(c, c.FormValue("old"), c.FormValue("new"), c.FormValue("confirm"))
	var he *webkit.HTTPError
	switch {
	case err == nil:
		return s.profile(c, http.StatusOK, profileData{Done: i18n.T("password.done")})
	case errors.As(err, &he) && he.Code == "relogin":
		return c.Redirect(http.StatusSeeOther, "/accedi?next=%2Fprofilo")
	case errors.As(err, &he) && he.Status == http.StatusBadRequest:
		return s.profile(c, he.Status, profileData{Error: he.Msg})
	}
	return err
}

// sessionJSON is what the API answers about a session: API clients read the CSRF token here
// and send it back in X-CSRF-Token on every POST, PUT, PATCH and DELETE.
type sessionJSON struct {
	User      userJSON  `json:"user"`
	Role      role.Role `json:"role"`
	CSRFToken string    `json:"csrfToken"`
	Expires   time.Time `json:"expires"`
}

type userJSON struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email,omitempty"`
}

func toSessionJSON(sess *accounts.Session) sessionJSON {
	return sessionJSON{
		User:      userJSON{sess.User.Name, sess.User.DisplayName, sess.User.Email},
		Role:      role.Stored(string(sess.User.Role)),
		CSRFToken: sess.CSRF,
		Expires:   sess.Expires,
	}
}

// readJSON decodes a small JSON body into v; an empty body leaves v as it is.
func readJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, 64<<10))
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) { // an empty body is an empty object
		return webkit.BadRequest("bad_json", "corpo della richiesta non valido: serve un oggetto JSON ("+err.Error()+")")
	}
	return nil
}

func (s *Server) apiLogin(c echo.Context) error {
	sa, err := s.users()
	if err != nil {
		return err
	}
	var body struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := readJSON(c, &body); err != nil {
		return err
	}
	sess, err := s.login(c, sa, body.Name, body.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSessionJSON(sess))
}

func (s *Server) apiLogout(c echo.Context) error {
	if sa, ok := s.auth.(*SessionAuth); ok {
		if token := webkit.TokenFrom(c.Request()); token != "" {
			if err := sa.Users.Logout(c.Request().Context(), token); err != nil {
				return webkit.Internal(err)
			}
		}
	}
	c.SetCookie(webkit.ClearCookie(c.Request()))
	c.SetCookie(webkit.ClearCSRFCookie(c.Request()))
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiSession(c echo.Context) error {
	if _, err := s.users(); err != nil {
		return err
	}
	sess := session(c)
	if sess == nil {
		return deny(role.Anonymous)
	}
	return c.JSON(http.StatusOK, toSessionJSON(sess))
}

func (s *Server) apiPassword(c echo.Context) error {
	var body struct {
		Old string `json:"oldPassword"`
		New string `json:"newPassword"`
	}
	if err := readJSON(c, &body); err != nil {
		return err
	}
	sess, err := s.changePassword(c, body.Old, body.New, body.New)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSessionJSON(sess))
}
