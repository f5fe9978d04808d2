package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"sportello/fixtures"
	"sportello/internal/role"
	"sportello/kb"
)

// TestPortalSearch: /servizi/cerca finds published pills with the same engine and links their
// portal pages; drafts, offices and people stay out for every role, as do internal fields; a
// write shows at once although the page is kept (KB-5, TK-18); bad input is a clear 400.
func TestPortalSearch(t *testing.T) {
	env := newSearchEnv(t)
	ctx := context.Background()
	all, err := env.store.Pills(ctx, kb.PillFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var pub, draft *kb.Pill
	for i := range all {
		p := &all[i]
		if p.Code == "" {
			continue
		}
		switch {
		case pub == nil && kb.Anonymous.Sees(p, time.Now()):
			pub = p
		case draft == nil && p.Status == kb.StatusDraft:
			draft = p
		}
	}
	if pub == nil || draft == nil {
		t.Fatal("the demo needs a published and a draft pill with codes")
	}
	find := func(q string, who role.Role) response {
		return do(t, env.h, http.MethodGet, "/servizi/cerca?q="+url.QueryEscape(q), who, nil)
	}
	for _, who := range []role.Role{role.Anonymous, role.Publisher} {
		r := find(pub.Title, who)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `href="/servizi/schede/`+url.PathEscape(pub.Code)+`"`) {
			t.Errorf("%s: %q: %d, no link to %s", who, pub.Title, r.Status, pub.Code)
		}
		if pub.Notes != "" && strings.Contains(r.Body, esc(pub.Notes)) {
			t.Errorf("%s: the hits show the pill's notes", who)
		}
		if d := find(draft.Title, who); strings.Contains(d.Body, "/schede/"+url.PathEscape(draft.Code)+`"`) {
			t.Errorf("%s: the portal's search shows the draft %s", who, draft.Code)
		}
		if strings.Contains(r.Body, "/rubrica/") {
			t.Errorf("%s: the portal's search shows the directory", who)
		}
	}
	// The home has the search form.
	if home := do(t, env.h, http.MethodGet, "/servizi", role.Anonymous, nil); !strings.Contains(home.Body, `action="/servizi/cerca"`) {
		t.Error("the portal's home has no search form")
	}
	// Kept page, then a write: the new title is found at once.
	const title = "Contrassegno per la sosta dei velocipedi elettrici"
	if r := find(title, role.Anonymous); strings.Contains(r.Body, ">"+esc(title)+"</a>") {
		t.Fatal("the new title is found before it is written")
	}
	p := *pub
	p.Title = title
	if err := fixtures.PutPill(ctx, env.store, &p); err != nil {
		t.Fatal(err)
	}
	if r := find(title, role.Anonymous); !strings.Contains(r.Body, ">"+esc(title)+"</a>") {
		t.Errorf("after the write the search does not find %q", title)
	}
	for _, q := range []string{"/servizi/cerca?q=" + strings.Repeat("a", 201), "/servizi/cerca?q=bollo&pagina=0", "/servizi/cerca?q=bollo&pagina=x"} {
		if r := do(t, env.h, http.MethodGet, q, role.Anonymous, nil); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "ricerca") && !strings.Contains(r.Body, "agina") {
			t.Errorf("%.60s: %d %s", q, r.Status, r.Body)
		}
	}
	if r := do(t, env.h, http.MethodGet, "/servizi/cerca", role.Anonymous, nil); r.Status != http.StatusOK {
		t.Errorf("the empty search page: %d", r.Status)
	}
}
