package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sportello/web/webkit"
)

// TestTreeInTheBrowser: publishers keep the classification tree from the browser (KB-1) —
// create a concept with Italian and English labels, rename, move, add synonyms, map it to the
// national life-event vocabulary, retire it — each change through kb's typed writes and shown in
// the concept's history with who; refusals come back in Italian; operators may not.
func TestTreeInTheBrowser(t *testing.T) {
	site := newAuthSiteWith(t, true)
	pub, op := site.login(t, "pubblicatore"), site.login(t, "operatore")
	ctx := context.Background()
	form := func(u *signedIn, path string, v url.Values) reply {
		t.Helper()
		v.Set(webkit.CSRFField, u.csrf)
		return u.postForm(path, v)
	}
	if r := op.get("/redazione/albero"); r.Status != http.StatusForbidden {
		t.Errorf("operator opens the tree editor: %d", r.Status)
	}
	if r := pub.get("/redazione/albero"); r.Status != 200 || !strings.Contains(r.Body, `id="albero-redazione"`) {
		t.Fatalf("tree editor: %d", r.Status)
	}
	concepts, _ := site.store.Concepts(ctx)
	parent := concepts[0]
	vocab, err := site.store.VocabularyConcepts(ctx)
	if err != nil || len(vocab) == 0 {
		t.Fatal("no national vocabularies", err)
	}
	var life string
	for _, v := range vocab {
		if strings.Contains(v.IRI, "/life-event/") {
			life = v.IRI
			break
		}
	}

	if r := form(pub, "/redazione/albero", url.Values{"labelIt": {""}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "obbligatoria") {
		t.Errorf("a concept without a label: %d", r.Status)
	}
	r := form(pub, "/redazione/albero", url.Values{"labelIt": {"Bonus edilizi"}, "labelEn": {"Building bonuses"}, "parent": {parent.IRI}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %.300s", r.Status, r.Body)
	}
	loc := r.Header.Get("Location")
	path := strings.TrimSuffix(loc, "?salvata=1")
	r = form(pub, path, url.Values{"labelIt": {"Bonus per la casa"}, "labelEn": {"Home bonuses"}, "parent": {""},
		"altIt": {"superbonus\necobonus"}, "hiddenIt": {"bonis"}, "exact": {life}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %.300s", r.Status, r.Body)
	}
	if r := form(pub, path, url.Values{"labelIt": {"X"}, "exact": {"https://example.org/altro"}}); r.Status != http.StatusBadRequest {
		t.Errorf("a mapping outside the national vocabularies: %d", r.Status)
	}
	var iri string
	cs, _ := site.store.Concepts(ctx)
	for _, c := range cs {
		if c.Label("it") == "Bonus per la casa" {
			iri = c.IRI
			if c.Label("en") != "Home bonuses" || c.Broader != "" || len(c.AltLabels["it"]) != 2 || len(c.ExactMatch) != 1 || c.ExactMatch[0] != life {
				t.Errorf("the concept as saved: %+v", c)
			}
		}
	}
	if iri == "" {
		t.Fatal("the renamed concept is not in the tree")
	}
	// Moving a concept under its own child is refused.
	child := url.Values{"labelIt": {"Sottovoce"}, "parent": {iri}}
	if r := form(pub, "/redazione/albero", child); r.Status != http.StatusSeeOther {
		t.Fatalf("child: %d", r.Status)
	}
	cs, _ = site.store.Concepts(ctx)
	var childIRI string
	for _, c := range cs {
		if c.Broader == iri {
			childIRI = c.IRI
		}
	}
	if r := form(pub, path, url.Values{"labelIt": {"Bonus per la casa"}, "parent": {childIRI}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "voce inferiore") {
		t.Errorf("a cycle: %d %.300s", r.Status, r.Body)
	}
	if r := form(pub, path+"/ritira", url.Values{}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "voci inferiori") {
		t.Errorf("retiring a concept with children: %d", r.Status)
	}
	page := pub.get(path)
	for _, s := range []string{"Home bonuses", "superbonus", "pubblicatore", "creazione", "modifica", "«Bonus edilizi» → «Bonus per la casa»"} {
		if !strings.Contains(page.Body, s) && !strings.Contains(page.Body, strings.ReplaceAll(s, "«", "&laquo;")) {
			t.Errorf("the concept page lacks %q", s)
		}
	}
	childPath := "/redazione/albero/" + webkit.LocalID(childIRI)
	if r := form(pub, childPath+"/ritira", url.Values{}); r.Status != http.StatusSeeOther {
		t.Errorf("retire a leaf: %d %.300s", r.Status, r.Body)
	}
	if h, _ := site.store.ConceptHistory(ctx, childIRI); len(h) != 2 || h[0].Action != "ritiro" || h[0].Actor != "pubblicatore" {
		t.Errorf("the retirement in the history: %+v", h)
	}
}
