package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sportello/app"
	"sportello/fixtures/testenv"
	"sportello/internal/role"
	"sportello/ticketing"
)

// deskServer is serve's product on a fixed address, stopped and started again on the same
// data folder: the server going away under the operator's desk, and coming back.
type deskServer struct {
	t    *testing.T
	data string
	addr string
	auth hostAuth
	app  *app.App
	http *http.Server
}

func (s *deskServer) start() {
	s.t.Helper()
	ctx := context.Background()
	cfg := app.DefaultConfig(s.data)
	cfg.Demo, cfg.Auth, cfg.Logger = true, s.auth, slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Telephony.Sample = time.Second
	a, err := app.New(ctx, cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		s.t.Fatal(err)
	}
	var ln net.Listener
	// The address was just given up by the previous server: retry briefly.
	for i := 0; ; i++ {
		if ln, err = net.Listen("tcp", s.addr); err == nil || i == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	s.app, s.http = a, &http.Server{Handler: a.Web.Handler()}
	go s.http.Serve(ln)
}

// stop closes the listener and every connection (the desk's event stream too), then stops the
// product: from the browser's side the server is unreachable.
func (s *deskServer) stop() {
	if s.http == nil {
		return
	}
	s.http.Close()
	s.app.Stop()
	s.http, s.app = nil, nil
}

// TestDeskOfflineInChromium (TK-14): the operator's desk keeps recording contacts while the
// server cannot be reached, and sends them when it is back. The desk is open and live; the
// operator chooses a pill; the server stops (listener and connections closed, the product
// shut down); the desk says the connection is lost; two contacts are recorded — one answered
// with the pill, one to complete — and wait in the browser; a reload of the page would lose
// nothing either (they are in localStorage); the server starts again on the same data; the desk
// sends them by itself: two tickets, each marked as recorded offline with the time it was
// recorded and a step in its path, the one with the pill solved at first contact.
func TestDeskOfflineInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	chromium := testenv.Chromium(t)
	dir := t.TempDir()
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := probe.Addr().String()
	probe.Close()
	s := &deskServer{t: t, data: filepath.Join(dir, "data"), addr: addr, auth: hostAuth{addr: role.Operator}}
	s.start()
	t.Cleanup(s.stop)
	ctx := context.Background()

	bctx, cancelBrowser := newChromium(t, chromium, dir)
	defer cancelBrowser()
	tab, cancel := context.WithTimeout(bctx, 180*time.Second)
	defer cancel()
	start := time.Now()
	until := func(what, cond string) {
		t.Helper()
		defer func() { t.Logf("%6v %s", time.Since(start).Round(time.Millisecond), what) }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](cond))
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				text, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
				t.Fatalf("%s: not within 30 s (%v)\n%s", what, err, text)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	if err := chromedp.Do(tab,
		chromedp.Navigate("http://"+addr+"/operatore"),
		chromedp.WaitVisible(chromedp.CSS("#record-form")),
	); err != nil {
		t.Fatalf("open the desk: %v", err)
	}
	until("the desk's stream", `document.getElementById("cti-conn").className === "live"`)
	// The pill is chosen while the server answers.
	if err := chromedp.Do(tab, chromedp.SendKeys(chromedp.CSS("#kb-q"), "bollo auto scadenza")); err != nil {
		t.Fatal(err)
	}
	until("the candidates", `document.querySelectorAll("#kb-results li button").length > 0`)
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#kb-results li button"))); err != nil {
		t.Fatal(err)
	}
	until("the pill chosen", `document.getElementById("rec-pill").textContent.includes("TRI-001")`)
	before, err := s.app.Tickets.List(ctx, ticketing.Filter{})
	if err != nil {
		t.Fatal(err)
	}

	// The server goes away.
	s.stop()
	until("the desk sees the server gone", `document.getElementById("cti-conn").className === "offline"`)
	recorded := time.Now()
	record := func(from, notes string) {
		t.Helper()
		if err := chromedp.Do(tab,
			chromedp.SetValue(chromedp.CSS("#rec-from"), from),
			chromedp.SetValue(chromedp.CSS("#rec-notes"), notes),
			chromedp.Click(chromedp.CSS("#btn-record")),
		); err != nil {
			t.Fatal(err)
		}
	}
	record("0544 952111", "Chiede fino a quando può pagare il bollo")
	until("the first contact waiting", `document.querySelectorAll("#outbox li").length === 1`)
	// The pill went with the first: the second has none and stays to complete.
	until("the pill released", `document.getElementById("rec-pill").textContent === "nessuna"`)
	record("333 1234567", "Vuole parlare con l'ufficio casa")
	until("two contacts waiting", `document.querySelectorAll("#outbox li").length === 2 &&
		JSON.parse(localStorage.getItem("sportello.desk.outbox.operatore")).length === 2`)
	msg, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById("desk-message").textContent`))
	if !strings.Contains(msg, "registrato senza collegamento") {
		t.Errorf("the desk's message while offline: %q", msg)
	}
	screenshot(t, tab, dir, "scrivania-offline.png")
	time.Sleep(2 * time.Second) // the recorded time and the sending time differ

	// The server comes back on the same data: the desk sends what waited.
	s.start()
	until("the desk back live", `document.getElementById("cti-conn").className === "live"`)
	until("nothing left to send", `document.querySelectorAll("#outbox li").length === 0 &&
		JSON.parse(localStorage.getItem("sportello.desk.outbox.operatore") || "[]").length === 0`)
	sent := time.Now()
	after, err := s.app.Tickets.List(ctx, ticketing.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before)+2 {
		t.Fatalf("%d tickets before, %d after: want two more", len(before), len(after))
	}
	var withPill, toComplete int
	for _, tk := range after {
		if !tk.RecordedOffline {
			continue
		}
		if tk.Created.Before(recorded.Add(-time.Second)) || tk.Created.After(recorded.Add(2*time.Second)) || !tk.Created.Before(sent) {
			t.Errorf("%s: created %v, recorded at %v, sent by %v", tk.Number, tk.Created, recorded, sent)
		}
		path, _ := s.app.Tickets.Path(ctx, tk.ID)
		if len(path) < 2 || path[1].Action != ticketing.ActRecordedOffline {
			t.Errorf("%s: path %+v", tk.Number, path)
		}
		switch {
		case tk.State == ticketing.StateSolvedL1 && tk.FirstContact && strings.HasSuffix(tk.Pill, "/TRI-001") && tk.Contact != nil &&
			tk.Contact.Phone == "+390544952111" && tk.Description == "Chiede fino a quando può pagare il bollo":
			withPill++
		case tk.State == ticketing.StateInProgress && tk.Assignee == "operatore" && tk.Pill == "":
			toComplete++
		default:
			t.Errorf("unexpected ticket: %+v", tk)
		}
	}
	if withPill != 1 || toComplete != 1 {
		t.Errorf("recorded offline: %d solved with the pill, %d to complete", withPill, toComplete)
	}
	until("the request to complete listed", `document.getElementById("mine").textContent.includes("Contatto registrato")`)
}
