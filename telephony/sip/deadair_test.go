package sip

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/rtp"

	"sportello/fixtures/testenv"
	"sportello/telephony"
	"sportello/telephony/media"
)

// No dead air, no two voices (issue 18 item 1). Four SIPp callers reach a queue whose operators
// take turns (round robin): one phone never answers, one is busy, one answers and talks (SIPp
// sends G.711 from a pcap). Every caller goes through failed rings and back into the queue while
// the one talking operator is busy. tshark captures the RTP each caller receives, and the test
// decodes it:
//   - the call starts with the whole welcome, bit for bit (the operator is rung only after it);
//   - until the operator's voice arrives, the longest silence (timestamp gaps and frames under
//     silentRMS) is under one second: hold music and spoken positions fill the wait, including
//     after each failed ring;
//   - after the operator's first packet no packet of the IVR follows: the prompt being played is
//     cut before the bridge.
func TestSIPpNoDeadAir(t *testing.T) {
	ports := freePorts(t, 10)
	welcome := tone(1200, 660) // longer than the operator takes to answer
	prompts := func(slot telephony.Slot, _ time.Time) ([]int16, error) {
		switch slot {
		case telephony.SlotWelcome:
			return welcome, nil
		case telephony.SlotHoldMusic:
			return tone(400, 440), nil
		}
		return nil, nil // positions: only the Italian voice
	}
	member := []telephony.Membership{{Queue: "centralino"}}
	r := newRig(t, rigConfig{
		queues: []telephony.QueueConfig{{Name: "centralino", Strategy: telephony.RoundRobin, RingTimeout: 1500 * time.Millisecond,
			MaxWait: 2 * time.Minute, AnnounceEvery: 4 * time.Second}},
		operators: []telephony.OperatorConfig{
			{ID: "carla", Extension: "203", Queues: member},
			{ID: "bruno", Extension: "202", Queues: member},
			{ID: "anna", Extension: "201", Queues: member},
		},
		numbers:   map[string]string{"100": "centralino"},
		maxMissed: 1000,
		adapter:   func(c *Config) { c.Prompts = prompts },
	})
	sbc := addr(r.ad.Addr().Port)
	p := func(i int) int { return ports[i] }
	const callers = 4
	anna := startSIPp(t, "operator 201 (talks)", "operator_talk.xml", p(0), p(1), "", "-m", itoa(callers), "-d", "1500")
	startSIPp(t, "operator 202 (busy)", "operator_busy.xml", p(2), p(3), "")
	startSIPp(t, "operator 203 (no answer)", "operator_noanswer.xml", p(4), p(5), "")
	reg := startSIPp(t, "register", "register.xml", p(6), p(7), sbc, "-m", "3",
		"-inf", writeFile(t, "operators.csv", "SEQUENTIAL", "203;"+itoa(p(4)), "202;"+itoa(p(2)), "201;"+itoa(p(0))))
	reg.wait(t, 10*time.Second)

	capt := startCapture(t, p(9))
	c := startSIPp(t, "callers", "caller.xml", p(8), p(9), sbc, "-s", "100", "-m", itoa(callers), "-r", "2",
		"-inf", writeFile(t, "callers.csv", "SEQUENTIAL", "3331112222", "3332223333", "3333334444", "3334445555"))
	if st := c.wait(t, 90*time.Second); st.Successful != callers {
		t.Fatalf("callers: %+v", st)
	}
	if st := anna.wait(t, 10*time.Second); st.Successful != callers {
		t.Fatalf("operator who talks: %+v", st)
	}
	r.waitIdle(t, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	calls := decodeCalls(t, capt.stop(t), media.PCMA)

	if n := r.count(telephony.EvNoAnswer, "centralino"); n < 2*callers {
		t.Errorf("%d unanswered rings, want at least %d: the test did not exercise the return to the queue", n, 2*callers)
	}
	if len(calls) != callers {
		t.Fatalf("captured %d calls, want %d", len(calls), callers)
	}
	wantWelcome := media.PCMA.Encode(nil, welcome)
	// The Italian position sentence starts with one of these recordings (issue 18 item 6).
	var starts [][]byte
	for _, f := range []string{"queue-thereare", "queue-youarenext"} {
		b, err := os.ReadFile(filepath.Join(media.DefaultPromptsDir, f+".wav"))
		if err != nil {
			testenv.Missing(t, "the Italian prompts", "asterisk-core-sounds-it-wav")
		}
		pcm, err := media.ParseWAV(f, b)
		if err != nil {
			t.Fatal(err)
		}
		starts = append(starts, media.PCMA.Encode(nil, pcm[:5*media.FrameSamples]))
	}
	told := 0
	var worst time.Duration
	for i, h := range calls {
		if !h.Bridged {
			t.Errorf("call %d: the operator's voice never reached the caller", i)
		}
		if len(h.Late) > 0 {
			t.Errorf("call %d: %d IVR packets after the operator's voice began (first seq %d)", i, len(h.Late), h.Late[0].SequenceNumber)
		}
		frames := len(welcome) / media.FrameSamples
		if len(h.IVR) < frames {
			t.Errorf("call %d: %d IVR packets, fewer than the welcome's %d", i, len(h.IVR), frames)
			continue
		}
		for k := 0; k < frames; k++ {
			if !bytes.Equal(h.IVR[k].Payload, wantWelcome[k*media.FrameSamples:(k+1)*media.FrameSamples]) {
				t.Errorf("call %d: packet %d is not the welcome's frame %d: the welcome was cut or reordered", i, k, k)
				break
			}
		}
		if heardPrompt(h.IVR, starts) {
			told++
		}
		if h.Silence > time.Second {
			t.Errorf("call %d: %s of silence while queued, at %s", i, h.Silence, h.Where)
		}
		worst = max(worst, h.Silence)
	}
	testenv.Figure("sip: longest silence heard while queued, %d callers with failed rings: %d ms; %d told their position in Italian",
		callers, worst.Milliseconds(), told)
}

// heardPrompt reports whether the stream has, at a packet boundary, five packets in a row that
// are the start of one of the prompts (the player starts every prompt on a new packet).
func heardPrompt(ps []rtp.Packet, starts [][]byte) bool {
	for _, st := range starts {
		for i := 0; i+5 <= len(ps); i++ {
			ok := true
			for k := 0; k < 5 && ok; k++ {
				ok = bytes.Equal(ps[i+k].Payload, st[k*media.FrameSamples:(k+1)*media.FrameSamples])
			}
			if ok {
				return true
			}
		}
	}
	return false
}

// promptFrames returns the encoded first n frames of a recorded Italian prompt.
func promptFrames(t *testing.T, codec media.Codec, n int, files ...string) []byte {
	t.Helper()
	var pcm []int16
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(media.DefaultPromptsDir, f+".wav"))
		if err != nil {
			testenv.Missing(t, "the Italian prompts", "asterisk-core-sounds-it-wav")
		}
		p, err := media.ParseWAV(f, b)
		if err != nil {
			t.Fatal(err)
		}
		pcm = append(pcm, p...)
	}
	return codec.Encode(nil, pcm[:n*media.FrameSamples])
}

// collect reads the RTP conn receives for d.
func collect(conn net.PacketConn, d time.Duration) []rtp.Packet {
	var out []rtp.Packet
	buf := make([]byte, 1500)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		conn.SetReadDeadline(deadline)
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			break
		}
		var p rtp.Packet
		if p.Unmarshal(append([]byte(nil), buf[:n]...)) == nil {
			out = append(out, p)
		}
	}
	return out
}

// Callers who must wait hear, after the welcome, their position in Italian from the recorded
// prompts ("Lei è il prossimo", "Lei è il chiamante numero 2…"), and once the queue has handled
// a call, the expected wait ("Il tempo di attesa stimato è…") (issue 18 item 6).
func TestPositionAndWaitSpoken(t *testing.T) {
	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino", MaxWait: time.Minute}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
	})
	anna := newPhone(t, "201")
	anna.register(t, r.ad.Addr())
	c1 := newPhone(t, "3330000001")
	d1, _ := c1.call(t, r.ad.Addr(), "100")
	<-anna.answered
	r.waitEvent(t, telephony.EvAnswered, 1, 10*time.Second)
	time.Sleep(time.Second) // a call of some length: the handle time the estimate is made of

	c2, c3 := newPhone(t, "3330000002"), newPhone(t, "3330000003")
	d2, _ := c2.call(t, r.ad.Addr(), "100")
	heard2 := collect(c2.rtp, 2*time.Second)
	d3, _ := c3.call(t, r.ad.Addr(), "100")
	heard3 := collect(c3.rtp, 2*time.Second)
	if !heardPrompt(heard2, [][]byte{promptFrames(t, media.PCMU, 5, "queue-youarenext")}) {
		t.Error("the first caller waiting did not hear \"Lei è il prossimo\"")
	}
	if !heardPrompt(heard3, [][]byte{promptFrames(t, media.PCMU, 5, "queue-thereare")}) {
		t.Error("the second caller waiting did not hear \"Lei è il chiamante numero…\"")
	}

	// The first call ends: the queue has a handle time, anna takes c2, and a new caller hears
	// the expected wait after the position.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d1.Bye(ctx)
	<-anna.answered
	r.waitEvent(t, telephony.EvAnswered, 2, 10*time.Second)
	c4 := newPhone(t, "3330000004")
	d4, _ := c4.call(t, r.ad.Addr(), "100")
	heard4 := collect(c4.rtp, 8*time.Second)
	if !heardPrompt(heard4, [][]byte{promptFrames(t, media.PCMU, 5, "queue-holdtime")}) {
		t.Error("a caller joining a queue that has handled a call did not hear the expected wait")
	}
	for _, d := range []interface{ Bye(context.Context) error }{d2, d3, d4} {
		d.Bye(ctx)
	}
	r.waitIdle(t, 10*time.Second)
}
