package main

import (
	"bufio"
	"context"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	bin := filepath.Join(dir, "sportello")
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the binary: %v", err)
	}
	build := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	start := time.Now()
	srv := exec.Command(bin, "serve", "--demo", "--data", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	srv.Stderr = &stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			srv.Process.Kill()
			<-exited
		}
	})

	// The server prints its URL once it listens.
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Sportello: "); ok {
				urlc <- u
			}
		}
		exited <- srv.Wait()
	}()
	var base string
	select {
	case base = <-urlc:
	case err := <-exited:
		stopped = true
		t.Fatalf("sportello serve exited: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("sportello serve did not start within a minute\n%s", stderr.String())
	}
	waitHealthy(t, base)
	t.Logf("demo up in %v at %s", time.Since(start).Round(time.Millisecond), base)

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(filepath.Join(dir, "chromium")),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	// The first Run starts the browser, which must outlive the per-step timeout.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
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
		chromedp.WaitVisible(chromedp.CSS("#albero details ul a")),
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
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stopped = true
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("sportello serve after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		srv.Process.Kill()
		<-exited
		t.Error("sportello serve did not stop within 15 s of SIGTERM")
	}
}

// screenshot saves the page to SPORTELLO_SCREENSHOTS (or dir), to look at.
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if d := os.Getenv("SPORTELLO_SCREENSHOTS"); d != "" {
		dir = d
	}
	if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%shealthz not ready: %v", base, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var tagRe = regexp.MustCompile(`<[^>]*>`)

// demoAnswer is the beginning of the demo pill's answer as text, squashed.
func demoAnswer(t *testing.T, title string) string {
	t.Helper()
	for _, p := range fixtures.Pills {
		if p.Title == title {
			s := squash(html.UnescapeString(tagRe.ReplaceAllString(p.Answer, "")))
			if r := []rune(s); len(r) > 60 {
				s = string(r[:60])
			}
			return s
		}
	}
	t.Fatalf("no demo pill is titled %q", title)
	return ""
}

// squash drops white space: the browser's layout of paragraphs and lists decides where it
// goes, and the words are what the user must read.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }
