package telephony

import (
	"sportello/workcal"
	"sync"
	"time"
)

// Channel is the medium of a contact.
type Channel string

const (
	Voice         Channel = "voice"
	Email         Channel = "email"
	Fax           Channel = "fax"
	VoicemailChan Channel = "voicemail"
	Web           Channel = "web"
	CallbackChan  Channel = "callback"
)

// Interactive reports whether the channel needs the operator's full attention in real time
// (voice, web chat, callback); the others are offline work that can be blended (TK-7).
func (c Channel) Interactive() bool {
	switch c {
	case Email, Fax, VoicemailChan:
		return false
	}
	return true
}

// Valid reports whether c is one of the known channels.
func (c Channel) Valid() bool {
	switch c {
	case Voice, Email, Fax, VoicemailChan, Web, CallbackChan:
		return true
	}
	return false
}

// Clock gives the ACD its time. Production uses SystemClock; tests use a ManualClock.
type Clock interface{ Now() time.Time }

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// ManualClock is a clock that moves only when told to; safe for concurrent use.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a clock stopped at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now returns the current manual time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Strategy decides which free operator gets a contact.
type Strategy string

const (
	Linear      Strategy = "linear"       // first free operator in the members' list order (TEL-4 FIFO)
	LongestIdle Strategy = "longest-idle" // the operator idle longest (TEL-4)
	FewestCalls Strategy = "fewest-calls" // the operator who answered fewest calls
	RoundRobin  Strategy = "round-robin"  // the next member after the last one rung
	RingAll     Strategy = "ring-all"     // every free member; the first to answer wins
)

// Overflow is where a caller goes when the maximum wait is reached.
type Overflow string

const (
	OverflowCallback  Overflow = "callback"
	OverflowVoicemail Overflow = "voicemail"
)

// QueueConfig configures a queue. Zero durations take the defaults noted.
type QueueConfig struct {
	Name               string            // e.g. "centralino", "numero verde"
	Strategy           Strategy          // default Linear
	ServiceLevel       time.Duration     // SLA threshold, default 30 s (SLA-2)
	MaxWait            time.Duration     // default 90 s, then Overflow
	Overflow           Overflow          // default OverflowCallback
	MaxLen             int               // waiting contacts allowed; 0 means no limit
	RingTimeout        time.Duration     // default 15 s
	WrapUp             time.Duration     // after-call work; 0 means none
	AnnounceEvery      time.Duration     // position announcement interval; 0 means none
	CallbackAfterRings int               // offer a callback after this many unanswered rings (TEL-7); 0 never
	Calendar           *workcal.Calendar // opening hours; nil means always open (offline channels, TEL-9)
	Offline            bool              // holds email, fax and voicemail work instead of live contacts
}

func (q *QueueConfig) defaults() {
	if q.Strategy == "" {
		q.Strategy = Linear
	}
	if q.ServiceLevel == 0 {
		q.ServiceLevel = 30 * time.Second
	}
	if q.MaxWait == 0 {
		q.MaxWait = 90 * time.Second
	}
	if q.Overflow == "" {
		q.Overflow = OverflowCallback
	}
	if q.RingTimeout == 0 {
		q.RingTimeout = 15 * time.Second
	}
}

// Membership puts an operator in a queue. Lower penalties are tried first; higher tiers get
// contacts only when no operator of a lower one is free.
type Membership struct {
	Queue   string
	Penalty int
}

// OperatorConfig describes an operator.
type OperatorConfig struct {
	ID        string
	Name      string
	Extension string // the operator's terminal: phone extension or SIP user
	Queues    []Membership
	// Capacity is how many contacts of each channel the operator handles at once (TK-7): an
	// online-only operator has {voice: 1}, an offline one {email: 3, fax: 3}, a blended one both.
	// Nil means {voice: 1, callback: 1, web: 1}.
	Capacity map[Channel]int
}

// Status is what the operator chose.
type Status string

const (
	LoggedOut Status = "logged-out"
	Available Status = "available"
	Paused    Status = "paused"
)

// State is what the operator is doing on live channels.
type State string

const (
	Idle    State = "idle"
	Ringing State = "ringing"
	OnCall  State = "on-call"
	WrapUp  State = "wrap-up"
)

// ContactInfo is what is known of a contact when it arrives.
type ContactInfo struct {
	CallID   string // unique, e.g. the SIP Call-ID
	Channel  Channel
	From     string // caller number or address
	To       string // dialled number or mailbox
	Priority int    // higher is served first, 0…65535
	// AwaitReady holds the contact back from the operators until the media layer calls Ready:
	// the caller first hears the whole welcome (and the privacy notice of a recorded queue).
	// The contact is queued at once, so its wait and its place count from its arrival.
	AwaitReady bool
	// Ref links the contact to what it follows up, e.g. the booked callback a placed callback
	// carries out; it is copied to the contact's events.
	Ref string
}

// ActionKind is an instruction for the media layer.
type ActionKind string

const (
	ActRing           ActionKind = "ring"            // ring Operator's Extension with CallID
	ActStopRing       ActionKind = "stop-ring"       // cancel that ringing
	ActConnect        ActionKind = "connect"         // bridge the caller with Operator
	ActPlay           ActionKind = "play"            // play Prompt to the caller
	ActOfferCallback  ActionKind = "offer-callback"  // ask the caller to book a callback (DTMF 1)
	ActOfferVoicemail ActionKind = "offer-voicemail" // ask the caller to leave a message
	ActReject         ActionKind = "reject"          // refuse the call: no free line (486)
	ActTransfer       ActionKind = "transfer"        // blind transfer of the caller to Extension
	ActConsult        ActionKind = "consult"         // attended transfer: the operator consults Extension first
	ActCompleteXfer   ActionKind = "complete-transfer"
	ActCancelXfer     ActionKind = "cancel-transfer" // back to the caller; the consulted party is hung up
	ActDisconnect     ActionKind = "disconnect"      // hang up the caller
	ActDeliver        ActionKind = "deliver"         // offline work assigned to Operator
	ActDial           ActionKind = "dial"            // call Number from Operator's Extension
)

// Slot names an announcement the IVR plays (TEL-5).
type Slot string

const (
	SlotWelcome        Slot = "welcome"
	SlotPosition       Slot = "position"
	SlotHoldMusic      Slot = "hold-music"
	SlotClosed         Slot = "closed"
	SlotVoicemailOffer Slot = "voicemail-offer"
	SlotCallbackOffer  Slot = "callback-offer"
)

// Slots lists every announcement slot.
var Slots = []Slot{SlotWelcome, SlotPosition, SlotHoldMusic, SlotClosed, SlotVoicemailOffer, SlotCallbackOffer}

// Action is one instruction returned by the ACD.
type Action struct {
	Kind      ActionKind
	CallID    string
	Operator  string
	Extension string
	Prompt    Slot
	Position  int // with SlotPosition: the caller's place in the queue
	// ExpectedWait goes with SlotPosition: the estimated wait from now, 0 when there is no
	// estimate yet (no call handled in the queue, or no operator logged in).
	ExpectedWait time.Duration
	Number       string // with ActDial
}
