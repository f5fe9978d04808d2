package ingest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sampleSheet is a small table of pills with what every format must carry: a merged title row,
// accents and €, a multi-line answer, a number, a date, a link, an empty column in the middle.
func sampleSheet() sheetSpec {
	return sheetSpec{name: "Pillole",
		rows: [][]any{
			{"Pillole del servizio Tributi — revisione 2024"},
			{},
			{"Codice", "Titolo", "Risposta", "Parole chiave", "", "Aggiornato il", "Link", "Interno"},
			{"TRI-001", "Bollo auto", "Si paga online.\n- con pagoPA\n- in tabaccheria", "bollo; auto", nil, time.Date(2013, 3, 12, 0, 0, 0, 0, time.UTC), "Portale", 7001},
			{"TRI-002", "Città e perché", "Costa 16,00 € «marca»   con spazi", "città, perché", nil, "15/02/2021", "https://www.example.it/irap", 7002},
		},
		merges: [][2]string{{"A1", "H1"}},
		links:  map[string]string{"G4": "https://bollo.example.it"},
	}
}

// TestReadersAgree reads the same table from .xlsx, .ods and .csv (every encoding and
// delimiter) and checks that each reader sees the same cells, then imports each file.
func TestReadersAgree(t *testing.T) {
	s := sampleSheet()
	files := map[string]string{
		"xlsx": writeWorkbook(t, "pillole.xlsx", s),
		"ods":  writeODS(t, "pillole.ods", s),
	}
	for _, enc := range []string{"utf-8", "utf-8-bom", "windows-1252", "utf-16le"} {
		for _, d := range []string{";", ",", "\t", "|"} {
			name := fmt.Sprintf("csv %s %q", enc, d)
			files[name] = writeCSV(t, "pillole.csv", csvText(s.rows, d), enc)
		}
	}
	want := map[[2]int]string{
		{1, 0}: "Pillole del servizio Tributi — revisione 2024",
		{3, 0}: "Codice", {3, 5}: "Aggiornato il",
		{4, 2}: "Si paga online.\n- con pagoPA\n- in tabaccheria",
		{4, 5}: "12/03/2013", {4, 7}: "7001",
		{5, 1}: "Città e perché", {5, 2}: "Costa 16,00 € «marca»   con spazi", {5, 3}: "città, perché",
	}
	for name, path := range files {
		t.Run(name, func(t *testing.T) {
			all, wb := readAll(t, path)
			rows := all[wb.Sheets()[0]]
			if len(rows) != 5 {
				t.Fatalf("%d rows: %q", len(rows), rows)
			}
			for at, v := range want {
				got := ""
				if r := rows[at[0]-1]; at[1] < len(r) {
					got = r[at[1]]
				}
				if got != v {
					t.Errorf("row %d col %d = %q, want %q", at[0], at[1], got, v)
				}
			}
			if strings.HasPrefix(name, "csv") {
				if !strings.Contains(wb.Detail, strings.TrimSuffix(name[4:], name[strings.LastIndex(name, " "):])) {
					t.Errorf("detail %q does not say the encoding of %s", wb.Detail, name)
				}
			}
			store := openStore(t)
			sum := importOK(t, store, path, Options{})
			if sum.Pills.Created != 2 {
				t.Fatalf("pills %+v; problems:\n%s", sum.Pills, problemText(sum.Problems))
			}
			p1 := pillByCode(t, store, "TRI-001")
			if p1.Answer != "<p>Si paga online.</p><ul><li>con pagoPA</li><li>in tabaccheria</li></ul>" {
				t.Errorf("answer %q", p1.Answer)
			}
			if p1.Modified.Format(time.DateOnly) != "2013-03-12" {
				t.Errorf("date %s", p1.Modified)
			}
			if name == "xlsx" || name == "ods" {
				if len(p1.Links) != 1 || p1.Links[0].URL != "https://bollo.example.it" || p1.Links[0].Title != "Portale" {
					t.Errorf("links %+v", p1.Links)
				}
			}
			p2 := pillByCode(t, store, "TRI-002")
			if p2.Title != "Città e perché" || len(p2.Keywords) != 2 || p2.Modified.Format(time.DateOnly) != "2021-02-15" {
				t.Errorf("TRI-002: %q %q %s", p2.Title, p2.Keywords, p2.Modified)
			}
		})
	}
}

// TestCSVParser covers RFC 4180 and what spreadsheets write around it.
func TestCSVParser(t *testing.T) {
	tests := []struct {
		name, in string
		want     [][]string
	}{
		{"quotes and line breaks", "a;\"b;c\";\"d\"\"e\"\r\n\"multi\r\nline\";x;\r\n", [][]string{{"a", "b;c", `d"e`}, {"multi\r\nline", "x", ""}}},
		{"no final newline", "a;b\nc;d", [][]string{{"a", "b"}, {"c", "d"}}},
		{"stray quote kept", "a\"b;c\n", [][]string{{`a"b`, "c"}}},
		{"text after closing quote", "\"ab\"cd;e\n", [][]string{{"abcd", "e"}}},
		{"blank line", "a;b\n\nc;d\n", [][]string{{"a", "b"}, {""}, {"c", "d"}}},
		{"empty quoted", "\"\";x\n", [][]string{{"", "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newCSVParser(strings.NewReader(tt.in), ';', DefaultLimits)
			var got [][]string
			for {
				f, err := p.record()
				if err != nil {
					if err.Error() != "EOF" {
						t.Fatal(err)
					}
					break
				}
				got = append(got, append([]string(nil), f...))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDetectDelimiter(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		{"Elenco pillole\nCodice;Titolo;Risposta\nA-1;Bollo, auto;Si paga, online\nA-2;IRAP;Costa, molto\n", ';'},
		{"Codice,Titolo,Risposta\nA-1,\"Bollo; auto\",Si paga\nA-2,IRAP,Costa\n", ','},
		{"Codice\tTitolo\tRisposta, lunga\nA-1\tBollo\tSi paga, sì\n", '\t'},
		{"Codice|Titolo|Risposta\nA-1|Bollo, auto|Si paga; online\n", '|'},
		{"una colonna\nsola\n", ','},
	}
	for _, tt := range tests {
		if got := detectDelimiter([]byte(tt.in), false); got != tt.want {
			t.Errorf("detectDelimiter(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestDamagedFiles: a file of any format that cannot be read is an error naming it, never an
// empty success.
func TestDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	s := sampleSheet()
	xlsx, _ := os.ReadFile(writeWorkbook(t, "a.xlsx", s))
	ods, _ := os.ReadFile(writeODS(t, "a.ods", s))
	xls, _ := os.ReadFile("testdata/pillole.xls")
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919 + i*i*31)
	}
	corruptXLS := append([]byte(nil), xls...)
	for i := 1536; i < len(corruptXLS); i++ { // the workbook stream, after the compound file's header and FAT
		corruptXLS[i] ^= 0x5A
	}
	files := map[string][]byte{
		"truncated.xlsx":    xlsx[:len(xlsx)/2],
		"truncated.ods":     ods[:len(ods)/2],
		"cut-central.xlsx":  xlsx[:len(xlsx)-30],
		"random.xlsx":       random,
		"random.ods":        random,
		"random.csv":        random,
		"random.xls":        random,
		"corrupted.xls":     corruptXLS,
		"empty.csv":         {},
		"zip-not-xlsx.xlsx": zipOf(t, map[string]string{"hello.txt": "ciao"}),
		"docx.ods":          zipOf(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"}),
		"ods-no-table.ods":  zipOf(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": `<office:document-content ` + odsNS + `><office:body><office:spreadsheet/></office:body></office:document-content>`}),
		"ods-bad-xml.ods":   zipOf(t, map[string]string{"content.xml": `<office:document-content ` + odsNS + `><office:body><office:spreadsheet><table:table table:name="A"><table:table-row><table:table-cell><text:p>x`}),
		"xlsx-bad-sheet.xlsx": func() []byte {
			parts := unzipAll(t, xlsx)
			parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"][:len(parts["xl/worksheets/sheet1.xml"])/2]
			return zipOf(t, parts)
		}(),
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			sum, err := ImportFile(t.Context(), openStore(t), path, Options{})
			if err == nil {
				t.Fatalf("no error; summary %+v", sum)
			}
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not name the file", err)
			}
			if !errors.Is(err, ErrDamaged) && !(name == "empty.csv" && errors.Is(err, ErrNoData)) {
				t.Errorf("error %q is not ErrDamaged", err)
			}
		})
	}
}

func zipOf(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	path := writeZip(t, "x.zip", parts)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzCSV feeds random text to the CSV reader: errors are fine, crashes, cells over the limit
// and records wider than the limit are not.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{"a;b\r\n\"c\nd\";e\n", "\"unclosed", "x,\"y\"\"z\",w", "\xef\xbb\xbfCodice;Titolo\n1;2", "\xff\xfeC\x00;\x00", "a\tb|c;d,e"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		lim := Limits{MaxCellBytes: 64, MaxColumns: 8}
		wb, err := Open(path, lim)
		if err != nil {
			return
		}
		defer wb.Close()
		it, err := wb.Rows(wb.Sheets()[0])
		if err != nil {
			return
		}
		defer it.Close()
		for it.Next() {
			r := it.Row()
			if len(r.Cells) > 8 {
				t.Fatalf("row %d has %d cells", r.Num, len(r.Cells))
			}
			for _, c := range r.Cells {
				if len(c.Value) > 64 {
					t.Fatalf("cell of %d bytes", len(c.Value))
				}
			}
		}
	})
}

// FuzzODS feeds random content.xml to the .ods reader.
func FuzzODS(f *testing.F) {
	f.Add(odsContent(sampleSheet()))
	f.Add([]byte(`<office:document-content ` + odsNS + `><office:body><office:spreadsheet><table:table table:name="A"><table:table-row table:number-rows-repeated="9"><table:table-cell table:number-columns-repeated="9" table:number-columns-spanned="3"><text:p>x<text:s text:c="99"/></text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`))
	f.Fuzz(func(t *testing.T, content []byte) {
		path := writeODSContent(t, "f.ods", content)
		lim := Limits{MaxCellBytes: 256, MaxColumns: 16, MaxRows: 50}
		wb, err := Open(path, lim)
		if err != nil {
			return
		}
		defer wb.Close()
		for _, sh := range wb.Sheets() {
			it, err := wb.Rows(sh)
			if err != nil {
				return
			}
			n := 0
			for it.Next() {
				if n++; n > 60 {
					t.Fatalf("more rows than the limit lets through")
				}
				for _, c := range it.Row().Cells {
					if len(c.Value) > 256 {
						t.Fatalf("cell of %d bytes", len(c.Value))
					}
				}
			}
			it.Close()
		}
	})
}
