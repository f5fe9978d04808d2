package ticketing

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// relay is an SMTPServer standing in for the Administration's mail relay: it accepts any
// recipient and keeps what it receives.
type relay struct {
	srv  *SMTPServer
	addr string
	mu   sync.Mutex
	got  []relayed
}

type relayed struct {
	from string
	to   []string
	data []byte
}

func startRelay(t *testing.T, accepted ...string) *relay {
	t.Helper()
	r := &relay{}
	r.srv = &SMTPServer{Domain: "relay.test", Addresses: accepted, Deliver: func(_ context.Context, from string, to []string, data []byte) error {
		r.mu.Lock()
		r.got = append(r.got, relayed{from, to, append([]byte(nil), data...)})
		r.mu.Unlock()
		return nil
	}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go r.srv.Serve(l)
	t.Cleanup(func() { r.srv.Close() })
	r.addr = l.Addr().String()
	return r
}

// take returns and forgets what the relay received.
func (r *relay) take() []relayed {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

type offices map[string][2]string

func (o offices) OfficeContact(_ context.Context, iri string) (string, string, error) {
	c, ok := o[iri]
	if !ok {
		return "", "", fmt.Errorf("no office %s: %w", iri, ErrNotFound)
	}
	return c[0], c[1], nil
}

const intakeAddr = "urp@regione.example.it"

// citizenMail builds a message as a mail client would.
func citizenMail(from, subject, extraHeaders, body string) []byte {
	return []byte("From: " + from + "\r\nTo: " + intakeAddr + "\r\nSubject: " + subject + "\r\n" + extraHeaders +
		"Message-ID: <" + fmt.Sprint(time.Now().UnixNano()) + "@client.test>\r\nMIME-Version: 1.0\r\n" + body)
}

const multipartBody = "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n" +
	"--XYZ\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
	"Buongiorno, vorrei sapere perch=E9 mi =E8 arrivata una cartella per il bollo auto gi=E0 pagato.\r\n" +
	"--XYZ\r\nContent-Type: application/pdf; name=\"ricevuta.pdf\"\r\nContent-Disposition: attachment; filename=\"../ricevuta.pdf\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJSVFT0YK\r\n" +
	"--XYZ\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"setup.exe\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--XYZ--\r\n"

func TestEmailChannelOverLoopback(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{}
	rel := startRelay(t)
	mailer := &Mailer{Relay: rel.addr, From: "Contact Center <sportello@regione.example.it>", Level3: "terzo.livello@regione.example.it",
		Service: "Contact Center Regione Valdoria"}
	dir := offices{officeA: {"Ufficio Tributi", "tributi@regione.example.it"}, officeB: {"Ufficio Anagrafe", "anagrafe@regione.example.it"}}
	for name, s := range stores(t, clock, Config{Mail: mailer, Offices: dir}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 6, 1, 9, 0))
			srv, addr, err := s.ListenSMTP("127.0.0.1:0", "sportello.test", []string{intakeAddr}, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			send := func(from string, raw []byte) error {
				return smtp.SendMail(addr.String(), nil, from, []string{intakeAddr}, raw)
			}
			// 1. A citizen writes, with a receipt and an executable.
			if err := send("anna.bianchi@example.it", citizenMail(`"Anna Bianchi" <Anna.Bianchi@example.it>`, "=?utf-8?q?Bollo_auto_gi=C3=A0_pagato?=", "", multipartBody)); err != nil {
				t.Fatal(err)
			}
			list, _ := s.List(ctx, Filter{Channel: Email})
			if len(list) != 1 {
				t.Fatalf("%d email tickets", len(list))
			}
			tk := list[0]
			if tk.Subject != "Bollo auto già pagato" || !strings.Contains(tk.Description, "perché mi è arrivata") || tk.DueTake.IsZero() {
				t.Fatalf("ticket = %+v", tk)
			}
			c, _ := s.Citizen(ctx, tk.CitizenID)
			if c.Name != "Anna Bianchi" || c.Emails[0] != "anna.bianchi@example.it" || c.TaxCode != "" {
				t.Fatalf("citizen = %+v", c)
			}
			atts, _ := s.Attachments(ctx, tk.ID)
			if len(atts) != 1 || atts[0].Name != "ricevuta.pdf" || atts[0].Source != "email" {
				t.Fatalf("attachments = %+v", atts)
			}
			path, _ := s.Path(ctx, tk.ID)
			if len(path) != 3 || !strings.Contains(path[1].Reason, "setup.exe") || !strings.Contains(path[2].Reason, "Richiesta ricevuta") {
				t.Fatalf("path = %+v", path)
			}
			ack := rel.take()
			if len(ack) != 1 || ack[0].to[0] != "anna.bianchi@example.it" || !strings.Contains(string(ack[0].data), "["+tk.Number+"]") {
				t.Fatalf("acknowledgement = %+v", ack)
			}

			// 2. Incomplete request (TK-13): the data-integration email, then the citizen's reply
			// quoting the number resumes the ticket.
			clock.Add(time.Hour)
			if _, err := s.RequestData(ctx, tk.ID, "bo", AsBackOffice, "la targa del veicolo"); err != nil {
				t.Fatal(err)
			}
			req := rel.take()
			if len(req) != 1 || !strings.Contains(string(req[0].data), "targa del veicolo") {
				t.Fatalf("data request = %+v", req)
			}
			got, _ := parseEmail(req[0].data)
			if !strings.Contains(got.body, "recapito telefonico") || got.subject != "["+tk.Number+"] Richiesta di integrazione dati" {
				t.Fatalf("data request reads %q / %q", got.subject, got.body)
			}
			if err := send("anna.bianchi@example.it", citizenMail("anna.bianchi@example.it", "Re: ["+tk.Number+"] Richiesta di integrazione dati", "",
				"Content-Type: text/plain; charset=utf-8\r\n\r\nLa targa è AB123CD, telefono 333 1112223.\r\n")); err != nil {
				t.Fatal(err)
			}
			now, _ := s.Ticket(ctx, tk.ID)
			if now.State != StateInProgress {
				t.Fatalf("after the reply the ticket is %s", now.State)
			}
			// A reply that only carries In-Reply-To (no number in the subject) threads too.
			if err := send("anna.bianchi@example.it", citizenMail("anna.bianchi@example.it", "Re: targa", "In-Reply-To: "+got.messageID+"\r\n",
				"Content-Type: text/plain\r\n\r\nDimenticavo: scade a giugno.\r\n")); err != nil {
				t.Fatal(err)
			}
			msgs, _ := s.Messages(ctx, tk.ID)
			if len(msgs) != 5 { // request, ack, data request, two replies
				t.Fatalf("%d messages on the ticket", len(msgs))
			}
			// Someone else quoting the number opens their own request instead.
			if err := send("x@evil.test", citizenMail("x@evil.test", "["+tk.Number+"] annullate", "", "Content-Type: text/plain\r\n\r\nannullate tutto\r\n")); err != nil {
				t.Fatal(err)
			}
			if list, _ := s.List(ctx, Filter{Channel: Email}); len(list) != 2 {
				t.Fatalf("a stranger threaded into the ticket (%d tickets)", len(list))
			}
			rel.take()

			// 3. Escalation with notifications: office on assignment, level 3 on rejection,
			// citizen on solution (TK-15).
			for _, m := range [][2]string{{officeA, "tributi"}, {officeB, "anagrafe"}} {
				if _, err := s.AddMember(ctx, m[0], m[1], AsOffice, "admin"); err != nil {
					t.Fatal(err)
				}
			}
			steps := []Step{
				{Action: ActEscalate, Actor: "bo", Role: AsBackOffice, Queries: []string{"bollo auto già pagato"}},
				{Action: ActAssign, Actor: "lucia", Role: AsLevel2, Office: officeB},
				{Action: ActReject, Actor: "anagrafe", Role: AsOffice, Reason: "Non di nostra competenza", SuggestedOffice: officeA},
				{Action: ActReassign, Actor: "sara", Role: AsSupervisor, Office: officeA},
				{Action: ActSolve, Actor: "tributi", Role: AsOffice, Reason: "La cartella è stata annullata."},
			}
			wantTo := []string{"", "anagrafe@regione.example.it", "terzo.livello@regione.example.it", "tributi@regione.example.it", "anna.bianchi@example.it"}
			for i, st := range steps {
				clock.Add(10 * time.Minute)
				if _, err := s.Apply(ctx, tk.ID, st); err != nil {
					t.Fatalf("%s: %v", st.Action, err)
				}
				sent := rel.take()
				if wantTo[i] == "" {
					if len(sent) != 0 {
						t.Fatalf("%s sent %d emails", st.Action, len(sent))
					}
					continue
				}
				if len(sent) != 1 || sent[0].to[0] != wantTo[i] || !strings.Contains(string(sent[0].data), tk.Number) {
					t.Fatalf("%s: sent %+v, want one email to %s", st.Action, sent, wantTo[i])
				}
			}
			// 4. The answer with a form attached (TK-6) arrives intact.
			form := []byte("%PDF-1.4\nmodulo\n%%EOF\n")
			if _, err := s.SendAnswer(ctx, tk.ID, "tributi", AsOffice, "In allegato il modulo.", []OutAttachment{{Name: "modulo.pdf", ContentType: "application/pdf", Data: form}}); err != nil {
				t.Fatal(err)
			}
			sent := rel.take()
			if len(sent) != 1 {
				t.Fatalf("answer: %d emails", len(sent))
			}
			ans, err := parseEmail(sent[0].data)
			if err != nil {
				t.Fatal(err)
			}
			if len(ans.attachments) != 1 || string(ans.attachments[0].Data) != string(form) || ans.attachments[0].Name != "modulo.pdf" ||
				!strings.Contains(ans.body, "In allegato il modulo.") || len(ans.refs) == 0 {
				t.Fatalf("answer = %+v", ans)
			}
			// The public status page (TK-18) needs the public reference (the number with its
			// suffix, given in the acknowledgement) and the request's own address.
			if !strings.Contains(string(ack[0].data), tk.PublicRef) {
				t.Fatalf("the acknowledgement does not give the public reference %s", tk.PublicRef)
			}
			if _, err := s.PublicStatus(ctx, tk.PublicRef, "x@evil.test"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("status with another address: %v", err)
			}
			if _, err := s.PublicStatus(ctx, tk.Number, "anna.bianchi@example.it"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("status with the sequential number only: %v", err)
			}
			st, err := s.PublicStatus(ctx, strings.ToLower(tk.PublicRef), "Anna.Bianchi@example.it")
			if err != nil || st.State != StateSolved || len(st.Steps) < 5 || st.Ref != tk.PublicRef {
				t.Fatalf("public status = %+v %v", st, err)
			}

			// 5. The other scenario of TK-13: the data never come, final email.
			other, _ := s.List(ctx, Filter{Channel: Email, States: []State{StateNew}})
			if _, err := s.RequestData(ctx, other[0].ID, "bo", AsBackOffice, "il codice fiscale"); err != nil {
				t.Fatal(err)
			}
			done, err := s.FinalReminder(ctx, other[0].ID, "bo", AsBackOffice)
			if err != nil || done.State != StateSolvedL1 {
				t.Fatalf("final reminder: %+v %v", done, err)
			}
			if sent := rel.take(); len(sent) != 2 || !strings.Contains(string(sent[1].data), "Sollecito finale") {
				t.Fatalf("final reminder mails: %d", len(sent))
			}
		})
	}
}

// smtpDialog drives the listener by hand and returns the reply codes.
func TestSMTPProtocol(t *testing.T) {
	var delivered [][]byte
	srv := &SMTPServer{Domain: "sportello.test", Addresses: []string{intakeAddr}, MaxSize: 200,
		Deliver: func(_ context.Context, from string, to []string, data []byte) error {
			if strings.Contains(string(data), "FAIL") {
				return errors.New("cannot read this message")
			}
			delivered = append(delivered, data)
			return nil
		}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := textproto.NewReader(bufio.NewReader(conn))
	expect := func(cmd string, code int) {
		t.Helper()
		if cmd != "" {
			fmt.Fprintf(conn, "%s\r\n", cmd)
		}
		got, msg, err := r.ReadResponse(0)
		if err != nil && got == 0 {
			t.Fatalf("%q: %v", cmd, err)
		}
		if got != code {
			t.Fatalf("%q: got %d %s, want %d", cmd, got, msg, code)
		}
	}
	expect("", 220)
	expect("MAIL FROM:<a@b.it>", 503)
	expect("EHLO client.test", 250)
	expect("RCPT TO:<"+intakeAddr+">", 503)
	expect("MAIL FROM:<a@b.it> SIZE=999999", 552)
	expect("MAIL FROM:a@b.it", 501)
	expect("MAIL FROM:<a@b.it>", 250)
	expect("MAIL FROM:<a@b.it>", 503)
	expect("RCPT TO:<someone@elsewhere.it>", 550)
	expect("DATA", 503)
	expect("RCPT TO:<URP@regione.example.it>", 250)
	expect("DATA", 354)
	expect("Subject: hi\r\n\r\n..dot-stuffed\r\n.", 250)
	if len(delivered) != 1 || !strings.Contains(string(delivered[0]), "\n.dot-stuffed") {
		t.Fatalf("delivered %q", delivered)
	}
	expect("MAIL FROM:<>", 250) // bounce
	expect("RCPT TO:<"+intakeAddr+">", 250)
	expect("DATA", 354)
	expect(strings.Repeat("x", 150)+"\r\n"+strings.Repeat("y", 150)+"\r\n.", 552)
	expect("MAIL FROM:<a@b.it>", 250)
	expect("RCPT TO:<"+intakeAddr+">", 250)
	expect("DATA", 354)
	expect("Subject: FAIL\r\n\r\nx\r\n.", 554)
	expect("RSET", 250)
	expect("NOOP", 250)
	expect("VRFY x", 252)
	expect(strings.Repeat("A", 3000), 500)
	expect("BOGUS", 500)
	expect("HELO", 501)
	expect("QUIT", 221)
	if len(delivered) != 1 {
		t.Fatalf("%d messages delivered", len(delivered))
	}
}

func TestReceiveEmailRefusesUnreadableMessages(t *testing.T) {
	ctx := context.Background()
	s := stores(t, nil, Config{})["sqlite"]
	for _, raw := range []string{
		"not an email at all",
		"Subject: no sender\r\n\r\nbody\r\n",
		"From: a@b.it\r\nContent-Type: multipart/mixed; boundary=Q\r\n\r\n--Q\r\nContent-Type: text/plain\r\n\r\nunterminated",
	} {
		if _, err := s.ReceiveEmail(ctx, []byte(raw)); !errors.Is(err, ErrInvalid) {
			t.Errorf("ReceiveEmail(%q) = %v, want ErrInvalid", raw, err)
		}
	}
	var n int
	s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tk_tickets`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d tickets from unreadable messages", n)
	}
}

func FuzzParseEmail(f *testing.F) {
	f.Add([]byte(citizenMail("a@b.it", "x", "", multipartBody)))
	f.Add([]byte("From: a@b.it\r\nSubject: =?iso-8859-1?q?perch=E9?=\r\n\r\nciao"))
	f.Add([]byte("From: a@b.it\r\nContent-Type: text/html\r\n\r\n<p>ciao<script>x</script></p>"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, err := parseEmail(raw)
		if err == nil && in.from == nil {
			t.Fatal("parsed without a sender")
		}
	})
}
