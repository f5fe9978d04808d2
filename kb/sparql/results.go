package sparql

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"sportello/kb/rdf"
	"sportello/ontology"
)

// Format is a result syntax: the SPARQL 1.1 result formats for SELECT and ASK, RDF syntaxes
// (through kb/rdf) for CONSTRUCT and DESCRIBE.
type Format string

const (
	JSON     Format = "json"     // application/sparql-results+json
	XML      Format = "xml"      // application/sparql-results+xml
	CSV      Format = "csv"      // text/csv
	TSV      Format = "tsv"      // text/tab-separated-values
	Turtle   Format = "turtle"   // text/turtle
	NTriples Format = "ntriples" // application/n-triples
	JSONLD   Format = "jsonld"   // application/ld+json
)

// Formats lists every result format, in the order help texts show them.
var Formats = []Format{JSON, XML, CSV, TSV, Turtle, NTriples, JSONLD}

// ParseFormat accepts a format name as users type it.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "json", "srj":
		return JSON, nil
	case "xml", "srx":
		return XML, nil
	case "csv":
		return CSV, nil
	case "tsv":
		return TSV, nil
	case "turtle", "ttl":
		return Turtle, nil
	case "ntriples", "n-triples", "nt":
		return NTriples, nil
	case "jsonld", "json-ld":
		return JSONLD, nil
	}
	return "", fmt.Errorf("unknown result format %q (want one of json, xml, csv, tsv, turtle, ntriples, jsonld)", s)
}

// MediaType is the registered media type of the format.
func (f Format) MediaType() string {
	switch f {
	case JSON:
		return "application/sparql-results+json; charset=utf-8"
	case XML:
		return "application/sparql-results+xml; charset=utf-8"
	case CSV:
		return "text/csv; charset=utf-8"
	case TSV:
		return "text/tab-separated-values; charset=utf-8"
	case Turtle:
		return rdf.Turtle.MediaType()
	case NTriples:
		return rdf.NTriples.MediaType()
	case JSONLD:
		return rdf.JSONLD.MediaType()
	}
	return "application/octet-stream"
}

// IsGraph reports whether the format writes graphs (CONSTRUCT, DESCRIBE).
func (f Format) IsGraph() bool { return f == Turtle || f == NTriples || f == JSONLD }

// DefaultFormat is the format of a result when none is asked for: JSON for solutions and
// booleans, Turtle for graphs.
func (r *Result) DefaultFormat() Format {
	if r.Form == Construct || r.Form == Describe {
		return Turtle
	}
	return JSON
}

// Write writes the result in format f. A graph format for solutions (or the reverse) is an
// error: the caller chooses a format that fits the query form.
func (r *Result) Write(w io.Writer, f Format) error {
	graph := r.Form == Construct || r.Form == Describe
	if graph != f.IsGraph() {
		return fmt.Errorf("the %s result of a %s query cannot be written as %s", map[bool]string{true: "graph", false: "tabular"}[graph], r.Form, f)
	}
	if graph {
		rf := map[Format]rdf.Format{Turtle: rdf.Turtle, NTriples: rdf.NTriples, JSONLD: rdf.JSONLD}[f]
		qw, err := rdf.NewWriter(w, rf, rdf.WriterOptions{Prefixes: ontology.Prefixes})
		if err != nil {
			return err
		}
		if _, err := qw.WriteQuads(r.Triples); err != nil {
			return err
		}
		return qw.Close()
	}
	bw := bufio.NewWriter(w)
	var err error
	switch f {
	case JSON:
		err = r.writeJSON(bw)
	case XML:
		err = r.writeXML(bw)
	case CSV:
		err = r.writeCSV(bw)
	case TSV:
		err = r.writeTSV(bw)
	default:
		err = fmt.Errorf("unknown result format %q", f)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

func jsonTerm(t Term) map[string]string {
	switch t.Kind {
	case IRI:
		return map[string]string{"type": "uri", "value": t.Value}
	case Blank:
		return map[string]string{"type": "bnode", "value": t.Value}
	}
	m := map[string]string{"type": "literal", "value": t.Value}
	if t.Lang != "" {
		m["xml:lang"] = t.Lang
	} else if t.Datatype != "" {
		m["datatype"] = t.Datatype
	}
	return m
}

func (r *Result) writeJSON(w *bufio.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if r.Form == Ask {
		return enc.Encode(map[string]any{"head": map[string]any{}, "boolean": r.Boolean})
	}
	vars := r.Vars
	if vars == nil {
		vars = []string{}
	}
	head, _ := json.Marshal(map[string]any{"vars": vars})
	w.WriteString(`{"head":`)
	w.Write(head)
	w.WriteString(`,"results":{"bindings":[`)
	for i, row := range r.Rows {
		if i > 0 {
			w.WriteByte(',')
		}
		b := map[string]map[string]string{}
		for j, t := range row {
			if t.Bound() {
				b[r.Vars[j]] = jsonTerm(t)
			}
		}
		data, err := json.Marshal(b)
		if err != nil {
			return err
		}
		w.WriteString("\n")
		w.Write(data)
	}
	w.WriteString("\n]}}\n")
	return nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (r *Result) writeXML(w *bufio.Writer) error {
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<sparql xmlns="http://www.w3.org/2005/sparql-results#">` + "\n<head>\n")
	for _, v := range r.Vars {
		fmt.Fprintf(w, "  <variable name=\"%s\"/>\n", xmlEscape(v))
	}
	w.WriteString("</head>\n")
	if r.Form == Ask {
		fmt.Fprintf(w, "<boolean>%t</boolean>\n</sparql>\n", r.Boolean)
		return nil
	}
	w.WriteString("<results>\n")
	for _, row := range r.Rows {
		w.WriteString("  <result>\n")
		for j, t := range row {
			if !t.Bound() {
				continue
			}
			fmt.Fprintf(w, "    <binding name=\"%s\">", xmlEscape(r.Vars[j]))
			switch t.Kind {
			case IRI:
				fmt.Fprintf(w, "<uri>%s</uri>", xmlEscape(t.Value))
			case Blank:
				fmt.Fprintf(w, "<bnode>%s</bnode>", xmlEscape(t.Value))
			default:
				switch {
				case t.Lang != "":
					fmt.Fprintf(w, "<literal xml:lang=\"%s\">", xmlEscape(t.Lang))
				case t.Datatype != "":
					fmt.Fprintf(w, "<literal datatype=\"%s\">", xmlEscape(t.Datatype))
				default:
					w.WriteString("<literal>")
				}
				w.WriteString(xmlEscape(t.Value))
				w.WriteString("</literal>")
			}
			w.WriteString("</binding>\n")
		}
		w.WriteString("  </result>\n")
	}
	w.WriteString("</results>\n</sparql>\n")
	return nil
}

func (r *Result) tabular(format string) error {
	if r.Form == Ask {
		return fmt.Errorf("the result of an ASK query has no %s form: use json or xml", format)
	}
	return nil
}

// writeCSV follows "SPARQL 1.1 Query Results CSV and TSV Formats": values only (IRIs bare,
// literals' lexical forms), CRLF line ends, quotes where needed.
func (r *Result) writeCSV(w *bufio.Writer) error {
	if err := r.tabular("CSV"); err != nil {
		return err
	}
	field := func(s string) string {
		if strings.ContainsAny(s, ",\"\r\n") {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		return s
	}
	for i, v := range r.Vars {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteString(field(v))
	}
	w.WriteString("\r\n")
	for _, row := range r.Rows {
		for i, t := range row {
			if i > 0 {
				w.WriteByte(',')
			}
			switch t.Kind {
			case Blank:
				w.WriteString("_:" + t.Value)
			case IRI, Literal:
				w.WriteString(field(t.Value))
			}
		}
		w.WriteString("\r\n")
	}
	return nil
}

// writeTSV writes terms in Turtle syntax; integers, decimals and doubles in their short form.
func (r *Result) writeTSV(w *bufio.Writer) error {
	if err := r.tabular("TSV"); err != nil {
		return err
	}
	for i, v := range r.Vars {
		if i > 0 {
			w.WriteByte('\t')
		}
		w.WriteString("?" + v)
	}
	w.WriteString("\n")
	for _, row := range r.Rows {
		for i, t := range row {
			if i > 0 {
				w.WriteByte('\t')
			}
			if t.Bound() {
				w.WriteString(tsvTerm(t))
			}
		}
		w.WriteString("\n")
	}
	return nil
}

func tsvTerm(t Term) string {
	if t.Kind == Literal && t.Lang == "" {
		switch t.Datatype {
		case xsdInteger:
			if validInteger(t.Value) {
				return t.Value
			}
		case xsdDecimal:
			if validDecimal(t.Value) && strings.Contains(t.Value, ".") {
				return t.Value
			}
		}
	}
	if t.Kind == Literal {
		s := `"` + escapeTurtle(t.Value) + `"`
		if t.Lang != "" {
			return s + "@" + t.Lang
		}
		if t.Datatype != "" {
			return s + "^^<" + t.Datatype + ">"
		}
		return s
	}
	if t.Kind == IRI {
		return "<" + t.Value + ">"
	}
	return "_:" + t.Value
}

func escapeTurtle(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return r.Replace(s)
}
