package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"sportello/internal/role"
)

// signedInTab opens a browser context of its own (cookies apart) on bctx, signed in at url as
// who; it closes with the test.
func signedInTab(t *testing.T, bctx context.Context, url string, who role.Role) context.Context {
	t.Helper()
	c, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	signIn(t, c, url, who)
	return c
}

// doIn runs actions in the tab c, failing the test with what went wrong.
func doIn(t *testing.T, c context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(c, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// textIn returns the text of the first element sel matches in the tab c.
func textIn(t *testing.T, c context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}
