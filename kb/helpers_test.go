package kb

import (
	"context"
	"fmt"
	"testing"
)

// openBackend opens an empty store on memstore or bolt, closed at the end of the test.
func openBackend(t testing.TB, backend string) *Store {
	t.Helper()
	var s *Store
	var err error
	if backend == "bolt" {
		s, err = Open(t.TempDir())
	} else {
		s, err = OpenMemory()
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// putPill writes p through the workflow so that it ends in p.Status (draft when empty) with
// p's text: a new pill is imported (published at once for published and retired pills), an
// existing one edited and, for published, approved by another person. It is what
// fixtures.PutPill does for other packages' tests; kb's tests cannot import fixtures.
func putPill(ctx context.Context, s *Store, p *Pill) error {
	return s.Update(ctx, func(b *Batch) error { return b.putTestPill(p) })
}

func (b *Batch) putTestPill(p *Pill) error {
	want := p.Status
	if want == "" {
		want = StatusDraft
	}
	if !want.Valid() {
		return &ValidationError{Resource: p.Code, Field: "status", Msg: fmt.Sprintf("stato sconosciuto %q", want)}
	}
	iri := p.IRI
	if iri == "" && p.Code != "" {
		b.s.mu.RLock()
		iri = b.s.pillIRIByCode(b.ctx, p.Code)
		b.s.mu.RUnlock()
	}
	var n int
	if r, err := b.Record(iri); iri != "" && err == nil {
		c := *p
		c.Status, c.Version = "", 0
		if o := r.Open(); o != nil && o.Status == StatusSubmitted {
			if _, _, err := b.RejectPill(r.IRI, o.Number, "validatore", "sostituita"); err != nil {
				return err
			}
		}
		_, ev, err := b.EditPill(r.IRI, c, "pubblicatore")
		if err != nil {
			return err
		}
		p.IRI, n = r.IRI, ev.Version
		if want == StatusPublished || want == StatusRetired {
			if _, _, err := b.SubmitPill(p.IRI, n, "pubblicatore"); err != nil {
				return err
			}
			if _, _, err := b.ApprovePill(p.IRI, n, "validatore"); err != nil {
				return err
			}
		}
	} else {
		c := *p
		c.Status, c.Version = "", 0
		res, err := b.ImportPill(ImportRequest{Content: c, Actor: "pubblicatore", Source: "test",
			Publish: want == StatusPublished || want == StatusRetired})
		if err != nil {
			return err
		}
		p.IRI, n = res.IRI, res.Version
	}
	var err error
	switch want {
	case StatusSubmitted:
		_, _, err = b.SubmitPill(p.IRI, n, "pubblicatore")
	case StatusRejected:
		if _, _, err = b.SubmitPill(p.IRI, n, "pubblicatore"); err == nil {
			_, _, err = b.RejectPill(p.IRI, n, "validatore", "da rivedere")
		}
	case StatusRetired:
		_, _, err = b.RetirePill(p.IRI, "validatore", "superata")
	}
	return err
}

func deletePill(ctx context.Context, s *Store, iri string) error {
	_, _, err := s.Workflow().Delete(ctx, iri, "pubblicatore", "")
	return err
}
