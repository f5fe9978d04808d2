package telephony

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"sportello/internal/clock"
	"testing"
	"time"
)

// TestNextCallbackSlot covers TEL-7 with seed 003's window, 9:00–13:00 on working days.
func TestNextCallbackSlot(t *testing.T) {
	b, err := NewBooker(CallbackPolicy{}, NewMemTickets(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"early morning", rome(2026, 3, 2, 7, 30), rome(2026, 3, 2, 9, 0)},
		{"inside the window", rome(2026, 3, 2, 10, 7), rome(2026, 3, 2, 10, 15)},
		{"on a slot boundary", rome(2026, 3, 2, 10, 15), rome(2026, 3, 2, 10, 15)},
		{"last slot", rome(2026, 3, 2, 12, 44), rome(2026, 3, 2, 12, 45)},
		{"after the window", rome(2026, 3, 2, 12, 46), rome(2026, 3, 3, 9, 0)},
		{"friday afternoon", rome(2026, 3, 6, 15, 0), rome(2026, 3, 9, 9, 0)},
		{"before easter monday", rome(2026, 4, 3, 14, 0), rome(2026, 4, 7, 9, 0)},
		{"christmas eve evening", rome(2026, 12, 24, 18, 0), rome(2026, 12, 28, 9, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := b.NextSlot(tc.at)
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("NextSlot(%s) = %s, %v; want %s", tc.at, got, err, tc.want)
			}
		})
	}
}

func TestBookCallbackFillsSlots(t *testing.T) {
	clk := NewManualClock(rome(2026, 3, 2, 12, 20))
	tickets := NewMemTickets()
	log := NewEventLog()
	b, err := NewBooker(CallbackPolicy{PerSlot: 2, Attempts: 4, RetryDelay: 20 * time.Minute}, tickets, log, clk)
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{rome(2026, 3, 2, 12, 30), rome(2026, 3, 2, 12, 30), rome(2026, 3, 2, 12, 45), rome(2026, 3, 2, 12, 45), rome(2026, 3, 3, 9, 0)}
	for i, w := range want {
		bk, err := b.Book(context.Background(), ContactInfo{CallID: string(rune('a' + i)), Channel: Voice, From: "0612345678"}, "centralino")
		if err != nil {
			t.Fatal(err)
		}
		if !bk.Callback.Slot.Equal(w) || bk.Callback.Attempts != 4 || bk.Callback.RetryDelay != 20*time.Minute {
			t.Errorf("booking %d = %+v, want slot %s", i, bk.Callback, w)
		}
	}
	all := tickets.All()
	if len(all) != 5 || len(all[0].Callbacks) != 1 || all[0].Callbacks[0].Number != "0612345678" {
		t.Fatalf("tickets = %+v", all)
	}
	// Bookings alone are not contacts: nothing in the log says a call was offered.
	if n := kindCount(log.Events(time.Time{}, time.Time{}), EvOffered) + kindCount(log.Events(time.Time{}, time.Time{}), EvQueued); n != 0 {
		t.Errorf("bookings logged %d offers", n)
	}
	if log.Len() != 5 {
		t.Errorf("%d log events, want 5", log.Len())
	}
	// A retry 20 minutes after a failed attempt at 12:50 falls outside the window.
	if got, _ := b.RetryAt(rome(2026, 3, 3, 12, 50)); !got.Equal(rome(2026, 3, 4, 9, 0)) {
		t.Errorf("RetryAt = %s", got)
	}
	if got, _ := b.RetryAt(rome(2026, 3, 3, 10, 0)); !got.Equal(rome(2026, 3, 3, 10, 20)) {
		t.Errorf("RetryAt in window = %s", got)
	}
	if _, err := b.Book(context.Background(), ContactInfo{CallID: "anon"}, "centralino"); err == nil {
		t.Error("booked a callback without a number")
	}
}

type failingTickets struct{ *MemTickets }

func (*failingTickets) Voicemail(context.Context, VoicemailInfo) (TicketRef, error) {
	return "", errors.New("ticketing down")
}

// TestVoicemailDeadline covers TK-16: 4 working hours into the next working day.
func TestVoicemailDeadline(t *testing.T) {
	v := &VoicemailBox{}
	tests := []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"friday night", rome(2026, 3, 6, 20, 0), rome(2026, 3, 9, 12, 0)},
		{"saturday", rome(2026, 3, 7, 11, 0), rome(2026, 3, 9, 12, 0)},
		{"monday before opening", rome(2026, 3, 9, 6, 0), rome(2026, 3, 9, 12, 0)},
		{"in hours overflow", rome(2026, 3, 9, 17, 0), rome(2026, 3, 10, 10, 0)},
		{"before liberation day (saturday 2026)", rome(2026, 4, 24, 20, 0), rome(2026, 4, 27, 12, 0)},
		{"before republic day", rome(2026, 6, 1, 20, 0), rome(2026, 6, 3, 12, 0)},
	}
	for _, tc := range tests {
		got, err := v.Deadline(tc.at)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s: Deadline(%s) = %s, %v; want %s", tc.name, tc.at, got, err, tc.want)
		}
	}
}

func TestVoicemailLeave(t *testing.T) {
	dir := t.TempDir()
	clk := NewManualClock(rome(2026, 3, 6, 20, 0))
	tickets := NewMemTickets()
	log := NewEventLog()
	v := &VoicemailBox{Dir: dir, Tickets: tickets, Log: log, Clock: clk}
	wav := BuildWAV("ulaw", bytes.Repeat([]byte{0xff}, 16000))
	vm, ref, err := v.Leave(context.Background(), ContactInfo{CallID: "abc@10.0.0.1", From: "0612345678", To: "800123456"}, "numero verde", bytes.NewReader(wav))
	if err != nil {
		t.Fatal(err)
	}
	if vm.Duration != 2*time.Second || !vm.Deadline.Equal(rome(2026, 3, 9, 12, 0)) {
		t.Errorf("voicemail = %+v", vm)
	}
	all := tickets.All()
	if len(all) != 1 || all[0].Ref != ref || all[0].Voicemail == nil || all[0].Voicemail.Recording != vm.Recording || all[0].Contact.Channel != VoicemailChan {
		t.Fatalf("tickets = %+v", all)
	}
	f, err := v.Open(vm.Recording)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := v.Open("../etc/passwd"); err == nil {
		t.Error("opened a path outside the box")
	}
	if log.Len() != 1 {
		t.Errorf("%d events, want 1 voicemail", log.Len())
	}

	// A bad recording and a ticketing failure leave nothing behind.
	if _, _, err := v.Leave(context.Background(), ContactInfo{CallID: "x", From: "1"}, "q", bytes.NewReader([]byte("RIFF...."))); !errors.Is(err, ErrNotTelephoneWAV) {
		t.Errorf("bad WAV: %v", err)
	}
	v.Tickets = &failingTickets{NewMemTickets()}
	if _, _, err := v.Leave(context.Background(), ContactInfo{CallID: "y", From: "1"}, "q", bytes.NewReader(wav)); err == nil {
		t.Error("no error when the ticket could not be opened")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 {
		t.Errorf("files in the box: %v, want only the first message", files)
	}

}

func rome(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, clock.Rome())
}
