package webkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
)

// HTTPError is an error with the status, a stable code for programs and an Italian message for
// people. The server's error handler renders it: JSON {"error", "code"} under /api/, an Italian
// page elsewhere.
type HTTPError struct {
	Status int
	Code   string
	Msg    string
	Err    error // the cause, logged, never shown
}

func (e *HTTPError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Code, e.Err)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Msg)
}

func (e *HTTPError) Unwrap() error { return e.Err }

// NotFound is a 404 with the catalogue's message key.
func NotFound(key string) error {
	return &HTTPError{Status: http.StatusNotFound, Code: "not_found", Msg: i18n.T(key)}
}

// BadRequest is a 400 with a code and an Italian message.
func BadRequest(code, text string) error {
	return &HTTPError{Status: http.StatusBadRequest, Code: code, Msg: text}
}

// Conflict is a 409 with a code and an Italian message.
func Conflict(code, text string) error {
	return &HTTPError{Status: http.StatusConflict, Code: code, Msg: text}
}

// Forbidden is a 403 with a code and an Italian message.
func Forbidden(code, text string) error {
	return &HTTPError{Status: http.StatusForbidden, Code: code, Msg: text}
}

// Internal is a 500: the cause is logged, the caller reads a generic Italian message.
func Internal(err error) error {
	return &HTTPError{Status: http.StatusInternalServerError, Code: "internal", Msg: i18n.T("err.internal"), Err: err}
}

// StoreErr maps a store error: kb.ErrNotFound is a 404 with the message of key, anything else
// 500.
func StoreErr(err error, key string) error {
	if errors.Is(err, kb.ErrNotFound) {
		return NotFound(key)
	}
	return Internal(err)
}

// As returns err as an *HTTPError: itself, echo's, or a 500.
func As(err error) *HTTPError {
	var he *HTTPError
	var ee *echo.HTTPError
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &ee):
		he = &HTTPError{Status: ee.Code, Code: "http_error", Msg: http.StatusText(ee.Code)}
		switch ee.Code {
		case http.StatusNotFound:
			he.Code, he.Msg = "not_found", i18n.T("err.notFound")
		case http.StatusMethodNotAllowed:
			he.Code, he.Msg = "method_not_allowed", i18n.T("err.methodNotAllowed")
		}
		return he
	}
	return Internal(err).(*HTTPError)
}

// WantsJSON reports whether the answer to r is JSON: the API, the health check, and clients that
// ask for JSON and not HTML.
func WantsJSON(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/api/") || p == "/api" || p == "/healthz" ||
		(strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Accept"), "text/html"))
}

// IntParam reads a non-negative integer query parameter; def when absent.
func IntParam(c echo.Context, name string, def int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, BadRequest("bad_parameter", i18n.T("err.badNumber", name))
	}
	return n, nil
}

// Download sets the headers of a file download named filename.
func Download(c echo.Context, filename string) {
	hdr := c.Response().Header()
	hdr.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", filename))
	hdr.Set("Cache-Control", "no-store")
}

// Deny is the refusal of the gate: 401 for a caller who has not signed in (signing in may
// help) and 403 otherwise.
func Deny(who role.Role) error {
	if who == role.Anonymous {
		return &HTTPError{Status: http.StatusUnauthorized, Code: "unauthorized", Msg: i18n.T("err.unauthorized")}
	}
	return &HTTPError{Status: http.StatusForbidden, Code: "forbidden", Msg: i18n.T("err.forbidden")}
}

// ReadJSON decodes a small JSON body (at most 64 KiB) into v; an empty body leaves v as it is.
func ReadJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, 64<<10))
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) { // an empty body is an empty object
		return BadRequest("bad_json", i18n.T("err.badJSON", err.Error()))
	}
	return nil
}
