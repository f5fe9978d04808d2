package sla

// SLA-1: the availability of ACD, IVR and CTI, measured by the product itself. Each running
// component beats periodically while its own check passes; consecutive beats extend one
// stored interval [up_from, up_to], so a month of beats every 30 s is a handful of rows, not
// 86,400. Availability is the time those intervals cover over the period, split into service
// time and the rest by the working calendar.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"
)

// The components SLA-1 measures.
const (
	ComponentACD = "acd" // the call distributor: queues and routing
	ComponentIVR = "ivr" // the SIP front end: welcome, menus, announcements
	ComponentCTI = "cti" // the CTI event feed and its log (screen pops, statistics)
)

// Beat records that component is up at at. A beat within gap of the run's last one extends
// its interval; otherwise (the first beat, or after a failed check) a new interval starts.
func (s *Store) Beat(ctx context.Context, component, run string, at time.Time, gap time.Duration) error {
	ms := at.UnixMilli()
	res, err := s.db.Exec(ctx, `UPDATE sla_uptime SET up_to = ? WHERE component = ? AND run = ? AND up_to >= ? AND up_to <= ?`,
		ms, component, run, ms-gap.Milliseconds(), ms)
	if err != nil {
		return fmt.Errorf("sla: uptime: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO sla_uptime (component, run, up_from, up_to) VALUES (?, ?, ?, ?)`,
		component, run, ms, ms); err != nil {
		return fmt.Errorf("sla: uptime: %w", err)
	}
	return nil
}

// Availability is one component's measured uptime over a period.
type Availability struct {
	Component string `json:"component"`
	// Measured is false when the component never beat before the period's end: the
	// product was not watching it (no SIP front end, say), which is not the same as down.
	Measured bool      `json:"measured"`
	Since    time.Time `json:"since,omitzero"` // the first beat ever: the measure starts there
	// Up and Total, in service time and outside it (the working calendar's bands).
	ServiceUp    time.Duration `json:"serviceUp"`
	ServiceTotal time.Duration `json:"serviceTotal"`
	OtherUp      time.Duration `json:"otherUp"`
	OtherTotal   time.Duration `json:"otherTotal"`
}

// Service, Other and All are the shares of time up; nil with no time to measure.
func (a Availability) Service() *float64 { return share(a.ServiceUp, a.ServiceTotal) }
func (a Availability) Other() *float64   { return share(a.OtherUp, a.OtherTotal) }
func (a Availability) All() *float64 {
	return share(a.ServiceUp+a.OtherUp, a.ServiceTotal+a.OtherTotal)
}

func share(up, total time.Duration) *float64 {
	if total <= 0 {
		return nil
	}
	v := float64(up) / float64(total)
	return &v
}

// Availability measures component over [from, to), up to now, from the time it was first
// seen. cal splits service time from the rest; nil counts every hour as service time.
func (s *Store) Availability(ctx context.Context, component string, from, to time.Time, cal Calendar) (Availability, error) {
	av := Availability{Component: component}
	end := to
	if now := s.now(); now.Before(end) {
		end = now
	}
	var first *int64
	if err := s.db.QueryRow(ctx, `SELECT MIN(up_from) FROM sla_uptime WHERE component = ?`, component).Scan(&first); err != nil {
		return av, fmt.Errorf("sla: uptime: %w", err)
	}
	if first == nil || time.UnixMilli(*first).After(end) {
		return av, nil
	}
	av.Measured, av.Since = true, time.UnixMilli(*first).UTC()
	start := from
	if av.Since.After(start) {
		start = av.Since
	}
	if !end.After(start) {
		return av, nil
	}
	rows, err := s.db.Query(ctx, `SELECT up_from, up_to FROM sla_uptime WHERE component = ? AND up_to >= ? AND up_from < ? ORDER BY up_from`,
		component, start.UnixMilli(), end.UnixMilli())
	if err != nil {
		return av, fmt.Errorf("sla: uptime: %w", err)
	}
	defer rows.Close()
	service := func(a, b time.Time) time.Duration {
		if cal == nil {
			return b.Sub(a)
		}
		return cal.WorkingTime(a, b)
	}
	var curFrom, curTo time.Time
	addSpan := func() {
		if curTo.After(curFrom) {
			sv := service(curFrom, curTo)
			av.ServiceUp += sv
			av.OtherUp += curTo.Sub(curFrom) - sv
		}
	}
	for rows.Next() {
		var f, t int64
		if err := rows.Scan(&f, &t); err != nil {
			return av, fmt.Errorf("sla: uptime: %w", err)
		}
		a, b := time.UnixMilli(f), time.UnixMilli(t)
		if a.Before(start) {
			a = start
		}
		if b.After(end) {
			b = end
		}
		// Intervals of two runs may overlap (a restart while the old process still beat):
		// count their union once.
		if !curTo.IsZero() && !a.After(curTo) {
			if b.After(curTo) {
				curTo = b
			}
			continue
		}
		addSpan()
		curFrom, curTo = a, b
	}
	if err := rows.Err(); err != nil {
		return av, fmt.Errorf("sla: uptime: %w", err)
	}
	addSpan()
	total := end.Sub(start)
	av.ServiceTotal = service(start, end)
	av.OtherTotal = total - av.ServiceTotal
	return av, nil
}

// Heartbeat beats for one component while it runs and its Check passes (SLA-1). Run it as a
// background job of the server.
type Heartbeat struct {
	Store     *Store
	Component string
	Every     time.Duration               // 0: 30 s
	Check     func(context.Context) error // nil: up while running
	Now       func() time.Time            // nil: time.Now
	Logger    *slog.Logger                // nil: slog.Default()

	run string
}

// Beat checks the component once and records a beat when it is up.
func (h *Heartbeat) Beat(ctx context.Context) error {
	if h.run == "" {
		b := make([]byte, 8)
		rand.Read(b)
		h.run = hex.EncodeToString(b)
	}
	every := h.every()
	if h.Check != nil {
		cctx, cancel := context.WithTimeout(ctx, every/2)
		err := h.Check(cctx)
		cancel()
		if err != nil {
			return fmt.Errorf("sla: %s down: %w", h.Component, err)
		}
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	// A beat more than one and a half periods after the last one starts a new interval: a
	// single failed check shows as a gap.
	return h.Store.Beat(ctx, h.Component, h.run, now(), every*3/2)
}

func (h *Heartbeat) every() time.Duration {
	if h.Every <= 0 {
		return 30 * time.Second
	}
	return h.Every
}

// Run beats now and every Every until ctx ends; it returns nil then.
func (h *Heartbeat) Run(ctx context.Context) error {
	log := h.Logger
	if log == nil {
		log = slog.Default()
	}
	tick := time.NewTicker(h.every())
	defer tick.Stop()
	for {
		if err := h.Beat(ctx); err != nil && ctx.Err() == nil {
			log.Warn("sla heartbeat", "component", h.Component, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
