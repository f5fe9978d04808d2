package web

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"sportello/fixtures"
	"sportello/internal/role"
	"sportello/kb"
)

// TestPublicPagesCacheable: an anonymous page has an ETag and a public Cache-Control, and the
// same ETag in If-None-Match is a 304 without a body; a signed-in caller's page, the request
// pages and error pages stay no-store without an ETag; assets keep their own caching.
func TestPublicPagesCacheable(t *testing.T) {
	f := newTicketFixture(t)
	get := func(path string, who role.Role, etag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if who != role.Anonymous {
			req.Header.Set("X-Test-Role", string(who))
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		return rec
	}
	for _, p := range []string{"/", "/servizi", "/servizi/eventi/8", "/servizi/schede/" + f.pill.Code, "/albero", "/rubrica", "/privacy", "/accessibilita"} {
		r := get(p, role.Anonymous, "")
		tag := r.Header().Get("ETag")
		if r.Code != http.StatusOK || tag == "" || r.Header().Get("Cache-Control") != PublicMaxAge {
			t.Errorf("%s: %d, ETag %q, Cache-Control %q", p, r.Code, tag, r.Header().Get("Cache-Control"))
			continue
		}
		if again := get(p, role.Anonymous, ""); again.Header().Get("ETag") != tag || again.Body.String() != r.Body.String() {
			t.Errorf("%s: the same page has another ETag", p)
		}
		nm := get(p, role.Anonymous, `"other", W/`+tag)
		if nm.Code != http.StatusNotModified || nm.Body.Len() != 0 || nm.Header().Get("ETag") != tag {
			t.Errorf("%s with If-None-Match: %d, %d bytes", p, nm.Code, nm.Body.Len())
		}
		if stale := get(p, role.Anonymous, `"stale"`); stale.Code != http.StatusOK || stale.Body.Len() == 0 {
			t.Errorf("%s with a stale ETag: %d", p, stale.Code)
		}
		// Signed in: no-store wins, never a 304 from the public page's ETag.
		for _, who := range []role.Role{role.Operator, role.Administrator} {
			s := get(p, who, tag)
			if s.Code != http.StatusOK || s.Header().Get("Cache-Control") != "no-store" || s.Header().Get("ETag") != "" {
				t.Errorf("%s as %s: %d, Cache-Control %q, ETag %q", p, who, s.Code, s.Header().Get("Cache-Control"), s.Header().Get("ETag"))
			}
		}
	}
	for _, p := range []string{"/richiesta", "/richiesta/stato?numero=RS-2026-000001-AAAA&email=a@example.it"} {
		r := get(p, role.Anonymous, "")
		if r.Header().Get("ETag") != "" || r.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s (personal data): ETag %q, Cache-Control %q", p, r.Header().Get("ETag"), r.Header().Get("Cache-Control"))
		}
	}
	if r := get("/servizi/schede/NESSUNA", role.Anonymous, ""); r.Code != http.StatusNotFound || r.Header().Get("ETag") != "" {
		t.Errorf("not found: %d, ETag %q", r.Code, r.Header().Get("ETag"))
	}
	if r := get("/static/style.css", role.Anonymous, ""); r.Header().Get("ETag") != "" || r.Header().Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("asset: ETag %q, Cache-Control %q", r.Header().Get("ETag"), r.Header().Get("Cache-Control"))
	}
}

// TestPortalPagesKeptUntilWrite: a portal page is answered from the kept copy while the
// knowledge base does not change, and a committed write shows at once (KB-5).
func TestPortalPagesKeptUntilWrite(t *testing.T) {
	ctx := context.Background()
	st, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := fixtures.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	h := New(Config{Auth: headerAuth{}}, Deps{Store: st}).Handler()
	get := func(path, etag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	pills, err := st.Pills(ctx, kb.PillFilter{Viewer: &kb.Anonymous})
	if err != nil || len(pills) == 0 {
		t.Fatalf("%d published pills, %v", len(pills), err)
	}
	p := pills[0]
	path := "/servizi/schede/" + url.PathEscape(p.Code)
	first := get(path, "")
	tag := first.Header().Get("ETag")
	if first.Code != http.StatusOK || tag == "" || !strings.Contains(first.Body.String(), html.EscapeString(p.Title)) {
		t.Fatalf("%s: %d, ETag %q", path, first.Code, tag)
	}
	for range 3 {
		again := get(path, "")
		if again.Header().Get("ETag") != tag || again.Body.String() != first.Body.String() ||
			again.Header().Get("Content-Type") != first.Header().Get("Content-Type") ||
			again.Header().Get("Cache-Control") != PublicMaxAge {
			t.Fatalf("the kept page differs: %d, %v", again.Code, again.Header())
		}
		if nm := get(path, tag); nm.Code != http.StatusNotModified || nm.Body.Len() != 0 {
			t.Fatalf("kept page with its ETag: %d, %d bytes", nm.Code, nm.Body.Len())
		}
	}
	home := get("/servizi", "")
	gen := st.Generation()
	p.Title = "Titolo cambiato per la prova della cache"
	if err := fixtures.PutPill(ctx, st, &p); err != nil {
		t.Fatal(err)
	}
	if st.Generation() == gen {
		t.Fatal("a committed write left the generation as it was")
	}
	changed := get(path, tag)
	if changed.Code != http.StatusOK || changed.Header().Get("ETag") == tag || !strings.Contains(changed.Body.String(), p.Title) {
		t.Errorf("after the write: %d, ETag %q, new title shown %v", changed.Code, changed.Header().Get("ETag"), strings.Contains(changed.Body.String(), p.Title))
	}
	// The home's counts did not change: the same content, the same ETag, rendered again.
	if again := get("/servizi", home.Header().Get("ETag")); again.Code != http.StatusNotModified {
		t.Errorf("/servizi after a title change: %d", again.Code)
	}
}

// TestPageCacheBounds: the kept pages follow the generation and the clock, waiters get the
// page of the one rendering it (or render themselves when there is none), and the bounds hold.
func TestPageCacheBounds(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	pc := newPageCache()
	pc.now = func() time.Time { return now }
	page := func(n int) *keptPage { return &keptPage{body: make([]byte, n), tag: `"t"`, header: http.Header{}} }

	e, fresh := pc.get(ctx, "/a", 1)
	if !fresh {
		t.Fatal("a page never seen must be rendered")
	}
	done := make(chan *pageEntry)
	go func() { w, _ := pc.get(ctx, "/a", 1); done <- w }()
	pc.fill(e, page(10))
	if w := <-done; w == nil || w.page == nil || len(w.page.body) != 10 {
		t.Fatal("a waiter did not get the page rendered for it")
	}
	if e2, fresh := pc.get(ctx, "/a", 1); fresh || e2 != e {
		t.Error("the kept page was not reused")
	}
	if _, fresh := pc.get(ctx, "/a", 2); !fresh {
		t.Error("another generation reused the page")
	}
	e3, _ := pc.get(ctx, "/b", 2)
	pc.fill(e3, page(5))
	now = now.Add(pageTTL)
	if _, fresh := pc.get(ctx, "/b", 2); !fresh {
		t.Error("a page past pageTTL was reused")
	}
	// Nothing to keep: the waiters render on their own, and the next one renders again.
	e4, _ := pc.get(ctx, "/c", 2)
	go func() { w, _ := pc.get(ctx, "/c", 2); done <- w }()
	time.Sleep(10 * time.Millisecond)
	pc.fill(e4, nil)
	if w := <-done; w != nil {
		t.Error("a waiter got an entry with nothing kept")
	}
	if _, fresh := pc.get(ctx, "/c", 2); !fresh {
		t.Error("after nothing was kept the page must be rendered again")
	}
	// A waiter whose request ends stops waiting.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if w, fresh := pc.get(cctx, "/c", 2); w != nil || fresh {
		t.Error("a cancelled waiter kept waiting")
	}
	// The bounds: many pages, and big ones.
	for i := range maxKeptPages + 50 {
		e, fresh := pc.get(ctx, "/q?"+strconv.Itoa(i), 3)
		if fresh {
			pc.fill(e, page(maxKeptBytes/maxKeptPages*2))
		}
	}
	pc.mu.Lock()
	n, b := len(pc.entries), pc.bytes
	pc.mu.Unlock()
	if n > maxKeptPages+1 || b > maxKeptBytes+maxKeptBytes/maxKeptPages*2 {
		t.Errorf("%d pages, %d bytes kept", n, b)
	}
}
