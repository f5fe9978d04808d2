package tickets

// The ticket page (TK-5, TK-6, TK-10…TK-15): the request, the citizen or the unverified contact
// with the candidate citizens to link it to, one form per action the caller may take now (with
// only the fields that action needs; membership of the office decides too), the pill chosen by
// searching, the e-mail reply with canned answers and the pill's forms, the internal notes, the
// attachments and callbacks, and the whole path. A refused form comes back with what was typed
// and each message beside its field; a refusal of the role, the office or the state is said
// above the page in Italian.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/ticketing"
	"sportello/web/webkit"
)

// ticketPageData is /ticket/{number}.
type ticketPageData struct {
	webkit.FormBase
	*TicketView
	Forms      []ticketing.Action // the actions the caller may take now, each with its form
	CanWork    bool               // notes, replies, attachments, callbacks
	CanPropose bool
	Proposed   string
	Notice     string
	Offices    []officeOption
	Names      map[string]string
	F          *formState
	Suggested  string // the office the last rejection suggested, preselected for reassign
	Notes      []ticketing.Note
	Contact    *contactView
	Reply      *replyView
	Pill       *kb.Pill // the pill the request is linked to, if any
}

// V and E are the typed value and the message of field in the form of action (or "reply",
// "note", "contact").
func (d *ticketPageData) V(form, field string) string { return d.F.Val(form, field) }
func (d *ticketPageData) E(form, field string) string { return d.F.Err(form, field) }
func (d *ticketPageData) Open(form string) bool       { return d.F.Open(form) }

// OfficeValue is the office a select starts on: what was typed, else def.
func (d *ticketPageData) OfficeValue(form, field, def string) string {
	if v := d.F.Val(form, field); v != "" || d.F.Open(form) {
		return v
	}
	return def
}

// PillValue and PillLabel are the pill picker's starting point in a form: what was chosen when
// the form came back, else the request's own pill.
func (d *ticketPageData) PillValue(form string) string {
	if d.F.Open(form) {
		return d.F.Val(form, "pill")
	}
	if d.Pill != nil {
		return d.Pill.IRI
	}
	return ""
}

func (d *ticketPageData) PillLabel(form string) string {
	if d.F.Open(form) {
		return d.F.Val(form, "pillQuery")
	}
	if d.Pill != nil {
		return d.Pill.Title
	}
	return ""
}

// contactView is a request's unverified contact and the citizens whose records hold its e-mail
// or phone: candidates to link it to after checking, never linked by themselves.
type contactView struct {
	Contact    ticketing.Contact
	Candidates []ticketing.Citizen
}

// replyView is the reply form: where it may go, the canned answers, the text prepared.
type replyView struct {
	Mail      bool
	To        []string
	Canned    []ticketing.CannedAnswer
	Chosen    int64
	Subject   string
	Body      string
	Prepared  string // the message of a canned answer that could not be prepared
	Files     []ticketing.Attachment
	PillForms []kb.Link
}

// renderTicket renders the page of t with status and the form that came back, if any.
func (h *Handlers) renderTicket(c echo.Context, st *ticketing.Store, t *ticketing.Ticket, status int, fs *formState) error {
	ctx := c.Request().Context()
	who := webkit.RoleOf(c)
	v, err := h.TicketView(ctx, st, t, actor(c), who)
	if err != nil {
		return Err(err)
	}
	d := &ticketPageData{FormBase: webkit.FormOf(c), TicketView: v, Proposed: c.QueryParam("proposta"), F: fs,
		CanWork: slices.Contains(workers, who)}
	if a := c.QueryParam("ok"); a != "" && fs == nil {
		d.Notice = i18n.T("tk.page.done", ActionLabel(ticketing.Action(a)))
	}
	for _, a := range formActions {
		if slices.Contains(v.Allowed, a) {
			d.Forms = append(d.Forms, a)
		}
	}
	d.Offices, d.Names = h.offices(c)
	for _, e := range v.Path {
		if e.Action == ticketing.ActReject {
			d.Suggested = e.SuggestedOffice
		}
	}
	switch who {
	case role.Backoffice, role.Level2, role.Supervisor:
		d.CanPropose = !t.SolvedAt.IsZero()
	}
	if d.Notes, err = st.Notes(ctx, t.ID); err != nil {
		return Err(err)
	}
	if t.Pill != "" && h.kb != nil {
		if p, err := h.kb.Pill(ctx, t.Pill); err == nil {
			d.Pill = p
		}
	}
	if t.Contact != nil && t.CitizenID == 0 {
		d.Contact = &contactView{Contact: *t.Contact}
		if d.Contact.Candidates, err = st.ContactMatches(ctx, t.ID); err != nil {
			return Err(err)
		}
	}
	if d.CanWork {
		if d.Reply, err = h.replyView(c, st, t, d); err != nil {
			return err
		}
	}
	return h.pages.RenderStatus(c, status, "ticket_page", webkit.PageData{Title: i18n.T("tk.page.title", t.Number), Nav: "tickets", Data: d})
}

// replyView prepares the reply form: the addresses, the canned answers, and the text of the
// canned answer asked for (?risposta=ID), filled in for this request.
func (h *Handlers) replyView(c echo.Context, st *ticketing.Store, t *ticketing.Ticket, d *ticketPageData) (*replyView, error) {
	ctx := c.Request().Context()
	r := &replyView{Mail: st.Mailer() != nil, Files: d.Attachments}
	var err error
	if r.To, err = st.ReplyAddresses(ctx, t.ID); err != nil {
		return nil, Err(err)
	}
	if r.Canned, err = st.CannedAnswers(ctx); err != nil {
		return nil, Err(err)
	}
	if d.Pill != nil {
		r.PillForms = d.Pill.Forms
	}
	if d.F.Open("reply") {
		r.Subject, r.Body = d.F.Val("reply", "subject"), d.F.Val("reply", "body")
		r.Chosen, _ = strconv.ParseInt(d.F.Val("reply", "canned"), 10, 64)
		return r, nil
	}
	if v := c.QueryParam("risposta"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, webkit.BadRequest("bad_parameter", i18n.T("err.badNumber", "risposta"))
		}
		r.Chosen = id
		r.Subject, r.Body, err = st.RenderCanned(ctx, t.ID, id, t.Pill)
		if err != nil {
			if len(ticketing.Fields(err)) == 0 {
				return nil, Err(err)
			}
			for _, msg := range ticketing.Fields(err) {
				r.Prepared = msg
			}
		}
	}
	return r, nil
}

// ticketPage is GET /ticket/{number}.
func (h *Handlers) ticketPage(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	return h.renderTicket(c, st, t, http.StatusOK, nil)
}

// formValues are the fields of the request's form (url-encoded or multipart).
func formValues(c echo.Context) url.Values {
	v, err := c.FormParams()
	if err != nil {
		return url.Values{}
	}
	return v
}

// ticketActionForm is POST /ticket/{number}/azione: one action's form, named by its hidden
// "action" field, with that action's fields only.
func (h *Handlers) ticketActionForm(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	v := formValues(c)
	req := stepRequest{Action: ticketing.Action(v.Get("action")), Reason: v.Get("reason"), Office: strings.TrimSpace(v.Get("office")),
		SuggestedOffice: strings.TrimSpace(v.Get("suggestedOffice")), Pill: strings.TrimSpace(v.Get("pill")), Queries: lines(v.Get("queries"))}
	if req.Pill == "" {
		req.Pill = strings.TrimSpace(v.Get("pillQuery")) // typed without the picker: a code
	}
	if _, err := h.act(c, st, t, req); err != nil {
		return h.refused(c, st, t, string(req.Action), v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/"+t.Number+"?ok="+url.QueryEscape(string(req.Action))+"#esito")
}

// refused renders the ticket page again with the form that was refused.
func (h *Handlers) refused(c echo.Context, st *ticketing.Store, t *ticketing.Ticket, form string, v url.Values, err error) error {
	fs, status, ferr := failed(form, v, err)
	if ferr != nil {
		return ferr
	}
	// The page shows the request as it is now.
	if now, err := st.Ticket(c.Request().Context(), t.ID); err == nil {
		t = now
	}
	return h.renderTicket(c, st, t, status, fs)
}

// ticketNoteForm is POST /ticket/{number}/note: an internal note (staff only, never e-mailed).
func (h *Handlers) ticketNoteForm(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	v := formValues(c)
	if _, err := st.AddNote(c.Request().Context(), t.ID, actor(c), ticketing.CapacityOf(webkit.RoleOf(c)), v.Get("body")); err != nil {
		return h.refused(c, st, t, "note", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/"+t.Number+"#note")
}

// replyRequest is the body of POST /api/tickets/:id/reply and what the reply form sends.
type replyRequest struct {
	To          string  `json:"to"`
	Subject     string  `json:"subject"`
	Body        string  `json:"body"`
	Canned      int64   `json:"canned"`
	Pill        string  `json:"pill"`
	Attachments []int64 `json:"attachments"`
}

// reply sends r as the caller (TK-6); errors as ticketing gives them.
func (h *Handlers) reply(c echo.Context, st *ticketing.Store, t *ticketing.Ticket, r replyRequest) (*ticketing.Message, error) {
	ctx := c.Request().Context()
	pill, err := h.resolvePill(ctx, webkit.RoleOf(c), r.Pill)
	if err != nil {
		return nil, err
	}
	return st.Reply(ctx, t.ID, actor(c), ticketing.CapacityOf(webkit.RoleOf(c)), ticketing.Reply{To: r.To, Subject: r.Subject,
		Body: r.Body, Canned: r.Canned, Pill: pill, Attachments: r.Attachments})
}

// ticketReplyForm is POST /ticket/{number}/rispondi: the e-mail to the citizen.
func (h *Handlers) ticketReplyForm(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	v := formValues(c)
	r := replyRequest{To: v.Get("to"), Subject: v.Get("subject"), Body: v.Get("body"), Pill: strings.TrimSpace(v.Get("pill"))}
	if r.Pill == "" {
		r.Pill = strings.TrimSpace(v.Get("pillQuery"))
	}
	r.Canned, _ = strconv.ParseInt(v.Get("canned"), 10, 64)
	for _, a := range v["attachments"] {
		if id, err := strconv.ParseInt(a, 10, 64); err == nil {
			r.Attachments = append(r.Attachments, id)
		}
	}
	if _, err := h.reply(c, st, t, r); err != nil {
		return h.refused(c, st, t, "reply", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/"+t.Number+"?ok=message#email")
}

// ticketLinkForm is POST /ticket/{number}/contatto/collega: the request's contact, checked by
// the operator, is filed under the citizen chosen.
func (h *Handlers) ticketLinkForm(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	v := formValues(c)
	id, err := strconv.ParseInt(strings.TrimSpace(v.Get("citizen")), 10, 64)
	if err != nil {
		err = &ticketing.InvalidError{Field: "citizen", Msg: i18n.T("tk.err.chooseCitizen")}
	} else {
		_, err = st.LinkContact(c.Request().Context(), t.ID, id, actor(c), ticketing.CapacityOf(webkit.RoleOf(c)))
	}
	if err != nil {
		return h.refused(c, st, t, "contact", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/"+t.Number+"?ok=link_contact")
}

// ticketRegisterForm is POST /ticket/{number}/contatto/registra: the contact becomes a new
// citizen (refused, naming the existing record, when its e-mail or phone is already known).
func (h *Handlers) ticketRegisterForm(c echo.Context) error {
	st, t, err := h.paramTicket(c, "number")
	if err != nil {
		return err
	}
	if _, _, err := st.RegisterContact(c.Request().Context(), t.ID, actor(c), ticketing.CapacityOf(webkit.RoleOf(c))); err != nil {
		return h.refused(c, st, t, "contact", formValues(c), err)
	}
	return c.Redirect(http.StatusSeeOther, "/ticket/"+t.Number+"?ok=register_contact")
}

// TicketView is a ticket with everything its page shows.
type TicketView struct {
	Ticket      *ticketing.Ticket      `json:"ticket"`
	SLA         ticketing.SLAState     `json:"sla"`
	Citizen     *ticketing.Citizen     `json:"citizen,omitempty"`
	Path        []ticketing.Event      `json:"path"`
	Queries     []string               `json:"queries"`
	Attachments []ticketing.Attachment `json:"attachments"`
	Callbacks   []ticketing.Callback   `json:"callbacks"`
	Messages    []ticketing.Message    `json:"messages"`
	// Allowed is what the caller may do now: the role, the state and, on a ticket in an office's
	// hands, the membership of that office.
	Allowed []ticketing.Action `json:"allowed"`
}

// TicketView gathers the page of t for user in role who.
func (h *Handlers) TicketView(ctx context.Context, st *ticketing.Store, t *ticketing.Ticket, user string, who role.Role) (*TicketView, error) {
	v := &TicketView{Ticket: t, SLA: st.SLA(t, timeNow()), Allowed: st.AllowedFor(ctx, t, user, ticketing.CapacityOf(who))}
	var err error
	if t.CitizenID != 0 {
		if v.Citizen, err = st.Citizen(ctx, t.CitizenID); err != nil && !errors.Is(err, ticketing.ErrNotFound) {
			return nil, err
		}
	}
	if v.Path, err = st.Path(ctx, t.ID); err != nil {
		return nil, err
	}
	if v.Queries, err = st.Queries(ctx, t.ID); err != nil {
		return nil, err
	}
	if v.Attachments, err = st.Attachments(ctx, t.ID); err != nil {
		return nil, err
	}
	if v.Callbacks, err = st.Callbacks(ctx, t.ID); err != nil {
		return nil, err
	}
	if v.Messages, err = st.Messages(ctx, t.ID); err != nil {
		return nil, err
	}
	if v.Allowed == nil {
		v.Allowed = []ticketing.Action{}
	}
	return v, nil
}

// fieldView is one field of an action's form, for the page's field templates.
type fieldView struct {
	ID, Name, Label, Value, Err string
	Required                    bool
	Options                     []officeOption // an office select
	Empty                       string         // the select's empty choice, "" when a choice is required
}

// Area is a text area of form: its label, what was typed, its message.
func (d *ticketPageData) Area(form, name, label string, required bool) fieldView {
	return fieldView{ID: "f-" + form + "-" + name, Name: name, Label: label, Value: d.V(form, name),
		Err: d.E(form, name), Required: required}
}

// OfficeSel is an office select of form, starting on def (the suggested office for reassign).
func (d *ticketPageData) OfficeSel(form, name, label, def string, required bool) fieldView {
	f := fieldView{ID: "f-" + form + "-" + name, Name: name, Label: label, Value: d.OfficeValue(form, name, def),
		Err: d.E(form, name), Required: required, Options: d.Offices}
	if required {
		f.Empty = i18n.T("tk.f.chooseOffice")
	} else {
		f.Empty = i18n.T("tk.f.noOffice")
	}
	return f
}

// Picker is the pill picker of form: the chosen pill's IRI and title.
func (d *ticketPageData) Picker(form string) fieldView {
	return fieldView{ID: "f-" + form + "-pill", Name: "pill", Label: i18n.T("tk.f.pill"), Value: d.PillValue(form),
		Err: d.E(form, "pill"), Empty: d.PillLabel(form)}
}
