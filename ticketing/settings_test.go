package ticketing

import (
	"flag"
	"testing"
	"time"
)

func TestSettings(t *testing.T) {
	var s Settings
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	s.AddFlags(fs)
	err := fs.Parse([]string{"--sla-hours", "lun-ven=8:30-13:00,14:00-17:00;sab=9:00-12:00", "--local-holidays", "06-24 San Giovanni",
		"--closed-dates", "2026-12-24", "--mail-relay", "127.0.0.1:25", "--mail-from", "URP <urp@regione.example.it>", "--sla-take", "2h"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := s.Config(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Calendar
	if len(c.Week[time.Monday]) != 2 || len(c.Week[time.Saturday]) != 1 || len(c.Week[time.Sunday]) != 0 {
		t.Fatalf("week = %v", c.Week)
	}
	if c.Holiday(romeTime(2026, 12, 24, 10, 0)) == "" {
		t.Error("closed date not closed")
	}
	if cfg.Mail == nil || cfg.Mail.Relay != "127.0.0.1:25" || cfg.SLA.TakeInCharge != 2*time.Hour {
		t.Fatalf("config = %+v", cfg)
	}
	for _, bad := range [][]string{
		{"--sla-hours", "someday=8:00-9:00"},
		{"--sla-hours", "mon-fri"},
		{"--closed-dates", "24/12/2026"},
		{"--mail-relay", "nohost"},
		{"--mail-relay", "h:25", "--mail-from", "not an address"},
		{"--sla-hours", ""},
	} {
		var s Settings
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		s.AddFlags(fs)
		if err := fs.Parse(bad); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Config(t.TempDir()); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
