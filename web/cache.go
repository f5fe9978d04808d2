package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// Public pages are cacheable (KB-5, the citizens' portal): an anonymous GET or HEAD of an HTML
// page answered 200 gets an ETag — a hash of the page — and a short public Cache-Control, and a
// request whose If-None-Match names the current ETag is answered 304 without the body. The
// page is still rendered (its ETag is its content, so a changed pill changes it at once, with
// nothing to invalidate); what is saved is the transfer and the browser's work.
//
// What is not cached: anything for a signed-in caller or with personal data (personal, the
// same predicate as noStore, which keeps winning), an answer that sets a cookie or its own
// Cache-Control (assets, exports), anything but 200 text/html, a page larger than
// maxETagBody or flushed while written (those pass through as they come, streaming intact).

// PublicMaxAge is how long a browser or a proxy may reuse a public page without asking again.
const PublicMaxAge = "public, max-age=60"

// maxETagBody bounds the page held in memory to hash; a larger one streams without an ETag.
const maxETagBody = 1 << 20

// cacheAnonymous is the middleware of the rule above; it runs after noStore.
func (s *Server) cacheAnonymous(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || personal(c) {
			return next(c)
		}
		res := c.Response()
		orig := res.Writer
		w := &etagWriter{ResponseWriter: orig, req: r}
		res.Writer = w
		err := next(c)
		w.finish()
		res.Writer = orig // an error page is written after the middlewares return, uncached
		return err
	}
}

// etagWriter holds a 200 text/html answer until the handler is done, then sends it with its
// ETag, or 304; anything else passes through.
type etagWriter struct {
	http.ResponseWriter
	req     *http.Request
	status  int  // the status held; 0: nothing written yet
	through bool // passing through: not a cacheable answer, or too large, or flushed
	buf     bytes.Buffer
}

func (w *etagWriter) cacheable(code int) bool {
	h := w.Header()
	return code == http.StatusOK && strings.HasPrefix(h.Get("Content-Type"), "text/html") &&
		h.Get("Set-Cookie") == "" && h.Get("Cache-Control") == "" && h.Get("ETag") == ""
}

func (w *etagWriter) WriteHeader(code int) {
	if w.status != 0 || w.through {
		return
	}
	if !w.cacheable(code) {
		w.through = true
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
}

func (w *etagWriter) Write(b []byte) (int, error) {
	if w.status == 0 && !w.through {
		w.WriteHeader(http.StatusOK)
	}
	if w.through {
		return w.ResponseWriter.Write(b)
	}
	if w.buf.Len()+len(b) > maxETagBody {
		w.release()
		return w.ResponseWriter.Write(b)
	}
	return w.buf.Write(b)
}

// Flush is a streaming answer: what is held goes out and the rest passes through.
func (w *etagWriter) Flush() {
	if w.status != 0 && !w.through {
		w.release()
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *etagWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// release sends what is held without an ETag and passes the rest through.
func (w *etagWriter) release() {
	w.through = true
	w.ResponseWriter.WriteHeader(w.status)
	w.ResponseWriter.Write(w.buf.Bytes())
	w.buf.Reset()
}

// finish sends the held page with its ETag and Cache-Control, or 304 when the browser has it.
func (w *etagWriter) finish() {
	if w.through || w.status == 0 {
		return
	}
	w.through = true
	sum := sha256.Sum256(w.buf.Bytes())
	tag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	h := w.Header()
	h.Set("ETag", tag)
	h.Set("Cache-Control", PublicMaxAge)
	// The same URL answers a signed-in caller differently (and never from a cache).
	h.Add("Vary", "Cookie")
	if matches(w.req.Header.Get("If-None-Match"), tag) {
		h.Del("Content-Length")
		h.Del("Content-Type")
		w.ResponseWriter.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(w.buf.Len()))
	w.ResponseWriter.WriteHeader(w.status)
	w.ResponseWriter.Write(w.buf.Bytes())
}

// matches reports whether an If-None-Match header names tag (weak comparison, RFC 9110 13.1.2).
func matches(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == tag || t == "*" {
			return true
		}
	}
	return false
}
