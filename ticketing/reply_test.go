package ticketing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"sportello/kb"
)

// pillBook is a PillReader over a few pills.
type pillBook map[string]*kb.Pill

func (b pillBook) Pill(_ context.Context, iri string) (*kb.Pill, error) {
	if p, ok := b[iri]; ok {
		return p, nil
	}
	return nil, kb.ErrNotFound
}

// documents is a DocumentSource over stored files, by URL.
type documents map[string]OutAttachment

func (d documents) Document(_ context.Context, url string) (*OutAttachment, error) {
	if a, ok := d[url]; ok {
		return &a, nil
	}
	return nil, ErrNotFound
}

const (
	formF24    = "https://regione.example.it/moduli/f24.pdf"
	formIstanz = "https://regione.example.it/moduli/istanza-rimborso.pdf"
	draftIRI   = "https://w3id.org/sportello/id/pill/TRI-099"
)

// TestRepliesNotesAndPublicAnswer is TK-6 end to end on a real SMTP relay: canned answers kept
// by administrators, a reply from the ticket started from one, with the pill's stored form
// attached and its other form as a link, a file of the ticket, threaded with "[RS-…]"; it goes
// only to the request's address or its citizen's; internal notes never leave; the citizens'
// status page shows the answer and the messages sent to them, nothing else.
func TestRepliesNotesAndPublicAnswer(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{}
	rel := startRelay(t)
	mailer := &Mailer{Relay: rel.addr, From: "Contact Center <sportello@regione.example.it>", Service: "Contact Center Regione Valdoria"}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pills := pillBook{
		pillIRI: {IRI: pillIRI, Title: "Rimborso TARI", Answer: "<p>Presentare l'<b>istanza</b> di rimborso.</p>", Status: kb.StatusPublished,
			ValidFrom: &from, Forms: []kb.Link{{URL: formF24, Title: "Modello F24"}, {URL: formIstanz, Title: "Istanza di rimborso"}}},
		draftIRI: {IRI: draftIRI, Title: "Bozza", Answer: "<p>non ancora</p>", Status: kb.StatusDraft},
	}
	f24 := []byte("%PDF-1.4\nF24\n%%EOF\n")
	docs := documents{formF24: {Name: "f24.pdf", ContentType: "application/pdf", Data: f24}}
	dir := offices{officeA: {"Ufficio Tributi", "tributi@regione.example.it"}}
	for name, s := range stores(t, clock, Config{Mail: mailer, Pills: pills, Documents: docs, Offices: dir}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 11, 2, 9, 0))
			// Canned answers: unknown placeholders and duplicate names refused when saved.
			if _, err := s.PutCanned(ctx, CannedAnswer{Name: "Rimborso", Body: "Gentile {cognome}, {numero} {xyz}"}, "admin"); !strings.Contains(Fields(err)["body"], "{cognome}, {xyz}") {
				t.Fatalf("unknown placeholders: %v", err)
			}
			if _, err := s.PutCanned(ctx, CannedAnswer{}, "admin"); len(Fields(err)) != 2 {
				t.Fatalf("empty canned answer: %v", err)
			}
			c, err := s.PutCanned(ctx, CannedAnswer{Name: "Rimborso  TARI", Subject: "Rimborso {oggetto}",
				Body: "Gentile {NOME},\n\nper la richiesta {numero} del {data} trova in allegato i moduli della scheda «{scheda}».\n{servizio}"}, "admin")
			if err != nil || c.Name != "Rimborso TARI" || c.ID == 0 {
				t.Fatalf("canned = %+v, %v", c, err)
			}
			if _, err := s.PutCanned(ctx, CannedAnswer{Name: "rimborso tarì", Body: "x"}, "admin"); Fields(err)["name"] == "" {
				t.Fatalf("duplicate name: %v", err)
			}
			other, _ := s.PutCanned(ctx, CannedAnswer{Name: "Ufficio", Body: "La pratica è presso {ufficio}."}, "admin")
			if list, _ := s.CannedAnswers(ctx); len(list) != 2 || list[0].Name != "Rimborso TARI" {
				t.Fatalf("canned answers = %+v", list)
			}
			c.Body += "\nCordiali saluti"
			if _, err := s.PutCanned(ctx, *c, "capo"); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Canned(ctx, c.ID); !strings.HasSuffix(got.Body, "Cordiali saluti") || got.ModifiedBy != "capo" {
				t.Fatalf("edited canned answer = %+v", got)
			}

			// A request from the web, linked to its citizen, with a file of its own.
			tk, err := s.SubmitWeb(ctx, WebRequest{Consent: true, Name: "Anna Bianchi", Email: "anna@example.it", Subject: "TARI pagata due volte",
				Description: "Ho pagato due volte la TARI 2025"})
			if err != nil {
				t.Fatal(err)
			}
			anna := &Citizen{Name: "Anna Bianchi", Emails: []string{"anna@example.it", "a.bianchi@pec.example.it"}}
			if err := s.CreateCitizen(ctx, anna); err != nil {
				t.Fatal(err)
			}
			s.LinkContact(ctx, tk.ID, anna.ID, "mario", AsOperator)
			receipt, err := s.Attach(ctx, tk.ID, "ricevuta.pdf", bytes.NewReader([]byte("%PDF-1.4\nricevuta\n%%EOF\n")), "anna@example.it", "upload")
			if err != nil {
				t.Fatal(err)
			}
			ack := rel.take()
			if len(ack) != 1 {
				t.Fatalf("acknowledgement: %d", len(ack))
			}
			ackMsg, _ := parseEmail(ack[0].data)

			// An internal note: staff only.
			secret := "Il cittadino è già noto all'ufficio legale"
			if _, err := s.AddNote(ctx, tk.ID, "mario", AsOperator, "  "); Fields(err)["body"] == "" {
				t.Fatalf("empty note: %v", err)
			}
			if _, err := s.AddNote(ctx, tk.ID, "sistema", AsSystem, "x"); !errors.Is(err, ErrRole) {
				t.Fatalf("note by the software: %v", err)
			}
			if _, err := s.AddNote(ctx, 424242, "mario", AsOperator, "x"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("note on a missing ticket: %v", err)
			}
			note, err := s.AddNote(ctx, tk.ID, "mario", AsOperator, secret)
			if err != nil || note.Author != "mario" || note.At.IsZero() {
				t.Fatalf("note = %+v, %v", note, err)
			}
			if notes, _ := s.Notes(ctx, tk.ID); len(notes) != 1 || notes[0].Body != secret || notes[0].Role != AsOperator {
				t.Fatalf("notes = %+v", notes)
			}
			if p := mustPath(t, s, tk.ID); p[len(p)-1].Action != ActNote || strings.Contains(p[len(p)-1].Reason, "legale") {
				t.Fatalf("the note in the path: %+v", p[len(p)-1])
			}

			// The reply form starts from the canned answer, filled for this ticket.
			if _, _, err := s.RenderCanned(ctx, tk.ID, c.ID, ""); !strings.Contains(Fields(err)["body"], "{scheda}") {
				t.Fatalf("{scheda} without a pill: %v", err)
			}
			if _, _, err := s.RenderCanned(ctx, tk.ID, other.ID, ""); !strings.Contains(Fields(err)["body"], "{ufficio}") {
				t.Fatalf("{ufficio} without an office: %v", err)
			}
			subj, body, err := s.RenderCanned(ctx, tk.ID, c.ID, pillIRI)
			if err != nil || subj != "Rimborso TARI pagata due volte" ||
				body != "Gentile Anna Bianchi,\n\nper la richiesta "+tk.PublicRef+" del 02/11/2026 trova in allegato i moduli della scheda «Rimborso TARI».\nContact Center Regione Valdoria\nCordiali saluti" {
				t.Fatalf("rendered %q / %q, %v", subj, body, err)
			}
			if addrs, _ := s.ReplyAddresses(ctx, tk.ID); fmt.Sprint(addrs) != "[anna@example.it a.bianchi@pec.example.it]" {
				t.Fatalf("reply addresses = %v", addrs)
			}
			// Refused replies send nothing.
			for _, c := range []struct {
				r     Reply
				field string
			}{
				{Reply{}, "body"},
				{Reply{Body: "x", To: "attaccante@evil.test"}, "to"},
				{Reply{Body: "x", Pill: draftIRI}, "pill"},
				{Reply{Body: "x", Pill: "https://w3id.org/sportello/id/pill/NESSUNA"}, "pill"},
				{Reply{Canned: 999}, "canned"},
				{Reply{Canned: c.ID}, "body"}, // {scheda} without a pill
				{Reply{Body: "x", Attachments: []int64{999}}, "attachments"},
				{Reply{Body: strings.Repeat("a", MaxReplyBody+1)}, "body"},
			} {
				if _, err := s.Reply(ctx, tk.ID, "mario", AsOperator, c.r); Fields(err)[c.field] == "" {
					t.Errorf("Reply(%+v) = %v, want a message on %s", c.r, err, c.field)
				}
			}
			if sent := rel.take(); len(sent) != 0 {
				t.Fatalf("refused replies sent %d e-mails", len(sent))
			}
			// The reply: canned text, the pill's forms, the receipt.
			clock.Add(time.Hour)
			m, err := s.Reply(ctx, tk.ID, "mario", AsOperator, Reply{Canned: c.ID, Pill: pillIRI, Attachments: []int64{receipt.ID}})
			if err != nil {
				t.Fatal(err)
			}
			sent := rel.take()
			if len(sent) != 1 || fmt.Sprint(sent[0].to) != "[anna@example.it]" || m.Recipients != "anna@example.it" || m.Kind != "answer" {
				t.Fatalf("reply sent %+v (%+v)", sent, m)
			}
			got, err := parseEmail(sent[0].data)
			if err != nil {
				t.Fatal(err)
			}
			if got.subject != "["+tk.Number+"] Rimborso TARI pagata due volte" || len(got.refs) == 0 || got.refs[0] != ackMsg.messageID {
				t.Fatalf("subject %q, refs %v (ack %s)", got.subject, got.refs, ackMsg.messageID)
			}
			if len(got.attachments) != 2 || got.attachments[0].Name != "ricevuta.pdf" || got.attachments[1].Name != "f24.pdf" ||
				!bytes.Equal(got.attachments[1].Data, f24) {
				t.Fatalf("attachments = %+v", got.attachments)
			}
			for _, want := range []string{"Gentile Anna Bianchi", "Istanza di rimborso: " + formIstanz, tk.PublicRef} {
				if !strings.Contains(got.body, want) {
					t.Errorf("the reply lacks %q:\n%s", want, got.body)
				}
			}
			if strings.Contains(got.body, formF24) {
				t.Error("the attached form is also listed as a link")
			}
			if p := mustPath(t, s, tk.ID); p[len(p)-1].Action != ActMessage || p[len(p)-1].Pill != pillIRI ||
				!strings.Contains(p[len(p)-1].Reason, "risposta predefinita «Rimborso TARI»") || !strings.Contains(p[len(p)-1].Reason, "f24.pdf") {
				t.Fatalf("the reply in the path: %+v", p[len(p)-1])
			}
			// To the citizen's other address, chosen, typed as it is typed.
			if _, err := s.Reply(ctx, tk.ID, "mario", AsOperator, Reply{Body: "Copia alla PEC.", To: " A.Bianchi@PEC.example.it "}); err != nil {
				t.Fatal(err)
			}
			if sent := rel.take(); len(sent) != 1 || sent[0].to[0] != "a.bianchi@pec.example.it" {
				t.Fatalf("reply to the PEC: %+v", sent)
			}
			// An office's ticket: only its members answer for it; its notification is internal.
			s.Escalate(ctx, tk.ID, "mario", AsOperator, []string{"rimborso tari"}, "")
			s.AssignOffice(ctx, tk.ID, "lucia", AsLevel2, officeA, "")
			rel.take()
			if _, err := s.Reply(ctx, tk.ID, "lucia", AsLevel2, Reply{Body: "x"}); !errors.Is(err, ErrNotMember) {
				t.Fatalf("a non-member replying for the office: %v", err)
			}
			s.AddMember(ctx, officeA, "paolo", AsOffice, "admin")
			if _, err := s.Solve(ctx, tk.ID, "paolo", AsLevel2, "Rimborso disposto: lo riceverà entro 90 giorni.", pillIRI); err != nil {
				t.Fatal(err)
			}
			for _, m := range rel.take() {
				if bytes.Contains(m.data, []byte("legale")) {
					t.Fatal("an internal note left in an e-mail")
				}
			}
			// The citizens' status page: the answer and what was sent to them.
			v, err := s.PublicStatus(ctx, tk.PublicRef, "anna@example.it")
			if err != nil {
				t.Fatal(err)
			}
			if v.Answer != "Rimborso disposto: lo riceverà entro 90 giorni." || v.State != StateSolved || v.Label != "Risolta" {
				t.Fatalf("public view = %+v", v)
			}
			var subjects []string
			for _, m := range v.Messages {
				subjects = append(subjects, m.Subject)
				if strings.Contains(m.Body, "legale") || strings.Contains(m.Body, "All'ufficio") {
					t.Errorf("public message %q shows staff text", m.Subject)
				}
			}
			want := "[" + tk.Number + "] Richiesta ricevuta|[" + tk.Number + "] Rimborso TARI pagata due volte|[" + tk.Number +
				"] Risposta alla sua richiesta|[" + tk.Number + "] Richiesta risolta"
			if got := strings.Join(subjects, "|"); got != want {
				t.Fatalf("public messages\n got %s\nwant %s", got, want)
			}
			for _, st := range v.Steps {
				if st.Label == "" {
					t.Fatalf("step without label: %+v", v.Steps)
				}
			}
		})
	}
}

// TestPublicAnswerFromThePill: a request solved at first contact with a pill shows the pill's
// answer, as text, while the pill is published; nothing when the store cannot read it.
func TestPublicAnswerFromThePill(t *testing.T) {
	ctx := context.Background()
	pills := pillBook{pillIRI: {IRI: pillIRI, Title: "Rimborso TARI", Answer: "<p>Presentare l'<b>istanza</b>.</p>", Status: kb.StatusPublished}}
	for name, s := range stores(t, nil, Config{Pills: pills}) {
		t.Run(name, func(t *testing.T) {
			tk, _ := s.Create(ctx, NewTicket{Channel: Phone, Description: "Rimborso", Contact: Contact{Email: "carla@example.it"},
				Actor: "mario", Role: AsOperator})
			if _, err := s.AnswerWithPill(ctx, tk.ID, "mario", AsOperator, pillIRI); err != nil {
				t.Fatal(err)
			}
			v, err := s.PublicStatus(ctx, tk.PublicRef, "carla@example.it")
			if err != nil || v.Answer != "Presentare l'istanza." || len(v.Messages) != 0 {
				t.Fatalf("public view = %+v, %v", v, err)
			}
			pills[pillIRI].Status = kb.StatusRetired
			if v, _ := s.PublicStatus(ctx, tk.PublicRef, "carla@example.it"); v.Answer != "" {
				t.Fatalf("a retired pill's answer shown: %q", v.Answer)
			}
			pills[pillIRI].Status = kb.StatusPublished
		})
	}
}

func TestReplyWithoutMail(t *testing.T) {
	ctx := context.Background()
	s := stores(t, nil, Config{})["sqlite"]
	tk, _ := s.Create(ctx, NewTicket{Channel: Email, Description: "x", Contact: Contact{Email: "a@example.it"}})
	if _, err := s.Reply(ctx, tk.ID, "mario", AsOperator, Reply{Body: "x"}); !errors.Is(err, ErrNoMail) {
		t.Fatalf("reply without a relay: %v", err)
	}
}

func TestTemplates(t *testing.T) {
	values := map[string]string{"numero": "RS-1", "nome": "{numero}"}
	for _, c := range []struct{ in, out, err string }{
		{"Gentile {nome}, la {numero}.", "Gentile {numero}, la RS-1.", ""},
		{"{ nome } {} {{numero}} {numero", "{ nome } {} {RS-1} {numero", ""},
		{"{NUMERO}", "RS-1", ""},
		{"{scheda}", "", "scegli"},
		{"{boh}", "", "sconosciuto {boh}"},
	} {
		got, err := fillTemplate("body", c.in, values, map[string]string{"scheda": "scegli"})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.out {
			t.Errorf("%q = %q, %v; want %q", c.in, got, err, c.out)
		}
	}
	if err := checkTemplate("body", "{numero} {nome} {oggetto} {data} {scheda} {ufficio} {servizio} {a b} 50% {"); err != nil {
		t.Fatal(err)
	}
	if len(Placeholders()) != 7 {
		t.Fatalf("placeholders = %+v", Placeholders())
	}
}

// FuzzTemplate: any text is either refused with a message or filled without a placeholder of
// the known ones left, and text without braces comes back unchanged.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"Gentile {nome}", "{", "}{", "{{numero}}", "{numero}{numero}", "{ufficio", "x{Numero}y", "{è}"} {
		f.Add(s)
	}
	values := map[string]string{}
	for _, p := range Placeholders() {
		values[p.Name] = "<" + p.Name + ">"
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkErr := checkTemplate("body", text)
		out, err := fillTemplate("body", text, values, nil)
		if (checkErr == nil) != (err == nil) {
			t.Fatalf("check %v but fill %v for %q", checkErr, err, text)
		}
		if err != nil {
			if Fields(err)["body"] == "" {
				t.Fatalf("refusal without a message: %v", err)
			}
			return
		}
		if !strings.ContainsAny(text, "{}") && out != text {
			t.Fatalf("%q became %q", text, out)
		}
		placeholderSpans(out, func(name string, _, _ int) {
			if _, known := placeholderHelp[name]; known && !strings.Contains(text, "{"+name+"}") && !strings.Contains(strings.ToLower(text), "{"+name+"}") {
				t.Fatalf("%q produced the placeholder {%s}: %q", text, name, out)
			}
		})
	})
}
