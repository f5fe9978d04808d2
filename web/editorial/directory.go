package editorial

// The directory kept in the browser (KB-13): administrators and publishers — the people who
// keep the Administration's content (KB-8, KB-14) — create, change and retire offices and
// people: phones, extensions, e-mails, PEC, address, opening hours, role and office. Every change
// goes through kb's typed writes (kb.Store.SaveUnit, SavePerson, RetireUnit, RetirePerson) and
// is recorded in the history with who and when; the pages show that history. Opening hours are
// text, read as kb.ParseHours reads them: the form shows the reading and refuses a text it
// cannot read whole, so "aperto ora" holds for every office kept here.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/web/webkit"
)

// directoryEditors keep the directory.
var directoryEditors = []role.Role{role.Administrator, role.Publisher}

func (h *Handlers) directoryRoutes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/redazione/rubrica", directoryEditors, h.directoryEditPage),
		webkit.GET("/redazione/rubrica/uffici/nuovo", directoryEditors, h.unitNewPage),
		webkit.POST("/redazione/rubrica/uffici", directoryEditors, h.unitCreateForm),
		webkit.GET("/redazione/rubrica/uffici/:id", directoryEditors, h.unitEditPage),
		webkit.POST("/redazione/rubrica/uffici/:id", directoryEditors, h.unitSaveForm),
		webkit.POST("/redazione/rubrica/uffici/:id/ritira", directoryEditors, h.unitRetireForm),
		webkit.GET("/redazione/rubrica/persone/nuova", directoryEditors, h.personNewPage),
		webkit.POST("/redazione/rubrica/persone", directoryEditors, h.personCreateForm),
		webkit.GET("/redazione/rubrica/persone/:id", directoryEditors, h.personEditPage),
		webkit.POST("/redazione/rubrica/persone/:id", directoryEditors, h.personSaveForm),
		webkit.POST("/redazione/rubrica/persone/:id/ritira", directoryEditors, h.personRetireForm),
	}
}

type unitRow struct {
	kb.Unit
	ID     string
	Depth  int
	Status webkit.OpenNow
	// Unread: the office has hours "aperto ora" cannot read (an import keeps them as written).
	Unread bool
}

type personRowEdit struct {
	kb.Person
	ID       string
	UnitName string
}

type directoryEditData struct {
	Units   []unitRow
	People  []personRowEdit
	Changes []changeRow
	Notice  string
}

// changeRow is one of the directory's latest changes, with a link while the office or person
// is still there.
type changeRow struct {
	kb.DirectoryChange
	Name, Href string
}

// latestChanges is how many of the directory's changes its editor's page lists.
const latestChanges = 20

// unitRows lists the units as an org chart (kb.Units is depth-first) with their depth.
func unitRows(units []kb.Unit, now time.Time) []unitRow {
	depth := map[string]int{}
	out := make([]unitRow, 0, len(units))
	for _, u := range units {
		d := 0
		if u.Parent != "" {
			if pd, ok := depth[u.Parent]; ok {
				d = pd + 1
			}
		}
		depth[u.IRI] = d
		out = append(out, unitRow{Unit: u, ID: webkit.LocalID(u.IRI), Depth: min(d, 3), Status: webkit.OpenStatus(&u, now),
			Unread: len(u.Hours().Problems) > 0})
	}
	return out
}

func (h *Handlers) directoryEditPage(c echo.Context) error {
	ctx := c.Request().Context()
	units, err := h.store.Units(ctx)
	if err != nil {
		return webkit.Internal(err)
	}
	people, err := h.store.People(ctx)
	if err != nil {
		return webkit.Internal(err)
	}
	d := directoryEditData{Units: unitRows(units, time.Now())}
	names := map[string]string{}
	for _, u := range units {
		names[u.IRI] = u.Name
	}
	href := map[string]string{}
	for _, u := range units {
		href[u.IRI] = "/redazione/rubrica/uffici/" + url.PathEscape(webkit.LocalID(u.IRI))
	}
	for _, p := range people {
		d.People = append(d.People, personRowEdit{Person: p, ID: webkit.LocalID(p.IRI), UnitName: names[p.Unit]})
		names[p.IRI] = p.FullName()
		href[p.IRI] = "/redazione/rubrica/persone/" + url.PathEscape(webkit.LocalID(p.IRI))
	}
	changes, err := h.store.DirectoryChanges(ctx, latestChanges)
	if err != nil {
		return webkit.Internal(err)
	}
	for _, ch := range changes {
		name := names[ch.IRI]
		if name == "" {
			name = webkit.LocalID(ch.IRI)
		}
		d.Changes = append(d.Changes, changeRow{DirectoryChange: ch, Name: name, Href: href[ch.IRI]})
	}
	if name := c.QueryParam("ritirato"); name != "" {
		d.Notice = i18n.T("ded.retired", name)
	}
	return h.pages.Render(c, "directory_edit", webkit.PageData{Title: i18n.T("ded.title"), Nav: "directory", Data: d})
}

type unitEditData struct {
	webkit.FormBase
	Unit    kb.Unit
	ID      string // "" for a new office
	Parents []unitRow
	Phones  string
	Emails  string
	Hours   kb.OpeningHours
	Reading []string // the hours as read, a line per day: "lun 9:00–13:00, 15:00–17:00"
	Status  webkit.OpenNow
	History []kb.DirectoryChange
	Notice  string
	Error   string
}

func (h *Handlers) findUnit(c echo.Context) (*kb.Unit, error) {
	units, err := h.store.Units(c.Request().Context())
	if err != nil {
		return nil, webkit.Internal(err)
	}
	for i := range units {
		if webkit.LocalID(units[i].IRI) == c.Param("id") {
			return &units[i], nil
		}
	}
	return nil, webkit.NotFound("err.unitNotFound")
}

// renderUnit shows the office form; status is 400 when it comes back with an error.
func (h *Handlers) renderUnit(c echo.Context, status int, u *kb.Unit, id, errText string) error {
	ctx := c.Request().Context()
	units, err := h.store.Units(ctx)
	if err != nil {
		return webkit.Internal(err)
	}
	d := unitEditData{FormBase: webkit.FormOf(c), Unit: *u, ID: id, Error: errText,
		Phones: strings.Join(u.Phones, "\n"), Emails: strings.Join(u.Emails, "\n"), Hours: u.Hours(),
		Status: webkit.OpenStatus(u, time.Now())}
	d.Reading = hoursReading(d.Hours)
	// An office cannot move under itself or its sub-units: they are left out of the choice.
	below := map[string]bool{}
	if u.IRI != "" {
		below[u.IRI] = true
	}
	for _, x := range unitRows(units, time.Now()) {
		if below[x.Parent] {
			below[x.IRI] = true
		}
		if !below[x.IRI] {
			d.Parents = append(d.Parents, x)
		}
	}
	if id != "" {
		if d.History, err = h.store.DirectoryHistory(ctx, u.IRI); err != nil {
			return webkit.Internal(err)
		}
	}
	if c.QueryParam("salvato") != "" && errText == "" {
		d.Notice = i18n.T("ded.saved")
	}
	title := i18n.T("ded.newUnit")
	if id != "" {
		title = i18n.T("ded.editUnit", u.Name)
	}
	return h.pages.RenderStatus(c, status, "unit_edit", webkit.PageData{Title: title, Nav: "directory", Data: d})
}

func (h *Handlers) unitNewPage(c echo.Context) error {
	return h.renderUnit(c, http.StatusOK, &kb.Unit{Kind: kb.UnitOffice, Parent: c.QueryParam("sotto")}, "", "")
}

func (h *Handlers) unitEditPage(c echo.Context) error {
	u, err := h.findUnit(c)
	if err != nil {
		return err
	}
	return h.renderUnit(c, http.StatusOK, u, webkit.LocalID(u.IRI), "")
}

// readUnitForm fills u from the form.
func readUnitForm(c echo.Context, u *kb.Unit) {
	u.Name = strings.TrimSpace(c.FormValue("name"))
	u.Kind = kb.UnitKind(c.FormValue("kind"))
	u.Parent = strings.TrimSpace(c.FormValue("parent"))
	u.URP = c.FormValue("urp") != ""
	u.Phones = splitList(c.FormValue("phones"), "\n")
	u.Emails = splitList(c.FormValue("emails"), "\n")
	u.PEC = strings.TrimSpace(c.FormValue("pec"))
	u.Address = strings.TrimSpace(c.FormValue("address"))
	u.OpeningHours = strings.TrimSpace(c.FormValue("hours"))
}

// saveError is the Italian message of a refused save, shown on the form; nil for errors that
// are not the form's.
func saveError(err error) (string, error) {
	var ve *kb.ValidationError
	switch {
	case errors.As(err, &ve) && ve.Field == "openingHours":
		return i18n.T("ded.badHours", ve.Msg), nil
	case errors.As(err, &ve) && (ve.Field == "units" || ve.Field == "people"):
		return i18n.T("ded.hasMembers"), nil
	case errors.As(err, &ve) && ve.Field == "pills":
		return i18n.T("ded.hasPills", ve.Msg), nil
	case errors.As(err, &ve) && ve.Field == "name" || errors.As(err, &ve) && ve.Field == "familyName":
		return i18n.T("ded.nameRequired"), nil
	case errors.As(err, &ve) && ve.Field == "emails":
		return i18n.T("ded.badEmail"), nil
	case errors.As(err, &ve) && ve.Field == "phones":
		return i18n.T("ded.badPhone"), nil
	case errors.As(err, &ve):
		// kb's messages are English: the page names the field in Italian.
		label := map[string]string{"unit": i18n.T("dir.office"), "parent": i18n.T("ded.f.parent"), "kind": i18n.T("ded.f.kind")}[ve.Field]
		if label == "" {
			label = i18n.T("ded.aField")
		}
		return i18n.T("ded.invalid", label), nil
	case errors.Is(err, kb.ErrNotFound):
		return "", webkit.NotFound("err.unitNotFound")
	}
	return "", webkit.Internal(err)
}

func (h *Handlers) saveUnit(c echo.Context, u *kb.Unit, id string) error {
	readUnitForm(c, u)
	if err := h.store.SaveUnit(c.Request().Context(), u, webkit.UserOf(c), time.Now()); err != nil {
		msg, other := saveError(err)
		if other != nil {
			return other
		}
		return h.renderUnit(c, http.StatusBadRequest, u, id, msg)
	}
	return c.Redirect(http.StatusSeeOther, "/redazione/rubrica/uffici/"+url.PathEscape(webkit.LocalID(u.IRI))+"?salvato=1")
}

func (h *Handlers) unitCreateForm(c echo.Context) error { return h.saveUnit(c, &kb.Unit{}, "") }

func (h *Handlers) unitSaveForm(c echo.Context) error {
	u, err := h.findUnit(c)
	if err != nil {
		return err
	}
	return h.saveUnit(c, u, webkit.LocalID(u.IRI))
}

func (h *Handlers) unitRetireForm(c echo.Context) error {
	u, err := h.findUnit(c)
	if err != nil {
		return err
	}
	if err := h.store.RetireUnit(c.Request().Context(), u.IRI, webkit.UserOf(c), time.Now()); err != nil {
		msg, other := saveError(err)
		if other != nil {
			return other
		}
		return h.renderUnit(c, http.StatusConflict, u, webkit.LocalID(u.IRI), msg)
	}
	return c.Redirect(http.StatusSeeOther, "/redazione/rubrica?ritirato="+url.QueryEscape(u.Name))
}

type personEditData struct {
	webkit.FormBase
	Person  kb.Person
	ID      string
	Units   []unitRow
	Phones  string
	Emails  string
	History []kb.DirectoryChange
	Notice  string
	Error   string
}

func (h *Handlers) findPerson(c echo.Context) (*kb.Person, error) {
	people, err := h.store.People(c.Request().Context())
	if err != nil {
		return nil, webkit.Internal(err)
	}
	for i := range people {
		if webkit.LocalID(people[i].IRI) == c.Param("id") {
			return &people[i], nil
		}
	}
	return nil, webkit.NotFound("ded.personNotFound")
}

func (h *Handlers) renderPerson(c echo.Context, status int, p *kb.Person, id, errText string) error {
	ctx := c.Request().Context()
	units, err := h.store.Units(ctx)
	if err != nil {
		return webkit.Internal(err)
	}
	d := personEditData{FormBase: webkit.FormOf(c), Person: *p, ID: id, Error: errText, Units: unitRows(units, time.Now()),
		Phones: strings.Join(p.Phones, "\n"), Emails: strings.Join(p.Emails, "\n")}
	if id != "" {
		if d.History, err = h.store.DirectoryHistory(ctx, p.IRI); err != nil {
			return webkit.Internal(err)
		}
	}
	if c.QueryParam("salvato") != "" && errText == "" {
		d.Notice = i18n.T("ded.saved")
	}
	title := i18n.T("ded.newPerson")
	if id != "" {
		title = i18n.T("ded.editPerson", p.FullName())
	}
	return h.pages.RenderStatus(c, status, "person_edit", webkit.PageData{Title: title, Nav: "directory", Data: d})
}

func (h *Handlers) personNewPage(c echo.Context) error {
	return h.renderPerson(c, http.StatusOK, &kb.Person{Unit: c.QueryParam("ufficio")}, "", "")
}

func (h *Handlers) personEditPage(c echo.Context) error {
	p, err := h.findPerson(c)
	if err != nil {
		return err
	}
	return h.renderPerson(c, http.StatusOK, p, webkit.LocalID(p.IRI), "")
}

func (h *Handlers) savePerson(c echo.Context, p *kb.Person, id string) error {
	p.GivenName = strings.TrimSpace(c.FormValue("givenName"))
	p.FamilyName = strings.TrimSpace(c.FormValue("familyName"))
	p.Role = strings.TrimSpace(c.FormValue("role"))
	p.Unit = strings.TrimSpace(c.FormValue("unit"))
	p.Extension = strings.TrimSpace(c.FormValue("extension"))
	p.Phones = splitList(c.FormValue("phones"), "\n")
	p.Emails = splitList(c.FormValue("emails"), "\n")
	p.PEC = strings.TrimSpace(c.FormValue("pec"))
	if err := h.store.SavePerson(c.Request().Context(), p, webkit.UserOf(c), time.Now()); err != nil {
		msg, other := saveError(err)
		if other != nil {
			return other
		}
		return h.renderPerson(c, http.StatusBadRequest, p, id, msg)
	}
	return c.Redirect(http.StatusSeeOther, "/redazione/rubrica/persone/"+url.PathEscape(webkit.LocalID(p.IRI))+"?salvato=1")
}

func (h *Handlers) personCreateForm(c echo.Context) error { return h.savePerson(c, &kb.Person{}, "") }

func (h *Handlers) personSaveForm(c echo.Context) error {
	p, err := h.findPerson(c)
	if err != nil {
		return err
	}
	return h.savePerson(c, p, webkit.LocalID(p.IRI))
}

func (h *Handlers) personRetireForm(c echo.Context) error {
	p, err := h.findPerson(c)
	if err != nil {
		return err
	}
	if err := h.store.RetirePerson(c.Request().Context(), p.IRI, webkit.UserOf(c), time.Now()); err != nil {
		_, other := saveError(err)
		if other == nil {
			other = webkit.Internal(err)
		}
		return other
	}
	return c.Redirect(http.StatusSeeOther, "/redazione/rubrica?ritirato="+url.QueryEscape(p.FullName()))
}

// hoursReading is how the hours were read, a line per open day, Monday first.
func hoursReading(h kb.OpeningHours) []string {
	var out []string
	for i := 1; i <= 7; i++ {
		day := time.Weekday(i % 7)
		var spans []string
		for _, x := range h.Week[day] {
			spans = append(spans, fmt.Sprintf("%d:%02d–%d:%02d", x.Opens/60, x.Opens%60, x.Closes/60, x.Closes%60))
		}
		if len(spans) > 0 {
			out = append(out, kb.DayAbbrev(day)+" "+strings.Join(spans, ", "))
		}
	}
	return out
}
