package kb

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/ontology"
)

// The citizens' portal reads the knowledge base by the national life events (AgID's vocabulary,
// ontology.LifeEventScheme, in the vocabularies graph): the tree's concepts map to them with
// skos:closeMatch (KB-1), and the pills filed under those concepts, or narrower ones, are the
// life event's. What a reader sees goes through the one visibility rule (Viewer).

// LifeEvent is a national life event with the tree's concepts mapped to it.
type LifeEvent struct {
	Concept          // the national concept: IRI, notation, labels, definition
	Mapped  []string // the tree's concepts whose skos:closeMatch is this event, sorted
	Pills   int      // the pills the viewer sees under them (LifeEventsAs)
}

// Code is the event's notation ("8"), the key of its page.
func (e LifeEvent) Code() string {
	if e.Notation != "" {
		return e.Notation
	}
	return e.IRI[len(ontology.LifeEventScheme)+1:]
}

// LifeEventsAs lists the national life events in the vocabulary's order, each with the tree's
// concepts mapped to it and how many pills viewer v sees under them at time at (now when zero).
func (s *Store) LifeEventsAs(ctx context.Context, v Viewer, at time.Time) ([]LifeEvent, error) {
	evs, err := s.lifeEvents(ctx)
	if err != nil {
		return nil, err
	}
	// Counting reads each pill's few head statements, not whole pills: the portal's home
	// page is the one most visited.
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i := range evs {
		seen := map[string]bool{}
		for _, c := range evs[i].Mapped {
			heads, err := s.pillHeads(ctx, PillFilter{Concept: c, Viewer: &v, At: at})
			if err != nil {
				return nil, err
			}
			for _, h := range heads {
				seen[h.IRI] = true
			}
		}
		evs[i].Pills = len(seen)
	}
	return evs, nil
}

// LifeEventAs is one life event by its code with the pills viewer v sees under it (titles
// sorted); ErrNotFound when the vocabulary has no such event.
func (s *Store) LifeEventAs(ctx context.Context, code string, v Viewer, at time.Time) (*LifeEvent, []Pill, error) {
	evs, err := s.lifeEvents(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range evs {
		if e.Code() == code {
			ps, err := s.lifeEventPills(ctx, e.Mapped, v, at)
			e.Pills = len(ps)
			return &e, ps, err
		}
	}
	return nil, nil, fmt.Errorf("life event %q: %w", code, ErrNotFound)
}

// lifeEvents is the vocabulary's life events and the tree's mapping to them, a copy of the
// list kept until a write to the taxonomy or the vocabularies drops it (invalidateLabels).
func (s *Store) lifeEvents(ctx context.Context) ([]LifeEvent, error) {
	s.lmu.Lock()
	evs, gen := s.events, s.eventsGen
	s.lmu.Unlock()
	if evs == nil {
		var err error
		if evs, err = s.readLifeEvents(ctx); err != nil {
			return nil, err
		}
		s.lmu.Lock()
		if s.eventsGen == gen {
			s.events = evs
		}
		s.lmu.Unlock()
	}
	return slices.Clone(evs), nil
}

// readLifeEvents reads the vocabulary's life events and the tree's mapping to them.
func (s *Store) readLifeEvents(ctx context.Context) ([]LifeEvent, error) {
	var evs []LifeEvent
	s.mu.RLock()
	iris := s.subjects(ctx, ontology.SKOSInScheme, quad.IRI(ontology.LifeEventScheme), ontology.GraphVocabulary)
	s.mu.RUnlock()
	for _, iri := range iris {
		i, ok := iri.(quad.IRI)
		if !ok {
			continue
		}
		c, err := s.Concept(ctx, string(i))
		if err != nil {
			return nil, err
		}
		evs = append(evs, LifeEvent{Concept: *c})
	}
	tree, err := s.Concepts(ctx)
	if err != nil {
		return nil, err
	}
	for i := range evs {
		for _, c := range tree {
			// A concept the same as, close to or narrower than the event files its pills there.
			if slices.Contains(c.CloseMatch, evs[i].IRI) || slices.Contains(c.ExactMatch, evs[i].IRI) || slices.Contains(c.BroadMatch, evs[i].IRI) {
				evs[i].Mapped = append(evs[i].Mapped, c.IRI)
			}
		}
		slices.Sort(evs[i].Mapped)
	}
	// The vocabulary's order is its notation, a number.
	slices.SortFunc(evs, func(a, b LifeEvent) int {
		x, _ := strconv.Atoi(a.Code())
		y, _ := strconv.Atoi(b.Code())
		return x - y
	})
	return evs, nil
}

// lifeEventPills is the pills v sees under any of concepts (or narrower ones), once each,
// sorted by title.
func (s *Store) lifeEventPills(ctx context.Context, concepts []string, v Viewer, at time.Time) ([]Pill, error) {
	seen := map[string]bool{}
	var out []Pill
	for _, c := range concepts {
		ps, err := s.Pills(ctx, PillFilter{Concept: c, Viewer: &v, At: at})
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if !seen[p.IRI] {
				seen[p.IRI] = true
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(a, b Pill) int { return strings.Compare(a.Title, b.Title) })
	return out, nil
}

// RelatedAs is up to n pills viewer v sees that share a concept with p, p itself aside: those
// of its own concepts first, then of their broader ones.
func (s *Store) RelatedAs(ctx context.Context, p *Pill, v Viewer, at time.Time, n int) ([]Pill, error) {
	var out []Pill
	seen := map[string]bool{p.IRI: true}
	concepts := slices.Clone(p.Concepts)
	for _, iri := range p.Concepts {
		if c, err := s.Concept(ctx, iri); err == nil {
			concepts = append(concepts, c.Parents()...)
		}
	}
	// The heads choose; only the n chosen are read whole.
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range concepts {
		heads, err := s.pillHeads(ctx, PillFilter{Concept: c, Viewer: &v, At: at})
		if err != nil {
			return nil, err
		}
		for _, h := range heads {
			if len(out) == n {
				return out, nil
			}
			if seen[h.IRI] {
				continue
			}
			seen[h.IRI] = true
			q, err := s.readPill(ctx, h.IRI)
			if err != nil {
				return nil, err
			}
			v.Redact(q)
			out = append(out, *q)
		}
	}
	return out, nil
}

// PillFAQPage is the pill's JSON-LD (PillJSONLD: the same terms and @id as the store) as the
// mainEntity of a schema.org FAQPage, the form search engines show as a FAQ result. page is the
// IRI of the web page (empty: none).
func PillFAQPage(p *Pill, office *Unit, concepts []Concept, page string) ([]byte, error) {
	q, err := PillJSONLD(p, office, concepts)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(q, &doc); err != nil {
		return nil, err
	}
	faq := map[string]any{"@context": doc["@context"], "@type": "FAQPage", "mainEntity": doc}
	delete(doc, "@context")
	if page != "" {
		faq["@id"] = page
		faq["url"] = page
	}
	faq["inLanguage"] = doc["inLanguage"]
	return json.MarshalIndent(faq, "", "  ")
}
