//go:build tools

// This file pins the project's direct dependencies in go.mod while the packages that use them
// are being written, so that parallel work never races on go.mod. The module proxy here refuses
// version lists for some modules: always add a dependency with `go get module@version`.
package sportello

import (
	_ "github.com/blevesearch/bleve/v2"
	_ "github.com/cayleygraph/cayley"
	_ "github.com/cayleygraph/quad"
	_ "github.com/chromedp/chromedp"
	_ "github.com/emersion/go-vcard"
	_ "github.com/emiago/sipgo"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/knakk/rdf"
	_ "github.com/labstack/echo/v4"
	_ "github.com/microcosm-cc/bluemonday"
	_ "github.com/pion/rtp"
	_ "github.com/piprate/json-gold/ld"
	_ "github.com/rickar/cal/v2"
	_ "github.com/xuri/excelize/v2"
	_ "golang.org/x/crypto/bcrypt"
	_ "golang.org/x/text/unicode/norm"
	_ "modernc.org/sqlite"
)
