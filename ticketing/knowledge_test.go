package ticketing

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/fixtures"
	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/ontology"
)

var (
	_ KnowledgeBase = (*kb.Workflow)(nil)
	_ UnitSource    = (*kb.Store)(nil)
)

func TestOfficesFromKB(t *testing.T) {
	ctx := context.Background()
	base, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	u := &kb.Unit{Name: "Ufficio Tributi", Kind: kb.UnitOffice, Emails: []string{"tributi@regione.example.it"}}
	if err := base.PutUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	name, addr, err := OfficesFromKB(base).OfficeContact(ctx, u.IRI)
	if err != nil || name != "Ufficio Tributi" || addr != "tributi@regione.example.it" {
		t.Fatalf("OfficeContact = %q %q %v", name, addr, err)
	}
	if _, _, err := OfficesFromKB(base).OfficeContact(ctx, kb.UnitIRI("nessuno")); err == nil {
		t.Fatal("missing office found")
	}
}

func TestFirstCallResolutionLoop(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: romeTime(2026, 3, 2, 9, 0)}
	for name, s := range stores(t, clock, Config{}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 3, 2, 9, 0))
			base, err := kb.OpenMemory()
			if err != nil {
				t.Fatal(err)
			}
			defer base.Close()
			published := &kb.Pill{Code: "TRI-001", Title: "Pagamento TARI", Answer: "<p>Con il modello F24.</p>", Status: kb.StatusPublished}
			if err := fixtures.PutPill(ctx, base, published); err != nil {
				t.Fatal(err)
			}
			open := func(ch Channel, cat, subject, desc string) *Ticket {
				t.Helper()
				clock.Add(time.Minute)
				tk, err := s.Create(ctx, NewTicket{Channel: ch, Category: cat, Subject: subject, Description: desc, Actor: "mario", Role: AsOperator})
				if err != nil {
					t.Fatal(err)
				}
				return tk
			}
			// Four calls answered with the pill, one escalated and solved by level 2.
			for i := 0; i < 4; i++ {
				tk := open(Phone, concept, "", "Come si paga la TARI?")
				if _, err := s.AnswerWithPill(ctx, tk.ID, "mario", AsOperator, published.IRI); err != nil {
					t.Fatal(err)
				}
			}
			esc := open(Phone, concept, "Rimborso TARI pagata due volte", "Ho pagato due volte la TARI 2025, come ottengo il rimborso?")
			if _, err := s.Apply(ctx, esc.ID, Step{Action: ActEscalate, Actor: "mario", Role: AsOperator, Queries: []string{"rimborso tari"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Apply(ctx, esc.ID, Step{Action: ActSolve, Actor: "lucia", Role: AsLevel2, Reason: "Presentare istanza di rimborso all'Ufficio Tributi entro 5 anni."}); err != nil {
				t.Fatal(err)
			}
			// Two more requests on the same uncovered topic, and one on another.
			for _, d := range []string{"Rimborso della TARI versata due volte", "Doppio pagamento TARI: rimborso?"} {
				tk := open(Email, concept, "", d)
				s.Apply(ctx, tk.ID, Step{Action: ActSolveL1, Actor: "bo", Role: AsBackOffice, Reason: "istanza di rimborso"})
			}
			other := open(Email, "https://w3id.org/sportello/id/concept/anagrafe", "", "Cambio di residenza online")
			s.Apply(ctx, other.ID, Step{Action: ActSolveL1, Actor: "bo", Role: AsBackOffice, Reason: "Si fa online dal portale"})
			unsolved := open(Phone, concept, "", "Scadenza IMU")

			f, err := s.Figures(ctx, romeTime(2026, 3, 1, 0, 0), romeTime(2026, 4, 1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			// 6 phone contacts, 4 solved at first contact; 8 solved, 4 of them with a pill.
			if f.Contacts != 6 || f.FirstContact != 4 || f.Solved != 8 || f.WithPill != 4 || f.New != 4 || f.Escalated != 1 {
				t.Fatalf("figures = %+v", f)
			}
			if f.FCRRate < 0.66 || f.FCRRate > 0.67 || f.LinkRate != 0.5 {
				t.Fatalf("rates: fcr %.3f link %.3f", f.FCRRate, f.LinkRate)
			}
			if f.Offline != 3 || f.TakenInTime != 3 || f.SolvedInTime != 3 {
				t.Fatalf("offline figures = %+v", f)
			}

			gaps, err := s.Gaps(ctx, romeTime(2026, 3, 1, 0, 0), romeTime(2026, 4, 1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if len(gaps) != 2 || gaps[0].Count != 3 || gaps[0].Category != concept {
				t.Fatalf("gaps = %+v", gaps)
			}
			if terms := strings.Join(gaps[0].Terms, " "); !strings.Contains(terms, "rimbor") || !strings.Contains(terms, "tari") {
				t.Fatalf("gap terms = %s", terms)
			}
			for _, g := range gaps {
				for _, n := range g.Tickets {
					if n == unsolved.Number {
						t.Fatal("an unsolved ticket is counted as a gap")
					}
				}
			}

			// Propose as knowledge: a new draft pill from the level-2 answer.
			if _, err := s.ProposeKnowledge(ctx, unsolved.ID, "lucia", base.Workflow()); err == nil {
				t.Fatal("proposed knowledge from an unsolved ticket")
			}
			prop, err := s.ProposeKnowledge(ctx, esc.ID, "lucia", base.Workflow())
			if err != nil {
				t.Fatal(err)
			}
			if prop.Revision || !prop.Written || prop.Pill.IRI == "" {
				t.Fatalf("proposal = %+v", prop)
			}
			stored, err := base.Pill(ctx, prop.Pill.IRI)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Status != kb.StatusDraft || stored.Title != "Rimborso TARI pagata due volte" ||
				!strings.Contains(stored.Answer, "istanza di rimborso") || len(stored.Concepts) != 1 || stored.Concepts[0] != concept {
				t.Fatalf("draft pill = %+v", stored)
			}
			// Keywords are words a person reads, never stems (KB-2).
			for _, k := range stored.Keywords {
				if len([]rune(k)) < 3 || !strings.Contains(strings.ToLower(stored.Title+" "+stored.Question), k) {
					t.Errorf("keyword %q is not a word of the request (%v)", k, stored.Keywords)
				}
			}
			// The draft waits for the publishers, linked to its ticket: not in the validators' queue.
			if props, err := base.Workflow().Proposals(ctx); err != nil || len(props) != 1 || props[0].IRI != prop.Pill.IRI || props[0].Tickets[0] != esc.Number {
				t.Fatalf("proposals = %+v, %v", props, err)
			}
			if queue, _ := base.Workflow().Open(ctx, kb.StatusSubmitted); len(queue) != 0 {
				t.Fatalf("a proposal reached the validators: %+v", queue)
			}
			// A ticket answered with a pill proposes a new version of it, sent for review: the
			// published one stays what operators read.
			list, _ := s.List(ctx, Filter{States: []State{StateSolvedL1}, Channel: Phone})
			rev, err := s.ProposeKnowledge(ctx, list[0].ID, "mario", base.Workflow())
			if err != nil {
				t.Fatal(err)
			}
			if !rev.Revision || !rev.Written || rev.Pill.IRI != published.IRI || rev.Pill.Version != 2 || rev.Pill.Status != kb.StatusDraft ||
				!strings.Contains(rev.Pill.Notes, "Risposta data") {
				t.Fatalf("revision = %+v", rev)
			}
			if p, _ := base.Pill(ctx, published.IRI); p.Status != kb.StatusPublished || p.Version != 1 {
				t.Fatalf("published pill changed: %+v", p)
			}
			path, _ := s.Path(ctx, esc.ID)
			if last := path[len(path)-1]; last.Action != ActPropose || last.Pill != prop.Pill.IRI {
				t.Fatalf("proposal not in the path: %+v", last)
			}

			// KB-4: the history as RDF, through the project's N-Quads codec and back.
			qs, err := s.Quads(ctx, romeTime(2026, 3, 1, 0, 0), romeTime(2026, 4, 1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			w, err := rdf.NewWriter(&buf, rdf.NQuads, rdf.WriterOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.WriteQuads(qs); err != nil {
				t.Fatal(err)
			}
			w.Close()
			r, err := rdf.NewReader(&buf, rdf.NQuads, rdf.ReaderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			back, err := quad.ReadAll(r)
			if err != nil || len(back) != len(qs) {
				t.Fatalf("round trip: %d of %d quads, %v", len(back), len(qs), err)
			}
			linked := 0
			for _, q := range back {
				if q.Predicate == quad.IRI(ontology.AnsweredWithPill) && q.Object == quad.IRI(published.IRI) {
					linked++
				}
				if strings.Contains(q.Object.String(), "Rossi") || strings.Contains(q.Object.String(), "@") {
					t.Fatalf("personal data in the graph: %v", q)
				}
			}
			if linked != 4 {
				t.Fatalf("%d tickets linked to the pill in RDF", linked)
			}
		})
	}
}

func TestCallbacks(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{}
	for name, s := range stores(t, clock, Config{}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 6, 1, 18, 0))
			tk, err := s.Create(ctx, NewTicket{Channel: Phone, Description: "richiamare"})
			if err != nil {
				t.Fatal(err)
			}
			cb, err := s.ScheduleCallback(ctx, tk.ID, Callback{Number: "0874 123456", Due: romeTime(2026, 6, 1, 18, 30), MaxAttempts: 2, RetryDelay: time.Hour}, "mario")
			if err != nil {
				t.Fatal(err)
			}
			later, _ := s.ScheduleCallback(ctx, tk.ID, Callback{Number: "3331234567", Due: romeTime(2026, 6, 5, 9, 0)}, "mario")
			due, _ := s.DueCallbacks(ctx, romeTime(2026, 6, 1, 18, 45))
			if len(due) != 1 || due[0].ID != cb.ID || due[0].Number != "+390874123456" {
				t.Fatalf("due = %+v", due)
			}
			// Not reached at 18:40: the retry an hour later falls after closing and 2 June is a
			// holiday, so it moves to Wednesday's opening.
			clock.Set(romeTime(2026, 6, 1, 18, 40))
			cb, err = s.CallbackAttempt(ctx, cb.ID, "mario", false, "squilla a vuoto")
			if err != nil {
				t.Fatal(err)
			}
			if cb.State != CallbackPending || cb.Attempts != 1 || !cb.Due.Equal(romeTime(2026, 6, 3, 8, 0)) {
				t.Fatalf("after one failed attempt: %+v (due %s)", cb, cb.Due.In(rome))
			}
			if due, _ := s.DueCallbacks(ctx, romeTime(2026, 6, 2, 12, 0)); len(due) != 0 {
				t.Fatalf("due on the holiday: %+v", due)
			}
			clock.Set(romeTime(2026, 6, 3, 8, 5))
			// An attempt is something done: without its outcome it is refused and counts nothing.
			if _, err := s.CallbackAttempt(ctx, cb.ID, "anna", false, "  "); !errors.Is(err, ErrInvalid) || Fields(err)["outcome"] == "" {
				t.Fatalf("empty attempt: %v", err)
			}
			if _, err := s.CallbackAttempt(ctx, cb.ID, "", false, "non risponde"); !errors.Is(err, ErrInvalid) {
				t.Fatalf("attempt by nobody: %v", err)
			}
			cb, _ = s.CallbackAttempt(ctx, cb.ID, "anna", false, "non raggiungibile")
			if cb.State != CallbackFailed || cb.Attempts != 2 || cb.Outcome != "non raggiungibile" {
				t.Fatalf("after the last attempt: %+v", cb)
			}
			if _, err := s.CallbackAttempt(ctx, cb.ID, "anna", true, "x"); err == nil {
				t.Fatal("attempt on a closed callback accepted")
			}
			done, err := s.CallbackAttempt(ctx, later.ID, "anna", true, "Informazioni date")
			if err != nil || done.State != CallbackDone {
				t.Fatalf("reached: %+v, %v", done, err)
			}
			if _, err := s.ScheduleCallback(ctx, tk.ID, Callback{Number: "x"}, "m"); err == nil {
				t.Fatal("bad number accepted")
			}
			list, _ := s.Callbacks(ctx, tk.ID)
			if len(list) != 2 {
				t.Fatalf("%d callbacks", len(list))
			}
		})
	}
}

// An offline request whose clocks are still running is neither in time nor late: it stays out
// of O.1–O.3 until its deadline passes (SLA-3), so a report made on the first of the month
// does not count last night's emails as missed.
func TestFiguresPendingClocks(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: romeTime(2026, 3, 2, 9, 0)}
	for name, s := range stores(t, clock, Config{}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 3, 2, 9, 0))
			if _, err := s.Create(ctx, NewTicket{Channel: Email, Subject: "Residenza", Description: "Cambio di residenza",
				Actor: "bo", Role: AsBackOffice}); err != nil {
				t.Fatal(err)
			}
			from, to := romeTime(2026, 3, 1, 0, 0), romeTime(2026, 4, 1, 0, 0)
			f, err := s.Figures(ctx, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if f.Offline != 1 || f.PendingTake != 1 || f.PendingSolve != 1 || f.PendingFinal != 1 || f.O1 != 0 {
				t.Fatalf("running clocks: %+v", f)
			}
			clock.Set(romeTime(2026, 3, 3, 9, 0)) // 4 working hours gone, 24 not yet
			if f, err = s.Figures(ctx, from, to); err != nil {
				t.Fatal(err)
			}
			if f.PendingTake != 0 || f.TakenInTime != 0 || f.PendingSolve != 1 || f.O1 != 0 {
				t.Fatalf("take-in-charge missed: %+v", f)
			}
		})
	}
}
