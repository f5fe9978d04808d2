package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sportello/app"
	"sportello/fixtures/testenv"
	"sportello/internal/role"
)

// hostAuth signs in by listener: the demo's operator on one port, its supervisor on another.
// Until the login is part of serve, this is how one Chromium is two people at once.
type hostAuth map[string]role.Role // host:port → role; the user name is the demo account's

func (a hostAuth) Role(r *http.Request) (string, role.Role) {
	roleFlag, ok := a[r.Host]
	if !ok {
		return "", role.Anonymous
	}
	switch roleFlag {
	case role.Operator:
		return "operatore", roleFlag
	case role.Supervisor:
		return "supervisore", roleFlag
	}
	return "", roleFlag
}

// TestCTIInChromium is issue 7's "done when" in a real browser, with the demo's telephony
// (the embedded configuration serve --demo uses) and the demo directory: the operator logs in
// to the queues from the console; a call from Marco Bellandi's number enters "centralino"; the
// operator's page pops the call with his directory record, the queue and an open ticket; the
// supervisor's page shows the queue filling; the operator answers and the queue empties; the
// operator hangs up and the pop goes away.
// ctiE2E is the in-process server with the demo's telephony and one Chromium with two tabs:
// the operator's console on one listener, the supervisor's page on the other.
type ctiE2E struct {
	dir           string
	opURL, supURL string
	opTab, supTab context.Context
	until         func(ctx context.Context, what, cond string)
}

func newCTIE2E(t *testing.T, sipFile string) *ctiE2E {
	t.Helper()
	chromium := testenv.Chromium(t)
	e := &ctiE2E{dir: t.TempDir()}
	ctx0, stop := context.WithCancel(context.Background())
	auth := hostAuth{}
	cfg := app.DefaultConfig(filepath.Join(e.dir, "data"))
	cfg.Demo, cfg.Auth, cfg.Logger = true, auth, slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Telephony.Sample, cfg.Telephony.SIP = time.Second, sipFile
	a, err := app.New(ctx0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx0); err != nil {
		t.Fatal(err)
	}
	srv := a.Web
	opSite := httptest.NewServer(srv.Handler())
	supSite := httptest.NewServer(srv.Handler())
	e.opURL, e.supURL = opSite.URL, supSite.URL
	auth[strings.TrimPrefix(opSite.URL, "http://")] = role.Operator
	auth[strings.TrimPrefix(supSite.URL, "http://")] = role.Supervisor

	bctx, cancelBrowser := newChromium(t, chromium, e.dir)
	opTab, cancelOp := context.WithTimeout(bctx, 150*time.Second)
	supCtx, cancelSupTab := chromedp.NewContext(bctx) // a second tab
	supTab, cancelSup := context.WithTimeout(supCtx, 150*time.Second)
	e.opTab, e.supTab = opTab, supTab
	t.Cleanup(func() {
		cancelSup()
		cancelSupTab()
		cancelOp()
		cancelBrowser()
		stop() // end the event streams before the servers close
		opSite.Close()
		supSite.Close()
		a.Stop()
	})

	// until polls a JavaScript condition in a tab: the pages update themselves from the stream.
	start := time.Now()
	e.until = func(ctx context.Context, what, cond string) {
		t.Helper()
		defer func() { t.Logf("%6v %s", time.Since(start).Round(time.Millisecond), what) }()
		deadline := time.Now().Add(15 * time.Second)
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
				t.Fatalf("%s: not within 15 s (%v)\n%s", what, err, html)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return e
}

func TestCTIInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	e := newCTIE2E(t, "")
	opTab, supTab, until, dir := e.opTab, e.supTab, e.until, e.dir
	opSite, supSite := struct{ URL string }{e.opURL}, struct{ URL string }{e.supURL}

	// 1. The operator opens the console and logs in to the queues.
	if err := chromedp.Do(opTab,
		chromedp.Navigate(opSite.URL+"/operatore"),
		chromedp.WaitVisible(chromedp.CSS("#op-status")),
	); err != nil {
		t.Fatalf("open the console: %v", err)
	}
	until(opTab, "the console's stream", `document.getElementById("cti-conn").className === "live"`)
	if err := chromedp.Do(opTab, chromedp.Click(chromedp.CSS("#btn-login"))); err != nil {
		t.Fatal(err)
	}
	until(opTab, "status available", `document.getElementById("op-status").dataset.status === "available"`)

	// 2. The supervisor watches the queues: nobody waits.
	if err := chromedp.Do(supTab,
		chromedp.Navigate(supSite.URL+"/supervisore"),
		chromedp.WaitVisible(chromedp.CSS(`#queues tr[data-queue="centralino"]`)),
	); err != nil {
		t.Fatalf("open the supervisor page: %v", err)
	}
	until(supTab, "the supervisor's stream", `document.getElementById("cti-conn").className === "live"`)
	waiting := `document.querySelector('#queues tr[data-queue="centralino"] td.waiting').textContent.trim()`
	until(supTab, "empty queue", waiting+` === "0"`)

	// 3. A call from Marco Bellandi's direct line, through the demo's call injection (the SIP
	// layer does the same on an INVITE).
	resp, err := http.Post(supSite.URL+"/api/cti/demo/call", "application/json",
		strings.NewReader(`{"queue":"centralino","from":"+39 0544 952111"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("demo call: %s", resp.Status)
	}

	// 4. The operator's screen pops: caller, record, queue, channel, ticket.
	until(opTab, "the screen pop", `!document.getElementById("pop").hidden`)
	pop, err := chromedp.Run(opTab, chromedp.Evaluate[map[string]string](`({
		from: document.getElementById("pop-from").textContent,
		record: document.getElementById("pop-matches").textContent,
		queue: document.getElementById("pop-queue").textContent,
		channel: document.getElementById("pop-channel").textContent,
		ticket: document.getElementById("pop-ticket").textContent,
		focus: document.activeElement ? document.activeElement.id : ""
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if pop["from"] != "+39 0544 952111" || !strings.Contains(pop["record"], "Marco Bellandi") || pop["queue"] != "centralino" ||
		pop["channel"] != "voce" || !strings.HasPrefix(pop["ticket"], "RS-") || pop["focus"] != "pop" {
		t.Errorf("screen pop: %v", pop)
	}
	screenshot(t, opTab, dir, "operatore-pop.png")

	// 5. The supervisor sees the queue fill.
	until(supTab, "the queue filling", waiting+` === "1"`)
	screenshot(t, supTab, dir, "supervisore.png")

	// 6. The operator answers: the queue empties, the operator is on the call.
	if err := chromedp.Do(opTab, chromedp.Click(chromedp.CSS("#btn-answer"))); err != nil {
		t.Fatal(err)
	}
	until(opTab, "connected", `document.getElementById("pop").classList.contains("connected")`)
	until(supTab, "the queue emptying", waiting+` === "0"`)
	until(supTab, "operator on call", `document.querySelector('#operators tr[data-operator="operatore"] .st-on-call') !== null`)

	// 7. Transfer search finds an extension in the directory (TEL-8), then the operator hangs up.
	if err := chromedp.Do(opTab,
		chromedp.SendKeys(chromedp.CSS("#transfer-search"), "Bellandi"),
		chromedp.WaitVisible(chromedp.CSS("#transfer-results button")),
		chromedp.Click(chromedp.CSS("#transfer-results button")),
	); err != nil {
		t.Fatalf("directory search: %v", err)
	}
	until(opTab, "extension filled", `document.getElementById("transfer-ext").value === "2111"`)
	if err := chromedp.Do(opTab, chromedp.Click(chromedp.CSS("#btn-hangup"))); err != nil {
		t.Fatal(err)
	}
	until(opTab, "the pop closing", `document.getElementById("pop").hidden`)

	// 8. The statistics of the day count the one call, offered and answered within 30 s.
	if err := chromedp.Do(supTab,
		chromedp.Navigate(supSite.URL+"/statistiche"),
		chromedp.WaitVisible(chromedp.CSS("#figures")),
	); err != nil {
		t.Fatalf("open the statistics: %v", err)
	}
	figs, err := chromedp.Run(supTab, chromedp.Evaluate[map[string]string](`({
		offered: document.querySelector('[data-fig="offered"]').textContent,
		answered: document.querySelector('[data-fig="answered"]').textContent,
		c2: document.querySelector('#levels tr[data-sla="C.2"]').className
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if figs["offered"] != "1" || figs["answered"] != "1" || figs["c2"] != "sla-ok" {
		t.Errorf("statistics of the day: %v", figs)
	}
	screenshot(t, supTab, dir, "statistiche.png")
}
