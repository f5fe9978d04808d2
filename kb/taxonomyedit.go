package kb

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/internal/textfold"
	"sportello/ontology"
)

// ConceptChange is a change to the classification tree made by a person in the browser (KB-1):
// who, when, what. It is kept in the history graph as a prov:Activity that used the concept.
type ConceptChange struct {
	Concept string    `json:"concept"`
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
	Action  string    `json:"action"` // Italian: "creazione", "modifica", "ritiro"
	Detail  string    `json:"detail,omitempty"`
}

// conceptChangeIRI is the activity of a change to concept iri at time at.
func conceptChangeIRI(iri string, at time.Time) string {
	return iri + "/change/" + strconv.FormatInt(at.UnixNano(), 10)
}

// SaveConcept creates or changes a concept of the tree (Batch.PutConcept: labels, parent,
// synonyms, mappings) and records in the history graph who did it, when and what changed, in
// one transaction. c.IRI is set for a new concept.
func (s *Store) SaveConcept(ctx context.Context, c *Concept, actor string, at time.Time) error {
	if strings.TrimSpace(actor) == "" {
		return &ValidationError{Resource: c.IRI, Field: "actor", Msg: "manca chi fa la modifica"}
	}
	var old *Concept
	if c.IRI != "" {
		s.mu.RLock()
		old = conceptFrom(c.IRI, s.out(ctx, quad.IRI(c.IRI), ontology.GraphTaxonomy))
		s.mu.RUnlock()
	}
	// The history names concepts by label, not IRI.
	name := func(iri string) string {
		if x, err := s.Concept(ctx, iri); err == nil {
			return "«" + x.Label("it") + "»"
		}
		return iri
	}
	detail := conceptDiff(old, c, name)
	return s.Update(ctx, func(b *Batch) error {
		if err := b.PutConcept(c); err != nil {
			return err
		}
		action := "modifica"
		if old == nil {
			action = "creazione"
		}
		b.recordConceptChange(ConceptChange{Concept: c.IRI, Actor: actor, At: at, Action: action, Detail: detail})
		return nil
	})
}

// RetireConcept takes a concept out of the tree (Batch.DeleteConcept: refused while it has
// narrower concepts or classifies pills) and records who did it and when; the history keeps
// its labels.
func (s *Store) RetireConcept(ctx context.Context, iri, actor string, at time.Time) error {
	if strings.TrimSpace(actor) == "" {
		return &ValidationError{Resource: iri, Field: "actor", Msg: "manca chi fa la modifica"}
	}
	c, err := s.Concept(ctx, iri)
	if err != nil {
		return err
	}
	return s.Update(ctx, func(b *Batch) error {
		if err := b.DeleteConcept(iri); err != nil {
			return err
		}
		b.recordConceptChange(ConceptChange{Concept: iri, Actor: actor, At: at, Action: "ritiro", Detail: "«" + c.Label("it") + "»"})
		return nil
	})
}

func (b *Batch) recordConceptChange(ch ConceptChange) {
	act := conceptChangeIRI(ch.Concept, ch.At)
	q := newQuads(act, ontology.GraphHistory)
	q.iri(ontology.RDFType, ontology.PROVActivity)
	q.text(ontology.RDFSLabel, ch.Action, "it")
	q.iri(ontology.PROVUsed, ch.Concept)
	q.iri(ontology.PROVWasAssociatedWith, UserIRI(ch.Actor))
	q.add(ontology.PROVStartedAtTime, dateTime(ch.At))
	q.add(ontology.PROVEndedAtTime, dateTime(ch.At))
	q.text(ontology.RDFSComment, ch.Detail, "it")
	for _, x := range q.quads {
		b.tx.add(x)
	}
	agent := quad.Quad{Subject: quad.IRI(UserIRI(ch.Actor)), Predicate: quad.IRI(ontology.RDFType), Object: quad.IRI(ontology.PROVAgent), Label: quad.IRI(ontology.GraphHistory)}
	b.s.mu.RLock()
	has := b.s.hasType(b.ctx, agent.Subject, ontology.PROVAgent, ontology.GraphHistory)
	b.s.mu.RUnlock()
	if !has {
		b.tx.add(agent)
		b.tx.add(quad.Quad{Subject: agent.Subject, Predicate: quad.IRI(ontology.RDFSLabel), Object: quad.String(ch.Actor), Label: agent.Label})
	}
}

// readChange reads the activity a of the history graph as a change (what, who, when), the one
// shape concepts', offices' and people's changes are recorded in; callers hold s.mu.
func (s *Store) readChange(ctx context.Context, a quad.Value) ConceptChange {
	var ch ConceptChange
	for _, q := range s.out(ctx, a, ontology.GraphHistory) {
		switch iriOf(q.Predicate) {
		case ontology.RDFSLabel:
			ch.Action = lex(q.Object)
		case ontology.RDFSComment:
			ch.Detail = lex(q.Object)
		case ontology.PROVWasAssociatedWith:
			ch.Actor = UserName(iriOf(q.Object))
		case ontology.PROVStartedAtTime:
			ch.At, _ = parseTime(q.Object)
		}
	}
	return ch
}

// ConceptHistory lists the changes recorded for concept iri, newest first. It starts from the
// object index of prov:used in the history graph.
func (s *Store) ConceptHistory(ctx context.Context, iri string) ([]ConceptChange, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []ConceptChange
	prefix := iri + "/change/"
	for _, a := range s.subjects(ctx, ontology.PROVUsed, quad.IRI(iri), ontology.GraphHistory) {
		act := iriOf(a)
		if !strings.HasPrefix(act, prefix) {
			continue
		}
		ch := s.readChange(ctx, a)
		ch.Concept = iri
		out = append(out, ch)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, ctx.Err()
}

// VocabularyConcepts lists the concepts of the embedded national vocabularies (life events,
// business events, subject matters), by Italian label: the targets of the tree's mappings.
func (s *Store) VocabularyConcepts(ctx context.Context) ([]Concept, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Concept
	for _, v := range s.subjects(ctx, ontology.RDFType, quad.IRI(ontology.SKOSConcept), ontology.GraphVocabulary) {
		if c := conceptFrom(iriOf(v), s.out(ctx, v, ontology.GraphVocabulary)); c != nil {
			out = append(out, *c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return textfold.Fold(out[i].Label("it")) < textfold.Fold(out[j].Label("it"))
	})
	return out, ctx.Err()
}

// conceptDiff says in Italian what changed from old to c, for the history.
func conceptDiff(old, c *Concept, name func(string) string) string {
	if old == nil {
		old = &Concept{}
	}
	var parts []string
	for _, lang := range []string{"it", "en"} {
		if a, b := old.PrefLabel[lang], c.PrefLabel[lang]; a != b {
			parts = append(parts, fmt.Sprintf("etichetta (%s): «%s» → «%s»", lang, a, b))
		}
	}
	if a, b := sortedUnique(old.Parents()), sortedUnique(c.Parents()); !slices.Equal(a, b) {
		parent := "la radice"
		if len(b) > 0 {
			names := make([]string, len(b))
			for i, p := range b {
				names[i] = name(p)
			}
			parent = strings.Join(names, " e ")
		}
		parts = append(parts, "spostata sotto "+parent)
	}
	list := func(what string, a, b []string, named bool) {
		a, b = sortedUnique(slices.Clone(a)), sortedUnique(slices.Clone(b))
		if slices.Equal(a, b) {
			return
		}
		shown := slices.Clone(b)
		if named {
			for i := range shown {
				shown[i] = name(shown[i])
			}
		}
		parts = append(parts, fmt.Sprintf("%s: %s", what, orNone(strings.Join(shown, ", "))))
	}
	list("sinonimi", old.AltLabels["it"], c.AltLabels["it"], false)
	list("etichette nascoste", old.HiddenLabels["it"], c.HiddenLabels["it"], false)
	list("corrispondenza esatta", old.ExactMatch, c.ExactMatch, true)
	list("corrispondenza vicina", old.CloseMatch, c.CloseMatch, true)
	list("corrispondenza più specifica", old.NarrowMatch, c.NarrowMatch, true)
	list("corrispondenza più generale", old.BroadMatch, c.BroadMatch, true)
	return strings.Join(parts, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "nessuno"
	}
	return s
}
