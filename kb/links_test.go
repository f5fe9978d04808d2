package kb_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"sportello/fixtures"
	"sportello/fixtures/testenv"
	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/ontology"
)

// TestScriptLinksAreNotPublished: a pill whose links reach the store by an RDF import — a
// javascript: web link, a data: form, a link written in capitals and with spaces — keeps only
// its http, https, mailto and tel links when it is read (what pages, the JSON-LD of a page and
// the API show) and in every RDF export (the open-data downloads).
func TestScriptLinksAreNotPublished(t *testing.T) {
	ctx := context.Background()
	s, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := fixtures.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	pill := kb.PillIRI("TRI-001")
	content := ontology.GraphContent
	evil := strings.Join([]string{
		`<` + pill + `> <` + ontology.RDFSSeeAlso + `> <javascript:alert(document.cookie)> <` + content + `> .`,
		`<` + pill + `> <` + ontology.RDFSSeeAlso + `> <JavaScript:alert(1)> <` + content + `> .`,
		`<javascript:alert(document.cookie)> <` + ontology.RDFSLabel + `> "Clicca qui" <` + content + `> .`,
		`<` + pill + `> <` + ontology.RDFSSeeAlso + `> <mailto:urp@regione.example.it> <` + content + `> .`,
		`<` + pill + `> <` + ontology.Form + `> <` + pill + `#form-9> <` + content + `> .`,
		`<` + pill + `#form-9> <` + ontology.SchemaURL + `> "  vbscript:msgbox(1)" <` + content + `> .`,
		`<` + pill + `#form-9> <` + ontology.SchemaName + `> "Modulo" <` + content + `> .`,
		`<` + pill + `> <` + ontology.Form + `> <` + pill + `#form-8> <` + content + `> .`,
		`<` + pill + `#form-8> <` + ontology.SchemaURL + `> <data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==> <` + content + `> .`,
	}, "\n") + "\n"
	if _, err := s.Import(ctx, strings.NewReader(evil), rdf.NQuads, kb.ImportOptions{File: "evil.nq"}); err != nil {
		t.Fatal(err)
	}
	p, err := s.Pill(ctx, pill)
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, l := range append(append([]kb.Link(nil), p.Links...), p.Forms...) {
		urls = append(urls, l.URL)
	}
	joined := strings.ToLower(strings.Join(urls, " "))
	for _, bad := range []string{"javascript:", "vbscript:", "data:"} {
		if strings.Contains(joined, bad) {
			t.Errorf("the pill read back links to %s: %v", bad, urls)
		}
	}
	if !strings.Contains(joined, "mailto:urp@regione.example.it") || !strings.Contains(joined, "/tributi/bollo-auto") {
		t.Errorf("the safe links went too: %v", urls)
	}
	dropped := 0
	for _, f := range []rdf.Format{rdf.Turtle, rdf.NTriples, rdf.NQuads, rdf.TriG, rdf.RDFXML, rdf.JSONLD} {
		var b bytes.Buffer
		if err := s.Export(ctx, &b, f, ""); err != nil {
			t.Fatal(err)
		}
		out := strings.ToLower(b.String())
		for _, bad := range []string{"javascript:", "vbscript:", "data:text"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s export publishes %s", f, bad)
			}
		}
		if !strings.Contains(out, "mailto:urp@regione.example.it") {
			t.Errorf("%s export lost the mailto link", f)
		}
		dropped++
	}
	testenv.Figure("kb: a pill with javascript:, vbscript: and data: links imported as RDF: 0 of them in the pill read back, 0 in %d export formats; its mailto and https links kept", dropped)
}

func TestSafeLinks(t *testing.T) {
	in := []kb.Link{{URL: "https://a.example"}, {URL: "javascript:x"}, {URL: "tel:+39 0544 1"}, {URL: "www.legacy.example/x"},
		{URL: "data:,x"}, {URL: "\x01java\tscript:alert(1)"}, {URL: " JAVASCRIPT:x"}, {URL: "ftp://x"}, {URL: ""}}
	got := kb.SafeLinks(in)
	if len(got) != 3 || got[0].URL != "https://a.example" || got[1].URL != "tel:+39 0544 1" || got[2].URL != "www.legacy.example/x" {
		t.Fatalf("SafeLinks = %+v", got)
	}
	if in[1].URL != "javascript:x" {
		t.Fatal("SafeLinks changed its input")
	}
	if kb.SafeLinks([]kb.Link{{URL: "javascript:x"}}) != nil {
		t.Fatal("no safe link should be nil")
	}
}

// TestCheckLinks: where pills come in, a link of another scheme is refused with its field,
// however it is disguised; safe links and scheme-less legacy values pass.
func TestCheckLinks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		p     kb.Pill
		field string
	}{
		{"safe", kb.Pill{Answer: `<p><a href="https://www.regione.it/x">sito</a> <a href="mailto:urp@regione.it">urp</a> <a href="tel:+390544952111">tel</a></p>`,
			Links: []kb.Link{{URL: "https://a.it"}, {URL: "www.regione.it/legacy"}}, Forms: []kb.Link{{URL: "http://b.it/modulo.pdf"}}}, ""},
		{"answer", kb.Pill{Answer: `<p><a href="javascript:alert(1)">clic</a></p>`}, "answer"},
		{"answer with entities", kb.Pill{Answer: `<a href="&#106;avascript&colon;alert(1)">x</a>`}, "answer"},
		{"answer with case and tab", kb.Pill{Answer: "<A HREF=\"JaVa\tScRiPt:alert(1)\">x</A>"}, "answer"},
		{"answer data:", kb.Pill{Answer: `<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>`}, "answer"},
		{"links", kb.Pill{Links: []kb.Link{{URL: "https://ok.it"}, {URL: " javascript:alert(1)"}}}, "links"},
		{"forms", kb.Pill{Forms: []kb.Link{{URL: "vbscript:msgbox(1)"}}}, "forms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := kb.CheckLinks(&tc.p)
			var le *kb.LinkError
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.field != "" && (!errors.As(err, &le) || le.Field != tc.field):
				t.Errorf("CheckLinks = %v, want a refusal in %s", err, tc.field)
			}
		})
	}
}
