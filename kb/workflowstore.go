package kb

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"sportello/internal/sqldb"
	"sportello/kb/rdf"
	"sportello/ontology"
)

// Workflow runs the pill life cycle (workflow.go) on a store. Each pill's PillRecord, with the
// full content of every version, is kept in the operational SQL database, where the publisher's
// and validator's lists are cheap to query. Each step also writes, in one graph transaction, the
// pill as operators and exports see it into the content graph (the live version, or the
// version in progress while nothing is published) and the step's PROV-O provenance into the
// history graph.
//
// A step runs inside an SQL transaction that locks the pill's record; the graph is written
// before the transaction commits, so a failed graph write leaves the record unchanged.
type Workflow struct {
	kb     *Store
	db     *sqldb.DB
	Policy WorkflowPolicy
	// Now is the clock; tests replace it.
	Now func() time.Time
}

var workflowMigrations = []sqldb.Migration{
	{Version: 1, SQL: `
CREATE TABLE pill_records (
	iri TEXT PRIMARY KEY,
	record TEXT NOT NULL,
	open_status TEXT NOT NULL,
	open_version BIGINT NOT NULL,
	updated BIGINT NOT NULL
);
CREATE INDEX pill_records_open ON pill_records (open_status);
`},
}

// NewWorkflow opens the workflow on the knowledge graph and the operational database.
func NewWorkflow(ctx context.Context, store *Store, db *sqldb.DB) (*Workflow, error) {
	if err := db.Migrate(ctx, "workflow", workflowMigrations); err != nil {
		return nil, err
	}
	return &Workflow{kb: store, db: db, Now: time.Now}, nil
}

// Record returns the life of pill iri. A pill that reached the graph without the workflow (an
// import, the demo) starts as one version, live when published.
func (w *Workflow) Record(ctx context.Context, iri string) (*PillRecord, error) {
	var data string
	err := w.db.QueryRow(ctx, `SELECT record FROM pill_records WHERE iri = ?`, iri).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return w.adopt(ctx, iri)
	}
	if err != nil {
		return nil, err
	}
	return w.decode(data)
}

func (w *Workflow) decode(data string) (*PillRecord, error) {
	var r PillRecord
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		return nil, fmt.Errorf("kb: workflow record: %w", err)
	}
	r.Policy = w.Policy
	return &r, nil
}

// adopt builds the first record of a pill that exists only in the graph.
func (w *Workflow) adopt(ctx context.Context, iri string) (*PillRecord, error) {
	p, err := w.kb.Pill(ctx, iri)
	if err != nil {
		return nil, err
	}
	r := NewPillRecord(iri)
	r.Policy = w.Policy
	v := PillVersion{Number: 1, Status: p.Status, Content: *p, Created: p.Created, Modified: p.Modified}
	v.Content.Version = 1
	r.Versions = []PillVersion{v}
	if p.Status == StatusPublished {
		r.Live = 1
	}
	return r, nil
}

// step loads the record of iri under a lock, applies fn, and saves both stores. A new pill
// (isNew) must not exist yet.
func (w *Workflow) step(ctx context.Context, iri string, isNew bool, fn func(r *PillRecord) (*WorkflowEvent, error)) (*PillRecord, *WorkflowEvent, error) {
	var rec *PillRecord
	var ev *WorkflowEvent
	err := w.db.InTx(ctx, func(tx *sqldb.Tx) error {
		lock := ""
		if w.db.Dialect == sqldb.Postgres {
			lock = " FOR UPDATE"
		}
		var data string
		err := tx.QueryRow(ctx, `SELECT record FROM pill_records WHERE iri = ?`+lock, iri).Scan(&data)
		exists := err == nil
		switch {
		case errors.Is(err, sql.ErrNoRows) && isNew:
			rec = NewPillRecord(iri)
			rec.Policy = w.Policy
		case errors.Is(err, sql.ErrNoRows):
			if rec, err = w.adopt(ctx, iri); err != nil {
				return err
			}
		case err != nil:
			return err
		case isNew:
			return fmt.Errorf("kb: pill %s already exists", iri)
		default:
			if rec, err = w.decode(data); err != nil {
				return err
			}
		}
		if ev, err = fn(rec); err != nil {
			return err
		}
		if err := w.save(ctx, tx, rec, exists); err != nil {
			return err
		}
		return w.writeGraph(ctx, rec, ev)
	})
	if err != nil {
		return nil, nil, err
	}
	return rec, ev, nil
}

func (w *Workflow) save(ctx context.Context, tx *sqldb.Tx, r *PillRecord, exists bool) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	openStatus, openVersion := "", 0
	if v := r.Open(); v != nil {
		openStatus, openVersion = string(v.Status), v.Number
	}
	now := sqldb.Millis(w.Now())
	if exists {
		_, err = tx.Exec(ctx, `UPDATE pill_records SET record = ?, open_status = ?, open_version = ?, updated = ? WHERE iri = ?`,
			string(data), openStatus, openVersion, now, r.IRI)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO pill_records (iri, record, open_status, open_version, updated) VALUES (?, ?, ?, ?, ?)`,
			r.IRI, string(data), openStatus, openVersion, now)
	}
	return err
}

// graphPill is the pill the content graph holds: the live version, or else the newest version
// with its own status (so publishers and validators find it, and operators do not).
func graphPill(r *PillRecord) *Pill {
	if p := r.LivePill(); p != nil {
		return p
	}
	v := r.Versions[len(r.Versions)-1]
	p := v.Content
	p.IRI, p.Status, p.Version = r.IRI, v.Status, v.Number
	return &p
}

func (w *Workflow) writeGraph(ctx context.Context, r *PillRecord, ev *WorkflowEvent) error {
	var buf bytes.Buffer
	qw, err := rdf.NewWriter(&buf, rdf.NQuads, rdf.WriterOptions{})
	if err != nil {
		return err
	}
	if _, err := qw.WriteQuads(r.EventQuads(*ev)); err != nil {
		return err
	}
	if err := qw.Close(); err != nil {
		return err
	}
	p := graphPill(r)
	return w.kb.Update(ctx, func(b *Batch) error {
		if err := b.PutPill(p); err != nil {
			return err
		}
		_, err := b.Import(&buf, rdf.NQuads, ImportOptions{Graph: ontology.GraphHistory, File: "workflow"})
		return err
	})
}

// Create starts a new pill as a draft by actor. Its IRI comes from the code, or is new.
func (w *Workflow) Create(ctx context.Context, content Pill, actor string) (*PillRecord, *WorkflowEvent, error) {
	iri := content.IRI
	if iri == "" && content.Code != "" {
		iri = PillIRI(content.Code)
	}
	if iri == "" {
		b := make([]byte, 8)
		rand.Read(b)
		iri = Base + "pill/" + hex.EncodeToString(b)
	}
	if _, err := w.kb.Pill(ctx, iri); err == nil {
		return nil, nil, fmt.Errorf("kb: pill %s already exists", iri)
	}
	return w.step(ctx, iri, true, func(r *PillRecord) (*WorkflowEvent, error) { return r.Edit(content, actor, w.Now()) })
}

// Edit saves content as the open version of pill iri (see PillRecord.Edit).
func (w *Workflow) Edit(ctx context.Context, iri string, content Pill, actor string) (*PillRecord, *WorkflowEvent, error) {
	return w.step(ctx, iri, false, func(r *PillRecord) (*WorkflowEvent, error) { return r.Edit(content, actor, w.Now()) })
}

// Submit, Approve, Reject, Retire and Restore apply the step of the same name to pill iri.
func (w *Workflow) Submit(ctx context.Context, iri string, n int, actor string) (*PillRecord, *WorkflowEvent, error) {
	return w.step(ctx, iri, false, func(r *PillRecord) (*WorkflowEvent, error) { return r.Submit(n, actor, w.Now()) })
}

func (w *Workflow) Approve(ctx context.Context, iri string, n int, actor string) (*PillRecord, *WorkflowEvent, error) {
	return w.step(ctx, iri, false, func(r *PillRecord) (*WorkflowEvent, error) { return r.Approve(n, actor, w.Now()) })
}

func (w *Workflow) Reject(ctx context.Context, iri string, n int, actor, reason string) (*PillRecord, *WorkflowEvent, error) {
	return w.step(ctx, iri, false, func(r *PillRecord) (*WorkflowEvent, error) { return r.Reject(n, actor, reason, w.Now()) })
}

func (w *Workflow) Retire(ctx context.Context, iri, actor, reason string) (*PillRecord, *WorkflowEvent, error) {
	return w.step(ctx, iri, false, func(r *PillRecord) (*WorkflowEvent, error) { return r.Retire(actor, reason, w.Now()) })
}

func (w *Workflow) Restore(ctx context.Context, iri string, n int, actor string) (*PillRecord, *WorkflowEvent, error) {
	return w.step(ctx, iri, false, func(r *PillRecord) (*WorkflowEvent, error) { return r.Restore(n, actor, w.Now()) })
}

// OpenVersion is a version in progress, for the publisher's workspace and the validator's queue.
type OpenVersion struct {
	IRI     string      `json:"iri"`
	Live    int         `json:"live"` // the published version it would replace; 0 for a new pill
	Version PillVersion `json:"version"`
}

// Open lists the versions in progress with one of statuses (all open ones when none), oldest
// change first: the validator's queue is Open(ctx, StatusSubmitted).
func (w *Workflow) Open(ctx context.Context, statuses ...Status) ([]OpenVersion, error) {
	q := `SELECT record FROM pill_records WHERE open_status <> ''`
	args := []any{}
	if len(statuses) > 0 {
		q += ` AND open_status IN (?` + strings.Repeat(", ?", len(statuses)-1) + `)`
		for _, s := range statuses {
			args = append(args, string(s))
		}
	}
	rows, err := w.db.Query(ctx, q+` ORDER BY updated, iri`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OpenVersion
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		r, err := w.decode(data)
		if err != nil {
			return nil, err
		}
		if v := r.Open(); v != nil {
			out = append(out, OpenVersion{IRI: r.IRI, Live: r.Live, Version: *v})
		}
	}
	return out, rows.Err()
}

// EditedBy lists the open versions actor edited: the publisher's drafts, and the rejected ones
// with the validator's reason.
func (w *Workflow) EditedBy(ctx context.Context, actor string) ([]OpenVersion, error) {
	all, err := w.Open(ctx)
	if err != nil {
		return nil, err
	}
	var out []OpenVersion
	for _, o := range all {
		for _, e := range o.Version.Editors {
			if e == actor {
				out = append(out, o)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Version.Modified.After(out[j].Version.Modified) })
	return out, nil
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

// Publications lists the versions published since since, newest first.
func (w *Workflow) Publications(ctx context.Context, since time.Time) ([]Publication, error) {
	rows, err := w.db.Query(ctx, `SELECT record FROM pill_records WHERE updated >= ?`, sqldb.Millis(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Publication
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		r, err := w.decode(data)
		if err != nil {
			return nil, err
		}
		live := adoptedLive(r) // the version live before each event, replayed in order
		for _, e := range r.Events {
			switch {
			case e.Action == ActionApprove && e.To == StatusPublished:
				if !e.At.Before(since) {
					v := r.Versions[e.Version-1]
					base := &Pill{}
					if live > 0 {
						base = &r.Versions[live-1].Content
					}
					out = append(out, Publication{IRI: r.IRI, Code: v.Content.Code, Title: v.Content.Title, Version: v.Number,
						Previous: live, At: e.At, By: e.Actor, Changes: DiffPills(base, &v.Content)})
				}
				live = e.Version
			case e.Action == ActionRetire:
				live = 0
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, nil
}

// adoptedLive is 1 when version 1 came from the graph already published (see adopt), else 0.
func adoptedLive(r *PillRecord) int {
	if len(r.Versions) == 0 {
		return 0
	}
	retired := false
	for _, e := range r.Events {
		if e.Version == 1 && (e.Action == ActionEdit || e.Action == ActionRestore) {
			return 0 // version 1 was written through the workflow
		}
		if e.Version == 1 && e.Action == ActionRetire {
			retired = true
		}
	}
	if r.Versions[0].Status == StatusPublished || retired {
		return 1
	}
	return 0
}
