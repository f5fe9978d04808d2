package search

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"sportello/internal/fsperm"
	"sportello/kb"
)

// KindPage is a page of the Administration's web site harvested into the graph (package
// harvest, kb.WebPage): shown as "dal sito" with a link to the page, never as a pill.
//
// Pages live in an index of their own, apart from pills, offices and people: they never enter
// a pill search, its ranking, its term statistics or its calibrated confidence (which were
// fitted without them), and a search of pages cannot return a pill. The pages' index is in
// memory and rebuilt from the graph at start-up and after every write that may have changed a
// harvested graph (an import: a harvest, a Graph Store write), in a folder of its own that is
// thrown away and built again: there is no second index to keep in step with the graph.
const KindPage = "page"

// PageSource is where the pages come from; *kb.Store satisfies it.
type PageSource interface {
	WebPages(ctx context.Context) ([]kb.WebPage, error)
}

var _ PageSource = (*kb.Store)(nil)

// PageHit is one harvested page a search found.
type PageHit struct {
	Kind    string  `json:"kind"` // KindPage
	URL     string  `json:"url"`  // the page on the Administration's site
	Title   string  `json:"title"`
	Source  string  `json:"source"`  // the harvested source's name
	Snippet string  `json:"snippet"` // the start of what the page's data says
	Score   float64 `json:"score"`
}

const (
	pURL    = "url"
	pTitle  = "title"
	pText   = "text"
	pSource = "source"
)

func pageMapping() *mapping.IndexMappingImpl {
	m := bleve.NewIndexMapping()
	if err := addAnalyzers(m); err != nil {
		panic(err) // the analyzers are fixed at compile time
	}
	doc := bleve.NewDocumentStaticMapping()
	for _, name := range []string{pTitle, pText} {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzerItalian
		f.Store = true
		f.IncludeInAll = false
		doc.AddFieldMappingsAt(name, f)
	}
	for _, name := range []string{pURL, pSource} {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = true
		f.IncludeInAll = false
		doc.AddFieldMappingsAt(name, f)
	}
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerItalian
	return m
}

// SyncPages rebuilds the pages' index from src when the pages changed; it returns the number
// of pages indexed.
func (x *Index) SyncPages(ctx context.Context, src PageSource) (int, error) {
	pages, err := src.WebPages(ctx)
	if err != nil {
		return 0, fmt.Errorf("search: harvested pages: %w", err)
	}
	parts := make([]string, 0, 4*len(pages))
	for _, p := range pages {
		parts = append(parts, p.Graph, p.URL, p.Title, p.Text)
	}
	key := hashStrings(parts...)
	x.pagesMu.RLock()
	same := x.pages != nil && x.pagesKey == key
	x.pagesMu.RUnlock()
	if same {
		return len(pages), nil
	}
	// scorch in a folder of its own, without fsync: bleve's memory-only index (upsidedown on a
	// treap) indexes four times slower with four times the heap, and nothing here needs to
	// survive a crash. The folder is in the index's (Open removes what a killed process left
	// there), or a temporary one for an index in memory.
	dir, err := os.MkdirTemp(x.dir, pagesPrefix)
	if err != nil {
		return 0, err
	}
	bi, err := bleve.NewUsing(filepath.Join(dir, "index"), pageMapping(), scorch.Name, scorch.Name, map[string]any{"unsafe_batch": true})
	if err != nil {
		os.RemoveAll(dir)
		return 0, err
	}
	fail := func(err error) (int, error) {
		bi.Close()
		os.RemoveAll(dir)
		return 0, err
	}
	b := bi.NewBatch()
	for _, p := range pages {
		if err := b.Index(p.Graph+"\x00"+p.URL, map[string]any{
			pURL: p.URL, pTitle: p.Title, pText: p.Text, pSource: p.Source,
		}); err != nil {
			return fail(err)
		}
	}
	if err := bi.Batch(b); err != nil {
		return fail(err)
	}
	// bleve writes some files 0666: private like the rest of the data folder (fsperm).
	if _, err := fsperm.Tighten(dir); err != nil {
		return fail(err)
	}
	x.pagesMu.Lock()
	old, oldDir := x.pages, x.pagesDir
	x.pages, x.pagesKey, x.pagesDir = bi, key, dir
	x.pagesMu.Unlock()
	closePages(old, oldDir)
	return len(pages), nil
}

// closePages closes a pages' index and removes its folder.
func closePages(bi bleve.Index, dir string) {
	if bi != nil {
		bi.Close()
	}
	if dir != "" {
		os.RemoveAll(dir)
	}
}

// pagesPrefix names the pages' index folders.
const pagesPrefix = "pages-"

// pageSnippetRunes is the length of a page hit's snippet.
const pageSnippetRunes = 240

// SearchPages finds harvested pages: each word of q in the title (weighted) or the text of the
// page's data, analysed for Italian as pills are. Every role may read them: harvested graphs
// are the Administration's public pages. Nil when no page is indexed.
func (x *Index) SearchPages(ctx context.Context, q string, limit int) ([]PageHit, error) {
	if limit <= 0 {
		limit = 5
	}
	x.pagesMu.RLock()
	defer x.pagesMu.RUnlock()
	if x.pages == nil || strings.TrimSpace(q) == "" {
		return nil, nil
	}
	title := bleve.NewMatchQuery(q)
	title.SetField(pTitle)
	title.SetBoost(3)
	text := bleve.NewMatchQuery(q)
	text.SetField(pText)
	req := bleve.NewSearchRequestOptions(query.NewDisjunctionQuery([]query.Query{title, text}), limit, 0, false)
	req.Fields = []string{pURL, pTitle, pText, pSource}
	res, err := x.pages.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make([]PageHit, 0, len(res.Hits))
	for _, h := range res.Hits {
		out = append(out, PageHit{
			Kind: KindPage, URL: str(h.Fields, pURL), Title: str(h.Fields, pTitle),
			Source: str(h.Fields, pSource), Snippet: snippet(str(h.Fields, pText)), Score: h.Score,
		})
	}
	return out, nil
}

// snippet is the start of a page's text on one line, cut at a word.
func snippet(text string) string {
	s := strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(s) <= pageSnippetRunes {
		return s
	}
	r := []rune(s)[:pageSnippetRunes]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > pageSnippetRunes/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
