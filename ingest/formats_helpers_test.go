package ingest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// The writers below build .ods and .csv files the way LibreOffice and Excel write them, for
// the tests of the readers; real LibreOffice files are made by TestLibreOffice.

const odsNS = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3"`

// odsContent writes the content.xml of sheets: strings (line breaks as paragraphs), numbers,
// time.Time dates, links as text:a, merged ranges as spanned and covered cells, and the empty
// rest of each sheet as LibreOffice writes it (a repeated empty row of repeated empty cells).
func odsContent(sheets ...sheetSpec) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><office:document-content %s><office:body><office:spreadsheet>`, odsNS)
	for _, s := range sheets {
		fmt.Fprintf(&b, `<table:table table:name="%s"><table:table-column table:number-columns-repeated="1024"/>`, html.EscapeString(s.name))
		covered := map[[2]int]bool{}
		span := map[[2]int][2]int{}
		for _, m := range s.merges {
			c1, r1, _ := excelize.CellNameToCoordinates(m[0])
			c2, r2, _ := excelize.CellNameToCoordinates(m[1])
			span[[2]int{r1, c1}] = [2]int{r2 - r1 + 1, c2 - c1 + 1}
			for r := r1; r <= r2; r++ {
				for c := c1; c <= c2; c++ {
					if r != r1 || c != c1 {
						covered[[2]int{r, c}] = true
					}
				}
			}
		}
		width := 0
		for _, row := range s.rows {
			width = max(width, len(row))
		}
		for r, row := range s.rows {
			b.WriteString(`<table:table-row>`)
			for c := 0; c < width; c++ {
				var v any
				if c < len(row) {
					v = row[c]
				}
				key := [2]int{r + 1, c + 1}
				if covered[key] {
					b.WriteString(`<table:covered-table-cell/>`)
					continue
				}
				attrs := ""
				if sp, ok := span[key]; ok {
					attrs = fmt.Sprintf(` table:number-rows-spanned="%d" table:number-columns-spanned="%d"`, sp[0], sp[1])
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				link := s.links[cell]
				switch x := v.(type) {
				case nil:
					fmt.Fprintf(&b, `<table:table-cell%s/>`, attrs)
				case int, float64:
					fmt.Fprintf(&b, `<table:table-cell%s office:value-type="float" office:value="%v"><text:p>%v</text:p></table:table-cell>`, attrs, x, x)
				case time.Time:
					fmt.Fprintf(&b, `<table:table-cell%s office:value-type="date" office:date-value="%s"><text:p>%s</text:p></table:table-cell>`, attrs, x.Format("2006-01-02"), x.Format("02/01/06"))
				default:
					text := fmt.Sprint(x)
					fmt.Fprintf(&b, `<table:table-cell%s office:value-type="string">`, attrs)
					for i, p := range strings.Split(text, "\n") {
						if link != "" && i == 0 {
							fmt.Fprintf(&b, `<text:p><text:a xlink:type="simple" xlink:href="%s">%s</text:a></text:p>`, html.EscapeString(link), odsText(p))
							continue
						}
						fmt.Fprintf(&b, `<text:p>%s</text:p>`, odsText(p))
					}
					b.WriteString(`</table:table-cell>`)
				}
			}
			b.WriteString(`<table:table-cell table:number-columns-repeated="1000"/></table:table-row>`)
		}
		b.WriteString(`<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>`)
		b.WriteString(`</table:table>`)
	}
	b.WriteString(`<table:named-expressions/></office:spreadsheet></office:body></office:document-content>`)
	return b.Bytes()
}

// odsText escapes text and writes runs of spaces as text:s, as LibreOffice does.
func odsText(s string) string {
	s = html.EscapeString(s)
	for strings.Contains(s, "   ") {
		i := strings.Index(s, "   ")
		j := i
		for j < len(s) && s[j] == ' ' {
			j++
		}
		s = s[:i+1] + fmt.Sprintf(`<text:s text:c="%d"/>`, j-i-1) + s[j:]
	}
	return s
}

// writeODS writes an .ods file from a content.xml.
func writeODSContent(t testing.TB, file string, content []byte) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	w.Write([]byte("application/vnd.oasis.opendocument.spreadsheet"))
	w, _ = zw.Create("META-INF/manifest.xml")
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`))
	w, _ = zw.Create("content.xml")
	w.Write(content)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeODS(t testing.TB, file string, sheets ...sheetSpec) string {
	t.Helper()
	return writeODSContent(t, file, odsContent(sheets...))
}

// csvText writes rows as delimited text, quoting what needs it (RFC 4180) with CRLF line ends.
func csvText(rows [][]any, delim string) string {
	var b strings.Builder
	for _, row := range rows {
		for i, v := range row {
			if i > 0 {
				b.WriteString(delim)
			}
			s := ""
			switch x := v.(type) {
			case nil:
			case time.Time:
				s = x.Format("02/01/2006")
			default:
				s = fmt.Sprint(x)
			}
			if strings.ContainsAny(s, "\"\n\r"+delim) {
				s = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
			}
			b.WriteString(s)
		}
		b.WriteString("\r\n")
	}
	return b.String()
}

// writeCSV writes text in an encoding: utf-8, utf-8-bom, windows-1252, utf-16le.
func writeCSV(t testing.TB, file, text, enc string) string {
	t.Helper()
	var data []byte
	switch enc {
	case "utf-8":
		data = []byte(text)
	case "utf-8-bom":
		data = append([]byte{0xEF, 0xBB, 0xBF}, text...)
	case "windows-1252":
		var err error
		if data, err = charmap.Windows1252.NewEncoder().Bytes([]byte(text)); err != nil {
			t.Fatalf("windows-1252: %v", err)
		}
	case "utf-16le":
		var err error
		if data, err = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text)); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("encoding %s", enc)
	}
	path := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readAll reads every row of every sheet: sheet → rows of shown values (trailing empty cells
// dropped), for comparing what readers see.
func readAll(t testing.TB, path string) (map[string][][]string, *Workbook) {
	t.Helper()
	wb, err := OpenFile(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { wb.Close() })
	out := map[string][][]string{}
	for _, sh := range wb.Sheets() {
		it, err := wb.Rows(sh)
		if err != nil {
			t.Fatalf("%s: %v", sh, err)
		}
		var rows [][]string
		for it.Next() {
			r := it.Row()
			for len(rows) < r.Num-1 {
				rows = append(rows, nil)
			}
			var vals []string
			for _, c := range r.Cells {
				vals = append(vals, c.Value)
			}
			for len(vals) > 0 && vals[len(vals)-1] == "" {
				vals = vals[:len(vals)-1]
			}
			rows = append(rows, vals)
		}
		if err := it.Err(); err != nil {
			t.Fatalf("%s: %v", sh, err)
		}
		it.Close()
		out[sh] = rows
	}
	return out, wb
}

// writeZip writes parts into a zip, in name order, deflated.
func writeZip(t testing.TB, file string, parts map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		method := zip.Deflate
		if n == "mimetype" {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(parts[n]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// unzipAll reads every part of a zip.
func unzipAll(t testing.TB, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(b)
	}
	return out
}
