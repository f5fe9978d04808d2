package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sportello/fixtures"
	"sportello/fixtures/testenv"
	"sportello/kb"
)

// TestServeDemoInChromium is the demo as a user meets it (issue 2 item 8): build the binary,
// start `sportello serve --demo` on a fresh data folder, and drive Debian's Chromium through
// it: open the tree, click into a concept, open a pill and read its answer.
//
// Set SPORTELLO_SCREENSHOTS to a folder to keep the screenshot of the pill page.
func TestServeDemoInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	chromium := testenv.Chromium(t)
	dir := t.TempDir()
	bin := buildSportello(t, dir)

	start := time.Now()
	srv := startServe(t, bin, "serve", "--demo", "--data", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0")
	base := srv.base
	t.Logf("demo up in %v at %s", time.Since(start).Round(time.Millisecond), base)

	bctx, cancelBrowser := newChromium(t, chromium, dir)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	defer cancel()

	// 1. The tree: the top concepts are listed with their pill counts.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"albero"),
		chromedp.WaitVisible(chromedp.CSS("#albero")),
	); err != nil {
		t.Fatalf("open the tree: %v", err)
	}
	// The first top concept that has pills: a user would not click an empty branch.
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		for (const s of document.querySelectorAll("#albero > li")) {
			const c = s.querySelector(".count");
			if (c && !/^\(0 /.test(c.textContent)) return s.querySelector("a").getAttribute("href");
		}
		return "";
	})()`))
	if err != nil || href == "" {
		t.Fatalf("no concept with pills in the tree (%v)", err)
	}
	// "Espandi tutto" opens every branch (the one script of the page).
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("[data-expand-all]")),
		chromedp.WaitVisible(chromedp.CSS("#albero ul.branch a")),
	); err != nil {
		t.Fatalf("expand the tree: %v", err)
	}
	screenshot(t, ctx, dir, "albero.png")

	// 2. The concept: click it and wait for its pills.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#albero a[href="`+href+`"]`))); err != nil {
		t.Fatalf("click concept %s: %v", href, err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("ul.pills a"))); err != nil {
		t.Fatalf("concept %s shows no pill: %v", href, err)
	}
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("ul.pills a")))
	if err != nil {
		t.Fatal(err)
	}

	// 3. The pill: click its title and read the answer.
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("ul.pills a")))
	if err != nil {
		t.Fatalf("open pill %q: %v", title, err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("pill %q: HTTP %d", title, resp.Status)
	}
	answer, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#answer")))
	if err != nil {
		t.Fatalf("pill %q has no answer: %v", title, err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(h1) != strings.TrimSpace(title) {
		t.Errorf("the pill page is titled %q, the link said %q", h1, title)
	}
	want := demoAnswer(t, strings.TrimSpace(title))
	if !strings.Contains(squash(answer), want) {
		t.Errorf("pill %q: the answer shown\n%s\ndoes not contain the demo's answer\n%s", title, squash(answer), want)
	}

	screenshot(t, ctx, dir, "scheda.png")
	t.Logf("pill %q read in Chromium", title)

	// 4. The directory: look a person up by extension with the form, as the switchboard does
	// (TEL-8).
	var person kb.Person
	for _, p := range fixtures.People {
		if p.Extension != "" {
			person = p
			break
		}
	}
	if _, err := chromedp.RunResponse(ctx,
		chromedp.Navigate(base+"rubrica"),
	); err != nil {
		t.Fatalf("open the directory: %v", err)
	}
	if _, err := chromedp.RunResponse(ctx,
		chromedp.SendKeys(chromedp.CSS("#q"), person.Extension),
		chromedp.Submit(chromedp.CSS("#q")),
	); err != nil {
		t.Fatalf("search the directory: %v", err)
	}
	found, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table.people tbody")))
	if err != nil {
		t.Fatalf("directory search for %s shows no table: %v", person.Extension, err)
	}
	if !strings.Contains(found, person.FullName()) {
		t.Errorf("directory search for extension %s: %q lacks %s", person.Extension, found, person.FullName())
	}
	screenshot(t, ctx, dir, "rubrica.png")

	// SIGTERM stops the server cleanly: exit status 0.
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	srv.stopped = true
	select {
	case err := <-srv.exited:
		if err != nil {
			t.Errorf("sportello serve after SIGTERM: %v\n%s", err, srv.stderr.String())
		}
	case <-time.After(15 * time.Second):
		srv.cmd.Process.Kill()
		<-srv.exited
		t.Error("sportello serve did not stop within 15 s of SIGTERM")
	}
}
