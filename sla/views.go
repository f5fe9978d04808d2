package sla

// What the statistics page and the supervisor's screen ask of the figures (SLA-6): a saved
// view's range resolved to a period, the buckets of a granularity with their labels, the
// figures' charts, and the call SLAs of any period against their thresholds.

import (
	"fmt"
	"time"
)

// MaxSpan bounds the period of Reporter.Figures: a year and a few days, so that one request
// folds at most a year of calls (bounded work; a year's report is the largest anybody reads).
const MaxSpan = 370 * 24 * time.Hour

// ResolveRange turns a view's range (ViewRanges) into the period [from, to) it means at now,
// in loc: "today" and the last 7 or 30 days run to the end of today; "month", "bimester" and
// "year" are the calendar ones containing today (a bimester starts with a month of the
// parity of bimesterStart, 1: January–February…); "previous-month" is the last complete
// month; "custom" takes from and to as given. The error is Italian and wraps ErrInvalid.
func ResolveRange(rng string, from, to, now time.Time, loc *time.Location, bimesterStart int) (time.Time, time.Time, error) {
	if loc == nil {
		loc = romeLoc()
	}
	now = now.In(loc)
	today := dayStart(now)
	tomorrow := today.AddDate(0, 0, 1)
	switch rng {
	case "today":
		return today, tomorrow, nil
	case "7d":
		return today.AddDate(0, 0, -6), tomorrow, nil
	case "30d":
		return today.AddDate(0, 0, -29), tomorrow, nil
	case "month":
		m := monthStart(now)
		return m, m.AddDate(0, 1, 0), nil
	case "previous-month":
		m := monthStart(now)
		return m.AddDate(0, -1, 0), m, nil
	case "bimester":
		if bimesterStart < 1 || bimesterStart > 12 {
			bimesterStart = 1
		}
		m := monthStart(now)
		if (int(m.Month())-bimesterStart+12)%2 != 0 {
			m = m.AddDate(0, -1, 0)
		}
		return m, m.AddDate(0, 2, 0), nil
	case "year":
		y := yearStart(now)
		return y, y.AddDate(1, 0, 0), nil
	case "custom":
		if from.IsZero() || to.IsZero() {
			return from, to, invalid("l'intervallo personalizzato vuole un inizio e una fine")
		}
		if !to.After(from) {
			return from, to, invalid("il periodo finisce prima di cominciare")
		}
		if to.Sub(from) > MaxSpan {
			return from, to, invalid("il periodo supera %d giorni: sceglierne uno più breve", int(MaxSpan/(24*time.Hour)))
		}
		return from, to, nil
	}
	return from, to, invalid("intervallo %q sconosciuto", rng)
}

// Buckets are the figures of the period by granularity: "hour" the 24 hour bands of the whole
// period (keys "00"…"23"), "day", "week", "month" or "year" the calendar slices.
func (r *Result) Buckets(granularity string) []Bucket {
	switch granularity {
	case "hour":
		out := make([]Bucket, 24)
		for h := range out {
			out[h] = Bucket{Key: fmt.Sprintf("%02d", h), Figures: r.Hours[h]}
		}
		return out
	case "week":
		return r.Weekly
	case "month":
		return r.Monthly
	case "year":
		return r.Yearly
	}
	return r.Daily
}

// BucketLabel is how a bucket is named on a page and in a chart: "08–09", "05/10", "sett. 41
// (05/10)", "ottobre 2026", "2026".
func BucketLabel(granularity string, b Bucket) string {
	loc := b.From.Location()
	switch granularity {
	case "hour":
		var h int
		fmt.Sscanf(b.Key, "%d", &h)
		return fmt.Sprintf("%02d–%02d", h, h+1)
	case "week":
		_, w := b.From.ISOWeek()
		return fmt.Sprintf("sett. %d (%s)", w, b.From.In(loc).Format("02/01"))
	case "month":
		return mesi[b.From.Month()-1] + " " + b.From.Format("2006")
	case "year":
		return b.Key
	}
	return b.From.Format("02/01")
}

// granularityLabel names the x axis of a granularity.
func granularityLabel(granularity string) string {
	switch granularity {
	case "hour":
		return "fascia oraria"
	case "week":
		return "settimana"
	case "month":
		return "mese"
	case "year":
		return "anno"
	}
	return "giorno"
}

// AssessCalls rates C.1–C.3 of any set of figures against the contract's thresholds, eased by
// cut points (0 outside a report: the overflow rule is a report's).
func AssessCalls(f Figures, cut int) map[string]Assessment { return assessCalls(f, cut) }

// FiguresCharts are the statistics page's charts of a result at a granularity: calls by
// outcome, C.2 and C.3 against their thresholds, the mean times, and (unless the granularity
// is already the hour) the calls per hour band.
func FiguresCharts(r *Result, granularity, idPrefix string) []Chart {
	bs := r.Buckets(granularity)
	cats := make([]string, len(bs))
	var ans, late, ab, ov, bl, c2, c3, answerT, waitT, talkT []*float64
	for i, b := range bs {
		f := b.Figures
		cats[i] = BucketLabel(granularity, b)
		ans, late = append(ans, count(f.AnsweredUnder)), append(late, count(f.Answered-f.AnsweredUnder))
		ab, ov, bl = append(ab, count(f.Abandoned)), append(ov, count(f.Overflowed)), append(bl, count(f.Blocked))
		c2, c3 = append(c2, f.C2), append(c3, f.C3)
		answerT, waitT, talkT = append(answerT, f.MeanAnswer), append(waitT, f.MeanWait), append(talkT, f.MeanTalk)
	}
	axis := granularityLabel(granularity)
	o := r.Overall
	c2r, _ := RuleByID("C.2")
	c3r, _ := RuleByID("C.3")
	charts := []Chart{
		{ID: idPrefix + "esiti", Kind: "stacked", Title: "Chiamate per esito", Label: axis, Categories: cats,
			Desc: fmt.Sprintf("Chiamate entrate in coda per %s, divise tra risposte entro 30 secondi, risposte dopo, abbandonate e uscite senza operatore, più quelle respinte. Nel periodo: %d offerte, %d risposte (%d entro 30 secondi), %d abbandonate, %d uscite senza operatore, %d respinte.",
				axis, o.Offered, o.Answered, o.AnsweredUnder, o.Abandoned, o.Overflowed, o.Blocked),
			Series: []Series{{"risposte entro 30 s", ans}, {"risposte dopo 30 s", late}, {"abbandonate", ab}, {"uscite senza operatore", ov}, {"respinte", bl}}},
		{ID: idPrefix + "c2", Kind: "bar", Unit: "%", Title: "C.2 – risposte entro 30 secondi", Label: axis, Categories: cats,
			Thresholds: Uniform(c2r.Threshold, len(cats)), Series: []Series{{"C.2", c2}},
			Desc: fmt.Sprintf("Quota delle chiamate risposte entro 30 secondi per %s, con la soglia minima del %s. Nel periodo: %s.", axis, Format(&c2r.Threshold, "%"), Format(o.C2, "%"))},
		{ID: idPrefix + "c3", Kind: "bar", Unit: "%", Max: true, Title: "C.3 – chiamate abbandonate", Label: axis, Categories: cats,
			Thresholds: Uniform(c3r.Threshold, len(cats)), Series: []Series{{"C.3", c3}},
			Desc: fmt.Sprintf("Quota delle chiamate abbandonate in coda per %s, con la soglia massima del %s. Nel periodo: %s.", axis, Format(&c3r.Threshold, "%"), Format(o.C3, "%"))},
		{ID: idPrefix + "tempi", Kind: "line", Unit: "s", Title: "Tempi medi di risposta, attesa e conversazione", Label: axis, Categories: cats,
			Series: []Series{{"risposta", answerT}, {"attesa in coda", waitT}, {"conversazione", talkT}},
			Desc: fmt.Sprintf("Medie in secondi per %s. Nel periodo: risposta %s, attesa in coda %s, conversazione %s.", axis,
				Format(o.MeanAnswer, "s"), Format(o.MeanWait, "s"), Format(o.MeanTalk, "s"))},
	}
	if granularity != "hour" {
		hours := make([]string, 24)
		var perHour []*float64
		peak := 0
		for h := 0; h < 24; h++ {
			hours[h] = fmt.Sprintf("%02d", h)
			perHour = append(perHour, count(r.Hours[h].Offered))
			if r.Hours[h].Offered > r.Hours[peak].Offered {
				peak = h
			}
		}
		charts = append(charts, Chart{ID: idPrefix + "fasce", Kind: "bar", Title: "Chiamate per fascia oraria", Label: "ora di arrivo", Categories: hours,
			Desc:   fmt.Sprintf("Chiamate entrate in coda per ora del giorno in tutto il periodo; la fascia più carica è %02d–%02d con %d chiamate.", peak, peak+1, r.Hours[peak].Offered),
			Series: []Series{{"chiamate", perHour}}})
	}
	return charts
}

// TodayCharts are the supervisor's charts of a day so far, by hour band (the hours before the
// first call and after the last left out): the queue wait, the calls answered within 30
// seconds against C.2's threshold, and the calls abandoned against C.3's.
func TodayCharts(r *Result) []Chart {
	first, last := -1, -1
	for h := range r.Hours {
		if r.Hours[h].Offered > 0 || r.Hours[h].Blocked > 0 {
			if first < 0 {
				first = h
			}
			last = h
		}
	}
	var cats []string
	var wait, longest, c2, c3 []*float64
	if first >= 0 {
		for h := first; h <= last; h++ {
			f := r.Hours[h]
			cats = append(cats, fmt.Sprintf("%02d", h))
			wait, c2, c3 = append(wait, f.MeanWait), append(c2, f.C2), append(c3, f.C3)
			var lw *float64
			if f.LeftQueue > 0 {
				lw = count(int(f.LongestWaitSeconds))
			}
			longest = append(longest, lw)
		}
	}
	o := r.Overall
	c2r, _ := RuleByID("C.2")
	c3r, _ := RuleByID("C.3")
	return []Chart{
		{ID: "oggi-attesa", Kind: "line", Unit: "s", Title: "Attesa in coda oggi", Label: "ora di arrivo", Categories: cats,
			Series: []Series{{"attesa media", wait}, {"attesa più lunga", longest}},
			Desc: fmt.Sprintf("Attesa in coda delle chiamate di oggi per ora di arrivo, media e più lunga, in secondi. Da inizio giornata: %d chiamate entrate in coda, attesa media %s, più lunga %d s.",
				o.Offered, Format(o.MeanWait, "s"), o.LongestWaitSeconds)},
		{ID: "oggi-c2", Kind: "bar", Unit: "%", Title: "Risposte entro 30 secondi oggi", Label: "ora di arrivo", Categories: cats,
			Thresholds: Uniform(c2r.Threshold, len(cats)), Series: []Series{{"C.2", c2}},
			Desc: fmt.Sprintf("Quota delle chiamate risposte entro 30 secondi per ora, con la soglia minima del %s. Da inizio giornata: %s (%d su %d risposte).",
				Format(&c2r.Threshold, "%"), Format(o.C2, "%"), o.AnsweredUnder, o.Answered)},
		{ID: "oggi-c3", Kind: "bar", Unit: "%", Max: true, Title: "Chiamate abbandonate oggi", Label: "ora di arrivo", Categories: cats,
			Thresholds: Uniform(c3r.Threshold, len(cats)), Series: []Series{{"C.3", c3}},
			Desc: fmt.Sprintf("Quota delle chiamate abbandonate in coda per ora, con la soglia massima del %s. Da inizio giornata: %s (%d abbandonate su %d entrate in coda; %d uscite senza operatore).",
				Format(&c3r.Threshold, "%"), Format(o.C3, "%"), o.Abandoned, o.Offered, o.Overflowed)},
	}
}
