package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"sportello/accounts"
	"sportello/fixtures/testenv"
)

// apiClient is one person signed in to the served binary through POST /api/login, for the
// checks a browser cannot make (the API's answers) and the administration's setup.
type apiClient struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func signIn(t *testing.T, base, name, password string) *apiClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	a := &apiClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 15 * time.Second}}
	var s struct {
		CSRF string `json:"csrfToken"`
	}
	if code := a.do(http.MethodPost, "/api/login", map[string]string{"name": name, "password": password}, &s); code != http.StatusOK {
		t.Fatalf("login %s: %d", name, code)
	}
	a.csrf = s.CSRF
	return a
}

// do sends body as JSON (or, when it is url.Values, as a form with the CSRF field) and decodes a
// JSON answer into out; it returns the status.
func (a *apiClient) do(method, path string, body, out any) int {
	a.t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case url.Values:
		b.Set("csrf_token", a.csrf)
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		js, _ := json.Marshal(b)
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if a.csrf != "" {
		req.Header.Set("X-CSRF-Token", a.csrf)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %v\n%s", method, path, err, data)
		}
	}
	if s, ok := out.(*string); ok {
		*s = string(data)
	}
	return resp.StatusCode
}

// bounded runs one action with a few seconds' limit.
func bounded[T any](tab context.Context, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(tab, 3*time.Second)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// enterKey is Enter as a keyboard gives it: one keyDown that carries its text, so that the page
// cancelling the keydown cancels the key's effect too (chromedp's kb.Enter sends a separate char
// event, which submits a form whatever the page's keydown handler decided).
var enterKey = chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
	for _, ev := range []input.DispatchKeyEventParams{
		{Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13, Text: "\r", UnmodifiedText: "\r"},
		{Type: input.DispatchKeyEventTypeKeyUp, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13},
	} {
		if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, ev); err != nil {
			return err
		}
	}
	return nil
})

type apiStep struct {
	At              time.Time `json:"at"`
	Actor           string    `json:"actor"`
	Role            string    `json:"role"`
	Action          string    `json:"action"`
	To              string    `json:"to"`
	Office          string    `json:"office"`
	SuggestedOffice string    `json:"suggestedOffice"`
	Reason          string    `json:"reason"`
	Pill            string    `json:"pill"`
}

type apiTicket struct {
	Ticket struct {
		ID       int64  `json:"id"`
		Number   string `json:"number"`
		State    string `json:"state"`
		Assignee string `json:"assignee"`
		Office   string `json:"office"`
	} `json:"ticket"`
	Path []apiStep `json:"path"`
}

// TestOfficesPathInChromium is the second half of the offices' "done when" (TK-5, TK-10…TK-12),
// on the built binary (`sportello serve --demo --sip`) in Debian's Chromium, each person signed
// in with their own account in their own browser context. First ten SIPp calls ring the
// operator's phone and are abandoned: no ticket (TK-1). Then a SIPp call is answered by the
// operator's phone; on the desk the operator searches and escalates it to level 2 with the call
// (the same ticket travels with it); level 2 assigns the ticket to office A; a member of office
// A only rejects it, suggesting office B; level 3 (the supervisor, the one capacity that
// reassigns) reassigns it from its queue of rejections to office B; a member of office B only
// takes it in hand and solves it with a pill found by searching. The path is complete — every
// step with who and when — on the ticket page and through the API, and office A's member can
// no longer act on it.
func TestOfficesPathInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	chromium := testenv.Chromium(t)
	testenv.Command(t, "sipp", "sip-tester")
	dir := t.TempDir()
	ports := freeUDPPorts(t, 16)
	sbc := fmt.Sprintf("127.0.0.1:%d", ports[0])
	sipFile := filepath.Join(dir, "sip.json")
	conf := fmt.Sprintf(`{"listen": %q, "numbers": {"100": "centralino"}, "loginOnRegister": true}`, sbc)
	if err := os.WriteFile(sipFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := buildSportello(t, dir)
	srv := startServe(t, bin, "serve", "--demo", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--sip", sipFile)
	base := strings.TrimSuffix(srv.base, "/")
	start := time.Now()
	logf := func(what string) { t.Logf("%6v %s", time.Since(start).Round(time.Millisecond), what) }

	// The administration: two level-2 accounts, each the member of one office only. Offices A
	// and B are the two the demo's level 2 works for.
	admin := signIn(t, base, "admin", accounts.DemoPassword)
	var mine []struct {
		Office string `json:"office"`
	}
	if code := admin.do(http.MethodGet, "/api/offices/members?user=secondolivello", nil, &mine); code != http.StatusOK || len(mine) < 2 {
		t.Fatalf("the demo level 2's offices: %d %+v", code, mine)
	}
	officeA, officeB := mine[0].Office, mine[1].Office
	const password = "Tetto-Agriturismo-Pioppo-9"
	for _, u := range []struct{ name, display, office string }{
		{"anna.uffa", "Anna dell'ufficio A", officeA}, {"bruno.uffb", "Bruno dell'ufficio B", officeB}} {
		form := url.Values{"name": {u.name}, "display": {u.display}, "role": {"level2"}, "password": {password}}
		var page string
		if code := admin.do(http.MethodPost, "/amministrazione/utenti", form, &page); code != http.StatusOK || !strings.Contains(page, u.name) {
			t.Fatalf("new account %s: %d", u.name, code)
		}
		if code := admin.do(http.MethodPost, "/api/offices/members", map[string]string{"office": u.office, "user": u.name, "capacity": "office"}, nil); code != http.StatusCreated {
			t.Fatalf("%s member of %s: %d", u.name, u.office, code)
		}
	}
	logf("accounts and memberships")

	bctx, cancelBrowser := newChromium(t, chromium, dir)
	defer cancelBrowser()
	// Every person has a browser context of their own (their own cookies); every wait is bounded.
	person := func() context.Context {
		pctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		tab, cancelT := context.WithTimeout(pctx, 150*time.Second)
		t.Cleanup(cancelT)
		// The first run opens the tab and ties it to the context it is given: this one, not the
		// per-step contexts below, whose end would close it.
		if err := chromedp.Do(tab); err != nil {
			t.Fatalf("open a tab: %v", err)
		}
		return tab
	}
	opTab, l2Tab, anyTab := person(), person(), person()
	do := func(tab context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(tab, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			text, _ := bounded(tab, chromedp.Evaluate[string](`location.href + "\n" + (document.body ? document.body.innerText : "")`))
			t.Fatalf("%s: %v\n%s\n%s", what, err, text, srv.stderr.String())
		}
		logf(what)
	}
	until := func(tab context.Context, what, cond string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			// Each look is bounded too: during a navigation the page has no context to ask.
			ok, err := bounded(tab, chromedp.Evaluate[bool](cond))
			if err == nil && ok {
				logf(what)
				return
			}
			if time.Now().After(deadline) {
				text, _ := bounded(tab, chromedp.Evaluate[string](`location.href + "\n" + (document.body ? document.body.innerText : "")`))
				t.Fatalf("%s: not within 15 s (%v)\n%s", what, err, text)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	eval := func(tab context.Context, js string) string {
		t.Helper()
		s, err := bounded(tab, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	login := func(tab context.Context, name, password, startPage string) {
		t.Helper()
		do(tab, "login as "+name,
			chromedp.Navigate(base+"/accedi"),
			chromedp.WaitVisible(chromedp.CSS("#name")),
			chromedp.SendKeys(chromedp.CSS("#name"), name),
			chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Submit(chromedp.CSS("#password")),
		)
		until(tab, name+" on the start page", `location.pathname === "`+startPage+`"`)
	}
	logout := func(tab context.Context) {
		t.Helper()
		do(tab, "logout", chromedp.Navigate(base+"/profilo"), chromedp.WaitVisible(chromedp.CSS("#esci")),
			chromedp.Click(chromedp.CSS("#esci")))
		until(tab, "signed out", `location.pathname !== "/profilo"`)
	}

	sup := signIn(t, base, "supervisore", accounts.DemoPassword)
	total := func() int {
		t.Helper()
		var l struct {
			Total int `json:"total"`
		}
		if code := sup.do(http.MethodGet, "/api/tickets?inbox=0&limit=1", nil, &l); code != http.StatusOK {
			t.Fatalf("GET /api/tickets: %d", code)
		}
		return l.Total
	}
	demoTickets := total()

	// 1. The operator's desk. A burst of calls nobody answers leaves no ticket behind: the
	// operator's phone (201) rings and is never picked up while ten callers hang up, in the queue
	// or while it rings (TK-1).
	login(opTab, "operatore", accounts.DemoPassword, "/operatore")
	until(opTab, "the desk's stream", `document.getElementById("cti-conn").className === "live"`)
	runSIPp(t, "phone 201 (rings, never answered)", "operator_noanswer.xml", ports[9], ports[10], "")
	noAnswer := filepath.Join(dir, "noanswer.csv")
	os.WriteFile(noAnswer, []byte(fmt.Sprintf("SEQUENTIAL\n201;%d\n", ports[9])), 0o600)
	runSIPp(t, "register 201 (never answers)", "register.xml", ports[3], ports[4], sbc, "-m", "1", "-inf", noAnswer).wait(t, 15*time.Second)
	until(opTab, "logged in by REGISTER", `document.getElementById("op-status").dataset.status === "available"`)
	burst := filepath.Join(dir, "burst.csv")
	os.WriteFile(burst, []byte("SEQUENTIAL\n3401000001\n3401000002\n"), 0o600)
	abandon := runSIPp(t, "abandoning callers", "caller_abandon.xml", ports[11], ports[12], sbc, "-s", "100", "-m", "10", "-r", "20", "-d", "800", "-inf", burst)
	abandon.wait(t, 30*time.Second)
	until(opTab, "no contact left on the desk", `document.getElementById("op-state").dataset.state === "idle" &&
		!["ringing", "connected"].includes(document.getElementById("contact").dataset.state)`)
	if n := total(); n != demoTickets {
		t.Errorf("ten calls nobody answered opened %d tickets", n-demoTickets)
	}
	var sla struct {
		Overall map[string]any `json:"overall"`
	}
	if code := sup.do(http.MethodGet, "/api/sla/figures", nil, &sla); code != http.StatusOK ||
		sla.Overall["offered"] != 10.0 || sla.Overall["abandoned"] != 10.0 || sla.Overall["answered"] != 0.0 {
		t.Errorf("the burst as the statistics count it: %d %v", code, sla.Overall)
	}
	logf("ten calls abandoned, no ticket")

	// The phones of 201 (the operator: answers, then waits for the transfer to hang up its leg)
	// and 203 (level 2: answers the transfer, talks 4 s) register, which logs them in.
	phone := runSIPp(t, "phone 201", "pbx_phone.xml", ports[1], ports[2], "", "-m", "1")
	phone203 := runSIPp(t, "phone 203", "operator_answer.xml", ports[6], ports[7], "", "-m", "1", "-d", "4000")
	inf := filepath.Join(dir, "ops.csv")
	os.WriteFile(inf, []byte(fmt.Sprintf("SEQUENTIAL\n201;%d\n203;%d\n", ports[1], ports[6])), 0o600)
	runSIPp(t, "register", "register.xml", ports[3], ports[4], sbc, "-m", "2", "-inf", inf).wait(t, 15*time.Second)
	until(opTab, "logged in by REGISTER", `document.getElementById("op-status").dataset.status === "available"`)

	// 2. The call: answered by the phone, the contact's ticket on the desk; the operator searches
	// and escalates to level 2 with the call.
	callers := filepath.Join(dir, "callers.csv")
	os.WriteFile(callers, []byte("SEQUENTIAL\n3331112223\n"), 0o600)
	caller := runSIPp(t, "caller", "caller.xml", ports[3], ports[8], sbc, "-m", "1", "-s", "100", "-inf", callers)
	until(opTab, "the call answered, its ticket on the desk", `document.getElementById("contact").dataset.state === "connected" &&
		document.getElementById("ticket-link").textContent.startsWith("RS-")`)
	number := eval(opTab, `document.getElementById("ticket-link").textContent`)
	const query = "rimborso bollo pagato due volte"
	do(opTab, "search", chromedp.SendKeys(chromedp.CSS("#kb-q"), query))
	until(opTab, "the candidates", `document.querySelectorAll("#kb-results li button").length > 0 &&
		document.getElementById("tk-queries").textContent.includes(`+strconv.Quote(query)+`)`)
	until(opTab, "level 2 offered with the call", `document.getElementById("esc-target").value === "203"`)
	do(opTab, "escalate with the call", chromedp.Click(chromedp.CSS("#btn-escalate")))
	until(opTab, "transferred with the ticket", `document.getElementById("contact").dataset.state === "ended"`)

	ticket := func() apiTicket {
		t.Helper()
		var tk apiTicket
		if code := sup.do(http.MethodGet, "/api/tickets/"+number, nil, &tk); code != http.StatusOK {
			t.Fatalf("GET /api/tickets/%s: %d", number, code)
		}
		return tk
	}
	if tk := ticket(); tk.Ticket.State != "escalated" || tk.Ticket.Assignee != "secondolivello" {
		t.Fatalf("after the transfer: %+v", tk.Ticket)
	}
	ticketURL := base + "/ticket/" + number

	// 3. Level 2 assigns it to office A.
	login(l2Tab, "secondolivello", accounts.DemoPassword, "/ticket/uffici")
	do(l2Tab, "assign to office A",
		chromedp.Navigate(ticketURL),
		chromedp.WaitVisible(chromedp.CSS("#act-assign summary")),
		chromedp.Click(chromedp.CSS("#act-assign summary")),
		chromedp.SetValue(chromedp.CSS("#f-assign-office"), officeA),
		chromedp.Submit(chromedp.CSS("#f-assign-office")),
		chromedp.WaitVisible(chromedp.CSS("#tk-office")),
	)

	// 4. Office A's member finds it in the office's queue and rejects it, suggesting office B.
	login(anyTab, "anna.uffa", password, "/ticket/uffici")
	if q := eval(anyTab, `document.getElementById("tk-list") ? document.getElementById("tk-list").textContent : ""`); !strings.Contains(q, number) {
		t.Fatalf("%s is not in office A's queue", number)
	}
	const why = "Non è di competenza di questo ufficio: se ne occupa l'ufficio B."
	do(anyTab, "reject",
		chromedp.Navigate(ticketURL),
		chromedp.WaitVisible(chromedp.CSS("#act-reject summary")),
		chromedp.Click(chromedp.CSS("#act-reject summary")),
		chromedp.SendKeys(chromedp.CSS("#f-reject-reason"), why),
		chromedp.SetValue(chromedp.CSS("#f-reject-suggestedOffice"), officeB),
		chromedp.Submit(chromedp.CSS("#f-reject-reason")),
	)
	until(anyTab, "rejected", `document.getElementById("tk-state").className.includes("tk-state-rejected")`)
	logout(anyTab)

	// 5. Level 3: the rejection in the supervisor's queue, office B preselected; reassigned.
	login(anyTab, "supervisore", accounts.DemoPassword, "/supervisore")
	do(anyTab, "level 3's queue", chromedp.Navigate(base+"/ticket/respinte"), chromedp.WaitVisible(chromedp.CSS("#tk-rejected")))
	sel := eval(anyTab, `(() => { for (const tr of document.querySelectorAll("#tk-rejected tbody tr"))
		if (tr.textContent.includes("`+number+`") && tr.textContent.includes("ufficio B")) return tr.querySelector("select").id; return ""; })()`)
	if sel == "" {
		t.Fatalf("%s with its reason is not in level 3's queue", number)
	}
	if v := eval(anyTab, `document.getElementById("`+sel+`").value`); v != officeB {
		t.Errorf("the suggested office is not preselected: %q, want %q", v, officeB)
	}
	do(anyTab, "reassign to office B", chromedp.Submit(chromedp.CSS("#"+sel)), chromedp.WaitVisible(chromedp.CSS("#tk-office")))
	if href := eval(anyTab, `document.getElementById("tk-office").getAttribute("href")`); !strings.HasSuffix(officeB, "/"+strings.TrimPrefix(href, "/ticket/uffici/")) {
		t.Errorf("reassigned to %s, want %s", href, officeB)
	}
	logout(anyTab)

	// 6. Office A's member can no longer act on it: the API refuses, the page offers nothing.
	anna := signIn(t, base, "anna.uffa", password)
	for _, step := range []map[string]string{{"action": "claim"}, {"action": "solve", "reason": "Risposta data dall'ufficio sbagliato."},
		{"action": "reject", "reason": "Di nuovo."}} {
		var e struct {
			Code string `json:"code"`
		}
		if code := anna.do(http.MethodPost, "/api/tickets/"+number+"/steps", step, &e); code != http.StatusForbidden || e.Code != "not_member" {
			t.Errorf("office A's member, %s on office B's ticket: %d %q, want 403 not_member", step["action"], code, e.Code)
		}
	}
	var page string
	if code := anna.do(http.MethodGet, "/ticket/"+number, nil, &page); code != http.StatusOK {
		t.Errorf("office A's member reading the ticket: %d", code)
	}
	for _, a := range []string{"act-claim", "act-solve", "act-reject"} {
		if strings.Contains(page, `id="`+a+`"`) {
			t.Errorf("the ticket page offers office A's member %s on office B's ticket", a)
		}
	}

	// 7. Office B's member takes it in hand and solves it.
	login(anyTab, "bruno.uffb", password, "/ticket/uffici")
	if q := eval(anyTab, `document.getElementById("tk-list") ? document.getElementById("tk-list").textContent : ""`); !strings.Contains(q, number) {
		t.Fatalf("%s is not in office B's queue", number)
	}
	do(anyTab, "claim", chromedp.Navigate(ticketURL), chromedp.WaitVisible(chromedp.CSS("#act-claim button")),
		chromedp.Click(chromedp.CSS("#act-claim button")), chromedp.WaitVisible(chromedp.CSS("#tk-assignee")))
	const answer = "Presentare istanza di rimborso allegando le due ricevute: il rimborso arriva entro 90 giorni."
	// The pill is chosen by searching (the picker's list, by keyboard), not typed as a code.
	do(anyTab, "the answer, the pill searched",
		chromedp.WaitVisible(chromedp.CSS("#act-solve summary")),
		chromedp.Click(chromedp.CSS("#act-solve summary")),
		chromedp.SendKeys(chromedp.CSS("#f-solve-reason"), answer),
		chromedp.SendKeys(chromedp.CSS("#f-solve-pill"), "bollo pagato in ritardo"),
	)
	until(anyTab, "the picker's list", `document.querySelectorAll("#f-solve-pill-list li").length > 0`)
	// Enter on the open list chooses its first pill (none marked with the arrows: a newer answer
	// may have replaced the list under them) and does not submit the action without its pill.
	do(anyTab, "the first pill chosen", enterKey)
	until(anyTab, "the pill in the form", `document.querySelector("#act-solve input[name=pill]").value.includes("/")`)
	pill := eval(anyTab, `document.querySelector("#act-solve input[name=pill]").value`)
	if !strings.Contains(pill, "/") {
		t.Fatalf("no pill chosen by the picker: %q", pill)
	}
	do(anyTab, "solve", chromedp.Submit(chromedp.CSS("#f-solve-reason")))
	until(anyTab, "solved", `document.getElementById("tk-state").className.includes("tk-state-solved")`)

	// 8. The path, through the API and on the page: every step with who and when, in order.
	tk := ticket()
	if tk.Ticket.State != "solved" || tk.Ticket.Office != officeB || tk.Ticket.Assignee != "bruno.uffb" {
		t.Errorf("the solved ticket: %+v", tk.Ticket)
	}
	var api []string
	for i, s := range tk.Path {
		if s.Actor == "" || s.At.IsZero() || s.At.Before(start.Add(-time.Minute)) || i > 0 && s.At.Before(tk.Path[i-1].At) {
			t.Errorf("step %d without who or when, or out of order: %+v", i, s)
		}
		api = append(api, s.Action+" "+s.Actor)
	}
	want := []string{"escalate operatore", "transfer secondolivello", "assign secondolivello", "reject anna.uffa",
		"reassign supervisore", "claim bruno.uffb", "solve bruno.uffb"}
	if got := strings.Join(api, ", "); !strings.HasSuffix(got, strings.Join(want, ", ")) {
		t.Errorf("the path through the API:\n%s\nwant it to end with\n%s", got, strings.Join(want, ", "))
	}
	for _, s := range tk.Path {
		switch s.Action {
		case "assign":
			if s.Office != officeA {
				t.Errorf("assigned to %s, want %s", s.Office, officeA)
			}
		case "reject":
			if s.Reason != why || s.SuggestedOffice != officeB {
				t.Errorf("the rejection: %+v", s)
			}
		case "reassign":
			if s.Office != officeB || s.Role != "supervisor" {
				t.Errorf("the reassignment: %+v", s)
			}
		case "solve":
			if s.Reason != answer || s.Pill != pill {
				t.Errorf("the answer: %+v", s)
			}
		}
	}
	rows, err := bounded(anyTab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#tk-path tbody tr")].map(tr =>
		tr.dataset.action + " " + tr.cells[1].textContent.trim().split(" ")[0] + " " + (tr.cells[0].textContent.trim() !== ""))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(api) {
		t.Errorf("the page shows %d steps, the API %d:\n%s", len(rows), len(api), strings.Join(rows, "\n"))
	} else {
		for i := range rows {
			if rows[i] != api[i]+" true" {
				t.Errorf("step %d on the page: %q, through the API %q (with its time)", i, rows[i], api[i])
			}
		}
	}
	if text := eval(anyTab, `document.getElementById("tk-path").textContent`); !strings.Contains(text, why) || !strings.Contains(text, "due ricevute") {
		t.Errorf("the page's path lacks the reasons:\n%s", text)
	}

	caller.wait(t, 30*time.Second)
	phone.wait(t, 10*time.Second)
	phone203.wait(t, 10*time.Second)
	logf("done")
}
