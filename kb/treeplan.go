package kb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/internal/textfold"
	"sportello/ontology"
)

// This file holds the changes of the classification tree (KB-1) that touch more than one
// concept: merging a concept into another, and a plan of moves, merges and mappings applied in
// one transaction (the wizard that folds imported legacy categories into the life-event tree).
// Every step is recorded in the history with who and when; pills follow a merge through the
// workflow (Batch.RefilePill), never by writing their statements here.

// TreeAction is what a plan does to one concept.
type TreeAction string

const (
	TreeMove  TreeAction = "move"  // the concept goes under Target (its only parent)
	TreeMerge TreeAction = "merge" // the concept is merged into Target, which survives
	TreeMap   TreeAction = "map"   // the concept is mapped to Target, a national concept
)

// Mapping relations to the national vocabularies (SKOS mapping properties).
const (
	MatchExact  = "exact"
	MatchClose  = "close"
	MatchNarrow = "narrow"
	MatchBroad  = "broad"
)

// TreeStep is one change of a TreePlan.
type TreeStep struct {
	Concept  string     `json:"concept"`
	Action   TreeAction `json:"action"`
	Target   string     `json:"target"`
	Relation string     `json:"relation,omitempty"` // for TreeMap: exact, close, narrow or broad
}

// MergeConcepts merges concept from into concept into (see TreePlan).
func (s *Store) MergeConcepts(ctx context.Context, from, into, actor string, at time.Time) error {
	return s.ApplyTreePlan(ctx, []TreeStep{{Concept: from, Action: TreeMerge, Target: into}}, actor, at)
}

// ApplyTreePlan applies steps in order, in one transaction: all of them or none.
//   - move: the concept goes under the target, its one parent from now on;
//   - merge: the concept's narrower concepts, pills (re-filed through the workflow, live and
//     open versions), labels (its preferred labels become alternative ones) and mappings go to
//     the target; the concept leaves the tree but keeps its labels, owl:deprecated and
//     dct:isReplacedBy the target, so that its IRI still resolves (ReplacedBy);
//   - map: the concept gets a mapping (exact, close, narrow or broad match) to the target, a
//     concept of the embedded national vocabularies.
//
// Errors are ValidationErrors in Italian naming the concept (its label) and the field.
func (s *Store) ApplyTreePlan(ctx context.Context, steps []TreeStep, actor string, at time.Time) error {
	if strings.TrimSpace(actor) == "" {
		return &ValidationError{Resource: "", Field: "actor", Msg: "manca chi fa la modifica"}
	}
	if len(steps) > maxPlanSteps {
		return &ValidationError{Field: "steps", Msg: fmt.Sprintf("troppe modifiche in una volta: %d (al massimo %d)", len(steps), maxPlanSteps)}
	}
	vocab := map[string]string{}
	if slices.ContainsFunc(steps, func(st TreeStep) bool { return st.Action == TreeMap }) {
		vs, err := s.VocabularyConcepts(ctx)
		if err != nil {
			return err
		}
		for _, v := range vs {
			vocab[v.IRI] = v.Label("it")
		}
	}
	return s.Update(ctx, func(b *Batch) error {
		e := &treeEdit{b: b, cache: map[string]*Concept{}, retired: map[string]string{}, actor: actor, at: at, vocab: vocab}
		for _, st := range steps {
			var err error
			switch st.Action {
			case TreeMove:
				err = e.move(st.Concept, st.Target)
			case TreeMerge:
				err = e.merge(st.Concept, st.Target)
			case TreeMap:
				err = e.mapTo(st.Concept, st.Target, st.Relation)
			default:
				err = &ValidationError{Resource: st.Concept, Field: "action", Msg: fmt.Sprintf("azione sconosciuta %q", st.Action)}
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// maxPlanSteps bounds one plan: a few hundred legacy categories at most.
const maxPlanSteps = 2000

// treeEdit is a plan under way: the concepts it changed so far (reads inside a batch see the
// store as it was, so later steps read the plan's own copies).
type treeEdit struct {
	b       *Batch
	cache   map[string]*Concept
	retired map[string]string // merged concept → survivor
	actor   string
	at      time.Time
	n       int
	vocab   map[string]string
}

func (e *treeEdit) get(iri string) (*Concept, error) {
	if c, ok := e.cache[iri]; ok {
		return c, nil
	}
	if into, ok := e.retired[iri]; ok {
		return nil, &ValidationError{Resource: iri, Field: "concept", Msg: fmt.Sprintf("la voce è già stata unita a %s", e.name(into))}
	}
	s := e.b.s
	s.mu.RLock()
	c := conceptFrom(iri, s.out(e.b.ctx, quad.IRI(iri), ontology.GraphTaxonomy))
	s.mu.RUnlock()
	if c == nil {
		return nil, &ValidationError{Resource: iri, Field: "concept", Msg: fmt.Sprintf("%s non è una voce dell'albero", iri)}
	}
	e.cache[iri] = c
	return c, nil
}

func (e *treeEdit) name(iri string) string {
	if c, err := e.get(iri); err == nil {
		return "«" + c.Label("it") + "»"
	}
	if l, ok := e.vocab[iri]; ok {
		return "«" + l + "»"
	}
	return iri
}

// put writes c and records the change; each change of a plan gets its own instant, so two
// changes of one concept stay two entries of its history.
func (e *treeEdit) put(c *Concept, action, detail string) error {
	if err := e.b.PutConcept(c); err != nil {
		return err
	}
	e.cache[c.IRI] = c
	e.record(c.IRI, action, detail)
	return nil
}

func (e *treeEdit) record(iri, action, detail string) {
	e.b.recordConceptChange(ConceptChange{Concept: iri, Actor: e.actor, At: e.at.Add(time.Duration(e.n)), Action: action, Detail: detail})
	e.n++
}

// ancestorOrSelf reports whether a is iri or one of its ancestors, through every parent.
func (e *treeEdit) ancestorOrSelf(a, iri string) bool {
	seen := map[string]bool{}
	up := []string{iri}
	for len(up) > 0 {
		p := up[len(up)-1]
		up = up[:len(up)-1]
		if p == a {
			return true
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		if c, err := e.get(p); err == nil {
			up = append(up, c.Parents()...)
		}
	}
	return false
}

// children lists the concepts directly below iri as the plan leaves them.
func (e *treeEdit) children(iri string) []string {
	s := e.b.s
	s.mu.RLock()
	stored := s.narrower(e.b.ctx, iri, false)
	s.mu.RUnlock()
	var out []string
	for _, k := range stored {
		if c, ok := e.cache[k]; ok && !slices.Contains(c.Parents(), iri) {
			continue
		}
		if _, gone := e.retired[k]; !gone {
			out = append(out, k)
		}
	}
	for k, c := range e.cache {
		if slices.Contains(c.Parents(), iri) && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func (e *treeEdit) move(iri, parent string) error {
	c, err := e.get(iri)
	if err != nil {
		return err
	}
	if parent != "" {
		if _, err := e.get(parent); err != nil {
			return err
		}
		if e.ancestorOrSelf(iri, parent) {
			return &ValidationError{Resource: iri, Field: "move", Msg: fmt.Sprintf("%s non può andare sotto %s: è una sua voce inferiore", e.name(iri), e.name(parent))}
		}
	}
	if len(c.Parents()) == 1 && c.Broader == parent {
		return nil
	}
	c.Broader, c.AlsoBroader = parent, nil
	where := "la radice"
	if parent != "" {
		where = e.name(parent)
	}
	return e.put(c, "modifica", "spostata sotto "+where)
}

func (e *treeEdit) mapTo(iri, target, relation string) error {
	c, err := e.get(iri)
	if err != nil {
		return err
	}
	if _, ok := e.vocab[target]; !ok {
		return &ValidationError{Resource: iri, Field: "match", Msg: fmt.Sprintf("%s non è una voce dei vocabolari nazionali", target)}
	}
	var list *[]string
	var what string
	switch relation {
	case MatchExact, "":
		list, what = &c.ExactMatch, "corrispondenza esatta"
	case MatchClose:
		list, what = &c.CloseMatch, "corrispondenza vicina"
	case MatchNarrow:
		list, what = &c.NarrowMatch, "corrispondenza più specifica"
	case MatchBroad:
		list, what = &c.BroadMatch, "corrispondenza più generale"
	default:
		return &ValidationError{Resource: iri, Field: "match", Msg: fmt.Sprintf("relazione sconosciuta %q", relation)}
	}
	if slices.Contains(*list, target) {
		return nil
	}
	// One relation per target: a new one replaces another.
	for _, l := range []*[]string{&c.ExactMatch, &c.CloseMatch, &c.NarrowMatch, &c.BroadMatch} {
		*l = slices.DeleteFunc(*l, func(x string) bool { return x == target })
	}
	*list = append(*list, target)
	return e.put(c, "modifica", what+": "+e.name(target))
}

func (e *treeEdit) merge(from, into string) error {
	if from == into {
		return &ValidationError{Resource: from, Field: "merge", Msg: "una voce non si unisce a sé stessa"}
	}
	fc, err := e.get(from)
	if err != nil {
		return err
	}
	ic, err := e.get(into)
	if err != nil {
		return err
	}
	if e.ancestorOrSelf(from, into) {
		return &ValidationError{Resource: from, Field: "merge", Msg: fmt.Sprintf("%s è una voce inferiore di %s: unisci nell'altro senso o spostala prima", e.name(into), e.name(from))}
	}
	fromName, intoName := e.name(from), e.name(into)

	// Labels: the merged concept's names stay findable as synonyms of the survivor.
	taken := map[string]bool{}
	for _, l := range ic.PrefLabel {
		taken[textfold.Fold(l)] = true
	}
	addLabels := func(dst *map[string][]string, src map[string][]string) {
		for _, lang := range sortedKeys(src) {
			for _, l := range src[lang] {
				if k := textfold.Fold(l); k != "" && !taken[k] {
					taken[k] = true
					if *dst == nil {
						*dst = map[string][]string{}
					}
					(*dst)[lang] = append((*dst)[lang], l)
				}
			}
		}
	}
	for _, ls := range ic.AltLabels {
		for _, l := range ls {
			taken[textfold.Fold(l)] = true
		}
	}
	pref := map[string][]string{}
	for lang, l := range fc.PrefLabel {
		pref[lang] = []string{l}
	}
	addLabels(&ic.AltLabels, pref)
	addLabels(&ic.AltLabels, fc.AltLabels)
	for _, ls := range ic.HiddenLabels {
		for _, l := range ls {
			taken[textfold.Fold(l)] = true
		}
	}
	addLabels(&ic.HiddenLabels, fc.HiddenLabels)
	for _, m := range [][2]*[]string{{&ic.ExactMatch, &fc.ExactMatch}, {&ic.CloseMatch, &fc.CloseMatch},
		{&ic.NarrowMatch, &fc.NarrowMatch}, {&ic.BroadMatch, &fc.BroadMatch}} {
		*m[0] = sortedUnique(append(*m[0], *m[1]...))
	}
	if ic.Definition == "" {
		ic.Definition = fc.Definition
	}
	if err := e.put(ic, "unione", "unita la voce "+fromName+": sinonimi, corrispondenze, voci inferiori e schede passano qui"); err != nil {
		return err
	}

	// Narrower concepts go under the survivor.
	for _, k := range e.children(from) {
		kc, err := e.get(k)
		if err != nil {
			return err
		}
		var ps []string
		for _, p := range kc.Parents() {
			if p == from {
				p = into
			}
			if !slices.Contains(ps, p) {
				ps = append(ps, p)
			}
		}
		slices.Sort(ps)
		kc.Broader, kc.AlsoBroader = ps[0], ps[1:]
		if err := e.put(kc, "modifica", "spostata sotto "+intoName+" (unione di "+fromName+")"); err != nil {
			return err
		}
	}

	// Pills: the live and the open versions, through the workflow.
	why := fromName + " → " + intoName
	for _, p := range e.pillsOf(from) {
		if _, err := e.b.RefilePill(p, from, into, why, e.actor); err != nil {
			return err
		}
	}

	// The merged concept leaves the tree; its IRI keeps its labels and points at the survivor.
	b, g := e.b, ontology.GraphTaxonomy
	for _, p := range fc.Parents() {
		b.tx.remove(quad.Quad{Subject: quad.IRI(p), Predicate: quad.IRI(ontology.SKOSNarrower), Object: quad.IRI(from), Label: quad.IRI(g)})
	}
	b.tx.remove(quad.Quad{Subject: quad.IRI(TaxonomyScheme), Predicate: quad.IRI(ontology.SKOSHasTopConcept), Object: quad.IRI(from), Label: quad.IRI(g)})
	q := newQuads(from, g)
	for _, lang := range sortedKeys(fc.PrefLabel) {
		q.text(ontology.SKOSPrefLabel, fc.PrefLabel[lang], lang)
	}
	q.str(ontology.SKOSNotation, fc.Notation)
	q.add(ontology.OWLDeprecated, typed("true", ontology.XSDBoolean))
	q.iri(ontology.DCTIsReplacedBy, into)
	if err := b.touch(from); err != nil {
		return err
	}
	b.replace(from, g, nil, q.quads)
	delete(b.kinds, from)
	b.broader[from] = nil
	b.change.Deleted = append(b.change.Deleted, from)
	b.dirtyIdx = true
	delete(e.cache, from)
	e.retired[from] = into
	e.record(from, "unione", "unita in "+intoName)
	return nil
}

// pillsOf lists the pills whose live or open version concept iri classifies: the content graph
// holds one version of each, the history graph the others.
func (e *treeEdit) pillsOf(iri string) []string {
	s := e.b.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, v := range s.subjects(e.b.ctx, ontology.DCTSubject, quad.IRI(iri), ontology.GraphContent) {
		out = append(out, iriOf(v))
	}
	for _, v := range s.subjects(e.b.ctx, ontology.DCTSubject, quad.IRI(iri), ontology.GraphHistory) {
		if p := s.versionOf(e.b.ctx, v); p != "" {
			out = append(out, p)
		}
	}
	return sortedUnique(out)
}

// ReplacedBy is the concept that took the place of a merged concept (dct:isReplacedBy,
// followed to the end of a chain of merges), found by IRI or by the IRI's last segment; ok is
// false when id names no merged concept.
func (s *Store) ReplacedBy(ctx context.Context, id string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	from := ""
	for _, v := range s.subjects(ctx, ontology.OWLDeprecated, typed("true", ontology.XSDBoolean), ontology.GraphTaxonomy) {
		iri := iriOf(v)
		if iri == id || (!strings.Contains(id, "/") && iri[strings.LastIndexAny(iri, "/#")+1:] == id) {
			from = iri
			break
		}
	}
	if from == "" {
		return "", false
	}
	cur := from
	for range 32 { // a chain of merges is short; a loop in imported data must end
		var next string
		for _, q := range s.quadsDirPred(ctx, quad.Subject, quad.IRI(cur), ontology.DCTIsReplacedBy, ontology.GraphTaxonomy) {
			next = iriOf(q.Object)
		}
		if next == "" {
			break
		}
		cur = next
	}
	return cur, cur != from
}
