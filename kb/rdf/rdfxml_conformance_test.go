package rdf

import (
	"fmt"
	"path/filepath"
	"sportello/fixtures/testenv"
	"testing"
)

// TestConformanceRDFXML runs the W3C RDF/XML suite (KB-5: the legacy ontologies arrive in
// RDF/XML). The bar is rapper's, measured on the same files with raptor2 2.0.15: 125 of the 126
// evaluation tests (it fails rdfms-xmllang-test006, dropping the xml:lang of a node element from
// the property attributes on that same element) and all 40 negative syntax tests. We pass all
// 126 and 40, so there is no failing test to list. The six evaluation tests and the one negative
// test that the manifest itself comments out (XML literal namespaces and xml:lang details that
// the RDF 1.1 working group left implementation-dependent) are run apart, by file name, and
// pass too: see TestConformanceRDFXMLCommentedOut.
func TestConformanceRDFXML(t *testing.T) {
	dir := conformanceDir(t, "rdf-xml")
	evalOK, evalN := runSuite(t, "rdfxml-eval", dir, map[string]suiteTest{
		"TestXMLEval": {Format: RDFXML, Eval: true},
	})
	negOK, negN := runSuite(t, "rdfxml-negative", dir, map[string]suiteTest{
		"TestXMLNegativeSyntax": {Format: RDFXML, Negative: true},
	})
	line := fmt.Sprintf("conformance rdfxml: %d/%d eval, %d/%d negative", evalOK, evalN, negOK, negN)
	t.Log(line)
	testenv.Figure("%s", line)
	// rapper's level: one evaluation test short of all, every negative test.
	if evalN != 126 || negN != 40 {
		t.Errorf("the suite has %d eval and %d negative tests, want 126 and 40: is the manifest complete?", evalN, negN)
	}
	if evalOK < evalN-1 || negOK < negN {
		t.Errorf("%s: below rapper's level (125/126 eval, 40/40 negative)", line)
	}
}

// TestConformanceRDFXMLCommentedOut runs the entries the manifest comments out of mf:entries;
// the test files are still in the suite and our reader gets them right, so they guard the XML
// literal canonicalisation.
func TestConformanceRDFXMLCommentedOut(t *testing.T) {
	dir := conformanceDir(t, "rdf-xml")
	const base = "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-xml/"
	tests := []struct {
		name     string
		negative bool
	}{
		{"rdfms-empty-property-elements/test003", false},
		{"rdfms-empty-property-elements/test009", false},
		{"rdfms-xml-literal-namespaces/test001", false},
		{"rdfms-xml-literal-namespaces/test002", false},
		{"rdfms-xmllang/test001", false},
		{"rdfms-xmllang/test002", false},
		{"rdfms-empty-property-elements/error003", true},
	}
	passed := 0
	for _, tt := range tests {
		got, err := readFile(filepath.Join(dir, tt.name+".rdf"), RDFXML, base+tt.name+".rdf")
		switch {
		case tt.negative && err == nil:
			t.Errorf("%s: parsed without error", tt.name)
		case tt.negative:
			passed++
		case err != nil:
			t.Errorf("%s: %v", tt.name, err)
		default:
			want, err := readFile(filepath.Join(dir, tt.name+".nt"), NTriples, base+tt.name+".nt")
			if err != nil {
				t.Fatal(err)
			}
			if !Isomorphic(got, want) {
				t.Errorf("%s: result not isomorphic to the expected .nt", tt.name)
				continue
			}
			passed++
		}
	}
	line := fmt.Sprintf("conformance rdfxml (entries the manifest comments out): %d/%d passed", passed, len(tests))
	t.Log(line)
	testenv.Figure("%s", line)
}
