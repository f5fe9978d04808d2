package ingest

// The background import jobs of the web pages (KB-11, KB-13): uploaded workbooks kept under the
// data folder, the mapping choices made on the page, dry runs and imports run one at a time in
// the background with their progress, and the outcome. What the browser sends and sees is the
// web package's (web/imports); the uploads, the jobs and their rules are here.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"sportello/i18n"
	"sportello/kb"
)

const (
	// MaxUploadBytes caps an upload: the Administration's largest workbooks are a few MB; a
	// 100,000-row workbook is about 20 MB.
	MaxUploadBytes = 50 << 20
	// UploadTTL is how long an upload waits for its import before its file is removed.
	UploadTTL = 2 * time.Hour
	// maxUploads bounds the uploads kept at once; the oldest idle one goes first.
	maxUploads = 20
	// sweepEvery is how often Run removes expired uploads.
	sweepEvery = 15 * time.Minute
)

// Run states.
const (
	StateRunning = "running"
	StateDone    = "done"
	StateRefused = "refused" // strict mode found problems: nothing was written
	StateFailed  = "failed"
)

// Jobs keeps the uploaded workbooks of a server and runs their dry runs and imports. One job
// runs at a time, whatever the upload: imports write the whole graph and the machine is shared
// with the operators' searches. Create it with NewJobs; Run sweeps expired uploads and, at
// shutdown, waits for the job in progress.
type Jobs struct {
	// Import runs a job: ImportFile unless a test puts a stand-in here before the first Start.
	Import func(ctx context.Context, store *kb.Store, path string, opt Options) (*Summary, error)

	dir   string
	store *kb.Store
	log   *slog.Logger

	mu      sync.Mutex
	uploads map[string]*upload
	running string // id of the upload whose job is running
	swept   bool   // leftovers of a previous run removed
	wg      sync.WaitGroup
}

// NewJobs keeps uploads under dir (DATA/import) and imports into store.
func NewJobs(dir string, store *kb.Store, log *slog.Logger) *Jobs {
	if log == nil {
		log = slog.Default()
	}
	return &Jobs{Import: ImportFile, dir: dir, store: store, log: log, uploads: map[string]*upload{}}
}

// Dir is the folder of the uploads.
func (j *Jobs) Dir() string { return j.dir }

// upload is one uploaded workbook, stored under DIR/ID/ with its own name so that the
// importer's messages name the file the user knows. Guarded by Jobs.mu once registered.
type upload struct {
	Upload
	dir, path string
	rows      map[string]int // last row of each sheet, counted once for the progress bar
	dry, real *Run
	current   *Run // the latest started of the two
}

// Upload is what the pages show of an uploaded workbook: a copy, safe to read while its job
// runs.
type Upload struct {
	ID      string
	Name    string // file name as uploaded (cleaned)
	User    string
	Created time.Time
	Sheets  []string
	Maps    []Mapping
	Heads   []Problem // problems of header detection (unrecognised sheets)
	Choices Choices   // the latest choices a job was started with
	Dry     *Run      // the latest dry run
	Real    *Run      // the import
	Current *Run      // the latest started of the two
	Removed bool      // the file is gone (imported, or discarded)
}

// Run is one dry run or import: its progress while it runs, its outcome after.
type Run struct {
	DryRun   bool
	State    string // running, done, refused, failed
	Sheet    string
	Done     int // rows read
	Total    int // rows in the workbook, 0 while counting
	Started  time.Time
	Finished time.Time
	Summary  *Summary
	Err      string // why it failed, in Italian
}

// Percent is the progress bar's value.
func (r *Run) Percent() int {
	if r.State != StateRunning {
		return 100
	}
	if r.Total <= 0 {
		return 0
	}
	return min(r.Done*100/r.Total, 99) // the writes after the last row still take a moment
}

// Running reports whether the upload's latest job is still running.
func (u *Upload) Running() bool { return u.Current != nil && u.Current.State == StateRunning }

// StateLabel says in Italian where the upload is.
func (u *Upload) StateLabel() string {
	r := u.Current
	switch {
	case r == nil:
		return i18n.T("import.state.uploaded")
	case r.State == StateRunning && r.DryRun:
		return i18n.T("import.state.dryRunning")
	case r.State == StateRunning:
		return i18n.T("import.state.running")
	case r.DryRun:
		return i18n.T("import.state.dryDone")
	}
	return i18n.T("import.state." + r.State)
}

// Mapping returns the guessed mapping of sheet, or nil for a sheet not recognised.
func (u *Upload) Mapping(sheet string) *Mapping {
	for j := range u.Maps {
		if u.Maps[j].Sheet == sheet {
			return &u.Maps[j]
		}
	}
	return nil
}

// Choices are what the user chose on the mapping form.
type Choices struct {
	Strict bool
	Status kb.Status
	Sheets map[string]SheetChoice // by sheet name
}

// SheetChoice overrides the guess for one sheet.
type SheetChoice struct {
	Kind   string // pills, directory, skip, or "" (detected)
	Header string // "3", "1-2", or "" (detected)
	Cols   map[int]Field
}

// JobError is a refusal of the jobs with a stable code for programs and an Italian message
// for people.
type JobError struct {
	Code string // not_found, no_file, too_large, not_excel, bad_workbook, bad_form, busy, imported, running, no_report
	Msg  string
}

func (e *JobError) Error() string { return e.Msg }

func jobErr(code, key string, args ...any) error {
	return &JobError{Code: code, Msg: i18n.T(key, args...)}
}

// JobErrorCode is the code of a JobError, or "".
func JobErrorCode(err error) string {
	var je *JobError
	if errors.As(err, &je) {
		return je.Code
	}
	return ""
}

// Fields the mapping form offers per kind, in the order of the mapping file documentation.
var (
	pillFields = []Field{FCode, FTitle, FQuestion, FAnswer, FKeywords, FCategory, FSubcategory, FOffice,
		FLegal, FLink, FForms, FUpdated, FValidatedBy, FNotes, FDepartment, FExtra, FIgnore}
	dirFields = []Field{FDepartment, FUnit, FURP, FGivenName, FFamilyName, FFullName, FRole, FExtension,
		FPhone, FEmail, FPEC, FAddress, FHours, FExtra, FIgnore}
)

// FieldsFor lists the fields a column of a sheet of kind k may be mapped to.
func FieldsFor(k Kind) []Field {
	if k == KindDirectory {
		return dirFields
	}
	return pillFields
}

// HeaderRowsText writes header rows as the mapping file does: "3", "1-2".
func HeaderRowsText(rows []int) string {
	s := make([]string, len(rows))
	for i, r := range rows {
		s[i] = strconv.Itoa(r)
	}
	return strings.Join(s, "-")
}

// ColumnLetter is the spreadsheet letter of the 0-based column i: 0 → "A".
func ColumnLetter(i int) string {
	n, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return n
}

// --- uploads ---

// Add stores a workbook sent by user under a fresh id, reading at most MaxUploadBytes of src,
// checks that it is an Excel workbook and reads its sheets and the guessed mapping. A refusal
// is a *JobError with an Italian message naming the file.
func (j *Jobs) Add(rawName string, src io.Reader, user string) (*Upload, error) {
	name, err := cleanName(rawName)
	if err != nil {
		return nil, err
	}
	id := newID()
	u := &upload{dir: filepath.Join(j.dir, id)}
	u.ID, u.Name, u.User, u.Created = id, name, user, time.Now()
	u.path = filepath.Join(u.dir, name)
	n, err := save(u.dir, name, src)
	if err == nil && n > MaxUploadBytes {
		err = TooLarge(name)
	}
	if err == nil {
		err = u.inspect()
	}
	if err != nil {
		_ = os.RemoveAll(u.dir)
		return nil, err
	}
	j.mu.Lock()
	j.sweepLocked(time.Now())
	j.uploads[id] = u
	snap := u.snapshot()
	j.mu.Unlock()
	j.log.Info("import: workbook uploaded", "id", id, "file", name, "bytes", n, "user", user)
	return snap, nil
}

// TooLarge is the refusal of a workbook over MaxUploadBytes ("" when the name is not known
// yet).
func TooLarge(name string) error {
	return jobErr("too_large", "import.err.tooBig", name, MaxUploadBytes>>20)
}

// NoFile is the refusal of a request that carries no workbook.
func NoFile() error { return jobErr("no_file", "import.err.noFile") }

// Get returns a copy of the upload with id; a *JobError not_found when there is none (never
// uploaded, discarded, or expired).
func (j *Jobs) Get(id string) (*Upload, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sweepLocked(time.Now())
	u, ok := j.uploads[id]
	if !ok {
		return nil, jobErr("not_found", "import.err.notFound")
	}
	return u.snapshot(), nil
}

// List returns the uploads kept, newest first.
func (j *Jobs) List() []*Upload {
	j.mu.Lock()
	j.sweepLocked(time.Now())
	out := make([]*Upload, 0, len(j.uploads))
	for _, u := range j.uploads {
		out = append(out, u.snapshot())
	}
	j.mu.Unlock()
	sort.Slice(out, func(a, b int) bool { return out[a].Created.After(out[b].Created) })
	return out
}

// Discard removes an upload and its file; not while its job runs.
func (j *Jobs) Discard(id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	u, ok := j.uploads[id]
	if !ok {
		return jobErr("not_found", "import.err.notFound")
	}
	if j.running == id {
		return jobErr("running", "import.err.running")
	}
	j.dropLocked(u)
	return nil
}

// Problems returns the problems of the import, or of the dry run before it, for the report.
func (j *Jobs) Problems(id string) ([]Problem, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	u, ok := j.uploads[id]
	if !ok {
		return nil, jobErr("not_found", "import.err.notFound")
	}
	for _, r := range []*Run{u.real, u.dry} {
		if r != nil && r.State != StateRunning && r.Summary != nil {
			return r.Summary.Problems, nil
		}
	}
	return nil, jobErr("no_report", "import.err.noReport")
}

// snapshot copies the upload for readers outside the lock. Callers hold mu (or own u).
func (u *upload) snapshot() *Upload {
	s := u.Upload
	cp := func(r *Run) *Run {
		if r == nil {
			return nil
		}
		c := *r
		return &c
	}
	s.Dry, s.Real, s.Current = cp(u.dry), cp(u.real), cp(u.current)
	return &s
}

// --- jobs ---

// Start starts a dry run or the import of upload id with the user's choices in the
// background. Refusals (*JobError): not_found, bad_form (a choice the workbook does not allow,
// named in Italian), imported (the file is gone), busy (another job runs).
func (j *Jobs) Start(id string, ch Choices, dry bool, user string) error {
	j.mu.Lock()
	u, ok := j.uploads[id]
	if !ok {
		j.mu.Unlock()
		return jobErr("not_found", "import.err.notFound")
	}
	opt, err := u.options(ch)
	if err != nil {
		j.mu.Unlock()
		return err
	}
	// The workflow records who imported: the pills' versions and the import step name the
	// signed-in user, as `sportello import --actor` does on the command line.
	opt.Actor = user
	switch {
	case u.Removed:
		j.mu.Unlock()
		return jobErr("imported", "import.err.done")
	case j.running != "":
		j.mu.Unlock()
		return jobErr("busy", "import.err.busy")
	}
	run := &Run{DryRun: dry, State: StateRunning, Started: time.Now()}
	u.Choices = ch
	if dry {
		u.dry = run
	} else {
		u.real = run
	}
	u.current = run
	j.running = id
	j.wg.Add(1)
	j.mu.Unlock()
	j.log.Info("import: started", "id", id, "file", u.Name, "dry_run", dry, "strict", ch.Strict, "status", ch.Status, "user", user)
	go j.run(u, run, opt)
	return nil
}

// Run removes expired uploads every few minutes (and what a previous run of the server left)
// until ctx is done, then waits for the job in progress to finish: an import is one
// transaction, and stopping it half-way would only throw the work away.
func (j *Jobs) Run(ctx context.Context) error {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		j.mu.Lock()
		j.sweepLocked(time.Now())
		j.mu.Unlock()
		select {
		case <-ctx.Done():
			j.wg.Wait()
			return nil
		case <-t.C:
		}
	}
}

// Wait waits for the job in progress, if any.
func (j *Jobs) Wait() { j.wg.Wait() }

// run is the background job. Its own context: the job outlives the request that started it. A
// panic is logged with its stack and becomes an Italian message on the page, never a crash of
// the server.
func (j *Jobs) run(u *upload, run *Run, opt Options) {
	defer j.wg.Done()
	var sum *Summary
	var err error
	defer func() {
		if p := recover(); p != nil {
			j.log.Error("import: panic", "id", u.ID, "file", u.Name, "panic", p, "stack", string(debug.Stack()))
			err = &JobError{Code: "internal", Msg: i18n.T("import.err.internal")}
		}
		j.finish(u, run, sum, err)
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
	j.mu.Lock()
	run.Total = total
	j.mu.Unlock()
	opt.DryRun = run.DryRun
	opt.Progress = func(sheet string, row int) {
		j.mu.Lock()
		defer j.mu.Unlock()
		run.Sheet = sheet
		switch {
		case row >= 0:
			run.Done = base[sheet] + row
		case row == -1:
			run.Done = base[sheet] + rows[sheet]
		}
	}
	sum, err = j.Import(context.Background(), j.store, u.path, opt)
}

func (j *Jobs) finish(u *upload, run *Run, sum *Summary, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	run.Summary, run.Finished = sum, time.Now()
	run.Done = run.Total
	var je *JobError
	switch {
	case errors.Is(err, ErrRefused):
		run.State = StateRefused
	case errors.As(err, &je):
		run.State, run.Err = StateFailed, je.Msg
	case err != nil:
		run.State = StateFailed
		run.Err = i18n.T("import.err.failed", u.clean(err))
	default:
		run.State = StateDone
	}
	if j.running == u.ID {
		j.running = ""
	}
	attrs := []any{"id", u.ID, "file", u.Name, "dry_run", run.DryRun, "state", run.State, "elapsed", run.Finished.Sub(run.Started)}
	if sum != nil {
		attrs = append(attrs, "rows", sum.Rows, "pills_created", sum.Pills.Created, "pills_updated", sum.Pills.Updated, "problems", len(sum.Problems))
	}
	if err != nil && run.State == StateFailed {
		j.log.Error("import: failed", append(attrs, "err", err)...)
	} else {
		j.log.Info("import: finished", attrs...)
	}
	// The workbook has served its purpose once imported; a refused or failed import keeps it
	// so that the user can change the options and try again.
	if !run.DryRun && run.State == StateDone {
		j.removeFiles(u)
	}
}

// countRows reads each sheet once for the progress bar's total; the count is kept, the file
// does not change.
func (u *upload) countRows() (map[string]int, []string, error) {
	if u.rows != nil {
		return u.rows, u.Sheets, nil
	}
	wb, err := OpenFile(u.path)
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

// --- choices → options ---

// options checks the choices against the workbook and turns them into importer options:
// unknown kinds, header rows and fields are refused with the sheet and column named.
func (u *upload) options(ch Choices) (Options, error) {
	opt := Options{Strict: ch.Strict, Status: ch.Status}
	switch ch.Status {
	case "", kb.StatusDraft:
		opt.Status = kb.StatusDraft
	case kb.StatusPublished:
	default:
		return opt, jobErr("bad_form", "import.err.status", string(ch.Status))
	}
	for _, name := range u.Sheets {
		c := ch.Sheets[name]
		switch c.Kind {
		case "", "skip", string(KindPills), string(KindDirectory):
		default:
			return opt, jobErr("bad_form", "import.err.kind", name, c.Kind)
		}
		if c.Header != "" && !validHeader(c.Header) {
			return opt, jobErr("bad_form", "import.err.header", name, c.Header)
		}
		m := u.Mapping(name)
		for col, f := range c.Cols {
			if m == nil {
				continue
			}
			ok := false
			for _, a := range FieldsFor(m.Kind) {
				ok = ok || a == f
			}
			if !ok {
				return opt, jobErr("bad_form", "import.err.field", name, ColumnLetter(col), string(f))
			}
		}
	}
	if text := u.mappingText(ch); text != "" {
		mf, err := ParseMappingFile(i18n.T("import.mappingName"), strings.NewReader(text))
		if err != nil {
			return opt, jobErr("bad_form", "import.err.mapping", err.Error())
		}
		opt.Mapping = mf
	}
	return opt, nil
}

// validHeader accepts what the mapping file's "header =" accepts within the rows header
// detection reads: "3", or two consecutive rows "1-2".
func validHeader(h string) bool {
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
// (MappingFile), so that the web and `sportello import --mapping` share one definition. It
// returns "" when the user changed nothing.
func (u *upload) mappingText(ch Choices) string {
	var b strings.Builder
	for _, name := range u.Sheets {
		c := ch.Sheets[name]
		m := u.Mapping(name)
		var lines []string
		detected := ""
		if m != nil {
			detected = string(m.Kind)
		}
		if c.Kind != "" && c.Kind != detected {
			lines = append(lines, "kind = "+c.Kind)
		}
		if c.Kind != "skip" {
			if c.Header != "" && (m == nil || c.Header != HeaderRowsText(m.HeaderRows)) {
				lines = append(lines, "header = "+c.Header)
			}
			// Column choices are for the kind they were offered for: a sheet switched to the
			// other kind is mapped afresh by the importer.
			if m != nil && (c.Kind == "" || c.Kind == detected) {
				for _, col := range m.Columns {
					if v, ok := c.Cols[col.Index]; ok && v != col.Field {
						lines = append(lines, "@"+ColumnLetter(col.Index)+" = "+string(v))
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

// --- files ---

// sweepLocked drops expired uploads and their files. The first call also removes what a
// previous run of the server left behind. Callers hold mu.
func (j *Jobs) sweepLocked(now time.Time) {
	if !j.swept {
		j.swept = true
		if ents, err := os.ReadDir(j.dir); err == nil {
			for _, e := range ents {
				if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > UploadTTL {
					_ = os.RemoveAll(filepath.Join(j.dir, e.Name()))
				}
			}
		}
	}
	for id, u := range j.uploads {
		if id != j.running && now.Sub(u.Created) > UploadTTL {
			j.dropLocked(u)
		}
	}
	for len(j.uploads) >= maxUploads {
		var oldest *upload
		for id, u := range j.uploads {
			if id != j.running && (oldest == nil || u.Created.Before(oldest.Created)) {
				oldest = u
			}
		}
		if oldest == nil {
			break
		}
		j.dropLocked(oldest)
	}
}

func (j *Jobs) dropLocked(u *upload) {
	j.removeFiles(u)
	delete(j.uploads, u.ID)
}

func (j *Jobs) removeFiles(u *upload) {
	if err := os.RemoveAll(u.dir); err != nil {
		j.log.Warn("import: cannot remove upload", "dir", u.dir, "err", err)
	}
	u.Removed = true
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// save copies at most MaxUploadBytes+1 bytes into dir/name.
func save(dir, name string, r io.Reader) (int64, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, io.LimitReader(r, MaxUploadBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// cleanName keeps the base name of an uploaded file, without control characters or
// separators, and accepts only spreadsheets (.xlsx, .xls, .ods, .csv), as the command line does.
func cleanName(raw string) (string, error) {
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
	case ".xlsx", ".xls", ".ods", ".csv":
	default:
		shown := raw
		if name != "" {
			shown = name
		}
		if rs := []rune(shown); len(rs) > 120 {
			shown = string(rs[:120]) + "…"
		}
		return "", jobErr("not_excel", "import.err.notExcel", shown)
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
// (ShowMapping), with the first rows of each sheet.
func (u *upload) inspect() error {
	// A spreadsheet that is not text must be a zip (.xlsx, .ods) or an OLE file (.xls): one whose
	// content is not what its extension says is refused here, naming it. A CSV is text.
	if !strings.EqualFold(filepath.Ext(u.Name), ".csv") {
		head := make([]byte, 8)
		f, err := os.Open(u.path)
		if err != nil {
			return err
		}
		n, _ := io.ReadFull(f, head)
		f.Close()
		head = head[:n]
		if !bytes.HasPrefix(head, []byte("PK")) && !bytes.Equal(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) {
			return jobErr("bad_workbook", "import.err.notWorkbook", u.Name)
		}
	}
	wb, err := OpenFile(u.path)
	if err != nil {
		return jobErr("bad_workbook", "import.err.unreadable", u.Name, u.clean(err))
	}
	u.Sheets = append([]string(nil), wb.Sheets()...)
	wb.Close()
	maps, problems, err := ShowMapping(u.path, Options{})
	if err != nil {
		return jobErr("bad_workbook", "import.err.unreadable", u.Name, u.clean(err))
	}
	u.Maps, u.Heads = maps, problems
	return nil
}

// clean removes the upload's folder from an error message: the user knows the file by name.
func (u *upload) clean(err error) string {
	return strings.ReplaceAll(strings.ReplaceAll(err.Error(), u.dir+string(filepath.Separator), ""), u.dir, "")
}
