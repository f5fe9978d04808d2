package kb

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sportello/internal/sqldb"
	"sportello/kb/rdf"
	"sportello/ontology"
)

// legacyStore is the knowledge base the code before the one writer left (testdata/legacy-
// workflow): its graph written as it was — statements, not through the workflow — and its
// operational database with the pill_records table.
func legacyStore(t *testing.T, backend string) (*Store, *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	s := openBackend(t, backend)
	doc, err := os.ReadFile("testdata/legacy-workflow/graph.nq")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(b *Batch) error {
		quads, err := readDocument(ctx, bytes.NewReader(doc), rdf.NQuads, ImportOptions{File: "graph.nq"})
		if err != nil {
			return err
		}
		for _, q := range quads {
			b.tx.add(q)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/legacy-workflow/sportello.db")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sportello.db"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sqldb.Open("", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return s, db
}

// TestMigrateSQLWorkflow moves the records of a database produced by the earlier code into the
// history graph: every version with its full text, every step with who, when and why, one status
// per version; the old table is dropped and a second start finds nothing to do.
func TestMigrateSQLWorkflow(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []string{"memstore", "bolt"} {
		t.Run(backend, func(t *testing.T) {
			s, db := legacyStore(t, backend)
			before, _ := s.Stats(ctx)
			wf, err := NewWorkflow(ctx, s, db)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM pill_records`).Scan(&n); err == nil {
				t.Fatalf("pill_records still there with %d rows", n)
			}
			if _, err := NewWorkflow(ctx, s, db); err != nil {
				t.Fatalf("second start: %v", err)
			}

			// ANA-101: imported, edited and approved (v2 live), edited again and rejected (v3).
			a, err := wf.Record(ctx, PillIRI("ANA-101"))
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Versions) != 3 || a.Live != 2 {
				t.Fatalf("ANA-101: %d versions, live %d", len(a.Versions), a.Live)
			}
			if v := a.Versions[0]; v.Status != StatusRetired || v.Content.Answer != "<p>Si va in Comune.</p>" {
				t.Errorf("ANA-101 v1 (superseded): %s %q", v.Status, v.Content.Answer)
			}
			if v := a.Versions[1]; v.Status != StatusPublished || v.Content.ValidatedBy != UserIRI("validatore") ||
				len(v.Signatures) != 1 || v.Signatures[0].By != "validatore" {
				t.Errorf("ANA-101 v2: %s validated by %q, signatures %+v", v.Status, v.Content.ValidatedBy, v.Signatures)
			}
			if v := a.Versions[2]; v.Status != StatusRejected || v.RejectReason != "manca il link al portale" ||
				v.Content.Answer != "<p>Si fa online con SPID o CIE.</p>" || v.Content.Notes != "nota interna" {
				t.Errorf("ANA-101 v3: %s %q %q %q", v.Status, v.RejectReason, v.Content.Answer, v.Content.Notes)
			}
			if len(a.Events) != 6 || a.Events[5].Action != ActionReject || a.Events[5].Actor != "validatore" {
				t.Errorf("ANA-101 events: %+v", a.Events)
			}
			if live, _ := s.Pill(ctx, a.IRI); live.Version != 2 || live.Answer != "<p>Si fa online con SPID.</p>" {
				t.Errorf("operators see %+v", live)
			}
			// ANA-102: approved, retired, restored as a new draft.
			b, _ := wf.Record(ctx, PillIRI("ANA-102"))
			if len(b.Versions) != 2 || b.Versions[0].Status != StatusRetired || b.Versions[1].RestoredFrom != 1 ||
				len(b.Versions[1].Content.Links) != 1 || b.Versions[1].Content.Links[0].Title != "Certificati" {
				t.Errorf("ANA-102: %+v", b.Versions)
			}
			// ANA-104 was never touched by the workflow: read from the content graph.
			d, err := wf.Record(ctx, PillIRI("ANA-104"))
			if err != nil || len(d.Versions) != 1 || d.Versions[0].Status != StatusDraft {
				t.Errorf("ANA-104: %+v %v", d, err)
			}
			// The queue and the publisher's list come from the graph.
			if mine, err := wf.EditedBy(ctx, "pubblicatore2"); err != nil || len(mine) != 1 || mine[0].IRI != PillIRI("ANA-103") {
				t.Errorf("pubblicatore2's drafts: %+v %v", mine, err)
			}
			// One status per version node: the earlier history gave version nodes every status
			// they had had.
			var hist bytes.Buffer
			if err := s.Export(ctx, &hist, rdf.NQuads, ontology.GraphHistory); err != nil {
				t.Fatal(err)
			}
			statuses := map[string]int{}
			for _, q := range readAll(t, hist.Bytes(), rdf.NQuads) {
				if sameIRI(q.Predicate, ontology.ADMSStatus) {
					statuses[iriOf(q.Subject)]++
				}
			}
			for v, n := range statuses {
				if n != 1 {
					t.Errorf("%s has %d statuses", v, n)
				}
			}
			if !strings.Contains(hist.String(), "Si fa online con SPID o CIE") {
				t.Error("the history lacks the full text of the rejected version")
			}
			after, _ := s.Stats(ctx)
			if after.Pills != before.Pills {
				t.Errorf("pills %d → %d", before.Pills, after.Pills)
			}
			checkNoNil(t, s)
			for _, f := range rdf.Formats {
				var buf bytes.Buffer
				if err := s.Export(ctx, &buf, f, ""); err != nil {
					t.Errorf("export %s after the migration: %v", f, err)
				}
			}
		})
	}
}

// TestMigrateWithoutTable: a database that never had the workflow table (a new installation)
// is left alone.
func TestMigrateWithoutTable(t *testing.T) {
	db, err := sqldb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := openBackend(t, "memstore")
	if _, err := NewWorkflow(context.Background(), s, db); err != nil {
		t.Fatal(err)
	}
}
