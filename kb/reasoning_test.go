package kb

import (
	"context"
	"testing"

	"github.com/cayleygraph/quad"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// rdfsClosure applies the RDFS entailment rules that add types and statements (rdfs2 domain,
// rdfs3 range, rdfs5/7 sub-properties, rdfs9/11 sub-classes) to a set of triples, until
// nothing new comes.
func rdfsClosure(quads []quad.Quad) map[[3]quad.Value]bool {
	set := map[[3]quad.Value]bool{}
	for _, q := range quads {
		set[[3]quad.Value{q.Subject, q.Predicate, q.Object}] = true
	}
	typ := quad.IRI(ontology.RDFType)
	for changed := true; changed; {
		changed = false
		domain, rng, subP, subC := map[quad.Value][]quad.Value{}, map[quad.Value][]quad.Value{}, map[quad.Value][]quad.Value{}, map[quad.Value][]quad.Value{}
		for t := range set {
			switch iriOf(t[1]) {
			case ontology.RDFS + "domain":
				domain[t[0]] = append(domain[t[0]], t[2])
			case ontology.RDFS + "range":
				rng[t[0]] = append(rng[t[0]], t[2])
			case ontology.RDFS + "subPropertyOf":
				subP[t[0]] = append(subP[t[0]], t[2])
			case ontology.RDFSSubClass:
				subC[t[0]] = append(subC[t[0]], t[2])
			}
		}
		var add [][3]quad.Value
		for t := range set {
			for _, c := range domain[t[1]] {
				add = append(add, [3]quad.Value{t[0], typ, c})
			}
			if _, lit := t[2].(quad.IRI); lit {
				for _, c := range rng[t[1]] {
					add = append(add, [3]quad.Value{t[2], typ, c})
				}
			}
			for _, p := range subP[t[1]] {
				add = append(add, [3]quad.Value{t[0], p, t[2]})
			}
			if t[1] == typ {
				for _, c := range subC[t[2]] {
					add = append(add, [3]quad.Value{t[0], typ, c})
				}
			}
			for _, c := range subC[t[2]] {
				if iriOf(t[1]) == ontology.RDFSSubClass {
					add = append(add, [3]quad.Value{t[0], t[1], c})
				}
			}
		}
		for _, t := range add {
			if !set[t] {
				set[t] = true
				changed = true
			}
		}
	}
	return set
}

// TestReasoningCountsLivePills: RDFS reasoning over a whole export (ontology included) finds as
// many sp:KnowledgePill as the store holds pills, however many versions, imported texts kept
// aside and steps the history holds (a version is an sp:PillVersion, and the pill's properties
// have sp:PillDescription as domain).
func TestReasoningCountsLivePills(t *testing.T) {
	ctx := context.Background()
	s := richStore(t)
	wf := s.Workflow()
	p, _ := s.PillByCode(ctx, "SAL-012")
	for i, answer := range []string{"<p>due</p>", "<p>tre</p>"} {
		q := *p
		q.Answer = answer
		_, ev, err := wf.Edit(ctx, p.IRI, q, "pubblicatore")
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			mustStep(t)(wf.Submit(ctx, p.IRI, ev.Version, "pubblicatore"))
			mustStep(t)(wf.Approve(ctx, p.IRI, ev.Version, "validatore"))
		}
	}
	if _, err := wf.Import(ctx, ImportRequest{Content: Pill{Code: "SAL-012", Title: "Dalla cartella", Answer: "<p>quattro</p>"}, Actor: "admin"}); err != nil {
		t.Fatal(err)
	}
	if err := putPill(ctx, s, &Pill{Code: "SAL-013", Title: "Una bozza"}); err != nil {
		t.Fatal(err)
	}
	st, _ := s.Stats(ctx)
	closure := rdfsClosure(exportQuads(t, s, rdf.NQuads))
	pills, versions := 0, 0
	for tr := range closure {
		if !sameIRI(tr[1], ontology.RDFType) {
			continue
		}
		switch iriOf(tr[2]) {
		case ontology.KnowledgePill:
			pills++
		case ontology.PillVersion:
			versions++
		}
	}
	if pills != st.Pills || st.Pills != 2 {
		t.Errorf("RDFS counts %d pills, the store holds %d", pills, st.Pills)
	}
	if versions < 4 {
		t.Errorf("%d versions in the history, want at least 4", versions)
	}
}
