package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/internal/role"
	"sportello/web/imports"
)

// benchWorkbook is a pills workbook of n rows, written with excelize's stream writer.
func benchWorkbook(b *testing.B, n int) []byte {
	b.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{"Codice", "Titolo", "Risposta", "Parole chiave", "Categoria", "Data agg."}); err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		row := []any{fmt.Sprintf("B-%06d", i), fmt.Sprintf("Scheda numero %d", i),
			"Per la pratica serve il modulo A, firmato, con un documento d'identità; il costo è 16 € di bollo.",
			"bollo; modulo", fmt.Sprintf("Categoria %d", i%20), "12/03/2013"}
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkImportPageDryRun is the web round of a 10,000-row workbook: upload, mapping
// preview, and the dry run as a background job with its row count for the progress bar,
// polled as the page does. rows/s is the figure the README reports.
func BenchmarkImportPageDryRun(b *testing.B) {
	const n = 10000
	wb := benchWorkbook(b, n)
	s, _ := importServer(b)
	h := s.Handler()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		r := doImport(b, h, importUploadReq(b, fmt.Sprintf("bench%d.xlsx", i), wb), role.Publisher)
		if r.Status != http.StatusSeeOther {
			b.Fatalf("upload: %d", r.Status)
		}
		id := strings.TrimPrefix(r.Header.Get("Location"), "/importa/")
		if r := importPost(b, h, "/importa/"+id+"/prova", url.Values{}, role.Publisher); r.Status != http.StatusSeeOther {
			b.Fatalf("dry run: %d", r.Status)
		}
		for {
			var st imports.Status
			r := doImport(b, h, httptest.NewRequest(http.MethodGet, "/api/import/"+id, nil), role.Publisher)
			if err := json.Unmarshal([]byte(r.Body), &st); err != nil {
				b.Fatal(err)
			}
			if st.State != "running" {
				if st.State != "done" || st.Summary.Pills.Created != n {
					b.Fatalf("dry run: %+v", st)
				}
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "rows/s")
}
