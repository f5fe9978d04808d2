package web

import (
	"embed"
	"html/template"
	"maps"
	"net/http"

	"github.com/labstack/echo/v4"

	"sportello/web/webkit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageFuncs are the template functions of this package's pages beyond webkit's.
func pageFuncs() template.FuncMap {
	out := template.FuncMap{}
	for _, m := range []template.FuncMap{searchFuncs} {
		maps.Copy(out, m)
	}
	return out
}

// render writes page with status 200.
func (s *Server) render(c echo.Context, page string, d webkit.PageData) error {
	return s.pages.RenderStatus(c, http.StatusOK, page, d)
}

// renderStatus renders page with status.
func (s *Server) renderStatus(c echo.Context, status int, page string, d webkit.PageData) error {
	return s.pages.RenderStatus(c, status, page, d)
}
