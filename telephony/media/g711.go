package media

// G.711 as in ITU-T G.711 (11/88), using the classic segment algorithm (the same one as the
// reference code in ITU-T G.191): µ-law with its bias of 0x84 and the final inversion, A-law
// with even bits inverted (XOR 0x55).

// Codec is a G.711 variant with its static RTP payload type (RFC 3551).
type Codec struct {
	Name string // SDP encoding name: "PCMU" or "PCMA"
	PT   uint8  // 0 or 8
}

// The two G.711 codecs.
var (
	PCMU = Codec{Name: "PCMU", PT: 0}
	PCMA = Codec{Name: "PCMA", PT: 8}
)

// Encode codes 16-bit linear samples into dst (allocated when too short) and returns it.
func (c Codec) Encode(dst []byte, pcm []int16) []byte {
	if cap(dst) < len(pcm) {
		dst = make([]byte, len(pcm))
	}
	dst = dst[:len(pcm)]
	if c.PT == PCMA.PT {
		for i, s := range pcm {
			dst[i] = EncodeALaw(s)
		}
		return dst
	}
	for i, s := range pcm {
		dst[i] = EncodeMuLaw(s)
	}
	return dst
}

// Decode expands G.711 bytes into dst (allocated when too short) and returns it.
func (c Codec) Decode(dst []int16, b []byte) []int16 {
	if cap(dst) < len(b) {
		dst = make([]int16, len(b))
	}
	dst = dst[:len(b)]
	if c.PT == PCMA.PT {
		for i, v := range b {
			dst[i] = DecodeALaw(v)
		}
		return dst
	}
	for i, v := range b {
		dst[i] = DecodeMuLaw(v)
	}
	return dst
}

const (
	muBias = 0x84
	muClip = 32635
)

// EncodeMuLaw codes one 16-bit linear sample as µ-law.
func EncodeMuLaw(s int16) byte {
	v := int(s)
	sign := 0
	if v < 0 {
		v = -v
		sign = 0x80
	}
	if v > muClip {
		v = muClip
	}
	v += muBias
	exp := 7
	for mask := 0x4000; v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (v >> (exp + 3)) & 0x0F
	return ^byte(sign | exp<<4 | mant)
}

// DecodeMuLaw expands one µ-law byte to a 16-bit linear sample.
func DecodeMuLaw(b byte) int16 {
	b = ^b
	exp := int(b>>4) & 0x07
	mant := int(b & 0x0F)
	v := ((mant << 3) + muBias) << exp
	v -= muBias
	if b&0x80 != 0 {
		return int16(-v)
	}
	return int16(v)
}

// EncodeALaw codes one 16-bit linear sample as A-law.
func EncodeALaw(s int16) byte {
	v := int(s) >> 3 // A-law works on 13-bit samples
	sign := byte(0x80)
	if v < 0 {
		v = -v - 1
		sign = 0
	}
	var out byte
	if v < 32 {
		out = byte(v >> 1)
	} else {
		exp := 1
		for x := v >> 5; x > 1 && exp < 7; x >>= 1 {
			exp++
		}
		if v > 0xFFF {
			v = 0xFFF
			exp = 7
		}
		out = byte(exp<<4) | byte((v>>exp)&0x0F)
	}
	return (out | sign) ^ 0x55
}

// DecodeALaw expands one A-law byte to a 16-bit linear sample.
func DecodeALaw(b byte) int16 {
	b ^= 0x55
	exp := int(b>>4) & 0x07
	mant := int(b & 0x0F)
	var v int
	if exp == 0 {
		v = mant<<4 + 8
	} else {
		v = (mant<<4 + 0x108) << (exp - 1)
	}
	if b&0x80 == 0 {
		return int16(-v)
	}
	return int16(v)
}
