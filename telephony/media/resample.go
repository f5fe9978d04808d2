package media

import "math"

// Resample converts 16-bit mono audio from one sample rate to another with a windowed-sinc
// (Blackman) interpolator whose cut-off sits below the lower Nyquist frequency, so that speech
// synthesised at 22,050 Hz (espeak-ng) reaches the 8 kHz telephone path without aliasing. It is
// our own because the only users are short prompts: no streaming, no library worth its weight.
func Resample(in []int16, from, to int) []int16 {
	if from == to || len(in) == 0 || from <= 0 || to <= 0 {
		return append([]int16(nil), in...)
	}
	const half = 16 // taps on each side, at the input rate (scaled when downsampling)
	ratio := float64(to) / float64(from)
	cut := 0.92 * math.Min(1, ratio) // of the input Nyquist frequency
	width := float64(half) / math.Min(1, ratio)
	n := int(float64(len(in)) * ratio)
	out := make([]int16, n)
	for i := range out {
		t := float64(i) / ratio // position in input samples
		lo, hi := int(math.Ceil(t-width)), int(math.Floor(t+width))
		var sum, norm float64
		for k := max(lo, 0); k <= hi && k < len(in); k++ {
			x := float64(k) - t
			w := 0.42 + 0.5*math.Cos(math.Pi*x/width) + 0.08*math.Cos(2*math.Pi*x/width)
			h := cut * w
			if x != 0 {
				h = w * math.Sin(math.Pi*cut*x) / (math.Pi * x)
			}
			sum += float64(in[k]) * h
			norm += h
		}
		if norm != 0 {
			sum /= norm
		}
		out[i] = int16(max(math.MinInt16, min(math.MaxInt16, math.Round(sum))))
	}
	return out
}
