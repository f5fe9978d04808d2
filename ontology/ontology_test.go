package ontology_test

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cayleygraph/quad"

	"sportello/fixtures/testenv"
	"sportello/kb/rdf"
	"sportello/ontology"
)

// triple is one statement in a comparable form: IRIs as they are, blank nodes as "_:label",
// literals with their lexical form, language and datatype apart.
type triple struct {
	S, P, O  string
	Lit      bool
	Lang, DT string
}

func (t triple) key() string {
	if t.Lit {
		return fmt.Sprintf("%s %s %q@%s^^%s", t.S, t.P, t.O, t.Lang, t.DT)
	}
	return t.S + " " + t.P + " " + t.O
}

// rapperTriples parses Turtle with rapper (Raptor, the reference C implementation) and returns
// its N-Triples output as triples.
func rapperTriples(t *testing.T, name string, ttl []byte) []triple {
	t.Helper()
	rapper := testenv.Command(t, "rapper", "raptor2-utils")
	cmd := exec.Command(rapper, "-q", "-i", "turtle", "-o", "ntriples", "-", ontology.Ontology)
	cmd.Stdin = bytes.NewReader(ttl)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("rapper rejects %s: %v\n%s", name, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Fatalf("rapper warns about %s:\n%s", name, stderr.String())
	}
	var ts []triple
	for i, line := range strings.Split(string(out), "\n") {
		if line == "" {
			continue
		}
		tr, err := parseNTriple(line)
		if err != nil {
			t.Fatalf("rapper output line %d: %v: %s", i+1, err, line)
		}
		ts = append(ts, tr)
	}
	return ts
}

var ntLine = regexp.MustCompile(`^(<[^>]*>|_:\S+) <([^>]*)> (.*) \.$`)
var ntLit = regexp.MustCompile(`^"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?$`)

// parseNTriple reads the N-Triples lines rapper writes (one statement, no comments).
func parseNTriple(line string) (triple, error) {
	m := ntLine.FindStringSubmatch(line)
	if m == nil {
		return triple{}, errors.New("not an N-Triples statement")
	}
	tr := triple{S: strings.Trim(m[1], "<>"), P: m[2]}
	o := m[3]
	switch {
	case strings.HasPrefix(o, "<"):
		tr.O = strings.Trim(o, "<>")
	case strings.HasPrefix(o, "_:"):
		tr.O = o
	default:
		lm := ntLit.FindStringSubmatch(o)
		if lm == nil {
			return triple{}, errors.New("bad object")
		}
		v, err := unescapeNT(lm[1])
		if err != nil {
			return triple{}, err
		}
		tr.Lit, tr.O, tr.Lang, tr.DT = true, v, strings.ToLower(lm[2]), lm[3]
		switch {
		case tr.Lang != "":
			tr.DT = ontology.RDFLangString
		case tr.DT == "":
			tr.DT = ontology.XSDString
		}
	}
	return tr, nil
}

func unescapeNT(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i >= len(s) {
			return "", errors.New("dangling backslash")
		}
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case '"', '\\', '\'':
			b.WriteByte(s[i])
		case 'u', 'U':
			n := 4
			if s[i] == 'U' {
				n = 8
			}
			if i+n >= len(s) {
				return "", errors.New("short \\u escape")
			}
			r, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil {
				return "", err
			}
			b.WriteRune(rune(r))
			i += n
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// ourTriples parses Turtle with Sportello's own reader (kb/rdf).
func ourTriples(t *testing.T, name string, ttl []byte) []triple {
	t.Helper()
	r, err := rdf.NewReader(bytes.NewReader(ttl), rdf.Turtle, rdf.ReaderOptions{Base: ontology.Ontology, File: name})
	if err != nil {
		t.Fatal(err)
	}
	var ts []triple
	for {
		q, err := r.ReadQuad()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("kb/rdf Turtle reader rejects %s: %v", name, err)
		}
		tr := triple{S: termString(q.Subject), P: termString(q.Predicate)}
		switch o := q.Object.(type) {
		case quad.LangString:
			tr.Lit, tr.O, tr.Lang, tr.DT = true, string(o.Value), strings.ToLower(o.Lang), ontology.RDFLangString
		case quad.TypedString:
			tr.Lit, tr.O, tr.DT = true, string(o.Value), string(o.Type)
		case quad.String:
			tr.Lit, tr.O, tr.DT = true, string(o), ontology.XSDString
		default:
			tr.O = termString(o)
		}
		ts = append(ts, tr)
	}
	return ts
}

func termString(v quad.Value) string {
	switch v := v.(type) {
	case quad.IRI:
		return string(v)
	case quad.BNode:
		return "_:" + string(v)
	case nil:
		return ""
	}
	return v.String()
}

func keys(ts []triple) []string {
	ks := make([]string, len(ts))
	for i, t := range ts {
		ks[i] = t.key()
	}
	sort.Strings(ks)
	return ks
}

// TestTurtleParses checks the ontology and the embedded vocabularies with rapper, and that
// our own reader yields exactly the same triples (KB-5: the ontology is standard Turtle, and
// the product reads it with its own code).
func TestTurtleParses(t *testing.T) {
	files := []struct {
		name string
		ttl  []byte
		min  int
	}{{"sportello.ttl", ontology.Turtle, 200}}
	for _, v := range ontology.Vocabularies {
		files = append(files, struct {
			name string
			ttl  []byte
			min  int
		}{v.Name, v.Turtle, 100})
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			want := rapperTriples(t, f.name, f.ttl)
			if len(want) < f.min {
				t.Fatalf("rapper read only %d triples from %s", len(want), f.name)
			}
			wk, gk := keys(want), keys(ourTriples(t, f.name, f.ttl))
			if strings.Join(wk, "\n") != strings.Join(gk, "\n") {
				t.Errorf("kb/rdf reads %d triples, rapper %d; first difference:\n%s", len(gk), len(wk), firstDiff(wk, gk))
			}
		})
	}
}

func firstDiff(want, got []string) string {
	for i := 0; i < len(want) && i < len(got); i++ {
		if want[i] != got[i] {
			return "rapper: " + want[i] + "\nkb/rdf: " + got[i]
		}
	}
	return fmt.Sprintf("lengths %d vs %d", len(want), len(got))
}

// TestVocabulariesParse checks the embedded national vocabularies and their concept counts
// (SOURCE.md: 19 life events, 15 business events, 15 subject matters).
func TestVocabulariesParse(t *testing.T) {
	want := map[string]struct {
		scheme   string
		concepts int
	}{
		"life-event.ttl":                      {ontology.LifeEventScheme, 19},
		"business-event.ttl":                  {ontology.BusinessEventScheme, 15},
		"public-services-subject-matters.ttl": {ontology.SubjectMatterScheme, 15},
	}
	if len(ontology.Vocabularies) != len(want) {
		t.Fatalf("%d embedded vocabularies, want %d", len(ontology.Vocabularies), len(want))
	}
	for _, v := range ontology.Vocabularies {
		t.Run(v.Name, func(t *testing.T) {
			w, ok := want[v.Name]
			if !ok {
				t.Fatalf("unexpected vocabulary %s", v.Name)
			}
			n := 0
			for _, tr := range rapperTriples(t, v.Name, v.Turtle) {
				if tr.P == ontology.SKOSInScheme && tr.O == w.scheme {
					if !strings.HasPrefix(tr.S, w.scheme+"/") {
						t.Errorf("concept %s is not named scheme + \"/\" + code", tr.S)
					}
					n++
				}
			}
			if n != w.concepts {
				t.Errorf("%d concepts in %s, want %d", n, w.scheme, w.concepts)
			}
		})
	}
}

// ownConstants type-checks iri.go and returns the name and value of every constant in the
// Sportello namespaces, so that a constant added later is checked without touching this test.
func ownConstants(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "iri.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{Defs: map[*ast.Ident]types.Object{}}
	if _, err := (&types.Config{}).Check("ontology", fset, []*ast.File{f}, info); err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	for id, obj := range info.Defs {
		c, ok := obj.(*types.Const)
		if !ok || c.Val().Kind() != constant.String {
			continue
		}
		v := constant.StringVal(c.Val())
		own := (strings.HasPrefix(v, ontology.NS) && v != ontology.NS) ||
			(strings.HasPrefix(v, ontology.Status) && v != ontology.Status)
		if own {
			consts[id.Name] = v
		}
	}
	return consts
}

// TestConstantsDeclared: every sp: IRI the Go code uses is declared in sportello.ttl.
func TestConstantsDeclared(t *testing.T) {
	declared := map[string]string{} // subject → its rdf:type
	for _, tr := range rapperTriples(t, "sportello.ttl", ontology.Turtle) {
		if tr.P == ontology.RDFType {
			declared[tr.S] = tr.O
		}
	}
	consts := ownConstants(t)
	if len(consts) < 25 {
		t.Fatalf("found only %d sp: constants in iri.go", len(consts))
	}
	for name, iri := range consts {
		if _, ok := declared[iri]; !ok {
			t.Errorf("ontology.%s = %s is not declared (no rdf:type) in sportello.ttl", name, iri)
		}
	}
	for iri := range declared {
		if !strings.HasPrefix(iri, ontology.NS) && !strings.HasPrefix(iri, ontology.Status) {
			continue
		}
		found := false
		for _, v := range consts {
			found = found || v == iri
		}
		if !found {
			t.Errorf("%s is declared in sportello.ttl but has no constant in iri.go", iri)
		}
	}
}

// TestTermsDocumented: every sp: term has an Italian and an English label and comment (or
// definition, for the statuses); every property has a domain and, but for sp:pec, a range.
func TestTermsDocumented(t *testing.T) {
	type doc struct {
		types               []string
		label, comment      map[string]bool
		hasDomain, hasRange bool
	}
	terms := map[string]*doc{}
	for _, tr := range rapperTriples(t, "sportello.ttl", ontology.Turtle) {
		own := strings.HasPrefix(tr.S, ontology.NS) || strings.HasPrefix(tr.S, ontology.Status) || tr.S == ontology.Ontology
		if !own {
			continue
		}
		d := terms[tr.S]
		if d == nil {
			d = &doc{label: map[string]bool{}, comment: map[string]bool{}}
			terms[tr.S] = d
		}
		switch tr.P {
		case ontology.RDFType:
			d.types = append(d.types, tr.O)
		case ontology.RDFSLabel:
			d.label[tr.Lang] = true
		case ontology.RDFSComment, ontology.SKOSDefinition:
			d.comment[tr.Lang] = true
		case ontology.RDFS + "domain":
			d.hasDomain = true
		case ontology.RDFS + "range":
			d.hasRange = true
		}
	}
	if len(terms) < 25 {
		t.Fatalf("only %d sp: terms in sportello.ttl", len(terms))
	}
	for iri, d := range terms {
		for _, lang := range []string{"it", "en"} {
			if !d.label[lang] {
				t.Errorf("%s has no rdfs:label@%s", iri, lang)
			}
			if !d.comment[lang] {
				t.Errorf("%s has no rdfs:comment or skos:definition @%s", iri, lang)
			}
		}
		isProp := false
		for _, ty := range d.types {
			isProp = isProp || ty == ontology.OWL+"ObjectProperty" || ty == ontology.OWL+"DatatypeProperty"
		}
		if !isProp {
			continue
		}
		if !d.hasDomain {
			t.Errorf("property %s has no rdfs:domain", iri)
		}
		// sp:pec is a sub-property of vcard:hasEmail, which gives its values (mailto: IRIs) no
		// class; inventing one would break vCard tools.
		if !d.hasRange && iri != ontology.PEC {
			t.Errorf("property %s has no rdfs:range", iri)
		}
	}
}

// TestOntologyHeader checks the metadata a catalogue needs: title, version and license.
func TestOntologyHeader(t *testing.T) {
	has := map[string]string{}
	for _, tr := range rapperTriples(t, "sportello.ttl", ontology.Turtle) {
		if tr.S == ontology.Ontology {
			has[tr.P] = tr.O
		}
	}
	tests := []struct{ pred, want string }{
		{ontology.RDFType, ontology.OWLOntology},
		{ontology.DCT + "license", "https://creativecommons.org/licenses/by/4.0/"},
		{ontology.OWL + "versionInfo", ""},
		{ontology.DCTTitle, ""},
	}
	for _, tt := range tests {
		got, ok := has[tt.pred]
		if !ok {
			t.Errorf("the ontology header has no %s", tt.pred)
		} else if tt.want != "" && got != tt.want {
			t.Errorf("%s = %s, want %s", tt.pred, got, tt.want)
		}
	}
}
