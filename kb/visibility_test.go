package kb

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// TestVisibilityEveryReadPath walks every read path of kb with a published pill in its
// validity period, a published one past it, one not yet valid, a draft and a retired one: each
// path shows the public only the first, and never the internal fields.
func TestVisibilityEveryReadPath(t *testing.T) {
	ctx := context.Background()
	s := memStore(t)
	_, cup, _ := testTree(t, s)
	office := &Unit{Name: "Ufficio Prenotazioni"}
	if err := s.PutUnit(ctx, office); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) *time.Time { t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); return &t }
	mk := func(code string, st Status, from, until *time.Time) *Pill {
		p := &Pill{Code: code, Title: "Scheda " + code, Answer: "<p>" + code + "</p>", Concepts: []string{cup}, Office: office.IRI,
			Status: st, ValidFrom: from, ValidUntil: until, Notes: "nota interna " + code,
			Extra: []Field{{Name: "Colonna", Value: "interna " + code}}, ValidatedBy: "Mario Rossi",
			Links: []Link{{URL: "https://example.org/" + strings.ToLower(code), Title: "Titolo " + code}}}
		if err := putPill(ctx, s, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	valid := mk("VIS-1", StatusPublished, day(2026, 1, 1), day(2027, 1, 1))
	hidden := []*Pill{
		mk("VIS-2", StatusPublished, day(2025, 1, 1), day(2026, 1, 1)), // expired
		mk("VIS-3", StatusPublished, day(2026, 12, 1), nil),            // not valid yet
		mk("VIS-4", StatusDraft, nil, nil),
		mk("VIS-5", StatusRetired, nil, nil),
		mk("VIS-6", StatusSubmitted, nil, nil),
	}
	public := Anonymous

	// One pill.
	if p, err := s.PillAs(ctx, valid.IRI, public, now); err != nil || p.Notes != "" || p.Extra != nil || p.ValidatedBy != "" {
		t.Errorf("PillAs(valid): %+v %v", p, err)
	}
	if p, err := s.PillAs(ctx, valid.IRI, Staff, now); err != nil || p.Notes == "" || len(p.Extra) != 1 {
		t.Errorf("PillAs(valid) for staff: %+v %v", p, err)
	}
	for _, h := range hidden {
		if _, err := s.PillAs(ctx, h.IRI, public, now); !errors.Is(err, ErrNotFound) {
			t.Errorf("PillAs(%s): %v, want ErrNotFound", h.Code, err)
		}
		if _, err := s.PillByCodeAs(ctx, h.Code, Staff, now); !errors.Is(err, ErrNotFound) {
			t.Errorf("PillByCodeAs(%s) for staff: %v", h.Code, err)
		}
		if _, err := s.PillAs(ctx, h.IRI, Editorial, now); err != nil {
			t.Errorf("PillAs(%s) for the editorial staff: %v", h.Code, err)
		}
	}
	// Lists, by every index a list starts from (the tree's counts are lists by concept).
	for name, f := range map[string]PillFilter{
		"all":       {},
		"concept":   {Concept: cup},
		"office":    {Office: office.IRI},
		"published": {Status: []Status{StatusPublished}},
		"code":      {Code: "VIS-2"},
	} {
		f.Viewer, f.At = &public, now
		got, err := s.Pills(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range got {
			if p.IRI != valid.IRI {
				t.Errorf("Pills(%s) shows %s to the public", name, p.Code)
			}
			if p.Notes != "" || p.Extra != nil {
				t.Errorf("Pills(%s) shows internal fields to the public", name)
			}
		}
		if name != "code" && len(got) != 1 {
			t.Errorf("Pills(%s) = %d pills, want 1", name, len(got))
		}
		// The count says the same as the list, for each viewer.
		for _, v := range []Viewer{Anonymous, Staff, Editorial} {
			f.Viewer = &v
			list, err := s.Pills(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := s.CountPills(ctx, f); err != nil || n != len(list) {
				t.Errorf("CountPills(%s, %+v) = %d, %v; Pills lists %d", name, v, n, err, len(list))
			}
		}
	}
	// The export.
	for _, v := range []Viewer{Anonymous, Staff} {
		var buf bytes.Buffer
		if err := s.ExportView(ctx, &buf, rdf.NQuads, ExportOptions{Viewer: &v, At: now}); err != nil {
			t.Fatal(err)
		}
		quads := readAll(t, buf.Bytes(), rdf.NQuads)
		for _, q := range quads {
			g, subj := iriOf(q.Label), iriOf(q.Subject)
			if g == ontology.GraphHistory {
				t.Fatalf("%+v: the export holds the history", v)
			}
			for _, h := range hidden {
				if strings.HasPrefix(subj, h.IRI) || lex(q.Object) == "Titolo "+h.Code {
					t.Errorf("%+v: the export holds %s: %v", v, h.Code, q)
				}
			}
			internal := internalPredicate(iriOf(q.Predicate)) || strings.Contains(subj, "#extra-")
			if internal && !v.Internal {
				t.Errorf("%+v: the export holds an internal field: %v", v, q)
			}
		}
		if !bytes.Contains(buf.Bytes(), []byte(valid.IRI)) || !bytes.Contains(buf.Bytes(), []byte("Titolo VIS-1")) {
			t.Errorf("%+v: the export lacks the published pill", v)
		}
		if !bytes.Contains(buf.Bytes(), []byte(ontology.GraphTaxonomy)) || !bytes.Contains(buf.Bytes(), []byte(office.IRI)) {
			t.Errorf("%+v: the export lacks taxonomy or directory", v)
		}
		if v.Internal != bytes.Contains(buf.Bytes(), []byte("nota interna VIS-1")) {
			t.Errorf("%+v: internal notes exported: %v", v, !v.Internal)
		}
	}
	full := exportQuads(t, s, rdf.NQuads)
	var ed bytes.Buffer
	e := Editorial
	if err := s.ExportView(ctx, &ed, rdf.NQuads, ExportOptions{Viewer: &e, At: now}); err != nil {
		t.Fatal(err)
	}
	if !rdf.Isomorphic(full, readAll(t, ed.Bytes(), rdf.NQuads)) {
		t.Error("the editorial export is not the whole store")
	}
}
