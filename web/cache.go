package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Public pages are cacheable (KB-5, the citizens' portal): an anonymous GET or HEAD of an HTML
// page answered 200 gets an ETag — a hash of the page — and a short public Cache-Control, and a
// request whose If-None-Match names the current ETag is answered 304 without the body.
//
// The portal's pages (portalPaths) are also kept here, rendered, with their ETag: each is
// rendered once per state of the knowledge base (kb.Store.Generation, bumped by every
// committed write and once more when the search index has followed it) and at most every
// pageTTL (what depends on the clock: a pill's validity, an office open now), and answered —
// 200 or 304 — without rendering while both hold. Concurrent visitors of a page not kept yet
// wait for the one rendering it. The portal is the site's most visited part: rendering its
// home counts every life event's pills, over a second under load (README, performance). Other
// anonymous pages are rendered each time and only hashed; their ETag is still their content.
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
		var keep func(*keptPage)
		if s.pages != nil && portalPath(r.URL.Path) {
			e, fresh := s.pages.get(r.Context(), r.URL.RequestURI(), s.generation())
			if e != nil && !fresh {
				e.serve(c)
				return nil
			}
			if e != nil { // this request renders the page; the others wait for it
				keep = func(k *keptPage) { s.pages.fill(e, k) }
				defer s.pages.fill(e, nil) // not kept (an error, not 200): the waiters render
			}
		}
		res := c.Response()
		orig := res.Writer
		w := &etagWriter{ResponseWriter: orig, req: r, keep: keep}
		res.Writer = w
		err := next(c)
		w.finish()
		res.Writer = orig // an error page is written after the middlewares return, uncached
		return err
	}
}

// generation is the knowledge base's state (kb.Store.Generation); 0 without one.
func (s *Server) generation() uint64 {
	if s.store == nil {
		return 0
	}
	return s.store.Generation()
}

// portalPaths are the pages kept rendered: the portal and the legal pages, whose content is
// the knowledge base's published part and the clock, the same for every anonymous visitor.
var portalPaths = []string{"/servizi", "/privacy", "/accessibilita", "/note-legali"}

func portalPath(p string) bool {
	for _, pre := range portalPaths {
		if p == pre || strings.HasPrefix(p, pre+"/") {
			return true
		}
	}
	return false
}

// Bounds of the kept pages: how long one is reused at most, how many are kept and their bytes
// (each at most maxETagBody). Search pages are one per query: past the bounds the stale and
// then arbitrary ones go.
const (
	pageTTL      = 30 * time.Second
	maxKeptPages = 2000
	maxKeptBytes = 32 << 20
)

// keptPage is a rendered page: what the handler set in the header, the body and its ETag.
type keptPage struct {
	header http.Header
	body   []byte
	tag    string
}

// pageEntry is a page kept, or being rendered (ready open) for a generation.
type pageEntry struct {
	uri   string
	gen   uint64
	until time.Time
	ready chan struct{} // closed once page is set, or once the rendering gave nothing to keep
	page  *keptPage
}

// pageCache keeps the portal's rendered pages by URL.
type pageCache struct {
	mu      sync.Mutex
	entries map[string]*pageEntry
	bytes   int
	now     func() time.Time
}

func newPageCache() *pageCache {
	return &pageCache{entries: map[string]*pageEntry{}, now: time.Now}
}

// get returns the entry of uri for generation gen. fresh means the caller renders the page
// and fills the entry (fill); otherwise the entry holds the page. nil: render without keeping
// (the one rendering gave nothing to keep, or the request ended while waiting).
func (pc *pageCache) get(ctx context.Context, uri string, gen uint64) (e *pageEntry, fresh bool) {
	pc.mu.Lock()
	e = pc.entries[uri]
	if e == nil || e.gen != gen || (e.page != nil && !pc.now().Before(e.until)) {
		if e != nil && e.page != nil {
			pc.bytes -= len(e.page.body)
		}
		e = &pageEntry{uri: uri, gen: gen, ready: make(chan struct{})}
		pc.entries[uri] = e
		pc.mu.Unlock()
		return e, true
	}
	pc.mu.Unlock()
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, false
	}
	if e.page == nil {
		return nil, false
	}
	return e, false
}

// fill keeps page k in e (nil: nothing to keep) and wakes the waiters; only the first call
// counts.
func (pc *pageCache) fill(e *pageEntry, k *keptPage) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	select {
	case <-e.ready:
		return
	default:
	}
	kept := pc.entries[e.uri] == e // not replaced by a newer generation meanwhile
	switch {
	case k == nil && kept:
		delete(pc.entries, e.uri)
	case k != nil:
		e.page, e.until = k, pc.now().Add(pageTTL)
		if kept {
			pc.bytes += len(k.body)
			pc.trim(e)
		}
	}
	close(e.ready)
}

// trim drops pages past the bounds, stale ones first, never keep. It runs under mu.
func (pc *pageCache) trim(keep *pageEntry) {
	if len(pc.entries) <= maxKeptPages && pc.bytes <= maxKeptBytes {
		return
	}
	now := pc.now()
	for _, staleOnly := range []bool{true, false} {
		for uri, x := range pc.entries {
			if len(pc.entries) <= maxKeptPages && pc.bytes <= maxKeptBytes {
				return
			}
			if x == keep || x.page == nil || (staleOnly && now.Before(x.until)) {
				continue
			}
			pc.bytes -= len(x.page.body)
			delete(pc.entries, uri)
		}
	}
}

// serve answers from a kept page, 304 when the browser has it.
func (e *pageEntry) serve(c echo.Context) {
	h := c.Response().Header()
	for k, v := range e.page.header {
		h[k] = v
	}
	if matches(c.Request().Header.Get("If-None-Match"), e.page.tag) {
		h.Del("Content-Length")
		h.Del("Content-Type")
		c.Response().WriteHeader(http.StatusNotModified)
		return
	}
	c.Response().WriteHeader(http.StatusOK)
	c.Response().Write(e.page.body)
}

// etagWriter holds a 200 text/html answer until the handler is done, then sends it with its
// ETag, or 304; anything else passes through.
type etagWriter struct {
	http.ResponseWriter
	req     *http.Request
	status  int  // the status held; 0: nothing written yet
	through bool // passing through: not a cacheable answer, or too large, or flushed
	buf     bytes.Buffer
	keep    func(*keptPage) // given the page with its ETag when it is cacheable (pageCache)
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
	if w.keep != nil {
		k := &keptPage{header: h.Clone(), body: bytes.Clone(w.buf.Bytes()), tag: tag}
		k.header.Set("Content-Length", strconv.Itoa(len(k.body)))
		w.keep(k)
	}
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
