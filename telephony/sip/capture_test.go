package sip

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"

	"sportello/fixtures/testenv"
	"sportello/telephony/media"
)

// capture records with tshark the UDP packets sent to 127.0.0.1:port (the RTP a SIPp peer
// receives: SIPp sends media but cannot check what it gets), for decoding after the calls.
type capture struct {
	cmd  *exec.Cmd
	file string
	done chan error
}

func startCapture(t *testing.T, ports ...int) *capture {
	t.Helper()
	bin := testenv.Command(t, "tshark", "tshark")
	var f []string
	for _, p := range ports {
		f = append(f, fmt.Sprintf("dst port %d", p))
	}
	c := &capture{file: filepath.Join(t.TempDir(), "rtp.pcap"), done: make(chan error, 1)}
	c.cmd = exec.Command(bin, "-i", "lo", "-f", "udp and ("+strings.Join(f, " or ")+")", "-F", "pcap", "-w", c.file, "-q")
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		var seen []string
		for sc.Scan() {
			seen = append(seen, sc.Text())
			if strings.Contains(sc.Text(), "Capturing on") || strings.Contains(sc.Text(), "Capture started") {
				select {
				case ready <- "":
				default:
				}
			}
		}
		select {
		case ready <- strings.Join(seen, "\n"):
		default:
		}
		c.done <- c.cmd.Wait()
	}()
	select {
	case msg := <-ready:
		if msg != "" {
			t.Fatalf("tshark did not start capturing:\n%s", msg)
		}
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		t.Fatal("tshark did not start capturing within 30 s")
	}
	t.Cleanup(func() { c.stop(t) })
	return c
}

// stop ends the capture (tshark writes what it has on SIGINT) and returns the packets.
func (c *capture) stop(t *testing.T) []udpPacket {
	t.Helper()
	if c.cmd.ProcessState == nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(20 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
		}
	}
	b, err := os.ReadFile(c.file)
	if err != nil {
		t.Fatal(err)
	}
	pkts, err := readPcap(b)
	if err != nil {
		t.Fatal(err)
	}
	return pkts
}

type udpPacket struct {
	At               time.Time
	SrcPort, DstPort int
	Payload          []byte
}

// readPcap reads a classic pcap file of IPv4 UDP packets on an Ethernet or Linux cooked link
// (what tshark -F pcap writes for lo).
func readPcap(b []byte) ([]udpPacket, error) {
	if len(b) < 24 {
		return nil, fmt.Errorf("pcap: %d bytes", len(b))
	}
	var bo binary.ByteOrder
	nano := false
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4:
		bo = binary.LittleEndian
	case 0xa1b23c4d:
		bo, nano = binary.LittleEndian, true
	default:
		switch binary.BigEndian.Uint32(b) {
		case 0xa1b2c3d4:
			bo = binary.BigEndian
		case 0xa1b23c4d:
			bo, nano = binary.BigEndian, true
		default:
			return nil, fmt.Errorf("pcap: bad magic")
		}
	}
	link := bo.Uint32(b[20:])
	var out []udpPacket
	for off := 24; off+16 <= len(b); {
		sec, frac, incl := bo.Uint32(b[off:]), bo.Uint32(b[off+4:]), int(bo.Uint32(b[off+8:]))
		off += 16
		if off+incl > len(b) {
			break
		}
		frame := b[off : off+incl]
		off += incl
		at := time.Unix(int64(sec), int64(frac)*1000)
		if nano {
			at = time.Unix(int64(sec), int64(frac))
		}
		var ip []byte
		switch link {
		case 1: // Ethernet
			if len(frame) < 14 || binary.BigEndian.Uint16(frame[12:]) != 0x0800 {
				continue
			}
			ip = frame[14:]
		case 113: // Linux cooked
			if len(frame) < 16 || binary.BigEndian.Uint16(frame[14:]) != 0x0800 {
				continue
			}
			ip = frame[16:]
		case 0: // BSD loopback
			ip = frame[4:]
		default:
			return nil, fmt.Errorf("pcap: link type %d", link)
		}
		if len(ip) < 20 || ip[0]>>4 != 4 || ip[9] != 17 {
			continue
		}
		ihl := int(ip[0]&0x0f) * 4
		if len(ip) < ihl+8 {
			continue
		}
		udp := ip[ihl:]
		n := int(binary.BigEndian.Uint16(udp[4:]))
		if n < 8 || n > len(udp) {
			continue
		}
		out = append(out, udpPacket{At: at, SrcPort: int(binary.BigEndian.Uint16(udp[0:])), DstPort: int(binary.BigEndian.Uint16(udp[2:])),
			Payload: append([]byte(nil), udp[8:n]...)})
	}
	return out, nil
}

// heard is what one caller received on one call, decoded.
type heard struct {
	Src     int           // the adapter's RTP port of the call
	IVR     []rtp.Packet  // the adapter's own packets (prompts, music) before the bridge
	Late    []rtp.Packet  // the adapter's own packets after the operator's voice began
	Bridged bool          // the operator's voice (another SSRC) reached the caller
	Silence time.Duration // the longest run without audible sound before the bridge
	Where   string        // where it was, for messages
}

// silent is the RMS under which a 20 ms frame counts as silence: far below speech and music
// (the prompts' pauses between words measure under 10), well above G.711's idle noise.
const silentRMS = 100

// decodeCalls groups the captured RTP by the adapter's source port (one per call) and measures
// each: the IVR's SSRC is that of the call's first packet; the first packet of another SSRC is
// the operator's voice relayed by the bridge. The silence is measured on the IVR's media
// timeline (RTP timestamps: a pause in sending shows as a timestamp jump, RFC 3550), so a loaded
// machine delaying packets does not count as silence, and dead air does.
func decodeCalls(t *testing.T, pkts []udpPacket, codec media.Codec) []heard {
	t.Helper()
	by := map[int][]rtp.Packet{}
	at := map[int][]time.Time{}
	for _, u := range pkts {
		var p rtp.Packet
		if p.Unmarshal(u.Payload) != nil || p.Version != 2 {
			continue
		}
		by[u.SrcPort] = append(by[u.SrcPort], p)
		at[u.SrcPort] = append(at[u.SrcPort], u.At)
	}
	var out []heard
	for src, ps := range by {
		h := heard{Src: src}
		ssrc := ps[0].SSRC
		var lastIVR, bridgedAt time.Time
		for i, p := range ps {
			switch {
			case p.SSRC != ssrc:
				if !h.Bridged {
					bridgedAt = at[src][i]
				}
				h.Bridged = true
			case h.Bridged:
				h.Late = append(h.Late, p)
			default:
				h.IVR = append(h.IVR, p)
				lastIVR = at[src][i]
			}
		}
		h.Silence, h.Where = longestSilence(h.IVR, codec)
		// The stretch between the IVR's last packet and the operator's first has no timestamps
		// in common: it is measured on the capture's clock. An IVR that stopped sending while
		// the caller waited shows here.
		if h.Bridged {
			if gap := bridgedAt.Sub(lastIVR); gap > h.Silence {
				h.Silence, h.Where = gap, "before the operator's voice"
			}
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Src < out[j].Src })
	return out
}

// longestSilence walks the packets in timestamp order: a timestamp gap is silence, and so is a
// run of frames under silentRMS.
func longestSilence(ps []rtp.Packet, codec media.Codec) (time.Duration, string) {
	ps = append([]rtp.Packet(nil), ps...)
	sort.SliceStable(ps, func(i, j int) bool { return int32(ps[i].Timestamp-ps[j].Timestamp) < 0 })
	var longest, run uint32
	where := ""
	for i, p := range ps {
		if i > 0 {
			if gap := p.Timestamp - ps[i-1].Timestamp; gap > media.FrameSamples {
				run += gap - media.FrameSamples // samples nobody sent
			}
		}
		pcm := codec.Decode(nil, p.Payload)
		var sum float64
		for _, s := range pcm {
			sum += float64(s) * float64(s)
		}
		if len(pcm) > 0 && math.Sqrt(sum/float64(len(pcm))) < silentRMS {
			run += uint32(len(pcm))
		} else {
			run = 0
		}
		if run > longest {
			longest, where = run, fmt.Sprintf("packet %d (seq %d)", i, p.SequenceNumber)
		}
	}
	return time.Duration(longest) * time.Second / media.SampleRate, where
}
