package app

// The service-level jobs of a running Sportello: the heartbeats of ACD, IVR and CTI (SLA-1) and
// the scheduled e-mail of the reports (SLA-5). Each is a Run(ctx) job of package sla.

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
	"sportello/ticketing"
	webcc "sportello/web/contactcenter"
)

// slaJobs are the service-level jobs on db, once telephony has started. Without the operational
// database's tickets or without telephony there is nothing to watch.
func slaJobs(ctx context.Context, db *sqldb.DB, tickets *ticketing.Store, tel *webcc.Telephony, phone *telephonyPart, log *slog.Logger) ([]job, error) {
	if db == nil || tickets == nil || tel == nil || tel.EventStore == nil {
		return nil, nil
	}
	store, err := sla.Open(ctx, db, nil)
	if err != nil {
		return nil, err
	}
	var jobs []job
	run := func(name string, f func(context.Context) error) { jobs = append(jobs, job{name, f}) }
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
	if phone.adapter != nil {
		addr := phone.adapter.Addr()
		// The IVR is up when its SIP listener answers an OPTIONS request.
		beats = append(beats, &sla.Heartbeat{Component: sla.ComponentIVR, Check: func(ctx context.Context) error { return sipOptions(ctx, addr) }})
	}
	for _, h := range beats {
		h.Store, h.Logger = store, log
		run("heartbeat "+h.Component, h.Run)
	}
	if m := tickets.Mailer(); m != nil {
		rp := &sla.Reporter{Calls: sla.LiveCalls{Store: tel.EventStore, Log: acd.Log()}, Tickets: tickets, Store: store,
			Options: sla.Options{Calendar: tel.Calendar}}
		sched := &sla.Scheduler{Store: store, Reporter: rp, Mail: m, Logger: log}
		run("report e-mail", sched.Run)
	} else {
		log.Info("sla reports are not e-mailed: outbound mail is off (--mail-relay)")
	}
	return jobs, nil
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
