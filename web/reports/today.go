package reports

// The supervisor's charts of the day (TEL-3, SLA-6): the queue wait, the calls answered within
// 30 seconds and the calls abandoned, by hour since the first call, from sla like every other
// figure. The supervisor page of web/contactcenter shows the block this renders.

import (
	"bytes"
	"html/template"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/sla"
)

// todayData is what the block receives.
type todayData struct {
	At     string // when the figures were read, 15:04
	F      sla.Figures
	SLAs   []sla.Assessment
	Charts []sla.Chart
	Err    bool
}

// Today renders the charts of today so far as an HTML block for the supervisor's page; ""
// without a reporter. A failure is logged and the block says the charts are unavailable: the
// live view around it must still work.
func (h *Handlers) Today(c echo.Context) template.HTML {
	rp, err := h.reporter()
	if err != nil {
		return ""
	}
	now := h.now().In(h.loc())
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	d := todayData{At: now.Format("15:04")}
	res, err := rp.Figures(c.Request().Context(), from, from.AddDate(0, 0, 1), sla.Filter{})
	if err != nil {
		h.log.Error("supervisor: the charts of today", "err", err)
		d.Err = true
	} else {
		d.F, d.Charts = res.Overall, sla.TodayCharts(res)
		a := sla.AssessCalls(res.Overall, 0)
		d.SLAs = []sla.Assessment{a["C.2"], a["C.3"]}
	}
	var b bytes.Buffer
	if err := h.today.Execute(&b, d); err != nil {
		h.log.Error("supervisor: the charts of today", "err", err)
		return ""
	}
	return template.HTML(b.String())
}
