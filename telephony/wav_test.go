package telephony

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseWAV(t *testing.T) {
	pcm := BuildWAV("pcm16", make([]byte, 16000))
	stereo := BuildWAV("pcm16", make([]byte, 16000))
	binary.LittleEndian.PutUint16(stereo[22:], 2)
	cd := BuildWAV("pcm16", make([]byte, 16000))
	binary.LittleEndian.PutUint32(cd[24:], 44100)
	mp3 := BuildWAV("pcm16", make([]byte, 100))
	binary.LittleEndian.PutUint16(mp3[20:], 85)
	pcm8 := BuildWAV("pcm16", make([]byte, 100))
	binary.LittleEndian.PutUint16(pcm8[34:], 8)
	tests := []struct {
		name    string
		data    []byte
		format  string
		dur     time.Duration
		wantErr string
	}{
		{"pcm16", pcm, "pcm16", time.Second, ""},
		{"alaw", BuildWAV("alaw", make([]byte, 4000)), "alaw", 500 * time.Millisecond, ""},
		{"ulaw odd length", BuildWAV("ulaw", make([]byte, 801)), "ulaw", 100125 * time.Microsecond, ""},
		{"empty", nil, "", 0, "RIFF/WAVE"},
		{"mp3 in wav", mp3, "", 0, "audio format 85"},
		{"stereo", stereo, "", 0, "2 channels"},
		{"44.1 kHz", cd, "", 0, "sample rate 44100"},
		{"8-bit pcm", pcm8, "", 0, "8 bits per sample"},
		{"truncated", pcm[:1000], "", 0, "data chunk of 16000 bytes"},
		{"no data", pcm[:36], "", 0, "no data chunk"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := ParseWAV(tc.data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrNotTelephoneWAV) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w.Format != tc.format || w.Duration != tc.dur || w.DataOffset != 44 {
				t.Errorf("got %+v", w)
			}
		})
	}
}

func FuzzParseWAV(f *testing.F) {
	f.Add(BuildWAV("pcm16", make([]byte, 32)))
	f.Add(BuildWAV("ulaw", []byte{1, 2, 3}))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x02\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ParseWAV(b)
		if err != nil {
			return
		}
		if w.DataOffset+w.DataBytes > int64(len(b)) || w.SampleRate != 8000 || w.Channels != 1 {
			t.Fatalf("accepted inconsistent file: %+v for %d bytes", w, len(b))
		}
	})
}
