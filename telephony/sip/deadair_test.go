package sip

import (
	"bytes"
	"testing"
	"time"

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
		if h.Silence > time.Second {
			t.Errorf("call %d: %s of silence while queued, at %s", i, h.Silence, h.Where)
		}
		worst = max(worst, h.Silence)
	}
	testenv.Figure("sip: longest silence heard while queued, %d callers with failed rings: %d ms", callers, worst.Milliseconds())
}
