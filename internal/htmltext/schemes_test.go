package htmltext

import (
	"strings"
	"testing"
)

// TestSchemesAtInputAndOutput: the answer policy and SafeURL keep only http, https, mailto and
// tel, however the other schemes are disguised (entities, case, control characters, spaces,
// line breaks inside the scheme).
func TestSchemesAtInputAndOutput(t *testing.T) {
	for _, href := range []string{
		"javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "jav&#x61;script:alert(1)",
		"jav&#97;script:alert(1)", "java&#x09;script:alert(1)", "java\nscript:alert(1)", "&#x6A;avascript:alert(1)",
		"vbscript:msgbox(1)", "data:text/html;base64,PHNjcmlwdD4=", "file:///etc/passwd", "//evil.example/x",
		"javascript&colon;alert(1)",
	} {
		out := strings.ToLower(Sanitize(`<a href="` + href + `">x</a>`))
		if strings.Contains(out, "href") {
			t.Errorf("Sanitize kept %q as %s", href, out)
		}
		if SafeURL(href) {
			t.Errorf("SafeURL(%q) = true", href)
		}
	}
	for _, href := range []string{"https://example.it/a?b=c#d", "http://example.it", "mailto:urp@example.it", "tel:+390544952110"} {
		if out := Sanitize(`<a href="` + href + `">x</a>`); !strings.Contains(out, `href="`) || !SafeURL(href) {
			t.Errorf("%q refused: %s", href, out)
		}
	}
}
