package ticketing

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The inbound email channel is a built-in SMTP listener rather than IMAP or Maildir polling:
// the Administration's mail server forwards (or MX-routes) the contact-center address to it,
// messages arrive the moment they are sent, nothing needs credentials to someone else's
// mailbox, and a message the system cannot take is refused during the SMTP dialogue, so the
// sender's server keeps it and reports the failure instead of the message being lost.

// SMTPServer is a minimal RFC 5321 receiver (HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
// for the contact center's own addresses. It does no relaying and no authentication: put it
// behind the Administration's mail server, which handles TLS, spam and authentication.
type SMTPServer struct {
	Domain        string   // announced in the greeting
	Addresses     []string // recipients accepted (case-insensitive); others get 550
	MaxSize       int64    // bytes per message; default 25 MiB
	MaxRecipients int      // default 20
	Timeout       time.Duration
	// Deliver receives each accepted message. An error makes the server answer 554 (or 452
	// for a temporary failure wrapped in a TempError), so the sender keeps the message.
	Deliver func(ctx context.Context, from string, to []string, data []byte) error

	mu       sync.Mutex
	listener net.Listener
	conns    map[net.Conn]bool
	wg       sync.WaitGroup
	closed   bool
}

// TempError marks a delivery failure worth retrying (the sender's server tries again later).
type TempError struct{ Err error }

func (e *TempError) Error() string { return e.Err.Error() }
func (e *TempError) Unwrap() error { return e.Err }

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("smtp: server closed")

// Serve accepts connections on l until Close.
func (srv *SMTPServer) Serve(l net.Listener) error {
	srv.mu.Lock()
	if srv.closed {
		srv.mu.Unlock()
		return ErrServerClosed
	}
	srv.listener = l
	srv.conns = map[net.Conn]bool{}
	srv.mu.Unlock()
	for {
		c, err := l.Accept()
		if err != nil {
			srv.mu.Lock()
			closed := srv.closed
			srv.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			return err
		}
		srv.mu.Lock()
		srv.conns[c] = true
		srv.wg.Add(1)
		srv.mu.Unlock()
		go func() {
			defer srv.wg.Done()
			srv.serveConn(c)
			srv.mu.Lock()
			delete(srv.conns, c)
			srv.mu.Unlock()
		}()
	}
}

// Close stops the listener, closes open sessions and waits for them.
func (srv *SMTPServer) Close() error {
	srv.mu.Lock()
	srv.closed = true
	var err error
	if srv.listener != nil {
		err = srv.listener.Close()
	}
	for c := range srv.conns {
		c.Close()
	}
	srv.mu.Unlock()
	srv.wg.Wait()
	return err
}

const maxLine = 1000 // RFC 5321 §4.5.3.1.4: a command line is at most 512 octets, text lines 1000

type session struct {
	srv   *SMTPServer
	conn  net.Conn
	br    *bufio.Reader
	w     *textproto.Writer
	helo  string
	from  string
	to    []string
	inTxn bool
}

func (s *session) reply(code int, msg string) error {
	s.conn.SetWriteDeadline(time.Now().Add(s.srv.timeout()))
	return s.w.PrintfLine("%d %s", code, msg)
}

func (srv *SMTPServer) timeout() time.Duration {
	if srv.Timeout > 0 {
		return srv.Timeout
	}
	return 5 * time.Minute
}

func (srv *SMTPServer) maxSize() int64 {
	if srv.MaxSize > 0 {
		return srv.MaxSize
	}
	return 25 << 20
}

// readLine reads one CRLF-terminated line of at most maxLine octets.
func (s *session) readLine() (string, error) {
	s.conn.SetReadDeadline(time.Now().Add(s.srv.timeout()))
	line, err := s.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// Skip the rest of the overlong line and report it.
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = s.br.ReadSlice('\n')
		}
		if err != nil {
			return "", err
		}
		return "", errLineTooLong
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

var errLineTooLong = errors.New("line too long")

func (srv *SMTPServer) serveConn(c net.Conn) {
	defer c.Close()
	s := &session{srv: srv, conn: c, br: bufio.NewReaderSize(c, maxLine), w: textproto.NewWriter(bufio.NewWriter(c))}
	domain := srv.Domain
	if domain == "" {
		domain = "localhost"
	}
	if s.reply(220, domain+" ESMTP Sportello") != nil {
		return
	}
	for {
		line, err := s.readLine()
		if errors.Is(err, errLineTooLong) {
			s.reply(500, "5.5.2 Line too long")
			continue
		}
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		arg = strings.TrimSpace(arg)
		switch strings.ToUpper(verb) {
		case "HELO", "EHLO":
			if arg == "" {
				s.reply(501, "5.5.4 Syntax: "+strings.ToUpper(verb)+" hostname")
				continue
			}
			s.helo, s.from, s.to, s.inTxn = arg, "", nil, false
			if strings.ToUpper(verb) == "HELO" {
				s.reply(250, domain)
				continue
			}
			s.w.PrintfLine("250-%s", domain)
			s.w.PrintfLine("250-8BITMIME")
			s.reply(250, "SIZE "+strconv.FormatInt(srv.maxSize(), 10))
		case "MAIL":
			s.mail(arg)
		case "RCPT":
			s.rcpt(arg)
		case "DATA":
			if !s.data() {
				return
			}
		case "RSET":
			s.from, s.to, s.inTxn = "", nil, false
			s.reply(250, "2.0.0 OK")
		case "NOOP":
			s.reply(250, "2.0.0 OK")
		case "VRFY":
			s.reply(252, "2.5.2 Cannot VRFY user")
		case "QUIT":
			s.reply(221, "2.0.0 Bye")
			return
		case "STARTTLS", "AUTH":
			s.reply(502, "5.5.1 Not implemented")
		default:
			s.reply(500, "5.5.2 Command unrecognized")
		}
	}
}

// pathArg parses "FROM:<addr> PARAMS" / "TO:<addr>".
func pathArg(arg, prefix string) (addr string, params []string, ok bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", nil, false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", nil, false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", nil, false
	}
	return rest[1:end], strings.Fields(rest[end+1:]), true
}

func (s *session) mail(arg string) {
	if s.helo == "" {
		s.reply(503, "5.5.1 Say HELO or EHLO first")
		return
	}
	if s.inTxn {
		s.reply(503, "5.5.1 Nested MAIL command")
		return
	}
	addr, params, ok := pathArg(arg, "FROM:")
	if !ok {
		s.reply(501, "5.5.4 Syntax: MAIL FROM:<address>")
		return
	}
	for _, p := range params {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(k, "SIZE") {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > s.srv.maxSize() {
				s.reply(552, "5.3.4 Message size exceeds fixed limit")
				return
			}
		}
	}
	if addr != "" { // "<>" is the null reverse-path of bounces
		if _, err := mail.ParseAddress(addr); err != nil {
			s.reply(553, "5.1.7 Bad sender address syntax")
			return
		}
	}
	s.from, s.to, s.inTxn = addr, nil, true
	s.reply(250, "2.1.0 OK")
}

func (s *session) rcpt(arg string) {
	if !s.inTxn {
		s.reply(503, "5.5.1 Need MAIL before RCPT")
		return
	}
	addr, _, ok := pathArg(arg, "TO:")
	if !ok {
		s.reply(501, "5.5.4 Syntax: RCPT TO:<address>")
		return
	}
	max := s.srv.MaxRecipients
	if max <= 0 {
		max = 20
	}
	if len(s.to) >= max {
		s.reply(452, "4.5.3 Too many recipients")
		return
	}
	accepted := len(s.srv.Addresses) == 0
	for _, a := range s.srv.Addresses {
		if strings.EqualFold(a, addr) {
			accepted = true
		}
	}
	if !accepted {
		s.reply(550, "5.1.1 No such mailbox here; this server does not relay")
		return
	}
	s.to = append(s.to, addr)
	s.reply(250, "2.1.5 OK")
}

// data reads the message; it returns false when the connection must end.
func (s *session) data() bool {
	if !s.inTxn || len(s.to) == 0 {
		s.reply(503, "5.5.1 Need RCPT before DATA")
		return true
	}
	if s.reply(354, "Start mail input; end with <CRLF>.<CRLF>") != nil {
		return false
	}
	s.conn.SetReadDeadline(time.Now().Add(s.srv.timeout()))
	dr := textproto.NewReader(s.br).DotReader()
	var buf bytes.Buffer
	limit := s.srv.maxSize()
	n, err := io.Copy(&buf, io.LimitReader(dr, limit+1))
	if err == nil && n > limit {
		// Drain the rest so the session stays in step, then refuse.
		_, err = io.Copy(io.Discard, dr)
		if err != nil {
			return false
		}
		s.from, s.to, s.inTxn = "", nil, false
		s.reply(552, "5.3.4 Message size exceeds fixed limit")
		return true
	}
	if err != nil {
		return false
	}
	from, to := s.from, s.to
	s.from, s.to, s.inTxn = "", nil, false
	if s.srv.Deliver == nil {
		s.reply(451, "4.3.0 No mail handler configured")
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.srv.Deliver(ctx, from, to, buf.Bytes()); err != nil {
		var te *TempError
		if errors.As(err, &te) {
			s.reply(451, "4.3.0 "+oneLine(err.Error()))
		} else {
			s.reply(554, "5.6.0 "+oneLine(err.Error()))
		}
		log.Printf("ticketing: smtp: message from %q refused: %v", from, err)
		return true
	}
	s.reply(250, "2.0.0 OK: queued")
	return true
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// ListenSMTP starts an SMTP listener on addr (e.g. "127.0.0.1:2525") that turns mail to the
// given addresses into tickets. It returns the server (Close to stop) and the bound address.
func (st *Store) ListenSMTP(addr, domain string, addresses []string, maxSize int64) (*SMTPServer, net.Addr, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("ticketing: smtp listener: %w", err)
	}
	srv := &SMTPServer{Domain: domain, Addresses: addresses, MaxSize: maxSize,
		Deliver: func(ctx context.Context, from string, to []string, data []byte) error {
			_, err := st.ReceiveEmail(ctx, data)
			if err != nil && !errors.Is(err, ErrInvalid) {
				return &TempError{err} // the database may be back in a minute
			}
			return err
		}}
	go srv.Serve(l)
	return srv, l.Addr(), nil
}
