package accounts

// The access log (issue 5 item 5, KB-8): every pill a signed-in user opens, page or API, is
// recorded with who and when; supervisors, administrators and auditors get the most read pills
// and branches of the classification tree for a period.

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/accounts/accesslog"
	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/web/webkit"
)

func (h *Handlers) accessLogRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/api/accesslog/top", []role.Role{role.Supervisor, role.Administrator, role.Auditor}, h.apiTopReads),
	}
}

type topPill struct {
	IRI     string `json:"iri"`
	Code    string `json:"code,omitempty"`
	Title   string `json:"title"`
	Reads   int    `json:"reads"`
	Readers int    `json:"readers"`
}

type topBranch struct {
	Concept string `json:"concept"`
	Label   string `json:"label"`
	Reads   int    `json:"reads"`
}

// apiTopReads is the report: ?from= and ?to= (yyyy-mm-dd, to inclusive; default the last 30
// days) and ?limit= (default 20) for the pills; branches are the top concepts of the tree.
func (h *Handlers) apiTopReads(c echo.Context) error {
	l := h.reads
	if l == nil {
		return webkit.NotFound("err.accessLogAbsent")
	}
	to := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -30)
	for _, p := range []struct {
		name string
		dst  *time.Time
		add  int
	}{{"from", &from, 0}, {"to", &to, 1}} {
		if v := c.QueryParam(p.name); v != "" {
			d, err := time.Parse("2006-01-02", v)
			if err != nil {
				return webkit.BadRequest("bad_date", i18n.T("err.badDate", p.name, v))
			}
			*p.dst = d.AddDate(0, 0, p.add)
		}
	}
	limit := 20
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return webkit.BadRequest("bad_limit", i18n.T("err.badLimit"))
		}
		limit = n
	}
	ctx := c.Request().Context()
	all, err := l.Top(ctx, from, to, 0)
	if err != nil {
		return webkit.Internal(err)
	}
	pills := []topPill{}
	branches, err := h.branchReads(ctx, all)
	if err != nil {
		return webkit.Internal(err)
	}
	for i, cnt := range all {
		if i == limit {
			break
		}
		tp := topPill{IRI: cnt.Pill, Reads: cnt.Reads, Readers: cnt.Readers}
		if p, err := h.store.Pill(ctx, cnt.Pill); err == nil {
			tp.Code, tp.Title = p.Code, p.Title
		}
		pills = append(pills, tp)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"from": from.Format("2006-01-02"), "to": to.AddDate(0, 0, -1).Format("2006-01-02"),
		"retentionDays": int(l.Retention().Hours() / 24), "pills": pills, "branches": branches,
	})
}

// branchReads adds up reads by top concept of the classification tree; a pill filed under two
// branches counts in both.
func (h *Handlers) branchReads(ctx context.Context, counts []accesslog.Count) ([]topBranch, error) {
	concepts, err := h.store.Concepts(ctx)
	if err != nil {
		return nil, err
	}
	byIRI := map[string]kb.Concept{}
	for _, c := range concepts {
		byIRI[c.IRI] = c
	}
	root := func(iri string) string {
		for i := 0; i < 64; i++ { // a cycle in a hand-edited tree must not hang the report
			c, ok := byIRI[iri]
			if !ok || c.Broader == "" {
				return iri
			}
			iri = c.Broader
		}
		return iri
	}
	sums := map[string]int{}
	var order []string
	for _, cnt := range counts {
		p, err := h.store.Pill(ctx, cnt.Pill)
		if err != nil {
			continue
		}
		seen := map[string]bool{}
		for _, c := range p.Concepts {
			r := root(c)
			if seen[r] {
				continue
			}
			seen[r] = true
			if _, ok := sums[r]; !ok {
				order = append(order, r)
			}
			sums[r] += cnt.Reads
		}
	}
	out := make([]topBranch, 0, len(order))
	for _, iri := range order {
		out = append(out, topBranch{Concept: iri, Label: byIRI[iri].Label("it"), Reads: sums[iri]})
	}
	sortBranches(out)
	return out, nil
}

func sortBranches(b []topBranch) {
	sort.SliceStable(b, func(i, j int) bool { return b[i].Reads > b[j].Reads })
}
