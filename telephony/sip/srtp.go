package sip

import (
	"crypto/rand"
	"errors"
	"net"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// SRTP modes (TEL-1, issue 18 item 3): SDES-keyed SRTP (RFC 3711, RFC 4568) on the caller's
// leg, the one that comes from the SBC or the PBX trunk. Operators' phones and the trunk legs the
// adapter places stay plain RTP (inside the Administration's network). The keys travel in the
// SDP, so SRTP protects the audio only as well as the signalling is protected: use it with TLS.
const (
	SRTPOff      = ""         // RTP/SAVP offers are refused with 488
	SRTPOptional = "optional" // SRTP when the caller offers it, plain RTP otherwise
	SRTPRequired = "required" // plain RTP offers are refused with 488
)

// sdesSuite is the one crypto suite offered and accepted: RFC 4568's mandatory one.
const sdesSuite = "AES_CM_128_HMAC_SHA1_80"

var errNoSuite = errors.New("sdp: no supported SRTP crypto suite (" + sdesSuite + ") offered")

// srtpAnswer picks the offer's supported crypto line and draws our own key for the answer.
func srtpAnswer(offer SDP) (remote, local Crypto, err error) {
	for _, c := range offer.Crypto {
		if c.Suite == sdesSuite && len(c.Key) == 30 {
			key := make([]byte, 30)
			if _, err := rand.Read(key); err != nil {
				return remote, local, err
			}
			return c, Crypto{Tag: c.Tag, Suite: sdesSuite, Key: key}, nil
		}
	}
	return remote, local, errNoSuite
}

// secureConn encrypts the RTP written to the caller with our key and decrypts what the caller
// sends with theirs; packets that fail authentication are dropped. Writes come from the IVR's
// sender and the relay, hence the lock; reads from one goroutine.
type secureConn struct {
	net.PacketConn
	in  *srtp.Context
	mu  sync.Mutex
	out *srtp.Context
	buf []byte
}

func newSecureConn(c net.PacketConn, remote, local Crypto) (*secureConn, error) {
	in, err := srtp.CreateContext(remote.Key[:16], remote.Key[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err != nil {
		return nil, err
	}
	out, err := srtp.CreateContext(local.Key[:16], local.Key[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err != nil {
		return nil, err
	}
	return &secureConn{PacketConn: c, in: in, out: out}, nil
}

func (s *secureConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	var h rtp.Header
	if _, err := h.Unmarshal(p); err != nil {
		return 0, err
	}
	s.mu.Lock()
	enc, err := s.out.EncryptRTP(s.buf[:0], p, &h)
	if err == nil {
		s.buf = enc
		_, err = s.PacketConn.WriteTo(enc, addr)
	}
	s.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

func (s *secureConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := s.PacketConn.ReadFrom(p)
		if err != nil {
			return n, addr, err
		}
		var h rtp.Header
		if _, err := h.Unmarshal(p[:n]); err != nil {
			continue
		}
		dec, err := s.in.DecryptRTP(nil, p[:n], &h)
		if err != nil {
			continue // forged, replayed or damaged: dropped
		}
		return copy(p, dec), addr, nil
	}
}
