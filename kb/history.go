package kb

// The history graph: every pill's record — each version with its full text and fields, each
// step of the life cycle, what the last import brought and the imported texts kept aside — as
// PROV-O (REQUIREMENTS KB-8, KB-11). It is the one source of truth of a pill's life; the content
// graph holds only the pill as operators see it, derived from the record.
//
//	<pill>/version/N   a sp:PillVersion, prov:Entity ; prov:specializationOf <pill> ;
//	                   sp:version N ; adms:status (its own status only) ; every field of the pill
//	                   (owned nodes #answer, #link-N, #form-N, #extra-N) ; dct:created (the pill's
//	                   creation, which never changes) ; prov:generatedAtTime ; dct:modified ;
//	                   prov:wasAttributedTo each editor ; prov:wasRevisionOf the version it
//	                   derives from ; sp:changedByImport
//	<pill>/activity/S  a prov:Activity, sp:Edit|sp:Submission|sp:Approval|… ; rdfs:label ;
//	                   prov:wasAssociatedWith <user/NAME> ; prov:startedAtTime, prov:endedAtTime ;
//	                   prov:used <pill> (and the version it acted on) ; prov:generated the version
//	                   it made ; sp:fromStatus, sp:toStatus ; rdfs:comment (the reason) ;
//	                   sp:source (an import's file and row) ; sp:publishedOn (the day it published)
//	<pill>/import      a sp:ImportRecord ; sp:importHash ; sp:lastImport ;
//	                   sp:pendingImport <pill>/import/N while an imported text waits
//	<pill>/import/N    a sp:ImportedText, prov:Entity ; prov:alternateOf <pill> ; every field ;
//	                   sp:importHash ; sp:source ; rdfs:comment (why it was kept aside)
//
// A version is not an sp:KnowledgePill, and the pill's properties have sp:PillDescription as
// domain: RDFS reasoning over an export counts only the live pills as pills.
//
// Reading a record is indexed: one lookup of the statements whose object is the pill (versions,
// activities, import record, imported texts all point at it), then one per node. The lists of
// the publisher and the validator start from the object index of a status, an agent or a day.

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/ontology"
)

var actionClass = map[Action]string{
	ActionEdit: ontology.EditActivity, ActionSubmit: ontology.SubmitActivity, ActionApprove: ontology.ApproveActivity,
	ActionReject: ontology.RejectActivity, ActionRetire: ontology.RetireActivity, ActionRestore: ontology.RestoreActivity,
	ActionImport: ontology.ImportActivity, ActionMerge: ontology.MergeActivity, ActionDiscard: ontology.DiscardActivity,
	ActionDelete: ontology.DeleteActivity, ActionLink: ontology.LinkActivity, ActionRefile: ontology.RefileActivity,
}

func actionOf(class string) Action {
	for a, c := range actionClass {
		if c == class {
			return a
		}
	}
	return ""
}

// versionQuads is the RDF of version v of pill r.
func versionQuads(r *PillRecord, v *PillVersion) []quad.Quad {
	iri := VersionIRI(r.IRI, v.Number)
	q := newQuads(iri, ontology.GraphHistory)
	q.iri(ontology.RDFType, ontology.PillVersion)
	q.iri(ontology.RDFType, ontology.PROVEntity)
	q.iri(ontology.PROVSpecializationOf, r.IRI)
	c := v.Content
	c.Status, c.Version, c.Modified = v.Status, v.Number, v.Modified
	fieldQuads(q, &c, true)
	if !v.Created.IsZero() {
		q.add(ontology.PROVGeneratedAtTime, dateTime(v.Created))
	}
	for _, e := range v.Editors {
		q.iri(ontology.PROVWasAttributedTo, UserIRI(e))
	}
	prev := v.RestoredFrom
	if prev == 0 && v.Number > 1 {
		prev = v.Number - 1
	}
	if prev > 0 {
		q.iri(ontology.PROVWasRevisionOf, VersionIRI(r.IRI, prev))
	}
	if v.ChangedByImport {
		q.add(ontology.ChangedByImport, typed("true", ontology.XSDBoolean))
	}
	return q.quads
}

// eventQuads is the RDF of step e of pill r: the activity with who, when, what and why.
func eventQuads(r *PillRecord, e *WorkflowEvent) []quad.Quad {
	act := ActivityIRI(r.IRI, e.Seq)
	q := newQuads(act, ontology.GraphHistory)
	q.iri(ontology.RDFType, ontology.PROVActivity)
	if c := actionClass[e.Action]; c != "" {
		q.iri(ontology.RDFType, c)
	}
	q.text(ontology.RDFSLabel, e.Action.Label(), "it")
	q.iri(ontology.PROVWasAssociatedWith, UserIRI(e.Actor))
	q.add(ontology.PROVStartedAtTime, dateTime(e.At))
	q.add(ontology.PROVEndedAtTime, dateTime(e.At))
	q.iri(ontology.PROVUsed, r.IRI)
	if e.Version > 0 {
		ver := VersionIRI(r.IRI, e.Version)
		if e.From == "" && (e.Action == ActionEdit || e.Action == ActionRestore || e.Action == ActionImport || e.Action == ActionMerge) {
			q.iri(ontology.PROVGenerated, ver)
			if v, err := r.Version(e.Version); err == nil && v.RestoredFrom > 0 && e.Action == ActionRestore {
				q.iri(ontology.PROVUsed, VersionIRI(r.IRI, v.RestoredFrom))
			}
		} else {
			q.iri(ontology.PROVUsed, ver)
		}
	}
	if e.Pending > 0 {
		text := ImportedTextIRI(r.IRI, e.Pending)
		if e.Action == ActionImport {
			q.iri(ontology.PROVGenerated, text)
		} else {
			q.iri(ontology.PROVUsed, text)
		}
	}
	if e.From != "" {
		q.iri(ontology.FromStatus, e.From.IRI())
	}
	if e.To != "" {
		q.iri(ontology.ToStatus, e.To.IRI())
	}
	if e.To == StatusPublished && e.From != StatusPublished {
		q.add(ontology.PublishedOn, typed(e.At.UTC().Format(time.DateOnly), ontology.XSDDate))
	}
	q.text(ontology.RDFSComment, e.Reason, "it")
	q.str(ontology.Source, e.Source)
	return q.quads
}

// importRecordQuads is what the last import of r brought, or nothing.
func importRecordQuads(r *PillRecord) []quad.Quad {
	if r.LastImport == nil && r.Pending == nil {
		return nil
	}
	q := newQuads(ImportRecordIRI(r.IRI), ontology.GraphHistory)
	q.iri(ontology.RDFType, ontology.ImportRecord)
	if r.LastImport != nil {
		q.str(ontology.ImportHash, r.LastImport.Hash)
		if r.LastImport.Seq > 0 {
			q.iri(ontology.LastImport, ActivityIRI(r.IRI, r.LastImport.Seq))
		}
	}
	if r.Pending != nil {
		q.iri(ontology.PendingImport, ImportedTextIRI(r.IRI, r.Pending.Number))
	}
	return q.quads
}

// importedTextQuads is an imported text kept aside.
func importedTextQuads(r *PillRecord, p *PendingImport) []quad.Quad {
	q := newQuads(ImportedTextIRI(r.IRI, p.Number), ontology.GraphHistory)
	q.iri(ontology.RDFType, ontology.ImportedText)
	q.iri(ontology.RDFType, ontology.PROVEntity)
	q.iri(ontology.PROVAlternateOf, r.IRI)
	c := p.Content
	c.Status, c.Version = "", 0
	fieldQuads(q, &c, true)
	q.add(ontology.PROVGeneratedAtTime, dateTime(p.At))
	q.iri(ontology.PROVWasAttributedTo, UserIRI(p.Actor))
	q.str(ontology.ImportHash, p.Hash)
	q.str(ontology.Source, p.Source)
	q.text(ontology.RDFSComment, p.Reason, "it")
	return q.quads
}

// readRecord reads the life of pill iri from the history graph (s.mu held for reading). A pill
// that reached the content graph before the history held versions (a store written by an
// earlier Sportello) is adopted: its content becomes version 1. ErrNotFound when neither graph
// knows the pill.
func (s *Store) readRecord(ctx context.Context, iri string) (*PillRecord, error) {
	g := ontology.GraphHistory
	follow := func(v quad.Value) []quad.Quad { return s.out(ctx, v, g) }
	r, err := recordFrom(iri, s.quadsDir(ctx, quad.Object, quad.IRI(iri), g), follow)
	if err != nil {
		return nil, err
	}
	if len(r.Versions) == 0 {
		p, err := s.readPill(ctx, iri)
		if err != nil {
			return nil, err
		}
		v := PillVersion{Number: 1, Status: p.Status, Content: *p, Created: p.Created, Modified: p.Modified}
		v.Content.Version = 1
		r.Versions = []PillVersion{v}
		if p.Status == StatusPublished {
			r.Live = 1
		}
	}
	return r, nil
}

// recordFrom builds a record from around, the history's statements whose object is the pill
// (its versions, steps, import record), and follow, the statements about a node.
func recordFrom(iri string, around []quad.Quad, follow func(quad.Value) []quad.Quad) (*PillRecord, error) {
	r := &PillRecord{IRI: iri}
	var acts []quad.Value
	for _, q := range around {
		switch iriOf(q.Predicate) {
		case ontology.PROVSpecializationOf:
			if v := readVersion(iri, follow(q.Subject), follow); v != nil {
				r.Versions = append(r.Versions, *v)
			}
		case ontology.PROVUsed:
			acts = append(acts, q.Subject)
		}
	}
	if len(r.Versions) == 0 {
		return r, nil
	}
	sort.Slice(r.Versions, func(i, j int) bool { return r.Versions[i].Number < r.Versions[j].Number })
	for i, v := range r.Versions {
		if v.Number != i+1 {
			return nil, fmt.Errorf("history of %s: version %d is missing", iri, i+1)
		}
	}
	for _, a := range acts {
		if e := readEvent(iri, a, follow(a)); e != nil {
			r.Events = append(r.Events, *e)
		}
	}
	sort.Slice(r.Events, func(i, j int) bool { return r.Events[i].Seq < r.Events[j].Seq })
	derive(r)
	readImport(r, around, follow)
	return r, nil
}

// readVersion reads version node iri of pill.
func readVersion(pill string, quads []quad.Quad, follow func(quad.Value) []quad.Quad) *PillVersion {
	isVersion := false
	v := &PillVersion{}
	for _, q := range quads {
		switch iriOf(q.Predicate) {
		case ontology.RDFType:
			isVersion = isVersion || sameIRI(q.Object, ontology.PillVersion)
		case ontology.PROVGeneratedAtTime:
			v.Created, _ = parseTime(q.Object)
		case ontology.PROVWasAttributedTo:
			if name := UserName(iriOf(q.Object)); name != "" {
				v.Editors = append(v.Editors, name)
			}
		case ontology.PROVWasRevisionOf:
			v.RestoredFrom = versionNumber(iriOf(q.Object))
		case ontology.ChangedByImport:
			v.ChangedByImport = parseBool(q.Object)
		}
	}
	if !isVersion {
		return nil
	}
	v.Content = *pillFrom(pill, quads, follow)
	v.Number, v.Status, v.Modified = v.Content.Version, v.Content.Status, v.Content.Modified
	sort.Strings(v.Editors)
	return v
}

// versionNumber is N of <pill>/version/N, 0 for another IRI.
func versionNumber(iri string) int {
	i := strings.LastIndex(iri, "/version/")
	if i < 0 {
		return 0
	}
	n, _ := strconv.Atoi(iri[i+len("/version/"):])
	return n
}

// readEvent reads activity node a of pill.
func readEvent(pill string, a quad.Value, quads []quad.Quad) *WorkflowEvent {
	act := iriOf(a)
	prefix := pill + "/activity/"
	if !strings.HasPrefix(act, prefix) {
		return nil // another activity that used the pill, such as a ticket
	}
	seq, err := strconv.Atoi(act[len(prefix):])
	if err != nil {
		return nil
	}
	e := &WorkflowEvent{Seq: seq}
	var generated, used int
	for _, q := range quads {
		o := iriOf(q.Object)
		switch iriOf(q.Predicate) {
		case ontology.RDFType:
			if x := actionOf(o); x != "" {
				e.Action = x
			}
		case ontology.PROVWasAssociatedWith:
			e.Actor = UserName(o)
		case ontology.PROVStartedAtTime:
			e.At, _ = parseTime(q.Object)
		case ontology.PROVGenerated:
			if n := versionNumber(o); n > 0 {
				generated = n
			} else if n := textNumber(pill, o); n > 0 {
				e.Pending = n
			}
		case ontology.PROVUsed:
			if n := versionNumber(o); n > 0 && (used == 0 || n > used) {
				used = n
			} else if n := textNumber(pill, o); n > 0 {
				e.Pending = n
			}
		case ontology.FromStatus:
			e.From = Status(strings.TrimPrefix(o, ontology.Status))
		case ontology.ToStatus:
			e.To = Status(strings.TrimPrefix(o, ontology.Status))
		case ontology.RDFSComment:
			e.Reason = lex(q.Object)
		case ontology.Source:
			e.Source = lex(q.Object)
		}
	}
	if e.Action == "" {
		return nil
	}
	e.Version = used
	if generated > 0 {
		e.Version = generated
	}
	return e
}

// textNumber is N of <pill>/import/N, 0 for another IRI.
func textNumber(pill, iri string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(iri, pill+"/import/"))
	if err != nil || !strings.HasPrefix(iri, pill+"/import/") {
		return 0
	}
	return n
}

// derive replays the events to fill in what each version's way through the workflow left:
// submission, signatures, rejection, restore source; the live version; deletion.
func derive(r *PillRecord) {
	for i := range r.Versions {
		v := &r.Versions[i]
		v.Submitted, v.SubmittedBy, v.Signatures = nil, "", nil
		if v.Status == StatusPublished {
			r.Live = v.Number
		}
	}
	r.Deleted = false
	for _, e := range r.Events {
		switch e.Action {
		case ActionDelete:
			r.Deleted = true
		case ActionRestore:
			r.Deleted = false
		}
		v, err := r.Version(e.Version)
		if err != nil {
			continue
		}
		t := e.At
		switch e.Action {
		case ActionEdit, ActionMerge, ActionImport:
			if e.To == StatusDraft {
				v.Submitted, v.SubmittedBy, v.Signatures = nil, "", nil
			}
		case ActionSubmit:
			v.Submitted, v.SubmittedBy, v.Signatures = &t, e.Actor, nil
		case ActionApprove:
			v.Signatures = append(v.Signatures, Signature{By: e.Actor, At: t})
		case ActionReject:
			v.RejectedBy, v.RejectReason, v.Rejected, v.Signatures = e.Actor, e.Reason, &t, nil
		}
	}
	// prov:wasRevisionOf names the previous version, or the one a restore copied: only the
	// latter is RestoredFrom.
	for i := range r.Versions {
		if v := &r.Versions[i]; !restored(r, v.Number) {
			v.RestoredFrom = 0
		}
	}
}

func restored(r *PillRecord, n int) bool {
	for _, e := range r.Events {
		if e.Version == n && e.Action == ActionRestore {
			return true
		}
	}
	return false
}

// readImport reads what the last import brought, every text kept aside (around: the history's
// statements whose object is the pill), and which of them still waits.
func readImport(r *PillRecord, around []quad.Quad, follow func(quad.Value) []quad.Quad) {
	for _, q := range around {
		if !sameIRI(q.Predicate, ontology.PROVAlternateOf) {
			continue
		}
		if n := textNumber(r.IRI, iriOf(q.Subject)); n > 0 {
			if p := readImportedText(r.IRI, n, follow); p != nil {
				r.Imported = append(r.Imported, *p)
			}
		}
	}
	sort.Slice(r.Imported, func(i, j int) bool { return r.Imported[i].Number < r.Imported[j].Number })
	for _, q := range follow(quad.IRI(ImportRecordIRI(r.IRI))) {
		switch iriOf(q.Predicate) {
		case ontology.ImportHash:
			if r.LastImport == nil {
				r.LastImport = &ImportState{}
			}
			r.LastImport.Hash = lex(q.Object)
		case ontology.LastImport:
			if r.LastImport == nil {
				r.LastImport = &ImportState{}
			}
			r.LastImport.Seq, _ = strconv.Atoi(strings.TrimPrefix(iriOf(q.Object), r.IRI+"/activity/"))
		case ontology.PendingImport:
			n := textNumber(r.IRI, iriOf(q.Object))
			for i := range r.Imported {
				if r.Imported[i].Number == n {
					p := r.Imported[i]
					r.Pending = &p
				}
			}
		}
	}
}

func readImportedText(pill string, n int, follow func(quad.Value) []quad.Quad) *PendingImport {
	quads := follow(quad.IRI(ImportedTextIRI(pill, n)))
	if len(quads) == 0 {
		return nil
	}
	p := &PendingImport{Number: n}
	for _, q := range quads {
		switch iriOf(q.Predicate) {
		case ontology.PROVGeneratedAtTime:
			p.At, _ = parseTime(q.Object)
		case ontology.PROVWasAttributedTo:
			p.Actor = UserName(iriOf(q.Object))
		case ontology.ImportHash:
			p.Hash = lex(q.Object)
		case ontology.Source:
			p.Source = lex(q.Object)
		case ontology.RDFSComment:
			p.Reason = lex(q.Object)
		}
	}
	p.Content = *pillFrom(pill, quads, follow)
	p.Content.IRI = pill
	return p
}

// cloneRecord is a deep copy, so that a batch can tell what its steps changed.
func cloneRecord(r *PillRecord) *PillRecord {
	c := *r
	c.Versions = make([]PillVersion, len(r.Versions))
	for i, v := range r.Versions {
		v.Content = clonePill(v.Content)
		v.Editors = slices.Clone(v.Editors)
		v.Signatures = slices.Clone(v.Signatures)
		c.Versions[i] = v
	}
	c.Events = slices.Clone(r.Events)
	if r.LastImport != nil {
		i := *r.LastImport
		c.LastImport = &i
	}
	if r.Pending != nil {
		p := *r.Pending
		p.Content = clonePill(p.Content)
		c.Pending = &p
	}
	c.Imported = make([]PendingImport, len(r.Imported))
	for i, p := range r.Imported {
		p.Content = clonePill(p.Content)
		c.Imported[i] = p
	}
	return &c
}

func clonePill(p Pill) Pill {
	p.Keywords = slices.Clone(p.Keywords)
	p.Concepts = slices.Clone(p.Concepts)
	p.LegalRefs = slices.Clone(p.LegalRefs)
	p.Links = slices.Clone(p.Links)
	p.Forms = slices.Clone(p.Forms)
	p.Audience = slices.Clone(p.Audience)
	p.Extra = slices.Clone(p.Extra)
	for _, t := range []**time.Time{&p.Validated, &p.ReviewBy, &p.ValidFrom, &p.ValidUntil} {
		if *t != nil {
			v := **t
			*t = &v
		}
	}
	return p
}
