package knowledge

import (
	"html/template"
	"strings"
	"testing"
	"time"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb/search"
	"sportello/web/webkit"
)

func TestMarkOnly(t *testing.T) {
	tests := []struct{ in, want string }{
		{"il <mark>bollo</mark> auto", "il <mark>bollo</mark> auto"},
		{"a &amp; b <mark>c</mark>", "a &amp; b <mark>c</mark>"},
		{"<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"},
		{"&lt;b&gt; <mark>x", "&lt;b&gt; <mark>x</mark>"},
		{"x</mark> y", "x y"},
		{"<mark><mark>a</mark>", "<mark>a</mark>"},
		{"<mark onclick=1>a</mark>", "&lt;mark onclick=1&gt;a"},
		{"l&#39;auto", "l&#39;auto"},
	}
	for _, tt := range tests {
		if got := markOnly(tt.in); got != tt.want {
			t.Errorf("markOnly(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzMarkOnly: whatever comes in, what goes out has no tag but balanced <mark>…</mark>.
func FuzzMarkOnly(f *testing.F) {
	for _, s := range []string{"", "il <mark>bollo</mark>", "<script>", "</mark><mark>", "&amp;<mark>&lt;", "<<mark>>", "<mark"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := markOnly(s)
		depth := 0
		for rest := out; rest != ""; {
			i := strings.IndexByte(rest, '<')
			if i < 0 {
				break
			}
			rest = rest[i:]
			switch {
			case strings.HasPrefix(rest, "<mark>"):
				depth++
				rest = rest[len("<mark>"):]
			case strings.HasPrefix(rest, "</mark>"):
				depth--
				rest = rest[len("</mark>"):]
			default:
				t.Fatalf("markOnly(%q) = %q: a tag other than mark", s, out)
			}
			if depth < 0 || depth > 1 {
				t.Fatalf("markOnly(%q) = %q: unbalanced marks", s, out)
			}
		}
		if depth != 0 {
			t.Fatalf("markOnly(%q) = %q: a mark left open", s, out)
		}
		if markOnly(out) != out {
			t.Fatalf("markOnly is not idempotent on %q: %q", out, markOnly(out))
		}
	})
}

// TestSearchTemplate renders /cerca from a response made by hand: the "did you mean" link, the
// banner and the three kinds of hit, whatever the index happens to answer for the demo.
func TestSearchTemplate(t *testing.T) {
	pages := webkit.NewSite("", nil, template.FuncMap{"contactHome": func(role.Role) []string { return nil }}).Pages(templates, funcs)
	validated := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	d := &searchPageData{Query: "bolo", TicketURL: "/ticket/nuovo", Resp: &search.Response{
		Query: "bolo", Confident: false, Suggestion: `bollo "auto"`, Total: 3, Limit: 10,
		Hits: []search.Hit{
			{Code: "TRI-001", IRI: "https://x/pill/tri-001", Title: "Bollo auto", Kind: search.KindPill,
				Highlights: []string{"<mark>Bollo</mark> auto"}, Office: "Servizio Tributi", Validated: &validated, Status: "published"},
			{IRI: "https://x/unit/tributi", Title: "Servizio Tributi", Kind: search.KindOffice, Phones: []string{"+39 0544 1"}},
			{IRI: "https://x/person/rossi", Title: "Mario Rossi", Kind: search.KindPerson, Role: "Funzionario", Extension: "2111"},
		}}}
	var buf strings.Builder
	if err := pages.Execute(&buf, "search", webkit.PageData{Title: "t", Nav: "search", Data: d}); err != nil {
		t.Fatal(err)
	}
	body := buf.String()
	for _, want := range []string{
		i18n.T("search.didYouMean"), `href="/cerca?q=bollo%20%22auto%22"`, `tel:&#43;3905441`, `id="incerto"`, `href="/ticket/nuovo"`,
		`class="hit hit-pill"`, `class="hit hit-office"`, `class="hit hit-person"`,
		"validata il 10/03/2025", "Servizio Tributi ·", "interno 2111", "<mark>Bollo</mark> auto",
		`data-id="TRI-001"`, i18n.T("search.probability", "0 %"),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/cerca lacks %s", want)
		}
	}
	// Not sure: every candidate is listed and marked to be checked, none sure.
	if n := strings.Count(body, `class="mark-verify"`); n != 3 || strings.Contains(body, `class="mark-sure"`) {
		t.Errorf("/cerca marks %d candidates to check, want 3 and none sure", n)
	}
}
