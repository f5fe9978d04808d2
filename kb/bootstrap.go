package kb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"

	"github.com/cayleygraph/quad"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// bootstrap gives a fresh store what every store has: the Sportello ontology, the national
// controlled vocabularies and the classification scheme itself, in one transaction. A store
// whose ontology graph has the ontology is left as it is.
func (s *Store) bootstrap(ctx context.Context) error {
	s.mu.RLock()
	fresh := !s.hasOntology(ctx)
	s.mu.RUnlock()
	if !fresh {
		return nil
	}
	tx := newDeltaSet()
	load := func(name string, data []byte, g string) error {
		qr, err := rdf.NewReader(bytes.NewReader(data), rdf.Turtle, rdf.ReaderOptions{File: name})
		if err != nil {
			return err
		}
		for {
			q, err := qr.ReadQuad()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("kb: embedded %s: %w", name, err)
			}
			// Blank nodes are skolemised (RDF 1.1 Concepts 3.5): an export of the store
			// re-imported into a new store, which has its own copy of these files, must merge
			// with that copy instead of doubling every blank node.
			q.Subject = skolem(name, q.Subject)
			q.Object = skolem(name, q.Object)
			q.Label = quad.IRI(g)
			tx.add(q)
		}
	}
	if err := load("sportello.ttl", ontology.Turtle, ontology.GraphOntology); err != nil {
		return err
	}
	for _, v := range ontology.Vocabularies {
		if err := load(v.Name, v.Turtle, ontology.GraphVocabulary); err != nil {
			return err
		}
	}
	q := newQuads(TaxonomyScheme, ontology.GraphTaxonomy)
	q.iri(ontology.RDFType, ontology.SKOSConceptScheme)
	q.text(ontology.SKOSPrefLabel, "Classificazione dei contenuti", "it")
	q.text(ontology.SKOSPrefLabel, "Content classification", "en")
	q.text(ontology.SKOSDefinition, "L'albero di classificazione della base di conoscenza, per eventi della vita (KB-1).", "it")
	for _, x := range q.quads {
		tx.add(x)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.apply(ctx, tx)
}

func skolem(file string, v quad.Value) quad.Value {
	if b, ok := v.(quad.BNode); ok {
		return quad.IRI(Base + ".well-known/genid/" + Slug(file) + "-" + url.PathEscape(string(b)))
	}
	return v
}
