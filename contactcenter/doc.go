// Package contactcenter joins the telephony core to the rest of Sportello. It is where
//
//   - a ticket is opened for a contact: one ticket per ANSWERED contact (TK-1), opened when a
//     person answers — never for a phone that only rang, a busy one, a call abandoned in the
//     queue or an empty request — in the capacity of who answered, and moved with the call when
//     it is transferred to another operator of the contact center (TK-5); callbacks booked by
//     the IVR land on the ticket's list (TEL-7); voicemail becomes an offline ticket with the
//     recording attached (TEL-6, TK-16) — Tickets, the telephony.Tickets of the ticketing store;
//   - the call-event hub turns each ringing event into a screen pop, opens the ticket at the
//     answer, follows transfers and the outcomes of placed callbacks, and fans the events out
//     to the operators' desks and the supervisor's view (TEL-2, TEL-3) — Hub;
//   - the operator's desk has its rules (issue 16): the caller's record and history (KB-4), the
//     ticket of the contact solved with the pill shown or escalated to level 2 with the call,
//     contacts recorded while the server could not be reached (TK-14), who may hear a contact's
//     recordings (TK-4), callbacks placed with their booking as reference — Desk;
//   - the caller is looked up: the citizens with that number (an indexed query of the ticketing
//     store) and the directory's offices and people (an in-memory index kept current through
//     kb.Store.OnChange, not a read of the whole directory per ring) — Citizens, Directory.
//
// It uses telephony, ticketing and kb through their public APIs; none of them imports it. The
// browser side (SSE stream, desk, supervisor pages) is web/contactcenter's.
package contactcenter
