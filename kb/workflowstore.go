package kb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/internal/htmltext"
	"sportello/internal/sqldb"
	"sportello/ontology"
)

// Workflow is the one writer of pills (issue 10): every change to a pill — the editor, an Excel
// or RDF import, the demo, a proposal from a ticket, a restore — is a step of the life cycle
// (workflow.go) applied by it, and nothing else writes pills. Each pill's record lives in the
// history graph (history.go), the one source of truth; the content graph holds the pill as
// operators see it, written from the record in the same transaction.
//
// A store has one Workflow (Store.Workflow). Steps run inside a store transaction: one step
// through the methods below, or many (an import of thousands of rows, the demo) through
// Store.Update and the Batch methods of the same names, all applied or none.
type Workflow struct {
	s *Store

	mu     sync.RWMutex
	policy WorkflowPolicy
	now    func() time.Time
}

// Workflow returns the store's one writer of pills.
func (s *Store) Workflow() *Workflow {
	s.wfOnce.Do(func() { s.wf = &Workflow{s: s, now: time.Now} })
	return s.wf
}

// SetPolicy sets the rules' settings (a second signature for some branches, KB-12).
func (w *Workflow) SetPolicy(p WorkflowPolicy) {
	w.mu.Lock()
	w.policy = p
	w.mu.Unlock()
}

// Policy returns the rules' settings.
func (w *Workflow) Policy() WorkflowPolicy {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.policy
}

// SetClock replaces the clock, for tests and for loading data with fixed times.
func (w *Workflow) SetClock(now func() time.Time) {
	w.mu.Lock()
	w.now = now
	w.mu.Unlock()
}

// Now is the workflow's clock.
func (w *Workflow) Now() time.Time {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.now()
}

// NewWorkflow returns store's workflow after moving the records an earlier Sportello kept in
// the operational database (table pill_records) into the history graph, once; db may be nil.
func NewWorkflow(ctx context.Context, store *Store, db *sqldb.DB) (*Workflow, error) {
	w := store.Workflow()
	if db != nil {
		if _, err := w.MigrateSQL(ctx, db); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// recordState is a record a batch read and may change.
type recordState struct {
	orig *PillRecord // as read from the store; nil for a new pill
	cur  *PillRecord
	// replaceAll rewrites every node of the record, whatever the store held (a migration
	// overwriting the history an earlier Sportello wrote).
	replaceAll bool
}

// record returns the batch's copy of pill iri's record, reading it from the store the first
// time. A pill neither graph knows is ErrNotFound.
func (b *Batch) record(iri string) (*recordState, error) {
	if st, ok := b.records[iri]; ok {
		return st, nil
	}
	b.s.mu.RLock()
	r, err := b.s.readRecord(b.ctx, iri)
	b.s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	st := &recordState{orig: r, cur: cloneRecord(r)}
	st.cur.Policy = b.s.Workflow().Policy()
	b.addRecord(iri, st)
	return st, nil
}

func (b *Batch) addRecord(iri string, st *recordState) {
	if b.records == nil {
		b.records = map[string]*recordState{}
	}
	b.records[iri] = st
	b.recordOrder = append(b.recordOrder, iri)
}

// Record returns pill iri's record as the batch's steps have left it so far (a copy).
func (b *Batch) Record(iri string) (*PillRecord, error) {
	st, err := b.record(iri)
	if err != nil {
		return nil, err
	}
	return cloneRecord(st.cur), nil
}

// newRecord starts the record of a pill that must not exist yet.
func (b *Batch) newRecord(iri string) (*recordState, error) {
	if _, err := b.record(iri); err == nil {
		return nil, &ValidationError{Resource: iri, Field: "code", Msg: "la scheda esiste già"}
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	st := &recordState{cur: NewPillRecord(iri)}
	st.cur.Policy = b.s.Workflow().Policy()
	b.addRecord(iri, st)
	return st, nil
}

// step applies one rule to pill iri's record in the batch.
func (b *Batch) step(iri string, fn func(r *PillRecord, now time.Time) (*WorkflowEvent, error)) (*PillRecord, *WorkflowEvent, error) {
	st, err := b.record(iri)
	if err != nil {
		return nil, nil, err
	}
	ev, err := fn(st.cur, b.s.Workflow().Now())
	if err != nil {
		return nil, nil, err
	}
	return st.cur, ev, nil
}

// newPillIRI is the IRI of a new pill: from its code, or a fresh one.
func newPillIRI(p *Pill) string {
	switch {
	case p.IRI != "":
		return p.IRI
	case strings.TrimSpace(p.Code) != "":
		return PillIRI(p.Code)
	}
	var id [8]byte
	rand.Read(id[:])
	return Base + "pill/" + hex.EncodeToString(id[:])
}

// cleanContent applies the one answer policy, whoever writes the pill (editor, importer, API,
// demo, tickets): the answer is a sanitised HTML subset.
func cleanContent(p *Pill) { p.Answer = htmltext.Sanitize(p.Answer) }

// checkContent validates what a person or a source wants a pill to say, before any rule runs.
func checkContent(iri string, p Pill) error {
	p.IRI = iri
	p.Status, p.Version = "", 0
	return validatePill(&p)
}

// CreatePill starts a new pill as a draft by actor. Its IRI comes from the code, or is new.
func (b *Batch) CreatePill(content Pill, actor string) (*PillRecord, *WorkflowEvent, error) {
	cleanContent(&content)
	iri := newPillIRI(&content)
	if err := checkContent(iri, content); err != nil {
		return nil, nil, err
	}
	if content.Code != "" {
		b.s.mu.RLock()
		other := b.s.pillIRIByCode(b.ctx, strings.TrimSpace(content.Code))
		b.s.mu.RUnlock()
		if other != "" && other != iri {
			return nil, nil, &ValidationError{Resource: content.Code, Field: "code", Msg: fmt.Sprintf("il codice %s appartiene già a %s", content.Code, other)}
		}
	}
	st, err := b.newRecord(iri)
	if err != nil {
		return nil, nil, err
	}
	ev, err := st.cur.Edit(content, actor, b.s.Workflow().Now())
	if err != nil {
		return nil, nil, err
	}
	return st.cur, ev, nil
}

// EditPill saves content as the open version of pill iri (PillRecord.Edit).
func (b *Batch) EditPill(iri string, content Pill, actor string) (*PillRecord, *WorkflowEvent, error) {
	cleanContent(&content)
	if err := checkContent(iri, content); err != nil {
		return nil, nil, err
	}
	return b.step(iri, func(r *PillRecord, now time.Time) (*WorkflowEvent, error) { return r.Edit(content, actor, now) })
}

// SubmitPill, ApprovePill, RejectPill, RetirePill, RestorePill and DeletePill apply the step of
// the same name to pill iri.
func (b *Batch) SubmitPill(iri string, n int, actor string) (*PillRecord, *WorkflowEvent, error) {
	return b.step(iri, func(r *PillRecord, now time.Time) (*WorkflowEvent, error) { return r.Submit(n, actor, now) })
}

func (b *Batch) ApprovePill(iri string, n int, actor string) (*PillRecord, *WorkflowEvent, error) {
	return b.step(iri, func(r *PillRecord, now time.Time) (*WorkflowEvent, error) { return r.Approve(n, actor, now) })
}

func (b *Batch) RejectPill(iri string, n int, actor, reason string) (*PillRecord, *WorkflowEvent, error) {
	return b.step(iri, func(r *PillRecord, now time.Time) (*WorkflowEvent, error) { return r.Reject(n, actor, reason, now) })
}

func (b *Batch) RetirePill(iri, actor, reason string) (*PillRecord, *WorkflowEvent, error) {
	return b.step(iri, func(r *PillRecord, now time.Time) (*WorkflowEvent, error) { return r.Retire(actor, reason, now) })
}

func (b *Batch) RestorePill(iri string, n int, actor string) (*PillRecord, *WorkflowEvent, error) {
	return b.step(iri, func(r *PillRecord, now time.Time) (*WorkflowEvent, error) { return r.Restore(n, actor, now) })
}

func (b *Batch) DeletePill(iri, actor, reason string) (*PillRecord, *WorkflowEvent, error) {
	return b.step(iri, func(r *PillRecord, now time.Time) (*WorkflowEvent, error) { return r.Delete(actor, reason, now) })
}

// MergeImport saves content — the publisher's merge of the imported text in conflict and the
// pill's text — as the open draft of pill iri, and settles the conflict.
func (b *Batch) MergeImport(iri string, content Pill, actor string) (*PillRecord, *WorkflowEvent, error) {
	cleanContent(&content)
	if err := checkContent(iri, content); err != nil {
		return nil, nil, err
	}
	return b.step(iri, func(r *PillRecord, now time.Time) (*WorkflowEvent, error) { return r.Merge(content, actor, now) })
}

// DiscardImport sets pill iri's imported text in conflict aside for good.
func (b *Batch) DiscardImport(iri, actor string) (*PillRecord, *WorkflowEvent, error) {
	return b.step(iri, func(r *PillRecord, now time.Time) (*WorkflowEvent, error) { return r.Discard(actor, now) })
}

// LinkOffice links pill iri's competent office written as name to the unit office (a directory
// imported after the pills): not a new version, since the text does not change.
func (b *Batch) LinkOffice(iri, name, office, actor string) (bool, error) {
	_, ev, err := b.step(iri, func(r *PillRecord, now time.Time) (*WorkflowEvent, error) {
		return r.LinkOffice(name, office, actor, now)
	})
	return ev != nil, err
}

// RefilePill moves pill iri from concept from to into (PillRecord.Refile): what a merge of
// concepts does to the pills the merged one classified.
func (b *Batch) RefilePill(iri, from, into, why, actor string) (bool, error) {
	_, ev, err := b.step(iri, func(r *PillRecord, now time.Time) (*WorkflowEvent, error) {
		return r.Refile(from, into, why, actor, now)
	})
	return ev != nil, err
}

// ImportPill applies an imported text (PillRecord.Import): the pill is found by req.Content's
// IRI, else its code; a new pill gets its IRI from the code.
func (b *Batch) ImportPill(req ImportRequest) (*ImportResult, error) {
	cleanContent(&req.Content)
	iri := req.Content.IRI
	if iri == "" && strings.TrimSpace(req.Content.Code) != "" {
		b.s.mu.RLock()
		iri = b.s.pillIRIByCode(b.ctx, strings.TrimSpace(req.Content.Code))
		b.s.mu.RUnlock()
		if other, ok := b.codes[strings.TrimSpace(req.Content.Code)]; ok && iri == "" {
			iri = other
		}
	}
	if iri == "" {
		iri = newPillIRI(&req.Content)
	}
	if err := checkContent(iri, req.Content); err != nil {
		return nil, err
	}
	st, err := b.record(iri)
	if errors.Is(err, ErrNotFound) {
		st, err = b.newRecord(iri)
	}
	if err != nil {
		return nil, err
	}
	if code := strings.TrimSpace(req.Content.Code); code != "" {
		b.codes[code] = iri
	}
	res, _, err := st.cur.Import(req, b.s.Workflow().Now())
	return res, err
}

// flushRecords writes every record the batch changed: the content graph's pill, the versions
// that changed, the new steps, the import record and the imported texts kept aside.
func (b *Batch) flushRecords() error {
	agents := map[string]bool{}
	for _, iri := range b.recordOrder {
		st := b.records[iri]
		r, o := st.cur, st.orig
		if o == nil {
			o = &PillRecord{IRI: iri}
		}
		if !st.replaceAll && reflect.DeepEqual(stripPolicy(r), stripPolicy(o)) {
			continue
		}
		// The content graph: the pill as operators see it.
		if p := r.GraphPill(); p != nil {
			b.resolveValidator(p)
			if err := b.putPillContent(p); err != nil {
				return err
			}
		} else if o.GraphPill() != nil || st.replaceAll {
			if err := b.removePillContent(iri); err != nil {
				return err
			}
		}
		// The history.
		for i := range r.Versions {
			v := &r.Versions[i]
			if !st.replaceAll && i < len(o.Versions) && reflect.DeepEqual(*v, o.Versions[i]) {
				continue
			}
			if err := b.validateVersion(r, v); err != nil {
				return err
			}
			vi := VersionIRI(iri, v.Number)
			if err := b.touch(vi); err != nil {
				return err
			}
			b.replace(vi, ontology.GraphHistory, nil, versionQuads(r, v))
			for _, e := range v.Editors {
				agents[e] = true
			}
		}
		last := o.lastSeq()
		for i := range r.Events {
			e := &r.Events[i]
			if !st.replaceAll && e.Seq <= last {
				continue
			}
			ai := ActivityIRI(iri, e.Seq)
			if err := b.touch(ai); err != nil {
				return err
			}
			if st.replaceAll {
				b.replace(ai, ontology.GraphHistory, nil, eventQuads(r, e))
			} else {
				for _, q := range eventQuads(r, e) {
					b.tx.add(q)
				}
			}
			agents[e.Actor] = true
		}
		for i := range r.Imported {
			p := &r.Imported[i]
			if !st.replaceAll && i < len(o.Imported) {
				continue // texts kept aside never change
			}
			if err := validatePill(&p.Content); err != nil {
				return err
			}
			ti := ImportedTextIRI(iri, p.Number)
			if err := b.touch(ti); err != nil {
				return err
			}
			b.replace(ti, ontology.GraphHistory, nil, importedTextQuads(r, p))
			agents[p.Actor] = true
		}
		if st.replaceAll || !reflect.DeepEqual(r.LastImport, o.LastImport) || !reflect.DeepEqual(r.Pending, o.Pending) {
			ii := ImportRecordIRI(iri)
			if err := b.touch(ii); err != nil {
				return err
			}
			b.replace(ii, ontology.GraphHistory, nil, importRecordQuads(r))
		}
	}
	// Everyone who acted is a prov:Agent; add the statement only where it is missing (cayley
	// counts a duplicate add as a new reference).
	names := make([]string, 0, len(agents))
	for a := range agents {
		names = append(names, a)
	}
	sort.Strings(names)
	for _, a := range names {
		q := quad.Quad{Subject: quad.IRI(UserIRI(a)), Predicate: quad.IRI(ontology.RDFType), Object: quad.IRI(ontology.PROVAgent), Label: quad.IRI(ontology.GraphHistory)}
		b.s.mu.RLock()
		has := b.s.hasType(b.ctx, q.Subject, ontology.PROVAgent, ontology.GraphHistory)
		b.s.mu.RUnlock()
		if !has {
			b.tx.add(q)
			b.tx.add(quad.Quad{Subject: q.Subject, Predicate: quad.IRI(ontology.RDFSLabel), Object: quad.String(a), Label: q.Label})
		}
	}
	return nil
}

func stripPolicy(r *PillRecord) PillRecord {
	c := *r
	c.Policy = WorkflowPolicy{}
	return c
}

func (b *Batch) validateVersion(r *PillRecord, v *PillVersion) error {
	c := v.Content
	c.IRI = r.IRI
	if err := validatePill(&c); err != nil {
		return err
	}
	return nil
}

// resolveValidator turns a validator given by name (the legacy "Validato da" column) into the
// IRI of the person of the directory with that name, when there is exactly one.
func (b *Batch) resolveValidator(p *Pill) {
	name := strings.TrimSpace(p.ValidatedBy)
	if name == "" || isAbsoluteIRI(name) {
		return
	}
	b.s.mu.RLock()
	defer b.s.mu.RUnlock()
	var found []quad.Value
	for _, v := range b.s.subjects(b.ctx, ontology.VCardFN, quad.String(name), ontology.GraphDirectory) {
		if b.s.hasType(b.ctx, v, ontology.VCardIndividual, ontology.GraphDirectory) {
			found = append(found, v)
		}
	}
	if len(found) == 1 {
		p.ValidatedBy = iriOf(found[0])
	}
}

// Record returns the life of pill iri.
func (w *Workflow) Record(ctx context.Context, iri string) (*PillRecord, error) {
	w.s.mu.RLock()
	defer w.s.mu.RUnlock()
	r, err := w.s.readRecord(ctx, iri)
	if err != nil {
		return nil, err
	}
	r.Policy = w.Policy()
	return r, nil
}

// run applies one batch step in its own transaction.
func (w *Workflow) run(ctx context.Context, fn func(b *Batch) (*PillRecord, *WorkflowEvent, error)) (*PillRecord, *WorkflowEvent, error) {
	var rec *PillRecord
	var ev *WorkflowEvent
	err := w.s.Update(ctx, func(b *Batch) error {
		var err error
		rec, ev, err = fn(b)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return cloneRecord(rec), ev, nil
}

// Create starts a new pill as a draft by actor. Its IRI comes from the code, or is new.
func (w *Workflow) Create(ctx context.Context, content Pill, actor string) (*PillRecord, *WorkflowEvent, error) {
	return w.run(ctx, func(b *Batch) (*PillRecord, *WorkflowEvent, error) { return b.CreatePill(content, actor) })
}

// Edit saves content as the open version of pill iri (see PillRecord.Edit).
func (w *Workflow) Edit(ctx context.Context, iri string, content Pill, actor string) (*PillRecord, *WorkflowEvent, error) {
	return w.run(ctx, func(b *Batch) (*PillRecord, *WorkflowEvent, error) { return b.EditPill(iri, content, actor) })
}

// Submit, Approve, Reject, Retire, Restore and Delete apply the step of the same name to pill
// iri.
func (w *Workflow) Submit(ctx context.Context, iri string, n int, actor string) (*PillRecord, *WorkflowEvent, error) {
	return w.run(ctx, func(b *Batch) (*PillRecord, *WorkflowEvent, error) { return b.SubmitPill(iri, n, actor) })
}

func (w *Workflow) Approve(ctx context.Context, iri string, n int, actor string) (*PillRecord, *WorkflowEvent, error) {
	return w.run(ctx, func(b *Batch) (*PillRecord, *WorkflowEvent, error) { return b.ApprovePill(iri, n, actor) })
}

func (w *Workflow) Reject(ctx context.Context, iri string, n int, actor, reason string) (*PillRecord, *WorkflowEvent, error) {
	return w.run(ctx, func(b *Batch) (*PillRecord, *WorkflowEvent, error) { return b.RejectPill(iri, n, actor, reason) })
}

func (w *Workflow) Retire(ctx context.Context, iri, actor, reason string) (*PillRecord, *WorkflowEvent, error) {
	return w.run(ctx, func(b *Batch) (*PillRecord, *WorkflowEvent, error) { return b.RetirePill(iri, actor, reason) })
}

func (w *Workflow) Restore(ctx context.Context, iri string, n int, actor string) (*PillRecord, *WorkflowEvent, error) {
	return w.run(ctx, func(b *Batch) (*PillRecord, *WorkflowEvent, error) { return b.RestorePill(iri, n, actor) })
}

func (w *Workflow) Delete(ctx context.Context, iri, actor, reason string) (*PillRecord, *WorkflowEvent, error) {
	return w.run(ctx, func(b *Batch) (*PillRecord, *WorkflowEvent, error) { return b.DeletePill(iri, actor, reason) })
}

// Merge and Discard settle pill iri's imported text in conflict (PillRecord.Merge, Discard).
func (w *Workflow) Merge(ctx context.Context, iri string, content Pill, actor string) (*PillRecord, *WorkflowEvent, error) {
	return w.run(ctx, func(b *Batch) (*PillRecord, *WorkflowEvent, error) { return b.MergeImport(iri, content, actor) })
}

func (w *Workflow) Discard(ctx context.Context, iri, actor string) (*PillRecord, *WorkflowEvent, error) {
	return w.run(ctx, func(b *Batch) (*PillRecord, *WorkflowEvent, error) { return b.DiscardImport(iri, actor) })
}

// Import applies one imported text in its own transaction (Batch.ImportPill).
func (w *Workflow) Import(ctx context.Context, req ImportRequest) (*ImportResult, error) {
	var res *ImportResult
	err := w.s.Update(ctx, func(b *Batch) error {
		var err error
		res, err = b.ImportPill(req)
		return err
	})
	return res, err
}

// Pill reads a pill as the content graph holds it (for ticketing.KnowledgeBase).
func (w *Workflow) Pill(ctx context.Context, iri string) (*Pill, error) { return w.s.Pill(ctx, iri) }

// TicketSource is how a step records the ticket a proposal came from (WorkflowEvent.Source):
// "ticket RS-2026-000012".
const TicketSource = "ticket "

// ProposePill writes p as a new draft pill by actor: knowledge proposed from a solved ticket
// (KB-2, KB-9). The draft waits in the publishers' workspace — it is not sent to the
// validators: a publisher completes it and submits it. source names the ticket (TicketSource
// followed by its number) and is kept in the history with the step. p.IRI and p.Version are set.
func (w *Workflow) ProposePill(ctx context.Context, p *Pill, actor, source string) error {
	return w.s.Update(ctx, func(b *Batch) error {
		c := *p
		c.Status, c.Version = "", 0
		r, ev, err := b.CreatePill(c, actor)
		if err != nil {
			return err
		}
		ev.Source, ev.Reason = source, "proposta da "+source
		r.Events[len(r.Events)-1] = *ev
		p.IRI, p.Version, p.Status = r.IRI, ev.Version, StatusDraft
		return nil
	})
}

// ProposeRevision proposes a change to pill iri from a solved ticket: note (the answer given,
// who proposed it) is added to the notes of the open draft, or of a new draft version copied
// from the newest one, for a publisher to work in; the published version stays live. The
// version number is the record's: it only grows. A version under review is a StateError
// (nothing is written: the proposer is told). It returns the draft.
func (w *Workflow) ProposeRevision(ctx context.Context, iri, note, actor, source string) (*Pill, error) {
	var out Pill
	err := w.s.Update(ctx, func(b *Batch) error {
		st, err := b.record(iri)
		if err != nil {
			return err
		}
		var c Pill
		if o := st.cur.Open(); o != nil {
			c = o.Content
		} else if v := st.cur.newest(); v != nil {
			c = v.Content
		}
		c.Status, c.Version, c.Validated, c.ValidatedBy = "", 0, nil, ""
		c.Notes = strings.TrimSpace(c.Notes + "\n" + note)
		r, ev, err := b.EditPill(iri, c, actor)
		if err != nil {
			return err
		}
		ev.Source, ev.Reason = source, "proposta da "+source
		r.Events[len(r.Events)-1] = *ev
		v, err := r.Version(ev.Version)
		if err != nil {
			return err
		}
		out = v.Content
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Proposals lists the open versions last written by a proposal from a ticket (their step's
// Source starts with TicketSource), oldest first, with the ticket each came from.
func (w *Workflow) Proposals(ctx context.Context) ([]Proposal, error) {
	open, err := w.Open(ctx, StatusDraft)
	if err != nil {
		return nil, err
	}
	var out []Proposal
	for _, o := range open {
		r, err := w.Record(ctx, o.IRI)
		if err != nil {
			return nil, err
		}
		var tickets []string
		for _, e := range r.Events {
			if e.Version == o.Version.Number && strings.HasPrefix(e.Source, TicketSource) && !slices.Contains(tickets, strings.TrimPrefix(e.Source, TicketSource)) {
				tickets = append(tickets, strings.TrimPrefix(e.Source, TicketSource))
			}
		}
		if len(tickets) > 0 {
			out = append(out, Proposal{OpenVersion: o, Tickets: tickets})
		}
	}
	return out, nil
}

// Proposal is a draft proposed from tickets, with their numbers.
type Proposal struct {
	OpenVersion
	Tickets []string `json:"tickets"`
}

// OpenVersion is a version in progress, for the publisher's workspace and the validator's queue.
type OpenVersion struct {
	IRI     string         `json:"iri"`
	Live    int            `json:"live"` // the published version it would replace; 0 for a new pill
	Version PillVersion    `json:"version"`
	Pending *PendingImport `json:"pending,omitempty"` // an imported text in conflict, to merge
}

// Open lists the versions in progress with one of statuses (all open ones when none), oldest
// change first: the validator's queue is Open(ctx, StatusSubmitted). It starts from the object
// index of each status in the history graph.
func (w *Workflow) Open(ctx context.Context, statuses ...Status) ([]OpenVersion, error) {
	if len(statuses) == 0 {
		statuses = []Status{StatusDraft, StatusSubmitted, StatusRejected}
	}
	w.s.mu.RLock()
	defer w.s.mu.RUnlock()
	seen := map[string]bool{}
	var out []OpenVersion
	for _, st := range statuses {
		for _, v := range w.s.subjects(ctx, ontology.ADMSStatus, quad.IRI(st.IRI()), ontology.GraphHistory) {
			pill := w.s.versionOf(ctx, v)
			if pill == "" || seen[pill] {
				continue
			}
			seen[pill] = true
			r, err := w.s.readRecord(ctx, pill)
			if err != nil {
				return nil, err
			}
			if o := r.Open(); o != nil && !r.Deleted && slices.Contains(statuses, o.Status) {
				out = append(out, OpenVersion{IRI: r.IRI, Live: r.Live, Version: *o, Pending: r.Pending})
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Version.Modified.Equal(out[j].Version.Modified) {
			return out[i].Version.Modified.Before(out[j].Version.Modified)
		}
		return out[i].IRI < out[j].IRI
	})
	return out, nil
}

// versionOf is the pill a version node belongs to (prov:specializationOf), or "".
func (s *Store) versionOf(ctx context.Context, v quad.Value) string {
	for _, q := range s.quadsDirPred(ctx, quad.Subject, v, ontology.PROVSpecializationOf, ontology.GraphHistory) {
		return iriOf(q.Object)
	}
	return ""
}

// EditedBy lists the open versions actor edited, newest change first: the publisher's drafts,
// and the rejected ones with the validator's reason. It starts from the object index of the
// actor's agent IRI.
func (w *Workflow) EditedBy(ctx context.Context, actor string) ([]OpenVersion, error) {
	w.s.mu.RLock()
	defer w.s.mu.RUnlock()
	seen := map[string]bool{}
	var out []OpenVersion
	for _, v := range w.s.subjects(ctx, ontology.PROVWasAttributedTo, quad.IRI(UserIRI(actor)), ontology.GraphHistory) {
		pill := w.s.versionOf(ctx, v)
		if pill == "" || seen[pill] {
			continue
		}
		seen[pill] = true
		r, err := w.s.readRecord(ctx, pill)
		if err != nil {
			return nil, err
		}
		if o := r.Open(); o != nil && !r.Deleted && slices.Contains(o.Editors, actor) {
			out = append(out, OpenVersion{IRI: r.IRI, Live: r.Live, Version: *o, Pending: r.Pending})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Version.Modified.After(out[j].Version.Modified) })
	return out, ctx.Err()
}

// Conflicts lists the pills whose imported text waits for the publisher (an import found them
// edited in Sportello since the previous one), oldest first. It starts from the object index of
// the class of imported texts.
func (w *Workflow) Conflicts(ctx context.Context) ([]OpenVersion, error) {
	w.s.mu.RLock()
	defer w.s.mu.RUnlock()
	seen := map[string]bool{}
	var out []OpenVersion
	for _, t := range w.s.subjects(ctx, ontology.RDFType, quad.IRI(ontology.ImportedText), ontology.GraphHistory) {
		pill := ""
		for _, q := range w.s.quadsDirPred(ctx, quad.Subject, t, ontology.PROVAlternateOf, ontology.GraphHistory) {
			pill = iriOf(q.Object)
		}
		if pill == "" || seen[pill] {
			continue
		}
		seen[pill] = true
		r, err := w.s.readRecord(ctx, pill)
		if err != nil {
			return nil, err
		}
		if r.Pending == nil {
			continue
		}
		ov := OpenVersion{IRI: r.IRI, Live: r.Live, Pending: r.Pending}
		if v := r.newest(); v != nil {
			ov.Version = *v
		}
		out = append(out, ov)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pending.At.Before(out[j].Pending.At) })
	return out, ctx.Err()
}

// Publication is a version that went live: the "novità" operators are told about (KB-12),
// with what changed from the version it replaced.
type Publication struct {
	IRI      string      `json:"iri"`
	Code     string      `json:"code,omitempty"`
	Title    string      `json:"title"`
	Version  int         `json:"version"`
	Previous int         `json:"previous,omitempty"` // the version it replaced; 0 for a new pill
	At       time.Time   `json:"at"`
	By       string      `json:"by"`
	Changes  []FieldDiff `json:"changes"`
}

// Publications lists the versions published since since, newest first. It reads the steps that
// published, day by day, from the object index of sp:publishedOn: never the whole history.
func (w *Workflow) Publications(ctx context.Context, since time.Time) ([]Publication, error) {
	w.s.mu.RLock()
	defer w.s.mu.RUnlock()
	now := w.Now().UTC()
	records := map[string]*PillRecord{}
	var out []Publication
	for d := since.UTC().Truncate(24 * time.Hour); !d.After(now); d = d.AddDate(0, 0, 1) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		day := typed(d.Format(time.DateOnly), ontology.XSDDate)
		for _, a := range w.s.subjects(ctx, ontology.PublishedOn, day, ontology.GraphHistory) {
			act := iriOf(a)
			i := strings.LastIndex(act, "/activity/")
			if i < 0 {
				continue
			}
			pill := act[:i]
			r, ok := records[pill]
			if !ok {
				var err error
				if r, err = w.s.readRecord(ctx, pill); err != nil {
					continue
				}
				records[pill] = r
			}
			seq := 0
			fmt.Sscanf(act[i+len("/activity/"):], "%d", &seq)
			if p, ok := publication(r, seq); ok && !p.At.Before(since) {
				out = append(out, p)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, nil
}

// publication is the publication made by step seq of r, with what it changed from the version
// live before it (replayed from the events).
func publication(r *PillRecord, seq int) (Publication, bool) {
	live := 0
	for _, e := range r.Events {
		published := e.To == StatusPublished && e.From != StatusPublished
		if e.Seq == seq && published {
			v, err := r.Version(e.Version)
			if err != nil {
				return Publication{}, false
			}
			base := &Pill{}
			if live > 0 && live != e.Version {
				base = &r.Versions[live-1].Content
			}
			prev := live
			if prev == e.Version {
				prev = 0
			}
			return Publication{IRI: r.IRI, Code: v.Content.Code, Title: v.Content.Title, Version: v.Number,
				Previous: prev, At: e.At, By: e.Actor, Changes: DiffPills(base, &v.Content)}, true
		}
		switch {
		case published:
			live = e.Version
		case e.Action == ActionRetire || e.Action == ActionDelete:
			live = 0
		}
	}
	return Publication{}, false
}

// MigrateSQL moves the pill records an earlier Sportello kept as JSON in the operational
// database (table pill_records) into the history graph, in one graph transaction, then drops
// the table. The history those versions wrote (titles only) is replaced by the full record.
// Pills the earlier workflow never touched keep what the content graph says, adopted as version
// 1 at their first step. Running it again finds no table and does nothing.
func (w *Workflow) MigrateSQL(ctx context.Context, db *sqldb.DB) (int, error) {
	rows, err := db.Query(ctx, `SELECT iri, record FROM pill_records ORDER BY iri`)
	if err != nil {
		if msg := err.Error(); strings.Contains(msg, "no such table") || strings.Contains(msg, "does not exist") {
			return 0, nil // a database that never had the table, or moved it already
		}
		return 0, fmt.Errorf("kb: reading the workflow records to move: %w", err)
	}
	type old struct{ iri, data string }
	var all []old
	for rows.Next() {
		var o old
		if err := rows.Scan(&o.iri, &o.data); err != nil {
			rows.Close()
			return 0, err
		}
		all = append(all, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	err = w.s.Update(ctx, func(b *Batch) error {
		for _, o := range all {
			var r PillRecord
			if err := json.Unmarshal([]byte(o.data), &r); err != nil {
				return fmt.Errorf("kb: workflow record of %s: %w", o.iri, err)
			}
			if r.IRI == "" {
				r.IRI = o.iri
			}
			upgradeRecord(&r)
			b.addRecord(r.IRI, &recordState{cur: &r, replaceAll: true})
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("kb: moving the workflow records into the history graph: %w", err)
	}
	if _, err := db.Exec(ctx, `DROP TABLE pill_records`); err != nil {
		return len(all), fmt.Errorf("kb: workflow records moved into the graph, but the old table stays: %w", err)
	}
	return len(all), nil
}

// upgradeRecord brings a record of the earlier workflow to today's rules: a version carries
// only its own status, so a published version that is no longer live is retired; the pill's
// creation is the same in every version.
func upgradeRecord(r *PillRecord) {
	created := r.created(time.Now())
	for i := range r.Versions {
		v := &r.Versions[i]
		if v.Status == StatusPublished && v.Number != r.Live {
			v.Status = StatusRetired
		}
		v.Content.IRI, v.Content.Status, v.Content.Version = r.IRI, v.Status, v.Number
		v.Content.Created = created
		if v.Content.ValidatedBy != "" && !isAbsoluteIRI(v.Content.ValidatedBy) {
			for _, e := range r.Events {
				if e.Action == ActionApprove && e.Version == v.Number && e.Actor == v.Content.ValidatedBy {
					v.Content.ValidatedBy = UserIRI(e.Actor) // an account, not a name
				}
			}
		}
	}
	for i := range r.Events {
		if r.Events[i].Seq == 0 {
			r.Events[i].Seq = i + 1
		}
	}
	derive(r)
}
