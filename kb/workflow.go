package kb

// This file is the pill life cycle (REQUIREMENTS KB-8, KB-12, KB-14) as rules over a PillRecord:
// every version of one pill with its workflow state, and the events that moved it.
//
//	draft ──submit──▶ submitted ──approve──▶ published ──retire──▶ retired
//	  ▲                   │
//	  └──edit── rejected ◀┘ reject (with the validator's reason)
//
// Editing a published pill opens a new draft version; the published version stays live for
// operators until the new one is approved. Four eyes: nobody approves a version they edited.
// Some categories need a second signature (the URP and the head of office both sign the
// information sheet, KB-12). Imports follow the same rules (Import): an unchanged text changes
// nothing, a changed one becomes a draft flagged "changed by import", and a pill edited in
// Sportello since its last import is never overwritten: the imported text waits beside it
// (PendingImport) for the publisher to merge or discard.
//
// The rules are pure: they change a PillRecord in memory and return the event to record.
// Persisting records is the store's business (workflowstore.go, history.go), so the rules can be
// tested without one. Role checks (only validators approve) belong to whoever calls them; these
// rules check what no role may do.
//
// Messages are Italian: they reach the publisher and the validator as they are.

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Action is a step of the life cycle.
type Action string

const (
	ActionEdit    Action = "edit"    // create a draft version, or change the open one
	ActionSubmit  Action = "submit"  // send the draft to the validators
	ActionApprove Action = "approve" // sign; publishes once every required signature is there
	ActionReject  Action = "reject"  // back to the publisher with a reason
	ActionRetire  Action = "retire"  // withdraw the published pill (archived)
	ActionRestore Action = "restore" // a new draft copied from an old version
	ActionImport  Action = "import"  // a workbook row or an RDF description brings a text
	ActionMerge   Action = "merge"   // the publisher merges an imported text in conflict
	ActionDiscard Action = "discard" // the publisher sets an imported text in conflict aside
	ActionDelete  Action = "delete"  // the pill leaves the content graph; its history stays
	ActionLink    Action = "link"    // the office written as text is linked to the directory
	ActionRefile  Action = "refile"  // a merged concept's pills move to the surviving concept
)

// Actions lists every action, in the order of the life cycle.
var Actions = []Action{ActionEdit, ActionSubmit, ActionApprove, ActionReject, ActionRetire, ActionRestore,
	ActionImport, ActionMerge, ActionDiscard, ActionDelete, ActionLink, ActionRefile}

// Label is the action in Italian, for the history page.
func (a Action) Label() string {
	switch a {
	case ActionEdit:
		return "modifica"
	case ActionSubmit:
		return "invio in revisione"
	case ActionApprove:
		return "approvazione"
	case ActionReject:
		return "rifiuto"
	case ActionRetire:
		return "ritiro"
	case ActionRestore:
		return "ripristino"
	case ActionImport:
		return "importazione"
	case ActionMerge:
		return "unione del testo importato"
	case ActionDiscard:
		return "testo importato scartato"
	case ActionDelete:
		return "eliminazione"
	case ActionLink:
		return "collegamento all'ufficio"
	case ActionRefile:
		return "riclassificazione"
	}
	return string(a)
}

// editsText reports whether the action writes a pill's text in Sportello: what an import must
// not overwrite.
func (a Action) editsText() bool {
	return a == ActionEdit || a == ActionRestore || a == ActionMerge
}

// Errors of the rules. A StateError is a transition the pill's state does not allow (HTTP 409);
// ErrFourEyes is a person the rules forbid whatever their role (HTTP 403).
var (
	ErrFourEyes       = errors.New("non si può approvare una versione che si è modificata: serve un altro validatore (principio dei quattro occhi)")
	ErrAlreadySigned  = errors.New("questa versione porta già la tua firma: serve la firma di un'altra persona")
	ErrReasonRequired = errors.New("indicare il motivo del rifiuto: il redattore lo legge per correggere la scheda")
	ErrNoVersion      = errors.New("versione inesistente")
	ErrNoPending      = errors.New("la scheda non ha un testo importato in attesa")
)

// StateError refuses an action the version's state does not allow.
type StateError struct {
	IRI     string
	Action  Action
	Version int
	Status  Status // the state that refused it; "" when the pill has no such version
	Msg     string
}

func (e *StateError) Error() string {
	return fmt.Sprintf("%s non consentito: %s", e.Action.Label(), e.Msg)
}

// Signature is one approval of a version.
type Signature struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// PillVersion is one version of a pill: the full content as it was, and its way through the
// workflow. Versions are never deleted. Content.Created is the pill's creation (the same in
// every version: it never changes); Created and Modified here are the version's own.
type PillVersion struct {
	Number          int         `json:"number"`
	Status          Status      `json:"status"`
	Content         Pill        `json:"content"`
	Editors         []string    `json:"editors"` // everyone who changed it: none of them may approve it
	Created         time.Time   `json:"created"`
	Modified        time.Time   `json:"modified"`
	Submitted       *time.Time  `json:"submitted,omitempty"`
	SubmittedBy     string      `json:"submittedBy,omitempty"`
	Signatures      []Signature `json:"signatures,omitempty"`
	RejectedBy      string      `json:"rejectedBy,omitempty"`
	RejectReason    string      `json:"rejectReason,omitempty"` // the validator's reason, shown to the publisher
	Rejected        *time.Time  `json:"rejected,omitempty"`
	RestoredFrom    int         `json:"restoredFrom,omitempty"`
	ChangedByImport bool        `json:"changedByImport,omitempty"` // an import wrote it over a published pill
}

// open reports whether the version is still being worked on.
func (v *PillVersion) open() bool {
	return v.Status == StatusDraft || v.Status == StatusSubmitted || v.Status == StatusRejected
}

// WorkflowEvent is one step recorded in the history (who, when, what, why: PROV-O).
type WorkflowEvent struct {
	Seq     int       `json:"seq"`
	Action  Action    `json:"action"`
	Version int       `json:"version"` // the version the step used or made; 0 for an import kept aside
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
	From    Status    `json:"from,omitempty"`
	To      Status    `json:"to"`
	Reason  string    `json:"reason,omitempty"`
	Source  string    `json:"source,omitempty"`  // an import's file, sheet and row, or document
	Pending int       `json:"pending,omitempty"` // the imported text an import kept aside, or a merge used
}

// WorkflowPolicy holds the settings of the rules.
type WorkflowPolicy struct {
	// SecondApproval reports whether a pill needs two signatures from different people before
	// it is published (KB-12: URP and head of office); nil means one signature for every pill.
	SecondApproval func(p *Pill) bool
}

// SignaturesNeeded is how many signatures of different people pill p needs to be published:
// two where the SecondApproval policy applies (KB-12), one otherwise.
func (pol WorkflowPolicy) SignaturesNeeded(p *Pill) int { return pol.signaturesNeeded(p) }

func (pol WorkflowPolicy) signaturesNeeded(p *Pill) int {
	if pol.SecondApproval != nil && pol.SecondApproval(p) {
		return 2
	}
	return 1
}

// ImportState is what the last import of a pill brought.
type ImportState struct {
	Hash string `json:"hash"` // fingerprint of the imported fields
	Seq  int    `json:"seq"`  // the event of the last import applied: Sportello edits after it are protected
}

// PendingImport is an imported text that could not be applied because the pill was edited in
// Sportello since its last import. It waits for the publisher, who merges or discards it; it
// stays in the history either way.
type PendingImport struct {
	Number  int       `json:"number"` // texts kept aside are numbered per pill: <pill>/import/N
	Content Pill      `json:"content"`
	Hash    string    `json:"hash"`
	Source  string    `json:"source,omitempty"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Reason  string    `json:"reason"` // why it was kept aside
}

// PillRecord is the whole life of one pill.
type PillRecord struct {
	IRI        string          `json:"iri"`
	Live       int             `json:"live"`              // the version operators read; 0 when none is published
	Deleted    bool            `json:"deleted,omitempty"` // out of the content graph; a restore brings it back
	Versions   []PillVersion   `json:"versions"`
	Events     []WorkflowEvent `json:"events"`
	LastImport *ImportState    `json:"import,omitempty"`
	Pending    *PendingImport  `json:"pending,omitempty"`
	// Imported lists every text an import kept aside, oldest first (Pending is the one still
	// waiting, if any): they stay in the history whatever the publisher decided.
	Imported []PendingImport `json:"imported,omitempty"`
	Policy   WorkflowPolicy  `json:"-"`
}

// NewPillRecord starts the record of a pill that has no versions yet.
func NewPillRecord(iri string) *PillRecord { return &PillRecord{IRI: iri} }

// Version returns version n.
func (r *PillRecord) Version(n int) (*PillVersion, error) {
	if n < 1 || n > len(r.Versions) {
		return nil, ErrNoVersion
	}
	return &r.Versions[n-1], nil
}

// Open returns the version in progress (draft, submitted or rejected), or nil. There is at most
// one: a second edit changes it rather than forking the pill.
func (r *PillRecord) Open() *PillVersion {
	for i := len(r.Versions) - 1; i >= 0; i-- {
		if r.Versions[i].open() {
			return &r.Versions[i]
		}
	}
	return nil
}

// newest is the last version, or nil.
func (r *PillRecord) newest() *PillVersion {
	if len(r.Versions) == 0 {
		return nil
	}
	return &r.Versions[len(r.Versions)-1]
}

// created is the pill's creation: it never changes.
func (r *PillRecord) created(now time.Time) time.Time {
	if len(r.Versions) > 0 && !r.Versions[0].Content.Created.IsZero() {
		return r.Versions[0].Content.Created
	}
	return now.UTC().Truncate(time.Second)
}

// LivePill is what operators see: the published version's content with its status and number,
// or nil when nothing is published.
func (r *PillRecord) LivePill() *Pill {
	if r.Live == 0 {
		return nil
	}
	v := r.Versions[r.Live-1]
	p := v.Content
	p.IRI, p.Status, p.Version = r.IRI, StatusPublished, v.Number
	return &p
}

// GraphPill is the pill the content graph holds: the live version, or else the newest version
// with its own status (so publishers and validators find it, and operators do not); nil for a
// deleted pill.
func (r *PillRecord) GraphPill() *Pill {
	if r.Deleted || len(r.Versions) == 0 {
		return nil
	}
	if p := r.LivePill(); p != nil {
		return p
	}
	v := r.newest()
	p := v.Content
	p.IRI, p.Status, p.Version = r.IRI, v.Status, v.Number
	return &p
}

// EditedSinceImport reports whether the pill's text was written in Sportello (edited, restored,
// merged) after its last import: an import must then not overwrite it.
func (r *PillRecord) EditedSinceImport() bool {
	after := 0
	if r.LastImport != nil {
		after = r.LastImport.Seq
	}
	for _, e := range r.Events {
		if e.Seq > after && e.Action.editsText() {
			return true
		}
	}
	return false
}

func (r *PillRecord) refuse(a Action, n int, st Status, msg string, args ...any) error {
	return &StateError{IRI: r.IRI, Action: a, Version: n, Status: st, Msg: fmt.Sprintf(msg, args...)}
}

func (r *PillRecord) lastSeq() int {
	if n := len(r.Events); n > 0 {
		return r.Events[n-1].Seq
	}
	return 0
}

func (r *PillRecord) record(e WorkflowEvent, now time.Time) *WorkflowEvent {
	e.Seq = r.lastSeq() + 1
	e.At = now.UTC()
	r.Events = append(r.Events, e)
	return &r.Events[len(r.Events)-1]
}

func (r *PillRecord) recordOn(a Action, v *PillVersion, actor string, now time.Time, from Status, reason string) *WorkflowEvent {
	return r.record(WorkflowEvent{Action: a, Version: v.Number, Actor: actor, From: from, To: v.Status, Reason: reason}, now)
}

func checkActor(actor string) error {
	if strings.TrimSpace(actor) == "" {
		return errors.New("manca l'autore dell'operazione")
	}
	return nil
}

func (r *PillRecord) refuseDeleted(a Action) error {
	if r.Deleted {
		return r.refuse(a, 0, "", "la scheda è stata eliminata: ripristinarne una versione")
	}
	return nil
}

// prepare fills in what the rules own in a version's content: the pill's IRI, its code when the
// edit leaves it out, and its creation.
func (r *PillRecord) prepare(content Pill, now time.Time) Pill {
	content.IRI = r.IRI
	if content.Code == "" && len(r.Versions) > 0 {
		// The code is how people and links name the pill: an edit that leaves it out keeps it.
		content.Code = r.newest().Content.Code
	}
	if len(r.Versions) > 0 || content.Created.IsZero() {
		content.Created = r.created(now)
	}
	return content
}

// Edit saves content as the pill's open version by actor: the open draft or rejected version is
// changed (a rejected one goes back to draft); with none open, a new draft version is created,
// while the published version stays live. A version under review cannot be changed.
func (r *PillRecord) Edit(content Pill, actor string, now time.Time) (*WorkflowEvent, error) {
	return r.edit(ActionEdit, content, actor, now)
}

func (r *PillRecord) edit(a Action, content Pill, actor string, now time.Time) (*WorkflowEvent, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if err := r.refuseDeleted(a); err != nil {
		return nil, err
	}
	content = r.prepare(content, now)
	if v := r.Open(); v != nil {
		if v.Status == StatusSubmitted {
			return nil, r.refuse(a, v.Number, v.Status,
				"la versione %d è in revisione: attendere la decisione del validatore", v.Number)
		}
		from := v.Status
		r.rewrite(v, content, now)
		v.ChangedByImport = false
		if !slices.Contains(v.Editors, actor) {
			v.Editors = append(v.Editors, actor)
		}
		return r.recordOn(a, v, actor, now, from, ""), nil
	}
	return r.newDraft(a, content, actor, now, 0), nil
}

// rewrite replaces the text of open version v, which goes back to draft.
func (r *PillRecord) rewrite(v *PillVersion, content Pill, now time.Time) {
	v.Content, v.Status, v.Modified = content, StatusDraft, now.UTC()
	v.Content.Status, v.Content.Version, v.Content.Modified = StatusDraft, v.Number, v.Modified
	v.Content.Validated, v.Content.ValidatedBy = content.Validated, content.ValidatedBy
	v.Signatures, v.Submitted, v.SubmittedBy = nil, nil, ""
}

func (r *PillRecord) newDraft(a Action, content Pill, actor string, now time.Time, from int) *WorkflowEvent {
	n := len(r.Versions) + 1
	content.IRI, content.Status, content.Version, content.Modified = r.IRI, StatusDraft, n, now.UTC()
	r.Versions = append(r.Versions, PillVersion{Number: n, Status: StatusDraft, Content: content,
		Editors: []string{actor}, Created: now.UTC(), Modified: now.UTC(), RestoredFrom: from})
	return r.recordOn(a, &r.Versions[n-1], actor, now, "", "")
}

// Submit sends draft version n to the validators.
func (r *PillRecord) Submit(n int, actor string, now time.Time) (*WorkflowEvent, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if err := r.refuseDeleted(ActionSubmit); err != nil {
		return nil, err
	}
	v, err := r.Version(n)
	if err != nil {
		return nil, err
	}
	if v.Status != StatusDraft {
		return nil, r.refuse(ActionSubmit, n, v.Status, "si invia in revisione solo una bozza; la versione %d è %s", n, statusLabel(v.Status))
	}
	t := now.UTC()
	v.Status, v.Submitted, v.SubmittedBy, v.Signatures = StatusSubmitted, &t, actor, nil
	v.Content.Status = StatusSubmitted
	return r.recordOn(ActionSubmit, v, actor, now, StatusDraft, ""), nil
}

// Approve signs submitted version n. With every required signature it is published and becomes
// the live version; the previously live version stays in the history.
func (r *PillRecord) Approve(n int, actor string, now time.Time) (*WorkflowEvent, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	v, err := r.Version(n)
	if err != nil {
		return nil, err
	}
	if v.Status != StatusSubmitted {
		return nil, r.refuse(ActionApprove, n, v.Status, "si approva solo una versione in revisione; la versione %d è %s", n, statusLabel(v.Status))
	}
	if slices.Contains(v.Editors, actor) {
		return nil, ErrFourEyes
	}
	for _, s := range v.Signatures {
		if s.By == actor {
			return nil, ErrAlreadySigned
		}
	}
	v.Signatures = append(v.Signatures, Signature{By: actor, At: now.UTC()})
	if len(v.Signatures) < r.Policy.signaturesNeeded(&v.Content) {
		return r.recordOn(ActionApprove, v, actor, now, StatusSubmitted, ""), nil
	}
	r.publish(v, UserIRI(actor), now)
	return r.recordOn(ActionApprove, v, actor, now, StatusSubmitted, ""), nil
}

// publish makes v the live version, validated by who (an IRI, or a name as a source wrote it).
func (r *PillRecord) publish(v *PillVersion, who string, now time.Time) {
	t := now.UTC()
	if r.Live > 0 && r.Live != v.Number {
		// The version it replaces stays in the history as it was when it went live.
		old := &r.Versions[r.Live-1]
		if old.Status == StatusPublished {
			old.Status, old.Content.Status = StatusRetired, StatusRetired
		}
	}
	v.Status = StatusPublished
	v.Content.Status, v.Content.Modified = StatusPublished, t
	if v.Content.Validated == nil || who != "" {
		v.Content.Validated = &t
	}
	if who != "" {
		v.Content.ValidatedBy = who
	}
	v.Modified = t
	r.Live = v.Number
}

// Reject sends submitted version n back to its publisher with the validator's reason.
func (r *PillRecord) Reject(n int, actor, reason string, now time.Time) (*WorkflowEvent, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	v, err := r.Version(n)
	if err != nil {
		return nil, err
	}
	if v.Status != StatusSubmitted {
		return nil, r.refuse(ActionReject, n, v.Status, "si respinge solo una versione in revisione; la versione %d è %s", n, statusLabel(v.Status))
	}
	if reason == "" {
		return nil, ErrReasonRequired
	}
	t := now.UTC()
	v.Status, v.RejectedBy, v.RejectReason, v.Rejected, v.Signatures = StatusRejected, actor, reason, &t, nil
	v.Content.Status = StatusRejected
	return r.recordOn(ActionReject, v, actor, now, StatusSubmitted, reason), nil
}

// Retire withdraws the live version: operators no longer see the pill. A version in progress
// is left alone and may still be published later.
func (r *PillRecord) Retire(actor, reason string, now time.Time) (*WorkflowEvent, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if r.Live == 0 {
		return nil, r.refuse(ActionRetire, 0, "", "la scheda non ha una versione pubblicata")
	}
	v := &r.Versions[r.Live-1]
	v.Status, v.Content.Status = StatusRetired, StatusRetired
	r.Live = 0
	return r.recordOn(ActionRetire, v, actor, now, StatusPublished, strings.TrimSpace(reason)), nil
}

// Restore starts a new draft copied from version n. It is refused while another version is in
// progress: finish or discard that one first, so there is never more than one open version. A
// deleted pill comes back this way.
func (r *PillRecord) Restore(n int, actor string, now time.Time) (*WorkflowEvent, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	v, err := r.Version(n)
	if err != nil {
		return nil, err
	}
	if o := r.Open(); o != nil {
		return nil, r.refuse(ActionRestore, n, o.Status, "la versione %d è ancora %s: concluderla prima di ripristinarne un'altra", o.Number, statusLabel(o.Status))
	}
	content := r.prepare(v.Content, now)
	content.Validated, content.ValidatedBy = nil, ""
	r.Deleted = false
	return r.newDraft(ActionRestore, content, actor, now, n), nil
}

// Delete takes the pill out of the content graph: operators, publishers and validators no
// longer find it. Its published or open version is retired; every version stays in the history,
// and Restore brings the pill back.
func (r *PillRecord) Delete(actor, reason string, now time.Time) (*WorkflowEvent, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if err := r.refuseDeleted(ActionDelete); err != nil {
		return nil, err
	}
	v := r.newest()
	if v == nil {
		return nil, ErrNoVersion
	}
	from := v.Status
	for i := range r.Versions {
		if x := &r.Versions[i]; x.Status == StatusPublished || x.open() {
			x.Status, x.Content.Status = StatusRetired, StatusRetired
		}
	}
	r.Live, r.Deleted = 0, true
	return r.recordOn(ActionDelete, v, actor, now, from, strings.TrimSpace(reason)), nil
}

// LinkOffice links the competent office written as name to the unit office on the live and the
// open version: the pill's text does not change, so it is not a new version.
func (r *PillRecord) LinkOffice(name, office, actor string, now time.Time) (*WorkflowEvent, error) {
	var last *PillVersion
	for i := range r.Versions {
		v := &r.Versions[i]
		if (v.Number == r.Live || v.open()) && v.Content.Office == "" && v.Content.OfficeName == name {
			v.Content.Office, v.Content.OfficeName = office, ""
			last = v
		}
	}
	if last == nil {
		return nil, nil
	}
	e := r.recordOn(ActionLink, last, actor, now, last.Status, "")
	e.Reason = name
	return e, nil
}

// Refile moves the pill from concept from to concept into on the live and the open versions,
// when the tree's concept from is merged into into: the pill's text does not change, so it is
// not a new version. The event's reason names both concepts as given (labels, for the history).
func (r *PillRecord) Refile(from, into, why, actor string, now time.Time) (*WorkflowEvent, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	var last *PillVersion
	for i := range r.Versions {
		v := &r.Versions[i]
		if (v.Number != r.Live && !v.open()) || !slices.Contains(v.Content.Concepts, from) {
			continue
		}
		var cs []string
		for _, c := range v.Content.Concepts {
			if c == from {
				c = into
			}
			if !slices.Contains(cs, c) {
				cs = append(cs, c)
			}
		}
		v.Content.Concepts = cs
		last = v
	}
	if last == nil {
		return nil, nil
	}
	e := r.recordOn(ActionRefile, last, actor, now, last.Status, "")
	e.Reason = why
	return e, nil
}

// ImportOutcome is what an import did to a pill.
type ImportOutcome string

const (
	ImportCreated   ImportOutcome = "created"   // a new pill
	ImportUpdated   ImportOutcome = "updated"   // a new draft version, or the open one changed
	ImportUnchanged ImportOutcome = "unchanged" // the text is the one the last import brought
	ImportConflict  ImportOutcome = "conflict"  // kept aside for the publisher (PendingImport)
)

// ImportRequest is one imported text for one pill.
type ImportRequest struct {
	Content Pill
	Hash    string // fingerprint of the imported fields (PillHash when empty)
	Source  string // "pillole.xlsx, foglio Salute, riga 12", or the RDF document
	Actor   string
	// Publish publishes the imported text at once (the legacy base validated before): an
	// administrator's explicit choice, written in the history. Without it imports make drafts.
	Publish bool
}

// ImportResult tells what Import did and, for a conflict, why.
type ImportResult struct {
	IRI       string        `json:"iri"`
	Outcome   ImportOutcome `json:"outcome"`
	Version   int           `json:"version,omitempty"`
	Published bool          `json:"published,omitempty"`
	Reason    string        `json:"reason,omitempty"` // Italian: why the text was kept aside
}

// Import applies an imported text:
//   - the same fingerprint as the last import brought: nothing changes;
//   - the pill was edited in Sportello since its last import (or never came from an import and
//     says something else, or was deleted, or its open version is under review): the text is
//     kept aside as a PendingImport, and nothing the operators or the publisher see changes;
//   - otherwise the open draft is changed, or a new draft version is made while the published
//     one stays live; over a published pill it is flagged ChangedByImport;
//   - with Publish the version is published at once, and the history says so.
func (r *PillRecord) Import(req ImportRequest, now time.Time) (*ImportResult, *WorkflowEvent, error) {
	if err := checkActor(req.Actor); err != nil {
		return nil, nil, err
	}
	if req.Hash == "" {
		req.Hash = PillHash(&req.Content)
	}
	res := &ImportResult{IRI: r.IRI}
	ev := WorkflowEvent{Action: ActionImport, Actor: req.Actor, Source: req.Source}
	content := r.prepare(req.Content, now)

	if len(r.Versions) == 0 {
		e := r.newDraft(ActionImport, content, req.Actor, now, 0)
		e.Source = req.Source
		keepSourceDate(&r.Versions[0], req.Content)
		res.Outcome, res.Version = ImportCreated, e.Version
		if req.Publish {
			r.publishImport(&r.Versions[0], e)
			res.Published = true
		}
		r.LastImport = &ImportState{Hash: req.Hash, Seq: e.Seq}
		return res, e, nil
	}
	open := r.Open()
	if r.LastImport != nil && r.LastImport.Hash == req.Hash {
		// The row is as it was. An explicit publication still publishes what the import brought,
		// if nobody changed it in Sportello since.
		if req.Publish && r.Live == 0 && open != nil && open.Status == StatusDraft && !r.EditedSinceImport() && !r.Deleted {
			ev.Version, ev.From = open.Number, open.Status
			e := r.record(ev, now)
			r.publishImport(open, e)
			res.Outcome, res.Version, res.Published = ImportUpdated, open.Number, true
			return res, e, nil
		}
		res.Outcome = ImportUnchanged
		return res, nil, nil
	}
	newest := r.newest()
	reason := ""
	switch {
	case r.Deleted:
		reason = "la scheda è stata eliminata in Sportello"
	case r.EditedSinceImport():
		reason = "la scheda è stata modificata in Sportello dopo l'ultima importazione"
	case r.LastImport == nil && PillHash(&newest.Content) != PillHash(&content):
		reason = "la scheda esiste in Sportello e non viene da un'importazione"
	case open != nil && open.Status == StatusSubmitted:
		reason = fmt.Sprintf("la versione %d è in revisione", open.Number)
	}
	if reason != "" {
		p := PendingImport{Number: len(r.Imported) + 1, Content: content, Hash: req.Hash, Source: req.Source,
			At: now.UTC(), Actor: req.Actor, Reason: reason}
		r.Imported = append(r.Imported, p)
		r.Pending = &p
		ev.Pending, ev.Reason = r.Pending.Number, "testo importato messo da parte: "+reason
		if newest != nil {
			ev.From, ev.To = newest.Status, newest.Status
		}
		e := r.record(ev, now)
		res.Outcome, res.Reason = ImportConflict, reason
		return res, e, nil
	}
	if r.LastImport == nil {
		// Never imported, and the text is the one Sportello has: from now on imports compare
		// with this fingerprint.
		r.LastImport = &ImportState{Hash: req.Hash, Seq: r.lastSeq()}
		res.Outcome, res.Version = ImportUnchanged, newest.Number
		return res, nil, nil
	}
	var v *PillVersion
	var e *WorkflowEvent
	if open != nil {
		from := open.Status
		r.rewrite(open, content, now)
		if !slices.Contains(open.Editors, req.Actor) {
			open.Editors = append(open.Editors, req.Actor)
		}
		v = open
		ev.Version, ev.From, ev.To = v.Number, from, v.Status
		e = r.record(ev, now)
	} else {
		e = r.newDraft(ActionImport, content, req.Actor, now, 0)
		e.Source = req.Source
		v = r.newest()
	}
	keepSourceDate(v, req.Content)
	v.ChangedByImport = r.Live > 0 || r.everPublished()
	res.Outcome, res.Version = ImportUpdated, v.Number
	if req.Publish {
		r.publishImport(v, e)
		res.Published = true
	}
	r.LastImport = &ImportState{Hash: req.Hash, Seq: e.Seq}
	return res, e, nil
}

// keepSourceDate keeps the date of the last change the source gives (a workbook's "last update"
// column) as the version's: it says when the text was last changed, wherever that was.
func keepSourceDate(v *PillVersion, c Pill) {
	if !c.Modified.IsZero() {
		v.Modified = c.Modified.UTC()
		v.Content.Modified = v.Modified
	}
}

// publishImport publishes v on an administrator's explicit request: the validation the source
// recorded (date, validator) is kept, and the event says so.
func (r *PillRecord) publishImport(v *PillVersion, e *WorkflowEvent) {
	modified := v.Modified
	r.publish(v, "", e.At)
	v.Modified, v.Content.Modified = modified, modified
	if v.Content.ValidatedBy == "" {
		v.Content.ValidatedBy = UserIRI(e.Actor)
	}
	v.ChangedByImport = false
	e.To = StatusPublished
	e.Reason = "pubblicata dall'importazione su richiesta esplicita di un amministratore"
}

func (r *PillRecord) everPublished() bool {
	for _, e := range r.Events {
		if e.To == StatusPublished {
			return true
		}
	}
	return false
}

// Merge saves content — what the publisher made of the imported text in conflict and the text
// Sportello had — as the open draft (Edit's rules), and settles the conflict: the same row
// imported again changes nothing, a further change is kept aside again.
func (r *PillRecord) Merge(content Pill, actor string, now time.Time) (*WorkflowEvent, error) {
	if r.Pending == nil {
		return nil, ErrNoPending
	}
	p := r.Pending
	e, err := r.edit(ActionMerge, content, actor, now)
	if err != nil {
		return nil, err
	}
	e.Pending, e.Source = p.Number, p.Source
	r.settle(p)
	return e, nil
}

// Discard sets the imported text in conflict aside for good: it stays in the history, and the
// same row imported again changes nothing.
func (r *PillRecord) Discard(actor string, now time.Time) (*WorkflowEvent, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if r.Pending == nil {
		return nil, ErrNoPending
	}
	p := r.Pending
	ev := WorkflowEvent{Action: ActionDiscard, Actor: actor, Pending: p.Number, Source: p.Source}
	if v := r.newest(); v != nil {
		ev.Version, ev.From, ev.To = v.Number, v.Status, v.Status
	}
	e := r.record(ev, now)
	r.settle(p)
	return e, nil
}

// settle ends a conflict: the record remembers the imported text's fingerprint, but not as an
// import applied, so the Sportello edits before it stay protected.
func (r *PillRecord) settle(p *PendingImport) {
	seq := 0
	if r.LastImport != nil {
		seq = r.LastImport.Seq
	}
	r.LastImport = &ImportState{Hash: p.Hash, Seq: seq}
	r.Pending = nil
}

func statusLabel(s Status) string {
	switch s {
	case StatusDraft:
		return "in bozza"
	case StatusSubmitted:
		return "in revisione"
	case StatusPublished:
		return "pubblicata"
	case StatusRejected:
		return "respinta"
	case StatusRetired:
		return "ritirata"
	}
	return string(s)
}

// VersionIRI names version n of a pill in the history graph.
func VersionIRI(pill string, n int) string { return pill + "/version/" + strconv.Itoa(n) }

// ActivityIRI names the step seq of a pill's history.
func ActivityIRI(pill string, seq int) string { return pill + "/activity/" + strconv.Itoa(seq) }

// ImportRecordIRI names what the last import of a pill brought.
func ImportRecordIRI(pill string) string { return pill + "/import" }

// ImportedTextIRI names the n-th imported text kept aside for a pill.
func ImportedTextIRI(pill string, n int) string { return pill + "/import/" + strconv.Itoa(n) }

// UserIRI names an account (a person working in Sportello) as a prov:Agent.
func UserIRI(name string) string { return Base + "user/" + url.PathEscape(name) }

// UserName is the account an agent IRI of UserIRI names, or "" for another IRI.
func UserName(iri string) string {
	rest, ok := strings.CutPrefix(iri, Base+"user/")
	if !ok {
		return ""
	}
	name, err := url.PathUnescape(rest)
	if err != nil {
		return rest
	}
	return name
}

// FieldDiff is one field that differs between two versions. Texts (title, question, answer,
// notes) also come as a word-level diff.
type FieldDiff struct {
	Field string   `json:"field"`
	Old   string   `json:"old"`
	New   string   `json:"new"`
	Words []WordOp `json:"words,omitempty"`
}

// WordOp is a run of the word diff: Op is "=" (unchanged), "-" (removed) or "+" (added).
type WordOp struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// DiffPills compares two versions field by field, in a fixed order.
func DiffPills(a, b *Pill) []FieldDiff {
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format("2006-01-02")
	}
	links := func(ls []Link) string {
		s := make([]string, len(ls))
		for i, l := range ls {
			s[i] = strings.TrimSpace(l.Title + " " + l.URL)
		}
		return strings.Join(s, "\n")
	}
	fields := []struct {
		name     string
		old, new string
		text     bool
	}{
		{"code", a.Code, b.Code, false},
		{"title", a.Title, b.Title, true},
		{"question", a.Question, b.Question, true},
		{"answer", a.Answer, b.Answer, true},
		{"keywords", strings.Join(a.Keywords, ", "), strings.Join(b.Keywords, ", "), false},
		{"concepts", strings.Join(a.Concepts, "\n"), strings.Join(b.Concepts, "\n"), false},
		{"department", a.Department, b.Department, false},
		{"office", a.Office, b.Office, false},
		{"officeName", a.OfficeName, b.OfficeName, false},
		{"legalRefs", strings.Join(a.LegalRefs, "\n"), strings.Join(b.LegalRefs, "\n"), false},
		{"links", links(a.Links), links(b.Links), false},
		{"forms", links(a.Forms), links(b.Forms), false},
		{"audience", strings.Join(a.Audience, ", "), strings.Join(b.Audience, ", "), false},
		{"reviewBy", date(a.ReviewBy), date(b.ReviewBy), false},
		{"validFrom", date(a.ValidFrom), date(b.ValidFrom), false},
		{"validUntil", date(a.ValidUntil), date(b.ValidUntil), false},
		{"notes", a.Notes, b.Notes, true},
		{"lang", a.Lang, b.Lang, false},
	}
	var out []FieldDiff
	for _, f := range fields {
		if f.old == f.new {
			continue
		}
		d := FieldDiff{Field: f.name, Old: f.old, New: f.new}
		if f.text {
			d.Words = DiffWords(f.old, f.new)
		}
		out = append(out, d)
	}
	return out
}

// maxDiffCells bounds the word diff's table (old words × new words): past it, a text is shown
// as removed and added whole rather than spending seconds on a pathological pair.
const maxDiffCells = 4_000_000

// DiffWords is a word-level diff (longest common subsequence over words, spaces and HTML tags
// as tokens). Concatenating the "=" and "-" runs gives a, the "=" and "+" runs give b.
func DiffWords(a, b string) []WordOp {
	x, y := diffTokens(a), diffTokens(b)
	// Common prefix and suffix cost nothing and shrink the table.
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	var ops []WordOp
	add := func(op, text string) {
		if text == "" {
			return
		}
		if n := len(ops); n > 0 && ops[n-1].Op == op {
			ops[n-1].Text += text
			return
		}
		ops = append(ops, WordOp{op, text})
	}
	add("=", strings.Join(x[:pre], ""))
	mx, my := x[pre:len(x)-suf], y[pre:len(y)-suf]
	if len(mx)*len(my) > maxDiffCells {
		add("-", strings.Join(mx, ""))
		add("+", strings.Join(my, ""))
	} else {
		// lcs[i][j] is the LCS length of mx[i:] and my[j:].
		w := len(my) + 1
		lcs := make([]int32, (len(mx)+1)*w)
		for i := len(mx) - 1; i >= 0; i-- {
			for j := len(my) - 1; j >= 0; j-- {
				if mx[i] == my[j] {
					lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
				} else {
					lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(mx) || j < len(my) {
			switch {
			case i < len(mx) && j < len(my) && mx[i] == my[j]:
				add("=", mx[i])
				i, j = i+1, j+1
			case i < len(mx) && (j == len(my) || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
				add("-", mx[i])
				i++
			default:
				add("+", my[j])
				j++
			}
		}
	}
	add("=", strings.Join(x[len(x)-suf:], ""))
	return ops
}

// diffTokens splits text into words, runs of spaces, single punctuation marks and whole HTML
// tags, keeping every byte.
func diffTokens(s string) []string {
	var out []string
	for len(s) > 0 {
		n := 0
		switch c := s[0]; {
		case c == '<':
			n = strings.IndexByte(s, '>') + 1
			if n == 0 {
				n = 1
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			for n < len(s) && (s[n] == ' ' || s[n] == '\t' || s[n] == '\n' || s[n] == '\r') {
				n++
			}
		case isWordByte(c):
			for n < len(s) && isWordByte(s[n]) {
				n++
			}
		default:
			n = 1
		}
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

// isWordByte: ASCII letters and digits, and every byte of a non-ASCII character, so that
// accented Italian words ("è", "città") stay whole.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
