package telephony

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sportello/internal/fsperm"
	"sportello/workcal"
	"time"
)

// VoicemailBox stores messages left by callers as WAV files and turns each into an offline
// ticket whose deadline is Within working hours on the calendar (TEL-6, TK-16).
type VoicemailBox struct {
	Dir      string
	Calendar *workcal.Calendar
	Within   time.Duration // default 4 h of working time
	MaxBytes int64         // default 8 MiB (about 17 minutes of G.711)
	Tickets  Tickets
	Log      *EventLog // may be nil
	Clock    Clock     // default SystemClock
}

// Deadline returns when a message left at t must be taken in charge: Within of working time
// counted from t, so a message left out of hours counts from the next opening (Friday 20:00 →
// Monday 12:00 with 8:00 opening; the day before a national holiday skips it).
func (v *VoicemailBox) Deadline(t time.Time) (time.Time, error) {
	cal := v.Calendar
	if cal == nil {
		cal = workcal.Default()
	}
	within := v.Within
	if within <= 0 {
		within = 4 * time.Hour
	}
	return cal.AddWorkingTime(t, within)
}

// Leave validates and stores the caller's message and opens its ticket. The recording is
// removed again if the ticket cannot be opened, so nothing is half-done.
func (v *VoicemailBox) Leave(ctx context.Context, c ContactInfo, queue string, wav io.Reader) (VoicemailInfo, TicketRef, error) {
	if v.Tickets == nil {
		return VoicemailInfo{}, "", errors.New("telephony: voicemail box without a ticketing system")
	}
	clock := v.Clock
	if clock == nil {
		clock = SystemClock{}
	}
	max := v.MaxBytes
	if max <= 0 {
		max = 8 << 20
	}
	now := clock.Now()
	data, err := io.ReadAll(io.LimitReader(wav, max+1))
	if err != nil {
		return VoicemailInfo{}, "", fmt.Errorf("telephony: voicemail of call %s: %w", c.CallID, err)
	}
	if int64(len(data)) > max {
		return VoicemailInfo{}, "", fmt.Errorf("telephony: voicemail of call %s is larger than %d bytes", c.CallID, max)
	}
	info, err := ParseWAV(data)
	if err != nil {
		return VoicemailInfo{}, "", fmt.Errorf("telephony: voicemail of call %s: %w", c.CallID, err)
	}
	deadline, err := v.Deadline(now)
	if err != nil {
		return VoicemailInfo{}, "", err
	}
	if err := fsperm.MkdirAll(v.Dir); err != nil {
		return VoicemailInfo{}, "", err
	}
	// The file name comes from the time and a sanitized call ID, never from the caller's input
	// alone.
	name := fmt.Sprintf("vm-%s-%s.wav", now.UTC().Format("20060102T150405.000"), sanitizeID(c.CallID))
	if err := writeAtomic(v.Dir, name, data); err != nil {
		return VoicemailInfo{}, "", fmt.Errorf("telephony: storing voicemail of call %s: %w", c.CallID, err)
	}
	vm := VoicemailInfo{CallID: c.CallID, From: c.From, To: c.To, Queue: queue, At: now, Recording: name,
		Duration: info.Duration, Deadline: deadline}
	ref, err := v.Tickets.Voicemail(ctx, vm)
	if err != nil {
		os.Remove(filepath.Join(v.Dir, name))
		return VoicemailInfo{}, "", fmt.Errorf("telephony: voicemail of call %s: opening the ticket: %w", c.CallID, err)
	}
	if v.Log != nil {
		v.Log.Append(Event{Time: now, Kind: EvVoicemail, CallID: c.CallID, Queue: queue, Channel: VoicemailChan,
			Direction: "in", From: c.From, To: c.To, Talk: info.Duration, Reason: string(ref)})
	}
	return vm, ref, nil
}

// Open returns a stored message for listening; name is VoicemailInfo.Recording.
func (v *VoicemailBox) Open(name string) (*os.File, error) {
	if filepath.Base(name) != name || !safeRecording(name) {
		return nil, fmt.Errorf("telephony: voicemail %q: not a recording name", name)
	}
	return os.Open(filepath.Join(v.Dir, name))
}

func safeRecording(name string) bool {
	if len(name) < 5 || name[len(name)-4:] != ".wav" || name[0] == '.' {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// sanitizeID keeps letters and digits of a call ID (SIP Call-IDs may hold '@' and '/'),
// at most 40 of them.
func sanitizeID(id string) string {
	out := make([]byte, 0, 40)
	for i := 0; i < len(id) && len(out) < 40; i++ {
		c := id[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "x"
	}
	return string(out)
}
