package main

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sportello/fixtures/testenv"
)

// TestGraphStoreWithCurl drives the SPARQL 1.1 Graph Store HTTP Protocol of `sportello serve
// --demo` (the built binary) as a program would: curl signs in as the administrator and as an
// operator through POST /api/login, keeps the session cookie and sends the CSRF token; it puts
// a Turtle file into a named graph, adds to it, rdflib reads it back, a broken document changes
// nothing, the operator is refused, the graph is dropped; the audit log has every write.
func TestGraphStoreWithCurl(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	curl := testenv.Command(t, "curl", "curl")
	testenv.PythonModule(t, "rdflib", "python3-rdflib")
	dir := t.TempDir()
	bin := buildSportello(t, dir)
	srv := startServe(t, bin, "serve", "--demo", "--data", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0")
	base := strings.TrimRight(srv.base, "/")
	const g = "https://dati.valdoria.example.it/grafo/uffici"
	svc := base + "/rdf-graphs/service?graph=" + url.QueryEscape(g)

	login := func(name string) (jar, csrf string) {
		t.Helper()
		jar = filepath.Join(dir, name+".cookies")
		out, err := exec.Command(curl, "-sS", "-c", jar, "-H", "Content-Type: application/json",
			"-d", `{"name": "`+name+`", "password": "Valdoria2026"}`, base+"/api/login").CombinedOutput()
		if err != nil {
			t.Fatalf("login %s: %v %s", name, err, out)
		}
		var r struct {
			CSRF string `json:"csrfToken"`
		}
		if err := json.Unmarshal(out, &r); err != nil || r.CSRF == "" {
			t.Fatalf("login %s: %s", name, out)
		}
		return jar, r.CSRF
	}
	adminJar, adminCSRF := login("admin")
	opJar, opCSRF := login("operatore")
	call := func(jar, csrf string, args ...string) (code, body string) {
		t.Helper()
		out := filepath.Join(dir, "body")
		args = append([]string{"-sS", "-b", jar, "-H", "X-CSRF-Token: " + csrf, "-o", out, "-w", "%{http_code}"}, args...)
		c, err := exec.Command(curl, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %q: %v %s", args, err, c)
		}
		b, _ := os.ReadFile(out)
		return string(c), string(b)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	uffici := write("uffici.ttl", `@prefix schema: <https://schema.org/> .
<https://dati.valdoria.example.it/ufficio/1> a schema:GovernmentOffice ; schema:name "Ufficio tributi"@it .
`)
	altro := write("altro.nt", "<https://dati.valdoria.example.it/ufficio/2> <https://schema.org/name> \"Ufficio anagrafe\"@it .\n")
	rotto := write("rotto.ttl", "<https://dati.valdoria.example.it/ufficio/3> <https://schema.org/name> \"senza fine .\n")

	if code, body := call(opJar, opCSRF, "-T", uffici, "-H", "Content-Type: text/turtle", svc); code != "403" {
		t.Fatalf("operator PUT: %s %s", code, body)
	}
	if code, body := call(adminJar, adminCSRF, "-T", uffici, "-H", "Content-Type: text/turtle", svc); code != "201" {
		t.Fatalf("PUT: %s %s", code, body)
	}
	if code, body := call(adminJar, adminCSRF, "--data-binary", "@"+altro, "-H", "Content-Type: application/n-triples", svc); code != "204" {
		t.Fatalf("POST: %s %s", code, body)
	}
	if code, body := call(adminJar, adminCSRF, "-T", rotto, "-H", "Content-Type: text/turtle", svc); code != "400" || !strings.Contains(body, "riga 1") {
		t.Fatalf("broken PUT: %s %s", code, body)
	}
	code, body := call(adminJar, adminCSRF, "-H", "Accept: text/turtle", svc)
	if code != "200" {
		t.Fatalf("GET: %s %s", code, body)
	}
	ttl := write("got.ttl", body)
	script := `
import sys, rdflib
g = rdflib.Graph().parse(sys.argv[1], format="turtle")
print(len(g), "|".join(sorted(str(o) for o in g.objects(None, rdflib.URIRef("https://schema.org/name")))))
`
	out, err := exec.Command(testenv.Python3, "-c", script, ttl).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "3 Ufficio anagrafe|Ufficio tributi" {
		t.Fatalf("rdflib: %v %s", err, out)
	}
	if code, body := call(adminJar, adminCSRF, "-X", "DELETE", svc); code != "204" {
		t.Fatalf("DELETE: %s %s", code, body)
	}
	if code, _ := call(adminJar, adminCSRF, svc); code != "404" {
		t.Fatalf("GET after DELETE: %s", code)
	}
	code, body = call(adminJar, adminCSRF, "-H", "Accept: application/json", base+"/api/audit?actor=admin")
	if code != "200" || strings.Count(body, "grafo "+g) != 3 {
		t.Errorf("audit log: %s %s", code, body)
	}
}
