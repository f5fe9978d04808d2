package kb

import (
	"context"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/cayleygraph/quad"

	"sportello/ontology"
)

// WebPage is a page of the Administration's web site as a harvest left it in its graph
// (package harvest): the page, its <title>, and the text of what its structured data says.
// Search indexes it as a document of its own kind, with a link back to the page; it is never a
// pill.
type WebPage struct {
	URL    string // the page, as the sitemap listed it
	Title  string // its <title>, else the first name its data gives, else the URL
	Source string // the harvest graph's name (the part after ontology.GraphHarvest)
	Graph  string
	Text   string // the literals of the subjects derived from the page (and of their blank nodes)
}

// maxPageText bounds the text kept of one page: a page is found by what it is about, and a
// harvested page with megabytes of data would otherwise weigh on the index.
const maxPageText = 64 << 10

// WebPages returns every harvested page (a schema:WebPage of a graph under
// ontology.GraphHarvest), sorted by URL then graph.
func (s *Store) WebPages(ctx context.Context) ([]WebPage, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []WebPage
	for _, q := range s.quadsDirPred(ctx, quad.Object, quad.IRI(ontology.Schema+"WebPage"), ontology.RDFType, "") {
		g, _ := q.Label.(quad.IRI)
		page, ok := q.Subject.(quad.IRI)
		if !ok || !strings.HasPrefix(string(g), ontology.GraphHarvest) {
			continue
		}
		wp := WebPage{URL: string(page), Graph: string(g), Source: strings.TrimPrefix(string(g), ontology.GraphHarvest)}
		for _, t := range s.quadsDirPred(ctx, quad.Subject, page, ontology.SchemaName, string(g)) {
			if v := literalText(t.Object); v != "" {
				wp.Title = v
				break
			}
		}
		var text strings.Builder
		seen := map[quad.Value]bool{}
		var add func(v quad.Value, depth int)
		add = func(v quad.Value, depth int) {
			if seen[v] || depth > 3 || text.Len() >= maxPageText {
				return
			}
			seen[v] = true
			qs := s.out(ctx, v, string(g))
			sort.Slice(qs, func(i, j int) bool { return qs[i].Predicate.String() < qs[j].Predicate.String() })
			for _, t := range qs {
				if lit := literalText(t.Object); lit != "" {
					if wp.Title == "" && sameIRI(t.Predicate, ontology.SchemaName) {
						wp.Title = lit
					}
					text.WriteString(lit)
					text.WriteString("\n")
				} else if _, ok := t.Object.(quad.BNode); ok {
					add(t.Object, depth+1)
				}
			}
		}
		add(page, 0) // what RDFa says of the page itself (its description, its keywords)
		for _, sub := range s.subjects(ctx, ontology.PROV+"wasDerivedFrom", page, string(g)) {
			add(sub, 0)
		}
		wp.Text = truncateUTF8(text.String(), maxPageText)
		if wp.Title == "" {
			wp.Title = wp.URL
		}
		out = append(out, wp)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].URL != out[j].URL {
			return out[i].URL < out[j].URL
		}
		return out[i].Graph < out[j].Graph
	})
	return out, nil
}

// literalText is the text of a literal (string, language-tagged, typed as a string), "" for
// anything else: numbers and dates say little to a search.
func literalText(v quad.Value) string {
	switch l := v.(type) {
	case quad.String:
		return strings.TrimSpace(string(l))
	case quad.LangString:
		return strings.TrimSpace(string(l.Value))
	case quad.TypedString:
		if l.Type == "http://www.w3.org/2001/XMLSchema#string" {
			return strings.TrimSpace(string(l.Value))
		}
	}
	return ""
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
