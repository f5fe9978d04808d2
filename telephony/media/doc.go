// Package media is the voice path of Sportello's SIP adapter (issue 7 item 6): G.711 µ-law and
// A-law coding (ITU-T G.711), a reader for the IVR's WAV announcements (TEL-5), an RTP sender
// that streams a prompt or hold music as 20 ms G.711 packets with a pacing clock, and a decoder
// for RFC 4733 telephone-events, which is how callers choose a callback with a key (TEL-7).
//
// It also speaks the IVR's Italian sentences (Voice: Asterisk's Italian prompts, espeak-ng for
// what they lack, resampled to 8 kHz by Resample) and provides the built-in hold music.
//
// pion/rtp gives the packet format only; everything about timing, coding and DTMF is here. The
// package has no dependency on the ACD, so it can be tested and benchmarked on its own.
package media
