package web_test

// The accessibility sweep (WCAG 2.1 AA on every page, for every role): the product is started as
// `sportello serve --demo` starts it (demo knowledge, tickets, telephony, accounts), Debian's
// Chromium signs in as each role, opens every GET page of the route table that role may open —
// path parameters filled with real demo ids — and runs axe-core (the npm package, injected into
// the page) with the WCAG 2.0/2.1 A and AA rules; then it narrows the window to 320 CSS pixels
// and checks that nothing scrolls sideways (1.4.10 reflow). The keyboard test walks the public
// pages, the login and the search with the Tab key.
//
// axe-core comes from npm: ./test.sh installs web/testdata/a11y/package-lock.json with `npm ci`
// into a cache folder outside the repository and points SPORTELLO_AXE at axe.min.js.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"sportello/accounts"
	"sportello/app"
	"sportello/fixtures/testenv"
	chromium "sportello/fixtures/testenv/browser"
	"sportello/internal/role"
	skb "sportello/kb"
	"sportello/ticketing"
)

// axeTags are the rule sets of WCAG 2.1 level AA: A and AA of 2.0 and of 2.1.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// axeSource is axe.min.js: $SPORTELLO_AXE, or the folder ./test.sh installs it into.
func axeSource(t *testing.T) string {
	t.Helper()
	p := os.Getenv("SPORTELLO_AXE")
	if p == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			p = filepath.Join(dir, "sportello", "a11y", "node_modules", "axe-core", "axe.min.js")
		}
	}
	b, err := os.ReadFile(p)
	if err != nil {
		msg := fmt.Sprintf("axe-core is not available (%v): ./test.sh installs it with npm ci from web/testdata/a11y into a cache folder and sets SPORTELLO_AXE", err)
		if testenv.Strict() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return string(b)
}

// demoSite is the product with its demo data, served on a free local port.
type demoSite struct {
	url string
	app *app.App
	ids map[string]string // path parameter values, by route pattern
}

// startDemo builds the product as `sportello serve --demo` does, on a temporary data folder,
// and serves it until the test ends.
func startDemo(t *testing.T) *demoSite {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := app.DefaultConfig(t.TempDir())
	cfg.Demo = true
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		cancel()
		a.Stop()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Web.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Stop()
	})
	return &demoSite{url: "http://" + ln.Addr().String(), app: a}
}

// goldenGETs reads the route table's GET routes and who may call them from
// testdata/routes.golden, which TestRoutesGolden keeps equal to the server's table.
func goldenGETs(t *testing.T) map[string][]role.Role {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "routes.golden"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]role.Role{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || fields[0] != "GET" {
			continue
		}
		for _, rw := range fields[2:] {
			if r, allowed, _ := strings.Cut(rw, "="); allowed == "allowed" {
				out[fields[1]] = append(out[fields[1]], role.Role(r))
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("routes.golden has %d GET routes: the file is broken", len(out))
	}
	return out
}

// notPages are the GET routes that serve no page: the JSON API, assets, downloads, the RDF
// descriptions and the fragment the search page inserts (checked inside /cerca). The sweep asks
// for HTML as a browser's navigation does (/sparql answers a browser with its query page).
func notPage(pattern string) bool {
	if strings.HasPrefix(pattern, "/api/") || pattern == "/healthz" || strings.HasPrefix(pattern, "/static/") {
		return true
	}
	switch pattern {
	case "/export/:format", "/annunci/backup", "/annunci/file/:name", "/importa/:id/report.xlsx", "/cerca/schede/:code":
		return true
	case "/dataset", "/.well-known/void", "/id/*", "/rdf-graphs/service":
		// RDF descriptions and graphs; a browser asking /id/… is sent to the resource's page,
		// swept apart.
		return true
	}
	return false
}

// pageURLs are the addresses the sweep opens for a route pattern: the pattern itself, or with
// its parameters filled with demo ids; some pages are opened in more than one state (a search
// with results, a request's status).
func (d *demoSite) pageURLs(t *testing.T, pattern string) []string {
	t.Helper()
	extra := map[string][]string{
		"/cerca":           {"/cerca", "/cerca?q=" + url.QueryEscape("carta d'identità")},
		"/rubrica":         {"/rubrica", "/rubrica?q=anagrafe"},
		"/servizi/cerca":   {"/servizi/cerca", "/servizi/cerca?q=" + url.QueryEscape("carta d'identità")},
		"/richiesta/stato": {"/richiesta/stato?numero=" + url.QueryEscape(d.ids["ref"]) + "&email=" + url.QueryEscape(d.ids["email"])},
	}
	if us, ok := extra[pattern]; ok {
		return us
	}
	if !strings.Contains(pattern, ":") {
		return []string{pattern}
	}
	id, ok := d.ids[pattern]
	if !ok {
		t.Errorf("the accessibility sweep has no demo id for %s: add one to demoIDs", pattern)
		return nil
	}
	return []string{id}
}

// demoIDs fills the path parameters of the routes with the demo's own records.
func (d *demoSite) demoIDs(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	a := d.app
	pills, err := a.Store.Pills(ctx, skb.PillFilter{Status: []skb.Status{skb.StatusPublished}})
	if err != nil || len(pills) == 0 {
		t.Fatalf("demo pills: %d, %v", len(pills), err)
	}
	var pill skb.Pill
	for _, p := range pills {
		if p.Office != "" && len(p.Concepts) > 0 && p.Code != "" {
			pill = p
			break
		}
	}
	if pill.Code == "" {
		t.Fatal("the demo has no published pill with a code, an office and a concept")
	}
	tks, err := a.Tickets.List(ctx, ticketing.Filter{})
	if err != nil || len(tks) == 0 {
		t.Fatalf("demo tickets: %d, %v", len(tks), err)
	}
	var tk ticketing.Ticket
	for _, x := range tks {
		if x.CitizenID != 0 {
			tk = x
			break
		}
	}
	var solved ticketing.Ticket // the editorial desk's "propose as knowledge" form needs a solved one
	for _, x := range tks {
		if !x.SolvedAt.IsZero() {
			solved = x
			break
		}
	}
	// A request from the public page, answered: its status page shows the answer.
	web, err := a.Tickets.SubmitWeb(ctx, ticketing.WebRequest{Consent: true, Name: "Lucia Neri", Email: "lucia.neri@example.it",
		Subject: "Rinnovo della carta d'identità", Description: "Come si rinnova la carta d'identità scaduta?"})
	if err != nil {
		t.Fatal(err)
	}
	// A synonym group of the administrator's, so that /sinonimi has its "remove" button.
	if _, err := a.Index.Synonyms().Add([]string{"CIE", "carta d'identità elettronica"}); err != nil {
		t.Fatal(err)
	}
	up, err := a.Imports.Add("pillole.xlsx", strings.NewReader(string(sweepWorkbook(t))), "admin")
	if err != nil {
		t.Fatal(err)
	}
	esc := url.PathEscape
	d.ids = map[string]string{
		"/schede/:code":           "/schede/" + esc(pill.Code),
		"/schede/:code/storia":    "/schede/" + esc(pill.Code) + "/storia",
		"/redazione/schede/:code": "/redazione/schede/" + esc(pill.Code),
		"/redazione/albero/:id":   "/redazione/albero/" + esc(localID(pill.Concepts[0])),
		"/concetti/:id":           "/concetti/" + esc(localID(pill.Concepts[0])),
		"/rubrica/uffici/:id":     "/rubrica/uffici/" + esc(localID(pill.Office)),
		"/ticket/uffici/:office":  "/ticket/uffici/" + esc(localID(pill.Office)),
		"/ticket/:number":         "/ticket/" + esc(tk.Number),
		"/ticket/:number/proponi": "/ticket/" + esc(solved.Number) + "/proponi",
		"/cittadini/:id":          fmt.Sprintf("/cittadini/%d", tk.CitizenID),
		"/importa/:id":            "/importa/" + esc(up.ID),
		"/servizi/eventi/:code":   "/servizi/eventi/8",
		"/servizi/schede/:code":   "/servizi/schede/" + esc(pill.Code),
		"ref":                     web.PublicRef,
		"email":                   "lucia.neri@example.it",
	}
	// The directory editor's pages: an office of the demo and a person.
	people, err := a.Store.People(ctx)
	if err != nil || len(people) == 0 {
		t.Fatalf("demo people: %d, %v", len(people), err)
	}
	d.ids["/redazione/rubrica/uffici/:id"] = "/redazione/rubrica/uffici/" + esc(localID(pill.Office))
	d.ids["/redazione/rubrica/persone/:id"] = "/redazione/rubrica/persone/" + esc(localID(people[0].IRI))
}

func localID(iri string) string { return iri[strings.LastIndexAny(iri, "/#")+1:] }

// sweepWorkbook is a small legacy workbook for the import page: the shared corpus when it is
// there, else the import tests' sample.
func sweepWorkbook(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Shared(t, "corpus/pillole-legacy.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// axeViolation is what axe-core reports of a rule a page breaks.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target         []any  `json:"target"`
		HTML           string `json:"html"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

// reflow is the 320 px check's result: the page's widths and the elements that stick out.
type reflow struct {
	Scroll  int      `json:"scroll"`
	Client  int      `json:"client"`
	Culprit []string `json:"culprit"`
}

const reflowJS = `(() => {
  const de = document.documentElement, w = de.clientWidth, out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && r.width > 0 && getComputedStyle(el).position !== 'fixed') {
      let inside = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') { inside = true; break; }
      }
      if (!inside) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') + ' right=' + Math.round(r.right));
    }
    if (out.length >= 6) break;
  }
  if (!out.length && de.scrollWidth > w) {
    // Nothing visible sticks out: name the deepest elements whose box passes the edge anyway.
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > w + 1) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '') + ' right=' + Math.round(r.right) + ' (' + getComputedStyle(el).position + ')');
      if (out.length >= 12) break;
    }
    // Text that runs past the edge of its box.
    const tw = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = tw.nextNode(); n && out.length < 12; n = tw.nextNode()) {
      const rg = document.createRange();
      rg.selectNodeContents(n);
      const r = rg.getBoundingClientRect();
      if (r.right > w + 1) out.push('text "' + n.textContent.trim().slice(0, 40) + '" in ' + n.parentElement.tagName.toLowerCase() + ' right=' + Math.round(r.right));
    }
  }
  return {scroll: de.scrollWidth, client: w, culprit: out};
})()`

// sweepStats counts what the sweep checked.
type sweepStats struct {
	visits, violations, nodes, reflows int
	pages                              map[string]bool
	roles                              map[role.Role]bool
}

// TestAccessibility is the sweep: every page × every role that may open it, axe-core's WCAG
// 2.1 A/AA rules and the 320 px reflow, 0 violations expected.
func TestAccessibility(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	axe := axeSource(t)
	site := startDemo(t)
	site.demoIDs(t)
	routes := goldenGETs(t)
	bctx, _ := chromium.Start(t, t.TempDir())

	st := &sweepStats{pages: map[string]bool{}, roles: map[role.Role]bool{}}
	var patterns []string
	for p := range routes {
		if !notPage(p) {
			patterns = append(patterns, p)
		}
	}
	sort.Strings(patterns)
	for _, who := range role.All {
		t.Run(string(who), func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
			defer cancel()
			tctx, tcancel := context.WithTimeout(ctx, 10*time.Minute)
			defer tcancel()
			if err := chromedp.Do(tctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
				return err
			})); err != nil {
				t.Fatal(err)
			}
			signIn(t, tctx, site.url, who)
			for _, p := range patterns {
				if !slices.Contains(routes[p], who) {
					continue
				}
				for _, u := range site.pageURLs(t, p) {
					sweepPage(t, tctx, site.url, u, who, axe, st)
				}
			}
		})
	}
	testenv.Figure("accessibility: %d page visits (%d pages × %d roles) checked with axe-core's WCAG 2.1 A/AA rules — %d violations (%d nodes); reflow at 320 px — %d pages scroll sideways",
		st.visits, len(st.pages), len(st.roles), st.violations, st.nodes, st.reflows)
}

// signIn signs in as who through the login form (the public stays anonymous).
func signIn(t *testing.T, ctx context.Context, base string, who role.Role) {
	t.Helper()
	if who == role.Anonymous {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
			t.Fatal(err)
		}
		return
	}
	var name string
	for _, u := range accounts.DemoAccounts {
		if u.Role == who {
			name = u.Name
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/accedi?next=%2Fprofilo"),
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SendKeys(chromedp.CSS("#password"), accounts.DemoPassword),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#ruolo")),
	); err != nil {
		t.Fatalf("sign in as %s: %v", name, err)
	}
}

// sweepPage checks one page: it must answer 200 with HTML; then axe-core and the reflow.
func sweepPage(t *testing.T, ctx context.Context, base, path string, who role.Role, axe string, st *sweepStats) {
	t.Helper()
	head, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		`fetch(%q, {method: "HEAD", headers: {"Accept": "text/html"}}).then(r => [String(r.status), r.headers.get("content-type") || ""])`, base+path), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Errorf("%s as %s: %v", path, who, err)
		return
	}
	if head[0] != "200" || !strings.HasPrefix(head[1], "text/html") {
		t.Errorf("%s as %s: status %s, %s; the sweep needs a page (fix the demo id, or list the route in notPage)", path, who, head[0], head[1])
		return
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+path)); err != nil {
		t.Errorf("open %s as %s: %v", path, who, err)
		return
	}
	if strings.HasPrefix(path, "/cerca?q=") {
		// The answer pane beside the results is part of the search page: open the first result
		// as an operator does, with the keyboard.
		if err := chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.CSS("#risultati > li")),
			chromedp.Focus(chromedp.CSS("#q")),
			chromedp.KeyEvent(kb.ArrowDown),
			chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible(chromedp.CSS("#risposta article")),
		); err != nil {
			t.Errorf("%s as %s: open the first result with the keyboard: %v", path, who, err)
		}
	}
	st.visits++
	st.pages[strings.SplitN(path, "?", 2)[0]] = true
	st.roles[who] = true
	runAxe(t, ctx, path, who, "1280 px", axe, st)
	// 1.4.10 reflow: at 320 CSS pixels nothing makes the page scroll sideways.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Errorf("narrow %s as %s: %v", path, who, err)
		return
	}
	// The page reacts to the resize (app.js marks the tables that now scroll) before the checks.
	rf, err := chromedp.Run(ctx, chromedp.Evaluate[reflow](`new Promise(r => requestAnimationFrame(() => setTimeout(r, 30))).then(() => `+reflowJS+`)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Errorf("reflow of %s as %s: %v", path, who, err)
		return
	}
	if rf.Scroll > rf.Client {
		st.reflows++
		t.Errorf("%s as %s: at 320 px the page is %d px wide (scrolls sideways, WCAG 1.4.10); sticking out: %s",
			path, who, rf.Scroll, strings.Join(rf.Culprit, ", "))
	}
	// What only the narrow layout shows (a table that scrolls in its box, a menu that wraps) is
	// checked too; axe is already in the page.
	runAxe(t, ctx, path, who, "320 px", "", st)
}

// runAxe injects axe-core (unless src is empty: already injected) and reports every violation
// of the WCAG 2.1 A/AA rules with its nodes.
func runAxe(t *testing.T, ctx context.Context, path string, who role.Role, width, src string, st *sweepStats) {
	t.Helper()
	tags, _ := json.Marshal(axeTags)
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](src+`;
axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Errorf("axe on %s as %s at %s: %v", path, who, width, err)
		return
	}
	for _, v := range vs {
		st.violations++
		st.nodes += len(v.Nodes)
		var b strings.Builder
		fmt.Fprintf(&b, "%s as %s at %s: %s (%s) %s — %d nodes", path, who, width, v.ID, v.Impact, v.Help, len(v.Nodes))
		for i, n := range v.Nodes {
			if i == 5 {
				fmt.Fprintf(&b, "\n    …")
				break
			}
			html := n.HTML
			if len(html) > 160 {
				html = html[:160] + "…"
			}
			fmt.Fprintf(&b, "\n    %v %s\n      %s", n.Target, html, strings.ReplaceAll(n.FailureSummary, "\n", " / "))
		}
		t.Error(b.String())
	}
}

// focusStop is where one press of Tab landed: the element and whether the focus shows.
type focusStop struct {
	Sel     string `json:"sel"`
	InMain  bool   `json:"inMain"`
	Visible bool   `json:"visible"`
}

const focusJS = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {sel: "body", inMain: false, visible: false};
  const cs = getComputedStyle(el);
  const sel = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.getAttribute("name") ? "[name=" + el.getAttribute("name") + "]" : "") +
    (el.getAttribute("type") ? "[type=" + el.getAttribute("type") + "]" : "") + (el.getAttribute("href") ? "[href=" + el.getAttribute("href") + "]" : "");
  const visible = (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== "none";
  const main = document.querySelector("main");
  return {sel: sel, inMain: !!(main && main.contains(el)), visible: visible};
})()`

// tabPath presses Tab up to n times from the top of the page and returns where the focus went.
func tabPath(t *testing.T, ctx context.Context, n int) []focusStop {
	t.Helper()
	var out []focusStop
	for range n {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		f, err := chromedp.Run(ctx, chromedp.Evaluate[focusStop](focusJS))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// TestKeyboardPaths walks the public pages, the login and the search with the Tab key only
// (WCAG 2.1.1, 2.4.1, 2.4.3, 2.4.7): the first Tab reaches the skip link and Enter on it moves
// the focus into the page's content; the Tab order then reaches each page's main controls in
// order, and every element that takes the focus shows it.
func TestKeyboardPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	site := startDemo(t)
	bctx, _ := chromium.Start(t, t.TempDir())
	ctx, cancel := context.WithTimeout(bctx, 3*time.Minute)
	defer cancel()

	// The skip link: first in the Tab order, and it works.
	if err := chromedp.Do(ctx, chromedp.Navigate(site.url+"/")); err != nil {
		t.Fatal(err)
	}
	first := tabPath(t, ctx, 1)[0]
	if !strings.Contains(first.Sel, "[href=#contenuto]") || !first.Visible {
		t.Errorf("the first Tab on / reaches %+v, want the visible skip link to #contenuto", first)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if next := tabPath(t, ctx, 1)[0]; !next.InMain {
		t.Errorf("after Enter on the skip link, Tab reaches %+v: outside the content", next)
	}

	paths := []struct {
		path string
		want []string // selectors the Tab order reaches, in this order
	}{
		{"/accedi", []string{"input#name", "input#password", "button[type=submit]"}},
		{"/cerca", []string{"input#q", "button[type=submit]"}},
		{"/rubrica", []string{"input#q", "select#ufficio", "button[type=submit]"}},
		{"/richiesta", []string{"input#name", "input#email", "input#subject", "textarea#description", "input#consent", "button[type=submit]"}},
	}
	for _, p := range paths {
		if err := chromedp.Do(ctx, chromedp.Navigate(site.url+p.path)); err != nil {
			t.Fatal(err)
		}
		// Start from the top, whatever has the focus on load (autofocus).
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur(); window.getSelection().removeAllRanges()`)); err != nil {
			t.Fatal(err)
		}
		stops := tabPath(t, ctx, 60)
		i := 0
		var seen []string
		for _, s := range stops {
			seen = append(seen, s.Sel)
			if s.Sel != "body" && !s.Visible {
				t.Errorf("%s: %s takes the focus without showing it (WCAG 2.4.7)", p.path, s.Sel)
			}
			if i < len(p.want) && strings.HasPrefix(s.Sel, p.want[i]) && (s.InMain || p.want[i] != "button[type=submit]") {
				i++
			}
		}
		if i < len(p.want) {
			t.Errorf("%s: the Tab order does not reach %s (after %v); it went %s", p.path, p.want[i], p.want[:i], strings.Join(seen, " → "))
		}
	}
}
