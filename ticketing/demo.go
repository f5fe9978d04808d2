package ticketing

import (
	"context"
	"fmt"
	"time"

	"sportello/kb"
)

// SeedDemo fills an empty ticketing database with the demo's requests (`sportello serve
// --demo`): calls answered with published pills (first-contact resolution), a request escalated
// to the wrong office, rejected towards the right one and reassigned by level 3, then solved
// (ready for "propose as knowledge"), an incomplete email request, two requests solved without
// a pill on the same topic (a knowledge gap), an overdue voicemail and a callback due; the
// level-2 account is a member of the two offices, and two canned answers are ready. pills
// and units are the demo knowledge base's (fixtures.Pills, fixtures.Units, with IRIs filled
// in); the actors are web/auth's demo accounts. A database that already has tickets is left
// alone.
func SeedDemo(ctx context.Context, s *Store, pills []kb.Pill, units []kb.Unit) error {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tk_tickets`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	var published []kb.Pill
	for _, p := range pills {
		if p.Status == kb.StatusPublished && p.IRI != "" && len(p.Concepts) > 0 {
			published = append(published, p)
		}
	}
	var offices []kb.Unit
	for _, u := range units {
		if u.Kind == kb.UnitOffice && u.IRI != "" {
			offices = append(offices, u)
		}
	}
	if len(published) == 0 || len(offices) < 2 {
		return fmt.Errorf("ticketing: demo needs published pills and two offices (got %d, %d)", len(published), len(offices))
	}
	mario := &Citizen{Name: "Mario Rossi", TaxCode: "RSSMRA85T10A562S", Phones: []string{"333 1234567"},
		Emails: []string{"mario.rossi@example.it"}, PreferredChannel: Phone, PrivacyNotes: "Consenso al ricontatto telefonico."}
	anna := &Citizen{Name: "Anna Bianchi", Emails: []string{"anna.bianchi@example.it"}, PreferredChannel: Email}
	verdi := &Citizen{Name: "Giuseppe Verdi", Phones: []string{"0544 123456"}, Organisation: "Verdi Costruzioni Srl"}
	for _, c := range []*Citizen{mario, anna, verdi} {
		if err := s.CreateCitizen(ctx, c); err != nil {
			return fmt.Errorf("ticketing: demo citizen %s: %w", c.Name, err)
		}
	}
	now := s.clock()
	open := func(c *Citizen, ch Channel, cat, subject, desc, actor string, role Capacity, at time.Time) (*Ticket, error) {
		return s.Create(ctx, NewTicket{CitizenID: c.ID, Channel: ch, Category: cat, Subject: subject, Description: desc,
			Actor: actor, Role: role, At: at})
	}
	steps := func(t *Ticket, list ...Step) error {
		for _, st := range list {
			if _, err := s.Apply(ctx, t.ID, st); err != nil {
				return fmt.Errorf("ticketing: demo %s %s: %w", t.Number, st.Action, err)
			}
		}
		return nil
	}
	// Calls answered with a pill at level 1.
	for i, p := range published {
		if i == 3 {
			break
		}
		q := p.Question
		if q == "" {
			q = p.Title
		}
		t, err := open(mario, Phone, p.Concepts[0], "", q, "operatore", AsOperator, time.Time{})
		if err != nil {
			return err
		}
		if err := steps(t, Step{Action: ActTake, Actor: "operatore", Role: AsOperator},
			Step{Action: ActSolveL1, Actor: "operatore", Role: AsOperator, Pill: p.IRI}); err != nil {
			return err
		}
	}
	// Escalated to the wrong office, rejected, reassigned, solved.
	right, wrong := offices[0].IRI, offices[1].IRI
	if published[0].Office != "" && published[0].Office != wrong {
		right = published[0].Office
	} else if published[0].Office == wrong {
		wrong = offices[0].IRI
	}
	// The level-2 demo account works for both offices (TK-11): it rejects for one and
	// answers for the other.
	for _, o := range []string{wrong, right} {
		if _, err := s.AddMember(ctx, o, "secondolivello", AsOffice, "admin"); err != nil {
			return fmt.Errorf("ticketing: demo membership: %w", err)
		}
	}
	for _, c := range demoCanned {
		if _, err := s.PutCanned(ctx, c, "admin"); err != nil {
			return fmt.Errorf("ticketing: demo canned answer %s: %w", c.Name, err)
		}
	}
	esc, err := open(verdi, Phone, published[0].Concepts[0], "Rimborso per doppio pagamento",
		"L'azienda ha pagato due volte lo stesso importo e chiede come ottenere il rimborso.", "operatore", AsOperator, time.Time{})
	if err != nil {
		return err
	}
	if err := steps(esc,
		Step{Action: ActEscalate, Actor: "operatore", Role: AsOperator, Queries: []string{"rimborso doppio pagamento", "restituzione somme versate"}},
		Step{Action: ActAssign, Actor: "secondolivello", Role: AsLevel2, Office: wrong},
		Step{Action: ActReject, Actor: "secondolivello", Role: AsOffice, Reason: "La richiesta non è di competenza di questo ufficio.", SuggestedOffice: right},
		Step{Action: ActReassign, Actor: "supervisore", Role: AsSupervisor, Office: right, Reason: "Come indicato dall'ufficio."},
		Step{Action: ActSolve, Actor: "secondolivello", Role: AsOffice,
			Reason: "Presentare istanza di rimborso all'ufficio competente allegando le due ricevute; il rimborso è disposto entro 90 giorni."},
	); err != nil {
		return err
	}
	// An incomplete email request waiting for the citizen (TK-13).
	inc, err := open(anna, Email, "", "Contributo", "Vorrei sapere se ho diritto al contributo.", "sistema", AsSystem, now.Add(-3*time.Hour))
	if err != nil {
		return err
	}
	if err := steps(inc, Step{Action: ActRequestData, Actor: "backoffice", Role: AsBackOffice,
		Reason: "Indicare il tipo di contributo e un recapito telefonico."}); err != nil {
		return err
	}
	// Two requests on the same topic solved without a pill: a knowledge gap (KB-10).
	for _, d := range []string{"Come si richiede il duplicato della tessera per il trasporto gratuito?",
		"Ho smarrito la tessera del trasporto gratuito: come ottengo il duplicato?"} {
		t, err := open(mario, Phone, "", "", d, "operatore", AsOperator, time.Time{})
		if err != nil {
			return err
		}
		if err := steps(t, Step{Action: ActSolveL1, Actor: "operatore", Role: AsOperator, Reason: "Rivolgersi all'URP con un documento."}); err != nil {
			return err
		}
	}
	// A voicemail left two days ago and not yet taken in charge: overdue (TK-16).
	if _, err := open(verdi, Voicemail, "", "Messaggio in segreteria da +390544123456",
		"Messaggio vocale: richiesta di essere richiamati sulla pratica edilizia.", "sistema", AsSystem, now.Add(-48*time.Hour)); err != nil {
		return err
	}
	// A callback due now (TK-6, TEL-7).
	if _, err := s.ScheduleCallback(ctx, esc.ID, Callback{Number: verdi.Phones[0], Due: now, Notes: "Comunicare l'esito del rimborso."}, "secondolivello"); err != nil {
		return err
	}
	return nil
}

// demoCanned are the demo's canned answers (TK-6).
var demoCanned = []CannedAnswer{
	{Name: "Risposta con scheda", Subject: "Risposta alla sua richiesta",
		Body: "Gentile {nome},\n\nin merito alla sua richiesta «{oggetto}» del {data}, le indichiamo quanto riportato nella scheda «{scheda}».\n\nCordiali saluti"},
	{Name: "Conferma presa in carico", Subject: "Richiesta presa in carico",
		Body: "Gentile {nome},\n\nla sua richiesta {numero} è stata presa in carico da {ufficio}. Le risponderemo al più presto.\n\nCordiali saluti"},
}
