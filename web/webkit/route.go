package webkit

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"sportello/internal/role"
)

// Route is one entry of the route table: the only place where a path is bound to a handler,
// and where it says who may call it. A route with no roles is refused to everyone (deny by
// default). Each web subpackage lists its routes; package web registers them all in one table.
type Route struct {
	Method  string
	Path    string // echo syntax: /schede/:code
	Roles   []role.Role
	Handler echo.HandlerFunc
}

// Allows reports whether who may call the route.
func (rt Route) Allows(who role.Role) bool { return slices.Contains(rt.Roles, who) }

// Role lists for routes.
var (
	Everyone = role.All   // every caller, signed in or not
	Staff    = role.Staff // every signed-in role
)

// Context keys the authorize middleware sets.
const (
	ctxUser = "sportello.user"
	ctxRole = "sportello.role"
)

// SetCaller records who is calling, for the handlers (the authorize middleware calls it).
func SetCaller(c echo.Context, user string, who role.Role) {
	c.Set(ctxUser, user)
	c.Set(ctxRole, who)
}

// RoleOf is the caller's role as the middleware resolved it.
func RoleOf(c echo.Context) role.Role {
	if r, ok := c.Get(ctxRole).(role.Role); ok {
		return r
	}
	return role.Anonymous
}

// UserOf is the caller's user name; "" for the public.
func UserOf(c echo.Context) string {
	u, _ := c.Get(ctxUser).(string)
	return u
}

// FormBase is what every form needs: the session's CSRF token and the field that carries it.
type FormBase struct {
	CSRF, Field string
}

// FormOf returns the caller's CSRF token and field (no token without a session).
func FormOf(c echo.Context) FormBase {
	if sess := FromContext(c.Request().Context()); sess != nil {
		return FormBase{sess.CSRF, CSRFField}
	}
	return FormBase{Field: CSRFField}
}

// GET, POST and DELETE make the routes of a table: webkit.GET("/albero", webkit.Everyone, h.tree).
func GET(path string, roles []role.Role, h echo.HandlerFunc) Route {
	return Route{Method: http.MethodGet, Path: path, Roles: roles, Handler: h}
}

func POST(path string, roles []role.Role, h echo.HandlerFunc) Route {
	return Route{Method: http.MethodPost, Path: path, Roles: roles, Handler: h}
}

func DELETE(path string, roles []role.Role, h echo.HandlerFunc) Route {
	return Route{Method: http.MethodDelete, Path: path, Roles: roles, Handler: h}
}

func PUT(path string, roles []role.Role, h echo.HandlerFunc) Route {
	return Route{Method: http.MethodPut, Path: path, Roles: roles, Handler: h}
}
