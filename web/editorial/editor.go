package editorial

// The editor's fields beyond the texts (KB-1, KB-12, KB-13): categories picked from the
// classification tree, the competent office from the directory, links and forms, audience; the
// preview as operators and citizens will see the pill; and the diff as validators read it, field
// by field in Italian, with concepts and offices named rather than shown as IRIs.

import (
	"context"
	"html/template"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/htmltext"
	"sportello/kb"
	"sportello/web/webkit"
)

// readEditorFields reads the form's fields beyond the texts and dates into p.
func (h *Handlers) readEditorFields(c echo.Context, p *kb.Pill) error {
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return webkit.BadRequest("bad_form", i18n.T("err.badForm"))
	}
	// Categories: only concepts of the tree.
	p.Concepts = nil
	for _, iri := range form["concepts"] {
		if iri = strings.TrimSpace(iri); iri == "" || slices.Contains(p.Concepts, iri) {
			continue
		}
		if _, err := h.store.Concept(ctx, iri); err != nil {
			return webkit.BadRequest("bad_concept", i18n.T("ed.badConcept", iri))
		}
		p.Concepts = append(p.Concepts, iri)
	}
	// The competent office from the directory; its department follows from the directory.
	if _, sent := form["office"]; sent {
		p.Office, p.Department = "", ""
		if iri := strings.TrimSpace(c.FormValue("office")); iri != "" {
			u, err := h.store.Unit(ctx, iri)
			if err != nil {
				return webkit.BadRequest("bad_office", i18n.T("ed.badOffice", iri))
			}
			p.Office, p.OfficeName = u.IRI, ""
			if u.Kind == kb.UnitOffice && u.Parent != "" {
				p.Department = u.Parent
			}
		}
	}
	if _, sent := form["officeName"]; sent && p.Office == "" {
		p.OfficeName = strings.TrimSpace(c.FormValue("officeName"))
	}
	if _, sent := form["links"]; sent {
		p.Links = parseLinks(c.FormValue("links"))
	}
	if _, sent := form["forms"]; sent {
		p.Forms = parseLinks(c.FormValue("forms"))
	}
	if _, sent := form["audience"]; sent {
		p.Audience = splitList(c.FormValue("audience"), ",")
	}
	return nil
}

// parseLinks reads one link a line: the address, then an optional title ("https://… Modulo
// ISEE"). The address is checked by kb.CheckLinks with the rest of the pill.
func parseLinks(s string) []kb.Link {
	var out []kb.Link
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		out = append(out, kb.Link{URL: f[0], Title: strings.Join(f[1:], " ")})
	}
	return out
}

// formatLinks is parseLinks' inverse, for the form.
func formatLinks(ls []kb.Link) string {
	lines := make([]string, len(ls))
	for i, l := range ls {
		lines[i] = strings.TrimSpace(l.URL + " " + l.Title)
	}
	return strings.Join(lines, "\n")
}

// previewData is the pill as a reader will see it once published: operators see the internal
// notes, citizens do not (kb.Viewer.Redact).
type previewData struct {
	Pill       kb.Pill
	Answer     template.HTML
	Concepts   []string
	Office     *kb.Unit
	Department *kb.Unit
	Internal   bool
}

func (h *Handlers) previews(ctx context.Context, p kb.Pill) (operator, citizen previewData) {
	operator = previewData{Pill: p, Answer: webkit.Sanitize(p.Answer), Internal: true}
	for _, iri := range p.Concepts {
		operator.Concepts = append(operator.Concepts, h.conceptLabel(ctx, iri))
	}
	if p.Office != "" {
		operator.Office, _ = h.store.Unit(ctx, p.Office)
	}
	if p.Department != "" {
		operator.Department, _ = h.store.Unit(ctx, p.Department)
	}
	citizen = operator
	kb.Anonymous.Redact(&citizen.Pill)
	citizen.Internal = false
	return operator, citizen
}

func (h *Handlers) conceptLabel(ctx context.Context, iri string) string {
	if c, err := h.store.Concept(ctx, iri); err == nil {
		return c.Label("it")
	}
	return webkit.LocalID(iri)
}

func (h *Handlers) unitName(ctx context.Context, iri string) string {
	if u, err := h.store.Unit(ctx, iri); err == nil {
		return u.Name
	}
	return webkit.LocalID(iri)
}

// diffFields are the fields of the fields kb.DiffPills compares.
var diffFields = []string{"code", "title", "question", "answer", "keywords", "concepts", "department", "office",
	"officeName", "legalRefs", "links", "forms", "audience", "reviewBy", "validFrom", "validUntil", "notes", "lang"}

// showDiff is the diff as the validator reads it: Italian labels, concepts and offices by name,
// the answer's HTML compared as text (words, not tags), dates the Italian way.
func (h *Handlers) showDiff(ctx context.Context, changes []kb.FieldDiff) []shownDiff {
	var out []shownDiff
	for _, ch := range changes {
		d := shownDiff{Old: ch.Old, New: ch.New, Words: ch.Words}
		if slices.Contains(diffFields, ch.Field) {
			d.Label = i18n.T("q.field." + ch.Field)
		} else {
			d.Label = i18n.T("q.fieldOther")
		}
		switch ch.Field {
		case "answer":
			d.Old, d.New = htmltext.Text(ch.Old), htmltext.Text(ch.New)
			d.Words = kb.DiffWords(d.Old, d.New)
		case "concepts":
			d.Old, d.New = h.names(ctx, ch.Old, h.conceptLabel), h.names(ctx, ch.New, h.conceptLabel)
		case "office", "department":
			d.Old, d.New = h.names(ctx, ch.Old, h.unitName), h.names(ctx, ch.New, h.unitName)
		case "reviewBy", "validFrom", "validUntil":
			d.Old, d.New = itDate(ch.Old), itDate(ch.New)
		}
		out = append(out, d)
	}
	return out
}

// names turns a list of IRIs, one a line, into names, one a line.
func (h *Handlers) names(ctx context.Context, list string, name func(context.Context, string) string) string {
	var out []string
	for _, iri := range strings.Split(list, "\n") {
		if iri = strings.TrimSpace(iri); iri != "" {
			out = append(out, name(ctx, iri))
		}
	}
	return strings.Join(out, "\n")
}

// itDate writes yyyy-mm-dd as dd/mm/yyyy.
func itDate(s string) string {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		return s[8:10] + "/" + s[5:7] + "/" + s[0:4]
	}
	return s
}
