// Package reports is the web side of the contract's service levels (SLA-1…SLA-8): the
// statistics page for any period with its saved views, exports (CSV, JSON, Asterisk
// queue_log) and the Erlang C calculator (stats.go); the monthly and bi-monthly report page
// with the contract manager's note, printing, the Excel download, the e-mail settings, "send
// now" and the reports sent (report.go); the supervisor's charts of the day (today.go).
//
// Every figure comes from package sla (one definition of every figure): a handler reads the
// request, calls one sla method and renders the answer. sla.ErrInvalid is the user's mistake,
// answered 400 with sla's Italian message.
package reports

import (
	"embed"
	"errors"
	"html"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/internal/role"
	"sportello/sla"
	"sportello/web/webkit"
)

// Service is what the pages need: the reporter (figures and reports), the SLA store (notes,
// views, settings, reports sent) and the scheduler (sending now). Nil Reporter: every page
// answers 404.
type Service struct {
	Reporter *sla.Reporter
	// Store keeps the notes, views, settings and the log of reports sent; nil: those parts
	// answer 404.
	Store *sla.Store
	// Scheduler e-mails reports; nil (or without a mailer): "send now" says the outbound mail
	// is off.
	Scheduler *sla.Scheduler
	// Queues are the configured queues, offered in the filters beside those the period saw.
	Queues []string
	// Location is the service's time zone; nil: Europe/Rome.
	Location *time.Location
	Logger   *slog.Logger
}

// Handlers serve the statistics and report pages and their API.
type Handlers struct {
	svc   *Service
	pages *webkit.Pages
	today *template.Template
	log   *slog.Logger
}

//go:embed templates/*.html
var templates embed.FS

// fragments are pieces other pages embed (the supervisor's charts of the day); templates/*.html
// alone are pages.
//
//go:embed templates/fragments/*.html
var fragments embed.FS

//go:embed static
var static embed.FS

// Static is this package's assets (reports.css, reports.js), under static/.
func Static() fs.FS { return static }

// funcs are the template functions of the pages.
var funcs = template.FuncMap{
	"subnav": subnav,
	"svg":    func(c sla.Chart) template.HTML { return template.HTML(c.SVG()) },   // sla escapes inside
	"tbl":    func(c sla.Chart) template.HTML { return template.HTML(c.Table()) }, // idem
	"pct":    func(v *float64) string { return sla.Format(v, "%") },
	"pctv":   func(v float64) string { return sla.Format(&v, "%") },
	"rowOf":  func(label string, f sla.Figures) bucketRow { return bucketRow{label, f} },
	"secs":   func(v *float64) string { return sla.Format(v, "s") },
	"num":    func(v float64) string { return sla.Format(&v, "") },
	"cell":   cellOf,
	"bimesterStarts": func(cur int) []option {
		return []option{{"1", i18n.T("sla.settings.bimesterOdd"), cur%2 == 1}, {"2", i18n.T("sla.settings.bimesterEven"), cur%2 == 0}}
	},
	"met":  metText,
	"mark": metMark,
}

// New returns the handlers on svc (nil: not configured; the pages answer 404).
func New(site *webkit.Site, svc *Service) *Handlers {
	h := &Handlers{svc: svc, pages: site.Pages(templates, funcs), log: slog.Default()}
	if svc != nil && svc.Logger != nil {
		h.log = svc.Logger
	}
	h.today = template.Must(template.New("today.html").Funcs(webkit.Funcs()).Funcs(funcs).ParseFS(fragments, "templates/fragments/today.html"))
	return h
}

// Who may read the figures and reports, and who may change what is stored with them (notes,
// settings, views, sending): the auditor reads only.
var (
	readers = []role.Role{role.Supervisor, role.Administrator, role.Auditor}
	writers = []role.Role{role.Supervisor, role.Administrator}
	// consoleRoles and adminRoles only decide the links of the contact center's menu.
	consoleRoles = []role.Role{role.Operator, role.Backoffice, role.Level2, role.Supervisor}
	adminRoles   = []role.Role{role.Administrator}
)

// Routes are the pages and API of the service levels.
func (h *Handlers) Routes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/statistiche", readers, h.statsPage),
		webkit.POST("/statistiche/viste", writers, h.saveViewForm),
		webkit.POST("/statistiche/viste/elimina", writers, h.deleteViewForm),
		webkit.GET("/livelli-servizio", readers, h.reportPage),
		webkit.POST("/livelli-servizio/nota", writers, h.noteForm),
		webkit.POST("/livelli-servizio/impostazioni", writers, h.settingsForm),
		webkit.POST("/livelli-servizio/invia", writers, h.sendForm),

		webkit.GET("/api/sla/figures", readers, h.figuresAPI),
		// The statistics' former address: the same answer as /api/sla/figures.
		webkit.GET("/api/cti/stats", readers, h.figuresAPI),
		webkit.GET("/api/cti/queue_log", readers, h.queueLog),
		webkit.GET("/api/cti/erlang", readers, h.erlang),
		webkit.GET("/api/sla/report", readers, h.reportAPI),
		webkit.GET("/api/sla/note", readers, h.noteAPI),
		webkit.PUT("/api/sla/note", writers, h.putNoteAPI),
		webkit.GET("/api/sla/settings", readers, h.settingsAPI),
		webkit.PUT("/api/sla/settings", writers, h.putSettingsAPI),
		webkit.POST("/api/sla/send", writers, h.sendAPI),
		webkit.GET("/api/sla/sent", readers, h.sentAPI),
		webkit.GET("/api/sla/views", writers, h.viewsAPI),
		webkit.PUT("/api/sla/views", writers, h.putViewAPI),
		webkit.DELETE("/api/sla/views/:name", writers, h.deleteViewAPI),
	}
}

// reporter returns the reporter or a 404 when the server runs without one.
func (h *Handlers) reporter() (*sla.Reporter, error) {
	if h.svc == nil || h.svc.Reporter == nil {
		return nil, webkit.NotFound("sla.absent")
	}
	return h.svc.Reporter, nil
}

// store returns the SLA store or a 404.
func (h *Handlers) store() (*sla.Store, error) {
	if h.svc == nil || h.svc.Store == nil {
		return nil, webkit.NotFound("sla.absent")
	}
	return h.svc.Store, nil
}

func (h *Handlers) loc() *time.Location {
	if h.svc != nil && h.svc.Location != nil {
		return h.svc.Location
	}
	return clock.Rome()
}

func (h *Handlers) now() time.Time {
	if h.svc != nil && h.svc.Reporter != nil && h.svc.Reporter.Now != nil {
		return h.svc.Reporter.Now()
	}
	return time.Now()
}

// slaErr maps an error of package sla: its ErrInvalid is the caller's mistake, answered 400
// with sla's Italian message; anything else is ours.
func slaErr(err error) error {
	if errors.Is(err, sla.ErrInvalid) {
		return webkit.BadRequest("invalid", invalidText(err))
	}
	var he *webkit.HTTPError
	if errors.As(err, &he) {
		return he
	}
	return webkit.Internal(err)
}

// invalidText is the Italian part of an sla.ErrInvalid.
func invalidText(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, sla.ErrInvalid.Error()+": "); i >= 0 {
		msg = msg[i+len(sla.ErrInvalid.Error())+2:]
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
	}
	return msg
}

// subnav is the contact center's menu on these pages, with the entries the role may open: the
// same entries as web/contactcenter's, so the pages read as one area.
func subnav(who role.Role, current string) template.HTML {
	var b strings.Builder
	b.WriteString(`<nav class="sub-nav" aria-label="` + html.EscapeString(i18n.T("sla.nav")) + `"><ul>`)
	item := func(href, nav, key string) {
		b.WriteString(`<li><a href="` + href + `"`)
		if nav == current {
			b.WriteString(` aria-current="page"`)
		}
		b.WriteString(`>` + html.EscapeString(i18n.T(key)) + `</a></li>`)
	}
	if slices.Contains(consoleRoles, who) {
		item("/operatore", "operator", "nav.operator")
	}
	if slices.Contains(readers, who) {
		item("/supervisore", "supervisor", "nav.supervisor")
		item("/statistiche", "stats", "nav.stats")
		item("/livelli-servizio", "sla", "nav.slaReport")
	}
	if slices.Contains(adminRoles, who) {
		item("/annunci", "announcements", "nav.announcements")
	}
	b.WriteString(`</ul></nav>`)
	return template.HTML(b.String())
}

// cell is a figure in a table with its threshold: the text says "sotto soglia" or "oltre
// soglia" in words, so the breach is not told by colour alone.
type cell struct {
	Value, Note string
	Breach      bool
}

// cellOf is the cell of the fraction v of SLA id (C.1, C.2, C.3), against its contractual
// threshold.
func cellOf(id string, v *float64) cell {
	c := cell{Value: sla.Format(v, "%")}
	r, ok := sla.RuleByID(id)
	if !ok || v == nil {
		return c
	}
	switch {
	case r.Max && *v > r.Threshold+1e-12:
		c.Breach, c.Note = true, i18n.T("sla.over")
	case !r.Max && *v < r.Threshold-1e-12:
		c.Breach, c.Note = true, i18n.T("sla.under")
	}
	return c
}

// metText says in words whether an assessment meets its threshold.
func metText(b *bool) string {
	switch {
	case b == nil:
		return i18n.T("sla.notMeasured")
	case *b:
		return i18n.T("sla.met")
	}
	return i18n.T("sla.missed")
}

// metMark is the state's class: "ok", "ko" or "nd".
func metMark(b *bool) string {
	switch {
	case b == nil:
		return "nd"
	case *b:
		return "ok"
	}
	return "ko"
}

// userOf is the caller's user name, which owns their saved views.
func userOf(c echo.Context) (string, error) {
	u := webkit.UserOf(c)
	if u == "" {
		return "", &webkit.HTTPError{Status: http.StatusUnauthorized, Code: "unauthorized", Msg: i18n.T("err.unauthorized")}
	}
	return u, nil
}

// canWrite reports whether the caller may change notes, settings and views.
func canWrite(c echo.Context) bool { return slices.Contains(writers, webkit.RoleOf(c)) }
