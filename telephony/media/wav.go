package media

import (
	"encoding/binary"
	"errors"
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

// Header is the layout of a RIFF/WAVE file as found by ParseHeader.
type Header struct {
	Format     uint16 // wFormatTag as written: 0xFFFE for WAVE_FORMAT_EXTENSIBLE
	Extensible bool   // Format is WAVE_FORMAT_EXTENSIBLE with a full 40-byte fmt chunk
	SubFormat  uint16 // if Extensible, the real format tag, from the GUID
	Channels   int
	SampleRate int
	Bits       int
	FmtOffset  int64 // offset of the fmt chunk body, 0 if there is none
	DataOffset int64 // offset of the data chunk body
	DataBytes  int64
}

// HeaderErrorKind says what is structurally wrong with a RIFF/WAVE file.
type HeaderErrorKind int

// The structural faults ParseHeader reports.
const (
	NotRIFF       HeaderErrorKind = iota // no RIFF/WAVE signature
	ChunkTooLong                         // a chunk runs past the end of the file
	FmtTooShort                          // fmt chunk under 16 bytes
	DataBeforeFmt                        // data chunk before any fmt chunk
	NoFmt                                // no fmt chunk
	NoData                               // no data chunk
)

// HeaderError is a structural fault found by ParseHeader. It carries the facts rather than a
// final message so that each caller (upload validation, playback) can word it for its users.
type HeaderError struct {
	Kind   HeaderErrorKind
	Offset int64  // offset of the chunk header; for NoData, where the walk stopped
	Chunk  string // chunk id, for ChunkTooLong
	Size   int64  // declared chunk size, for ChunkTooLong and FmtTooShort
	Avail  int64  // bytes left after the chunk header, for ChunkTooLong
}

func (e *HeaderError) Error() string {
	switch e.Kind {
	case NotRIFF:
		return "not a RIFF/WAVE file"
	case ChunkTooLong:
		return fmt.Sprintf("byte %d: chunk %q of %d bytes runs past the end of the file", e.Offset, e.Chunk, e.Size)
	case FmtTooShort:
		return fmt.Sprintf("byte %d: fmt chunk of %d bytes, want at least 16", e.Offset, e.Size)
	case DataBeforeFmt:
		return fmt.Sprintf("byte %d: data chunk before the fmt chunk", e.Offset)
	case NoFmt:
		return "no fmt chunk"
	}
	return "no data chunk"
}

// ParseHeader walks the RIFF chunks of the WAV file in b up to the first data chunk. The RIFF
// size is not checked: streaming recorders often leave it 0 or 0xFFFFFFFF; the chunk sizes are
// what must fit in the file. If checkFmt is not nil it is called on every fmt chunk as soon as
// it is read, and an error it returns ends the walk, so a bad format is reported before faults
// further on. On a *HeaderError the returned Header holds what was read so far.
func ParseHeader(b []byte, checkFmt func(Header) error) (Header, error) {
	var h Header
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return h, &HeaderError{Kind: NotRIFF}
	}
	haveData := false
	pos := int64(12)
	for pos+8 <= int64(len(b)) && !haveData {
		id := string(b[pos : pos+4])
		size := int64(binary.LittleEndian.Uint32(b[pos+4 : pos+8]))
		body := pos + 8
		if size > int64(len(b))-body {
			return h, &HeaderError{Kind: ChunkTooLong, Offset: pos, Chunk: id, Size: size, Avail: int64(len(b)) - body}
		}
		chunk := b[body : body+size]
		switch id {
		case "fmt ":
			if size < 16 {
				return h, &HeaderError{Kind: FmtTooShort, Offset: pos, Size: size}
			}
			h.Format = binary.LittleEndian.Uint16(chunk[0:])
			h.Channels = int(binary.LittleEndian.Uint16(chunk[2:]))
			h.SampleRate = int(binary.LittleEndian.Uint32(chunk[4:]))
			h.Bits = int(binary.LittleEndian.Uint16(chunk[14:]))
			h.Extensible, h.SubFormat = false, 0
			if h.Format == 0xFFFE && size >= 40 {
				h.Extensible, h.SubFormat = true, binary.LittleEndian.Uint16(chunk[24:])
			}
			h.FmtOffset = body
			if checkFmt != nil {
				if err := checkFmt(h); err != nil {
					return h, err
				}
			}
		case "data":
			if h.FmtOffset == 0 {
				return h, &HeaderError{Kind: DataBeforeFmt, Offset: pos}
			}
			h.DataOffset, h.DataBytes = body, size
			haveData = true
		}
		pos = body + size + size%2 // chunks are padded to even sizes
	}
	if h.FmtOffset == 0 {
		return h, &HeaderError{Kind: NoFmt, Offset: 12}
	}
	if !haveData {
		return h, &HeaderError{Kind: NoData, Offset: pos}
	}
	return h, nil
}

// ParseWAV is ReadWAV on a file already in memory.
func ParseWAV(name string, b []byte) ([]int16, error) {
	bad := func(off int64, field, format string, a ...any) error {
		return &WAVError{Name: name, Offset: off, Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	var tag uint16
	h, err := ParseHeader(b, func(h Header) error {
		tag = h.Format
		if h.Extensible {
			tag = h.SubFormat
		}
		if h.Channels != 1 {
			return bad(h.FmtOffset+2, "fmt.channels", "%d channels, want mono (1)", h.Channels)
		}
		if h.SampleRate != SampleRate {
			return bad(h.FmtOffset+4, "fmt.sampleRate", "%d Hz, want 8000 Hz (convert the file, e.g. sox in.wav -r 8000 -c 1 out.wav)", h.SampleRate)
		}
		switch {
		case tag == 1 && h.Bits == 16, tag == 6 && h.Bits == 8, tag == 7 && h.Bits == 8:
			return nil
		}
		return bad(h.FmtOffset, "fmt.format", "format %d with %d bits, want 16-bit PCM (1), A-law (6) or µ-law (7)", tag, h.Bits)
	})
	var he *HeaderError
	if errors.As(err, &he) {
		switch he.Kind {
		case NotRIFF:
			return nil, bad(0, "header", "not a RIFF/WAVE file")
		case ChunkTooLong:
			return nil, bad(he.Offset, he.Chunk, "chunk of %d bytes runs past the end of the file", he.Size)
		case FmtTooShort:
			return nil, bad(he.Offset, "fmt", "chunk of %d bytes, want at least 16", he.Size)
		case DataBeforeFmt:
			return nil, bad(he.Offset, "data", "data chunk before the fmt chunk")
		case NoFmt:
			return nil, bad(he.Offset, "fmt", "no fmt chunk")
		default:
			return nil, bad(he.Offset, "data", "no data chunk")
		}
	}
	if err != nil {
		return nil, err
	}
	data := b[h.DataOffset : h.DataOffset+h.DataBytes]
	switch tag {
	case 6:
		return PCMA.Decode(nil, data), nil
	case 7:
		return PCMU.Decode(nil, data), nil
	}
	if len(data)%2 != 0 {
		return nil, bad(h.DataOffset, "data", "odd length %d for 16-bit samples", len(data))
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
