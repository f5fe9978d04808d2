package sla

import (
	"context"
	"fmt"
	"time"

	"sportello/telephony"
	"sportello/ticketing"
)

// CallSource is the CTI log of any period: *telephony.EventStore, or LiveCalls in a running
// server (the store plus the events not saved yet).
type CallSource interface {
	Each(ctx context.Context, from, to time.Time, fn func(telephony.Event) error) error
	OperatorStates(ctx context.Context, at time.Time) ([]telephony.Event, error)
}

// TicketSource gives C.4 and O.1–O.3: *ticketing.Store.
type TicketSource interface {
	Figures(ctx context.Context, since, until time.Time) (*ticketing.Figures, error)
}

// LiveCalls is the saved log plus this process's events not saved yet, each once.
type LiveCalls struct {
	Store *telephony.EventStore
	Log   *telephony.EventLog
}

// Each reads the merged events of the period (the in-memory part is at most a few seconds).
func (l LiveCalls) Each(ctx context.Context, from, to time.Time, fn func(telephony.Event) error) error {
	events, err := l.Store.Merged(ctx, l.Log, from, to)
	if err != nil {
		return err
	}
	for _, e := range events {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// OperatorStates is the store's.
func (l LiveCalls) OperatorStates(ctx context.Context, at time.Time) ([]telephony.Event, error) {
	return l.Store.OperatorStates(ctx, at)
}

// Reporter computes figures and reports from the product's sources. Tickets and Store may be
// nil: the figures that need them are then reported as not measured.
type Reporter struct {
	Calls   CallSource
	Tickets TicketSource
	Store   *Store // uptime (SLA-1), notes
	Options Options
	// Planned is the planned volume in contacts a year; 0: the stored settings', else
	// DefaultPlanned.
	Planned float64
	// Tail is how long after a period its calls may still end (their events are read);
	// 0: 4 hours.
	Tail time.Duration
	Now  func() time.Time // nil: time.Now
}

func (r *Reporter) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Figures folds the CTI log of [from, to) with the reporter's options and the filter: the
// statistics page's and the supervisor's charts' data for any period up to MaxSpan.
func (r *Reporter) Figures(ctx context.Context, from, to time.Time, filter Filter) (*Result, error) {
	if to.Sub(from) > MaxSpan {
		return nil, invalid("il periodo supera %d giorni: sceglierne uno più breve", int(MaxSpan/(24*time.Hour)))
	}
	opt := r.Options
	opt.Filter = filter
	return r.fold(ctx, from, to, opt)
}

func (r *Reporter) fold(ctx context.Context, from, to time.Time, opt Options) (*Result, error) {
	if !to.After(from) {
		return nil, invalid("il periodo finisce prima di cominciare")
	}
	tail := r.Tail
	if tail <= 0 {
		tail = 4 * time.Hour
	}
	f := NewFold(from, to, r.now(), opt)
	states, err := r.Calls.OperatorStates(ctx, from)
	if err != nil {
		return nil, err
	}
	for _, e := range states {
		f.Add(e)
	}
	if err := r.Calls.Each(ctx, from, to.Add(tail), func(e telephony.Event) error {
		f.Add(e)
		return ctx.Err()
	}); err != nil {
		return nil, err
	}
	return f.Result(), nil
}

// Report is the monthly or bi-monthly service-level report (SLA-4, SLA-5): for each SLA the
// measured value, the threshold after the overflow rule, the deviation and the penalty points.
type Report struct {
	Period      Period    `json:"period"`
	GeneratedAt time.Time `json:"generatedAt"`
	// Complete is false for a period not over yet: its values are partial.
	Complete bool `json:"complete"`

	Offered    int `json:"offered"`
	Answered   int `json:"answered"`
	Abandoned  int `json:"abandoned"`
	Overflowed int `json:"overflowed"`
	Blocked    int `json:"blocked"`
	Unfinished int `json:"unfinished"`

	// The overflow rule (§8.7): Planned is the annual volume pro-rated to the period,
	// Growth = Offered / Planned − 1, ThresholdCut the points taken off each eased threshold.
	PlannedAnnual float64 `json:"plannedAnnual"`
	Planned       float64 `json:"planned"`
	Growth        float64 `json:"growth"`
	ThresholdCut  int     `json:"thresholdCut"`

	SLA          map[string]Assessment `json:"sla"`          // C.1 … O.3
	Availability map[string]Assessment `json:"availability"` // ACD.service … CTI.other (SLA-1)
	// PenaltyPoints is the sum of the penalty points; for a bimester, of its two months
	// (each SLA's reference period is the month, §7).
	PenaltyPoints int `json:"penaltyPoints"`

	Figures   Figures            `json:"figures"`
	Tickets   *ticketing.Figures `json:"tickets"`
	Uptime    []Availability     `json:"uptime"`
	Daily     []Bucket           `json:"daily"`
	Weekly    []Bucket           `json:"weekly"`
	Hours     [24]Figures        `json:"hours"`
	ByQueue   []Group            `json:"byQueue"`
	ByChannel []Group            `json:"byChannel"`
	// DailyTickets are C.4 and O.1–O.3 per day of creation, for the report's charts.
	DailyTickets []TicketDay `json:"dailyTickets,omitempty"`
	// Months are a bimester's two monthly reports, the contractual ones.
	Months   []*Report `json:"months,omitempty"`
	Note     *Note     `json:"note"`
	Warnings []string  `json:"warnings"` // Italian

	Contacts []*Contact `json:"-"` // the raw data
}

// TicketDay is one day's ticket figures.
type TicketDay struct {
	Day     string             `json:"day"`
	Figures *ticketing.Figures `json:"figures"`
}

// Report builds the report of p.
func (r *Reporter) Report(ctx context.Context, p Period) (*Report, error) {
	planned := r.Planned
	opt := r.Options
	var note *Note
	if r.Store != nil {
		st, err := r.Store.Settings(ctx)
		if err != nil {
			return nil, err
		}
		if planned <= 0 {
			planned = st.Planned
		}
		if opt.ShortAbandon <= 0 {
			opt.ShortAbandon = time.Duration(st.ShortAbandonSeconds) * time.Second
		}
		if note, err = r.Store.Note(ctx, p.Key()); err != nil {
			return nil, err
		}
	}
	if planned <= 0 {
		planned = DefaultPlanned
	}
	opt = opt.withDefaults()
	res, err := r.fold(ctx, p.From, p.To, opt)
	if err != nil {
		return nil, err
	}
	rep, err := r.assemble(ctx, p, res.Overall, planned, opt)
	if err != nil {
		return nil, err
	}
	rep.Note = note
	rep.Daily, rep.Weekly, rep.Hours, rep.ByQueue, rep.ByChannel, rep.Contacts = res.Daily, res.Weekly, res.Hours, res.ByQueue, res.ByChannel, res.Contacts
	if r.Tickets != nil {
		for _, d := range res.Daily {
			tf, err := r.Tickets.Figures(ctx, d.From, d.To)
			if err != nil {
				return nil, err
			}
			rep.DailyTickets = append(rep.DailyTickets, TicketDay{Day: d.Key, Figures: tf})
		}
	}
	if p.Kind == KindBimester {
		rep.PenaltyPoints = 0
		for i, m := range p.Months() {
			if i >= len(res.Monthly) {
				break
			}
			mr, err := r.assemble(ctx, m, res.Monthly[i].Figures, planned, opt)
			if err != nil {
				return nil, err
			}
			rep.Months = append(rep.Months, mr)
			rep.PenaltyPoints += mr.PenaltyPoints
		}
	}
	return rep, nil
}

// assemble rates the figures of one period against the contract.
func (r *Reporter) assemble(ctx context.Context, p Period, fig Figures, annual float64, opt Options) (*Report, error) {
	now := r.now()
	rep := &Report{Period: p, GeneratedAt: now.UTC().Truncate(time.Second), Complete: !now.Before(p.To), Figures: fig,
		Offered: fig.Offered, Answered: fig.Answered, Abandoned: fig.Abandoned, Overflowed: fig.Overflowed,
		Blocked: fig.Blocked, Unfinished: fig.Unfinished, PlannedAnnual: annual, Warnings: []string{}}
	rep.Planned = Planned(annual, p.From, p.To, opt.Location)
	rep.Growth = Growth(fig.Offered, rep.Planned)
	rep.ThresholdCut = ThresholdCut(rep.Growth)
	rep.SLA = assessCalls(fig, rep.ThresholdCut)
	if !rep.Complete {
		rep.Warnings = append(rep.Warnings, "Periodo in corso: i valori sono parziali.")
	}
	if fig.Unfinished > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d chiamate entrate in coda non hanno un esito nel registro (dati mancanti): sono tra le offerte, non tra le risposte.", fig.Unfinished))
	}
	if r.Tickets != nil {
		tf, err := r.Tickets.Figures(ctx, p.From, p.To)
		if err != nil {
			return nil, err
		}
		rep.Tickets = tf
		for id, a := range assessTickets(tf, rep.ThresholdCut) {
			rep.SLA[id] = a
		}
	} else {
		for _, id := range []string{"C.4", "O.1", "O.2", "O.3"} {
			rule, _ := RuleByID(id)
			rep.SLA[id] = Assess(rule, nil, 0, 0, rep.ThresholdCut)
		}
		rep.Warnings = append(rep.Warnings, "Ticket non disponibili: C.4 e O.1–O.3 non misurati.")
	}
	rep.Availability = map[string]Assessment{}
	for _, comp := range []string{ComponentACD, ComponentIVR, ComponentCTI} {
		av := Availability{Component: comp}
		if r.Store != nil {
			var err error
			if av, err = r.Store.Availability(ctx, comp, p.From, p.To, opt.Calendar); err != nil {
				return nil, err
			}
		}
		rep.Uptime = append(rep.Uptime, av)
		if !av.Measured {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("Disponibilità %s non misurata: il componente non ha mai segnalato di essere attivo.", componentName(comp)))
		}
		secs := func(d time.Duration) int64 { return int64(d / time.Second) }
		switch comp {
		case ComponentIVR:
			rule, _ := RuleByID("IVR")
			var v *float64
			if av.Measured {
				v = av.All()
			}
			rep.Availability["IVR"] = Assess(rule, v, secs(av.ServiceUp+av.OtherUp), secs(av.ServiceTotal+av.OtherTotal), 0)
		default:
			id := "ACD"
			if comp == ComponentCTI {
				id = "CTI"
			}
			rs, _ := RuleByID(id + ".service")
			ro, _ := RuleByID(id + ".other")
			var vs, vo *float64
			if av.Measured {
				vs, vo = av.Service(), av.Other()
			}
			rep.Availability[rs.ID] = Assess(rs, vs, secs(av.ServiceUp), secs(av.ServiceTotal), 0)
			rep.Availability[ro.ID] = Assess(ro, vo, secs(av.OtherUp), secs(av.OtherTotal), 0)
		}
	}
	for _, a := range rep.SLA {
		rep.PenaltyPoints += a.PenaltyPoints
	}
	for _, a := range rep.Availability {
		rep.PenaltyPoints += a.PenaltyPoints
	}
	return rep, nil
}

func componentName(c string) string {
	switch c {
	case ComponentACD:
		return "ACD"
	case ComponentIVR:
		return "IVR"
	}
	return "CTI"
}

// assessCalls rates C.1–C.3 from the call figures.
func assessCalls(f Figures, cut int) map[string]Assessment {
	out := map[string]Assessment{}
	c1, _ := RuleByID("C.1")
	out["C.1"] = Assess(c1, f.C1, int64(f.ServiceOffered), int64(f.ServiceContacts), cut)
	c2, _ := RuleByID("C.2")
	a := Assess(c2, f.C2, int64(f.AnsweredUnder), int64(f.Answered), cut)
	switch {
	case f.AnsweredOverMax > 0:
		// The second half of C.2: no call answered after 90 s. The penalty points are the
		// ratio's; the level is not met whatever the ratio.
		met := false
		a.Met = &met
		a.Note = fmt.Sprintf("%d chiamate risposte dopo 90 secondi (il capitolato non ne ammette).", f.AnsweredOverMax)
	case f.C2 == nil && f.Offered > 0:
		a.Note = fmt.Sprintf("Nessuna chiamata risposta: %d uscite dalla coda senza operatore, %d abbandonate.", f.Overflowed, f.Abandoned)
	}
	if f.Overflowed > 0 && a.Note == "" {
		a.Note = fmt.Sprintf("%d chiamate uscite dalla coda senza operatore (tempo massimo, richiamata, coda vuota).", f.Overflowed)
	}
	out["C.2"] = a
	c3, _ := RuleByID("C.3")
	a = Assess(c3, f.C3, int64(f.Abandoned), int64(f.Offered), cut)
	if f.AbandonedShort > 0 {
		a.Note = fmt.Sprintf("Di cui %d abbandoni brevi.", f.AbandonedShort)
	}
	out["C.3"] = a
	return out
}

// assessTickets rates C.4 and O.1–O.3 from the ticket figures.
func assessTickets(tf *ticketing.Figures, cut int) map[string]Assessment {
	out := map[string]Assessment{}
	val := func(num, den int) *float64 { return ratio(int64(num), int64(den)) }
	for _, x := range []struct {
		id       string
		num, den int
	}{
		{"C.4", tf.FirstContact, tf.Contacts},
		{"O.1", tf.TakenInTime, tf.Offline - tf.PendingTake},
		{"O.2", tf.SolvedInTime, tf.Offline - tf.PendingSolve},
		{"O.3", tf.SolvedInFinal, tf.Offline - tf.PendingFinal},
	} {
		rule, _ := RuleByID(x.id)
		out[x.id] = Assess(rule, val(x.num, x.den), int64(x.num), int64(x.den), cut)
	}
	return out
}

// SLAIDs lists the ids of a report's SLA map in the contract's order.
func SLAIDs() []string {
	ids := make([]string, 0, len(ServiceLevels))
	for _, r := range ServiceLevels {
		ids = append(ids, r.ID)
	}
	return ids
}

// AvailabilityIDs lists the ids of a report's Availability map in the contract's order.
func AvailabilityIDs() []string {
	ids := make([]string, 0, len(Infrastructure))
	for _, r := range Infrastructure {
		ids = append(ids, r.ID)
	}
	return ids
}
