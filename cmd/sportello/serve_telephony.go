package main

// The contact-center core in `sportello serve` (issue 7): the ACD built from --telephony (or the
// embedded demo configuration with --demo), its tick loop, the announcements store, callback
// booking and voicemail on the ticketing system, and the component the web pages use.

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"sportello/contactcenter"
	"sportello/internal/fsperm"
	"sportello/kb"
	"sportello/telephony"
	"sportello/telephony/media"
	"sportello/telephony/sip"
	"sportello/ticketing"
	webcc "sportello/web/contactcenter"
)

// telephonyWiring holds serve's telephony flags, and the SIP adapter once started.
type telephonyWiring struct {
	file    *string
	token   *string
	sample  *time.Duration
	sip     *string
	prompts *string

	sipConfig  *sip.Config // parsed by build, started by start
	recordings *telephony.Recordings
	log        *slog.Logger
	adapter    *sip.Adapter

	// persister saves the CTI log to the operational database (SLA-5); started by start,
	// flushed a last time by stop.
	persister     *telephony.Persister
	stopPersister func()
	acd           *telephony.ACD // logged out at stop
}

func telephonyFlags(fs *flag.FlagSet) *telephonyWiring {
	return &telephonyWiring{
		file: fs.String("telephony", os.Getenv("SPORTELLO_TELEPHONY"),
			"telephony configuration (JSON: queues, operators, calendar); with --demo and no file, the demo's (env SPORTELLO_TELEPHONY)"),
		token: fs.String("cti-token", os.Getenv("SPORTELLO_CTI_TOKEN"),
			"secret of the Zammad CTI webhook /api/v1/cti/TOKEN for an external PBX; empty: webhook off (env SPORTELLO_CTI_TOKEN)"),
		sample: fs.Duration("cti-sample", 10*time.Second, "sampling interval of the supervisor's waiting history"),
		sip: fs.String("sip", os.Getenv("SPORTELLO_SIP"),
			"SIP configuration (JSON: listen address, queue numbers, phone accounts), or \"demo\" for the demo's on 127.0.0.1:5060; empty: no SIP (env SPORTELLO_SIP)"),
		prompts: fs.String("prompts", os.Getenv("SPORTELLO_PROMPTS"),
			"folder of the Italian IVR prompts (Debian package asterisk-core-sounds-it-wav); default the SIP configuration's \"prompts\", else "+media.DefaultPromptsDir+" (env SPORTELLO_PROMPTS)"),
	}
}

// build reads the configuration and builds the component, or returns nil when serve runs
// without telephony (no --telephony and no --demo). tickets may be nil: the in-memory tickets
// are used then.
func (w *telephonyWiring) build(demo bool, data string, store *kb.Store, tickets *ticketing.Store, log *slog.Logger) (*webcc.Telephony, error) {
	name, raw := *w.file, []byte(nil)
	switch {
	case name != "":
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("telephony: %w", err)
		}
		raw = b
	case demo:
		name, raw = "demo telephony configuration", telephony.DemoConfig
	default:
		return nil, nil
	}
	setup, err := telephony.ParseConfig(name, raw)
	if err != nil {
		return nil, err
	}
	if *w.sample <= 0 {
		return nil, usagef("--cti-sample must be positive")
	}
	clock := telephony.SystemClock{}
	events := telephony.NewEventLog()
	acd, err := setup.Build(clock, events)
	if err != nil {
		return nil, fmt.Errorf("telephony: %s: %w", name, err)
	}
	ann, err := telephony.OpenAnnouncements(filepath.Join(data, "annunci"), 0)
	if err != nil {
		return nil, fmt.Errorf("telephony: announcements: %w", err)
	}
	vmDir := filepath.Join(data, "segreteria")
	if err := fsperm.MkdirAll(vmDir); err != nil {
		return nil, fmt.Errorf("telephony: voicemail: %w", err)
	}
	var tk telephony.Tickets = telephony.NewMemTickets()
	var finders []contactcenter.CallerFinder
	if tickets != nil {
		tk = &contactcenter.Tickets{Store: tickets, VoicemailDir: vmDir}
		finders = append(finders, contactcenter.Citizens{Store: tickets})
	}
	var dir *contactcenter.Directory
	if store != nil {
		if dir, err = contactcenter.NewDirectory(context.Background(), store, log); err != nil {
			return nil, fmt.Errorf("telephony: directory: %w", err)
		}
		finders = append(finders, dir)
	}
	booker, err := telephony.NewBooker(setup.Callback, tk, events, clock)
	if err != nil {
		return nil, fmt.Errorf("telephony: callbacks: %w", err)
	}
	vm := &telephony.VoicemailBox{Dir: vmDir, Calendar: setup.Calendar, Within: time.Duration(setup.Voicemail.Within),
		MaxBytes: setup.Voicemail.MaxBytes, Tickets: tk, Log: events, Clock: clock}
	t := &webcc.Telephony{
		ACD:           acd,
		Center:        &telephony.Center{ACD: acd, Booker: booker, Voicemail: vm},
		Hub:           contactcenter.NewHub(acd, tk, finders...),
		Directory:     dir,
		History:       telephony.NewWaitHistory(*w.sample, int(time.Hour / *w.sample)+1),
		Announcements: ann,
		Calendar:      setup.Calendar,
		Queues:        setup.Queues,
		Bands:         setup.Bands,
		Demo:          demo,
		// Without --sip no media layer is attached: the actions are logged, and the console's
		// buttons drive the ACD directly.
		Do: func(acts []telephony.Action) {
			for _, a := range acts {
				log.Debug("cti action", "kind", a.Kind, "call", a.CallID, "operator", a.Operator, "extension", a.Extension)
			}
		},
	}
	if tickets != nil {
		// The CTI log outlives the process in the operational database, so the statistics
		// cover any period (issue 7 item 8, SLA-5).
		store, err := telephony.OpenEventStore(context.Background(), tickets.DB())
		if err != nil {
			return nil, err
		}
		t.EventStore = store
		w.persister = &telephony.Persister{Log: events, Store: store, Logger: log}
	}
	if *w.token != "" {
		t.Zammad = &telephony.ZammadCTI{Log: events, Clock: clock, Token: *w.token}
	}
	if w.sip != nil && *w.sip != "" {
		sipName, sipRaw := *w.sip, []byte(nil)
		if sipName == "demo" {
			sipName, sipRaw = "demo SIP configuration", sip.DemoConfig
		} else if sipRaw, err = os.ReadFile(sipName); err != nil {
			return nil, fmt.Errorf("sip: %w", err)
		}
		cfg, err := sip.ParseConfig(sipName, sipRaw, setup)
		if err != nil {
			return nil, err
		}
		cfg.Center = t.Center
		cfg.Prompts = sip.AnnouncementPrompts(&telephony.IVR{Calendar: setup.Calendar, Store: ann, Bands: setup.Bands})
		if w.prompts != nil && *w.prompts != "" {
			cfg.PromptsDir = *w.prompts
		}
		// Registrations survive a restart; recordings (TK-4) are kept under the data folder.
		cfg.StateDir = filepath.Join(data, "sip")
		if len(cfg.Recording.Queues) > 0 {
			w.recordings = &telephony.Recordings{Dir: filepath.Join(data, "registrazioni")}
			cfg.Recording.Store = w.recordings
		}
		cfg.TickInterval = -1 // serve runs ACD.Run and hands the actions to the adapter
		cfg.Logger = log
		w.log = log
		w.sipConfig = &cfg
	}
	log.Info("telephony ready", "config", name, "queues", len(setup.Queues), "operators", len(setup.Operators))
	return t, nil
}

// start runs the ACD's deadlines, the SIP adapter and the live push until ctx ends; the
// component is then ready for the web server.
func (w *telephonyWiring) start(ctx context.Context, t *webcc.Telephony) error {
	if t == nil {
		return nil
	}
	if w.sipConfig != nil {
		a, err := sip.Start(ctx, *w.sipConfig)
		if err != nil {
			return fmt.Errorf("sip: %w", err)
		}
		w.adapter = a
		t.Do = a.Do // the media layer: ring phones, bridge, play, transfer, dial
		t.PhoneAnswers = true
		t.Terminal = func(ext string) (string, bool) {
			u, ok := a.Registered(ext)
			if !ok {
				return "", false
			}
			return u.String(), true
		}
	}
	go t.Hub.Run(ctx)
	go t.ACD.Run(ctx, 100*time.Millisecond, t.History, t.Do)
	w.acd = t.ACD
	if w.recordings != nil {
		go w.recordings.Run(ctx, time.Hour, w.sipConfig.Recording.Retention, w.log)
	}
	if w.persister != nil {
		pctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			w.persister.Run(pctx)
			close(done)
		}()
		w.stopPersister = func() {
			cancel()
			<-done
		}
	}
	return nil
}

// stop saves the CTI log's last events; serve defers it so that it runs before the database
// closes.
func (w *telephonyWiring) stop() {
	// The operators' sessions end with the process: their logouts go into the saved log, so
	// that the occupancy of a later period does not count the time the server was down as
	// staffed (the next run starts with everyone logged out).
	if w.acd != nil && w.stopPersister != nil {
		for _, o := range w.acd.Snapshot().Operators {
			if o.Status != telephony.LoggedOut {
				w.acd.Logout(o.ID)
			}
		}
	}
	if w.stopPersister != nil {
		w.stopPersister()
	}
}
