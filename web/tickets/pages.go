package tickets

// The CRM pages (issue 6): the operator's console for a new call with live pill suggestions and
// one-click solve, the inboxes by role, the ticket page with its path and actions, the citizen
// page, the knowledge gaps and the figures, the callbacks due, and the citizen's public page
// (TK-18). Forms post to the same store calls as the JSON API and answer with a redirect; a
// refused step renders the error page with the Italian message of tkErr.

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/kb"
	"sportello/ticketing"
	"sportello/web/webkit"
)

// funcs are the template functions of the ticket pages.
var funcs = template.FuncMap{
	"tkAction": ActionLabel,
	"tkPrio":   ticketing.Priority.Label,
	"tkSLA":    ticketing.SLAState.Label,
	"pct":      func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"cbState":  ticketing.CallbackState.Label,
	"short":    short,
	"list":     func(v ...any) []any { return v },
}

// short is the beginning of a long text for a list: about 120 characters, cut at a word.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= 120 {
		return s
	}
	cut := string(r[:120])
	if i := strings.LastIndex(cut, " "); i > 60 {
		cut = cut[:i]
	}
	return cut + "…"
}

// officeOption is a competent office in the pages' selects.
type officeOption struct{ IRI, Name string }

// offices lists the competent offices of the directory for the assign, reject and inbox
// selects, and their names by IRI for the lists.
func (h *Handlers) offices(c echo.Context) ([]officeOption, map[string]string) {
	names := map[string]string{}
	units, err := h.kb.Units(c.Request().Context())
	if err != nil {
		h.log.Warn("tickets: offices for the selects", "err", err)
		return nil, names
	}
	var out []officeOption
	for _, u := range units {
		if u.Kind == kb.UnitOffice {
			out = append(out, officeOption{u.IRI, u.Name})
		}
		names[u.IRI] = u.Name
	}
	return out, names
}

// listData is a list of tickets — the inbox, an office's queue, the queues of a member's
// offices — with its filters, sort and pager.
type listData struct {
	Title       string
	Intro       string
	Action      string // where the filter form goes
	P           listParams
	Page        *ticketing.Page
	Problems    map[string]string // filters the store refused, by field
	States      []ticketing.State
	Channels    []ticketing.Channel
	Sorts       []ticketing.SortKey
	Offices     []officeOption
	Names       map[string]string
	ExportURL   string
	MineURL     string
	AllURL      string
	Tabs        bool         // the "my queue / all" tabs of /ticket
	FixedOffice string       // an office's queue: the office filter is the page's, not the form's
	Counts      []queueCount // a member's offices with their queues
	Prev, Next  string
	Base        url.Values
}

// SortURL is the link of a column header: sort by key, the other way when it is the current
// sort.
func (d *listData) SortURL(key string) string {
	q := cloneQuery(d.Base)
	q.Del("page")
	q.Set("sort", key)
	if d.P.Sort == key && !d.P.Desc {
		q.Set("desc", "1")
	} else {
		q.Del("desc")
	}
	return d.Action + "?" + q.Encode()
}

// AriaSort is the aria-sort of a column header.
func (d *listData) AriaSort(key string) string {
	if d.P.Sort != key {
		return ""
	}
	if d.P.Desc {
		return "descending"
	}
	return "ascending"
}

// renderList runs the query of the request with search (Search, OfficeQueue or MemberQueue)
// and renders the list; ?formato=xlsx downloads every row of the filters instead.
func (h *Handlers) renderList(c echo.Context, d *listData, search func(ticketing.Query) (*ticketing.Page, error)) error {
	q, p, err := listQuery(c)
	if err != nil {
		return err
	}
	d.P = p
	if c.QueryParam("formato") == "xlsx" {
		rows, err := searchAll(c, nil, q, func(q ticketing.Query) (*ticketing.Page, error) {
			pg, err := search(q)
			return pg, Err(err)
		})
		if err != nil {
			return err
		}
		return writeXLSX(c, "ticket", ticketing.TicketSheet(rows))
	}
	status := http.StatusOK
	d.Page, err = search(q)
	if err != nil {
		d.Problems = ticketing.Fields(err)
		if len(d.Problems) == 0 {
			return Err(err)
		}
		status = http.StatusBadRequest
		d.Page = &ticketing.Page{Rows: []ticketing.Row{}}
	}
	d.States, d.Channels, d.Sorts = ticketing.States, ticketing.Channels, ticketing.SortKeys
	d.Offices, d.Names = h.offices(c)
	d.Base = cloneQuery(c.QueryParams())
	xq := cloneQuery(d.Base)
	xq.Set("formato", "xlsx")
	d.ExportURL = d.Action + "?" + xq.Encode()
	if d.Page.Page > 1 {
		pq := cloneQuery(d.Base)
		pq.Set("page", strconv.Itoa(d.Page.Page-1))
		d.Prev = d.Action + "?" + pq.Encode()
	}
	if d.Page.Page < d.Page.Pages {
		nq := cloneQuery(d.Base)
		nq.Set("page", strconv.Itoa(d.Page.Page+1))
		d.Next = d.Action + "?" + nq.Encode()
	}
	return h.pages.RenderStatus(c, status, "ticket_inbox", webkit.PageData{Title: d.Title, Nav: "tickets", Data: d})
}

// ticketInboxPage is /ticket: operators, back office, level 2 and supervisors start on their
// work list (inbox=1: the states their role works on); anyone can widen it with the filters,
// search its text, sort it and page through it; ?formato=xlsx downloads it.
func (h *Handlers) ticketInboxPage(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	q := c.Request().URL.Query()
	if _, set := q["inbox"]; !set && defaultInbox(webkit.RoleOf(c)) {
		q.Set("inbox", "1")
		c.Request().URL.RawQuery = q.Encode()
	}
	d := &listData{Title: i18n.T("tk.inbox.title"), Action: "/ticket", Tabs: true, MineURL: "/ticket?inbox=1", AllURL: "/ticket?inbox=0"}
	return h.renderList(c, d, func(q ticketing.Query) (*ticketing.Page, error) {
		return st.Search(c.Request().Context(), q, time.Now())
	})
}

func cloneQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		if k != "formato" {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}

// newTicketData is /ticket/nuovo: the lookup, the citizen found, and the form — as typed when
// it comes back refused.
type newTicketData struct {
	webkit.FormBase
	Lookup   string
	Looked   bool
	Found    []ticketing.Citizen
	Citizen  *ticketing.Citizen
	Channels []ticketing.Channel
	CallID   string
	Query    string // ?q=: what was searched on /cerca before opening the ticket
	F        *formState
}

// Priorities are the console's priorities, the default first.
func (d *newTicketData) Priorities() []ticketing.Priority {
	return []ticketing.Priority{ticketing.Normal, ticketing.Low, ticketing.High, ticketing.Urgent}
}

// V is what was typed in field, when the form came back.
func (d *newTicketData) V(field string) string { return d.F.Val("new", field) }

// E is the message beside field.
func (d *newTicketData) E(field string) string { return d.F.Err("new", field) }

// ticketNewPage is the console for a call (TK-1, TK-2): look the caller up, describe the
// request while the suggestions appear, solve with a pill in one click or escalate.
func (h *Handlers) ticketNewPage(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	d := &newTicketData{FormBase: webkit.FormOf(c), Lookup: strings.TrimSpace(c.QueryParam("cerca")),
		Channels: ticketing.Channels, CallID: c.QueryParam("call"),
		Query: strings.TrimSpace(c.QueryParam("q"))}
	if d.Lookup != "" {
		d.Looked = true
		if d.Found, err = st.FindCitizen(ctx, d.Lookup); err != nil {
			return Err(err)
		}
		if len(d.Found) == 1 {
			d.Citizen = &d.Found[0]
		}
	}
	if v := c.QueryParam("cittadino"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return webkit.BadRequest("bad_parameter", i18n.T("err.badNumber", "cittadino"))
		}
		if d.Citizen, err = st.Citizen(ctx, id); err != nil {
			return Err(err)
		}
	}
	return h.pages.Render(c, "ticket_new", webkit.PageData{Title: i18n.T("tk.new.title"), Nav: "newTicket", Data: d})
}

// ticketNewForm opens the ticket of the console's form and then, by the button pressed: solved
// with the pill (name=pill), escalated with the searches (do=escalate), or taken in charge.
// Refused input — no description, nobody to answer, a tax code whose check character is wrong —
// renders the form again with everything typed and each message beside its field: nothing is
// written.
func (h *Handlers) ticketNewForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	req := newTicketRequest{Channel: ticketing.Channel(c.FormValue("channel")),
		Priority: ticketing.Priority(c.FormValue("priority")), Subject: c.FormValue("subject"),
		Description: c.FormValue("description"), Category: c.FormValue("category"), CallID: c.FormValue("callId")}
	var citizen *ticketing.Citizen
	if v := c.FormValue("citizen"); v != "" {
		if req.CitizenID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return webkit.BadRequest("bad_parameter", i18n.T("err.badNumber", "citizen"))
		}
		if citizen, err = st.Citizen(c.Request().Context(), req.CitizenID); err != nil {
			return Err(err)
		}
	} else {
		ct := &ticketing.Citizen{Name: strings.TrimSpace(c.FormValue("name")), TaxCode: strings.TrimSpace(c.FormValue("taxCode"))}
		if v := strings.TrimSpace(c.FormValue("phone")); v != "" {
			ct.Phones = []string{v}
		}
		if v := strings.TrimSpace(c.FormValue("email")); v != "" {
			ct.Emails = []string{v}
		}
		req.Citizen = ct
	}
	refuse := func(err error) error {
		fs, status, ferr := failed("new", form, err)
		if ferr != nil {
			return ferr
		}
		d := &newTicketData{FormBase: webkit.FormOf(c), Channels: ticketing.Channels, CallID: req.CallID, Citizen: citizen, F: fs}
		return h.pages.RenderStatus(c, status, "ticket_new", webkit.PageData{Title: i18n.T("tk.new.title"), Nav: "newTicket", Data: d})
	}
	// A request from the console says who is asking: a citizen found, or at least a name, a
	// phone or an e-mail (a call's number comes with its call id).
	if req.CitizenID == 0 && req.CallID == "" && req.Citizen.Name == "" && req.Citizen.TaxCode == "" &&
		len(req.Citizen.Phones) == 0 && len(req.Citizen.Emails) == 0 {
		p := ticketing.Problems{{Field: "contact", Msg: i18n.T("tk.err.noContact")}}
		if strings.TrimSpace(req.Subject+req.Description) == "" {
			p = append(p, &ticketing.InvalidError{Field: "description", Msg: i18n.T("tk.err.noDescription")})
		}
		return refuse(p)
	}
	t, err := h.createTicket(c, st, req)
	if err != nil {
		return refuse(err)
	}
	var step stepRequest
	switch {
	case c.FormValue("pill") != "":
		// What was searched while the operator wrote the request goes with the answer: the
		// search learns the citizen's words from it (KB-9).
		step = stepRequest{Action: ticketing.ActSolveL1, Pill: c.FormValue("pill"), Queries: lines(c.FormValue("queries"))}
	case c.FormValue("do") == "escalate":
		step = stepRequest{Action: ticketing.ActEscalate, Reason: c.FormValue("reason"), Queries: lines(c.FormValue("queries"))}
	default:
		step = stepRequest{Action: ticketing.ActTake}
	}
	if _, err := h.act(c, st, t, step); err != nil {
		// The ticket exists now: its page says what is left to do, with the message.
		fs, status, ferr := failed(string(step.Action), form, err)
		if ferr != nil {
			return ferr
		}
		return h.renderTicket(c, st, t, status, fs)
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/"+t.Number)
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// ticketAttachForm is POST /ticket/{number}/allegati (multipart, field "file").
func (h *Handlers) ticketAttachForm(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	if _, err := h.attach(c, st, t); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/"+t.Number+"#allegati")
}

// ticketCallbackForm is POST /ticket/{number}/richiamate.
func (h *Handlers) ticketCallbackForm(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	max, _ := strconv.Atoi(c.FormValue("maxAttempts"))
	if _, err := h.scheduleCallback(c, st, t, callbackRequest{Number: c.FormValue("number"), Due: c.FormValue("due"),
		MaxAttempts: max, Notes: c.FormValue("notes")}); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/"+t.Number+"#richiamate")
}

// callbacksData is /ticket/richiamate.
type callbacksData struct {
	webkit.FormBase
	List    []ticketing.Callback
	Numbers map[int64]string
	// A refused attempt: the task's message and what was typed in its outcome.
	ErrID   int64
	Err     string
	Outcome string
}

// callbacksPage lists the callbacks due now (TK-6, TEL-7); ?formato=xlsx downloads them.
func (h *Handlers) callbacksPage(c echo.Context) error {
	return h.renderCallbacks(c, http.StatusOK, nil, nil)
}

// renderCallbacks shows the callbacks due; refused, when set, is the attempt the page refuses.
func (h *Handlers) renderCallbacks(c echo.Context, status int, refused func(*callbacksData), refusedErr error) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	list, err := st.DueCallbacks(ctx, time.Now())
	if err != nil {
		return Err(err)
	}
	d := &callbacksData{FormBase: webkit.FormOf(c), List: list, Numbers: map[int64]string{}}
	for _, cb := range list {
		if _, ok := d.Numbers[cb.TicketID]; ok {
			continue
		}
		if t, err := st.Ticket(ctx, cb.TicketID); err == nil {
			d.Numbers[cb.TicketID] = t.Number
		}
	}
	if c.QueryParam("formato") == "xlsx" && refused == nil {
		return writeXLSX(c, "richiamate", ticketing.CallbackSheet(list, d.Numbers))
	}
	if refused != nil {
		refused(d)
		if !slices.ContainsFunc(list, func(cb ticketing.Callback) bool { return cb.ID == d.ErrID }) {
			return Err(refusedErr) // not among those due: nowhere to show it beside its field
		}
	}
	return h.pages.RenderStatus(c, status, "ticket_callbacks", webkit.PageData{Title: i18n.T("tk.cbs.title"), Nav: "tickets", Data: d})
}

// callbackAttemptForm is POST /ticket/richiamate/{id}/tentativo: the operator called back;
// reached=1 closes the task with the outcome, otherwise the next try is scheduled. An attempt
// is something done: without its outcome it is refused, counts nothing, and the page comes back
// with the message beside that task's field and what was typed.
func (h *Handlers) callbackAttemptForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	outcome := strings.TrimSpace(c.FormValue("outcome"))
	if _, err := st.CallbackAttempt(c.Request().Context(), id, actor(c), c.FormValue("reached") == "1", outcome); err != nil {
		var inv *ticketing.InvalidError
		if errors.As(err, &inv) && inv.Field == "outcome" {
			return h.renderCallbacks(c, http.StatusBadRequest, func(d *callbacksData) {
				d.ErrID, d.Err, d.Outcome = id, inv.Msg, outcome
			}, err)
		}
		return Err(err)
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/richiamate")
}

// gapsData is /lacune.
type gapsData struct {
	Gaps         []ticketing.Gap
	Feedback     []feedbackRow // pills the portal's readers found not useful
	Since, Until string
	ExportURL    string
}

// feedbackRow is a pill with its "Ti è stata utile?" answers, for the gaps page.
type feedbackRow struct {
	ticketing.PillFeedback
	Title, Href string // the pill as staff read it; the IRI when it is gone
}

// gapsPage lists the knowledge gaps (KB-10) of a period; ?formato=xlsx downloads them.
func (h *Handlers) gapsPage(c echo.Context) error {
	gaps, since, until, err := h.ticketGaps(c)
	if err != nil {
		return err
	}
	if c.QueryParam("formato") == "xlsx" {
		return writeXLSX(c, "lacune", ticketing.GapSheet(gaps))
	}
	d := &gapsData{Gaps: gaps, Since: since.Format("2006-01-02"), Until: until.AddDate(0, 0, -1).Format("2006-01-02")}
	fb, err := h.tickets.FeedbackGaps(c.Request().Context(), since, until)
	if err != nil {
		return Err(err)
	}
	for _, f := range fb {
		row := feedbackRow{PillFeedback: f, Title: f.Pill}
		if h.kb != nil {
			if p, err := h.kb.Pill(c.Request().Context(), f.Pill); err == nil {
				row.Title, row.Href = p.Title, webkit.PillHref(*p)
			}
		}
		d.Feedback = append(d.Feedback, row)
	}
	xq := cloneQuery(c.Request().URL.Query())
	xq.Set("formato", "xlsx")
	d.ExportURL = "/lacune?" + xq.Encode()
	return h.pages.Render(c, "ticket_gaps", webkit.PageData{Title: i18n.T("tk.gaps.title"), Nav: "gaps", Data: d})
}

// figuresData is /ticket/indicatori.
type figuresData struct {
	F            *ticketing.Figures
	Since, Until string
}

// ticketFiguresPage shows the first-contact resolution rate (C.4), the link rate and new vs
// known requests of a period.
func (h *Handlers) ticketFiguresPage(c echo.Context) error {
	f, since, until, err := h.ticketFigures(c)
	if err != nil {
		return err
	}
	d := &figuresData{F: f, Since: since.Format("2006-01-02"), Until: until.AddDate(0, 0, -1).Format("2006-01-02")}
	return h.pages.Render(c, "ticket_figures", webkit.PageData{Title: i18n.T("tk.fig.title"), Nav: "figures", Data: d})
}

// citizensData is /cittadini.
type citizensData struct {
	Query  string
	Looked bool
	Found  []ticketing.Citizen
}

// citizensPage looks citizens up by phone, email, tax code or name.
func (h *Handlers) citizensPage(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	d := &citizensData{Query: strings.TrimSpace(c.QueryParam("q"))}
	if d.Query != "" {
		d.Looked = true
		if d.Found, err = st.FindCitizen(c.Request().Context(), d.Query); err != nil {
			return Err(err)
		}
	}
	return h.pages.Render(c, "ticket_citizens", webkit.PageData{Title: i18n.T("tk.citizens.title"), Nav: "tickets", Data: d})
}

// citizenPageData is /cittadini/{id}.
type citizenPageData struct {
	webkit.FormBase
	*CitizenView
	CanMerge bool
}

// citizenPage shows a citizen with every interaction (TK-2); ?formato=xlsx downloads the list.
func (h *Handlers) citizenPage(c echo.Context) error {
	v, err := h.CitizenView(c)
	if err != nil {
		return err
	}
	if c.QueryParam("formato") == "xlsx" {
		return writeXLSX(c, fmt.Sprintf("cittadino-%d", v.Citizen.ID), ticketing.TicketSheet(v.Tickets))
	}
	d := &citizenPageData{FormBase: webkit.FormOf(c), CitizenView: v}
	for _, r := range mergers {
		d.CanMerge = d.CanMerge || r == webkit.RoleOf(c)
	}
	return h.pages.Render(c, "ticket_citizen", webkit.PageData{Title: i18n.T("tk.citizen.title", v.Citizen.Name), Nav: "tickets", Data: d})
}

// citizenMergeForm is POST /cittadini/{id}/unisci: the record "drop" is merged into this one.
func (h *Handlers) citizenMergeForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	keep, err := paramID(c, "id")
	if err != nil {
		return err
	}
	drop, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("drop")), 10, 64)
	if err != nil {
		return webkit.BadRequest("bad_parameter", i18n.T("err.badNumber", "drop"))
	}
	if _, err := st.Merge(c.Request().Context(), keep, drop, actor(c)); err != nil {
		return Err(err)
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/cittadini/%d", keep))
}
