package accounts

// The administrator's page for accounts (KB-8: an administration environment): list, add,
// disable or enable, and reset a password. Auditors see the list, read-only. The same store
// serves `sportello user`.

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
		webkit.POST("/amministrazione/utenti/:name/stato", []role.Role{role.Administrator}, h.userStateForm),
		webkit.POST("/amministrazione/utenti/:name/password", []role.Role{role.Administrator}, h.userPasswordForm),
	}
}

type usersData struct {
	webkit.FormBase
	Users    []users.User
	Roles    []role.Role
	CanEdit  bool
	Me       string
	Notice   string
	Error    string
	Form     users.User
	MinChars int
}

func (h *Handlers) renderUsers(c echo.Context, status int, d usersData) error {
	sa, err := h.users()
	if err != nil {
		return err
	}
	if d.Users, err = sa.Users.Users(c.Request().Context()); err != nil {
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

// userFormError re-renders the page with the store's Italian message for what the form got
// wrong (name, role, password rules, duplicate).
func (h *Handlers) userFormError(c echo.Context, err error, form users.User) error {
	var pe *users.PasswordError
	var ne *users.NameError
	switch {
	case errors.As(err, &pe), errors.As(err, &ne), errors.Is(err, users.ErrExists), strings.HasPrefix(err.Error(), "unknown role"):
		return h.renderUsers(c, http.StatusBadRequest, usersData{Error: err.Error(), Form: form})
	case errors.Is(err, users.ErrNotFound):
		return webkit.NotFound("err.userNotFound")
	}
	return webkit.Internal(err)
}

func (h *Handlers) userAddForm(c echo.Context) error {
	sa, err := h.users()
	if err != nil {
		return err
	}
	u := users.User{Name: c.FormValue("name"), DisplayName: strings.TrimSpace(c.FormValue("display")),
		Email: strings.TrimSpace(c.FormValue("email")), Role: role.Role(c.FormValue("role"))}
	nu, err := sa.Users.AddUser(c.Request().Context(), u, c.FormValue("password"))
	if err != nil {
		return h.userFormError(c, err, u)
	}
	h.log.Info("user added", "user", nu.Name, "role", nu.Role, "by", webkit.UserOf(c))
	return webkit.RedirectOK(c, "/amministrazione/utenti", "created")
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
	if err := sa.Users.SetDisabled(c.Request().Context(), name, disable); err != nil {
		return h.userFormError(c, err, users.User{})
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
	if err := sa.Users.SetPassword(c.Request().Context(), name, c.FormValue("password")); err != nil {
		return h.userFormError(c, err, users.User{})
	}
	h.log.Info("password reset", "user", name, "by", webkit.UserOf(c))
	return webkit.RedirectOK(c, "/amministrazione/utenti", "password")
}
