// Package public is the citizens' own pages (TK-18): /richiesta, where anyone files a request and
// follows it with its number and the e-mail address given, and its JSON twin under
// /api/public/; the privacy notice (GDPR art. 13, /privacy) and the accessibility statement
// (AgID model, /accessibilita) linked from every page's footer. The requests are tickets of
// package ticketing, which holds the rules of consent and of the honeypot field.
package public

import (
	"embed"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/kb"
	"sportello/kb/search"
	"sportello/ticketing"
	"sportello/web/tickets"
	"sportello/web/webkit"
)

// Routes are the citizens' pages and API.
func (h *Handlers) Routes() []webkit.Route {
	rs := []webkit.Route{
		// own block and their own role walk, TestTicketRoutesRoles. /richiesta and /api/public/… are the
		webkit.GET("/richiesta", webkit.Everyone, h.requestPage),
		webkit.POST("/richiesta", webkit.Everyone, h.requestForm),
		webkit.GET("/richiesta/stato", webkit.Everyone, h.statusPage),
		webkit.POST("/api/public/requests", webkit.Everyone, h.apiSubmit),
		webkit.GET("/api/public/status", webkit.Everyone, h.apiStatus),
		webkit.GET("/privacy", webkit.Everyone, h.privacyPage),
		webkit.GET("/accessibilita", webkit.Everyone, h.accessibilityPage),
		webkit.GET("/note-legali", webkit.Everyone, h.legalPage),
	}
	return append(rs, h.portalRoutes()...)
}

// Config is what the legal pages name: the controller of the data (GDPR art. 13) and where
// to write. Empty fields read as neutral placeholders.
type Config struct {
	Controller string // the Administration's name
	Contact    string // an e-mail address for privacy questions and accessibility reports
}

// Handlers serve the citizens' pages; without a ticket store the request pages answer 404.
type Handlers struct {
	tickets *ticketing.Store
	know    *kb.Store     // the knowledge base, for the portal
	search  *search.Index // the portal's search (WithSearch); nil: none
	site    *webkit.Site
	pages   *webkit.Pages
	cfg     Config
	log     *slog.Logger
	// trapped counts the requests dropped by the honeypot since start, for the log.
	trapped atomic.Int64
}

//go:embed templates/*.html
var templates embed.FS

// The public pages' look is Bootstrap Italia, the public administration's design system (AgID),
// with its Titillium Web typeface: the files the pages use, vendored from the npm package (the
// folder's README and licences), are served from the binary under a path that names the version,
// so that a browser may keep them for a year (web.Server's static handler).
//
//go:embed static
var static embed.FS

// ItaliaVersion is the version of Bootstrap Italia under static/.
const ItaliaVersion = "2.18.3"

// ItaliaPath is where its files are served.
const ItaliaPath = "/static/bootstrap-italia-" + ItaliaVersion

// Static is the portal's assets, under static/.
func Static() fs.FS { return static }

// New returns the handlers of the citizens' pages.
func New(site *webkit.Site, store *kb.Store, tickets *ticketing.Store, cfg Config, log *slog.Logger) *Handlers {
	if log == nil {
		log = slog.Default()
	}
	if strings.TrimSpace(cfg.Controller) == "" {
		cfg.Controller = i18n.T("pub.controllerPlaceholder")
	}
	funcs := template.FuncMap{"portalHref": PortalHref, "eventHref": EventHref,
		"controller": func() string { return cfg.Controller }, "italia": func() string { return ItaliaPath }}
	return &Handlers{tickets: tickets, know: store, site: site, pages: site.Pages(templates, funcs), cfg: cfg, log: log}
}

// trap answers a request the honeypot caught like a success, with a decoy number, and
// counts it in the log: the bot learns nothing, the operators see the flood.
func (h *Handlers) trap(c echo.Context) string {
	n := h.trapped.Add(1)
	h.log.Info("public request dropped: honeypot field filled in", "dropped", n, "client", webkit.ClientAddr(c.Request()))
	return ticketing.DecoyRef()
}

// store returns the ticket store, or a 404 when the server runs without tickets.
func (h *Handlers) store() (*ticketing.Store, error) {
	if h.tickets == nil {
		return nil, webkit.NotFound("tk.absent")
	}
	return h.tickets, nil
}

// request is the body of POST /api/public/requests (TK-18).
type request struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	Subject     string `json:"subject"`
	Description string `json:"description"`
	// Consent is the tick beside the privacy notice (GDPR art. 13): required.
	Consent bool `json:"consent"`
	// Website is the honeypot: a person leaves it empty.
	Website string `json:"website,omitempty"`
}

// apiSubmit is POST /api/public/requests: anyone may file a request; the answer is only
// the number, never anything about the citizen record it was matched to.
func (h *Handlers) apiSubmit(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	var req request
	if err := tickets.BindJSON(c, &req); err != nil {
		return err
	}
	t, err := st.SubmitWeb(c.Request().Context(), ticketing.WebRequest{Name: req.Name, Email: req.Email,
		Phone: req.Phone, Subject: req.Subject, Description: req.Description, Consent: req.Consent, Trap: req.Website})
	if errors.Is(err, ticketing.ErrTrapped) {
		return c.JSON(http.StatusCreated, map[string]string{"number": h.trap(c), "state": ticketing.StateNew.Label()})
	}
	if err != nil {
		return tickets.Err(err)
	}
	return c.JSON(http.StatusCreated, map[string]string{"number": t.PublicRef, "state": t.State.Label()})
}

// Status is what the citizen may read of their request: number, state, dates and the
// steps' states, without names of staff or internal reasons.
type Status struct {
	Number  string    `json:"number"`
	State   string    `json:"state"`
	Subject string    `json:"subject,omitempty"`
	Created time.Time `json:"created"`
	Solved  time.Time `json:"solved,omitempty"`
	Steps   []step    `json:"steps"`
	// Answer and Messages are shown once the request is solved: the answer given and the
	// e-mails sent to the citizen (never internal notes).
	Answer   string                    `json:"answer,omitempty"`
	Messages []ticketing.PublicMessage `json:"messages"`
}

type step struct {
	At    time.Time `json:"at"`
	State string    `json:"state"`
}

func (h *Handlers) status(c echo.Context, number, email string) (*Status, error) {
	st, err := h.store()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(number) == "" || strings.TrimSpace(email) == "" {
		return nil, webkit.BadRequest("invalid", i18n.T("tk.public.both"))
	}
	v, err := st.PublicStatus(c.Request().Context(), number, email)
	if err != nil {
		if ticketing.HTTPStatus(err) == http.StatusNotFound {
			// The same answer for a wrong number and a wrong email: the page must not confirm
			// that a number exists to someone who does not know the address.
			return nil, &webkit.HTTPError{Status: http.StatusNotFound, Code: "not_found", Msg: i18n.T("tk.public.notFound")}
		}
		return nil, tickets.Err(err)
	}
	ps := &Status{Number: v.Ref, State: v.Label, Subject: v.Subject, Created: v.Created,
		Solved: v.Solved, Steps: []step{}, Answer: v.Answer, Messages: v.Messages}
	for _, e := range v.Steps {
		ps.Steps = append(ps.Steps, step{At: e.At, State: e.Label})
	}
	return ps, nil
}

// apiStatus is GET /api/public/status?number&email.
func (h *Handlers) apiStatus(c echo.Context) error {
	ps, err := h.status(c, c.QueryParam("number"), c.QueryParam("email"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ps)
}

// pageData is /richiesta: the form, the number just given, or a status.
type pageData struct {
	webkit.FormBase
	Done   string
	Error  string
	Fields map[string]string // the reason beside each refused field
	Legal  Config
	Form   request
	Number string
	Email  string
	Status *Status
}

// Accept is the file input's accept attribute: the kinds a public request may attach.
func (pageData) Accept() string { return strings.Join(ticketing.WebFileTypes, ",") }

// FileLimits are the attachments' limits, for the hint beside the file input: how many, how
// large each and in all (MB), which kinds.
func (pageData) FileLimits() []any {
	kinds := strings.ToUpper(strings.ReplaceAll(strings.Join(ticketing.WebFileTypes, ", "), ".", ""))
	return []any{ticketing.MaxWebFiles, ticketing.MaxWebFileBytes >> 20, ticketing.MaxWebTotalBytes >> 20, kinds}
}

// requestPage is the citizen's page (TK-18).
func (h *Handlers) requestPage(c echo.Context) error {
	if _, err := h.store(); err != nil {
		return err
	}
	d := &pageData{FormBase: webkit.FormOf(c), Legal: h.cfg}
	// Only a well-formed reference is shown back: the URL must not make the page say anything else.
	if n := c.QueryParam("numero"); n != "" {
		if _, key, ok := ticketing.ParseRef(n); ok && key != "" {
			d.Done = strings.ToUpper(strings.TrimSpace(n))
		}
	}
	return h.pages.Render(c, "request", webkit.PageData{Title: i18n.T("tk.public.title"), Nav: "request", Data: d})
}

// requestForm files the request and shows its number; invalid input shows the form again
// with what the citizen typed and the reason.
func (h *Handlers) requestForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	form := request{Name: c.FormValue("name"), Email: c.FormValue("email"), Phone: c.FormValue("phone"),
		Subject: c.FormValue("subject"), Description: c.FormValue("description"),
		Consent: c.FormValue("consent") != "", Website: c.FormValue("website")}
	t, err := st.SubmitWeb(c.Request().Context(), ticketing.WebRequest{Name: form.Name, Email: form.Email,
		Phone: form.Phone, Subject: form.Subject, Description: form.Description, Consent: form.Consent, Trap: form.Website,
		Files: webFiles(c)})
	if errors.Is(err, ticketing.ErrTrapped) {
		return c.Redirect(http.StatusSeeOther, "/richiesta?numero="+url.QueryEscape(h.trap(c)))
	}
	if err != nil {
		he, ok := tickets.Err(err).(*webkit.HTTPError)
		if !ok || he.Status != http.StatusBadRequest {
			return tickets.Err(err)
		}
		d := &pageData{FormBase: webkit.FormOf(c), Error: he.Msg, Form: form, Fields: ticketing.Fields(err), Legal: h.cfg}
		return h.pages.RenderStatus(c, http.StatusBadRequest, "request", webkit.PageData{Title: i18n.T("tk.public.title"), Nav: "request", Data: d})
	}
	return c.Redirect(http.StatusSeeOther, "/richiesta?numero="+url.QueryEscape(t.PublicRef))
}

// webFiles are the files of the form's "allegati" field (the server's body limit has parsed
// the form, with the files beyond a small size in temporary files it removes afterwards). A
// file input left empty sends one part without a name: it is no attachment.
func webFiles(c echo.Context) []ticketing.WebFile {
	mf := c.Request().MultipartForm
	if mf == nil {
		return nil
	}
	var out []ticketing.WebFile
	for _, fh := range mf.File["allegati"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		out = append(out, ticketing.WebFile{Name: fh.Filename, Open: func() (io.ReadCloser, error) { return fh.Open() }})
	}
	return out
}

// statusPage is GET /richiesta/stato?numero&email.
func (h *Handlers) statusPage(c echo.Context) error {
	d := &pageData{FormBase: webkit.FormOf(c), Number: c.QueryParam("numero"), Email: c.QueryParam("email"), Legal: h.cfg}
	ps, err := h.status(c, d.Number, d.Email)
	status := http.StatusOK
	if err != nil {
		he, ok := err.(*webkit.HTTPError)
		if !ok || (he.Status != http.StatusNotFound && he.Status != http.StatusBadRequest) || he.Code == "not_found" && h.tickets == nil {
			return err
		}
		d.Error, status = he.Msg, he.Status
	}
	d.Status = ps
	return h.pages.RenderStatus(c, status, "request", webkit.PageData{Title: i18n.T("tk.public.status"), Nav: "request", Data: d})
}

// privacyPage is the privacy notice (GDPR art. 13) of the requests and of the site.
func (h *Handlers) privacyPage(c echo.Context) error {
	return h.pages.Render(c, "privacy", webkit.PageData{Title: i18n.T("pub.privacy.title"), Nav: "privacy", Data: h.cfg})
}

// accessibilityPage is the accessibility statement, after AgID's model: compliance status,
// how to report a problem, the date it was drawn up.
func (h *Handlers) accessibilityPage(c echo.Context) error {
	return h.pages.Render(c, "accessibility", webkit.PageData{Title: i18n.T("pub.a11y.title"), Nav: "accessibility",
		Data: struct {
			Config
			Date time.Time
		}{h.cfg, StatementDate}})
}

// legalPage is the legal notes: who publishes the site, the licence of its content and data,
// the limits of responsibility.
func (h *Handlers) legalPage(c echo.Context) error {
	return h.pages.Render(c, "legal", webkit.PageData{Title: i18n.T("pub.legal.title"), Nav: "legal", Data: h.cfg})
}

// StatementDate is when the accessibility statement was last drawn up: the day the automated
// sweep of every page and role (axe-core in Chromium, reflow at 320 px, keyboard paths) was
// last reviewed by hand. Change it with the statement.
var StatementDate = time.Date(2026, time.December, 3, 0, 0, 0, 0, time.UTC)
