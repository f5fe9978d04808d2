package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sportello/accounts"
	"sportello/web/webkit"
)

// TestLoginInChromium signs in as a user would, in Debian's Chromium (issue 5): a page that
// needs an account leads to the login form and back; the session cookie is out of reach of
// scripts (HttpOnly); a script without the CSRF token cannot change anything; the logout button
// ends the session.
func TestLoginInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	site := newAuthSite(t)
	ctx := browserContext(t)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(site.url+"/profilo"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
	); err != nil {
		t.Fatalf("open /profilo: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/accedi?next=%2Fprofilo") {
		t.Fatalf("anonymous /profilo landed on %s, %v", loc, err)
	}

	// A wrong password is explained on the form.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#name"), "pubblicatore"),
		chromedp.SendKeys(chromedp.CSS("#password"), "sbagliata-123"),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#errore-accesso")),
	); err != nil {
		t.Fatalf("wrong password: %v", err)
	}
	msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#errore-accesso")))
	if !strings.Contains(msg, "password errati") {
		t.Errorf("error message %q", msg)
	}

	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#password"), accounts.DemoPassword),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#ruolo")),
	); err != nil {
		t.Fatalf("login: %v", err)
	}
	rl, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#ruolo")))
	if err != nil || !strings.Contains(rl, "redattore") {
		t.Fatalf("profile shows role %q, %v", rl, err)
	}

	cookies, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`))
	if err != nil || strings.Contains(cookies, webkit.CookieName+"=") {
		t.Errorf("scripts can read the session cookie: %q, %v", cookies, err)
	}
	if !strings.Contains(cookies, webkit.CSRFCookieName+"=") {
		t.Errorf("the site's scripts cannot find the CSRF token: %q", cookies)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/api/logout", {method: "POST", headers: {"X-CSRF-Token": "forged"}}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != 403 {
		t.Errorf("POST with a forged CSRF token from a script: %d, %v", status, err)
	}
	// The site's own scripts get the token from csrf.js: a fetch that changes something passes
	// the CSRF check and meets the handler (here: a wrong current password, 400, not 403).
	status, err = chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/api/password", {method: "POST", body: JSON.stringify({oldPassword: "sbagliata-123", newPassword: "Nuova-Password-1"})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != 400 {
		t.Errorf("fetch through csrf.js: %d, %v", status, err)
	}
	who, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/api/whoami").then(r => r.json()).then(j => j.user)`, chromedp.EvalAwaitPromise))
	if err != nil || who != "pubblicatore" {
		t.Fatalf("still signed in after the refused POST? %q, %v", who, err)
	}

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#esci")),
		chromedp.WaitNotPresent(chromedp.CSS("#ruolo")),
	); err != nil {
		t.Fatalf("logout: %v", err)
	}
	who, err = chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/api/whoami").then(r => r.json()).then(j => j.role)`, chromedp.EvalAwaitPromise))
	if err != nil || who != "anonymous" {
		t.Errorf("after logout the browser is %q, %v", who, err)
	}
}
