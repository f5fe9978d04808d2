package ingest

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strings"
	"time"

	"sportello/internal/htmltext"
	"sportello/kb"
)

// Record is one pill row of a workbook, parsed but not yet linked to the graph: the plan step
// resolves its category, department and office against the store.
type Record struct {
	Sheet       string
	Row         int
	Pill        kb.Pill // texts, keywords, links, dates; no IRI, concepts or units yet
	Category    string
	Subcategory string
	Office      string // the competent office as written
	Department  string // the department column, when the sheet has one; else the sheet name
	HasDate     bool   // the row had a usable "last update" date
}

// DirRecord is one row of a phone directory.
type DirRecord struct {
	Sheet      string
	Row        int
	Department string
	Unit       kb.Unit   // name, URP flag, contacts of the office
	Person     kb.Person // empty names when the row has no person
}

// scanOptions steer one pass over a workbook.
type scanOptions struct {
	Mapping  *MappingFile
	Kind     Kind // force every sheet to this kind; "" detects per sheet
	Progress func(sheet string, rows int)
	Preview  int // keep this many data rows of each sheet on its Mapping
	Pill     func(Record) error
	Dir      func(DirRecord) error
	// Skip names sheets left out on request; Directory lets columns of office and people names
	// be recognised by their values.
	Skip      []string
	Directory *Directory
}

// scanResult is what a pass learned besides the rows.
type scanResult struct {
	Mappings []Mapping
	Problems []Problem
	Rows     int // data rows read (not counting empty rows)
}

type seenCode struct {
	sheet string
	row   int
	key   uint64 // hash of the folded title and answer: a map of 100,000 codes stays small
}

// scan reads every sheet row by row, detects its header and kind, turns rows into records and
// reports what it cannot use. It holds one row (plus the first rows of a sheet, for header
// detection) at a time; duplicated codes are caught through a map of code → first row.
func scan(wb *Workbook, opt scanOptions) (*scanResult, error) {
	res := &scanResult{}
	codes := map[string]seenCode{}
	for _, sheet := range wb.Sheets() {
		if err := scanSheet(wb, sheet, opt, res, codes); err != nil {
			return res, err
		}
	}
	return res, nil
}

func scanSheet(wb *Workbook, sheet string, opt scanOptions, res *scanResult, codes map[string]seenCode) error {
	report := func(p Problem) {
		p.File, p.Sheet = wb.Name, sheet
		res.Problems = append(res.Problems, p)
	}
	if skipSheet(opt.Skip, sheet) {
		return nil
	}
	if ov := opt.Mapping.override(sheet); ov != nil && ov.Skip {
		return nil
	}
	it, err := wb.Rows(sheet)
	if err != nil {
		return err
	}
	defer it.Close()
	head, err := readHead(it)
	if err != nil {
		return err
	}
	d, err := decideSheet(wb.Name, sheet, head, it.Merges, opt)
	if err != nil {
		return err
	}
	switch d.status {
	case SheetEmpty, SheetNotes:
		return nil // the first pass reported notes sheets
	case SheetUnmapped:
		// The import's first pass stops on it before writing; a scan that gets here (the
		// parser's own tests) must not leave it out quietly either.
		return &UnmappedError{File: wb.Name, Sheets: []SheetPreview{{Sheet: sheet, Status: d.status, Mapping: d.m, Missing: d.missing, Message: d.message}}}
	}
	m := d.m
	res.Mappings = append(res.Mappings, m)

	start := m.DataStart()
	headerKeys := map[string]bool{}
	headerLen := 0
	for _, c := range m.Columns {
		headerKeys[foldKey(c.Header)] = true
		headerLen = max(headerLen, len(c.Header))
	}
	sc := &sheetScan{wb: wb, m: m, report: report, codes: codes, opt: opt, headerKeys: headerKeys, headerLen: headerLen}
	fill := newMergeFill(it, start)
	handle := func(r Row) error {
		if r.Num < start {
			if n, _ := distinctValues(r); n >= 3 && !slices.Contains(m.HeaderRows, r.Num) {
				// Title rows and notes above the header are expected; a row of a table is not.
				report(Problem{Row: r.Num, Severity: Error, Problem: "riga con dati sopra l'intestazione",
					Action: "riga non importata: spostarla sotto l'intestazione o indicare la riga d'intestazione nel file di mappatura (header = N)"})
			}
			return nil
		}
		r = fill.apply(r)
		if r.empty() {
			return nil
		}
		if mp := &res.Mappings[len(res.Mappings)-1]; len(mp.Preview) < opt.Preview {
			row := make([]string, len(m.Columns))
			for i, c := range m.Columns {
				row[i] = oneLine(r.cell(c.Index).Value)
			}
			mp.Preview = append(mp.Preview, row)
		}
		res.Rows++
		if opt.Progress != nil && res.Rows%500 == 0 {
			opt.Progress(sheet, r.Num)
		}
		if m.Kind == KindDirectory {
			return sc.dirRow(r)
		}
		return sc.pillRow(r)
	}
	for _, r := range head {
		if err := handle(r); err != nil {
			return err
		}
	}
	head = nil
	for it.Next() {
		if err := handle(it.Row()); err != nil {
			return err
		}
	}
	if opt.Progress != nil {
		opt.Progress(sheet, -1)
	}
	return it.Err()
}

// mergeFill gives the value of a cell merged down several data rows (a category written once
// for a block of pills) to every row of the block. Only the first column of the range is
// filled: the others are covered, not separate fields. Merges are taken from the iterator as it
// learns them (an .ods declares a range on the cell that starts it).
type mergeFill struct {
	it     *RowIter
	seen   int
	start  int
	byTop  map[int][]Merge
	active []Merge
	values map[Merge]Cell
}

func newMergeFill(it *RowIter, start int) *mergeFill {
	return &mergeFill{it: it, start: start, byTop: map[int][]Merge{}, values: map[Merge]Cell{}}
}

func (f *mergeFill) apply(r Row) Row {
	for ; f.seen < len(f.it.Merges); f.seen++ {
		if m := f.it.Merges[f.seen]; m.Top >= f.start && m.Bottom > m.Top && m.Top >= r.Num {
			f.byTop[m.Top] = append(f.byTop[m.Top], m)
		}
	}
	if len(f.byTop) == 0 && len(f.active) == 0 {
		return r
	}
	for _, m := range f.byTop[r.Num] {
		f.values[m] = r.cell(m.Left - 1)
		f.active = append(f.active, m)
	}
	delete(f.byTop, r.Num)
	kept := f.active[:0]
	for _, m := range f.active {
		if r.Num > m.Bottom {
			delete(f.values, m)
			continue
		}
		kept = append(kept, m)
		if r.Num == m.Top {
			continue
		}
		col := m.Left - 1
		for len(r.Cells) <= col {
			r.Cells = append(r.Cells, Cell{})
		}
		if r.Cells[col].Value == "" {
			r.Cells[col] = f.values[m]
		}
	}
	f.active = kept
	return r
}

func allEmpty(rows []Row) bool {
	for _, r := range rows {
		if !r.empty() {
			return false
		}
	}
	return true
}

type sheetScan struct {
	wb         *Workbook
	m          Mapping
	opt        scanOptions
	report     func(Problem)
	codes      map[string]seenCode
	headerKeys map[string]bool
	headerLen  int    // length of the longest header
	section    string // the last section title row seen
}

// value is the cleaned text of a field's cell.
func (s *sheetScan) value(r Row, f Field) string {
	return cleanText(r.cell(s.m.col(f)).Value)
}

func (s *sheetScan) column(f Field) string {
	i := s.m.col(f)
	for _, c := range s.m.Columns {
		if c.Index == i {
			return colName(i) + " (" + c.Header + ")"
		}
	}
	return colName(i)
}

// isRepeatedHeader spots the header pasted again between blocks of rows.
func (s *sheetScan) isRepeatedHeader(r Row) bool {
	n, hits := 0, 0
	for _, c := range r.Cells {
		if strings.TrimSpace(c.Value) == "" {
			continue
		}
		n++
		// Folding only shortens a text: a cell much longer than every header is not one.
		if len(c.Value) <= 4*s.headerLen+16 && s.headerKeys[foldKey(c.Value)] {
			hits++
		}
	}
	return n >= 2 && hits*2 >= n+1
}

// distinctValues counts the different non-empty texts of a row: a section title merged across
// the row, or written once, has one.
func distinctValues(r Row) (int, string) {
	seen := map[string]bool{}
	first := ""
	for _, c := range r.Cells {
		v := oneLine(c.Value)
		if v != "" && !seen[v] {
			seen[v] = true
			if first == "" {
				first = v
			}
		}
	}
	return len(seen), first
}

func (s *sheetScan) pillRow(r Row) error {
	code := strings.ToUpper(oneLine(s.value(r, FCode)))
	answerRaw := s.value(r, FAnswer)
	if s.isRepeatedHeader(r) {
		s.report(Problem{Row: r.Num, Severity: Info, Problem: "intestazione ripetuta", Action: "riga saltata"})
		return nil
	}
	if answerRaw == "" {
		if n, first := distinctValues(r); n == 1 && (code == "" || !looksLikeCode(first)) {
			s.section = first
			s.report(Problem{Row: r.Num, Severity: Info, Problem: fmt.Sprintf("riga di sezione senza codice: %q", first),
				Action: "riga saltata; il titolo di sezione è conservato sulle pillole che seguono"})
			return nil
		}
	}

	p := kb.Pill{
		Code:        code,
		Title:       plainText(s.value(r, FTitle)),
		Question:    plainText(s.value(r, FQuestion)),
		Answer:      answerHTML(answerRaw),
		Keywords:    splitKeywords(s.value(r, FKeywords)),
		LegalRefs:   splitList(s.value(r, FLegal)),
		ValidatedBy: oneLine(s.value(r, FValidatedBy)),
		Notes:       cleanText(s.value(r, FNotes)),
		Lang:        "it",
	}
	rec := Record{Sheet: s.m.Sheet, Row: r.Num, Category: oneLine(s.value(r, FCategory)),
		Subcategory: oneLine(s.value(r, FSubcategory)), Office: oneLine(s.value(r, FOffice)),
		Department: oneLine(s.value(r, FDepartment))}
	if rec.Department == "" {
		rec.Department = s.m.Sheet
	}

	problem := func(sev Severity, col, msg, action string) {
		s.report(Problem{Row: r.Num, Column: col, Code: code, Severity: sev, Problem: msg, Action: action})
	}
	for _, c := range s.m.Columns {
		v := r.cell(c.Index).Value
		if l := textLength(v); l > MaxCellChars {
			problem(Warning, colName(c.Index)+" ("+c.Header+")",
				fmt.Sprintf("cella troppo lunga: %d caratteri (limite %d)", l, MaxCellChars),
				"testo importato per intero: da rivedere e accorciare")
		}
	}

	// Dates: a date serial whatever the display format, or text in the usual Italian forms.
	if i := s.m.col(FUpdated); i >= 0 {
		c := r.cell(i)
		if strings.TrimSpace(c.Value) != "" {
			t, err := cellDate(c, s.wb.date1904)
			if err != nil {
				problem(Warning, s.column(FUpdated), fmt.Sprintf("data non riconosciuta: %q", oneLine(c.Value)),
					"pillola importata senza data di aggiornamento; il testo è conservato tra i campi aggiuntivi")
				p.Extra = append(p.Extra, kb.Field{Name: s.columnHeader(i), Value: oneLine(c.Value)})
			} else {
				p.Modified = t
				rec.HasDate = true
			}
		}
	}

	// Links: the cell's hyperlink and any address written in it; the shown text is the title.
	if i := s.m.col(FLink); i >= 0 {
		c := r.cell(i)
		links := cellLinks(c)
		if len(links) == 0 && oneLine(c.Value) != "" {
			problem(Warning, s.column(FLink), fmt.Sprintf("collegamento senza indirizzo web: %q", oneLine(c.Value)),
				"testo conservato tra i campi aggiuntivi")
			p.Extra = append(p.Extra, kb.Field{Name: s.columnHeader(i), Value: oneLine(c.Value)})
		}
		p.Links = append(p.Links, links...)
	}
	// Forms: those with an address become documents; names alone stay as written.
	if i := s.m.col(FForms); i >= 0 {
		c := r.cell(i)
		var named []string
		if c.Link != "" && htmltext.SafeURL(c.Link) {
			p.Forms = append(p.Forms, kb.Link{URL: c.Link, Title: oneLine(c.Value)})
		} else {
			for _, item := range splitList(c.Value) {
				if u := findURLs(item); len(u) > 0 {
					title := strings.TrimSpace(strings.Replace(item, strings.TrimPrefix(u[0], "https://"), "", 1))
					title = strings.Trim(strings.TrimSpace(strings.ReplaceAll(title, u[0], "")), ":-–()")
					p.Forms = append(p.Forms, kb.Link{URL: u[0], Title: strings.TrimSpace(title)})
				} else {
					named = append(named, item)
				}
			}
		}
		if len(named) > 0 {
			p.Extra = append(p.Extra, kb.Field{Name: s.columnHeader(i), Value: strings.Join(named, "; ")})
		}
	}
	// Hyperlinks on other cells (a linked title, a linked law) are kept as links too.
	for _, c := range s.m.Columns {
		if c.Field == FLink || c.Field == FForms {
			continue
		}
		if cell := r.cell(c.Index); cell.Link != "" && htmltext.SafeURL(cell.Link) {
			p.Links = appendLink(p.Links, kb.Link{URL: cell.Link, Title: oneLine(plainText(cell.Value))})
		}
	}
	// Columns the table could not map are kept on the pill as they are.
	for _, c := range s.m.Columns {
		if c.Field != FExtra {
			continue
		}
		if v := cleanText(r.cell(c.Index).Value); v != "" {
			p.Extra = append(p.Extra, kb.Field{Name: c.Header, Value: v})
		}
	}
	if s.section != "" {
		p.Extra = append(p.Extra, kb.Field{Name: "Sezione", Value: s.section})
	}

	if p.Title == "" {
		p.Title = p.Question
	}
	switch {
	case p.Answer == "":
		what := "risposta mancante"
		if t := p.Title; t != "" {
			what += fmt.Sprintf(" (%q)", t)
		}
		if p.Notes != "" {
			what += "; nota: " + oneLine(p.Notes)
		}
		problem(Error, s.column(FAnswer), what, "riga non importata: completare la risposta e reimportare")
		return nil
	case p.Title == "":
		problem(Error, s.column(FTitle), "né titolo né domanda", "riga non importata")
		return nil
	}
	if code == "" {
		if s.m.has(FCode) {
			problem(Warning, s.column(FCode), "riga senza codice", "pillola importata e riconosciuta dal titolo alle importazioni successive")
		}
		// Without a code the title names the pill in its department: it must be unique there.
		key := "\x00" + foldKey(rec.Department) + "|" + foldKey(p.Title)
		if prev, ok := s.codes[key]; ok {
			problem(Error, s.column(FTitle), fmt.Sprintf("riga senza codice con lo stesso titolo della riga %d del foglio %q", prev.row, prev.sheet),
				"riga non importata: dare un codice alle due righe")
			return nil
		}
		s.codes[key] = seenCode{sheet: s.m.Sheet, row: r.Num}
	}

	// A code names one pill: a second row with the same code is a conflict unless it says the
	// same thing.
	if code != "" {
		key := hashKey(foldKey(p.Title + " " + p.Answer))
		if prev, ok := s.codes[code]; ok {
			where := fmt.Sprintf("foglio %q riga %d", prev.sheet, prev.row)
			if prev.sheet == s.m.Sheet {
				where = fmt.Sprintf("riga %d", prev.row)
			}
			if prev.key == key {
				problem(Warning, s.column(FCode), "codice "+code+" duplicato (stesso testo di "+where+")",
					"riga ignorata: la pillola è importata una volta sola")
			} else {
				problem(Error, s.column(FCode), "codice "+code+" già usato in "+where+" con un testo diverso",
					"riga non importata: resta la pillola di "+where+"; decidere quale testo è valido e correggere il codice")
			}
			return nil
		}
		s.codes[code] = seenCode{sheet: s.m.Sheet, row: r.Num, key: key}
	}
	rec.Pill = p
	if s.opt.Pill != nil {
		return s.opt.Pill(rec)
	}
	return nil
}

func hashKey(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

var codeRE = regexp.MustCompile(`^[\p{L}]{0,8}[-_./ ]?\d+([-_./]\w+)*$`)

// looksLikeCode tells a pill code ("SAL-001", "12", "T.3") from a section title written in
// the code column ("TASSE REGIONALI").
func looksLikeCode(s string) bool { return codeRE.MatchString(strings.TrimSpace(s)) }

func (s *sheetScan) columnHeader(i int) string {
	for _, c := range s.m.Columns {
		if c.Index == i {
			return c.Header
		}
	}
	return colName(i)
}

// cellLinks returns the links of a link cell: its hyperlink, then addresses written in the
// text. When the text is not itself an address it becomes the title.
func cellLinks(c Cell) []kb.Link {
	text := oneLine(c.Value)
	var out []kb.Link
	if c.Link != "" && htmltext.SafeURL(c.Link) {
		title := text
		if htmltext.SafeURL(title) || strings.HasPrefix(strings.ToLower(title), "www.") {
			title = ""
		}
		out = appendLink(out, kb.Link{URL: c.Link, Title: title})
	}
	urls := findURLs(text)
	rest := text
	for _, u := range urls {
		rest = strings.ReplaceAll(rest, u, "")
		rest = strings.ReplaceAll(rest, strings.TrimPrefix(u, "https://"), "")
	}
	rest = strings.Trim(strings.TrimSpace(rest), ":-–;,()")
	for _, u := range urls {
		title := ""
		if len(urls) == 1 {
			title = strings.TrimSpace(rest)
		}
		out = appendLink(out, kb.Link{URL: u, Title: title})
	}
	return out
}

func appendLink(links []kb.Link, l kb.Link) []kb.Link {
	for i, x := range links {
		if x.URL == l.URL {
			if x.Title == "" {
				links[i].Title = l.Title
			}
			return links
		}
	}
	return append(links, l)
}

// nowUTC is the clock; tests replace it.
var nowUTC = func() time.Time { return time.Now().UTC().Truncate(time.Second) }
