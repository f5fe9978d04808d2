// Package sparql is Sportello's SPARQL 1.1 query engine over the knowledge graph: the cayley
// v0.7.7 quad store that kb.Store wraps, whose quads carry their named graph as label
// (REQUIREMENTS KB-6, KB-7: one logical view queried with a standard protocol; the HTTP
// endpoint builds on this package).
//
// # Why our own engine
//
// No maintained Go SPARQL 1.1 engine runs on cayley or on a quad iterator. cayley's own query
// languages are Gizmo, GraphQL and MQL; knakk/sparql is a client for remote endpoints; the one
// young engine found (liliang-cn/rdfgo, v0.1.0) works on a triple-store interface without named
// graphs — so no GRAPH, no FROM NAMED and no per-graph visibility — returns every lookup as a
// slice, and has no record on the W3C suite. The engine is therefore written here, to the
// letter of the SPARQL 1.1 Query Language, and checked two ways (below).
//
// # What it supports
//
// SELECT, ASK, CONSTRUCT (also CONSTRUCT WHERE) and DESCRIBE (concise bounded description: the
// resource's triples and those of the blank nodes they reach); basic graph patterns with
// property lists, object lists, blank node property lists and collections; FILTER with every
// SPARQL 1.1 function — STR, LANG, LANGMATCHES, DATATYPE, BOUND, IRI/URI, BNODE, RAND, ABS,
// CEIL, FLOOR, ROUND, CONCAT, SUBSTR, STRLEN, REPLACE, UCASE, LCASE, ENCODE_FOR_URI, CONTAINS,
// STRSTARTS, STRENDS, STRBEFORE, STRAFTER, YEAR, MONTH, DAY, HOURS, MINUTES, SECONDS,
// TIMEZONE, TZ, NOW, UUID, STRUUID, MD5, SHA1, SHA256, SHA384, SHA512, COALESCE, IF, STRLANG,
// STRDT, sameTerm, isIRI, isBlank, isLiteral, isNumeric, REGEX, IN, NOT IN, EXISTS, NOT
// EXISTS — and the XSD casts (xsd:string, boolean, integer, decimal, float, double,
// dateTime); OPTIONAL, UNION, MINUS, BIND, VALUES (inline and trailing), property paths (/, |,
// ^, *, +, ?, negated property sets), subqueries, GROUP BY with COUNT, SUM, AVG, MIN, MAX,
// GROUP_CONCAT and SAMPLE (also DISTINCT) and HAVING, ORDER BY, DISTINCT, REDUCED, LIMIT,
// OFFSET, GRAPH (IRI or variable), FROM and FROM NAMED. Results: SPARQL 1.1 JSON, XML, CSV and
// TSV; graphs as Turtle, N-Triples and JSON-LD through kb/rdf's writers. Not supported, with
// an ErrUnsupported error: SERVICE (federation) and SPARQL Update (this is a query engine;
// writes go through kb).
//
// Numbers are exact: integers and decimals as big.Rat, floats and doubles as float64, with the
// XPath promotions; literals keep their lexical form, xsd:string is the same term as a simple
// literal (RDF 1.1), DATATYPE of a tagged literal is rdf:langString.
//
// # Correctness
//
// conformance_test.go runs the W3C SPARQL 1.1 query-evaluation and syntax tests of
// shared/conformance (aggregates, bind, bindings, cast, construct, exists, functions,
// grouping, negation, project-expression, property-path, subquery, syntax-query, and the
// CSV/TSV and JSON result formats): all 338 pass, and the harness fails on any test that is
// neither passing nor on its explicit list of unsupported tests (empty today). The service
// directory (SERVICE) and the entailment directory (the W3C regimes: 37 of 70 pass with
// EntailFull; the rest need OWL Direct Semantics, RIF or RDFS axiomatic triples) run for the
// record only, with their reasons. Results are
// compared as bags with blank nodes matched by isomorphism, in order when the query has ORDER
// BY; our JSON and XML writers must read back to the same result. roqet_test.go runs 63
// queries of the kinds the product needs on the demo knowledge base against roqet (Rasqal) on
// its N-Triples export and compares the results; where Rasqal 0.9.33 lacks a feature (property
// paths, NOT EXISTS) or has a bug (the test names each one), roqet gets an equivalent
// query. The parser has a fuzz test.
//
// # Query plans
//
// cayley's bolt backend indexes quads by subject and by object only, never by predicate
// alone or by graph (see package kb). The plan follows from that:
//
//   - a triple pattern whose subject is bound (a constant or a variable already bound) is a
//     lookup of the subject index; else one whose object is bound, of the object index; else
//     one whose predicate is bound iterates the predicate direction (memstore indexes it;
//     bolt filters); only a pattern with nothing bound walks every quad. The other bound
//     positions and the graph are compared by store reference before any value is read.
//   - a basic graph pattern is joined left to right by nested index lookups, the most
//     selective pattern first: at each step the cheapest remaining pattern given what is bound
//     (subject and object bound, then subject, object, (?, rdf:type, C), predicate only,
//     nothing), so the written order does not matter;
//   - joins pass their bindings into the right side when that side has no filter scope of its
//     own (basic patterns, paths, unions and joins of them, GRAPH, VALUES); OPTIONAL's right
//     side is looked up per left solution the same way. Other patterns (groups with FILTER,
//     MINUS, subqueries) are evaluated once and joined by compatibility;
//   - property paths walk breadth first from the bound end, one indexed lookup per node.
//
// Result.Lookups and Result.Scans count what a query did; the tests check that a query with
// a bound term makes no scan.
//
// # Dataset and visibility
//
// Without FROM/FROM NAMED (and without Options.Dataset) the default graph is the RDF merge of
// every graph the caller may read and every readable graph is a named graph. The caller's
// Visibility says which graphs it may read and whether a resource (a pill, by its IRI without
// fragment) is readable: a quad whose graph is not readable, or whose subject or object is
// not, does not exist for the query — in patterns, paths, DESCRIBE and reasoning alike; so does
// a statement the Statement rule refuses (a pill's internal fields). The
// rules themselves (anonymous callers see the public graphs and published pills) belong to
// the caller; this package applies them.
//
// # Reasoning
//
// Options.Entailment adds inferred triples to the default graph: EntailRDFS
// (rdfs:subPropertyOf, subClassOf, domain and range: rules rdfs2, 3, 5, 7, 9, 11), EntailSKOS
// (the SKOS semantic relations: broader ⊑ broaderTransitive, which is transitive, and
// narrower likewise; broader and narrower, broadMatch and narrowMatch inverse; related,
// relatedMatch, closeMatch and exactMatch symmetric, exactMatch transitive and ⊑ closeMatch;
// the mapping properties under mappingRelation and semanticRelation), EntailFull (both, and
// owl:sameAs as symmetric, transitive, with substitution). As SKOS specifies, skos:broader
// itself is not transitive: the closure of the hierarchy is skos:broaderTransitive (and
// skos:broader* as a path). So a pill filed under a concept whose top concept closeMatch a
// national life event is found from the life event:
//
//	SELECT ?pill WHERE { <life-event/8> skos:closeMatch ?top .
//	  { ?pill dct:subject ?top } UNION { ?c skos:broaderTransitive ?top . ?pill dct:subject ?c } }
//
// It is done at query time, with bounded memory: the engine keeps in memory only the triples
// of the schema and relation predicates (subClassOf, subPropertyOf, domain, range, the SKOS
// relations, owl:sameAs — a few thousand in a knowledge base, at most MaxSchemaEdges), found
// by one walk of the store on the first query with reasoning and dropped when the store
// reports a change that can touch them (kb.Store.OnChange: concepts or an import). Instance
// triples are never copied: a pattern is rewritten into lookups of the store — a union over
// the sub-properties of its predicate, over the sub-classes of its class, over the properties
// whose domain or range gives the type — and the relation predicates are answered from the
// in-memory edges, closures walked per query. Entailment applies to the default graph; GRAPH
// patterns see the stored quads.
//
// # Limits
//
// Options.Timeout (a context deadline checked every 1,024 quads read), Options.MaxRows (more
// rows or triples fail the query rather than being cut), Options.MaxSolutions (solutions held
// in memory by ORDER BY, GROUP BY, MINUS, subqueries and path walks; DefaultMaxSolutions),
// queries up to 1 MiB and nested up to 200 levels. Every failure is an *Error whose Kind tells
// the HTTP layer the status, with Error() in English for logs and Italian() for users. A query
// holds the store's read lock (kb.Store.View) while it runs, so writes wait at most the
// timeout.
package sparql
