package web_test

// The directory kept in the browser, in Debian's Chromium on the product as `sportello serve
// --demo` starts it (KB-13): an administrator changes an office's phone and opening hours, the
// pill pages (operator and public portal) show the new phone and "aperto ora" / "chiuso, apre …",
// and the office's history lists the change with who.

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	chromium "sportello/fixtures/testenv/browser"
	"sportello/internal/role"
	skb "sportello/kb"
	"sportello/web/webkit"
)

func TestDirectoryEditInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	site := startDemo(t)
	bctx, _ := chromium.Start(t, t.TempDir())
	ctx := context.Background()
	person := func(who role.Role) context.Context { t.Helper(); return signedInTab(t, bctx, site.url, who) }
	run := func(c context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		doIn(t, c, what, actions...)
	}
	// empty empties a field as a person selecting its text and deleting it would.
	empty := func(sel string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`document.querySelector(` + strconv.Quote(sel) + `).value = ""`)
	}
	text := func(c context.Context, sel string) string { t.Helper(); return textIn(t, c, sel) }

	// A published pill of the demo with its competent office.
	pills, err := site.app.Store.Pills(ctx, skb.PillFilter{Status: []skb.Status{skb.StatusPublished}})
	if err != nil {
		t.Fatal(err)
	}
	var pill skb.Pill
	for _, p := range pills {
		if p.Office != "" && p.Code != "" {
			pill = p
			break
		}
	}
	if pill.Code == "" {
		t.Fatal("the demo has no published pill with a code and an office")
	}
	office, err := site.app.Store.Unit(ctx, pill.Office)
	if err != nil {
		t.Fatal(err)
	}
	admin, op, anon := person(role.Administrator), person(role.Operator), person(role.Anonymous)

	// 1. The administrator changes the phone and the hours; the form shows how it read them.
	const hours = "lun-ven 9-13, mar e gio 15-17"
	run(admin, "administrator edits the office",
		chromedp.Navigate(site.url+"/rubrica"),
		chromedp.Click(chromedp.CSS("#modifica-rubrica")),
		chromedp.WaitVisible(chromedp.CSS("#uffici")),
		chromedp.Navigate(site.url+"/redazione/rubrica/uffici/"+url.PathEscape(webkit.LocalID(office.IRI))),
		chromedp.WaitVisible(chromedp.CSS("#ufficio")),
		empty("#phones"),
		chromedp.SendKeys(chromedp.CSS("#phones"), "0874 999 888"),
		empty("#hours"),
		chromedp.SendKeys(chromedp.CSS("#hours"), hours),
		chromedp.Click(chromedp.CSS("#salva-ufficio")),
		chromedp.WaitVisible(chromedp.CSS("#storia")),
	)
	if got := text(admin, "#orari-letti"); !strings.Contains(got, "mar 9:00–13:00, 15:00–17:00") || !strings.Contains(got, "ven 9:00–13:00") {
		t.Errorf("the hours as read: %q", got)
	}
	if got := text(admin, "#storia"); !strings.Contains(got, "admin") || !strings.Contains(got, "0874-999-888") || !strings.Contains(got, hours) {
		t.Errorf("the history after the change: %q", got)
	}
	saved, err := site.app.Store.Unit(ctx, office.IRI)
	if err != nil || saved.OpeningHours != hours || len(saved.Phones) != 1 || saved.Phones[0] != "0874-999-888" {
		t.Fatalf("the office as saved: %+v, %v", saved, err)
	}

	// 2. Unreadable hours come back on the form with the reason, and change nothing.
	run(admin, "administrator types hours Sportello cannot read",
		empty("#hours"),
		chromedp.SendKeys(chromedp.CSS("#hours"), "su appuntamento"),
		chromedp.Click(chromedp.CSS("#salva-ufficio")),
		chromedp.WaitVisible(chromedp.CSS("#errore")),
	)
	if got := text(admin, "#errore"); !strings.Contains(got, "Orari non compresi") {
		t.Errorf("the refusal reads %q", got)
	}

	// 3. The operator's pill page and the public portal show the new phone and open/closed, as
	// OpenStatus says for now (computed on both sides of the page load, in case a boundary
	// passes in between).
	want := func() []string {
		return []string{webkit.OpenStatus(saved, time.Now()).Label}
	}
	labels := want()
	run(op, "operator opens the pill", chromedp.Navigate(site.url+webkit.PillHref(pill)), chromedp.WaitVisible(chromedp.CSS("section.office")))
	got := text(op, "section.office")
	labels = append(labels, want()...)
	if !strings.Contains(got, "0874-999-888") || !containsAny(got, labels) {
		t.Errorf("the operator's pill page shows %q, want the phone and one of %q", got, labels)
	}
	labels = want()
	run(anon, "a citizen opens the pill", chromedp.Navigate(site.url+"/servizi/schede/"+url.PathEscape(webkit.PillID(pill))), chromedp.WaitVisible(chromedp.CSS("section.office")))
	got = text(anon, "section.office")
	labels = append(labels, want()...)
	if !strings.Contains(got, "0874-999-888") || !containsAny(got, labels) {
		t.Errorf("the public pill page shows %q, want the phone and one of %q", got, labels)
	}
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if x != "" && strings.Contains(s, x) {
			return true
		}
	}
	return false
}
