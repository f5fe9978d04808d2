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
// Every write is one cayley transaction. A Put replaces the resource's previous quads — the
// subject's, and those of the nodes it owns such as <pill#answer> — by a single transaction of
// deletes and adds; several Puts can share one transaction through Update and a Batch. Import
// parses the whole document before writing it in one transaction. A write that fails (bad
// input, a syntax error on the last line, a validation error) leaves nothing behind.
//
// Multi-valued properties (keywords, concepts, links, phones) are sets in RDF: the store
// returns them sorted. Forms and legacy fields keep their order, which is part of their node
// IRIs (<pill#form-1>, <pill#extra-2>).
package kb
