package sla

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sportello/internal/sqldb"
	"sportello/telephony"
	"sportello/ticketing"
	"sportello/workcal"
)

// reportRig is a database with a simulated day of calls (5 October 2026), tickets, the ACD's
// and the CTI's heartbeats and a note: every input of a report.
type reportRig struct {
	db      *sqldb.DB
	events  *telephony.EventStore
	tickets *ticketing.Store
	store   *Store
	now     time.Time
}

func newReportRig(t *testing.T) *reportRig {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &reportRig{db: db, now: time.Date(2026, 11, 3, 9, 0, 0, 0, rome)}
	if r.events, err = telephony.OpenEventStore(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := r.events.Save(ctx, simulateDay(t, 3)); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 10, 5, 9, 0, 0, 0, rome)
	if r.tickets, err = ticketing.Open(ctx, db, ticketing.Config{DataDir: t.TempDir(), Now: func() time.Time { return clock }}); err != nil {
		t.Fatal(err)
	}
	// 4 phone contacts, 3 solved in the call (C.4 75 %); 2 emails, one taken in time.
	for i := 0; i < 4; i++ {
		tk, err := r.tickets.Create(ctx, ticketing.NewTicket{Channel: ticketing.Phone, Subject: "Bollo auto", Description: "Scadenza del bollo",
			Actor: "anna", Role: ticketing.AsOperator})
		if err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			if _, err := r.tickets.Apply(ctx, tk.ID, ticketing.Step{Action: ticketing.ActSolveL1, Actor: "anna", Role: ticketing.AsOperator, Reason: "risposta"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < 2; i++ {
		tk, err := r.tickets.Create(ctx, ticketing.NewTicket{Channel: ticketing.Email, Subject: "Residenza", Description: "Cambio di residenza",
			Actor: "sistema", Role: ticketing.AsBackOffice})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := r.tickets.Apply(ctx, tk.ID, ticketing.Step{Action: ticketing.ActTake, Actor: "bo", Role: ticketing.AsBackOffice}); err != nil {
				t.Fatal(err)
			}
		}
	}
	clock = r.now
	if r.store, err = Open(ctx, db, func() time.Time { return r.now }); err != nil {
		t.Fatal(err)
	}
	// The ACD and the CTI beat all month except 5–6 October, 20:00–8:00 for the ACD.
	for _, comp := range []string{ComponentACD, ComponentCTI} {
		at := time.Date(2026, 10, 1, 0, 0, 0, 0, rome)
		for ; at.Before(time.Date(2026, 11, 1, 0, 0, 0, 0, rome)); at = at.Add(30 * time.Minute) {
			if comp == ComponentACD && !at.Before(time.Date(2026, 10, 5, 20, 0, 0, 0, rome)) && at.Before(time.Date(2026, 10, 6, 8, 0, 0, 0, rome)) {
				continue
			}
			if err := r.store.Beat(ctx, comp, "run1", at, 45*time.Minute); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.store.SetNote(ctx, Month(2026, 10, rome).Key(), "Campagna bollo auto dal 5 ottobre.", "gestore"); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *reportRig) reporter() *Reporter {
	return &Reporter{Calls: r.events, Tickets: r.tickets, Store: r.store, Options: Options{Calendar: workcal.New(rome)},
		Now: func() time.Time { return r.now }}
}

// The JSON the contract manager's scripts read (sportello sla report --json).
func TestReportJSON(t *testing.T) {
	r := newReportRig(t)
	rep, err := r.reporter().Report(context.Background(), Month(2026, 10, rome))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(raw, &doc)
	for _, k := range []string{"offered", "answered", "abandoned", "overflowed", "growth", "thresholdCut", "sla", "availability", "penaltyPoints"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	sla := doc["sla"].(map[string]any)
	for _, id := range []string{"C.1", "C.2", "C.3", "C.4", "O.1", "O.2", "O.3"} {
		a, ok := sla[id].(map[string]any)
		if !ok {
			t.Errorf("sla lacks %s", id)
			continue
		}
		for _, k := range []string{"value", "threshold", "deviationPoints", "penaltyPoints"} {
			if _, ok := a[k]; !ok {
				t.Errorf("sla %s lacks %s", id, k)
			}
		}
	}
	if v := rep.SLA["C.4"].Value; v == nil || *v != 0.75 {
		t.Errorf("C.4 = %v, want 0.75", deref(v))
	}
	// The emails arrived 5 October 9:00: 4 working hours ran out at 13:00; one was taken.
	if v := rep.SLA["O.1"].Value; v == nil || *v != 0.5 || rep.SLA["O.1"].PenaltyPoints != 30 {
		t.Errorf("O.1 = %v, penalty %d", deref(v), rep.SLA["O.1"].PenaltyPoints)
	}
	// ACD down 12 of 744 hours, none of them in service time (20:00–8:00).
	if v := rep.Availability["ACD.service"].Value; v == nil || *v < 0.999 {
		t.Errorf("ACD service-time availability %v", deref(v))
	}
	if v := rep.Availability["ACD.other"].Value; v == nil || *v > 0.98 || *v < 0.97 {
		t.Errorf("ACD other availability %v", deref(v))
	}
	if rep.Availability["IVR"].Value != nil || rep.Note == nil || !rep.Complete {
		t.Errorf("IVR %v, note %v, complete %v", deref(rep.Availability["IVR"].Value), rep.Note, rep.Complete)
	}
}

// The Excel report: the sheets, a native chart per SLA sheet and on the summary and volumes,
// every contact in the raw data.
func TestReportXLSX(t *testing.T) {
	r := newReportRig(t)
	rep, err := r.reporter().Report(context.Background(), Bimester(2026, 9, rome))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteXLSX(&buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Sintesi", "C.1", "C.2", "C.3", "C.4", "O.1", "O.2", "O.3", "Disponibilità", "Volumi", "Dati"}
	if got := x.GetSheetList(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("sheets %v", got)
	}
	rows, err := x.GetRows("Dati")
	if err != nil || len(rows) != len(rep.Contacts)+1 || len(rep.Contacts) < 300 {
		t.Errorf("raw data: %d rows for %d contacts (%v)", len(rows), len(rep.Contacts), err)
	}
	c2, _ := x.GetRows("C.2")
	if len(c2) != 5+61 || c2[4][0] != "Giorno" || c2[5][0] != "2026-09-01" {
		t.Errorf("C.2 sheet: %d rows, %v", len(c2), c2[4])
	}
	summary, _ := x.GetRows("Sintesi")
	text := ""
	for _, r := range summary {
		text += strings.Join(r, "|") + "\n"
	}
	for _, want := range []string{"Mese di settembre 2026", "Mese di ottobre 2026", "Totale penali", "(nessuna nota)"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	charts := 0
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/charts/chart") {
			charts++
		}
	}
	if charts != 1+7+3 {
		t.Errorf("%d charts, want 11", charts)
	}
}

// The printable fragment: the SLA tables, the note, and every chart as an accessible SVG with
// its data table.
func TestReportHTML(t *testing.T) {
	r := newReportRig(t)
	rep, err := r.reporter().Report(context.Background(), Month(2026, 10, rome))
	if err != nil {
		t.Fatal(err)
	}
	page, err := rep.HTMLPage()
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{`<html lang="it">`, "report mensile – ottobre 2026", "Campagna bollo auto dal 5 ottobre.", "<th scope=\"row\">C.4</th>",
		"<th scope=\"row\">ACD.service</th>", "Chiamate per fascia oraria", "75,0 %"} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(s, `role="img"`); n != 7 {
		t.Errorf("%d charts, want 7", n)
	}
	if n := strings.Count(s, `<table class="chart-data"`); n != 7 {
		t.Errorf("%d chart tables, want 7", n)
	}
}
