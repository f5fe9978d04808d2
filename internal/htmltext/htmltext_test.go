package htmltext

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<p>Risposta sicura.</p><script>alert("x")</script><img src="x" onerror="alert(1)"><a href="javascript:alert(2)">clic</a><b>fine</b>`,
			`<p>Risposta sicura.</p>clic<b>fine</b>`},
		{`<p>L'ufficio "anagrafe"</p>`, `<p>L'ufficio "anagrafe"</p>`},
		{`<a href="tel:+390544952110">chiama</a> <a href="mailto:urp@example.it">scrivi</a>`,
			`<a href="tel:+390544952110">chiama</a> <a href="mailto:urp@example.it">scrivi</a>`},
		{`<a href="https://example.it" onclick="x()" target="_blank">sito</a>`, `<a href="https://example.it">sito</a>`},
		{`<h2>Titolo</h2><table><tr><td>cella</td></tr></table><ul><li>uno</li></ul>`, `Titolocella<ul><li>uno</li></ul>`},
		{`<p style="color:red">a &amp; b</p>`, `<p>a &amp; b</p>`},
	} {
		if got := Sanitize(tc.in); got != tc.want {
			t.Errorf("Sanitize(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<p>Primo   paragrafo.</p><p>Secondo<br>a capo.</p>`, "Primo paragrafo.\nSecondo\na capo."},
		{`<ul><li>uno</li><li>due &amp; tre</li></ul>`, "uno\ndue & tre"},
		{`<b>Grassetto</b>e testo`, "Grassettoe testo"},
		{`<style>p{}</style><script>alert(1)</script>visibile<!-- nascosto -->`, "visibile"},
		{`a < b e c > d`, "a < b e c > d"},
		{"  solo   testo\n\n riga  ", "solo testo\nriga"},
		{`l&#39;ufficio &egrave; aperto&nbsp;oggi`, "l'ufficio è aperto oggi"},
		{`<table><tr><td>a</td><td>b</td></tr></table>`, "a b"},
		{`R&D`, "R&D"},
		{``, ``},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Line(`<p>a</p><p>b</p>`); got != "a b" {
		t.Errorf("Line = %q", got)
	}
}

func TestSafeURL(t *testing.T) {
	for u, want := range map[string]bool{
		"https://example.it": true, "HTTP://example.it/x": true, "mailto:urp@example.it": true,
		"tel:+390544952110": true, "javascript:alert(1)": false, "data:text/html,x": false,
		"//example.it": false, "example.it": false, "https:": false, "http:/x": false, "": false,
		" https://example.it ": true, "vbscript:x": false, "ftp://example.it": false,
	} {
		if got := SafeURL(u); got != want {
			t.Errorf("SafeURL(%q) = %v, want %v", u, got, want)
		}
	}
}

var (
	tagRE   = regexp.MustCompile(`<[^>]*>`)
	allowed = map[string]bool{"p": true, "br": true, "b": true, "strong": true, "i": true, "em": true, "ul": true, "ol": true, "li": true, "a": true}
)

func FuzzHTML(f *testing.F) {
	for _, s := range []string{`<p>a</p>`, `<script>x`, `<a href="javascript:x">y</a>`, "&#", "<<>>", "\xff<b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if again := Sanitize(out); again != out {
			t.Errorf("Sanitize not idempotent on %q:\n%q\n%q", s, out, again)
		}
		for _, tag := range tagRE.FindAllString(strings.ToLower(out), -1) {
			name := strings.Trim(strings.Fields(tag + " ")[0], "</>")
			if !allowed[name] || strings.Contains(tag, "javascript") || strings.Contains(tag, " on") || strings.Contains(tag, "style") {
				t.Errorf("Sanitize(%q) = %q keeps %s", s, out, tag)
			}
		}
		txt := Text(s)
		if utf8.ValidString(s) && !utf8.ValidString(txt) {
			t.Errorf("Text(%q) = %q is not UTF-8", s, txt)
		}
	})
}
