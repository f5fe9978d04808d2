package ticketing

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestRecordedOffline (TK-14): a contact the desk recorded while the server was unreachable
// keeps the time it was recorded, is flagged, says so in its path, and counts once at first
// contact when solved with the pill chosen; an ordinary ticket is not flagged.
func TestRecordedOffline(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{}
	for name, s := range stores(t, clock, Config{}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(romeTime(2026, 9, 7, 11, 0))
			recorded := romeTime(2026, 9, 7, 10, 32)
			tk, err := s.Create(ctx, NewTicket{Channel: Phone, Description: "Chiede la scadenza del bollo", Actor: "mario",
				Role: AsOperator, CallID: "desk-0f1e2d3c", At: recorded, RecordedOffline: true,
				Contact: Contact{Phone: "+390874555666"}})
			if err != nil {
				t.Fatal(err)
			}
			if !tk.RecordedOffline || !tk.Created.Equal(recorded) {
				t.Fatalf("created = %+v", tk)
			}
			got, err := s.TicketByNumber(ctx, tk.Number)
			if err != nil || !got.RecordedOffline || !got.Created.Equal(recorded) {
				t.Fatalf("read back = %+v, %v", got, err)
			}
			path, err := s.Path(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(path) != 2 || path[1].Action != ActRecordedOffline || !strings.Contains(path[1].Reason, "07/09/2026 10:32") {
				t.Fatalf("path = %+v", path)
			}
			if _, err := s.Take(ctx, tk.ID, "mario", AsOperator); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AnswerWithPill(ctx, tk.ID, "mario", AsOperator, "https://w3id.org/sportello/id/pill/tri-001"); err != nil {
				t.Fatal(err)
			}
			f, err := s.Figures(ctx, recorded.Add(-time.Hour), recorded.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if f.Contacts != 1 || f.FirstContact != 1 {
				t.Errorf("figures = %+v", f)
			}
			plain, err := s.Create(ctx, NewTicket{Channel: Phone, Description: "in linea", Actor: "mario", Role: AsOperator})
			if err != nil || plain.RecordedOffline {
				t.Fatalf("plain ticket = %+v, %v", plain, err)
			}
		})
	}
}
