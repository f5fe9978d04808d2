package media

import (
	"encoding/binary"
	"fmt"

	"github.com/pion/rtp"
)

// TelephoneEvent is one RFC 4733 telephone-event payload (section 2.3): the event code, the end
// bit, the volume in -dBm0 and the duration so far in timestamp units.
type TelephoneEvent struct {
	Event    uint8
	End      bool
	Volume   uint8
	Duration uint16
}

// Digit returns the DTMF key of the event (0-9, *, #, A-D), or 0 when the event is not a DTMF
// key (RFC 4733 section 3.2 lists 0-15 as DTMF).
func (e TelephoneEvent) Digit() byte {
	switch {
	case e.Event <= 9:
		return '0' + e.Event
	case e.Event == 10:
		return '*'
	case e.Event == 11:
		return '#'
	case e.Event <= 15:
		return 'A' + e.Event - 12
	}
	return 0
}

// ParseTelephoneEvent decodes a telephone-event payload. Payloads longer than 4 bytes are
// accepted (RFC 4733 allows several events per packet in redundancy; the first is current).
func ParseTelephoneEvent(p []byte) (TelephoneEvent, error) {
	if len(p) < 4 {
		return TelephoneEvent{}, fmt.Errorf("telephone-event payload of %d bytes, want 4", len(p))
	}
	return TelephoneEvent{
		Event:    p[0],
		End:      p[1]&0x80 != 0,
		Volume:   p[1] & 0x3F,
		Duration: binary.BigEndian.Uint16(p[2:4]),
	}, nil
}

// Marshal encodes the event as a 4-byte payload.
func (e TelephoneEvent) Marshal() []byte {
	b := []byte{e.Event, e.Volume & 0x3F, 0, 0}
	if e.End {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], e.Duration)
	return b
}

// Key is a DTMF key press, reported once.
type Key struct {
	Digit    byte
	Duration uint16 // in 8 kHz timestamp units
}

// DTMFDetector turns a stream of RTP packets into key presses. All packets of one event share
// an RTP timestamp (RFC 4733 section 2.5.1.2) and the end packet is sent three times, so a key
// is reported once per timestamp: at its first end packet, or when a new event starts and the
// end packets of the previous one were all lost.
type DTMFDetector struct {
	PT uint8 // the negotiated telephone-event payload type, usually 101

	active   bool
	ts       uint32
	last     TelephoneEvent
	reported bool
}

// Feed gives the detector one RTP packet; it returns the key completed by it, if any. Packets
// of other payload types are ignored; a malformed telephone-event payload is an error and
// changes nothing.
func (d *DTMFDetector) Feed(p *rtp.Packet) (Key, bool, error) {
	if p.PayloadType != d.PT {
		return Key{}, false, nil
	}
	ev, err := ParseTelephoneEvent(p.Payload)
	if err != nil {
		return Key{}, false, err
	}
	var out Key
	var got bool
	if !d.active || p.Timestamp != d.ts {
		if d.active && !d.reported && d.last.Digit() != 0 {
			out, got = Key{Digit: d.last.Digit(), Duration: d.last.Duration}, true
		}
		d.active, d.ts, d.reported = true, p.Timestamp, false
	}
	d.last = ev
	if ev.End && !d.reported {
		d.reported = true
		if ev.Digit() != 0 {
			// A lost end of the previous event and this one's end in one packet cannot both be
			// reported; the newer key wins, which is what the caller heard last.
			out, got = Key{Digit: ev.Digit(), Duration: ev.Duration}, true
		}
	}
	return out, got, nil
}
