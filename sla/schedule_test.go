package sla

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/ticketing"
)

// smtpSink is a real SMTP server on loopback (the product's own inbound listener) that keeps
// what it receives.
type smtpSink struct {
	mu   sync.Mutex
	msgs [][]byte
	rcpt [][]string
	addr string
}

func startSMTP(t *testing.T) *smtpSink {
	t.Helper()
	sink := &smtpSink{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &ticketing.SMTPServer{Domain: "relay.test", Addresses: []string{"gestore@regione.example.it", "dec@regione.example.it"},
		Deliver: func(_ context.Context, _ string, to []string, data []byte) error {
			sink.mu.Lock()
			defer sink.mu.Unlock()
			sink.msgs, sink.rcpt = append(sink.msgs, data), append(sink.rcpt, to)
			return nil
		}}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	sink.addr = l.Addr().String()
	return sink
}

func (s *smtpSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// The scheduler sends the month's and the bimester's reports once, on the configured day and
// hour, through a real SMTP relay; the Excel attachment opens.
func TestSchedulerSendsReports(t *testing.T) {
	ctx := context.Background()
	r := newReportRig(t)
	sink := startSMTP(t)
	st := DefaultSettings()
	st.Recipients = []string{"gestore@regione.example.it", "DEC <dec@regione.example.it>"}
	if err := r.store.SaveSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 6, 59, 0, 0, rome) // the day, one minute before the hour
	rp := r.reporter()
	rp.Now = func() time.Time { return now }
	s := &Scheduler{Store: r.store, Reporter: rp, Now: func() time.Time { return now },
		Mail: &ticketing.Mailer{Relay: sink.addr, From: "Sportello <sportello@regione.example.it>"}}
	if sent, err := s.RunOnce(ctx); err != nil || len(sent) != 0 {
		t.Fatalf("before the hour: %v %v", sent, err)
	}
	now = now.Add(time.Minute)
	sent, err := s.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 2 || sent[0].Key() != "mese-2026-10" || sent[1].Key() != "bimestre-2026-09" {
		t.Fatalf("sent %v", sent)
	}
	if sink.count() != 1 {
		t.Fatalf("%d messages received, want one set", sink.count())
	}
	if again, err := s.RunOnce(ctx); err != nil || len(again) != 0 || sink.count() != 1 {
		t.Fatalf("sent twice: %v %v", again, err)
	}
	if rec, _ := r.store.WasSent(ctx, "mese-2026-10"); rec == nil || len(rec.Recipients) != 2 || rec.MessageID == "" {
		t.Errorf("not recorded: %+v", rec)
	}
	// Read the message as a mail client would.
	m, err := mail.ReadMessage(bytes.NewReader(sink.msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if !strings.Contains(subject, "report mensile ottobre 2026") || !strings.Contains(subject, "report bimestrale settembre–ottobre 2026") {
		t.Errorf("subject %q", subject)
	}
	if rc := sink.rcpt[0]; len(rc) != 2 {
		t.Errorf("recipients %v", rc)
	}
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	mr := multipart.NewReader(m.Body, params["boundary"])
	var names []string
	var body string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(p)
		if p.FileName() == "" {
			body = string(data)
			continue
		}
		names = append(names, p.FileName())
		if strings.HasSuffix(p.FileName(), ".xlsx") {
			raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(data), "\r\n", ""))
			if err != nil {
				t.Fatal(err)
			}
			x, err := excelize.OpenReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s: %v", p.FileName(), err)
			}
			if v, _ := x.GetCellValue("Sintesi", "A1"); !strings.Contains(v, "Livelli di servizio") {
				t.Errorf("%s: A1 %q", p.FileName(), v)
			}
		}
	}
	if strings.Join(names, ",") != "sla-mese-2026-10.xlsx,sla-mese-2026-10.html,sla-bimestre-2026-09.xlsx,sla-bimestre-2026-09.html" {
		t.Errorf("attachments %v", names)
	}
	if !strings.Contains(body, "Totale penali") || !strings.Contains(body, "Campagna bollo auto") {
		t.Errorf("body:\n%s", body)
	}
}

func TestSchedulerDue(t *testing.T) {
	ctx := context.Background()
	r := newReportRig(t)
	s := &Scheduler{Store: r.store}
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, rome) }
	if due, _ := s.Due(ctx, at(2026, 11, 5, 9)); len(due) != 0 {
		t.Errorf("no recipients, yet due: %v", due)
	}
	st := DefaultSettings()
	st.Recipients, st.BimesterStart, st.Day, st.Hour = []string{"gestore@regione.example.it"}, 2, 5, 0
	r.store.SaveSettings(ctx, st)
	for _, tc := range []struct {
		now  time.Time
		want string
	}{
		{at(2026, 11, 4, 23), "bimestre-2026-08"}, // October's not yet; August–September's since 5 October
		{at(2026, 11, 5, 0), "mese-2026-10 bimestre-2026-08"},
		{at(2026, 12, 5, 1), "mese-2026-11 bimestre-2026-10"},
		{at(2027, 1, 6, 1), "mese-2026-12 bimestre-2026-10"},
	} {
		due, err := s.Due(ctx, tc.now)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, p := range due {
			keys = append(keys, p.Key())
		}
		if got := strings.Join(keys, " "); got != tc.want {
			t.Errorf("%v: due %q, want %q", tc.now, got, tc.want)
		}
	}
}
