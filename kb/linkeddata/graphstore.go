package linkeddata

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/cayleygraph/quad"

	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/ontology"
)

// The SPARQL 1.1 Graph Store HTTP Protocol's operations (KB-7, KB-11): read, replace, add to
// and drop a named graph while the server runs. The HTTP side is web/semantic
// (/rdf-graphs/service?graph=IRI); the rules are here.
//
//   - Every write is one transaction (kb.Store.Update): a document that does not parse, or a
//     body cut at the size limit, leaves the graph as it was — the same atomicity as the
//     command line's import.
//   - kb's own graphs (ontology, vocabularies, taxonomy, content, directory, history) are
//     never written as plain statements: pills have one writer, the workflow. Adding to the
//     content graph (POST) is the RDF import, the path `sportello import` takes: each pill the
//     document describes becomes a draft (or a conflict kept aside) for the approval workflow,
//     never a published pill. Replacing or dropping one of kb's graphs, or adding to the
//     others, is refused (ErrReservedGraph): the taxonomy and the directory have their editors
//     and the import.
//   - Relative IRIs in a document resolve against the graph's IRI.

// MaxGraphBytes bounds the document of one Graph Store write (PUT or POST): the size of a
// large harvest, well above a region's whole classification.
const MaxGraphBytes = 20 << 20

// ErrNoGraph: the graph holds no statement (the protocol's 404).
var ErrNoGraph = errors.New("linkeddata: no such graph")

// ErrReservedGraph refuses a write to one of kb's own graphs other than the import of pills.
var ErrReservedGraph = errors.New("linkeddata: the graph is written by Sportello's workflow and editors")

// ErrTooLarge: the document is larger than MaxGraphBytes.
var ErrTooLarge = fmt.Errorf("linkeddata: the document is larger than %d bytes", MaxGraphBytes)

// NotAPillError refuses a statement of a document added to the content graph that is not about
// a pill the document describes: through the Graph Store the content graph takes pills only, so
// that no statement reaches a pill but through the workflow. Error() is Italian.
type NotAPillError struct {
	N       int    // the statement's number in the document, from 1
	Subject string // what it is about
}

func (e *NotAPillError) Error() string {
	return fmt.Sprintf("la dichiarazione n. %d riguarda %s, che non è una scheda descritta nel documento (con rdf:type sp:KnowledgePill) né una sua parte: nel grafo dei contenuti si importano solo schede", e.N, e.Subject)
}

// ErrGraphIRI: the graph's name is not an absolute IRI.
var ErrGraphIRI = errors.New("linkeddata: the graph is not named by an absolute IRI")

// GraphWrite is what a write did.
type GraphWrite struct {
	Graph      string
	Created    bool // the graph held nothing before
	Statements int  // statements read from the document
	// Pills are the pills an import into the content graph brought to the workflow.
	Pills []kb.ImportResult
}

// Conflicts counts the pills whose imported text was kept aside for the publisher.
func (w GraphWrite) Conflicts() int {
	n := 0
	for _, p := range w.Pills {
		if p.Outcome == kb.ImportConflict {
			n++
		}
	}
	return n
}

// CheckGraphIRI returns ErrGraphIRI unless g is an absolute IRI an RDF store can name.
func CheckGraphIRI(g string) error {
	if g == "" || strings.ContainsAny(g, " <>\"{}|\\^`\t\r\n") {
		return ErrGraphIRI
	}
	u, err := url.Parse(g)
	if err != nil || !u.IsAbs() {
		return ErrGraphIRI
	}
	return nil
}

// GraphExists reports whether graph g holds a statement.
func (sv *Service) GraphExists(ctx context.Context, g string) (bool, error) {
	if err := CheckGraphIRI(g); err != nil {
		return false, err
	}
	return sv.store.HasGraph(ctx, g)
}

// WriteGraph writes every statement of graph g in format f (the protocol's GET: an
// administrator's read, drafts and history included). ErrNoGraph when g holds nothing; check
// with GraphExists before the answer's status is sent, since the document streams.
func (sv *Service) WriteGraph(ctx context.Context, w io.Writer, f rdf.Format, g string) error {
	ok, err := sv.GraphExists(ctx, g)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoGraph
	}
	return sv.store.ExportView(ctx, w, f, kb.ExportOptions{Graph: g, Triples: true})
}

// ReplaceGraph replaces graph g with the document r in syntax f (PUT), in one transaction.
func (sv *Service) ReplaceGraph(ctx context.Context, g string, r io.Reader, f rdf.Format, actor string) (GraphWrite, error) {
	return sv.writeGraph(ctx, g, r, f, actor, true)
}

// AddToGraph adds the document r in syntax f to graph g (POST), in one transaction. Into the
// content graph it is the RDF import: pills go to the workflow.
func (sv *Service) AddToGraph(ctx context.Context, g string, r io.Reader, f rdf.Format, actor string) (GraphWrite, error) {
	return sv.writeGraph(ctx, g, r, f, actor, false)
}

func (sv *Service) writeGraph(ctx context.Context, g string, r io.Reader, f rdf.Format, actor string, replace bool) (GraphWrite, error) {
	out := GraphWrite{Graph: g}
	if err := CheckGraphIRI(g); err != nil {
		return out, err
	}
	pills := g == ontology.GraphContent && !replace
	if kb.OwnGraph(g) && !pills {
		return out, ErrReservedGraph
	}
	var quads []quad.Quad
	if pills {
		// The document is read twice — checked, then imported — so it is kept (bounded by
		// MaxGraphBytes, the route's limit too).
		body, err := io.ReadAll(io.LimitReader(r, MaxGraphBytes+1))
		if err != nil {
			return out, err
		}
		if len(body) > MaxGraphBytes {
			return out, ErrTooLarge
		}
		doc, err := readGraph(ctx, bytes.NewReader(body), f, g)
		if err != nil {
			return out, err
		}
		if err := onlyPills(doc); err != nil {
			return out, err
		}
		r = bytes.NewReader(body)
	} else {
		// Parsed before the transaction, outside the store's write lock: a document that does
		// not parse costs the other writers nothing.
		var err error
		if quads, err = readGraph(ctx, r, f, g); err != nil {
			return out, err
		}
	}
	err := sv.store.Update(ctx, func(b *kb.Batch) error {
		had, err := b.HasGraph(g)
		if err != nil {
			return err
		}
		out.Created = !had
		if pills {
			res, err := b.ImportRDF(r, f, kb.ImportOptions{Graph: g, Base: g, File: "documento", Actor: actor})
			if err != nil {
				return err
			}
			out.Statements, out.Pills = res.Statements, res.Pills
			return nil
		}
		if replace && had {
			if err := b.ClearGraph(g); err != nil {
				return err
			}
		}
		// AddQuads, not the import: a document written into another graph is kept as it is,
		// even when it describes pills or their versions (only the content graph's import
		// hands pills to the workflow).
		if err := b.AddQuads(quads); err != nil {
			return err
		}
		out.Statements = len(quads)
		return nil
	})
	if err != nil {
		return GraphWrite{Graph: g}, err
	}
	if !out.Created || out.Statements > 0 {
		return out, nil
	}
	// An empty document into a graph that held nothing creates nothing.
	out.Created = false
	return out, nil
}

// DropGraph removes every statement of graph g (DELETE), in one transaction. ErrNoGraph when g
// holds nothing.
func (sv *Service) DropGraph(ctx context.Context, g string) error {
	if err := CheckGraphIRI(g); err != nil {
		return err
	}
	if kb.OwnGraph(g) {
		return ErrReservedGraph
	}
	return sv.store.Update(ctx, func(b *kb.Batch) error {
		had, err := b.HasGraph(g)
		if err != nil {
			return err
		}
		if !had {
			return ErrNoGraph
		}
		if err := b.ClearGraph(g); err != nil {
			return fmt.Errorf("linkeddata: drop %s: %w", g, err)
		}
		return nil
	})
}

// readGraph parses a whole document into graph g: blank nodes get a prefix of their own to the
// write, so that two documents never share one; what no RDF syntax could write back is
// refused with the statement's number.
func readGraph(ctx context.Context, r io.Reader, f rdf.Format, g string) ([]quad.Quad, error) {
	qr, err := rdf.NewReader(r, f, rdf.ReaderOptions{Base: g, File: "documento"})
	if err != nil {
		return nil, err
	}
	var nonce [6]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	prefix := "g" + hex.EncodeToString(nonce[:]) + "_"
	relabel := func(v quad.Value) quad.Value {
		if b, ok := v.(quad.BNode); ok {
			return quad.BNode(prefix + string(b))
		}
		return v
	}
	label := quad.IRI(g)
	var out []quad.Quad
	for {
		if len(out)%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		q, err := qr.ReadQuad()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if err := rdf.Writable(q); err != nil {
			return nil, &rdf.ParseError{File: "documento", Msg: fmt.Sprintf("statement %d: %v", len(out)+1, err)}
		}
		q.Subject, q.Object, q.Label = relabel(q.Subject), relabel(q.Object), label
		out = append(out, q)
	}
}

// onlyPills checks that every statement of doc is about a pill the document types as
// sp:KnowledgePill, a node the pill owns (<pill#answer>), or a blank node one of those points
// to; else a *NotAPillError names the first statement that is not.
func onlyPills(doc []quad.Quad) error {
	allowed := map[quad.Value]bool{}
	pills := map[string]bool{}
	for _, q := range doc {
		if iri, ok := q.Subject.(quad.IRI); ok && q.Predicate == quad.IRI(ontology.RDFType) && q.Object == quad.IRI(ontology.KnowledgePill) {
			allowed[iri] = true
			pills[string(iri)] = true
		}
	}
	owned := func(v quad.Value) bool {
		if allowed[v] {
			return true
		}
		if iri, ok := v.(quad.IRI); ok {
			if p, _, found := strings.Cut(string(iri), "#"); found && pills[p] {
				return true
			}
		}
		return false
	}
	for changed := true; changed; { // blank nodes reached from what is allowed, at any depth
		changed = false
		for _, q := range doc {
			if b, ok := q.Object.(quad.BNode); ok && !allowed[b] && owned(q.Subject) {
				allowed[b] = true
				changed = true
			}
		}
	}
	for i, q := range doc {
		if !owned(q.Subject) {
			return &NotAPillError{N: i + 1, Subject: q.Subject.String()}
		}
	}
	return nil
}
