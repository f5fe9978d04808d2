package search

import (
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/fixtures/testenv"
	"sportello/internal/textfold"
	"sportello/kb"
)

// legacyWorkbook is the shared legacy workbook.
func legacyWorkbook(t testing.TB) string { return testenv.Shared(t, "corpus/pillole-legacy.xlsx") }

// loadLegacy reads the shared legacy workbook with a minimal reader of its own (the real
// importer is package ingest): code, title, question, answer, keywords, office and the
// category columns, whose names and order differ per sheet. Sheets become top concepts,
// categories and subcategories narrower ones.
func loadLegacy(t testing.TB) ([]kb.Pill, []kb.Concept) {
	t.Helper()
	workbook := legacyWorkbook(t)
	f, err := excelize.OpenFile(workbook)
	if err != nil {
		t.Fatalf("%s: %v", workbook, err)
	}
	defer f.Close()
	var pills []kb.Pill
	var concepts []kb.Concept
	seenConcept := map[string]bool{}
	concept := func(iri, label, broader string) string {
		if !seenConcept[iri] {
			seenConcept[iri] = true
			concepts = append(concepts, kb.Concept{IRI: iri, PrefLabel: map[string]string{"it": label}, Broader: broader})
		}
		return iri
	}
	seenIRI := map[string]int{}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatalf("%s: sheet %s: %v", workbook, sheet, err)
		}
		hdr := -1
		for i, r := range rows {
			for _, c := range r {
				if h := textfold.Fold(strings.TrimSpace(c)); h == "titolo" || h == "titolo pillola" {
					hdr = i
				}
			}
			if hdr >= 0 {
				break
			}
		}
		if hdr < 0 {
			t.Fatalf("%s: sheet %s: no header row", workbook, sheet)
		}
		col := map[string]int{}
		for j, c := range rows[hdr] {
			h := textfold.Fold(strings.TrimSpace(c))
			if h == "" && hdr > 0 && j < len(rows[hdr-1]) {
				h = textfold.Fold(strings.TrimSpace(rows[hdr-1][j]))
			}
			switch {
			case strings.HasPrefix(h, "cod"):
				col["code"] = j
			case h == "titolo" || h == "titolo pillola":
				col["title"] = j
			case strings.HasPrefix(h, "domanda"):
				col["question"] = j
			case h == "risposta" || h == "testo risposta":
				col["answer"] = j
			case h == "parole chiave":
				col["keywords"] = j
			case h == "categoria" || h == "area" || h == "argomento":
				col["cat"] = j
			case h == "sottocategoria" || h == "sottoargomento":
				col["sub"] = j
			case strings.HasPrefix(h, "ufficio"):
				col["office"] = j
			case strings.HasPrefix(h, "data") || h == "ultimo aggiornamento" || h == "aggiornato il":
				col["date"] = j
			}
		}
		top := concept("urn:test:concept:"+sheet, sheet, "")
		for _, r := range rows[hdr+1:] {
			get := func(k string) string {
				j, ok := col[k]
				if !ok || j >= len(r) {
					return ""
				}
				return strings.TrimSpace(r[j])
			}
			code := get("code")
			if code == "" {
				continue
			}
			p := kb.Pill{
				Code: code, Title: get("title"), Question: get("question"), Answer: get("answer"),
				OfficeName: get("office"), Status: kb.StatusPublished, Version: 1, Lang: "it",
			}
			p.IRI = "urn:test:pill:" + code
			if n := seenIRI[code]; n > 0 {
				p.IRI += "-" + sheet
			}
			seenIRI[code]++
			for _, k := range strings.FieldsFunc(get("keywords"), func(r rune) bool { return r == ';' || r == ',' }) {
				if k = strings.TrimSpace(k); k != "" {
					p.Keywords = append(p.Keywords, k)
				}
			}
			c := top
			if cat := get("cat"); cat != "" {
				c = concept(top+"/"+cat, cat, top)
				if sub := get("sub"); sub != "" {
					c = concept(c+"/"+sub, sub, c)
				}
			}
			p.Concepts = []string{c}
			if d, err := time.Parse("02/01/2006", get("date")); err == nil {
				p.Validated = &d
			}
			pills = append(pills, p)
		}
	}
	return pills, concepts
}
