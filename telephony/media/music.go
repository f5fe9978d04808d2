package media

import "math"

// DefaultHoldMusic is what a caller hears while waiting when no hold music has been uploaded:
// eight seconds of soft synthesised chords (C, A minor, F, G), looped by the sender. It has no
// pause, so a caller never takes the wait for a dropped line (issue 18: no dead air), and its
// level stays well inside G.711's range. Built once and shared: callers must not modify it.
var DefaultHoldMusic = holdMusic()

func holdMusic() []int16 {
	// Each chord lasts 2 s; three notes per chord, a fifth below doubling the root.
	chords := [][]float64{
		{261.63, 329.63, 392.00}, // C4 E4 G4
		{220.00, 261.63, 329.63}, // A3 C4 E4
		{174.61, 220.00, 261.63}, // F3 A3 C4
		{196.00, 246.94, 293.66}, // G3 B3 D4
	}
	const chordLen = 2 * SampleRate
	out := make([]int16, len(chords)*chordLen)
	for ci, ch := range chords {
		for i := 0; i < chordLen; i++ {
			t := float64(i) / SampleRate
			// A swell that never reaches zero: 0.55 at the joins, 1 in the middle.
			env := 0.55 + 0.45*math.Sin(math.Pi*float64(i)/chordLen)
			var v float64
			for k, f := range ch {
				v += math.Sin(2*math.Pi*f*t) / float64(k+1)
				v += 0.3 * math.Sin(2*math.Pi*f/2*t) / float64(k+1)
			}
			out[ci*chordLen+i] = int16(2600 * env * v / 1.6)
		}
	}
	return out
}
