// Package ticketing is Sportello's CRM: citizens, service requests ("richieste di supporto",
// RS tickets) and their path through the levels of the contact center as the customer's
// Annex A describes it, attachments, callbacks, SLA clocks on the Italian working calendar,
// the email channel (a built-in SMTP listener for intake, net/smtp for answers and
// notifications) and the first-call-resolution loop back into the knowledge base
// (REQUIREMENTS TK-1…TK-18, KB-2, KB-4, KB-9, KB-10, SLA-2 C.4, SLA-3).
//
// The parts, by file:
//
//   - ticket.go, workflow.go, actions.go: tickets and the Annex A flow as a table of
//     transitions; each action has its own operation with the fields it needs (Take, Escalate,
//     AssignOffice, Claim, RejectAssignment, Reassign, Solve, …), all through Apply. Refused
//     input is an *InvalidError or Problems naming each field (Fields gives field → Italian
//     message, for forms that keep what was typed); a refused step is a *TransitionError.
//   - offices.go: offices as real queues (TK-10…TK-12, TK-15). Users belong to the offices of
//     the kb directory with a capacity; a ticket assigned to an office is in its queue, its
//     members and mailbox are told by e-mail, only its members act on it; rejections wait in
//     level 3's queue for reassignment.
//   - contact.go: one ticket per answered contact (ForContact), kept through transfers.
//   - query.go: the inbox — filters, free text, sort, pages with the total.
//   - notes.go, reply.go, canned.go: internal notes; e-mail replies to the citizen with canned
//     answers and the pill's forms (TK-6), only to the request's or its citizen's address.
//   - public.go: what citizens submit and read (TK-18), with the rules that keep their data
//     theirs; mail.go, smtpd.go: the e-mail channel; callback.go, sla.go, jobs.go: callbacks,
//     SLA clocks and the timers; knowledge.go: first-call resolution, proposals, gaps, figures.
//
// Everything lives in the operational SQL database of internal/sqldb, on SQLite or PostgreSQL
// with the same schema. Tickets reference users by user name and the knowledge graph by IRI;
// the graph itself is reached through small interfaces (KnowledgeBase, PillReader,
// OfficeDirectory, DocumentSource) and the users through UserDirectory, so this package
// depends neither on how pills are stored nor on how accounts are kept.
//
// Who acts on a ticket is recorded as a Capacity: four are what the roles of the same name do
// (CapacityOf maps internal/role's roles), Office and System are not roles. Every list can be
// downloaded as a workbook (Sheet, TicketSheet, GapSheet, CallbackSheet); "propose as
// knowledge" goes through the approval workflow, the one writer of pills (KnowledgeBase,
// satisfied by *kb.Workflow).
package ticketing
