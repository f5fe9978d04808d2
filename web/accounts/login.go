// Package accounts is the web side of the accounts (issue 5, KB-8, KB-14): the login, logout,
// profile and password pages with their JSON twins under /api/, the users' administration page,
// and the access log's report of the most read pills. The accounts themselves, the sessions and
// the access log are package sportello/accounts; the session middleware is package web's.
package accounts

import (
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	users "sportello/accounts"
	"sportello/accounts/accesslog"
	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/web/webkit"
)

// Routes are the login, profile, users and access-log routes.
func (h *Handlers) Routes() []webkit.Route {
	return slices.Concat(h.loginRoutes(), h.userPageRoutes(), h.adminRoutes(), h.accessLogRoutes())
}

// Auth is what the pages need of the server's accounts: the store, and whether the client
// address for login throttling comes from X-Forwarded-For.
type Auth struct {
	Users      *users.Store
	TrustProxy bool
}

// Handlers serve the account pages; nil parts answer 404.
type Handlers struct {
	auth  *Auth
	store *kb.Store
	reads *accesslog.Log
	pages *webkit.Pages
	log   *slog.Logger
}

//go:embed templates/*.html
var templates embed.FS

// New returns the handlers of the account pages: auth nil means the server runs without
// accounts, reads nil without the access log.
func New(site *webkit.Site, auth *Auth, store *kb.Store, reads *accesslog.Log, log *slog.Logger) *Handlers {
	return &Handlers{auth: auth, store: store, reads: reads, pages: site.Pages(templates, nil), log: log}
}

// loginRoutes are the login, logout, profile and password routes.
func (h *Handlers) loginRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/accedi", webkit.Everyone, h.loginPage),
		webkit.POST("/accedi", webkit.Everyone, h.loginForm),
		webkit.POST("/esci", webkit.Everyone, h.logoutForm),
		webkit.GET("/profilo", webkit.Staff, h.profilePage),
		webkit.POST("/profilo/password", webkit.Staff, h.passwordForm),
		webkit.POST("/api/login", webkit.Everyone, h.apiLogin),
		webkit.POST("/api/logout", webkit.Everyone, h.apiLogout),
		webkit.GET("/api/session", webkit.Staff, h.apiSession),
		webkit.POST("/api/password", webkit.Staff, h.apiPassword),
	}
}

// users returns the account store, or a 404 when the server runs without users.
func (h *Handlers) users() (*Auth, error) {
	if sa := h.auth; sa != nil && sa.Users != nil {
		return sa, nil
	}
	return nil, webkit.NotFound("err.accountsAbsent")
}

// session is the caller's session as the middleware found it, or nil.
func session(c echo.Context) *users.Session { return webkit.FromContext(c.Request().Context()) }

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

func (h *Handlers) loginPage(c echo.Context) error {
	if _, err := h.users(); err != nil {
		return err
	}
	d := loginData{Next: safeNext(c.QueryParam("next")), Field: webkit.CSRFField}
	if sess := session(c); sess != nil {
		d.Already, d.CSRF, d.Name = sess.User.Name, sess.CSRF, sess.User.Name
	}
	return h.pages.Render(c, "login", webkit.PageData{Title: i18n.T("login.title"), Nav: "login", Data: d})
}

// loginError maps what Login refused to a status, an error code and the Italian message.
func loginError(c echo.Context, err error) *webkit.HTTPError {
	var te *users.ThrottledError
	switch {
	case errors.As(err, &te):
		c.Response().Header().Set("Retry-After", strconv.Itoa(int((te.RetryAfter+time.Second-1)/time.Second)))
		return &webkit.HTTPError{Status: http.StatusTooManyRequests, Code: "throttled", Msg: err.Error()}
	case errors.Is(err, users.ErrBadLogin):
		return &webkit.HTTPError{Status: http.StatusUnauthorized, Code: "bad_login", Msg: err.Error()}
	case errors.Is(err, users.ErrDisabled):
		return &webkit.HTTPError{Status: http.StatusForbidden, Code: "disabled", Msg: err.Error()}
	case errors.Is(err, users.ErrNoDirectoryRole):
		return &webkit.HTTPError{Status: http.StatusForbidden, Code: "no_role", Msg: err.Error()}
	case errors.Is(err, users.ErrDirectoryUnavailable):
		return &webkit.HTTPError{Status: http.StatusServiceUnavailable, Code: "directory_unavailable", Msg: err.Error(), Err: err}
	}
	return webkit.Internal(err).(*webkit.HTTPError)
}

// login checks the credentials, replaces any session the browser had and sets the cookie.
func (h *Handlers) login(c echo.Context, sa *Auth, name, password string) (*users.Session, error) {
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

func (h *Handlers) loginForm(c echo.Context) error {
	sa, err := h.users()
	if err != nil {
		return err
	}
	name, next := c.FormValue("name"), safeNext(c.FormValue("next"))
	sess, err := h.login(c, sa, name, c.FormValue("password"))
	if err != nil {
		var he *webkit.HTTPError
		if !errors.As(err, &he) || he.Status >= 500 {
			return err
		}
		d := loginData{Name: name, Next: next, Error: he.Msg, Field: webkit.CSRFField}
		if sess := session(c); sess != nil {
			d.Already, d.CSRF = sess.User.Name, sess.CSRF
		}
		return h.pages.RenderStatus(c, he.Status, "login", webkit.PageData{Title: i18n.T("login.title"), Nav: "login", Data: d})
	}
	if next == "/" {
		// No page asked for: each role starts where its work is.
		next = StartPage(role.Stored(string(sess.User.Role)))
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// logout ends the request's session, if any, and tells the browser to forget its cookies.
func (h *Handlers) logout(c echo.Context) error {
	if sa := h.auth; sa != nil {
		if token := webkit.TokenFrom(c.Request()); token != "" {
			if err := sa.Users.Logout(c.Request().Context(), token); err != nil {
				return webkit.Internal(err)
			}
		}
	}
	c.SetCookie(webkit.ClearCookie(c.Request()))
	c.SetCookie(webkit.ClearCSRFCookie(c.Request()))
	return nil
}

func (h *Handlers) logoutForm(c echo.Context) error {
	if err := h.logout(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

type profileData struct {
	User              users.User
	Role              role.Role
	Expires           time.Time
	CSRF, Field       string
	Error, Done       string
	MinPasswordLength int
}

func (h *Handlers) profile(c echo.Context, status int, d profileData) error {
	sa, err := h.users()
	if err != nil {
		return err
	}
	sess := session(c)
	if sess == nil {
		return webkit.Deny(role.Anonymous)
	}
	d.User, d.Role, d.Expires, d.CSRF, d.Field = sess.User, role.Stored(string(sess.User.Role)), sess.Expires, sess.CSRF, webkit.CSRFField
	d.MinPasswordLength = sa.Users.Config().MinPasswordLen
	return h.pages.RenderStatus(c, status, "profile", webkit.PageData{Title: i18n.T("profile.title"), Nav: "profile", Data: d})
}

func (h *Handlers) profilePage(c echo.Context) error {
	return h.profile(c, http.StatusOK, profileData{})
}

// changePassword changes the caller's password and, since that closes every session of the
// account, opens a new one for this browser. It returns the new session.
func (h *Handlers) changePassword(c echo.Context, old, new, confirm string) (*users.Session, error) {
	sa, err := h.users()
	if err != nil {
		return nil, err
	}
	sess := session(c)
	if sess == nil {
		return nil, webkit.Deny(role.Anonymous)
	}
	if new != confirm {
		return nil, webkit.BadRequest("password_mismatch", i18n.T("password.mismatch"))
	}
	r := c.Request()
	err = sa.Users.ChangePassword(r.Context(), sess.User.Name, old, new)
	var pe *users.PasswordError
	switch {
	case errors.Is(err, users.ErrWrongPassword):
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

func (h *Handlers) passwordForm(c echo.Context) error {
	_, err := h.changePassword(c, c.FormValue("old"), c.FormValue("new"), c.FormValue("confirm"))
	var he *webkit.HTTPError
	switch {
	case err == nil:
		return h.profile(c, http.StatusOK, profileData{Done: i18n.T("password.done")})
	case errors.As(err, &he) && he.Code == "relogin":
		return c.Redirect(http.StatusSeeOther, "/accedi?next=%2Fprofilo")
	case errors.As(err, &he) && he.Status == http.StatusBadRequest:
		return h.profile(c, he.Status, profileData{Error: he.Msg})
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
	Start     string    `json:"start"` // the role's start page
}

type userJSON struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email,omitempty"`
}

func toSessionJSON(sess *users.Session) sessionJSON {
	return sessionJSON{
		User:      userJSON{sess.User.Name, sess.User.DisplayName, sess.User.Email},
		Role:      role.Stored(string(sess.User.Role)),
		CSRFToken: sess.CSRF,
		Expires:   sess.Expires,
		Start:     StartPage(role.Stored(string(sess.User.Role))),
	}
}

func (h *Handlers) apiLogin(c echo.Context) error {
	sa, err := h.users()
	if err != nil {
		return err
	}
	var body struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := webkit.ReadJSON(c, &body); err != nil {
		return err
	}
	sess, err := h.login(c, sa, body.Name, body.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSessionJSON(sess))
}

func (h *Handlers) apiLogout(c echo.Context) error {
	if err := h.logout(c); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handlers) apiSession(c echo.Context) error {
	if _, err := h.users(); err != nil {
		return err
	}
	sess := session(c)
	if sess == nil {
		return webkit.Deny(role.Anonymous)
	}
	return c.JSON(http.StatusOK, toSessionJSON(sess))
}

func (h *Handlers) apiPassword(c echo.Context) error {
	var body struct {
		Old string `json:"oldPassword"`
		New string `json:"newPassword"`
	}
	if err := webkit.ReadJSON(c, &body); err != nil {
		return err
	}
	sess, err := h.changePassword(c, body.Old, body.New, body.New)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSessionJSON(sess))
}
