package ticketing

import (
	"sportello/i18n"
	"time"
)

// Channel is how a request reached the contact center (TK-8).
type Channel string

const (
	Phone     Channel = "phone"
	Email     Channel = "email"
	Fax       Channel = "fax"
	Voicemail Channel = "voicemail"
	Web       Channel = "web"
	Counter   Channel = "counter"
)

// Channels lists every channel.
var Channels = []Channel{Phone, Email, Fax, Voicemail, Web, Counter}

// Valid reports whether ch is a known channel.
func (ch Channel) Valid() bool {
	for _, c := range Channels {
		if c == ch {
			return true
		}
	}
	return false
}

// Offline reports whether requests on ch are asynchronous and so run on the SLA-3 clocks.
func (ch Channel) Offline() bool {
	return ch == Email || ch == Fax || ch == Voicemail || ch == Web
}

// Label is the Italian name of the channel, for pages and email.
func (ch Channel) Label() string {
	return map[Channel]string{Phone: "telefono", Email: "email", Fax: "fax", Voicemail: "segreteria telefonica",
		Web: "web", Counter: "sportello"}[ch]
}

// Priority orders work in the inboxes.
type Priority string

const (
	Low    Priority = "low"
	Normal Priority = "normal"
	High   Priority = "high"
	Urgent Priority = "urgent"
)

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p == Low || p == Normal || p == High || p == Urgent }

// Citizen is the record of a person or business that contacts the Administration (TK-2). Only
// what is pertinent is kept (TK-17): no birth date or address fields beyond what the tax code
// already implies, and free-text privacy notes for the consents and limits the citizen gave.
type Citizen struct {
	ID               int64     `json:"id"`
	Name             string    `json:"name"`
	TaxCode          string    `json:"taxCode,omitempty"`
	Phones           []string  `json:"phones,omitempty"`
	Emails           []string  `json:"emails,omitempty"`
	Organisation     string    `json:"organisation,omitempty"`
	PreferredChannel Channel   `json:"preferredChannel,omitempty"`
	PrivacyNotes     string    `json:"privacyNotes,omitempty"`
	MergedInto       int64     `json:"mergedInto,omitempty"`
	Created          time.Time `json:"created"`
	Modified         time.Time `json:"modified"`
}

// Contact is who a request says it comes from, as they typed it on the public page or as the
// mail channel read it from the sender: name, e-mail, phone. It is not verified — anyone can
// type anybody's phone number — so it never changes a citizen's record and never makes the
// request part of a citizen's history by itself: an operator who has checked it links the
// request to a citizen (LinkContact) or registers the contact as a new one (RegisterContact).
// Replies to the request may go to its e-mail: that is where the request came from.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// IsZero reports whether the contact is empty.
func (c Contact) IsZero() bool { return c == Contact{} }

// Ticket is a service request (richiesta di supporto, RS).
type Ticket struct {
	ID     int64  `json:"id"`
	Number string `json:"number"` // RS-2026-000123, sequential, what staff and the mail subjects use (TK-10)
	// PublicRef is the number with the ticket's random suffix, RS-2026-000123-K7QF: what the
	// citizen is given and needs, with the e-mail of the request, to read its status online
	// (TK-18). The suffix makes the sequential numbers useless for probing.
	PublicRef    string    `json:"publicRef,omitempty"`
	CitizenID    int64     `json:"citizenId,omitempty"`
	Contact      *Contact  `json:"contact,omitempty"` // the request's own, unverified contact
	Channel      Channel   `json:"channel"`
	Category     string    `json:"category,omitempty"` // IRI of a concept of the classification tree
	Priority     Priority  `json:"priority"`
	Subject      string    `json:"subject,omitempty"`
	Description  string    `json:"description"`
	State        State     `json:"state"`
	ResumedState State     `json:"resumedState,omitempty"` // where an incomplete request resumes
	Office       string    `json:"office,omitempty"`       // IRI of the assigned competent office
	Assignee     string    `json:"assignee,omitempty"`     // user name
	CreatedBy    string    `json:"createdBy,omitempty"`
	Pill         string    `json:"pill,omitempty"` // IRI of the pill the answer came from
	FirstContact bool      `json:"firstContact"`   // solved at level 1 in the first contact (C.4)
	CallID       string    `json:"callId,omitempty"`
	Created      time.Time `json:"created"`
	Modified     time.Time `json:"modified"`
	TakenAt      time.Time `json:"takenAt,omitempty"`
	SolvedAt     time.Time `json:"solvedAt,omitempty"`
	ClosedAt     time.Time `json:"closedAt,omitempty"`
	DueTake      time.Time `json:"dueTake,omitempty"`
	DueSolve     time.Time `json:"dueSolve,omitempty"`
	DueFinal     time.Time `json:"dueFinal,omitempty"`
	// RecordedOffline: the desk recorded the contact while the server could not be reached and
	// sent it later (TK-14); Created is when it was recorded.
	RecordedOffline bool `json:"recordedOffline,omitempty"`
}

// Event is one step of a ticket's path: who did what, when and why (TK-12, TK-15).
type Event struct {
	ID              int64     `json:"id"`
	TicketID        int64     `json:"ticketId"`
	At              time.Time `json:"at"`
	Actor           string    `json:"actor"`
	Role            Capacity  `json:"role"`
	Action          Action    `json:"action"`
	From            State     `json:"from"`
	To              State     `json:"to"`
	Office          string    `json:"office,omitempty"`
	SuggestedOffice string    `json:"suggestedOffice,omitempty"`
	Reason          string    `json:"reason,omitempty"`
	Pill            string    `json:"pill,omitempty"`
}

// Label is the priority's Italian name.
func (p Priority) Label() string { return i18n.T("tk.prio." + string(p)) }
