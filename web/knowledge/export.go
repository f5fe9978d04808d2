package knowledge

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/ontology"
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
	src := h.store
	if !who.SeesDrafts() && (g.IRI == "" || g.IRI == ontology.GraphContent) {
		pub, err := h.publicCopy(ctx)
		if err != nil {
			return webkit.Internal(err)
		}
		defer pub.Close()
		src = pub
	}
	if err := src.Export(ctx, &buf, f, g.IRI); err != nil {
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

// publicCopy is the store as the public may see it: every graph but the history, without the
// pills that are not published. It goes through the store's own export and import, so what
// comes out is exactly what a full export would hold, less what is not public. The copy lives
// in memory: fine at the scale of one Administration's knowledge base (thousands of pills); a
// store-level filter is the way forward if it ever is not.
func (h *Handlers) publicCopy(ctx context.Context) (*kb.Store, error) {
	mem, err := kb.OpenMemory()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for _, g := range exportGraphs {
		if g.Name == "history" {
			continue
		}
		buf.Reset()
		if err := h.store.Export(ctx, &buf, rdf.NQuads, g.IRI); err != nil {
			mem.Close()
			return nil, fmt.Errorf("export %s: %w", g.Name, err)
		}
		if buf.Len() == 0 {
			continue
		}
		if _, err := mem.Import(ctx, &buf, rdf.NQuads, kb.ImportOptions{Graph: g.IRI, File: g.Name + ".nq"}); err != nil {
			mem.Close()
			return nil, fmt.Errorf("copy %s: %w", g.Name, err)
		}
	}
	pills, err := mem.Pills(ctx, kb.PillFilter{})
	if err != nil {
		mem.Close()
		return nil, err
	}
	for _, p := range pills {
		if p.Status == kb.StatusPublished {
			continue
		}
		if err := mem.DeletePill(ctx, p.IRI); err != nil {
			mem.Close()
			return nil, fmt.Errorf("drop %s: %w", p.IRI, err)
		}
	}
	return mem, nil
}
