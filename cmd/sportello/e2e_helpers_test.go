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
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sportello/fixtures"
	"sportello/fixtures/testenv/browser"
)

// The helpers of the end-to-end tests: the binary as a user runs it, and Debian's Chromium
// driving it.

// buildSportello builds this command into dir and returns the binary's path.
func buildSportello(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "sportello")
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the binary: %v", err)
	}
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// servedBinary is `sportello serve` running as its own process.
type servedBinary struct {
	cmd    *exec.Cmd
	stderr strings.Builder
	base   string     // the URL the server printed, ending in "/"
	exited chan error // receives the process's exit once
	// stopped is set once the test has taken the exit from exited, so that the cleanup does
	// not wait for it again.
	stopped bool
}

// startServe runs bin with args (a serve command line), waits for the URL it prints once it
// listens and for /healthz to answer. The process is killed when the test ends unless the test
// stopped it.
func startServe(t *testing.T, bin string, args ...string) *servedBinary {
	t.Helper()
	s := &servedBinary{cmd: exec.Command(bin, args...), exited: make(chan error, 1)}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = &s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !s.stopped {
			s.cmd.Process.Kill()
			<-s.exited
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
		s.exited <- s.cmd.Wait()
	}()
	select {
	case s.base = <-urlc:
	case err := <-s.exited:
		s.stopped = true
		t.Fatalf("sportello serve exited: %v\n%s", err, s.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("sportello serve did not start within a minute\n%s", s.stderr.String())
	}
	waitHealthy(t, s.base)
	return s
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

// newChromium starts Debian's Chromium, headless, with its profile in dir (browser.Start); the
// chromium argument is the path testenv.Chromium found, kept so that the tests ask for the peer
// before anything else.
func newChromium(t *testing.T, chromium, dir string) (ctx context.Context, cancel context.CancelFunc) {
	t.Helper()
	return browser.Start(t, dir)
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
