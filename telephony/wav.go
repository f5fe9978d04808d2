package telephony

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"sportello/telephony/media"
)

// WAV encodings the IVR can send as G.711 RTP without resampling.
const (
	wavPCM   = 1
	wavALaw  = 6
	wavMuLaw = 7
)

// WAVInfo describes a validated telephone WAV file.
type WAVInfo struct {
	Format     string // "pcm16", "alaw" or "ulaw"
	SampleRate int
	Channels   int
	Bits       int
	DataOffset int64
	DataBytes  int64
	Duration   time.Duration
}

// ErrNotTelephoneWAV is wrapped by every ParseWAV error, so callers can tell bad uploads from
// I/O failures.
var ErrNotTelephoneWAV = errors.New("not a telephone WAV file (RIFF/WAVE, 8 kHz mono, 16-bit PCM or 8-bit A-law/µ-law)")

func wavErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotTelephoneWAV}, a...)...)
}

// ParseWAV validates a whole WAV file held in b: RIFF/WAVE header, a fmt chunk with 8 kHz mono
// 16-bit PCM or 8-bit A-law/µ-law, and a data chunk that fits in the file. The error says which
// field is wrong.
func ParseWAV(b []byte) (WAVInfo, error) {
	var w WAVInfo
	// The chunk walk is shared with playback (media.ParseHeader); the checks and wording here
	// are for uploads, and format faults are reported after structural ones.
	h, err := media.ParseHeader(b, nil)
	var he *media.HeaderError
	if errors.As(err, &he) {
		switch he.Kind {
		case media.NotRIFF:
			return w, wavErr("missing RIFF/WAVE header")
		case media.ChunkTooLong:
			if he.Chunk == "data" {
				return w, wavErr("data chunk of %d bytes but only %d in the file", he.Size, he.Avail)
			}
			return w, wavErr("chunk %q of %d bytes runs past the end of the file", he.Chunk, he.Size)
		case media.FmtTooShort:
			return w, wavErr("fmt chunk too short (%d bytes)", he.Size)
		case media.DataBeforeFmt:
			return w, wavErr("data chunk before the fmt chunk")
		case media.NoFmt:
			return w, wavErr("no fmt chunk")
		}
		// NoData is reported after the format checks below.
	} else if err != nil {
		return w, err
	}
	w.DataOffset, w.DataBytes = h.DataOffset, h.DataBytes
	tag, bits, rate, channels := int(h.Format), h.Bits, h.SampleRate, h.Channels
	switch {
	case tag == wavPCM && bits == 16:
		w.Format = "pcm16"
	case tag == wavALaw && bits == 8:
		w.Format = "alaw"
	case tag == wavMuLaw && bits == 8:
		w.Format = "ulaw"
	case tag == wavPCM || tag == wavALaw || tag == wavMuLaw:
		return w, wavErr("%d bits per sample for format %d", bits, tag)
	default:
		return w, wavErr("audio format %d (only 1 PCM, 6 A-law, 7 µ-law)", tag)
	}
	if rate != 8000 {
		return w, wavErr("sample rate %d Hz (want 8000)", rate)
	}
	if channels != 1 {
		return w, wavErr("%d channels (want mono)", channels)
	}
	if he != nil {
		return w, wavErr("no data chunk")
	}
	w.SampleRate, w.Channels, w.Bits = rate, channels, bits
	bytesPerSec := int64(rate * bits / 8)
	w.Duration = time.Duration(w.DataBytes) * time.Second / time.Duration(bytesPerSec)
	return w, nil
}

// BuildWAV returns a WAV file of 8 kHz mono samples in the given encoding ("pcm16", "alaw",
// "ulaw"); data is already encoded. Tests and the demo use it to make announcements.
func BuildWAV(format string, data []byte) []byte {
	tag, bits := wavPCM, 16
	switch format {
	case "alaw":
		tag, bits = wavALaw, 8
	case "ulaw":
		tag, bits = wavMuLaw, 8
	}
	b := make([]byte, 44, 44+len(data)+1)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+len(data)+len(data)%2))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], uint16(tag))
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], uint32(8000*bits/8))
	binary.LittleEndian.PutUint16(b[32:], uint16(bits/8))
	binary.LittleEndian.PutUint16(b[34:], uint16(bits))
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(len(data)))
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}
