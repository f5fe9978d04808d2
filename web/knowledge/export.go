package knowledge

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/web/webkit"
)

// DefaultMaxExports bounds the RDF exports running at once: each keeps a core busy walking the
// whole store (2–6 s per million statements, README) while operators search.
const DefaultMaxExports = 2

// ExportRetry is when a refused export is worth trying again: a whole-store export of a large
// knowledge base takes tens of seconds.
const ExportRetry = 30 * time.Second

// export serves /export/{format}?graph=…: the whole store or one named graph in an RDF syntax,
// or the directory as vCard (KB-5, KB-11, "every list can be exported").
//
// What goes out is what the caller may see (kb's visibility rule through webkit.ViewerOf):
// the public gets the published pills in force without internal fields, the taxonomy, the
// directory, the ontology and the vocabularies; operators, back office, level 2 and
// supervisors the same with the internal fields; editorial roles everything, the history
// included.
//
// The RDF document streams from the store to the client in flat memory (kb.Store.ExportView),
// through a gate of a few at once (webkit.Gate: 503 with Retry-After past it). Everything that
// can be refused is checked before the first byte; a failure after it cuts the connection, so
// that the download fails visibly instead of ending as a file that looks complete.
func (h *Handlers) export(c echo.Context) error {
	ctx := c.Request().Context()
	who := webkit.RoleOf(c)
	name := strings.ToLower(c.Param("format"))
	stamp := time.Now().In(clock.Rome()).Format("20060102")
	if name == "vcard" || name == "vcf" {
		// The directory is small and public: written to memory, so a failure is a clean error.
		var buf bytes.Buffer
		if err := h.store.ExportVCard(ctx, &buf); err != nil {
			return webkit.Internal(err)
		}
		webkit.Download(c, "sportello-rubrica-"+stamp+".vcf")
		return c.Blob(http.StatusOK, "text/vcard; charset=utf-8", buf.Bytes())
	}
	f, err := rdf.ParseFormat(name)
	if err != nil {
		return &webkit.HTTPError{Status: http.StatusNotFound, Code: "unknown_format", Msg: i18n.T("err.badFormat")}
	}
	g, err := resolveGraph(c.QueryParam("graph"))
	if err != nil {
		return err
	}
	v := webkit.ViewerOf(who)
	if g.Name == "history" && !v.Drafts {
		// The history names every version, drafts included.
		return webkit.Deny(who)
	}
	release, err := h.exports.Enter(c)
	if err != nil {
		return err
	}
	defer release()
	file := "sportello"
	if g.Name != "" {
		file += "-" + g.Name
	}
	out := &lazyDownload{c: c, file: file + "-" + stamp + f.Ext(), mediaType: f.MediaType()}
	err = h.store.ExportView(ctx, out, f, kb.ExportOptions{Graph: g.IRI, Viewer: &v})
	switch {
	case err == nil:
		out.start() // an empty graph is an empty file
		return nil
	case !out.started:
		return webkit.Internal(err)
	case ctx.Err() != nil:
		return nil // the client went away
	}
	h.log.Error("export cut short", "format", f.Ext(), "graph", g.Name, "role", who, "err", err)
	panic(http.ErrAbortHandler) // net/http closes the connection without ending the body
}

// lazyDownload sends the download's headers with its first byte, so that an export failing
// before it is still a clean error page.
type lazyDownload struct {
	c         echo.Context
	file      string
	mediaType string
	started   bool
}

func (d *lazyDownload) start() {
	if d.started {
		return
	}
	d.started = true
	webkit.Download(d.c, d.file)
	d.c.Response().Header().Set(echo.HeaderContentType, d.mediaType)
	d.c.Response().WriteHeader(http.StatusOK)
}

func (d *lazyDownload) Write(p []byte) (int, error) {
	d.start()
	return d.c.Response().Write(p)
}

// resolveGraph accepts a short name (taxonomy, content, …) or the graph's IRI; empty means the
// whole store.
func resolveGraph(v string) (exportGraph, error) {
	if v == "" {
		return exportGraph{}, nil
	}
	for _, g := range exportGraphs {
		if v == g.Name || v == g.IRI {
			return g, nil
		}
	}
	return exportGraph{}, webkit.BadRequest("unknown_graph", i18n.T("err.badGraph"))
}
