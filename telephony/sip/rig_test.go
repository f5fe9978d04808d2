package sip

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"sportello/fixtures/testenv"
	"sportello/internal/clock"
	"sportello/telephony"
	"sportello/telephony/media"
	"sportello/workcal"
)

// scriptClock is the compressed "hour" of the SIPp tests: real time elapses from a fixed
// Monday morning, and Jump moves to another time of day (out of hours) between phases.
type scriptClock struct {
	mu    sync.Mutex
	base  time.Time
	start time.Time
}

func newScriptClock(base time.Time) *scriptClock { return &scriptClock{base: base, start: time.Now()} }

func (c *scriptClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(time.Since(c.start))
}

func (c *scriptClock) Jump(d time.Duration) {
	c.mu.Lock()
	c.base = c.base.Add(d)
	c.mu.Unlock()
}

// monday10 is Monday 23 November 2026, 10:00 in Rome: a working day, service open.
func monday10() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, clock.Rome()) }

func tone(ms int, hz float64) []int16 {
	out := make([]int16, ms*media.SampleRate/1000)
	for i := range out {
		out[i] = int16(6000 * math.Sin(2*math.Pi*hz*float64(i)/media.SampleRate))
	}
	return out
}

// testPrompts are short tones: the tests need real RTP, not long announcements.
func testPrompts(slot telephony.Slot, _ time.Time) ([]int16, error) {
	switch slot {
	case telephony.SlotHoldMusic:
		return tone(400, 440), nil
	case telephony.SlotWelcome:
		return tone(200, 660), nil
	}
	return tone(100, 880), nil
}

// rig is a running adapter with its ACD, tickets, booker and voicemail box.
type rig struct {
	clock   *scriptClock
	log     *telephony.EventLog
	acd     *telephony.ACD
	tickets *telephony.MemTickets
	vmDir   string
	ad      *Adapter
}

type rigConfig struct {
	queues    []telephony.QueueConfig
	operators []telephony.OperatorConfig
	numbers   map[string]string
	maxMissed int
	adapter   func(*Config)
}

func newRig(t testing.TB, rc rigConfig) *rig {
	t.Helper()
	r := &rig{clock: newScriptClock(monday10()), log: telephony.NewEventLog(), tickets: telephony.NewMemTickets(), vmDir: t.TempDir()}
	r.acd = telephony.New(telephony.Config{Clock: r.clock, Log: r.log, MaxMissedRings: rc.maxMissed})
	for _, q := range rc.queues {
		if err := r.acd.AddQueue(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range rc.operators {
		if err := r.acd.AddOperator(o); err != nil {
			t.Fatal(err)
		}
	}
	cal := workcal.Default()
	booker, err := telephony.NewBooker(telephony.CallbackPolicy{Calendar: cal}, r.tickets, r.log, r.clock)
	if err != nil {
		t.Fatal(err)
	}
	center := &telephony.Center{ACD: r.acd, Booker: booker,
		Voicemail: &telephony.VoicemailBox{Dir: r.vmDir, Calendar: cal, Tickets: r.tickets, Log: r.log, Clock: r.clock}}
	cfg := Config{Addr: "127.0.0.1:0", Center: center, Queues: rc.numbers, Operators: ExtensionsOf(rc.operators),
		LoginOnRegister: true, Prompts: testPrompts, TickInterval: 50 * time.Millisecond}
	if testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if rc.adapter != nil {
		rc.adapter(&cfg)
	}
	r.ad, err = Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.ad.Close() })
	return r
}

// count returns how many events of kind the log holds, per queue when queue is not "".
func (r *rig) count(kind telephony.EventKind, queue string) int {
	n := 0
	for _, e := range r.log.Events(time.Time{}, time.Time{}) {
		if e.Kind == kind && (queue == "" || e.Queue == queue) {
			n++
		}
	}
	return n
}

// waitIdle waits until the adapter holds no call, leg or socket, or fails the test.
func (r *rig) waitIdle(t testing.TB, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		u := r.ad.Usage()
		if u == (Usage{}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("adapter still holds %+v after %s", u, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePorts returns n distinct free UDP ports on 127.0.0.1, each with the next port free too
// (SIPp uses media port+2 for video; RTCP uses +1).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var out []int
	var held []net.PacketConn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for len(out) < n {
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		p := c.LocalAddr().(*net.UDPAddr).Port
		if p%2 != 0 || p > 65000 {
			continue
		}
		ok := true
		for d := 1; d <= 3; d++ {
			c2, err := net.ListenPacket("udp4", "127.0.0.1:"+strconv.Itoa(p+d))
			if err != nil {
				ok = false
				break
			}
			held = append(held, c2)
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// sippRun is one SIPp process with its statistics file.
type sippRun struct {
	name string
	cmd  *exec.Cmd
	out  bytes.Buffer
	stat string
	done chan struct{}
	err  error
}

// startSIPp starts SIPp with the scenario from testdata, on 127.0.0.1:port with media on
// mediaPort, against remote (empty for a UAS).
func startSIPp(t testing.TB, name, scenario string, port, mediaPort int, remote string, args ...string) *sippRun {
	t.Helper()
	bin := testenv.Command(t, "sipp", "sip-tester")
	dir := t.TempDir()
	s := &sippRun{name: name, stat: filepath.Join(dir, "stat.csv"), done: make(chan struct{})}
	scen, _ := filepath.Abs(filepath.Join("testdata", scenario))
	all := []string{"-sf", scen, "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-mi", "127.0.0.1",
		"-mp", strconv.Itoa(mediaPort), "-nostdin", "-trace_stat", "-stf", s.stat, "-fd", "1",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"), "-timeout", "60s", "-timeout_error"}
	all = append(all, args...)
	if remote != "" {
		all = append(all, remote)
	}
	s.cmd = exec.Command(bin, all...)
	s.cmd.Dir = dir
	s.cmd.Stdout = &s.out
	s.cmd.Stderr = &s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// wait waits for SIPp to exit and returns its counters; it fails the test when SIPp reports a
// failed call or does not finish in time.
func (s *sippRun) wait(t testing.TB, within time.Duration) sippStats {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(within):
		s.cmd.Process.Kill()
		<-s.done
		t.Fatalf("%s: SIPp did not finish within %s\n%s\n%s", s.name, within, s.out.String(), s.errors())
	}
	st := s.stats(t)
	if s.err != nil || st.Failed > 0 {
		t.Fatalf("%s: SIPp exit %v, %d failed calls\n%s\n%s", s.name, s.err, st.Failed, s.out.String(), s.errors())
	}
	return st
}

// lastFrom returns the From header of the last INVITE SIPp received (run with -trace_msg).
func (s *sippRun) lastFrom(t testing.TB) string {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(filepath.Dir(s.stat), "*_messages.log"))
	from := ""
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			t.Fatal(err)
		}
		invite := false
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(line, "INVITE "):
				invite = true
			case invite && strings.HasPrefix(strings.ToLower(line), "from:"):
				from, invite = line, false
			}
		}
	}
	return from
}

func (s *sippRun) errors() string {
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(s.stat), "errors.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

type sippStats struct{ Created, Successful, Failed int }

// stats reads the last line of SIPp's -trace_stat file (semicolon-separated, with a header).
func (s *sippRun) stats(t testing.TB) sippStats {
	t.Helper()
	b, err := os.ReadFile(s.stat)
	if err != nil {
		t.Fatalf("%s: %v\n%s", s.name, err, s.out.String())
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 2 {
		t.Fatalf("%s: statistics file has no data", s.name)
	}
	head := strings.Split(lines[0], ";")
	last := strings.Split(lines[len(lines)-1], ";")
	get := func(col string) int {
		for i, h := range head {
			if h == col && i < len(last) {
				n, _ := strconv.Atoi(last[i])
				return n
			}
		}
		t.Fatalf("%s: no column %s", s.name, col)
		return 0
	}
	return sippStats{Created: get("TotalCallCreated"), Successful: get("SuccessfulCall(C)"), Failed: get("FailedCall(C)")}
}

// writeFile writes a SIPp injection file in a temporary directory.
func writeFile(t testing.TB, name string, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func addr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

func itoa(n int) string { return strconv.Itoa(n) }

func init() {
	if os.Getenv("SIP_DEBUG") != "" {
		sipmsg.SIPDebug = true
	}
}

// startKamailio runs Kamailio (Debian package kamailio) as the Administration's PBX on
// 127.0.0.1:port with testdata/kamailio.cfg, its trunk password secret; it is stopped with its
// children when the test ends.
func startKamailio(t testing.TB, port int, secret string) {
	t.Helper()
	bin := testenv.Command(t, "kamailio", "kamailio")
	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join("testdata", "kamailio.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer("__PORT__", itoa(port), "__SECRET__", secret).Replace(string(raw))
	if err := os.WriteFile(filepath.Join(dir, "kamailio.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "-f", filepath.Join(dir, "kamailio.cfg"), "-DD", "-E", "-m", "32", "-M", "8", "-Y", dir, "-w", dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("kamailio:\n%s", out.String())
		}
	})
	// Ready when it answers anything.
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	buf := make([]byte, 4096)
	for i := 0; i < 100; i++ {
		msg := "OPTIONS sip:ping@127.0.0.1:" + itoa(port) + " SIP/2.0\r\nVia: SIP/2.0/UDP " + c.LocalAddr().String() + ";branch=z9hG4bK" + itoa(i) +
			"\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: ping" + itoa(i) + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 5\r\nContent-Length: 0\r\n\r\n"
		c.WriteTo([]byte(msg), to)
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, _, err := c.ReadFrom(buf); err == nil {
			return
		}
		select {
		case <-done:
			t.Fatalf("kamailio exited:\n%s", out.String())
		default:
		}
	}
	t.Fatalf("kamailio does not answer on port %d:\n%s", port, out.String())
}
