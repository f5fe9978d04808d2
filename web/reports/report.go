package reports

// The monthly and bi-monthly service-level report (SLA-4, SLA-5): the page with the period to
// choose, sla's printable report (each SLA's value, threshold, deviation and penalty points,
// the overflow rule, the availability of ACD, IVR and CTI, the charts with their data), the
// contract manager's note, the print style sheet, the Excel and JSON downloads, the e-mail
// settings with "send now", and the reports sent.

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/sla"
	"sportello/web/webkit"
)

// readPeriod reads the report's period: month=YYYY-MM or bimester=YYYY-MM (the CLI's flags), or
// the page's kind= (month, bimester) and period=YYYY-MM. Without any, the last complete month.
func (h *Handlers) readPeriod(get func(string) string) (sla.Period, error) {
	kind, id := get("kind"), strings.TrimSpace(get("period"))
	switch {
	case get("month") != "" && get("bimester") != "":
		return sla.Period{}, webkit.BadRequest("bad_period", i18n.T("sla.monthAndBimester"))
	case get("month") != "":
		kind, id = sla.KindMonth, get("month")
	case get("bimester") != "":
		kind, id = sla.KindBimester, get("bimester")
	}
	if kind == "" {
		kind = sla.KindMonth
	}
	if id == "" {
		now := h.now().In(h.loc())
		prev := now.AddDate(0, 0, -now.Day()+1).AddDate(0, -1, 0)
		id = prev.Format("2006-01")
	}
	p, err := sla.ParsePeriod(kind, id, h.loc())
	if err != nil {
		return p, webkit.BadRequest("bad_period", strings.ToUpper(err.Error()[:1])+err.Error()[1:]+".")
	}
	return p, nil
}

// periodValues is the period as URL parameters.
func periodValues(p sla.Period) url.Values {
	return url.Values{p.Kind: {p.ID}}
}

// reportAPI answers the report of a period as JSON, or with format=xlsx the Excel workbook,
// with format=html the stand-alone printable page.
func (h *Handlers) reportAPI(c echo.Context) error {
	rp, err := h.reporter()
	if err != nil {
		return err
	}
	p, err := h.readPeriod(c.QueryParam)
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format != "" && format != "json" && format != "xlsx" && format != "html" {
		return webkit.BadRequest("bad_format", i18n.T("sla.badFormat"))
	}
	rep, err := rp.Report(c.Request().Context(), p)
	if err != nil {
		return slaErr(err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	switch format {
	case "xlsx":
		// Built in memory first: a failure is then a clean 500, not half a file.
		var b bytes.Buffer
		if err := rep.WriteXLSX(&b); err != nil {
			return webkit.Internal(err)
		}
		webkit.Download(c, "sla-"+p.Key()+".xlsx")
		return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b.Bytes())
	case "html":
		page, err := rep.HTMLPage()
		if err != nil {
			return webkit.Internal(err)
		}
		return c.HTMLBlob(http.StatusOK, page)
	}
	return c.JSON(http.StatusOK, rep)
}

// sentRow is a report sent as the page lists it.
type sentRow struct {
	sla.Sent
	Label string
}

// reportData is what the report page receives.
type reportData struct {
	Period     sla.Period
	Kind       string // month or bimester
	ID         string // YYYY-MM
	Report     *sla.Report
	HTML       template.HTML
	Query      template.URL
	CanEdit    bool
	Note       string
	Settings   sla.Settings
	Recipients string // one a line
	MailOn     bool
	SentThis   *sla.Sent
	Sent       []sentRow
	// Notice says what the last form did; NoteErr, SettingsErr and SendErr what it refused.
	Notice                        string
	NoteErr, SettingsErr, SendErr string
	webkit.FormBase
}

// reportPage shows the report of a period: GET, or again after a form with its error.
func (h *Handlers) reportPage(c echo.Context) error {
	p, err := h.readPeriod(c.QueryParam)
	if err != nil {
		return err
	}
	d := reportData{}
	switch {
	case c.QueryParam("noteSaved") != "":
		d.Notice = i18n.T("sla.noteSaved")
	case c.QueryParam("settingsSaved") != "":
		d.Notice = i18n.T("sla.settingsSaved")
	case c.QueryParam("sent") != "":
		d.Notice = i18n.T("sla.sentNow", c.QueryParam("sent"))
	}
	return h.renderReport(c, http.StatusOK, p, d, nil)
}

// renderReport fills d for p and renders the page with status; settings, when not nil, are
// what a refused form had (shown again as typed).
func (h *Handlers) renderReport(c echo.Context, status int, p sla.Period, d reportData, settings *sla.Settings) error {
	rp, err := h.reporter()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rep, err := rp.Report(ctx, p)
	if err != nil {
		return slaErr(err)
	}
	var b bytes.Buffer
	if err := rep.WriteHTML(&b); err != nil {
		return webkit.Internal(err)
	}
	d.Period, d.Kind, d.ID, d.Report = p, p.Kind, p.ID, rep
	d.HTML = template.HTML(b.String()) // sla's template escapes what it writes
	d.Query = template.URL(periodValues(p).Encode())
	d.CanEdit = canWrite(c) && h.svc.Store != nil
	d.FormBase = webkit.FormOf(c)
	if rep.Note != nil && d.NoteErr == "" {
		d.Note = rep.Note.Text
	}
	d.MailOn = h.svc.Scheduler != nil && h.svc.Scheduler.Mail != nil
	if st := h.svc.Store; st != nil {
		if settings != nil {
			d.Settings = *settings
		} else if d.Settings, err = st.Settings(ctx); err != nil {
			return webkit.Internal(err)
		}
		d.Recipients = strings.Join(d.Settings.Recipients, "\n")
		if d.SentThis, err = st.WasSent(ctx, p.Key()); err != nil {
			return webkit.Internal(err)
		}
		sent, err := st.SentReports(ctx, 50)
		if err != nil {
			return webkit.Internal(err)
		}
		for _, s := range sent {
			d.Sent = append(d.Sent, sentRow{s, h.periodLabel(s.Period)})
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.pages.RenderStatus(c, status, "report", webkit.PageData{Title: i18n.T("sla.title") + " – " + p.Label, Nav: "sla", Data: d})
}

// periodLabel names a stored period key ("mese-2026-10") in words.
func (h *Handlers) periodLabel(key string) string {
	kind, id, _ := strings.Cut(key, "-")
	k := sla.KindMonth
	word := i18n.T("sla.kind.month")
	if kind == "bimestre" {
		k, word = sla.KindBimester, i18n.T("sla.kind.bimester")
	}
	p, err := sla.ParsePeriod(k, id, h.loc())
	if err != nil {
		return key
	}
	return word + " " + p.Label
}

// formPeriod is the period a report form posts (kind, period).
func (h *Handlers) formPeriod(c echo.Context) (sla.Period, error) {
	return h.readPeriod(func(k string) string {
		if k == "month" || k == "bimester" {
			return ""
		}
		return c.FormValue(k)
	})
}

// back is the report page of p with a notice.
func back(c echo.Context, p sla.Period, notice, value string) error {
	v := periodValues(p)
	v.Set(notice, value)
	return c.Redirect(http.StatusSeeOther, "/livelli-servizio?"+v.Encode())
}

// noteForm saves the contract manager's note of the period shown; a refused note is shown
// again with the reason.
func (h *Handlers) noteForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	p, err := h.formPeriod(c)
	if err != nil {
		return err
	}
	text := c.FormValue("note")
	if err := st.SetNote(c.Request().Context(), p.Key(), text, webkit.UserOf(c)); err != nil {
		if errors.Is(err, sla.ErrInvalid) {
			return h.renderReport(c, http.StatusBadRequest, p, reportData{NoteErr: invalidText(err), Note: text}, nil)
		}
		return webkit.Internal(err)
	}
	return back(c, p, "noteSaved", "1")
}

// settingsOf reads the settings form.
func settingsOf(c echo.Context) (sla.Settings, string) {
	st := sla.Settings{Monthly: c.FormValue("monthly") != "", Bimonthly: c.FormValue("bimonthly") != ""}
	st.Recipients = strings.FieldsFunc(c.FormValue("recipients"), func(r rune) bool { return r == '\n' || r == ',' || r == ';' || r == '\r' })
	num := func(field string, dst *int) string {
		v := strings.TrimSpace(c.FormValue(field))
		n, err := strconv.Atoi(v)
		if err != nil {
			return i18n.T("sla.badNumber", i18n.T("sla.settings."+field), v)
		}
		*dst = n
		return ""
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"day", &st.Day}, {"hour", &st.Hour}, {"bimesterStart", &st.BimesterStart}, {"shortAbandonSeconds", &st.ShortAbandonSeconds}} {
		if msg := num(f.name, f.dst); msg != "" {
			return st, msg
		}
	}
	v := strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(c.FormValue("planned"), ".", ""), ",", "."))
	planned, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return st, i18n.T("sla.badNumber", i18n.T("sla.settings.planned"), c.FormValue("planned"))
	}
	st.Planned = planned
	return st, ""
}

// settingsForm saves the e-mail and contract settings; refused ones are shown again.
func (h *Handlers) settingsForm(c echo.Context) error {
	store, err := h.store()
	if err != nil {
		return err
	}
	p, err := h.formPeriod(c)
	if err != nil {
		return err
	}
	st, msg := settingsOf(c)
	if msg == "" {
		if err := store.SaveSettings(c.Request().Context(), st); err != nil {
			if !errors.Is(err, sla.ErrInvalid) {
				return webkit.Internal(err)
			}
			msg = invalidText(err)
		}
	}
	if msg != "" {
		return h.renderReport(c, http.StatusBadRequest, p, reportData{SettingsErr: msg}, &st)
	}
	return back(c, p, "settingsSaved", "1")
}

// send e-mails the report of p to the stored recipients (or to), now.
func (h *Handlers) send(c echo.Context, p sla.Period, to []string) (*sla.Sent, error) {
	store, err := h.store()
	if err != nil {
		return nil, err
	}
	if h.svc.Scheduler == nil || h.svc.Scheduler.Mail == nil {
		return nil, &webkit.HTTPError{Status: http.StatusServiceUnavailable, Code: "mail_off", Msg: i18n.T("sla.mailOff")}
	}
	if len(to) == 0 {
		st, err := store.Settings(c.Request().Context())
		if err != nil {
			return nil, webkit.Internal(err)
		}
		to = st.Recipients
	}
	if len(to) == 0 {
		return nil, webkit.BadRequest("no_recipients", i18n.T("sla.noRecipients"))
	}
	// The addresses go through the settings' own check (syntax, at most 50).
	check := sla.DefaultSettings()
	check.Recipients = to
	if err := check.Validate(); err != nil {
		return nil, slaErr(err)
	}
	to = check.Recipients
	sent, err := h.svc.Scheduler.Send(c.Request().Context(), []sla.Period{p}, to)
	if err != nil {
		if errors.Is(err, sla.ErrInvalid) {
			return nil, slaErr(err)
		}
		// The relay refused or did not answer: the message says so, the cause is logged.
		h.log.Error("sla report not sent", "period", p.Key(), "err", err)
		return nil, &webkit.HTTPError{Status: http.StatusBadGateway, Code: "mail_failed", Msg: i18n.T("sla.sendFailed", err.Error()), Err: err}
	}
	return sent, nil
}

// sendForm sends the report shown to the stored recipients now.
func (h *Handlers) sendForm(c echo.Context) error {
	p, err := h.formPeriod(c)
	if err != nil {
		return err
	}
	sent, err := h.send(c, p, nil)
	if err != nil {
		// What the user can act on is said beside the button; a missing part or our own
		// failure is the error page.
		switch he := webkit.As(err); he.Status {
		case http.StatusBadRequest, http.StatusBadGateway, http.StatusServiceUnavailable:
			return h.renderReport(c, he.Status, p, reportData{SendErr: he.Msg}, nil)
		}
		return err
	}
	return back(c, p, "sent", strings.Join(sent.Recipients, ", "))
}

// noteAPI answers the note of a period, or null.
func (h *Handlers) noteAPI(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	p, err := h.readPeriod(c.QueryParam)
	if err != nil {
		return err
	}
	n, err := st.Note(c.Request().Context(), p.Key())
	if err != nil {
		return webkit.Internal(err)
	}
	return c.JSON(http.StatusOK, n)
}

// periodBody is the period of a JSON body: {"month": "2026-10"} or {"bimester": "2026-09"}.
type periodBody struct {
	Month    string `json:"month"`
	Bimester string `json:"bimester"`
}

func (b periodBody) get(k string) string {
	switch k {
	case "month":
		return b.Month
	case "bimester":
		return b.Bimester
	}
	return ""
}

// putNoteAPI stores the note of a period: {"month"|"bimester", "text"} ("" removes it).
func (h *Handlers) putNoteAPI(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	var body struct {
		periodBody
		Text string `json:"text"`
	}
	if err := webkit.ReadJSON(c, &body); err != nil {
		return err
	}
	if body.Month == "" && body.Bimester == "" {
		return webkit.BadRequest("bad_period", i18n.T("sla.needPeriod"))
	}
	p, err := h.readPeriod(body.get)
	if err != nil {
		return err
	}
	if err := st.SetNote(c.Request().Context(), p.Key(), body.Text, webkit.UserOf(c)); err != nil {
		return slaErr(err)
	}
	n, err := st.Note(c.Request().Context(), p.Key())
	if err != nil {
		return webkit.Internal(err)
	}
	return c.JSON(http.StatusOK, n)
}

// settingsAPI answers the stored settings.
func (h *Handlers) settingsAPI(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	s, err := st.Settings(c.Request().Context())
	if err != nil {
		return webkit.Internal(err)
	}
	if s.Recipients == nil {
		s.Recipients = []string{}
	}
	return c.JSON(http.StatusOK, s)
}

// putSettingsAPI replaces the settings: the whole object, as GET answers it.
func (h *Handlers) putSettingsAPI(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	s := sla.DefaultSettings()
	if err := webkit.ReadJSON(c, &s); err != nil {
		return err
	}
	if err := st.SaveSettings(c.Request().Context(), s); err != nil {
		return slaErr(err)
	}
	return h.settingsAPI(c)
}

// sendAPI e-mails a period's report now: {"month"|"bimester", "to": [...]} (default the
// stored recipients).
func (h *Handlers) sendAPI(c echo.Context) error {
	var body struct {
		periodBody
		To []string `json:"to"`
	}
	if err := webkit.ReadJSON(c, &body); err != nil {
		return err
	}
	if body.Month == "" && body.Bimester == "" {
		return webkit.BadRequest("bad_period", i18n.T("sla.needPeriod"))
	}
	p, err := h.readPeriod(body.get)
	if err != nil {
		return err
	}
	sent, err := h.send(c, p, body.To)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sent)
}

// sentAPI lists the reports sent, the latest first.
func (h *Handlers) sentAPI(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	limit, err := webkit.IntParam(c, "limit", 100)
	if err != nil {
		return err
	}
	list, err := st.SentReports(c.Request().Context(), min(max(limit, 1), 1000))
	if err != nil {
		return webkit.Internal(err)
	}
	if list == nil {
		list = []sla.Sent{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}
