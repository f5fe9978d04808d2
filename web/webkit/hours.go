package webkit

// "Aperto ora" beside an office (KB-13): the one place where an office's weekly hours (kb's
// reading of their Italian text) meet the Italian holidays. kb imports no other domain, so the
// holiday-aware check lives here, on workcal's calendar — the same national holidays (rickar/cal)
// as the contact center's and the tickets' clocks.

import (
	"fmt"
	"time"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/kb"
	"sportello/workcal"
)

// OpenAt reports whether an office with hours h is open at t, closed on Italian national
// holidays, and the next change: when open, the time it closes (zero when it never closes
// within a week); when closed, the time it opens next (zero when it never opens). Hours with
// no readable interval are never open.
func OpenAt(h kb.OpeningHours, t time.Time) (open bool, next time.Time) {
	if !h.Known() {
		return false, time.Time{}
	}
	cal := workcal.Empty(clock.Rome())
	for d, xs := range h.Week {
		for _, x := range xs {
			cal.Week[d] = append(cal.Week[d], workcal.Band{From: time.Duration(x.Opens) * time.Minute, To: time.Duration(x.Closes) * time.Minute})
		}
	}
	t = t.In(clock.Rome())
	if !cal.IsOpen(t) {
		n, err := cal.NextOpen(t)
		if err != nil {
			return false, time.Time{}
		}
		return false, n
	}
	// Open: follow the bands that touch each other (a 24-hour office runs into the next day)
	// for at most a week.
	at := t
	for i := 0; i < 8; i++ {
		day := workcal.Midnight(at)
		end := time.Time{}
		for _, b := range cal.BandsOn(day) {
			s, e := workcal.At(day, b.From), workcal.At(day, b.To)
			if b.To == 24*time.Hour {
				e = workcal.Midnight(day.AddDate(0, 0, 1))
			}
			if !at.Before(s) && at.Before(e) {
				end = e
			}
		}
		if end.IsZero() {
			return true, at
		}
		if end.Sub(t) > 7*24*time.Hour {
			return true, time.Time{}
		}
		at = end
	}
	return true, time.Time{}
}

// OpenNow is what a page shows beside an office: "Aperto ora, chiude alle 13:00", "Chiuso, apre
// lun 9:00"; Known is false when the hours say nothing readable (nothing is shown then).
type OpenNow struct {
	Known bool
	Open  bool
	Label string
}

// OpenStatus is OpenAt for a page at time t.
func OpenStatus(u *kb.Unit, t time.Time) OpenNow {
	if u == nil {
		return OpenNow{}
	}
	h := u.Hours()
	if !h.Known() {
		return OpenNow{}
	}
	open, next := OpenAt(h, t)
	t = t.In(clock.Rome())
	s := OpenNow{Known: true, Open: open}
	switch {
	case open && next.IsZero():
		s.Label = i18n.T("hours.openAlways")
	case open:
		s.Label = i18n.T("hours.openUntil", hm(next))
	case next.IsZero():
		s.Label = i18n.T("hours.closed")
	case clock.Midnight(next).Equal(clock.Midnight(t)):
		s.Label = i18n.T("hours.closedOpensToday", hm(next))
	case next.Sub(t) < 6*24*time.Hour:
		s.Label = i18n.T("hours.closedOpensDay", kb.DayAbbrev(next.Weekday()), hm(next))
	default:
		s.Label = i18n.T("hours.closedOpensDate", clock.Date(next), hm(next))
	}
	return s
}

// hm is "9:00", as the hours are written.
func hm(t time.Time) string { return fmt.Sprintf("%d:%02d", t.Hour(), t.Minute()) }

// openStatusFunc is the template function openStatus: an office's (kb.Unit or *kb.Unit) status
// now, nil when its hours say nothing readable, for {{with openStatus .Office}}.
func openStatusFunc(u any) *OpenNow {
	var s OpenNow
	switch u := u.(type) {
	case kb.Unit:
		s = OpenStatus(&u, time.Now())
	case *kb.Unit:
		s = OpenStatus(u, time.Now())
	}
	if !s.Known {
		return nil
	}
	return &s
}
