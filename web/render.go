package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/internal/htmltext"
	"sportello/internal/role"
	"sportello/kb"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// sanitize returns an answer as safe HTML (htmltext.Sanitize). Pills are sanitised when they
// are written too; doing it again when rendering means a pill that reached the store by another
// road (an RDF import, a bug) still cannot run script in an operator's browser.
func sanitize(s string) template.HTML { return template.HTML(htmltext.Sanitize(s)) }

type pageTemplate struct{ t *template.Template }

// pageData is what every page template receives.
type pageData struct {
	Title string
	Role  role.Role
	Nav   string // the nav entry to mark as current
	// Canonical is the page's public URL when Config.BaseURL is set, so that a page reached
	// through a proxy or an old address is indexed and shared under one name.
	Canonical string
	Data      any
}

var funcs = template.FuncMap{
	"t":           i18n.T,
	"tn":          i18n.N,
	"labels":      labels,
	"safe":        sanitize,
	"date":        formatDate,
	"dateTime":    clock.DateTime,
	"timeSec":     clock.TimeSec,
	"status":      func(s kb.Status) string { return i18n.T("status." + string(s)) },
	"roleName":    func(r role.Role) string { return i18n.T("role." + string(r)) },
	"localID":     localID,
	"tel":         telURL,
	"join":        strings.Join,
	"pillHref":    pillHref,
	"pillID":      pillID,
	"conceptHref": conceptHref,
	"unitHref":    unitHref,
	"npills":      npills,
}

// labels are the catalogue's texts under prefixes, for a script's JSON data block: the scripts
// hold no Italian text of their own.
func labels(prefixes ...string) map[string]string {
	out := map[string]string{}
	for _, p := range prefixes {
		for k, v := range i18n.Prefixed(p) {
			out[k] = v
		}
	}
	return out
}

// npills is "1 scheda", "3 schede".
func npills(n int) string {
	return i18n.N("pills", n)
}

// telURL is a tel: link for a phone number as written ("+39 0544 952110"). html/template
// refuses schemes other than http, https and mailto; keeping only digits and "+" makes this one
// safe to mark as a URL.
func telURL(s string) template.URL { return template.URL("tel:" + strings.Map(telRune, s)) }

func telRune(r rune) rune {
	if r >= '0' && r <= '9' || r == '+' {
		return r
	}
	return -1
}

// formatDate writes the date of a time or a *time.Time the Italian way, in Rome (02/01/2006).
func formatDate(v any) string {
	switch d := v.(type) {
	case time.Time:
		return clock.Date(d)
	case *time.Time:
		if d != nil {
			return clock.Date(*d)
		}
	}
	return ""
}

// mustParsePages parses each page together with the layout. The templates are embedded, so a
// parse error is a programming error caught by any test.
func mustParsePages() map[string]*pageTemplate {
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*pageTemplate{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t := template.Must(template.Must(layout.Clone()).ParseFS(templateFS, n))
		pages[base] = &pageTemplate{t}
	}
	return pages
}

// render writes page with status 200.
func (s *Server) render(c echo.Context, page string, d pageData) error {
	return s.renderStatus(c, http.StatusOK, page, d)
}

// renderStatus renders into a buffer first, so that a template error becomes a clean 500
// rather than half a page.
func (s *Server) renderStatus(c echo.Context, status int, page string, d pageData) error {
	p, ok := s.pages[page]
	if !ok {
		return internal(errUnknownPage(page))
	}
	d.Role = roleOf(c)
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, "layout.html", d); err != nil {
		s.log.Error("template failed", "page", page, "err", err)
		if page == "error" {
			return c.String(http.StatusInternalServerError, i18n.T("err.internal"))
		}
		return internal(err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

type errUnknownPage string

func (e errUnknownPage) Error() string { return "web: no template " + string(e) }

// localID is the last segment of an IRI (after '/' or '#'): the id pages use in URLs.
func localID(iri string) string {
	if i := strings.LastIndexAny(iri, "/#"); i >= 0 && i < len(iri)-1 {
		return iri[i+1:]
	}
	return iri
}
