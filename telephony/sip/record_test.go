package sip

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"sportello/telephony"
	"sportello/telephony/media"
)

// goertzel returns the share of pcm's energy at frequency hz, measured frame by frame (20 ms:
// whole periods of 1 and 2 kHz), so that where each packet was placed does not matter.
func goertzel(pcm []int16, hz float64) float64 {
	w := 2 * math.Pi * hz / media.SampleRate
	coeff := 2 * math.Cos(w)
	var tone, total float64
	for f := 0; f+media.FrameSamples <= len(pcm); f += media.FrameSamples {
		var s1, s2 float64
		for _, x := range pcm[f : f+media.FrameSamples] {
			s := float64(x) + coeff*s1 - s2
			s2, s1 = s1, s
			total += float64(x) * float64(x)
		}
		tone += (s1*s1 + s2*s2 - coeff*s1*s2) * 2 / media.FrameSamples
	}
	if total == 0 {
		return 0
	}
	return tone / total
}

// stream sends pcm as paced RTP packets from conn to to.
func stream(conn net.PacketConn, to net.Addr, ssrc uint32, pcm []int16, codec media.Codec) {
	for i := 0; i+media.FrameSamples <= len(pcm); i += media.FrameSamples {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: codec.PT, SequenceNumber: uint16(i / media.FrameSamples),
			Timestamp: uint32(i), SSRC: ssrc}, Payload: codec.Encode(nil, pcm[i:i+media.FrameSamples])}
		b, _ := p.Marshal()
		conn.WriteTo(b, to)
		time.Sleep(media.FrameDuration)
	}
}

// Call recording (TK-4, issue 18 item 7): a recorded queue's caller hears the privacy notice
// before the welcome; the conversation is stored under the contact's ID with both voices in it,
// listed and opened only through the store, and deleted by the retention pass.
func TestCallRecording(t *testing.T) {
	store := &telephony.Recordings{Dir: t.TempDir()}
	notice := tone(600, 300)
	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino"}, {Name: "numero verde"}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}, {Queue: "numero verde"}}}},
		numbers:   map[string]string{"100": "centralino", "800": "numero verde"},
		adapter: func(c *Config) {
			c.Recording = Recording{Queues: map[string]bool{"centralino": true}, Store: store, Retention: time.Hour, Notice: notice}
		},
	})
	anna := newPhone(t, "201")
	anna.register(t, r.ad.Addr())
	caller := newPhone(t, "3331234567")
	dlg, callerRemote := caller.call(t, r.ad.Addr(), "100")
	first := readRTP(t, caller.rtp)
	if want := media.PCMU.Encode(nil, notice[:media.FrameSamples]); !bytes.Equal(first.Payload, want) {
		t.Fatal("the caller's first audio is not the privacy notice")
	}
	var opDlg = <-anna.answered
	offer, err := ParseSDP(opDlg.InviteRequest.Body())
	if err != nil {
		t.Fatal(err)
	}
	r.waitEvent(t, telephony.EvAnswered, 1, 10*time.Second)
	time.Sleep(100 * time.Millisecond)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); stream(caller.rtp, callerRemote, 1, tone(1500, 1000), media.PCMU) }()
	go func() { defer wg.Done(); stream(anna.rtp, offer.RemoteAddr(), 2, tone(1500, 2000), media.PCMU) }()
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dlg.Bye(ctx)
	r.waitIdle(t, 5*time.Second)

	id := ""
	for _, e := range r.log.Events(time.Time{}, time.Time{}) {
		if e.Kind == telephony.EvAnswered {
			id = e.CallID
		}
	}
	recs, err := store.List(id)
	if err != nil || len(recs) != 1 {
		t.Fatalf("recordings of %s: %+v %v", id, recs, err)
	}
	if recs[0].Duration < time.Second || recs[0].Duration > 10*time.Second {
		t.Fatalf("recording of %s, want the 1.5 s of conversation", recs[0].Duration)
	}
	f, err := store.Open(id, recs[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	pcm, err := media.ReadWAV(recs[0].Name, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if c, o := goertzel(pcm, 1000), goertzel(pcm, 2000); c < 0.1 || o < 0.1 {
		t.Fatalf("recording: caller's tone %.2f, operator's tone %.2f of the power: want both voices", c, o)
	}
	if info, _ := os.Stat(store.Dir + "/" + recs[0].Contact); info != nil && info.Mode().Perm()&0o077 != 0 {
		t.Errorf("recording folder mode %v: readable by others", info.Mode())
	}
	if _, err := store.Open(id, "../../etc/passwd"); !errors.Is(err, telephony.ErrNoRecording) {
		t.Errorf("path escape: %v", err)
	}

	// The green number does not record: no notice, no file.
	caller2 := newPhone(t, "3339876543")
	dlg2, _ := caller2.call(t, r.ad.Addr(), "800")
	<-anna.answered
	time.Sleep(300 * time.Millisecond)
	dlg2.Bye(ctx)
	r.waitIdle(t, 5*time.Second)
	n := 0
	ents, _ := os.ReadDir(store.Dir)
	for range ents {
		n++
	}
	if n != 1 {
		t.Fatalf("%d recording folders, want only the recorded queue's", n)
	}

	// Retention.
	if n, err := store.Purge(time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("purge of nothing old: %d %v", n, err)
	}
	if n, err := store.Purge(time.Now().Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if recs, _ := store.List(id); len(recs) != 0 {
		t.Fatalf("after the retention: %+v", recs)
	}
}

type sinkBuf struct{ pcm []int16 }

func (s *sinkBuf) Write(p []int16) error { s.pcm = append(s.pcm, p...); return nil }
func (s *sinkBuf) Close() error          { return nil }

// The recorder places each side by arrival time, mixes them, keeps about half a second
// pending, and writes a long pause as silence without holding it in memory.
func TestRecorderMix(t *testing.T) {
	sink := &sinkBuf{}
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r := newRecorder(sink, t0)
	frame := func(v int16) []int16 {
		f := make([]int16, media.FrameSamples)
		for i := range f {
			f[i] = v
		}
		return f
	}
	for i := 0; i < 50; i++ { // one second from each side, the operator's 5 ms later
		at := t0.Add(time.Duration(i) * media.FrameDuration)
		r.add(0, frame(100), at)
		r.add(1, frame(1000), at.Add(5*time.Millisecond))
	}
	if len(r.pending) > int(recRate) {
		t.Fatalf("%d samples pending, want about half a second", len(r.pending))
	}
	// Ten minutes on hold, then one more frame from the caller.
	r.add(0, frame(7), t0.Add(10*time.Minute))
	if len(r.pending) > int(2*recRate) {
		t.Fatalf("%d samples pending after a long pause", len(r.pending))
	}
	r.close()
	if n := len(sink.pcm); n < 10*60*media.SampleRate || n > 10*60*media.SampleRate+2*media.FrameSamples {
		t.Fatalf("%d samples written, want ten minutes and a frame", n)
	}
	if sink.pcm[1000] != 1100 || sink.pcm[len(sink.pcm)-1] != 7 || sink.pcm[2*media.SampleRate] != 0 {
		t.Fatalf("mix %d, last %d, pause %d", sink.pcm[1000], sink.pcm[len(sink.pcm)-1], sink.pcm[2*media.SampleRate])
	}
}
