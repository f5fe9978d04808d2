package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"sportello/fixtures"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/ontology"
	"sportello/web/webkit"
)

// The pills of the visibility tests: one published and in force with internal fields, one
// published whose validity ended, one published from a date to come, one draft (KB-3, KB-12).
const (
	visInForce = "TST-VIS-VIGORE"
	visEnded   = "TST-VIS-SCADUTA"
	visFuture  = "TST-VIS-FUTURA"
	visDraft   = "TST-VIS-BOZZA"
	visNote    = "Nota interna riservata agli operatori"
	visLegacy  = "Colonna interna del vecchio archivio"
)

var (
	visOnce  sync.Once
	visStore *kb.Store
	visErr   error
)

// visibilityStore is the demo plus the four pills, built once; the tests only read it.
func visibilityStore(t testing.TB) *kb.Store {
	t.Helper()
	visOnce.Do(func() {
		ctx := context.Background()
		s, err := kb.OpenMemory()
		if err != nil {
			visErr = err
			return
		}
		if err := fixtures.Load(ctx, s); err != nil {
			visErr = err
			return
		}
		concept := fixtures.Pills[0].Concepts[0]
		day := func(d int) *time.Time {
			t := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, d)
			return &t
		}
		for _, p := range []kb.Pill{
			{Code: visInForce, Title: "Scheda in vigore", Answer: "<p>In vigore.</p>", Status: kb.StatusPublished,
				Notes: visNote, Extra: []kb.Field{{Name: "Archivio", Value: visLegacy}}, ValidFrom: day(-30), ValidUntil: day(30)},
			{Code: visEnded, Title: "Scheda scaduta", Answer: "<p>Scaduta.</p>", Status: kb.StatusPublished, ValidUntil: day(-1)},
			{Code: visFuture, Title: "Scheda futura", Answer: "<p>Futura.</p>", Status: kb.StatusPublished, ValidFrom: day(2)},
			{Code: visDraft, Title: "Scheda in bozza di prova", Answer: "<p>Bozza.</p>", Status: kb.StatusDraft},
		} {
			p.Lang, p.Concepts = "it", []string{concept}
			if err := fixtures.PutPill(ctx, s, &p); err != nil {
				visErr = err
				return
			}
		}
		visStore = s
	})
	if visErr != nil {
		t.Fatalf("visibility store: %v", visErr)
	}
	return visStore
}

// TestViewerOf: every role maps to one of kb's viewers, and a role this version does not know
// gets no more than the public.
func TestViewerOf(t *testing.T) {
	want := map[role.Role]kb.Viewer{
		role.Anonymous: kb.Anonymous, role.Administrator: kb.Editorial, role.Publisher: kb.Editorial,
		role.Validator: kb.Editorial, role.Auditor: kb.Editorial, role.Operator: kb.Staff,
		role.Backoffice: kb.Staff, role.Level2: kb.Staff, role.Supervisor: kb.Staff,
		role.Role("superuser"): kb.Anonymous,
	}
	for _, r := range role.All {
		if _, ok := want[r]; !ok {
			t.Errorf("role %s has no expected viewer in this test", r)
		}
	}
	for r, v := range want {
		if got := webkit.ViewerOf(r); got != v {
			t.Errorf("ViewerOf(%s) = %+v, want %+v", r, got, v)
		}
	}
}

// TestOneVisibilityRule: every read path of the knowledge base — pill page, search pane, read
// API (one pill, lists by status, concept and office), counts on the home page and in the API,
// the tree, and the RDF exports in every syntax — shows each role what kb's rule lets it see,
// and nothing else: no draft or pill out of its validity period outside the editorial roles, no
// internal field to the public.
func TestOneVisibilityRule(t *testing.T) {
	store := visibilityStore(t)
	srv := New(Config{Auth: headerAuth{}}, Deps{Store: store}).Handler()
	ctx := context.Background()
	all, err := store.Pills(ctx, kb.PillFilter{})
	if err != nil {
		t.Fatal(err)
	}
	inForce, err := store.PillByCode(ctx, visInForce)
	if err != nil {
		t.Fatal(err)
	}
	hidden := []string{visEnded, visFuture, visDraft}
	for _, tt := range []struct {
		who      role.Role
		sees     []string // codes
		internal bool
	}{
		{role.Anonymous, []string{visInForce}, false},
		{role.Operator, []string{visInForce}, true},
		{role.Supervisor, []string{visInForce}, true},
		{role.Publisher, []string{visInForce, visEnded, visFuture, visDraft}, true},
		{role.Auditor, []string{visInForce, visEnded, visFuture, visDraft}, true},
	} {
		t.Run(string(tt.who), func(t *testing.T) {
			sees := map[string]bool{}
			for _, c := range tt.sees {
				sees[c] = true
			}
			for _, code := range append([]string{visInForce}, hidden...) {
				for _, path := range []string{"/schede/" + code, "/api/pills/" + code} {
					r := get(t, srv, path, tt.who)
					switch {
					case sees[code] && r.Status != http.StatusOK:
						t.Errorf("%s: %d, want 200", path, r.Status)
					case !sees[code] && r.Status != http.StatusNotFound:
						t.Errorf("%s: %d, want 404", path, r.Status)
					}
					// The page shows no internal field to anyone; the API gives them to staff.
					wantInternal := tt.internal && code == visInForce && strings.HasPrefix(path, "/api/")
					if r.Status == http.StatusOK && strings.Contains(r.Body, visNote) != wantInternal {
						t.Errorf("%s: internal note shown %v, want %v", path, !wantInternal, wantInternal)
					}
					if r.Status == http.StatusOK && strings.Contains(r.Body, visLegacy) != wantInternal {
						t.Errorf("%s: legacy column shown %v, want %v", path, !wantInternal, wantInternal)
					}
				}
			}
			// Lists: by concept, by office, by status, all.
			var list struct{ Items []kb.Pill }
			decode(t, get(t, srv, "/api/pills?limit=1000", tt.who), &list)
			want := 0
			v := webkit.ViewerOf(tt.who)
			for i := range all {
				if v.Sees(&all[i], time.Now()) {
					want++
				}
			}
			if len(list.Items) != want {
				t.Errorf("/api/pills: %d pills, want %d", len(list.Items), want)
			}
			for _, p := range list.Items {
				if strings.HasPrefix(p.Code, "TST-VIS-") && !sees[p.Code] {
					t.Errorf("/api/pills lists %s", p.Code)
				}
				if !tt.internal && (p.Notes != "" || len(p.Extra) > 0 || p.ValidatedBy != "") {
					t.Errorf("/api/pills: %s has internal fields for %s", p.Code, tt.who)
				}
			}
			var stats kb.Stats
			decode(t, get(t, srv, "/api/stats", tt.who), &stats)
			if stats.Pills != want {
				t.Errorf("/api/stats: %d pills, want %d", stats.Pills, want)
			}
			concept := webkit.LocalID(inForce.Concepts[0])
			for _, path := range []string{"/concetti/" + concept, "/api/concepts/" + concept} {
				body := get(t, srv, path, tt.who).Body
				for _, code := range hidden {
					if strings.Contains(body, code) != sees[code] {
						t.Errorf("%s: %s listed %v, want %v", path, code, !sees[code], sees[code])
					}
				}
			}
			st := get(t, srv, "/api/pills?status=draft", tt.who).Status
			if want := map[bool]int{true: http.StatusOK, false: http.StatusForbidden}[v.Drafts]; st != want {
				t.Errorf("/api/pills?status=draft: %d, want %d", st, want)
			}
			// Exports: the same rule, statement by statement.
			for _, f := range []string{"nquads", "turtle", "jsonld"} {
				r := get(t, srv, "/export/"+f, tt.who)
				if r.Status != http.StatusOK {
					t.Fatalf("/export/%s: %d", f, r.Status)
				}
				for _, code := range append([]string{visInForce}, hidden...) {
					if strings.Contains(r.Body, code) != sees[code] {
						t.Errorf("/export/%s: %s present %v, want %v", f, code, !sees[code], sees[code])
					}
				}
				if strings.Contains(r.Body, visNote) != tt.internal {
					t.Errorf("/export/%s: internal note present %v, want %v", f, !tt.internal, tt.internal)
				}
				if f == "nquads" && strings.Contains(r.Body, "<"+ontology.GraphHistory+">") != v.Drafts {
					t.Errorf("/export/nquads: history graph present %v, want %v", !v.Drafts, v.Drafts)
				}
			}
			r := get(t, srv, "/export/nquads?graph=history", tt.who)
			wantHist := map[role.Role]int{role.Anonymous: http.StatusUnauthorized, role.Operator: http.StatusForbidden,
				role.Supervisor: http.StatusForbidden}[tt.who]
			if wantHist == 0 {
				wantHist = http.StatusOK
			}
			if r.Status != wantHist {
				t.Errorf("/export/nquads?graph=history: %d, want %d", r.Status, wantHist)
			}
		})
	}
}

// blockingWriter is a client that stops reading: the first write of the body waits until the
// test lets it go, so the export holding the gate's slot stays in progress.
type blockingWriter struct {
	header  http.Header
	code    int
	body    strings.Builder
	first   chan struct{}
	release chan struct{}
	once    sync.Once
}

func (w *blockingWriter) Header() http.Header { return w.header }
func (w *blockingWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *blockingWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.first); <-w.release })
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.body.Write(p)
}

// TestExportGate: with room for one export, a second one while the first is in progress is
// refused at once with 503, Retry-After and an Italian message (a page, or JSON for clients
// that ask for it), whoever asks; once the first ends, the next one goes through.
func TestExportGate(t *testing.T) {
	srv := New(Config{Auth: headerAuth{}, MaxExports: 1}, Deps{Store: visibilityStore(t)}).Handler()
	w := &blockingWriter{header: http.Header{}, first: make(chan struct{}), release: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/export/turtle", nil))
	}()
	select {
	case <-w.first:
	case <-time.After(30 * time.Second):
		t.Fatal("the first export wrote nothing in 30 s")
	}
	for _, who := range []role.Role{role.Anonymous, role.Publisher} {
		r := get(t, srv, "/export/nquads", who)
		if r.Status != http.StatusServiceUnavailable {
			t.Fatalf("second export as %s: %d, want 503", who, r.Status)
		}
		if got := r.Header.Get("Retry-After"); got != "30" {
			t.Errorf("Retry-After %q, want 30", got)
		}
		if !strings.Contains(r.Body, "Sono già in corso altre esportazioni") || !strings.Contains(r.Body, "30 secondi") {
			t.Errorf("refusal page lacks the Italian message:\n%s", r.Body)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/export/nquads", nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"code":"busy"`) {
		t.Errorf("JSON refusal: %d %s", rec.Code, rec.Body.String())
	}
	// The directory as vCard is small and not gated.
	if r := get(t, srv, "/export/vcard", role.Anonymous); r.Status != http.StatusOK {
		t.Errorf("vCard while an RDF export runs: %d", r.Status)
	}
	close(w.release)
	<-done
	if w.code != http.StatusOK || !strings.Contains(w.body.String(), visInForce) {
		t.Errorf("first export: %d, %d bytes", w.code, w.body.Len())
	}
	if ct := w.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/turtle") {
		t.Errorf("first export's Content-Type %q", ct)
	}
	if r := get(t, srv, "/export/nquads", role.Anonymous); r.Status != http.StatusOK {
		t.Errorf("export after the first ended: %d", r.Status)
	}
}
