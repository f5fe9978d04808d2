package reports

// The statistics page (SLA-6) and its API: the figures of any period up to a year, per queue and
// channel, overall and by hour, day, week, month or year, with the call SLAs against their
// thresholds, charts with their data, the supervisor's saved views, the CSV, JSON and Asterisk
// queue_log exports, and the Erlang C staffing calculator.

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/sla"
	"sportello/telephony"
	"sportello/web/webkit"
)

// query is a statistics request: a range (sla.ViewRanges; custom with from and to), a
// granularity and the filter, resolved to the period it means now.
type query struct {
	Range       string
	Granularity string
	Filter      sla.Filter
	// FromField and ToField are the custom range's dates as the form has them (2006-01-02);
	// From and To the period resolved, To exclusive.
	FromField, ToField string
	From, To           time.Time
}

// Bounds of a filter read from a request.
const (
	maxQueues    = 100
	maxQueueName = 100
)

// readQuery reads range=, from=, to=, granularity=, queue= (repeated) and channel= (repeated).
// Without a range, from or to make it custom; without either it is today. from and to are
// RFC 3339, 2006-01-02T15:04 or a date (a "to" date includes that day), in the service's time
// zone.
func (h *Handlers) readQuery(c echo.Context) (query, error) {
	loc := h.loc()
	q := query{Range: c.QueryParam("range"), Granularity: c.QueryParam("granularity"),
		FromField: strings.TrimSpace(c.QueryParam("from")), ToField: strings.TrimSpace(c.QueryParam("to"))}
	parse := func(field, v string, end bool) (time.Time, error) {
		if v == "" {
			return time.Time{}, nil
		}
		if tm, err := time.Parse(time.RFC3339, v); err == nil {
			return tm, nil
		}
		for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
			if tm, err := time.ParseInLocation(layout, v, loc); err == nil {
				return tm, nil
			}
		}
		if tm, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
			if end {
				tm = tm.AddDate(0, 0, 1) // "to" a date includes that whole day
			}
			return tm, nil
		}
		return time.Time{}, webkit.BadRequest("bad_time", i18n.T("stats.badTime", field, v))
	}
	from, err := parse("from", q.FromField, false)
	if err != nil {
		return q, err
	}
	to, err := parse("to", q.ToField, true)
	if err != nil {
		return q, err
	}
	if q.Range == "" {
		q.Range = "today"
		if q.FromField != "" || q.ToField != "" {
			q.Range = "custom"
		}
	}
	if q.Range == "custom" {
		// A custom range with one end only runs from it to today, or from a week before.
		switch {
		case from.IsZero() && !to.IsZero():
			from = to.AddDate(0, 0, -7)
		case to.IsZero() && !from.IsZero():
			now := h.now().In(loc)
			to = time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
		}
	}
	bim := 1
	if h.svc != nil && h.svc.Store != nil {
		if st, err := h.svc.Store.Settings(c.Request().Context()); err == nil {
			bim = st.BimesterStart
		}
	}
	if q.From, q.To, err = sla.ResolveRange(q.Range, from, to, h.now(), loc, bim); err != nil {
		return q, slaErr(err)
	}
	if q.Range == "custom" {
		// The form shows the period as dates, the last day included.
		q.FromField = q.From.In(loc).Format(time.DateOnly)
		q.ToField = q.To.In(loc).Add(-time.Second).Format(time.DateOnly)
	}
	if q.Granularity == "" {
		q.Granularity = "day"
		if q.Range == "today" {
			q.Granularity = "hour"
		}
	}
	if !slices.Contains(sla.Granularities, q.Granularity) {
		return q, webkit.BadRequest("bad_granularity", i18n.T("stats.badGranularity", q.Granularity))
	}
	params := c.QueryParams()
	for _, v := range params["queue"] {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(q.Filter.Queues, v) {
			if len([]rune(v)) > maxQueueName {
				return q, webkit.BadRequest("bad_queue", i18n.T("stats.badQueue"))
			}
			q.Filter.Queues = append(q.Filter.Queues, v)
		}
	}
	if len(q.Filter.Queues) > maxQueues {
		return q, webkit.BadRequest("bad_queue", i18n.T("stats.tooManyQueues", maxQueues))
	}
	for _, v := range params["channel"] {
		if v = strings.TrimSpace(v); v == "" || slices.Contains(q.Filter.Channels, v) {
			continue
		}
		if !telephony.Channel(v).Valid() {
			return q, webkit.BadRequest("bad_channel", i18n.T("stats.badChannel", v))
		}
		q.Filter.Channels = append(q.Filter.Channels, v)
	}
	return q, nil
}

// values is the query as URL parameters: the link of a saved view, the exports' links.
func (q query) values() url.Values {
	v := url.Values{"range": {q.Range}, "granularity": {q.Granularity}}
	if q.Range == "custom" {
		v.Set("from", q.FromField)
		v.Set("to", q.ToField)
	}
	for _, x := range q.Filter.Queues {
		v.Add("queue", x)
	}
	for _, x := range q.Filter.Channels {
		v.Add("channel", x)
	}
	return v
}

// figures answers /api/sla/figures: the fold of the period with the call SLAs rated against the
// contract's thresholds (no overflow rule: that is a report's).
type figures struct {
	Range       string                    `json:"range"`
	Granularity string                    `json:"granularity"`
	Filter      sla.Filter                `json:"filter"`
	SLA         map[string]sla.Assessment `json:"sla"`
	*sla.Result
}

func (h *Handlers) compute(c echo.Context) (query, *figures, error) {
	rp, err := h.reporter()
	if err != nil {
		return query{}, nil, err
	}
	q, err := h.readQuery(c)
	if err != nil {
		return q, nil, err
	}
	res, err := rp.Figures(c.Request().Context(), q.From, q.To, q.Filter)
	if err != nil {
		return q, nil, slaErr(err)
	}
	return q, &figures{Range: q.Range, Granularity: q.Granularity, Filter: q.Filter, SLA: sla.AssessCalls(res.Overall, 0), Result: res}, nil
}

// figuresAPI answers the period's figures as JSON, or with format=csv one row per bucket of the
// granularity after the period's total.
func (h *Handlers) figuresAPI(c echo.Context) error {
	q, f, err := h.compute(c)
	if err != nil {
		return err
	}
	switch c.QueryParam("format") {
	case "", "json":
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, f)
	case "csv":
		return h.writeCSV(c, q, f)
	}
	return webkit.BadRequest("bad_format", i18n.T("stats.badFormat"))
}

// csvHeader names the columns of the CSV export (English, like the JSON's fields).
var csvHeader = []string{"period", "from", "to", "offered", "answered", "answeredUnderThreshold", "answeredOverMaxWait",
	"abandoned", "abandonedShort", "overflowed", "blocked", "unfinished", "outOfHours", "transferred",
	"c1", "c2", "c3", "overflow", "sla7", "meanAnswerSeconds", "meanWaitSeconds", "meanTalkSeconds", "longestWaitSeconds"}

func (h *Handlers) writeCSV(c echo.Context, q query, f *figures) error {
	loc := h.loc()
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	webkit.Download(c, fmt.Sprintf("statistiche-%s-%s.csv", f.From.In(loc).Format("20060102"), q.Granularity))
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	frac := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(math.Round(*v*1e6)/1e6, 'f', -1, 64)
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	row := func(key string, from, to time.Time, x sla.Figures) []string {
		i := strconv.Itoa
		return []string{key, ts(from), ts(to), i(x.Offered), i(x.Answered), i(x.AnsweredUnder), i(x.AnsweredOverMax),
			i(x.Abandoned), i(x.AbandonedShort), i(x.Overflowed), i(x.Blocked), i(x.Unfinished), i(x.OutOfHours), i(x.Transferred),
			frac(x.C1), frac(x.C2), frac(x.C3), frac(x.Overflow), frac(x.SLA7), frac(x.MeanAnswer), frac(x.MeanWait), frac(x.MeanTalk),
			strconv.FormatInt(x.LongestWaitSeconds, 10)}
	}
	rows := [][]string{csvHeader, row("total", f.From, f.To, f.Overall)}
	for _, b := range f.Buckets(q.Granularity) {
		rows = append(rows, row(b.Key, b.From, b.To, b.Figures))
	}
	_ = w.WriteAll(rows) // an error is the client gone: the status is sent
	return nil
}

// queueLog exports the period's events in Asterisk's queue_log format (TEL-10), streamed from
// the log: a month is written line by line, not held.
func (h *Handlers) queueLog(c echo.Context) error {
	rp, err := h.reporter()
	if err != nil {
		return err
	}
	q, err := h.readQuery(c)
	if err != nil {
		return err
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, "text/plain; charset=utf-8")
	webkit.Download(c, "queue_log-"+q.From.In(h.loc()).Format("20060102-1504"))
	started := false
	err = rp.Calls.Each(c.Request().Context(), q.From, q.To, func(e telephony.Event) error {
		line, ok := telephony.QueueLogLine(e)
		if !ok {
			return nil
		}
		if !started {
			c.Response().WriteHeader(http.StatusOK)
			started = true
		}
		_, err := c.Response().Write([]byte(line + "\n"))
		return err
	})
	if err != nil && !started {
		return webkit.Internal(err)
	}
	if !started {
		c.Response().WriteHeader(http.StatusOK)
	}
	return nil // after the first line an error is the client gone, or a cut file it will see
}

// option is an entry of a select or a set of checkboxes.
type option struct {
	Value, Label string
	On           bool
}

// savedView is a saved view as the page lists it.
type savedView struct {
	Name    string
	URL     template.URL
	Summary string
	Current bool
}

// statsData is what the statistics page receives.
type statsData struct {
	Q             query
	Period        string // the period in words
	Ranges        []option
	Granularities []option
	Queues        []option
	Channels      []option
	F             *figures
	SLAs          []sla.Assessment
	Rows          []bucketRow
	Charts        []sla.Chart
	Query         template.URL // the period's parameters, for the export links
	Views         []savedView
	ViewName      string // the view open, if the page is one
	CanSave       bool
	Notice        string
	Erlang        *Erlang
	ErlangErr     string
	ErlangInput   map[string]string
	webkit.FormBase
}

// bucketRow is a row of the aggregation table.
type bucketRow struct {
	Label string
	F     sla.Figures
}

func (h *Handlers) statsPage(c echo.Context) error {
	q, f, err := h.compute(c)
	if err != nil {
		return err
	}
	loc := h.loc()
	d := statsData{Q: q, F: f, CanSave: canWrite(c) && h.svc.Store != nil, FormBase: webkit.FormOf(c),
		Query:  template.URL(q.values().Encode()),
		Charts: sla.FiguresCharts(f.Result, q.Granularity, "st-"),
		Period: i18n.T("stats.periodText", f.From.In(loc).Format("02/01/2006 15:04"), f.To.In(loc).Format("02/01/2006 15:04"))}
	for _, r := range sla.ViewRanges {
		d.Ranges = append(d.Ranges, option{r, i18n.T("stats.range." + r), r == q.Range})
	}
	for _, g := range sla.Granularities {
		d.Granularities = append(d.Granularities, option{g, i18n.T("stats.gran." + g), g == q.Granularity})
	}
	queues := append([]string(nil), h.svc.Queues...)
	for _, g := range f.ByQueue {
		queues = append(queues, g.Name)
	}
	queues = append(queues, q.Filter.Queues...)
	sort.Strings(queues)
	for _, name := range slices.Compact(queues) {
		if name != "" {
			d.Queues = append(d.Queues, option{name, name, slices.Contains(q.Filter.Queues, name)})
		}
	}
	for _, ch := range []telephony.Channel{telephony.Voice, telephony.Email, telephony.Web, telephony.Fax, telephony.VoicemailChan, telephony.CallbackChan} {
		d.Channels = append(d.Channels, option{string(ch), i18n.T("cti.channel." + string(ch)), slices.Contains(q.Filter.Channels, string(ch))})
	}
	for _, id := range []string{"C.1", "C.2", "C.3"} {
		d.SLAs = append(d.SLAs, f.SLA[id])
	}
	for _, b := range f.Buckets(q.Granularity) {
		d.Rows = append(d.Rows, bucketRow{sla.BucketLabel(q.Granularity, b), b.Figures})
	}
	if d.CanSave {
		user, _ := userOf(c)
		views, err := h.svc.Store.Views(c.Request().Context(), user)
		if err != nil {
			return webkit.Internal(err)
		}
		here := q.values().Encode()
		for _, v := range views {
			vq := viewQuery(v, loc)
			enc := vq.values().Encode()
			sv := savedView{Name: v.Name, URL: template.URL("/statistiche?" + enc + "&" + url.Values{"view": {v.Name}}.Encode()),
				Summary: i18n.T("stats.range."+v.Range) + " · " + i18n.T("stats.gran."+v.Granularity), Current: enc == here && c.QueryParam("view") == v.Name}
			if len(v.Filter.Queues) > 0 {
				sv.Summary += " · " + strings.Join(v.Filter.Queues, ", ")
			}
			if len(v.Filter.Channels) > 0 {
				sv.Summary += " · " + strings.Join(v.Filter.Channels, ", ")
			}
			if sv.Current {
				d.ViewName = v.Name
			}
			d.Views = append(d.Views, sv)
		}
	}
	switch {
	case c.QueryParam("saved") != "":
		d.Notice = i18n.T("stats.viewSaved", c.QueryParam("saved"))
	case c.QueryParam("deleted") != "":
		d.Notice = i18n.T("stats.viewDeleted", c.QueryParam("deleted"))
	}
	d.ErlangInput = map[string]string{"calls": "100", "interval": "30", "aht": "180", "target": "20", "sl": "80", "operators": ""}
	if c.QueryParam("calls") != "" {
		for k := range d.ErlangInput {
			d.ErlangInput[k] = c.QueryParam(k)
		}
		if e, err := erlangCalc(c.QueryParam); err != nil {
			d.ErlangErr = webkit.As(err).Msg
		} else {
			d.Erlang = &e
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.pages.Render(c, "stats", webkit.PageData{Title: i18n.T("stats.title"), Nav: "stats", Data: d})
}

// viewQuery is the query a saved view means.
func viewQuery(v sla.View, loc *time.Location) query {
	q := query{Range: v.Range, Granularity: v.Granularity, Filter: v.Filter}
	if v.Range == "custom" {
		q.FromField = v.From.In(loc).Format(time.DateOnly)
		q.ToField = v.To.In(loc).Add(-time.Second).Format(time.DateOnly)
	}
	return q
}

// viewOf is the view a form or a request describes: name, range, from, to, granularity,
// queue, channel, as the statistics page has them.
func (h *Handlers) viewOf(c echo.Context, owner string, get func(string) string, list func(string) []string) sla.View {
	loc := h.loc()
	v := sla.View{Owner: owner, Name: get("name"), Range: get("range"), Granularity: get("granularity")}
	for _, x := range list("queue") {
		if x = strings.TrimSpace(x); x != "" {
			v.Filter.Queues = append(v.Filter.Queues, x)
		}
	}
	for _, x := range list("channel") {
		if x = strings.TrimSpace(x); x != "" {
			v.Filter.Channels = append(v.Filter.Channels, x)
		}
	}
	if v.Range == "custom" {
		// Dates as the page shows them, the last day included; a bad one leaves the field
		// empty and the store explains.
		if t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(get("from")), loc); err == nil {
			v.From = t
		}
		if t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(get("to")), loc); err == nil {
			v.To = t.AddDate(0, 0, 1)
		}
	}
	return v
}

// saveViewForm saves the page's current filters under a name and opens the view.
func (h *Handlers) saveViewForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	user, err := userOf(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return webkit.BadRequest("bad_form", i18n.T("stats.badForm"))
	}
	v := h.viewOf(c, user, form.Get, func(k string) []string { return form[k] })
	if err := st.SaveView(c.Request().Context(), v); err != nil {
		return slaErr(err)
	}
	enc := viewQuery(v, h.loc()).values()
	enc.Set("view", strings.TrimSpace(v.Name))
	enc.Set("saved", strings.TrimSpace(v.Name))
	return c.Redirect(http.StatusSeeOther, "/statistiche?"+enc.Encode()+"#viste")
}

// deleteViewForm deletes one of the caller's views.
func (h *Handlers) deleteViewForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	user, err := userOf(c)
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	ok, err := st.DeleteView(c.Request().Context(), user, name)
	if err != nil {
		return webkit.Internal(err)
	}
	if !ok {
		return webkit.NotFound("stats.noView")
	}
	return c.Redirect(http.StatusSeeOther, "/statistiche?"+url.Values{"deleted": {name}}.Encode()+"#viste")
}

// viewsAPI lists the caller's views.
func (h *Handlers) viewsAPI(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	user, err := userOf(c)
	if err != nil {
		return err
	}
	views, err := st.Views(c.Request().Context(), user)
	if err != nil {
		return webkit.Internal(err)
	}
	if views == nil {
		views = []sla.View{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": views})
}

// putViewAPI saves a view of the caller: {"name", "range", "from", "to", "granularity",
// "filter": {"queues", "channels"}, "slas"}; the owner is the caller.
func (h *Handlers) putViewAPI(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	user, err := userOf(c)
	if err != nil {
		return err
	}
	var v sla.View
	if err := webkit.ReadJSON(c, &v); err != nil {
		return err
	}
	v.Owner = user
	if err := st.SaveView(c.Request().Context(), v); err != nil {
		return slaErr(err)
	}
	views, err := st.Views(c.Request().Context(), user)
	if err != nil {
		return webkit.Internal(err)
	}
	for _, x := range views {
		if x.Name == strings.TrimSpace(v.Name) {
			return c.JSON(http.StatusOK, x)
		}
	}
	return webkit.Internal(fmt.Errorf("view %q saved but not found", v.Name))
}

// deleteViewAPI deletes a view of the caller.
func (h *Handlers) deleteViewAPI(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	user, err := userOf(c)
	if err != nil {
		return err
	}
	name, err := url.PathUnescape(c.Param("name"))
	if err != nil {
		return webkit.NotFound("stats.noView")
	}
	ok, err := st.DeleteView(c.Request().Context(), user, name)
	if err != nil {
		return webkit.Internal(err)
	}
	if !ok {
		return webkit.NotFound("stats.noView")
	}
	return c.NoContent(http.StatusNoContent)
}
