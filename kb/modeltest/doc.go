// Package modeltest holds the model-based test of the knowledge base (model_test.go): random,
// seeded sequences of the things people and imports do to a store — workbooks (the shared
// legacy one and generated ones, changed and imported again), RDF documents with pills, the
// phone directory, every workflow step, deletions, restores, exports imported again — with the
// store's invariants checked after every step. It is a package of its own because it drives kb
// through ingest, the search index and the web's index upkeep, which all import kb.
package modeltest
