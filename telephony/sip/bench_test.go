package sip

import (
	"fmt"
	"strconv"
	"syscall"
	"testing"
	"time"

	"sportello/telephony"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRig is a centre with operators extensions 2000… all registered at one SIPp UAS that
// answers at once.
func benchRig(b *testing.B, operators int, ports []int) *rig {
	var ops []telephony.OperatorConfig
	lines := []string{"SEQUENTIAL"}
	for i := 0; i < operators; i++ {
		ext := strconv.Itoa(2000 + i)
		ops = append(ops, telephony.OperatorConfig{ID: "op" + ext, Extension: ext, Queues: []telephony.Membership{{Queue: "centralino"}}})
		lines = append(lines, ext+";"+itoa(ports[0]))
	}
	r := newRig(b, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino", Strategy: telephony.LongestIdle, RingTimeout: 10 * time.Second, MaxWait: time.Hour}},
		operators: ops,
		numbers:   map[string]string{"100": "centralino"},
		adapter:   func(c *Config) { c.Logger = nil },
	})
	if operators > 0 {
		reg := startSIPp(b, "register", "register.xml", ports[2], ports[3], addr(r.ad.Addr().Port), "-m", itoa(operators),
			"-r", "200", "-inf", writeFile(b, "ops.csv", lines...))
		reg.wait(b, 20*time.Second)
	}
	return r
}

// BenchmarkSIPpCalls drives b.N complete calls from SIPp at a fixed rate through the B2BUA:
// INVITE, IVR answer, ring, operator answers at once, one second of conversation, BYE from the
// caller. SIPp must report zero failed calls (any SIP error, timeout or unexpected message fails
// the benchmark). It reports the calls per second sustained, the CPU time of the adapter and the
// ACD (this process, getrusage) per call, and the share of callers connected to an operator
// before they hung up (the rest were queued longer than their second on the line). Run with
// e.g. -benchtime=1000x; the rate is in the sub-benchmark name.
func BenchmarkSIPpCalls(b *testing.B) {
	for _, rate := range []int{50, 100, 200} {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			ports := freePorts(b, 6)
			r := benchRig(b, 2*rate, ports) // enough operators for rate × call length
			op := startSIPp(b, "operators", "operator_bench.xml", ports[0], ports[1], "")
			cpu0, t0 := cpuTime(), time.Now()
			b.ResetTimer()
			caller := startSIPp(b, "callers", "caller_abandon.xml", ports[4], ports[5], addr(r.ad.Addr().Port), "-s", "100",
				"-m", itoa(b.N), "-r", itoa(rate), "-l", "5000", "-d", "1000",
				"-inf", writeFile(b, "c.csv", "SEQUENTIAL", "3331112222", "3332223333"))
			st := caller.wait(b, time.Duration(b.N/rate+30)*time.Second)
			r.waitIdle(b, 10*time.Second)
			b.StopTimer()
			elapsed, cpu := time.Since(t0), cpuTime()-cpu0
			if st.Successful != b.N {
				b.Fatalf("%d successful SIPp calls, want %d", st.Successful, b.N)
			}
			completed := r.count(telephony.EvCompleted, "centralino")
			if completed+r.count(telephony.EvAbandoned, "centralino") != b.N {
				b.Fatalf("%d completed and %d abandoned in the ACD, want %d in all", completed, r.count(telephony.EvAbandoned, "centralino"), b.N)
			}
			// The last call's second of conversation and teardown are not offered load.
			b.ReportMetric(float64(b.N)/(elapsed-time.Second).Seconds(), "calls/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/call")
			b.ReportMetric(100*float64(completed)/float64(b.N), "connected-%")
			_ = op // the operators' SIPp answers every INVITE; it is stopped at cleanup
		})
	}
}

// BenchmarkHeldMediaCalls holds b.N callers queued at once, each hearing hold music as 50
// packets per second of G.711 RTP paced by the adapter, for 3 seconds. It reports the share of
// packets actually sent against the real-time schedule (100 means no packet was late or lost)
// and the CPU per held call per second. Run with e.g. -benchtime=200x.
func BenchmarkHeldMediaCalls(b *testing.B) {
	ports := freePorts(b, 6)
	r := benchRig(b, 0, ports)
	const hold = 3 * time.Second
	b.ResetTimer()
	cpu0 := cpuTime()
	caller := startSIPp(b, "callers", "caller_abandon.xml", ports[4], ports[5], addr(r.ad.Addr().Port), "-s", "100",
		"-m", itoa(b.N), "-r", "1000", "-rp", "100", "-l", itoa(b.N), "-d", strconv.Itoa(int(hold/time.Millisecond)),
		"-inf", writeFile(b, "c.csv", "SEQUENTIAL", "3331112222"))
	// All calls are up after b.N/10 ms of setup at 1000 calls per 100 ms; sample the peak.
	time.Sleep(hold / 2)
	peak := r.ad.Usage()
	st := caller.wait(b, hold+60*time.Second)
	r.waitIdle(b, 10*time.Second)
	b.StopTimer()
	cpu := cpuTime() - cpu0
	if st.Successful != b.N {
		b.Fatalf("%d successful calls, want %d", st.Successful, b.N)
	}
	sent, due := r.ad.RTPPackets()
	b.ReportMetric(float64(peak.Calls), "calls-held")
	b.ReportMetric(100*float64(sent)/float64(due), "rtp-%-of-schedule")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N)/hold.Seconds(), "cpu-µs/call/s")
}
