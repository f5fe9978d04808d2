package accounts

// Where each role starts (after signing in), the administration's home page, and the audit
// log's page with its downloads (OPS-1).

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/audit"
	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/internal/role"
	"sportello/web/webkit"
)

// StartPage is where a role lands after signing in: the operator at the desk, back office and
// level 2 at their queues, the publisher in the workspace, the validator at the queue to
// validate, the supervisor at the live view, administrators and auditors at the
// administration's home. The public keeps the home page.
func StartPage(r role.Role) string {
	switch r {
	case role.Operator:
		return "/operatore"
	case role.Backoffice:
		return "/ticket"
	case role.Level2:
		return "/ticket/uffici"
	case role.Publisher:
		return "/redazione"
	case role.Validator:
		return "/validazione"
	case role.Supervisor:
		return "/supervisore"
	case role.Administrator, role.Auditor:
		return "/amministrazione"
	}
	return "/"
}

var (
	adminReaders = []role.Role{role.Administrator, role.Auditor}
)

func (h *Handlers) adminRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/amministrazione", adminReaders, h.adminHome),
		webkit.GET("/amministrazione/registro", adminReaders, h.auditPage),
		webkit.GET("/api/audit", adminReaders, h.apiAudit),
	}
}

// adminLink is an entry of the administration's home.
type adminLink struct {
	Href, Title, Text string
	ID                string
}

// adminHome links what administrators manage; auditors see what they may read.
func (h *Handlers) adminHome(c echo.Context) error {
	admin := webkit.RoleOf(c) == role.Administrator
	var links []adminLink
	add := func(ok bool, id, href, key string) {
		if ok {
			links = append(links, adminLink{Href: href, Title: i18n.T("admin." + key), Text: i18n.T("admin." + key + ".text"), ID: id})
		}
	}
	add(true, "adm-utenti", "/amministrazione/utenti", "users")
	add(true, "adm-uffici", "/amministrazione/uffici", "offices")
	add(true, "adm-risposte", "/amministrazione/risposte", "canned")
	add(admin, "adm-sinonimi", "/sinonimi", "synonyms")
	add(admin, "adm-annunci", "/annunci", "announcements")
	add(admin, "adm-importa", "/importa", "imports")
	add(true, "adm-registro", "/amministrazione/registro", "audit")
	add(true, "adm-validazione", "/validazione", "validation")
	return h.pages.Render(c, "admin", webkit.PageData{Title: i18n.T("admin.title"), Nav: "admin", Data: links})
}

// auditQuery reads the page's and the API's filters: from and to (yyyy-mm-dd, to included;
// default the last 30 days), actor, action (or a prefix ending in ".").
func auditQuery(c echo.Context) (audit.Filter, string, string, error) {
	rome := clock.Rome()
	today := time.Now().In(rome)
	to := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, rome).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -30)
	var err error
	if v := c.QueryParam("from"); v != "" {
		if from, err = time.ParseInLocation("2006-01-02", v, rome); err != nil {
			return audit.Filter{}, "", "", webkit.BadRequest("bad_date", i18n.T("err.badDate", "from", v))
		}
	}
	if v := c.QueryParam("to"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, rome)
		if err != nil {
			return audit.Filter{}, "", "", webkit.BadRequest("bad_date", i18n.T("err.badDate", "to", v))
		}
		to = t.AddDate(0, 0, 1)
	}
	f := audit.Filter{Since: from, Until: to, Actor: strings.TrimSpace(c.QueryParam("actor")),
		Action: audit.Action(strings.TrimSpace(c.QueryParam("action")))}
	return f, from.Format("2006-01-02"), to.AddDate(0, 0, -1).Format("2006-01-02"), nil
}

type auditData struct {
	Entries   []audit.Entry
	From, To  string
	Actor     string
	Action    string
	Actions   []audit.Action
	Truncated bool
	CSV, XLSX string
}

// auditPage lists the audit log of a period (the newest first, at most 500 entries; the
// downloads have them all) and downloads it as CSV or Excel (?formato=csv|xlsx), which is itself
// recorded.
func (h *Handlers) auditPage(c echo.Context) error {
	if h.audit == nil {
		return webkit.NotFound("err.auditAbsent")
	}
	f, from, to, err := auditQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	switch format := c.QueryParam("formato"); format {
	case "csv", "xlsx":
		if _, err := h.audit.Record(ctx, audit.Entry{Actor: webkit.UserOf(c), Action: audit.AuditExport,
			Object: "registro " + from + " – " + to, Detail: format, Client: h.actor(c).Client}); err != nil {
			return webkit.Internal(err)
		}
		webkit.Download(c, "registro-"+from+"-"+to+"."+format)
		if format == "csv" {
			c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
			c.Response().WriteHeader(http.StatusOK)
			return h.audit.WriteCSV(ctx, c.Response(), f)
		}
		c.Response().Header().Set(echo.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Response().WriteHeader(http.StatusOK)
		return h.audit.WriteXLSX(ctx, c.Response(), f)
	case "":
	default:
		return webkit.BadRequest("bad_parameter", i18n.T("audit.badFormat"))
	}
	f.Limit = 500
	list, err := h.audit.List(ctx, f)
	if err != nil {
		return webkit.Internal(err)
	}
	q := c.Request().URL.Query()
	q.Set("formato", "csv")
	d := auditData{Entries: list, From: from, To: to, Actor: f.Actor, Action: string(f.Action), Actions: audit.Actions,
		Truncated: len(list) == f.Limit, CSV: "/amministrazione/registro?" + q.Encode()}
	q.Set("formato", "xlsx")
	d.XLSX = "/amministrazione/registro?" + q.Encode()
	return h.pages.Render(c, "audit", webkit.PageData{Title: i18n.T("audit.title"), Nav: "admin", Data: d})
}

// apiAudit is GET /api/audit: the entries of the filters, newest first (limit, offset; at most
// audit.MaxPage).
func (h *Handlers) apiAudit(c echo.Context) error {
	if h.audit == nil {
		return webkit.NotFound("err.auditAbsent")
	}
	f, _, _, err := auditQuery(c)
	if err != nil {
		return err
	}
	if f.Limit, err = webkit.IntParam(c, "limit", 100); err != nil {
		return err
	}
	if f.Offset, err = webkit.IntParam(c, "offset", 0); err != nil {
		return err
	}
	if f.Limit > audit.MaxPage {
		f.Limit = audit.MaxPage
	}
	list, err := h.audit.List(c.Request().Context(), f)
	if err != nil {
		return webkit.Internal(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": list})
}
