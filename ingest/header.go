package ingest

import (
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Field is what a column holds. The names are those of the mapping file.
type Field string

// Pill fields (issue 3, point 2).
const (
	FCode        Field = "code"
	FTitle       Field = "title"
	FQuestion    Field = "question"
	FAnswer      Field = "answer"
	FKeywords    Field = "keywords"
	FCategory    Field = "category"
	FSubcategory Field = "subcategory"
	FOffice      Field = "office"
	FLegal       Field = "legal"
	FLink        Field = "link"
	FForms       Field = "forms"
	FUpdated     Field = "updated"
	FValidatedBy Field = "validated_by"
	FNotes       Field = "notes"
)

// Directory fields (issue 3, point 7).
const (
	FDepartment Field = "department"
	FUnit       Field = "unit"
	FURP        Field = "urp"
	FGivenName  Field = "given_name"
	FFamilyName Field = "family_name"
	FFullName   Field = "full_name"
	FRole       Field = "role"
	FExtension  Field = "extension"
	FPhone      Field = "phone"
	FEmail      Field = "email"
	FPEC        Field = "pec"
	FAddress    Field = "address"
	FHours      Field = "hours"
)

// FExtra keeps a column on the pill as it is; FIgnore drops it (mapping file only).
const (
	FExtra  Field = "extra"
	FIgnore Field = "ignore"
)

// Kind is what a sheet holds.
type Kind string

const (
	KindPills     Kind = "pills"
	KindDirectory Kind = "directory"
)

// pillSynonyms is the built-in table of Italian and English headers, compared after foldKey
// (case, accents and punctuation do not matter) and with abbreviations and small typos allowed.
var pillSynonyms = map[Field][]string{
	FCode:        {"codice", "cod", "codice scheda", "codice pillola", "codice faq", "id", "id scheda", "numero scheda", "n scheda", "rif", "riferimento scheda", "code", "pill code", "identificativo"},
	FTitle:       {"titolo", "titolo pillola", "titolo scheda", "oggetto", "denominazione", "nome scheda", "title", "subject", "pillola", "scheda"},
	FQuestion:    {"domanda", "domanda frequente", "domande frequenti", "quesito", "domanda tipo", "domanda del cittadino", "faq", "question", "frequently asked question"},
	FAnswer:      {"risposta", "testo", "testo risposta", "risposta testo", "testo della risposta", "risposta operatore", "descrizione", "informazioni", "contenuto scheda", "answer", "text", "answer text", "description"},
	FKeywords:    {"parole chiave", "parola chiave", "parole chiavi", "chiavi di ricerca", "keywords", "keyword", "key words", "tag", "tags"},
	FCategory:    {"categoria", "area", "area tematica", "argomento", "tema", "ambito", "macrocategoria", "macro categoria", "materia", "category", "topic", "theme"},
	FSubcategory: {"sottocategoria", "sotto categoria", "sottoargomento", "sotto argomento", "sottotema", "sotto area", "sottoarea", "subcategory", "sub category", "subtopic"},
	FOffice:      {"ufficio competente", "ufficio", "struttura competente", "servizio competente", "ufficio responsabile", "struttura", "ufficio di riferimento", "competent office", "office", "responsible office"},
	FLegal:       {"riferimenti normativi", "riferimento normativo", "normativa", "normativa di riferimento", "norme", "norma", "base normativa", "fonti normative", "legal reference", "legal references", "legislation", "law"},
	FLink:        {"link", "links", "link utili", "url", "sito", "sito web", "collegamento", "collegamenti", "indirizzo web", "pagina web", "web", "website"},
	FForms:       {"modulistica", "moduli", "modulo", "modelli", "allegati", "documenti", "forms", "form", "attachments", "documents"},
	FUpdated:     {"ultimo aggiornamento", "data ultimo aggiornamento", "data aggiornamento", "data agg", "agg", "aggiornato il", "aggiornamento", "data", "data revisione", "data modifica", "modificato il", "last update", "last updated", "updated", "date"},
	FValidatedBy: {"validato da", "validata da", "validatore", "approvato da", "approvata da", "verificato da", "validazione", "validated by", "approved by", "validator"},
	FNotes:       {"note", "nota", "notes", "note interne", "osservazioni", "commenti", "annotazioni", "remarks", "comments"},
	// One sheet for every department: the column says which (otherwise the sheet name does).
	FDepartment: {"dipartimento", "direzione", "direzione generale", "assessorato", "department"},
}

var directorySynonyms = map[Field][]string{
	FDepartment: {"dipartimento", "direzione", "direzione generale", "area", "department"},
	FUnit:       {"ufficio", "servizio", "struttura", "unita organizzativa", "uo", "ufficio servizio", "office", "unit"},
	FURP:        {"urp", "ufficio relazioni con il pubblico", "sportello urp", "front office"},
	FGivenName:  {"nome", "first name", "given name", "name"},
	FFamilyName: {"cognome", "last name", "family name", "surname"},
	FFullName:   {"nominativo", "nome e cognome", "cognome e nome", "referente", "dipendente", "full name", "person"},
	FRole:       {"ruolo", "qualifica", "incarico", "funzione", "role", "job title", "position"},
	FExtension:  {"interno", "int", "tel interno", "numero interno", "extension", "ext"},
	FPhone:      {"telefono", "tel", "telefono diretto", "numero di telefono", "recapito telefonico", "cellulare", "phone", "telephone"},
	FEmail:      {"email", "e mail", "mail", "posta elettronica", "indirizzo email"},
	FPEC:        {"pec", "posta elettronica certificata", "posta certificata", "email pec", "pec address"},
	FAddress:    {"sede", "indirizzo", "ubicazione", "indirizzo sede", "address", "location"},
	FHours:      {"orari di apertura", "orari", "orario", "orario di apertura", "orari al pubblico", "orario ricevimento", "ricevimento pubblico", "opening hours", "hours"},
}

// synonyms returns the table of a kind.
func synonyms(k Kind) map[Field][]string {
	if k == KindDirectory {
		return directorySynonyms
	}
	return pillSynonyms
}

// knownField reports whether f is a field name the mapping file may use for kind k.
func knownField(k Kind, f Field) bool {
	if f == FExtra || f == FIgnore {
		return true
	}
	_, ok := synonyms(k)[f]
	return ok
}

// matchHeader finds the field a header names and how sure the match is (0 = none, 100 =
// exact). Ties go to the field whose synonym is longer, the more specific one.
func matchHeader(k Kind, header string) (Field, int) {
	key := string(k) + "\x00" + header
	headerCache.Lock()
	if r, ok := headerCache.m[key]; ok {
		headerCache.Unlock()
		return r.f, r.score
	}
	headerCache.Unlock()
	f, score := matchHeaderUncached(k, header)
	headerCache.Lock()
	if len(headerCache.m) >= 4096 {
		clear(headerCache.m)
	}
	headerCache.m[key] = headerMatch{f, score}
	headerCache.Unlock()
	return f, score
}

// headerCache remembers matches: the same cells are matched for both kinds, as one row and as
// half of a two-row header, by the first pass and by the import.
var headerCache = struct {
	sync.Mutex
	m map[string]headerMatch
}{m: map[string]headerMatch{}}

type headerMatch struct {
	f     Field
	score int
}

func matchHeaderUncached(k Kind, header string) (Field, int) {
	h := foldKey(header)
	if h == "" || len(h) > 80 {
		return "", 0
	}
	best, bestScore, bestLen := Field(""), 0, 0
	for f, syns := range synonyms(k) {
		for i, s := range syns {
			sc := headerScore(h, s)
			if sc >= 80 {
				// The first synonyms are the usual names: "Risposta" beats "Descrizione" for
				// the answer when a sheet has both.
				sc -= min(i, 9)
			}
			if sc > bestScore || sc == bestScore && sc > 0 && len(s) > bestLen {
				best, bestScore, bestLen = f, sc, len(s)
			}
		}
	}
	if bestScore < minHeaderScore {
		return "", 0
	}
	return best, bestScore
}

const minHeaderScore = 55

// headerScore compares a folded header with a folded synonym.
func headerScore(h, s string) int {
	if h == s {
		return 100
	}
	ht, st := strings.Fields(h), strings.Fields(s)
	if abbreviates(ht, st) {
		return 90
	}
	if limit := min(2, max(1, len(s)/8)); len(h) >= 5 && editDistance(h, s, limit) <= limit {
		return 80
	}
	// "Risposta/Testo", "Codice (ID)", "Link al sito": the synonym appears as whole words.
	if len(st) <= len(ht) && containsWords(ht, st) && len(s) >= 3 {
		return 55 + min(20, 2*len(s))/2
	}
	return 0
}

// abbreviates: every header word is a prefix of the synonym's word at the same place ("Cod."
// for "codice", "Data agg." for "data aggiornamento"), short words exactly.
func abbreviates(ht, st []string) bool {
	if len(ht) != len(st) {
		return false
	}
	for i := range ht {
		if ht[i] == st[i] {
			continue
		}
		if len(ht[i]) < 3 || !strings.HasPrefix(st[i], ht[i]) {
			return false
		}
	}
	return true
}

func containsWords(ht, st []string) bool {
	for i := 0; i+len(st) <= len(ht); i++ {
		ok := true
		for j := range st {
			if ht[i+j] != st[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// editDistance is the Levenshtein distance of a and b, giving up above limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Column is one column of a sheet and the field it was mapped to.
type Column struct {
	Index  int    // 0-based
	Header string // as written (both header rows joined for a two-row header); "Colonna C" without a header
	Field  Field  // FExtra when unmapped
	// Score is the confidence of the guess, 0–100: how well the header names the field and how
	// well the values fit it; 100 when set by a mapping file.
	Score int
	// Reasons say, in Italian, why the column got its field (or none): the header's match, what
	// the values look like, a contradiction between the two.
	Reasons []string
}

// Mapping is how a sheet is read: where its header is and what each column holds.
type Mapping struct {
	Sheet      string
	Kind       Kind
	HeaderRows []int // Excel row numbers of the header (two for a grouped header); none when the sheet has no header
	FirstRow   int   // without a header, the first row of the table
	Columns    []Column
	FromFile   bool // set or amended by a mapping file
	// Preview holds the first data rows as shown, one value per column of Columns, when the
	// mapping comes from ShowMapping: what a user checks before importing.
	Preview [][]string
}

// DataStart is the first row after the header.
func (m Mapping) DataStart() int {
	if len(m.HeaderRows) == 0 {
		return max(1, m.FirstRow)
	}
	return m.HeaderRows[len(m.HeaderRows)-1] + 1
}

// col returns the column index of f, or -1.
func (m Mapping) col(f Field) int {
	for _, c := range m.Columns {
		if c.Field == f {
			return c.Index
		}
	}
	return -1
}

func (m Mapping) has(f Field) bool { return m.col(f) >= 0 }

func kindLabel(k Kind) string {
	if k == KindDirectory {
		return "rubrica"
	}
	return "pillole"
}

// headerScanRows is how far down a sheet the header is looked for: title rows, notes and blank
// lines above it rarely take more than a screen.
const headerScanRows = 30

// detectHeader finds the header among the first rows of a sheet: the row (or pair of rows, for
// a grouped header) whose cells name the most distinct fields of kind k. Merged header cells
// count for every column they cover.
func detectHeader(k Kind, sheet string, rows []Row, merges []Merge) (Mapping, int) {
	best := Mapping{Sheet: sheet, Kind: k}
	bestScore := 0
	tableRows := 0 // rows seen with three values or more: data, or the header itself
	for i := range rows {
		if i >= headerScanRows {
			break
		}
		if rows[i].empty() {
			continue
		}
		if n, _ := distinctValues(rows[i]); n >= 3 {
			// A header sits above the data: a row found below two rows of a table is data that
			// happens to name fields ("telefono", "interno"), not the header. (The first of
			// the two may be the upper row of a two-row header.)
			if tableRows++; tableRows > 2 {
				break
			}
		}
		if !headerLike(rows[i]) {
			continue
		}
		cands := [][]Row{{rows[i]}}
		if i > 0 && !rows[i-1].empty() && rows[i-1].Num == rows[i].Num-1 && headerLike(rows[i-1]) {
			cands = append(cands, []Row{rows[i-1], rows[i]})
		}
		for _, hr := range cands {
			m, score := mapHeader(k, sheet, hr, merges)
			// A second header row must add something; ties keep the single row.
			if score > bestScore || (score == bestScore && score > 0 && len(hr) < len(best.HeaderRows)) {
				best, bestScore = m, score
			}
		}
	}
	return best, bestScore
}

// headerLike: a row that could be a header — at most one of its cells holds what a header does
// not (a long text, a date, a number, a code, an address).
func headerLike(r Row) bool {
	odd := 0
	for _, c := range r.Cells {
		if strings.TrimSpace(c.Value) != "" && !labelLike(c) && utf8.RuneCountInString(oneLine(c.Value)) > 3 {
			if odd++; odd >= 2 {
				return false
			}
		}
	}
	return true
}

// colHeader is what the header says of one column: its label as written (both rows joined for a
// two-row header) and the field the label names, if any.
type colHeader struct {
	label string
	field Field
	score int
}

// headerMatches reads the labels of a candidate header (one or two rows) and matches each column
// on its own. Merged header cells name every column they cover.
func headerMatches(k Kind, hr []Row, merges []Merge) []colHeader {
	width := 0
	for _, r := range hr {
		width = max(width, len(r.Cells))
	}
	labels := make([][]string, len(hr))
	for i, r := range hr {
		labels[i] = make([]string, width)
		for c := 0; c < width; c++ {
			labels[i][c] = oneLine(r.cell(c).Value)
		}
		for _, mg := range merges {
			if r.Num < mg.Top || r.Num > mg.Bottom || mg.Left-1 >= width {
				continue
			}
			v := ""
			if mg.Top == r.Num {
				v = labels[i][mg.Left-1]
			} else {
				for j := range hr {
					if hr[j].Num == mg.Top {
						v = labels[j][mg.Left-1]
					}
				}
			}
			for c := mg.Left - 1; c < mg.Right && c < width; c++ {
				if labels[i][c] == "" {
					labels[i][c] = v
				}
			}
		}
	}
	out := make([]colHeader, width)
	for c := 0; c < width; c++ {
		bottom := labels[len(hr)-1][c]
		top := labels[0][c]
		f, sc := matchHeader(k, bottom)
		label := bottom
		if len(hr) == 2 {
			switch {
			case bottom == "" || bottom == top:
				f, sc = matchHeader(k, top)
				label = top
			case top != "":
				// The group label ("Riferimenti") may be what tells the field; the sub-label
				// usually is more precise.
				if f2, sc2 := matchHeader(k, top+" "+bottom); sc2 > sc {
					f, sc = f2, sc2
				}
				label = top + " / " + bottom
			}
		}
		out[c] = colHeader{label: label, field: f, score: sc}
	}
	return out
}

// mapHeader maps one candidate header (one or two rows) by the names alone and scores it: the
// sum of the best match of each distinct field, so a row of data (which matches by accident at
// most once or twice) loses to the real header.
func mapHeader(k Kind, sheet string, hr []Row, merges []Merge) (Mapping, int) {
	hs := headerMatches(k, hr, merges)
	m := Mapping{Sheet: sheet, Kind: k}
	for _, r := range hr {
		m.HeaderRows = append(m.HeaderRows, r.Num)
	}
	type choice struct {
		col   int
		field Field
		score int
	}
	var choices []choice
	for c, h := range hs {
		if h.field != "" {
			choices = append(choices, choice{c, h.field, h.score})
		}
	}
	// Each field goes to the column that names it best; the others stay as extras.
	sort.SliceStable(choices, func(i, j int) bool { return choices[i].score > choices[j].score })
	taken := map[Field]bool{}
	assigned := map[int]choice{}
	total := 0
	for _, ch := range choices {
		if taken[ch.field] {
			continue
		}
		taken[ch.field] = true
		assigned[ch.col] = ch
		total += ch.score
	}
	for c, h := range hs {
		if h.label == "" {
			continue
		}
		col := Column{Index: c, Header: h.label, Field: FExtra}
		if ch, ok := assigned[c]; ok {
			col.Field, col.Score = ch.field, ch.score
		}
		m.Columns = append(m.Columns, col)
	}
	// Cells that are not header-like (long sentences, numbers) make a data row look less like
	// a header.
	for _, h := range hs {
		if len(h.label) > 60 {
			total -= 30
		}
	}
	if len(taken) < 2 {
		total = 0
	}
	return m, total
}

// detectKind tells a pills workbook from a directory by which table the header matches better
// and by the columns each kind cannot do without.
func detectKind(rows []Row, merges []Merge, sheet string) (Mapping, bool) {
	pm, ps := detectHeader(KindPills, sheet, rows, merges)
	dm, ds := detectHeader(KindDirectory, sheet, rows, merges)
	pillOK := pm.has(FAnswer) || pm.has(FTitle) && pm.has(FCode)
	dirOK := dm.has(FUnit) && (dm.has(FPhone) || dm.has(FEmail) || dm.has(FExtension) || dm.has(FFamilyName) || dm.has(FFullName))
	switch {
	case pillOK && (!dirOK || ps >= ds):
		return pm, true
	case dirOK:
		return dm, true
	}
	if ps >= ds {
		return pm, false
	}
	return dm, false
}
