package kb

// This file is the pill life cycle (issue 5, REQUIREMENTS KB-8, KB-12, KB-14) as rules over a
// PillRecord: every version of one pill with its workflow state, and the events that moved it.
//
//	draft ──submit──▶ submitted ──approve──▶ published ──retire──▶ retired
//	  ▲                   │
//	  └──edit── rejected ◀┘ reject (with the validator's reason)
//
// Editing a published pill opens a new draft version; the published version stays live for
// operators until the new one is approved. Four eyes: nobody approves a version they edited.
// Some categories need a second signature (the URP and the head of office both sign the
// information sheet, KB-12).
//
// The rules are pure: they change a PillRecord in memory and return the event to record, with
// its PROV-O quads for the history graph. Persisting records is the store's business, so the
// rules can be tested without one and used by the web handlers and the CLI alike. Role checks
// (only validators approve) are the web routes' business; these rules check what no role may do.
//
// Messages are Italian: they reach the publisher and the validator as they are.

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/ontology"
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
)

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
	}
	return string(a)
}

// Errors of the rules. A StateError is a transition the pill's state does not allow (HTTP 409);
// ErrFourEyes is a person the rules forbid whatever their role (HTTP 403).
var (
	ErrFourEyes       = errors.New("non si può approvare una versione che si è modificata: serve un altro validatore (principio dei quattro occhi)")
	ErrAlreadySigned  = errors.New("questa versione porta già la tua firma: serve la firma di un'altra persona")
	ErrReasonRequired = errors.New("indicare il motivo del rifiuto: il redattore lo legge per correggere la scheda")
	ErrNoVersion      = errors.New("versione inesistente")
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
// workflow. Versions are never deleted (issue 5: every version kept).
type PillVersion struct {
	Number       int         `json:"number"`
	Status       Status      `json:"status"`
	Content      Pill        `json:"content"`
	Editors      []string    `json:"editors"` // everyone who changed it: none of them may approve it
	Created      time.Time   `json:"created"`
	Modified     time.Time   `json:"modified"`
	Submitted    *time.Time  `json:"submitted,omitempty"`
	SubmittedBy  string      `json:"submittedBy,omitempty"`
	Signatures   []Signature `json:"signatures,omitempty"`
	RejectedBy   string      `json:"rejectedBy,omitempty"`
	RejectReason string      `json:"rejectReason,omitempty"` // the validator's reason, shown to the publisher
	Rejected     *time.Time  `json:"rejected,omitempty"`
	RestoredFrom int         `json:"restoredFrom,omitempty"`
}

// open reports whether the version is still being worked on.
func (v *PillVersion) open() bool {
	return v.Status == StatusDraft || v.Status == StatusSubmitted || v.Status == StatusRejected
}

// WorkflowEvent is one step recorded in the history (who, when, what, why: PROV-O).
type WorkflowEvent struct {
	Seq     int       `json:"seq"`
	Action  Action    `json:"action"`
	Version int       `json:"version"`
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
	From    Status    `json:"from,omitempty"`
	To      Status    `json:"to"`
	Reason  string    `json:"reason,omitempty"`
}

// WorkflowPolicy holds the settings of the rules.
type WorkflowPolicy struct {
	// SecondApproval reports whether a pill needs two signatures from different people before
	// it is published (KB-12: URP and head of office); nil means one signature for every pill.
	SecondApproval func(p *Pill) bool
}

func (pol WorkflowPolicy) signaturesNeeded(p *Pill) int {
	if pol.SecondApproval != nil && pol.SecondApproval(p) {
		return 2
	}
	return 1
}

// PillRecord is the whole life of one pill.
type PillRecord struct {
	IRI      string          `json:"iri"`
	Live     int             `json:"live"` // the version operators read; 0 when none is published
	Versions []PillVersion   `json:"versions"`
	Events   []WorkflowEvent `json:"events"`
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

func (r *PillRecord) refuse(a Action, n int, st Status, msg string, args ...any) error {
	return &StateError{IRI: r.IRI, Action: a, Version: n, Status: st, Msg: fmt.Sprintf(msg, args...)}
}

func (r *PillRecord) record(a Action, v *PillVersion, actor string, now time.Time, from Status, reason string) *WorkflowEvent {
	r.Events = append(r.Events, WorkflowEvent{Seq: len(r.Events) + 1, Action: a, Version: v.Number, Actor: actor,
		At: now.UTC(), From: from, To: v.Status, Reason: reason})
	return &r.Events[len(r.Events)-1]
}

func checkActor(actor string) error {
	if strings.TrimSpace(actor) == "" {
		return errors.New("manca l'autore dell'operazione")
	}
	return nil
}

// Edit saves content as the pill's open version by actor: the open draft or rejected version is
// changed (a rejected one goes back to draft); with none open, a new draft version is created,
// while the published version stays live. A version under review cannot be changed.
func (r *PillRecord) Edit(content Pill, actor string, now time.Time) (*WorkflowEvent, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	content.IRI = r.IRI
	if content.Code == "" && len(r.Versions) > 0 {
		// The code is how people and links name the pill: an edit that leaves it out keeps it.
		content.Code = r.Versions[len(r.Versions)-1].Content.Code
	}
	if v := r.Open(); v != nil {
		if v.Status == StatusSubmitted {
			return nil, r.refuse(ActionEdit, v.Number, v.Status,
				"la versione %d è in revisione: attendere la decisione del validatore", v.Number)
		}
		from := v.Status
		v.Content, v.Status, v.Modified = content, StatusDraft, now.UTC()
		v.Content.Status, v.Content.Version = StatusDraft, v.Number
		if !slices.Contains(v.Editors, actor) {
			v.Editors = append(v.Editors, actor)
		}
		return r.record(ActionEdit, v, actor, now, from, ""), nil
	}
	return r.newDraft(ActionEdit, content, actor, now, 0), nil
}

func (r *PillRecord) newDraft(a Action, content Pill, actor string, now time.Time, from int) *WorkflowEvent {
	n := len(r.Versions) + 1
	content.IRI, content.Status, content.Version = r.IRI, StatusDraft, n
	r.Versions = append(r.Versions, PillVersion{Number: n, Status: StatusDraft, Content: content,
		Editors: []string{actor}, Created: now.UTC(), Modified: now.UTC(), RestoredFrom: from})
	return r.record(a, &r.Versions[n-1], actor, now, "", "")
}

// Submit sends draft version n to the validators.
func (r *PillRecord) Submit(n int, actor string, now time.Time) (*WorkflowEvent, error) {
	if err := checkActor(actor); err != nil {
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
	return r.record(ActionSubmit, v, actor, now, StatusDraft, ""), nil
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
		return r.record(ActionApprove, v, actor, now, StatusSubmitted, ""), nil
	}
	t := now.UTC()
	v.Status = StatusPublished
	v.Content.Status, v.Content.Validated, v.Content.ValidatedBy, v.Content.Modified = StatusPublished, &t, actor, t
	r.Live = n
	return r.record(ActionApprove, v, actor, now, StatusSubmitted, ""), nil
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
	return r.record(ActionReject, v, actor, now, StatusSubmitted, reason), nil
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
	return r.record(ActionRetire, v, actor, now, StatusPublished, strings.TrimSpace(reason)), nil
}

// Restore starts a new draft copied from version n. It is refused while another version is in
// progress: finish or discard that one first, so there is never more than one open version.
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
	content := v.Content
	content.Validated, content.ValidatedBy = nil, ""
	return r.newDraft(ActionRestore, content, actor, now, n), nil
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

// PROV-O terms the ontology package does not name yet.
const (
	wfProvEndedAtTime      = ontology.PROV + "endedAtTime"
	wfProvSpecializationOf = ontology.PROV + "specializationOf"
	wfProvGenerated        = ontology.PROV + "generated"
)

// VersionIRI names version n of a pill in the history graph.
func VersionIRI(pill string, n int) string { return pill + "/version/" + strconv.Itoa(n) }

// UserIRI names an account as a prov:Agent.
func UserIRI(name string) string { return Base + "user/" + name }

// EventQuads is the provenance of event e of r in the history graph (PROV-O): the activity with
// who and when, the version it used or generated, the version's status, editors and lineage, and
// the reason as rdfs:comment.
func (r *PillRecord) EventQuads(e WorkflowEvent) []quad.Quad {
	g := quad.IRI(ontology.GraphHistory)
	act := quad.IRI(r.IRI + "/activity/" + strconv.Itoa(e.Seq))
	ver := quad.IRI(VersionIRI(r.IRI, e.Version))
	agent := quad.IRI(UserIRI(e.Actor))
	at := quad.TypedString{Value: quad.String(e.At.UTC().Format(time.RFC3339)), Type: quad.IRI(ontology.XSDDateTime)}
	q := func(s quad.Value, p string, o quad.Value) quad.Quad {
		return quad.Quad{Subject: s, Predicate: quad.IRI(p), Object: o, Label: g}
	}
	out := []quad.Quad{
		q(act, ontology.RDFType, quad.IRI(ontology.PROVActivity)),
		q(act, ontology.RDFSLabel, quad.LangString{Value: quad.String(e.Action.Label()), Lang: "it"}),
		q(act, ontology.PROVWasAssociatedWith, agent),
		q(act, ontology.PROVStartedAtTime, at),
		q(act, wfProvEndedAtTime, at),
		q(agent, ontology.RDFType, quad.IRI(ontology.PROVAgent)),
		q(ver, ontology.RDFType, quad.IRI(ontology.PROVEntity)),
		q(ver, wfProvSpecializationOf, quad.IRI(r.IRI)),
		q(ver, ontology.ADMSStatus, quad.IRI(e.To.IRI())),
	}
	vn := quad.TypedString{Value: quad.String(strconv.Itoa(e.Version)), Type: quad.IRI(ontology.XSDInteger)}
	out = append(out, q(ver, ontology.VersionNumber, vn))
	if e.Action == ActionEdit || e.Action == ActionRestore {
		out = append(out, q(act, wfProvGenerated, ver), q(ver, ontology.PROVWasGeneratedBy, act),
			q(ver, ontology.PROVWasAttributedTo, agent))
	} else {
		out = append(out, q(act, ontology.PROVUsed, ver))
	}
	if e.Action == ActionApprove {
		out = append(out, q(ver, ontology.ValidatedBy, agent))
	}
	if e.Reason != "" {
		out = append(out, q(act, ontology.RDFSComment, quad.LangString{Value: quad.String(e.Reason), Lang: "it"}))
	}
	if v, err := r.Version(e.Version); err == nil {
		if v.Content.Title != "" {
			out = append(out, q(ver, ontology.DCTTitle, quad.LangString{Value: quad.String(v.Content.Title), Lang: "it"}))
		}
		prev := v.RestoredFrom
		if prev == 0 && v.Number > 1 {
			prev = v.Number - 1
		}
		if prev > 0 {
			out = append(out, q(ver, ontology.PROVWasRevisionOf, quad.IRI(VersionIRI(r.IRI, prev))))
		}
	}
	return out
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
