package app

// The contact center of a running Sportello (issue 7): the ACD built from the telephony
// configuration (or the embedded demo configuration), its tick loop, the announcements store,
// callback booking and voicemail on the ticketing system, the SIP adapter, and the component
// the web pages use.

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"sportello/accounts"
	"sportello/contactcenter"
	"sportello/internal/fsperm"
	"sportello/kb"
	"sportello/telephony"
	"sportello/telephony/sip"
	"sportello/ticketing"
	webcc "sportello/web/contactcenter"
)

// TelephonyConfig configures the contact center (issue 7).
type TelephonyConfig struct {
	File     string        // queues, operators, calendar (JSON); "" with Demo: the demo's; else off
	CTIToken string        // secret of the Zammad CTI webhook; "" turns it off
	Sample   time.Duration // sampling interval of the supervisor's waiting history
	SIP      string        // SIP configuration file, "demo", or "" for no SIP
	Prompts  string        // folder of the Italian IVR prompts; "" the SIP configuration's
}

// telephonyPart is the contact center of a running Sportello: the ACD, the hub, the SIP adapter
// and their jobs.
type telephonyPart struct {
	cfg TelephonyConfig

	sipConfig  *sip.Config // parsed by build, started by start
	recordings *telephony.Recordings
	log        *slog.Logger
	adapter    *sip.Adapter

	// persister saves the CTI log to the operational database (SLA-5), as a job.
	persister *telephony.Persister
	acd       *telephony.ACD
}

// build reads the configuration and builds the component, or returns nil when serve runs
// without telephony (no --telephony and no --demo). tickets may be nil: the in-memory tickets
// are used then.
func (w *telephonyPart) build(demo bool, data string, store *kb.Store, tickets *ticketing.Store, users *accounts.Store, log *slog.Logger) (*webcc.Telephony, error) {
	name, raw := w.cfg.File, []byte(nil)
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
	if tickets != nil {
		// One working calendar: the days the contact center is closed (local holidays, closed
		// days of the telephony configuration) stop the tickets' deadline clocks too.
		tickets.Calendar().CloseAlso(setup.Calendar)
	}
	if w.cfg.Sample <= 0 {
		return nil, fmt.Errorf("telephony: the sampling interval of the waiting history must be positive")
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
		tk = &contactcenter.Tickets{Store: tickets, VoicemailDir: vmDir, Capacities: userCapacities{users}}
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
	// The operator's desk (issue 16) on the tickets: the hub hands it the escalations that
	// travel with a transfer and the outcomes of placed callbacks.
	var desk *contactcenter.Desk
	if tickets != nil {
		desk = &contactcenter.Desk{Tickets: tickets, Finders: finders, Capacities: userCapacities{users}, Log: log}
	}
	t := &webcc.Telephony{
		ACD:           acd,
		Center:        &telephony.Center{ACD: acd, Booker: booker, Voicemail: vm},
		Hub:           contactcenter.NewHub(acd, tk, finders...).WithDesk(desk),
		Desk:          desk,
		Directory:     dir,
		History:       telephony.NewWaitHistory(w.cfg.Sample, int(time.Hour/w.cfg.Sample)+1),
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
	if w.cfg.CTIToken != "" {
		t.Zammad = &telephony.ZammadCTI{Log: events, Clock: clock, Token: w.cfg.CTIToken}
	}
	if w.cfg.SIP != "" {
		sipName, sipRaw := w.cfg.SIP, []byte(nil)
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
		if w.cfg.Prompts != "" {
			cfg.PromptsDir = w.cfg.Prompts
		}
		// Registrations survive a restart; recordings (TK-4) are kept under the data folder.
		cfg.StateDir = filepath.Join(data, "sip")
		if len(cfg.Recording.Queues) > 0 {
			w.recordings = &telephony.Recordings{Dir: filepath.Join(data, "registrazioni")}
			cfg.Recording.Store = w.recordings
			if desk != nil {
				desk.Recordings = w.recordings // listed and played on the desk for the roles allowed (TK-4)
			}
		}
		cfg.TickInterval = -1 // serve runs ACD.Run and hands the actions to the adapter
		cfg.Logger = log
		w.log = log
		w.sipConfig = &cfg
	}
	log.Info("telephony ready", "config", name, "queues", len(setup.Queues), "operators", len(setup.Operators))
	return t, nil
}

// userCapacities is the capacity in which a user answers contacts: their account's role
// (ticketing.CapacityOf); a user without an account (an ACD operator only) answers as an
// operator.
type userCapacities struct{ users *accounts.Store }

func (u userCapacities) Capacity(ctx context.Context, name string) ticketing.Capacity {
	if u.users == nil {
		return ticketing.AsOperator
	}
	usr, err := u.users.User(ctx, name)
	if err != nil {
		return ticketing.AsOperator
	}
	return ticketing.CapacityOf(usr.Role)
}

// start starts the SIP adapter (the media layer) on ctx and returns the jobs of the contact
// center: the ACD's deadlines, the hub's live push, the CTI log's persister, the recordings'
// retention. The component is then ready for the web server.
func (w *telephonyPart) start(ctx context.Context, t *webcc.Telephony) ([]job, error) {
	if t == nil {
		return nil, nil
	}
	if w.sipConfig != nil {
		a, err := sip.Start(ctx, *w.sipConfig)
		if err != nil {
			return nil, fmt.Errorf("sip: %w", err)
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
	w.acd = t.ACD
	jobs := []job{
		{"cti hub", t.Hub.Run},
		{"acd", func(ctx context.Context) error { t.ACD.Run(ctx, 100*time.Millisecond, t.History, t.Do); return nil }},
	}
	if w.recordings != nil {
		retention := w.sipConfig.Recording.Retention
		jobs = append(jobs, job{"recordings", func(ctx context.Context) error { w.recordings.Run(ctx, time.Hour, retention, w.log); return nil }})
	}
	if w.persister != nil {
		jobs = append(jobs, job{"cti log", func(ctx context.Context) error { w.persister.Run(ctx); return nil }})
	}
	return jobs, nil
}

// beforeStop logs the operators out while the CTI log's persister still runs: their sessions
// end with the process, and the logouts in the saved log keep the occupancy of a later period
// from counting the time the server was down as staffed (the next run starts with everyone
// logged out). The persister's last flush, when its job stops, saves them.
func (w *telephonyPart) beforeStop() {
	if w.acd == nil || w.persister == nil {
		return
	}
	for _, o := range w.acd.Snapshot().Operators {
		if o.Status != telephony.LoggedOut {
			w.acd.Logout(o.ID)
		}
	}
}
