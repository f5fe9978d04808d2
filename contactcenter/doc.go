// Package contactcenter joins the telephony core to the rest of Sportello: it is where a ticket
// is opened for a call (one ticket per answered contact, TK-1), where callbacks booked by the IVR
// land on the ticket's list (TEL-7), and where voicemail becomes an offline ticket (TEL-6,
// TK-16). The call-event hub, the screen pop and the caller lookup move here too (see
// LAYOUT.md). It uses telephony, ticketing and kb; none of them imports it.
package contactcenter
