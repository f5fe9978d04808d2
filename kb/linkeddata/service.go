// Package linkeddata publishes the knowledge graph on the web with the standard protocols
// (REQUIREMENTS KB-6, KB-7, KB-11): SPARQL 1.1 queries with the caller's visibility and the
// service's limits, the description of a minted IRI for Linked Data, and the VoID and
// DCAT-AP_IT description of the dataset for the national open-data catalogue. The HTTP side is
// web/semantic; this package holds the rules.
//
// # Visibility
//
// Every read goes through kb's one rule (kb.Viewer, kb.InternalStatement): the public reads the ontology, vocabularies,
// taxonomy, directory and harvested graphs whole, and the content graph pill by pill — only
// published pills inside their validity period, without their internal fields; the history
// and every other graph (imports under their own name) are for the editorial roles. The SPARQL
// engine applies it to every quad it reads, so a query, a DESCRIBE, a Linked Data document and
// the dataset's triple counts all agree. Which pills are visible is kept in memory (one read
// of the pills after each write of the store, or when a validity bound passes), because the
// engine asks while it holds the store's read lock.
package linkeddata

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cayleygraph/quad"

	"sportello/kb"
	"sportello/kb/sparql"
)

// Limits bound one query of the endpoint.
type Limits struct {
	Timeout time.Duration // per query; DefaultLimits: 20 s
	MaxRows int           // result rows or triples; DefaultLimits: 10,000
}

// DefaultLimits are the endpoint's limits unless configured.
var DefaultLimits = Limits{Timeout: 20 * time.Second, MaxRows: 10_000}

// Service answers SPARQL queries and Linked Data requests over the knowledge base.
type Service struct {
	store  *kb.Store
	engine *sparql.Engine
	gate   *gate
	limits Limits
	cfg    Config
	stats  *statsCache
}

// New returns the service over store s; zero limits take DefaultLimits.
func New(s *kb.Store, cfg Config, lim Limits) *Service {
	if lim.Timeout <= 0 {
		lim.Timeout = DefaultLimits.Timeout
	}
	if lim.MaxRows <= 0 {
		lim.MaxRows = DefaultLimits.MaxRows
	}
	sv := &Service{store: s, engine: sparql.New(s), gate: newGate(s), limits: lim, cfg: cfg.withDefaults()}
	sv.stats = newStatsCache(s)
	return sv
}

// Limits returns the service's limits (for the query page and error messages).
func (sv *Service) Limits() Limits { return sv.limits }

// Config returns the dataset configuration with its defaults.
func (sv *Service) Config() Config { return sv.cfg }

// Request is one query of the endpoint.
type Request struct {
	Query      string
	Viewer     kb.Viewer
	Entailment sparql.Entailment
	// DefaultGraphs and NamedGraphs are the protocol's default-graph-uri and named-graph-uri:
	// when either is given they replace the query's FROM and FROM NAMED.
	DefaultGraphs, NamedGraphs []string
	Base                       string // base IRI for relative IRIs in the query
}

// Query runs a SPARQL query as r.Viewer may see the store. Every failure is a *sparql.Error.
func (sv *Service) Query(ctx context.Context, r Request) (*sparql.Result, error) {
	if err := sparql.Parse(r.Query); err != nil {
		return nil, err // a syntax error costs no read of the pills
	}
	vis, err := sv.gate.visibility(ctx, r.Viewer)
	if err != nil {
		return nil, &sparql.Error{Kind: sparql.ErrInternal, Msg: err.Error()}
	}
	opt := sparql.Options{
		Timeout: sv.limits.Timeout, MaxRows: sv.limits.MaxRows,
		Visibility: vis, Entailment: r.Entailment, Base: r.Base,
	}
	if len(r.DefaultGraphs) > 0 || len(r.NamedGraphs) > 0 {
		opt.Dataset = &sparql.Dataset{Default: r.DefaultGraphs, Named: r.NamedGraphs, Override: true}
	}
	return sv.engine.Query(ctx, r.Query, opt)
}

// ErrNotFound: the IRI describes nothing the viewer may see.
var ErrNotFound = errors.New("linkeddata: nothing to describe")

// Describe returns what viewer v may see about the resource with IRI iri: its statements in
// every readable graph and those of the blank nodes and owned nodes (<iri#…>) they reach, as
// triples without graph. ErrNotFound when there is none (an unknown IRI, or a pill the viewer
// may not see).
func (sv *Service) Describe(ctx context.Context, iri string, v kb.Viewer) ([]quad.Quad, error) {
	if strings.ContainsAny(iri, "<>\"{}|^`\\ \n\t") {
		return nil, ErrNotFound
	}
	// The owned nodes (<pill#answer>, <unit#address>) belong to the document of the IRI, as the
	// pages show them: DESCRIBE gives each its concise bounded description.
	q := `SELECT DISTINCT ?o WHERE { <` + iri + `> ?p ?o FILTER(isIRI(?o) && STRSTARTS(STR(?o), "` + iri + `#")) }`
	res, err := sv.Query(ctx, Request{Query: q, Viewer: v})
	if err != nil {
		return nil, err
	}
	targets := "<" + iri + ">"
	for _, row := range res.Rows {
		targets += " <" + row[0].Value + ">"
	}
	res, err = sv.Query(ctx, Request{Query: "DESCRIBE " + targets, Viewer: v})
	if err != nil {
		return nil, err
	}
	if len(res.Triples) == 0 {
		return nil, ErrNotFound
	}
	return res.Triples, nil
}
