package ingest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// MappingFile overrides the guessed header mapping, sheet by sheet. Its format is plain text,
// one setting per line, so that the Administration can write it by hand:
//
//	# comments start with #
//	[Salute]                  sheet name as in the workbook; [*] applies to every sheet
//	kind = pills              pills | directory | skip (leave the sheet out)
//	header = 3                header row; "1-2" for a header on two rows; "none" for no header
//	Cod. = code               a column, by its header as written, and the field it holds
//	@K = updated              a column by letter
//	Note interne = ignore     ignore drops the column; extra keeps it on the pill as written
//
// Field names: code title question answer keywords category subcategory office legal link
// forms updated validated_by notes (pills); department unit urp given_name family_name
// full_name role extension phone email pec address hours (directory); extra, ignore.
// Headers are compared as the built-in table compares them: case, accents and punctuation do
// not matter. Columns the file does not name keep the guessed field.
type MappingFile struct {
	Name   string
	Sheets map[string]*SheetOverride // by folded sheet name; "*" for every sheet
}

// SheetOverride is one [section] of a mapping file.
type SheetOverride struct {
	Kind       Kind
	Skip       bool
	HeaderRows []int
	ByHeader   map[string]Field // folded header → field
	ByColumn   map[int]Field    // 0-based column → field
	line       int
}

// LoadMappingFile reads a mapping file.
func LoadMappingFile(name string) (*MappingFile, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseMappingFile(name, f)
}

// ParseMappingFile parses the mapping file format; errors name the file and line.
func ParseMappingFile(name string, r io.Reader) (*MappingFile, error) {
	mf := &MappingFile{Name: name, Sheets: map[string]*SheetOverride{}}
	var cur *SheetOverride
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", name, n, fmt.Sprintf(format, a...))
	}
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				return nil, bad("a sheet section must be written [Sheet name]")
			}
			sheet := strings.TrimSpace(line[1 : len(line)-1])
			if sheet == "" {
				return nil, bad("empty sheet name")
			}
			key := "*"
			if sheet != "*" {
				key = foldKey(sheet)
			}
			if _, dup := mf.Sheets[key]; dup {
				return nil, bad("sheet %q appears twice", sheet)
			}
			cur = &SheetOverride{ByHeader: map[string]Field{}, ByColumn: map[int]Field{}, line: n}
			mf.Sheets[key] = cur
			continue
		}
		if cur == nil {
			return nil, bad("a setting before the first [Sheet name] section")
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, bad("expected \"column = field\", got %q", line)
		}
		k, v = strings.TrimSpace(k), strings.ToLower(strings.TrimSpace(v))
		switch strings.ToLower(k) {
		case "kind":
			switch v {
			case "pills", "pillole":
				cur.Kind = KindPills
			case "directory", "rubrica":
				cur.Kind = KindDirectory
			case "skip", "ignora":
				cur.Skip = true
			default:
				return nil, bad("kind must be pills, directory or skip, not %q", v)
			}
			continue
		case "header":
			rows, err := parseRowSpan(v)
			if err != nil {
				return nil, bad("header: %v", err)
			}
			cur.HeaderRows = rows
			continue
		}
		f := Field(strings.ReplaceAll(v, " ", "_"))
		if !knownField(KindPills, f) && !knownField(KindDirectory, f) {
			return nil, bad("unknown field %q (see the list of fields in the documentation)", v)
		}
		if strings.HasPrefix(k, "@") {
			col, err := excelize.ColumnNameToNumber(strings.TrimSpace(k[1:]))
			if err != nil {
				return nil, bad("%q is not a column letter", k)
			}
			cur.ByColumn[col-1] = f
			continue
		}
		if foldKey(k) == "" {
			return nil, bad("empty column header")
		}
		cur.ByHeader[foldKey(k)] = f
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return mf, nil
}

func parseRowSpan(v string) ([]int, error) {
	switch v {
	case "0", "none", "nessuna", "no":
		return []int{}, nil // the sheet has no header: the content alone maps the columns
	}
	a, b, two := strings.Cut(v, "-")
	first, err := strconv.Atoi(strings.TrimSpace(a))
	if err != nil || first < 1 {
		return nil, fmt.Errorf("%q is not a row number", v)
	}
	if !two {
		return []int{first}, nil
	}
	last, err := strconv.Atoi(strings.TrimSpace(b))
	if err != nil || last != first+1 {
		return nil, fmt.Errorf("%q: a header spans one row or two consecutive rows", v)
	}
	return []int{first, last}, nil
}

// override returns the section for sheet, the sheet's own before [*].
func (mf *MappingFile) override(sheet string) *SheetOverride {
	if mf == nil {
		return nil
	}
	if o, ok := mf.Sheets[foldKey(sheet)]; ok {
		return o
	}
	return mf.Sheets["*"]
}

// apply amends a guessed mapping with the section's column settings.
func (o *SheetOverride) apply(m *Mapping) {
	if len(o.ByHeader) == 0 && len(o.ByColumn) == 0 {
		return
	}
	m.FromFile = true
	set := func(i int, f Field) {
		// One column per field: a field moved by the file leaves its guessed column as extra.
		for j := range m.Columns {
			if m.Columns[j].Field == f && f != FExtra && f != FIgnore && j != i {
				m.Columns[j].Field, m.Columns[j].Score = FExtra, 0
			}
		}
		m.Columns[i].Field, m.Columns[i].Score = f, 100
	}
	for i, c := range m.Columns {
		if f, ok := o.ByColumn[c.Index]; ok {
			set(i, f)
			continue
		}
		if f, ok := o.ByHeader[foldKey(c.Header)]; ok {
			set(i, f)
			continue
		}
		// A two-row header is written "Group / Label": either half names the column.
		if _, bottom, ok := strings.Cut(c.Header, " / "); ok {
			if f, ok := o.ByHeader[foldKey(bottom)]; ok {
				set(i, f)
			}
		}
	}
}
