package sparql

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cayleygraph/cayley"
)

// FuzzParse feeds the parser arbitrary text: it must return a query or an *Error, never
// panic or loop, and what parses must run within its limits on a small store.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(sparqlSuiteRoot, "*", "*.rq"))
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(string(data))
		}
	}
	for _, q := range diffQueries {
		f.Add(prefixes + q.q)
	}
	h, err := cayley.NewMemoryGraph()
	if err != nil {
		f.Fatal(err)
	}
	e := NewQuadStore(h.QuadStore)
	f.Fuzz(func(t *testing.T, src string) {
		q, err := parse(src, "http://example.org/")
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if q == nil {
			t.Fatal("nil query without error")
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := e.Query(ctx, src, Options{Timeout: time.Second, MaxRows: 1000, MaxSolutions: 100000}); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
	})
}
