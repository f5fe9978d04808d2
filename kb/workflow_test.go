package kb

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/kb/rdf"
	"sportello/ontology"
)

var wfT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func wfPill(answer string) Pill {
	return Pill{Code: "ANA-001", Title: "Cambio di residenza", Question: "Come cambio residenza?", Answer: answer, Lang: "it"}
}

// TestWorkflowDoneWhen is issue 5's "done when", as rules: a publisher edits a published pill,
// operators still see the old text, a validator approves, operators see the new text, the
// history shows both people; the publisher cannot approve their own edit.
func TestWorkflowDoneWhen(t *testing.T) {
	r := NewPillRecord(PillIRI("ANA-001"))
	now := wfT0
	step := func(e *WorkflowEvent, err error) *WorkflowEvent {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		return e
	}
	step(r.Edit(wfPill("<p>Si va in Comune.</p>"), "pubblicatore", now))
	step(r.Submit(1, "pubblicatore", now))
	step(r.Approve(1, "validatore", now))
	if live := r.LivePill(); live == nil || live.Version != 1 || live.Status != StatusPublished || live.ValidatedBy != UserIRI("validatore") {
		t.Fatalf("live after the first approval: %+v", live)
	}

	noCode := wfPill("<p>Si fa online con SPID.</p>")
	noCode.Code = ""
	e := step(r.Edit(noCode, "pubblicatore", now))
	if r.Versions[1].Content.Code != "ANA-001" {
		t.Errorf("an edit without the code lost it: %q", r.Versions[1].Content.Code)
	}
	if e.Version != 2 || e.To != StatusDraft {
		t.Fatalf("editing a published pill: %+v, want a new draft version 2", e)
	}
	if live := r.LivePill(); live.Version != 1 || !strings.Contains(live.Answer, "in Comune") {
		t.Fatalf("operators see %+v while the edit is a draft", live)
	}
	step(r.Submit(2, "pubblicatore", now))
	if _, err := r.Approve(2, "pubblicatore", now); !errors.Is(err, ErrFourEyes) {
		t.Fatalf("publisher approving their own edit: %v, want ErrFourEyes", err)
	}
	if live := r.LivePill(); live.Version != 1 {
		t.Fatal("operators lost the published text during the review")
	}
	diff := DiffPills(&r.Versions[0].Content, &r.Versions[1].Content)
	if len(diff) != 1 || diff[0].Field != "answer" || len(diff[0].Words) == 0 {
		t.Fatalf("diff v1→v2 = %+v", diff)
	}
	step(r.Approve(2, "validatore", now))
	if live := r.LivePill(); live.Version != 2 || !strings.Contains(live.Answer, "SPID") {
		t.Fatalf("operators see %+v after the approval", live)
	}
	if r.Versions[0].Status != StatusRetired || r.Versions[0].Content.Answer != "<p>Si va in Comune.</p>" || r.Live != 2 {
		t.Errorf("version 1 should stay in the history, retired (a version carries only its own status): %+v, live %d", r.Versions[0], r.Live)
	}
	people := map[string]bool{}
	for _, e := range r.Events {
		people[e.Actor] = true
	}
	if !people["pubblicatore"] || !people["validatore"] || len(r.Events) != 6 {
		t.Errorf("history %+v", r.Events)
	}
}

func TestWorkflowTransitions(t *testing.T) {
	type op func(r *PillRecord) error
	edit := func(who string) op {
		return func(r *PillRecord) error { _, err := r.Edit(wfPill("<p>x "+who+"</p>"), who, wfT0); return err }
	}
	submit := func(n int) op {
		return func(r *PillRecord) error { _, err := r.Submit(n, "pubblicatore", wfT0); return err }
	}
	approve := func(n int, who string) op {
		return func(r *PillRecord) error { _, err := r.Approve(n, who, wfT0); return err }
	}
	reject := func(n int, reason string) op {
		return func(r *PillRecord) error { _, err := r.Reject(n, "validatore", reason, wfT0); return err }
	}
	retire := func(r *PillRecord) error { _, err := r.Retire("validatore", "norma abrogata", wfT0); return err }
	restore := func(n int) op {
		return func(r *PillRecord) error { _, err := r.Restore(n, "pubblicatore", wfT0); return err }
	}

	isState := func(err error) bool { var se *StateError; return errors.As(err, &se) }
	published := []op{edit("pubblicatore"), submit(1), approve(1, "validatore")}

	for _, tc := range []struct {
		name   string
		setup  []op
		try    op
		check  func(error) bool
		status Status // of the last version afterwards, when try succeeds
		live   int
	}{
		{"submit a draft", []op{edit("pubblicatore")}, submit(1), nil, StatusSubmitted, 0},
		{"approve a draft", []op{edit("pubblicatore")}, approve(1, "validatore"), isState, "", 0},
		{"submit twice", []op{edit("pubblicatore"), submit(1)}, submit(1), isState, "", 0},
		{"edit under review", []op{edit("pubblicatore"), submit(1)}, edit("pubblicatore"), isState, "", 0},
		{"reject without a reason", []op{edit("pubblicatore"), submit(1)}, reject(1, "  "),
			func(e error) bool { return errors.Is(e, ErrReasonRequired) }, "", 0},
		{"reject with a reason", []op{edit("pubblicatore"), submit(1)}, reject(1, "Manca il costo del bollo"), nil, StatusRejected, 0},
		{"rejected goes back to draft on edit", []op{edit("pubblicatore"), submit(1), reject(1, "no")}, edit("pubblicatore"), nil, StatusDraft, 0},
		{"rejected cannot be resubmitted unchanged", []op{edit("pubblicatore"), submit(1), reject(1, "no")}, submit(1), isState, "", 0},
		{"approve a rejected version", []op{edit("pubblicatore"), submit(1), reject(1, "no")}, approve(1, "validatore"), isState, "", 0},
		{"four eyes: a second editor cannot approve", []op{edit("pubblicatore"), edit("validatore"), submit(1)}, approve(1, "validatore"),
			func(e error) bool { return errors.Is(e, ErrFourEyes) }, "", 0},
		{"four eyes: a third person can", []op{edit("pubblicatore"), edit("validatore"), submit(1)}, approve(1, "validatore2"), nil, StatusPublished, 1},
		{"retire the live version", published, retire, nil, StatusRetired, 0},
		{"retire with nothing published", []op{edit("pubblicatore")}, retire, isState, "", 0},
		{"retire twice", append(append([]op{}, published...), retire), retire, isState, "", 0},
		{"approve an unknown version", []op{edit("pubblicatore")}, approve(7, "validatore"),
			func(e error) bool { return errors.Is(e, ErrNoVersion) }, "", 0},
		{"restore an old version", append(append([]op{}, published...), edit("pubblicatore"), submit(2), approve(2, "validatore")), restore(1), nil, StatusDraft, 2},
		{"restore with a draft open", append(append([]op{}, published...), edit("pubblicatore")), restore(1), isState, "", 1},
		{"edit after retiring opens a new draft", append(append([]op{}, published...), retire), edit("pubblicatore"), nil, StatusDraft, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewPillRecord(PillIRI("ANA-001"))
			for i, s := range tc.setup {
				if err := s(r); err != nil {
					t.Fatalf("setup step %d: %v", i+1, err)
				}
			}
			before := len(r.Events)
			err := tc.try(r)
			if tc.check != nil {
				if !tc.check(err) {
					t.Fatalf("got %v, want the expected refusal", err)
				}
				if len(r.Events) != before {
					t.Error("a refused action was recorded")
				}
				if err.Error() == "" || strings.Contains(err.Error(), "%!") {
					t.Errorf("message %q", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				v := r.Versions[len(r.Versions)-1]
				if tc.name == "retire the live version" {
					v = r.Versions[0]
				}
				if v.Status != tc.status || v.Content.Status != tc.status {
					t.Errorf("status %s (content %s), want %s", v.Status, v.Content.Status, tc.status)
				}
			}
			if r.Live != tc.live {
				t.Errorf("live version %d, want %d", r.Live, tc.live)
			}
		})
	}
}

func TestWorkflowRejectReasonAndRestore(t *testing.T) {
	r := NewPillRecord(PillIRI("ANA-001"))
	r.Edit(wfPill("<p>uno</p>"), "pubblicatore", wfT0)
	r.Submit(1, "pubblicatore", wfT0)
	e, err := r.Reject(1, "validatore", " Manca il costo del bollo. ", wfT0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	v := r.Versions[0]
	if v.RejectReason != "Manca il costo del bollo." || v.RejectedBy != "validatore" || e.Reason != v.RejectReason {
		t.Errorf("rejection not kept: %+v / %+v", v, e)
	}
	r.Edit(wfPill("<p>uno, bollo 16 euro</p>"), "pubblicatore", wfT0)
	r.Submit(1, "pubblicatore", wfT0)
	r.Approve(1, "validatore", wfT0)
	r.Edit(wfPill("<p>due</p>"), "pubblicatore", wfT0)
	r.Submit(2, "pubblicatore", wfT0)
	r.Approve(2, "validatore", wfT0)
	e, err = r.Restore(1, "pubblicatore", wfT0)
	if err != nil {
		t.Fatal(err)
	}
	v3 := r.Versions[2]
	if e.Version != 3 || v3.RestoredFrom != 1 || v3.Content.Answer != "<p>uno, bollo 16 euro</p>" || v3.Content.ValidatedBy != "" || r.Live != 2 {
		t.Errorf("restore: %+v, live %d", v3, r.Live)
	}
}

func TestWorkflowSecondApproval(t *testing.T) {
	r := NewPillRecord(PillIRI("ANA-001"))
	r.Policy.SecondApproval = func(p *Pill) bool { return strings.HasPrefix(p.Code, "ANA-") }
	r.Edit(wfPill("<p>uno</p>"), "pubblicatore", wfT0)
	r.Submit(1, "pubblicatore", wfT0)
	if _, err := r.Approve(1, "urp", wfT0); err != nil {
		t.Fatal(err)
	}
	if r.Live != 0 || r.Versions[0].Status != StatusSubmitted {
		t.Fatal("published after one signature out of two")
	}
	if _, err := r.Approve(1, "urp", wfT0); !errors.Is(err, ErrAlreadySigned) {
		t.Fatalf("second signature by the same person: %v", err)
	}
	if _, err := r.Approve(1, "capoufficio", wfT0); err != nil {
		t.Fatal(err)
	}
	if r.Live != 1 || len(r.Versions[0].Signatures) != 2 {
		t.Fatalf("after two signatures: live %d, %+v", r.Live, r.Versions[0].Signatures)
	}
}

func TestDiffWords(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want string // ops as "=x|-y|+z"
	}{
		{"", "", ""},
		{"uguale", "uguale", "=uguale"},
		{"Si va in Comune.", "Si va online.", "=Si va |-in Comune|+online|=."},
		{"<p>Costo: 16 euro</p>", "<p>Costo: 32 euro</p>", "=<p>Costo: |-16|+32|= euro</p>"},
		{"la città è bella", "la città non è bella", "=la città |+non |=è bella"},
		{"", "nuovo testo", "+nuovo testo"},
		{"vecchio", "", "-vecchio"},
	} {
		ops := DiffWords(tc.a, tc.b)
		var parts []string
		var olds, news strings.Builder
		for _, o := range ops {
			parts = append(parts, o.Op+o.Text)
			if o.Op != "+" {
				olds.WriteString(o.Text)
			}
			if o.Op != "-" {
				news.WriteString(o.Text)
			}
		}
		if got := strings.Join(parts, "|"); got != tc.want {
			t.Errorf("DiffWords(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
		if olds.String() != tc.a || news.String() != tc.b {
			t.Errorf("DiffWords(%q, %q) does not rebuild both texts", tc.a, tc.b)
		}
	}
}

func TestDiffPills(t *testing.T) {
	a := wfPill("<p>uno</p>")
	b := a
	b.Title = "Cambio di residenza e domicilio"
	b.Keywords = []string{"anagrafe"}
	review := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	b.ReviewBy = &review
	d := DiffPills(&a, &b)
	var fields []string
	for _, f := range d {
		fields = append(fields, f.Field)
	}
	if got := strings.Join(fields, ","); got != "title,keywords,reviewBy" {
		t.Errorf("changed fields = %s", got)
	}
	if d[0].Words == nil || d[1].Words != nil || d[2].New != "2026-09-01" {
		t.Errorf("diff = %+v", d)
	}
	if len(DiffPills(&a, &a)) != 0 {
		t.Error("a pill differs from itself")
	}
}

// TestWorkflowProvenance writes the history of a life cycle as PROV-O and checks it is valid
// RDF that names who did what, when and why.
func TestWorkflowProvenance(t *testing.T) {
	r := NewPillRecord(PillIRI("ANA-001"))
	r.Edit(wfPill("<p>uno</p>"), "pubblicatore", wfT0)
	r.Submit(1, "pubblicatore", wfT0.Add(time.Minute))
	r.Reject(1, "validatore", "Manca il costo", wfT0.Add(2*time.Minute))
	var qs []quad.Quad
	for i := range r.Events {
		qs = append(qs, eventQuads(r, &r.Events[i])...)
	}
	var buf bytes.Buffer
	w, err := rdf.NewWriter(&buf, rdf.NQuads, rdf.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteQuads(qs); err != nil {
		t.Fatal(err)
	}
	w.Close()
	back, err := quad.ReadAll(mustReader(t, buf.Bytes()))
	if err != nil || len(back) != len(qs) {
		t.Fatalf("N-Quads round trip: %d of %d quads, %v\n%s", len(back), len(qs), err, buf.String())
	}
	out := buf.String()
	for _, want := range []string{
		"<" + PillIRI("ANA-001") + "/activity/3> <" + ontology.PROVWasAssociatedWith + "> <" + UserIRI("validatore") + ">",
		"\"Manca il costo\"@it",
		"\"2026-03-02T09:02:00Z\"^^<" + ontology.XSDDateTime + ">",
		"<" + ontology.StatusRejected + ">",
		"<" + ontology.GraphHistory + ">",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %s", want)
		}
	}
}

func mustReader(t *testing.T, doc []byte) quad.Reader {
	t.Helper()
	r, err := rdf.NewReader(bytes.NewReader(doc), rdf.NQuads, rdf.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// FuzzDiffWords checks the word diff on any pair of texts: no panic, and the runs rebuild both.
func FuzzDiffWords(f *testing.F) {
	for _, s := range [][2]string{
		{"Si va in Comune.", "Si va online."}, {"<p>a <b>b</b></p>", "<p>a b</p>"}, {"città", "cittá"},
		{"", "x"}, {"<", "<<>"}, {"\xff\xfe", "\xfe"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var olds, news strings.Builder
		for _, o := range DiffWords(a, b) {
			if o.Text == "" {
				t.Fatalf("empty run in DiffWords(%q, %q)", a, b)
			}
			if o.Op != "+" {
				olds.WriteString(o.Text)
			}
			if o.Op != "-" {
				news.WriteString(o.Text)
			}
		}
		if olds.String() != a || news.String() != b {
			t.Fatalf("DiffWords(%q, %q) does not rebuild both texts", a, b)
		}
	})
}

// BenchmarkDiffWords diffs two versions of a long answer (about 400 words, a sentence changed
// every paragraph), the validator queue's main cost.
func BenchmarkDiffWords(b *testing.B) {
	var a, c strings.Builder
	for i := 0; i < 20; i++ {
		para := "<p>Per il cambio di residenza il cittadino presenta la dichiarazione all'ufficio anagrafe del Comune, anche online con SPID.</p>\n"
		a.WriteString(para)
		if i%2 == 0 {
			para = strings.Replace(para, "anche online con SPID", "solo online con SPID o CIE", 1)
		}
		c.WriteString(para)
	}
	x, y := a.String(), c.String()
	for b.Loop() {
		DiffWords(x, y)
	}
}
