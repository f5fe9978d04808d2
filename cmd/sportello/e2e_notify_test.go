package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// watchMedia is loaded before every page of the tab: it notes the desktop notifications raised
// and the sounds played, then lets the browser's own Notification and play() do their work.
const watchMedia = `(() => {
  window.__notes = []; window.__played = [];
  const N = window.Notification;
  if (N) {
    const W = function (title, opts) { window.__notes.push({ title, body: (opts && opts.body) || "" }); return new N(title, opts); };
    Object.defineProperty(W, "permission", { get: () => N.permission });
    W.requestPermission = N.requestPermission.bind(N);
    window.Notification = W;
  }
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () { window.__played.push(this.currentSrc || this.src); return play.apply(this, arguments); };
})()`

// TestNotifyOnAnyPageInChromium: a new contact reaches the operator on whatever page is open,
// not only on the desk (issue 16): on the search page, with desktop notifications allowed, a
// ringing call plays the ring, raises a desktop notification naming the caller and the queue,
// puts the badge in the title and a banner with a link to the desk at the top of the page;
// once the call is answered the badge and the banner go.
func TestNotifyOnAnyPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	e := newCTIE2E(t, "")
	tab := e.opTab
	post := func(url, body string) map[string]any {
		t.Helper()
		resp, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
			t.Fatalf("POST %s: %s %v", url, resp.Status, out)
		}
		return out
	}
	post(e.opURL+"/api/cti/status", `{"action":"login"}`)

	// The operator allowed notifications (on the desk, once); the search page is open.
	if err := chromedp.Do(tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, chromedp.FromContext(ctx).Browser, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "notifications"}, Setting: browser.PermissionSettingGranted, Origin: e.opURL}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchMedia})
		return err
	}), chromedp.Navigate(e.opURL+"/cerca"), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
		t.Fatal(err)
	}
	e.until(tab, "the page listening", `Notification.permission === "granted" && localStorage.getItem("sportello.cti.leader") !== null`)
	title, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.title`))

	call := post(e.supURL+"/api/cti/demo/call", `{"queue":"centralino","from":"+39 0544 952111"}`)
	e.until(tab, "the ring on the search page", `document.title.startsWith("(1) ") &&
		document.querySelector("#notify-banner a[href='/operatore']") !== null &&
		window.__played.some((s) => s.endsWith("/static/ring.wav")) &&
		window.__notes.length === 1 && window.__notes[0].body.includes("0544 952111") && window.__notes[0].body.includes("centralino")`)

	// Answered (on the desk, or here through the API): the page is quiet again.
	post(e.opURL+"/api/cti/answer", `{"callId":"`+call["callId"].(string)+`"}`)
	e.until(tab, "the badge and the banner gone", `document.title === `+jsQuote(title)+` && document.getElementById("notify-banner") === null`)
}

func jsQuote(s string) string { b, _ := json.Marshal(s); return string(b) }
