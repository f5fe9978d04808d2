package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sportello/fixtures"
	"sportello/kb"
	"sportello/web/webkit"
)

// TestEditorEveryField: a publisher writes a pill with every field through the editor's form
// (KB-12): the pill is saved through the workflow with its categories from the tree, its office
// and department from the directory, links, forms, audience and dates; the editor shows the
// preview as operators and citizens see it; the validator's diff names every field in Italian
// and shows concepts and offices by name, never as IRIs; what the form must refuse it refuses
// in Italian, naming the field.
func TestEditorEveryField(t *testing.T) {
	site := newAuthSiteWith(t, true)
	pub, val := site.login(t, "pubblicatore"), site.login(t, "validatore")
	concept := fixtures.Concepts[len(fixtures.Concepts)-1]
	var office kb.Unit
	for _, u := range fixtures.Units {
		if u.Kind == kb.UnitOffice && u.Parent != "" {
			office = u
			break
		}
	}
	form := func(u *signedIn, path string, v url.Values) reply {
		t.Helper()
		v.Set(webkit.CSRFField, u.csrf)
		return u.postForm(path, v)
	}
	full := url.Values{
		"code": {"TST-EDITOR"}, "title": {"Contributo per l'affitto"}, "question": {"Come chiedo il contributo per l'affitto?"},
		"answer":   {`<p>Si chiede <b>online</b> <script>alert(1)</script><a href="https://www.regione.it/affitto" onclick="x()">qui</a>.</p><div>Seconda riga</div>`},
		"keywords": {"affitto, contributo, canone"}, "concepts": {concept.IRI}, "office": {office.IRI},
		"legal": {"L. 431/1998 art. 11\nD.G.R. 12/2025"},
		"links": {"https://www.regione.it/affitto Pagina del bando"}, "forms": {"https://www.regione.it/modulo.pdf Modulo di domanda"},
		"audience": {"cittadini, famiglie"}, "reviewBy": {"2027-06-30"}, "validFrom": {"2026-01-01"}, "validUntil": {"2027-12-31"},
		"notes": {"Verificare il bando ogni anno."}, "action": {"save"},
	}

	for _, tc := range []struct {
		name   string
		change url.Values
		inBody string
	}{
		{"javascript link", url.Values{"links": {"javascript:alert(1) Clicca"}}, "collegamenti"},
		{"unknown concept", url.Values{"concepts": {"https://example.org/nessuno"}}, "non è nell&#39;albero"},
		{"unknown office", url.Values{"office": {"https://example.org/nessuno"}}, "non è nella rubrica"},
	} {
		v := url.Values{}
		for k, vs := range full {
			v[k] = vs
		}
		for k, vs := range tc.change {
			v[k] = vs
		}
		if r := form(pub, "/redazione/nuova", v); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, tc.inBody) {
			t.Errorf("%s: %d, want 400 with %q\n%.400s", tc.name, r.Status, tc.inBody, r.Body)
		}
	}

	r := form(pub, "/redazione/nuova", full)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("new pill with every field: %d %.400s", r.Status, r.Body)
	}
	p, err := site.store.PillByCode(context.Background(), "TST-EDITOR")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"concept":    len(p.Concepts) == 1 && p.Concepts[0] == concept.IRI,
		"office":     p.Office == office.IRI && p.Department == office.Parent,
		"links":      len(p.Links) == 1 && p.Links[0] == kb.Link{URL: "https://www.regione.it/affitto", Title: "Pagina del bando"},
		"forms":      len(p.Forms) == 1 && p.Forms[0].Title == "Modulo di domanda",
		"audience":   strings.Join(p.Audience, "|") == "cittadini|famiglie",
		"legal":      len(p.LegalRefs) == 2,
		"keywords":   strings.Join(p.Keywords, "|") == "affitto|canone|contributo", // a set: the store sorts it
		"dates":      p.ReviewBy != nil && p.ValidFrom != nil && p.ValidUntil != nil && p.ValidUntil.Format("2006-01-02") == "2027-12-31",
		"sanitised":  !strings.Contains(p.Answer, "script") && !strings.Contains(p.Answer, "onclick") && strings.Contains(p.Answer, `<a href="https://www.regione.it/affitto">`),
		"draft":      p.Status == kb.StatusDraft && p.Version == 1,
		"notes kept": p.Notes == "Verificare il bando ogni anno.",
	}
	for what, ok := range want {
		if !ok {
			t.Errorf("saved pill: %s wrong: %+v", what, *p)
		}
	}

	page := pub.get("/redazione/schede/TST-EDITOR")
	for _, s := range []string{`id="anteprima-operatore"`, `id="anteprima-cittadino"`, office.Name, concept.Label("it"), "Modulo di domanda",
		`role="toolbar"`, `name="concepts" value="` + concept.IRI + `"` + ` id="c-` + webkit.LocalID(concept.IRI) + `" checked`} {
		if !strings.Contains(page.Body, s) {
			t.Errorf("editor page lacks %q", s)
		}
	}
	if i := strings.Index(page.Body, `id="anteprima-cittadino"`); i < 0 || strings.Contains(page.Body[i:], "Verificare il bando") {
		t.Errorf("the citizen's preview shows the internal notes")
	}
	if strings.Contains(page.Body, "<textarea id=\"answer\"") {
		t.Errorf("the editor still has a raw HTML box for the answer")
	}

	// Submit, then the validator reads the diff in Italian with names, not IRIs.
	if r := form(pub, "/redazione/schede/TST-EDITOR", mergeValues(full, url.Values{"action": {"submit"}})); r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d %.300s", r.Status, r.Body)
	}
	q := val.get("/validazione")
	i := strings.Index(q.Body, `id="rev-TST-EDITOR"`)
	if i < 0 {
		t.Fatalf("queue lacks the pill:\n%.800s", q.Body)
	}
	rev := q.Body[i:]
	if j := strings.Index(rev, "</article>"); j > 0 {
		rev = rev[:j]
	}
	for _, s := range []string{"Classificazione", "Ufficio competente", "Struttura", "Moduli", "Collegamenti", "Destinatari",
		"Valida dal", "Da rivedere entro", "Riferimenti normativi", concept.Label("it"), office.Name, "30/06/2027"} {
		if !strings.Contains(rev, s) {
			t.Errorf("the validator's diff lacks %q", s)
		}
	}
	for _, s := range []string{concept.IRI, office.IRI, "Altro campo", "legalRefs"} {
		if strings.Contains(rev, s) {
			t.Errorf("the validator's diff shows %q", s)
		}
	}
	if r := form(val, "/validazione/TST-EDITOR/1/approva", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d %.300s", r.Status, r.Body)
	}
	if p, err := site.store.PillByCode(context.Background(), "TST-EDITOR"); err != nil || p.Status != kb.StatusPublished || p.Office != office.IRI {
		t.Errorf("after approval: %v %+v", err, p)
	}

	// A pill written without a code (as proposals from tickets are) gets one in the editor.
	r = form(pub, "/redazione/nuova", url.Values{"title": {"Senza codice"}, "answer": {"<p>Testo</p>"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("new pill without a code: %d", r.Status)
	}
	path := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	if page := pub.get(path); !strings.Contains(page.Body, `id="code"`) {
		t.Errorf("the editor of a pill without a code has no code field")
	}
	if r := form(pub, path, url.Values{"code": {"TST-EDITOR"}, "title": {"Senza codice"}}); r.Status != http.StatusConflict {
		t.Errorf("a code already taken: %d", r.Status)
	}
	if r := form(pub, path, url.Values{"code": {"TST-NUOVO"}, "title": {"Senza codice"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("giving a code: %d %.300s", r.Status, r.Body)
	}
	if p, err := site.store.PillByCode(context.Background(), "TST-NUOVO"); err != nil || p.Title != "Senza codice" {
		t.Errorf("the pill by its new code: %v %+v", err, p)
	}
}

func mergeValues(a, b url.Values) url.Values {
	out := url.Values{}
	for k, vs := range a {
		out[k] = vs
	}
	for k, vs := range b {
		out[k] = vs
	}
	return out
}
