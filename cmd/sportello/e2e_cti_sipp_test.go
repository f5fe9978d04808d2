package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sportello/fixtures/testenv"
	"sportello/ticketing"
)

// sippPeer runs SIPp with one of the SIP adapter's scenarios (telephony/sip/testdata) on
// 127.0.0.1 and reports how it exited.
type sippPeer struct {
	name string
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan error
}

func runSIPp(t *testing.T, name, scenario string, port, mediaPort int, remote string, args ...string) *sippPeer {
	t.Helper()
	bin := testenv.Command(t, "sipp", "sip-tester")
	scen, err := filepath.Abs(filepath.Join("..", "..", "telephony", "sip", "testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	all := []string{"-sf", scen, "-i", "127.0.0.1", "-p", fmt.Sprint(port), "-mi", "127.0.0.1", "-mp", fmt.Sprint(mediaPort),
		"-nostdin", "-timeout", "60s", "-timeout_error", "-trace_err", "-error_file", filepath.Join(dir, "errors.log")}
	all = append(all, args...)
	if remote != "" {
		all = append(all, remote)
	}
	p := &sippPeer{name: name, cmd: exec.Command(bin, all...), done: make(chan error, 1)}
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait fails the test unless SIPp ends within d with every call successful (exit status 0).
func (p *sippPeer) wait(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("%s: %v\n%s", p.name, err, p.out.String())
		}
	case <-time.After(d):
		t.Fatalf("%s: still running after %v\n%s", p.name, d, p.out.String())
	}
}

func freeUDPPorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var conns []net.PacketConn
	for len(ports) < n {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if p := c.LocalAddr().(*net.UDPAddr).Port; p%2 == 0 { // media ports: even, with RTCP above
			ports = append(ports, p)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	return ports
}

// TestCTISIPpInChromium is the desk's "done when" with real SIP peers (issues 7, 16, 18):
// serve's wiring with the SIP adapter (--sip) on the demo telephony; SIPp phones register as
// extension 201 (the operator) and 203 (level 2), which logs them in. A SIPp caller dials 100
// from Marco Bellandi's number: the desk shows the ringing contact with his record and no
// ticket; the phone answers and the contact's ticket appears; the operator searches and solves
// with the pill in one click — one contact, one ticket, first-contact resolution 100 %. A second
// call: the operator searches, then escalates to level 2 with the call; the adapter transfers
// the call to 203, the ticket travels with it (the same ticket, now escalated and in level 2's
// hands, the transfer in its path) and shows on level 2's desk, where it is solved with a pill.
// The statistics count what SIPp did.
func TestCTISIPpInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	testenv.Command(t, "sipp", "sip-tester")
	ports := freeUDPPorts(t, 10)
	sbc := fmt.Sprintf("127.0.0.1:%d", ports[0])
	sipFile := filepath.Join(t.TempDir(), "sip.json")
	conf := fmt.Sprintf(`{"listen": %q, "numbers": {"100": "centralino"}, "loginOnRegister": true}`, sbc)
	if err := os.WriteFile(sipFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newCTIE2E(t, sipFile)
	ctx := context.Background()

	for _, d := range []struct {
		tab  context.Context
		url  string
		name string
	}{{e.opTab, e.opURL, "operator"}, {e.l2Tab, e.l2URL, "level 2"}} {
		if err := chromedp.Do(d.tab,
			chromedp.Navigate(d.url+"/operatore"),
			chromedp.WaitVisible(chromedp.CSS("#op-status")),
		); err != nil {
			t.Fatalf("open the %s desk: %v", d.name, err)
		}
		e.until(d.tab, "the "+d.name+" desk's stream", `document.getElementById("cti-conn").className === "live"`)
	}
	if err := chromedp.Do(e.supTab,
		chromedp.Navigate(e.supURL+"/supervisore"),
		chromedp.WaitVisible(chromedp.CSS(`#operators tr[data-operator="operatore"]`)),
	); err != nil {
		t.Fatalf("open the supervisor page: %v", err)
	}
	e.until(e.supTab, "the supervisor's stream", `document.getElementById("cti-conn").className === "live"`)

	// The phones of extensions 201 (answers after 300 ms, talks 3 s, hangs up) and 203 register:
	// the operator and level 2 are logged in.
	phone := runSIPp(t, "phone 201", "operator_answer.xml", ports[1], ports[2], "", "-m", "1", "-d", "3000")
	inf := filepath.Join(t.TempDir(), "ops.csv")
	os.WriteFile(inf, []byte(fmt.Sprintf("SEQUENTIAL\n201;%d\n203;%d\n", ports[1], ports[6])), 0o600)
	runSIPp(t, "register", "register.xml", ports[3], ports[4], sbc, "-m", "2", "-inf", inf).wait(t, 15*time.Second)
	e.until(e.opTab, "logged in by REGISTER", `document.getElementById("op-status").dataset.status === "available"`)
	e.until(e.l2Tab, "level 2 logged in by REGISTER", `document.getElementById("op-status").dataset.status === "available"`)
	e.until(e.supTab, "the phone registered", `document.querySelector('#operators tr[data-operator="operatore"] .ext .reg') !== null`)
	since := time.Now()

	// 1. A citizen calls the switchboard from Marco Bellandi's direct line.
	callers := filepath.Join(t.TempDir(), "callers.csv")
	os.WriteFile(callers, []byte("SEQUENTIAL\n0544952111\n"), 0o600)
	caller := runSIPp(t, "caller", "caller.xml", ports[3], ports[5], sbc, "-m", "1", "-s", "100", "-inf", callers)
	e.until(e.opTab, "the contact on the desk", `["ringing", "connected"].includes(document.getElementById("contact").dataset.state)`)
	if hidden, _ := chromedp.Run(e.opTab, chromedp.Evaluate[bool](`document.getElementById("btn-answer").hidden`)); !hidden {
		t.Error("the desk offers to answer although the SIP phone does")
	}
	e.until(e.opTab, "answered by the phone", `document.getElementById("contact").dataset.state === "connected"`)
	e.until(e.opTab, "the contact's ticket", `document.getElementById("ticket-link").textContent.startsWith("RS-")`)
	pop, err := chromedp.Run(e.opTab, chromedp.Evaluate[map[string]string](`({
		from: document.getElementById("pop-from").textContent,
		record: document.getElementById("pop-matches").textContent,
		queue: document.getElementById("pop-queue").textContent,
		ticket: document.getElementById("ticket-link").textContent
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if pop["from"] != "0544952111" || !strings.Contains(pop["record"], "Marco Bellandi") || pop["queue"] != "centralino" {
		t.Errorf("the contact: %v", pop)
	}
	e.until(e.supTab, "operator on the SIP call", `document.querySelector('#operators tr[data-operator="operatore"] .st-on-call') !== null`)
	first := pop["ticket"]
	e.search(t, e.opTab, "entro quando si paga il bollo auto", "TRI-001")
	if err := chromedp.Do(e.opTab, chromedp.Click(chromedp.CSS("#btn-solve"))); err != nil {
		t.Fatal(err)
	}
	e.until(e.opTab, "solved with the pill", `document.getElementById("ticket-state").textContent === "Risolto I Livello"`)
	caller.wait(t, 30*time.Second)
	phone.wait(t, 10*time.Second)
	e.until(e.opTab, "the call over", `document.getElementById("contact").dataset.state === "ended"`)
	tks, err := e.app.Tickets.List(ctx, ticketing.Filter{Since: since})
	if err != nil || len(tks) != 1 || tks[0].Number != first || tks[0].State != ticketing.StateSolvedL1 || !tks[0].FirstContact {
		t.Fatalf("after the first call: %+v %v", tks, err)
	}
	if f, _ := e.app.Tickets.Figures(ctx, since, time.Now().Add(time.Minute)); f.Contacts != 1 || f.FCRRate != 1 {
		t.Errorf("first-contact resolution after one call: %+v", f)
	}
	// The wrap-up (10 s in the demo) ends before the next call rings.
	e.until(e.opTab, "ready for the next call", `document.getElementById("op-state").dataset.state === "idle"`)

	// 2. A second call, escalated to level 2 with the call: 201 answers and waits for the
	// transfer to hang up its leg; 203 answers the transfer, talks 4 s and hangs up.
	phone = runSIPp(t, "phone 201 (transfers)", "pbx_phone.xml", ports[1], ports[2], "", "-m", "1")
	phone203 := runSIPp(t, "phone 203", "operator_answer.xml", ports[6], ports[7], "", "-m", "1", "-d", "4000")
	os.WriteFile(callers, []byte("SEQUENTIAL\n3331112223\n"), 0o600)
	caller = runSIPp(t, "caller 2", "caller.xml", ports[3], ports[8], sbc, "-m", "1", "-s", "100", "-inf", callers)
	e.until(e.opTab, "the second contact connected", `document.getElementById("contact").dataset.state === "connected" &&
		document.getElementById("ticket-link").textContent.startsWith("RS-") && document.getElementById("ticket-link").textContent !== "`+first+`"`)
	second, _ := chromedp.Run(e.opTab, chromedp.Evaluate[string](`document.getElementById("ticket-link").textContent`))
	e.search(t, e.opTab, "rimborso bollo pagato due volte", "")
	e.until(e.opTab, "level 2 offered with the call", `document.getElementById("esc-target").value === "203"`)
	if err := chromedp.Do(e.opTab, chromedp.Click(chromedp.CSS("#btn-escalate"))); err != nil {
		t.Fatal(err)
	}
	e.until(e.opTab, "transferred with the ticket", `document.getElementById("contact").dataset.state === "ended"`)
	e.until(e.l2Tab, "the contact on level 2's desk", `document.getElementById("contact").dataset.state === "transferred-in" &&
		document.getElementById("ticket-link").textContent === "`+second+`"`)
	tk, err := e.app.Tickets.TicketByNumber(ctx, second)
	if err != nil || tk.State != ticketing.StateEscalated || tk.Assignee != "secondolivello" {
		t.Fatalf("the ticket after the transfer: %+v %v", tk, err)
	}
	path, _ := e.app.Tickets.Path(ctx, tk.ID)
	var steps []string
	for _, s := range path {
		steps = append(steps, string(s.Action)+"/"+s.Actor+"/"+string(s.Role))
	}
	if got := strings.Join(steps, " "); !strings.Contains(got, "escalate/operatore/operator transfer/secondolivello/level2") {
		t.Errorf("path: %s", got)
	}
	screenshot(t, e.l2Tab, e.dir, "scrivania-secondo-livello.png")
	// Level 2 solves it with a pill on the desk.
	e.search(t, e.l2Tab, "bollo auto pagato in ritardo", "")
	if err := chromedp.Do(e.l2Tab, chromedp.Click(chromedp.CSS("#btn-solve"))); err != nil {
		t.Fatal(err)
	}
	e.until(e.l2Tab, "solved at level 2", `document.getElementById("ticket-state").textContent === "Risolta"`)
	caller.wait(t, 40*time.Second)
	phone.wait(t, 10*time.Second)
	phone203.wait(t, 10*time.Second)
	tks, err = e.app.Tickets.List(ctx, ticketing.Filter{Since: since})
	if err != nil || len(tks) != 2 {
		t.Fatalf("two calls, %d tickets: %+v %v", len(tks), tks, err)
	}
	if tk, _ = e.app.Tickets.TicketByNumber(ctx, second); tk.State != ticketing.StateSolved || tk.FirstContact || tk.Pill == "" {
		t.Errorf("solved at level 2: %+v", tk)
	}
	if f, _ := e.app.Tickets.Figures(ctx, since, time.Now().Add(time.Minute)); f.Contacts != 2 || f.FirstContact != 1 {
		t.Errorf("figures after two calls: %+v", f)
	}

	// The statistics agree with SIPp: two calls offered and answered, one transferred.
	req, _ := http.NewRequest(http.MethodGet, e.supURL+"/api/sla/figures", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Figures map[string]any `json:"overall"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	f := st.Figures
	if f["offered"] != 2.0 || f["answered"] != 2.0 || f["answeredUnderThreshold"] != 2.0 || f["transferred"] != 1.0 ||
		f["abandonedUnderThreshold"] != 0.0 {
		t.Errorf("statistics after two SIPp calls: %v", f)
	}
}
