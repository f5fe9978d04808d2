// Package sla is the one definition of the contract's service-level figures (seed 002 §7,
// §8.4, §8.7; REQUIREMENTS SLA-1…SLA-8) and the reports built on them. The statistics page,
// the supervisor's charts, the API, the CLI and the e-mailed reports all call it; nothing
// else computes C.1–C.3, O.1–O.3 or a penalty.
//
// Inputs: the CTI event log (telephony: Sportello's own calls, and any PBX's queue_log
// imported into the same store), the tickets (ticketing: C.4 first-contact resolution and the
// offline clocks O.1–O.3 on the working calendar) and the components' heartbeats kept here
// (SLA-1 availability of ACD, IVR and CTI).
//
// The fold (Fold, Compute) turns the log into contacts, one per call and queue, each with one
// outcome: answered, abandoned (the caller hung up while queued), overflowed (left the queue
// without an operator: maximum wait, a key for the callback, an empty queue), unfinished (the
// log says nothing more), blocked (refused at the door), closed (out of hours) or IVR only.
// Contacts belong to the period in which they arrived; times are whole seconds, as a
// queue_log has them, so both sources give the same figures. Counts and Figures define every
// figure (see their field comments and the README's table); a figure with nothing to measure
// is null, never 100 %.
//
// The contract (Rule, Assess, ThresholdCut, Planned): each SLA's measured value against its
// threshold, the deviation in points, the penalty points (each point or fraction on the bad
// side) and the overflow rule (growth = offered / planned − 1; above 10 %, each threshold is
// eased by round(growth × 10) points).
//
// Reports (Reporter.Report): monthly and bi-monthly, as JSON, Excel with native charts
// (WriteXLSX), a printable HTML fragment with accessible SVG charts (WriteHTML, ReportCharts,
// Chart.SVG, Chart.Table), and sets of them e-mailed on a schedule (Scheduler.Run). The Store
// keeps the heartbeats, the contract manager's notes, supervisors' saved views, the report
// settings and the log of reports sent, in the operational database.
package sla
