package ontology

// Namespaces of the vocabularies Sportello reuses (../shared/vocabularies/MAPPING.md) and its own.
const (
	Ontology = "https://w3id.org/sportello/ontology"  // the owl:Ontology itself
	NS       = "https://w3id.org/sportello/ontology#" // the Sportello ontology (prefix sp:)
	Status   = "https://w3id.org/sportello/status/"   // the workflow status scheme

	RDF      = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	RDFS     = "http://www.w3.org/2000/01/rdf-schema#"
	OWL      = "http://www.w3.org/2002/07/owl#"
	XSD      = "http://www.w3.org/2001/XMLSchema#"
	SKOS     = "http://www.w3.org/2004/02/skos/core#"
	VCard    = "http://www.w3.org/2006/vcard/ns#"
	ORG      = "http://www.w3.org/ns/org#"
	DCT      = "http://purl.org/dc/terms/"
	Schema   = "https://schema.org/"
	PROV     = "http://www.w3.org/ns/prov#"
	ADMS     = "http://www.w3.org/ns/adms#"
	DCAT     = "http://www.w3.org/ns/dcat#"
	CV       = "http://data.europa.eu/m8g/"
	CPSV     = "http://purl.org/vocab/cpsv#"
	CPSVAPIT = "https://w3id.org/italia/onto/CPSV/"
	COVAPIT  = "https://w3id.org/italia/onto/COV/"
	CPV      = "https://w3id.org/italia/onto/CPV/"
	ELI      = "http://data.europa.eu/eli/ontology#"

	// LifeEventScheme is the national life-event vocabulary (OntoPiA, AgID, CC BY 4.0).
	LifeEventScheme = "https://w3id.org/italia/controlled-vocabulary/classifications-for-public-services/life-business-event/life-event"
	// BusinessEventScheme and SubjectMatterScheme are its siblings for businesses and for the
	// subject matters of public services. Concept IRIs are the scheme IRI + "/" + code.
	BusinessEventScheme = "https://w3id.org/italia/controlled-vocabulary/classifications-for-public-services/life-business-event/business-event"
	SubjectMatterScheme = "https://w3id.org/italia/controlled-vocabulary/classifications-for-public-services/public-services-subject-matters"
)

// Prefixes are the prefixes exports use to abbreviate IRIs.
var Prefixes = map[string]string{
	"sp": NS, "spstatus": Status,
	"rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS, "vcard": VCard, "org": ORG,
	"dct": DCT, "schema": Schema, "prov": PROV, "adms": ADMS, "dcat": DCAT, "cv": CV,
	"cpsv": CPSV, "cpsvapit": CPSVAPIT, "covapit": COVAPIT, "cpv": CPV, "eli": ELI,
}

// Common terms of the reused vocabularies. The Sportello terms (sp:) are declared in
// sportello.ttl; every IRI the Go code uses has a constant here.
const (
	RDFType      = RDF + "type"
	RDFValue     = RDF + "value"
	RDFSLabel    = RDFS + "label"
	RDFSComment  = RDFS + "comment"
	RDFSSeeAlso  = RDFS + "seeAlso"
	RDFSSubClass = RDFS + "subClassOf"
	OWLOntology  = OWL + "Ontology"

	SKOSConcept       = SKOS + "Concept"
	SKOSConceptScheme = SKOS + "ConceptScheme"
	SKOSPrefLabel     = SKOS + "prefLabel"
	SKOSAltLabel      = SKOS + "altLabel"
	SKOSHiddenLabel   = SKOS + "hiddenLabel"
	SKOSBroader       = SKOS + "broader"
	SKOSNarrower      = SKOS + "narrower"
	SKOSInScheme      = SKOS + "inScheme"
	SKOSHasTopConcept = SKOS + "hasTopConcept"
	SKOSTopConceptOf  = SKOS + "topConceptOf"
	SKOSNotation      = SKOS + "notation"
	SKOSDefinition    = SKOS + "definition"
	SKOSCloseMatch    = SKOS + "closeMatch"
	SKOSExactMatch    = SKOS + "exactMatch"
	SKOSBroadMatch    = SKOS + "broadMatch"
	SKOSNarrowMatch   = SKOS + "narrowMatch"
	OWLDeprecated     = OWL + "deprecated"
	DCTIsReplacedBy   = DCT + "isReplacedBy"
	SKOSNote          = SKOS + "note"

	DCTIdentifier   = DCT + "identifier"
	DCTTitle        = DCT + "title"
	DCTSubject      = DCT + "subject"
	DCTCreated      = DCT + "created"
	DCTModified     = DCT + "modified"
	DCTIssued       = DCT + "issued"
	DCTDateAccepted = DCT + "dateAccepted"
	DCTReferences   = DCT + "references"
	DCTLanguage     = DCT + "language"
	DCTAccessRights = DCT + "accessRights"

	SchemaQuestion        = Schema + "Question"
	SchemaAnswer          = Schema + "Answer"
	SchemaName            = Schema + "name"
	SchemaText            = Schema + "text"
	SchemaAcceptedAnswer  = Schema + "acceptedAnswer"
	SchemaKeywords        = Schema + "keywords"
	SchemaDigitalDocument = Schema + "DigitalDocument"
	SchemaURL             = Schema + "url"
	SchemaAudience        = Schema + "audience"
	SchemaValidFrom       = Schema + "validFrom"
	SchemaValidThrough    = Schema + "validThrough"

	VCardIndividual   = VCard + "Individual"
	VCardGroup        = VCard + "Group"
	VCardOrganization = VCard + "Organization"
	VCardFN           = VCard + "fn"
	VCardGivenName    = VCard + "given-name"
	VCardFamilyName   = VCard + "family-name"
	VCardHasName      = VCard + "hasName"
	VCardHasTelephone = VCard + "hasTelephone"
	VCardHasEmail     = VCard + "hasEmail"
	VCardHasAddress   = VCard + "hasAddress"
	VCardHasValue     = VCard + "hasValue"
	VCardHasMember    = VCard + "hasMember"
	VCardTitle        = VCard + "title"
	VCardRole         = VCard + "role"
	VCardWork         = VCard + "Work"
	VCardVoice        = VCard + "Voice"
	VCardStreetAddr   = VCard + "street-address"
	VCardLocality     = VCard + "locality"
	VCardNote         = VCard + "note"

	ORGFormalOrganization = ORG + "FormalOrganization"
	ORGOrganizationalUnit = ORG + "OrganizationalUnit"
	ORGUnitOf             = ORG + "unitOf"
	ORGHasUnit            = ORG + "hasUnit"
	ORGMembership         = ORG + "Membership"
	ORGMember             = ORG + "member"
	ORGOrganization       = ORG + "organization"
	ORGRole               = ORG + "role"
	ORGHasMembership      = ORG + "hasMembership"
	ORGHeadOf             = ORG + "headOf"
	ORGHasSite            = ORG + "hasSite"
	ORGSiteAddress        = ORG + "siteAddress"
	COVAPITPublicOrg      = COVAPIT + "PublicOrganization"
	COVAPITOffice         = COVAPIT + "Office"
	CVOpeningHours        = CV + "openingHours"
	CVHasCompetentAuth    = CV + "hasCompetentAuthority"
	ADMSStatus            = ADMS + "status"
	PROVEntity            = PROV + "Entity"
	PROVActivity          = PROV + "Activity"
	PROVWasRevisionOf     = PROV + "wasRevisionOf"
	PROVGeneratedAtTime   = PROV + "generatedAtTime"
	PROVWasAttributedTo   = PROV + "wasAttributedTo"
	PROVWasGeneratedBy    = PROV + "wasGeneratedBy"
	PROVWasAssociatedWith = PROV + "wasAssociatedWith"
	PROVStartedAtTime     = PROV + "startedAtTime"
	PROVAgent             = PROV + "Agent"
	PROVUsed              = PROV + "used"
	PROVGenerated         = PROV + "generated"
	PROVEndedAtTime       = PROV + "endedAtTime"
	PROVSpecializationOf  = PROV + "specializationOf"
	PROVAlternateOf       = PROV + "alternateOf"
	SchemaWebPage         = Schema + "WebPage"
	XSDString             = XSD + "string"
	XSDDate               = XSD + "date"
	XSDDateTime           = XSD + "dateTime"
	XSDInteger            = XSD + "integer"
	XSDBoolean            = XSD + "boolean"
	RDFLangString         = RDF + "langString"
)

// Sportello's own terms: only what the reused vocabularies lack (issue 2).
const (
	KnowledgePill   = NS + "KnowledgePill"   // Scheda Informativa; rdfs:subClassOf schema:Question
	CompetentOffice = NS + "competentOffice" // the office that owns the answer (KB-12)
	Department      = NS + "department"      // the department the pill was filed under
	OfficeName      = NS + "officeName"      // competent office as written, when not linked
	LegalReference  = NS + "legalReference"  // subPropertyOf dct:references; literal citation
	Form            = NS + "form"            // → schema:DigitalDocument (KB-12 attachments)
	ReviewBy        = NS + "reviewBy"        // xsd:date by which the pill must be reviewed
	ValidatedBy     = NS + "validatedBy"     // subPropertyOf prov:wasAttributedTo
	VersionNumber   = NS + "version"
	ExtraField      = NS + "extraField" // a legacy column kept as it was
	FieldName       = NS + "fieldName"
	URP             = NS + "urp"           // xsd:boolean on a unit: it is an URP
	Extension       = NS + "extension"     // internal phone extension (TEL-8)
	PEC             = NS + "pec"           // certified e-mail address (subPropertyOf vcard:hasEmail; a mailto: IRI)
	Audience        = NS + "audience"      // who the pill is for, as text
	LegacyField     = NS + "LegacyField"   // class of the objects of sp:extraField (sp:fieldName, rdf:value)
	ValidatorName   = NS + "validatorName" // the validator as written, when the directory does not know them
	PillLink        = NS + "link"          // a version's web link with its title (history graph)

	// The history (issue 10): versions, activities and imports as PROV-O.
	PillDescription = NS + "PillDescription" // domain of the pill's properties
	PillVersion     = NS + "PillVersion"     // rdfs:subClassOf PillDescription, prov:Entity — not a KnowledgePill
	ImportedText    = NS + "ImportedText"    // an import in conflict, kept for the publisher
	ImportRecord    = NS + "ImportRecord"
	EditActivity    = NS + "Edit"
	SubmitActivity  = NS + "Submission"
	ApproveActivity = NS + "Approval"
	RejectActivity  = NS + "Rejection"
	RetireActivity  = NS + "Retirement"
	RestoreActivity = NS + "Restoration"
	ImportActivity  = NS + "Import"
	MergeActivity   = NS + "Merge"
	DiscardActivity = NS + "Discard"
	DeleteActivity  = NS + "Deletion"
	LinkActivity    = NS + "OfficeLink"
	RefileActivity  = NS + "Reclassification"
	FromStatus      = NS + "fromStatus"
	ToStatus        = NS + "toStatus"
	PublishedOn     = NS + "publishedOn"
	Source          = NS + "source"
	ChangedByImport = NS + "changedByImport"
	ImportHash      = NS + "importHash"
	LastImport      = NS + "lastImport"
	PendingImport   = NS + "pendingImport"

	StatusScheme    = NS + "WorkflowStatus"
	StatusDraft     = Status + "draft"
	StatusSubmitted = Status + "submitted"
	StatusPublished = Status + "published"
	StatusRejected  = Status + "rejected"
	StatusRetired   = Status + "retired"

	// Links a ticket will need (issue 6).
	Ticket                 = NS + "Ticket" // rdfs:subClassOf prov:Activity
	AnsweredWithPill       = NS + "answeredWithPill"
	ResolvedAtFirstContact = NS + "resolvedAtFirstContact"
	EscalatedToUnit        = NS + "escalatedToUnit"
)

// Named graphs: each kind of data lives in its own graph so it can be exported, replaced or
// protected on its own.
const (
	GraphBase       = "https://w3id.org/sportello/graph/"
	GraphOntology   = GraphBase + "ontology"
	GraphVocabulary = GraphBase + "vocabularies" // national controlled vocabularies
	GraphTaxonomy   = GraphBase + "taxonomy"     // the classification tree
	GraphContent    = GraphBase + "content"      // pills
	GraphDirectory  = GraphBase + "directory"    // offices and people
	GraphHistory    = GraphBase + "history"      // PROV-O provenance
	// GraphHarvest is the prefix of the graphs harvested sources fill, one per source (package
	// harvest): the web pages of the Administration, read by SPARQL and by search.
	GraphHarvest = GraphBase + "harvest/"
)
