// Package sip connects the ACD of package telephony to real telephones over SIP (issue 7 item
// 6; TEL-1, TEL-4…TEL-7), on github.com/emiago/sipgo.
//
// # Design
//
// The adapter is a back-to-back user agent (B2BUA), not a proxy: the ACD must play prompts and
// hold music, read the caller's keys and record voicemail while no operator is on the line, and
// a proxy never holds the media. So a call to a queue number has two SIP dialogs:
//
//   - the caller's leg: the adapter answers the INVITE (after an optional ring, AnswerDelay) with
//     200 OK and its own SDP, plays the IVR prompts and hold music from package media as G.711
//     RTP, decodes RFC 4733 keys (1 books a callback) and records voicemail;
//   - an operator's leg per ring: an INVITE to the contact the operator's phone registered, with
//     the caller's codec only, so no transcoding is ever needed. CANCEL withdraws it (ring
//     timeout, ring-all won elsewhere, caller gone); 486/480/603 are reported as no answer.
//
// When the operator answers, the adapter relays RTP between the two legs in Go: each leg has its
// own UDP socket on the adapter, packets from the caller go out of the operator leg's socket and
// back. Relaying costs one read and one write per packet (50 per second per direction) and keeps
// the phones' view simple: their peer never changes, no re-INVITE is needed, and the adapter can
// still see DTMF during the conversation. A BYE from either side ends the other leg.
//
// A re-INVITE from either phone (session refresh, media moved) is answered with the adapter's
// unchanged SDP and the RTP follows the new address; hold is left to the phones.
//
// What the caller hears (issue 18): hold music from the answer on whenever no operator is
// bridged (the built-in music when none is uploaded), so a failed ring never leaves dead air; the
// welcome (and a recorded queue's privacy notice) is always heard whole, because the contact is
// queued with AwaitReady and the ACD rings nobody before the player reports it heard
// (ACD.Ready); any other prompt is cut when the call is bridged: the player's context is
// cancelled and the sender quiesced before the relay passes the operator's first packet.
//
// Transfers (TEL-8, TK-5) are done inside the B2BUA too: the adapter rings the target — a phone
// registered here, or any extension through the trunk to the PBX — on a new leg while the caller
// holds and the operator's leg stays up; on answer it moves the bridge (blind) or lets the
// operator consult first (attended); on failure it bridges the caller back to the operator. The
// outcome goes to the ACD (TransferResult), so a failed transfer is never logged as done.
//
// SRTP (SDES, RFC 4568) is terminated on the caller's leg only: its socket is wrapped in a
// secureConn that encrypts what the IVR and the relay send and decrypts what the caller sends
// (pion/srtp), so the rest of the adapter handles plain RTP.
//
// The entry point is defended in layers (issue 18 item 4): a transport read filter drops
// oversized packets and sources over their packet rate or locked out, before parsing; a guard
// in front of every handler refuses malformed requests (400, 482, 483, 505) and calls from
// sources not allowed (403); the registrar answers unknown extensions like wrong passwords and
// locks extensions and sources after repeated failures. What remote parties can make us log
// goes through a rate-limited logger.
//
// The ACD is a state machine that never calls back: the adapter reports SIP events to it
// (Arrive, OperatorAnswered, OperatorNoAnswer, Hangup, AcceptCallback through Center) and
// carries out the actions it returns; ACD.Run drives its deadlines. Actions the ACD returns to
// other callers (the web console's hang-up or transfer) reach the adapter through Adapter.Do.
// Every call owns its goroutines and sockets and waits for them on the way out, so a caller
// hanging up while queued leaves nothing behind (tests count goroutines, calls, legs and RTP
// sockets).
package sip
