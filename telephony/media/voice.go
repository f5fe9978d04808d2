package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// DefaultPromptsDir is where Debian's asterisk-core-sounds-it-wav installs the Italian prompts
// (voice of Carlo Flora, licence CC BY 3.0 per the package's copyright file; 8 kHz 16-bit WAV).
const DefaultPromptsDir = "/usr/share/asterisk/sounds/it_IT_m_Carlo"

// Voice speaks the IVR's Italian sentences (issue 18 item 6): the caller's position and the
// expected wait from the recorded prompts of Asterisk's Italian sound set (queue-thereare.wav,
// digits/7.wav…), and, for texts the set lacks or when it is not installed, espeak-ng. A Voice
// with neither says nothing (nil audio): callers then hear the hold music, and the product still
// starts. Safe for concurrent use; what it built is cached.
type Voice struct {
	dir    string // prompts directory, "" when not usable
	espeak string // espeak-ng executable, "" when not found

	mu    sync.Mutex
	cache map[string][]int16
}

// maxVoiceCache bounds the cache: positions and waits are a few dozen sentences, callback
// confirmations one per slot of the day.
const maxVoiceCache = 512

// NewVoice looks for the prompts in dir (DefaultPromptsDir when "") and for espeak-ng on PATH
// (espeak: its path, or "" to search; "-" for none). The notes say what is missing, in English,
// for the log.
func NewVoice(dir, espeak string) (*Voice, []string) {
	v := &Voice{cache: map[string][]int16{}}
	var notes []string
	if dir == "" {
		dir = DefaultPromptsDir
	}
	if _, err := os.Stat(filepath.Join(dir, "queue-thereare.wav")); err == nil {
		v.dir = dir
	} else {
		notes = append(notes, fmt.Sprintf("Italian prompts not found in %s (Debian package asterisk-core-sounds-it-wav)", dir))
	}
	switch espeak {
	case "-":
	case "":
		if p, err := exec.LookPath("espeak-ng"); err == nil {
			v.espeak = p
		} else {
			notes = append(notes, "espeak-ng not found (Debian package espeak-ng): texts without a recording are not spoken")
		}
	default:
		v.espeak = espeak
	}
	return v, notes
}

// Recorded reports whether the recorded prompts are in use; Synthesis whether espeak-ng is.
func (v *Voice) Recorded() bool  { return v.dir != "" }
func (v *Voice) Synthesis() bool { return v.espeak != "" }

// Position is "Lei è il chiamante numero N in attesa di un operatore", or "Lei è il prossimo"
// for the first in line.
func (v *Voice) Position(n int) []int16 {
	if n <= 1 {
		return v.say("pos:1", []string{"queue-youarenext"}, "Lei è il prossimo a essere servito.")
	}
	var files []string // none when the number cannot be spelled with the recordings
	if num := numberFiles(n); num != nil {
		files = append(append([]string{"queue-thereare"}, num...), "queue-callswaiting")
	}
	return v.say("pos:"+strconv.Itoa(n), files, fmt.Sprintf("Lei è il chiamante numero %d in attesa di un operatore.", n))
}

// ExpectedWait is "Il tempo di attesa stimato è di N minuti" (rounded up; "meno di un minuto"
// under one minute); nil for d <= 0: no estimate is better than a wrong one.
func (v *Voice) ExpectedWait(d time.Duration) []int16 {
	if d <= 0 {
		return nil
	}
	if d < time.Minute {
		return v.say("wait:<1", []string{"queue-holdtime", "queue-less-than", "digits/un", "queue-minute"},
			"Il tempo di attesa stimato è di meno di un minuto.")
	}
	m := int((d + time.Minute - 1) / time.Minute)
	unit, word := "queue-minutes", "minuti"
	if m == 1 {
		unit, word = "queue-minute", "minuto"
	}
	num := numberFiles(m)
	if m == 1 {
		num = []string{"digits/un"} // "un minuto", not "uno minuto"
	}
	var files []string
	if num != nil {
		files = append(append([]string{"queue-holdtime"}, num...), unit)
	}
	return v.say("wait:"+strconv.Itoa(m), files, fmt.Sprintf("Il tempo di attesa stimato è di %d %s.", m, word))
}

// Text speaks a sentence with espeak-ng; nil without it (the caller then hears the music).
func (v *Voice) Text(text string) []int16 { return v.say("text:"+text, nil, text) }

// Recording returns one recorded prompt of the set by name (e.g. "auth-thankyou"), or nil.
func (v *Voice) Recording(name string) []int16 {
	pcm, err := v.recorded([]string{name})
	if err != nil {
		return nil
	}
	return pcm
}

// say returns the recorded files joined, or, when one is missing, text synthesised.
func (v *Voice) say(key string, files []string, text string) []int16 {
	v.mu.Lock()
	pcm, ok := v.cache[key]
	v.mu.Unlock()
	if ok {
		return pcm
	}
	pcm, err := v.recorded(files)
	if err != nil || pcm == nil {
		pcm, err = v.synthesise(text)
	}
	if err != nil {
		return nil // not cached: the prompts may be installed while the service runs
	}
	v.mu.Lock()
	if len(v.cache) >= maxVoiceCache {
		clear(v.cache)
	}
	v.cache[key] = pcm
	v.mu.Unlock()
	return pcm
}

var errNoVoice = errors.New("no recorded prompt and no speech synthesis")

func (v *Voice) recorded(files []string) ([]int16, error) {
	if v.dir == "" || len(files) == 0 {
		return nil, errNoVoice
	}
	var out []int16
	for _, f := range files {
		p := filepath.Join(v.dir, f+".wav")
		fh, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		pcm, err := ReadWAV(p, fh)
		fh.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, pcm...)
	}
	return out, nil
}

// synthesise runs espeak-ng (Italian voice) into a temporary WAV file and brings it to 8 kHz. A
// file rather than --stdout: the streamed header has no sizes.
func (v *Voice) synthesise(text string) ([]int16, error) {
	if v.espeak == "" || text == "" {
		return nil, errNoVoice
	}
	f, err := os.CreateTemp("", "sportello-tts-*.wav")
	if err != nil {
		return nil, err
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	cmd := exec.Command(v.espeak, "-v", "it", "-s", "150", "-w", name, "--", text)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("espeak-ng: %v: %s", err, out)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	h, err := ParseHeader(b, nil)
	if err != nil {
		return nil, fmt.Errorf("espeak-ng output: %w", err)
	}
	if h.Format != 1 || h.Bits != 16 || h.Channels != 1 {
		return nil, fmt.Errorf("espeak-ng output: format %d, %d bits, %d channels", h.Format, h.Bits, h.Channels)
	}
	data := b[h.DataOffset : h.DataOffset+h.DataBytes]
	pcm := make([]int16, len(data)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
	}
	return Resample(pcm, h.SampleRate, SampleRate), nil
}

// numberFiles spells n (1…999) with the files of Asterisk's Italian digits, as its say.c does:
// units and 10…20 have their own file, 21, 28, 31, 38… too (the vowel elision of "ventuno",
// "ventotto"), other tens are tens then units; hundreds are "cento" after the count ("due",
// "cento"), "cento" alone for 100–199. Above 999 it returns nil and the sentence is synthesised.
func numberFiles(n int) []string {
	if n < 0 || n > 999 {
		return nil
	}
	var out []string
	if n >= 100 {
		if n/100 > 1 {
			out = append(out, "digits/"+strconv.Itoa(n/100))
		}
		out = append(out, "digits/hundred")
		n %= 100
		if n == 0 {
			return out
		}
	}
	switch {
	case n <= 20:
		out = append(out, "digits/"+strconv.Itoa(n))
	case n%10 == 1 || n%10 == 8:
		out = append(out, "digits/"+strconv.Itoa(n))
	default:
		out = append(out, "digits/"+strconv.Itoa(n/10*10))
		if n%10 != 0 {
			out = append(out, "digits/"+strconv.Itoa(n%10))
		}
	}
	return out
}
