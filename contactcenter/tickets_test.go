package contactcenter

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sportello/internal/clock"
	"sportello/internal/sqldb/sqldbtest"
	"sportello/telephony"
	"sportello/ticketing"
)

// wav is a tiny valid PCM WAV file of n samples.
func wav(n int) []byte {
	b := make([]byte, 44+2*n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n))
	return b
}

func TestTelephonyAdapter(t *testing.T) {
	ctx := context.Background()
	now := romeTime(2026, 4, 4, 22, 30)
	for name, db := range sqldbtest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			s, err := ticketing.Open(ctx, db, ticketing.Config{DataDir: t.TempDir(), Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			a := &Tickets{Store: s, VoicemailDir: dir}
			known := &ticketing.Citizen{Name: "Carla Verdi", Phones: []string{"0874 555666"}}
			if err := s.CreateCitizen(ctx, known); err != nil {
				t.Fatal(err)
			}
			// TK-1: the CTI opens one ticket per call, matched to the caller.
			c := telephony.TicketContact{CallID: "call-1", Channel: telephony.Voice, From: "+390874555666", Operator: "mario", At: now}
			ref, err := a.OpenContact(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := a.OpenContact(ctx, c)
			if again != ref {
				t.Fatalf("same call, two tickets: %s %s", ref, again)
			}
			tk, _ := s.TicketByNumber(ctx, string(ref))
			if tk.CitizenID != known.ID || tk.Channel != ticketing.Phone || tk.CreatedBy != "mario" || tk.Assignee != "mario" {
				t.Fatalf("ticket = %+v", tk)
			}
			// TK-5: the call transferred to another operator keeps its ticket, now theirs.
			c.Operator = "lucia"
			if moved, err := a.OpenContact(ctx, c); err != nil || moved != ref {
				t.Fatalf("transferred call: %s, %v (want %s)", moved, err, ref)
			}
			if tk, _ = s.TicketByNumber(ctx, string(ref)); tk.Assignee != "lucia" {
				t.Fatalf("after the transfer: %+v", tk)
			}
			// TEL-7: a callback booking lands on the operators' list.
			slot := romeTime(2026, 4, 7, 9, 0)
			if err := a.BookCallback(ctx, ref, telephony.Callback{CallID: "call-1", Number: "0874555666", Slot: slot, Attempts: 2, RetryDelay: time.Hour}); err != nil {
				t.Fatal(err)
			}
			due, _ := s.DueCallbacks(ctx, slot)
			if len(due) != 1 || due[0].MaxAttempts != 2 || due[0].TicketID != tk.ID {
				t.Fatalf("due callbacks = %+v", due)
			}
			if err := a.BookCallback(ctx, "RS-1999-000001", telephony.Callback{Number: "1234"}); err == nil {
				t.Fatal("callback on a missing ticket accepted")
			}
			// TK-16: voicemail on Easter Saturday night, recording attached, due Tuesday 12:00.
			os.WriteFile(filepath.Join(dir, "vm-1.wav"), wav(800), 0o600)
			vref, err := a.Voicemail(ctx, telephony.VoicemailInfo{CallID: "call-2", From: "3331234567", At: now, Recording: "vm-1.wav", Duration: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			vm, _ := s.TicketByNumber(ctx, string(vref))
			if vm.Channel != ticketing.Voicemail || !vm.DueTake.Equal(romeTime(2026, 4, 7, 12, 0)) {
				t.Fatalf("voicemail ticket = %+v (due %s)", vm, vm.DueTake.In(clock.Rome()))
			}
			atts, _ := s.Attachments(ctx, vm.ID)
			if len(atts) != 1 || atts[0].ContentType != "audio/wav" || atts[0].Source != "voicemail" {
				t.Fatalf("recording = %+v", atts)
			}
			if _, err := a.Voicemail(ctx, telephony.VoicemailInfo{CallID: "call-3", Recording: "../etc/passwd"}); err == nil {
				t.Fatal("path in a recording name accepted")
			}
			if _, err := a.Voicemail(ctx, telephony.VoicemailInfo{CallID: "call-4", Recording: "missing.wav"}); err == nil {
				t.Fatal("missing recording accepted")
			}
			if list, _ := s.List(ctx, ticketing.Filter{Channel: ticketing.Voicemail}); len(list) != 1 {
				t.Fatalf("refused voicemails left %d tickets", len(list))
			}
		})
	}
}

func romeTime(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, clock.Rome())
}
