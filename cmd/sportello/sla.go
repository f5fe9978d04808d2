package main

// `sportello sla …`: the contract manager's service-level reports from scripts (SLA-4, SLA-5).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strings"
	"time"

	"sportello/internal/clock"
	"sportello/internal/fsperm"
	"sportello/internal/sqldb"
	"sportello/sla"
	"sportello/telephony"
	"sportello/ticketing"
	"sportello/workcal"
)

func init() {
	register(&command{
		name:    "sla",
		summary: "service-level reports: monthly and bi-monthly SLA with penalties (JSON, Excel, HTML), notes, e-mail settings",
		usage: `report (--month YYYY-MM | --bimester YYYY-MM) [--json | --xlsx | --html] [-o FILE]
       sportello sla note (--month YYYY-MM | --bimester YYYY-MM) [--author NAME] TEXT   ("" removes it, - reads stdin)
       sportello sla settings [--mail-to LIST] [--monthly=BOOL] [--bimonthly=BOOL] [--day N] [--hour N]
                              [--bimester-start M] [--planned N] [--short-abandon D] [--json]
       sportello sla send (--month YYYY-MM | --bimester YYYY-MM) [--to LIST] --mail-relay HOST:PORT --mail-from ADDR

report prints a summary, or the whole report as JSON (--json), an Excel workbook (--xlsx, needs
-o) or the printable HTML page (--html). The figures come from the contact center's event log
(Sportello's own calls and imported queue_logs), the tickets (C.4, O.1–O.3) and the components'
heartbeats (availability); service time is the --telephony configuration's calendar (default
Monday–Friday 8:00–19:00, national holidays closed). settings stores what serve e-mails and when.
Every command also takes --data DIR and --db DSN.`,
		run: runSLA,
	})
}

func runSLA(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	data := dataFlag(fs)
	dsn := dbFlag(fs)
	month := fs.String("month", "", "the month of the report, e.g. 2026-10")
	bimester := fs.String("bimester", "", "the first month of a bimester, e.g. 2026-09 for September–October")
	asJSON := fs.Bool("json", false, "report: the whole report as JSON; settings: print them as JSON")
	asXLSX := fs.Bool("xlsx", false, "report: an Excel workbook (needs -o)")
	asHTML := fs.Bool("html", false, "report: the printable HTML page")
	out := fs.String("o", "", "report: write to FILE instead of standard output")
	telFile := fs.String("telephony", os.Getenv("SPORTELLO_TELEPHONY"), "telephony configuration whose calendar gives the service time (env SPORTELLO_TELEPHONY)")
	planned := fs.Float64("planned", 0, "report: planned contacts a year for the overflow rule (default: the stored settings', 200000)")
	shortAb := fs.Duration("short-abandon", 0, "report, settings: callers hanging up within it are also counted as short abandons (0: off)")
	author := fs.String("author", os.Getenv("USER"), "note: who writes it")
	to := fs.String("to", "", "send: recipients, comma-separated (default: the stored settings')")
	relay := fs.String("mail-relay", "", "send: SMTP relay host:port")
	from := fs.String("mail-from", "", `send: sender, e.g. "Contact Center <urp@regione.example.it>"`)
	mailUser := fs.String("mail-user", "", "send: relay user (password in $SPORTELLO_MAIL_PASSWORD)")
	mailTo := fs.String("mail-to", "", "settings: recipients of the scheduled reports, comma-separated (\"\" for none)")
	monthly := fs.String("monthly", "", "settings: e-mail each month's report (true/false)")
	bimonthly := fs.String("bimonthly", "", "settings: e-mail each bimester's report (true/false)")
	day := fs.Int("day", 0, "settings: day of the month the reports go out (1–28)")
	hour := fs.Int("hour", 0, "settings: hour they go out (0–23)")
	bimStart := fs.Int("bimester-start", 0, "settings: month a bimester starts with (1: January–February…, 2: February–March…)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("missing subcommand: report, note, settings or send")
	}
	verb, rest := pos[0], pos[1:]
	set := map[string]bool{} // the flags given
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	period := func() (sla.Period, error) {
		switch {
		case *month != "" && *bimester != "":
			return sla.Period{}, usagef("--month and --bimester exclude each other")
		case *month != "":
			p, err := sla.ParsePeriod(sla.KindMonth, *month, clock.Rome())
			if err != nil {
				return p, usagef("--month: %v", err)
			}
			return p, nil
		case *bimester != "":
			p, err := sla.ParsePeriod(sla.KindBimester, *bimester, clock.Rome())
			if err != nil {
				return p, usagef("--bimester: %v", err)
			}
			return p, nil
		}
		return sla.Period{}, usagef("sla %s needs --month YYYY-MM or --bimester YYYY-MM", verb)
	}
	switch verb {
	case "report", "send", "settings":
		if len(rest) > 0 {
			return usagef("unexpected argument %q", rest[0])
		}
	case "note":
		if len(rest) != 1 {
			return usagef(`sla note needs exactly one TEXT ("" removes the note, - reads standard input)`)
		}
	default:
		return usagef("unknown subcommand %q: want report, note, settings or send", verb)
	}
	formats := 0
	for _, b := range []bool{*asJSON, *asXLSX, *asHTML} {
		if b {
			formats++
		}
	}
	if verb == "report" && formats > 1 {
		return usagef("choose one of --json, --xlsx, --html")
	}
	if *asXLSX && *out == "" {
		return usagef("--xlsx needs -o FILE")
	}
	var p sla.Period
	if verb != "settings" {
		if p, err = period(); err != nil {
			return err
		}
	}
	var noteText string
	if verb == "note" {
		noteText = rest[0]
		if noteText == "-" {
			b, err := io.ReadAll(io.LimitReader(os.Stdin, 4*sla.MaxNote+1))
			if err != nil {
				return err
			}
			noteText = string(b)
		}
	}
	cal := workcal.New(clock.Rome())
	if *telFile != "" {
		raw, err := os.ReadFile(*telFile)
		if err != nil {
			return fmt.Errorf("telephony: %w", err)
		}
		setup, err := telephony.ParseConfig(*telFile, raw)
		if err != nil {
			return err
		}
		cal = setup.Calendar
	}

	ctx := context.Background()
	if err := fsperm.MkdirAll(*data); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	db, err := sqldb.Open(*dsn, *data)
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := sla.Open(ctx, db, nil)
	if err != nil {
		return err
	}
	st, err := store.Settings(ctx)
	if err != nil {
		return err
	}

	switch verb {
	case "note":
		if err := store.SetNote(ctx, p.Key(), noteText, *author); err != nil {
			return slaErr(err)
		}
		if strings.TrimSpace(noteText) == "" {
			fmt.Fprintf(stdout, "note of %s removed\n", p.Key())
		} else {
			fmt.Fprintf(stdout, "note of %s saved\n", p.Key())
		}
		return nil
	case "settings":
		if set["mail-to"] {
			st.Recipients = strings.Split(*mailTo, ",")
		}
		for _, b := range []struct {
			v   string
			dst *bool
			f   string
		}{{*monthly, &st.Monthly, "monthly"}, {*bimonthly, &st.Bimonthly, "bimonthly"}} {
			switch b.v {
			case "":
			case "true", "sì", "si", "yes":
				*b.dst = true
			case "false", "no":
				*b.dst = false
			default:
				return usagef("--%s %q: true or false", b.f, b.v)
			}
		}
		if set["day"] {
			st.Day = *day
		}
		if set["hour"] {
			st.Hour = *hour
		}
		if set["bimester-start"] {
			st.BimesterStart = *bimStart
		}
		if set["planned"] {
			st.Planned = *planned
		}
		if set["short-abandon"] {
			st.ShortAbandonSeconds = int(*shortAb / time.Second)
		}
		changed := false
		for _, f := range []string{"mail-to", "monthly", "bimonthly", "day", "hour", "bimester-start", "planned", "short-abandon"} {
			changed = changed || set[f]
		}
		if changed {
			if err := store.SaveSettings(ctx, st); err != nil {
				return slaErr(err)
			}
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(st)
		}
		fmt.Fprintf(stdout, "recipients      %s\nmonthly         %v\nbimonthly       %v\nsent on day     %d at %02d:00\nbimester start  %d\nplanned a year  %.0f\nshort abandon   %ds\n",
			orNone(strings.Join(st.Recipients, ", ")), st.Monthly, st.Bimonthly, st.Day, st.Hour, st.BimesterStart, st.Planned, st.ShortAbandonSeconds)
		return nil
	}

	events, err := telephony.OpenEventStore(ctx, db)
	if err != nil {
		return err
	}
	tickets, err := ticketing.Open(ctx, db, ticketing.Config{DataDir: *data})
	if err != nil {
		return err
	}
	opt := sla.Options{Calendar: cal, ShortAbandon: time.Duration(st.ShortAbandonSeconds) * time.Second}
	if set["short-abandon"] {
		opt.ShortAbandon = *shortAb
	}
	rp := &sla.Reporter{Calls: events, Tickets: tickets, Store: store, Options: opt, Planned: *planned}

	if verb == "send" {
		rcpt := st.Recipients
		if *to != "" {
			rcpt = strings.Split(*to, ",")
		}
		if *relay == "" || *from == "" {
			return usagef("sla send needs --mail-relay and --mail-from")
		}
		if _, _, err := net.SplitHostPort(*relay); err != nil {
			return usagef("--mail-relay %q: want host:port", *relay)
		}
		if _, err := mail.ParseAddress(*from); err != nil {
			return usagef("--mail-from %q: %v", *from, err)
		}
		m := &ticketing.Mailer{Relay: *relay, From: *from}
		if *mailUser != "" {
			host, _, _ := net.SplitHostPort(*relay)
			m.Auth = smtp.PlainAuth("", *mailUser, os.Getenv("SPORTELLO_MAIL_PASSWORD"), host)
		}
		sched := &sla.Scheduler{Store: store, Reporter: rp, Mail: m}
		sent, err := sched.Send(ctx, []sla.Period{p}, rcpt)
		if err != nil {
			return slaErr(err)
		}
		fmt.Fprintf(stdout, "report %s sent to %s (%s)\n", p.Key(), strings.Join(sent.Recipients, ", "), sent.MessageID)
		return nil
	}

	rep, err := rp.Report(ctx, p)
	if err != nil {
		return slaErr(err)
	}
	var buf bytes.Buffer
	switch {
	case *asJSON:
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	case *asXLSX:
		err = rep.WriteXLSX(&buf)
	case *asHTML:
		var page []byte
		page, err = rep.HTMLPage()
		buf.Write(page)
	default:
		buf.WriteString(rep.Text())
	}
	if err != nil {
		return err
	}
	if *out == "" || *out == "-" {
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	return writeFileAtomic(*out, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
}

// slaErr strips the package prefix of an invalid-input error: the user reads the Italian.
func slaErr(err error) error {
	if errors.Is(err, sla.ErrInvalid) {
		return errors.New(strings.TrimPrefix(err.Error(), sla.ErrInvalid.Error()+": "))
	}
	return err
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
