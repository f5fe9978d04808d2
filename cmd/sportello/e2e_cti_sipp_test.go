package main

import (
	"bytes"
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

// TestCTISIPpInChromium is issue 7's "done when" with real SIP peers: serve's wiring with the
// SIP adapter (--sip) on the demo telephony; a SIPp phone registers as extension 201, which logs
// the operator in; a SIPp caller dials 100 from Marco Bellandi's number; the operator's console
// pops the call with his directory record and an open ticket; the SIPp phone answers and the
// supervisor sees the operator on the call; the phone hangs up, the pop goes, and the
// statistics count the call as SIPp made it.
func TestCTISIPpInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	testenv.Command(t, "sipp", "sip-tester")
	ports := freeUDPPorts(t, 6)
	sbc := fmt.Sprintf("127.0.0.1:%d", ports[0])
	sipFile := filepath.Join(t.TempDir(), "sip.json")
	conf := fmt.Sprintf(`{"listen": %q, "numbers": {"100": "centralino"}, "loginOnRegister": true}`, sbc)
	if err := os.WriteFile(sipFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newCTIE2E(t, sipFile)

	if err := chromedp.Do(e.opTab,
		chromedp.Navigate(e.opURL+"/operatore"),
		chromedp.WaitVisible(chromedp.CSS("#op-status")),
	); err != nil {
		t.Fatalf("open the console: %v", err)
	}
	e.until(e.opTab, "the console's stream", `document.getElementById("cti-conn").className === "live"`)
	if err := chromedp.Do(e.supTab,
		chromedp.Navigate(e.supURL+"/supervisore"),
		chromedp.WaitVisible(chromedp.CSS(`#operators tr[data-operator="operatore"]`)),
	); err != nil {
		t.Fatalf("open the supervisor page: %v", err)
	}
	e.until(e.supTab, "the supervisor's stream", `document.getElementById("cti-conn").className === "live"`)

	// The phone of extension 201 (a SIPp UAS that answers after 300 ms and talks 3 s)
	// registers: the operator is logged in.
	phone := runSIPp(t, "phone 201", "operator_answer.xml", ports[1], ports[2], "", "-m", "1", "-d", "3000")
	inf := filepath.Join(t.TempDir(), "ops.csv")
	os.WriteFile(inf, []byte(fmt.Sprintf("SEQUENTIAL\n201;%d\n", ports[1])), 0o600)
	runSIPp(t, "register", "register.xml", ports[3], ports[4], sbc, "-m", "1", "-inf", inf).wait(t, 15*time.Second)
	e.until(e.opTab, "logged in by REGISTER", `document.getElementById("op-status").dataset.status === "available"`)
	e.until(e.supTab, "the phone registered", `document.querySelector('#operators tr[data-operator="operatore"] .ext .reg') !== null`)

	// A citizen calls the switchboard from Marco Bellandi's direct line.
	callers := filepath.Join(t.TempDir(), "callers.csv")
	os.WriteFile(callers, []byte("SEQUENTIAL\n0544952111\n"), 0o600)
	caller := runSIPp(t, "caller", "caller.xml", ports[3], ports[5], sbc, "-m", "1", "-s", "100", "-inf", callers)

	e.until(e.opTab, "the screen pop", `!document.getElementById("pop").hidden`)
	if hidden, _ := chromedp.Run(e.opTab, chromedp.Evaluate[bool](`document.getElementById("btn-answer").hidden`)); !hidden {
		t.Error("the console offers to answer although the SIP phone does")
	}
	pop, err := chromedp.Run(e.opTab, chromedp.Evaluate[map[string]string](`({
		from: document.getElementById("pop-from").textContent,
		record: document.getElementById("pop-matches").textContent,
		queue: document.getElementById("pop-queue").textContent,
		ticket: document.getElementById("pop-ticket").textContent
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if pop["from"] != "0544952111" || !strings.Contains(pop["record"], "Marco Bellandi") || pop["queue"] != "centralino" ||
		!strings.HasPrefix(pop["ticket"], "RS-") {
		t.Errorf("screen pop: %v", pop)
	}
	e.until(e.supTab, "operator on the SIP call", `document.querySelector('#operators tr[data-operator="operatore"] .st-on-call') !== null`)
	e.until(e.opTab, "connected on the console", `document.getElementById("pop").classList.contains("connected")`)
	caller.wait(t, 30*time.Second)
	phone.wait(t, 10*time.Second)
	e.until(e.opTab, "the pop closing", `document.getElementById("pop").hidden`)

	// The statistics agree with SIPp: one call offered, answered within 30 s, completed.
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
	if f["offered"] != 1.0 || f["answered"] != 1.0 || f["answeredUnderThreshold"] != 1.0 || f["abandonedUnderThreshold"] != 0.0 {
		t.Errorf("statistics after one SIPp call: %v", f)
	}
}
