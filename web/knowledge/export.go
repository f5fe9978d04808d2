package knowledge

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/web/webkit"
)

// export serves /export/{format}?graph=…: the whole store or one named graph in an RDF syntax,
// or the directory as vCard (KB-5, KB-11, "every list can be exported").
//
// The document is written to memory before the first byte goes out, so that a failure is a
// clean error rather than a truncated file the user takes for complete.
func (h *Handlers) export(c echo.Context) error {
	ctx := c.Request().Context()
	who := webkit.RoleOf(c)
	name := strings.ToLower(c.Param("format"))
	var buf bytes.Buffer
	stamp := time.Now().In(clock.Rome()).Format("20060102")
	if name == "vcard" || name == "vcf" {
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
	if g.Name == "history" && !who.SeesDrafts() {
		// The history names every version, drafts included.
		return webkit.Deny(who)
	}
	// What the caller may read (kb's visibility rule): the public gets published pills,
	// taxonomy and directory, never drafts, history or internal fields.
	opt := kb.ExportOptions{Graph: g.IRI}
	if !who.SeesDrafts() {
		v := kb.Staff
		if who == role.Anonymous {
			v = kb.Anonymous
		}
		opt.Viewer = &v
	}
	if err := h.store.ExportView(ctx, &buf, f, opt); err != nil {
		return webkit.Internal(err)
	}
	file := "sportello"
	if g.Name != "" {
		file += "-" + g.Name
	}
	webkit.Download(c, file+"-"+stamp+f.Ext())
	return c.Blob(http.StatusOK, f.MediaType(), buf.Bytes())
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
