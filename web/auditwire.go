package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"sportello/audit"
	"sportello/web/webkit"
)

// The audit log of administrative acts (OPS-1), as the server records it. One table, by route,
// says which requests are acts and how to name them — announcements, synonyms,
// citizen merges, imports — and every download of a file by a signed-in user (an export of
// tickets, citizens, statistics, the graph with its drafts, the recordings' backup) is recorded
// as an export. An act is recorded once its handler has succeeded: no error, a status below
// 400, and no webkit.RedirectError. The handlers of the web parts stay as they were; a new
// audited route is one line here, and TestAuditRoutesExist checks that every line names a
// route of the table. Acts the table cannot describe record themselves (webkit.Audit), and the
// command line records its own (`sportello user`, `import`, `reindex`, `export`).

// auditArgs is what a rule reads of a request: the route's parameters and the form's or the
// JSON body's fields.
type auditArgs struct {
	s    *Server
	c    echo.Context
	json map[string]any
}

// field is a form field or a top-level JSON field, as text; lists are joined with ", ".
func (a auditArgs) field(name string) string {
	if a.json != nil {
		switch v := a.json[name].(type) {
		case nil:
			return ""
		case string:
			return v
		case []any:
			parts := make([]string, 0, len(v))
			for _, x := range v {
				parts = append(parts, fmt.Sprint(x))
			}
			return strings.Join(parts, ", ")
		default:
			return fmt.Sprint(v)
		}
	}
	r := a.c.Request()
	if r.Form == nil {
		return ""
	}
	if v := r.Form[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (a auditArgs) param(name string) string { return a.c.Param(name) }

// fileName is the name of the uploaded file in field, or "".
func (a auditArgs) fileName(field string) string {
	r := a.c.Request()
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File[field]; len(fhs) > 0 {
			return fhs[0].Filename
		}
	}
	return ""
}

// uploadName is the file name of the import upload of the route's :id.
func (a auditArgs) uploadName() string {
	if j := a.s.deps.Imports; j != nil {
		if u, err := j.Get(a.param("id")); err == nil {
			return u.Name
		}
	}
	return a.param("id")
}

// auditRule names an act: its action, what it acted on and a detail, from the request. It is
// evaluated before the handler runs (an import discarded is gone afterwards).
type auditRule func(a auditArgs) (audit.Action, string, string)

// auditRoutes are the audited routes, "METHOD /path" → rule.
var auditRoutes = map[string]auditRule{
	"POST /annunci": func(a auditArgs) (audit.Action, string, string) {
		name := strings.TrimSpace(a.field("name"))
		if name == "" {
			name = a.fileName("file")
		}
		return audit.Announcement, "annuncio " + name, "caricato"
	},
	"POST /annunci/attiva": func(a auditArgs) (audit.Action, string, string) {
		return audit.Announcement, "annuncio " + a.field("name"), "attivato per " + a.field("slot") + ", fascia " + a.field("band")
	},
	"POST /annunci/elimina": func(a auditArgs) (audit.Action, string, string) {
		return audit.Announcement, "annuncio " + a.field("name"), "eliminato"
	},
	"POST /annunci/ripristina": func(a auditArgs) (audit.Action, string, string) {
		return audit.Announcement, "annunci", "ripristinati dalla copia di sicurezza " + a.fileName("backup")
	},
	"POST /sinonimi": func(a auditArgs) (audit.Action, string, string) {
		return audit.SynonymsChange, "sinonimi", "gruppo aggiunto: " + a.field("termini")
	},
	"POST /sinonimi/elimina": func(a auditArgs) (audit.Action, string, string) {
		return audit.SynonymsChange, "sinonimi", "gruppo eliminato: " + a.field("id")
	},
	"POST /api/synonyms": func(a auditArgs) (audit.Action, string, string) {
		return audit.SynonymsChange, "sinonimi", "gruppo aggiunto: " + a.field("terms")
	},
	"DELETE /api/synonyms/:id": func(a auditArgs) (audit.Action, string, string) {
		return audit.SynonymsChange, "sinonimi", "gruppo eliminato: " + a.param("id")
	},
	"POST /cittadini/:id/unisci": func(a auditArgs) (audit.Action, string, string) {
		return audit.CitizenMerge, "cittadino " + a.param("id"), "unita l'anagrafica " + strings.TrimSpace(a.field("drop"))
	},
	"POST /api/citizens/:id/merge": func(a auditArgs) (audit.Action, string, string) {
		return audit.CitizenMerge, "cittadino " + a.param("id"), "unita l'anagrafica " + a.field("drop")
	},
	"POST /importa/:id/avvia": func(a auditArgs) (audit.Action, string, string) {
		return audit.ImportRun, "file " + a.uploadName(), "importazione avviata (caricamento " + a.param("id") + ")"
	},
	"POST /api/remote/import": func(a auditArgs) (audit.Action, string, string) {
		return audit.ImportRun, "grafo " + a.field("graph"), "importato da " + a.field("url")
	},
	"POST /importa/:id/elimina": func(a auditArgs) (audit.Action, string, string) {
		return audit.ImportDiscard, "file " + a.uploadName(), "caricamento " + a.param("id") + " eliminato senza importare"
	},
}

// downloadsNotExports are downloads that are not exports: one attachment of a ticket opened by
// the staff working on it, the problem report of an import, and the audit log's own exports
// (recorded by its page as audit.export).
var downloadsNotExports = map[string]bool{
	"GET /api/attachments/:id":      true,
	"GET /importa/:id/report.xlsx":  true,
	"GET /amministrazione/registro": true,
	"GET /api/audit":                true,
}

// auditActs is the middleware: it makes the audit log available to handlers (webkit.Audit) and
// records the acts of auditRoutes and the exports once they succeeded.
func (s *Server) auditActs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.deps.Audit == nil {
			return next(c)
		}
		webkit.SetAuditor(c, s.deps.Audit, s.log)
		key := c.Request().Method + " " + c.Path()
		rule := auditRoutes[key]
		var action audit.Action
		var object, detail string
		if rule != nil {
			args := auditArgs{s: s, c: c}
			var err error
			if args.json, err = captureJSON(c); err != nil {
				return err
			}
			action, object, detail = rule(args)
		}
		err := next(c)
		status := c.Response().Status
		if err != nil || status >= 400 || webkit.Failed(c) {
			return err
		}
		switch {
		case rule != nil:
			webkit.Audit(c, action, object, detail)
		case c.Request().Method == http.MethodGet && webkit.UserOf(c) != "" && !downloadsNotExports[key]:
			if cd := c.Response().Header().Get(echo.HeaderContentDisposition); strings.HasPrefix(cd, "attachment") {
				file := ""
				if _, p, err := mime.ParseMediaType(cd); err == nil {
					file = p["filename"]
				}
				webkit.Audit(c, audit.ExportDownload, c.Request().URL.RequestURI(), "file "+file)
			}
		}
		return nil
	}
}

// captureJSON reads a JSON body (already bounded by limitBodies) for an audited route and puts
// it back for the handler; nil for other bodies.
func captureJSON(c echo.Context) (map[string]any, error) {
	r := c.Request()
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" || r.Body == nil {
		return nil, nil
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		// limitBodies turns a body over the limit into its 413.
		return nil, webkit.BadRequest("bad_json", err.Error())
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return map[string]any{}, nil // the handler says what is wrong with it
	}
	return m, nil
}
