package media

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// Known values from ITU-T G.711 and the reference tables of G.191 (issue 7 item 6).
func TestG711KnownValues(t *testing.T) {
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"µ-law encode 0", int(EncodeMuLaw(0)), 0xFF},
		{"µ-law encode -1", int(EncodeMuLaw(-1)), 0x7F},
		{"µ-law encode max", int(EncodeMuLaw(32767)), 0x80},
		{"µ-law encode min", int(EncodeMuLaw(-32768)), 0x00},
		{"µ-law decode 0x00", int(DecodeMuLaw(0x00)), -32124},
		{"µ-law decode 0x80", int(DecodeMuLaw(0x80)), 32124},
		{"µ-law decode 0xFF", int(DecodeMuLaw(0xFF)), 0},
		{"µ-law decode 0x7F", int(DecodeMuLaw(0x7F)), 0},
		{"µ-law decode 0xEF", int(DecodeMuLaw(0xEF)), 132},
		{"A-law encode 0", int(EncodeALaw(0)), 0xD5},
		{"A-law encode -8", int(EncodeALaw(-8)), 0x55},
		{"A-law encode max", int(EncodeALaw(32767)), 0xAA},
		{"A-law encode min", int(EncodeALaw(-32768)), 0x2A},
		{"A-law decode 0xD5", int(DecodeALaw(0xD5)), 8},
		{"A-law decode 0x55", int(DecodeALaw(0x55)), -8},
		{"A-law decode 0xAA", int(DecodeALaw(0xAA)), 32256},
		{"A-law decode 0x2A", int(DecodeALaw(0x2A)), -32256},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %#x (%d), want %#x (%d)", tt.name, tt.got, tt.got, tt.want, tt.want)
		}
	}
}

// Every code word survives decode then encode (µ-law 0x7F is the negative zero, which encodes
// back as the positive one), and the quantization error stays within half a step.
func TestG711RoundTrip(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		for b := 0; b < 256; b++ {
			s := c.Decode(nil, []byte{byte(b)})[0]
			back := c.Encode(nil, []int16{s})[0]
			if int(back) != b && !(c == PCMU && b == 0x7F && back == 0xFF) {
				t.Errorf("%s: %#x decodes to %d, which encodes to %#x", c.Name, b, s, back)
			}
		}
		for s := -32768; s <= 32767; s += 7 {
			got := c.Decode(nil, c.Encode(nil, []int16{int16(s)}))[0]
			// Relative error of a segment code: at most 1/32 of the value plus the smallest step.
			if diff := math.Abs(float64(int(got) - s)); diff > math.Abs(float64(s))/16+16 && math.Abs(float64(s)) < 32000 {
				t.Fatalf("%s: %d comes back as %d", c.Name, s, got)
			}
		}
	}
}

func sine(n int, hz float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*hz*float64(i)/SampleRate))
	}
	return out
}

func pcm16WAV(samples []int16) []byte { return WAV(samples) }

func withFmt(b []byte, off int, v uint16) []byte {
	c := bytes.Clone(b)
	c[off] = byte(v)
	c[off+1] = byte(v >> 8)
	return c
}

func TestReadWAV(t *testing.T) {
	tone := sine(800, 440)
	good := pcm16WAV(tone)
	ulaw := bytes.Clone(good[:44])
	copy(ulaw[20:], []byte{7, 0})
	copy(ulaw[34:], []byte{8, 0})
	enc := PCMU.Encode(nil, tone)
	ulaw[40], ulaw[41], ulaw[42], ulaw[43] = byte(len(enc)), byte(len(enc)>>8), 0, 0
	ulaw = append(ulaw, enc...)

	tests := []struct {
		name    string
		data    []byte
		want    int    // samples
		wantErr string // substring of the error
	}{
		{"pcm16", good, len(tone), ""},
		{"ulaw", ulaw, len(tone), ""},
		{"not riff", []byte("hello world, not a wav"), 0, "header"},
		{"stereo", withFmt(good, 22, 2), 0, "fmt.channels"},
		{"16 kHz", withFmt(good, 24, 16000&0xFFFF), 0, "fmt.sampleRate"},
		{"8-bit pcm", withFmt(good, 34, 8), 0, "fmt.format"},
		{"truncated", good[:100], 0, "runs past the end"},
		{"no data", good[:36], 0, "no data chunk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadWAV("annuncio.wav", bytes.NewReader(tt.data))
			if tt.wantErr != "" {
				var we *WAVError
				if err == nil || !errors.As(err, &we) || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "annuncio.wav: ") {
					t.Fatalf("err = %v, want a WAVError naming the file and %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Fatalf("%d samples, want %d", len(got), tt.want)
			}
		})
	}
	// PCM round trip is exact.
	got, _ := ParseWAV("x.wav", good)
	for i := range tone {
		if got[i] != tone[i] {
			t.Fatalf("sample %d = %d, want %d", i, got[i], tone[i])
		}
	}
}

func FuzzReadWAV(f *testing.F) {
	f.Add(WAV(sine(320, 440)))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00"))
	f.Add(withFmt(WAV(sine(10, 100)), 20, 7))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseWAV("fuzz.wav", b)
		if err == nil && len(got) > len(b) {
			t.Fatalf("%d samples from %d bytes", len(got), len(b))
		}
	})
}

func eventPacket(ts uint32, seq uint16, ev TelephoneEvent) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, Timestamp: ts, SequenceNumber: seq}, Payload: ev.Marshal()}
}

// A key is sent as start packets with growing duration and three identical end packets
// (RFC 4733 section 2.5.1.4); it must be reported once.
func TestDTMFDetector(t *testing.T) {
	var pkts []*rtp.Packet
	press := func(ts uint32, digit uint8, endCopies int) {
		for d := uint16(160); d <= 480; d += 160 {
			pkts = append(pkts, eventPacket(ts, uint16(len(pkts)), TelephoneEvent{Event: digit, Volume: 10, Duration: d}))
		}
		for i := 0; i < endCopies; i++ {
			pkts = append(pkts, eventPacket(ts, uint16(len(pkts)), TelephoneEvent{Event: digit, End: true, Volume: 10, Duration: 640}))
		}
	}
	press(1000, 1, 3)
	pkts = append(pkts, &rtp.Packet{Header: rtp.Header{PayloadType: 0, Timestamp: 2000}, Payload: make([]byte, 160)})
	press(3000, 11, 3) // '#'
	press(5000, 1, 0)  // all end packets lost
	press(7000, 10, 1) // '*' also reports the '1' whose ends were lost: the newest wins
	press(9000, 9, 3)

	d := DTMFDetector{PT: 101}
	var keys []byte
	for _, p := range pkts {
		k, ok, err := d.Feed(p)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			keys = append(keys, k.Digit)
		}
	}
	if got, want := string(keys), "1#1*9"; got != want {
		// The '1' with lost ends is reported when the '*' starts; the '*' at its end packet.
		t.Fatalf("keys = %q, want %q", got, want)
	}
}

func TestParseTelephoneEvent(t *testing.T) {
	tests := []struct {
		in      []byte
		want    TelephoneEvent
		digit   byte
		wantErr bool
	}{
		{[]byte{1, 0x8a, 0x03, 0x20}, TelephoneEvent{Event: 1, End: true, Volume: 10, Duration: 800}, '1', false},
		{[]byte{11, 0x0a, 0x00, 0xa0}, TelephoneEvent{Event: 11, Volume: 10, Duration: 160}, '#', false},
		{[]byte{15, 0, 0, 0}, TelephoneEvent{Event: 15}, 'D', false},
		{[]byte{16, 0, 0, 0}, TelephoneEvent{Event: 16}, 0, false},
		{[]byte{1, 2}, TelephoneEvent{}, 0, true},
	}
	for _, tt := range tests {
		got, err := ParseTelephoneEvent(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want || err == nil && got.Digit() != tt.digit {
			t.Errorf("ParseTelephoneEvent(%x) = %+v, %v; want %+v (digit %q)", tt.in, got, err, tt.want, tt.digit)
		}
		if err == nil && !bytes.Equal(got.Marshal(), tt.in) {
			t.Errorf("Marshal(%+v) = %x, want %x", got, got.Marshal(), tt.in)
		}
	}
}

func FuzzDTMFDetector(f *testing.F) {
	f.Add([]byte{1, 0x8a, 0x03, 0x20}, uint32(1), uint8(101))
	f.Add([]byte{11, 0x0a}, uint32(0), uint8(101))
	f.Add([]byte{200, 0xff, 0xff, 0xff, 9}, uint32(7), uint8(0))
	f.Fuzz(func(t *testing.T, payload []byte, ts uint32, pt uint8) {
		d := DTMFDetector{PT: 101}
		for i := 0; i < 3; i++ {
			k, ok, err := d.Feed(&rtp.Packet{Header: rtp.Header{PayloadType: pt, Timestamp: ts + uint32(i/2)}, Payload: payload})
			if ok && (err != nil || k.Digit == 0) {
				t.Fatalf("key %+v with err %v", k, err)
			}
		}
	})
}

// The sender's packets on the wire: consecutive sequence numbers and timestamps 160 apart,
// marker only on the first, the codec's payload type, the SSRC and the encoded audio.
func TestSenderPacketSequence(t *testing.T) {
	rx, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	tx, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	for _, c := range []Codec{PCMU, PCMA} {
		s := NewSender(tx, rx.LocalAddr(), c, 0xCAFE, 65534, 4294967000)
		tone := sine(5*FrameSamples-40, 1000) // the last frame is padded with silence
		if err := s.Play(context.Background(), tone); err != nil {
			t.Fatal(err)
		}
		want := c.Encode(nil, tone)
		buf := make([]byte, 1500)
		for i := 0; i < 5; i++ {
			rx.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, _, err := rx.ReadFrom(buf)
			if err != nil {
				t.Fatal(err)
			}
			var p rtp.Packet
			if err := p.Unmarshal(buf[:n]); err != nil {
				t.Fatal(err)
			}
			if p.SequenceNumber != uint16(65534+i) || p.Timestamp != uint32(4294967000+160*i) || p.Marker != (i == 0) ||
				p.PayloadType != c.PT || p.SSRC != 0xCAFE || len(p.Payload) != FrameSamples {
				t.Fatalf("%s packet %d: %+v", c.Name, i, p.Header)
			}
			end := min((i+1)*FrameSamples, len(want))
			if !bytes.Equal(p.Payload[:end-i*FrameSamples], want[i*FrameSamples:end]) {
				t.Fatalf("%s packet %d: payload differs", c.Name, i)
			}
		}
		if s.Sent() != 5 {
			t.Fatalf("Sent() = %d", s.Sent())
		}
	}
}

// A cancelled Play stops at once, and Loop repeats until cancelled.
func TestSenderCancel(t *testing.T) {
	tx, _ := net.ListenPacket("udp4", "127.0.0.1:0")
	defer tx.Close()
	s := NewSender(tx, tx.LocalAddr(), PCMU, 1, 0, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 70*time.Millisecond)
	defer cancel()
	if err := s.Loop(ctx, sine(FrameSamples, 400)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Loop = %v", err)
	}
	if s.Sent() < 2 {
		t.Fatalf("Loop sent %d packets in 70 ms", s.Sent())
	}
}

func BenchmarkEncodeMuLaw(b *testing.B) {
	pcm := sine(FrameSamples, 440)
	dst := make([]byte, FrameSamples)
	for b.Loop() {
		PCMU.Encode(dst, pcm)
	}
}

// Two prompts played back to back continue one stream: consecutive sequence numbers, timestamps
// 160 apart, a marker at the start of each prompt, and no extra packet at the seam (the schedule
// continues, so music loops keep 50 packets per second).
func TestSenderBackToBack(t *testing.T) {
	rx, _ := net.ListenPacket("udp4", "127.0.0.1:0")
	defer rx.Close()
	tx, _ := net.ListenPacket("udp4", "127.0.0.1:0")
	defer tx.Close()
	s := NewSender(tx, rx.LocalAddr(), PCMU, 5, 100, 1000)
	for i := 0; i < 2; i++ {
		if err := s.Play(context.Background(), sine(2*FrameSamples, 300)); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 1500)
	var prevTS uint32
	for i := 0; i < 4; i++ {
		rx.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := rx.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		var p rtp.Packet
		p.Unmarshal(buf[:n])
		// Inside a prompt timestamps step by 160; across the seam they may step further if
		// the machine was slow, as the timestamp follows the clock (RFC 3550), never less.
		step := p.Timestamp - prevTS
		if p.SequenceNumber != uint16(100+i) || p.Marker != (i%2 == 0) ||
			i == 0 && p.Timestamp != 1000 || i%2 == 1 && step != 160 || i == 2 && step < 160 {
			t.Fatalf("packet %d: %+v", i, p.Header)
		}
		prevTS = p.Timestamp
	}
	if s.Sent() != 4 {
		t.Fatalf("Sent() = %d, want 4", s.Sent())
	}
}
