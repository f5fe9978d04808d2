package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"sportello/fixtures"
	"sportello/fixtures/testenv"
	skb "sportello/kb"
)

// TestSearchInChromium is issue 4 as an operator meets it: `sportello serve --demo` on a fresh
// data folder (the index is found missing and built at start-up), then in Chromium the operator
// types a citizen's question, misspelled and without accents, into /cerca, presses ArrowDown and
// Enter without touching the mouse, and reads the answer beside the list.
//
// /cerca is open to the public as well as to staff for now (a browser without login is
// anonymous and, like an operator, sees published pills only), so the test needs no login.
func TestSearchInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	chromium := testenv.Chromium(t)
	dir := t.TempDir()
	bin := buildSportello(t, dir)
	srv := startServe(t, bin, "serve", "--demo", "--data", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0")
	base := srv.base
	// The start-up log says what it found and that it rebuilt (issue 4 §8).
	if log := srv.stderr.String(); !strings.Contains(log, "search index rebuilt") || !strings.Contains(log, "found=missing") {
		t.Errorf("the start-up log does not report the index rebuild:\n%s", log)
	}

	bctx, cancelBrowser := newChromium(t, chromium, dir)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	defer cancel()

	// The header box on the home page leads to /cerca.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base),
		chromedp.WaitVisible(chromedp.CSS("#topq")),
	); err != nil {
		t.Fatalf("home page: no search box in the header: %v", err)
	}
	screenshot(t, ctx, dir, "cerca-header.png")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#topq"), "spid"),
		chromedp.Submit(chromedp.CSS("#topq")),
		chromedp.WaitVisible(chromedp.CSS("#risultati > li")),
	); err != nil {
		t.Fatalf("search from the header box: %v", err)
	}

	// A citizen's question as typed in a hurry: misspelled, no accents, no capitals.
	const question = "quanto costa il bolo della macchina"
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"cerca"),
		chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), question),
		// The list follows the typing (debounced fetch of /api/search).
		chromedp.Poll[chromedp.Void](`document.querySelector("#risultati > li") !== null && location.search.includes("macchina") &&
			document.querySelector("#esito").getAttribute("aria-busy") === "false"`),
	); err != nil {
		t.Fatalf("type %q: %v", question, err)
	}
	first, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`(() => {
		const li = document.querySelector("#risultati > li");
		return {id: li.dataset.id, kind: li.dataset.kind, title: li.querySelector(".hit-title").textContent};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if first["kind"] != "pill" || !strings.HasPrefix(first["id"], "TRI-") {
		t.Errorf("%q: the first hit is %v, want a pill about the car tax (TRI-…)", question, first)
	}
	screenshot(t, ctx, dir, "cerca-risultati.png")

	// Keyboard only: ArrowDown selects the first hit, Enter opens it beside the list.
	if err := chromedp.Do(ctx,
		chromedp.KeyEvent(kb.ArrowDown),
		chromedp.WaitVisible(chromedp.CSS(`#risultati > li[aria-selected="true"]`)),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#risposta #pane-answer")),
	); err != nil {
		t.Fatalf("ArrowDown and Enter did not open the answer: %v", err)
	}
	paneTitle, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#pane-title")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(paneTitle) != strings.TrimSpace(first["title"]) {
		t.Errorf("the pane shows %q, the selected hit is %q", paneTitle, first["title"])
	}
	answer, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#pane-answer")))
	if err != nil {
		t.Fatal(err)
	}
	if want := demoAnswer(t, strings.TrimSpace(paneTitle)); !strings.Contains(squash(answer), want) {
		t.Errorf("the pane's answer\n%s\ndoes not contain the demo's\n%s", squash(answer), want)
	}
	// Beside, not instead: the list is still there, to the left of the answer, and the page
	// did not navigate away.
	beside, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const l = document.querySelector("#risultati").getBoundingClientRect();
		const p = document.querySelector("#risposta").getBoundingClientRect();
		return location.pathname === "/cerca" && l.width > 0 && p.left >= l.right - 1;
	})()`))
	if err != nil || !beside {
		t.Errorf("the answer is not beside the results (%v)", err)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
	if err != nil || focused != "q" {
		t.Errorf("the focus left the search box: %q (%v)", focused, err)
	}
	screenshot(t, ctx, dir, "cerca-risposta.png")

	// Nonsense: the banner, not weak guesses presented as answers.
	if err := chromedp.Do(ctx,
		chromedp.KeyEvent(kb.Escape),
		chromedp.Poll[chromedp.Void](`document.querySelector("#q").value === "" && document.querySelector("#risultati") === null`),
		chromedp.SendKeys(chromedp.CSS("#q"), "xqzvw blorptang"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#incerto")),
	); err != nil {
		t.Fatalf("nonsense query: no 'nessuna risposta sicura' banner: %v", err)
	}
	banner, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#incerto")))
	if err != nil || !strings.Contains(banner, "Nessuna risposta sicura") {
		t.Errorf("banner: %q (%v)", banner, err)
	}
	screenshot(t, ctx, dir, "cerca-incerto.png")

	// The switchboard (TEL-8): an extension finds the person in the same list, with their own
	// look, and Enter shows their details beside it.
	var person skb.Person
	for _, p := range fixtures.People {
		if p.Extension != "" {
			person = p
			break
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.KeyEvent(kb.Escape),
		chromedp.SendKeys(chromedp.CSS("#q"), person.Extension),
		chromedp.Poll[chromedp.Void](`document.querySelector("#risultati > li.hit-person") !== null &&
			document.querySelector("#esito").getAttribute("aria-busy") === "false"`),
	); err != nil {
		t.Fatalf("extension %s: no person in the results: %v", person.Extension, err)
	}
	pos, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("#risultati > li")].findIndex(li => li.classList.contains("hit-person"))`))
	if err != nil {
		t.Fatal(err)
	}
	for range pos + 1 {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowDown)); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#risposta .pane-person")),
	); err != nil {
		t.Fatalf("Enter on a person: %v", err)
	}
	card, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#risposta .pane-person")))
	if err != nil || !strings.Contains(card, person.FamilyName) || !strings.Contains(card, "interno "+person.Extension) {
		t.Errorf("the person's card beside the list: %q (%v), want %s with extension %s", card, err, person.FullName(), person.Extension)
	}
}

// TestSearchWhileServing: `sportello search` on the data folder `serve` holds fails within a few
// seconds with the message the other commands give, never hangs, and takes nothing from the
// server's index.
func TestSearchWhileServing(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildSportello(t, dir)
	data := filepath.Join(dir, "data")
	srv := startServe(t, bin, "serve", "--demo", "--data", data, "--addr", "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang fails, not blocks
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, bin, "search", "--data", data, "bollo auto")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	took := time.Since(start)
	t.Logf("search failed after %s", took.Round(10*time.Millisecond))
	if took > 15*time.Second {
		t.Errorf("search took %s while serve runs, want a prompt failure", took)
	}
	if err == nil || !strings.Contains(stderr.String(), "in use by another process") {
		t.Errorf("search while serving: %v, stderr %q; want a failure saying the data is in use", err, stderr.String())
	}
	// The server still answers from its index.
	resp, err := http.Get(srv.base + "api/search?q=bollo+auto+scadenza")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `"TRI-`) {
		t.Errorf("the server lost its index: %d %.300s", resp.StatusCode, body)
	}
}
