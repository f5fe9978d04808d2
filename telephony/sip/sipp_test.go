package sip

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"sportello/sla"
	"sportello/telephony"
	"sportello/workcal"
)

// One SIPp operator registers with its password (digest) and answers; one SIPp caller is
// queued, connected, and hung up by the operator (issue 7 items 6 and 9; TEL-4).
func TestSIPpOneCall(t *testing.T) {
	ports := freePorts(t, 4)
	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino", RingTimeout: 2 * time.Second, MaxWait: 20 * time.Second}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
		maxMissed: 1,
		adapter:   func(c *Config) { c.Accounts = map[string]string{"201": "s3greto"} },
	})
	sbc := addr(r.ad.Addr().Port)
	op := startSIPp(t, "operator 201", "operator_answer.xml", ports[0], ports[1], "", "-m", "1", "-d", "500")
	reg := startSIPp(t, "register", "register_auth.xml", ports[2], ports[3]+10, sbc, "-m", "1",
		"-inf", writeFile(t, "ops.csv", "SEQUENTIAL", "201;"+itoa(ports[0])+";[authentication username=201 password=s3greto]"))
	reg.wait(t, 10*time.Second)
	caller := startSIPp(t, "caller", "caller.xml", ports[2], ports[3], sbc, "-m", "1", "-s", "100",
		"-inf", writeFile(t, "callers.csv", "SEQUENTIAL", "3331112222"))
	if st := caller.wait(t, 20*time.Second); st.Successful != 1 {
		t.Fatalf("caller: %+v", st)
	}
	op.wait(t, 10*time.Second)
	r.waitIdle(t, 5*time.Second)
	if n := r.count(telephony.EvCompleted, "centralino"); n != 1 {
		t.Fatalf("%d completed calls in the log, want 1", n)
	}
}

// The scripted hour of issue 7 item 9, compressed: three operators log in by REGISTER (one
// answers, one is busy, one never answers), a burst of callers reaches the switchboard, callers
// of the green number hang up while queued (BYE) or while the line still rings (CANCEL), two
// wait past the maximum wait and book a callback with the key 1, and at 19:30 one caller finds
// the service closed and leaves a voicemail. The event log, the statistics and the tickets must
// match what SIPp did, call for call (TEL-4, TEL-6, TEL-7, TEL-9, TEL-10, SLA-2).
func TestSIPpScriptedHour(t *testing.T) {
	ports := freePorts(t, 16)
	member := func(q string) []telephony.Membership { return []telephony.Membership{{Queue: q}} }
	r := newRig(t, rigConfig{
		queues: []telephony.QueueConfig{
			{Name: "centralino", Strategy: telephony.Linear, RingTimeout: 2 * time.Second, MaxWait: 20 * time.Second,
				Calendar: workcal.Default()},
			{Name: "numero verde", RingTimeout: 2 * time.Second, MaxWait: 3 * time.Second, Overflow: telephony.OverflowCallback,
				Calendar: workcal.Default()},
		},
		// Linear strategy: the phone that never answers is tried first, then the busy one,
		// then the one that answers; one missed ring pauses an operator.
		operators: []telephony.OperatorConfig{
			{ID: "carla", Extension: "203", Queues: member("centralino")},
			{ID: "bruno", Extension: "202", Queues: member("centralino")},
			{ID: "anna", Extension: "201", Queues: member("centralino")},
		},
		numbers:   map[string]string{"100": "centralino", "800": "numero verde"},
		maxMissed: 1,
		adapter:   func(c *Config) { c.AnswerDelay = 400 * time.Millisecond },
	})
	start := r.clock.Now()
	sbc := addr(r.ad.Addr().Port)
	p := func(i int) int { return ports[i] }

	// Operators' phones, then their registrations.
	anna := startSIPp(t, "operator 201", "operator_answer.xml", p(0), p(1), "", "-m", "4", "-d", "700")
	bruno := startSIPp(t, "operator 202 (busy)", "operator_busy.xml", p(2), p(3), "", "-m", "1")
	carla := startSIPp(t, "operator 203 (no answer)", "operator_noanswer.xml", p(4), p(5), "", "-m", "1")
	reg := startSIPp(t, "register", "register.xml", p(6), p(7), sbc, "-m", "3",
		"-inf", writeFile(t, "operators.csv", "SEQUENTIAL", "203;"+itoa(p(4)), "202;"+itoa(p(2)), "201;"+itoa(p(0))))
	if st := reg.wait(t, 10*time.Second); st.Successful != 3 {
		t.Fatalf("register: %+v", st)
	}

	// The burst.
	callers := writeFile(t, "callers.csv", "SEQUENTIAL", "3331112222", "3332223333", "3333334444", "3334445555")
	answered := startSIPp(t, "callers", "caller.xml", p(8), p(9), sbc, "-s", "100", "-m", "4", "-r", "10", "-inf", callers)
	abandon := startSIPp(t, "abandoning callers", "caller_abandon.xml", p(10), p(11), sbc, "-s", "800", "-m", "3", "-r", "10",
		"-d", "1000", "-inf", writeFile(t, "ab.csv", "SEQUENTIAL", "3401000001", "3401000002", "3401000003"))
	cancel := startSIPp(t, "cancelling caller", "caller_cancel.xml", p(12), p(13), sbc, "-s", "800", "-m", "1",
		"-d", "150", "-inf", writeFile(t, "cc.csv", "SEQUENTIAL", "3402000001"))
	callback := startSIPp(t, "callback callers", "caller_callback.xml", p(14), p(15), sbc, "-s", "800", "-m", "2", "-r", "10",
		"-d", "4500", "-inf", writeFile(t, "cb.csv", "SEQUENTIAL", "3403000001", "3403000002"))

	stAnswered := answered.wait(t, 30*time.Second)
	stAbandon := abandon.wait(t, 30*time.Second)
	stCancel := cancel.wait(t, 30*time.Second)
	stCallback := callback.wait(t, 30*time.Second)
	stAnna, stBruno, stCarla := anna.wait(t, 10*time.Second), bruno.wait(t, 10*time.Second), carla.wait(t, 10*time.Second)
	r.waitIdle(t, 10*time.Second)

	// 19:30: closed. The caller hears the closed message and leaves a voicemail.
	r.clock.Jump(9*time.Hour + 30*time.Minute)
	vmPorts := freePorts(t, 2)
	vm := startSIPp(t, "voicemail caller", "caller_voicemail.xml", vmPorts[0], vmPorts[1], sbc, "-s", "100", "-m", "1",
		"-d", "3000", "-inf", writeFile(t, "vm.csv", "SEQUENTIAL", "3404000001"))
	stVM := vm.wait(t, 20*time.Second)
	r.waitIdle(t, 10*time.Second)

	// What SIPp did.
	for name, got := range map[string][2]int{
		"answered callers":  {stAnswered.Successful, 4},
		"abandoning":        {stAbandon.Successful, 3},
		"cancelling":        {stCancel.Successful, 1},
		"callback":          {stCallback.Successful, 2},
		"voicemail":         {stVM.Successful, 1},
		"operator answered": {stAnna.Successful, 4},
		"operator busy":     {stBruno.Successful, 1},
		"operator no-ans.":  {stCarla.Successful, 1},
	} {
		if got[0] != got[1] {
			t.Errorf("SIPp %s: %d successful calls, want %d", name, got[0], got[1])
		}
	}

	// The event log agrees, call for call.
	for _, c := range []struct {
		kind  telephony.EventKind
		queue string
		want  int
	}{
		{telephony.EvOffered, "", 11},
		{telephony.EvClosed, "centralino", stVM.Successful},
		{telephony.EvQueued, "centralino", stAnswered.Successful},
		{telephony.EvAnswered, "centralino", stAnna.Successful},
		{telephony.EvCompleted, "centralino", stAnna.Successful},
		{telephony.EvNoAnswer, "centralino", stBruno.Successful + stCarla.Successful},
		{telephony.EvAbandoned, "numero verde", stAbandon.Successful + stCancel.Successful},
		{telephony.EvOverflowed, "numero verde", stCallback.Successful},
		{telephony.EvCallbackBooked, "numero verde", stCallback.Successful},
		{telephony.EvVoicemail, "centralino", stVM.Successful},
	} {
		if got := r.count(c.kind, c.queue); got != c.want {
			t.Errorf("event log: %d %s events in %q, want %d", got, c.kind, c.queue, c.want)
		}
	}

	// The hour through the contract's figures (sla) agrees with SIPp's counts (SLA-2): the
	// callback callers left the queue without an operator, beside C.2 and C.3, and count in
	// the customer's formula.
	res := sla.Compute(r.log.Events(time.Time{}, time.Time{}), start, r.clock.Now().Add(time.Second), sla.Options{})
	queued := stAnswered.Successful + stAbandon.Successful + stCancel.Successful + stCallback.Successful
	if o := res.Overall; o.Offered != queued || o.Answered != stAnna.Successful || o.AnsweredUnder != stAnna.Successful ||
		o.Abandoned != stAbandon.Successful+stCancel.Successful || o.Overflowed != stCallback.Successful ||
		o.OutOfHours != stVM.Successful || o.Voicemails != stVM.Successful || o.CallbacksBooked != stCallback.Successful ||
		o.Unfinished != 0 || o.C2 == nil || *o.C2 != 1 || o.C3 == nil || *o.C3 != float64(o.Abandoned)/float64(o.Offered) {
		t.Errorf("sla figures: %+v", o.Counts)
	}

	// The tickets: one per booked callback, one for the voicemail with its recording.
	var callbacks, voicemails int
	for _, tk := range r.tickets.All() {
		callbacks += len(tk.Callbacks)
		if tk.Voicemail != nil {
			voicemails++
			if tk.Voicemail.Duration < time.Second {
				t.Errorf("voicemail recording of %s, want the seconds SIPp spoke", tk.Voicemail.Duration)
			}
			if _, err := os.Stat(filepath.Join(r.vmDir, tk.Voicemail.Recording)); err != nil {
				t.Errorf("voicemail recording: %v", err)
			}
		}
	}
	if callbacks != stCallback.Successful || voicemails != stVM.Successful || len(r.tickets.All()) != callbacks+voicemails {
		t.Errorf("tickets: %d with %d callbacks and %d voicemails", len(r.tickets.All()), callbacks, voicemails)
	}
}

// Callers who hang up while queued leave nothing behind: no call, no operator leg, no RTP
// socket, and the goroutines return to their number before the calls (issue 7 item 6).
func TestSIPpHangupWhileQueuedLeaksNothing(t *testing.T) {
	ports := freePorts(t, 7)
	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino", MaxWait: 30 * time.Second, RingTimeout: 10 * time.Second}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
		adapter:   func(c *Config) { c.AnswerDelay = 300 * time.Millisecond },
	})
	sbc := addr(r.ad.Addr().Port)
	// The operator's phone rings and is never answered: the callers hang up while it rings
	// (the adapter CANCELs the operator leg) or while they wait behind.
	startSIPp(t, "operator 201 (no answer)", "operator_noanswer.xml", ports[4], ports[5], "")
	reg := startSIPp(t, "register", "register.xml", ports[6], ports[6]+10, sbc, "-m", "1",
		"-inf", writeFile(t, "ops.csv", "SEQUENTIAL", "201;"+itoa(ports[4])))
	reg.wait(t, 10*time.Second)
	time.Sleep(100 * time.Millisecond)
	before := runtime.NumGoroutine()
	ab := startSIPp(t, "abandoning callers", "caller_abandon.xml", ports[0], ports[1], sbc, "-s", "100", "-m", "6",
		"-r", "20", "-d", "800", "-inf", writeFile(t, "c.csv", "SEQUENTIAL", "3401000001", "3401000002"))
	cc := startSIPp(t, "cancelling callers", "caller_cancel.xml", ports[2], ports[3], sbc, "-s", "100", "-m", "4",
		"-r", "20", "-d", "100", "-inf", writeFile(t, "d.csv", "SEQUENTIAL", "3402000001"))
	// Mid-way, while the callers are queued, the adapter holds them.
	time.Sleep(400 * time.Millisecond)
	if u := r.ad.Usage(); u.Calls == 0 || u.Sockets == 0 {
		t.Errorf("while queued: usage %+v, want calls and sockets held", u)
	}
	if st := ab.wait(t, 20*time.Second); st.Successful != 6 {
		t.Fatalf("abandon: %+v", st)
	}
	if st := cc.wait(t, 20*time.Second); st.Successful != 4 {
		t.Fatalf("cancel: %+v", st)
	}
	r.waitIdle(t, 5*time.Second)
	if n := r.count(telephony.EvAbandoned, "centralino"); n != 10 {
		t.Errorf("%d abandoned, want 10", n)
	}
	if n := r.count(telephony.EvRinging, "centralino"); n == 0 {
		t.Errorf("the operator's phone never rang: the CANCEL path was not exercised")
	}
	// sipgo keeps finished transactions for their RFC 3261 timers (Timer J/K/I, a few seconds
	// on UDP), so the goroutine count settles after them.
	deadline := time.Now().Add(15 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after the calls, %d before\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// An operator places a booked callback (TEL-7): the adapter rings the operator's phone (SIPp,
// answers after 300 ms), then calls the citizen through the outbound route (SIPp as the PSTN
// gateway, answers at once), bridges them, and the operator's BYE ends both legs.
func TestSIPpPlaceCallback(t *testing.T) {
	ports := freePorts(t, 6)
	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino"}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
		adapter: func(c *Config) {
			c.Outbound = "sip:{number}@127.0.0.1:" + itoa(ports[2])
			c.Trunk.CallerID = "0612345678"
		},
	})
	sbc := addr(r.ad.Addr().Port)
	op := startSIPp(t, "operator 201", "operator_answer.xml", ports[0], ports[1], "", "-m", "1", "-d", "700")
	gw := startSIPp(t, "gateway", "operator_bench.xml", ports[2], ports[3], "", "-m", "1", "-trace_msg")
	reg := startSIPp(t, "register", "register.xml", ports[4], ports[5], sbc, "-m", "1",
		"-inf", writeFile(t, "ops.csv", "SEQUENTIAL", "201;"+itoa(ports[0])))
	reg.wait(t, 10*time.Second)
	acts, err := r.acd.PlaceCallbackFor("anna", "cb-1", "3331112222", "centralino", "ticket 12 callback 1")
	if err != nil {
		t.Fatal(err)
	}
	r.ad.Do(acts)
	if st := op.wait(t, 20*time.Second); st.Successful != 1 {
		t.Fatalf("operator: %+v", st)
	}
	if st := gw.wait(t, 20*time.Second); st.Successful != 1 {
		t.Fatalf("gateway: %+v", st)
	}
	r.waitIdle(t, 5*time.Second)
	found := false
	for _, e := range r.log.Events(time.Time{}, time.Time{}) {
		found = found || e.Kind == telephony.EvCompleted && e.CallID == "cb-1" && e.Channel == telephony.CallbackChan
	}
	if !found {
		t.Fatal("no completed callback in the event log")
	}
	// The outcome is on the log, linked to the booking; the citizen saw the Administration's
	// number (SIPp's gateway logs the From it received).
	var outcome telephony.Event
	for _, e := range r.log.Events(time.Time{}, time.Time{}) {
		if e.Kind == telephony.EvCallbackOutcome {
			outcome = e
		}
	}
	if outcome.Reason != "reached" || outcome.Ref != "ticket 12 callback 1" || outcome.CallID != "cb-1" {
		t.Fatalf("callback outcome %+v", outcome)
	}
	if from := gw.lastFrom(t); !strings.Contains(from, "sip:0612345678@") {
		t.Fatalf("the citizen saw From %q, want the Administration's number", from)
	}
}
