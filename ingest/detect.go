package ingest

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"sportello/kb"
)

// Content-based column detection (REQUIREMENTS KB-11): a column is recognised by what its
// cells hold as well as by its header, so that a workbook from an office nobody has seen — its
// headers in no list, or no header at all — still maps. Each column of the sample rows gets a
// profile (how many cells look like codes, dates, addresses, questions, prose, lists…); each
// field scores the profile; the header's own match (header.go) adds to the field it names or,
// when the content contradicts it, loses some of its weight. Fields are then given to columns
// best score first, one column per field. Every guess keeps its confidence (0–100) and its
// reasons in Italian, which --show-mapping prints and the web import page shows.

// Directory is what the importer knows of the offices and people, to recognise a column of
// office names or of validators by its values.
type Directory struct {
	Units  []kb.Unit
	People []kb.Person
}

// LoadDirectory reads the offices and people of a store, for Options.Directory.
func LoadDirectory(ctx context.Context, store *kb.Store) (*Directory, error) {
	units, err := store.Units(ctx)
	if err != nil {
		return nil, err
	}
	people, err := store.People(ctx)
	if err != nil {
		return nil, err
	}
	return &Directory{Units: units, People: people}, nil
}

// personKeys are the folded ways a person's name is written: "mario rossi", "rossi mario",
// "m rossi".
func (d *Directory) personKeys() map[string]bool {
	if d == nil || len(d.People) == 0 {
		return nil
	}
	keys := map[string]bool{}
	for _, p := range d.People {
		g, f := foldKey(p.GivenName), foldKey(p.FamilyName)
		if f == "" {
			continue
		}
		keys[strings.TrimSpace(g+" "+f)] = true
		keys[strings.TrimSpace(f+" "+g)] = true
		if g != "" {
			keys[g[:1]+" "+f] = true
		}
	}
	return keys
}

// Value patterns.
var (
	codeValueRE  = regexp.MustCompile(`(?i)^(?:[a-z]{1,6}[-_./ ]?\d{1,6}|\d{1,6}[-_./][a-z0-9]{1,4})(?:[-_./][a-z0-9]{1,6})*$`)
	legalValueRE = regexp.MustCompile(`(?i)(?:\b(?:l|d\.?\s?lgs|d\.?\s?l|d\.?p\.?r|d\.?m|l\.?r|r\.?d)\.\s*(?:n\.?\s*)?\d|\b(?:legge|decreto|regolamento|dpr|dlgs|circolare|direttiva|deliberazione|delibera|codice civile|costituzione)\b|\bart(?:t)?\.\s*\d|\barticol[oi]\s+\d)`)
	formValueRE  = regexp.MustCompile(`(?i)(?:\bmodul[oi]\b|\bmodell[oi]\b|\bmod\.\s*\w|\ballegat[oi]\b|\bistanza\b|\bformulario\b|\.(?:pdf|docx?|odt|xlsx?|ods|rtf)\b)`)
	phoneValueRE = regexp.MustCompile(`^(?:\+|00)?[\d\s./()-]{6,20}$`)
	extValueRE   = regexp.MustCompile(`^(?i:int\.?\s*)?\d{2,5}$`)
	hoursValueRE = regexp.MustCompile(`(?i)(?:\d{1,2}[.:]\d{2}\s*[-–a]\s*\d{1,2}[.:]\d{2}|\bdalle\s+\d|\b(?:lun|mar|mer|gio|ven|sab)(?:ed[iì])?\b.*\d)`)
	addrValueRE  = regexp.MustCompile(`(?i)^(?:via|viale|v\.le|piazza|p\.zza|piazzale|corso|c\.so|largo|vicolo|contrada|c\.da|localit[aà]|loc\.|strada|borgo)\s`)
	personRE     = regexp.MustCompile(`^(?:(?:dott|dr|ing|avv|sig|arch|prof|rag|geom)(?:\.|ssa|\.ssa|ra)?\s+)?(?:\p{Lu}\.\s*)?\p{Lu}[\p{L}'’]+(?:\s+\p{Lu}[\p{L}'’]+){0,2}$`)
)

// questionStarts are the folded first words of a question in Italian and English.
var questionStarts = []string{
	"come", "quando", "dove", "chi", "cosa", "che cosa", "cos e", "quanto", "quanti", "quanta", "quante",
	"quale", "quali", "posso", "possono", "devo", "devono", "si puo", "si possono", "e possibile", "e obbligatorio",
	"perche", "bisogna", "serve", "servono", "occorre", "a chi", "in quali", "in che", "entro quando",
	"da quando", "fino a quando", "per quanto", "esiste", "ci sono", "c e", "ho diritto", "spetta", "mi spetta",
	"how", "what", "when", "where", "who", "which", "can i", "do i", "is it", "are there",
}

var officeWords = map[string]bool{
	"ufficio": true, "uff": true, "servizio": true, "serv": true, "settore": true, "uo": true, "u": true,
	"direzione": true, "sportello": true, "dipartimento": true, "struttura": true, "sezione": true,
	"unita": true, "urp": true, "segreteria": true, "agenzia": true, "centro": true, "area": true,
}

// colProfile is what the values of one column look like.
type colProfile struct {
	n, distinct                 int
	chars, words, maxChars      int
	code, numbering, date, url  int
	email, pec, phone, ext      int
	question, prose, list       int
	legal, form, office, person int
	knownUnit, knownPerson      int
	hours, address, yesno       int
	multiLine, numeric          int
	example                     string
}

func (p *colProfile) share(k int) float64 {
	if p.n == 0 {
		return 0
	}
	return float64(k) / float64(p.n)
}

func (p *colProfile) avgChars() float64 {
	if p.n == 0 {
		return 0
	}
	return float64(p.chars) / float64(p.n)
}

func (p *colProfile) repeated() bool {
	return p.n >= 4 && float64(p.distinct) <= 0.6*float64(p.n)
}

// profileColumns describes each column of the data rows.
func profileColumns(rows []Row, width int, dir *Directory) []colProfile {
	profs := make([]colProfile, width)
	seen := make([]map[string]bool, width)
	lastInt := make([]int, width)
	people := dir.personKeys()
	for _, r := range rows {
		for c := 0; c < width; c++ {
			cell := r.cell(c)
			v := oneLine(cell.Value)
			if v == "" {
				continue
			}
			p := &profs[c]
			p.n++
			if p.example == "" {
				p.example = v
			}
			if seen[c] == nil {
				seen[c] = map[string]bool{}
			}
			key := foldKey(v)
			if !seen[c][key] {
				seen[c][key] = true
				p.distinct++
			}
			chars := utf8.RuneCountInString(v)
			words := len(strings.Fields(v))
			p.chars += chars
			p.words += words
			p.maxChars = max(p.maxChars, chars)
			if strings.Contains(strings.TrimSpace(cell.Value), "\n") {
				p.multiLine++
			}
			if n, err := strconv.Atoi(v); err == nil {
				p.numeric++
				if n == lastInt[c]+1 || p.numbering == 0 && n >= 0 && n <= 1 {
					p.numbering++
				}
				lastInt[c] = n
			} else if _, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64); err == nil {
				p.numeric++
			}
			isDate := cell.Number && cell.DateFormat || !cell.Number && looksLikeDate(v)
			if isDate {
				p.date++
			} else if codeValueRE.MatchString(v) && strings.ContainsAny(v, "0123456789") && !isPlainNumber(v) {
				p.code++
			}
			if cell.Link != "" || isURLValue(v) {
				p.url++
			}
			if isEmailList(v) {
				p.email++
				if strings.Contains(strings.ToLower(v), "pec") || strings.Contains(strings.ToLower(v), "legalmail") {
					p.pec++
				}
			}
			if !isDate && phoneValueRE.MatchString(v) && digits(v) >= 6 {
				p.phone++
			}
			if extValueRE.MatchString(v) {
				p.ext++
			}
			if isQuestion(v) {
				p.question++
			}
			if chars >= 100 || chars >= 50 && sentences(v) >= 2 || p.multiLine > 0 && chars >= 40 && strings.Contains(cell.Value, "\n") {
				p.prose++
			}
			if isList(v) {
				p.list++
			}
			if legalValueRE.MatchString(v) {
				p.legal++
			}
			if formValueRE.MatchString(v) {
				p.form++
			}
			if w := strings.Fields(key); len(w) > 0 && officeWords[w[0]] && chars <= 120 {
				p.office++
			}
			if dir != nil && chars <= 120 && matchUnit(dir.Units, v, kb.UnitOffice) != nil {
				p.knownUnit++
			}
			if chars <= 60 && personRE.MatchString(v) {
				p.person++
			}
			if people[key] {
				p.knownPerson++
			}
			if chars <= 120 && hoursValueRE.MatchString(v) {
				p.hours++
			}
			if addrValueRE.MatchString(v) {
				p.address++
			}
			switch key {
			case "si", "no", "x", "vero", "falso", "yes", "true", "false", "s", "n":
				p.yesno++
			}
		}
	}
	return profs
}

func isPlainNumber(v string) bool {
	_, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
	return err == nil
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// looksLikeDate: text that parseDate reads, a bare year aside (a column of years is not a
// "last update" column as surely as one of dates).
func looksLikeDate(v string) bool {
	if len(v) > 40 || len(v) == 4 && isPlainNumber(v) {
		return false
	}
	_, err := parseDate(v)
	return err == nil
}

func isURLValue(v string) bool {
	u := findURLs(v)
	if len(u) == 0 {
		return false
	}
	rest := v
	for _, x := range u {
		rest = strings.ReplaceAll(rest, x, "")
		rest = strings.ReplaceAll(rest, strings.TrimPrefix(x, "https://"), "")
	}
	return utf8.RuneCountInString(strings.TrimSpace(rest)) <= 40
}

func isEmailList(v string) bool {
	parts := splitContacts(v)
	if len(parts) == 0 {
		return false
	}
	for _, p := range parts {
		if !emailRE.MatchString(strings.TrimPrefix(strings.ToLower(p), "mailto:")) {
			return false
		}
	}
	return true
}

func isQuestion(v string) bool {
	if strings.HasSuffix(strings.TrimRight(v, " .)\"'»"), "?") {
		return true
	}
	k := foldKey(v)
	if len(strings.Fields(k)) < 3 {
		return false
	}
	for _, q := range questionStarts {
		if strings.HasPrefix(k, q+" ") {
			return true
		}
	}
	return false
}

func sentences(v string) int {
	n := 0
	for i := 0; i+1 < len(v); i++ {
		if (v[i] == '.' || v[i] == '!' || v[i] == '?' || v[i] == ':') && v[i+1] == ' ' {
			n++
		}
	}
	if strings.HasSuffix(v, ".") {
		n++
	}
	return n
}

// isList: two or more short items separated by ";" or ",", as keywords are written.
func isList(v string) bool {
	if !strings.ContainsAny(v, ";,") || strings.HasSuffix(v, ".") {
		return false
	}
	items := strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' })
	if len(items) < 2 {
		return false
	}
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" || len(strings.Fields(it)) > 4 || utf8.RuneCountInString(it) > 40 {
			return false
		}
		if r, _ := utf8.DecodeRuneInString(it); unicode.IsDigit(r) && len(it) > 3 {
			return false // "16,00 €", "3,5 milioni": a number with a decimal comma
		}
	}
	return true
}

// A guess is one field for one column, with how sure it is and why.
type guess struct {
	field   Field
	score   int
	reasons []string
}

// contentGuesses scores every field of kind k against a column's profile; guesses under 40 are
// dropped.
func contentGuesses(k Kind, p *colProfile, longest bool) []guess {
	if p.n == 0 {
		return nil
	}
	var out []guess
	add := func(f Field, score int, format string, a ...any) {
		if score >= 40 {
			out = append(out, guess{f, min(score, 95), []string{fmt.Sprintf(format, a...)}})
		}
	}
	n := p.n
	pct := func(k int) string { return fmt.Sprintf("%d valori su %d", k, n) }
	avg := int(p.avgChars())
	unique := p.distinct >= max(1, n*9/10)
	if k == KindPills {
		if s := p.share(p.code); s >= 0.7 {
			sc := 60 + int(30*s)
			if !unique {
				sc -= 25
			}
			add(FCode, sc, "contenuto: %s sono codici come «%s»%s", pct(p.code), p.example, map[bool]string{true: ", tutti diversi", false: ""}[unique])
		}
		if p.share(p.numbering) >= 0.8 && n >= 3 && p.share(p.code) < 0.5 {
			add(FIgnore, 75, "contenuto: numerazione progressiva delle righe (1, 2, 3…)")
		}
		if s := p.share(p.question); s >= 0.5 {
			add(FQuestion, 50+int(40*s), "contenuto: %s sono domande («%s»)", pct(p.question), trimExample(p.example))
		}
		if s := p.share(p.prose); s >= 0.5 || longest && avg >= 60 {
			sc := 45 + int(35*s)
			if longest {
				sc += 15
			}
			add(FAnswer, sc, "contenuto: testi lunghi (in media %d caratteri)%s", avg, map[bool]string{true: ", la colonna più lunga", false: ""}[longest])
		}
		if s := p.share(p.list); s >= 0.5 && avg <= 120 {
			add(FKeywords, 45+int(40*s), "contenuto: %s sono elenchi separati da «;» o «,»", pct(p.list))
		}
		if s := p.share(p.date); s >= 0.7 {
			add(FUpdated, 55+int(35*s), "contenuto: %s sono date", pct(p.date))
		}
		if s := p.share(p.url); s >= 0.6 {
			add(FLink, 55+int(35*s), "contenuto: %s sono indirizzi web", pct(p.url))
		}
		if s := p.share(p.legal); s >= 0.5 {
			add(FLegal, 50+int(40*s), "contenuto: %s sono riferimenti normativi («%s»)", pct(p.legal), trimExample(p.example))
		}
		if s := p.share(p.form); s >= 0.5 && p.share(p.legal) < 0.5 {
			add(FForms, 45+int(30*s), "contenuto: %s nominano moduli o allegati", pct(p.form))
		}
		if s := p.share(p.knownUnit); s >= 0.5 {
			add(FOffice, 60+int(35*s), "contenuto: %s sono uffici della rubrica", pct(p.knownUnit))
		} else if s := p.share(p.office); s >= 0.5 {
			add(FOffice, 45+int(30*s), "contenuto: %s sono nomi di uffici («%s»)", pct(p.office), trimExample(p.example))
		}
		if s := p.share(p.knownPerson); s >= 0.5 {
			add(FValidatedBy, 60+int(30*s), "contenuto: %s sono persone della rubrica", pct(p.knownPerson))
		} else if s := p.share(p.person); s >= 0.7 && p.repeated() && avg <= 30 {
			add(FValidatedBy, 40+int(20*s), "contenuto: nomi di persona ripetuti («%s»)", p.example)
		}
		short := avg <= 40 && p.words <= 5*n && p.share(p.numeric) < 0.5 && p.share(p.date) < 0.5 && p.share(p.code) < 0.5 && p.share(p.url) < 0.5
		if short && p.repeated() && p.share(p.question) < 0.3 && p.share(p.list) < 0.5 {
			add(FCategory, 60, "contenuto: poche etichette brevi ripetute (%d diverse su %d)", p.distinct, n)
		}
		if avg >= 8 && avg <= 120 && unique && p.share(p.question) < 0.5 && p.share(p.prose) < 0.5 && p.share(p.code) < 0.3 &&
			p.share(p.date) < 0.3 && p.share(p.url) < 0.3 && p.share(p.numeric) < 0.3 && p.share(p.list) < 0.5 && p.share(p.legal) < 0.5 && n >= 2 {
			add(FTitle, 55, "contenuto: testi brevi, tutti diversi (in media %d caratteri)", avg)
		}
		return out
	}
	// Directory.
	if s := p.share(p.email); s >= 0.6 {
		if p.share(p.pec) >= 0.6 {
			add(FPEC, 50+int(40*s), "contenuto: %s sono indirizzi PEC", pct(p.pec))
		} else {
			add(FEmail, 50+int(40*s), "contenuto: %s sono indirizzi email", pct(p.email))
		}
	}
	if s := p.share(p.phone); s >= 0.6 && avg >= 6 {
		add(FPhone, 50+int(35*s), "contenuto: %s sono numeri di telefono", pct(p.phone))
	}
	if s := p.share(p.ext); s >= 0.7 && avg <= 6 && p.share(p.numbering) < 0.8 {
		add(FExtension, 45+int(35*s), "contenuto: %s sono numeri interni brevi", pct(p.ext))
	}
	if s := p.share(p.knownUnit); s >= 0.5 {
		add(FUnit, 60+int(35*s), "contenuto: %s sono uffici della rubrica", pct(p.knownUnit))
	} else if s := p.share(p.office); s >= 0.5 {
		add(FUnit, 45+int(35*s), "contenuto: %s sono nomi di uffici («%s»)", pct(p.office), trimExample(p.example))
	}
	if s := p.share(p.person); s >= 0.7 && !p.repeated() {
		add(FFullName, 45+int(25*s), "contenuto: nomi di persona («%s»)", p.example)
	}
	if s := p.share(p.hours); s >= 0.6 {
		add(FHours, 50+int(35*s), "contenuto: %s sono orari", pct(p.hours))
	}
	if s := p.share(p.address); s >= 0.6 {
		add(FAddress, 50+int(35*s), "contenuto: %s sono indirizzi", pct(p.address))
	}
	if s := p.share(p.yesno); s >= 0.8 {
		add(FURP, 40+int(20*s), "contenuto: valori sì/no")
	}
	return out
}

func trimExample(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:39]) + "…"
	}
	return s
}

// contentExpect says which profile share a field's values must show: a header naming the field
// over a column where none do is doubtful.
func contentExpect(f Field, p *colProfile) (ok bool, what string) {
	if p.n < 3 {
		return true, ""
	}
	switch f {
	case FUpdated:
		return p.share(p.date) >= 0.3, "date (poche lo sono)"
	case FLink:
		return p.share(p.url) >= 0.3, "indirizzi web (pochi lo sono)"
	case FEmail, FPEC:
		return p.share(p.email) >= 0.3, "indirizzi email (pochi lo sono)"
	case FAnswer:
		return p.avgChars() >= 15, "testi (sono troppo brevi)"
	case FCategory, FSubcategory, FDepartment:
		// A classification repeats: a column of all different short texts is titles.
		return p.n < 5 || p.distinct*10 <= p.n*9, "ripetuti (sono tutti diversi)"
	}
	return true, ""
}

// headerMatchReason says how a header named its field: which synonym, and whether as written,
// abbreviated, misspelt or inside a longer label.
func headerMatchReason(k Kind, header string, f Field) string {
	h := foldKey(header)
	best, bestScore := "", 0
	for _, syn := range synonyms(k)[f] {
		if sc := headerScore(h, syn); sc > bestScore {
			best, bestScore = syn, sc
		}
	}
	how := "contiene"
	switch {
	case bestScore >= 100:
		how = "nome noto"
	case bestScore >= 90:
		how = "abbreviazione di"
	case bestScore >= 80:
		how = "errore di battitura per"
	}
	name := fieldLabels[f]
	if name == "" {
		name = string(f)
	}
	return fmt.Sprintf("intestazione «%s»: %s «%s» (%s)", header, how, best, name)
}
