// Package auditlog is the web side of the administrators' audit log (OPS-1): the page
// /amministrazione/registro, where administrators and auditors read the log by period, user
// and action and download it as CSV or Excel for the Administration, and its JSON twin
// GET /api/audit. The log itself — recording, the hash chain, the exports, the retention — is
// package sportello/audit; what gets recorded is decided by the server's table of audited
// routes (package web) and by the commands.
package auditlog

import (
	"embed"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/audit"
	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/internal/role"
	"sportello/web/webkit"
)

// Readers are the roles that read the log: administrators and auditors.
var Readers = []role.Role{role.Administrator, role.Auditor}

// Handlers serve the audit log's page and API; without a log they answer 404.
type Handlers struct {
	log   *audit.Store
	pages *webkit.Pages
	slog  *slog.Logger
}

//go:embed templates/*.html
var templates embed.FS

// New returns the handlers; log nil means the server runs without an audit log.
func New(site *webkit.Site, log *audit.Store, l *slog.Logger) *Handlers {
	if l == nil {
		l = slog.Default()
	}
	return &Handlers{log: log, pages: site.Pages(templates, nil), slog: l}
}

// Routes are the page and the API.
func (h *Handlers) Routes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/amministrazione/registro", Readers, h.page),
		webkit.GET("/api/audit", Readers, h.api),
	}
}

// pageSize is the entries a page shows; the API gives up to audit.MaxPage.
const pageSize = 100

func (h *Handlers) store() (*audit.Store, error) {
	if h.log == nil {
		return nil, webkit.NotFound("audit.absent")
	}
	return h.log, nil
}

// query is what the page and the API are asked: the filter, the page, the format.
type query struct {
	From, To      string // YYYY-MM-DD as given, To inclusive
	Actor, Action string
	Format        string // "", "csv" or "xlsx"
	Filter        audit.Filter
	Limit, Offset int
}

// first is the first non-empty query parameter among names: the page's Italian names and the
// API's English ones are both accepted.
func first(c echo.Context, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(c.QueryParam(n)); v != "" {
			return v
		}
	}
	return ""
}

// maxField bounds the free-text filters (an account name is at most 64 characters).
const maxField = 200

func readQuery(c echo.Context, defLimit int) (query, error) {
	q := query{From: first(c, "dal", "since"), To: first(c, "al", "until"), Actor: first(c, "utente", "actor"),
		Action: first(c, "azione", "action"), Format: strings.ToLower(first(c, "formato", "format"))}
	var err error
	if q.Filter.Since, err = day(q.From, "dal"); err != nil {
		return q, err
	}
	if q.Filter.Until, err = day(q.To, "al"); err != nil {
		return q, err
	}
	if !q.Filter.Until.IsZero() {
		q.Filter.Until = q.Filter.Until.AddDate(0, 0, 1) // the last day is included
	}
	if !q.Filter.Since.IsZero() && !q.Filter.Until.IsZero() && !q.Filter.Since.Before(q.Filter.Until) {
		return q, webkit.BadRequest("bad_period", i18n.T("audit.badPeriod"))
	}
	if len(q.Actor) > maxField {
		return q, webkit.BadRequest("bad_parameter", i18n.T("audit.badActor", maxField))
	}
	q.Filter.Actor = q.Actor
	if q.Action != "" {
		known := strings.HasSuffix(q.Action, ".") && len(q.Action) <= 40
		for _, a := range audit.Actions {
			known = known || string(a) == q.Action
		}
		if !known {
			return q, webkit.BadRequest("bad_parameter", i18n.T("audit.badAction"))
		}
		q.Filter.Action = audit.Action(q.Action)
	}
	switch q.Format {
	case "", "csv", "xlsx":
	default:
		return q, webkit.BadRequest("bad_parameter", i18n.T("audit.badFormat"))
	}
	if q.Limit, q.Offset, err = webkit.Page(c, defLimit, audit.MaxPage); err != nil {
		return q, err
	}
	q.Filter.Limit, q.Filter.Offset = max(q.Limit, 1), q.Offset
	return q, nil
}

// day reads YYYY-MM-DD as midnight in Rome; "" is the zero time.
func day(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, clock.Rome())
	if err != nil {
		return time.Time{}, webkit.BadRequest("bad_parameter", i18n.T("err.badDate", name, v))
	}
	return t, nil
}

// api is GET /api/audit: the entries, newest first, or the download with ?format=csv|xlsx.
func (h *Handlers) api(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	q, err := readQuery(c, 500)
	if err != nil {
		return err
	}
	if q.Format != "" {
		return h.download(c, st, q)
	}
	list, err := st.List(c.Request().Context(), q.Filter)
	if err != nil {
		return webkit.Internal(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list, "limit": q.Filter.Limit, "offset": q.Offset,
		"retentionDays": int(st.Retention().Hours() / 24)})
}

type row struct {
	audit.Entry
	When string
}

type pageData struct {
	Query      query
	Rows       []row
	Actions    []audit.Action
	CSV, XLSX  string // download links with the filters
	Prev, Next string // paging links, "" at the ends
	Retention  int    // days
}

// page is /amministrazione/registro.
func (h *Handlers) page(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	q, err := readQuery(c, pageSize)
	if err != nil {
		return err
	}
	if q.Format != "" {
		return h.download(c, st, q)
	}
	q.Filter.Limit = min(q.Filter.Limit, pageSize)
	list, err := st.List(c.Request().Context(), audit.Filter{Since: q.Filter.Since, Until: q.Filter.Until,
		Actor: q.Filter.Actor, Action: q.Filter.Action, Limit: q.Filter.Limit + 1, Offset: q.Offset})
	if err != nil {
		return webkit.Internal(err)
	}
	d := pageData{Query: q, Actions: audit.Actions, Retention: int(st.Retention().Hours() / 24)}
	more := len(list) > q.Filter.Limit
	if more {
		list = list[:q.Filter.Limit]
	}
	for _, e := range list {
		d.Rows = append(d.Rows, row{e, clock.DateTime(e.At)})
	}
	link := func(set map[string]string) string {
		v := url.Values{}
		for k, x := range map[string]string{"dal": q.From, "al": q.To, "utente": q.Actor, "azione": q.Action} {
			if x != "" {
				v.Set(k, x)
			}
		}
		for k, x := range set {
			v.Set(k, x)
		}
		return "/amministrazione/registro?" + v.Encode()
	}
	d.CSV, d.XLSX = link(map[string]string{"formato": "csv"}), link(map[string]string{"formato": "xlsx"})
	if q.Offset > 0 {
		d.Prev = link(map[string]string{"offset": fmt.Sprint(max(q.Offset-q.Filter.Limit, 0))})
	}
	if more {
		d.Next = link(map[string]string{"offset": fmt.Sprint(q.Offset + q.Filter.Limit)})
	}
	return h.pages.Render(c, "audit", webkit.PageData{Title: i18n.T("audit.title"), Nav: "audit", Data: d})
}

// download writes the entries the filter selects, oldest first, as CSV or Excel, and records
// the export in the log itself. The file is written to a temporary file first, so that a
// failure is a clean error rather than a truncated file taken for complete, in flat memory
// for CSV whatever the period.
func (h *Handlers) download(c echo.Context, st *audit.Store, q query) error {
	ctx := c.Request().Context()
	tmp, err := os.CreateTemp("", "sportello-audit-*")
	if err != nil {
		return webkit.Internal(err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	f := q.Filter
	f.Limit, f.Offset = 0, 0
	write, ctype := st.WriteCSV, "text/csv; charset=utf-8"
	if q.Format == "xlsx" {
		write, ctype = st.WriteXLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	if err := write(ctx, tmp, f); err != nil {
		return webkit.Internal(err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return webkit.Internal(err)
	}
	webkit.Audit(c, audit.AuditExport, "registro di audit", describe(q))
	webkit.Download(c, fileName(q))
	return c.Stream(http.StatusOK, ctype, tmp)
}

// describe says which entries an export held, for the log's own record of it.
func describe(q query) string {
	var parts []string
	from, to := q.From, q.To
	if from == "" {
		from = "l'inizio"
	}
	if to == "" {
		to = "oggi"
	}
	parts = append(parts, "periodo dal "+from+" al "+to)
	if q.Actor != "" {
		parts = append(parts, "utente "+q.Actor)
	}
	if q.Action != "" {
		parts = append(parts, "azione "+q.Action)
	}
	return strings.Join(parts, ", ") + ", formato " + q.Format
}

// fileName is registro-attivita[-FROM][-TO].EXT.
func fileName(q query) string {
	name := "registro-attivita"
	for _, d := range []string{q.From, q.To} {
		if d != "" {
			name += "-" + strings.ReplaceAll(d, "-", "")
		}
	}
	return name + "." + q.Format
}
