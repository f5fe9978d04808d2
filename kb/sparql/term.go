package sparql

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/cayleygraph/quad"
)

// Kind is the kind of an RDF term.
type Kind uint8

const (
	Unbound Kind = iota // no value: an unbound variable in a solution
	IRI
	Blank
	Literal
)

// Term is an RDF term. It is comparable, so it can be a map key: two Terms are == exactly when
// they are the same RDF term (sameTerm). A simple literal and an xsd:string literal are the same
// term (RDF 1.1): both have an empty Datatype.
type Term struct {
	Kind     Kind
	Value    string // IRI, blank node label, or lexical form
	Lang     string // language tag of an rdf:langString literal
	Datatype string // datatype IRI; empty for xsd:string and for language-tagged strings
}

const (
	xsd         = "http://www.w3.org/2001/XMLSchema#"
	xsdString   = xsd + "string"
	xsdInteger  = xsd + "integer"
	xsdDecimal  = xsd + "decimal"
	xsdDouble   = xsd + "double"
	xsdFloat    = xsd + "float"
	xsdBoolean  = xsd + "boolean"
	xsdDateTime = xsd + "dateTime"
	xsdDate     = xsd + "date"
	rdfNS       = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	rdfLangStr  = rdfNS + "langString"
	rdfType     = rdfNS + "type"
	rdfFirst    = rdfNS + "first"
	rdfRest     = rdfNS + "rest"
	rdfNil      = rdfNS + "nil"
)

// NewIRI, NewBlank and NewLiteral build terms.
func NewIRI(s string) Term   { return Term{Kind: IRI, Value: s} }
func NewBlank(s string) Term { return Term{Kind: Blank, Value: s} }

// NewLiteral builds a literal; lang wins over datatype; xsd:string is stored as no datatype.
func NewLiteral(lex, lang, datatype string) Term {
	if lang != "" {
		return Term{Kind: Literal, Value: lex, Lang: lang}
	}
	if datatype == xsdString || datatype == rdfLangStr {
		datatype = ""
	}
	return Term{Kind: Literal, Value: lex, Datatype: datatype}
}

func str(s string) Term { return Term{Kind: Literal, Value: s} }
func boolTerm(b bool) Term {
	return Term{Kind: Literal, Value: strconv.FormatBool(b), Datatype: xsdBoolean}
}
func intTerm(i int64) Term {
	return Term{Kind: Literal, Value: strconv.FormatInt(i, 10), Datatype: xsdInteger}
}
func (t Term) Bound() bool     { return t.Kind != Unbound }
func (t Term) isLiteral() bool { return t.Kind == Literal }

// String writes the term in N-Triples/SPARQL syntax.
func (t Term) String() string {
	switch t.Kind {
	case IRI:
		return "<" + t.Value + ">"
	case Blank:
		return "_:" + t.Value
	case Literal:
		s := strconv.Quote(t.Value)
		if t.Lang != "" {
			return s + "@" + t.Lang
		}
		if t.Datatype != "" {
			return s + "^^<" + t.Datatype + ">"
		}
		return s
	}
	return "UNDEF"
}

// FromQuad converts a cayley value to a term. Native values (quad.Int, quad.Time…) become
// typed literals in their canonical lexical form.
func FromQuad(v quad.Value) Term {
	switch v := v.(type) {
	case nil:
		return Term{}
	case quad.IRI:
		return NewIRI(string(v))
	case quad.BNode:
		return NewBlank(string(v))
	case quad.String:
		return str(string(v))
	case quad.LangString:
		return NewLiteral(string(v.Value), v.Lang, "")
	case quad.TypedString:
		return NewLiteral(string(v.Value), "", string(v.Type))
	case quad.TypedStringer:
		ts := v.TypedString()
		return NewLiteral(string(ts.Value), "", string(ts.Type))
	}
	return str(v.String())
}

// Quad converts a term to a cayley value (nil for Unbound).
func (t Term) Quad() quad.Value {
	switch t.Kind {
	case IRI:
		return quad.IRI(t.Value)
	case Blank:
		return quad.BNode(t.Value)
	case Literal:
		if t.Lang != "" {
			return quad.LangString{Value: quad.String(t.Value), Lang: t.Lang}
		}
		if t.Datatype != "" {
			return quad.TypedString{Value: quad.String(t.Value), Type: quad.IRI(t.Datatype)}
		}
		return quad.String(t.Value)
	}
	return nil
}

// --- typed values of literals -------------------------------------------------------------

// numKind orders the numeric types by type promotion (XPath: integer < decimal < float < double).
type numKind uint8

const (
	nInteger numKind = iota + 1
	nDecimal
	nFloat
	nDouble
)

// number is a parsed numeric literal: integers and decimals exact (big.Rat), floats and
// doubles as float64.
type number struct {
	k numKind
	r *big.Rat
	f float64
}

// integerTypes are the XSD types derived from xsd:integer; arithmetic treats them as integers.
var integerTypes = map[string]bool{
	xsdInteger: true, xsd + "int": true, xsd + "long": true, xsd + "short": true, xsd + "byte": true,
	xsd + "nonNegativeInteger": true, xsd + "nonPositiveInteger": true, xsd + "negativeInteger": true,
	xsd + "positiveInteger": true, xsd + "unsignedLong": true, xsd + "unsignedInt": true,
	xsd + "unsignedShort": true, xsd + "unsignedByte": true,
}

func isNumericType(dt string) bool {
	return integerTypes[dt] || dt == xsdDecimal || dt == xsdFloat || dt == xsdDouble
}

// numeric parses t as a number; ok is false for non-numeric terms and ill-typed lexical forms.
func numeric(t Term) (number, bool) {
	if t.Kind != Literal || t.Lang != "" {
		return number{}, false
	}
	s := strings.TrimSpace(t.Value)
	switch {
	case integerTypes[t.Datatype]:
		if !validInteger(s) {
			return number{}, false
		}
		r, ok := new(big.Rat).SetString(s)
		return number{k: nInteger, r: r}, ok
	case t.Datatype == xsdDecimal:
		if !validDecimal(s) {
			return number{}, false
		}
		r, ok := new(big.Rat).SetString(s)
		return number{k: nDecimal, r: r}, ok
	case t.Datatype == xsdDouble || t.Datatype == xsdFloat:
		f, ok := parseDouble(s)
		if !ok {
			return number{}, false
		}
		k := nDouble
		if t.Datatype == xsdFloat {
			k = nFloat
			f = float64(float32(f))
		}
		return number{k: k, f: f}, true
	}
	return number{}, false
}

func validInteger(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validDecimal(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
			digits++
		case s[i] == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

func parseDouble(s string) (float64, bool) {
	switch s {
	case "INF", "+INF":
		return math.Inf(1), true
	case "-INF":
		return math.Inf(-1), true
	case "NaN":
		return math.NaN(), true
	}
	if s == "" || strings.ContainsAny(s, "xXpP_") || strings.EqualFold(s, "inf") || strings.EqualFold(s, "+inf") ||
		strings.EqualFold(s, "-inf") || strings.EqualFold(s, "nan") || strings.EqualFold(s, "infinity") ||
		strings.EqualFold(s, "-infinity") || strings.EqualFold(s, "+infinity") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

func (n number) float() float64 {
	if n.k >= nFloat {
		return n.f
	}
	f, _ := n.r.Float64()
	return f
}

// term writes n as a literal of its type, in canonical form.
func (n number) term() Term {
	switch n.k {
	case nInteger:
		return Term{Kind: Literal, Value: n.r.Num().String(), Datatype: xsdInteger}
	case nDecimal:
		return Term{Kind: Literal, Value: formatDecimal(n.r), Datatype: xsdDecimal}
	case nFloat:
		return Term{Kind: Literal, Value: formatDouble(float64(float32(n.f))), Datatype: xsdFloat}
	}
	return Term{Kind: Literal, Value: formatDouble(n.f), Datatype: xsdDouble}
}

// formatDecimal writes a rational as an xsd:decimal: exact when the expansion is finite,
// otherwise rounded to 24 fractional digits; always with a fractional part ("2.0").
func formatDecimal(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String() + ".0"
	}
	// exact when the denominator is 2^a·5^b
	d := new(big.Int).Set(r.Denom())
	two, five, zero := big.NewInt(2), big.NewInt(5), big.NewInt(0)
	digits := 0
	m := new(big.Int)
	for {
		if m.Mod(d, two).Cmp(zero) == 0 {
			d.Div(d, two)
			digits++
			continue
		}
		if m.Mod(d, five).Cmp(zero) == 0 {
			d.Div(d, five)
			digits++
			continue
		}
		break
	}
	prec := 24
	if d.Cmp(big.NewInt(1)) == 0 && digits < prec {
		prec = digits
	}
	s := r.FloatString(prec)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		if strings.HasSuffix(s, ".") {
			s += "0"
		}
	}
	return s
}

// formatDouble writes the canonical xsd:double form (1.0E0, -1.5E2, INF, NaN).
func formatDouble(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "INF"
	case math.IsInf(f, -1):
		return "-INF"
	case math.IsNaN(f):
		return "NaN"
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // 1.5E+02
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// boolValue parses an xsd:boolean literal.
func boolValue(t Term) (bool, bool) {
	if t.Kind != Literal || t.Datatype != xsdBoolean {
		return false, false
	}
	switch strings.TrimSpace(t.Value) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// dateTime parses xsd:dateTime and xsd:date literals; tz reports whether a timezone was given.
func dateTime(t Term) (tm time.Time, tz bool, ok bool) {
	if t.Kind != Literal || (t.Datatype != xsdDateTime && t.Datatype != xsdDate) {
		return time.Time{}, false, false
	}
	s := strings.TrimSpace(t.Value)
	layouts := []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999"}
	if t.Datatype == xsdDate {
		layouts = []string{"2006-01-02Z07:00", "2006-01-02"}
	}
	for i, l := range layouts {
		if tm, err := time.Parse(l, s); err == nil {
			return tm, i == 0, true
		}
	}
	return time.Time{}, false, false
}

// isPlainString reports whether t is a simple literal or xsd:string (the string argument of
// the string functions may also be language-tagged: see stringArg).
func isPlainString(t Term) bool { return t.Kind == Literal && t.Lang == "" && t.Datatype == "" }

func (t Term) dtOrDefault() string {
	if t.Lang != "" {
		return rdfLangStr
	}
	if t.Datatype == "" {
		return xsdString
	}
	return t.Datatype
}

// compareTerms is the ORDER BY order (SPARQL 15.1): unbound, blank nodes, IRIs, literals; among
// literals numbers by value, then dates, then strings lexically, then the rest by lexical form
// and datatype. It is total, so sorting is deterministic.
func compareTerms(a, b Term) int {
	if a.Kind != b.Kind {
		return int(a.Kind) - int(b.Kind)
	}
	if a.Kind != Literal {
		return strings.Compare(a.Value, b.Value)
	}
	na, oka := numeric(a)
	nb, okb := numeric(b)
	if oka && okb {
		if c, ok := compareNumbers(na, nb); ok && c != 0 {
			return c
		}
	} else if oka != okb {
		if oka {
			return -1
		}
		return 1
	}
	da, _, oka := dateTime(a)
	db, _, okb := dateTime(b)
	if oka && okb {
		if c := da.Compare(db); c != 0 {
			return c
		}
	}
	// simple literals before language-tagged before other typed
	ra, rb := litRank(a), litRank(b)
	if ra != rb {
		return ra - rb
	}
	if c := strings.Compare(a.Value, b.Value); c != 0 {
		return c
	}
	if c := strings.Compare(a.Lang, b.Lang); c != 0 {
		return c
	}
	return strings.Compare(a.Datatype, b.Datatype)
}

func litRank(t Term) int {
	switch {
	case t.Lang == "" && t.Datatype == "":
		return 0
	case t.Lang != "":
		return 1
	}
	return 2
}

// compareNumbers compares two numbers by value after type promotion; ok is false when one is NaN.
func compareNumbers(a, b number) (int, bool) {
	if a.k >= nFloat || b.k >= nFloat {
		fa, fb := a.float(), b.float()
		if math.IsNaN(fa) || math.IsNaN(fb) {
			return 0, false
		}
		switch {
		case fa < fb:
			return -1, true
		case fa > fb:
			return 1, true
		}
		return 0, true
	}
	return a.r.Cmp(b.r), true
}

func (n number) String() string { return fmt.Sprint(n.term()) }
