package tickets

// The inbox's query string, shared by /ticket, the offices' queues and GET /api/tickets: the
// filters, the free text, the sort and the page of ticketing.Search, whose bounded pages (25 by
// default, at most 200) keep every request's work small.

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/internal/role"
	"sportello/ticketing"
	"sportello/web/webkit"
)

// listParams is the inbox's query as the page's form shows it again.
type listParams struct {
	Inbox    bool // the caller's work list by role (inbox=1)
	Text     string
	States   []string
	Channels []string
	Office   string
	Assignee string // "me", "none" or a user name
	Since    string
	Until    string
	Sort     string
	Desc     bool
	Page     int
	Size     int
}

// Has reports whether v is among the values of a multiple choice.
func (p listParams) Has(list []string, v any) bool {
	s := toString(v)
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case ticketing.State:
		return string(x)
	case ticketing.Channel:
		return string(x)
	case ticketing.SortKey:
		return string(x)
	}
	return ""
}

// multi reads a parameter given several times or comma-separated.
func multi(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// listQuery reads the inbox's parameters: inbox=1 (the caller's work list by role: the states
// Inbox gives the capacity), state and channel (repeatable or comma-separated), office,
// assignee (me, none, a user name), citizen, category, since and until (YYYY-MM-DD, until
// included), q (free text), sort (created, number, deadline, priority, state, modified) with
// desc=1, page and size (or the older limit and offset). A value the store refuses comes back
// from Search as Problems naming the field.
func listQuery(c echo.Context) (ticketing.Query, listParams, error) {
	q := c.QueryParams()
	var lq ticketing.Query
	p := listParams{Inbox: q.Get("inbox") == "1", Text: strings.TrimSpace(q.Get("q")), States: multi(q, "state"),
		Channels: multi(q, "channel"), Office: strings.TrimSpace(q.Get("office")), Assignee: strings.TrimSpace(q.Get("assignee")),
		Since: q.Get("since"), Until: q.Get("until"), Sort: q.Get("sort"), Desc: q.Get("desc") == "1"}
	if p.Inbox {
		who := ticketing.CapacityOf(webkit.RoleOf(c))
		if p.Office != "" && who == ticketing.AsLevel2 {
			who = ticketing.AsOffice // a level-2 user working for a competent office sees what is assigned to it
		}
		lq.States = ticketing.Inbox(who, p.Office).States
	}
	if len(p.States) > 0 { // explicit states replace the inbox's own: "my queue, only the escalated ones"
		lq.States = nil
		for _, s := range p.States {
			lq.States = append(lq.States, ticketing.State(s))
		}
	}
	for _, ch := range p.Channels {
		lq.Channels = append(lq.Channels, ticketing.Channel(ch))
	}
	if p.Office != "" {
		lq.Offices = []string{p.Office}
	}
	switch p.Assignee {
	case "":
	case "me":
		lq.Assignee = webkit.UserOf(c)
	case "none":
		lq.Unassigned = true
	default:
		lq.Assignee = p.Assignee
	}
	lq.Category = q.Get("category")
	if v := q.Get("citizen"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return lq, p, webkit.BadRequest("bad_parameter", i18n.T("err.badNumber", "citizen"))
		}
		lq.CitizenID = id
	}
	var err error
	if lq.Since, err = dateParam(c, "since"); err != nil {
		return lq, p, err
	}
	if lq.Until, err = dateParam(c, "until"); err != nil {
		return lq, p, err
	}
	if !lq.Until.IsZero() {
		lq.Until = lq.Until.AddDate(0, 0, 1) // the until day is included
	}
	lq.Text, lq.Sort, lq.Desc = p.Text, ticketing.SortKey(p.Sort), p.Desc
	if lq.Page, err = webkit.IntParam(c, "page", 0); err != nil {
		return lq, p, err
	}
	if lq.PageSize, err = webkit.IntParam(c, "size", 0); err != nil {
		return lq, p, err
	}
	if lq.PageSize == 0 {
		if lq.PageSize, err = webkit.IntParam(c, "pageSize", 0); err != nil {
			return lq, p, err
		}
	}
	// The API's older paging: limit and offset.
	if limit, err := webkit.IntParam(c, "limit", 0); err != nil {
		return lq, p, err
	} else if limit > 0 && lq.PageSize == 0 {
		lq.PageSize = min(limit, ticketing.MaxPageSize)
		offset, err := webkit.IntParam(c, "offset", 0)
		if err != nil {
			return lq, p, err
		}
		lq.Page = offset/lq.PageSize + 1
	}
	p.Page, p.Size = lq.Page, lq.PageSize
	return lq, p, nil
}

// dateParam reads a YYYY-MM-DD query parameter as midnight in Rome.
func dateParam(c echo.Context, name string) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, clock.Rome())
	if err != nil {
		return time.Time{}, webkit.BadRequest("bad_parameter", i18n.T("tk.err.badDate", name))
	}
	return t, nil
}

// maxExport bounds a download of a list: a workbook is built in memory.
const maxExport = 20000

// searchAll is every row q selects, page after page, for a download; past maxExport rows it is
// refused with a message asking for a narrower filter rather than cut short.
func searchAll(c echo.Context, st *ticketing.Store, q ticketing.Query, page func(ticketing.Query) (*ticketing.Page, error)) ([]ticketing.Row, error) {
	q.PageSize, q.Page = ticketing.MaxPageSize, 1
	var rows []ticketing.Row
	for {
		pg, err := page(q)
		if err != nil {
			return nil, err
		}
		if pg.Total > maxExport {
			return nil, webkit.BadRequest("too_many", i18n.T("tk.err.tooMany", pg.Total, maxExport))
		}
		rows = append(rows, pg.Rows...)
		if q.Page >= pg.Pages {
			return rows, nil
		}
		q.Page++
	}
}

// defaultInbox says whether a role's /ticket starts on its own work list.
func defaultInbox(r role.Role) bool {
	switch r {
	case role.Operator, role.Backoffice, role.Level2, role.Supervisor:
		return true
	}
	return false
}
