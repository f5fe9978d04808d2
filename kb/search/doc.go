// Package search is Sportello's knowledge search (issue 4; REQUIREMENTS KB-3, KB-6, KB-13,
// TK-9, TEL-8): a bleve index of pills and of the phone directory, searched with the words
// citizens use on the phone — colloquial, misspelled, without accents, with acronyms.
//
// Text is analysed for Italian (elisions, stop words, accent folding, light stemming); queries
// are expanded with synonyms (a built-in list of public-administration language, the
// administrators' list, SKOS alt/hidden labels) and matched with typo tolerance, with the last
// word as a prefix for search-as-you-type. Each response says whether its best hit is a
// confident answer: a wrong pill read out to a citizen is worse than none.
//
// The index lives in a folder of its own (DATA/index), follows every write of the knowledge
// base through Index, Delete, IndexUnit and IndexPerson, and is rebuilt from the store when it
// is missing, stale or corrupt (Sync, Rebuild). This package also keeps it so in a running
// server: Start checks and opens it, KeepIndexed applies each committed write of the store
// (kb.Store.OnChange) to the index at once.
package search
