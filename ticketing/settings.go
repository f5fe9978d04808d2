package ticketing

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"sportello/workcal"
	"strings"
	"time"
)

// Settings are the ticketing options of `sportello serve`, as flags. The mail password is read
// from the environment (SPORTELLO_MAIL_PASSWORD), never from the command line.
type Settings struct {
	SMTPListen    string // address of the inbound SMTP listener; empty disables it
	SMTPDomain    string
	SMTPAddresses string // accepted recipients, comma-separated
	SMTPMaxMB     int64

	MailRelay  string // host:port; empty disables outbound email
	MailFrom   string
	MailUser   string
	MailLevel3 string
	Service    string

	Hours         string // weekly service hours of the SLA clocks
	LocalHolidays string
	ClosedDates   string
	AttachmentMB  int64
	SLATake       time.Duration
	SLAResolve    time.Duration
	SLAFinal      time.Duration
}

// DefaultSettings are the documented defaults: no mail, Monday to Friday 8:00–19:00, the SLA
// figures of the contract (O.1 4 h, O.2 24 h, O.3 48 h of working time), 10 MB attachments.
func DefaultSettings() Settings {
	var s Settings
	s.AddFlags(flag.NewFlagSet("defaults", flag.ContinueOnError))
	return s
}

// AddFlags registers the settings on fs with their defaults.
func (s *Settings) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&s.SMTPListen, "smtp-listen", "", "inbound email: SMTP listener address, e.g. 127.0.0.1:2525 (empty: off)")
	fs.StringVar(&s.SMTPDomain, "smtp-domain", "localhost", "inbound email: name announced by the SMTP listener")
	fs.StringVar(&s.SMTPAddresses, "smtp-address", "", "inbound email: accepted recipient addresses, comma-separated")
	fs.Int64Var(&s.SMTPMaxMB, "smtp-max-mb", 25, "inbound email: largest message accepted, in MB")
	fs.StringVar(&s.MailRelay, "mail-relay", "", "outbound email: SMTP relay host:port (empty: off)")
	fs.StringVar(&s.MailFrom, "mail-from", "", `outbound email: sender, e.g. "Contact Center <urp@regione.example.it>"`)
	fs.StringVar(&s.MailUser, "mail-user", "", "outbound email: relay user (password in $SPORTELLO_MAIL_PASSWORD)")
	fs.StringVar(&s.MailLevel3, "mail-level3", "", "outbound email: level-3 mailbox notified of rejected assignments")
	fs.StringVar(&s.Service, "service-name", "Contact Center", "name of the service signed in emails to citizens")
	fs.StringVar(&s.Hours, "sla-hours", "mon-fri=8:00-19:00", `service hours of the SLA clocks, e.g. "mon-fri=8:00-13:00,14:00-18:00;sat=8:00-12:00"`)
	fs.StringVar(&s.LocalHolidays, "local-holidays", "", `local holidays besides the national ones, e.g. "06-24 San Giovanni;12-07 Sant'Ambrogio"`)
	fs.StringVar(&s.ClosedDates, "closed-dates", "", "single closed dates, comma-separated, e.g. 2026-12-24,2026-12-31")
	fs.Int64Var(&s.AttachmentMB, "attachment-max-mb", 10, "largest attachment accepted, in MB")
	fs.DurationVar(&s.SLATake, "sla-take", 4*time.Hour, "O.1: working time to take an offline request in charge")
	fs.DurationVar(&s.SLAResolve, "sla-resolve", 24*time.Hour, "O.2: working time to resolve an offline request")
	fs.DurationVar(&s.SLAFinal, "sla-final", 48*time.Hour, "O.3: working time within which every offline request is resolved; also how long an incomplete request waits for the citizen's data before the final reminder (TK-13)")
}

// Config builds the store configuration (calendar, SLA, limits, mailer) from the settings.
func (s *Settings) Config(dataDir string) (Config, error) {
	cfg := Config{DataDir: dataDir, SLA: SLAPolicy{TakeInCharge: s.SLATake, Resolve: s.SLAResolve, Final: s.SLAFinal},
		Limits: AttachmentLimits{MaxSize: s.AttachmentMB << 20}}
	cal := workcal.Default()
	week, err := workcal.ParseWeek(s.Hours)
	if err != nil {
		return cfg, fmt.Errorf("ticketing: %w", err)
	}
	cal.Week = week
	if cal.Local, err = workcal.ParseLocalHolidays(s.LocalHolidays); err != nil {
		return cfg, fmt.Errorf("ticketing: %w", err)
	}
	closed, err := workcal.ParseDates(s.ClosedDates, cal.Location)
	if err != nil {
		return cfg, fmt.Errorf("ticketing: %w", err)
	}
	cal.Close(closed...)
	if _, err := cal.AddWorkingTime(time.Now(), time.Hour); err != nil {
		return cfg, errors.New("ticketing: the service hours leave no working time")
	}
	cfg.Calendar = cal
	if s.MailRelay != "" {
		if _, _, err := net.SplitHostPort(s.MailRelay); err != nil {
			return cfg, fmt.Errorf("ticketing: --mail-relay %q: want host:port", s.MailRelay)
		}
		if _, err := mail.ParseAddress(s.MailFrom); err != nil {
			return cfg, fmt.Errorf("ticketing: --mail-from %q: %v", s.MailFrom, err)
		}
		m := &Mailer{Relay: s.MailRelay, From: s.MailFrom, Level3: s.MailLevel3, Service: s.Service}
		if s.MailUser != "" {
			host, _, _ := net.SplitHostPort(s.MailRelay)
			m.Auth = smtp.PlainAuth("", s.MailUser, os.Getenv("SPORTELLO_MAIL_PASSWORD"), host)
		}
		cfg.Mail = m
	}
	return cfg, nil
}

// StartSMTP starts the inbound listener the settings describe, or returns nil when it is off.
func (st *Store) StartSMTP(s Settings) (*SMTPServer, error) {
	if s.SMTPListen == "" {
		return nil, nil
	}
	var addrs []string
	for _, a := range strings.Split(s.SMTPAddresses, ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return nil, errors.New("ticketing: --smtp-listen needs --smtp-address (the contact center's address)")
	}
	srv, _, err := st.ListenSMTP(s.SMTPListen, s.SMTPDomain, addrs, s.SMTPMaxMB<<20)
	return srv, err
}
