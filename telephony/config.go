package telephony

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sportello/internal/clock"
	"sportello/workcal"
	"strings"
	"time"
)

// FileConfig is the telephony section of Sportello's configuration, read from JSON (see
// ParseConfig): the calendar, the queues, the operators, the callback window and the voicemail
// deadline. Durations are Go durations ("30s", "15m"); hours are "08:00-19:00".
type FileConfig struct {
	Timezone       string            `json:"timezone"`
	MaxMissedRings int               `json:"maxMissedRings"`
	Calendar       CalendarFile      `json:"calendar"`
	Queues         []QueueFile       `json:"queues"`
	Operators      []OperatorFile    `json:"operators"`
	Callback       CallbackFile      `json:"callback"`
	Voicemail      VoicemailFile     `json:"voicemail"`
	Bands          map[string]string `json:"bands"` // IVR time bands: name → "08:00-13:00"
}

// CalendarFile is the opening calendar of the voice channel (TEL-9).
type CalendarFile struct {
	Hours         map[string][]string `json:"hours"` // "mon"…"sun" → bands; missing means the default Mon–Fri 8–19
	LocalHolidays []struct {
		Date string `json:"date"` // "MM-DD"
		Name string `json:"name"`
	} `json:"localHolidays"`
	SpecialDays []struct {
		Date  string   `json:"date"` // "YYYY-MM-DD"
		Name  string   `json:"name"`
		Hours []string `json:"hours"` // empty: closed
	} `json:"specialDays"`
}

// QueueFile configures a queue; see QueueConfig for the defaults.
type QueueFile struct {
	Name               string   `json:"name"`
	Strategy           Strategy `json:"strategy"`
	ServiceLevel       Duration `json:"serviceLevel"`
	MaxWait            Duration `json:"maxWait"`
	Overflow           Overflow `json:"overflow"`
	MaxLength          int      `json:"maxLength"`
	RingTimeout        Duration `json:"ringTimeout"`
	WrapUp             Duration `json:"wrapUp"`
	AnnounceEvery      Duration `json:"announceEvery"`
	CallbackAfterRings int      `json:"callbackAfterRings"`
	AlwaysOpen         bool     `json:"alwaysOpen"` // ignore the calendar (offline channels: 24/7)
	Offline            bool     `json:"offline"`
}

// OperatorFile configures an operator.
type OperatorFile struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Extension string `json:"extension"`
	Queues    []struct {
		Queue   string `json:"queue"`
		Penalty int    `json:"penalty"`
	} `json:"queues"`
	Capacity map[Channel]int `json:"capacity"`
}

// CallbackFile configures callback booking (TEL-7).
type CallbackFile struct {
	Window     string   `json:"window"`
	Slot       Duration `json:"slot"`
	PerSlot    int      `json:"perSlot"`
	Lead       Duration `json:"lead"`
	Attempts   int      `json:"attempts"`
	RetryDelay Duration `json:"retryDelay"`
}

// VoicemailFile configures the voicemail deadline (TK-16).
type VoicemailFile struct {
	Within   Duration `json:"within"`
	MaxBytes int64    `json:"maxBytes"`
}

// Duration is a time.Duration written as "30s" in JSON.
type Duration time.Duration

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration such as \"30s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("bad duration %q", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Setup is a validated configuration, ready to build the telephony parts from.
type Setup struct {
	Calendar  *workcal.Calendar
	Queues    []QueueConfig
	Operators []OperatorConfig
	Callback  CallbackPolicy
	Voicemail VoicemailFile
	Bands     []NamedBand
	MaxMissed int
}

// ParseConfig reads and validates a telephony configuration. Errors name the file, the line for
// JSON syntax, and the field path for values (e.g. "queues[1].strategy").
func ParseConfig(name string, data []byte) (*Setup, error) {
	var f FileConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s:%d: %v", name, lineOf(data, se.Offset), err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s:%d: field %s: want %s", name, lineOf(data, te.Offset), te.Field, te.Type)
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%s: empty file", name)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	fail := func(field, format string, a ...any) error {
		return fmt.Errorf("%s: %s: %s", name, field, fmt.Sprintf(format, a...))
	}
	loc := clock.Rome()
	if f.Timezone != "" {
		l, err := time.LoadLocation(f.Timezone)
		if err != nil {
			return nil, fail("timezone", "unknown time zone %q", f.Timezone)
		}
		loc = l
	}
	s := &Setup{Calendar: workcal.New(loc), MaxMissed: f.MaxMissedRings}
	if f.Calendar.Hours != nil {
		s.Calendar.Week = [7][]workcal.Band{}
		for day, bands := range f.Calendar.Hours {
			wd, ok := workcal.ParseDay(day)
			if !ok {
				return nil, fail("calendar.hours."+day, "unknown day (use mon…sun or lun…dom)")
			}
			for i, b := range bands {
				band, err := workcal.ParseBand(b)
				if err != nil {
					return nil, fail(fmt.Sprintf("calendar.hours.%s[%d]", day, i), "%v", err)
				}
				s.Calendar.Week[wd] = append(s.Calendar.Week[wd], band)
			}
		}
	}
	for i, h := range f.Calendar.LocalHolidays {
		lh, err := workcal.ParseLocalHoliday(h.Date, h.Name)
		if err != nil {
			return nil, fail(fmt.Sprintf("calendar.localHolidays[%d].date", i), "%v", err)
		}
		s.Calendar.Local = append(s.Calendar.Local, lh)
	}
	for i, sd := range f.Calendar.SpecialDays {
		d, err := time.ParseInLocation(time.DateOnly, sd.Date, loc)
		if err != nil {
			return nil, fail(fmt.Sprintf("calendar.specialDays[%d].date", i), "want YYYY-MM-DD, got %q", sd.Date)
		}
		day := workcal.SpecialDay{Date: d, Name: sd.Name}
		for j, b := range sd.Hours {
			band, err := workcal.ParseBand(b)
			if err != nil {
				return nil, fail(fmt.Sprintf("calendar.specialDays[%d].hours[%d]", i, j), "%v", err)
			}
			day.Bands = append(day.Bands, band)
		}
		s.Calendar.Special = append(s.Calendar.Special, day)
	}
	queues := map[string]bool{}
	for i, q := range f.Queues {
		field := fmt.Sprintf("queues[%d]", i)
		if strings.TrimSpace(q.Name) == "" {
			return nil, fail(field+".name", "missing")
		}
		if queues[q.Name] {
			return nil, fail(field+".name", "queue %q defined twice", q.Name)
		}
		queues[q.Name] = true
		switch q.Strategy {
		case "", Linear, LongestIdle, FewestCalls, RoundRobin, RingAll:
		default:
			return nil, fail(field+".strategy", "unknown strategy %q (linear, longest-idle, fewest-calls, round-robin, ring-all)", q.Strategy)
		}
		switch q.Overflow {
		case "", OverflowCallback, OverflowVoicemail:
		default:
			return nil, fail(field+".overflow", "unknown overflow %q (callback, voicemail)", q.Overflow)
		}
		if q.MaxLength < 0 || q.CallbackAfterRings < 0 {
			return nil, fail(field, "negative maxLength or callbackAfterRings")
		}
		qc := QueueConfig{Name: q.Name, Strategy: q.Strategy, ServiceLevel: time.Duration(q.ServiceLevel),
			MaxWait: time.Duration(q.MaxWait), Overflow: q.Overflow, MaxLen: q.MaxLength, RingTimeout: time.Duration(q.RingTimeout),
			WrapUp: time.Duration(q.WrapUp), AnnounceEvery: time.Duration(q.AnnounceEvery), CallbackAfterRings: q.CallbackAfterRings,
			Offline: q.Offline}
		if !q.AlwaysOpen && !q.Offline {
			qc.Calendar = s.Calendar
		}
		s.Queues = append(s.Queues, qc)
	}
	ops := map[string]bool{}
	for i, o := range f.Operators {
		field := fmt.Sprintf("operators[%d]", i)
		if strings.TrimSpace(o.ID) == "" {
			return nil, fail(field+".id", "missing")
		}
		if ops[o.ID] {
			return nil, fail(field+".id", "operator %q defined twice", o.ID)
		}
		ops[o.ID] = true
		oc := OperatorConfig{ID: o.ID, Name: o.Name, Extension: o.Extension}
		for j, m := range o.Queues {
			if !queues[m.Queue] {
				return nil, fail(fmt.Sprintf("%s.queues[%d].queue", field, j), "no queue %q", m.Queue)
			}
			oc.Queues = append(oc.Queues, Membership{Queue: m.Queue, Penalty: m.Penalty})
		}
		if o.Capacity != nil {
			oc.Capacity = map[Channel]int{}
			for ch, n := range o.Capacity {
				if !ch.Valid() {
					return nil, fail(field+".capacity", "unknown channel %q", ch)
				}
				if n < 0 {
					return nil, fail(field+".capacity."+string(ch), "negative")
				}
				oc.Capacity[ch] = n
			}
		}
		s.Operators = append(s.Operators, oc)
	}
	cb := CallbackPolicy{Calendar: s.Calendar, Slot: time.Duration(f.Callback.Slot), PerSlot: f.Callback.PerSlot,
		Lead: time.Duration(f.Callback.Lead), Attempts: f.Callback.Attempts, RetryDelay: time.Duration(f.Callback.RetryDelay)}
	if f.Callback.Window != "" {
		w, err := workcal.ParseBand(f.Callback.Window)
		if err != nil {
			return nil, fail("callback.window", "%v", err)
		}
		cb.Window = w
	}
	cb.defaults()
	s.Callback = cb
	s.Voicemail = f.Voicemail
	for n, b := range f.Bands {
		band, err := workcal.ParseBand(b)
		if err != nil {
			return nil, fail("bands."+n, "%v", err)
		}
		s.Bands = append(s.Bands, NamedBand{Name: n, Band: band})
	}
	sortBands(s.Bands)
	return s, nil
}

func sortBands(b []NamedBand) {
	for i := 1; i < len(b); i++ {
		for j := i; j > 0 && (b[j].Band.From < b[j-1].Band.From || b[j].Band.From == b[j-1].Band.From && b[j].Name < b[j-1].Name); j-- {
			b[j], b[j-1] = b[j-1], b[j]
		}
	}
}

func lineOf(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// Build makes an ACD with the configured queues and operators.
func (s *Setup) Build(clock Clock, log *EventLog) (*ACD, error) {
	a := New(Config{Clock: clock, Log: log, MaxMissedRings: s.MaxMissed})
	for _, q := range s.Queues {
		if err := a.AddQueue(q); err != nil {
			return nil, err
		}
	}
	for _, o := range s.Operators {
		if err := a.AddOperator(o); err != nil {
			return nil, err
		}
	}
	return a, nil
}
