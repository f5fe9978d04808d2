package accounts

// The administrator's page for accounts (KB-8: an administration environment): list, add with
// the role chosen for the account (no default), change a role, disable or enable, reset a
// password. Every change goes through the accounts' administrative operations, which record it
// in the audit log with who did it and from where. Auditors see the list, read-only. The same
// operations serve `sportello user`.

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	users "sportello/accounts"
	"sportello/i18n"
	"sportello/internal/role"
	"sportello/web/webkit"
)

func (h *Handlers) userPageRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/amministrazione/utenti", []role.Role{role.Administrator, role.Auditor}, h.usersPage),
		webkit.POST("/amministrazione/utenti", []role.Role{role.Administrator}, h.userAddForm),
		webkit.POST("/amministrazione/utenti/:name/ruolo", []role.Role{role.Administrator}, h.userRoleForm),
		webkit.POST("/amministrazione/utenti/:name/stato", []role.Role{role.Administrator}, h.userStateForm),
		webkit.POST("/amministrazione/utenti/:name/password", []role.Role{role.Administrator}, h.userPasswordForm),
	}
}

type usersData struct {
	webkit.FormBase
	Users    []users.Account
	Roles    []role.Role
	CanEdit  bool
	Me       string
	Notice   string
	Error    string
	Form     users.User
	Fields   map[string]string // field → message beside the new-user form's fields
	MinChars int
}

func (h *Handlers) renderUsers(c echo.Context, status int, d usersData) error {
	sa, err := h.users()
	if err != nil {
		return err
	}
	if d.Users, err = sa.Users.Accounts(c.Request().Context()); err != nil {
		return webkit.Internal(err)
	}
	d.FormBase, d.Roles, d.CanEdit, d.Me = webkit.FormOf(c), role.Staff, webkit.RoleOf(c) == role.Administrator, webkit.UserOf(c)
	d.MinChars = sa.Users.Config().MinPasswordLen
	if d.Notice == "" {
		d.Notice, _ = webkit.Flash(c, "users.") // a key of users.ok.*, never text from the URL
	}
	return h.pages.RenderStatus(c, status, "users", webkit.PageData{Title: i18n.T("users.title"), Nav: "users", Data: d})
}

func (h *Handlers) usersPage(c echo.Context) error {
	return h.renderUsers(c, http.StatusOK, usersData{})
}

// actor is who performs an administrative act from this request.
func (h *Handlers) actor(c echo.Context) users.Actor {
	trust := h.auth != nil && h.auth.TrustProxy
	return users.Actor{Name: webkit.UserOf(c), Client: webkit.ClientIP(c.Request(), trust)}
}

// userFormError re-renders the page with the store's Italian message for what a form got
// wrong: for the new-user form (form not nil) beside the field it is about, keeping what was
// typed (never the password); for the forms of the list, above it.
func (h *Handlers) userFormError(c echo.Context, err error, form *users.User) error {
	var pe *users.PasswordError
	var ne *users.NameError
	var re *users.RoleError
	field := ""
	status := http.StatusBadRequest
	switch {
	case errors.As(err, &pe):
		field = "password"
	case errors.As(err, &ne), errors.Is(err, users.ErrExists):
		field = "name"
	case errors.As(err, &re), errors.Is(err, users.ErrNoRole):
		field = "role"
	case errors.Is(err, users.ErrLastAdmin), errors.Is(err, users.ErrDirectoryRole), errors.Is(err, users.ErrDirectoryPassword):
		status = http.StatusConflict
	case errors.Is(err, users.ErrNotFound):
		return webkit.NotFound("err.userNotFound")
	default:
		return webkit.Internal(err)
	}
	d := usersData{}
	if form != nil && field != "" {
		d.Form, d.Fields = *form, map[string]string{field: err.Error()}
	} else {
		d.Error = err.Error()
	}
	return h.renderUsers(c, status, d)
}

func (h *Handlers) userAddForm(c echo.Context) error {
	sa, err := h.users()
	if err != nil {
		return err
	}
	u := users.User{Name: strings.TrimSpace(c.FormValue("name")), DisplayName: strings.TrimSpace(c.FormValue("display")),
		Email: strings.TrimSpace(c.FormValue("email")), Role: role.Role(c.FormValue("role"))}
	nu, err := sa.Users.CreateUser(c.Request().Context(), u, c.FormValue("password"), h.actor(c))
	if err != nil {
		return h.userFormError(c, err, &u)
	}
	h.log.Info("user added", "user", nu.Name, "role", nu.Role, "by", webkit.UserOf(c))
	return webkit.RedirectOK(c, "/amministrazione/utenti", "created")
}

// userRoleForm gives an account another role (an administrator's own role stays: a slip would
// lock them out of this page).
func (h *Handlers) userRoleForm(c echo.Context) error {
	sa, err := h.users()
	if err != nil {
		return err
	}
	name := c.Param("name")
	if strings.EqualFold(name, webkit.UserOf(c)) {
		return h.renderUsers(c, http.StatusConflict, usersData{Error: i18n.T("users.selfRole")})
	}
	a, err := sa.Users.ChangeRole(c.Request().Context(), name, role.Role(c.FormValue("role")), h.actor(c))
	if err != nil {
		return h.userFormError(c, err, nil)
	}
	h.log.Info("role changed", "user", a.Name, "role", a.Role, "by", webkit.UserOf(c))
	return webkit.RedirectOK(c, "/amministrazione/utenti", "role")
}

func (h *Handlers) userStateForm(c echo.Context) error {
	sa, err := h.users()
	if err != nil {
		return err
	}
	name := c.Param("name")
	disable := c.FormValue("disabled") == "1"
	if disable && strings.EqualFold(name, webkit.UserOf(c)) {
		return h.renderUsers(c, http.StatusConflict, usersData{Error: i18n.T("users.self")})
	}
	if err := sa.Users.SetDisabledBy(c.Request().Context(), name, disable, h.actor(c)); err != nil {
		return h.userFormError(c, err, nil)
	}
	h.log.Info("user state changed", "user", name, "disabled", disable, "by", webkit.UserOf(c))
	return webkit.RedirectOK(c, "/amministrazione/utenti", "updated")
}

func (h *Handlers) userPasswordForm(c echo.Context) error {
	sa, err := h.users()
	if err != nil {
		return err
	}
	name := c.Param("name")
	if err := sa.Users.ResetPassword(c.Request().Context(), name, c.FormValue("password"), h.actor(c)); err != nil {
		return h.userFormError(c, err, nil)
	}
	h.log.Info("password reset", "user", name, "by", webkit.UserOf(c))
	return webkit.RedirectOK(c, "/amministrazione/utenti", "password")
}
