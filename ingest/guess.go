package ingest

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// sheetGuess is the mapping guessed for one kind, and whether the sheet can be imported with it.
type sheetGuess struct {
	m       Mapping
	ok      bool
	missing []Field
	total   int  // sum of the confidences of the mapped fields, to compare kinds
	named   bool // the header was found by its names (or set by the mapping file)
	prose   bool // a column of long texts is mapped (an answer: no directory has one)
}

// better compares two usable guesses of different kinds: a header found by its names beats one
// found by layout or none; then a sheet with a column of long texts is pills; then the surer.
func better(a, b sheetGuess) bool {
	if a.named != b.named {
		return a.named
	}
	if a.prose != b.prose {
		return a.prose
	}
	return a.total > b.total
}

// headerChoice is where the header of a sheet is: rows (none when the sheet has no header) and
// how it was found.
type headerChoice struct {
	rows []Row
	how  string // "names", "layout", "file", "none"
}

// chooseHeader finds the header among the first rows: the row (or pair) whose cells name the
// most fields; else the first row of short, distinct labels above rows of data; else none —
// the content alone then decides.
func chooseHeader(k Kind, sheet string, head []Row, merges []Merge) headerChoice {
	m, score := detectHeader(k, sheet, head, merges)
	if score > 0 {
		var hr []Row
		for _, want := range m.HeaderRows {
			for _, r := range head {
				if r.Num == want {
					hr = append(hr, r)
				}
			}
		}
		return headerChoice{rows: hr, how: "names"}
	}
	if i := layoutHeader(head); i >= 0 {
		return headerChoice{rows: []Row{head[i]}, how: "layout"}
	}
	return headerChoice{how: "none"}
}

// labelLike: a cell a header would hold — short text, not a number, date, code, address or
// question.
func labelLike(c Cell) bool {
	v := oneLine(c.Value)
	if v == "" || c.Number || utf8.RuneCountInString(v) > 40 || len(strings.Fields(v)) > 6 {
		return false
	}
	if isPlainNumber(v) || looksLikeDate(v) || isURLValue(v) || isEmailList(v) || strings.HasSuffix(v, "?") {
		return false
	}
	if codeValueRE.MatchString(v) && strings.ContainsAny(v, "0123456789") {
		return false
	}
	return true
}

// layoutHeader finds a header whose names are in no list: the first row with at least two
// cells, nearly all short distinct labels, followed by rows where some of those columns hold
// what a header does not (long text, numbers, dates, codes). It returns the index in head, or -1.
func layoutHeader(head []Row) int {
	for i, r := range head {
		cells, labels := 0, 0
		seen := map[string]bool{}
		distinct := true
		for _, c := range r.Cells {
			v := foldKey(c.Value)
			if v == "" {
				continue
			}
			cells++
			if labelLike(c) {
				labels++
			}
			if seen[v] {
				distinct = false
			}
			seen[v] = true
		}
		if cells < 2 {
			continue
		}
		if !distinct || labels*10 < cells*8 {
			// The first table-like row is not a header: the table has none.
			return -1
		}
		// Below, some of these columns must hold data unlike a label.
		data, unlike := 0, 0
		for _, d := range head[i+1:] {
			if n, _ := distinctValues(d); n < 2 {
				continue
			}
			data++
			for c := range r.Cells {
				if strings.TrimSpace(r.cell(c).Value) == "" {
					continue
				}
				if dc := d.cell(c); strings.TrimSpace(dc.Value) != "" && !labelLike(dc) {
					unlike++
					break
				}
			}
		}
		if data > 0 && unlike*2 >= data {
			return i
		}
		return -1
	}
	return -1
}

// guessMapping maps the columns of a sheet for kind k, from the header (if any) and the content
// of the sample rows below it.
func guessMapping(k Kind, sheet string, head []Row, merges []Merge, hc headerChoice, dir *Directory) sheetGuess {
	m := Mapping{Sheet: sheet, Kind: k}
	var hs []colHeader
	last := 0
	if len(hc.rows) > 0 {
		hs = headerMatches(k, hc.rows, merges)
		for _, r := range hc.rows {
			m.HeaderRows = append(m.HeaderRows, r.Num)
		}
		last = hc.rows[len(hc.rows)-1].Num
	}
	headerKeys := map[string]bool{}
	for _, h := range hs {
		if h.label != "" {
			headerKeys[foldKey(h.label)] = true
		}
	}
	// The sample: rows below the header that look like table rows.
	width := len(hs)
	for _, r := range head {
		if r.Num > last {
			width = max(width, len(r.Cells))
		}
	}
	var data []Row
	for _, r := range head {
		if r.Num <= last {
			continue
		}
		n, _ := distinctValues(r)
		if n == 0 || n < 2 && width >= 3 {
			continue // blank, title and section rows
		}
		if len(headerKeys) > 0 {
			hits := 0
			for _, c := range r.Cells {
				if headerKeys[foldKey(c.Value)] {
					hits++
				}
			}
			if hits*2 > n {
				continue // the header repeated
			}
		}
		if m.FirstRow == 0 && len(hc.rows) == 0 {
			m.FirstRow = r.Num
		}
		data = append(data, r)
	}
	profs := profileColumns(data, width, dir)
	longest, longestAvg := -1, 0.0
	for c := range profs {
		if p := &profs[c]; p.n*2 >= len(data) && p.avgChars() > longestAvg && p.share(p.url) < 0.5 {
			longest, longestAvg = c, p.avgChars()
		}
	}

	type cand struct {
		col     int
		field   Field
		score   int
		reasons []string
		against Field // the header names another field: the score lost 25 for it
	}
	var cands []cand
	for c := 0; c < width; c++ {
		p := &profs[c]
		var h colHeader
		if c < len(hs) {
			h = hs[c]
		}
		content := contentGuesses(k, p, c == longest)
		if h.field != "" {
			sc := h.score
			reasons := []string{headerMatchReason(k, h.label, h.field)}
			for _, g := range content {
				if g.field == h.field {
					sc = min(100, max(sc, g.score)+5)
					reasons = append(reasons, g.reasons...)
				}
			}
			if ok, what := contentExpect(h.field, p); !ok {
				sc -= 30
				reasons = append(reasons, "ma i valori non sono "+what)
			}
			cands = append(cands, cand{c, h.field, sc, reasons, ""})
		}
		for _, g := range content {
			if g.field == h.field {
				continue
			}
			sc := g.score
			reasons := g.reasons
			if h.field != "" {
				sc -= 25
				reasons = append(append([]string(nil), reasons...), fmt.Sprintf("l'intestazione fa pensare a %s", fieldName(h.field)))
			} else if h.label != "" {
				reasons = append([]string{fmt.Sprintf("intestazione «%s» non in elenco", h.label)}, reasons...)
			}
			cands = append(cands, cand{c, g.field, sc, reasons, h.field})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].col < cands[j].col
	})
	const threshold = 50
	taken := map[Field]bool{}
	assigned := map[int]cand{}
	for _, ch := range cands {
		if ch.score < threshold {
			break
		}
		if _, done := assigned[ch.col]; done {
			continue
		}
		f := ch.field
		if taken[f] && f == FCategory && !taken[FSubcategory] && k == KindPills && profs[ch.col].repeated() {
			// A second column of repeated labels, right of the category, is its subdivision.
			f = FSubcategory
			ch.reasons = append(append([]string(nil), ch.reasons...), "seconda colonna di etichette: sottocategoria")
			ch.score -= 5
		}
		if taken[f] && f != FIgnore {
			continue
		}
		taken[f] = true
		ch.field = f
		assigned[ch.col] = ch
	}
	// A column whose header names a field another column took better: its content decides, without
	// the doubt the header cast.
	for _, ch := range cands {
		if _, done := assigned[ch.col]; done || ch.against == "" || !taken[ch.against] || taken[ch.field] || ch.score+25 < threshold {
			continue
		}
		ch.score += 25
		ch.reasons = append(append([]string(nil), ch.reasons...), "ma quel campo è già di un'altra colonna")
		taken[ch.field] = true
		assigned[ch.col] = ch
	}
	// Category and subcategory: the broader one (fewer distinct values) is the category.
	if k == KindPills {
		cat, sub := -1, -1
		for c, ch := range assigned {
			switch ch.field {
			case FCategory:
				cat = c
			case FSubcategory:
				sub = c
			}
		}
		named := func(c int, f Field) bool { return c < len(hs) && hs[c].field == f }
		if cat >= 0 && sub >= 0 && profs[sub].distinct < profs[cat].distinct && !named(cat, FCategory) && !named(sub, FSubcategory) {
			a, b := assigned[cat], assigned[sub]
			a.field, b.field = FSubcategory, FCategory
			assigned[cat], assigned[sub] = a, b
		}
	}
	best := map[int]cand{}
	for _, ch := range cands {
		if _, ok := best[ch.col]; !ok {
			best[ch.col] = ch
		}
	}
	for c := 0; c < width; c++ {
		label := ""
		if c < len(hs) {
			label = hs[c].label
		}
		if label == "" && profs[c].n == 0 {
			continue
		}
		col := Column{Index: c, Header: label, Field: FExtra}
		if label == "" {
			col.Header = "Colonna " + colName(c)
		}
		if ch, ok := assigned[c]; ok {
			col.Field, col.Score, col.Reasons = ch.field, max(1, min(100, ch.score)), ch.reasons
		} else if ch, ok := best[c]; ok {
			col.Reasons = append([]string{fmt.Sprintf("forse %s (%d%%), non abbastanza sicuro o già assegnato", ch.field, max(0, ch.score))}, ch.reasons...)
		} else if profs[c].n == 0 {
			col.Reasons = []string{"colonna vuota nelle prime righe"}
		} else {
			col.Reasons = []string{"nessun campo riconosciuto: conservata sulla pillola"}
		}
		m.Columns = append(m.Columns, col)
	}
	g := sheetGuess{m: m}
	for c, ch := range assigned {
		if ch.field == FAnswer && profs[c].share(profs[c].prose) >= 0.5 {
			g.prose = true
		}
		if ch.field != FIgnore {
			g.total += ch.score
		}
	}
	g.missing = missingFields(m)
	g.ok = len(g.missing) == 0
	return g
}

// missingFields lists what a mapping lacks to be imported: for pills an answer and a title or a
// question; for a directory an office and a way to reach it.
func missingFields(m Mapping) []Field {
	var out []Field
	if m.Kind == KindDirectory {
		if !m.has(FUnit) && !m.has(FDepartment) {
			out = append(out, FUnit)
		}
		if !m.has(FPhone) && !m.has(FEmail) && !m.has(FExtension) && !m.has(FFullName) && !m.has(FFamilyName) && !m.has(FPEC) {
			out = append(out, FPhone)
		}
		return out
	}
	if !m.has(FAnswer) {
		out = append(out, FAnswer)
	}
	if !m.has(FTitle) && !m.has(FQuestion) {
		out = append(out, FTitle)
	}
	return out
}

// fieldLabels are the Italian names of the fields, for messages.
var fieldLabels = map[Field]string{
	FCode: "codice", FTitle: "titolo", FQuestion: "domanda", FAnswer: "risposta", FKeywords: "parole chiave",
	FCategory: "categoria", FSubcategory: "sottocategoria", FOffice: "ufficio competente", FLegal: "riferimenti normativi",
	FLink: "collegamenti", FForms: "modulistica", FUpdated: "data di aggiornamento", FValidatedBy: "validato da",
	FNotes: "note", FDepartment: "dipartimento", FUnit: "ufficio", FPhone: "telefono, email, interno o nominativo",
}

func fieldName(f Field) string {
	if l := fieldLabels[f]; l != "" {
		return l
	}
	return string(f)
}

func fieldList(fs []Field) string {
	var out []string
	for _, f := range fs {
		l := fieldLabels[f]
		if f == FTitle {
			l = "titolo o domanda"
		}
		if l == "" {
			l = string(f)
		}
		out = append(out, l)
	}
	return strings.Join(out, " e ")
}

// sheetDecision is what the importer does with a sheet.
type sheetDecision struct {
	m       Mapping
	status  SheetStatus
	missing []Field
	message string // Italian, for an unmapped or skipped sheet
}

// decideSheet guesses the mapping of a sheet from its first rows and applies the mapping file:
// the one place where scan, Preview and the import's first check decide a sheet's fate.
func decideSheet(file, sheet string, head []Row, merges []Merge, opt scanOptions) (sheetDecision, error) {
	ov := opt.Mapping.override(sheet)
	if skipSheet(opt.Skip, sheet) || ov != nil && ov.Skip {
		return sheetDecision{status: SheetSkipped, m: Mapping{Sheet: sheet},
			message: "foglio escluso dall'importazione su richiesta"}, nil
	}
	if len(head) == 0 || allEmpty(head) {
		return sheetDecision{status: SheetEmpty, m: Mapping{Sheet: sheet}}, nil
	}
	kind := opt.Kind
	if ov != nil && ov.Kind != "" {
		kind = ov.Kind
	}
	kinds := []Kind{KindPills, KindDirectory}
	if kind != "" {
		kinds = []Kind{kind}
	}
	var best *sheetGuess
	for _, k := range kinds {
		hc := chooseHeader(k, sheet, head, merges)
		if ov != nil && ov.HeaderRows != nil {
			hc = headerChoice{how: "file"}
			for _, want := range ov.HeaderRows {
				found := false
				for _, r := range head {
					if r.Num == want {
						hc.rows, found = append(hc.rows, r), true
					}
				}
				if !found {
					return sheetDecision{}, fmt.Errorf("%s: file di mappatura %s: foglio %q: la riga di intestazione %d è vuota o oltre le prime %d righe", file, opt.Mapping.Name, sheet, want, len(head))
				}
			}
		}
		g := guessMapping(k, sheet, head, merges, hc, opt.Directory)
		if ov != nil {
			ov.apply(&g.m)
			g.missing = missingFields(g.m)
			g.ok = len(g.missing) == 0
		}
		g.named = hc.how == "names" || hc.how == "file"
		if best == nil || g.ok && !best.ok || g.ok == best.ok && better(g, *best) {
			gg := g
			best = &gg
		}
	}
	d := sheetDecision{m: best.m, missing: best.missing, status: SheetOK}
	if !best.ok {
		// A sheet of notes (a legend, instructions: one column of text) is not a table; one
		// whose rows have several values holds data that must not be left out quietly.
		table := false
		for _, r := range head {
			if n, _ := distinctValues(r); n >= 2 {
				table = true
			}
		}
		if !table {
			d.status = SheetNotes
			d.message = "il foglio non contiene una tabella (solo testo in una colonna): non importato"
			return d, nil
		}
		d.status = SheetUnmapped
		what := "pillole"
		if best.m.Kind == KindDirectory {
			what = "rubrica"
		}
		d.message = fmt.Sprintf("il foglio contiene dati ma non si riconosce la colonna %s (lettura come %s)", fieldList(best.missing), what)
	}
	return d, nil
}

func skipSheet(skip []string, sheet string) bool {
	for _, s := range skip {
		if foldKey(s) == foldKey(sheet) {
			return true
		}
	}
	return false
}
