package sip

import (
	"net"
	"strings"
	"testing"

	"sportello/telephony/media"
)

func TestParseSDP(t *testing.T) {
	sipp := "v=0\r\no=x 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
	tests := []struct {
		name    string
		in      string
		addr    string
		port    int
		codec   string
		pt      uint8
		dtmf    uint8
		wantErr string
	}{
		{"sipp offer", sipp, "10.0.0.2", 6000, "PCMA", 8, 101, ""},
		{"media-level c= wins", "v=0\nc=IN IP4 1.1.1.1\nm=audio 4000 RTP/AVP 0\nc=IN IP4 2.2.2.2\n", "2.2.2.2", 4000, "PCMU", 0, 0, ""},
		{"dynamic PCMU", "v=0\nc=IN IP4 1.1.1.1\nm=audio 4000 RTP/AVP 96 97\na=rtpmap:96 pcmu/8000\na=rtpmap:97 telephone-event/8000\n", "1.1.1.1", 4000, "PCMU", 96, 97, ""},
		{"video first", "v=0\nc=IN IP4 1.1.1.1\nm=video 5000 RTP/AVP 96\nm=audio 4000 RTP/AVP 0\n", "1.1.1.1", 4000, "PCMU", 0, 0, ""},
		{"only opus", "v=0\nc=IN IP4 1.1.1.1\nm=audio 4000 RTP/AVP 111\na=rtpmap:111 opus/48000/2\n", "", 0, "", 0, 0, "no G.711"},
		{"no audio", "v=0\nc=IN IP4 1.1.1.1\n", "", 0, "", 0, 0, "no audio"},
		{"no address", "v=0\nm=audio 4000 RTP/AVP 0\n", "", 0, "", 0, 0, "no connection"},
		{"bad port", "v=0\nc=IN IP4 1.1.1.1\nm=audio 99999 RTP/AVP 0\n", "", 0, "", 0, 0, "line 3: bad audio port"},
		{"bad line", "v=0\nhello\n", "", 0, "", 0, 0, "line 2"},
		{"webrtc profile", "v=0\nc=IN IP4 1.1.1.1\nm=audio 4000 UDP/TLS/RTP/SAVPF 0\n", "", 0, "", 0, 0, "transport"},
		{"bad crypto key", "v=0\nc=IN IP4 1.1.1.1\nm=audio 4000 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!\n", "", 0, "", 0, 0, "crypto key"},
		{"bad crypto", "v=0\nc=IN IP4 1.1.1.1\nm=audio 4000 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80\n", "", 0, "", 0, 0, "bad crypto"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSDP([]byte(tt.in))
			var codec media.Codec
			var dtmf uint8
			if err == nil {
				codec, dtmf, err = s.Negotiate()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Addr.String() != tt.addr || s.Port != tt.port || codec.Name != tt.codec || codec.PT != tt.pt || dtmf != tt.dtmf {
				t.Fatalf("got %s:%d %s/%d dtmf %d", s.Addr, s.Port, codec.Name, codec.PT, dtmf)
			}
		})
	}
}

// An answer built by BuildSDP parses back to what was put in.
func TestBuildSDPRoundTrip(t *testing.T) {
	b := BuildSDP(net.IPv4(127, 0, 0, 1), 40000, 7, media.PCMA, 101)
	s, err := ParseSDP(b)
	if err != nil {
		t.Fatal(err)
	}
	codec, dtmf, err := s.Negotiate()
	if err != nil || codec != media.PCMA || dtmf != 101 || s.Port != 40000 || !s.Addr.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("%s → %+v %v %d %v", b, s, codec, dtmf, err)
	}
}

func FuzzParseSDP(f *testing.F) {
	f.Add([]byte("v=0\r\nc=IN IP4 10.0.0.2\r\nm=audio 6000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"))
	f.Add([]byte("v=0\nm=audio 1 RTP/AVP\nc=IN IP6 ::1\n"))
	f.Add([]byte("m=audio x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSDP(b)
		if err != nil {
			return
		}
		if s.Addr == nil || s.Port < 0 || s.Port > 65535 {
			t.Fatalf("accepted %+v", s)
		}
		if c, _, err := s.Negotiate(); err == nil && c.Name != "PCMU" && c.Name != "PCMA" {
			t.Fatalf("codec %+v", c)
		}
	})
}
