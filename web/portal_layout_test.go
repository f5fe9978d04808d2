package web

import (
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sportello/internal/role"
	"sportello/web/public"
)

// TestPortalLayout: the citizens' pages wear the public administration's design system
// (Bootstrap Italia, Titillium Web) served from the binary with a year's caching, and their
// footer links the accessibility statement, the privacy notice and the legal notes; the staff
// pages keep their own layout.
func TestPortalLayout(t *testing.T) {
	f := newTicketFixture(t)
	css := public.ItaliaPath + "/css/bootstrap-italia.min.css"
	for _, p := range []string{"/servizi", "/servizi/eventi/8", "/servizi/schede/" + url.PathEscape(f.pill.Code),
		"/servizi/cerca", "/richiesta", "/privacy", "/accessibilita", "/note-legali"} {
		for _, who := range []role.Role{role.Anonymous, role.Operator} {
			r := f.do(t, http.MethodGet, p, who, nil)
			f.want(t, r, http.StatusOK)
			for _, want := range []string{`href="` + css + `"`, `href="` + public.ItaliaPath + `/fonts.css"`,
				`href="/accessibilita"`, `href="/privacy"`, `href="/note-legali"`, `class="it-header-wrapper"`, `class="it-footer"`} {
				if !strings.Contains(r.Body, want) {
					t.Errorf("%s as %s: no %s", p, who, want)
				}
			}
		}
	}
	for _, p := range []string{"/", "/albero", "/cerca"} {
		if r := f.do(t, http.MethodGet, p, role.Operator, nil); strings.Contains(r.Body, "bootstrap-italia") {
			t.Errorf("%s: a staff page in the portal's layout", p)
		}
	}
	// The stylesheet, the fonts fonts.css names and the licences are served, a year in cache.
	fonts := f.do(t, http.MethodGet, public.ItaliaPath+"/fonts.css", role.Anonymous, nil)
	f.want(t, fonts, http.StatusOK)
	files := []string{css, public.ItaliaPath + "/LICENSE", public.ItaliaPath + "/LICENSE-bootstrap", public.ItaliaPath + "/fonts/OFL.txt"}
	for _, m := range regexp.MustCompile(`url\(([^)]+)\)`).FindAllStringSubmatch(fonts.Body, -1) {
		files = append(files, public.ItaliaPath+"/"+m[1])
	}
	if len(files) < 9 {
		t.Fatalf("fonts.css names %d fonts", len(files)-4)
	}
	for _, p := range files {
		req := f.do(t, http.MethodGet, p, role.Anonymous, nil)
		if req.Status != http.StatusOK || req.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: %d, Cache-Control %q", p, req.Status, req.Header.Get("Cache-Control"))
		}
		if strings.HasSuffix(p, ".woff2") && req.Header.Get("Content-Type") != "font/woff2" {
			t.Errorf("%s: Content-Type %q", p, req.Header.Get("Content-Type"))
		}
	}
	if r := f.do(t, http.MethodGet, "/static/portal.css", role.Anonymous, nil); r.Status != http.StatusOK || r.Header.Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("portal.css: %d, %q", r.Status, r.Header.Get("Cache-Control"))
	}
	// Only what the portal uses is vendored: no JavaScript, maps or other fonts.
	if err := fs.WalkDir(public.Static(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".map") || strings.HasSuffix(p, ".ttf")) {
			t.Errorf("vendored but unused: %s", p)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
