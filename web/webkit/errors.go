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

// MaxJSON bounds a JSON body ReadJSON reads; the server's body limit of the route (1 MiB for
// JSON) usually refuses it first, with a 413.
const MaxJSON = 1 << 20

// ReadJSON decodes a JSON body (at most MaxJSON) into v; an empty body leaves v as it is.
func ReadJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, MaxJSON))
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) { // an empty body is an empty object
		return BadRequest("bad_json", i18n.T("err.badJSON", err.Error()))
	}
	return nil
}

// TooLarge is a 413: the request's body is over limit bytes.
func TooLarge(limit int64) error {
	return &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Msg: i18n.T("err.tooLarge", Size(limit))}
}

// Size writes a byte count for people: "64 KiB", "10 MiB", "1,5 MiB".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<20:
		return strings.Replace(strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64), ".", ",", 1) + " MiB"
	case n >= 1<<10:
		return strconv.FormatInt((n+1<<10-1)>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " byte"
}

// MaxPage is the largest page of any list the server answers: a client asking for more gets
// this many (and the answer says so where the list reports its limit).
const MaxPage = 1000

// Page reads ?limit= and ?offset=: def when limit is absent, and a limit above max is cut to
// max — asking for "everything" gets the largest page, never an unbounded one. max 0 means
// MaxPage.
func Page(c echo.Context, def, max int) (limit, offset int, err error) {
	if max <= 0 {
		max = MaxPage
	}
	if limit, err = IntParam(c, "limit", def); err != nil {
		return 0, 0, err
	}
	if offset, err = IntParam(c, "offset", 0); err != nil {
		return 0, 0, err
	}
	return min(limit, max), offset, nil
}
