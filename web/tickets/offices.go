package tickets

// Offices as real queues (TK-10…TK-12, TK-15): each office's queue, the queues of the offices a
// user belongs to (level 2's start page), level 3's queue of rejected assignments with the
// reassignment beside each, the administrators' pages for who belongs to which office and for
// the canned answers of the replies, and their JSON twins. Acting on an office's ticket is
// decided by ticketing (members only); these pages show and ask.

import (
	"context"
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

var (
	supervisors = []role.Role{role.Supervisor, role.Administrator, role.Auditor} // level 3's queue
	admins      = []role.Role{role.Administrator}                                // memberships, canned answers
	adminRead   = []role.Role{role.Administrator, role.Auditor}
)

// officeRoutes are the queues, the memberships and the canned answers.
func (h *Handlers) officeRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/ticket/uffici", readers, h.memberQueuePage),
		webkit.GET("/ticket/uffici/:office", readers, h.officeQueuePage),
		webkit.GET("/ticket/respinte", supervisors, h.rejectedPage),
		webkit.GET("/amministrazione/uffici", adminRead, h.membersPage),
		webkit.POST("/amministrazione/uffici/membri", admins, h.memberAddForm),
		webkit.POST("/amministrazione/uffici/membri/rimuovi", admins, h.memberRemoveForm),
		webkit.GET("/amministrazione/risposte", adminRead, h.cannedPage),
		webkit.POST("/amministrazione/risposte", admins, h.cannedSaveForm),
		webkit.POST("/amministrazione/risposte/:id/elimina", admins, h.cannedDeleteForm),

		webkit.GET("/api/offices/queues", readers, h.apiQueueCounts),
		webkit.GET("/api/offices/:office/queue", readers, h.apiOfficeQueue),
		webkit.GET("/api/tickets/rejected", supervisors, h.apiRejected),
		webkit.GET("/api/offices/members", readers, h.apiMembers),
		webkit.POST("/api/offices/members", admins, h.apiMemberAdd),
		webkit.DELETE("/api/offices/members", admins, h.apiMemberRemove),
		webkit.GET("/api/canned", readers, h.apiCanned),
		webkit.POST("/api/canned", admins, h.apiCannedCreate),
		webkit.PUT("/api/canned/:id", admins, h.apiCannedUpdate),
		webkit.DELETE("/api/canned/:id", admins, h.apiCannedDelete),
	}
}

// officeByID finds a competent office of the directory by the last segment of its IRI (what
// URLs carry) or its IRI.
func (h *Handlers) officeByID(ctx context.Context, id string) (*kb.Unit, error) {
	units, err := h.kb.Units(ctx)
	if err != nil {
		return nil, webkit.Internal(err)
	}
	for i, u := range units {
		if u.Kind == kb.UnitOffice && (webkit.LocalID(u.IRI) == id || u.IRI == id) {
			return &units[i], nil
		}
	}
	return nil, webkit.NotFound("err.unitNotFound")
}

// queueCount is an office's queue on a start page.
type queueCount struct {
	Office, Name, Href string
	Capacity           ticketing.Capacity
	Member             bool
	Open, Unassigned   int
}

// memberQueuePage is /ticket/uffici: for a member, the queues of their offices merged, with
// each office's counters; for anyone else (level 3, administrators, auditors) every office
// that has members, and every assigned request.
func (h *Handlers) memberQueuePage(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	user := actor(c)
	_, names := h.offices(c)
	counts, err := st.QueueCounts(ctx, user)
	if err != nil {
		return Err(err)
	}
	d := &listData{Title: i18n.T("tk.queues.title"), Intro: i18n.T("tk.queues.intro"), Action: "/ticket/uffici"}
	for _, qc := range counts {
		d.Counts = append(d.Counts, queueCount{Office: qc.Office, Name: orIRI(names, qc.Office), Href: officeHref(qc.Office),
			Capacity: qc.Capacity, Member: true, Open: qc.Open, Unassigned: qc.Unassigned})
	}
	if len(counts) > 0 {
		return h.renderList(c, d, func(q ticketing.Query) (*ticketing.Page, error) {
			return st.MemberQueue(ctx, user, q, time.Now())
		})
	}
	// Not a member of any office: an overview of all of them.
	d.Intro = i18n.T("tk.queues.all")
	all, err := st.MembersAll(ctx)
	if err != nil {
		return Err(err)
	}
	seen := map[string]bool{}
	for _, m := range all {
		if seen[m.Office] {
			continue
		}
		seen[m.Office] = true
		pg, err := st.OfficeQueue(ctx, m.Office, ticketing.Query{PageSize: 1}, time.Now())
		if err != nil {
			return Err(err)
		}
		un, err := st.OfficeQueue(ctx, m.Office, ticketing.Query{PageSize: 1, Unassigned: true}, time.Now())
		if err != nil {
			return Err(err)
		}
		d.Counts = append(d.Counts, queueCount{Office: m.Office, Name: orIRI(names, m.Office), Href: officeHref(m.Office),
			Open: pg.Total, Unassigned: un.Total})
	}
	return h.renderList(c, d, func(q ticketing.Query) (*ticketing.Page, error) {
		if len(q.States) == 0 {
			q.States = []ticketing.State{ticketing.StateAssigned}
		}
		return st.Search(ctx, q, time.Now())
	})
}

func orIRI(names map[string]string, iri string) string {
	if n := names[iri]; n != "" {
		return n
	}
	return webkit.LocalID(iri)
}

func officeHref(iri string) string { return "/ticket/uffici/" + url.PathEscape(webkit.LocalID(iri)) }

// officeQueuePage is /ticket/uffici/{office}: the office's queue (assigned to it, or waiting
// for the citizen's data on its behalf), with its members.
func (h *Handlers) officeQueuePage(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := h.officeByID(ctx, c.Param("office"))
	if err != nil {
		return err
	}
	members, err := st.Members(ctx, u.IRI)
	if err != nil {
		return Err(err)
	}
	d := &listData{Title: i18n.T("tk.queue.title", u.Name), Action: officeHref(u.IRI), FixedOffice: u.IRI}
	var names []string
	for _, m := range members {
		names = append(names, m.User)
	}
	if len(names) == 0 {
		d.Intro = i18n.T("tk.queue.noMembers")
	} else {
		d.Intro = i18n.T("tk.queue.members", strings.Join(names, ", "))
	}
	return h.renderList(c, d, func(q ticketing.Query) (*ticketing.Page, error) {
		return st.OfficeQueue(ctx, u.IRI, q, time.Now())
	})
}

// rejectedData is /ticket/respinte.
type rejectedData struct {
	webkit.FormBase
	Rows       []rejectedRow
	Page       *ticketing.Page
	Offices    []officeOption
	Prev, Next string
	CanAct     bool
}

type rejectedRow struct {
	ticketing.Row
	Rejection ticketing.Event
	Office    string // the office that rejected it
	Suggested string
}

// rejectedPage is level 3's queue (TK-12): each rejected assignment with who rejected it, why
// and which office they suggested, and the reassignment form beside it (the suggested office
// preselected).
func (h *Handlers) rejectedPage(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	q, _, err := listQuery(c)
	if err != nil {
		return err
	}
	pg, rejections, err := st.RejectedQueue(c.Request().Context(), q, time.Now())
	if err != nil {
		return Err(err)
	}
	d := &rejectedData{FormBase: webkit.FormOf(c), Page: pg, CanAct: webkit.RoleOf(c) == role.Supervisor}
	var names map[string]string
	d.Offices, names = h.offices(c)
	for i, r := range pg.Rows {
		d.Rows = append(d.Rows, rejectedRow{Row: r, Rejection: rejections[i], Office: orIRI(names, r.Office),
			Suggested: rejections[i].SuggestedOffice})
	}
	base := cloneQuery(c.QueryParams())
	if pg.Page > 1 {
		base.Set("page", strconv.Itoa(pg.Page-1))
		d.Prev = "/ticket/respinte?" + base.Encode()
	}
	if pg.Page < pg.Pages {
		base.Set("page", strconv.Itoa(pg.Page+1))
		d.Next = "/ticket/respinte?" + base.Encode()
	}
	return h.pages.Render(c, "ticket_rejected", webkit.PageData{Title: i18n.T("tk.rejected.title"), Nav: "tickets", Data: d})
}

// membersData is /amministrazione/uffici.
type membersData struct {
	webkit.FormBase
	Offices    []officeMembers
	All        []officeOption
	Capacities []ticketing.Capacity
	CanEdit    bool
	F          *formState
	Notice     string
}

type officeMembers struct {
	officeOption
	Href    string
	Members []ticketing.Member
}

func (d *membersData) V(field string) string { return d.F.Val("member", field) }
func (d *membersData) E(field string) string { return d.F.Err("member", field) }

func (h *Handlers) renderMembers(c echo.Context, status int, fs *formState) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	all, err := st.MembersAll(c.Request().Context())
	if err != nil {
		return Err(err)
	}
	d := &membersData{FormBase: webkit.FormOf(c), Capacities: ticketing.MemberCapacities,
		CanEdit: webkit.RoleOf(c) == role.Administrator, F: fs}
	d.All, _ = h.offices(c)
	for _, o := range d.All {
		om := officeMembers{officeOption: o, Href: officeHref(o.IRI)}
		for _, m := range all {
			if m.Office == o.IRI {
				om.Members = append(om.Members, m)
			}
		}
		d.Offices = append(d.Offices, om)
	}
	if n := c.QueryParam("ok"); n != "" && fs == nil {
		d.Notice = i18n.T("tk.members.updated", n)
	}
	return h.pages.RenderStatus(c, status, "ticket_members", webkit.PageData{Title: i18n.T("tk.members.title"), Nav: "admin", Data: d})
}

// membersPage is /amministrazione/uffici: who belongs to which office of the directory, in
// which capacity; administrators add and remove members, auditors read.
func (h *Handlers) membersPage(c echo.Context) error { return h.renderMembers(c, http.StatusOK, nil) }

// memberAddForm adds a user to an office (or changes their capacity there).
func (h *Handlers) memberAddForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	v := formValues(c)
	m, err := st.AddMember(c.Request().Context(), v.Get("office"), v.Get("user"), ticketing.Capacity(v.Get("capacity")), actor(c))
	if err != nil {
		fs, status, ferr := failed("member", v, err)
		if ferr != nil {
			return ferr
		}
		return h.renderMembers(c, status, fs)
	}
	h.log.Info("office member added", "office", m.Office, "user", m.User, "capacity", m.Capacity, "by", actor(c))
	return c.Redirect(http.StatusSeeOther, "/amministrazione/uffici?ok="+url.QueryEscape(m.User)+"#"+url.QueryEscape(webkit.LocalID(m.Office)))
}

// memberRemoveForm removes a user from an office; what they had taken in hand goes back to the
// office's queue.
func (h *Handlers) memberRemoveForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	office, user := c.FormValue("office"), c.FormValue("user")
	if err := st.RemoveMember(c.Request().Context(), office, user, actor(c)); err != nil {
		return Err(err)
	}
	h.log.Info("office member removed", "office", office, "user", user, "by", actor(c))
	return c.Redirect(http.StatusSeeOther, "/amministrazione/uffici?ok="+url.QueryEscape(user))
}

// cannedData is /amministrazione/risposte.
type cannedData struct {
	webkit.FormBase
	List         []ticketing.CannedAnswer
	Placeholders []ticketing.Placeholder
	Edit         ticketing.CannedAnswer // the answer in the form: new (ID 0) or being edited
	CanEdit      bool
	F            *formState
	Notice       string
}

func (d *cannedData) V(field string) string {
	if d.F.Open("canned") {
		return d.F.Val("canned", field)
	}
	switch field {
	case "name":
		return d.Edit.Name
	case "subject":
		return d.Edit.Subject
	case "body":
		return d.Edit.Body
	}
	return ""
}

func (d *cannedData) E(field string) string { return d.F.Err("canned", field) }

func (h *Handlers) renderCanned(c echo.Context, status int, fs *formState, edit ticketing.CannedAnswer) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	d := &cannedData{FormBase: webkit.FormOf(c), Placeholders: ticketing.Placeholders(), Edit: edit,
		CanEdit: webkit.RoleOf(c) == role.Administrator, F: fs}
	if d.List, err = st.CannedAnswers(c.Request().Context()); err != nil {
		return Err(err)
	}
	if n := c.QueryParam("ok"); n != "" && fs == nil {
		d.Notice = i18n.T("tk.canned.saved", n)
	}
	return h.pages.RenderStatus(c, status, "ticket_canned", webkit.PageData{Title: i18n.T("tk.canned.title"), Nav: "admin", Data: d})
}

// cannedPage is /amministrazione/risposte[?modifica=ID]: the canned answers, the placeholders
// they may use, and the form for a new one or the one being edited.
func (h *Handlers) cannedPage(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	var edit ticketing.CannedAnswer
	if v := c.QueryParam("modifica"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return webkit.BadRequest("bad_parameter", i18n.T("err.badNumber", "modifica"))
		}
		a, err := st.Canned(c.Request().Context(), id)
		if err != nil {
			return Err(err)
		}
		edit = *a
	}
	return h.renderCanned(c, http.StatusOK, nil, edit)
}

// cannedSaveForm saves the form: a new answer, or the one of its hidden id.
func (h *Handlers) cannedSaveForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	v := formValues(c)
	a := ticketing.CannedAnswer{Name: v.Get("name"), Subject: v.Get("subject"), Body: v.Get("body")}
	a.ID, _ = strconv.ParseInt(v.Get("id"), 10, 64)
	saved, err := st.PutCanned(c.Request().Context(), a, actor(c))
	if err != nil {
		fs, status, ferr := failed("canned", v, err)
		if ferr != nil {
			return ferr
		}
		return h.renderCanned(c, status, fs, a)
	}
	return c.Redirect(http.StatusSeeOther, "/amministrazione/risposte?ok="+url.QueryEscape(saved.Name))
}

// cannedDeleteForm removes a canned answer.
func (h *Handlers) cannedDeleteForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := st.DeleteCanned(c.Request().Context(), id); err != nil {
		return Err(err)
	}
	return c.Redirect(http.StatusSeeOther, "/amministrazione/risposte")
}

// apiQueueCounts is GET /api/offices/queues: the caller's offices with the size of their
// queues.
func (h *Handlers) apiQueueCounts(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	counts, err := st.QueueCounts(c.Request().Context(), actor(c))
	if err != nil {
		return Err(err)
	}
	return jsonList(c, counts)
}

// apiOfficeQueue is GET /api/offices/{office}/queue: a page of an office's queue (office: the
// IRI's last segment, or the IRI escaped).
func (h *Handlers) apiOfficeQueue(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	id, _ := url.PathUnescape(c.Param("office"))
	u, err := h.officeByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	q, _, err := listQuery(c)
	if err != nil {
		return err
	}
	pg, err := st.OfficeQueue(c.Request().Context(), u.IRI, q, time.Now())
	if err != nil {
		return Err(err)
	}
	return c.JSON(http.StatusOK, pg)
}

// apiRejected is GET /api/tickets/rejected: level 3's queue, each row with its rejection.
func (h *Handlers) apiRejected(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	q, _, err := listQuery(c)
	if err != nil {
		return err
	}
	pg, rejections, err := st.RejectedQueue(c.Request().Context(), q, time.Now())
	if err != nil {
		return Err(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"tickets": pg.Rows, "rejections": rejections, "total": pg.Total,
		"page": pg.Page, "pageSize": pg.PageSize, "pages": pg.Pages})
}

// apiMembers is GET /api/offices/members[?office=IRI|&user=NAME].
func (h *Handlers) apiMembers(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var list []ticketing.Member
	switch {
	case c.QueryParam("office") != "":
		list, err = st.Members(ctx, c.QueryParam("office"))
	case c.QueryParam("user") != "":
		list, err = st.OfficesOf(ctx, c.QueryParam("user"))
	default:
		list, err = st.MembersAll(ctx)
	}
	if err != nil {
		return Err(err)
	}
	return jsonList(c, list)
}

// apiMemberAdd is POST /api/offices/members {"office", "user", "capacity"}.
func (h *Handlers) apiMemberAdd(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	var req struct {
		Office   string             `json:"office"`
		User     string             `json:"user"`
		Capacity ticketing.Capacity `json:"capacity"`
	}
	if err := BindJSON(c, &req); err != nil {
		return err
	}
	m, err := st.AddMember(c.Request().Context(), req.Office, req.User, req.Capacity, actor(c))
	if err != nil {
		return Err(err)
	}
	return c.JSON(http.StatusCreated, m)
}

// apiMemberRemove is DELETE /api/offices/members?office=IRI&user=NAME.
func (h *Handlers) apiMemberRemove(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	if err := st.RemoveMember(c.Request().Context(), c.QueryParam("office"), c.QueryParam("user"), actor(c)); err != nil {
		return Err(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// apiCanned is GET /api/canned: {"answers", "placeholders"}.
func (h *Handlers) apiCanned(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	list, err := st.CannedAnswers(c.Request().Context())
	if err != nil {
		return Err(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"answers": list, "placeholders": ticketing.Placeholders()})
}

func (h *Handlers) putCanned(c echo.Context, id int64, status int) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	var a ticketing.CannedAnswer
	if err := BindJSON(c, &a); err != nil {
		return err
	}
	a.ID = id
	saved, err := st.PutCanned(c.Request().Context(), a, actor(c))
	if err != nil {
		return Err(err)
	}
	return c.JSON(status, saved)
}

// apiCannedCreate is POST /api/canned {"name", "subject", "body"}.
func (h *Handlers) apiCannedCreate(c echo.Context) error {
	return h.putCanned(c, 0, http.StatusCreated)
}

// apiCannedUpdate is PUT /api/canned/{id}.
func (h *Handlers) apiCannedUpdate(c echo.Context) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	return h.putCanned(c, id, http.StatusOK)
}

// apiCannedDelete is DELETE /api/canned/{id}.
func (h *Handlers) apiCannedDelete(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := st.DeleteCanned(c.Request().Context(), id); err != nil {
		return Err(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// ticketAPIRoutes are the notes, replies and contact of a ticket in JSON.
func (h *Handlers) ticketAPIRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/api/tickets/:id/notes", readers, h.apiNotes),
		webkit.POST("/api/tickets/:id/notes", workers, h.apiNoteAdd),
		webkit.POST("/api/tickets/:id/reply", workers, h.apiReply),
		webkit.GET("/api/tickets/:id/canned/:canned", workers, h.apiCannedPreview),
		webkit.GET("/api/tickets/:id/contact", readers, h.apiContact),
		webkit.POST("/api/tickets/:id/contact/link", workers, h.apiContactLink),
		webkit.POST("/api/tickets/:id/contact/register", workers, h.apiContactRegister),
	}
}

// apiNotes is GET /api/tickets/:id/notes.
func (h *Handlers) apiNotes(c echo.Context) error {
	st, t, err := h.paramTicket(c, "id")
	if err != nil {
		return err
	}
	list, err := st.Notes(c.Request().Context(), t.ID)
	if err != nil {
		return Err(err)
	}
	return jsonList(c, list)
}

// apiNoteAdd is POST /api/tickets/:id/notes {"body"}.
func (h *Handlers) apiNoteAdd(c echo.Context) error {
	return ticketPost(h, c, http.StatusCreated, func(st *ticketing.Store, t *ticketing.Ticket, req struct {
		Body string `json:"body"`
	}) (*ticketing.Note, error) {
		n, err := st.AddNote(c.Request().Context(), t.ID, actor(c), ticketing.CapacityOf(webkit.RoleOf(c)), req.Body)
		return n, Err(err)
	})
}

// apiReply is POST /api/tickets/:id/reply: the e-mail to the citizen (TK-6).
func (h *Handlers) apiReply(c echo.Context) error {
	return ticketPost(h, c, http.StatusCreated, func(st *ticketing.Store, t *ticketing.Ticket, req replyRequest) (*ticketing.Message, error) {
		m, err := h.reply(c, st, t, req)
		return m, Err(err)
	})
}

// apiCannedPreview is GET /api/tickets/:id/canned/:canned[?pill=]: the canned answer filled in
// for the ticket, {"subject", "body"}, for the reply form to show and edit.
func (h *Handlers) apiCannedPreview(c echo.Context) error {
	st, t, err := h.paramTicket(c, "id")
	if err != nil {
		return err
	}
	id, err := paramID(c, "canned")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	pill := c.QueryParam("pill")
	if pill == "" {
		pill = t.Pill
	}
	if pill, err = h.resolvePill(ctx, webkit.RoleOf(c), pill); err != nil {
		return Err(err)
	}
	subject, body, err := st.RenderCanned(ctx, t.ID, id, pill)
	if err != nil {
		return Err(err)
	}
	return c.JSON(http.StatusOK, map[string]string{"subject": subject, "body": body})
}

// apiContact is GET /api/tickets/:id/contact: the request's unverified contact and the
// candidate citizens.
func (h *Handlers) apiContact(c echo.Context) error {
	st, t, err := h.paramTicket(c, "id")
	if err != nil {
		return err
	}
	list, err := st.ContactMatches(c.Request().Context(), t.ID)
	if err != nil {
		return Err(err)
	}
	if list == nil {
		list = []ticketing.Citizen{}
	}
	return c.JSON(http.StatusOK, map[string]any{"contact": t.Contact, "citizenId": t.CitizenID, "candidates": list})
}

// apiContactLink is POST /api/tickets/:id/contact/link {"citizen": id}.
func (h *Handlers) apiContactLink(c echo.Context) error {
	return ticketPost(h, c, http.StatusOK, func(st *ticketing.Store, t *ticketing.Ticket, req struct {
		Citizen int64 `json:"citizen"`
	}) (*ticketing.Ticket, error) {
		out, err := st.LinkContact(c.Request().Context(), t.ID, req.Citizen, actor(c), ticketing.CapacityOf(webkit.RoleOf(c)))
		return out, Err(err)
	})
}

// apiContactRegister is POST /api/tickets/:id/contact/register: {"citizen", "ticket"}.
func (h *Handlers) apiContactRegister(c echo.Context) error {
	st, t, err := h.paramTicket(c, "id")
	if err != nil {
		return err
	}
	ct, out, err := st.RegisterContact(c.Request().Context(), t.ID, actor(c), ticketing.CapacityOf(webkit.RoleOf(c)))
	if err != nil {
		return Err(err)
	}
	return c.JSON(http.StatusCreated, map[string]any{"citizen": ct, "ticket": out})
}
