package public

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/kb"
	"sportello/kb/search"
	"sportello/web/webkit"
)

// The portal's own search (/servizi/cerca): the same engine as the operators' (kb/search), on
// what the public reads — published pills in force, never drafts, offices or people (the
// directory has its own pages) — whoever is signed in. A hit shows its title and its office
// only: the passages the engine quotes may come from fields the public does not read (the
// words of solved contacts it learned from), so none is shown.

// Bounds of a public query: the words a visitor types, and the pages of hits they may walk.
const (
	maxQueryRunes  = 200
	portalHits     = 10
	maxPortalPages = 10
)

// WithSearch gives the portal the search index (nil: /servizi/cerca says search is absent).
func (h *Handlers) WithSearch(x *search.Index) *Handlers {
	h.search = x
	return h
}

// portalHit is a hit as the portal shows it.
type portalHit struct {
	Title  string
	Href   string
	Office string
}

type portalSearchData struct {
	Query  string
	Absent bool
	Total  int
	Hits   []portalHit
	Page   int
	Prev   string
	Next   string
}

// portalSearch is GET /servizi/cerca?q=…&pagina=N.
func (h *Handlers) portalSearch(c echo.Context) error {
	d := &portalSearchData{Query: strings.TrimSpace(c.QueryParam("q")), Page: 1}
	if utf8.RuneCountInString(d.Query) > maxQueryRunes {
		return webkit.BadRequest("bad_parameter", i18n.T("pub.search.tooLong", maxQueryRunes))
	}
	if p := c.QueryParam("pagina"); p != "" {
		n, err := webkit.IntParam(c, "pagina", 1)
		if err != nil {
			return err
		}
		if n < 1 || n > maxPortalPages {
			return webkit.BadRequest("bad_parameter", i18n.T("pub.search.badPage", maxPortalPages))
		}
		d.Page = n
	}
	title := i18n.T("pub.search.title")
	if h.search == nil {
		d.Absent = true
		return h.pages.Render(c, "portalsearch", webkit.PageData{Title: title, Nav: "portalsearch", Data: d})
	}
	if d.Query != "" {
		opt := search.Options{Limit: portalHits, Offset: (d.Page - 1) * portalHits, Complete: true,
			Kinds: []string{search.KindPill}, Now: time.Now()}
		resp, err := h.search.Search(c.Request().Context(), d.Query, opt)
		if err != nil {
			return webkit.Internal(err)
		}
		d.Total = resp.Total
		for _, hit := range resp.Hits {
			if hit.Kind != search.KindPill {
				continue
			}
			d.Hits = append(d.Hits, portalHit{Title: hit.Title, Office: hit.Office,
				Href: PortalHref(kb.Pill{IRI: hit.IRI, Code: hit.Code})})
		}
		if d.Page > 1 {
			d.Prev = searchHref(d.Query, d.Page-1)
		}
		if d.Total > d.Page*portalHits && d.Page < maxPortalPages {
			d.Next = searchHref(d.Query, d.Page+1)
		}
		title = i18n.T("pub.search.titleFor", d.Query)
	}
	return h.pages.Render(c, "portalsearch", webkit.PageData{Title: title, Nav: "portalsearch", Data: d})
}

// searchHref is page n of the hits of q.
func searchHref(q string, n int) string {
	return "/servizi/cerca?" + url.Values{"q": {q}, "pagina": {strconv.Itoa(n)}}.Encode()
}
