package media

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pion/rtp"
)

// FrameSamples is the number of 8 kHz samples in one 20 ms packet (RFC 3551 default ptime).
const FrameSamples = 160

// FrameDuration is the time one packet covers.
const FrameDuration = 20 * time.Millisecond

// Sender streams G.711 audio to one remote RTP address. One Sender serves one call leg for its
// whole life, so sequence numbers and timestamps stay continuous from the welcome prompt to the
// hold music, as receivers' jitter buffers expect.
type Sender struct {
	conn  net.PacketConn
	codec Codec

	mu     sync.Mutex
	remote net.Addr
	ssrc   uint32
	seq    uint16
	ts     uint32
	nextAt time.Time // when the next packet is due on the 20 ms schedule; zero before the first
	sent   int
}

// NewSender returns a sender writing to remote through conn. ssrc, seq and ts are the initial
// values; RFC 3550 wants them random, which the caller provides.
func NewSender(conn net.PacketConn, remote net.Addr, codec Codec, ssrc uint32, seq uint16, ts uint32) *Sender {
	return &Sender{conn: conn, remote: remote, codec: codec, ssrc: ssrc, seq: seq, ts: ts}
}

// SetRemote changes where packets go (a re-INVITE or a late SDP answer).
func (s *Sender) SetRemote(a net.Addr) {
	s.mu.Lock()
	s.remote = a
	s.mu.Unlock()
}

// Sent returns how many packets the sender has written.
func (s *Sender) Sent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

// Packetize cuts pcm into 20 ms packets of the sender's codec, continuing its sequence numbers
// and timestamps, with the marker bit on the first packet (the start of a talkspurt, RFC 3551
// section 4.1). The last frame is padded with silence. It advances the sender's state as if the
// packets had been sent.
func (s *Sender) Packetize(pcm []int16) []rtp.Packet {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []rtp.Packet
	for i := 0; i < len(pcm); i += FrameSamples {
		out = append(out, s.next(pcm[i:min(i+FrameSamples, len(pcm))], i == 0))
	}
	return out
}

// next builds one packet; s.mu is held.
func (s *Sender) next(frame []int16, marker bool) rtp.Packet {
	payload := make([]byte, FrameSamples)
	s.codec.Encode(payload[:0], frame)
	silence := s.codec.Encode(nil, []int16{0})[0]
	for j := len(frame); j < FrameSamples; j++ {
		payload[j] = silence
	}
	p := rtp.Packet{
		Header: rtp.Header{Version: 2, Marker: marker, PayloadType: s.codec.PT,
			SequenceNumber: s.seq, Timestamp: s.ts, SSRC: s.ssrc},
		Payload: payload,
	}
	s.seq++
	s.ts += FrameSamples
	return p
}

// Play sends pcm in real time, one packet every 20 ms, and returns when it is all sent or ctx
// ends (ctx.Err() then). Pacing follows an absolute schedule that continues from the previous
// Play, so back-to-back prompts and music loops keep exactly 50 packets a second and sleeping
// late once does not slow the whole prompt down.
func (s *Sender) Play(ctx context.Context, pcm []int16) error {
	s.mu.Lock()
	start := time.Now()
	if s.nextAt.After(start) {
		start = s.nextAt
	} else if !s.nextAt.IsZero() {
		// RFC 3550: the timestamp follows the sampling clock, also across a pause between two
		// prompts.
		s.ts += uint32(start.Sub(s.nextAt) * SampleRate / time.Second)
	}
	s.mu.Unlock()
	timer := time.NewTimer(time.Until(start))
	defer timer.Stop()
	buf := make([]byte, 12+FrameSamples)
	for i, n := 0, 0; i < len(pcm); i, n = i+FrameSamples, n+1 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		// The packet is written under s.mu after a last look at ctx, so that once ctx is
		// cancelled, Quiesce guarantees that no packet of this Play follows.
		s.mu.Lock()
		if err := ctx.Err(); err != nil {
			s.mu.Unlock()
			return err
		}
		p := s.next(pcm[i:min(i+FrameSamples, len(pcm))], i == 0)
		remote := s.remote
		s.nextAt = start.Add(time.Duration(n+1) * FrameDuration)
		s.sent++
		m, err := p.MarshalTo(buf)
		if err == nil && remote != nil {
			if _, werr := s.conn.WriteTo(buf[:m], remote); werr != nil {
				err = fmt.Errorf("rtp to %s: %w", remote, werr)
			}
		}
		s.mu.Unlock()
		if err != nil {
			return err
		}
		timer.Reset(time.Until(start.Add(time.Duration(n+1) * FrameDuration)))
	}
	return nil
}

// Quiesce returns when no packet of a Play whose context is already cancelled can be written
// any more: the SIP adapter cancels the prompt, calls Quiesce, and only then relays the
// operator's voice, so the caller never hears a prompt over the operator (issue 18).
func (s *Sender) Quiesce() {
	s.mu.Lock()
	s.mu.Unlock() //nolint:staticcheck // an empty critical section is the barrier
}

// Loop plays pcm over and over (hold music) until ctx ends; it returns ctx.Err() or a write
// error.
func (s *Sender) Loop(ctx context.Context, pcm []int16) error {
	if len(pcm) == 0 {
		<-ctx.Done()
		return ctx.Err()
	}
	for {
		if err := s.Play(ctx, pcm); err != nil {
			return err
		}
	}
}
