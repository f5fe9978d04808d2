package ticketing

import (
	"context"
	"errors"
	"net/smtp"
	"sort"
	"strings"
	"testing"
)

// TestNoJunkTickets: a ticket says what was asked and how it came. Empty creations — the empty
// POSTs of the old console — are refused naming every missing field, and write nothing; a
// ticket cannot be emptied afterwards; an empty e-mail is refused in the SMTP dialogue.
func TestNoJunkTickets(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				n      NewTicket
				fields string
			}{
				{NewTicket{}, "channel description"},
				{NewTicket{Channel: Phone, Subject: "  ", Description: "\n\t"}, "description"},
				{NewTicket{Description: "Orari dell'URP"}, "channel"},
				{NewTicket{Channel: "pigeon", Priority: "asap"}, "channel description priority"},
				{NewTicket{Channel: Phone, Description: "x", Contact: Contact{Email: "non-un-indirizzo"}}, "email"},
				{NewTicket{Channel: Phone, Description: "x", CallID: strings.Repeat("9", MaxContactID+1)}, "callId"},
			} {
				_, err := s.Create(ctx, c.n)
				var got []string
				for f, msg := range Fields(err) {
					got = append(got, f)
					if msg == "" {
						t.Errorf("field %s without a message", f)
					}
				}
				sort.Strings(got)
				if !errors.Is(err, ErrInvalid) || strings.Join(got, " ") != c.fields || HTTPStatus(err) != 400 {
					t.Errorf("Create(%+v) = %v, fields %v, want %s", c.n, err, got, c.fields)
				}
			}
			var n int
			s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tk_tickets`).Scan(&n)
			if n != 0 {
				t.Fatalf("%d tickets written by refused creations", n)
			}
			var inv *InvalidError
			_, err := s.Create(ctx, NewTicket{})
			if !errors.As(err, &inv) || inv.Field != "channel" {
				t.Fatalf("the first problem of an empty ticket: %v", err)
			}
			// A subject alone is a request ("Chiamata da …" of an answered contact).
			tk, err := s.Create(ctx, NewTicket{Channel: Counter, Subject: "Certificato di residenza"})
			if err != nil {
				t.Fatal(err)
			}
			empty := ""
			if _, err := s.Update(ctx, tk.ID, "mario", AsOperator, TicketPatch{Subject: &empty}); Fields(err)["description"] == "" {
				t.Fatalf("emptying the ticket: %v", err)
			}
			if got := mustTicket(t, s, tk.ID); got.Subject != "Certificato di residenza" {
				t.Fatalf("after the refused update: %+v", got)
			}
			desc := "Chiede il certificato storico"
			if got, err := s.Update(ctx, tk.ID, "mario", AsOperator, TicketPatch{Subject: &empty, Description: &desc}); err != nil ||
				got.Subject != "" || got.Description != desc {
				t.Fatalf("subject replaced by a description: %+v, %v", got, err)
			}
		})
	}
}

func TestEmptyEmailIsRefused(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			srv, addr, err := s.ListenSMTP("127.0.0.1:0", "sportello.test", []string{intakeAddr}, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			empty := citizenMail("vuoto@example.it", "", "", "Content-Type: text/plain\r\n\r\n \r\n")
			if err := smtp.SendMail(addr.String(), nil, "vuoto@example.it", []string{intakeAddr}, empty); err == nil {
				t.Fatal("an empty message was taken")
			}
			// Attachments alone are a request: the description says so.
			only := citizenMail("solo@example.it", "", "", "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"+
				"--B\r\nContent-Type: application/pdf; name=\"isee.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJSVFT0YK\r\n--B--\r\n")
			if err := smtp.SendMail(addr.String(), nil, "solo@example.it", []string{intakeAddr}, only); err != nil {
				t.Fatal(err)
			}
			list, _ := s.List(ctx, Filter{})
			if len(list) != 1 || list[0].Description != "Messaggio senza testo, con allegati: isee.pdf" {
				t.Fatalf("tickets = %+v", list)
			}
			var citizens int
			s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tk_citizens`).Scan(&citizens)
			if citizens != 1 {
				t.Fatalf("%d citizens registered (the empty message registered one?)", citizens)
			}
		})
	}
}

// TestActionsNeedTheirFields: each action of the flow refuses what it lacks, in Italian, before
// anything changes.
func TestActionsNeedTheirFields(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			tk, err := s.Create(ctx, NewTicket{Channel: Phone, Description: "Bollo", Actor: "mario", Role: AsOperator})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name  string
				do    func() (*Ticket, error)
				field string
			}{
				{"take without actor", func() (*Ticket, error) { return s.Take(ctx, tk.ID, "", AsOperator) }, "actor"},
				{"solve at level 1 without answer", func() (*Ticket, error) { return s.SolveFirstLevel(ctx, tk.ID, "mario", AsOperator, " ") }, "reason"},
				{"answer without pill", func() (*Ticket, error) { return s.AnswerWithPill(ctx, tk.ID, "mario", AsOperator, "") }, "pill"},
				{"answer with a code", func() (*Ticket, error) { return s.AnswerWithPill(ctx, tk.ID, "mario", AsOperator, "TRI-001") }, "pill"},
				{"escalate without searches", func() (*Ticket, error) { return s.Escalate(ctx, tk.ID, "mario", AsOperator, []string{" "}, "") }, "queries"},
				{"assign without office", func() (*Ticket, error) { return s.AssignOffice(ctx, tk.ID, "l2", AsLevel2, "", "") }, "office"},
				{"reject without reason", func() (*Ticket, error) { return s.RejectAssignment(ctx, tk.ID, "l2", AsLevel2, "", "") }, "reason"},
				{"reject suggesting a name", func() (*Ticket, error) {
					return s.RejectAssignment(ctx, tk.ID, "l2", AsLevel2, "no", "Ufficio Tributi")
				}, "suggestedOffice"},
				{"reassign without office", func() (*Ticket, error) { return s.Reassign(ctx, tk.ID, "sara", AsSupervisor, "", "") }, "office"},
				{"ask for nothing", func() (*Ticket, error) {
					return s.Apply(ctx, tk.ID, Step{Action: ActRequestData, Actor: "mario", Role: AsOperator})
				}, "reason"},
				{"solve without answer", func() (*Ticket, error) { return s.Solve(ctx, tk.ID, "l2", AsLevel2, "", "") }, "reason"},
				{"reopen without reason", func() (*Ticket, error) { return s.Reopen(ctx, tk.ID, "mario", AsOperator, "") }, "reason"},
				{"an answer too long", func() (*Ticket, error) {
					return s.Solve(ctx, tk.ID, "l2", AsLevel2, strings.Repeat("a", MaxReason+1), "")
				}, "reason"},
			} {
				_, err := c.do()
				if msg := Fields(err)[c.field]; msg == "" || HTTPStatus(err) != 400 {
					t.Errorf("%s: %v, want a message on %s", c.name, err, c.field)
				}
			}
			if p := mustPath(t, s, tk.ID); len(p) != 1 {
				t.Fatalf("refused actions left %d steps", len(p))
			}
			// The same ticket through the typed operations, each with what it needs.
			if _, err := s.Take(ctx, tk.ID, "mario", AsOperator); err != nil {
				t.Fatal(err)
			}
			if got, err := s.SolveFirstLevel(ctx, tk.ID, "mario", AsOperator, "Si paga con pagoPA"); err != nil || got.State != StateSolvedL1 || !got.FirstContact {
				t.Fatalf("solved at level 1: %+v, %v", got, err)
			}
			if got, err := s.Reopen(ctx, tk.ID, "mario", AsOperator, "Il cittadino richiama"); err != nil || got.State != StateInProgress {
				t.Fatalf("reopened: %+v, %v", got, err)
			}
			if got, err := s.SolveFirstLevel(ctx, tk.ID, "mario", AsOperator, "Spiegato di nuovo"); err != nil || got.FirstContact {
				t.Fatalf("solved again: %+v, %v", got, err)
			}
			if got, err := s.CloseTicket(ctx, tk.ID, "mario", AsOperator); err != nil || got.State != StateClosed {
				t.Fatalf("closed: %+v, %v", got, err)
			}
		})
	}
}

func TestFields(t *testing.T) {
	if got := Fields(errors.New("disk full")); len(got) != 0 {
		t.Fatalf("Fields of a failure = %v", got)
	}
	p := Problems{{Field: "a", Msg: "uno"}, {Field: "b", Msg: "due"}, {Field: "a", Msg: "tre"}}
	if got := Fields(p); len(got) != 2 || got["a"] != "uno" || got["b"] != "due" {
		t.Fatalf("Fields = %v", got)
	}
	if !errors.Is(p, ErrInvalid) || HTTPStatus(p) != 400 || !strings.Contains(p.Error(), "b: due") {
		t.Fatalf("Problems: %v", p)
	}
	if got := Fields(invalid("x", "y")); got["x"] != "y" {
		t.Fatalf("Fields = %v", got)
	}
}
