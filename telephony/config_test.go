package telephony

import (
	"os"
	"sportello/workcal"
	"strings"
	"testing"
	"time"
)

func TestParseConfigExample(t *testing.T) {
	data, err := os.ReadFile("testdata/telephony.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseConfig("telephony.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Queues) != 3 || s.Queues[0].Strategy != LongestIdle || s.Queues[0].AnnounceEvery != 45*time.Second || s.Queues[2].Calendar != nil {
		t.Errorf("queues %+v", s.Queues)
	}
	if s.Callback.Window != workcal.Hours(9, 0, 13, 0) || s.Callback.PerSlot != 4 {
		t.Errorf("callback %+v", s.Callback)
	}
	if len(s.Bands) != 2 || s.Bands[0].Name != "mattina" {
		t.Errorf("bands %+v", s.Bands)
	}
	if s.Calendar.IsOpen(rome(2026, 6, 29, 10, 0)) || !s.Calendar.IsOpen(rome(2026, 12, 24, 12, 0)) || s.Calendar.IsOpen(rome(2026, 12, 24, 14, 0)) {
		t.Error("calendar does not follow the local holiday or the special day")
	}
	a, err := s.Build(NewManualClock(t0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if snap := a.Snapshot(); len(snap.Queues) != 3 || len(snap.Operators) != 2 {
		t.Errorf("built %+v", snap)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"empty", ``, "t.json: empty file"},
		{"syntax", "{\n\"queues\": [\n{\"name\": }]}", "t.json:3:"},
		{"type", "{\n\"maxMissedRings\": \"tre\"}", "t.json:2: field maxMissedRings"},
		{"unknown field", `{"queue": []}`, `unknown field "queue"`},
		{"strategy", `{"queues": [{"name": "a"}, {"name": "b", "strategy": "random"}]}`, `queues[1].strategy: unknown strategy "random"`},
		{"duration", `{"queues": [{"name": "a", "maxWait": "novanta"}]}`, `bad duration "novanta"`},
		{"duplicate queue", `{"queues": [{"name": "a"}, {"name": "a"}]}`, "queues[1].name"},
		{"unknown queue", `{"queues": [{"name": "a"}], "operators": [{"id": "x", "queues": [{"queue": "b"}]}]}`, `operators[0].queues[0].queue: no queue "b"`},
		{"channel", `{"operators": [{"id": "x", "capacity": {"pigeon": 1}}]}`, `unknown channel "pigeon"`},
		{"hours", `{"calendar": {"hours": {"mon": ["19:00-08:00"]}}}`, "calendar.hours.mon[0]: band"},
		{"day", `{"calendar": {"hours": {"lunedi": ["08:00-19:00"]}}}`, "calendar.hours.lunedi: unknown day"},
		{"holiday", `{"calendar": {"localHolidays": [{"date": "29 giugno"}]}}`, "calendar.localHolidays[0].date"},
		{"window", `{"callback": {"window": "9.00-13.00"}}`, "callback.window"},
		{"timezone", `{"timezone": "Europe/Atlantide"}`, "timezone"},
	}
	for _, tc := range tests {
		_, err := ParseConfig("t.json", []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	if data, err := os.ReadFile("testdata/telephony.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"queues": [{"name": "a", "maxWait": "1s"}], "operators": [{"id": "x", "queues": [{"queue": "a"}]}]}`))
	f.Add([]byte(`{"calendar": {"hours": {"mon": ["24:00-24:00"]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseConfig("f.json", data)
		if err != nil {
			return
		}
		if _, err := s.Build(NewManualClock(t0), nil); err != nil {
			t.Fatalf("a validated configuration did not build: %v", err)
		}
	})
}
