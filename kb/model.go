package kb

import (
	"slices"
	"time"
)

// Status is a pill's place in the publisher → validator workflow (adms:status, REQUIREMENTS
// KB-8, KB-12, KB-14). The values are the local names of the concepts in the ontology's status
// scheme.
type Status string

const (
	StatusDraft     Status = "draft"     // bozza
	StatusSubmitted Status = "submitted" // in revisione
	StatusPublished Status = "published" // pubblicata
	StatusRejected  Status = "rejected"  // respinta
	StatusRetired   Status = "retired"   // ritirata (archived)
)

// Link is a web link or a downloadable document (forms, calls for tenders).
type Link struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
}

// Field is a legacy column the importer could not map to a pill property; it is kept, not
// dropped (issue 3).
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Pill is a knowledge pill ("Scheda Informativa", KB-12): a short, approved answer to one
// question citizens ask. IRI is stable across versions.
type Pill struct {
	IRI      string   `json:"iri"`
	Code     string   `json:"code,omitempty"` // legacy code such as SAL-012 (dct:identifier)
	Title    string   `json:"title"`
	Question string   `json:"question,omitempty"`
	Answer   string   `json:"answer"` // sanitised HTML subset
	Keywords []string `json:"keywords,omitempty"`
	Lang     string   `json:"lang"` // language of the texts; "it" by default

	Concepts   []string `json:"concepts,omitempty"`   // IRIs of skos:Concepts (dct:subject)
	Department string   `json:"department,omitempty"` // IRI of the org:OrganizationalUnit (department)
	Office     string   `json:"office,omitempty"`     // IRI of the competent office, when known
	OfficeName string   `json:"officeName,omitempty"` // the office as written, when not linked

	LegalRefs []string `json:"legalRefs,omitempty"` // legal references as written ("L.R. 12/2013 art. 4")
	Links     []Link   `json:"links,omitempty"`     // rdfs:seeAlso
	Forms     []Link   `json:"forms,omitempty"`     // schema:DigitalDocument
	Audience  []string `json:"audience,omitempty"`

	Status      Status     `json:"status"`
	Version     int        `json:"version"`
	Created     time.Time  `json:"created"`
	Modified    time.Time  `json:"modified"`
	Validated   *time.Time `json:"validated,omitempty"` // last validation (dct:dateAccepted)
	ValidatedBy string     `json:"validatedBy,omitempty"`
	ReviewBy    *time.Time `json:"reviewBy,omitempty"`
	ValidFrom   *time.Time `json:"validFrom,omitempty"`
	ValidUntil  *time.Time `json:"validUntil,omitempty"`
	Notes       string     `json:"notes,omitempty"`
	Extra       []Field    `json:"extra,omitempty"`
}

// Concept is a node of the SKOS classification tree (KB-1). Labels are keyed by language tag.
type Concept struct {
	IRI          string              `json:"iri"`
	Notation     string              `json:"notation,omitempty"`
	PrefLabel    map[string]string   `json:"prefLabel"`
	AltLabels    map[string][]string `json:"altLabels,omitempty"`    // synonyms, acronyms
	HiddenLabels map[string][]string `json:"hiddenLabels,omitempty"` // misspellings: searchable, never shown
	Broader      string              `json:"broader,omitempty"`      // parent IRI; empty for a top concept
	// AlsoBroader are the concept's further parents: SKOS allows several skos:broader, and a
	// concept with two parents shows under both. Broader stays the one parent most callers need
	// (breadcrumbs, depth); on read it is the first parent in IRI order, so it is stable.
	AlsoBroader []string `json:"alsoBroader,omitempty"`
	CloseMatch  []string `json:"closeMatch,omitempty"`  // e.g. national life events
	ExactMatch  []string `json:"exactMatch,omitempty"`  // the same concept in a national vocabulary
	NarrowMatch []string `json:"narrowMatch,omitempty"` // a narrower concept of a national vocabulary
	BroadMatch  []string `json:"broadMatch,omitempty"`  // a broader concept of a national vocabulary
	// ReplacedBy is the concept a merge folded this one into (dct:isReplacedBy); a replaced
	// concept is owl:deprecated and out of the tree, but its IRI still resolves.
	ReplacedBy string `json:"replacedBy,omitempty"`
	Definition string `json:"definition,omitempty"`
}

// Parents is every parent of the concept, Broader first; none for a top concept.
func (c Concept) Parents() []string {
	if c.Broader == "" {
		return slices.Clone(c.AlsoBroader)
	}
	return append([]string{c.Broader}, c.AlsoBroader...)
}

// Label returns the label in lang, falling back to Italian, then to any label.
func (c Concept) Label(lang string) string {
	if l := c.PrefLabel[lang]; l != "" {
		return l
	}
	if l := c.PrefLabel["it"]; l != "" {
		return l
	}
	for _, l := range c.PrefLabel {
		return l
	}
	return c.IRI
}

// UnitKind distinguishes departments from offices in the organisation tree.
type UnitKind string

const (
	UnitOrganization UnitKind = "organization" // the Administration itself
	UnitDepartment   UnitKind = "department"
	UnitOffice       UnitKind = "office"
)

// Unit is an organisational unit (org:OrganizationalUnit, vcard:Group in the directory).
type Unit struct {
	IRI          string   `json:"iri"`
	Name         string   `json:"name"`
	Kind         UnitKind `json:"kind"`
	Parent       string   `json:"parent,omitempty"` // org:unitOf
	URP          bool     `json:"urp,omitempty"`    // Ufficio Relazioni con il Pubblico
	Phones       []string `json:"phones,omitempty"`
	Emails       []string `json:"emails,omitempty"`
	PEC          string   `json:"pec,omitempty"`
	Address      string   `json:"address,omitempty"`
	OpeningHours string   `json:"openingHours,omitempty"`
}

// Person is someone in the phone directory (vcard:Individual, org:Membership in a unit).
type Person struct {
	IRI        string   `json:"iri"`
	GivenName  string   `json:"givenName"`
	FamilyName string   `json:"familyName"`
	Role       string   `json:"role,omitempty"`
	Unit       string   `json:"unit,omitempty"` // IRI of the unit
	Extension  string   `json:"extension,omitempty"`
	Phones     []string `json:"phones,omitempty"`
	Emails     []string `json:"emails,omitempty"`
	PEC        string   `json:"pec,omitempty"`
}

// FullName is "Given Family".
func (p Person) FullName() string {
	switch {
	case p.GivenName == "":
		return p.FamilyName
	case p.FamilyName == "":
		return p.GivenName
	}
	return p.GivenName + " " + p.FamilyName
}

// Stats counts what the store holds (`sportello stats`).
type Stats struct {
	Triples  int64 `json:"triples"`
	Pills    int   `json:"pills"`
	Concepts int   `json:"concepts"`
	Offices  int   `json:"offices"`
	People   int   `json:"people"`
}
