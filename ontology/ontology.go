// Package ontology holds the Sportello OWL ontology and the IRIs the Go code uses.
//
// Sportello reuses standard vocabularies before inventing anything (REQUIREMENTS KB-5): SKOS for
// the classification tree, vCard and ORG for offices and people, DCTERMS for metadata, schema.org
// Question/Answer for a pill's text, PROV-O for history, ADMS for workflow status and CPSV-AP_IT
// for public services. Reuse is what makes the Administration's data portable (KB-11): any RDF
// tool, and any other supplier, already understands those terms.
//
// What is ours (sportello.ttl, prefix sp:) is only what those vocabularies lack: the knowledge
// pill (sp:KnowledgePill, a schema:Question), its workflow status scheme, the competent office,
// legal references, forms, audience, review-by date, validator, version, legacy fields, the
// internal extension, PEC, the URP flag, and the links a ticket needs.
//
// Everything is embedded so that the binary never reads files at run time; the national
// controlled vocabularies (AgID OntoPiA, CC BY 4.0, see vocab/NOTICE.md) are embedded unchanged.
package ontology

import _ "embed"

// Turtle is the Sportello ontology (sportello.ttl), for the ontology named graph
// (GraphOntology).
//
//go:embed sportello.ttl
var Turtle []byte

// LifeEvents is AgID's national life-event vocabulary (19 concepts, LifeEventScheme), which the
// classification tree maps to with skos:closeMatch.
//
//go:embed vocab/life-event.ttl
var LifeEvents []byte

// BusinessEvents is AgID's national business-event vocabulary (15 concepts,
// BusinessEventScheme).
//
//go:embed vocab/business-event.ttl
var BusinessEvents []byte

// SubjectMatters is AgID's vocabulary of the subject matters of public services (15 concepts,
// SubjectMatterScheme).
//
//go:embed vocab/public-services-subject-matters.ttl
var SubjectMatters []byte

// Vocabularies are the embedded national vocabularies by file name, for loading into the
// vocabulary named graph (GraphVocabulary) in a fixed order.
var Vocabularies = []struct {
	Name   string
	Turtle []byte
}{
	{"life-event.ttl", LifeEvents},
	{"business-event.ttl", BusinessEvents},
	{"public-services-subject-matters.ttl", SubjectMatters},
}
