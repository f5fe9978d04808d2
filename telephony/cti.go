package telephony

import (
	"context"
	"time"
)

// ScreenPop is what an operator's screen shows when a contact rings them (TEL-2): the web layer
// sends it over SSE, looks the caller up by number and opens a ticket (TK-1).
type ScreenPop struct {
	CallID      string  `json:"callId"`
	Operator    string  `json:"operator"`
	Extension   string  `json:"extension,omitempty"`
	From        string  `json:"from"`
	To          string  `json:"to,omitempty"`
	Channel     Channel `json:"channel"`
	Queue       string  `json:"queue"`
	WaitSeconds int     `json:"waitSeconds"`
}

// PopFromEvent turns a ringing event into a screen pop; other events give ok == false.
func PopFromEvent(e Event) (ScreenPop, bool) {
	if e.Kind != EvRinging {
		return ScreenPop{}, false
	}
	return ScreenPop{CallID: e.CallID, Operator: e.Operator, Extension: e.Extension, From: e.From, To: e.To,
		Channel: e.Channel, Queue: e.Queue, WaitSeconds: int(e.Wait / time.Second)}, true
}

// Run calls Tick every interval until ctx ends and hands each batch of actions to do, and
// samples hist (when not nil) as it goes. It is the production driver of the state machine.
func (a *ACD) Run(ctx context.Context, interval time.Duration, hist *WaitHistory, do func([]Action)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if acts := a.Tick(); len(acts) > 0 && do != nil {
				do(acts)
			}
			if hist != nil {
				hist.Sample(a)
			}
		}
	}
}
