package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"sportello/audit"
	"sportello/fixtures"
	"sportello/internal/role"
	"sportello/internal/sqldb"
	"sportello/kb"
	"sportello/kb/search"
)

// TestPillPhrasings: the pill page shows "Come lo chiedono i cittadini" — the words the search
// learned from contacts (KB-9) — to publishers, validators and administrators only; a curator
// removes an entry with a POST (CSRF-checked like every form), the search forgets it at once,
// and the audit log records which entry went, without its words.
func TestPillPhrasings(t *testing.T) {
	ctx := context.Background()
	store, err := kb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := fixtures.Load(ctx, store); err != nil {
		t.Fatal(err)
	}
	db, err := sqldb.Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	phr, err := search.NewPhrasingStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	x, err := search.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	x.SetPhrasings(phr)
	if err := x.Rebuild(ctx, store, nil); err != nil {
		t.Fatal(err)
	}
	log, err := audit.Open(ctx, db, audit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	l := &search.Learner{Store: phr, Index: x, Pill: store.Pill}
	h := New(Config{Auth: headerAuth{}}, Deps{Store: store, Search: x, Learner: l, Audit: log}).Handler()

	pills, err := store.Pills(ctx, kb.PillFilter{Status: []kb.Status{kb.StatusPublished}})
	if err != nil || len(pills) < 2 {
		t.Fatalf("demo pills: %d, %v", len(pills), err)
	}
	p, other := pills[0], pills[1]
	const words = "zefiro spiumato per la pratica"
	learned, err := l.Learn(ctx, p.IRI, []string{words}, search.Solved, "ticket:T-2026-000001")
	if err != nil || len(learned) != 1 {
		t.Fatalf("Learn: %v, %v", learned, err)
	}
	elsewhere, err := l.Learn(ctx, other.IRI, []string{"altra frase"}, search.Opened, "ticket:T-2026-000002")
	if err != nil {
		t.Fatal(err)
	}
	page := "/schede/" + url.PathEscape(p.Code)
	for _, who := range role.All {
		r := get(t, h, page, who)
		shown := strings.Contains(r.Body, "Come lo chiedono i cittadini") && strings.Contains(r.Body, words)
		if want := who == role.Publisher || who == role.Validator || who == role.Administrator; shown != want || r.Status != http.StatusOK {
			t.Errorf("%s: %s shows the learned phrasings: %v (status %d)", page, who, shown, r.Status)
		}
	}
	remove := page + "/frasi/" + strconv.FormatInt(learned[0].ID, 10) + "/rimuovi"
	if r := do(t, h, http.MethodPost, remove, role.Operator, url.Values{}); r.Status != http.StatusForbidden {
		t.Errorf("operator removes: %d", r.Status)
	}
	// Another pill's entry cannot be removed from this page.
	if r := do(t, h, http.MethodPost, page+"/frasi/"+strconv.FormatInt(elsewhere[0].ID, 10)+"/rimuovi", role.Publisher, url.Values{}); r.Status != http.StatusSeeOther ||
		!strings.Contains(r.Header.Get("Location"), "errore=notFound") {
		t.Errorf("another pill's phrasing: %d %s", r.Status, r.Header.Get("Location"))
	}
	if left, _ := l.List(ctx, other.IRI); len(left) != 1 {
		t.Errorf("another pill's phrasing was removed")
	}
	r := do(t, h, http.MethodPost, remove, role.Publisher, url.Values{})
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "ok=removed") {
		t.Fatalf("remove: %d %s", r.Status, r.Header.Get("Location"))
	}
	if left, _ := l.List(ctx, p.IRI); len(left) != 0 {
		t.Errorf("still learned: %+v", left)
	}
	loc, _, _ := strings.Cut(r.Header.Get("Location"), "#")
	if back := get(t, h, loc, role.Publisher); !strings.Contains(back.Body, "Frase rimossa") || strings.Contains(back.Body, words) {
		t.Errorf("the page after the removal does not say so, or still lists the words")
	}
	entries, err := log.List(ctx, audit.Filter{Action: audit.PhrasingRemove})
	if err != nil || len(entries) != 1 || entries[0].Actor != "test-publisher" || strings.Contains(entries[0].Detail, "zefiro") ||
		!strings.Contains(entries[0].Detail, "ticket:T-2026-000001") {
		t.Errorf("audit log: %+v, %v", entries, err)
	}
	if r := do(t, h, http.MethodPost, remove, role.Publisher, url.Values{}); !strings.Contains(r.Header.Get("Location"), "errore=notFound") {
		t.Errorf("second removal: %d %s", r.Status, r.Header.Get("Location"))
	}
}
