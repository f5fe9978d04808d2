package webkit

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// TestGate: a gate of two lets two requests in, refuses the third with 503, Retry-After and
// the catalogue's Italian message, and lets one in again once a slot is released.
func TestGate(t *testing.T) {
	e := echo.New()
	ctx := func() (echo.Context, *httptest.ResponseRecorder) {
		rec := httptest.NewRecorder()
		return e.NewContext(httptest.NewRequest(http.MethodGet, "/export/turtle", nil), rec), rec
	}
	g := NewGate(2, 90*time.Second, "export.busy")
	c1, _ := ctx()
	r1, err := g.Enter(c1)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := ctx()
	r2, err := g.Enter(c2)
	if err != nil {
		t.Fatal(err)
	}
	c3, rec3 := ctx()
	if _, err := g.Enter(c3); err == nil {
		t.Fatal("a third request got in through a gate of two")
	} else {
		var he *HTTPError
		if !errors.As(err, &he) || he.Status != http.StatusServiceUnavailable || he.Code != "busy" {
			t.Fatalf("refusal: %v", err)
		}
		if !strings.Contains(he.Msg, "90 secondi") || strings.Contains(he.Msg, "export.busy") {
			t.Errorf("refusal message: %q", he.Msg)
		}
		if got := rec3.Header().Get("Retry-After"); got != "90" {
			t.Errorf("Retry-After %q, want 90", got)
		}
	}
	if g.Busy() != 2 {
		t.Errorf("busy %d, want 2", g.Busy())
	}
	r1()
	c4, _ := ctx()
	r4, err := g.Enter(c4)
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	r2()
	r4()
	if g.Busy() != 0 {
		t.Errorf("busy %d after every release", g.Busy())
	}
}
