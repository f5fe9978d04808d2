package app

// The service levels of a running Sportello: the SLA store and the reporter behind the
// statistics and report pages, the heartbeats of ACD, IVR and CTI (SLA-1) and the scheduled
// e-mail of the reports (SLA-5). Each job is a Run(ctx) job of package sla.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"sportello/internal/sqldb"
	"sportello/sla"
	"sportello/telephony"
	"sportello/ticketing"
	webcc "sportello/web/contactcenter"
	"sportello/web/reports"
	"sportello/workcal"
)

// slaPart is the service levels of a running Sportello: the SLA store, the reporter the pages
// and the e-mailed reports read, and the scheduler that sends them.
type slaPart struct {
	store     *sla.Store
	reporter  *sla.Reporter
	scheduler *sla.Scheduler // nil: outbound mail is off
}

// openSLA opens the SLA store on db and builds the reporter on the CTI log: with telephony, the
// saved log plus this process's unsaved events; without, the saved log alone, which holds the
// calls imported from the Administration's PBX (sportello calls import). The service calendar
// is the telephony configuration's, else the default (Monday–Friday 8:00–19:00, national
// holidays closed), as for `sportello sla`.
func openSLA(ctx context.Context, db *sqldb.DB, tickets *ticketing.Store, tel *webcc.Telephony) (*slaPart, error) {
	if db == nil {
		return nil, nil
	}
	store, err := sla.Open(ctx, db, nil)
	if err != nil {
		return nil, err
	}
	cal := workcal.Default()
	var calls sla.CallSource
	switch {
	case tel != nil && tel.EventStore != nil:
		calls = sla.LiveCalls{Store: tel.EventStore, Log: tel.ACD.Log()}
	default:
		es, err := telephony.OpenEventStore(ctx, db)
		if err != nil {
			return nil, err
		}
		calls = es
	}
	if tel != nil && tel.Calendar != nil {
		cal = tel.Calendar
	}
	p := &slaPart{store: store}
	p.reporter = &sla.Reporter{Calls: calls, Store: store, Options: sla.Options{Calendar: cal, Location: cal.Location}}
	if tickets != nil {
		p.reporter.Tickets = tickets
		if m := tickets.Mailer(); m != nil {
			p.scheduler = &sla.Scheduler{Store: store, Reporter: p.reporter, Mail: m, Location: cal.Location}
		}
	}
	return p, nil
}

// service is what the web pages need of the service levels.
func (p *slaPart) service(tel *webcc.Telephony, log *slog.Logger) *reports.Service {
	if p == nil {
		return nil
	}
	svc := &reports.Service{Reporter: p.reporter, Store: p.store, Scheduler: p.scheduler, Location: p.reporter.Options.Location, Logger: log}
	if tel != nil {
		for _, q := range tel.Queues {
			svc.Queues = append(svc.Queues, q.Name)
		}
	}
	return svc
}

// slaJobs are the service-level jobs: the heartbeats of the running components (SLA-1) once
// telephony has started, and the scheduled e-mail of the reports (SLA-5) when outbound mail is
// on.
func slaJobs(p *slaPart, db *sqldb.DB, tel *webcc.Telephony, phone *telephonyPart, log *slog.Logger) []job {
	if p == nil {
		return nil
	}
	var jobs []job
	run := func(name string, f func(context.Context) error) { jobs = append(jobs, job{name, f}) }
	if tel != nil && tel.EventStore != nil {
		acd := tel.ACD
		beats := []*sla.Heartbeat{
			// The ACD is up when it answers: its lock is free and its state can be read.
			{Component: sla.ComponentACD, Check: func(ctx context.Context) error {
				done := make(chan struct{})
				go func() { acd.Snapshot(); close(done) }()
				select {
				case <-done:
					return nil
				case <-ctx.Done():
					return errors.New("the ACD does not answer")
				}
			}},
			// The CTI feed is up when its log can be saved: the database answers.
			{Component: sla.ComponentCTI, Check: func(ctx context.Context) error { return db.PingContext(ctx) }},
		}
		if phone != nil && phone.adapter != nil {
			addr := phone.adapter.Addr()
			// The IVR is up when its SIP listener answers an OPTIONS request.
			beats = append(beats, &sla.Heartbeat{Component: sla.ComponentIVR, Check: func(ctx context.Context) error { return sipOptions(ctx, addr) }})
		}
		for _, h := range beats {
			h.Store, h.Logger = p.store, log
			run("heartbeat "+h.Component, h.Run)
		}
	}
	if p.scheduler != nil {
		p.scheduler.Logger = log
		run("report e-mail", p.scheduler.Run)
	} else {
		log.Info("sla reports are not e-mailed: outbound mail is off (--mail-relay)")
	}
	return jobs
}

// sipOptions sends one SIP OPTIONS to addr over UDP and waits for a response.
func sipOptions(ctx context.Context, addr *net.UDPAddr) error {
	target := *addr
	if target.IP == nil || target.IP.IsUnspecified() {
		target.IP = net.IPv4(127, 0, 0, 1)
	}
	conn, err := net.DialUDP("udp", nil, &target)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	} else {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
	}
	b := make([]byte, 8)
	rand.Read(b)
	tag := hex.EncodeToString(b)
	local := conn.LocalAddr().String()
	uri := "sip:" + target.String()
	req := fmt.Sprintf("OPTIONS %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s\r\nMax-Forwards: 70\r\nFrom: <sip:sla@%s>;tag=%s\r\n"+
		"To: <%s>\r\nCall-ID: %s@sportello\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", uri, local, tag, local, tag, uri, tag)
	if _, err := conn.Write([]byte(req)); err != nil {
		return err
	}
	buf := make([]byte, 2048)
	n, err := conn.Read(buf)
	if err != nil {
		return fmt.Errorf("no answer from the SIP listener: %w", err)
	}
	if !strings.HasPrefix(string(buf[:n]), "SIP/2.0 ") {
		return errors.New("the SIP listener answered something that is not SIP")
	}
	return nil
}
