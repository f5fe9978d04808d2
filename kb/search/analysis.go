package search

import (
	"sportello/internal/textfold"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/it"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// Names of the analysis components registered with bleve. They are part of the on-disk index
// mapping: renaming one makes existing indexes unreadable, so schemaVersion must change too.
const (
	foldFilterName     = "sportello_fold"
	foldedStopName     = "sportello_stop_folded"
	analyzerItalian    = "sportello_it"     // stemmed: the text fields
	analyzerFolded     = "sportello_folded" // not stemmed: names, spelling dictionary
	analyzerKeywordLow = "sportello_keyword"
)

func init() {
	registry.RegisterTokenFilter(foldFilterName, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return foldFilter{}, nil
	})
	registry.RegisterTokenFilter(foldedStopName, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return foldedStopFilter{}, nil
	})
}

// addAnalyzers declares the Italian analyzers on m. Stop words are removed before folding
// (bleve's list is accented: "perché", "più") and again after it, because callers type without
// accents ("perche").
func addAnalyzers(m *mapping.IndexMappingImpl) error {
	if err := m.AddCustomAnalyzer(analyzerItalian, map[string]interface{}{
		"type":      custom.Name,
		"tokenizer": unicodetok.Name,
		"token_filters": []interface{}{
			lowercase.Name, it.ElisionName, it.StopName, foldFilterName, foldedStopName, it.LightStemmerName,
		},
	}); err != nil {
		return err
	}
	if err := m.AddCustomAnalyzer(analyzerFolded, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     unicodetok.Name,
		"token_filters": []interface{}{lowercase.Name, it.ElisionName, foldFilterName},
	}); err != nil {
		return err
	}
	return m.AddCustomAnalyzer(analyzerKeywordLow, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     single.Name,
		"token_filters": []interface{}{lowercase.Name, foldFilterName},
	})
}

type foldFilter struct{}

func (foldFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, t := range input {
		if isASCII(t.Term) {
			continue
		}
		t.Term = []byte(textfold.Fold(string(t.Term)))
	}
	return input
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// foldedStops is bleve's Italian stop list without accents ("perche", "piu", "sara").
var foldedStops = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(string(it.ItalianStopWords), "\n") {
		if i := strings.IndexByte(line, '|'); i >= 0 {
			line = line[:i]
		}
		for _, w := range strings.Fields(line) {
			m[textfold.Fold(w)] = true
		}
	}
	return m
}()

type foldedStopFilter struct{}

func (foldedStopFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	out := input[:0]
	for _, t := range input {
		if !foldedStops[string(t.Term)] {
			out = append(out, t)
		}
	}
	return out
}

// fillers are words of spoken requests that say nothing about the subject ("come faccio
// a…", "vorrei sapere…", "mi serve…"). They are dropped from queries only: in the knowledge
// base they are ordinary words.
var fillers = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
		buongiorno buonasera salve scusi scusa grazie prego per favore cortesemente
		vorrei voglio volevo vuole volere sapere chiedere chiedo domandare informazione informazioni info
		posso puo possono potrei potrebbe devo deve devono dovrei bisogna serve servono occorre
		fare fa faccio fatto come cosa cos quando quanto quanta quanti dove perche chi quale quali
		ciao allora senta senti dunque ecco niente qualcosa tipo cioe praticamente
		ho hai ha mio mia miei mie suo sua
		regione regionale molisella
		pronto buon giorno gentilmente cortesia insomma diciamo eh ehm beh
		va altro altra altri altre anche pure proprio adesso`) {
		fillers[w] = true
	}
}

// word is one word of a query: Raw as typed (folded), Terms as the index analyzer produced them
// (empty for stop words).
type word struct {
	Raw   string
	Terms []string
}

// splitWords splits a query into folded words, keeping letters, digits, '-' inside codes
// ("SAL-012") and apostrophes for the elision filter.
func splitWords(q string) []string {
	q = textfold.Fold(q)
	var words []string
	var cur strings.Builder
	flush := func() {
		w := strings.Trim(cur.String(), "-'")
		if w != "" {
			words = append(words, w)
		}
		cur.Reset()
	}
	for _, r := range q {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-':
			cur.WriteRune(r)
		case r == '\'':
			// "dell'esenzione": the article is elided, the noun is a word of its own.
			flush()
		default:
			flush()
		}
	}
	flush()
	return words
}

// analyze runs text through a named analyzer and returns the terms.
func analyze(a analysis.Analyzer, text string) []string {
	if a == nil {
		return nil
	}
	var out []string
	for _, t := range a.Analyze([]byte(text)) {
		out = append(out, string(t.Term))
	}
	return out
}
