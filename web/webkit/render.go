package webkit

import (
	"bytes"
	"embed"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/internal/htmltext"
	"sportello/internal/role"
	"sportello/kb"
)

// The layout every page shares, the error page, and the assets every page links (the style
// sheet, the icon, the CSRF and common scripts). Each web subpackage embeds its own pages and
// assets beside its handlers.
var (
	//go:embed templates/*.html
	templateFS embed.FS
	//go:embed static
	staticFS embed.FS
)

// Static is the shared assets, under static/.
func Static() fs.FS { return staticFS }

// StaticHandler serves the files under static/ of each of fss at /static/NAME, the first that
// has the name winning.
func StaticHandler(fss ...fs.FS) echo.HandlerFunc {
	var subs []fs.FS
	for _, f := range fss {
		sub, err := fs.Sub(f, "static")
		if err != nil {
			panic(err) // the folders are embedded: they are there
		}
		subs = append(subs, sub)
	}
	return echo.WrapHandler(http.StripPrefix("/static/", http.FileServer(http.FS(unionFS(subs)))))
}

// unionFS is several file systems seen as one.
type unionFS []fs.FS

func (u unionFS) Open(name string) (fs.File, error) {
	for _, f := range u {
		if file, err := f.Open(name); err == nil {
			return file, nil
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// PageData is what every page template receives.
type PageData struct {
	Title string
	Role  role.Role
	Nav   string // the nav entry to mark as current
	// Canonical is the page's public URL when the server has a base URL, so that a page reached
	// through a proxy or an old address is indexed and shared under one name.
	Canonical string
	Data      any
}

// Site is what the pages of every subpackage share: the layout with its functions, the base
// URL, the logger.
type Site struct {
	BaseURL string
	log     *slog.Logger
	layout  *template.Template
	errors  *Pages
}

// NewSite parses the layout with the common template functions and layoutFuncs (the parts of
// the menu that depend on a subpackage's role lists).
func NewSite(baseURL string, log *slog.Logger, layoutFuncs template.FuncMap) *Site {
	if log == nil {
		log = slog.Default()
	}
	t := template.New("layout.html").Funcs(Funcs()).Funcs(layoutFuncs)
	s := &Site{BaseURL: baseURL, log: log, layout: template.Must(t.ParseFS(templateFS, "templates/layout.html"))}
	s.errors = s.Pages(templateFS, nil)
	return s
}

// Canonical is the public URL of path, or "" without a base URL.
func (s *Site) Canonical(path string) string {
	if s.BaseURL == "" {
		return ""
	}
	return strings.TrimSuffix(s.BaseURL, "/") + path
}

// Pages is a subpackage's page templates, each parsed with the layout.
type Pages struct {
	site  *Site
	pages map[string]*template.Template
}

// Pages parses every templates/*.html of fsys (but the layout) with the layout and funcs. A
// subpackage with a templates/layout.html of its own has its pages in that layout instead (the
// citizens' portal, in the public administration's design system); it may use the layout's
// functions and funcs. The templates are embedded, so a parse error is a programming error any
// test catches: it panics.
func (s *Site) Pages(fsys fs.FS, funcs template.FuncMap) *Pages {
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		panic(err)
	}
	p := &Pages{site: s, pages: map[string]*template.Template{}}
	own := slices.Contains(names, "templates/layout.html")
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t := template.Must(s.layout.Clone()).Funcs(funcs)
		if own {
			t = template.Must(t.ParseFS(fsys, "templates/layout.html"))
		}
		p.pages[base] = template.Must(t.ParseFS(fsys, n))
	}
	return p
}

// Site is the site the pages belong to.
func (p *Pages) Site() *Site { return p.site }

// Render writes page with status 200.
func (p *Pages) Render(c echo.Context, page string, d PageData) error {
	return p.RenderStatus(c, http.StatusOK, page, d)
}

// RenderStatus renders into a buffer first, so that a template error becomes a clean 500 rather
// than half a page.
func (p *Pages) RenderStatus(c echo.Context, status int, page string, d PageData) error {
	t, ok := p.pages[page]
	if !ok {
		return Internal(errUnknownPage(page))
	}
	d.Role = RoleOf(c)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", d); err != nil {
		p.site.log.Error("template failed", "page", page, "err", err)
		if page == "error" {
			return c.String(http.StatusInternalServerError, i18n.T("err.internal"))
		}
		return Internal(err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// Execute writes page with the layout to w, for d as it is (the role too).
func (p *Pages) Execute(w io.Writer, page string, d PageData) error {
	t, ok := p.pages[page]
	if !ok {
		return errUnknownPage(page)
	}
	return t.ExecuteTemplate(w, "layout.html", d)
}

// Fragment writes the template name of page alone, without the layout: a piece of a page a
// script inserts.
func (p *Pages) Fragment(c echo.Context, page, name string, data any) error {
	t, ok := p.pages[page]
	if !ok {
		return Internal(errUnknownPage(page))
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return Internal(err)
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// RenderError writes the Italian error page of he.
func (s *Site) RenderError(c echo.Context, he *HTTPError) error {
	return s.errors.RenderStatus(c, he.Status, "error", PageData{Title: i18n.T("err.title"), Data: he})
}

type errUnknownPage string

func (e errUnknownPage) Error() string { return "webkit: no template " + string(e) }

// Funcs are the template functions every page may use.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"t":           i18n.T,
		"tn":          i18n.N,
		"labels":      Labels,
		"safe":        Sanitize,
		"date":        FormatDate,
		"dateTime":    clock.DateTime,
		"timeSec":     clock.TimeSec,
		"status":      func(s kb.Status) string { return i18n.T("status." + string(s)) },
		"roleName":    func(r role.Role) string { return i18n.T("role." + string(r)) },
		"localID":     LocalID,
		"tel":         TelURL,
		"join":        strings.Join,
		"pillHref":    PillHref,
		"pillID":      PillID,
		"conceptHref": ConceptHref,
		"unitHref":    UnitHref,
		"npills":      func(n int) string { return i18n.N("pills", n) },
		"openStatus":  openStatusFunc,
		// The layout loads the contact center's notification script for the roles it names;
		// the server replaces this with web/contactcenter's list (NewSite's layoutFuncs).
		"contactNotify": func(role.Role) bool { return false },
	}
}

// Sanitize returns an answer as safe HTML (htmltext.Sanitize). Pills are sanitised when they are
// written too; doing it again when rendering means a pill that reached the store by another road
// (an RDF import, a bug) still cannot run script in an operator's browser.
func Sanitize(s string) template.HTML { return template.HTML(htmltext.Sanitize(s)) }

// Labels are the catalogue's texts under prefixes, for a script's JSON data block: the scripts
// hold no Italian text of their own.
func Labels(prefixes ...string) map[string]string {
	out := map[string]string{}
	for _, p := range prefixes {
		for k, v := range i18n.Prefixed(p) {
			out[k] = v
		}
	}
	return out
}

// TelURL is a tel: link for a phone number as written ("+39 0544 952110"). html/template
// refuses schemes other than http, https and mailto; keeping only digits and "+" makes this one
// safe to mark as a URL.
func TelURL(s string) template.URL {
	return template.URL("tel:" + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '+' {
			return r
		}
		return -1
	}, s))
}

// FormatDate writes the date of a time or a *time.Time the Italian way, in Rome (02/01/2006).
func FormatDate(v any) string {
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

// LocalID is the last segment of an IRI (after '/' or '#'): the id pages use in URLs.
func LocalID(iri string) string {
	if i := strings.LastIndexAny(iri, "/#"); i >= 0 && i < len(iri)-1 {
		return iri[i+1:]
	}
	return iri
}

// PillID is the id of a pill in URLs: its legacy code, or the last segment of its IRI.
func PillID(p kb.Pill) string {
	if p.Code != "" {
		return p.Code
	}
	return LocalID(p.IRI)
}

// Links to the pages of a pill, a concept and an office.
func PillHref(p kb.Pill) string     { return "/schede/" + url.PathEscape(PillID(p)) }
func ConceptHref(iri string) string { return "/concetti/" + url.PathEscape(LocalID(iri)) }
func UnitHref(iri string) string    { return "/rubrica/uffici/" + url.PathEscape(LocalID(iri)) }
