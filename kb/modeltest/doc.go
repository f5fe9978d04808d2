// Package modeltest holds the model-based test of the knowledge base (model_test.go): random,
// seeded sequences of the things people and imports do to a store — workbooks (the shared
// legacy one and generated ones, changed and imported again), RDF documents with pills, the
// phone directory, every workflow step, deletions, restores, exports imported again — with the
// store's invariants checked after every step. It is a package of its own because it drives kb
// through ingest, the search index and the web's index upkeep, which all import kb.
//
// Its cost is the real operations' — workbooks read and imported, workflow steps written,
// exports written and parsed — plus the checks after each step, which keep to what the step
// touched (its pills' records, one of its graphs in one syntax in turn, one search) and check
// everything at the end of each sequence. 1,000 sequences take about 10 CPU-minutes on the
// project's machine; SPORTELLO_MODEL_SEQUENCES runs fewer (and -short runs 60).
package modeltest
