package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"sportello/kb"
)

// Options steer an import.
type Options struct {
	Kind    Kind         // pills or directory; "" detects each sheet's kind from its header
	Mapping *MappingFile // overrides of the guessed headers
	// Status is draft (the default: imported pills go through the approval workflow) or
	// published: the administrator's explicit choice to publish the legacy base validated
	// before, written in each pill's history. Callers let only administrators ask for it.
	Status kb.Status
	Strict bool   // write nothing if any row has a problem
	DryRun bool   // plan only: report what would change, write nothing
	Actor  string // who imports (an account): the history names them; "importazione" when empty
	// RetireMissing retires the offices and people of the store that a directory workbook no
	// longer lists (they are reported either way).
	RetireMissing bool
	// Progress reports rows done per sheet (row -1 ends a sheet).
	Progress func(sheet string, row int)
	// Reading (read.go side): limits on what a file may hold, sheets left out on request, and
	// the directory that lets office and people columns be recognised by their values (loaded
	// from the store when nil).
	Limits     Limits
	SkipSheets []string
	Directory  *Directory
}

// DefaultActor is the agent the history names when an import does not say who ran it.
const DefaultActor = "importazione"

// Action is what the import did (or, in a dry run, would do) to one resource.
type Action string

const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
	Skipped   Action = "skipped"
	// Conflict: the pill was edited in Sportello since its last import; the imported text is
	// kept beside it for the publisher to merge, and nothing operators see changes.
	Conflict Action = "conflict"
)

// Item is one resource of the summary.
type Item struct {
	Sheet  string
	Row    int
	Type   string // pill, concept, department, office, person
	Key    string // pill code, or name
	Title  string
	Action Action
	IRI    string
}

// Counts tallies actions.
type Counts struct{ Created, Updated, Unchanged, Skipped, Conflicts int }

func (c *Counts) add(a Action) {
	switch a {
	case Created:
		c.Created++
	case Updated:
		c.Updated++
	case Unchanged:
		c.Unchanged++
	case Skipped:
		c.Skipped++
	case Conflict:
		c.Conflicts++
	}
}

// Summary is the outcome of an import.
type Summary struct {
	File      string
	DryRun    bool
	Refused   bool // --strict found problems: nothing was written
	Published bool // the pills were published at once (Options.Status published)
	Mappings  []Mapping
	Problems  []Problem
	Items     []Item
	Rows      int
	Pills     Counts
	Concepts  Counts
	Units     Counts
	People    Counts
	Linked    int // pills whose competent office the directory import linked
	Missing   int // offices and people in the store that the directory workbook no longer lists
	Retired   int // of those, retired (Options.RetireMissing)
	Elapsed   time.Duration
}

// Blocking counts the problems that make --strict refuse a workbook.
func (s *Summary) Blocking() int {
	n := 0
	for _, p := range s.Problems {
		if p.blocking() {
			n++
		}
	}
	return n
}

// ErrRefused is returned (wrapped) when --strict refused a workbook.
var ErrRefused = errors.New("import refused")

// ImportFile imports a workbook of pills or of the phone directory (or both: each sheet is
// detected on its own) into store, in ONE store transaction: a failed import writes nothing,
// and a kill at any moment leaves the store before or after it. Pills go through the store's
// workflow (kb.Batch.ImportPill): an unchanged row changes nothing, a changed row becomes a
// draft (over a published pill, flagged "changed by import", while the published version stays
// live), and a pill edited in Sportello since its last import is never overwritten: the row is
// a conflict, kept beside the pill for the publisher. Problems are in the summary; the error is
// for input that cannot be read at all, a store failure or a strict import refused (wrapping
// ErrRefused); conflicts are problems of their rows (errors: Summary.RowsLeftOut counts them,
// and the command exits 3). A panic is turned into an Italian error, its stack logged: it never
// reaches the user.
func ImportFile(ctx context.Context, store *kb.Store, name string, opt Options) (sum *Summary, err error) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			slog.Error("import: panic", "file", name, "panic", p, "stack", string(debug.Stack()))
			// The panic's text and stack are for the log; the user reads what happened to the data.
			sum, err = nil, fmt.Errorf("%s: errore interno durante l'importazione: nulla è stato scritto; i dettagli sono nel registro del server", filepath.Base(name))
		}
		if sum != nil {
			sum.Elapsed = time.Since(start)
		}
	}()
	wb, err := Open(name, opt.Limits)
	if err != nil {
		return nil, err
	}
	defer wb.Close()
	// The first pass: unmapped sheets, limits and damage stop the import before any write.
	pre, err := preflight(ctx, store, wb, &opt)
	if err != nil {
		if pre != nil {
			return &Summary{File: wb.Name, Problems: pre.Problems}, err
		}
		return nil, err
	}
	if opt.Status == "" {
		opt.Status = kb.StatusDraft
	}
	if opt.Status != kb.StatusDraft && opt.Status != kb.StatusPublished {
		return nil, fmt.Errorf("%s: stato %q non ammesso per l'importazione (bozza o pubblicata)", wb.Name, opt.Status)
	}
	if strings.TrimSpace(opt.Actor) == "" {
		opt.Actor = DefaultActor
	}
	return importWorkbook(ctx, store, wb, opt, pre.Problems)
}

// errDry ends the transaction of a dry run or a refused strict import: nothing is written.
var errDry = errors.New("dry run")

// importWorkbook scans the workbook once, applying each record to one store batch as it comes:
// the batch's steps tell exactly what the import does (a dry run is the same pass, dropped at
// the end), and the store applies it all at once.
// pre are the problems of the first pass (sheets left out): they come first in the report.
func importWorkbook(ctx context.Context, store *kb.Store, wb *Workbook, opt Options, pre []Problem) (*Summary, error) {
	im := &importer{ctx: ctx, store: store, opt: opt, sum: &Summary{File: wb.Name, DryRun: opt.DryRun, Published: opt.Status == kb.StatusPublished}}
	if err := im.load(); err != nil {
		return nil, err
	}
	err := store.Update(ctx, func(b *kb.Batch) error {
		im.b = b
		var dirRecs []DirRecord
		res, err := scan(wb, scanOptions{
			Mapping:   opt.Mapping,
			Kind:      opt.Kind,
			Skip:      opt.SkipSheets,
			Directory: opt.Directory,
			Progress:  opt.Progress,
			Pill:      im.planPill,
			Dir:       func(r DirRecord) error { dirRecs = append(dirRecs, r); return nil },
		})
		if res != nil {
			im.sum.Mappings = res.Mappings
			im.sum.Problems = append(append(slices.Clone(pre), res.Problems...), im.sum.Problems...)
			im.sum.Rows = res.Rows
		}
		if err != nil {
			return err
		}
		if len(dirRecs) > 0 {
			// The same workbook brought the directory: offices it lacks are reported row by row.
			if err := im.planDirectory(dirRecs); err != nil {
				return err
			}
			im.reportMissing()
			for _, u := range im.unlinked {
				if matchUnit(im.units, u.name, kb.UnitOffice) == nil {
					im.problem(u.problem)
				}
			}
			if err := im.linkPendingOffices(); err != nil {
				return err
			}
		} else if len(im.unlinked) > 0 {
			// Without a directory every office is unknown: one line says so instead of one per row.
			im.problem(Problem{File: wb.Name, Severity: Warning,
				Problem: fmt.Sprintf("la rubrica non è ancora importata: %d pillole hanno l'ufficio competente solo come testo", len(im.unlinked)),
				Action:  "uffici conservati come testo; saranno collegati importando la rubrica"})
		}
		switch {
		case opt.DryRun:
			return errDry
		case opt.Strict && im.sum.Blocking() > 0:
			im.sum.Refused = true
			return errDry
		}
		return ctx.Err()
	})
	sortProblems(im.sum.Problems, wb.Sheets())
	switch {
	case errors.Is(err, errDry) && im.sum.Refused:
		return im.sum, fmt.Errorf("%s: %w: %d problems (--strict writes nothing when a row has a problem)", wb.Name, ErrRefused, im.sum.Blocking())
	case errors.Is(err, errDry):
		return im.sum, nil
	case err != nil:
		return im.sum, fmt.Errorf("%s: nulla è stato scritto: %w", wb.Name, err)
	}
	if opt.RetireMissing && im.sum.Missing > 0 {
		if err := im.retireMissing(); err != nil {
			return im.sum, fmt.Errorf("%s: importato; ritiro di uffici e persone non più elencati interrotto: %w", wb.Name, err)
		}
	}
	return im.sum, nil
}

// sortProblems orders the report as the workbook is: sheet by sheet, row by row; problems of
// the whole workbook come last.
func sortProblems(ps []Problem, sheets []string) {
	order := map[string]int{}
	for i, s := range sheets {
		order[s] = i + 1
	}
	pos := func(p Problem) int {
		if p.Sheet == "" {
			return len(sheets) + 1
		}
		return order[p.Sheet]
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if a, b := pos(ps[i]), pos(ps[j]); a != b {
			return a < b
		}
		return ps[i].Row < ps[j].Row
	})
}

type unlinkedOffice struct {
	name    string
	problem Problem
}

type importer struct {
	ctx   context.Context
	store *kb.Store
	b     *kb.Batch
	opt   Options
	sum   *Summary

	concepts   map[string]string // folded label + "|" + parent IRI → IRI (existing and written)
	conceptIRI map[string]bool
	units      []kb.Unit // existing and written units
	people     []kb.Person
	hasOffices bool
	pillByKey  map[string]string // "department|title" keys of pills without code → IRI
	pillsRead  bool

	placed map[string]bool // people IRIs this import has written or confirmed
	// The units and people the directory rows named (written, unchanged or refused), and what
	// the store holds besides (dirmissing.go).
	listedUnits, listedPeople map[string]bool
	missingUnits              []kb.Unit
	missingPeople             []kb.Person
	unlinked                  []unlinkedOffice // offices not linked while the store had no directory
	items                     map[string]int   // IRI of a unit or person → its item, so a second write updates it
}

// load reads what the plan needs from the store: the taxonomy and the directory (a few
// hundred resources, read once); pills are looked up one by one.
func (im *importer) load() error {
	concepts, err := im.store.Concepts(im.ctx)
	if err != nil {
		return fmt.Errorf("reading the taxonomy: %w", err)
	}
	im.concepts, im.conceptIRI = map[string]string{}, map[string]bool{}
	for _, c := range concepts {
		im.conceptIRI[c.IRI] = true
		for _, l := range c.PrefLabel {
			im.concepts[foldKey(l)+"|"+c.Broader] = c.IRI
			for _, p := range c.AlsoBroader { // a concept with several parents is under each
				im.concepts[foldKey(l)+"|"+p] = c.IRI
			}
		}
	}
	if im.units, err = im.store.Units(im.ctx); err != nil {
		return fmt.Errorf("reading the directory: %w", err)
	}
	for _, u := range im.units {
		if u.Kind == kb.UnitOffice {
			im.hasOffices = true
		}
	}
	if im.people, err = im.store.People(im.ctx); err != nil {
		return fmt.Errorf("reading the directory: %w", err)
	}
	return nil
}

func (im *importer) addItem(it Item) int {
	im.sum.Items = append(im.sum.Items, it)
	return len(im.sum.Items) - 1
}

func (im *importer) problem(p Problem) { im.sum.Problems = append(im.sum.Problems, p) }

// concept returns the IRI of the concept labelled label under parent, planning its creation
// when the taxonomy lacks it. A top-level label is first looked up anywhere in the tree
// (kb.Store.ConceptByLabel: case and accents do not matter), so a workbook category reuses the
// taxonomy's concept of the same name.
func (im *importer) concept(label, parent string, rec Record) (string, error) {
	key := foldKey(label) + "|" + parent
	if iri, ok := im.concepts[key]; ok {
		return iri, nil
	}
	c, err := im.store.ConceptByLabel(im.ctx, label)
	switch {
	case err == nil && (parent == "" || slices.Contains(c.Parents(), parent)):
		im.concepts[key] = c.IRI
		return c.IRI, nil
	case err != nil && !errors.Is(err, kb.ErrNotFound):
		return "", err
	}
	seed := label
	if parent != "" {
		seed = im.conceptLabel(parent) + " " + label
	}
	iri := kb.ConceptIRI(seed)
	for i := 2; im.conceptIRI[iri]; i++ {
		iri = fmt.Sprintf("%s-%d", kb.ConceptIRI(seed), i)
	}
	nc := &kb.Concept{IRI: iri, PrefLabel: map[string]string{"it": label}, Broader: parent}
	if err := im.b.PutConcept(nc); err != nil {
		return "", err
	}
	im.concepts[key] = iri
	im.conceptIRI[iri] = true
	im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: "concept", Key: label, Title: label, Action: Created, IRI: iri})
	im.sum.Concepts.add(Created)
	return iri, nil
}

func (im *importer) conceptLabel(iri string) string {
	for k, v := range im.concepts {
		if v == iri {
			l, _, _ := strings.Cut(k, "|")
			return l
		}
	}
	return ""
}

// department returns the department unit for a sheet name, reusing one that matches.
// current is the department the pill already has, if any: when the name has become ambiguous
// (a new unit shares its words) the pill keeps the department it names.
func (im *importer) department(name string, rec Record, current string) (string, error) {
	if u := matchUnit(im.units, name, kb.UnitDepartment); u != nil {
		return u.IRI, nil
	}
	if current != "" {
		for _, u := range im.units {
			if u.IRI == current && containsAllWords(unitWords(u.Name), unitWords(name)) {
				return u.IRI, nil
			}
		}
	}
	u := kb.Unit{Name: name, Kind: kb.UnitDepartment, IRI: im.newUnitIRI(name), Parent: im.organization()}
	uu := u
	if err := im.b.PutUnit(&uu); err != nil {
		return "", err
	}
	im.units = append(im.units, u)
	im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: "department", Key: name, Title: name, Action: Created, IRI: u.IRI})
	im.sum.Units.add(Created)
	return u.IRI, nil
}

// organization is the Administration's own unit when the store has exactly one.
func (im *importer) organization() string {
	iri := ""
	for _, u := range im.units {
		if u.Kind == kb.UnitOrganization {
			if iri != "" {
				return ""
			}
			iri = u.IRI
		}
	}
	return iri
}

func (im *importer) newUnitIRI(name string) string {
	iri := kb.UnitIRI(name)
	taken := func(s string) bool {
		for _, u := range im.units {
			if u.IRI == s {
				return true
			}
		}
		return false
	}
	for i := 2; taken(iri); i++ {
		iri = fmt.Sprintf("%s-%d", kb.UnitIRI(name), i)
	}
	return iri
}

// codelessIRI finds the pill a row without a code updates, by department and title.
func (im *importer) codelessIRI(p *kb.Pill) (string, error) {
	if !im.pillsRead {
		im.pillsRead = true
		im.pillByKey = map[string]string{}
		all, err := im.store.Pills(im.ctx, kb.PillFilter{})
		if err != nil {
			return "", err
		}
		for _, q := range all {
			if q.Code == "" {
				im.pillByKey[q.Department+"|"+foldKey(q.Title)] = q.IRI
			}
		}
	}
	return im.pillByKey[p.Department+"|"+foldKey(p.Title)], nil
}

// rowHash is the fingerprint of what a row says, before anything is resolved against the store
// (concepts, units): the same row imported again has the same hash, whatever happened around it.
func rowHash(rec Record) string {
	p := rec.Pill
	p.Concepts, p.Department, p.Office, p.OfficeName = nil, "", "", ""
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00", kb.PillHash(&p), rec.Category, rec.Subcategory, rec.Office, rec.Department)
	if rec.HasDate {
		fmt.Fprintf(h, "%s", p.Modified.UTC().Format(time.DateOnly))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// rowProblem turns a refusal of the knowledge base into a problem of the row.
func (im *importer) rowProblem(rec Record, code string, err error) bool {
	var ve *kb.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	field := ve.Field
	if l, ok := kbFieldNames[ve.Field]; ok {
		field = l
	}
	im.problem(Problem{File: im.sum.File, Sheet: rec.Sheet, Row: rec.Row, Code: code, Severity: Error,
		Problem: fmt.Sprintf("la base di conoscenza rifiuta la pillola: %s (campo %s)", ve.Msg, field),
		Action:  "riga non importata"})
	return true
}

// kbFieldNames are kb's field names as the report shows them.
var kbFieldNames = map[string]string{
	"code": "codice", "title": "titolo", "question": "domanda", "answer": "risposta", "keywords": "parole chiave",
	"concepts": "categoria", "department": "dipartimento", "office": "ufficio", "officeName": "ufficio",
	"legalRefs": "riferimenti normativi", "links": "link", "forms": "moduli", "audience": "destinatari",
	"validatedBy": "validato da", "notes": "note", "extra": "colonne aggiuntive", "lang": "lingua",
	"prefLabel": "categoria", "name": "nome",
}

// planPill resolves a record against the store and applies it to the batch through the
// workflow. A row the knowledge base refuses is skipped and reported; the rest go on.
func (im *importer) planPill(rec Record) error {
	p := rec.Pill
	skip := func(err error) error {
		if im.rowProblem(rec, p.Code, err) {
			im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: "pill", Key: p.Code, Title: p.Title, Action: Skipped})
			im.sum.Pills.add(Skipped)
			return nil
		}
		return err
	}
	hash := rowHash(rec)
	// A row the last import of its pill brought as it is changes nothing: not the pill, and not
	// the taxonomy or the directory it would be resolved against (which may have changed since,
	// and must not grow a second "Salute" because a new office made the name ambiguous).
	var cur *kb.Pill
	if p.Code != "" {
		if existing, err := im.store.PillByCode(im.ctx, p.Code); err == nil {
			r, err := im.b.Record(existing.IRI)
			if err == nil && r.LastImport != nil && r.LastImport.Hash == hash && im.opt.Status != kb.StatusPublished {
				im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: "pill", Key: p.Code, Title: p.Title, Action: Unchanged, IRI: existing.IRI})
				im.sum.Pills.add(Unchanged)
				return im.ctx.Err()
			}
			if err == nil && len(r.Versions) > 0 {
				c := r.Versions[len(r.Versions)-1].Content
				cur = &c
			}
		}
	}
	if rec.Category != "" {
		c, err := im.concept(rec.Category, "", rec)
		if err != nil {
			return skip(err)
		}
		p.Concepts = append(p.Concepts, c)
		if rec.Subcategory != "" {
			s, err := im.concept(rec.Subcategory, c, rec)
			if err != nil {
				return skip(err)
			}
			p.Concepts = append(p.Concepts, s)
		}
	} else if rec.Subcategory != "" {
		c, err := im.concept(rec.Subcategory, "", rec)
		if err != nil {
			return skip(err)
		}
		p.Concepts = append(p.Concepts, c)
	}
	curDept := ""
	if cur != nil {
		curDept = cur.Department
	}
	dept, err := im.department(rec.Department, rec, curDept)
	if err != nil {
		return skip(err)
	}
	p.Department = dept
	if rec.Office != "" {
		if u := matchUnit(im.units, rec.Office, kb.UnitOffice); u != nil {
			p.Office = u.IRI
		} else {
			p.OfficeName = rec.Office
			pr := Problem{File: im.sum.File, Sheet: rec.Sheet, Row: rec.Row, Code: p.Code, Severity: Warning,
				Problem: fmt.Sprintf("ufficio competente %q non trovato nella rubrica", rec.Office),
				Action:  "ufficio conservato come testo sulla pillola"}
			if im.hasOffices {
				im.problem(pr)
			} else {
				im.unlinked = append(im.unlinked, unlinkedOffice{rec.Office, pr})
			}
		}
	}
	if p.Modified.IsZero() {
		p.Modified = nowUTC()
	}
	if im.opt.Status == kb.StatusPublished && rec.HasDate {
		t := p.Modified
		p.Validated = &t
	}
	p.Status = ""
	if p.Code == "" {
		iri, err := im.codelessIRI(&p)
		if err != nil {
			return err
		}
		p.IRI = iri
	}
	// What the workbook does not say (audience, review and validity dates) stays as Sportello
	// has it.
	if cur == nil {
		cur = im.current(&p)
	}
	if cur != nil {
		p.Lang = cur.Lang
		p.Audience, p.ReviewBy, p.ValidFrom, p.ValidUntil = cur.Audience, cur.ReviewBy, cur.ValidFrom, cur.ValidUntil
	}
	res, err := im.b.ImportPill(kb.ImportRequest{Content: p, Hash: hash, Actor: im.opt.Actor,
		Source: fmt.Sprintf("%s, foglio %q, riga %d", im.sum.File, rec.Sheet, rec.Row), Publish: im.opt.Status == kb.StatusPublished})
	if err != nil {
		return skip(err)
	}
	if p.Code == "" && im.pillByKey != nil {
		im.pillByKey[p.Department+"|"+foldKey(p.Title)] = res.IRI
	}
	action := Unchanged
	switch res.Outcome {
	case kb.ImportCreated:
		action = Created
	case kb.ImportUpdated:
		action = Updated
	case kb.ImportConflict:
		action = Conflict
		im.problem(Problem{File: im.sum.File, Sheet: rec.Sheet, Row: rec.Row, Code: p.Code, Severity: Error,
			Problem: "conflitto: " + res.Reason,
			Action:  "testo importato conservato accanto alla scheda, per il redattore che lo unisce o lo scarta; la scheda non cambia"})
	}
	im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: "pill", Key: p.Code, Title: p.Title, Action: action, IRI: res.IRI})
	im.sum.Pills.add(action)
	return im.ctx.Err()
}

// current is the newest version of the pill a row updates, or nil for a new pill.
func (im *importer) current(p *kb.Pill) *kb.Pill {
	iri := p.IRI
	if iri == "" && p.Code != "" {
		existing, err := im.store.PillByCode(im.ctx, p.Code)
		if err != nil {
			return nil
		}
		iri = existing.IRI
	}
	if iri == "" {
		return nil
	}
	r, err := im.b.Record(iri)
	if err != nil || len(r.Versions) == 0 {
		return nil
	}
	c := r.Versions[len(r.Versions)-1].Content
	return &c
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
