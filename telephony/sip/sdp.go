package sip

import (
	"encoding/base64"
	"fmt"
	"net"
	"strconv"
	"strings"

	"sportello/telephony/media"
)

// SDP is the part of a session description (RFC 4566) the adapter uses: where the audio goes
// and which payload types are offered. Anything else in the body is ignored.
type SDP struct {
	Addr    net.IP           // c= of the audio stream (or the session)
	Port    int              // m=audio port; 0 means the stream is refused
	Formats []uint8          // m=audio payload types, in order of preference
	RTPMap  map[uint8]string // a=rtpmap: payload type → "name/rate", upper-cased
	Secure  bool             // RTP/SAVP: SRTP
	Crypto  []Crypto         // a=crypto: lines of the audio stream (SDES, RFC 4568)
}

// Crypto is one SDES crypto attribute: a=crypto:TAG SUITE inline:KEY||SALT (base64).
type Crypto struct {
	Tag   int
	Suite string // e.g. AES_CM_128_HMAC_SHA1_80
	Key   []byte // master key then master salt
}

// ParseSDP reads an SDP body. Errors name the line.
func ParseSDP(b []byte) (SDP, error) {
	s := SDP{RTPMap: map[uint8]string{}}
	var sessionAddr net.IP
	inAudio, sawAudio := false, false
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		if len(line) < 2 || line[1] != '=' {
			return SDP{}, fmt.Errorf("sdp line %d: %q is not type=value", n+1, line)
		}
		val := line[2:]
		switch line[0] {
		case 'm':
			f := strings.Fields(val)
			inAudio = len(f) >= 3 && f[0] == "audio" && !sawAudio
			if !inAudio {
				continue
			}
			sawAudio = true
			port, err := strconv.Atoi(strings.Split(f[1], "/")[0])
			if err != nil || port < 0 || port > 65535 {
				return SDP{}, fmt.Errorf("sdp line %d: bad audio port %q", n+1, f[1])
			}
			s.Port = port
			switch f[2] {
			case "RTP/AVP":
			case "RTP/SAVP":
				s.Secure = true
			default:
				return SDP{}, fmt.Errorf("sdp line %d: transport %q, want RTP/AVP or RTP/SAVP", n+1, f[2])
			}
			for _, pt := range f[3:] {
				v, err := strconv.Atoi(pt)
				if err != nil || v < 0 || v > 127 {
					return SDP{}, fmt.Errorf("sdp line %d: bad payload type %q", n+1, pt)
				}
				s.Formats = append(s.Formats, uint8(v))
			}
		case 'c':
			f := strings.Fields(val)
			if len(f) != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6") {
				return SDP{}, fmt.Errorf("sdp line %d: bad connection %q", n+1, val)
			}
			ip := net.ParseIP(strings.Split(f[2], "/")[0])
			if ip == nil {
				return SDP{}, fmt.Errorf("sdp line %d: bad address %q", n+1, f[2])
			}
			if inAudio {
				s.Addr = ip
			} else if !sawAudio {
				sessionAddr = ip
			}
		case 'a':
			if inAudio && strings.HasPrefix(val, "crypto:") {
				// a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:base64[|lifetime][|MKI:len] [params]
				f := strings.Fields(strings.TrimPrefix(val, "crypto:"))
				if len(f) < 3 || !strings.HasPrefix(f[2], "inline:") {
					return SDP{}, fmt.Errorf("sdp line %d: bad crypto %q", n+1, val)
				}
				tag, err := strconv.Atoi(f[0])
				if err != nil || tag < 0 || tag > 999999999 {
					return SDP{}, fmt.Errorf("sdp line %d: bad crypto tag %q", n+1, f[0])
				}
				key, err := base64.StdEncoding.DecodeString(strings.SplitN(strings.TrimPrefix(f[2], "inline:"), "|", 2)[0])
				if err != nil {
					return SDP{}, fmt.Errorf("sdp line %d: bad crypto key", n+1)
				}
				s.Crypto = append(s.Crypto, Crypto{Tag: tag, Suite: f[1], Key: key})
				continue
			}
			if !inAudio || !strings.HasPrefix(val, "rtpmap:") {
				continue
			}
			f := strings.Fields(strings.TrimPrefix(val, "rtpmap:"))
			if len(f) != 2 {
				return SDP{}, fmt.Errorf("sdp line %d: bad rtpmap %q", n+1, val)
			}
			pt, err := strconv.Atoi(f[0])
			if err != nil || pt < 0 || pt > 127 {
				return SDP{}, fmt.Errorf("sdp line %d: bad rtpmap payload type %q", n+1, f[0])
			}
			s.RTPMap[uint8(pt)] = strings.ToUpper(f[1])
		}
	}
	if !sawAudio {
		return SDP{}, fmt.Errorf("sdp: no audio stream")
	}
	if s.Addr == nil {
		s.Addr = sessionAddr
	}
	if s.Addr == nil {
		return SDP{}, fmt.Errorf("sdp: no connection address for the audio stream")
	}
	return s, nil
}

// Negotiate picks the first G.711 codec of the offer and its telephone-event payload type
// (0 when not offered: DTMF then cannot be read and the callback choice is unavailable).
func (s SDP) Negotiate() (media.Codec, uint8, error) {
	var codec *media.Codec
	var dtmf uint8
	for _, pt := range s.Formats {
		name := s.RTPMap[pt]
		switch {
		case codec == nil && (pt == 0 || strings.HasPrefix(name, "PCMU/8000")):
			c := media.PCMU
			c.PT = pt
			codec = &c
		case codec == nil && (pt == 8 || strings.HasPrefix(name, "PCMA/8000")):
			c := media.PCMA
			c.PT = pt
			codec = &c
		case dtmf == 0 && strings.HasPrefix(name, "TELEPHONE-EVENT/8000"):
			dtmf = pt
		}
	}
	if codec == nil {
		return media.Codec{}, 0, fmt.Errorf("sdp: no G.711 codec (PCMU or PCMA) offered")
	}
	return *codec, dtmf, nil
}

// RemoteAddr is the UDP address RTP must be sent to.
func (s SDP) RemoteAddr() *net.UDPAddr { return &net.UDPAddr{IP: s.Addr, Port: s.Port} }

// BuildSDP writes an offer or answer for one audio stream at ip:port with codec and, when
// dtmf is not 0, telephone-event on that payload type.
func BuildSDP(ip net.IP, port int, sessID uint64, codec media.Codec, dtmf uint8) []byte {
	return BuildSDPCrypto(ip, port, sessID, codec, dtmf, nil)
}

// BuildSDPCrypto is BuildSDP for SRTP when crypto is not nil: RTP/SAVP with the key in an
// a=crypto attribute (SDES, RFC 4568).
func BuildSDPCrypto(ip net.IP, port int, sessID uint64, codec media.Codec, dtmf uint8, crypto *Crypto) []byte {
	fam := "IP4"
	if ip.To4() == nil {
		fam = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=sportello %d %d IN %s %s\r\ns=Sportello\r\nc=IN %s %s\r\nt=0 0\r\n", sessID, sessID, fam, ip, fam, ip)
	proto := "RTP/AVP"
	if crypto != nil {
		proto = "RTP/SAVP"
	}
	fmt.Fprintf(&b, "m=audio %d %s %d", port, proto, codec.PT)
	if dtmf != 0 {
		fmt.Fprintf(&b, " %d", dtmf)
	}
	fmt.Fprintf(&b, "\r\na=rtpmap:%d %s/8000\r\n", codec.PT, codec.Name)
	if dtmf != 0 {
		fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", dtmf, dtmf)
	}
	if crypto != nil {
		fmt.Fprintf(&b, "a=crypto:%d %s inline:%s\r\n", crypto.Tag, crypto.Suite, base64.StdEncoding.EncodeToString(crypto.Key))
	}
	b.WriteString("a=ptime:20\r\na=sendrecv\r\n")
	return []byte(b.String())
}
