package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"sportello/kb"
)

// Options steer an import.
type Options struct {
	Kind     Kind         // pills or directory; "" detects each sheet's kind from its header
	Mapping  *MappingFile // overrides of the guessed headers
	Status   kb.Status    // status of new and changed pills; draft by default
	Strict   bool         // write nothing if any row has a problem
	DryRun   bool         // plan only: report what would change, write nothing
	Progress func(sheet string, row int)
	// BatchSize is how many pills go into one store transaction in the default mode (a failing
	// transaction is retried row by row to find the culprit). 0 means 500.
	BatchSize int
	// Reading (read.go side): limits on what a file may hold, sheets left out on request, and
	// the directory that lets office and people columns be recognised by their values (loaded
	// from the store when nil).
	Limits     Limits
	SkipSheets []string
	Directory  *Directory
}

// Action is what the import did (or, in a dry run, would do) to one resource.
type Action string

const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
	Skipped   Action = "skipped"
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
type Counts struct{ Created, Updated, Unchanged, Skipped int }

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
	}
}

// Summary is the outcome of an import.
type Summary struct {
	File     string
	DryRun   bool
	Refused  bool // --strict found problems: nothing was written
	Mappings []Mapping
	Problems []Problem
	Items    []Item
	Rows     int
	Pills    Counts
	Concepts Counts
	Units    Counts
	People   Counts
	Linked   int // pills whose competent office the directory import linked
	Elapsed  time.Duration
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
// detected on its own) into store. Problems are in the summary; the error is for input that
// cannot be read at all, a store failure, or (wrapping ErrRefused) a strict import refused.
func ImportFile(ctx context.Context, store *kb.Store, name string, opt Options) (*Summary, error) {
	start := time.Now()
	wb, err := Open(name, opt.Limits)
	if err != nil {
		return nil, err
	}
	defer func() { wb.Close() }()
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
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	sum := &Summary{File: wb.Name, DryRun: opt.DryRun}
	defer func() { sum.Elapsed = time.Since(start) }()

	// Strict: a full dry pass first; only a clean workbook is then written, in one transaction.
	if opt.Strict && !opt.DryRun {
		dry := opt
		dry.DryRun = true
		check, err := importWorkbook(ctx, store, wb, dry)
		if err != nil {
			return check, err
		}
		check.Problems = append(pre.Problems, check.Problems...)
		if n := check.Blocking(); n > 0 {
			check.DryRun, check.Refused = false, true
			check.Elapsed = time.Since(start)
			return check, fmt.Errorf("%s: %w: %d problems (--strict writes nothing when a row has a problem)", wb.Name, ErrRefused, n)
		}
		first := wb
		if wb, err = Open(name, opt.Limits); err != nil {
			first.Close()
			return nil, err
		}
		first.Close()
	}
	s, err := importWorkbook(ctx, store, wb, opt)
	if s != nil {
		s.Elapsed = time.Since(start)
		s.Problems = append(pre.Problems, s.Problems...) // sheets left out, first
	}
	return s, err
}

// importWorkbook is one pass: scan, plan each record against the store and, unless dry, write.
func importWorkbook(ctx context.Context, store *kb.Store, wb *Workbook, opt Options) (*Summary, error) {
	im := &importer{ctx: ctx, store: store, opt: opt, sum: &Summary{File: wb.Name, DryRun: opt.DryRun}}
	if err := im.load(); err != nil {
		return nil, err
	}
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
		im.sum.Problems = append(res.Problems, im.sum.Problems...)
		im.sum.Rows = res.Rows
	}
	if err != nil {
		return im.sum, err
	}
	if len(dirRecs) > 0 {
		// The same workbook brought the directory: offices it lacks are reported row by row.
		im.planDirectory(dirRecs)
		for _, u := range im.unlinked {
			if matchUnit(im.units, u.name, kb.UnitOffice) == nil {
				im.problem(u.problem)
			}
		}
	} else if len(im.unlinked) > 0 {
		// Without a directory every office is unknown: one line says so instead of one per row.
		im.problem(Problem{File: wb.Name, Severity: Warning,
			Problem: fmt.Sprintf("la rubrica non è ancora importata: %d pillole hanno l'ufficio competente solo come testo", len(im.unlinked)),
			Action:  "uffici conservati come testo; saranno collegati importando la rubrica"})
	}
	if err := im.flush(true); err != nil {
		return im.sum, err
	}
	if len(dirRecs) > 0 && !opt.DryRun {
		if err := im.linkPendingOffices(); err != nil {
			return im.sum, err
		}
	}
	sortProblems(im.sum.Problems, wb.Sheets())
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

// op is one planned write. Writes are queued and applied in transactions by flush.
type op struct {
	item int // index in sum.Items
	row  Problem
	fn   func(b *kb.Batch) error
	pill bool
}

type importer struct {
	ctx   context.Context
	store *kb.Store
	opt   Options
	sum   *Summary

	concepts   map[string]string // folded label + "|" + parent IRI → IRI (existing and planned)
	conceptIRI map[string]bool
	units      []kb.Unit // existing and planned units
	people     []kb.Person
	hasOffices bool
	pillByKey  map[string]string // "title|" keys of pills without code → IRI
	pillsRead  bool

	placed   map[string]bool  // people IRIs this import has written or confirmed
	unlinked []unlinkedOffice // offices not linked while the store had no directory
	pending  []op             // concept and unit creations, applied before the pills that need them
	queue    []op
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
	case err == nil && (parent == "" || c.Broader == parent):
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
	im.concepts[key] = iri
	im.conceptIRI[iri] = true
	nc := &kb.Concept{IRI: iri, PrefLabel: map[string]string{"it": label}, Broader: parent}
	idx := im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: "concept", Key: label, Title: label, Action: Created, IRI: iri})
	im.sum.Concepts.add(Created)
	im.pending = append(im.pending, op{item: idx, fn: func(b *kb.Batch) error { return b.PutConcept(nc) }})
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
func (im *importer) department(name string, rec Record) string {
	if u := matchUnit(im.units, name, kb.UnitDepartment); u != nil {
		return u.IRI
	}
	u := kb.Unit{Name: name, Kind: kb.UnitDepartment, IRI: im.newUnitIRI(name), Parent: im.organization()}
	im.units = append(im.units, u)
	idx := im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: "department", Key: name, Title: name, Action: Created, IRI: u.IRI})
	im.sum.Units.add(Created)
	im.pending = append(im.pending, op{item: idx, fn: func(b *kb.Batch) error { uu := u; return b.PutUnit(&uu) }})
	return u.IRI
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

// existingPill finds the pill a record updates: by code, or by department and title for rows
// without a code.
func (im *importer) existingPill(p *kb.Pill) (*kb.Pill, error) {
	if p.Code != "" {
		old, err := im.store.PillByCode(im.ctx, p.Code)
		if errors.Is(err, kb.ErrNotFound) {
			return nil, nil
		}
		return old, err
	}
	if !im.pillsRead {
		im.pillsRead = true
		im.pillByKey = map[string]string{}
		all, err := im.store.Pills(im.ctx, kb.PillFilter{})
		if err != nil {
			return nil, err
		}
		for _, q := range all {
			if q.Code == "" {
				im.pillByKey[q.Department+"|"+foldKey(q.Title)] = q.IRI
			}
		}
	}
	iri, ok := im.pillByKey[p.Department+"|"+foldKey(p.Title)]
	if !ok {
		return nil, nil
	}
	old, err := im.store.Pill(im.ctx, iri)
	if errors.Is(err, kb.ErrNotFound) {
		return nil, nil
	}
	return old, err
}

// planPill resolves a record against the store and queues its write.
func (im *importer) planPill(rec Record) error {
	p := rec.Pill
	var err error
	if rec.Category != "" {
		c, err := im.concept(rec.Category, "", rec)
		if err != nil {
			return err
		}
		p.Concepts = append(p.Concepts, c)
		if rec.Subcategory != "" {
			s, err := im.concept(rec.Subcategory, c, rec)
			if err != nil {
				return err
			}
			p.Concepts = append(p.Concepts, s)
		}
	} else if rec.Subcategory != "" {
		c, err := im.concept(rec.Subcategory, "", rec)
		if err != nil {
			return err
		}
		p.Concepts = append(p.Concepts, c)
	}
	p.Department = im.department(rec.Department, rec)
	if rec.Office != "" {
		if u := matchUnit(im.units, rec.Office, kb.UnitOffice); u != nil {
			p.Office = u.IRI
		} else {
			p.OfficeName = rec.Office
			if im.hasOffices {
				im.problem(Problem{File: im.sum.File, Sheet: rec.Sheet, Row: rec.Row, Code: p.Code, Severity: Warning,
					Problem: fmt.Sprintf("ufficio competente %q non trovato nella rubrica", rec.Office),
					Action:  "ufficio conservato come testo sulla pillola"})
			} else {
				im.unlinked = append(im.unlinked, unlinkedOffice{rec.Office, Problem{File: im.sum.File, Sheet: rec.Sheet, Row: rec.Row, Code: p.Code, Severity: Warning,
					Problem: fmt.Sprintf("ufficio competente %q non trovato nella rubrica", rec.Office),
					Action:  "ufficio conservato come testo sulla pillola"}})
			}
		}
	}
	if p.Modified.IsZero() {
		p.Modified = nowUTC()
	}
	p.Status = im.opt.Status
	if p.Status == kb.StatusPublished && rec.HasDate {
		t := p.Modified
		p.Validated = &t
	}

	old, err := im.existingPill(&p)
	if err != nil {
		return err
	}
	action := Created
	if old != nil {
		// An explicit --status published promotes the legacy base; otherwise a re-import leaves
		// the workflow state of an unchanged pill alone.
		if samePill(old, &p, rec.HasDate) && (p.Status != kb.StatusPublished || old.Status == kb.StatusPublished) {
			action = Unchanged
		} else {
			action = Updated
		}
		p.IRI = old.IRI
		p.Created = old.Created
		p.Version = old.Version + 1
		p.Lang = old.Lang
		p.Audience, p.ReviewBy, p.ValidFrom, p.ValidUntil = old.Audience, old.ReviewBy, old.ValidFrom, old.ValidUntil
	} else {
		p.Created = nowUTC()
		p.Version = 1
		if p.Code != "" {
			p.IRI = kb.PillIRI(p.Code)
		}
	}
	idx := im.addItem(Item{Sheet: rec.Sheet, Row: rec.Row, Type: "pill", Key: p.Code, Title: p.Title, Action: action, IRI: p.IRI})
	im.sum.Pills.add(action)
	if action == Unchanged {
		return nil
	}
	pp := p
	im.queue = append(im.queue, op{item: idx, pill: true,
		row: Problem{File: im.sum.File, Sheet: rec.Sheet, Row: rec.Row, Code: p.Code},
		fn:  func(b *kb.Batch) error { q := pp; return b.PutPill(&q) }})
	if len(im.queue) >= im.opt.BatchSize && !im.opt.Strict {
		return im.flush(false)
	}
	return nil
}

// flush writes the queued operations. Dry runs write nothing; --strict writes everything in
// one transaction at the end; the default writes in batches and, when a batch fails, retries
// its rows one by one so that only the bad row is skipped (and reported).
func (im *importer) flush(final bool) error {
	if im.opt.DryRun {
		im.pending, im.queue = nil, nil
		return nil
	}
	if im.opt.Strict && !final {
		return nil
	}
	ops := append(im.pending, im.queue...)
	im.pending, im.queue = nil, nil
	if len(ops) == 0 {
		return nil
	}
	err := im.store.Update(im.ctx, func(b *kb.Batch) error {
		for _, o := range ops {
			if err := o.fn(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		return nil
	}
	if im.opt.Strict || im.ctx.Err() != nil {
		return fmt.Errorf("%s: nothing written: %w", im.sum.File, err)
	}
	for _, o := range ops {
		err := im.store.Update(im.ctx, func(b *kb.Batch) error { return o.fn(b) })
		if err == nil {
			continue
		}
		var ve *kb.ValidationError
		if !errors.As(err, &ve) || !o.pill {
			return fmt.Errorf("%s: %w", im.sum.File, err)
		}
		it := &im.sum.Items[o.item]
		p := o.row
		p.Severity, p.Problem, p.Action = Error, "la base di conoscenza rifiuta la pillola: "+ve.Msg+" (campo "+ve.Field+")", "riga non importata"
		im.problem(p)
		im.sum.Pills.add(Skipped)
		switch it.Action {
		case Created:
			im.sum.Pills.Created--
		case Updated:
			im.sum.Pills.Updated--
		}
		it.Action = Skipped
	}
	return nil
}

// samePill reports whether a stored pill already says what the row says: the import then
// leaves it alone (issue 3, point 6: importing twice changes nothing).
func samePill(old, p *kb.Pill, hasDate bool) bool {
	if old.Code != p.Code || old.Title != p.Title || old.Question != p.Question || old.Answer != p.Answer ||
		old.Department != p.Department || old.Office != p.Office || old.OfficeName != p.OfficeName ||
		old.ValidatedBy != p.ValidatedBy || old.Notes != p.Notes {
		return false
	}
	if hasDate && old.Modified.UTC().Format(time.DateOnly) != p.Modified.UTC().Format(time.DateOnly) {
		return false
	}
	if !sameSet(old.Keywords, p.Keywords) || !sameSet(old.Concepts, p.Concepts) || !sameSet(old.LegalRefs, p.LegalRefs) {
		return false
	}
	links := func(ls []kb.Link) []string {
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = l.URL + "\x00" + l.Title
		}
		return out
	}
	if !sameSet(links(old.Links), links(p.Links)) || !sameSet(links(old.Forms), links(p.Forms)) {
		return false
	}
	fields := func(fs []kb.Field) []string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = f.Name + "\x00" + f.Value
		}
		return out
	}
	return sameSet(fields(old.Extra), fields(p.Extra))
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
