// Package contactcenter joins the telephony core to the rest of Sportello. It is where
//
//   - a ticket is opened for a call: one ticket per answered contact (TK-1), callbacks booked by
//     the IVR land on the ticket's list (TEL-7), voicemail becomes an offline ticket with the
//     recording attached (TEL-6, TK-16) — Tickets, the telephony.Tickets of the ticketing store;
//   - the call-event hub turns each ringing event into a screen pop and fans the events out to
//     the operators' consoles and the supervisor's view (TEL-2, TEL-3) — Hub;
//   - the caller is looked up: the citizens with that number (an indexed query of the ticketing
//     store) and the directory's offices and people (an in-memory index kept current through
//     kb.Store.OnChange, not a read of the whole directory per ring) — Citizens, Directory.
//
// It uses telephony, ticketing and kb through their public APIs; none of them imports it. The
// browser side (SSE stream, console, supervisor pages) is web's.
package contactcenter
