package ingest

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits bound the work and the memory an import may take, whatever the file holds: a 1 MB
// .xlsx can declare a 1 GiB cell, a 115 KiB upload can expand to gigabytes, a 27 MB sheet can
// hold two million rows. Each limit, when reached, stops the import with an Italian message
// naming the file, the sheet, the row and the column; nothing is written. The zero value of a
// field means its default (DefaultLimits).
type Limits struct {
	// MaxCellBytes is the largest cell, in bytes of text. Excel itself stops at 32,767
	// characters; the default leaves room for LibreOffice and CSV files while keeping one row in
	// memory small. (MaxCellChars, far lower, only reports a long cell: it is still imported.)
	MaxCellBytes int
	// MaxRows is the highest row number a sheet may use with data.
	MaxRows int
	// MaxColumns is the rightmost column a row may use with data.
	MaxColumns int
	// MaxSheets is how many sheets (tables) a file may have.
	MaxSheets int
	// MaxUncompressed is the total size of the parts of a zipped workbook (.xlsx, .ods) that
	// are read, once decompressed; a part declaring more is refused before it is opened, and one
	// producing more than it declared is stopped while it is read.
	MaxUncompressed int64
	// MaxRatio is the largest compression ratio of a part of more than 1 MiB: XML text
	// compresses 5 to 30 times, a zip bomb a thousand times.
	MaxRatio int
}

// DefaultLimits are the limits of an import that does not set its own.
var DefaultLimits = Limits{
	MaxCellBytes:    256 << 10,
	MaxRows:         200_000,
	MaxColumns:      1_000,
	MaxSheets:       100,
	MaxUncompressed: 1 << 30,
	MaxRatio:        200,
}

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxCellBytes <= 0 {
		l.MaxCellBytes = d.MaxCellBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = d.MaxRows
	}
	if l.MaxColumns <= 0 {
		l.MaxColumns = d.MaxColumns
	}
	if l.MaxSheets <= 0 {
		l.MaxSheets = d.MaxSheets
	}
	if l.MaxUncompressed <= 0 {
		l.MaxUncompressed = d.MaxUncompressed
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	return l
}

// maxToken is the longest stretch of XML (a tag, or the text between two tags) the streaming
// readers accept: a cell's text, escaped (an entity may take up to ten bytes for one
// character), plus its tags.
func (l Limits) maxToken() int { return 8*l.MaxCellBytes + 64<<10 }

// ErrLimit is wrapped by every LimitError.
var ErrLimit = errors.New("limit exceeded")

// LimitError is a file that exceeds one of the Limits.
type LimitError struct {
	File   string
	Sheet  string
	Row    int    // 0 when the whole file or sheet is at fault
	Column string // column letter, when one cell is at fault
	What   string // what is too large, in Italian
}

func (e *LimitError) Error() string { return where(e.File, e.Sheet, e.Row, e.Column) + ": " + e.What }
func (e *LimitError) Unwrap() error { return ErrLimit }

// ErrDamaged is wrapped by the error of a file that cannot be read: truncated, corrupted, or not
// the format its name says.
var ErrDamaged = errors.New("damaged file")

// DamagedError is a file, or a part of it, that cannot be read.
type DamagedError struct {
	File  string
	Sheet string
	Row   int
	What  string // what is wrong, in Italian
	Err   error  // the reader's own error, if any (English, for the log)
}

func (e *DamagedError) Error() string {
	s := where(e.File, e.Sheet, e.Row, "") + ": " + e.What
	if e.Err != nil {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}
func (e *DamagedError) Unwrap() []error { return []error{ErrDamaged, e.Err} }

// where names a place in a workbook, in Italian.
func where(file, sheet string, row int, col string) string {
	var b strings.Builder
	b.WriteString(file)
	if sheet != "" {
		fmt.Fprintf(&b, ", foglio %q", sheet)
	}
	if row > 0 {
		fmt.Fprintf(&b, ", riga %d", row)
	}
	if col != "" {
		fmt.Fprintf(&b, ", colonna %s", col)
	}
	return b.String()
}

// size prints a byte count the way people read it.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return strings.Replace(fmt.Sprintf("%.1f GiB", float64(n)/(1<<30)), ".", ",", 1)
	case n >= 1<<20:
		return strings.Replace(fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)), ".", ",", 1)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d byte", n)
}

// zipBudget opens the parts of a zipped workbook within the Limits: each part's declared size
// and compression ratio are checked before it is opened, the declared sizes of all parts read
// add up to at most MaxUncompressed, and a part that inflates beyond what it declared is stopped.
type zipBudget struct {
	file   string
	lim    Limits
	used   int64
	opened map[*zip.File]bool
}

func newZipBudget(file string, lim Limits) *zipBudget {
	return &zipBudget{file: file, lim: lim, opened: map[*zip.File]bool{}}
}

// open opens a part for reading; sheet names the sheet it holds, for messages.
func (z *zipBudget) open(f *zip.File, sheet string) (io.ReadCloser, error) {
	declared := int64(f.UncompressedSize64)
	if f.UncompressedSize64 > 1<<62 {
		declared = 1 << 62
	}
	if declared > 1<<20 && f.CompressedSize64 > 0 && declared/int64(f.CompressedSize64) > int64(z.lim.MaxRatio) ||
		declared > 1<<20 && f.CompressedSize64 == 0 {
		return nil, &LimitError{File: z.file, Sheet: sheet, What: fmt.Sprintf(
			"la parte %s si espande da %s a %s (rapporto %d:1, limite %d:1): file rifiutato come possibile \"zip bomb\"",
			f.Name, size(int64(f.CompressedSize64)), size(declared), declared/max(1, int64(f.CompressedSize64)), z.lim.MaxRatio)}
	}
	if !z.opened[f] {
		if z.used+declared > z.lim.MaxUncompressed {
			return nil, &LimitError{File: z.file, Sheet: sheet, What: fmt.Sprintf(
				"il contenuto decompresso supera %s (la parte %s dichiara %s): file troppo grande",
				size(z.lim.MaxUncompressed), f.Name, size(declared))}
		}
		z.used += declared
		z.opened[f] = true
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &DamagedError{File: z.file, Sheet: sheet, What: "file danneggiato: la parte " + f.Name + " non si apre", Err: err}
	}
	return &inflateGuard{rc: rc, left: declared, z: z, part: f.Name, sheet: sheet}, nil
}

// inflateGuard stops a part that produces more bytes than its zip entry declared: the central
// directory can lie, and archive/zip only notices at the end.
type inflateGuard struct {
	rc    io.ReadCloser
	left  int64
	z     *zipBudget
	part  string
	sheet string
}

func (g *inflateGuard) Read(p []byte) (int, error) {
	n, err := g.rc.Read(p)
	g.left -= int64(n)
	if g.left < 0 {
		return n, &DamagedError{File: g.z.file, Sheet: g.sheet, What: "file danneggiato o manipolato: la parte " + g.part + " è più grande di quanto dichiara"}
	}
	if err != nil && err != io.EOF {
		err = &DamagedError{File: g.z.file, Sheet: g.sheet, What: "file danneggiato: la parte " + g.part + " non si legge fino in fondo", Err: err}
	}
	return n, err
}

func (g *inflateGuard) Close() error { return g.rc.Close() }

// findZipPart finds a part by name, ignoring case as Office does.
func findZipPart(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

// readSmallPart reads a small part (workbook, relationships, styles, manifest) whole, within a
// cap of its own: these parts are a few kilobytes in any real file.
func (z *zipBudget) readSmallPart(f *zip.File, capBytes int64) ([]byte, error) {
	if int64(f.UncompressedSize64) > capBytes {
		return nil, &LimitError{File: z.file, What: fmt.Sprintf("la parte %s è di %s (limite %s)", f.Name, size(int64(f.UncompressedSize64)), size(capBytes))}
	}
	rc, err := z.open(f, "")
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, capBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > capBytes {
		return nil, &LimitError{File: z.file, What: fmt.Sprintf("la parte %s supera %s", f.Name, size(capBytes))}
	}
	return b, nil
}
