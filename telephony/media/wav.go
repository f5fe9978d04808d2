package media

import (
	"encoding/binary"
	"fmt"
	"io"
)

// SampleRate is the only rate the telephone path carries (G.711 is 8 kHz).
const SampleRate = 8000

// maxWAVBytes bounds what ReadWAV accepts: about 17 minutes of 8 kHz 16-bit audio, far more
// than any announcement, so a hostile upload cannot make the adapter allocate without limit.
const maxWAVBytes = 16 << 20

// WAVError is a WAV file the telephone path cannot play; it names the file and the field.
type WAVError struct {
	Name   string // file name as given to ReadWAV
	Offset int64  // byte offset of the offending chunk or field
	Field  string // e.g. "fmt.sampleRate"
	Msg    string
}

func (e *WAVError) Error() string {
	return fmt.Sprintf("%s: byte %d: %s: %s", e.Name, e.Offset, e.Field, e.Msg)
}

// ReadWAV reads a RIFF/WAVE announcement and returns its samples as 16-bit linear PCM at 8 kHz.
// It accepts mono 8 kHz files in 16-bit PCM, A-law or µ-law (the formats TEL-5 announcements
// are recorded in). Other rates, stereo and other encodings are rejected with a WAVError rather
// than resampled: a wrongly converted prompt is worse for a citizen than a clear upload error.
func ReadWAV(name string, r io.Reader) ([]int16, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxWAVBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > maxWAVBytes {
		return nil, &WAVError{name, maxWAVBytes, "file", fmt.Sprintf("larger than %d bytes", maxWAVBytes)}
	}
	return ParseWAV(name, b)
}

// ParseWAV is ReadWAV on a file already in memory.
func ParseWAV(name string, b []byte) ([]int16, error) {
	bad := func(off int64, field, format string, a ...any) error {
		return &WAVError{Name: name, Offset: off, Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, bad(0, "header", "not a RIFF/WAVE file")
	}
	var (
		haveFmt bool
		tag     uint16
		bits    uint16
		data    []byte
		dataOff int64
	)
	pos := int64(12)
	for pos+8 <= int64(len(b)) && data == nil {
		id := string(b[pos : pos+4])
		size := int64(binary.LittleEndian.Uint32(b[pos+4 : pos+8]))
		body := pos + 8
		if size > int64(len(b))-body {
			return nil, bad(pos, id, "chunk of %d bytes runs past the end of the file", size)
		}
		chunk := b[body : body+size]
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, bad(pos, "fmt", "chunk of %d bytes, want at least 16", size)
			}
			tag = binary.LittleEndian.Uint16(chunk[0:])
			channels := binary.LittleEndian.Uint16(chunk[2:])
			rate := binary.LittleEndian.Uint32(chunk[4:])
			bits = binary.LittleEndian.Uint16(chunk[14:])
			if tag == 0xFFFE && size >= 40 { // WAVE_FORMAT_EXTENSIBLE: the real tag is in the GUID
				tag = binary.LittleEndian.Uint16(chunk[24:])
			}
			if channels != 1 {
				return nil, bad(body+2, "fmt.channels", "%d channels, want mono (1)", channels)
			}
			if rate != SampleRate {
				return nil, bad(body+4, "fmt.sampleRate", "%d Hz, want 8000 Hz (convert the file, e.g. sox in.wav -r 8000 -c 1 out.wav)", rate)
			}
			switch {
			case tag == 1 && bits == 16, tag == 6 && bits == 8, tag == 7 && bits == 8:
			default:
				return nil, bad(body, "fmt.format", "format %d with %d bits, want 16-bit PCM (1), A-law (6) or µ-law (7)", tag, bits)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, bad(pos, "data", "data chunk before the fmt chunk")
			}
			data, dataOff = chunk, body
		}
		pos = body + size + size%2 // chunks are padded to even sizes
	}
	if !haveFmt {
		return nil, bad(12, "fmt", "no fmt chunk")
	}
	if data == nil {
		return nil, bad(pos, "data", "no data chunk")
	}
	switch tag {
	case 6:
		return PCMA.Decode(nil, data), nil
	case 7:
		return PCMU.Decode(nil, data), nil
	}
	if len(data)%2 != 0 {
		return nil, bad(dataOff, "data", "odd length %d for 16-bit samples", len(data))
	}
	out := make([]int16, len(data)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
	}
	return out, nil
}

// WAV returns a 16-bit PCM 8 kHz mono WAV file of samples: the voicemail recordings are kept
// in this form so any player opens them.
func WAV(samples []int16) []byte {
	n := 2 * len(samples)
	b := make([]byte, 44+n)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], SampleRate)
	binary.LittleEndian.PutUint32(b[28:], SampleRate*2)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(n))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(s))
	}
	return b
}
