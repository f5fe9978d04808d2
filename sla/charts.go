package sla

// Charts as server-rendered SVG (SLA-6, §8.4 "visualizzabili anche in formato grafico"): the
// statistics page, the supervisor's screen and the printable report embed them, and the same
// data goes into the Excel report's native charts. They are written by hand rather than with
// a charting library because the Go ones (go-chart, gonum/plot) draw pictures without the
// accessible structure we need: role="img" with <title> and <desc>, a data table beside, and
// series told apart by pattern, marker shape and label, never by colour alone. The charts
// needed are few (bars, stacked bars, lines, a threshold) and small.

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Chart is the data of one chart.
type Chart struct {
	ID         string // unique on the page: prefixes the ids inside the SVG
	Title      string // Italian
	Desc       string // one or two sentences saying what the chart shows: the text alternative
	Kind       string // "bar" (grouped), "stacked" or "line"
	Categories []string
	Series     []Series
	Unit       string // "%" (values are fractions, shown as percentages), "s" (seconds) or "" (counts)
	// Thresholds, one per category (nil: none for it), drawn as a dashed mark with its value.
	// A value on the wrong side of its threshold gets a "!" above it and "sotto soglia" or
	// "oltre soglia" in the table; Max says the threshold is a maximum.
	Thresholds []*float64
	Max        bool
	// Label is the label of the x axis (e.g. "giorno di ottobre 2026").
	Label string
}

// Series is one named row of values; nil is "no data" (drawn as a gap).
type Series struct {
	Name   string
	Values []*float64
}

// Uniform returns n copies of a threshold, for a chart with one threshold for all.
func Uniform(v float64, n int) []*float64 {
	out := make([]*float64, n)
	for i := range out {
		out[i] = &v
	}
	return out
}

// Format renders a value in Italian: "93,2 %", "41 s", "1.234".
func Format(v *float64, unit string) string {
	if v == nil {
		return "n.d."
	}
	switch unit {
	case "%":
		return itNumber(*v*100, 1) + " %"
	case "s":
		return itNumber(*v, 0) + " s"
	}
	if *v == math.Trunc(*v) {
		return itNumber(*v, 0)
	}
	return itNumber(*v, 2)
}

// itNumber writes x with dec decimals, a decimal comma and dots between thousands.
func itNumber(x float64, dec int) string {
	s := strconv.FormatFloat(x, 'f', dec, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += "," + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// The series' looks: colour, fill pattern (bars) and marker and dash (lines). Patterns and
// markers carry the meaning; colours only help.
var seriesLook = []struct {
	color, pattern, marker, dash string
}{
	{"#1f5fa8", "solid", "circle", ""},
	{"#b5471b", "hatch", "square", "6 3"},
	{"#3c7d3a", "dots", "triangle", "2 3"},
	{"#6b4c9a", "cross", "diamond", "10 3 2 3"},
	{"#8a6d00", "vhatch", "circle", "1 2"},
}

const (
	chartW, chartH                       = 720, 340
	padLeft, padRight, padTop, padBottom = 64, 16, 40, 78
)

func (c *Chart) scaleMax() float64 {
	m := 0.0
	if c.Kind == "stacked" {
		for i := range c.Categories {
			sum := 0.0
			for _, s := range c.Series {
				if i < len(s.Values) && s.Values[i] != nil {
					sum += *s.Values[i]
				}
			}
			m = math.Max(m, sum)
		}
	} else {
		for _, s := range c.Series {
			for _, v := range s.Values {
				if v != nil {
					m = math.Max(m, *v)
				}
			}
		}
	}
	for _, t := range c.Thresholds {
		if t != nil {
			m = math.Max(m, *t)
		}
	}
	if c.Unit == "%" {
		return math.Max(m, 1) // percentages: the whole 0–100 % scale
	}
	if m <= 0 {
		return 1
	}
	// A round top: 1, 2 or 5 times a power of ten.
	p := math.Pow(10, math.Floor(math.Log10(m)))
	for _, k := range []float64{1, 2, 5, 10} {
		if k*p >= m {
			return k * p
		}
	}
	return 10 * p
}

// breach reports whether v is on the wrong side of threshold t.
func (c *Chart) breach(v, t *float64) bool {
	if v == nil || t == nil {
		return false
	}
	if c.Max {
		return *v > *t+1e-12
	}
	return *v < *t-1e-12
}

// SVG renders the chart.
func (c *Chart) SVG() []byte {
	var b bytes.Buffer
	esc := html.EscapeString
	id := c.ID
	if id == "" {
		id = "chart"
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="%s-title %s-desc" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" font-size="12">`,
		id, id, chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(c.Title), id, esc(c.Desc))
	// Fill patterns of the bar series.
	b.WriteString(`<defs>`)
	for i, l := range seriesLook {
		pid := fmt.Sprintf("%s-p%d", id, i)
		switch l.pattern {
		case "hatch":
			fmt.Fprintf(&b, `<pattern id="%s" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><rect width="3" height="6" fill="%s"/></pattern>`, pid, l.color)
		case "dots":
			fmt.Fprintf(&b, `<pattern id="%s" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.6" fill="%s"/></pattern>`, pid, l.color)
		case "cross":
			fmt.Fprintf(&b, `<pattern id="%s" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#fff"/><path d="M0 0L6 6M6 0L0 6" stroke="%s" stroke-width="1.2"/></pattern>`, pid, l.color)
		case "vhatch":
			fmt.Fprintf(&b, `<pattern id="%s" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#fff"/><rect width="2" height="5" fill="%s"/></pattern>`, pid, l.color)
		}
	}
	b.WriteString(`</defs>`)
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15" font-weight="bold">%s</text>`, padLeft, esc(c.Title))
	plotW, plotH := float64(chartW-padLeft-padRight), float64(chartH-padTop-padBottom)
	top := c.scaleMax()
	y := func(v float64) float64 { return float64(padTop) + plotH - v/top*plotH }
	// Grid and y axis labels.
	b.WriteString(`<g aria-hidden="true">`)
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		yy := y(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ccc" stroke-width="1"/>`, padLeft, yy, chartW-padRight, yy)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`, padLeft-6, yy+4, esc(Format(&v, c.Unit)))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`, padLeft, padTop+int(plotH), chartW-padRight, padTop+int(plotH))
	b.WriteString(`</g>`)
	n := len(c.Categories)
	if n == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d">Nessun dato</text></svg>`, padLeft+10, padTop+30)
		return b.Bytes()
	}
	slot := plotW / float64(n)
	x := func(i int) float64 { return float64(padLeft) + slot*float64(i) }
	// Category labels: at most about 16, so they do not overlap.
	every := (n + 15) / 16
	for i, cat := range c.Categories {
		if i%every != 0 {
			continue
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" aria-hidden="true">%s</text>`, x(i)+slot/2, padTop+int(plotH)+16, esc(cat))
	}
	if c.Label != "" {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" aria-hidden="true">%s</text>`, float64(padLeft)+plotW/2, padTop+int(plotH)+34, esc(c.Label))
	}
	label := func(i int, s Series, v *float64) string {
		return esc(c.Categories[i] + ", " + s.Name + ": " + Format(v, c.Unit))
	}
	switch c.Kind {
	case "line":
		for si, s := range c.Series {
			l := seriesLook[si%len(seriesLook)]
			var path strings.Builder
			pen := false
			for i, v := range s.Values {
				if i >= n {
					break
				}
				if v == nil {
					pen = false
					continue
				}
				cmd := "L"
				if !pen {
					cmd = "M"
				}
				fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(i)+slot/2, y(*v))
				pen = true
			}
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="%s" aria-hidden="true"/>`, strings.TrimSpace(path.String()), l.color, l.dash)
			for i, v := range s.Values {
				if i >= n || v == nil {
					continue
				}
				fmt.Fprintf(&b, `<g>%s<title>%s</title></g>`, marker(l.marker, x(i)+slot/2, y(*v), l.color), label(i, s, v))
			}
		}
	default:
		stacked := c.Kind == "stacked"
		groups := len(c.Series)
		if stacked {
			groups = 1
		}
		barW := slot * 0.8 / float64(groups)
		for i := 0; i < n; i++ {
			base := 0.0
			for si, s := range c.Series {
				if i >= len(s.Values) || s.Values[i] == nil {
					continue
				}
				v := *s.Values[i]
				l := seriesLook[si%len(seriesLook)]
				bx := x(i) + slot*0.1
				if !stacked {
					bx += barW * float64(si)
				}
				y0, y1 := y(base+v), y(base)
				fill := l.color
				if l.pattern != "solid" {
					fill = fmt.Sprintf("url(#%s-p%d)", id, si%len(seriesLook))
				}
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="%s" stroke-width="0.8"><title>%s</title></rect>`,
					bx, y0, math.Max(barW-1, 1), math.Max(y1-y0, 0), fill, l.color, label(i, s, s.Values[i]))
				if stacked {
					base += v
				}
			}
		}
	}
	// Thresholds: a dashed mark per category, joined into a line where they are equal, with
	// the value written once; and a "!" over each value on the wrong side.
	var lastT *float64
	for i := 0; i < n && i < len(c.Thresholds); i++ {
		t := c.Thresholds[i]
		if t == nil {
			lastT = nil
			continue
		}
		yy := y(*t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000" stroke-width="1.5" stroke-dasharray="5 3" aria-hidden="true"/>`, x(i), yy, x(i)+slot, yy)
		if lastT == nil || *lastT != *t {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" aria-hidden="true">soglia %s</text>`, x(i)+2, yy-4, esc(Format(t, c.Unit)))
		}
		lastT = t
		for si, s := range c.Series {
			if i < len(s.Values) && c.breach(s.Values[i], t) {
				bx := x(i) + slot/2
				if c.Kind == "bar" && len(c.Series) > 1 {
					barW := slot * 0.8 / float64(len(c.Series))
					bx = x(i) + slot*0.1 + barW*(float64(si)+0.5)
				}
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold" font-size="13" aria-hidden="true">!</text>`, bx, y(*s.Values[i])-6)
			}
		}
	}
	// Legend: swatch (pattern or marker and dash) and name.
	lx, ly := float64(padLeft), float64(chartH-18)
	for si, s := range c.Series {
		l := seriesLook[si%len(seriesLook)]
		if c.Kind == "line" {
			fmt.Fprintf(&b, `<g aria-hidden="true"><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>%s</g>`,
				lx, ly-4, lx+24, ly-4, l.color, l.dash, marker(l.marker, lx+12, ly-4, l.color))
		} else {
			fill := l.color
			if l.pattern != "solid" {
				fill = fmt.Sprintf("url(#%s-p%d)", id, si%len(seriesLook))
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="24" height="12" fill="%s" stroke="%s" aria-hidden="true"/>`, lx, ly-10, fill, l.color)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" aria-hidden="true">%s</text>`, lx+30, ly, esc(s.Name))
		lx += 40 + float64(7*len([]rune(s.Name)))
	}
	if len(c.Thresholds) > 0 {
		fmt.Fprintf(&b, `<g aria-hidden="true"><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000" stroke-width="1.5" stroke-dasharray="5 3"/><text x="%.1f" y="%.1f">soglia (! = fuori soglia)</text></g>`,
			lx, ly-4, lx+24, ly-4, lx+30, ly)
	}
	b.WriteString(`</svg>`)
	return b.Bytes()
}

// marker draws a series' marker: the shape tells the series apart without colour.
func marker(kind string, x, y float64, color string) string {
	switch kind {
	case "square":
		return fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="8" height="8" fill="%s"/>`, x-4, y-4, color)
	case "triangle":
		return fmt.Sprintf(`<path d="M%.1f %.1fL%.1f %.1fL%.1f %.1fZ" fill="%s"/>`, x, y-5, x+5, y+4, x-5, y+4, color)
	case "diamond":
		return fmt.Sprintf(`<path d="M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ" fill="%s"/>`, x, y-5, x+5, y, x, y+5, x-5, y, color)
	}
	return fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>`, x, y, color)
}

// Table renders the chart's data as an HTML table: the text alternative of the chart, and
// what a screen reader or a printout reads.
func (c *Chart) Table() []byte {
	var b bytes.Buffer
	esc := html.EscapeString
	fmt.Fprintf(&b, `<table class="chart-data" id="%s-data"><caption>%s</caption><thead><tr><th scope="col">%s</th>`,
		esc(c.ID), esc(c.Title), esc(orDefault(c.Label, "categoria")))
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<th scope="col">%s</th>`, esc(s.Name))
	}
	if len(c.Thresholds) > 0 {
		b.WriteString(`<th scope="col">soglia</th>`)
	}
	b.WriteString(`</tr></thead><tbody>`)
	for i, cat := range c.Categories {
		fmt.Fprintf(&b, `<tr><th scope="row">%s</th>`, esc(cat))
		var t *float64
		if i < len(c.Thresholds) {
			t = c.Thresholds[i]
		}
		for _, s := range c.Series {
			var v *float64
			if i < len(s.Values) {
				v = s.Values[i]
			}
			cell := Format(v, c.Unit)
			if c.breach(v, t) {
				if c.Max {
					cell += " (oltre soglia)"
				} else {
					cell += " (sotto soglia)"
				}
			}
			fmt.Fprintf(&b, `<td>%s</td>`, esc(cell))
		}
		if len(c.Thresholds) > 0 {
			prefix := "≥ "
			if c.Max {
				prefix = "≤ "
			}
			cell := "—"
			if t != nil {
				cell = prefix + Format(t, c.Unit)
			}
			fmt.Fprintf(&b, `<td>%s</td>`, esc(cell))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	return b.Bytes()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func count(n int) *float64 {
	v := float64(n)
	return &v
}

// ReportCharts are the charts of a report, in the order the printable page and the Excel
// report show them.
func ReportCharts(rep *Report) []Chart {
	days := make([]string, len(rep.Daily))
	for i, d := range rep.Daily {
		days[i] = d.From.Format("02/01")
	}
	dayLabel := "giorno (" + rep.Period.Label + ")"
	var charts []Chart
	var ans, ab, ov, bl []*float64
	var c2, c3, answerT, talkT []*float64
	for _, d := range rep.Daily {
		f := d.Figures
		ans, ab, ov, bl = append(ans, count(f.Answered)), append(ab, count(f.Abandoned)), append(ov, count(f.Overflowed)), append(bl, count(f.Blocked))
		c2, c3 = append(c2, f.C2), append(c3, f.C3)
		answerT, talkT = append(answerT, f.MeanAnswer), append(talkT, f.MeanTalk)
	}
	charts = append(charts, Chart{ID: "volumi", Kind: "stacked", Title: "Chiamate al giorno per esito", Label: dayLabel, Categories: days,
		Desc: fmt.Sprintf("Chiamate entrate in coda ogni giorno, divise tra risposte, abbandonate e uscite senza operatore, più quelle respinte a coda piena. Nel periodo: %d offerte, %d risposte, %d abbandonate, %d uscite senza operatore, %d respinte.",
			rep.Offered, rep.Answered, rep.Abandoned, rep.Overflowed, rep.Blocked),
		Series: []Series{{"risposte", ans}, {"abbandonate", ab}, {"uscite senza operatore", ov}, {"respinte", bl}}})
	hours := make([]string, 24)
	var perHour []*float64
	for h := 0; h < 24; h++ {
		hours[h] = fmt.Sprintf("%02d", h)
		perHour = append(perHour, count(rep.Hours[h].Offered))
	}
	peak := 0
	for h := range rep.Hours {
		if rep.Hours[h].Offered > rep.Hours[peak].Offered {
			peak = h
		}
	}
	charts = append(charts, Chart{ID: "fasce", Kind: "bar", Title: "Chiamate per fascia oraria", Label: "ora di arrivo", Categories: hours,
		Desc:   fmt.Sprintf("Chiamate entrate in coda per ora del giorno in tutto il periodo; la fascia più carica è %02d–%02d con %d chiamate.", peak, peak+1, rep.Hours[peak].Offered),
		Series: []Series{{"chiamate", perHour}}})
	var ids []string
	var vals, thr []*float64
	for _, id := range SLAIDs() {
		a := rep.SLA[id]
		t := a.Threshold
		ids, vals, thr = append(ids, id), append(vals, a.Value), append(thr, &t)
	}
	charts = append(charts, Chart{ID: "livelli", Kind: "bar", Unit: "%", Title: "Livelli di servizio e soglie", Label: "livello di servizio",
		Categories: ids, Thresholds: thr, Series: []Series{{"valore misurato", vals}},
		Desc: "Valore misurato di ogni livello di servizio accanto alla sua soglia (C.3 è un massimo, le altre sono minimi). " + slaSummary(rep)})
	// C.3's threshold is a maximum: its own chart; C.2's a minimum.
	c2t := rep.SLA["C.2"].Threshold
	charts = append(charts, Chart{ID: "c2", Kind: "line", Unit: "%", Title: "C.2 – risposte entro 30 secondi, per giorno", Label: dayLabel, Categories: days,
		Thresholds: Uniform(c2t, len(days)), Series: []Series{{"C.2", c2}},
		Desc: fmt.Sprintf("Quota giornaliera delle chiamate risposte entro 30 secondi, con la soglia minima del %s. Nel periodo: %s.", Format(&c2t, "%"), Format(rep.SLA["C.2"].Value, "%"))})
	c3t := rep.SLA["C.3"].Threshold
	charts = append(charts, Chart{ID: "c3", Kind: "line", Unit: "%", Max: true, Title: "C.3 – chiamate abbandonate, per giorno", Label: dayLabel, Categories: days,
		Thresholds: Uniform(c3t, len(days)), Series: []Series{{"C.3", c3}},
		Desc: fmt.Sprintf("Quota giornaliera delle chiamate abbandonate in coda, con la soglia massima del %s. Nel periodo: %s.", Format(&c3t, "%"), Format(rep.SLA["C.3"].Value, "%"))})
	charts = append(charts, Chart{ID: "tempi", Kind: "line", Unit: "s", Title: "Tempo medio di risposta e di conversazione, per giorno", Label: dayLabel, Categories: days,
		Series: []Series{{"risposta (attesa in coda)", answerT}, {"conversazione", talkT}},
		Desc: fmt.Sprintf("Medie giornaliere in secondi. Nel periodo: risposta %s, conversazione %s, attesa in coda di tutte le chiamate %s.",
			Format(rep.Figures.MeanAnswer, "s"), Format(rep.Figures.MeanTalk, "s"), Format(rep.Figures.MeanWait, "s"))})
	ids, vals, thr = nil, nil, nil
	for _, id := range AvailabilityIDs() {
		a := rep.Availability[id]
		t := a.Threshold
		ids, vals, thr = append(ids, id), append(vals, a.Value), append(thr, &t)
	}
	charts = append(charts, Chart{ID: "disponibilita", Kind: "bar", Unit: "%", Title: "Disponibilità di ACD, IVR e CTI", Label: "componente",
		Categories: ids, Thresholds: thr, Series: []Series{{"disponibilità", vals}},
		Desc: "Quota del tempo in cui ogni componente era attivo, nel service time e nelle restanti fasce orarie, con le soglie del capitolato; n.d. dove non misurato."})
	return charts
}

// slaSummary says in words which SLAs are below threshold.
func slaSummary(rep *Report) string {
	var bad []string
	for _, id := range SLAIDs() {
		if a := rep.SLA[id]; a.Met != nil && !*a.Met {
			bad = append(bad, id)
		}
	}
	if len(bad) == 0 {
		return "Tutti i livelli misurati rispettano la soglia."
	}
	return "Fuori soglia: " + strings.Join(bad, ", ") + "."
}
