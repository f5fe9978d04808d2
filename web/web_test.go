package web

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/piprate/json-gold/ld"

	"sportello/fixtures"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/ontology"
	"sportello/web/webkit"
)

// headerAuth lets a test call as any role: X-Test-Role names it. The login issue replaces it
// with sessions; the walk over the routes table stays.
type headerAuth struct{}

func (headerAuth) Role(r *http.Request) (string, role.Role) {
	if v := r.Header.Get("X-Test-Role"); v != "" {
		return "test-" + v, role.Role(v)
	}
	return "", role.Anonymous
}

// Pills the tests add to the demo: one whose answer tries to run script (the store sanitises
// on the way in; the page must be safe even if a pill got past that) and one draft.
const (
	xssCode   = "TST-XSS"
	draftCode = "TST-BOZZA"
	xssAnswer = `<p>Risposta sicura.</p><script>alert("x")</script><img src="x" onerror="alert(1)"><a href="javascript:alert(2)">clic</a> </script><b>fine</b>`
)

var (
	fixtureOnce  sync.Once
	fixtureStore *kb.Store
	fixtureErr   error
)

// testStore is the demo in an in-memory store plus the two test pills, built once: the tests
// only read it.
func testStore(t testing.TB) *kb.Store {
	t.Helper()
	fixtureOnce.Do(func() {
		ctx := context.Background()
		s, err := kb.OpenMemory()
		if err != nil {
			fixtureErr = err
			return
		}
		if err := fixtures.Load(ctx, s); err != nil {
			fixtureErr = err
			return
		}
		concept := fixtures.Pills[0].Concepts[0]
		for _, p := range []kb.Pill{
			{Code: xssCode, Title: "Scheda di prova XSS", Question: "È sicura?", Answer: xssAnswer,
				Status: kb.StatusPublished, Lang: "it", Concepts: []string{concept}},
			{Code: draftCode, Title: "Scheda in bozza", Answer: "<p>Non ancora pubblica.</p>",
				Status: kb.StatusDraft, Lang: "it", Concepts: []string{concept}},
		} {
			if err := fixtures.PutPill(ctx, s, &p); err != nil {
				fixtureErr = err
				return
			}
		}
		fixtureStore = s
	})
	if fixtureErr != nil {
		t.Fatalf("test store: %v", fixtureErr)
	}
	return fixtureStore
}

func testServer(t testing.TB) *Server {
	return New(Config{Auth: headerAuth{}}, Deps{Store: testStore(t)})
}

type response struct {
	Status int
	Header http.Header
	Body   string
}

func get(t *testing.T, h http.Handler, path string, who role.Role) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if who != "" && who != role.Anonymous {
		req.Header.Set("X-Test-Role", string(who))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return response{rec.Code, rec.Result().Header, string(b)}
}

func decode(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.Body)
	}
}

// published is a published pill of the demo with a code, an office and concepts.
func published(t testing.TB) kb.Pill {
	t.Helper()
	for _, p := range fixtures.Pills {
		if p.Status == kb.StatusPublished && p.Code != "" && p.Office != "" && len(p.Concepts) > 0 {
			return p
		}
	}
	t.Fatal("the demo has no published pill with a code, an office and concepts")
	return kb.Pill{}
}

// sample fills the parameters of a route pattern with values that exist in the demo.
func sample(t *testing.T, path string) string {
	p := published(t)
	r := strings.NewReplacer(
		":code", p.Code,
		":format", "turtle",
		"*", "style.css",
	)
	out := r.Replace(path)
	if strings.Contains(out, ":id") {
		if strings.Contains(path, "concept") || strings.Contains(path, "concetti") {
			out = strings.Replace(out, ":id", webkit.LocalID(p.Concepts[0]), 1)
		} else {
			out = strings.Replace(out, ":id", webkit.LocalID(p.Office), 1)
		}
	}
	return out
}

// TestRoutesRoles walks every route of the table with every role and checks that the server
// lets through exactly the roles the table lists (KB-8: differentiated access levels).
func TestRoutesRoles(t *testing.T) {
	s := testServer(t)
	h := s.Handler()
	for _, rt := range s.routes() {
		if len(rt.Roles) == 0 {
			t.Errorf("%s %s: no roles; every route must say who may call it", rt.Method, rt.Path)
		}
		path := sample(t, rt.Path)
		for _, who := range role.All {
			r := get(t, h, path, who)
			denied := r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden
			if rt.Allows(who) && denied {
				t.Errorf("%s %s as %s: %d, want allowed", rt.Method, path, who, r.Status)
			}
			if !rt.Allows(who) && !denied {
				t.Errorf("%s %s as %s: %d, want denied", rt.Method, path, who, r.Status)
			}
			if rt.Allows(who) && r.Status != http.StatusOK {
				t.Errorf("%s %s as %s: %d, want 200\n%.300s", rt.Method, path, who, r.Status, r.Body)
			}
		}
	}
}

// TestDenyByDefault checks the middleware itself: a route without roles is refused to everyone,
// a staff route to the public, and a path registered on echo outside the table to everyone.
func TestDenyByDefault(t *testing.T) {
	s := testServer(t)
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
	s.addRoute(webkit.GET("/prova/nessuno", nil, ok))
	s.addRoute(webkit.GET("/api/prova/personale", webkit.Staff, ok))
	s.echo.GET("/prova/fuori-tabella", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	h := s.Handler()
	for _, who := range role.All {
		want := http.StatusForbidden
		if who == role.Anonymous {
			want = http.StatusUnauthorized
		}
		for _, path := range []string{"/prova/nessuno", "/prova/fuori-tabella"} {
			r := get(t, h, path, who)
			if r.Status != want {
				t.Errorf("%s as %s: %d, want %d", path, who, r.Status, want)
			}
			if !strings.Contains(r.Body, `lang="it"`) {
				t.Errorf("%s as %s: the refusal is not the Italian HTML page:\n%.300s", path, who, r.Body)
			}
		}
		r := get(t, h, "/api/prova/personale", who)
		if who == role.Anonymous {
			var e map[string]string
			decode(t, r, &e)
			if r.Status != http.StatusUnauthorized || e["code"] != "unauthorized" || e["error"] == "" {
				t.Errorf("webkit.Staff API as anonymous: %d %v", r.Status, e)
			}
		} else if r.Status != http.StatusOK {
			t.Errorf("webkit.Staff API as %s: %d", who, r.Status)
		}
	}
}

func TestAPI(t *testing.T) {
	h := testServer(t).Handler()
	p := published(t)
	tests := []struct {
		path   string
		role   role.Role
		status int
		check  func(t *testing.T, body map[string]any)
	}{
		{"/healthz", role.Anonymous, 200, func(t *testing.T, b map[string]any) {
			if b["status"] != "ok" {
				t.Errorf("status %v", b["status"])
			}
		}},
		{"/api/concepts", role.Anonymous, 200, func(t *testing.T, b map[string]any) {
			items, _ := b["items"].([]any)
			if len(items) == 0 {
				t.Fatal("no top concepts")
			}
			total := 0
			for _, it := range items {
				n := it.(map[string]any)
				if n["label"] == "" || n["iri"] == "" {
					t.Errorf("concept without label or IRI: %v", n)
				}
				total += int(n["pillCount"].(float64))
			}
			if total == 0 {
				t.Error("no pill counted in the tree")
			}
		}},
		{"/api/concepts/" + webkit.LocalID(p.Concepts[0]), role.Anonymous, 200, func(t *testing.T, b map[string]any) {
			if b["iri"] != p.Concepts[0] {
				t.Errorf("iri %v, want %s", b["iri"], p.Concepts[0])
			}
			if _, ok := b["breadcrumb"].([]any); !ok {
				t.Error("no breadcrumb")
			}
			if !strings.Contains(mustJSON(b["pills"]), p.Code) {
				t.Errorf("pill %s not listed under its concept", p.Code)
			}
		}},
		{"/api/pills/" + p.Code, role.Anonymous, 200, func(t *testing.T, b map[string]any) {
			if b["code"] != p.Code || b["title"] != p.Title || b["status"] != "published" {
				t.Errorf("got %v %v %v", b["code"], b["title"], b["status"])
			}
		}},
		{"/api/pills?limit=2", role.Anonymous, 200, func(t *testing.T, b map[string]any) {
			if items := b["items"].([]any); len(items) != 2 {
				t.Errorf("%d items, want 2", len(items))
			}
		}},
		{"/api/pills?concept=" + webkit.LocalID(p.Concepts[0]), role.Anonymous, 200, func(t *testing.T, b map[string]any) {
			if !strings.Contains(mustJSON(b["items"]), p.Code) {
				t.Errorf("pill %s missing from its concept's list", p.Code)
			}
			if strings.Contains(mustJSON(b["items"]), draftCode) {
				t.Error("a draft is listed to the public")
			}
		}},
		{"/api/pills?status=draft", role.Publisher, 200, func(t *testing.T, b map[string]any) {
			if !strings.Contains(mustJSON(b["items"]), draftCode) {
				t.Error("the publisher does not see the draft")
			}
			for _, it := range b["items"].([]any) {
				if st := it.(map[string]any)["status"]; st != "draft" {
					t.Errorf("status filter let through %v", st)
				}
			}
		}},
		{"/api/pills?status=draft", role.Anonymous, 403, errorShape("status_forbidden")},
		{"/api/pills?status=boh", role.Publisher, 400, errorShape("bad_status")},
		{"/api/pills?limit=-1", role.Anonymous, 400, errorShape("bad_parameter")},
		{"/api/pills/" + draftCode, role.Anonymous, 404, errorShape("not_found")},
		{"/api/pills/" + draftCode, role.Operator, 404, errorShape("not_found")},
		{"/api/pills/" + draftCode, role.Validator, 200, nil},
		{"/api/pills/NON-ESISTE", role.Anonymous, 404, errorShape("not_found")},
		{"/api/concepts/non-esiste", role.Anonymous, 404, errorShape("not_found")},
		{"/api/nessuna-risorsa", role.Anonymous, 404, errorShape("not_found")},
		{"/api/units", role.Anonymous, 200, func(t *testing.T, b map[string]any) {
			if len(b["items"].([]any)) != len(fixtures.Units) {
				t.Errorf("%d units, want %d", len(b["items"].([]any)), len(fixtures.Units))
			}
		}},
		{"/api/units/" + webkit.LocalID(p.Office), role.Anonymous, 200, func(t *testing.T, b map[string]any) {
			if b["unit"].(map[string]any)["iri"] != p.Office {
				t.Errorf("unit %v", b["unit"])
			}
			// The fixtures' offices have readable hours: their schema.org reading and open/closed.
			spec, _ := b["hours"].(map[string]any)["specification"].([]any)
			now, _ := b["openNow"].(map[string]any)
			if len(spec) == 0 || spec[0].(map[string]any)["dayOfWeek"] != "Monday" || now == nil || now["label"] == "" {
				t.Errorf("hours %v, openNow %v", b["hours"], b["openNow"])
			}
		}},
		{"/api/people", role.Anonymous, 200, func(t *testing.T, b map[string]any) {
			if len(b["items"].([]any)) != len(fixtures.People) {
				t.Errorf("%d people, want %d", len(b["items"].([]any)), len(fixtures.People))
			}
		}},
		{"/api/stats", role.Anonymous, 200, func(t *testing.T, b map[string]any) {
			// The public counts what it may see: the published pills in force.
			n, err := testStore(t).CountPills(context.Background(), kb.PillFilter{Viewer: &kb.Anonymous})
			if err != nil || n == 0 || b["pills"].(float64) != float64(n) {
				t.Errorf("stats %v, want %d pills (%v)", b, n, err)
			}
		}},
		{"/api/stats", role.Publisher, 200, func(t *testing.T, b map[string]any) {
			if b["pills"].(float64) < float64(len(fixtures.Pills)) {
				t.Errorf("stats %v", b)
			}
		}},
		{"/api/whoami", role.Supervisor, 200, func(t *testing.T, b map[string]any) {
			if b["role"] != "supervisor" || b["seesDrafts"] != false {
				t.Errorf("whoami %v", b)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.role)+tt.path, func(t *testing.T) {
			r := get(t, h, tt.path, tt.role)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d\n%.500s", r.Status, tt.status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			var b map[string]any
			decode(t, r, &b)
			if tt.check != nil {
				tt.check(t, b)
			}
		})
	}
}

func errorShape(code string) func(t *testing.T, b map[string]any) {
	return func(t *testing.T, b map[string]any) {
		t.Helper()
		if b["code"] != code {
			t.Errorf("code %v, want %s", b["code"], code)
		}
		if msg, _ := b["error"].(string); msg == "" {
			t.Error("no human message in the error")
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

var jsonLDRe = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)

// TestPillPage checks what the operator reads (KB-12): title, question, answer, office with its
// contacts and a link to the directory, legal references, and the JSON-LD copy of the pill.
func TestPillPage(t *testing.T) {
	s := testServer(t)
	h := s.Handler()
	p := published(t)
	r := get(t, h, "/schede/"+p.Code, role.Anonymous)
	if r.Status != 200 {
		t.Fatalf("status %d\n%s", r.Status, r.Body)
	}
	office, err := s.store.Unit(context.Background(), p.Office)
	if err != nil {
		t.Fatal(err)
	}
	// Compare with the text as the browser decodes it.
	plain := html.UnescapeString(r.Body)
	want := []string{`<html lang="it">`, p.Title, `href="` + webkit.UnitHref(p.Office) + `"`, office.Name}
	if p.Question != "" {
		want = append(want, p.Question)
	}
	want = append(want, p.LegalRefs...)
	for _, ph := range office.Phones {
		want = append(want, `href="`+string(webkit.TelURL(ph))+`"`)
	}
	for _, e := range office.Emails {
		want = append(want, `href="mailto:`+e+`"`)
	}
	for _, w := range want {
		if !strings.Contains(plain, w) {
			t.Errorf("the pill page lacks %q", w)
		}
	}
	m := jsonLDRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("no JSON-LD script in the pill page")
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(m[1]), &doc); err != nil {
		t.Fatalf("JSON-LD does not parse: %v\n%s", err, m[1])
	}
	stored, err := s.store.PillByCode(context.Background(), p.Code)
	if err != nil {
		t.Fatal(err)
	}
	if doc["@id"] != stored.IRI || stored.IRI == "" {
		t.Errorf("@id %v, want %s", doc["@id"], stored.IRI)
	}
	if !strings.Contains(mustJSON(doc["@type"]), `"Question"`) {
		t.Errorf("@type %v", doc["@type"])
	}
	ans, _ := doc["acceptedAnswer"].(map[string]any)
	if ans == nil || ans["@type"] != "Answer" || ans["text"] == "" {
		t.Errorf("acceptedAnswer %v", doc["acceptedAnswer"])
	}
	if doc["dct:identifier"] != p.Code {
		t.Errorf("dct:identifier %v", doc["dct:identifier"])
	}

	// The JSON-LD must also mean what it says: expanded to RDF by json-gold (the context is
	// inline, nothing is fetched), it states the pill as a schema:Question with an answer.
	opts := ld.NewJsonLdOptions("")
	opts.Format = "application/n-quads"
	nq, err := ld.NewJsonLdProcessor().ToRDF(doc, opts)
	if err != nil {
		t.Fatalf("JSON-LD to RDF: %v", err)
	}
	for _, w := range []string{
		"<" + stored.IRI + "> <" + ontology.RDFType + "> <" + ontology.SchemaQuestion + ">",
		"<" + stored.IRI + "> <" + ontology.RDFType + "> <" + ontology.KnowledgePill + ">",
		"<" + stored.IRI + "> <" + ontology.SchemaAcceptedAnswer + "> _:",
		"<" + stored.IRI + "> <" + ontology.DCTIdentifier + "> \"" + p.Code + "\"",
		"<" + stored.IRI + "> <" + ontology.CompetentOffice + "> <" + p.Office + ">",
		"<" + stored.IRI + "> <" + ontology.DCTSubject + "> <" + p.Concepts[0] + ">",
	} {
		if !strings.Contains(nq.(string), w) {
			t.Errorf("JSON-LD as RDF lacks %s\n%s", w, nq)
		}
	}
}

// esc is how html/template writes text.
func esc(s string) string {
	r := strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;")
	return r.Replace(s)
}

// TestXSS: a pill whose answer carries script renders without it, on the page, in its JSON-LD
// and in the API.
func TestXSS(t *testing.T) {
	h := testServer(t).Handler()
	r := get(t, h, "/schede/"+xssCode, role.Anonymous)
	if r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	body := jsonLDRe.ReplaceAllString(r.Body, "")
	for _, bad := range []string{"alert(", "onerror", "javascript:"} {
		if strings.Contains(body, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	if !strings.Contains(body, "Risposta sicura.") || !strings.Contains(body, "<b>fine</b>") {
		t.Error("the harmless part of the answer is gone")
	}
	m := jsonLDRe.FindAllStringSubmatch(r.Body, -1)
	if len(m) != 1 {
		t.Fatalf("%d JSON-LD scripts, want 1 (a </script> in the data closed it early?)", len(m))
	}
	if strings.Contains(m[0][1], "alert(") || strings.Contains(m[0][1], "</") {
		t.Errorf("JSON-LD carries the script or a closing tag:\n%s", m[0][1])
	}
	a := get(t, h, "/api/pills/"+xssCode, role.Anonymous)
	var p kb.Pill
	decode(t, a, &p)
	if strings.Contains(p.Answer, "alert(") || strings.Contains(p.Answer, "onerror") {
		t.Errorf("API answer not sanitised: %s", p.Answer)
	}
}

func TestPages(t *testing.T) {
	h := testServer(t).Handler()
	p := published(t)
	var person kb.Person
	for _, pp := range fixtures.People {
		if pp.Extension != "" {
			person = pp
			break
		}
	}
	tests := []struct {
		path, role string
		status     int
		want       []string
		not        []string
	}{
		{"/", "", 200, []string{`lang="it"`, "/albero", "/rubrica", "/esporta"}, nil},
		{"/albero", "", 200, []string{`data-toggle="Sottovoci di `, webkit.ConceptHref(fixtures.Concepts[0].IRI), "data-expand-all"}, nil},
		{"/concetti/" + webkit.LocalID(p.Concepts[0]), "", 200, []string{webkit.PillHref(p), `aria-current="page"`}, []string{draftCode}},
		{"/concetti/" + webkit.LocalID(p.Concepts[0]), "publisher", 200, []string{draftCode}, nil},
		{"/schede/" + draftCode, "", 404, []string{"Scheda non trovata"}, []string{"Non ancora pubblica"}},
		{"/schede/" + draftCode, "validator", 200, []string{"Non ancora pubblica", "bozza"}, nil},
		{"/rubrica", "", 200, []string{esc(person.FullName()), `<label for="q">`, "/export/vcard"}, nil},
		{"/rubrica?q=" + person.Extension, "", 200, []string{esc(person.FullName())}, nil},
		{"/rubrica?q=zzzznessuno", "", 200, []string{"Nessun risultato"}, []string{esc(person.FullName())}},
		{"/rubrica/uffici/" + webkit.LocalID(p.Office), "", 200, []string{webkit.PillHref(p)}, nil},
		{"/esporta", "", 200, []string{"/export/turtle?graph=taxonomy", "/export/vcard"}, []string{"graph=history"}},
		{"/esporta", "auditor", 200, []string{"graph=history"}, nil},
		{"/non-esiste", "", 404, []string{"La pagina richiesta non esiste", `lang="it"`}, nil},
		{"/static/style.css", "", 200, []string{"--brand"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.role+tt.path, func(t *testing.T) {
			r := get(t, h, tt.path, role.Role(tt.role))
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d\n%.500s", r.Status, tt.status, r.Body)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(r.Body, n) {
					t.Errorf("contains %q", n)
				}
			}
		})
	}
}

// TestExport: every format downloads with its media type and a file name, and the public's
// download leaves out the pills it may not read (KB-11).
func TestExport(t *testing.T) {
	h := testServer(t).Handler()
	for _, f := range rdf.Formats {
		t.Run(string(f), func(t *testing.T) {
			for _, graph := range []string{"", "?graph=taxonomy"} {
				r := get(t, h, "/export/"+string(f)+graph, role.Anonymous)
				if r.Status != 200 {
					t.Fatalf("%s: status %d\n%.500s", graph, r.Status, r.Body)
				}
				if ct := r.Header.Get("Content-Type"); ct != f.MediaType() {
					t.Errorf("%s: Content-Type %q, want %q", graph, ct, f.MediaType())
				}
				cd := r.Header.Get("Content-Disposition")
				if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, f.Ext()+`"`) {
					t.Errorf("%s: Content-Disposition %q", graph, cd)
				}
				if len(r.Body) == 0 {
					t.Errorf("%s: empty export", graph)
				}
			}
		})
	}
	t.Run("drafts", func(t *testing.T) {
		pub := get(t, h, "/export/ntriples", role.Anonymous)
		if strings.Contains(pub.Body, draftCode) {
			t.Error("the public export contains a draft pill")
		}
		if !strings.Contains(pub.Body, xssCode) {
			t.Error("the public export lacks a published pill")
		}
		all := get(t, h, "/export/ntriples?graph=content", role.Publisher)
		if !strings.Contains(all.Body, draftCode) {
			t.Error("the publisher's export lacks the draft pill")
		}
	})
	t.Run("vcard", func(t *testing.T) {
		r := get(t, h, "/export/vcard", role.Anonymous)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/vcard") {
			t.Fatalf("status %d, Content-Type %q", r.Status, r.Header.Get("Content-Type"))
		}
		if !strings.Contains(r.Header.Get("Content-Disposition"), `.vcf"`) || !strings.Contains(r.Body, "BEGIN:VCARD") {
			t.Errorf("not a vCard download: %q\n%.200s", r.Header.Get("Content-Disposition"), r.Body)
		}
	})
	t.Run("head", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/export/turtle?graph=taxonomy", nil))
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;") {
			t.Errorf("HEAD: %d %q", rec.Code, rec.Header().Get("Content-Disposition"))
		}
	})
	for _, tt := range []struct {
		path   string
		role   role.Role
		status int
	}{
		{"/export/docx", role.Anonymous, 404},
		{"/export/turtle?graph=boh", role.Anonymous, 400},
		{"/export/turtle?graph=history", role.Anonymous, 401},
		{"/export/turtle?graph=history", role.Operator, 403},
		{"/export/turtle?graph=history", role.Auditor, 200},
	} {
		if r := get(t, h, tt.path, tt.role); r.Status != tt.status {
			t.Errorf("%s as %s: %d, want %d", tt.path, tt.role, r.Status, tt.status)
		}
	}
}
