package ticketing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"sportello/fixtures/testenv"
	"sportello/internal/sqldb/sqldbtest"
)

// TestTakeoverByPhoneNumberFails replays the attack of the hardening campaign: someone files a
// public request with the victim's phone number and their own e-mail. Before, the request was
// matched to the victim by the phone, the attacker's e-mail was added to the victim's record,
// the status page then showed every ticket of the victim to that e-mail (the numbers are
// sequential), and the next e-mail for the victim ("send your ISEE and an ID") went to the
// attacker. Now the victim's record is untouched, no status look-up answers, and the mail goes
// to the victim only — even after an operator links the attacker's request to the victim.
func TestTakeoverByPhoneNumberFails(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{}
	rel := startRelay(t)
	mailer := &Mailer{Relay: rel.addr, From: "Contact Center <sportello@regione.example.it>", Service: "Contact Center"}
	for name, s := range stores(t, clock, Config{Mail: mailer}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 3, 2, 9, 0))
			victim := &Citizen{Name: "Maria Verdi", Phones: []string{"333 555 0001"}, Emails: []string{"maria.verdi@example.it"},
				TaxCode: "VRDMRA80A41H501U"}
			if err := s.CreateCitizen(ctx, victim); err != nil {
				t.Fatal(err)
			}
			before, _ := s.Citizen(ctx, victim.ID)
			// The victim's history: a call, and a request she filed on the web herself that an
			// operator then linked to her record.
			call, err := s.Create(ctx, NewTicket{CitizenID: victim.ID, Channel: Phone, Subject: "Contributo affitto",
				Description: "Chiede del contributo per l'affitto", Actor: "operatore", Role: AsOperator})
			if err != nil {
				t.Fatal(err)
			}
			own, err := s.SubmitWeb(ctx, WebRequest{Consent: true, Name: "Maria Verdi", Email: "maria.verdi@example.it", Phone: "3335550001",
				Subject: "Assegno unico", Description: "Quando arriva l'assegno?"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.LinkContact(ctx, own.ID, victim.ID, "operatore", AsOperator); err != nil {
				t.Fatal(err)
			}
			rel.take()

			// The attack: the victim's phone, the attacker's e-mail.
			clock.Add(time.Hour)
			evil, err := s.SubmitWeb(ctx, WebRequest{Consent: true, Name: "Maria Verdi", Email: "attaccante@evil.test", Phone: "+39 333 5550001",
				Subject: "Aggiornamento recapiti", Description: "Usate questo indirizzo per le comunicazioni"})
			if err != nil {
				t.Fatal(err)
			}
			if evil.CitizenID != 0 {
				t.Fatalf("the public request was filed under citizen %d by its phone number", evil.CitizenID)
			}
			if evil.Contact == nil || evil.Contact.Email != "attaccante@evil.test" || evil.Contact.Phone != "+393335550001" {
				t.Fatalf("the request does not keep what was typed: %+v", evil.Contact)
			}
			after, _ := s.Citizen(ctx, victim.ID)
			if fmt.Sprint(after.Emails, after.Phones, after.Name, after.Modified) != fmt.Sprint(before.Emails, before.Phones, before.Name, before.Modified) {
				t.Fatalf("the victim's record changed: %+v → %+v", before, after)
			}
			if list, _ := s.List(ctx, Filter{CitizenID: victim.ID}); len(list) != 2 {
				t.Fatalf("the victim's history has %d tickets, want her 2", len(list))
			}
			// The operator sees the record it might belong to, as a candidate to check.
			if m, err := s.ContactMatches(ctx, evil.ID); err != nil || len(m) != 1 || m[0].ID != victim.ID {
				t.Fatalf("contact matches = %v, %v", m, err)
			}
			// The acknowledgement of the attacker's own request goes to the attacker's address,
			// the one of that request; nothing else did.
			if sent := rel.take(); len(sent) != 1 || sent[0].to[0] != "attaccante@evil.test" {
				t.Fatalf("mail after the attack: %+v", sent)
			}

			// Status look-ups: every number of the year, plain and with a wrong suffix, with
			// the attacker's e-mail and with the victim's (which an attacker may well know).
			tried, answered := 0, 0
			for seq := int64(1); seq <= 20; seq++ {
				number := FormatNumber(2026, seq)
				for _, ref := range []string{number, number + "-0000", number + "-ZZZZ"} {
					for _, email := range []string{"attaccante@evil.test", "maria.verdi@example.it"} {
						tried++
						if _, err := s.PublicStatus(ctx, ref, email); err == nil {
							answered++
						} else if !errors.Is(err, ErrNotFound) {
							t.Fatal(err)
						}
					}
				}
			}
			// The right reference of the victim's requests with the attacker's e-mail.
			for _, tk := range []*Ticket{call, own} {
				tried++
				if _, err := s.PublicStatus(ctx, tk.PublicRef, "attaccante@evil.test"); err == nil {
					answered++
				}
			}
			// The victim's phone call has no e-mail of its own: no status page at all, even
			// with the right reference and her address.
			tried++
			if _, err := s.PublicStatus(ctx, call.PublicRef, "maria.verdi@example.it"); err == nil {
				answered++
			}
			if answered != 0 {
				t.Fatalf("%d of %d status look-ups answered", answered, tried)
			}
			// The victim still reads her web request; the attacker reads only their own.
			if got, err := s.PublicStatus(ctx, own.PublicRef, "Maria.Verdi@example.it"); err != nil || got.Ref != own.PublicRef {
				t.Fatalf("the victim's own look-up: %v", err)
			}
			if got, err := s.PublicStatus(ctx, evil.PublicRef, "attaccante@evil.test"); err != nil || got.Ref != evil.PublicRef {
				t.Fatalf("the attacker's own look-up: %v", err)
			}

			// The next e-mail for the victim goes to the victim.
			if _, err := s.Apply(ctx, call.ID, Step{Action: ActTake, Actor: "backoffice", Role: AsBackOffice}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.RequestData(ctx, call.ID, "backoffice", AsBackOffice, "ISEE e documento d'identità"); err != nil {
				t.Fatal(err)
			}
			if sent := rel.take(); len(sent) != 1 || strings.Join(sent[0].to, ",") != "maria.verdi@example.it" {
				t.Fatalf("the data request went to %+v", sent)
			}

			// Even an operator's mistake — linking the attacker's request to the victim — does
			// not open the victim's mail or status: the record is unchanged, the link is in the
			// path with who made it, and the victim's other tickets still write to her only.
			clock.Add(time.Minute)
			linked, err := s.LinkContact(ctx, evil.ID, victim.ID, "operatore2", AsOperator)
			if err != nil || linked.CitizenID != victim.ID {
				t.Fatalf("link: %+v %v", linked, err)
			}
			path, _ := s.Path(ctx, evil.ID)
			last := path[len(path)-1]
			if last.Action != ActLinkContact || last.Actor != "operatore2" || !strings.Contains(last.Reason, "attaccante@evil.test") {
				t.Fatalf("the link is not in the path: %+v", last)
			}
			if after, _ := s.Citizen(ctx, victim.ID); strings.Join(after.Emails, ",") != "maria.verdi@example.it" {
				t.Fatalf("linking changed the record: %v", after.Emails)
			}
			if _, err := s.SendAnswer(ctx, own.ID, "backoffice", AsBackOffice, "Risposta", nil); err != nil {
				t.Fatal(err)
			}
			if sent := rel.take(); len(sent) != 1 || strings.Join(sent[0].to, ",") != "maria.verdi@example.it" {
				t.Fatalf("the answer to the victim went to %+v", sent)
			}
			if _, err := s.PublicStatus(ctx, own.PublicRef, "attaccante@evil.test"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("after the link the attacker reads the victim's request: %v", err)
			}
			testenv.Figure("ticketing: takeover by phone number (%s): 0 of %d status look-ups answered, 0 e-mails of the victim to the attacker, victim's record unchanged", name, tried)
		})
	}
}

// TestLinkAndRegisterContact covers the operator's side: who may link, what is refused, and
// registering a contact as a new citizen.
func TestLinkAndRegisterContact(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			req, err := s.SubmitWeb(ctx, WebRequest{Consent: true, Name: " Luca  Neri ", Email: "Luca.Neri@Example.it", Phone: "0544 123 456",
				Description: "Orari dell'URP"})
			if err != nil {
				t.Fatal(err)
			}
			if req.Contact.Name != "Luca Neri" || req.Contact.Email != "luca.neri@example.it" || req.Contact.Phone != "+390544123456" {
				t.Fatalf("contact = %+v", req.Contact)
			}
			if m, _ := s.ContactMatches(ctx, req.ID); len(m) != 0 {
				t.Fatalf("matches for a new contact: %v", m)
			}
			// Only staff vouch for a contact.
			for _, role := range []Capacity{AsSystem, Capacity("none"), ""} {
				if _, err := s.LinkContact(ctx, req.ID, 1, "x", role); !errors.Is(err, ErrRole) {
					t.Errorf("LinkContact as %q: %v", role, err)
				}
				if _, _, err := s.RegisterContact(ctx, req.ID, "x", role); !errors.Is(err, ErrRole) {
					t.Errorf("RegisterContact as %q: %v", role, err)
				}
			}
			if _, err := s.LinkContact(ctx, req.ID, 99999, "op", AsOperator); !errors.Is(err, ErrInvalid) {
				t.Errorf("link to a missing citizen: %v", err)
			}
			if _, err := s.LinkContact(ctx, 99999, 1, "op", AsOperator); !errors.Is(err, ErrNotFound) {
				t.Errorf("link of a missing ticket: %v", err)
			}
			c, tk, err := s.RegisterContact(ctx, req.ID, "op", AsOperator)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name != "Luca Neri" || strings.Join(c.Emails, ",") != "luca.neri@example.it" || strings.Join(c.Phones, ",") != "+390544123456" ||
				c.PreferredChannel != Web || tk.CitizenID != c.ID {
				t.Fatalf("registered %+v, ticket %+v", c, tk)
			}
			path, _ := s.Path(ctx, req.ID)
			if last := path[len(path)-1]; last.Action != ActRegisterContact || last.Actor != "op" {
				t.Fatalf("path = %+v", path)
			}
			if _, _, err := s.RegisterContact(ctx, req.ID, "op", AsOperator); !errors.Is(err, ErrInvalid) {
				t.Errorf("registering twice: %v", err)
			}
			// A second request from the same contact: registering it would duplicate the record.
			again, _ := s.SubmitWeb(ctx, WebRequest{Consent: true, Name: "Luca Neri", Email: "luca.neri@example.it", Description: "Ancora"})
			var dup *DuplicateError
			if _, _, err := s.RegisterContact(ctx, again.ID, "op", AsOperator); !errors.As(err, &dup) || dup.Existing != c.ID {
				t.Fatalf("duplicate registration: %v", err)
			}
			if m, _ := s.ContactMatches(ctx, again.ID); len(m) != 1 || m[0].ID != c.ID {
				t.Fatalf("matches = %v", m)
			}
			if tk, err := s.LinkContact(ctx, again.ID, c.ID, "op", AsBackOffice); err != nil || tk.CitizenID != c.ID {
				t.Fatalf("link: %v", err)
			}
			// Linking again to the same citizen is a no-op, not a second step.
			n := len(mustPath(t, s, again.ID))
			s.LinkContact(ctx, again.ID, c.ID, "op", AsBackOffice)
			if len(mustPath(t, s, again.ID)) != n {
				t.Error("a repeated link added a step")
			}
			// A merged record is refused: link the surviving one.
			other := &Citizen{Name: "L. Neri"}
			s.CreateCitizen(ctx, other)
			s.Merge(ctx, c.ID, other.ID, "op")
			if _, err := s.LinkContact(ctx, again.ID, other.ID, "op", AsOperator); !errors.Is(err, ErrInvalid) {
				t.Errorf("link to a merged record: %v", err)
			}
		})
	}
}

func mustPath(t *testing.T, s *Store, id int64) []Event {
	t.Helper()
	p, err := s.Path(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPublicRequestLimits: every field of the public form has a limit, refused with its name
// before anything is stored; 10 MB in any field is refused at once.
func TestPublicRequestLimits(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			big := strings.Repeat("a", 10<<20)
			ok := WebRequest{Consent: true, Name: "Ugo", Email: "ugo@example.it", Phone: "333 1234567", Subject: "Oggetto", Description: "Testo"}
			cases := []struct {
				field string
				set   func(*WebRequest)
			}{
				{"name", func(r *WebRequest) { r.Name = strings.Repeat("è", MaxContactName+1) }},
				{"name", func(r *WebRequest) { r.Name = big }},
				{"email", func(r *WebRequest) { r.Email = big + "@example.it" }},
				{"email", func(r *WebRequest) { r.Email = "" }},
				{"email", func(r *WebRequest) { r.Email = "non-valida" }},
				{"phone", func(r *WebRequest) { r.Phone = big }},
				{"phone", func(r *WebRequest) { r.Phone = "chiamami" }},
				{"subject", func(r *WebRequest) { r.Subject = strings.Repeat("x", MaxSubject+1) }},
				{"description", func(r *WebRequest) { r.Description = big }},
				{"description", func(r *WebRequest) { r.Description = "  " }},
				// GDPR art. 13: no consent beside the privacy notice, no request.
				{"consent", func(r *WebRequest) { r.Consent = false }},
			}
			for _, tc := range cases {
				r := ok
				tc.set(&r)
				_, err := s.SubmitWeb(ctx, r)
				var ie *InvalidError
				if !errors.As(err, &ie) || ie.Field != tc.field || len(ie.Msg) > 200 {
					t.Errorf("%s: %v", tc.field, err)
				}
			}
			// The honeypot drops the request before any check, valid or not.
			for _, r := range []WebRequest{{Consent: true, Name: "Ugo", Email: "ugo@example.it", Description: "Testo", Trap: "http://spam.example"}, {Trap: "x"}} {
				if _, err := s.SubmitWeb(ctx, r); !errors.Is(err, ErrTrapped) {
					t.Errorf("trap %+v: %v", r, err)
				}
			}
			if _, _, ok := ParseRef(DecoyRef()); !ok {
				t.Errorf("decoy %q is not shaped like a reference", DecoyRef())
			}
			if list, _ := s.List(ctx, Filter{}); len(list) != 0 {
				t.Fatalf("%d tickets stored from refused requests", len(list))
			}
			if _, err := s.SubmitWeb(ctx, ok); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseRef(t *testing.T) {
	for _, tc := range []struct{ in, number, key string }{
		{"RS-2026-000123-K7QF", "RS-2026-000123", "K7QF"},
		{" rs-2026-000123-k7qf ", "RS-2026-000123", "K7QF"},
		{"RS-2026-000123", "RS-2026-000123", ""},
		{"RS-2026-1234567-AB12", "RS-2026-1234567", "AB12"},
		{"RS-2026-000123-OIL0", "RS-2026-000123", "0110"}, // look-alikes
		{"RS-2026-000123-K7Q", "", ""},
		{"RS-2026-000123-K7QFX", "", ""},
		{"RS-2026-00012-K7QF", "", ""},
		{"RS-2026-000123-K7QU", "", ""}, // U is not in the alphabet
		{"XX-2026-000123", "", ""},
		{"", "", ""},
		{strings.Repeat("RS-2026-000123-", 100), "", ""},
	} {
		n, k, ok := ParseRef(tc.in)
		if n != tc.number || k != tc.key || ok != (tc.number != "") {
			t.Errorf("ParseRef(%q) = %q %q %v, want %q %q", tc.in, n, k, ok, tc.number, tc.key)
		}
	}
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		k := newPublicKey()
		if len(k) != publicKeyLength || strings.Trim(k, keyAlphabet) != "" {
			t.Fatalf("key %q", k)
		}
		seen[k] = true
	}
	if len(seen) < 990 { // 1000 draws from 2^20: a handful of repeats at most
		t.Fatalf("only %d distinct keys in 1000", len(seen))
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"RS-2026-000123-K7QF", "rs-2026-000123", "RS-2026-000123-OIL0", "RS--", "RS-9999-999999999999-ZZZZ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, k, ok := ParseRef(s)
		if !ok {
			if n != "" || k != "" {
				t.Fatalf("not ok but %q %q", n, k)
			}
			return
		}
		ref := n
		if k != "" {
			ref += "-" + k
		}
		n2, k2, ok2 := ParseRef(ref)
		if !ok2 || n2 != n || k2 != k {
			t.Fatalf("%q → %q %q → %q %q %v", s, n, k, n2, k2, ok2)
		}
	})
}

// TestUpgradeGivesOldTicketsAReference: a database of the first schema gets the suffix for its
// tickets and the sender of e-mail requests as their contact when the store opens.
func TestUpgradeGivesOldTicketsAReference(t *testing.T) {
	ctx := context.Background()
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			if err := db.Migrate(ctx, "ticketing", migrations[:1]); err != nil {
				t.Fatal(err)
			}
			for i, ch := range []Channel{Email, Phone, Email} {
				if _, err := db.Exec(ctx, `INSERT INTO tk_tickets (number, channel, state, created, modified) VALUES (?, ?, 'new', 1, 1)`,
					FormatNumber(2025, int64(i+1)), ch); err != nil {
					t.Fatal(err)
				}
			}
			db.Exec(ctx, `INSERT INTO tk_messages (ticket_id, direction, kind, message_id, sender, recipients, subject, body, at)
				VALUES (1, 'in', 'request', '<a@x>', 'anna@example.it', '', 's', 'b', 1)`)
			s, err := Open(ctx, db, Config{DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			list, _ := s.List(ctx, Filter{})
			if len(list) != 3 {
				t.Fatalf("%d tickets", len(list))
			}
			for _, tk := range list {
				if _, key, ok := ParseRef(tk.PublicRef); !ok || key == "" {
					t.Errorf("%s: public reference %q", tk.Number, tk.PublicRef)
				}
			}
			first, _ := s.TicketByNumber(ctx, FormatNumber(2025, 1))
			if first.Contact == nil || first.Contact.Email != "anna@example.it" {
				t.Fatalf("contact of the e-mail request: %+v", first.Contact)
			}
			if _, err := s.PublicStatus(ctx, first.PublicRef, "anna@example.it"); err != nil {
				t.Fatal(err)
			}
			third, _ := s.TicketByNumber(ctx, FormatNumber(2025, 3)+"-ABCD")
			if third == nil || third.Contact != nil {
				t.Fatalf("an e-mail ticket without messages: %+v", third)
			}
		})
	}
}
