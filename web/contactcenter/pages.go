package contactcenter

import (
	"html"
	"html/template"
	"strconv"
	"strings"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/internal/role"
	"sportello/telephony"
)

// Template helpers of the contact-center pages.
// funcs are the template functions of the contact-center pages.
var funcs = template.FuncMap{
	"subnav":        subnav,
	"split":         func(s string) []string { return strings.Split(s, "|") },
	"chart":         chartOf,
	"consoleLabels": consoleLabels,
	"percent":       func(f float64) float64 { return f * 100 },
	"num":           func(f float64) string { return strings.Replace(formatFloat(float64(int(f*100+0.5))/100), ".", ",", 1) },
	"channelLabel":  channelLabel,
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func inRoles(r role.Role, roles []role.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// subnav is the small menu between the contact-center pages, with the entries the role may
// open.
func subnav(who role.Role, current string) template.HTML {
	var b strings.Builder
	b.WriteString(`<nav class="cti-nav" aria-label="` + html.EscapeString(i18n.T("cti.sup.title")) + `"><ul>`)
	item := func(href, nav, key string) {
		b.WriteString(`<li><a href="` + href + `"`)
		if nav == current {
			b.WriteString(` aria-current="page"`)
		}
		b.WriteString(`>` + html.EscapeString(i18n.T(key)) + `</a></li>`)
	}
	if inRoles(who, consoleRoles) {
		item("/operatore", "operator", "nav.operator")
	}
	if inRoles(who, supervisorRoles) {
		item("/supervisore", "supervisor", "nav.supervisor")
		item("/statistiche", "stats", "nav.stats")
		item("/livelli-servizio", "sla", "nav.slaReport")
	}
	if inRoles(who, adminRoles) {
		item("/annunci", "announcements", "nav.announcements")
	}
	b.WriteString(`</ul></nav>`)
	return template.HTML(b.String())
}

// chartData is a waiting-history chart drawn as inline SVG (no library; CSP allows no inline
// style, so the SVG uses attributes and classes only).
type chartData struct {
	Channel       string
	Width, Height int
	Waiting       string // polyline points
	Oldest        string
	MaxWaiting    int
	MaxOldest     int
	Samples       int
	Active        bool   // some contact waited (or the voice channel): worth drawing
	First, Last   string // times of the first and last sample
}

func chartOf(h History) chartData {
	const w, ht = 600, 120
	c := chartData{Channel: h.Channel, Width: w, Height: ht, Samples: len(h.Samples), MaxWaiting: 1, MaxOldest: 1}
	for _, s := range h.Samples {
		c.Active = c.Active || s.Waiting > 0 || h.Channel == string(telephony.Voice)
		c.MaxWaiting = max(c.MaxWaiting, s.Waiting)
		c.MaxOldest = max(c.MaxOldest, s.OldestWaitSeconds)
	}
	n := len(h.Samples)
	if n == 0 {
		return c
	}
	c.First, c.Last = clock.TimeSec(h.Samples[0].At), clock.TimeSec(h.Samples[n-1].At)
	var wp, op strings.Builder
	for i, s := range h.Samples {
		x := 0
		if n > 1 {
			x = i * w / (n - 1)
		}
		y1 := ht - s.Waiting*(ht-4)/c.MaxWaiting
		y2 := ht - s.OldestWaitSeconds*(ht-4)/c.MaxOldest
		if i > 0 {
			wp.WriteByte(' ')
			op.WriteByte(' ')
		}
		wp.WriteString(strconv.Itoa(x) + "," + strconv.Itoa(y1))
		op.WriteString(strconv.Itoa(x) + "," + strconv.Itoa(y2))
	}
	c.Waiting, c.Oldest = wp.String(), op.String()
	return c
}

// consoleLabels are the Italian names of statuses, states and channels, for the script of the
// supervisor's page (it reads them from a JSON data block: no string lives in the script).
func consoleLabels() map[string]string {
	out := map[string]string{}
	for _, p := range []string{"cti.status.", "cti.state.", "cti.channel."} {
		for k, v := range i18n.Prefixed(p) {
			out[strings.TrimPrefix(k, "cti.")] = v
		}
	}
	return out
}

// Notifies reports whether the pages of role load the notification script (static/notify.js):
// the roles with a desk, who are told of a new contact on whatever page they have open.
func Notifies(who role.Role) bool { return inRoles(who, consoleRoles) }

// Home is the contact-center page the main menu links for role, as a one-element list (the
// layout ranges over nothing for roles without one).
func Home(who role.Role) []string {
	switch {
	case inRoles(who, consoleRoles):
		return []string{"/operatore"}
	case inRoles(who, supervisorRoles):
		return []string{"/supervisore"}
	}
	return nil
}
