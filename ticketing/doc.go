// Package ticketing is Sportello's CRM: citizens, service requests ("richieste di supporto",
// RS tickets) and their path through the levels of the contact center as the customer's
// Annex A describes it, attachments, callbacks, SLA clocks on the Italian working calendar,
// the email channel (a built-in SMTP listener for intake, net/smtp for answers and
// notifications) and the first-call-resolution loop back into the knowledge base
// (REQUIREMENTS TK-1…TK-18, KB-2, KB-4, KB-9, KB-10, SLA-2 C.4, SLA-3).
//
// Everything lives in the operational SQL database of internal/sqldb, on SQLite or PostgreSQL
// with the same schema. Tickets reference users by user name and the knowledge graph by IRI;
// the graph itself is reached through the small KnowledgeBase interface, so this package does
// not depend on how pills are stored.
//
// Who acts on a ticket is recorded as a Capacity: four are what the roles of the same name do
// (CapacityOf maps internal/role's roles), Office and System are not roles. Every list can be
// downloaded as a workbook (Sheet, TicketSheet, GapSheet, CallbackSheet); "propose as
// knowledge" goes through the approval workflow when the server has one (WorkflowKB).
package ticketing
