package kb

import (
	"encoding/json"
	"time"

	"sportello/internal/htmltext"
	"sportello/ontology"
)

// PillJSONLD is the pill as JSON-LD, for the <script type="application/ld+json"> of its page:
// schema.org Question with its acceptedAnswer, plus DCTERMS and Sportello terms, with the
// pill's IRI as @id, so that a crawler or the ingest of another Sportello reads the same graph
// the store holds (KB-5, KB-6: mark up texts and documents).
//
// encoding/json escapes <, > and & as \u003c…, so no "</script>" in a pill can close the
// element; the result is safe to emit verbatim. The answer is sanitised (htmltext.Sanitize).
func PillJSONLD(p *Pill, office *Unit, concepts []Concept) ([]byte, error) {
	lang := p.Lang
	if lang == "" {
		lang = "it"
	}
	doc := map[string]any{
		"@context": map[string]any{
			"@vocab": ontology.Schema,
			"dct":    ontology.DCT,
			"sp":     ontology.NS,
			"skos":   ontology.SKOS,
			"adms":   ontology.ADMS,
			"xsd":    ontology.XSD,
		},
		"@id":        p.IRI,
		"@type":      []string{"Question", "sp:KnowledgePill"},
		"name":       p.Title,
		"inLanguage": lang,
		"acceptedAnswer": map[string]any{
			"@type": "Answer",
			"text":  htmltext.Sanitize(p.Answer),
		},
		"adms:status": map[string]string{"@id": ontology.Status + string(p.Status)},
	}
	if p.Question != "" {
		doc["text"] = p.Question
	}
	if p.Code != "" {
		doc["dct:identifier"] = p.Code
	}
	if len(p.Keywords) > 0 {
		doc["keywords"] = p.Keywords
	}
	if len(concepts) > 0 {
		var subj []map[string]any
		for _, c := range concepts {
			subj = append(subj, map[string]any{"@id": c.IRI, "skos:prefLabel": map[string]string{"@value": c.Label(lang), "@language": lang}})
		}
		doc["dct:subject"] = subj
	}
	if office != nil {
		o := map[string]any{"@id": office.IRI, "name": office.Name}
		if len(office.Phones) > 0 {
			o["telephone"] = office.Phones
		}
		if len(office.Emails) > 0 {
			o["email"] = office.Emails
		}
		doc["sp:competentOffice"] = o
	} else if p.OfficeName != "" {
		doc["sp:officeName"] = p.OfficeName
	}
	if len(p.LegalRefs) > 0 {
		doc["sp:legalReference"] = p.LegalRefs
	}
	if len(p.Links) > 0 {
		var ls []map[string]string
		for _, l := range p.Links {
			ls = append(ls, map[string]string{"@id": l.URL})
		}
		doc["rdfs:seeAlso"] = ls
		doc["@context"].(map[string]any)["rdfs"] = ontology.RDFS
	}
	if len(p.Forms) > 0 {
		var fs []map[string]string
		for _, f := range p.Forms {
			m := map[string]string{"@id": f.URL, "@type": "DigitalDocument"}
			if f.Title != "" {
				m["name"] = f.Title
			}
			fs = append(fs, m)
		}
		doc["sp:form"] = fs
	}
	if len(p.Audience) > 0 {
		doc["audience"] = p.Audience
	}
	dt := func(t time.Time) map[string]string {
		return map[string]string{"@value": t.UTC().Format(time.RFC3339), "@type": "xsd:dateTime"}
	}
	day := func(t time.Time) map[string]string {
		return map[string]string{"@value": t.Format(time.DateOnly), "@type": "xsd:date"}
	}
	if !p.Created.IsZero() {
		doc["dct:created"] = dt(p.Created)
	}
	if !p.Modified.IsZero() {
		doc["dct:modified"] = dt(p.Modified)
	}
	if p.Validated != nil {
		doc["dct:dateAccepted"] = dt(*p.Validated)
	}
	if p.ReviewBy != nil {
		doc["sp:reviewBy"] = day(*p.ReviewBy)
	}
	if p.ValidFrom != nil {
		doc["validFrom"] = dt(*p.ValidFrom)
	}
	if p.ValidUntil != nil {
		doc["validThrough"] = dt(*p.ValidUntil)
	}
	if p.Version > 0 {
		doc["sp:version"] = p.Version
	}
	return json.MarshalIndent(doc, "", "  ")
}
