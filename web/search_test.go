package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/fixtures"
	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/kb/search"
	"sportello/ontology"
	"sportello/web/webkit"
)

// searchEnv is the demo in its own in-memory store (these tests write), a memory index kept
// current by KeepIndexed, and a server with the index attached.
type searchEnv struct {
	store *kb.Store
	index *search.Index
	srv   *Server
	h     http.Handler
}

func newSearchEnv(t testing.TB) *searchEnv {
	t.Helper()
	ctx := context.Background()
	store, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := fixtures.Load(ctx, store); err != nil {
		t.Fatal(err)
	}
	x, err := search.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	if err := x.Rebuild(ctx, store, nil); err != nil {
		t.Fatal(err)
	}
	search.KeepIndexed(store, x, nil)
	srv := New(Config{Auth: headerAuth{}}, Deps{Store: store, Search: x})
	return &searchEnv{store: store, index: x, srv: srv, h: srv.Handler()}
}

// do sends a request as role; body is a form (url.Values) or JSON (anything else).
func do(t *testing.T, h http.Handler, method, path string, who role.Role, body any) response {
	t.Helper()
	var r io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		r, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r, ctype = strings.NewReader(string(j)), "application/json"
	}
	req := httptest.NewRequest(method, path, r)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if who != "" && who != role.Anonymous {
		req.Header.Set("X-Test-Role", string(who))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return response{rec.Code, rec.Result().Header, string(b)}
}

func searchAPI(t *testing.T, h http.Handler, who role.Role, params string) *search.Response {
	t.Helper()
	r := get(t, h, "/api/search?"+params, who)
	if r.Status != http.StatusOK {
		t.Fatalf("/api/search?%s as %s: %d\n%s", params, who, r.Status, r.Body)
	}
	var resp search.Response
	decode(t, r, &resp)
	return &resp
}

func hasHit(r *search.Response, code string) bool {
	for _, h := range r.Hits {
		if h.Code == code {
			return true
		}
	}
	return false
}

// TestSearchRoutesRoles walks the search block of the routes table with every role (KB-8):
// /cerca and /api/search are open to everyone, the synonym lists to administrators only.
func TestSearchRoutesRoles(t *testing.T) {
	env := newSearchEnv(t)
	samples := map[string]string{
		"/cerca":              "/cerca?q=bollo",
		"/cerca/schede/:code": "/cerca/schede/TRI-001",
		"/api/search":         "/api/search?q=bollo",
		"/api/synonyms/:id":   "/api/synonyms/nessuno",
	}
	for _, rt := range slices.Concat(env.srv.routesOf("knowledge"), env.srv.routesOf("editorial")) {
		if !strings.HasPrefix(rt.Path, "/cerca") && !strings.HasPrefix(rt.Path, "/api/search") &&
			!strings.HasPrefix(rt.Path, "/sinonimi") && !strings.HasPrefix(rt.Path, "/api/synonyms") {
			continue
		}
		if len(rt.Roles) == 0 {
			t.Errorf("%s %s: no roles", rt.Method, rt.Path)
		}
		path := rt.Path
		if p, ok := samples[path]; ok {
			path = p
		}
		for _, who := range role.All {
			var body any
			if rt.Method == http.MethodPost {
				body = url.Values{"termini": {""}, "id": {"nessuno"}}
				if strings.HasPrefix(path, "/api/") {
					body = map[string]any{"terms": []string{}}
				}
			}
			r := do(t, env.h, rt.Method, path, who, body)
			denied := r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden
			if rt.Allows(who) == denied {
				t.Errorf("%s %s as %s: %d, allowed by the table: %v", rt.Method, path, who, r.Status, rt.Allows(who))
			}
			if rt.Allows(who) && rt.Method == http.MethodGet && r.Status != http.StatusOK {
				t.Errorf("%s %s as %s: %d, want 200\n%.300s", rt.Method, path, who, r.Status, r.Body)
			}
		}
	}
}

// TestAPISearchJSON checks the shape issue 4 §9 fixes: the same JSON as `sportello search
// --json`.
func TestAPISearchJSON(t *testing.T) {
	env := newSearchEnv(t)
	r := get(t, env.h, "/api/search?q=bollo+auto&limit=3", role.Operator)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, content type %q", r.Status, r.Header.Get("Content-Type"))
	}
	var raw map[string]json.RawMessage
	decode(t, r, &raw)
	for _, k := range []string{"confident", "hits", "suggestion"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("response lacks %q: %s", k, r.Body)
		}
	}
	var hits []map[string]json.RawMessage
	if err := json.Unmarshal(raw["hits"], &hits); err != nil || len(hits) == 0 {
		t.Fatalf("hits: %v %s", err, raw["hits"])
	}
	if len(hits) > 3 {
		t.Errorf("limit=3 gave %d hits", len(hits))
	}
	for _, k := range []string{"code", "iri", "title", "score", "kind", "highlights"} {
		if _, ok := hits[0][k]; !ok {
			t.Errorf("hit lacks %q: %s", k, raw["hits"])
		}
	}
	// "bollo auto" alone is ambiguous in the demo (three pills say it in their titles) and is
	// rightly not sure; with the deadline it is.
	resp := searchAPI(t, env.h, role.Operator, "q=bollo+auto+scadenza&limit=3")
	if !resp.Confident || !resp.Sure || resp.Hits[0].Kind != search.KindPill || !strings.HasPrefix(resp.Hits[0].Code, "TRI-") {
		t.Errorf("bollo auto scadenza: sure %v, first hit %+v", resp.Sure, resp.Hits[0])
	}
	direct, err := env.index.Search(context.Background(), "bollo auto scadenza", search.Options{Limit: 3, Complete: true, Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(direct.Hits) != len(resp.Hits) || direct.Hits[0].IRI != resp.Hits[0].IRI || direct.Total != resp.Total {
		t.Errorf("the API and the index disagree: %+v vs %+v", resp.Hits, direct.Hits)
	}

	tests := []struct {
		params string
		status int
		code   string
	}{
		{"q=", http.StatusBadRequest, "missing_query"},
		{"q=bollo&limit=0", http.StatusBadRequest, "bad_parameter"},
		{"q=bollo&limit=1000", http.StatusBadRequest, "bad_parameter"},
		{"q=bollo&offset=-1", http.StatusBadRequest, "bad_parameter"},
		{"q=bollo&status=bozza", http.StatusBadRequest, "bad_parameter"},
		{"q=bollo&kind=animale", http.StatusBadRequest, "bad_parameter"},
	}
	for _, tt := range tests {
		r := get(t, env.h, "/api/search?"+tt.params, role.Operator)
		var e map[string]string
		decode(t, r, &e)
		if r.Status != tt.status || e["code"] != tt.code || e["error"] == "" {
			t.Errorf("%s: %d %v, want %d %s", tt.params, r.Status, e, tt.status, tt.code)
		}
	}
}

// TestAPISearchVisibility: operators never see drafts or archived pills, even asking all=1;
// publishers and validators may include drafts (issue 4 §7, KB-3).
func TestAPISearchVisibility(t *testing.T) {
	env := newSearchEnv(t)
	ctx := context.Background()
	concept := fixtures.Pills[0].Concepts[0]
	for _, p := range []kb.Pill{
		{Code: "TST-DRAFT", Title: "Zanzariere nei cortili condominiali", Answer: "<p>Bozza.</p>",
			Status: kb.StatusDraft, Lang: "it", Concepts: []string{concept}},
		{Code: "TST-RETIRED", Title: "Contributo zanzariere 2019", Answer: "<p>Scaduto.</p>",
			Status: kb.StatusRetired, Lang: "it", Concepts: []string{concept}},
	} {
		if err := fixtures.PutPill(ctx, env.store, &p); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		role    role.Role
		params  string
		draft   bool
		retired bool
	}{
		{role.Operator, "q=zanzariere", false, false},
		{role.Operator, "q=zanzariere&all=1", false, false},
		{role.Operator, "q=zanzariere&all=1&status=retired", false, false},
		{role.Anonymous, "q=zanzariere&all=1", false, false},
		{role.Backoffice, "q=zanzariere&all=1", false, false},
		{role.Level2, "q=zanzariere&all=1", false, false},
		{role.Supervisor, "q=zanzariere&all=1", false, false},
		{role.Publisher, "q=zanzariere", false, false},
		{role.Publisher, "q=zanzariere&all=1", true, false},
		{role.Validator, "q=zanzariere&all=1", true, false},
		{role.Administrator, "q=zanzariere&all=1", true, false},
		{role.Auditor, "q=zanzariere&all=1", true, false},
		{role.Publisher, "q=zanzariere&all=1&status=retired", false, true},
		{role.Publisher, "q=zanzariere&all=1&status=draft", true, false},
	}
	for _, tt := range tests {
		r := searchAPI(t, env.h, tt.role, tt.params)
		if got := hasHit(r, "TST-DRAFT"); got != tt.draft {
			t.Errorf("%s %s: draft found %v, want %v", tt.role, tt.params, got, tt.draft)
		}
		if got := hasHit(r, "TST-RETIRED"); got != tt.retired {
			t.Errorf("%s %s: archived found %v, want %v", tt.role, tt.params, got, tt.retired)
		}
		for _, h := range r.Hits {
			if h.Kind == search.KindPill && !webkit.ViewerOf(tt.role).Drafts && h.Status != string(kb.StatusPublished) {
				t.Errorf("%s %s: sees %s pill %s", tt.role, tt.params, h.Status, h.Code)
			}
		}
	}
	// The pane follows the same rule: a draft is not found for an operator.
	if r := get(t, env.h, "/cerca/schede/TST-DRAFT", role.Operator); r.Status != http.StatusNotFound {
		t.Errorf("draft pane as operator: %d", r.Status)
	}
	if r := get(t, env.h, "/cerca/schede/TST-DRAFT", role.Publisher); r.Status != http.StatusOK {
		t.Errorf("draft pane as publisher: %d", r.Status)
	}
}

// TestAPISearchNotConfident: nonsense gets confident=false and the Italian message (TK-9).
func TestAPISearchNotConfident(t *testing.T) {
	env := newSearchEnv(t)
	for _, q := range []string{"xqzvw blorptang", "fjdkslaqwe"} {
		r := searchAPI(t, env.h, role.Operator, "q="+url.QueryEscape(q))
		if r.Confident {
			t.Errorf("%q: confident, hits %+v", q, r.Hits)
		}
		if r.Message == "" {
			t.Errorf("%q: no message for the operator", q)
		}
	}
	page := get(t, env.h, "/cerca?q=xqzvw+blorptang", role.Operator)
	// The note with the escalation link beside the candidates (not the script's labels, which
	// hold its text on every search page); no candidate is marked sure.
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `id="incerto"`) ||
		!strings.Contains(page.Body, `href="/ticket/nuovo"`) || strings.Contains(page.Body, `class="mark-sure"`) {
		t.Errorf("/cerca with nonsense: %d, no escalation note or a candidate marked sure\n%.2000s", page.Status, page.Body)
	}
	page = get(t, env.h, "/cerca?q=bollo+auto+scadenza", role.Operator)
	if strings.Contains(page.Body, `id="incerto"`) || strings.Count(page.Body, `class="mark-sure"`) != 1 {
		t.Errorf("/cerca?q=bollo+auto+scadenza: not one candidate marked sure, or the escalation note")
	}
}

// TestSearchFollowsWrites: the index follows every write at once through OnChange (issue 4 §8):
// a new pill is found, a draft becomes findable for operators when published, archiving and
// deleting make it disappear; offices and people follow the directory.
func TestSearchFollowsWrites(t *testing.T) {
	env := newSearchEnv(t)
	ctx := context.Background()
	concept := fixtures.Pills[0].Concepts[0]
	const q = "q=ornitorinco+domestico"
	if r := searchAPI(t, env.h, role.Operator, q); hasHit(r, "TST-NEW") {
		t.Fatal("found before it exists")
	}
	p := kb.Pill{Code: "TST-NEW", Title: "Detenzione di un ornitorinco domestico", Question: "Posso tenere un ornitorinco in casa?",
		Answer: "<p>Serve il nulla osta.</p>", Status: kb.StatusDraft, Lang: "it", Concepts: []string{concept}}
	if err := fixtures.PutPill(ctx, env.store, &p); err != nil {
		t.Fatal(err)
	}
	if r := searchAPI(t, env.h, role.Operator, q); hasHit(r, "TST-NEW") {
		t.Error("operator finds a draft")
	}
	if r := searchAPI(t, env.h, role.Publisher, q+"&all=1"); !hasHit(r, "TST-NEW") {
		t.Error("publisher does not find the new draft")
	}
	now := time.Now().UTC().Truncate(time.Second)
	p.Status, p.Validated = kb.StatusPublished, &now
	if err := fixtures.PutPill(ctx, env.store, &p); err != nil {
		t.Fatal(err)
	}
	r := searchAPI(t, env.h, role.Operator, q)
	if !hasHit(r, "TST-NEW") || r.Hits[0].Code != "TST-NEW" {
		t.Fatalf("published pill not first for the operator: %+v", r.Hits)
	}
	if r.Hits[0].Validated == nil || !r.Hits[0].Validated.Equal(now) {
		t.Errorf("validated date: %v, want %v", r.Hits[0].Validated, now)
	}
	p.Status = kb.StatusRetired
	if err := fixtures.PutPill(ctx, env.store, &p); err != nil {
		t.Fatal(err)
	}
	if r := searchAPI(t, env.h, role.Operator, q); hasHit(r, "TST-NEW") {
		t.Error("operator finds an archived pill")
	}
	if _, _, err := env.store.Workflow().Delete(ctx, p.IRI, "pubblicatore", ""); err != nil {
		t.Fatal(err)
	}
	if r := searchAPI(t, env.h, role.Publisher, q+"&all=1&status=retired"); hasHit(r, "TST-NEW") {
		t.Error("a deleted pill is still found")
	}

	// The classification: a new alternative label of a concept finds the pills filed under it
	// and under its narrower concepts (KB-6).
	var top kb.Concept
	cs, err := env.store.Concepts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Broader == "" {
			if n, _ := env.store.Narrower(ctx, c.IRI, true); len(n) > 0 {
				top = c
				break
			}
		}
	}
	under, err := env.store.Pills(ctx, kb.PillFilter{Concept: top.IRI, Status: []kb.Status{kb.StatusPublished}})
	if err != nil || len(under) == 0 {
		t.Fatalf("no published pill under %s (%v)", top.IRI, err)
	}
	if r := searchAPI(t, env.h, role.Operator, "q=quisquiliaburocratica"); len(r.Hits) > 0 {
		t.Fatalf("the made-up label already finds %+v", r.Hits)
	}
	if top.AltLabels == nil {
		top.AltLabels = map[string][]string{}
	}
	top.AltLabels["it"] = append(top.AltLabels["it"], "quisquiliaburocratica")
	if err := env.store.PutConcept(ctx, &top); err != nil {
		t.Fatal(err)
	}
	r = searchAPI(t, env.h, role.Operator, "q=quisquiliaburocratica&limit=100")
	for _, p := range under {
		if !hasHit(r, p.Code) {
			t.Errorf("after the new label of %s, %s (filed under it) is not found", top.Label("it"), p.Code)
		}
	}

	// The directory: a new person is found by extension and by name.
	unit := fixtures.People[0].Unit
	person := kb.Person{GivenName: "Ottavio", FamilyName: "Quintavalle", Role: "Archivista", Unit: unit, Extension: "7345"}
	if err := env.store.PutPerson(ctx, &person); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"7345", "quintavalle"} {
		r := searchAPI(t, env.h, role.Operator, "q="+q)
		found := false
		for _, h := range r.Hits {
			found = found || h.Kind == search.KindPerson && h.Extension == "7345"
		}
		if !found {
			t.Errorf("new person not found by %q: %+v", q, r.Hits)
		}
	}
	if err := env.store.DeletePerson(ctx, person.IRI); err != nil {
		t.Fatal(err)
	}
	if r := searchAPI(t, env.h, role.Operator, "q=quintavalle"); len(r.Hits) > 0 && r.Hits[0].Extension == "7345" {
		t.Error("a deleted person is still found")
	}
}

// TestSearchHighlightsSafe: a title written by an editor cannot put markup on the operator's
// page; only <mark> survives in highlights.
func TestSearchHighlightsSafe(t *testing.T) {
	env := newSearchEnv(t)
	ctx := context.Background()
	p := kb.Pill{Code: "TST-HL", Title: `Pappagalli <img src=x onerror=alert(1)> e "uccelli" esotici`,
		Question: "Pappagalli <script>alert(2)</script>?", Answer: "<p>Pappagalli &amp; canarini: <b>CITES</b>.</p>",
		Status: kb.StatusPublished, Lang: "it", Concepts: []string{fixtures.Pills[0].Concepts[0]}}
	if err := fixtures.PutPill(ctx, env.store, &p); err != nil {
		t.Fatal(err)
	}
	r := searchAPI(t, env.h, role.Operator, "q=pappagalli")
	if !hasHit(r, "TST-HL") {
		t.Fatalf("pill not found: %+v", r.Hits)
	}
	for _, h := range r.Hits {
		for _, hl := range h.Highlights {
			rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(hl)
			if strings.ContainsAny(rest, "<>") {
				t.Errorf("highlight with markup other than <mark>: %q", hl)
			}
		}
	}
	page := get(t, env.h, "/cerca?q=pappagalli", role.Operator)
	for _, bad := range []string{"<img src=x", "<script>alert"} {
		if strings.Contains(page.Body, bad) {
			t.Errorf("/cerca shows %q unescaped", bad)
		}
	}
	if !strings.Contains(page.Body, "<mark>") {
		t.Errorf("/cerca shows no highlighted word")
	}
}

// TestSearchPage: /cerca without JavaScript is a form, facets and a list; hits show office and
// last-validated date; directory hits look different; pages follow each other.
func TestSearchPage(t *testing.T) {
	env := newSearchEnv(t)
	r := get(t, env.h, "/cerca?q=bollo+auto", role.Operator)
	if r.Status != http.StatusOK {
		t.Fatalf("/cerca: %d", r.Status)
	}
	var pill kb.Pill
	for _, p := range fixtures.Pills {
		if p.Code == "TRI-001" {
			pill = p
		}
	}
	for _, want := range []string{`id="q"`, `value="bollo auto"`, `/static/search.js`, `class="hit hit-pill"`,
		`data-id="TRI-001"`, `name="branch"`, `id="risposta"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("/cerca lacks %s", want)
		}
	}
	if pill.Validated != nil && !strings.Contains(r.Body, i18n.T("search.validated", webkit.FormatDate(pill.Validated))) {
		t.Errorf("/cerca does not show TRI-001's validation date %s", webkit.FormatDate(pill.Validated))
	}
	// The header box goes to /cerca on every other page, and not twice on /cerca.
	if home := get(t, env.h, "/", role.Operator); !strings.Contains(home.Body, `action="/cerca"`) {
		t.Error("the layout has no search box")
	}
	if strings.Contains(r.Body, `id="topq"`) {
		t.Error("/cerca repeats the header search box")
	}

	// Directory hits in the same list, with their own look.
	var person kb.Person
	for _, p := range fixtures.People {
		if p.Extension != "" {
			person = p
			break
		}
	}
	r = get(t, env.h, "/cerca?q="+person.Extension, role.Operator)
	if !strings.Contains(r.Body, `class="hit hit-person"`) || !strings.Contains(r.Body, person.FamilyName) {
		t.Errorf("/cerca?q=%s: no person hit for %s", person.Extension, person.FullName())
	}

	// Pagination: page 2 starts where page 1 ends.
	p1 := searchAPI(t, env.h, role.Operator, "q=bollo&limit=2")
	if p1.Total <= 2 {
		t.Fatalf("bollo: only %d results, cannot test pages", p1.Total)
	}
	p2 := searchAPI(t, env.h, role.Operator, "q=bollo&limit=2&offset=2")
	if len(p2.Hits) == 0 || p2.Hits[0].IRI == p1.Hits[0].IRI || p2.Hits[0].IRI == p1.Hits[1].IRI || p2.Offset != 2 {
		t.Errorf("page 2 repeats page 1: %+v / %+v", p1.Hits, p2.Hits)
	}
	r = get(t, env.h, "/cerca?q=bollo&limit=2", role.Operator)
	if !strings.Contains(r.Body, `rel="next"`) || !strings.Contains(r.Body, "offset=2") {
		t.Errorf("/cerca page 1 has no link to page 2")
	}

	// A facet filter narrows the list.
	all := searchAPI(t, env.h, role.Operator, "q=bollo&limit=50")
	var office search.FacetValue
	for _, v := range all.Facets["office"] {
		if v.Count < all.Total {
			office = v
			break
		}
	}
	if office.Value != "" {
		f := searchAPI(t, env.h, role.Operator, "q=bollo&limit=50&office="+url.QueryEscape(office.Value))
		if f.Total != office.Count {
			t.Errorf("office filter %s: %d results, facet said %d", office.Label, f.Total, office.Count)
		}
	}
}

// TestSearchPane: the answer beside the results is a sanitised fragment, not a whole page.
func TestSearchPane(t *testing.T) {
	env := newSearchEnv(t)
	ctx := context.Background()
	p := kb.Pill{Code: "TST-PANE", Title: "Scheda del riquadro", Answer: xssAnswer, Status: kb.StatusPublished,
		Lang: "it", Concepts: []string{fixtures.Pills[0].Concepts[0]}}
	if err := fixtures.PutPill(ctx, env.store, &p); err != nil {
		t.Fatal(err)
	}
	r := get(t, env.h, "/cerca/schede/TST-PANE", role.Operator)
	if r.Status != http.StatusOK {
		t.Fatalf("pane: %d", r.Status)
	}
	if strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, `id="pane-answer"`) || !strings.Contains(r.Body, "Risposta sicura.") {
		t.Errorf("pane is not the answer fragment:\n%s", r.Body)
	}
	for _, bad := range []string{"<script", "onerror", "javascript:"} {
		if strings.Contains(r.Body, bad) {
			t.Errorf("pane contains %q", bad)
		}
	}
	if r := get(t, env.h, "/cerca/schede/NON-ESISTE", role.Operator); r.Status != http.StatusNotFound {
		t.Errorf("missing pill pane: %d", r.Status)
	}
}

// TestSynonymsAdmin: administrators add and remove synonym groups on /sinonimi and through the
// API, and search follows at once (issue 4 §2).
func TestSynonymsAdmin(t *testing.T) {
	env := newSearchEnv(t)
	const word = "q=marchettatributaria"
	if r := searchAPI(t, env.h, role.Operator, word); hasHit(r, "TRI-001") && r.Confident {
		t.Fatal("the made-up word already finds the bollo pill")
	}
	r := do(t, env.h, http.MethodPost, "/sinonimi", role.Administrator, url.Values{"termini": {"marchettatributaria, bollo auto"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/sinonimi?fatto=aggiunto" {
		t.Fatalf("add: %d %s\n%.500s", r.Status, r.Header.Get("Location"), r.Body)
	}
	if res := searchAPI(t, env.h, role.Operator, word); !hasHit(res, "TRI-001") {
		t.Errorf("after adding the synonym, %s does not find TRI-001: %+v", word, res.Hits)
	}
	page := get(t, env.h, "/sinonimi?fatto=aggiunto", role.Administrator)
	if !strings.Contains(page.Body, "marchettatributaria") || !strings.Contains(page.Body, i18n.T("syn.added")) {
		t.Errorf("/sinonimi does not list the new group")
	}
	var id string
	for _, g := range env.index.Synonyms().List() {
		if !g.Builtin && strings.Contains(strings.Join(g.Terms, ","), "marchettatributaria") {
			id = g.ID
		}
	}
	if id == "" {
		t.Fatal("the group is not in the index's list")
	}
	r = do(t, env.h, http.MethodPost, "/sinonimi/elimina", role.Administrator, url.Values{"id": {id}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%.500s", r.Status, r.Body)
	}
	if res := searchAPI(t, env.h, role.Operator, word); hasHit(res, "TRI-001") && res.Confident {
		t.Error("after removing the synonym, the made-up word still finds TRI-001")
	}

	// Errors are Italian and keep what was typed.
	r = do(t, env.h, http.MethodPost, "/sinonimi", role.Administrator, url.Values{"termini": {"solo"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, i18n.T("syn.tooFew")) || !strings.Contains(r.Body, ">solo</textarea>") {
		t.Errorf("one term: %d\n%.500s", r.Status, r.Body)
	}
	builtin := env.index.Synonyms().List()[0]
	r = do(t, env.h, http.MethodDelete, "/api/synonyms/"+builtin.ID, role.Administrator, nil)
	if r.Status != http.StatusBadRequest {
		t.Errorf("removing a built-in group: %d", r.Status)
	}

	// The JSON twin.
	r = do(t, env.h, http.MethodPost, "/api/synonyms", role.Administrator, map[string]any{"terms": []string{"tassa rifiuti", "TARI", "spazzatura"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("API add: %d %s", r.Status, r.Body)
	}
	var g search.SynonymGroup
	decode(t, r, &g)
	if len(g.Terms) != 3 || g.ID == "" {
		t.Errorf("API add answered %+v", g)
	}
	r = do(t, env.h, http.MethodDelete, "/api/synonyms/"+g.ID, role.Administrator, nil)
	if r.Status != http.StatusNoContent {
		t.Errorf("API remove: %d %s", r.Status, r.Body)
	}
	if r := do(t, env.h, http.MethodDelete, "/api/synonyms/"+g.ID, role.Administrator, nil); r.Status != http.StatusNotFound {
		t.Errorf("API remove twice: %d", r.Status)
	}
}

// TestSearchAbsent: without an index the page says so and the API is a 404.
func TestSearchAbsent(t *testing.T) {
	h := testServer(t).Handler()
	if r := get(t, h, "/cerca?q=bollo", role.Operator); r.Status != http.StatusOK || !strings.Contains(r.Body, i18n.T("search.absent")) {
		t.Errorf("/cerca without index: %d", r.Status)
	}
	if r := get(t, h, "/api/search?q=bollo", role.Operator); r.Status != http.StatusNotFound {
		t.Errorf("/api/search without index: %d", r.Status)
	}
}

// BenchmarkAPISearch is GET /api/search end to end through the handler (role check, options,
// search, highlight cleaning, JSON) on the demo, as an operator types a question.
func BenchmarkAPISearch(b *testing.B) {
	ctx := context.Background()
	store, err := kb.OpenMemory()
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if err := fixtures.Load(ctx, store); err != nil {
		b.Fatal(err)
	}
	x, err := search.OpenMemory()
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	if err := x.Rebuild(ctx, store, nil); err != nil {
		b.Fatal(err)
	}
	srv := New(Config{Auth: headerAuth{}}, Deps{Store: store, Search: x})
	h := srv.Handler()
	queries := []string{"quanto costa il bolo della macchina", "spid", "esenzione ticket", "2001", "case popolari"}
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodGet, "/api/search?complete=0&q="+url.QueryEscape(queries[i%len(queries)]), nil)
		req.Header.Set("X-Test-Role", string(role.Operator))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkPutPillFollowed is the cost the index adds to a write: PutPill on the demo store
// with and without KeepIndexed (the hook re-reads the pill and indexes it before PutPill
// returns).
func BenchmarkPutPillFollowed(b *testing.B) {
	for _, followed := range []bool{false, true} {
		name := "store-only"
		if followed {
			name = "with-index"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			store, err := kb.OpenMemory()
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			if err := fixtures.Load(ctx, store); err != nil {
				b.Fatal(err)
			}
			if followed {
				x, err := search.OpenMemory()
				if err != nil {
					b.Fatal(err)
				}
				defer x.Close()
				search.KeepIndexed(store, x, nil)
			}
			p := kb.Pill{Code: "BEN-001", Title: "Scheda di prova", Answer: "<p>Testo della risposta.</p>",
				Status: kb.StatusPublished, Lang: "it", Concepts: []string{fixtures.Pills[0].Concepts[0]}}
			for i := 0; b.Loop(); i++ {
				p.Title = "Scheda di prova " + strconv.Itoa(i)
				if err := fixtures.PutPill(ctx, store, &p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSearchSitePages: a page of the Administration's site that a harvest put in the graph is
// shown "dal sito" with its link, on the page and in the API, to every role that searches, and
// never among the pills (hits, total); a filtered search or a later page leaves it out, and
// its HTML is escaped.
func TestSearchSitePages(t *testing.T) {
	env := newSearchEnv(t)
	ctx := context.Background()
	g := quad.IRI(ontology.GraphHarvest + "sito-regionale")
	page := quad.IRI("https://www.regione.example.it/servizi/bollo")
	svc := quad.IRI("https://www.regione.example.it/servizi/bollo#servizio")
	before := searchAPI(t, env.h, role.Operator, "q=bollo+auto")
	err := env.store.Update(ctx, func(b *kb.Batch) error {
		return b.AddQuads([]quad.Quad{
			{Subject: page, Predicate: quad.IRI(ontology.RDFType), Object: quad.IRI(ontology.Schema + "WebPage"), Label: g},
			{Subject: page, Predicate: quad.IRI(ontology.SchemaName), Object: quad.String("Bollo auto <script>"), Label: g},
			{Subject: svc, Predicate: quad.IRI(ontology.SchemaName), Object: quad.String("Pagamento del bollo auto regionale"), Label: g},
			{Subject: svc, Predicate: quad.IRI(ontology.PROV + "wasDerivedFrom"), Object: page, Label: g},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []role.Role{role.Anonymous, role.Operator, role.Publisher, role.Administrator} {
		r := searchAPI(t, env.h, who, "q=bollo+auto")
		if len(r.Pages) != 1 || r.Pages[0].URL != string(page) || r.Pages[0].Kind != search.KindPage || r.Pages[0].Source != "sito-regionale" {
			t.Errorf("%s: pages %+v", who, r.Pages)
		}
		for _, h := range r.Hits {
			if h.IRI == string(page) || h.IRI == string(svc) {
				t.Errorf("%s: a page among the pills: %+v", who, h)
			}
		}
		if who == role.Operator && (r.Total != before.Total || len(r.Hits) != len(before.Hits)) {
			t.Errorf("the page changed the pills' results: %d → %d", before.Total, r.Total)
		}
	}
	if r := searchAPI(t, env.h, role.Operator, "q=bollo+auto&kind=pill"); len(r.Pages) != 0 {
		t.Errorf("kind=pill: %+v", r.Pages)
	}
	if r := searchAPI(t, env.h, role.Operator, "q=bollo+auto&offset=10"); len(r.Pages) != 0 {
		t.Errorf("second page: %+v", r.Pages)
	}
	r := get(t, env.h, "/cerca?q=bollo+auto", role.Operator)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `href="https://www.regione.example.it/servizi/bollo"`) ||
		!strings.Contains(r.Body, "Dal sito") || !strings.Contains(r.Body, "Bollo auto &lt;script&gt;") {
		t.Errorf("/cerca: %d\n%s", r.Status, r.Body)
	}
	// The page leaves the graph: it leaves the search.
	if err := env.store.Update(ctx, func(b *kb.Batch) error { return b.ClearGraph(string(g)) }); err != nil {
		t.Fatal(err)
	}
	if r := searchAPI(t, env.h, role.Operator, "q=bollo+auto"); len(r.Pages) != 0 {
		t.Errorf("after the graph was cleared: %+v", r.Pages)
	}
}
