package tickets

// The CRM pages (issue 6): the operator's console for a new call with live pill suggestions and
// one-click solve, the inboxes by role, the ticket page with its path and actions, the citizen
// page, the knowledge gaps and the figures, the callbacks due, and the citizen's public page
// (TK-18). Forms post to the same store calls as the JSON API and answer with a redirect; a
// refused step renders the error page with the Italian message of tkErr.

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/role"
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

// inboxData is /ticket: a filtered list, the caller's own queue by default.
type inboxData struct {
	Rows      []ticketing.Row
	Mine      bool
	State     string
	Channel   string
	Office    string
	Since     string
	Until     string
	States    []ticketing.State
	Channels  []ticketing.Channel
	ExportURL string
	MineURL   string
	AllURL    string
	Offices   []officeOption
	Names     map[string]string
}

// ticketInboxPage is /ticket: operators, back office and level 2 see their queue (inbox=1, the
// default for them), level 2 with office=IRI an office's queue, and anyone can widen the list
// with the filters; ?formato=xlsx downloads it.
func (h *Handlers) ticketInboxPage(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	q := c.Request().URL.Query()
	if _, set := q["inbox"]; !set {
		switch webkit.RoleOf(c) {
		case role.Operator, role.Backoffice, role.Level2, role.Supervisor:
			q.Set("inbox", "1")
		}
		c.Request().URL.RawQuery = q.Encode()
	}
	f, err := ticketFilter(c)
	if err != nil {
		return err
	}
	rows, err := st.Rows(c.Request().Context(), f, time.Now())
	if err != nil {
		return Err(err)
	}
	if c.QueryParam("formato") == "xlsx" {
		return writeXLSX(c, "ticket", ticketing.TicketSheet(rows))
	}
	d := &inboxData{Rows: rows, Mine: q.Get("inbox") == "1", State: q.Get("state"), Channel: q.Get("channel"),
		Office: q.Get("office"), Since: q.Get("since"), Until: q.Get("until"), States: ticketing.States,
		Channels: ticketing.Channels}
	xq := cloneQuery(q)
	xq.Set("formato", "xlsx")
	d.ExportURL = "/ticket?" + xq.Encode()
	d.Offices, d.Names = h.offices(c)
	d.MineURL = "/ticket?inbox=1"
	d.AllURL = "/ticket?inbox=0"
	return h.pages.Render(c, "ticket_inbox", webkit.PageData{Title: i18n.T("tk.inbox.title"), Nav: "tickets", Data: d})
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

// newTicketData is /ticket/nuovo.
type newTicketData struct {
	webkit.FormBase
	Lookup   string
	Looked   bool
	Found    []ticketing.Citizen
	Citizen  *ticketing.Citizen
	Channels []ticketing.Channel
	CallID   string
	Query    string // ?q=: what was searched on /cerca before opening the ticket
}

// ticketNewPage is the operator console for a call (TK-1, TK-2): look the caller up, describe
// the request while the suggestions appear, solve with a pill in one click or escalate.
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
func (h *Handlers) ticketNewForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	req := newTicketRequest{Channel: ticketing.Channel(c.FormValue("channel")),
		Priority: ticketing.Priority(c.FormValue("priority")), Subject: c.FormValue("subject"),
		Description: c.FormValue("description"), Category: c.FormValue("category"), CallID: c.FormValue("callId")}
	if v := c.FormValue("citizen"); v != "" {
		if req.CitizenID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return webkit.BadRequest("bad_parameter", i18n.T("err.badNumber", "citizen"))
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
	t, err := h.createTicket(c, st, req)
	if err != nil {
		return err
	}
	switch {
	case c.FormValue("pill") != "":
		_, err = h.answerWithPill(c, st, t, c.FormValue("pill"))
	case c.FormValue("do") == "escalate":
		_, err = h.applyStep(c, st, t, stepRequest{Action: ticketing.ActEscalate, Reason: c.FormValue("reason"),
			Queries: lines(c.FormValue("queries"))})
	default:
		_, err = h.applyStep(c, st, t, stepRequest{Action: ticketing.ActTake})
	}
	if err != nil {
		return err
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

// ticketPageData is /ticket/{number}.
type ticketPageData struct {
	webkit.FormBase
	*TicketView
	Actions    []ticketing.Action
	Escalate   bool // the escalate button is there: ask what was searched (TK-10)
	CanPropose bool
	Proposed   string
	Offices    []officeOption
	Names      map[string]string
}

// ticketPage is the ticket: its path, the actions the caller's role allows now as buttons with
// a reason field, attachments, callbacks and emails.
func (h *Handlers) ticketPage(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	v, err := h.TicketView(c.Request().Context(), st, t, webkit.RoleOf(c))
	if err != nil {
		return Err(err)
	}
	d := &ticketPageData{FormBase: webkit.FormOf(c), TicketView: v, Actions: v.Allowed, Proposed: c.QueryParam("proposta")}
	d.Offices, d.Names = h.offices(c)
	for _, a := range d.Actions {
		d.Escalate = d.Escalate || a == ticketing.ActEscalate
	}
	switch webkit.RoleOf(c) {
	case role.Backoffice, role.Level2, role.Supervisor:
		d.CanPropose = !t.SolvedAt.IsZero()
	}
	return h.pages.Render(c, "ticket_page", webkit.PageData{Title: i18n.T("tk.page.title", t.Number), Nav: "tickets", Data: d})
}

// ticketStepForm is POST /ticket/{number}/azione: one step of the flow from the page's buttons.
func (h *Handlers) ticketStepForm(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	req := stepRequest{Action: ticketing.Action(c.FormValue("action")), Reason: c.FormValue("reason"),
		Office: strings.TrimSpace(c.FormValue("office")), SuggestedOffice: strings.TrimSpace(c.FormValue("suggestedOffice")),
		Queries: lines(c.FormValue("queries"))}
	if req.Action == ticketing.ActSolveL1 && strings.TrimSpace(c.FormValue("pill")) != "" {
		_, err = h.answerWithPill(c, st, t, c.FormValue("pill"))
	} else {
		req.Pill = strings.TrimSpace(c.FormValue("pill"))
		_, err = h.applyStep(c, st, t, req)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/"+t.Number)
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

// ticketProposeForm is POST /ticket/{number}/proponi: the KCS loop from the page.
func (h *Handlers) ticketProposeForm(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	p, err := h.propose(c, st, t)
	if err != nil {
		return err
	}
	name := p.Pill.Code
	if name == "" {
		name = p.Pill.Title
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/"+t.Number+"?proposta="+url.QueryEscape(name))
}

// callbacksData is /ticket/richiamate.
type callbacksData struct {
	webkit.FormBase
	List    []ticketing.Callback
	Numbers map[int64]string
}

// callbacksPage lists the callbacks due now (TK-6, TEL-7); ?formato=xlsx downloads them.
func (h *Handlers) callbacksPage(c echo.Context) error {
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
	if c.QueryParam("formato") == "xlsx" {
		return writeXLSX(c, "richiamate", ticketing.CallbackSheet(list, d.Numbers))
	}
	return h.pages.Render(c, "ticket_callbacks", webkit.PageData{Title: i18n.T("tk.cbs.title"), Nav: "tickets", Data: d})
}

// callbackAttemptForm is POST /ticket/richiamate/{id}/tentativo: the operator called back;
// reached=1 closes the task with the outcome, otherwise the next try is scheduled.
func (h *Handlers) callbackAttemptForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := st.CallbackAttempt(c.Request().Context(), id, actor(c), c.FormValue("reached") == "1",
		strings.TrimSpace(c.FormValue("outcome"))); err != nil {
		return Err(err)
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/richiamate")
}

// gapsData is /lacune.
type gapsData struct {
	Gaps         []ticketing.Gap
	Since, Until string
	ExportURL    string
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
