package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/ingest"
	"sportello/internal/role"
	"sportello/kb/linkeddata"
	"sportello/ticketing"
	"sportello/web/semantic"
	"sportello/web/webkit"
)

// Bounded work for every input: the size of each request's body, its query string, and the
// temporary files of multipart forms.
//
//   - Every body has a limit by route (bodyLimits: the import's limit for workbook uploads, the
//     attachment or recording limit plus a margin for files, DefaultBodyLimit for everything
//     else — forms and JSON). A declared Content-Length over it is refused before a byte is
//     read; a chunked body is cut at the limit. Either way the answer is 413 with an Italian
//     message naming the limit.
//   - Forms (urlencoded and multipart) are parsed here, once, before any handler or the CSRF
//     check reads them, with 256 KiB of file data in memory at most: a larger file goes to a
//     temporary file, so memory stays flat whatever the upload. Every temporary file is removed
//     when the request ends, whoever parsed the form (net/http removes only those of the
//     request it created, and the middlewares hand copies of it down).
//   - A query string longer than MaxQueryBytes is refused with 414; the HTTP server bounds the
//     headers to 64 KiB. A search longer than MaxSearchChars is refused with 400 before the
//     index sees it (the campaign's 10,000-character query took 985 MiB).
//   - Every list's page: a ?limit= above webkit.MaxPage is cut to it here, for every route
//     at once, so that no list answers an unbounded page whatever its handler does.

// DefaultBodyLimit is the body limit of a route without one of its own: forms and JSON. The
// largest legitimate one is a public request with a 65,536-character description, which
// URL-encoding can make 786 KiB.
const DefaultBodyLimit = 1 << 20

// MaxQueryBytes bounds a URL's query string: search terms, filters and paging fit many times
// over.
const MaxQueryBytes = 4096

// MaxSearchChars bounds a search's text: a question typed or pasted by an operator or a
// citizen is a few words, rarely a paragraph.
const MaxSearchChars = 500

// searchRoutes are the routes whose ?q= is a search of the index.
var searchRoutes = map[string]bool{"GET /cerca": true, "GET /api/search": true, "HEAD /cerca": true, "HEAD /api/search": true}

// MaxSafeBody bounds the body of a GET or HEAD, which no handler reads.
const MaxSafeBody = 64 << 10

// multipartMemory is how much of a multipart form's files is kept in memory; the rest goes to
// temporary files (removed at the end of the request).
const multipartMemory = 256 << 10

// bodyLimit is a route's limit: the body's, and for an upload the file's, which the refusal
// names (a user knows the size of the file, not of the request).
type bodyLimit struct {
	body, file int64
}

// multipartOnly are the routes whose own limit is for multipart bodies only (their files go to
// temporary files): any other body there has DefaultBodyLimit, since it is read into memory.
var multipartOnly = map[string]bool{"POST /richiesta": true}

// refusal is the 413 of l.
func (l bodyLimit) refusal() error {
	if l.file > 0 {
		return &webkit.HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Msg: i18n.T("err.fileTooLarge", webkit.Size(l.file))}
	}
	return webkit.TooLarge(l.body)
}

// bodyLimits are the routes ("METHOD /path") whose bodies may exceed DefaultBodyLimit: uploads
// of workbooks, attachments and recordings.
func (s *Server) bodyLimits() map[string]bodyLimit {
	attach := s.cfg.AttachmentMaxBytes
	if attach <= 0 {
		attach = 10 << 20
	}
	recording := int64(16 << 20)
	if t := s.deps.Telephony; t != nil && t.AnnouncementBytes > 0 {
		recording = t.AnnouncementBytes
	}
	const margin = 1 << 20 // the other fields and the multipart framing
	return map[string]bodyLimit{
		"POST /importa":                     {ingest.MaxUploadBytes + margin, ingest.MaxUploadBytes},
		"POST /ticket/:number/allegati":     {attach + margin, attach},
		"POST /api/tickets/:id/attachments": {attach + margin, attach},
		"POST /annunci":                     {recording + margin, recording},
		// The public request form's attachments (ticketing checks count, sizes and kinds).
		"POST /richiesta": {ticketing.MaxWebTotalBytes + margin, 0},
		// A backup holds every recording: the announcements page allows 64 at the limit.
		"POST /annunci/ripristina": {64 * (recording + 64<<10), 64 * (recording + 64<<10)},
		// The Graph Store's documents (SPARQL 1.1 Graph Store HTTP Protocol): the body is the file.
		"PUT " + semantic.GraphStorePath:  {linkeddata.MaxGraphBytes, linkeddata.MaxGraphBytes},
		"POST " + semantic.GraphStorePath: {linkeddata.MaxGraphBytes, linkeddata.MaxGraphBytes},
	}
}

// limitOf returns the limit of the route c matched.
func (s *Server) limitOf(c echo.Context) bodyLimit {
	if l, ok := s.limits[c.Request().Method+" "+c.Path()]; ok {
		if multipartOnly[c.Request().Method+" "+c.Path()] && !strings.HasPrefix(c.Request().Header.Get("Content-Type"), "multipart/form-data") {
			return bodyLimit{body: DefaultBodyLimit}
		}
		return l
	}
	return bodyLimit{body: DefaultBodyLimit}
}

// tripReader is http.MaxBytesReader that remembers it refused, so that a handler's own error
// ("bad JSON") becomes the 413 it really is.
type tripReader struct {
	io.ReadCloser
	tripped atomic.Bool
}

func (t *tripReader) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if err != nil && errors.As(err, &mbe) {
		t.tripped.Store(true)
	}
	return n, err
}

// limitBodies is the middleware of the limits above. It runs after routing (the limit is the
// route's) and before the session middleware (which reads forms for the CSRF token).
func (s *Server) limitBodies(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if len(r.URL.RawQuery) > MaxQueryBytes {
			s.refused(c, "query too long", "length", len(r.URL.RawQuery))
			return &webkit.HTTPError{Status: http.StatusRequestURITooLong, Code: "uri_too_long", Msg: i18n.T("err.uriTooLong", MaxQueryBytes)}
		}
		if r.URL.RawQuery != "" {
			q := r.URL.Query()
			if searchRoutes[r.Method+" "+c.Path()] && utf8.RuneCountInString(q.Get("q")) > MaxSearchChars {
				s.refused(c, "search too long", "chars", utf8.RuneCountInString(q.Get("q")))
				return webkit.BadRequest("query_too_long", i18n.T("err.searchTooLong", MaxSearchChars))
			}
			if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > webkit.MaxPage {
				q.Set("limit", strconv.Itoa(webkit.MaxPage))
				// Nothing has read the query yet (echo caches it on first use): handlers see this one.
				r.URL.RawQuery = q.Encode()
			}
		}
		lim := s.limitOf(c)
		limit := lim.body
		if r.ContentLength > limit {
			s.refused(c, "body too large", "limit", limit, "length", r.ContentLength)
			return lim.refusal()
		}
		if !webkit.Unsafe(r.Method) {
			// A GET or HEAD carries its input in the URL; a body is read by nobody, and one
			// larger than MaxSafeBody is refused rather than left for the connection to drain.
			if r.ContentLength != 0 && r.Body != nil {
				n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, MaxSafeBody+1))
				if n > MaxSafeBody {
					s.refused(c, "body too large", "limit", MaxSafeBody)
					return webkit.TooLarge(MaxSafeBody)
				}
			}
			return next(c)
		}
		body := &tripReader{ReadCloser: http.MaxBytesReader(c.Response(), r.Body, limit)}
		r.Body = body
		defer removeTempFiles(r, c)
		if err := readBody(r); err != nil {
			if body.tripped.Load() {
				s.refused(c, "body too large", "limit", limit)
				return lim.refusal()
			}
			return webkit.BadRequest("bad_form", i18n.T("err.badForm"))
		}
		err := next(c)
		if body.tripped.Load() && !c.Response().Committed {
			s.refused(c, "body too large", "limit", limit)
			return lim.refusal()
		}
		return err
	}
}

// readBody reads the body of a request that changes something, whole, before any handler:
// a form is parsed (files past multipartMemory into temporary files), anything else (JSON, the
// CTI webhook's form it parses itself) is kept in memory for the handler — at most the route's
// limit, which is small for everything but uploads, and uploads are multipart. Reading it here
// makes every refusal the same 413, whatever the handler would have done with the body.
func readBody(r *http.Request) error {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && ct == "multipart/form-data" {
		return r.ParseMultipartForm(multipartMemory)
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	if ct == "application/x-www-form-urlencoded" {
		err = r.ParseForm()
		// Some handlers read the raw body (the CTI webhook parses it itself): put it back.
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	return err
}

// removeTempFiles removes the temporary files of the multipart form of r and of the request c
// ends with (a middleware or handler may have replaced it with a copy that parsed on its own).
func removeTempFiles(r *http.Request, c echo.Context) {
	if r.MultipartForm != nil {
		r.MultipartForm.RemoveAll()
	}
	if cr := c.Request(); cr != r && cr.MultipartForm != nil && cr.MultipartForm != r.MultipartForm {
		cr.MultipartForm.RemoveAll()
	}
}

// refused logs a refusal at the level that helps spot a flood without one line per request.
func (s *Server) refused(c echo.Context, what string, attrs ...any) {
	if ok, _ := s.refusalLog.Allow(what); !ok {
		return
	}
	r := c.Request()
	s.log.Warn("request refused: "+what, append([]any{"method", r.Method, "path", r.URL.Path, "client", webkit.ClientAddr(r)}, attrs...)...)
}

// personalPrefixes are the paths whose answers carry personal data even for the public: the
// citizen's request and its status.
var personalPrefixes = []string{"/richiesta", "/api/public/"}

// personal reports whether the answer to c is for a signed-in caller or carries personal data.
func personal(c echo.Context) bool {
	if webkit.UserOf(c) != "" || webkit.RoleOf(c) != role.Anonymous || webkit.FromContext(c.Request().Context()) != nil {
		return true
	}
	for _, p := range personalPrefixes {
		if strings.HasPrefix(c.Request().URL.Path, p) {
			return true
		}
	}
	return false
}

// noStore tells browsers and proxies not to keep a copy of an answer for a signed-in caller or
// with personal data (tickets, citizens, accounts, the audit log are all behind a session): a
// shared computer at a counter must not show the next person the last one's pages from its
// cache. Assets set their own caching afterwards.
func (s *Server) noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if personal(c) {
			c.Response().Header().Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}
