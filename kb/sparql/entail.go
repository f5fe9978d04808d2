package sparql

import (
	"context"

	"github.com/cayleygraph/cayley/graph"
)

type schema struct{}

type entailment struct {
	regime Entailment
	schema *schema
}

func (e *Engine) schemaFor(ctx context.Context, qs graph.QuadStore) (*schema, error) {
	return &schema{}, nil
}

func (en *entailment) match(ev *evaluator, s, p, o Term, yield func(s, p, o Term) bool) error {
	return ev.src.match(s, p, o, Term{}, yield)
}
