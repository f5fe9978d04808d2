package knowledge

// Knowledge search on the web (issue 4; REQUIREMENTS KB-3, KB-6, KB-13, TK-9, TEL-8): the JSON
// API GET /api/search, the operator's search page /cerca with the answer beside the results, and
// the administrators' synonym lists /sinonimi. The index itself is kb/search; here we only decide
// what each role may see and turn requests into search.Options.

import (
	"html"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/kb/search"
	"sportello/web/webkit"
)

// funcs are the template functions of the search pages.
var funcs = template.FuncMap{
	"hitID":    hitID,
	"kbStatus": func(s string) kb.Status { return kb.Status(s) },
	"marked":   func(s string) template.HTML { return template.HTML(markOnly(s)) },
	"inc":      func(n int) int { return n + 1 },
	"pct":      pct,
}

// pct shows a probability as a whole percentage: a hint for the operator, not a measurement
// to read decimals in.
func pct(p float64) string { return strconv.Itoa(int(math.Round(p*100))) + " %" }

// hitID is the id of a hit in URLs: the pill's legacy code, else the IRI's last segment.
func hitID(h search.Hit) string {
	if h.Code != "" {
		return h.Code
	}
	return webkit.LocalID(h.IRI)
}

// maxSearchLimit bounds a page of results: an operator reads the first few, and a huge page
// only costs the server.
const maxSearchLimit = 100

// searchIndex is the configured index, or a 404 for the pages that need it.
func (h *Handlers) searchIndex() (*search.Index, error) {
	if h.search == nil {
		return nil, webkit.NotFound("search.absent")
	}
	return h.search, nil
}

// searchOptions reads the query string into Options, with what role may see (issue 4 §7,
// KB-3): operators, back office, level 2, supervisors and the public read published, valid
// pills only; publishers, validators, administrators and auditors may ask for drafts with
// all=1, and for archived pills with all=1&status=retired. Anyone else's all=1 is ignored,
// not refused, so a shared link works for every role and shows each what it may read.
func searchOptions(c echo.Context, who role.Role) (string, search.Options, error) {
	q := strings.TrimSpace(c.QueryParam("q"))
	opt := search.Options{Complete: c.QueryParam("complete") != "0", Facets: true}
	var err error
	if opt.Limit, err = webkit.IntParam(c, "limit", 10); err != nil {
		return "", opt, err
	}
	if opt.Limit < 1 || opt.Limit > maxSearchLimit {
		return "", opt, webkit.BadRequest("bad_parameter", i18n.T("search.badLimit", maxSearchLimit))
	}
	if opt.Offset, err = webkit.IntParam(c, "offset", 0); err != nil {
		return "", opt, err
	}
	opt.Branch = c.QueryParam("branch")
	opt.Department = c.QueryParam("department")
	opt.Office = c.QueryParam("office")
	if st := c.QueryParam("status"); st != "" {
		if !kb.Status(st).Valid() {
			return "", opt, webkit.BadRequest("bad_parameter", i18n.T("err.badStatus"))
		}
		opt.Status = st
	}
	switch k := c.QueryParam("kind"); k {
	case "":
	case search.KindPill, search.KindOffice, search.KindPerson:
		opt.Kinds = []string{k}
	default:
		return "", opt, webkit.BadRequest("bad_parameter", "kind: pill, office o person")
	}
	if all := c.QueryParam("all"); (all == "1" || all == "true") && webkit.ViewerOf(who).Drafts {
		opt.IncludeDrafts = true
		opt.IncludeRetired = opt.Status == string(kb.StatusRetired)
	}
	return q, opt, nil
}

// maxPages is how many pages of the site a search shows beside the pills.
const maxPages = 3

// withPages adds the harvested pages of the Administration's site that match q ("dal sito",
// with the link to the page) to the first page of results of an unfiltered search: they are
// public, so every role that searches sees them, and they are never counted among the pills.
func withPages(c echo.Context, x *search.Index, q string, opt search.Options, resp *search.Response) error {
	if opt.Offset > 0 || len(opt.Kinds) > 0 || opt.Branch != "" || opt.Department != "" || opt.Office != "" || opt.Status != "" {
		return nil
	}
	pages, err := x.SearchPages(c.Request().Context(), q, maxPages)
	if err != nil {
		return webkit.Internal(err)
	}
	resp.Pages = pages
	return nil
}

// apiSearch is GET /api/search: the same JSON as `sportello search --json` (issue 4 §9).
func (h *Handlers) apiSearch(c echo.Context) error {
	x, err := h.searchIndex()
	if err != nil {
		return err
	}
	q, opt, err := searchOptions(c, webkit.RoleOf(c))
	if err != nil {
		return err
	}
	if q == "" {
		return webkit.BadRequest("missing_query", i18n.T("search.badQuery"))
	}
	resp, err := x.Search(c.Request().Context(), q, opt)
	if err != nil {
		return webkit.Internal(err)
	}
	cleanHighlights(resp)
	if err := withPages(c, x, q, opt, resp); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// cleanHighlights makes sure the fragments hold no markup but <mark>: bleve escapes the text it
// quotes, but the page inserts fragments as HTML, and a pill's title or question is text an
// editor wrote, so nothing is taken on trust.
func cleanHighlights(r *search.Response) {
	for i := range r.Hits {
		for j, h := range r.Hits[i].Highlights {
			r.Hits[i].Highlights[j] = markOnly(h)
		}
	}
}

// markOnly returns s with every tag but <mark> and </mark> escaped; text already escaped stays
// as it is (entities are decoded, then encoded again).
func markOnly(s string) string {
	var b strings.Builder
	for s != "" {
		i := strings.Index(s, "<mark>")
		j := strings.Index(s, "</mark>")
		next, tag := -1, ""
		switch {
		case i >= 0 && (j < 0 || i < j):
			next, tag = i, "<mark>"
		case j >= 0:
			next, tag = j, "</mark>"
		}
		if next < 0 {
			b.WriteString(html.EscapeString(html.UnescapeString(s)))
			break
		}
		b.WriteString(html.EscapeString(html.UnescapeString(s[:next])))
		b.WriteString(tag)
		s = s[next+len(tag):]
	}
	return balanceMarks(b.String())
}

// balanceMarks closes a <mark> left open and drops a stray </mark>, so that a fragment cannot
// swallow the markup that follows it on the page.
func balanceMarks(s string) string {
	var b strings.Builder
	open := false
	for s != "" {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		switch {
		case strings.HasPrefix(s, "<mark>"):
			if !open {
				b.WriteString("<mark>")
			}
			open = true
			s = s[len("<mark>"):]
		case strings.HasPrefix(s, "</mark>"):
			if open {
				b.WriteString("</mark>")
			}
			open = false
			s = s[len("</mark>"):]
		default: // cannot happen after markOnly; escape rather than trust
			b.WriteString("&lt;")
			s = s[1:]
		}
	}
	if open {
		b.WriteString("</mark>")
	}
	return b.String()
}

// searchPageData is what /cerca renders server-side: the page works without JavaScript (a form
// and a list), and search.js turns it into search as you type with the answer beside the list.
type searchPageData struct {
	Query     string
	Options   search.Options
	Resp      *search.Response
	All       bool // the role may include drafts
	Facets    []facetView
	Prev      string // links for pagination; empty when there is no such page
	Next      string
	Page      int
	Absent    bool // no index configured
	TicketURL string
}

type facetView struct {
	Name     string // query parameter
	Label    string
	Selected string
	Values   []search.FacetValue
}

// searchPage is /cerca: the operator's search (issue 4 §9).
func (h *Handlers) searchPage(c echo.Context) error {
	who := webkit.RoleOf(c)
	d := &searchPageData{All: webkit.ViewerOf(who).Drafts, TicketURL: "/ticket/nuovo"}
	x, err := h.searchIndex()
	if err != nil {
		d.Absent = true
		return h.pages.Render(c, "search", webkit.PageData{Title: i18n.T("search.title"), Nav: "search", Data: d})
	}
	q, opt, err := searchOptions(c, who)
	if err != nil {
		return err
	}
	d.Query, d.Options = q, opt
	if q != "" {
		if d.Resp, err = x.Search(c.Request().Context(), q, opt); err != nil {
			return webkit.Internal(err)
		}
		cleanHighlights(d.Resp)
		if err := withPages(c, x, q, opt, d.Resp); err != nil {
			return err
		}
		d.Page = opt.Offset/opt.Limit + 1
		if opt.Offset > 0 {
			d.Prev = pageLink(c, max(0, opt.Offset-opt.Limit))
		}
		if d.Resp.Total > opt.Offset+len(d.Resp.Hits) {
			d.Next = pageLink(c, opt.Offset+opt.Limit)
		}
		for _, f := range []struct{ name, param, label string }{
			{"branch", "branch", "search.facet.branch"},
			{"department", "department", "search.facet.department"},
			{"office", "office", "search.facet.office"},
			{"status", "status", "search.facet.status"},
		} {
			vals := d.Resp.Facets[f.name]
			sel := c.QueryParam(f.param)
			if len(vals) == 0 && sel == "" {
				continue
			}
			if f.name == "status" {
				for i := range vals {
					vals[i].Label = i18n.T("status." + vals[i].Value)
				}
			}
			d.Facets = append(d.Facets, facetView{Name: f.param, Label: i18n.T(f.label), Selected: sel, Values: vals})
		}
	}
	return h.pages.Render(c, "search", webkit.PageData{Title: i18n.T("search.title"), Nav: "search", Data: d})
}

// pageLink is the current /cerca URL at another offset.
func pageLink(c echo.Context, offset int) string {
	v := url.Values{}
	for k, vs := range c.QueryParams() {
		v[k] = vs
	}
	v.Set("offset", strconv.Itoa(offset))
	return "/cerca?" + v.Encode()
}

// searchPaneData is the answer shown beside the results.
type searchPaneData struct {
	Pill   *kb.Pill
	Answer any // sanitised HTML
	Office *kb.Unit
	Href   string
}

// searchPane is GET /cerca/schede/:code: a pill as an HTML fragment for the pane beside the
// results. The answer is sanitised here, on the server, like the pill page does; the script
// inserts the fragment as it comes. A pill the role may not read is a 404, as on /schede.
func (h *Handlers) searchPane(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := webkit.FindPill(ctx, h.store, c.Param("code"), webkit.RoleOf(c))
	if err != nil {
		return webkit.StoreErr(err, "err.pillNotFound")
	}
	d := searchPaneData{Pill: p, Answer: webkit.Sanitize(p.Answer), Href: webkit.PillHref(*p)}
	if d.Office, err = h.optUnit(c, p.Office); err != nil {
		return err
	}
	return h.pages.Fragment(c, "searchpane", "pane", d)
}
