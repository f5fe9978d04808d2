package ticketing

import "sportello/internal/sqldb"

// migrations is the ticketing schema. Timestamps are Unix milliseconds UTC (BIGINT), booleans
// INTEGER 0/1, as internal/sqldb prescribes; 0 means "not yet".
var migrations = []sqldb.Migration{
	{Version: 1, SQL: `
CREATE TABLE tk_citizens (
	id {{ID}},
	name TEXT NOT NULL,
	tax_code TEXT NOT NULL DEFAULT '',
	organisation TEXT NOT NULL DEFAULT '',
	preferred_channel TEXT NOT NULL DEFAULT '',
	privacy_notes TEXT NOT NULL DEFAULT '',
	merged_into BIGINT NOT NULL DEFAULT 0,
	created BIGINT NOT NULL,
	modified BIGINT NOT NULL
);
CREATE UNIQUE INDEX tk_citizens_tax_code ON tk_citizens (tax_code) WHERE tax_code <> '';
CREATE TABLE tk_citizen_contacts (
	citizen_id BIGINT NOT NULL REFERENCES tk_citizens (id),
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY (citizen_id, kind, value)
);
CREATE INDEX tk_citizen_contacts_value ON tk_citizen_contacts (kind, value);
CREATE TABLE tk_ticket_seq (
	year INTEGER PRIMARY KEY,
	last BIGINT NOT NULL
);
CREATE TABLE tk_tickets (
	id {{ID}},
	number TEXT NOT NULL UNIQUE,
	citizen_id BIGINT NOT NULL DEFAULT 0,
	channel TEXT NOT NULL,
	category TEXT NOT NULL DEFAULT '',
	priority TEXT NOT NULL DEFAULT 'normal',
	subject TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL,
	resumed_state TEXT NOT NULL DEFAULT '',
	office TEXT NOT NULL DEFAULT '',
	assignee TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	pill TEXT NOT NULL DEFAULT '',
	first_contact INTEGER NOT NULL DEFAULT 0,
	call_id TEXT NOT NULL DEFAULT '',
	created BIGINT NOT NULL,
	modified BIGINT NOT NULL,
	taken_at BIGINT NOT NULL DEFAULT 0,
	solved_at BIGINT NOT NULL DEFAULT 0,
	closed_at BIGINT NOT NULL DEFAULT 0,
	due_take BIGINT NOT NULL DEFAULT 0,
	due_solve BIGINT NOT NULL DEFAULT 0,
	due_final BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tk_tickets_state ON tk_tickets (state, created);
CREATE INDEX tk_tickets_citizen ON tk_tickets (citizen_id);
CREATE INDEX tk_tickets_office ON tk_tickets (office, state);
CREATE INDEX tk_tickets_call ON tk_tickets (call_id);
CREATE INDEX tk_tickets_created ON tk_tickets (created);
CREATE TABLE tk_events (
	id {{ID}},
	ticket_id BIGINT NOT NULL REFERENCES tk_tickets (id),
	at BIGINT NOT NULL,
	actor TEXT NOT NULL,
	role TEXT NOT NULL,
	action TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state TEXT NOT NULL,
	office TEXT NOT NULL DEFAULT '',
	suggested_office TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	pill TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tk_events_ticket ON tk_events (ticket_id, id);
CREATE TABLE tk_queries (
	id {{ID}},
	ticket_id BIGINT NOT NULL REFERENCES tk_tickets (id),
	at BIGINT NOT NULL,
	actor TEXT NOT NULL,
	query TEXT NOT NULL
);
CREATE INDEX tk_queries_ticket ON tk_queries (ticket_id);
CREATE TABLE tk_attachments (
	id {{ID}},
	ticket_id BIGINT NOT NULL REFERENCES tk_tickets (id),
	name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	storage TEXT NOT NULL UNIQUE,
	source TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created BIGINT NOT NULL
);
CREATE INDEX tk_attachments_ticket ON tk_attachments (ticket_id);
CREATE TABLE tk_callbacks (
	id {{ID}},
	ticket_id BIGINT NOT NULL REFERENCES tk_tickets (id),
	number TEXT NOT NULL,
	due BIGINT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL,
	retry_delay BIGINT NOT NULL,
	state TEXT NOT NULL,
	outcome TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	operator TEXT NOT NULL DEFAULT '',
	created BIGINT NOT NULL,
	modified BIGINT NOT NULL
);
CREATE INDEX tk_callbacks_due ON tk_callbacks (state, due);
CREATE TABLE tk_messages (
	id {{ID}},
	ticket_id BIGINT NOT NULL REFERENCES tk_tickets (id),
	direction TEXT NOT NULL,
	kind TEXT NOT NULL,
	message_id TEXT NOT NULL,
	sender TEXT NOT NULL,
	recipients TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	at BIGINT NOT NULL
);
CREATE INDEX tk_messages_ticket ON tk_messages (ticket_id);
CREATE INDEX tk_messages_msgid ON tk_messages (message_id)`},
	// Version 2 (hardening): the public reference's random suffix and the request's own,
	// unverified contact. Requests that came by e-mail take their sender as contact; the suffix
	// of existing tickets is drawn by Open (SQL has no portable random string).
	{Version: 2, SQL: `
ALTER TABLE tk_tickets ADD COLUMN public_key TEXT NOT NULL DEFAULT '';
ALTER TABLE tk_tickets ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE tk_tickets ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE tk_tickets ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
UPDATE tk_tickets SET contact_email = COALESCE((SELECT m.sender FROM tk_messages m WHERE m.ticket_id = tk_tickets.id
	AND m.direction = 'in' ORDER BY m.id LIMIT 1), '') WHERE channel = 'email';
CREATE INDEX tk_tickets_public_key ON tk_tickets (public_key)`},
	// Version 3 (issue 16): offices as real queues (members with the capacity they act in),
	// one ticket per answered contact (the contact's id is the key; a transfer keeps the row),
	// internal notes, canned answers, and a folded search text on tickets and citizens' names
	// for the inbox's free-text search. Calls that already opened tickets keep their first
	// ticket as the contact's; the search texts are drawn by Open (the folding is Go's).
	{Version: 3, SQL: `
CREATE TABLE tk_office_members (
	office TEXT NOT NULL,
	user_name TEXT NOT NULL,
	capacity TEXT NOT NULL,
	added BIGINT NOT NULL,
	added_by TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (office, user_name)
);
CREATE INDEX tk_office_members_user ON tk_office_members (user_name);
CREATE TABLE tk_contacts (
	contact_id TEXT PRIMARY KEY,
	ticket_id BIGINT NOT NULL REFERENCES tk_tickets (id),
	channel TEXT NOT NULL,
	answered BIGINT NOT NULL,
	operator TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tk_contacts_ticket ON tk_contacts (ticket_id);
INSERT INTO tk_contacts (contact_id, ticket_id, channel, answered, operator)
	SELECT call_id, MIN(id), MIN(channel), MIN(created), '' FROM tk_tickets
	WHERE call_id <> '' AND channel <> 'voicemail' GROUP BY call_id;
CREATE TABLE tk_notes (
	id {{ID}},
	ticket_id BIGINT NOT NULL REFERENCES tk_tickets (id),
	at BIGINT NOT NULL,
	author TEXT NOT NULL,
	role TEXT NOT NULL,
	body TEXT NOT NULL
);
CREATE INDEX tk_notes_ticket ON tk_notes (ticket_id, id);
CREATE TABLE tk_canned (
	id {{ID}},
	name TEXT NOT NULL,
	name_key TEXT NOT NULL UNIQUE,
	subject TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL,
	modified BIGINT NOT NULL,
	modified_by TEXT NOT NULL DEFAULT ''
);
ALTER TABLE tk_tickets ADD COLUMN search TEXT NOT NULL DEFAULT '';
ALTER TABLE tk_citizens ADD COLUMN name_fold TEXT NOT NULL DEFAULT '';
CREATE INDEX tk_tickets_assignee ON tk_tickets (assignee, state)`},
	// Version 4 (issue 16, TK-14): a contact the operator's desk recorded while the server could
	// not be reached, sent when it came back with the time it was recorded.
	{Version: 4, SQL: `
ALTER TABLE tk_tickets ADD COLUMN recorded_offline INTEGER NOT NULL DEFAULT 0`},
	// Version 5 (KB-10): "Ti è stata utile?" on the portal's pill pages — the answer and an
	// optional comment, nothing about who gave it.
	{Version: 5, SQL: `
CREATE TABLE tk_pill_feedback (
	id {{ID}},
	pill TEXT NOT NULL,
	useful INTEGER NOT NULL,
	comment TEXT NOT NULL DEFAULT '',
	at BIGINT NOT NULL
);
CREATE INDEX tk_pill_feedback_at ON tk_pill_feedback (at, pill)`},
}
