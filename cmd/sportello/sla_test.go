package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/internal/clock"
	"sportello/ticketing"
)

// runBin runs the built binary and returns its exit status and outputs.
func runBin(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// The contract manager's script: import the PBX's queue_log, read October's report as JSON and
// as Excel, write a note, set the e-mail, send the report through a real SMTP relay.
func TestCLICallsImportAndSLAReport(t *testing.T) {
	dir := t.TempDir()
	bin := buildSportello(t, dir)
	data := filepath.Join(dir, "data")
	// 12 calls on Monday 5 October 2026 in service time: 8 answered (6 within 30 s, one after
	// 95 s), 2 abandoned, 1 overflowed at 90 s, 1 refused with the queue full. One damaged
	// line, one call in September.
	at := func(h, m, s int) int64 { return time.Date(2026, 10, 5, h, m, s, 0, clock.Rome()).Unix() }
	var lines []string
	add := func(ts int64, rest string) { lines = append(lines, fmt.Sprintf("%d|%s", ts, rest)) }
	add(at(8, 0, 0), "NONE|NONE|SIP/201|AGENTLOGIN|SIP/201")
	waits := []int{5, 10, 12, 20, 25, 29, 40, 95}
	for i, w := range waits {
		id := fmt.Sprintf("1790.%d", i)
		t0 := at(9, i, 0)
		add(t0, id+"|centralino|NONE|ENTERQUEUE||347000000"+fmt.Sprint(i))
		add(t0+int64(w), fmt.Sprintf("%s|centralino|SIP/201|CONNECT|%d|x|2", id, w))
		add(t0+int64(w)+120, fmt.Sprintf("%s|centralino|SIP/201|COMPLETECALLER|%d|120|1", id, w))
	}
	add(at(10, 0, 0), "ab1|centralino|NONE|ENTERQUEUE||")
	add(at(10, 0, 3), "ab1|centralino|NONE|ABANDON|1|1|3")
	add(at(10, 1, 0), "ab2|centralino|NONE|ENTERQUEUE||")
	add(at(10, 1, 45), "ab2|centralino|NONE|ABANDON|1|1|45")
	add(at(10, 2, 0), "ov1|centralino|NONE|ENTERQUEUE||")
	add(at(10, 3, 30), "ov1|centralino|NONE|EXITWITHTIMEOUT|1|1|90")
	add(at(10, 4, 0), "fu1|centralino|NONE|FULL|")
	lines = append(lines, "questa riga è rovinata")
	add(at(19, 0, 0), "NONE|NONE|SIP/201|AGENTLOGOFF|SIP/201|39600")
	add(time.Date(2026, 9, 30, 10, 0, 0, 0, clock.Rome()).Unix(), "sep1|centralino|NONE|ENTERQUEUE||")
	qlog := writeFile(t, dir, "queue_log", strings.Join(lines, "\n")+"\n")

	code, out, errOut := runBin(t, bin, "calls", "import", "--data", data, qlog)
	if code != 1 || !strings.Contains(errOut, "riga 33:") || !strings.Contains(out, "35 lines, 34 events imported") {
		t.Fatalf("calls import: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ = runBin(t, bin, "calls", "import", "--data", data, qlog); !strings.Contains(out, "0 events imported, 34 already imported") {
		t.Fatalf("second import: exit %d: %s", code, out)
	}

	code, out, errOut = runBin(t, bin, "sla", "report", "--month", "2026-10", "--json", "--data", data, "--planned", "250")
	if code != 0 {
		t.Fatalf("sla report: exit %d: %s", code, errOut)
	}
	var rep struct {
		Offered, Answered, Abandoned, Overflowed int
		Growth                                   float64
		ThresholdCut                             int
		SLA                                      map[string]struct {
			Value           *float64
			Threshold       float64
			DeviationPoints *float64
			PenaltyPoints   int
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Offered != 11 || rep.Answered != 8 || rep.Abandoned != 2 || rep.Overflowed != 1 {
		t.Errorf("counts: %+v", rep)
	}
	// 250 a year is 21.23 in October: 11 offered is −48 %, no cut.
	if rep.ThresholdCut != 0 || rep.Growth > -0.48 || rep.Growth < -0.49 {
		t.Errorf("growth %v cut %d", rep.Growth, rep.ThresholdCut)
	}
	c2 := rep.SLA["C.2"] // 6 of 8 within 30 s: 75 %, 15 points below 90: 15 penalty points
	if c2.Value == nil || *c2.Value != 0.75 || c2.Threshold != 0.9 || *c2.DeviationPoints != -15 || c2.PenaltyPoints != 15 {
		t.Errorf("C.2: %+v", c2)
	}
	if c1 := rep.SLA["C.1"]; c1.Value == nil || *c1.Value != 11.0/12 {
		t.Errorf("C.1: %+v", c1)
	}
	if c4 := rep.SLA["C.4"]; c4.Value != nil {
		t.Errorf("C.4 measured with no tickets: %+v", c4)
	}

	xlsx := filepath.Join(dir, "ottobre.xlsx")
	if code, _, errOut = runBin(t, bin, "sla", "report", "--month", "2026-10", "--xlsx", "-o", xlsx, "--data", data); code != 0 {
		t.Fatalf("--xlsx: %s", errOut)
	}
	x, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := x.GetRows("Dati"); len(rows) != 13 { // 12 contacts and the header
		t.Errorf("raw data: %d rows", len(rows))
	}
	x.Close()

	if code, _, errOut = runBin(t, bin, "sla", "note", "--month", "2026-10", "--author", "gestore", "--data", data, "Verificato con il DEC."); code != 0 {
		t.Fatalf("note: %s", errOut)
	}
	if _, out, _ = runBin(t, bin, "sla", "report", "--month", "2026-10", "--data", data); !strings.Contains(out, "Verificato con il DEC.") || !strings.Contains(out, "C.2") {
		t.Errorf("text report:\n%s", out)
	}
	if code, out, errOut = runBin(t, bin, "sla", "settings", "--mail-to", "gestore@regione.example.it", "--day", "3", "--json", "--data", data); code != 0 || !strings.Contains(out, `"day": 3`) {
		t.Fatalf("settings: %d %s %s", code, out, errOut)
	}
	if code, _, errOut = runBin(t, bin, "sla", "settings", "--day", "31", "--data", data); code != 1 || !strings.Contains(errOut, "giorno di invio 31") {
		t.Errorf("bad day: %d %s", code, errOut)
	}

	// Sent through a real SMTP server on loopback.
	var mu sync.Mutex
	var got [][]byte
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &ticketing.SMTPServer{Domain: "relay.test", Addresses: []string{"gestore@regione.example.it"},
		Deliver: func(_ context.Context, _ string, _ []string, d []byte) error {
			mu.Lock()
			got = append(got, d)
			mu.Unlock()
			return nil
		}}
	go srv.Serve(l)
	defer srv.Close()
	code, out, errOut = runBin(t, bin, "sla", "send", "--month", "2026-10", "--mail-relay", l.Addr().String(),
		"--mail-from", "Sportello <sportello@regione.example.it>", "--data", data)
	if code != 0 || !strings.Contains(out, "report mese-2026-10 sent to gestore@regione.example.it") {
		t.Fatalf("send: %d %s %s", code, out, errOut)
	}
	mu.Lock()
	if len(got) != 1 || !bytes.Contains(got[0], []byte("filename=sla-mese-2026-10.xlsx")) {
		t.Errorf("%d messages received", len(got))
	}
	mu.Unlock()

	// Wrong usage: exit 2 with a message.
	for _, args := range [][]string{{"sla", "report"}, {"sla", "report", "--month", "2026-13"}, {"sla", "report", "--month", "2026-10", "--xlsx"},
		{"sla", "bilancio"}, {"calls", "import"}} {
		if code, _, errOut := runBin(t, bin, append(args, "--data", data)...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, %s", args, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "sportello.db")); err != nil {
		t.Errorf("the database is not in the data folder: %v", err)
	}
}
