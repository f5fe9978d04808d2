// Package imports is the web side of the legacy Excel import (issue 3; REQUIREMENTS KB-11,
// KB-13): an administrator or a publisher uploads a workbook, checks the mapping ingest guessed
// for each sheet against its first rows, corrects it, runs a dry run, and then imports for real
// in a background job whose progress the page polls. The uploads, the jobs and the importer are
// package ingest (ingest.Jobs); this package reads the requests and renders the pages.
package imports

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/ingest"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/web/webkit"
)

// Handlers serve the import pages.
type Handlers struct {
	jobs  *ingest.Jobs
	pages *webkit.Pages
}

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Static is this package's assets (import.js, import.css), under static/.
func Static() fs.FS { return static }

// New returns the handlers of the import pages on jobs.
func New(site *webkit.Site, jobs *ingest.Jobs) *Handlers {
	return &Handlers{jobs: jobs, pages: site.Pages(templates, nil)}
}

// shown caps the rows of the summary and problem tables on the page: the full problem
// report is the .xlsx download.
const shown = 500

// roles may import: the people who write pills (KB-14) and the administrators.
var roles = []role.Role{role.Administrator, role.Publisher}

// importRoutes are the routes of issue 3, registered by New after the main table; their role
// walk is TestImportRoutesRoles.
// Routes are the import pages and their API.
func (h *Handlers) Routes() []webkit.Route {
	return []webkit.Route{
		webkit.GET("/importa", roles, h.page),
		webkit.POST("/importa", roles, h.upload),
		webkit.GET("/importa/:id", roles, h.uploadPage),
		webkit.POST("/importa/:id/prova", roles, h.dryRun),
		webkit.POST("/importa/:id/avvia", roles, h.start),
		webkit.POST("/importa/:id/elimina", roles, h.discard),
		webkit.GET("/importa/:id/report.xlsx", roles, h.report),
		webkit.GET("/api/import/:id", roles, h.apiImport),
	}
}

// jobErr turns a refusal of the jobs into an HTTP error with its Italian message.
func jobErr(err error) error {
	var je *ingest.JobError
	if !errors.As(err, &je) {
		return webkit.Internal(err)
	}
	status := http.StatusBadRequest
	switch je.Code {
	case "not_found", "no_report":
		status = http.StatusNotFound
	case "too_large":
		status = http.StatusRequestEntityTooLarge
	case "busy", "imported", "running":
		status = http.StatusConflict
	}
	return &webkit.HTTPError{Status: status, Code: je.Code, Msg: je.Msg, Err: err}
}

// byID returns the upload of the request's :id, or a 404.
func (h *Handlers) byID(c echo.Context) (*ingest.Upload, error) {
	u, err := h.jobs.Get(c.Param("id"))
	if err != nil {
		return nil, jobErr(err)
	}
	return u, nil
}

// --- pages ---

type pageData struct {
	webkit.FormBase
	Error   string
	MaxMB   int
	Uploads []listItem
}

type listItem struct {
	ID, Name, User, State string
	Created               time.Time
}

// page is the upload form and the uploads waiting or done.
func (h *Handlers) page(c echo.Context) error {
	return h.renderImportPage(c, http.StatusOK, "")
}

func (h *Handlers) renderImportPage(c echo.Context, status int, errText string) error {
	d := pageData{Error: errText, MaxMB: ingest.MaxUploadBytes >> 20}
	d.FormBase = webkit.FormOf(c)
	for _, u := range h.jobs.List() {
		d.Uploads = append(d.Uploads, listItem{ID: u.ID, Name: u.Name, User: u.User, State: u.StateLabel(), Created: u.Created})
	}
	return h.pages.RenderStatus(c, status, "import", webkit.PageData{Title: i18n.T("import.title"), Nav: "import", Data: d})
}

// uploadError answers a failed upload: the upload page again with the Italian message, or
// JSON for API clients.
func (h *Handlers) uploadError(c echo.Context, status int, code, text string) error {
	if webkit.WantsJSON(c.Request()) {
		return &webkit.HTTPError{Status: status, Code: code, Msg: text}
	}
	return h.renderImportPage(c, status, text)
}

// upload receives the workbook and hands it to the jobs (ingest.Jobs.Add). The body is
// streamed rather than parsed in memory; when a middleware has already parsed the form (to read
// the CSRF field) the parsed file is used instead.
func (h *Handlers) upload(c echo.Context) error {
	user := webkit.UserOf(c)
	u, err := h.receiveWorkbook(c, user)
	if err != nil {
		he, ok := jobErr(err).(*webkit.HTTPError)
		if !ok || he.Status >= 500 {
			return jobErr(err)
		}
		return h.uploadError(c, he.Status, he.Code, he.Msg)
	}
	if webkit.WantsJSON(c.Request()) {
		return c.JSON(http.StatusCreated, map[string]any{"id": u.ID, "file": u.Name, "page": "/importa/" + u.ID, "sheets": u.Sheets})
	}
	return c.Redirect(http.StatusSeeOther, "/importa/"+u.ID)
}

// receiveWorkbook passes the "file" part of the request to the jobs.
func (h *Handlers) receiveWorkbook(c echo.Context, user string) (*ingest.Upload, error) {
	r := c.Request()
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return nil, ingest.NoFile()
	}
	if r.MultipartForm != nil {
		fhs := r.MultipartForm.File["file"]
		if len(fhs) == 0 || fhs[0].Filename == "" {
			return nil, ingest.NoFile()
		}
		fh := fhs[0]
		if fh.Size > ingest.MaxUploadBytes {
			return nil, ingest.TooLarge(fh.Filename)
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return h.jobs.Add(fh.Filename, f, user)
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, ingest.MaxUploadBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, ingest.NoFile()
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, ingest.NoFile()
		}
		if err != nil {
			return nil, tooBigOr(err, "", ingest.NoFile())
		}
		if p.FormName() != "file" || p.FileName() == "" {
			p.Close()
			continue
		}
		u, err := h.jobs.Add(p.FileName(), p, user)
		p.Close()
		if err != nil {
			return nil, tooBigOr(err, p.FileName(), err)
		}
		return u, nil
	}
}

// tooBigOr is the too-large refusal when the request body went over the limit, other otherwise.
func tooBigOr(err error, name string, other error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return ingest.TooLarge(name)
	}
	return other
}

// --- the upload's page: mapping form, dry run, progress, summary ---

type option struct{ Value, Label string }

type colView struct {
	Index          int
	Letter, Header string
	Field          string // chosen (or guessed)
	Guess          string
	Score          int
}

type sheetView struct {
	Index      int
	Name       string
	Recognised bool
	Kind       string // chosen (or detected)
	Detected   string
	Header     string // chosen (or detected)
	Guessed    string // detected header rows
	Columns    []colView
	Preview    [][]string
	Fields     []option
	Problem    string
}

type view struct {
	webkit.FormBase
	ID, Name   string
	User       string
	Created    time.Time
	Removed    bool
	CanPublish bool
	Strict     bool
	Published  bool
	Sheets     []sheetView
	Kinds      []option
	Heads      []ingest.Problem
	Current    *ingest.Run
	Running    bool
	Dry        *runView
	Real       *runView
	Error      string
}

type runView struct {
	*ingest.Run
	Items     []ingest.Item
	MoreItems int
	Problems  []ingest.Problem
	More      int
	Report    string
}

func newImportRunView(id string, r *ingest.Run) *runView {
	if r == nil || r.State == ingest.StateRunning {
		return nil
	}
	v := &runView{Run: r}
	if r.Summary == nil {
		return v
	}
	for _, it := range r.Summary.Items {
		if it.Action == ingest.Unchanged {
			continue
		}
		if len(v.Items) == shown {
			v.MoreItems++
			continue
		}
		v.Items = append(v.Items, it)
	}
	v.Problems = r.Summary.Problems
	if len(v.Problems) > shown {
		v.More = len(v.Problems) - shown
		v.Problems = v.Problems[:shown]
	}
	v.Report = "/importa/" + id + "/report.xlsx"
	return v
}

func (h *Handlers) uploadPage(c echo.Context) error {
	u, err := h.byID(c)
	if err != nil {
		return err
	}
	return h.renderUpload(c, u, http.StatusOK, "")
}

func (h *Handlers) renderUpload(c echo.Context, u *ingest.Upload, status int, errText string) error {
	v := view{ID: u.ID, Name: u.Name, User: u.User, Created: u.Created, Removed: u.Removed,
		CanPublish: webkit.RoleOf(c) == role.Administrator, Strict: u.Choices.Strict, Published: u.Choices.Status == kb.StatusPublished,
		Heads: u.Heads, Error: errText, Current: u.Current, Running: u.Running(),
		Dry: newImportRunView(u.ID, u.Dry), Real: newImportRunView(u.ID, u.Real), Sheets: sheetViews(u)}
	v.FormBase = webkit.FormOf(c)
	v.Kinds = []option{
		{"", i18n.T("import.kind.auto")}, {string(ingest.KindPills), i18n.T("import.kind.pills")},
		{string(ingest.KindDirectory), i18n.T("import.kind.directory")}, {"skip", i18n.T("import.kind.skip")},
	}
	return h.pages.RenderStatus(c, status, "importjob", webkit.PageData{Title: i18n.T("import.titleFile", u.Name), Nav: "import", Data: v})
}

// sheetViews lays out the form: every sheet of the workbook, with its guessed mapping and the
// user's last choices.
func sheetViews(u *ingest.Upload) []sheetView {
	var out []sheetView
	for i, name := range u.Sheets {
		sv := sheetView{Index: i, Name: name}
		ch := u.Choices.Sheets[name]
		for _, p := range u.Heads {
			if p.Sheet == name && p.Row == 0 {
				sv.Problem = p.Problem
			}
		}
		if m := u.Mapping(name); m != nil {
			sv.Recognised = true
			sv.Detected = string(m.Kind)
			sv.Kind = sv.Detected
			sv.Guessed = ingest.HeaderRowsText(m.HeaderRows)
			sv.Header = sv.Guessed
			sv.Preview = m.Preview
			for _, f := range ingest.FieldsFor(m.Kind) {
				sv.Fields = append(sv.Fields, option{string(f), i18n.T("import.field." + string(f))})
			}
			for _, col := range m.Columns {
				cv := colView{Index: col.Index, Letter: ingest.ColumnLetter(col.Index), Header: col.Header,
					Field: string(col.Field), Guess: string(col.Field), Score: col.Score}
				if f, ok := ch.Cols[col.Index]; ok {
					cv.Field = string(f)
				}
				sv.Columns = append(sv.Columns, cv)
			}
		}
		if ch.Kind != "" {
			sv.Kind = ch.Kind
		}
		if ch.Header != "" {
			sv.Header = ch.Header
		}
		out = append(out, sv)
	}
	return out
}

// choices reads the mapping form; ingest checks the choices against the workbook.
// Publishing without the validator's approval (KB-12, KB-14) is for the Administration's legacy
// base validated before: administrators only.
func choices(c echo.Context, u *ingest.Upload) (ingest.Choices, error) {
	ch := ingest.Choices{Strict: c.FormValue("strict") != "", Status: kb.Status(c.FormValue("status")), Sheets: map[string]ingest.SheetChoice{}}
	if ch.Status == kb.StatusPublished && webkit.RoleOf(c) != role.Administrator {
		return ch, webkit.BadRequest("bad_form", i18n.T("import.err.publish"))
	}
	for i, name := range u.Sheets {
		sc := ingest.SheetChoice{Kind: c.FormValue(fmt.Sprintf("kind_%d", i)),
			Header: strings.TrimSpace(c.FormValue(fmt.Sprintf("header_%d", i))), Cols: map[int]ingest.Field{}}
		if m := u.Mapping(name); m != nil {
			for _, col := range m.Columns {
				if v := c.FormValue(fmt.Sprintf("col_%d_%d", i, col.Index)); v != "" {
					sc.Cols[col.Index] = ingest.Field(v)
				}
			}
		}
		ch.Sheets[name] = sc
	}
	return ch, nil
}

func (h *Handlers) dryRun(c echo.Context) error { return h.startRun(c, true) }
func (h *Handlers) start(c echo.Context) error  { return h.startRun(c, false) }

// startRun starts a dry run or the import in the background and sends the browser to the
// upload's page, which shows the progress bar.
func (h *Handlers) startRun(c echo.Context, dry bool) error {
	u, err := h.byID(c)
	if err != nil {
		return err
	}
	ch, err := choices(c, u)
	if err == nil {
		user := webkit.UserOf(c)
		err = h.jobs.Start(u.ID, ch, dry, user)
	}
	if err != nil {
		var he *webkit.HTTPError
		if !errors.As(err, &he) {
			he, _ = jobErr(err).(*webkit.HTTPError)
		}
		if he.Status >= 500 || webkit.WantsJSON(c.Request()) {
			return he
		}
		return h.renderUpload(c, u, he.Status, he.Msg)
	}
	if webkit.WantsJSON(c.Request()) {
		return c.JSON(http.StatusAccepted, map[string]string{"id": u.ID, "status": "/api/import/" + u.ID})
	}
	return c.Redirect(http.StatusSeeOther, "/importa/"+u.ID)
}

// discard removes an upload and its file.
func (h *Handlers) discard(c echo.Context) error {
	u, err := h.byID(c)
	if err != nil {
		return err
	}
	if err := h.jobs.Discard(u.ID); err != nil {
		he, _ := jobErr(err).(*webkit.HTTPError)
		if webkit.WantsJSON(c.Request()) || he.Status >= 500 {
			return he
		}
		return h.renderUpload(c, u, he.Status, he.Msg)
	}
	if webkit.WantsJSON(c.Request()) {
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, "/importa")
}

// report downloads the problem report of the import, or of the dry run before it, as
// a workbook (issue 3, point 5).
func (h *Handlers) report(c echo.Context) error {
	u, err := h.byID(c)
	if err != nil {
		return err
	}
	problems, err := h.jobs.Problems(u.ID)
	if err != nil {
		return jobErr(err)
	}
	var buf bytes.Buffer
	if err := ingest.WriteProblemsXLSX(&buf, problems); err != nil {
		return webkit.Internal(err)
	}
	base := strings.TrimSuffix(u.Name, filepath.Ext(u.Name))
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", "problemi-"+asciiName(base)+".xlsx"))
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

// asciiName keeps a download name safe in a header.
func asciiName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.') {
			return r
		}
		return '_'
	}, s)
}

// --- JSON ---

type Counts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	// Conflicts: pills edited in Sportello since their last import; the imported text is kept
	// aside for the publisher and the pill does not change (rows left out).
	Conflicts int `json:"conflicts"`
}

type Summary struct {
	Rows     int     `json:"rows"`
	Pills    Counts  `json:"pills"`
	Concepts Counts  `json:"concepts"`
	Units    Counts  `json:"units"`
	People   Counts  `json:"people"`
	Linked   int     `json:"linked"`
	Problems int     `json:"problems"`
	Blocking int     `json:"blocking"`
	LeftOut  int     `json:"rowsLeftOut"` // rows not taken, each a problem naming its row
	Refused  bool    `json:"refused"`
	Elapsed  float64 `json:"elapsedSeconds"`
}

type Status struct {
	ID       string   `json:"id"`
	File     string   `json:"file"`
	State    string   `json:"state"` // idle, running, done, refused, failed
	DryRun   bool     `json:"dryRun"`
	Sheet    string   `json:"sheet,omitempty"`
	Done     int      `json:"done"`
	Total    int      `json:"total"`
	Percent  int      `json:"percent"`
	Label    string   `json:"label"`
	Text     string   `json:"text,omitempty"` // "500 righe lette su 1620 — Foglio «Salute»", for the page
	Error    string   `json:"error,omitempty"`
	Summary  *Summary `json:"summary,omitempty"`
	Report   string   `json:"report,omitempty"`
	Imported bool     `json:"imported"`
}

func countsOf(c ingest.Counts) Counts {
	return Counts{c.Created, c.Updated, c.Unchanged, c.Skipped, c.Conflicts}
}

// apiImport is the progress the page polls: GET /api/import/{id}.
func (h *Handlers) apiImport(c echo.Context) error {
	u, err := h.byID(c)
	if err != nil {
		return err
	}
	out := Status{ID: u.ID, File: u.Name, State: "idle", Label: u.StateLabel(),
		Imported: u.Real != nil && u.Real.State == ingest.StateDone}
	if r := u.Current; r != nil {
		out.State, out.DryRun, out.Sheet, out.Done, out.Total, out.Percent, out.Error =
			r.State, r.DryRun, r.Sheet, r.Done, r.Total, r.Percent(), r.Err
		if r.Total > 0 {
			out.Text = i18n.N("import.progressRows", r.Done, r.Total)
			if r.Sheet != "" {
				out.Text += " — " + i18n.T("import.sheet", r.Sheet)
			}
		}
		if sum := r.Summary; sum != nil && r.State != ingest.StateRunning {
			out.Summary = &Summary{Rows: sum.Rows, Pills: countsOf(sum.Pills), Concepts: countsOf(sum.Concepts),
				Units: countsOf(sum.Units), People: countsOf(sum.People), Linked: sum.Linked,
				Problems: len(sum.Problems), Blocking: sum.Blocking(), LeftOut: sum.RowsLeftOut(), Refused: sum.Refused, Elapsed: r.Finished.Sub(r.Started).Seconds()}
			out.Report = "/importa/" + u.ID + "/report.xlsx"
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
