package semantic

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"sportello/harvest"
	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/web/webkit"
)

// WithRemote enables the administrators' import of RDF from a URL (package harvest).
func (h *Handlers) WithRemote(store *kb.Store, f *harvest.Fetcher) *Handlers {
	h.store, h.remote = store, f
	return h
}

type remoteImport struct {
	URL   string `json:"url"`
	Graph string `json:"graph"`
}

// remoteRoutes: only administrators feed the graph from the web.
func (h *Handlers) remoteRoutes() []webkit.Route {
	return []webkit.Route{webkit.POST("/api/remote/import", []role.Role{role.Administrator}, h.importURL)}
}

// importURL serves POST /api/remote/import {"url", "graph"}: the RDF document at url into named
// graph graph, in one transaction, while the server runs (KB-3, KB-7).
func (h *Handlers) importURL(c echo.Context) error {
	if h.remote == nil || h.store == nil {
		return webkit.NotFound("err.notFound")
	}
	var in remoteImport
	if err := c.Bind(&in); err != nil || in.URL == "" {
		return webkit.BadRequest("bad_request", i18n.T("remote.err.body"))
	}
	n, err := harvest.ImportURL(c.Request().Context(), h.store, h.remote, in.URL, in.Graph)
	var he *harvest.Error
	switch {
	case errors.Is(err, harvest.ErrReservedGraph):
		return webkit.Forbidden("reserved_graph", err.Error())
	case errors.As(err, &he):
		return &webkit.HTTPError{Status: http.StatusUnprocessableEntity, Code: "remote_error", Msg: err.Error(), Err: err}
	case err != nil:
		return webkit.Internal(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"url": in.URL, "graph": in.Graph, "statements": n})
}
