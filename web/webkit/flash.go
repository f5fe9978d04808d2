package webkit

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
)

// Flash messages: after a form, a handler redirects (303) to a page with the outcome in the
// query string — ?ok=KEY or ?errore=KEY — and the page shows the catalogue's text for that key.
// Only keys travel in the URL, never text: a crafted link can choose among the page's own
// messages and nothing else (an unknown key shows nothing), so nobody can make Sportello's
// pages say "call this number" by sending an operator a link.

// Query parameters of the outcome.
const (
	FlashOK    = "ok"
	FlashError = "errore"
)

// ctxFailed marks a request whose handler reported a failure through RedirectError, so that the
// audit log does not record a 303 after a refused operation as an act done.
const ctxFailed = "sportello.failed"

// RedirectOK sends the browser to path (which may carry its own query) with ?ok=key.
func RedirectOK(c echo.Context, path, key string) error {
	return redirectFlash(c, path, FlashOK, key)
}

// RedirectError sends the browser to path with ?errore=key, and marks the request as failed.
func RedirectError(c echo.Context, path, key string) error {
	c.Set(ctxFailed, true)
	return redirectFlash(c, path, FlashError, key)
}

// Failed reports whether the handler reported a failure with RedirectError.
func Failed(c echo.Context) bool {
	f, _ := c.Get(ctxFailed).(bool)
	return f
}

func redirectFlash(c echo.Context, path, param, key string) error {
	u, err := url.Parse(path)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return Internal(err)
	}
	q := u.Query()
	q.Set(param, key)
	u.RawQuery = q.Encode()
	return c.Redirect(http.StatusSeeOther, u.String())
}

// Flash returns the texts of the outcome the URL names: the catalogue's prefix+"ok."+KEY for
// ?ok=KEY and prefix+"err."+KEY for ?errore=KEY. A key that is not a plain word, or that the
// catalogue does not have under prefix, is ignored: "" comes back.
func Flash(c echo.Context, prefix string) (ok, bad string) {
	return flashText(prefix+"ok.", c.QueryParam(FlashOK)), flashText(prefix+"err.", c.QueryParam(FlashError))
}

func flashText(prefix, key string) string {
	if !FlashKey(key) || !i18n.Has(prefix+key) {
		return ""
	}
	return i18n.T(prefix + key)
}

// FlashKey reports whether key may name a message: 1 to 40 letters, digits, '-' or '_'.
func FlashKey(key string) bool {
	if key == "" || len(key) > 40 {
		return false
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
