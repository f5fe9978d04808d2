package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"sportello/fixtures"
	"sportello/kb"
)

func TestSPARQLCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s, err := kb.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := fixtures.Load(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	s.Close()
	const pills = `PREFIX sp: <https://w3id.org/sportello/ontology#> SELECT (COUNT(?p) AS ?n) WHERE { ?p a sp:KnowledgePill }`
	const branch = `PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX dct: <http://purl.org/dc/terms/>
		SELECT DISTINCT ?pill WHERE { <https://w3id.org/italia/controlled-vocabulary/classifications-for-public-services/life-business-event/life-event/8> skos:closeMatch ?top .
		{ ?pill dct:subject ?top } UNION { ?c skos:broaderTransitive ?top . ?pill dct:subject ?c } }`
	cases := []struct {
		name     string
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{"select json", []string{"sparql", "--data", data, pills}, 0, `"value":"34"`, ""},
		{"select csv", []string{"sparql", "--data", data, "--format", "csv", pills}, 0, "n\r\n34\r\n", ""},
		{"select tsv", []string{"sparql", "--data", data, "--format", "tsv", pills}, 0, "?n\n34\n", ""},
		{"ask xml", []string{"sparql", "--data", data, "--format", "xml", "ASK { ?s ?p ?o }"}, 0, "<boolean>true</boolean>", ""},
		{"construct", []string{"sparql", "--data", data, "--format", "ntriples", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2"}, 0, "> .\n", ""},
		{"describe turtle", []string{"sparql", "--data", data, "DESCRIBE <https://w3id.org/sportello/id/pill/CAS-001>"}, 0, "CAS-001", ""},
		{"entailment skos", []string{"sparql", "--data", data, "--entailment", "skos", "--format", "csv", branch}, 0, "https://w3id.org/sportello/id/pill/", ""},
		{"no entailment", []string{"sparql", "--data", data, "--format", "csv", branch}, 0, "pill\r\n", ""},
		{"syntax error in Italian", []string{"sparql", "--data", data, "SELECT * WHERE { ?s ?p }"}, 1, "", "Errore di sintassi nella query SPARQL alla riga 1"},
		{"too many rows", []string{"sparql", "--data", data, "--max-rows", "10", "SELECT * WHERE { ?s ?p ?o }"}, 1, "", "più di 10 risultati"},
		{"graph format for solutions", []string{"sparql", "--data", data, "--format", "turtle", pills}, 2, "", "cannot be written as turtle"},
		{"bad format", []string{"sparql", "--data", data, "--format", "yaml", pills}, 2, "", "unknown result format"},
		{"bad entailment", []string{"sparql", "--data", data, "--entailment", "owl", pills}, 2, "", "unknown entailment"},
		{"no query", []string{"sparql", "--data", data}, 2, "", "give one query"},
		{"missing data", []string{"sparql", "--data", filepath.Join(data, "nessuno"), pills}, 1, "", "no knowledge graph"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := sportello(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errOut)
			}
			if !strings.Contains(out, c.inStdout) {
				t.Errorf("stdout lacks %q:\n%s", c.inStdout, out)
			}
			if !strings.Contains(errOut, c.inStderr) {
				t.Errorf("stderr lacks %q:\n%s", c.inStderr, errOut)
			}
		})
	}
	// with reasoning the life event finds pills; without, only the header
	_, with, _ := sportello(t, "sparql", "--data", data, "--entailment", "skos", "--format", "csv", branch)
	_, without, _ := sportello(t, "sparql", "--data", data, "--format", "csv", branch)
	if strings.Count(with, "\n") < 2 || strings.Count(without, "\n") != 1 {
		t.Errorf("entailment: %q vs %q", with, without)
	}
}
