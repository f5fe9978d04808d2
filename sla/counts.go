package sla

import (
	"time"

	"sportello/telephony"
)

// Counts are the counts of a set of contacts, from which every figure is derived. Waits and
// talk are whole seconds. "Offered" are the contacts that entered a queue.
type Counts struct {
	Offered int `json:"offered"` // entered a queue

	Answered        int `json:"answered"`
	AnsweredUnder   int `json:"answeredUnderThreshold"` // wait < 30 s (C.2)
	AnsweredOverMax int `json:"answeredOverMaxWait"`    // wait > 90 s: the tender allows none

	Abandoned      int `json:"abandoned"`               // the caller hung up while queued: every one
	AbandonedUnder int `json:"abandonedUnderThreshold"` // of which wait < 30 s (SLA-7)
	AbandonedShort int `json:"abandonedShort"`          // of which wait < the short-abandon threshold, when set

	Overflowed       int `json:"overflowed"`               // left the queue without an operator
	OverflowedUnder  int `json:"overflowedUnderThreshold"` // of which wait < 30 s (SLA-7)
	OverflowTimeout  int `json:"overflowTimeout"`          // at the maximum wait
	OverflowKey      int `json:"overflowKey"`              // by a key (callback chosen)
	OverflowEmpty    int `json:"overflowEmpty"`            // no operator left in the queue
	OverflowCallback int `json:"overflowCallback"`         // of the overflowed, sent to or chose a callback
	OverflowVoice    int `json:"overflowVoicemail"`        // of the overflowed, sent to voicemail
	Unfinished       int `json:"unfinished"`               // queued, no outcome in the log

	// C.1's contacts: those in service time that asked for a queue (entered it or were
	// refused); ServiceOffered entered it.
	ServiceContacts int `json:"serviceContacts"`
	ServiceOffered  int `json:"serviceOffered"`
	Blocked         int `json:"blocked"`    // refused: queue full or no line
	OutOfHours      int `json:"outOfHours"` // arrived with the service closed
	IVROnly         int `json:"ivrOnly"`    // ended in the IVR without asking for a queue

	Transferred     int `json:"transferred"`    // handed to another extension that took the call
	TransferFailed  int `json:"transferFailed"` // transfer attempts that failed or were cancelled
	Voicemails      int `json:"voicemails"`
	CallbacksBooked int `json:"callbacksBooked"`

	WaitAnsweredSeconds int64 `json:"waitAnsweredSeconds"` // sum of the answered calls' waits
	WaitSeconds         int64 `json:"waitSeconds"`         // sum of the waits of every call that left the queue
	LeftQueue           int   `json:"leftQueue"`           // answered + abandoned + overflowed
	TalkSeconds         int64 `json:"talkSeconds"`
	WrapUpSeconds       int64 `json:"wrapUpSeconds"`
	LongestWaitSeconds  int64 `json:"longestWaitSeconds"`
	// StaffedSeconds is the operators' logged-in, unpaused time in the period: only for the
	// whole set of contacts (operators serve several queues).
	StaffedSeconds int64 `json:"staffedSeconds"`
}

// add counts one contact.
func (n *Counts) add(c *Contact, opt Options) {
	w := int64(c.Wait / time.Second)
	under := c.Wait < opt.Threshold
	if c.InService && (c.Outcome == OutBlocked || c.Outcome == OutAnswered || c.Outcome == OutAbandoned ||
		c.Outcome == OutOverflowed || c.Outcome == OutUnfinished) {
		n.ServiceContacts++
		if c.Outcome != OutBlocked {
			n.ServiceOffered++
		}
	}
	switch c.Outcome {
	case OutBlocked:
		n.Blocked++
	case OutClosed:
		n.OutOfHours++
	case OutIVR:
		n.IVROnly++
	}
	if c.Voicemail {
		n.Voicemails++
	}
	if c.CallbackBooked {
		n.CallbacksBooked++
	}
	switch c.Outcome {
	case OutAnswered, OutAbandoned, OutOverflowed, OutUnfinished:
	default:
		return
	}
	n.Offered++
	if c.Outcome != OutUnfinished {
		n.LeftQueue++
		n.WaitSeconds += w
		if w > n.LongestWaitSeconds {
			n.LongestWaitSeconds = w
		}
	}
	switch c.Outcome {
	case OutAnswered:
		n.Answered++
		n.WaitAnsweredSeconds += w
		if under {
			n.AnsweredUnder++
		}
		if c.Wait > opt.MaxWait {
			n.AnsweredOverMax++
		}
		n.TalkSeconds += int64(c.Talk / time.Second)
		n.WrapUpSeconds += int64(c.WrapUp / time.Second)
		if c.Transferred {
			n.Transferred++
		}
		n.TransferFailed += c.TransferFailed
	case OutAbandoned:
		n.Abandoned++
		if under {
			n.AbandonedUnder++
		}
		if opt.ShortAbandon > 0 && c.Wait < opt.ShortAbandon {
			n.AbandonedShort++
		}
	case OutOverflowed:
		n.Overflowed++
		if under {
			n.OverflowedUnder++
		}
		switch c.Reason {
		case telephony.OverflowKey:
			n.OverflowKey++
		case telephony.OverflowEmpty:
			n.OverflowEmpty++
		default:
			n.OverflowTimeout++
		}
		switch c.Target {
		case "callback":
			n.OverflowCallback++
		case "voicemail":
			n.OverflowVoice++
		}
	case OutUnfinished:
		n.Unfinished++
	}
}

// Figures are Counts with the figures derived from them. A figure with nothing to measure
// (no call answered, say) is null, never 100 %: a period in which nobody was answered shows
// no C.2 at all, beside the calls that overflowed.
type Figures struct {
	Counts
	// C1 = ServiceOffered / ServiceContacts: of the contacts that asked for a queue in service
	// time, the share that found a place in it (SLA-2 C.1, ≥ 90 %).
	C1 *float64 `json:"c1"`
	// C2 = AnsweredUnder / Answered: of the answered calls, the share answered within 30 s of
	// entering the queue (SLA-2 C.2, ≥ 90 %); AnsweredOverMax beside it must be 0.
	C2 *float64 `json:"c2"`
	// C3 = Abandoned / Offered: callers who hung up while queued (SLA-2 C.3, ≤ 5 %). Every
	// abandon counts; AbandonedShort is reported beside.
	C3 *float64 `json:"c3"`
	// Overflow = Overflowed / Offered: calls that left the queue without an operator.
	Overflow *float64 `json:"overflow"`
	// SLA7 is the customer's formula (SLA-7): 1 − (answered after 30 s + abandoned after 30 s +
	// overflowed after 30 s) / (offered − unfinished − abandoned within 30 s − overflowed within
	// 30 s): a caller who left for a callback or voicemail counts as one who abandoned.
	SLA7 *float64 `json:"sla7"`
	// Means in seconds: answer time (wait of the answered calls), queue wait (of every call
	// that left the queue), talk time (of the answered calls).
	MeanAnswer *float64 `json:"meanAnswerSeconds"`
	MeanWait   *float64 `json:"meanWaitSeconds"`
	MeanTalk   *float64 `json:"meanTalkSeconds"`
	// Occupancy = (talk + wrap-up) / staffed time, 0–1: only for the whole set of contacts.
	Occupancy *float64 `json:"occupancy"`
}

func ratio(num, den int64) *float64 {
	if den <= 0 {
		return nil
	}
	v := float64(num) / float64(den)
	return &v
}

// Figures derives the figures from the counts.
func (n Counts) Figures() Figures {
	f := Figures{Counts: n}
	f.C1 = ratio(int64(n.ServiceOffered), int64(n.ServiceContacts))
	f.C2 = ratio(int64(n.AnsweredUnder), int64(n.Answered))
	f.C3 = ratio(int64(n.Abandoned), int64(n.Offered))
	f.Overflow = ratio(int64(n.Overflowed), int64(n.Offered))
	late := (n.Answered - n.AnsweredUnder) + (n.Abandoned - n.AbandonedUnder) + (n.Overflowed - n.OverflowedUnder)
	if den := n.Offered - n.Unfinished - n.AbandonedUnder - n.OverflowedUnder; den > 0 {
		v := 1 - float64(late)/float64(den)
		f.SLA7 = &v
	}
	f.MeanAnswer = ratio(n.WaitAnsweredSeconds, int64(n.Answered))
	f.MeanWait = ratio(n.WaitSeconds, int64(n.LeftQueue))
	f.MeanTalk = ratio(n.TalkSeconds, int64(n.Answered))
	if n.StaffedSeconds > 0 {
		v := float64(n.TalkSeconds+n.WrapUpSeconds) / float64(n.StaffedSeconds)
		if v > 1 {
			v = 1
		}
		f.Occupancy = &v
	}
	return f
}
