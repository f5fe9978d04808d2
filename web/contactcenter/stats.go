package contactcenter

// The SLA statistics of the contact center (SLA-2, SLA-7) for any period, from the CTI event
// log: the statistics page and its API, the Asterisk queue_log export and the Erlang C
// staffing calculator.

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/telephony"
	"sportello/web/webkit"
)

// formulaTargets are the contractual thresholds (SLA-2): C.1 and C.2 at least 90 %, C.3 at
// most 5 %. The other formulas are shown without a target.
var formulaTargets = map[telephony.Formula]struct {
	min   bool
	value float64
}{
	telephony.FormulaC1: {true, 90},
	telephony.FormulaC2: {true, 90},
	telephony.FormulaC3: {false, 5},
}

// Formula is one service-level figure with its target.
type Formula struct {
	ID       string  `json:"id"`
	Label    string  `json:"label"`
	Percent  float64 `json:"percent"`
	Target   string  `json:"target,omitempty"` // ">= 90" or "<= 5"
	OK       *bool   `json:"ok,omitempty"`     // meets the target; absent without one
	Selected bool    `json:"selected,omitempty"`
	Met      string  `json:"-"` // "ok", "bad" or "" without a target: the page's class
}

// Figures are the counts and times of telephony.Stats, durations in seconds.
type Figures struct {
	Offered          int     `json:"offered"`
	Closed           int     `json:"closed"`
	Blocked          int     `json:"blocked"`
	Queued           int     `json:"queued"`
	Answered         int     `json:"answered"`
	AnsweredWithin   int     `json:"answeredWithinThreshold"`
	AnsweredWithin90 int     `json:"answeredWithinMaxWait"`
	AbandonedShort   int     `json:"abandonedWithinThreshold"`
	AbandonedLong    int     `json:"abandonedAfterThreshold"`
	Overflowed       int     `json:"overflowed"`
	Transferred      int     `json:"transferred"`
	Voicemails       int     `json:"voicemails"`
	CallbacksBooked  int     `json:"callbacksBooked"`
	LongestWait      float64 `json:"longestWaitSeconds"`
	ASA              float64 `json:"asaSeconds"`
	AvgTalk          float64 `json:"avgTalkSeconds"`
	AvgHandle        float64 `json:"avgHandleSeconds"`
	Occupancy        float64 `json:"occupancy"`
	NoneOverMaxWait  bool    `json:"noneOverMaxWait"`
}

// Stats is the answer of /api/cti/stats.
type Stats struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Queue     string    `json:"queue,omitempty"`
	Threshold int       `json:"thresholdSeconds"`
	MaxWait   int       `json:"maxWaitSeconds"`
	Figures   Figures   `json:"figures"`
	Formulas  []Formula `json:"formulas"`
	Selected  *Formula  `json:"selected,omitempty"`
}

func secs(d time.Duration) float64 { return math.Round(d.Seconds()*100) / 100 }

// period reads ?from= and ?to= (RFC 3339, "2006-01-02T15:04" as a datetime-local field sends
// it, or a date, in the calendar's time zone); the default is today so far.
func (t *Telephony) period(c echo.Context) (from, to time.Time, err error) {
	loc := clock.Rome()
	if t.Calendar != nil && t.Calendar.Location != nil {
		loc = t.Calendar.Location
	}
	now := time.Now().In(loc)
	parse := func(field, v string, end bool) (time.Time, error) {
		v = strings.TrimSpace(v)
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
		return time.Time{}, webkit.BadRequest("bad_time", i18n.T("cti.badTime", field, v))
	}
	// Today so far: an operator still logged in counts as staffed until now, not until
	// midnight, so the occupancy of the day is right.
	from = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	to = now.Truncate(time.Second).Add(time.Second)
	if v := c.QueryParam("from"); v != "" {
		if from, err = parse("from", v, false); err != nil {
			return
		}
	}
	if v := c.QueryParam("to"); v != "" {
		if to, err = parse("to", v, true); err != nil {
			return
		}
	}
	if !to.After(from) {
		err = webkit.BadRequest("bad_period", i18n.T("cti.badPeriod"))
	}
	return
}

// computeStats folds the log for the period and queue of the request.
func (t *Telephony) computeStats(c echo.Context) (Stats, error) {
	from, to, err := t.period(c)
	if err != nil {
		return Stats{}, err
	}
	queue := c.QueryParam("queue")
	threshold, maxWait := 30*time.Second, 90*time.Second
	if queue != "" {
		found := false
		for _, q := range t.Queues {
			if q.Name == queue {
				found = true
				if q.ServiceLevel > 0 {
					threshold = q.ServiceLevel
				}
				if q.MaxWait > 0 {
					maxWait = q.MaxWait
				}
			}
		}
		if !found && t.Queues != nil {
			return Stats{}, &webkit.HTTPError{Status: http.StatusNotFound, Code: "unknown_queue", Msg: i18n.T("cti.unknownQueue")}
		}
	}
	formula := telephony.Formula(c.QueryParam("formula"))
	if formula != "" && !validFormula(formula) {
		return Stats{}, webkit.BadRequest("bad_formula", i18n.T("cti.badFormula"))
	}
	// Calls offered just before "to" end after it: read the log a little beyond the period.
	events, err := t.periodEvents(c.Request().Context(), from, to.Add(2*time.Hour))
	if err != nil {
		return Stats{}, err
	}
	if queue != "" {
		events = telephony.FilterQueue(events, queue)
	}
	st := telephony.Compute(events, from, to, threshold, maxWait)
	out := Stats{From: from, To: to, Queue: queue, Threshold: int(threshold / time.Second), MaxWait: int(maxWait / time.Second),
		Figures: Figures{Offered: st.Offered, Closed: st.Closed, Blocked: st.Blocked, Queued: st.Queued, Answered: st.Answered,
			AnsweredWithin: st.AnsweredWithin, AnsweredWithin90: st.AnsweredWithin90, AbandonedShort: st.AbandonedShort,
			AbandonedLong: st.AbandonedLong, Overflowed: st.Overflowed, Transferred: st.Transferred, Voicemails: st.Voicemails,
			CallbacksBooked: st.CallbacksBooked, LongestWait: secs(st.LongestWait), ASA: secs(st.ASA), AvgTalk: secs(st.AvgTalk),
			AvgHandle: secs(st.AvgHandle), Occupancy: math.Round(st.Occupancy*10000) / 10000, NoneOverMaxWait: st.NoneOverMaxWait()}}
	for _, f := range telephony.Formulas {
		p := math.Round(st.Percent(f)*100) / 100
		fj := Formula{ID: string(f), Label: i18n.T("cti.formula." + string(f)), Percent: p, Selected: f == formula}
		if tg, ok := formulaTargets[f]; ok {
			ok := p >= tg.value
			fj.Target = fmt.Sprintf(">= %g", tg.value)
			if !tg.min {
				ok = p <= tg.value
				fj.Target = fmt.Sprintf("<= %g", tg.value)
			}
			if f == telephony.FormulaC2 && !st.NoneOverMaxWait() {
				ok = false // C.2 also requires that no call waited beyond the maximum
			}
			fj.OK = &ok
			fj.Met = "bad"
			if ok {
				fj.Met = "ok"
			}
		}
		out.Formulas = append(out.Formulas, fj)
		if fj.Selected {
			sel := fj
			out.Selected = &sel
		}
	}
	return out, nil
}

// periodEvents returns the events of a period: from the saved log when there is one, so that a
// period before the last restart is covered (issue 7 item 8, SLA-5), else from memory.
func (t *Telephony) periodEvents(ctx context.Context, from, to time.Time) ([]telephony.Event, error) {
	if t.EventStore == nil {
		return t.ACD.Log().Events(from, to), nil
	}
	return t.EventStore.Merged(ctx, t.ACD.Log(), from, to)
}

func validFormula(f telephony.Formula) bool {
	for _, x := range telephony.Formulas {
		if x == f {
			return true
		}
	}
	return false
}

// stats answers the period's figures as JSON, or as CSV with ?format=csv (the export).
func (h *Handlers) stats(c echo.Context) error {
	t, err := h.telephony()
	if err != nil {
		return err
	}
	st, err := t.computeStats(c)
	if err != nil {
		return err
	}
	switch c.QueryParam("format") {
	case "", "json":
		return c.JSON(http.StatusOK, st)
	case "csv":
		return writeCSV(c, st)
	}
	return webkit.BadRequest("bad_format", i18n.T("cti.badStatsFormat"))
}

func writeCSV(c echo.Context, st Stats) error {
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	hdr.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="statistiche-%s.csv"`, st.From.Format("20060102-1504")))
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	f := st.Figures
	rows := [][]string{
		{"figure", "value"},
		{"from", st.From.Format(time.RFC3339)},
		{"to", st.To.Format(time.RFC3339)},
		{"queue", st.Queue},
		{"thresholdSeconds", strconv.Itoa(st.Threshold)},
		{"maxWaitSeconds", strconv.Itoa(st.MaxWait)},
		{"offered", strconv.Itoa(f.Offered)},
		{"closed", strconv.Itoa(f.Closed)},
		{"blocked", strconv.Itoa(f.Blocked)},
		{"queued", strconv.Itoa(f.Queued)},
		{"answered", strconv.Itoa(f.Answered)},
		{"answeredWithinThreshold", strconv.Itoa(f.AnsweredWithin)},
		{"answeredWithinMaxWait", strconv.Itoa(f.AnsweredWithin90)},
		{"abandonedWithinThreshold", strconv.Itoa(f.AbandonedShort)},
		{"abandonedAfterThreshold", strconv.Itoa(f.AbandonedLong)},
		{"overflowed", strconv.Itoa(f.Overflowed)},
		{"transferred", strconv.Itoa(f.Transferred)},
		{"voicemails", strconv.Itoa(f.Voicemails)},
		{"callbacksBooked", strconv.Itoa(f.CallbacksBooked)},
		{"longestWaitSeconds", formatFloat(f.LongestWait)},
		{"asaSeconds", formatFloat(f.ASA)},
		{"avgTalkSeconds", formatFloat(f.AvgTalk)},
		{"avgHandleSeconds", formatFloat(f.AvgHandle)},
		{"occupancy", formatFloat(f.Occupancy)},
	}
	for _, fm := range st.Formulas {
		rows = append(rows, []string{"percent " + fm.ID, formatFloat(fm.Percent)})
	}
	if err := w.WriteAll(rows); err != nil {
		return nil // the client went away; the status is already sent
	}
	return nil
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// queueLog exports the period's events in Asterisk's queue_log format (TEL-10), for the
// tools that read it.
func (h *Handlers) queueLog(c echo.Context) error {
	t, err := h.telephony()
	if err != nil {
		return err
	}
	from, to, err := t.period(c)
	if err != nil {
		return err
	}
	events, err := t.periodEvents(c.Request().Context(), from, to)
	if err != nil {
		return err
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, "text/plain; charset=utf-8")
	hdr.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="queue_log-%s"`, from.Format("20060102-1504")))
	c.Response().WriteHeader(http.StatusOK)
	_ = telephony.WriteQueueLog(c.Response(), events)
	return nil
}

// Erlang is the Erlang C calculator's answer.
type Erlang struct {
	Calls         float64 `json:"calls"`
	IntervalMin   float64 `json:"intervalMinutes"`
	HandleSeconds float64 `json:"handleSeconds"`
	TargetSeconds float64 `json:"targetSeconds"`
	ServiceLevel  float64 `json:"serviceLevelTarget"` // percent
	Traffic       float64 `json:"trafficErlangs"`
	Needed        int     `json:"operatorsNeeded"`
	Operators     int     `json:"operators"` // the staffing evaluated: ?operators= or Needed
	ProbWait      float64 `json:"probWait"`
	SL            float64 `json:"serviceLevel"` // fraction answered within the target
	ASA           float64 `json:"asaSeconds"`
}

// erlangCalc reads the calculator's parameters: calls in the interval, the interval in minutes
// (default 30), the handle time and the target in seconds, the service level wanted in percent
// (default 80) and optionally a number of operators to evaluate.
func erlangCalc(get func(string) string) (Erlang, error) {
	num := func(name string, def float64, min, max float64) (float64, error) {
		v := strings.TrimSpace(strings.ReplaceAll(get(name), ",", "."))
		if v == "" {
			if def < 0 {
				return 0, webkit.BadRequest("bad_param", i18n.T("cti.erlang.missing", name))
			}
			return def, nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || f < min || f > max {
			return 0, webkit.BadRequest("bad_param", i18n.T("cti.erlang.bad", name, min, max))
		}
		return f, nil
	}
	var e Erlang
	var err error
	if e.Calls, err = num("calls", -1, 0, 1e6); err != nil {
		return e, err
	}
	if e.IntervalMin, err = num("interval", 30, 1, 24*60); err != nil {
		return e, err
	}
	if e.HandleSeconds, err = num("aht", -1, 1, 36000); err != nil {
		return e, err
	}
	if e.TargetSeconds, err = num("target", 20, 0, 3600); err != nil {
		return e, err
	}
	if e.ServiceLevel, err = num("sl", 80, 1, 99.9); err != nil {
		return e, err
	}
	ops, err := num("operators", 0, 0, 100000)
	if err != nil {
		return e, err
	}
	m := telephony.ErlangC{Calls: e.Calls, Interval: time.Duration(e.IntervalMin * float64(time.Minute)),
		HandleTime: time.Duration(e.HandleSeconds * float64(time.Second)), Target: time.Duration(e.TargetSeconds * float64(time.Second))}
	e.Traffic = math.Round(m.Traffic()*1000) / 1000
	if e.Needed, err = m.Operators(e.ServiceLevel / 100); err != nil {
		return e, webkit.BadRequest("bad_param", err.Error())
	}
	e.Operators = e.Needed
	if ops > 0 {
		e.Operators = int(ops)
	}
	e.ProbWait = math.Round(m.ProbWait(e.Operators)*10000) / 10000
	e.SL = math.Round(m.ServiceLevel(e.Operators)*10000) / 10000
	if asa := m.ASA(e.Operators); asa < time.Duration(math.MaxInt64) {
		e.ASA = secs(asa)
	} else {
		e.ASA = -1 // the queue grows without bound
	}
	return e, nil
}

// erlang is the Erlang C staffing calculator (SLA-2): operators needed for a traffic and a
// target, and the probability of waiting, service level and average speed of answer.
func (h *Handlers) erlang(c echo.Context) error {
	if _, err := h.telephony(); err != nil {
		return err
	}
	e, err := erlangCalc(c.QueryParam)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, e)
}

// statsPageData is what the statistics page receives.
type statsPageData struct {
	Stats         Stats
	From, To      string // for the datetime-local fields
	Queue         string
	Queues        []string
	Formula       string
	Query         template.URL // the period's query string, for the export links
	Erlang        *Erlang
	ErlangErr     string
	ErlangAsked   bool
	ErlangInput   map[string]string
	Formulas      []telephony.Formula
	ErlangDefault bool
}

func (h *Handlers) statsPage(c echo.Context) error {
	t, err := h.telephony()
	if err != nil {
		return err
	}
	st, err := t.computeStats(c)
	if err != nil {
		return err
	}
	d := statsPageData{Stats: st, Queue: st.Queue, Formula: c.QueryParam("formula"), Formulas: telephony.Formulas,
		From: st.From.Format("2006-01-02T15:04"), To: st.To.Format("2006-01-02T15:04")}
	for _, q := range t.Queues {
		d.Queues = append(d.Queues, q.Name)
	}
	qs := url.Values{"from": {st.From.Format(time.RFC3339)}, "to": {st.To.Format(time.RFC3339)}}
	if st.Queue != "" {
		qs.Set("queue", st.Queue)
	}
	d.Query = template.URL(qs.Encode())
	d.ErlangInput = map[string]string{"calls": "100", "interval": "30", "aht": "180", "target": "20", "sl": "80", "operators": ""}
	if c.QueryParam("calls") != "" {
		d.ErlangAsked = true
		for k := range d.ErlangInput {
			d.ErlangInput[k] = c.QueryParam(k)
		}
		e, err := erlangCalc(c.QueryParam)
		if err != nil {
			if he, ok := err.(*webkit.HTTPError); ok {
				d.ErlangErr = he.Msg
			} else {
				d.ErlangErr = err.Error()
			}
		} else {
			d.Erlang = &e
		}
	}
	return h.pages.Render(c, "stats", webkit.PageData{Title: i18n.T("cti.stats.title"), Nav: "stats", Data: d})
}
