package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sportello/app"
	"sportello/fixtures"
	"sportello/fixtures/testenv"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/ticketing"
)

// operatorAuth signs every request in as the demo operator: the server of this test is wired
// like `sportello serve` (search index, ticketing on SQLite in the data folder) but without the
// login page, which has its own Chromium test.
type operatorAuth struct{}

func (operatorAuth) Role(*http.Request) (string, role.Role) { return "operatore", role.Operator }

// TestTicketFirstCallInChromium is issue 6's "done when" for level 1 as an operator meets it:
// open the console, describe the call, a pill suggestion appears while typing, one click on
// "Risolto con questa scheda" and the ticket reads solved at level 1, linked to the pill,
// counted as first-contact resolution (SLA-2 C.4, KB-9).
func TestTicketFirstCallInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	chromium := testenv.Chromium(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	cfg := app.DefaultConfig(data)
	cfg.Auth, cfg.Logger = operatorAuth{}, log
	a, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The demo knowledge base, written after start-up: the index follows it.
	if err := fixtures.Load(ctx, a.Store); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	srv, tickets := a.Web, a.Tickets
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() { stop(); <-served }()
	base := "http://" + ln.Addr().String() + "/"
	waitHealthy(t, base)

	// The question a citizen asks: the question of a published demo pill, as the operator
	// would type it.
	var pill kb.Pill
	for _, p := range fixtures.Pills {
		if p.Status == kb.StatusPublished && p.Question != "" && p.Code != "" {
			pill = p
			break
		}
	}
	if pill.Code == "" {
		t.Fatal("the demo has no published pill with a question")
	}

	bctx, cancelBrowser := newChromium(t, chromium, dir)
	defer cancelBrowser()
	cctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	defer cancel()

	// 1. The console, a new caller, the description typed: suggestions appear.
	if err := chromedp.Do(cctx,
		chromedp.Navigate(base+"ticket/nuovo"),
		chromedp.WaitVisible(chromedp.CSS("#description")),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "Carla Esposito"),
		chromedp.SendKeys(chromedp.CSS(`input[name="phone"]`), "3471234567"),
		chromedp.SendKeys(chromedp.CSS("#description"), pill.Question),
		chromedp.WaitVisible(chromedp.CSS("#tk-suggest-list button.tk-solve")),
	); err != nil {
		screenshot(t, cctx, dir, "ticket-console.png")
		t.Fatalf("no pill suggestion while typing %q: %v", pill.Question, err)
	}
	titles, err := chromedp.Run(cctx, chromedp.Text(chromedp.CSS("#tk-suggest-list")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(titles, pill.Title) {
		t.Errorf("suggestions %q do not include the pill %q", titles, pill.Title)
	}
	// Each suggestion carries its mark: "sicura" or "da verificare".
	if n, err := chromedp.Run(cctx, chromedp.Evaluate[int](`[...document.querySelectorAll("#tk-suggest-list > li")].filter(li => !li.querySelector(".mark-sure, .mark-verify")).length`)); err != nil || n != 0 {
		t.Errorf("%d suggestions without a sure / to-check mark (%v)", n, err)
	}
	label, err := chromedp.Run(cctx, chromedp.Text(chromedp.CSS("#tk-suggest-list button.tk-solve")))
	if err != nil || strings.TrimSpace(label) != "Risolto con questa scheda" {
		t.Errorf("button label %q (%v)", label, err)
	}

	// 2. One click on the suggested pill: the ticket page says solved at level 1.
	if _, err := chromedp.RunResponse(cctx, chromedp.Click(chromedp.CSS("#tk-suggest-list button.tk-solve"))); err != nil {
		t.Fatalf("click the suggestion: %v", err)
	}
	if err := chromedp.Do(cctx, chromedp.WaitVisible(chromedp.CSS("#tk-first"))); err != nil {
		screenshot(t, cctx, dir, "ticket-page.png")
		t.Fatalf("the ticket page does not show a first-contact solution: %v", err)
	}
	state, err := chromedp.Run(cctx, chromedp.Text(chromedp.CSS("#tk-state")))
	if err != nil || strings.TrimSpace(state) != "Risolto I Livello" {
		t.Errorf("state %q (%v)", state, err)
	}
	number, err := chromedp.Run(cctx, chromedp.Evaluate[string](`location.pathname.split("/").pop()`))
	if err != nil {
		t.Fatal(err)
	}

	// 3. The record behind the page: linked to a pill, first contact, path with the searches.
	tk, err := tickets.TicketByNumber(ctx, number)
	if err != nil {
		t.Fatalf("ticket %q: %v", number, err)
	}
	if tk.State != ticketing.StateSolvedL1 || !tk.FirstContact || tk.Pill == "" || tk.CreatedBy != "operatore" {
		t.Errorf("ticket %+v", tk)
	}
	figs, err := tickets.Figures(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil || figs.FirstContact != 1 || figs.LinkRate != 1 {
		t.Errorf("figures %+v (%v)", figs, err)
	}
	// 4. The search learned the citizen's words for the pill, as one contact: the ticket (KB-9).
	learned, err := a.Learner.List(ctx, tk.Pill)
	if err != nil || len(learned) == 0 {
		t.Fatalf("nothing learned for %s: %v", tk.Pill, err)
	}
	for _, p := range learned {
		if p.Source != "ticket:"+number || p.Evidence != "solved" {
			t.Errorf("learned %+v, want source ticket:%s, solved", p, number)
		}
	}
}
