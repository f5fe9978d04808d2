package ticketing

import (
	"context"
	"fmt"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/kb"
	"sportello/ontology"
)

// GraphTickets is the named graph of the tickets' RDF view (KB-4: each user's history of
// interactions, exported with the rest of the graph).
const GraphTickets = ontology.GraphBase + "tickets"

// TicketIRI and CitizenIRI name tickets and citizens in RDF. Citizens appear only as IRIs: no
// name, tax code or contact leaves the operational database through the graph (TK-17).
func TicketIRI(number string) string { return kb.Base + "ticket/" + number }

// CitizenIRI is the IRI of a citizen record.
func CitizenIRI(id int64) string { return kb.Base + "citizen/" + fmt.Sprint(id) }

// Quads describes the tickets created in [since, until) in RDF: each is an sp:Ticket (a
// prov:Activity) with its number, category (dct:subject), dates, the pill that
// answered it (sp:answeredWithPill), whether it was solved at first contact, the offices it
// was escalated to, and the citizen it served (prov:wasAssociatedWith).
func (s *Store) Quads(ctx context.Context, since, until time.Time) ([]quad.Quad, error) {
	list, err := s.List(ctx, Filter{Since: since, Until: until, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	g := quad.IRI(GraphTickets)
	var out []quad.Quad
	add := func(s quad.IRI, p string, o quad.Value) {
		out = append(out, quad.Quad{Subject: s, Predicate: quad.IRI(p), Object: o, Label: g})
	}
	dt := func(t time.Time) quad.Value {
		return quad.TypedString{Value: quad.String(t.UTC().Format(time.RFC3339)), Type: quad.IRI(ontology.XSDDateTime)}
	}
	for _, t := range list {
		iri := quad.IRI(TicketIRI(t.Number))
		add(iri, ontology.RDFType, quad.IRI(ontology.Ticket))
		add(iri, ontology.DCTIdentifier, quad.String(t.Number))
		add(iri, ontology.PROVStartedAtTime, dt(t.Created))
		if t.Category != "" {
			add(iri, ontology.DCTSubject, quad.IRI(t.Category))
		}
		if t.Pill != "" {
			add(iri, ontology.AnsweredWithPill, quad.IRI(t.Pill))
		}
		if !t.SolvedAt.IsZero() {
			add(iri, ontology.ResolvedAtFirstContact, quad.TypedString{Value: quad.String(fmt.Sprint(t.FirstContact)), Type: quad.IRI(ontology.XSDBoolean)})
			add(iri, ontology.PROV+"endedAtTime", dt(t.SolvedAt))
		}
		if t.CitizenID != 0 {
			add(iri, ontology.PROVWasAssociatedWith, quad.IRI(CitizenIRI(t.CitizenID)))
		}
		rows, err := s.db.Query(ctx, `SELECT DISTINCT office FROM tk_events WHERE ticket_id = ? AND office <> ''`, t.ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var office string
			if err := rows.Scan(&office); err != nil {
				rows.Close()
				return nil, err
			}
			add(iri, ontology.EscalatedToUnit, quad.IRI(office))
		}
		rows.Close()
	}
	return out, nil
}
