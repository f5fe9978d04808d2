package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sportello/accounts"
)

// TestPublishApproveInChromium is issue 5 item 7 in Debian's Chromium, three people in three
// separate browser sessions: the publisher rewrites a published pill and submits it, the
// operator still reads the old answer, the validator approves it from the queue, and the
// operator now reads the new answer.
func TestPublishApproveInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	site := newAuthSiteWith(t, true)
	browser := browserContext(t)
	code := published(t).Code
	const newText = "Dal 2026 il cambio di residenza si chiede online con SPID o CIE."

	person := func(name string) context.Context {
		t.Helper()
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		if err := chromedp.Do(ctx,
			chromedp.Navigate(site.url+"/accedi?next=%2Fprofilo"),
			chromedp.WaitVisible(chromedp.CSS("#name")),
			chromedp.SendKeys(chromedp.CSS("#name"), name),
			chromedp.SendKeys(chromedp.CSS("#password"), accounts.DemoPassword),
			chromedp.Submit(chromedp.CSS("#password")),
			chromedp.WaitVisible(chromedp.CSS("#ruolo")),
		); err != nil {
			t.Fatalf("%s signs in: %v", name, err)
		}
		return ctx
	}
	operatorReads := func(ctx context.Context) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(site.url+"/schede/"+code), chromedp.WaitVisible(chromedp.CSS("#answer"))); err != nil {
			t.Fatalf("operator opens %s: %v", code, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#answer")))
		if err != nil {
			t.Fatal(err)
		}
		return text
	}

	pub, val, op := person("pubblicatore"), person("validatore"), person("operatore")
	before := operatorReads(op)

	if err := chromedp.Do(pub,
		chromedp.Navigate(site.url+"/redazione/schede/"+code),
		// The answer is written in the rich-text box (there is no raw HTML field): select
		// what it holds and type over it.
		chromedp.WaitVisible(chromedp.CSS(".rte-toolbar")),
		chromedp.Click(chromedp.CSS("#answer-box")),
		chromedp.Evaluate[chromedp.Void](`document.execCommand("selectAll")`),
		chromedp.SendKeys(chromedp.CSS("#answer-box"), newText),
		chromedp.Click(chromedp.CSS("#invia")),
		chromedp.WaitVisible(chromedp.CSS("#mie-schede")),
	); err != nil {
		t.Fatalf("publisher edits and submits: %v", err)
	}
	if got := operatorReads(op); got != before {
		t.Fatalf("during the review the operator reads %q, want the published %q", got, before)
	}

	if err := chromedp.Do(val,
		chromedp.Navigate(site.url+"/validazione"),
		chromedp.WaitVisible(chromedp.CSS("#rev-"+code+" ins")),
	); err != nil {
		t.Fatalf("validator opens the queue: %v", err)
	}
	added, _ := chromedp.Run(val, chromedp.Text(chromedp.CSS("#rev-"+code+" ins")))
	if !strings.Contains(newText, strings.TrimSpace(added)) || strings.TrimSpace(added) == "" {
		t.Errorf("the diff marks %q as added", added)
	}
	if err := chromedp.Do(val,
		chromedp.Click(chromedp.CSS("#rev-"+code+" .approva")),
		chromedp.WaitNotPresent(chromedp.CSS("#rev-"+code)),
	); err != nil {
		t.Fatalf("validator approves: %v", err)
	}
	if got := operatorReads(op); !strings.Contains(got, newText) {
		t.Fatalf("after the approval the operator reads %q", got)
	}
}
