// Package public is the citizens' own page (TK-18): /richiesta, where anyone files a request and
// follows it with its number and the e-mail address given, and its JSON twin under
// /api/public/. The requests are tickets of package ticketing.
package public

import (
	"embed"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/ticketing"
	"sportello/web/tickets"
	"sportello/web/webkit"
)

// Routes are the citizens' pages and API.
func (h *Handlers) Routes() []webkit.Route {
	return []webkit.Route{
		// own block and their own role walk, TestTicketRoutesRoles. /richiesta and /api/public/… are the
		webkit.GET("/richiesta", webkit.Everyone, h.requestPage),
		webkit.POST("/richiesta", webkit.Everyone, h.requestForm),
		webkit.GET("/richiesta/stato", webkit.Everyone, h.statusPage),
		webkit.POST("/api/public/requests", webkit.Everyone, h.apiSubmit),
		webkit.GET("/api/public/status", webkit.Everyone, h.apiStatus),
	}
}

// Handlers serve the citizens' pages; without a ticket store they answer 404.
type Handlers struct {
	tickets *ticketing.Store
	pages   *webkit.Pages
}

//go:embed templates/*.html
var templates embed.FS

// New returns the handlers of the citizens' pages.
func New(site *webkit.Site, tickets *ticketing.Store) *Handlers {
	return &Handlers{tickets: tickets, pages: site.Pages(templates, nil)}
}

// store returns the ticket store, or a 404 when the server runs without tickets.
func (h *Handlers) store() (*ticketing.Store, error) {
	if h.tickets == nil {
		return nil, webkit.NotFound("tk.absent")
	}
	return h.tickets, nil
}

// request is the body of POST /api/public/requests (TK-18).
type request struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	Subject     string `json:"subject"`
	Description string `json:"description"`
}

// apiSubmit is POST /api/public/requests: anyone may file a request; the answer is only
// the number, never anything about the citizen record it was matched to.
func (h *Handlers) apiSubmit(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	var req request
	if err := tickets.BindJSON(c, &req); err != nil {
		return err
	}
	t, err := st.SubmitWeb(c.Request().Context(), ticketing.WebRequest{Name: req.Name, Email: req.Email,
		Phone: req.Phone, Subject: req.Subject, Description: req.Description})
	if err != nil {
		return tickets.Err(err)
	}
	return c.JSON(http.StatusCreated, map[string]string{"number": t.PublicRef, "state": t.State.Label()})
}

// Status is what the citizen may read of their request: number, state, dates and the
// steps' states, without names of staff or internal reasons.
type Status struct {
	Number  string    `json:"number"`
	State   string    `json:"state"`
	Subject string    `json:"subject,omitempty"`
	Created time.Time `json:"created"`
	Solved  time.Time `json:"solved,omitempty"`
	Steps   []step    `json:"steps"`
	// Answer and Messages are shown once the request is solved: the answer given and the
	// e-mails sent to the citizen (never internal notes).
	Answer   string                    `json:"answer,omitempty"`
	Messages []ticketing.PublicMessage `json:"messages"`
}

type step struct {
	At    time.Time `json:"at"`
	State string    `json:"state"`
}

func (h *Handlers) status(c echo.Context, number, email string) (*Status, error) {
	st, err := h.store()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(number) == "" || strings.TrimSpace(email) == "" {
		return nil, webkit.BadRequest("invalid", i18n.T("tk.public.both"))
	}
	v, err := st.PublicStatus(c.Request().Context(), number, email)
	if err != nil {
		if ticketing.HTTPStatus(err) == http.StatusNotFound {
			// The same answer for a wrong number and a wrong email: the page must not confirm
			// that a number exists to someone who does not know the address.
			return nil, &webkit.HTTPError{Status: http.StatusNotFound, Code: "not_found", Msg: i18n.T("tk.public.notFound")}
		}
		return nil, tickets.Err(err)
	}
	ps := &Status{Number: v.Ref, State: v.Label, Subject: v.Subject, Created: v.Created,
		Solved: v.Solved, Steps: []step{}, Answer: v.Answer, Messages: v.Messages}
	for _, e := range v.Steps {
		ps.Steps = append(ps.Steps, step{At: e.At, State: e.Label})
	}
	return ps, nil
}

// apiStatus is GET /api/public/status?number&email.
func (h *Handlers) apiStatus(c echo.Context) error {
	ps, err := h.status(c, c.QueryParam("number"), c.QueryParam("email"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ps)
}

// pageData is /richiesta: the form, the number just given, or a status.
type pageData struct {
	webkit.FormBase
	Done   string
	Error  string
	Form   request
	Number string
	Email  string
	Status *Status
}

// requestPage is the citizen's page (TK-18).
func (h *Handlers) requestPage(c echo.Context) error {
	if _, err := h.store(); err != nil {
		return err
	}
	d := &pageData{FormBase: webkit.FormOf(c)}
	// Only a well-formed reference is shown back: the URL must not make the page say anything else.
	if n := c.QueryParam("numero"); n != "" {
		if _, key, ok := ticketing.ParseRef(n); ok && key != "" {
			d.Done = strings.ToUpper(strings.TrimSpace(n))
		}
	}
	return h.pages.Render(c, "request", webkit.PageData{Title: i18n.T("tk.public.title"), Nav: "request", Data: d})
}

// requestForm files the request and shows its number; invalid input shows the form again
// with what the citizen typed and the reason.
func (h *Handlers) requestForm(c echo.Context) error {
	st, err := h.store()
	if err != nil {
		return err
	}
	form := request{Name: c.FormValue("name"), Email: c.FormValue("email"), Phone: c.FormValue("phone"),
		Subject: c.FormValue("subject"), Description: c.FormValue("description")}
	t, err := st.SubmitWeb(c.Request().Context(), ticketing.WebRequest{Name: form.Name, Email: form.Email,
		Phone: form.Phone, Subject: form.Subject, Description: form.Description})
	if err != nil {
		he, ok := tickets.Err(err).(*webkit.HTTPError)
		if !ok || he.Status != http.StatusBadRequest {
			return tickets.Err(err)
		}
		d := &pageData{FormBase: webkit.FormOf(c), Error: he.Msg, Form: form}
		return h.pages.RenderStatus(c, http.StatusBadRequest, "request", webkit.PageData{Title: i18n.T("tk.public.title"), Nav: "request", Data: d})
	}
	return c.Redirect(http.StatusSeeOther, "/richiesta?numero="+url.QueryEscape(t.PublicRef))
}

// statusPage is GET /richiesta/stato?numero&email.
func (h *Handlers) statusPage(c echo.Context) error {
	d := &pageData{FormBase: webkit.FormOf(c), Number: c.QueryParam("numero"), Email: c.QueryParam("email")}
	ps, err := h.status(c, d.Number, d.Email)
	status := http.StatusOK
	if err != nil {
		he, ok := err.(*webkit.HTTPError)
		if !ok || (he.Status != http.StatusNotFound && he.Status != http.StatusBadRequest) || he.Code == "not_found" && h.tickets == nil {
			return err
		}
		d.Error, status = he.Msg, he.Status
	}
	d.Status = ps
	return h.pages.RenderStatus(c, status, "request", webkit.PageData{Title: i18n.T("tk.public.status"), Nav: "request", Data: d})
}
