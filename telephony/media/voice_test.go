package media

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sportello/fixtures/testenv"
)

func toneAt(rate int, ms int, hz float64) []int16 {
	out := make([]int16, rate*ms/1000)
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return out
}

func power(pcm []int16, hz float64, rate int) float64 {
	w := 2 * math.Pi * hz / float64(rate)
	var re, im, tot float64
	for i, x := range pcm {
		re += float64(x) * math.Cos(w*float64(i))
		im += float64(x) * math.Sin(w*float64(i))
		tot += float64(x) * float64(x)
	}
	return (re*re + im*im) / tot / float64(len(pcm)) * 2
}

// Resampling espeak-ng's 22,050 Hz to 8 kHz keeps speech-band tones and removes what would
// alias (a 6 kHz tone would fold to 2 kHz).
func TestResample(t *testing.T) {
	in := toneAt(22050, 500, 1000)
	out := Resample(in, 22050, SampleRate)
	if len(out) != 4000 {
		t.Fatalf("%d samples, want 4000", len(out))
	}
	if p := power(out[200:3800], 1000, SampleRate); p < 0.9 {
		t.Fatalf("1 kHz kept at %.2f of the power", p)
	}
	alias := Resample(toneAt(22050, 500, 6000), 22050, SampleRate)
	var rms float64
	for _, x := range alias[200:3800] {
		rms += float64(x) * float64(x)
	}
	if rms = math.Sqrt(rms / 3600); rms > 200 {
		t.Fatalf("a 6 kHz tone comes out at RMS %.0f, want it filtered (input 5657)", rms)
	}
}

// Italian numbers are spelled as Asterisk's say.c does for "it".
func TestNumberFiles(t *testing.T) {
	for n, want := range map[int]string{
		1: "1", 13: "13", 20: "20", 21: "21", 28: "28", 35: "30 5", 40: "40", 99: "90 9", 98: "98",
		100: "hundred", 101: "hundred 1", 121: "hundred 21", 200: "2 hundred", 345: "3 hundred 40 5", 999: "9 hundred 90 9",
	} {
		got := strings.ReplaceAll(strings.Join(numberFiles(n), " "), "digits/", "")
		if got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
	if numberFiles(1000) != nil {
		t.Error("1000: want nil (synthesised)")
	}
}

// The recorded prompts are joined file after file; without prompts espeak-ng speaks; without
// either there is no audio (and no error: the caller hears the music).
func TestVoice(t *testing.T) {
	if _, err := os.Stat(filepath.Join(DefaultPromptsDir, "queue-thereare.wav")); err != nil {
		testenv.Missing(t, "the Italian prompts", "asterisk-core-sounds-it-wav")
	}
	v, notes := NewVoice("", "-")
	if len(notes) != 0 || !v.Recorded() || v.Synthesis() {
		t.Fatalf("notes %v", notes)
	}
	var want []int16
	for _, f := range []string{"queue-thereare", "digits/30", "digits/5", "queue-callswaiting"} {
		b, err := os.ReadFile(filepath.Join(DefaultPromptsDir, f+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		pcm, err := ParseWAV(f, b)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, pcm...)
	}
	if got := v.Position(35); !slices.Equal(got, want) {
		t.Fatalf("position 35: %d samples, want the 4 files' %d", len(got), len(want))
	}
	if v.ExpectedWait(0) != nil || v.ExpectedWait(30*time.Second) == nil || v.ExpectedWait(5*time.Minute) == nil {
		t.Fatal("expected wait prompts")
	}
	if v.Position(1500) != nil || v.Text("ciao") != nil {
		t.Fatal("without espeak-ng, texts the prompts lack must be silent")
	}

	none, notes := NewVoice(t.TempDir(), "-")
	if none.Recorded() || len(notes) != 1 || none.Position(3) != nil {
		t.Fatalf("no prompts, no synthesis: %v", notes)
	}
	tts, _ := NewVoice(t.TempDir(), testenv.Command(t, "espeak-ng", "espeak-ng"))
	pcm := tts.Position(3)
	if len(pcm) < SampleRate {
		t.Fatalf("espeak-ng fallback: %d samples", len(pcm))
	}
	var peak int16
	for _, s := range pcm {
		peak = max(peak, s, -s)
	}
	if peak < 1000 {
		t.Fatalf("espeak-ng fallback is silent (peak %d)", peak)
	}
}

// The built-in hold music never pauses.
func TestDefaultHoldMusic(t *testing.T) {
	m := DefaultHoldMusic
	if len(m) < 4*SampleRate {
		t.Fatalf("%d samples", len(m))
	}
	for i := 0; i+FrameSamples <= len(m); i += FrameSamples {
		var s float64
		for _, x := range m[i : i+FrameSamples] {
			s += float64(x) * float64(x)
		}
		if rms := math.Sqrt(s / FrameSamples); rms < 300 || rms > 8000 {
			t.Fatalf("frame %d: RMS %.0f", i/FrameSamples, rms)
		}
	}
}
