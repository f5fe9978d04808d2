// Package htmltext holds the one policy for the HTML Sportello accepts in answers, the one way
// of turning HTML into the text a person reads, and the one list of link schemes allowed.
//
// Answers are a small HTML subset — p, br, b, strong, i, em, ul, ol, li and a[href] with http,
// https, mailto or tel — so that an operator's screen, the citizens' pages, the exports and the
// terminal all show the same thing and nothing in a pill can run script. The importer, the
// editor and the API sanitise with Sanitize when a pill comes in; the pages sanitise again when
// they render it, so a pill that reached the store by another road (an RDF import, a bug) still
// cannot run script. bluemonday does the sanitising (a maintained library, not our own parser).
//
// Text (HTML to plain text) is used for the search index and its highlights, the version diff,
// the importer's titles, the text of HTML-only e-mails and the terminal's highlights. It reads
// the HTML with golang.org/x/net/html's tokenizer, as a browser would: entities decoded, script
// and style dropped, a line per block.
package htmltext

import (
	"bytes"
	"io"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Schemes are the URL schemes a link in an answer, a pill's link or a form may have.
var Schemes = []string{"http", "https", "mailto", "tel"}

// SafeURL reports whether u may become a link: an absolute URL with one of Schemes.
func SafeURL(u string) bool {
	u = strings.TrimSpace(u)
	i := strings.IndexByte(u, ':')
	if i <= 0 {
		return false
	}
	scheme := strings.ToLower(u[:i])
	for _, s := range Schemes {
		if scheme == s {
			rest := u[i+1:]
			if s == "http" || s == "https" {
				return strings.HasPrefix(rest, "//") && len(rest) > 2
			}
			return rest != ""
		}
	}
	return false
}

// policy is the answer subset (see the package doc).
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "b", "strong", "i", "em", "ul", "ol", "li")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes(Schemes...)
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(false)
	return p
}()

// Sanitize keeps the answer subset of s and drops everything else: scripts and styles with
// their content, event handlers, other elements (their text stays), links with other schemes.
// The &#39; and &#34; bluemonday writes for every apostrophe and quotation mark are turned
// back into the characters outside tags: Italian text is full of them and they need no
// escaping in HTML text. Sanitize(Sanitize(s)) == Sanitize(s).
func Sanitize(s string) string {
	return unescapeQuotes(policy.Sanitize(s))
}

func unescapeQuotes(s string) string {
	if !strings.Contains(s, "&#") {
		return s
	}
	var b strings.Builder
	inTag := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<':
			inTag = true
		case c == '>':
			inTag = false
		case !inTag && c == '&' && strings.HasPrefix(s[i:], "&#39;"):
			b.WriteByte('\'')
			i += 4
			continue
		case !inTag && c == '&' && strings.HasPrefix(s[i:], "&#34;"):
			b.WriteByte('"')
			i += 4
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// block elements end a line of text.
var block = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Br: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Tr: true, atom.Table: true, atom.Blockquote: true, atom.Pre: true, atom.Hr: true,
	atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true, atom.Dd: true,
	atom.Dt: true, atom.Title: true,
}

// Text is what a reader sees of h: the text, entities decoded, a line per block (paragraph,
// list item, line break, heading, table row…), white space inside a line collapsed, no blank
// lines, the contents of script, style and comments dropped. Text that is not HTML comes back
// with its white space tidied the same way.
func Text(h string) string {
	if !strings.ContainsAny(h, "<&") {
		return tidy(h)
	}
	z := html.NewTokenizer(strings.NewReader(h))
	var b bytes.Buffer
	skip := 0 // inside script or style
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return tidy(b.String())
			}
			return tidy(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if a == atom.Script || a == atom.Style {
				if z.Token().Type == html.StartTagToken {
					skip++
				}
				continue
			}
			if block[a] {
				b.WriteByte('\n')
			} else if a == atom.Td || a == atom.Th {
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if (a == atom.Script || a == atom.Style) && skip > 0 {
				skip--
				continue
			}
			if block[a] {
				b.WriteByte('\n')
			}
		}
	}
}

// tidy collapses white space inside each line and drops blank lines.
func tidy(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// Line is Text on one line: the lines joined with a space, for titles, names and table cells.
func Line(h string) string { return strings.ReplaceAll(Text(h), "\n", " ") }

// Hrefs returns the href of every a element of h as a browser reads it: entities decoded. The
// editor and the API check them (kb.CheckLinks) before Sanitize drops the ones it refuses, so
// that a javascript: link is refused with a message instead of vanishing quietly.
func Hrefs(h string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(h))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			if atom.Lookup(name) != atom.A {
				continue
			}
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				if string(k) == "href" {
					out = append(out, string(v))
				}
			}
		}
	}
}
