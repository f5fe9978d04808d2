package ingest

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The files of the issue that brought the importer down, rebuilt small on disk: each must be
// refused (the time is logged, not asserted: the machine is shared), with a message naming the file (and the sheet, row and column when one cell
// is at fault), without the memory growing with what the file declares.

type zipPart struct {
	name  string
	write func(w io.Writer) error
}

// writeZipStream writes a zip whose parts are produced by functions, so that a part of a
// gigabyte costs no memory to build.
func writeZipStream(t testing.TB, file string, parts ...zipPart) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), file)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, p := range parts {
		method := zip.Deflate
		if p.name == "mimetype" {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriterSize(w, 1<<16)
		if err := p.write(bw); err != nil {
			t.Fatal(err)
		}
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func text(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// repeat writes n bytes of c.
func repeat(c byte, n int64) func(io.Writer) error {
	return func(w io.Writer) error {
		chunk := []byte(strings.Repeat(string(c), 1<<16))
		for n > 0 {
			k := min(n, int64(len(chunk)))
			if _, err := w.Write(chunk[:k]); err != nil {
				return err
			}
			n -= k
		}
		return nil
	}
}

func seq(fs ...func(io.Writer) error) func(io.Writer) error {
	return func(w io.Writer) error {
		for _, f := range fs {
			if err := f(w); err != nil {
				return err
			}
		}
		return nil
	}
}

const (
	xlsxWorkbook = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Pillole" sheetId="1" r:id="rId1"/></sheets></workbook>`
	xlsxRels     = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`
	sheetHead    = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	header       = `<row r="1"><c r="A1" t="inlineStr"><is><t>Codice</t></is></c><c r="B1" t="inlineStr"><is><t>Titolo</t></is></c><c r="C1" t="inlineStr"><is><t>Risposta</t></is></c></row>`
)

// xlsxBomb is a minimal .xlsx: one sheet whose XML is produced by sheet.
func xlsxBomb(t testing.TB, file string, sheet func(io.Writer) error, extra ...zipPart) string {
	parts := []zipPart{
		{"[Content_Types].xml", text(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)},
		{"xl/workbook.xml", text(xlsxWorkbook)},
		{"xl/_rels/workbook.xml.rels", text(xlsxRels)},
		{"xl/worksheets/sheet1.xml", sheet},
	}
	return writeZipStream(t, file, append(parts, extra...)...)
}

func odsBomb(t testing.TB, file string, content func(io.Writer) error) string {
	return writeZipStream(t, file,
		zipPart{"mimetype", text("application/vnd.oasis.opendocument.spreadsheet")},
		zipPart{"content.xml", content})
}

const odsHead = `<?xml version="1.0" encoding="UTF-8"?><office:document-content ` + odsNS + `><office:body><office:spreadsheet><table:table table:name="Pillole">`
const odsTail = `</table:table></office:spreadsheet></office:body></office:document-content>`

func TestBombs(t *testing.T) {
	rows := func(n int) func(io.Writer) error {
		return func(w io.Writer) error {
			for i := 2; i <= n+1; i++ {
				if _, err := fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>C-%d</t></is></c><c r="B%d" t="inlineStr"><is><t>Titolo %d</t></is></c><c r="C%d" t="inlineStr"><is><t>Risposta.</t></is></c></row>`, i, i, i, i, i, i); err != nil {
					return err
				}
			}
			return nil
		}
	}
	const gib = 1 << 30
	tests := []struct {
		name   string
		build  func(t testing.TB) string
		lim    Limits
		want   string // in the message
		isLim  bool
		maxSec float64
	}{
		{name: "1 GiB shared string",
			build: func(t testing.TB) string {
				return xlsxBomb(t, "cella.xlsx", text(sheetHead+header+`<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>`),
					zipPart{"xl/sharedStrings.xml", seq(text(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>`), repeat('a', gib), text(`</t></si></sst>`))})
			},
			want: "zip bomb", isLim: true, maxSec: 5},
		{name: "1 GiB shared string, ratio allowed: the cell limit while reading",
			build: func(t testing.TB) string {
				return xlsxBomb(t, "cella.xlsx", text(sheetHead+header+`<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>`),
					zipPart{"xl/sharedStrings.xml", seq(text(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>`), repeat('a', gib), text(`</t></si></sst>`))})
			},
			lim: Limits{MaxRatio: 1 << 30, MaxUncompressed: 4 * gib}, want: `foglio "Pillole", riga 2, colonna A: cella di 1,0 GiB`, isLim: true, maxSec: 30},
		{name: "1 GiB inline cell, ratio allowed",
			build: func(t testing.TB) string {
				return xlsxBomb(t, "inline.xlsx", seq(text(sheetHead+header+`<row r="2"><c r="A2" t="inlineStr"><is><t>`), repeat('a', gib), text(`</t></is></c></row></sheetData></worksheet>`)))
			},
			lim: Limits{MaxRatio: 1 << 30, MaxUncompressed: 4 * gib}, want: `foglio "Pillole", riga 2, colonna A: cella di oltre 256 KiB`, isLim: true, maxSec: 5},
		{name: "2 million rows",
			build: func(t testing.TB) string {
				return xlsxBomb(t, "righe.xlsx", seq(text(sheetHead+header), rows(2_000_000), text(`</sheetData></worksheet>`)))
			},
			lim: Limits{MaxRatio: 1000}, want: `riga 200001: il foglio ha dati oltre la riga 200000`, isLim: true, maxSec: 20},
		{name: "hyperlink over the whole sheet",
			build: func(t testing.TB) string {
				return xlsxBomb(t, "link.xlsx", text(sheetHead+header+`</sheetData><hyperlinks><hyperlink ref="A1:XFD1048576" location="Foglio!A1"/></hyperlinks></worksheet>`))
			},
			want: "non contiene righe", maxSec: 2},
		{name: "a million merged ranges",
			build: func(t testing.TB) string {
				return xlsxBomb(t, "merge.xlsx", seq(text(sheetHead+header+`</sheetData><mergeCells>`), func(w io.Writer) error {
					for i := 0; i < 1_000_000; i++ {
						fmt.Fprintf(w, `<mergeCell ref="A%d:B%d"/>`, i+2, i+2)
					}
					return nil
				}, text(`</mergeCells></worksheet>`)))
			},
			lim: Limits{MaxRatio: 1000}, want: "più di 100.000 celle unite", isLim: true, maxSec: 5},
		{name: "a cell in the last column",
			build: func(t testing.TB) string {
				return xlsxBomb(t, "colonna.xlsx", text(sheetHead+header+`<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>`))
			},
			want: "riga 2, colonna XFD: dati nella colonna 16384", isLim: true, maxSec: 2},
		{name: "ods: repeated cells and rows",
			build: func(t testing.TB) string {
				return odsBomb(t, "ripetute.ods", text(odsHead+
					`<table:table-row><table:table-cell><text:p>Codice</text:p></table:table-cell><table:table-cell><text:p>Titolo</text:p></table:table-cell><table:table-cell><text:p>Risposta</text:p></table:table-cell></table:table-row>`+
					`<table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="3"><text:p>x</text:p></table:table-cell></table:table-row>`+odsTail))
			},
			want: "riga 200001: il foglio ha dati oltre la riga 200000", isLim: true, maxSec: 10},
		{name: "ods: a cell repeated across 16384 columns",
			build: func(t testing.TB) string {
				return odsBomb(t, "colonne.ods", text(odsHead+
					`<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row>`+odsTail))
			},
			want: "dati nella colonna 16384", isLim: true, maxSec: 2},
		{name: "ods: 1 GiB of spaces in one text:s",
			build: func(t testing.TB) string {
				return odsBomb(t, "spazi.ods", text(odsHead+
					`<table:table-row><table:table-cell><text:p>a<text:s text:c="1073741824"/>b</text:p></table:table-cell></table:table-row>`+odsTail))
			},
			want: "riga 1, colonna A: cella di", isLim: true, maxSec: 2},
		{name: "ods: 1 GiB content, ratio allowed",
			build: func(t testing.TB) string {
				return odsBomb(t, "testo.ods", seq(text(odsHead+`<table:table-row><table:table-cell><text:p>`), repeat('a', gib), text(`</text:p></table:table-cell></table:table-row>`+odsTail)))
			},
			lim: Limits{MaxRatio: 1 << 30, MaxUncompressed: 4 * gib}, want: `foglio "Pillole", riga 1`, isLim: true, maxSec: 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.maxSec > 5 {
				t.Skip("builds a gigabyte")
			}
			path := tt.build(t)
			fi, _ := os.Stat(path)
			store := openStore(t)
			var err error
			start := time.Now()
			peak := peakHeap(func() {
				_, err = ImportFile(t.Context(), store, path, Options{Limits: tt.lim})
			})
			elapsed := time.Since(start)
			t.Logf("%s: %s on disk, refused in %s, peak heap %d MiB: %v", tt.name, size(fi.Size()), elapsed.Round(time.Millisecond), peak>>20, err)
			if err == nil || !strings.Contains(err.Error(), filepath.Base(path)) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming the file and saying %q", err, tt.want)
			}
			if tt.isLim && !errors.Is(err, ErrLimit) {
				t.Errorf("%v is not a limit error", err)
			}
			if peak > 160<<20 {
				t.Errorf("peak heap %d MiB", peak>>20)
			}
			if ps := allPills(t, store); len(ps) != 0 {
				t.Errorf("%d pills written", len(ps))
			}
		})
	}
}
