package sla

// Sets of reports e-mailed on a schedule (SLA-5, §8.4 "inoltro via posta elettronica di set di
// report"): after each month, and after each bimester, the reports go to the configured
// addresses through the Administration's mail relay, the one the tickets' mail uses.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"sportello/ticketing"
)

// Mailer sends one message through the relay: *ticketing.Mailer.
type Mailer interface {
	Deliver(msg ticketing.OutMessage, now time.Time) (string, error)
}

// Scheduler e-mails the reports that are due. Run it as a background job of the server.
type Scheduler struct {
	Store    *Store
	Reporter *Reporter
	Mail     Mailer
	Every    time.Duration    // how often it looks for reports due; 0: 10 minutes
	Now      func() time.Time // nil: time.Now
	Location *time.Location   // nil: Europe/Rome
	Logger   *slog.Logger     // nil: slog.Default()
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Scheduler) loc() *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return romeLoc()
}

// Due returns the reports due at now and not sent yet: the last month's once its sending day
// and hour have come, and the last bimester's likewise. Older periods are not sent after the
// fact: only the latest of each kind.
func (s *Scheduler) Due(ctx context.Context, now time.Time) ([]Period, error) {
	st, err := s.Store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if len(st.Recipients) == 0 {
		return nil, nil
	}
	loc := s.loc()
	local := now.In(loc)
	thisMonth := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc)
	sendAt := func(end time.Time) time.Time {
		return time.Date(end.Year(), end.Month(), st.Day, st.Hour, 0, 0, 0, loc)
	}
	var candidates []Period
	if st.Monthly {
		prev := thisMonth.AddDate(0, -1, 0)
		candidates = append(candidates, Month(prev.Year(), prev.Month(), loc))
	}
	if st.Bimonthly {
		// The latest bimester that has ended: it starts in a month of the configured parity.
		start := thisMonth.AddDate(0, -2, 0)
		if (int(start.Month())-st.BimesterStart+12)%2 != 0 {
			start = start.AddDate(0, -1, 0)
		}
		candidates = append(candidates, Bimester(start.Year(), start.Month(), loc))
	}
	var due []Period
	for _, p := range candidates {
		if now.Before(sendAt(p.To)) {
			continue
		}
		sent, err := s.Store.WasSent(ctx, p.Key())
		if err != nil {
			return nil, err
		}
		if sent == nil {
			due = append(due, p)
		}
	}
	return due, nil
}

// RunOnce sends the reports due now, as one set in one message.
func (s *Scheduler) RunOnce(ctx context.Context) ([]Period, error) {
	now := s.now()
	due, err := s.Due(ctx, now)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	st, err := s.Store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.Send(ctx, due, st.Recipients); err != nil {
		return nil, err
	}
	return due, nil
}

// Send builds the reports of periods and e-mails them to to as one message (the Excel report
// and the printable page of each), and records them as sent.
func (s *Scheduler) Send(ctx context.Context, periods []Period, to []string) (*Sent, error) {
	if s.Mail == nil {
		return nil, invalid("posta in uscita non configurata (--mail-relay e --mail-from)")
	}
	if len(to) == 0 {
		return nil, invalid("nessun destinatario per i report")
	}
	var msg ticketing.OutMessage
	msg.To = to
	var labels []string
	var body strings.Builder
	body.WriteString("Buongiorno,\n\nin allegato i report dei livelli di servizio del contact center.\n")
	for _, p := range periods {
		rep, err := s.Reporter.Report(ctx, p)
		if err != nil {
			return nil, err
		}
		var xlsx bytes.Buffer
		if err := rep.WriteXLSX(&xlsx); err != nil {
			return nil, err
		}
		page, err := rep.HTMLPage()
		if err != nil {
			return nil, err
		}
		name := "sla-" + p.Key()
		msg.Attachments = append(msg.Attachments,
			ticketing.OutAttachment{Name: name + ".xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: xlsx.Bytes()},
			ticketing.OutAttachment{Name: name + ".html", ContentType: "text/html; charset=utf-8", Data: page})
		labels = append(labels, kindLabel(p)+" "+p.Label)
		body.WriteString("\n")
		body.WriteString(rep.Text())
	}
	body.WriteString("\nMessaggio inviato automaticamente da Sportello.\n")
	msg.Subject = "Livelli di servizio: " + strings.Join(labels, ", ")
	msg.Body = body.String()
	now := s.now()
	id, err := s.Mail.Deliver(msg, now)
	if err != nil {
		return nil, err
	}
	sent := &Sent{Recipients: to, MessageID: id, At: now.UTC().Truncate(time.Millisecond)}
	for _, p := range periods {
		sent.Period = p.Key()
		if err := s.Store.markSent(ctx, *sent); err != nil {
			return nil, fmt.Errorf("sla: report %s sent (%s) but not recorded: %w", p.Key(), id, err)
		}
	}
	return sent, nil
}

func kindLabel(p Period) string {
	if p.Kind == KindBimester {
		return "report bimestrale"
	}
	return "report mensile"
}

// Run sends the reports due now and then every Every, until ctx ends; it returns nil then.
// A failed sending (relay down) is logged and tried again at the next round.
func (s *Scheduler) Run(ctx context.Context) error {
	every := s.Every
	if every <= 0 {
		every = 10 * time.Minute
	}
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		sent, err := s.RunOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("sla reports not sent; retrying", "err", err)
		case len(sent) > 0:
			for _, p := range sent {
				log.Info("sla report sent", "period", p.Key())
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Text is the report's summary as plain text, the body of the e-mail.
func (rep *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s – %s\n", strings.ToUpper(kindLabel(rep.Period)[:1])+kindLabel(rep.Period)[1:], rep.Period.Label)
	fmt.Fprintf(&b, "Chiamate offerte %d, risposte %d, abbandonate %d, uscite senza operatore %d, respinte %d.\n",
		rep.Offered, rep.Answered, rep.Abandoned, rep.Overflowed, rep.Blocked)
	fmt.Fprintf(&b, "Crescita sul volume previsto %s; riduzione delle soglie %d punti.\n", Format(&rep.Growth, "%"), rep.ThresholdCut)
	line := func(a Assessment) {
		op := "≥"
		if a.Direction == "max" {
			op = "≤"
		}
		fmt.Fprintf(&b, "  %-12s %9s  soglia %s %-8s  penale %d  %s\n", a.ID, Format(a.Value, "%"), op, Format(&a.Threshold, "%"), a.PenaltyPoints, yesNo(a.Met))
	}
	for _, id := range SLAIDs() {
		line(rep.SLA[id])
	}
	for _, id := range AvailabilityIDs() {
		line(rep.Availability[id])
	}
	fmt.Fprintf(&b, "Totale penali: %d punti.\n", rep.PenaltyPoints)
	for _, w := range rep.Warnings {
		fmt.Fprintf(&b, "Avvertenza: %s\n", w)
	}
	if rep.Note != nil {
		fmt.Fprintf(&b, "Nota del gestore del contratto: %s\n", rep.Note.Text)
	}
	return b.String()
}
