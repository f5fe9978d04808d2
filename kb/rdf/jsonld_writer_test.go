package rdf

import (
	"encoding/json"
	"math/rand"
	"testing"

	"github.com/cayleygraph/quad"
)

// TestJSONLDStreamRuns writes datasets in orders a streaming writer meets — a subject's
// statements split across runs, graphs left and entered again, blank nodes as subjects, objects
// and graph names, rdf:type with IRIs, blank nodes and literals, awkward literals — and reads
// them back through json-gold: the same dataset, from a valid JSON document.
func TestJSONLDStreamRuns(t *testing.T) {
	seed := int64(20261203)
	rng := rand.New(rand.NewSource(seed))
	subjects := []quad.Value{quad.IRI("https://sportello.example.it/kb/a"), quad.IRI("https://schema.org/x"), quad.BNode("b1"), quad.BNode("weird label/1")}
	preds := []quad.IRI{"https://schema.org/name", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "http://purl.org/dc/terms/title", "https://example.org/p?q=1", "https://w3id.org/sportello/ontology#version"}
	objects := []quad.Value{
		quad.IRI("https://schema.org/Question"), quad.BNode("b1"), quad.String("tab\tnewline\n \"quote\" \\ back"),
		quad.LangString{Value: "città", Lang: "it"}, quad.TypedString{Value: "01", Type: "http://www.w3.org/2001/XMLSchema#integer"},
		quad.String("\u2028 separatore, emoji 😀, nul \x01"), quad.IRI("https://sportello.example.it/kb/a"),
	}
	graphs := []quad.Value{nil, quad.IRI("https://w3id.org/sportello/graph/content"), quad.BNode("g")}
	for round := 0; round < 30; round++ {
		seen := map[quad.Quad]bool{}
		var qs []quad.Quad
		for i := 0; i < 1+rng.Intn(40); i++ {
			q := quad.Quad{Subject: subjects[rng.Intn(len(subjects))], Predicate: preds[rng.Intn(len(preds))],
				Object: objects[rng.Intn(len(objects))], Label: graphs[rng.Intn(len(graphs))]}
			if !seen[q] {
				seen[q] = true
				qs = append(qs, q)
			}
		}
		for _, opt := range []WriterOptions{{}, {Prefixes: peerPrefixes}} {
			data := peerWriteAll(t, JSONLD, qs, opt)
			var doc map[string]any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatalf("seed %d round %d: not JSON: %v\n%s", seed, round, err, data)
			}
			back := peerReadAll(t, JSONLD, data, ReaderOptions{})
			if !Isomorphic(jlLowerLangs(qs), back) {
				t.Fatalf("seed %d round %d: %d statements written, %d read back\n%s", seed, round, len(qs), len(back), data)
			}
		}
	}
}
