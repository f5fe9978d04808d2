package kb

import (
	"context"
	"strings"
	"time"

	"sportello/ontology"
)

// Viewer is what a reader may see: the ONE visibility rule of pills (REQUIREMENTS KB-3 "access
// according to the user's profile", KB-8, KB-12 "operators give all and only what the sheet
// says"). Every read path that serves people — pages, API, search, tree counts, exports — asks
// it, through Viewer.Sees and Viewer.Redact or the reads that take a Viewer (PillAs, Pills with
// PillFilter.Viewer, ExportView). The HTTP layer maps a role to a Viewer; kb knows no roles.
type Viewer struct {
	// Drafts: everything the workflow holds — pills not (or no longer) published, published ones
	// outside their validity period, and the history graph. Publishers, validators,
	// administrators and auditors.
	Drafts bool
	// Internal: the fields meant for the Administration's own people — notes, the legacy columns
	// kept as they were, who validated. Everyone who logs in.
	Internal bool
}

var (
	// Anonymous is the public: published pills inside their validity period, without internal
	// fields; taxonomy, directory, ontology and vocabularies; never the history.
	Anonymous = Viewer{}
	// Staff is a logged-in person who answers from the knowledge base (operators, back office):
	// what the public sees, with the internal fields.
	Staff = Viewer{Internal: true}
	// Editorial sees everything.
	Editorial = Viewer{Drafts: true, Internal: true}
)

// Sees reports whether the viewer may see pill p at time at: a published pill whose validity
// period holds at (ValidFrom ≤ at < ValidUntil; a bound given as a day starts at midnight UTC),
// or anything for a viewer of drafts.
func (v Viewer) Sees(p *Pill, at time.Time) bool {
	if v.Drafts {
		return true
	}
	if p.Status != StatusPublished {
		return false
	}
	if p.ValidFrom != nil && at.Before(*p.ValidFrom) {
		return false
	}
	if p.ValidUntil != nil && !at.Before(*p.ValidUntil) {
		return false
	}
	return true
}

// Redact clears the fields the viewer may not see.
func (v Viewer) Redact(p *Pill) {
	if v.Internal {
		return
	}
	p.Notes, p.Extra, p.ValidatedBy = "", nil, ""
}

// InternalStatement reports whether a statement of the content graph about subject (a pill, or
// a node it owns such as <pill#extra-1>) with predicate is one of the pill's internal fields —
// Redact's fields as RDF: notes, who validated, the legacy columns. Readers of the graph as
// statements (the export, the SPARQL service) leave them out for a viewer without Internal.
func InternalStatement(subject, predicate string) bool {
	return internalPredicate(predicate) || strings.Contains(subject, "#extra-")
}

// internalPredicate reports whether a statement of a pill in the content graph is an internal
// field (Redact's fields, as RDF).
func internalPredicate(p string) bool {
	switch p {
	case ontology.SKOSNote, ontology.ExtraField, ontology.ValidatedBy, ontology.ValidatorName:
		return true
	}
	return false
}

// PillAs reads pill iri as viewer v sees it at time at (now when zero): ErrNotFound when the
// viewer may not see it, internal fields cleared when the viewer may not see them.
func (s *Store) PillAs(ctx context.Context, iri string, v Viewer, at time.Time) (*Pill, error) {
	p, err := s.Pill(ctx, iri)
	if err != nil {
		return nil, err
	}
	return visible(p, v, at)
}

// PillByCodeAs is PillByCode through the visibility rule (see PillAs).
func (s *Store) PillByCodeAs(ctx context.Context, code string, v Viewer, at time.Time) (*Pill, error) {
	p, err := s.PillByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	return visible(p, v, at)
}

func visible(p *Pill, v Viewer, at time.Time) (*Pill, error) {
	if at.IsZero() {
		at = time.Now()
	}
	if !v.Sees(p, at) {
		return nil, ErrNotFound
	}
	v.Redact(p)
	return p, nil
}
