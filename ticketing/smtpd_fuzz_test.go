package ticketing

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// scriptConn is a net.Conn that reads a fixed script and keeps the replies.
type scriptConn struct {
	r   *bytes.Reader
	out bytes.Buffer
}

func (c *scriptConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *scriptConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *scriptConn) Close() error                     { return nil }
func (c *scriptConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *scriptConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *scriptConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }

func FuzzSMTPSession(f *testing.F) {
	f.Add("EHLO a\r\nMAIL FROM:<a@b.it>\r\nRCPT TO:<urp@x.it>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n")
	f.Add("HELO a\r\nMAIL FROM:<> SIZE=10\r\nRCPT TO:<URP@X.IT>\r\nDATA\r\n" + strings.Repeat("z", 2000) + "\r\n.\r\n")
	f.Add("MAIL FROM:<\r\nRCPT TO:\r\nRSET\r\nNOOP\r\nVRFY\r\n\r\n")
	f.Fuzz(func(t *testing.T, script string) {
		var got int
		srv := &SMTPServer{Addresses: []string{"urp@x.it"}, MaxSize: 512,
			Deliver: func(_ context.Context, _ string, to []string, data []byte) error {
				if len(to) == 0 || int64(len(data)) > 512 {
					t.Fatalf("delivered %d bytes to %v", len(data), to)
				}
				got++
				return nil
			}}
		c := &scriptConn{r: bytes.NewReader([]byte(script))}
		srv.serveConn(c)
		for _, line := range strings.Split(strings.TrimSuffix(c.out.String(), "\r\n"), "\r\n") {
			if len(line) < 4 || line[0] < '2' || line[0] > '5' {
				t.Fatalf("bad reply line %q", line)
			}
		}
	})
}
