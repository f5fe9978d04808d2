// Package kb is Sportello's knowledge graph: knowledge pills, the SKOS classification tree and
// the directory of offices and people, stored as RDF in cayley (REQUIREMENTS KB-5, KB-11,
// KB-12, KB-13).
//
// The store is a cayley v0.7.7 quad store: the embedded bolt backend in DATA/graph (Open), or
// memstore for tests (OpenMemory). Every quad carries its named graph as label, so each kind of
// data can be exported, replaced or protected on its own: the ontology
// (ontology.GraphOntology), the national controlled vocabularies (GraphVocabulary), the
// classification tree (GraphTaxonomy), the pills (GraphContent), the directory
// (GraphDirectory) and the history (GraphHistory). A new store gets the ontology and the
// vocabularies loaded. How pills, concepts, units and people map to RDF follows
// shared/vocabularies/MAPPING.md; data IRIs are minted under Base.
//
// No user-facing query scans the store. In cayley 0.7.7 a chained path that respects the named
// graphs, StartPath(x).LabelContext(g).Out(p).Out(q), turns its second hop into a scan of every
// quad: 2.7 to 13 s at a million quads (bench_test.go, BenchmarkTwoHop1M), because the bolt
// backend indexes quads by subject and by object only, never by graph. A lookup of one node's
// quads by the subject or object index takes tens of microseconds. So every read here is
// one indexed lookup per node — a pill's own quads, then each node it owns — with quads of other
// graphs and predicates dropped by reference before any value is read; lists start from an
// object index such as (?, rdf:type, sp:KnowledgePill); Narrower walks skos:narrower one hop per
// concept. Only Export, whose job is to read everything, walks the whole store.
//
// Every write is one transaction, all of it or nothing. A Put replaces the resource's previous
// quads — the subject's, and those of the nodes it owns such as <pill#answer> — by a single
// transaction of deletes and adds; several writes share one transaction through Update and a
// Batch (the last write of a resource in a batch wins). Import parses the whole document before
// writing it. A write that fails (bad input, a syntax error on the last line, a validation
// error, a cancelled context, a full disk) leaves nothing behind. On bolt a write is ONE bolt
// read-write transaction (backend.go): cayley's ApplyDeltas is called twice inside it, deletes
// then adds, because applied together they leave statements with a nil term whenever a node
// loses more statements than it gains (cayley issue #885); a kill -9 at any moment leaves the
// file before or after the write. Every statement written is checked first (rdf.Writable): the
// store holds only what every RDF syntax can write, so an export never fails on its content.
//
// # One writer of pills
//
// Pills are written only by the store's Workflow (workflowstore.go): the editor's steps,
// imports of workbooks and RDF, the demo, knowledge proposed from tickets, restores, deletions.
// Each step applies the life-cycle rules of workflow.go — draft → submitted → published |
// rejected; published → retired; four eyes; an optional second signature — to the pill's
// record, which lives in the history graph (history.go) as PROV-O: every version with its full
// text and fields (an sp:PillVersion, never an sp:KnowledgePill, so RDFS reasoning counts only
// live pills), every step an activity with who, when and why. The content graph holds the pill
// as operators see it — the live version, or while nothing is published the newest version
// with its own status — written from the record in the same transaction. The records of the
// earlier SQL-backed workflow (table pill_records) are moved into the graph once, at start-up
// (Workflow.MigrateSQL). The lists of the publisher and the validator start from the object
// index of a status, an agent or a day of publication.
//
// Imports follow the same rules (PillRecord.Import): an unchanged text (the same fingerprint as
// the last import of the pill brought) changes nothing; a changed one changes the draft the
// last import made, or becomes a new draft flagged "changed by import" while the published
// version stays live; a pill edited in Sportello since its last import is never overwritten: the
// imported text is kept beside it (sp:ImportedText) for the publisher to merge or discard, and
// the import reports a conflict. Publishing at once is an administrator's explicit choice,
// written in the history.
//
// # One visibility rule
//
// Viewer (visibility.go) decides what a reader sees: published pills inside their validity
// period for the public, drafts and the history for the editorial staff, internal fields for
// people who log in. PillAs, Pills with PillFilter.Viewer, and ExportView apply it; the HTTP
// layer maps roles to viewers.
//
// # Exports
//
// Export writes everything the Administration owns, history included; ExportView writes what a
// viewer may read.
//
// Multi-valued properties (keywords, concepts, links, phones) are sets in RDF: the store
// returns them sorted. Forms and legacy fields keep their order, which is part of their node
// IRIs (<pill#form-1>, <pill#extra-2>).
package kb
