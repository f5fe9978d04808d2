package search

import (
	"context"
	"math"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// The confidence of a response (REQUIREMENTS TK-9) is a logistic regression over features of
// the best hit and of the query, fitted on the development sets (TestFitConfidence with
// SPORTELLO_SEARCH_FIT=1 rewrites model_coef.go) and reported on the frozen sets. It replaces
// hand-set thresholds: the weights and the threshold come from data, and the calibration table
// in the README says how far the probabilities can be trusted.

// Names of the features, in order; model_coef.go's coefficients follow this order.
var featureNames = []string{
	"coverage",        // share of the query (weighted by rarity) in the best hit's strong fields
	"coverage_gap",    // the best hit's coverage less the best of the others'
	"score_ratio",     // the next hit's rank key over the best one's (1: a tie)
	"known_missing",   // share of the query the base uses elsewhere but the best hit lacks
	"rarest_matched",  // the best hit holds the query's rarest word the base knows
	"unknown_share",   // share of the query the base never uses
	"query_slots",     // log(1 + words and phrases asked about)
	"learned",         // the best hit matches through phrasings learned from contacts
	"directory_hit",   // the best hit is an office or a person
	"directory_query", // the query asks for an office or a person
	"in_title",        // a query word is marked in the best hit's title or question (or name)
	"rule",            // the former hand-set rule said "confident"
	"single_hit",      // only one candidate
}

// confidenceModel is a fitted logistic regression on standardised features.
type confidenceModel struct {
	Mean, Scale, Coef []float64
	Bias              float64
	// Threshold is the lowest probability answered "sure", chosen on the development sets for
	// at most a few wrong sure answers.
	Threshold float64
}

func (m confidenceModel) probability(f []float64) float64 {
	if len(f) == 0 || len(m.Coef) != len(f) {
		return 0
	}
	z := m.Bias
	for i, v := range f {
		z += m.Coef[i] * (v - m.Mean[i]) / m.Scale[i]
	}
	return math.Round(1/(1+math.Exp(-z))*1000) / 1000
}

// features describes the best hit of a ranked list; nil when there is none.
func features(hits []Hit, slots []*slot, dirIntent, learned bool) []float64 {
	if len(hits) == 0 {
		return nil
	}
	top := hits[0]
	otherCov, next := 0.0, 0.0
	for _, h := range hits[1:] {
		otherCov = max(otherCov, h.Coverage)
		next = max(next, rankKey(h))
	}
	ratio := 0.0
	if k := rankKey(top); k > 0 {
		ratio = next / k
	}
	var total, knownMissing, unknown float64
	best := -1
	for i, s := range slots {
		total += s.weight
		if s.df == 0 {
			unknown += s.weight
			continue
		}
		if best < 0 || s.weight > slots[best].weight {
			best = i
		}
		if i < len(top.matched) && !top.matched[i] {
			knownMissing += s.weight
		}
	}
	if total > 0 {
		knownMissing /= total
		unknown /= total
	}
	rarest := best >= 0 && best < len(top.matched) && top.matched[best]
	return []float64{
		top.Coverage,
		top.Coverage - otherCov,
		ratio,
		knownMissing,
		b2f(rarest),
		unknown,
		math.Log1p(float64(len(slots))),
		b2f(learned),
		b2f(top.Kind != KindPill),
		b2f(dirIntent),
		b2f(top.inTitle),
		b2f(confident(hits, slots)),
		b2f(len(hits) == 1),
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// learnedMatch reports whether a document matches a word of the query in its learned
// phrasings (the strong field: at least MinContacts contacts).
func (x *Index) learnedMatch(ctx context.Context, slots []*slot, iri string) (bool, error) {
	var qs []query.Query
	for _, s := range slots {
		for _, t := range s.terms {
			q := bleve.NewTermQuery(t)
			q.SetField(fLearned)
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 {
		return false, nil
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery([]string{iri}), bleve.NewDisjunctionQuery(qs...)), 1, 0, false)
	res, err := x.bi.SearchInContext(ctx, req)
	if err != nil {
		return false, err
	}
	return len(res.Hits) > 0, nil
}
