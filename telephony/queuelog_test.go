package telephony

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"sportello/internal/clock"
	"sportello/internal/sqldb/sqldbtest"
)

// Lines as Asterisk 16–20 writes them (app_queue.c), with the data fields of each event.
func TestParseQueueLogLine(t *testing.T) {
	at := time.Unix(1790000000, 0).UTC()
	for _, tc := range []struct {
		line string
		want Event
	}{
		{"1790000000|1790000000.42|centralino|NONE|ENTERQUEUE||3471234567|1",
			Event{Kind: EvQueued, CallID: "1790000000.42", Queue: "centralino", From: "3471234567"}},
		{"1790000000|1790000000.42|centralino|SIP/201|CONNECT|12|1790000003.43|4",
			Event{Kind: EvAnswered, CallID: "1790000000.42", Queue: "centralino", Operator: "SIP/201", Wait: 12 * time.Second, Ring: 4 * time.Second}},
		{"1790000000|1790000000.42|centralino|SIP/201|CONNECT|12|1790000003.43",
			Event{Kind: EvAnswered, CallID: "1790000000.42", Queue: "centralino", Operator: "SIP/201", Wait: 12 * time.Second}},
		{"1790000000|c1|centralino|Anna Rossi|COMPLETEAGENT|12|95|2",
			Event{Kind: EvCompleted, CallID: "c1", Queue: "centralino", Operator: "Anna Rossi", Wait: 12 * time.Second, Talk: 95 * time.Second, OrigPos: 2, By: ByOperator}},
		{"1790000000|c1|centralino|SIP/201|COMPLETECALLER|12|95|2",
			Event{Kind: EvCompleted, CallID: "c1", Queue: "centralino", Operator: "SIP/201", Wait: 12 * time.Second, Talk: 95 * time.Second, OrigPos: 2, By: ByCaller}},
		{"1790000000|c1|centralino|NONE|ABANDON|3|5|41",
			Event{Kind: EvAbandoned, CallID: "c1", Queue: "centralino", Position: 3, OrigPos: 5, Wait: 41 * time.Second}},
		{"1790000000|c1|centralino|NONE|EXITWITHTIMEOUT|1|5|90",
			Event{Kind: EvOverflowed, CallID: "c1", Queue: "centralino", Position: 1, OrigPos: 5, Wait: 90 * time.Second, Reason: OverflowTimeout}},
		{"1790000000|c1|centralino|NONE|EXITEMPTY|1|1|0",
			Event{Kind: EvOverflowed, CallID: "c1", Queue: "centralino", Position: 1, OrigPos: 1, Reason: OverflowEmpty}},
		{"1790000000|c1|centralino|NONE|EXITWITHKEY|1|2|4|33",
			Event{Kind: EvOverflowed, CallID: "c1", Queue: "centralino", Position: 2, OrigPos: 4, Wait: 33 * time.Second, Reason: OverflowKey}},
		{"1790000000|c1|centralino|NONE|FULL",
			Event{Kind: EvBlocked, CallID: "c1", Queue: "centralino", Reason: "full"}},
		{"1790000000|c1|centralino|SIP/202|RINGNOANSWER|15000",
			Event{Kind: EvNoAnswer, CallID: "c1", Queue: "centralino", Operator: "SIP/202", Ring: 15 * time.Second}},
		{"1790000000|c1|centralino|SIP/201|BLINDTRANSFER|305|from-internal|12|60|1",
			Event{Kind: EvTransferred, CallID: "c1", Queue: "centralino", Operator: "SIP/201", Extension: "305", Wait: 12 * time.Second, Talk: 60 * time.Second, OrigPos: 1}},
		{"1790000000|c1|centralino|SIP/201|ATTENDEDTRANSFER|BRIDGE|1790000001.9|12|60|1",
			Event{Kind: EvTransferred, CallID: "c1", Queue: "centralino", Operator: "SIP/201", Wait: 12 * time.Second, Talk: 60 * time.Second, OrigPos: 1}},
		{"1790000000|NONE|NONE|Agent/1001|AGENTLOGIN|SIP/201",
			Event{Kind: EvLogin, Operator: "Agent/1001", Extension: "SIP/201"}},
		{"1790000000|NONE|NONE|Agent/1001|AGENTLOGOFF|SIP/201|3600",
			Event{Kind: EvLogout, Operator: "Agent/1001", Extension: "SIP/201", Session: time.Hour}},
		{"1790000000|NONE|centralino|SIP/201|ADDMEMBER|",
			Event{Kind: EvLogin, Queue: "centralino", Operator: "SIP/201"}},
		{"1790000000|NONE|centralino|SIP/201|REMOVEMEMBER|",
			Event{Kind: EvLogout, Queue: "centralino", Operator: "SIP/201"}},
		{"1790000000|NONE|centralino|SIP/201|PAUSE|pranzo",
			Event{Kind: EvPause, Operator: "SIP/201", Reason: "pranzo"}},
		{"1790000000|NONE|NONE|SIP/201|UNPAUSEALL|",
			Event{Kind: EvUnpause, Operator: "SIP/201"}},
		{"1790000000.250000|c1|centralino|NONE|ENTERQUEUE||",
			Event{Kind: EvQueued, CallID: "c1", Queue: "centralino", Time: at.Add(250 * time.Millisecond)}},
	} {
		got, err := ParseQueueLogLine(tc.line, clock.Rome())
		if err != nil {
			t.Errorf("%s: %v", tc.line, err)
			continue
		}
		want := tc.want
		if want.Time.IsZero() {
			want.Time = at
		}
		if want.CallID != "" {
			want.Direction = "in"
		}
		if !got.Time.Equal(want.Time) {
			t.Errorf("%s: time %v, want %v", tc.line, got.Time, want.Time)
		}
		got.Time, want.Time = time.Time{}, time.Time{}
		if got != want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.line, got, want)
		}
	}
	// A realtime back-end's date and time, in Rome.
	e, err := ParseQueueLogLine("2026-10-05 09:30:00|c1|centralino|NONE|ENTERQUEUE||", clock.Rome())
	if err != nil || !e.Time.Equal(time.Date(2026, 10, 5, 9, 30, 0, 0, clock.Rome())) {
		t.Errorf("datetime: %v %v", e.Time, err)
	}
}

// Damaged lines are errors in Italian naming the field; lines of other events are skipped.
func TestParseQueueLogLineDamaged(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"1790000000|c1|centralino", "3 campi"},
		{"ieri|c1|centralino|NONE|ENTERQUEUE||", "ora \"ieri\""},
		{"99|c1|centralino|NONE|ENTERQUEUE||", "fuori dagli anni"},
		{"1790000000|NONE|centralino|NONE|ENTERQUEUE||", "senza identificativo"},
		{"1790000000|c1|NONE|NONE|ENTERQUEUE||", "senza coda"},
		{"1790000000|c1|centralino|NONE|CONNECT|12|x", "senza operatore"},
		{"1790000000|c1|centralino|SIP/1|CONNECT|dodici|x", "attesa \"dodici\""},
		{"1790000000|c1|centralino|SIP/1|CONNECT|-3|x", "attesa \"-3\""},
		{"1790000000|c1|centralino|SIP/1|COMPLETECALLER|3|999999|1", "conversazione \"999999\""},
		{"1790000000|c1|centralino|NONE|ABANDON|1|1", "attesa \"\""},
		{"1790000000|c1|centralino|SIP/1|RINGNOANSWER|", "squillo"},
		{"1790000000|c1|centralino|NONE||", "nome dell'evento"},
	} {
		_, err := ParseQueueLogLine(tc.line, clock.Rome())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.line, err, tc.want)
		}
	}
	for _, line := range []string{"1790000000|NONE|NONE|NONE|QUEUESTART|", "1790000000|c1|centralino|NONE|DID|800123",
		"1790000000|NONE|NONE|NONE|CONFIGRELOAD|", "1790000000|c1|centralino|SIP/1|RINGCANCELED|300"} {
		if _, err := ParseQueueLogLine(line, clock.Rome()); err == nil || !strings.Contains(err.Error(), errSkip.Error()) {
			t.Errorf("%s: %v, want a skip", line, err)
		}
	}
}

// What QueueLogLine writes, ParseQueueLogLine reads back with the fields the statistics use
// (to the second, as the format has it).
func TestQueueLogRoundTrip(t *testing.T) {
	at := time.Date(2026, 10, 5, 9, 30, 0, 0, clock.Rome())
	for _, e := range []Event{
		{Kind: EvQueued, CallID: "c1", Queue: "centralino", From: "3471234567", Position: 2},
		{Kind: EvAnswered, CallID: "c1", Queue: "centralino", Operator: "anna", Wait: 12*time.Second + 700*time.Millisecond, Ring: 3 * time.Second},
		{Kind: EvCompleted, CallID: "c1", Queue: "centralino", Operator: "anna", Wait: 12 * time.Second, Talk: 95 * time.Second, OrigPos: 2, By: ByOperator},
		{Kind: EvAbandoned, CallID: "c2", Queue: "centralino", Position: 1, OrigPos: 3, Wait: 41 * time.Second},
		{Kind: EvOverflowed, CallID: "c3", Queue: "centralino", Position: 1, OrigPos: 3, Wait: 90 * time.Second, Reason: "callback"},
		{Kind: EvOverflowed, CallID: "c3", Queue: "centralino", Position: 1, OrigPos: 3, Wait: 9 * time.Second, Reason: OverflowKey},
		{Kind: EvOverflowed, CallID: "c3", Queue: "centralino", Position: 1, OrigPos: 1, Reason: OverflowEmpty},
		{Kind: EvCallbackAccepted, CallID: "c4", Queue: "centralino", Position: 2, OrigPos: 3, Wait: 20 * time.Second},
		{Kind: EvTransferred, CallID: "c5", Queue: "centralino", Operator: "anna", Extension: "305", Wait: 5 * time.Second, Talk: 30 * time.Second, OrigPos: 1},
		{Kind: EvBlocked, CallID: "c6", Queue: "centralino"},
		{Kind: EvNoAnswer, CallID: "c7", Queue: "centralino", Operator: "bruno", Ring: 15 * time.Second},
		{Kind: EvLogin, Operator: "anna", Extension: "201"},
		{Kind: EvLogout, Operator: "anna", Extension: "201", Session: time.Hour},
		{Kind: EvPause, Operator: "anna", Reason: "pranzo"},
		{Kind: EvUnpause, Operator: "anna"},
	} {
		e.Time = at
		line, ok := QueueLogLine(e)
		if !ok {
			t.Fatalf("%s: not exported", e.Kind)
		}
		got, err := ParseQueueLogLine(line, clock.Rome())
		if err != nil {
			t.Errorf("%s: %v", line, err)
			continue
		}
		wantKind, wantReason := e.Kind, e.Reason
		switch e.Kind {
		case EvCallbackAccepted:
			wantKind, wantReason = EvOverflowed, OverflowKey
		case EvOverflowed:
			if e.Reason != OverflowKey && e.Reason != OverflowEmpty {
				wantReason = OverflowTimeout
			}
		case EvBlocked:
			wantReason = "full"
		}
		if got.Kind != wantKind || got.Reason != wantReason && e.Kind != EvPause || got.CallID != e.CallID || got.Operator != e.Operator ||
			got.Wait != e.Wait.Truncate(time.Second) || got.Talk != e.Talk || got.Ring != e.Ring || !got.Time.Equal(at) {
			t.Errorf("%s:\n got %+v\nfrom %+v", line, got, e)
		}
	}
}

// The reader goes on past damaged and over-long lines, reporting each with its number.
func TestReadQueueLog(t *testing.T) {
	in := "1790000000|c1|centralino|NONE|ENTERQUEUE||\r\n" +
		"\n" +
		"garbage\n" +
		"1790000000|c1|centralino|" + strings.Repeat("x", MaxQueueLogLine+10) + "|CONNECT|1|x\n" +
		"1790000000|NONE|NONE|NONE|QUEUESTART|\n" +
		"1790000001|c1|centralino|NONE|ABANDON|1|1|1" // no final newline
	var got []QueueLogEvent
	var bad []QueueLogProblem
	lines, skipped, err := ReadQueueLog(strings.NewReader(in), clock.Rome(), func(e QueueLogEvent) error {
		got = append(got, e)
		return nil
	}, func(p QueueLogProblem) { bad = append(bad, p) })
	if err != nil {
		t.Fatal(err)
	}
	if lines != 6 || len(got) != 2 || got[0].Line != 1 || got[1].Line != 6 || got[1].Event.Kind != EvAbandoned {
		t.Errorf("lines %d, events %+v", lines, got)
	}
	if len(bad) != 2 || bad[0].Line != 3 || bad[1].Line != 4 || !strings.Contains(bad[1].Msg, "più lunga") || len(bad[1].Text) > 210 {
		t.Errorf("problems %+v", bad)
	}
	if skipped["QUEUESTART"] != 1 {
		t.Errorf("skipped %v", skipped)
	}
}

func FuzzParseQueueLogLine(f *testing.F) {
	for _, s := range []string{"1790000000|c1|centralino|SIP/201|CONNECT|12|x|4", "1790000000|c1|q|NONE|ABANDON|1|1|9",
		"2026-10-05 09:30:00|c1|q|NONE|ENTERQUEUE||", "1e9|a|b|c|EXITWITHKEY|1|2|3|4", "||||", "1790000000.5|NONE|NONE|a|PAUSE|x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParseQueueLogLine(line, clock.Rome())
		if err != nil {
			return
		}
		if e.Kind == "" || e.Time.Year() < 2000 || e.Time.Year() > 2099 || e.Wait < 0 || e.Talk < 0 || e.Wait > maxPlausible {
			t.Fatalf("%q gave %+v", line, e)
		}
		if e.CallID == "" && e.Operator == "" {
			t.Fatalf("%q: an event of nobody: %+v", line, e)
		}
	})
}

// TestImportQueueLog imports a queue_log twice, next to a call Sportello logged itself: each
// line is stored once, the call the store already had is not taken again, damaged lines are
// reported with their numbers, and the operators' state before a time is found.
func TestImportQueueLog(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2026, 10, 5, 9, 0, 0, 0, clock.Rome()).Unix()
	at := func(s int64) string { return itoa64(base + s) }
	file := strings.Join([]string{
		at(0) + "|NONE|NONE|SIP/201|AGENTLOGIN|SIP/201",
		at(1) + "|NONE|NONE|SIP/201|PAUSEALL|pranzo",
		at(2) + "|NONE|NONE|SIP/201|UNPAUSEALL|",
		at(10) + "|pbx-1|centralino|NONE|ENTERQUEUE||3471234567",
		at(22) + "|pbx-1|centralino|SIP/201|CONNECT|12|x|2",
		at(100) + "|pbx-1|centralino|SIP/201|COMPLETECALLER|12|78|1",
		"riga rovinata",
		at(30) + "|own-1|centralino|NONE|ENTERQUEUE||",
		at(45) + "|own-1|centralino|NONE|ABANDON|1|1|15",
		at(200) + "|NONE|NONE|NONE|QUEUESTART|",
		at(300) + "|NONE|NONE|SIP/201|AGENTLOGOFF|SIP/201|300",
	}, "\n") + "\n"
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			s, err := OpenEventStore(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			// Sportello logged own-1 itself.
			own := Event{Seq: 1, Time: time.Unix(base+30, 0), Kind: EvQueued, CallID: "own-1", Queue: "centralino", Direction: "in"}
			if err := s.Save(ctx, []Event{own}); err != nil {
				t.Fatal(err)
			}
			rep, err := s.ImportQueueLog(ctx, strings.NewReader(file), clock.Rome())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Lines != 11 || rep.Imported != 7 || rep.KnownCalls != 1 || rep.KnownLines != 2 || rep.Damaged != 1 ||
				rep.Problems[0].Line != 7 || rep.Skipped["QUEUESTART"] != 1 || rep.Duplicates != 0 {
				t.Errorf("first import: %+v", rep)
			}
			rep, err = s.ImportQueueLog(ctx, strings.NewReader(file), clock.Rome())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Imported != 0 || rep.Duplicates != 7 {
				t.Errorf("second import: %+v", rep)
			}
			var kinds []string
			if err := s.Each(ctx, time.Unix(base, 0), time.Unix(base+1000, 0), func(e Event) error {
				kinds = append(kinds, string(e.Kind))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(kinds, " "); got != "login pause unpause queued answered queued completed logout" {
				t.Errorf("Each: %s", got)
			}
			states, err := s.OperatorStates(ctx, time.Unix(base+50, 0))
			if err != nil {
				t.Fatal(err)
			}
			if len(states) != 2 || states[0].Kind != EvLogin || states[1].Kind != EvUnpause {
				t.Errorf("operator states: %+v", states)
			}
			if states, _ = s.OperatorStates(ctx, time.Unix(base+1000, 0)); len(states) != 2 || states[1].Kind != EvLogout {
				t.Errorf("operator states after logoff: %+v", states)
			}
		})
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
