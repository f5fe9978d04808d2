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
	"github.com/chromedp/chromedp/kb"

	"sportello/ticketing"
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

// TestDeskKeyboardInChromium: the desk's frequent actions work from the keyboard as its list
// says (issue 16): "?" opens the list of shortcuts; a call rings and Alt+R answers it; Alt+C
// goes to the search, the arrow and Enter choose the first pill, Alt+S solves the contact's
// ticket with it; Alt+H hangs up; Alt+N goes to the note of a contact to record.
func TestDeskKeyboardInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	e := newCTIE2E(t, "")
	tab := e.opTab
	key := func(what string, keys ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, keys...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	alt := func(k string) chromedp.Action[chromedp.Void] {
		return chromedp.KeyEvent(k, chromedp.KeyModifiers(chromedp.ModifierAlt))
	}
	key("open the desk", chromedp.Navigate(e.opURL+"/operatore"), chromedp.WaitVisible(chromedp.CSS("#op-status")))
	e.until(tab, "the desk's stream", `document.getElementById("cti-conn").className === "live"`)
	key("log in", chromedp.Click(chromedp.CSS("#btn-login")))
	e.until(tab, "available", `document.getElementById("op-status").dataset.status === "available"`)

	// "?" (outside a field) lists the shortcuts; Escape closes the list.
	key("?", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), chromedp.KeyEvent("?"))
	e.until(tab, "the list of shortcuts", `document.getElementById("help").open && document.querySelectorAll("#help tbody tr").length >= 7`)
	key("Escape", chromedp.KeyEvent("\u001b"))
	e.until(tab, "the list closed", `!document.getElementById("help").open`)

	resp, err := http.Post(e.supURL+"/api/cti/demo/call", "application/json", strings.NewReader(`{"queue":"centralino","from":"+39 0544 952111"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	e.until(tab, "ringing", `document.getElementById("contact").dataset.state === "ringing"`)
	key("Alt+R", alt("r"))
	e.until(tab, "answered with Alt+R", `document.getElementById("contact").dataset.state === "connected" &&
		document.getElementById("ticket-link").textContent.startsWith("RS-")`)
	key("Alt+C", alt("c"))
	e.until(tab, "Alt+C in the search", `document.activeElement.id === "kb-q"`)
	key("type", chromedp.KeyEvent("entro quando si paga il bollo auto"))
	e.until(tab, "the candidates", `document.querySelectorAll("#kb-results li button").length > 0`)
	key("arrow and Enter", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
	e.until(tab, "the pill chosen", `document.getElementById("tk-pill").textContent.includes("TRI-001") && !document.getElementById("btn-solve").disabled`)
	key("Alt+S", alt("s"))
	e.until(tab, "solved with Alt+S", `document.getElementById("ticket-state").textContent === "Risolto I Livello"`)
	key("Alt+H", alt("h"))
	e.until(tab, "hung up with Alt+H", `document.getElementById("contact").dataset.state === "ended"`)
	key("Alt+N", alt("n"))
	e.until(tab, "Alt+N on the contact to record", `document.activeElement.id === "rec-notes"`)

	// A contact recorded with a wrong number comes back with the message beside the number and
	// what was typed still there (after the searches the note already carried); nothing is
	// written.
	before, err := e.app.Tickets.List(context.Background(), ticketing.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	key("a contact with a wrong number", chromedp.KeyEvent("Chiede gli orari dell'URP"),
		chromedp.SetValue(chromedp.CSS("#rec-from"), "non è un numero"), chromedp.Click(chromedp.CSS("#btn-record")))
	e.until(tab, "the message beside the number", `!document.getElementById("err-rec-from").hidden &&
		document.getElementById("err-rec-from").textContent.trim() !== "" &&
		document.getElementById("rec-notes").value.endsWith("Chiede gli orari dell'URP") &&
		document.getElementById("rec-from").value === "non è un numero"`)
	if after, _ := e.app.Tickets.List(context.Background(), ticketing.Filter{}); len(after) != len(before) {
		t.Errorf("a refused contact wrote %d tickets", len(after)-len(before))
	}
}
