package web

// import (issue 3): the web side of the legacy Excel import (REQUIREMENTS KB-11, KB-13). An
// administrator or a publisher uploads a workbook, checks the mapping ingest guessed for each
// sheet against its first rows, corrects it, runs a dry run, and then imports for real in a
// background job whose progress the page polls. The importer itself is package ingest; this
// file only turns the form into an ingest.MappingFile and keeps the uploads and their jobs.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"sportello/i18n"
	"sportello/ingest"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/web/webkit"
)

const (
	// maxImportBytes caps an upload: the Administration's largest workbooks are a few MB; a
	// 100,000-row workbook is about 20 MB.
	maxImportBytes = 50 << 20
	// importTTL is how long an upload waits for its import before its file is removed.
	importTTL = 2 * time.Hour
	// maxImportUploads bounds the uploads kept at once; the oldest idle one goes first.
	maxImportUploads = 20
	// importShown caps the rows of the summary and problem tables on the page: the full
	// problem report is the .xlsx download.
	importShown = 500
)

// importRoles may import: the people who write pills (KB-14) and the administrators.
var importRoles = []role.Role{role.Administrator, role.Publisher}

// importRoutes are the routes of issue 3, registered by New after the main table; their role
// walk is TestImportRoutesRoles.
var importRoutes = []Route{
	{http.MethodGet, "/importa", importRoles, (*Server).importPage},
	{http.MethodPost, "/importa", importRoles, (*Server).importUpload},
	{http.MethodGet, "/importa/:id", importRoles, (*Server).importUploadPage},
	{http.MethodPost, "/importa/:id/prova", importRoles, (*Server).importDryRun},
	{http.MethodPost, "/importa/:id/avvia", importRoles, (*Server).importStart},
	{http.MethodPost, "/importa/:id/elimina", importRoles, (*Server).importDiscard},
	{http.MethodGet, "/importa/:id/report.xlsx", importRoles, (*Server).importReport},
	{http.MethodGet, "/api/import/:id", importRoles, (*Server).apiImport},
}

// importJobs keeps the uploads of this server. Its zero value is ready: the map is made on
// first use. One job runs at a time, whatever the upload: imports write the whole graph and the
// machine is shared with the operators' searches.
type importJobs struct {
	mu      sync.Mutex
	uploads map[string]*importUpload
	running string // id of the upload whose job is running
	swept   bool   // leftovers of a previous run removed
}

// importUpload is one uploaded workbook, stored under DATA/import/ID/ with its own name so
// that ingest's messages name the file the user knows.
type importUpload struct {
	ID      string
	Name    string // file name as uploaded (cleaned)
	Dir     string
	Path    string
	User    string
	Created time.Time
	Sheets  []string
	Maps    []ingest.Mapping
	Heads   []ingest.Problem // problems of header detection (unrecognised sheets)
	rows    map[string]int   // last row of each sheet, counted once for the progress bar

	// Guarded by importJobs.mu.
	Form    importForm
	Dry     *importRun // the latest dry run
	Real    *importRun // the import
	current *importRun // the latest started of the two
	Removed bool       // the file is gone (imported, or discarded)
}

// importRun is one dry run or import: its progress while it runs, its outcome after.
type importRun struct {
	DryRun   bool
	State    string // running, done, refused, failed
	Sheet    string
	Done     int // rows read
	Total    int // rows in the workbook, 0 while counting
	Started  time.Time
	Finished time.Time
	Summary  *ingest.Summary
	Err      string
}

// Percent is the progress bar's value.
func (r *importRun) Percent() int {
	if r.State != "running" {
		return 100
	}
	if r.Total <= 0 {
		return 0
	}
	p := r.Done * 100 / r.Total
	return min(p, 99) // the writes after the last row still take a moment
}

// importForm is what the user chose on the mapping form.
type importForm struct {
	Strict bool
	Status kb.Status
	Sheets map[string]importSheetChoice // by sheet name
}

type importSheetChoice struct {
	Kind   string // pills, directory, skip, or "" (detected)
	Header string // "3", "1-2", or "" (detected)
	Cols   map[int]ingest.Field
}

// Fields the form offers per kind, in the order of the mapping file documentation.
var (
	importPillFields = []ingest.Field{ingest.FCode, ingest.FTitle, ingest.FQuestion, ingest.FAnswer, ingest.FKeywords,
		ingest.FCategory, ingest.FSubcategory, ingest.FOffice, ingest.FLegal, ingest.FLink, ingest.FForms,
		ingest.FUpdated, ingest.FValidatedBy, ingest.FNotes, ingest.FDepartment, ingest.FExtra, ingest.FIgnore}
	importDirFields = []ingest.Field{ingest.FDepartment, ingest.FUnit, ingest.FURP, ingest.FGivenName, ingest.FFamilyName,
		ingest.FFullName, ingest.FRole, ingest.FExtension, ingest.FPhone, ingest.FEmail, ingest.FPEC,
		ingest.FAddress, ingest.FHours, ingest.FExtra, ingest.FIgnore}
)

func importFields(k ingest.Kind) []ingest.Field {
	if k == ingest.KindDirectory {
		return importDirFields
	}
	return importPillFields
}

// --- registry ---

func (s *Server) importDir() string {
	if s.cfg.DataDir != "" {
		return filepath.Join(s.cfg.DataDir, "import")
	}
	return filepath.Join(os.TempDir(), "sportello-import")
}

// sweepLocked drops expired uploads and their files. The first call also removes what a
// previous run of the server left behind. Callers hold mu.
func (s *Server) sweepLocked(now time.Time) {
	j := &s.imports
	if j.uploads == nil {
		j.uploads = map[string]*importUpload{}
	}
	if !j.swept {
		j.swept = true
		if ents, err := os.ReadDir(s.importDir()); err == nil {
			for _, e := range ents {
				if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > importTTL {
					_ = os.RemoveAll(filepath.Join(s.importDir(), e.Name()))
				}
			}
		}
	}
	for id, u := range j.uploads {
		if id != j.running && now.Sub(u.Created) > importTTL {
			s.dropLocked(u)
		}
	}
	for len(j.uploads) >= maxImportUploads {
		var oldest *importUpload
		for id, u := range j.uploads {
			if id != j.running && (oldest == nil || u.Created.Before(oldest.Created)) {
				oldest = u
			}
		}
		if oldest == nil {
			break
		}
		s.dropLocked(oldest)
	}
}

func (s *Server) dropLocked(u *importUpload) {
	s.removeFiles(u)
	delete(s.imports.uploads, u.ID)
}

func (s *Server) removeFiles(u *importUpload) {
	if err := os.RemoveAll(u.Dir); err != nil {
		s.log.Warn("import: cannot remove upload", "dir", u.Dir, "err", err)
	}
	u.Removed = true
}

// importByID returns the upload of the request's :id, or a 404.
func (s *Server) importByID(c echo.Context) (*importUpload, error) {
	s.imports.mu.Lock()
	defer s.imports.mu.Unlock()
	s.sweepLocked(time.Now())
	u, ok := s.imports.uploads[c.Param("id")]
	if !ok {
		return nil, notFound("import.err.notFound")
	}
	return u, nil
}

func newImportID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// --- pages ---

type importPageData struct {
	CSRF, Field string
	Error       string
	MaxMB       int
	Uploads     []importListItem
}

type importListItem struct {
	ID, Name, User, State string
	Created               time.Time
}

func importCSRF(c echo.Context) (token, field string) {
	if sess := webkit.FromContext(c.Request().Context()); sess != nil {
		return sess.CSRF, webkit.CSRFField
	}
	return "", webkit.CSRFField
}

// importPage is the upload form and the uploads waiting or done.
func (s *Server) importPage(c echo.Context) error {
	return s.renderImportPage(c, http.StatusOK, "")
}

func (s *Server) renderImportPage(c echo.Context, status int, errText string) error {
	d := importPageData{Error: errText, MaxMB: maxImportBytes >> 20}
	d.CSRF, d.Field = importCSRF(c)
	s.imports.mu.Lock()
	s.sweepLocked(time.Now())
	for _, u := range s.imports.uploads {
		d.Uploads = append(d.Uploads, importListItem{ID: u.ID, Name: u.Name, User: u.User, State: u.stateLabel(), Created: u.Created})
	}
	s.imports.mu.Unlock()
	sort.Slice(d.Uploads, func(i, j int) bool { return d.Uploads[i].Created.After(d.Uploads[j].Created) })
	return s.renderStatus(c, status, "import", pageData{Title: i18n.T("import.title"), Nav: "import", Data: d})
}

// stateLabel says in Italian where an upload is. Callers hold mu.
func (u *importUpload) stateLabel() string {
	r := u.current
	switch {
	case r == nil:
		return i18n.T("import.state.uploaded")
	case r.State == "running" && r.DryRun:
		return i18n.T("import.state.dryRunning")
	case r.State == "running":
		return i18n.T("import.state.running")
	case r.DryRun:
		return i18n.T("import.state.dryDone")
	}
	return i18n.T("import.state." + r.State)
}

// uploadError answers a failed upload: the upload page again with the Italian message, or
// JSON for API clients.
func (s *Server) uploadError(c echo.Context, status int, code, text string) error {
	if wantsJSON(c.Request()) {
		return &httpError{Status: status, Code: code, Msg: text}
	}
	return s.renderImportPage(c, status, text)
}

// importUpload receives the workbook. The body is streamed to a file under the data folder
// rather than parsed in memory; when a middleware has already parsed the form (to read the
// CSRF field) the parsed file is copied instead.
func (s *Server) importUpload(c echo.Context) error {
	r := c.Request()
	id := newImportID()
	dir := filepath.Join(s.importDir(), id)
	name, size, err := s.receiveWorkbook(c, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		var ue *importUploadErr
		if errors.As(err, &ue) {
			return s.uploadError(c, ue.status, ue.code, ue.msg)
		}
		return internal(err)
	}
	path := filepath.Join(dir, name)
	u := &importUpload{ID: id, Name: name, Dir: dir, Path: path, Created: time.Now()}
	u.User, _ = c.Get(ctxUser).(string)
	if err := u.inspect(); err != nil {
		_ = os.RemoveAll(dir)
		return s.uploadError(c, http.StatusBadRequest, "bad_workbook", err.Error())
	}
	s.imports.mu.Lock()
	s.sweepLocked(time.Now())
	s.imports.uploads[id] = u
	s.imports.mu.Unlock()
	s.log.Info("import: workbook uploaded", "id", id, "file", name, "bytes", size, "user", u.User)
	if wantsJSON(r) {
		return c.JSON(http.StatusCreated, map[string]any{"id": id, "file": name, "page": "/importa/" + id, "sheets": u.Sheets})
	}
	return c.Redirect(http.StatusSeeOther, "/importa/"+id)
}

type importUploadErr struct {
	status int
	code   string
	msg    string
}

func (e *importUploadErr) Error() string { return e.msg }

func importBad(code, key string, args ...any) error {
	status := http.StatusBadRequest
	if code == "too_large" {
		status = http.StatusRequestEntityTooLarge
	}
	return &importUploadErr{status, code, i18n.T(key, args...)}
}

// receiveWorkbook writes the "file" part of the request to dir and returns its cleaned name.
func (s *Server) receiveWorkbook(c echo.Context, dir string) (string, int64, error) {
	r := c.Request()
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return "", 0, importBad("no_file", "import.err.noFile")
	}
	if r.MultipartForm != nil {
		fhs := r.MultipartForm.File["file"]
		if len(fhs) == 0 || fhs[0].Filename == "" {
			return "", 0, importBad("no_file", "import.err.noFile")
		}
		fh := fhs[0]
		name, err := importCheckName(fh.Filename)
		if err != nil {
			return "", 0, err
		}
		if fh.Size > maxImportBytes {
			return "", 0, importBad("too_large", "import.err.tooBig", name, maxImportBytes>>20)
		}
		f, err := fh.Open()
		if err != nil {
			return "", 0, err
		}
		defer f.Close()
		n, err := importSave(dir, name, f)
		return name, n, err
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxImportBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return "", 0, importBad("no_file", "import.err.noFile")
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return "", 0, importBad("no_file", "import.err.noFile")
		}
		if err != nil {
			return "", 0, importTooBigOr(err, "", importBad("no_file", "import.err.noFile"))
		}
		if p.FormName() != "file" || p.FileName() == "" {
			p.Close()
			continue
		}
		name, err := importCheckName(p.FileName())
		if err != nil {
			return "", 0, err
		}
		n, err := importSave(dir, name, p)
		p.Close()
		if err != nil {
			return "", 0, importTooBigOr(err, name, err)
		}
		if n > maxImportBytes {
			return "", 0, importBad("too_large", "import.err.tooBig", name, maxImportBytes>>20)
		}
		return name, n, nil
	}
}

func importTooBigOr(err error, name string, other error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return importBad("too_large", "import.err.tooBig", name, maxImportBytes>>20)
	}
	return other
}

// importSave copies at most maxImportBytes+1 bytes into dir/name.
func importSave(dir, name string, r io.Reader) (int64, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, io.LimitReader(r, maxImportBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// importCheckName keeps the base name of an uploaded file, without control characters or
// separators, and accepts only Excel workbooks.
func importCheckName(raw string) (string, error) {
	name := raw
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	ext := filepath.Ext(name)
	switch strings.ToLower(ext) {
	case ".xlsx", ".xls":
	default:
		shown := raw
		if name != "" {
			shown = name
		}
		if rs := []rune(shown); len(rs) > 120 {
			shown = string(rs[:120]) + "…"
		}
		return "", importBad("not_excel", "import.err.notExcel", shown)
	}
	if rs := []rune(name); len(rs) > 120 {
		name = string(rs[:120-len(ext)]) + ext // ext is ASCII: checked above
	}
	if strings.TrimSuffix(name, filepath.Ext(name)) == "" || name == "." || name == ".." {
		name = "cartella" + strings.ToLower(filepath.Ext(name))
	}
	return name, nil
}

// inspect checks that the file is a workbook and reads its sheets and the guessed mapping
// (ingest.ShowMapping), with the first rows of each sheet.
func (u *importUpload) inspect() error {
	head := make([]byte, 8)
	f, err := os.Open(u.Path)
	if err != nil {
		return err
	}
	n, _ := io.ReadFull(f, head)
	f.Close()
	head = head[:n]
	if !bytes.HasPrefix(head, []byte("PK")) && !bytes.Equal(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) {
		return errors.New(i18n.T("import.err.notWorkbook", u.Name))
	}
	wb, err := ingest.OpenFile(u.Path)
	if err != nil {
		return errors.New(i18n.T("import.err.unreadable", u.Name, u.clean(err)))
	}
	u.Sheets = append([]string(nil), wb.Sheets()...)
	wb.Close()
	maps, problems, err := ingest.ShowMapping(u.Path, ingest.Options{})
	if err != nil {
		return errors.New(i18n.T("import.err.unreadable", u.Name, u.clean(err)))
	}
	u.Maps, u.Heads = maps, problems
	return nil
}

// clean removes the upload's folder from an error message: the user knows the file by name.
func (u *importUpload) clean(err error) string {
	return strings.ReplaceAll(strings.ReplaceAll(err.Error(), u.Dir+string(filepath.Separator), ""), u.Dir, "")
}

// --- the upload's page: mapping form, dry run, progress, summary ---

type importOption struct{ Value, Label string }

type importColView struct {
	Index          int
	Letter, Header string
	Field          string // chosen (or guessed)
	Guess          string
	Score          int
}

type importSheetView struct {
	Index      int
	Name       string
	Recognised bool
	Kind       string // chosen (or detected)
	Detected   string
	Header     string // chosen (or detected)
	Guessed    string // detected header rows
	Columns    []importColView
	Preview    [][]string
	Fields     []importOption
	Problem    string
}

type importView struct {
	CSRF, Field string
	ID, Name    string
	User        string
	Created     time.Time
	Removed     bool
	CanPublish  bool
	Strict      bool
	Published   bool
	Sheets      []importSheetView
	Kinds       []importOption
	Heads       []ingest.Problem
	Current     *importRun
	Running     bool
	Dry         *importRunView
	Real        *importRunView
	Error       string
}

type importRunView struct {
	*importRun
	Items     []ingest.Item
	MoreItems int
	Problems  []ingest.Problem
	More      int
	Report    string
}

func newImportRunView(id string, r *importRun) *importRunView {
	if r == nil {
		return nil
	}
	v := &importRunView{importRun: r}
	if r.Summary == nil {
		return v
	}
	for _, it := range r.Summary.Items {
		if it.Action == ingest.Unchanged {
			continue
		}
		if len(v.Items) == importShown {
			v.MoreItems++
			continue
		}
		v.Items = append(v.Items, it)
	}
	v.Problems = r.Summary.Problems
	if len(v.Problems) > importShown {
		v.More = len(v.Problems) - importShown
		v.Problems = v.Problems[:importShown]
	}
	v.Report = "/importa/" + id + "/report.xlsx"
	return v
}

func (s *Server) importUploadPage(c echo.Context) error {
	u, err := s.importByID(c)
	if err != nil {
		return err
	}
	return s.renderUpload(c, u, http.StatusOK, "")
}

func (s *Server) renderUpload(c echo.Context, u *importUpload, status int, errText string) error {
	s.imports.mu.Lock()
	v := importView{ID: u.ID, Name: u.Name, User: u.User, Created: u.Created, Removed: u.Removed,
		CanPublish: roleOf(c) == role.Administrator, Strict: u.Form.Strict, Published: u.Form.Status == kb.StatusPublished,
		Heads: u.Heads, Error: errText, Current: u.current}
	if u.current != nil {
		cur := *u.current
		v.Current = &cur
		v.Running = cur.State == "running"
	}
	if u.Dry != nil && u.Dry.State != "running" {
		d := *u.Dry
		v.Dry = newImportRunView(u.ID, &d)
	}
	if u.Real != nil && u.Real.State != "running" {
		r := *u.Real
		v.Real = newImportRunView(u.ID, &r)
	}
	v.Sheets = u.sheetViews()
	s.imports.mu.Unlock()
	v.CSRF, v.Field = importCSRF(c)
	v.Kinds = []importOption{
		{"", i18n.T("import.kind.auto")}, {string(ingest.KindPills), i18n.T("import.kind.pills")},
		{string(ingest.KindDirectory), i18n.T("import.kind.directory")}, {"skip", i18n.T("import.kind.skip")},
	}
	return s.renderStatus(c, status, "importjob", pageData{Title: i18n.T("import.titleFile", u.Name), Nav: "import", Data: v})
}

// sheetViews lays out the form: every sheet of the workbook, with its guessed mapping and the
// user's last choices. Callers hold mu.
func (u *importUpload) sheetViews() []importSheetView {
	var out []importSheetView
	for i, name := range u.Sheets {
		sv := importSheetView{Index: i, Name: name}
		ch := u.Form.Sheets[name]
		var m *ingest.Mapping
		for j := range u.Maps {
			if u.Maps[j].Sheet == name {
				m = &u.Maps[j]
			}
		}
		for _, p := range u.Heads {
			if p.Sheet == name && p.Row == 0 {
				sv.Problem = p.Problem
			}
		}
		if m != nil {
			sv.Recognised = true
			sv.Detected = string(m.Kind)
			sv.Kind = sv.Detected
			sv.Guessed = importHeaderRows(m.HeaderRows)
			sv.Header = sv.Guessed
			sv.Preview = m.Preview
			for _, f := range importFields(m.Kind) {
				sv.Fields = append(sv.Fields, importOption{string(f), i18n.T("import.field." + string(f))})
			}
			for _, col := range m.Columns {
				cv := importColView{Index: col.Index, Letter: importColLetter(col.Index), Header: col.Header,
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

func importHeaderRows(rows []int) string {
	s := make([]string, len(rows))
	for i, r := range rows {
		s[i] = strconv.Itoa(r)
	}
	return strings.Join(s, "-")
}

func importColLetter(i int) string {
	n, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return n
}

// parseImportForm reads the mapping form. Unknown kinds and fields are refused with the sheet
// and column named.
func (u *importUpload) parseImportForm(c echo.Context, who role.Role) (importForm, error) {
	f := importForm{Strict: c.FormValue("strict") != "", Status: kb.StatusDraft, Sheets: map[string]importSheetChoice{}}
	switch kb.Status(c.FormValue("status")) {
	case "", kb.StatusDraft:
	case kb.StatusPublished:
		// Publishing without the validator's approval (KB-12, KB-14) is for the
		// Administration's legacy base validated before: administrators only.
		if who != role.Administrator {
			return f, errors.New(i18n.T("import.err.publish"))
		}
		f.Status = kb.StatusPublished
	default:
		return f, errors.New(i18n.T("import.err.status", c.FormValue("status")))
	}
	for i, name := range u.Sheets {
		ch := importSheetChoice{Cols: map[int]ingest.Field{}}
		switch k := c.FormValue(fmt.Sprintf("kind_%d", i)); k {
		case "", "skip", string(ingest.KindPills), string(ingest.KindDirectory):
			ch.Kind = k
		default:
			return f, errors.New(i18n.T("import.err.kind", name, k))
		}
		if h := strings.TrimSpace(c.FormValue(fmt.Sprintf("header_%d", i))); h != "" {
			if !importValidHeader(h) {
				return f, errors.New(i18n.T("import.err.header", name, h))
			}
			ch.Header = h
		}
		for _, m := range u.Maps {
			if m.Sheet != name {
				continue
			}
			allowed := importFields(m.Kind)
			for _, col := range m.Columns {
				v := c.FormValue(fmt.Sprintf("col_%d_%d", i, col.Index))
				if v == "" {
					continue
				}
				ok := false
				for _, a := range allowed {
					ok = ok || string(a) == v
				}
				if !ok {
					return f, errors.New(i18n.T("import.err.field", name, importColLetter(col.Index), v))
				}
				ch.Cols[col.Index] = ingest.Field(v)
			}
		}
		f.Sheets[name] = ch
	}
	return f, nil
}

// importValidHeader accepts what the mapping file's "header =" accepts within the rows header
// detection reads: "3", or two consecutive rows "1-2".
func importValidHeader(h string) bool {
	a, b, two := strings.Cut(h, "-")
	first, err := strconv.Atoi(strings.TrimSpace(a))
	if err != nil || first < 1 || first > 30 {
		return false
	}
	if !two {
		return true
	}
	last, err := strconv.Atoi(strings.TrimSpace(b))
	return err == nil && last == first+1 && last <= 30
}

// mappingText writes the choices that differ from the guess in the mapping file format
// (ingest.MappingFile), so that the web and `sportello import --mapping` share one
// definition. It returns "" when the user changed nothing.
func (u *importUpload) mappingText(f importForm) string {
	var b strings.Builder
	for _, name := range u.Sheets {
		ch := f.Sheets[name]
		var m *ingest.Mapping
		for j := range u.Maps {
			if u.Maps[j].Sheet == name {
				m = &u.Maps[j]
			}
		}
		var lines []string
		detected := ""
		if m != nil {
			detected = string(m.Kind)
		}
		if ch.Kind != "" && ch.Kind != detected {
			lines = append(lines, "kind = "+ch.Kind)
		}
		if ch.Kind != "skip" {
			if ch.Header != "" && (m == nil || ch.Header != importHeaderRows(m.HeaderRows)) {
				lines = append(lines, "header = "+ch.Header)
			}
			// Column choices are for the kind they were offered for: a sheet switched to the
			// other kind is mapped afresh by the importer.
			if m != nil && (ch.Kind == "" || ch.Kind == detected) {
				for _, col := range m.Columns {
					if v, ok := ch.Cols[col.Index]; ok && v != col.Field {
						lines = append(lines, "@"+importColLetter(col.Index)+" = "+string(v))
					}
				}
			}
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(&b, "[%s]\n%s\n", name, strings.Join(lines, "\n"))
	}
	return b.String()
}

func (u *importUpload) options(f importForm) (ingest.Options, error) {
	opt := ingest.Options{Strict: f.Strict, Status: f.Status}
	if text := u.mappingText(f); text != "" {
		mf, err := ingest.ParseMappingFile(i18n.T("import.mappingName"), strings.NewReader(text))
		if err != nil {
			return opt, errors.New(i18n.T("import.err.mapping", err.Error()))
		}
		opt.Mapping = mf
	}
	return opt, nil
}

func (s *Server) importDryRun(c echo.Context) error { return s.startRun(c, true) }
func (s *Server) importStart(c echo.Context) error  { return s.startRun(c, false) }

// startRun starts a dry run or the import in the background and sends the browser to the
// upload's page, which shows the progress bar.
func (s *Server) startRun(c echo.Context, dry bool) error {
	u, err := s.importByID(c)
	if err != nil {
		return err
	}
	form, err := u.parseImportForm(c, roleOf(c))
	if err != nil {
		return s.runError(c, u, http.StatusBadRequest, "bad_form", err.Error())
	}
	opt, err := u.options(form)
	if err != nil {
		return s.runError(c, u, http.StatusBadRequest, "bad_form", err.Error())
	}
	s.imports.mu.Lock()
	switch {
	case u.Removed:
		s.imports.mu.Unlock()
		return s.runError(c, u, http.StatusConflict, "imported", i18n.T("import.err.done"))
	case s.imports.running != "":
		s.imports.mu.Unlock()
		return s.runError(c, u, http.StatusConflict, "busy", i18n.T("import.err.busy"))
	}
	run := &importRun{DryRun: dry, State: "running", Started: time.Now()}
	u.Form = form
	if dry {
		u.Dry = run
	} else {
		u.Real = run
	}
	u.current = run
	s.imports.running = u.ID
	s.imports.mu.Unlock()
	user, _ := c.Get(ctxUser).(string)
	s.log.Info("import: started", "id", u.ID, "file", u.Name, "dry_run", dry, "strict", form.Strict, "status", form.Status, "user", user)
	go s.runImport(u, run, opt)
	if wantsJSON(c.Request()) {
		return c.JSON(http.StatusAccepted, map[string]string{"id": u.ID, "status": "/api/import/" + u.ID})
	}
	return c.Redirect(http.StatusSeeOther, "/importa/"+u.ID)
}

func (s *Server) runError(c echo.Context, u *importUpload, status int, code, text string) error {
	if wantsJSON(c.Request()) {
		return &httpError{Status: status, Code: code, Msg: text}
	}
	return s.renderUpload(c, u, status, text)
}

// runImport is the background job. Its own context: the job outlives the request that
// started it.
func (s *Server) runImport(u *importUpload, run *importRun, opt ingest.Options) {
	var sum *ingest.Summary
	var err error
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
		s.finishRun(u, run, sum, err)
	}()
	rows, order, err := u.countRows()
	if err != nil {
		return
	}
	base := map[string]int{}
	total := 0
	for _, sh := range order {
		base[sh] = total
		total += rows[sh]
	}
	s.imports.mu.Lock()
	run.Total = total
	s.imports.mu.Unlock()
	opt.DryRun = run.DryRun
	opt.Progress = func(sheet string, row int) {
		s.imports.mu.Lock()
		defer s.imports.mu.Unlock()
		run.Sheet = sheet
		switch {
		case row >= 0:
			run.Done = base[sheet] + row
		case row == -1:
			run.Done = base[sheet] + rows[sheet]
		}
	}
	sum, err = ingest.ImportFile(context.Background(), s.store, u.Path, opt)
}

func (s *Server) finishRun(u *importUpload, run *importRun, sum *ingest.Summary, err error) {
	s.imports.mu.Lock()
	defer s.imports.mu.Unlock()
	run.Summary, run.Finished = sum, time.Now()
	run.Done = run.Total
	switch {
	case errors.Is(err, ingest.ErrRefused):
		run.State = "refused"
	case err != nil:
		run.State = "failed"
		run.Err = i18n.T("import.err.failed", u.clean(err))
	default:
		run.State = "done"
	}
	if s.imports.running == u.ID {
		s.imports.running = ""
	}
	attrs := []any{"id", u.ID, "file", u.Name, "dry_run", run.DryRun, "state", run.State, "elapsed", run.Finished.Sub(run.Started)}
	if sum != nil {
		attrs = append(attrs, "rows", sum.Rows, "pills_created", sum.Pills.Created, "pills_updated", sum.Pills.Updated, "problems", len(sum.Problems))
	}
	if err != nil && run.State == "failed" {
		s.log.Error("import: failed", append(attrs, "err", err)...)
	} else {
		s.log.Info("import: finished", attrs...)
	}
	// The workbook has served its purpose once imported; a refused or failed import keeps it
	// so that the user can change the options and try again.
	if !run.DryRun && run.State == "done" {
		s.removeFiles(u)
	}
}

// countRows reads each sheet once for the progress bar's total; the count is kept, the file
// does not change.
func (u *importUpload) countRows() (map[string]int, []string, error) {
	if u.rows != nil {
		return u.rows, u.Sheets, nil
	}
	wb, err := ingest.OpenFile(u.Path)
	if err != nil {
		return nil, nil, err
	}
	defer wb.Close()
	rows := map[string]int{}
	for _, sh := range wb.Sheets() {
		it, err := wb.Rows(sh)
		if err != nil {
			return nil, nil, err
		}
		last := 0
		for it.Next() {
			last = it.Row().Num
		}
		err = it.Err()
		it.Close()
		if err != nil {
			return nil, nil, err
		}
		rows[sh] = last
	}
	u.rows = rows
	return rows, wb.Sheets(), nil
}

// importDiscard removes an upload and its file.
func (s *Server) importDiscard(c echo.Context) error {
	u, err := s.importByID(c)
	if err != nil {
		return err
	}
	s.imports.mu.Lock()
	if s.imports.running == u.ID {
		s.imports.mu.Unlock()
		return s.runError(c, u, http.StatusConflict, "busy", i18n.T("import.err.running"))
	}
	s.dropLocked(u)
	s.imports.mu.Unlock()
	if wantsJSON(c.Request()) {
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, "/importa")
}

// importReport downloads the problem report of the import, or of the dry run before it, as
// a workbook (issue 3, point 5).
func (s *Server) importReport(c echo.Context) error {
	u, err := s.importByID(c)
	if err != nil {
		return err
	}
	s.imports.mu.Lock()
	var run *importRun
	for _, r := range []*importRun{u.Real, u.Dry} {
		if r != nil && r.State != "running" && r.Summary != nil {
			run = r
			break
		}
	}
	var problems []ingest.Problem
	if run != nil {
		problems = run.Summary.Problems
	}
	s.imports.mu.Unlock()
	if run == nil {
		return notFound("import.err.noReport")
	}
	var buf bytes.Buffer
	if err := ingest.WriteProblemsXLSX(&buf, problems); err != nil {
		return internal(err)
	}
	base := strings.TrimSuffix(u.Name, filepath.Ext(u.Name))
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", "problemi-"+importASCIIName(base)+".xlsx"))
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

// importASCIIName keeps a download name safe in a header.
func importASCIIName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.') {
			return r
		}
		return '_'
	}, s)
}

// --- JSON ---

type importCountsJSON struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
}

type importSummaryJSON struct {
	Rows     int              `json:"rows"`
	Pills    importCountsJSON `json:"pills"`
	Concepts importCountsJSON `json:"concepts"`
	Units    importCountsJSON `json:"units"`
	People   importCountsJSON `json:"people"`
	Linked   int              `json:"linked"`
	Problems int              `json:"problems"`
	Blocking int              `json:"blocking"`
	Refused  bool             `json:"refused"`
	Elapsed  float64          `json:"elapsedSeconds"`
}

type importStatusJSON struct {
	ID       string             `json:"id"`
	File     string             `json:"file"`
	State    string             `json:"state"` // idle, running, done, refused, failed
	DryRun   bool               `json:"dryRun"`
	Sheet    string             `json:"sheet,omitempty"`
	Done     int                `json:"done"`
	Total    int                `json:"total"`
	Percent  int                `json:"percent"`
	Label    string             `json:"label"`
	Text     string             `json:"text,omitempty"` // "500 righe lette su 1620 — Foglio «Salute»", for the page
	Error    string             `json:"error,omitempty"`
	Summary  *importSummaryJSON `json:"summary,omitempty"`
	Report   string             `json:"report,omitempty"`
	Imported bool               `json:"imported"`
}

func importCounts(c ingest.Counts) importCountsJSON {
	return importCountsJSON{c.Created, c.Updated, c.Unchanged, c.Skipped}
}

// apiImport is the progress the page polls: GET /api/import/{id}.
func (s *Server) apiImport(c echo.Context) error {
	u, err := s.importByID(c)
	if err != nil {
		return err
	}
	s.imports.mu.Lock()
	out := importStatusJSON{ID: u.ID, File: u.Name, State: "idle", Label: u.stateLabel(),
		Imported: u.Real != nil && u.Real.State == "done"}
	if r := u.current; r != nil {
		out.State, out.DryRun, out.Sheet, out.Done, out.Total, out.Percent, out.Error =
			r.State, r.DryRun, r.Sheet, r.Done, r.Total, r.Percent(), r.Err
		if r.Total > 0 {
			out.Text = i18n.N("import.progressRows", r.Done, r.Total)
			if r.Sheet != "" {
				out.Text += " — " + i18n.T("import.sheet", r.Sheet)
			}
		}
		if sum := r.Summary; sum != nil && r.State != "running" {
			out.Summary = &importSummaryJSON{Rows: sum.Rows, Pills: importCounts(sum.Pills), Concepts: importCounts(sum.Concepts),
				Units: importCounts(sum.Units), People: importCounts(sum.People), Linked: sum.Linked,
				Problems: len(sum.Problems), Blocking: sum.Blocking(), Refused: sum.Refused, Elapsed: r.Finished.Sub(r.Started).Seconds()}
			out.Report = "/importa/" + u.ID + "/report.xlsx"
		}
	}
	s.imports.mu.Unlock()
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
