// Package telephony is Sportello's contact-center core: the ACD (automatic call distributor)
// with its queues, operators and routing strategies (TEL-4, TK-7), the IVR (its working calendar
// is workcal's, shared with the ticketing SLA clocks) and
// announcements (TEL-5, TEL-9), callback booking (TEL-7), voicemail (TEL-6, TK-16), the CTI event
// log with its Asterisk queue_log export and Zammad webhook (TEL-1, TEL-2, TEL-10), the supervisor
// snapshot (TEL-3) and an Erlang C staffing calculator (SLA-2). The SLA figures of the log are
// package sla's.
//
// # Design
//
// The ACD is a state machine. It never starts timers or goroutines of its own: every method reads
// the time from an injected Clock, changes state, appends to the event log and returns the
// Actions the media layer must carry out ("ring operator O", "play prompt P", "connect",
// "offer callback"…). Deadlines (ring timeout, maximum wait, wrap-up end, announcements) are
// processed by Tick, which Run calls a few times a second in production and tests call after
// moving a ManualClock. Tests are therefore exact and never sleep.
//
// A SIP layer drives the ACD with calls of the form
//
//	acts, _ := acd.Arrive(ContactInfo{...}, "centralino") // INVITE received
//	acts, _ = acd.OperatorAnswered(callID, operatorID)     // 200 OK from the operator's phone
//	acts, _ = acd.OperatorNoAnswer(callID, operatorID)     // 480/486/603 or no answer
//	acts, _ = acd.Hangup(callID, ByCaller)                  // CANCEL or BYE from the caller
//	acts = acd.Tick()                                       // periodically
//
// and executes the returned actions: ActRing/ActStopRing (INVITE/CANCEL to Extension),
// ActConnect (bridge), ActPlay (Prompt; the IVR type maps a slot and the time of day to a WAV
// of the Announcements store), ActOfferCallback/ActOfferVoicemail (collect DTMF or record, then
// Center.ChooseCallback or Center.LeaveVoicemail), ActReject (486: queue full), ActTransfer,
// ActDisconnect, ActDial. Every contact must end with Hangup, also after the IVR, so that
// nothing stays in memory. A call refused for lack of a free line is logged with Block.
//
// A media layer that plays a welcome queues contacts with ContactInfo.AwaitReady and calls
// Ready when the caller has heard it: the contact keeps the place it had from its arrival but no
// operator is rung before (the welcome is never cut); Ready then announces the position and the
// expected wait (ActPlay SlotPosition with Position and ExpectedWait) to a caller who must wait.
//
// Transfers (TEL-8) are asked with Transfer (blind) or Consult (attended, then CompleteTransfer
// or CancelTransfer); a media layer that called ReportTransfers reports each outcome with
// TransferResult, so that a failed transfer leaves the call with its operator (transfer-failed)
// and only a done one is logged as transferred. Without such a media layer a transfer is logged
// as done when asked. ReturnToQueue puts back a caller whose operator left during a transfer
// that failed.
//
// Booked callbacks that fall due are queued like calls with Channel CallbackChan and their own
// priority (TEL-4: per-type priorities); when the operator answers the ring, the media layer
// dials the citizen (From) and bridges. PlaceCallback is the manual variant, from the page.
//
// Routing keeps one binary heap of waiting contacts per queue, ordered by one score (priority in
// the high bits, time queued in the low bits), so the next contact is found in O(log n) and a
// contact that rang unanswered goes back with its old score: it keeps its place. Operators are
// chosen among the idle members of the queue (kept in a list per queue, so a full center with
// one free operator decides in O(1)) by penalty tier, then by the queue's strategy: linear,
// longest idle, fewest calls, round robin or ring all. Offline queues (email, fax, voicemail)
// deliver work up to each operator's per-channel capacity, which is how blended operators
// (TK-7) take emails between calls.
//
// Every transition is appended to an EventLog, the single source for the figures (package sla),
// WriteQueueLog (Asterisk's queue_log) and the subscribers (the web layer turns them into SSE;
// PopFromEvent gives the screen pop). ZammadCTI feeds the same log from an external PBX.
//
// The ticketing system is reached only through the small Tickets interface; MemTickets is the
// in-memory implementation for tests and the demo.
package telephony
