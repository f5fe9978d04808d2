package sparql

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/big"
	mrand "math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// evalExpr evaluates e on solution s; ok is false on an expression error (§17.3: errors make
// FILTER false, leave BIND unbound and are skipped by aggregates).
func (ev *evaluator) evalExpr(e expr, s solution, g Term) (Term, bool) {
	switch x := e.(type) {
	case eVar:
		t := s[x.v]
		return t, t.Bound()
	case eConst:
		return x.t, true
	case eBound:
		return boolTerm(s[x.v].Bound()), true
	case eOr:
		l, lok := ev.ebv(x.l, s, g)
		if lok && l {
			return boolTerm(true), true
		}
		r, rok := ev.ebv(x.r, s, g)
		if rok && r {
			return boolTerm(true), true
		}
		if lok && rok {
			return boolTerm(false), true
		}
		return Term{}, false
	case eAnd:
		l, lok := ev.ebv(x.l, s, g)
		if lok && !l {
			return boolTerm(false), true
		}
		r, rok := ev.ebv(x.r, s, g)
		if rok && !r {
			return boolTerm(false), true
		}
		if lok && rok {
			return boolTerm(true), true
		}
		return Term{}, false
	case eNot:
		b, ok := ev.ebv(x.e, s, g)
		return boolTerm(!b), ok
	case eCmp:
		l, ok := ev.evalExpr(x.l, s, g)
		if !ok {
			return Term{}, false
		}
		r, ok := ev.evalExpr(x.r, s, g)
		if !ok {
			return Term{}, false
		}
		b, ok := compareOp(x.op, l, r)
		return boolTerm(b), ok
	case eArith:
		l, ok := ev.evalExpr(x.l, s, g)
		if !ok {
			return Term{}, false
		}
		r, ok := ev.evalExpr(x.r, s, g)
		if !ok {
			return Term{}, false
		}
		return arith(x.op, l, r)
	case eNeg:
		v, ok := ev.evalExpr(x.e, s, g)
		if !ok {
			return Term{}, false
		}
		n, ok := numeric(v)
		if !ok {
			return Term{}, false
		}
		if n.k >= nFloat {
			n.f = -n.f
		} else {
			n.r = new(big.Rat).Neg(n.r)
		}
		return n.term(), true
	case ePlus:
		v, ok := ev.evalExpr(x.e, s, g)
		if !ok {
			return Term{}, false
		}
		n, ok := numeric(v)
		if !ok {
			return Term{}, false
		}
		return n.term(), true
	case eIn:
		v, ok := ev.evalExpr(x.e, s, g)
		if !ok {
			return Term{}, false
		}
		sawErr := false
		for _, it := range x.list {
			w, ok := ev.evalExpr(it, s, g)
			if !ok {
				sawErr = true
				continue
			}
			eq, ok := equalTerms(v, w)
			if !ok {
				sawErr = true
				continue
			}
			if eq {
				return boolTerm(!x.not), true
			}
		}
		if sawErr {
			return Term{}, false
		}
		return boolTerm(x.not), true
	case eExists:
		found := false
		ev.exists++
		ev.eval(x.p, s, g, func(solution) bool {
			found = true
			return false
		})
		ev.exists--
		if ev.err != nil {
			return Term{}, false
		}
		return boolTerm(found != x.not), true
	case eCall:
		return ev.call(x, s, g)
	case eFunc:
		args := make([]Term, len(x.args))
		for i, a := range x.args {
			v, ok := ev.evalExpr(a, s, g)
			if !ok {
				return Term{}, false
			}
			args[i] = v
		}
		return cast(x.iri, args)
	}
	return Term{}, false
}

// ebv is the effective boolean value (§17.2.2).
func (ev *evaluator) ebv(e expr, s solution, g Term) (bool, bool) {
	t, ok := ev.evalExpr(e, s, g)
	if !ok {
		return false, false
	}
	return effectiveBool(t)
}

func (ev *evaluator) ebvTrue(e expr, s solution, g Term) bool {
	b, ok := ev.ebv(e, s, g)
	return ok && b
}

func effectiveBool(t Term) (bool, bool) {
	if t.Kind != Literal {
		return false, false
	}
	switch {
	case t.Datatype == xsdBoolean:
		b, ok := boolValue(t)
		return b && ok, true
	case isNumericType(t.Datatype):
		n, ok := numeric(t)
		if !ok {
			return false, true
		}
		if n.k >= nFloat {
			return n.f != 0 && !math.IsNaN(n.f), true
		}
		return n.r.Sign() != 0, true
	case t.Lang == "" && t.Datatype == "":
		return t.Value != "", true
	}
	return false, false
}

// equalTerms is RDFterm-equal extended with value equality of known datatypes (§17.4.1.7);
// ok is false for a type error (two different literals of an unknown datatype).
func equalTerms(a, b Term) (bool, bool) {
	if a.Kind != Literal || b.Kind != Literal {
		return a == b, true
	}
	if na, ok := numeric(a); ok {
		if nb, ok := numeric(b); ok {
			c, ok := compareNumbers(na, nb)
			return ok && c == 0, true
		}
	}
	if a == b {
		return true, true
	}
	if ba, ok := boolValue(a); ok {
		if bb, ok := boolValue(b); ok {
			return ba == bb, true
		}
	}
	if da, tza, ok := dateTime(a); ok {
		if db, tzb, ok := dateTime(b); ok && a.Datatype == b.Datatype {
			if tza != tzb {
				return false, false
			}
			return da.Equal(db), true
		}
	}
	known := func(t Term) bool {
		return t.Datatype == "" || t.Lang != "" || isNumericType(t.Datatype) || t.Datatype == xsdBoolean ||
			t.Datatype == xsdDateTime || t.Datatype == xsdDate
	}
	if known(a) && known(b) {
		// different known kinds, or ill-typed values of a known type
		if (isNumericType(a.Datatype) || isNumericType(b.Datatype)) && a.Datatype != b.Datatype {
			_, oka := numeric(a)
			_, okb := numeric(b)
			if !oka || !okb {
				return false, false
			}
		}
		if a.Datatype == b.Datatype && a.Datatype != "" && a.Lang == "" {
			return false, false // ill-typed values of the same type
		}
		return false, true
	}
	return false, false
}

func compareOp(op string, a, b Term) (bool, bool) {
	switch op {
	case "=":
		return equalTerms(a, b)
	case "!=":
		eq, ok := equalTerms(a, b)
		return !eq, ok
	}
	c, ok := orderValues(a, b)
	if !ok {
		return false, false
	}
	switch op {
	case "<":
		return c < 0, true
	case ">":
		return c > 0, true
	case "<=":
		return c <= 0, true
	case ">=":
		return c >= 0, true
	}
	return false, false
}

// orderValues compares two values for < and >: numbers, strings, booleans and dates.
func orderValues(a, b Term) (int, bool) {
	if na, ok := numeric(a); ok {
		if nb, ok := numeric(b); ok {
			return compareNumbers(na, nb)
		}
		return 0, false
	}
	if a.Kind != Literal || b.Kind != Literal {
		return 0, false
	}
	if isPlainString(a) && isPlainString(b) {
		return strings.Compare(a.Value, b.Value), true
	}
	if a.Lang != "" && b.Lang != "" && strings.EqualFold(a.Lang, b.Lang) {
		return strings.Compare(a.Value, b.Value), true
	}
	if ba, ok := boolValue(a); ok {
		if bb, ok := boolValue(b); ok {
			switch {
			case ba == bb:
				return 0, true
			case !ba:
				return -1, true
			}
			return 1, true
		}
	}
	if da, tza, ok := dateTime(a); ok {
		if db, tzb, ok := dateTime(b); ok && tza == tzb {
			return da.Compare(db), true
		}
	}
	return 0, false
}

func arith(op byte, a, b Term) (Term, bool) {
	na, ok := numeric(a)
	if !ok {
		return Term{}, false
	}
	nb, ok := numeric(b)
	if !ok {
		return Term{}, false
	}
	k := max(na.k, nb.k)
	if k >= nFloat {
		x, y := na.float(), nb.float()
		var r float64
		switch op {
		case '+':
			r = x + y
		case '-':
			r = x - y
		case '*':
			r = x * y
		case '/':
			r = x / y
		}
		return number{k: k, f: r}.term(), true
	}
	r := new(big.Rat)
	switch op {
	case '+':
		r.Add(na.r, nb.r)
	case '-':
		r.Sub(na.r, nb.r)
	case '*':
		r.Mul(na.r, nb.r)
	case '/':
		if nb.r.Sign() == 0 {
			return Term{}, false
		}
		r.Quo(na.r, nb.r)
		k = nDecimal
	}
	return number{k: k, r: r}.term(), true
}

// stringArg accepts a string literal (simple, xsd:string or language-tagged).
func stringArg(t Term) (string, bool) {
	if t.Kind != Literal || (t.Datatype != "" && t.Lang == "") {
		return "", false
	}
	return t.Value, true
}

// argCompatible checks the two string arguments of CONTAINS and its kin (§17.4.3.1.1).
func argCompatible(a, b Term) bool {
	if _, ok := stringArg(a); !ok {
		return false
	}
	if _, ok := stringArg(b); !ok {
		return false
	}
	return b.Lang == "" || a.Lang == b.Lang
}

// sameKind returns s as a literal with the language tag or datatype of t.
func sameKind(t Term, s string) Term {
	if t.Lang != "" {
		return NewLiteral(s, t.Lang, "")
	}
	return Term{Kind: Literal, Value: s, Datatype: t.Datatype}
}

// regexCache keeps compiled patterns across queries (queries run concurrently).
var (
	regexMu    sync.Mutex
	regexCache = map[string]*regexp.Regexp{}
)

func compileRegex(pat, flags string) (*regexp.Regexp, bool) {
	key := flags + "/" + pat
	regexMu.Lock()
	re, ok := regexCache[key]
	regexMu.Unlock()
	if ok {
		return re, true
	}
	prefix := ""
	for _, f := range flags {
		switch f {
		case 'i', 'm', 's':
			prefix += string(f)
		case 'x':
			pat = regexp.MustCompile(`\s+`).ReplaceAllString(pat, "")
		case 'q':
			pat = regexp.QuoteMeta(pat)
		default:
			return nil, false
		}
	}
	if prefix != "" {
		pat = "(?" + prefix + ")" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, false
	}
	regexMu.Lock()
	if len(regexCache) > 256 {
		regexCache = map[string]*regexp.Regexp{}
	}
	regexCache[key] = re
	regexMu.Unlock()
	return re, true
}

func (ev *evaluator) call(x eCall, s solution, g Term) (Term, bool) {
	// functions with lazy arguments
	switch x.name {
	case "IF":
		c, ok := ev.ebv(x.args[0], s, g)
		if !ok {
			return Term{}, false
		}
		if c {
			return ev.evalExpr(x.args[1], s, g)
		}
		return ev.evalExpr(x.args[2], s, g)
	case "COALESCE":
		for _, a := range x.args {
			if v, ok := ev.evalExpr(a, s, g); ok {
				return v, true
			}
		}
		return Term{}, false
	}
	args := make([]Term, len(x.args))
	for i, a := range x.args {
		v, ok := ev.evalExpr(a, s, g)
		if !ok {
			return Term{}, false
		}
		args[i] = v
	}
	return ev.builtin(x.name, args)
}

func (ev *evaluator) builtin(name string, args []Term) (Term, bool) {
	a := func(i int) Term { return args[i] }
	switch name {
	case "STR":
		if a(0).Kind == Blank {
			return Term{}, false
		}
		return str(a(0).Value), true
	case "LANG":
		if a(0).Kind != Literal {
			return Term{}, false
		}
		return str(a(0).Lang), true
	case "LANGMATCHES":
		tag, ok1 := stringArg(a(0))
		rng, ok2 := stringArg(a(1))
		if !ok1 || !ok2 {
			return Term{}, false
		}
		return boolTerm(langMatches(tag, rng)), true
	case "DATATYPE":
		if a(0).Kind != Literal {
			return Term{}, false
		}
		return NewIRI(a(0).dtOrDefault()), true
	case "IRI":
		switch a(0).Kind {
		case IRI:
			return a(0), true
		case Literal:
			if !isPlainString(a(0)) {
				return Term{}, false
			}
			return NewIRI(resolveIRI(ev.base, a(0).Value)), true
		}
		return Term{}, false
	case "BNODE":
		if len(args) == 0 {
			ev.bnodeN++
			return NewBlank(fmt.Sprintf("%sf%d", ev.bnodeID, ev.bnodeN)), true
		}
		if !isPlainString(a(0)) {
			return Term{}, false
		}
		// the same string gives the same blank node within one solution (ev.solN), another
		// one in the next
		return NewBlank(fmt.Sprintf("%ss%d_%s", ev.bnodeID, ev.solN, hex.EncodeToString([]byte(a(0).Value)))), true
	case "RAND":
		return number{k: nDouble, f: mrand.Float64()}.term(), true
	case "ABS", "CEIL", "FLOOR", "ROUND":
		n, ok := numeric(a(0))
		if !ok {
			return Term{}, false
		}
		return roundNum(name, n).term(), true
	case "CONCAT":
		var b strings.Builder
		lang, dt, first := "", "", true
		for _, t := range args {
			v, ok := stringArg(t)
			if !ok {
				return Term{}, false
			}
			if first {
				lang, dt, first = t.Lang, t.Datatype, false
			} else if t.Lang != lang || t.Datatype != dt {
				lang, dt = "", ""
			}
			b.WriteString(v)
		}
		if lang != "" {
			return NewLiteral(b.String(), lang, ""), true
		}
		return str(b.String()), true
	case "SUBSTR":
		v, ok := stringArg(a(0))
		if !ok {
			return Term{}, false
		}
		return substr(a(0), v, args[1:])
	case "STRLEN":
		v, ok := stringArg(a(0))
		if !ok {
			return Term{}, false
		}
		return intTerm(int64(utf8.RuneCountInString(v))), true
	case "REPLACE":
		v, ok := stringArg(a(0))
		pat, ok2 := stringArg(a(1))
		rep, ok3 := stringArg(a(2))
		flags := ""
		if len(args) == 4 {
			var ok4 bool
			if flags, ok4 = stringArg(a(3)); !ok4 {
				return Term{}, false
			}
		}
		if !ok || !ok2 || !ok3 || !isPlainString(a(1)) && a(1).Lang != "" {
			return Term{}, false
		}
		re, ok := compileRegex(pat, flags)
		if !ok || re.MatchString("") {
			return Term{}, false // a pattern matching the empty string is an error (XPath fn:replace)
		}
		return sameKind(a(0), re.ReplaceAllString(v, xpathReplacement(rep))), true
	case "UCASE", "LCASE":
		v, ok := stringArg(a(0))
		if !ok {
			return Term{}, false
		}
		if name == "UCASE" {
			return sameKind(a(0), strings.ToUpper(v)), true
		}
		return sameKind(a(0), strings.ToLower(v)), true
	case "ENCODE_FOR_URI":
		v, ok := stringArg(a(0))
		if !ok {
			return Term{}, false
		}
		return str(encodeForURI(v)), true
	case "CONTAINS", "STRSTARTS", "STRENDS", "STRBEFORE", "STRAFTER":
		if !argCompatible(a(0), a(1)) {
			return Term{}, false
		}
		x, y := a(0).Value, a(1).Value
		switch name {
		case "CONTAINS":
			return boolTerm(strings.Contains(x, y)), true
		case "STRSTARTS":
			return boolTerm(strings.HasPrefix(x, y)), true
		case "STRENDS":
			return boolTerm(strings.HasSuffix(x, y)), true
		case "STRBEFORE":
			i := strings.Index(x, y)
			if i < 0 {
				return str(""), true
			}
			return sameKind(a(0), x[:i]), true
		default:
			i := strings.Index(x, y)
			if i < 0 {
				return str(""), true
			}
			return sameKind(a(0), x[i+len(y):]), true
		}
	case "YEAR", "MONTH", "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ":
		return dateFunc(name, a(0))
	case "NOW":
		return Term{Kind: Literal, Value: ev.now.Format("2006-01-02T15:04:05.000Z07:00"), Datatype: xsdDateTime}, true
	case "UUID", "STRUUID":
		var b [16]byte
		rand.Read(b[:])
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		u := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
		if name == "UUID" {
			return NewIRI("urn:uuid:" + u), true
		}
		return str(u), true
	case "MD5", "SHA1", "SHA256", "SHA384", "SHA512":
		if !isPlainString(a(0)) {
			return Term{}, false
		}
		var h hash.Hash
		switch name {
		case "MD5":
			h = md5.New()
		case "SHA1":
			h = sha1.New()
		case "SHA256":
			h = sha256.New()
		case "SHA384":
			h = sha512.New384()
		default:
			h = sha512.New()
		}
		h.Write([]byte(a(0).Value))
		return str(hex.EncodeToString(h.Sum(nil))), true
	case "STRLANG":
		if !isPlainString(a(0)) || !isPlainString(a(1)) || a(1).Value == "" {
			return Term{}, false
		}
		return NewLiteral(a(0).Value, a(1).Value, ""), true
	case "STRDT":
		if !isPlainString(a(0)) || a(1).Kind != IRI {
			return Term{}, false
		}
		return NewLiteral(a(0).Value, "", a(1).Value), true
	case "SAMETERM":
		return boolTerm(a(0) == a(1)), true
	case "ISIRI":
		return boolTerm(a(0).Kind == IRI), true
	case "ISBLANK":
		return boolTerm(a(0).Kind == Blank), true
	case "ISLITERAL":
		return boolTerm(a(0).Kind == Literal), true
	case "ISNUMERIC":
		_, ok := numeric(a(0))
		return boolTerm(ok), true
	case "REGEX":
		v, ok := stringArg(a(0))
		if !ok || !isPlainString(a(1)) {
			return Term{}, false
		}
		flags := ""
		if len(args) == 3 {
			if !isPlainString(a(2)) {
				return Term{}, false
			}
			flags = a(2).Value
		}
		re, ok := compileRegex(a(1).Value, flags)
		if !ok {
			return Term{}, false
		}
		return boolTerm(re.MatchString(v)), true
	}
	return Term{}, false
}

func langMatches(tag, rng string) bool {
	if rng == "*" {
		return tag != ""
	}
	tag, rng = strings.ToLower(tag), strings.ToLower(rng)
	return tag == rng || strings.HasPrefix(tag, rng+"-")
}

// xpathReplacement turns XPath's $1 references into Go's ${1}, and \$ into a literal $.
func xpathReplacement(rep string) string {
	var b strings.Builder
	for i := 0; i < len(rep); i++ {
		c := rep[i]
		switch {
		case c == '\\' && i+1 < len(rep):
			i++
			if rep[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(rep[i])
			}
		case c == '$' && i+1 < len(rep) && isDigit(rep[i+1]):
			j := i + 1
			for j < len(rep) && isDigit(rep[j]) {
				j++
			}
			b.WriteString("${" + rep[i+1:j] + "}")
			i = j - 1
		case c == '$':
			b.WriteString("$$")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func encodeForURI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlpha(c) || isDigit(c) || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func substr(t Term, v string, args []Term) (Term, bool) {
	rs := []rune(v)
	n, ok := numeric(args[0])
	if !ok {
		return Term{}, false
	}
	start := math.Round(n.float())
	length := math.Inf(1)
	if len(args) == 2 {
		l, ok := numeric(args[1])
		if !ok {
			return Term{}, false
		}
		length = math.Round(l.float())
	}
	if math.IsNaN(start) || math.IsNaN(length) {
		return sameKind(t, ""), true
	}
	// XPath fn:substring: characters at positions p with start <= p < start+length
	var b strings.Builder
	for i, r := range rs {
		p := float64(i + 1)
		if p >= start && p < start+length {
			b.WriteRune(r)
		}
	}
	return sameKind(t, b.String()), true
}

func roundNum(name string, n number) number {
	if n.k >= nFloat {
		f := n.f
		switch name {
		case "ABS":
			f = math.Abs(f)
		case "CEIL":
			f = math.Ceil(f)
		case "FLOOR":
			f = math.Floor(f)
		case "ROUND":
			f = math.Floor(f + 0.5)
		}
		return number{k: n.k, f: f}
	}
	r := new(big.Rat).Set(n.r)
	switch name {
	case "ABS":
		r.Abs(r)
	case "CEIL":
		r = ratFloor(r.Neg(r))
		r.Neg(r)
	case "FLOOR":
		r = ratFloor(r)
	case "ROUND":
		r = ratFloor(r.Add(r, big.NewRat(1, 2)))
	}
	return number{k: n.k, r: r}
}

func ratFloor(r *big.Rat) *big.Rat {
	q := new(big.Int)
	m := new(big.Int)
	q.DivMod(r.Num(), r.Denom(), m) // Euclidean: floor for a positive denominator
	return new(big.Rat).SetInt(q)
}

func dateFunc(name string, t Term) (Term, bool) {
	tm, tz, ok := dateTime(t)
	if !ok {
		return Term{}, false
	}
	switch name {
	case "YEAR":
		return intTerm(int64(tm.Year())), true
	case "MONTH":
		return intTerm(int64(tm.Month())), true
	case "DAY":
		return intTerm(int64(tm.Day())), true
	case "HOURS":
		return intTerm(int64(tm.Hour())), true
	case "MINUTES":
		return intTerm(int64(tm.Minute())), true
	case "SECONDS":
		sec := new(big.Rat).SetFrac64(int64(tm.Second())*1e9+int64(tm.Nanosecond()), 1e9)
		return Term{Kind: Literal, Value: strings.TrimSuffix(formatDecimal(sec), ".0"), Datatype: xsdDecimal}.fixDecimal(), true
	case "TIMEZONE":
		if !tz {
			return Term{}, false
		}
		_, off := tm.Zone()
		return Term{Kind: Literal, Value: dayTimeDuration(off), Datatype: xsd + "dayTimeDuration"}, true
	case "TZ":
		if !tz {
			return str(""), true
		}
		_, off := tm.Zone()
		if off == 0 {
			return str("Z"), true
		}
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		return str(fmt.Sprintf("%s%02d:%02d", sign, off/3600, off%3600/60)), true
	}
	return Term{}, false
}

func (t Term) fixDecimal() Term {
	if !strings.Contains(t.Value, ".") {
		t.Value += ".0"
	}
	return t
}

func dayTimeDuration(off int) string {
	if off == 0 {
		return "PT0S"
	}
	sign := ""
	if off < 0 {
		sign, off = "-", -off
	}
	s := sign + "PT"
	if h := off / 3600; h > 0 {
		s += strconv.Itoa(h) + "H"
	}
	if m := off % 3600 / 60; m > 0 {
		s += strconv.Itoa(m) + "M"
	}
	return s
}

// cast applies an XSD constructor function (§17.5); other function IRIs are unknown: an error.
func cast(iri string, args []Term) (Term, bool) {
	if len(args) != 1 {
		return Term{}, false
	}
	v := args[0]
	if v.Kind == Blank || (v.Kind == IRI && iri != xsdString) {
		return Term{}, false
	}
	lex := strings.TrimSpace(v.Value)
	switch iri {
	case xsdString:
		// known types cast to their canonical form (XPath casting to xs:string)
		if n, ok := numeric(v); ok {
			c := n.term().Value
			if n.k == nDecimal {
				c = strings.TrimSuffix(c, ".0")
			}
			if a := math.Abs(n.f); n.k >= nFloat && (a == 0 || a >= 1e-6 && a < 1e6) {
				// XPath: such doubles cast through xs:decimal
				c = strconv.FormatFloat(n.f, 'f', -1, 64)
			}
			return str(c), true
		}
		if b, ok := boolValue(v); ok {
			return str(strconv.FormatBool(b)), true
		}
		return str(v.Value), true
	case xsdBoolean:
		if n, ok := numeric(v); ok {
			if n.k >= nFloat {
				return boolTerm(n.f != 0 && !math.IsNaN(n.f)), true
			}
			return boolTerm(n.r.Sign() != 0), true
		}
		if v.Datatype != "" && v.Datatype != xsdBoolean {
			return Term{}, false
		}
		switch lex {
		case "true", "1":
			return boolTerm(true), true
		case "false", "0":
			return boolTerm(false), true
		}
		return Term{}, false
	case xsdInteger, xsdDecimal, xsdFloat, xsdDouble:
		var n number
		if b, ok := boolValue(v); ok {
			r := big.NewRat(0, 1)
			if b {
				r = big.NewRat(1, 1)
			}
			n = number{k: nInteger, r: r, f: r2f(r)}
		} else if m, ok := numeric(v); ok {
			n = m
		} else if v.Datatype != "" {
			return Term{}, false
		} else {
			// from a string: the lexical form must be valid for the target type
			t := NewLiteral(lex, "", iri)
			m, ok := numeric(t)
			if !ok {
				return Term{}, false
			}
			if iri == xsdDecimal && strings.ContainsAny(lex, "eE") {
				return Term{}, false
			}
			n = m
		}
		switch iri {
		case xsdInteger:
			if n.k >= nFloat {
				if math.IsNaN(n.f) || math.IsInf(n.f, 0) {
					return Term{}, false
				}
				r, _ := new(big.Rat).SetString(strconv.FormatFloat(math.Trunc(n.f), 'f', -1, 64))
				return number{k: nInteger, r: r}.term(), true
			}
			q := new(big.Int).Quo(n.r.Num(), n.r.Denom()) // truncation towards zero
			return number{k: nInteger, r: new(big.Rat).SetInt(q)}.term(), true
		case xsdDecimal:
			if n.k >= nFloat {
				if math.IsNaN(n.f) || math.IsInf(n.f, 0) {
					return Term{}, false
				}
				r, _ := new(big.Rat).SetString(strconv.FormatFloat(n.f, 'f', -1, 64))
				return number{k: nDecimal, r: r}.term(), true
			}
			return number{k: nDecimal, r: n.r}.term(), true
		case xsdFloat:
			return number{k: nFloat, f: n.float()}.term(), true
		default:
			return number{k: nDouble, f: n.float()}.term(), true
		}
	case xsdDateTime:
		if v.Datatype != "" && v.Datatype != xsdDateTime {
			return Term{}, false
		}
		t := NewLiteral(lex, "", xsdDateTime)
		if _, _, ok := dateTime(t); !ok {
			return Term{}, false
		}
		return t, true
	}
	return Term{}, false
}

func r2f(r *big.Rat) float64 { f, _ := r.Float64(); return f }
