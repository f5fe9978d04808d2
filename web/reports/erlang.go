package reports

// The Erlang C staffing calculator (SLA-2) of the statistics page: operators needed for a
// traffic and a target, and the probability of waiting, service level and average speed of
// answer of a staffing (the model is telephony.ErlangC).

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/telephony"
	"sportello/web/webkit"
)

func secs(d time.Duration) float64 { return math.Round(d.Seconds()*100) / 100 }

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
				return 0, webkit.BadRequest("bad_param", i18n.T("erlang.missing", name))
			}
			return def, nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || f < min || f > max {
			return 0, webkit.BadRequest("bad_param", i18n.T("erlang.bad", name, min, max))
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
	e, err := erlangCalc(c.QueryParam)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, e)
}
