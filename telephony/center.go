package telephony

import (
	"context"
	"fmt"
	"io"
)

// Contact returns what is known of a live contact and the queue it was offered to.
func (a *ACD) Contact(callID string) (ContactInfo, string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.contacts[callID]
	if c == nil {
		return ContactInfo{}, "", false
	}
	return c.info, c.q.cfg.Name, true
}

// Center joins the ACD with the callback booker and the voicemail box, for the media layer: when
// the caller answers an ActOfferCallback or ActOfferVoicemail, it calls ChooseCallback or
// LeaveVoicemail, plays the confirmation, then Hangup.
type Center struct {
	ACD       *ACD
	Booker    *Booker
	Voicemail *VoicemailBox
}

// ChooseCallback takes the caller out of the queue and books the callback on a ticket (TEL-7).
func (c *Center) ChooseCallback(ctx context.Context, callID string) (Booking, []Action, error) {
	if c.Booker == nil {
		return Booking{}, nil, fmt.Errorf("telephony: call %s: callback booking is not configured", callID)
	}
	_, queue, ok := c.ACD.Contact(callID)
	if !ok {
		return Booking{}, nil, fmt.Errorf("%w %s", ErrUnknownCall, callID)
	}
	info, acts, err := c.ACD.AcceptCallback(callID)
	if err != nil {
		return Booking{}, nil, err
	}
	b, err := c.Booker.Book(ctx, info, queue)
	return b, acts, err
}

// LeaveVoicemail stores the caller's message and opens its offline ticket (TEL-6, TK-16). A
// caller still waiting in a queue leaves it first.
func (c *Center) LeaveVoicemail(ctx context.Context, callID string, wav io.Reader) (VoicemailInfo, TicketRef, error) {
	if c.Voicemail == nil {
		return VoicemailInfo{}, "", fmt.Errorf("telephony: call %s: voicemail is not configured", callID)
	}
	info, queue, ok := c.ACD.Contact(callID)
	if !ok {
		return VoicemailInfo{}, "", fmt.Errorf("%w %s", ErrUnknownCall, callID)
	}
	return c.Voicemail.Leave(ctx, info, queue, wav)
}

// OperatorByExtension finds the operator whose terminal is ext, e.g. the SIP user of a REGISTER.
func (a *ACD) OperatorByExtension(ext string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, o := range a.oporder {
		if o.cfg.Extension == ext && ext != "" {
			return o.cfg.ID, true
		}
	}
	return "", false
}

// Block records a contact the media layer refused before it reached a queue because no line
// was free (all trunk channels busy): it counts against SLA-2 C.1 like a full queue.
func (a *ACD) Block(info ContactInfo, queueName, reason string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.queues[queueName] == nil {
		return fmt.Errorf("%w %q", ErrUnknownQueue, queueName)
	}
	if info.Channel == "" {
		info.Channel = Voice
	}
	ev := Event{CallID: info.CallID, Queue: queueName, Channel: info.Channel, Direction: "in", From: info.From, To: info.To}
	ev.Kind = EvOffered
	a.emit(ev)
	ev.Kind, ev.Reason = EvBlocked, reason
	a.emit(ev)
	return nil
}
