package public

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/ticketing"
	"sportello/web/tickets"
	"sportello/web/webkit"
)

// The citizens' portal (TK-18, KB-5): the published knowledge by the national life events, and
// a page per pill with the competent office, its contacts and related pills. Every read is the
// public's, whoever is signed in — kb.Anonymous through webkit.ViewerOf(role.Anonymous), the
// one visibility rule — so that staff see exactly what a citizen sees, and no internal field
// (notes, legacy columns, who validated) reaches these pages.

// public is what the portal shows: the public's view of the knowledge base.
var public = webkit.ViewerOf(role.Anonymous)

// RelatedPills is how many related pills a pill page lists.
const RelatedPills = 5

// PortalHref is the portal page of a pill.
func PortalHref(p kb.Pill) string { return "/servizi/schede/" + url.PathEscape(webkit.PillID(p)) }

// EventHref is the page of a life event.
func EventHref(e kb.LifeEvent) string { return "/servizi/eventi/" + url.PathEscape(e.Code()) }

// portalRoutes are the portal's pages: anyone, and everyone sees the public's view.
func (h *Handlers) portalRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/servizi", webkit.Everyone, h.portalHome),
		webkit.GET("/servizi/eventi/:code", webkit.Everyone, h.eventPage),
		webkit.GET("/servizi/schede/:code", webkit.Everyone, h.portalPill),
		webkit.GET("/servizi/cerca", webkit.Everyone, h.portalSearch),
		webkit.POST("/servizi/schede/:code/utile", webkit.Everyone, h.pillFeedback),
	}
}

func (h *Handlers) kb() (*kb.Store, error) {
	if h.know == nil {
		return nil, webkit.NotFound("err.notFound")
	}
	return h.know, nil
}

// portalHome lists the life events that have published pills.
func (h *Handlers) portalHome(c echo.Context) error {
	st, err := h.kb()
	if err != nil {
		return err
	}
	evs, err := st.LifeEventsAs(c.Request().Context(), public, time.Time{})
	if err != nil {
		return webkit.Internal(err)
	}
	var shown []kb.LifeEvent
	for _, e := range evs {
		if e.Pills > 0 {
			shown = append(shown, e)
		}
	}
	return h.pages.Render(c, "portal", webkit.PageData{Title: i18n.T("pub.portal.title"), Nav: "portal", Data: shown})
}

type eventData struct {
	Event *kb.LifeEvent
	Pills []kb.Pill
}

// eventPage lists the published pills of one life event.
func (h *Handlers) eventPage(c echo.Context) error {
	st, err := h.kb()
	if err != nil {
		return err
	}
	ev, pills, err := st.LifeEventAs(c.Request().Context(), c.Param("code"), public, time.Time{})
	if err != nil {
		return webkit.StoreErr(err, "pub.portal.noEvent")
	}
	return h.pages.Render(c, "event", webkit.PageData{Title: ev.Label("it"), Nav: "portal", Data: &eventData{Event: ev, Pills: pills}})
}

type portalPillData struct {
	Pill     *kb.Pill
	Answer   template.HTML
	Office   *kb.Unit
	Concepts []kb.Concept
	Related  []kb.Pill
	RDF      string // the pill's minted IRI on this server (/id/…), "" when it is not one of ours
	JSONLD   template.JS
	// Feedback is where "Ti è stata utile?" is posted ("" without a ticket store); Thanks once
	// answered. Form is the caller's CSRF token (none for the public: its pages are shared).
	Feedback string
	Thanks   bool
	Form     webkit.FormBase
}

// portalPill is a pill as the public reads it, with its FAQPage JSON-LD.
func (h *Handlers) portalPill(c echo.Context) error {
	st, err := h.kb()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := webkit.FindPill(ctx, st, c.Param("code"), role.Anonymous)
	if err != nil {
		return webkit.StoreErr(err, "err.pillNotFound")
	}
	d := &portalPillData{Pill: p, Answer: webkit.Sanitize(p.Answer), Form: webkit.FormOf(c)}
	if h.tickets != nil {
		d.Feedback = PortalHref(*p) + "/utile"
		d.Thanks = c.QueryParam("utile") == "grazie"
	}
	if p.Office != "" {
		u, err := st.Unit(ctx, p.Office)
		if err != nil && !errors.Is(err, kb.ErrNotFound) {
			return webkit.Internal(err)
		}
		d.Office = u
	}
	for _, iri := range p.Concepts {
		if con, err := st.Concept(ctx, iri); err == nil {
			d.Concepts = append(d.Concepts, *con)
		}
	}
	if d.Related, err = st.RelatedAs(ctx, p, public, time.Time{}, RelatedPills); err != nil {
		return webkit.Internal(err)
	}
	if rest, ok := strings.CutPrefix(p.IRI, kb.Base); ok {
		d.RDF = "/id/" + rest
	}
	page := h.site.Canonical(PortalHref(*p))
	ld, err := kb.PillFAQPage(p, d.Office, d.Concepts, page)
	if err != nil {
		return webkit.Internal(err)
	}
	d.JSONLD = template.JS(ld) // encoding/json escaped <, > and &: safe inside <script>
	pd := webkit.PageData{Title: p.Title, Nav: "portal", Data: d}
	pd.Canonical = page
	return h.pages.Render(c, "portalpill", pd)
}

// pillFeedback is POST /servizi/schede/{code}/utile: "Ti è stata utile?" (KB-10) — utile=si|no
// and an optional comment (commento), for a pill the public reads. Nothing about the caller
// is stored; the rate limit of anonymous writes applies (web.RateWrites), and a filled-in
// honeypot field is thanked and dropped like a request's. The answer is the pill's page again,
// thanking.
func (h *Handlers) pillFeedback(c echo.Context) error {
	st, err := h.kb()
	if err != nil {
		return err
	}
	if h.tickets == nil {
		return webkit.NotFound("tk.absent")
	}
	p, err := webkit.FindPill(c.Request().Context(), st, c.Param("code"), role.Anonymous)
	if err != nil {
		return webkit.StoreErr(err, "err.pillNotFound")
	}
	back := PortalHref(*p) + "?utile=grazie#utile"
	if c.FormValue("website") != "" {
		h.trap(c)
		return c.Redirect(http.StatusSeeOther, back)
	}
	var useful bool
	switch c.FormValue("utile") {
	case "si":
		useful = true
	case "no":
	default:
		return webkit.BadRequest("invalid", i18n.T("pub.feedback.choose"))
	}
	if err := h.tickets.RecordFeedback(c.Request().Context(), ticketing.Feedback{Pill: p.IRI, Useful: useful,
		Comment: c.FormValue("commento")}); err != nil {
		return tickets.Err(err)
	}
	return c.Redirect(http.StatusSeeOther, back)
}
