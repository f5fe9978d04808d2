package web

import (
	"context"
	"testing"
	"time"

	chromium "sportello/fixtures/testenv/browser"
)

// browserContext starts Debian's Chromium, headless, for one test, and returns a context of
// its first tab that allows the whole test 90 s; the browser ends with the test.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	bctx, _ := chromium.Start(t, t.TempDir())
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}
