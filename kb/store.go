package kb

// API CONTRACT (stub bodies until the kb helper lands the implementation; signatures are what
// ingest, web, fixtures and search code against).

import (
	"context"
	"errors"
	"io"

	"sportello/kb/rdf"
)

// ErrNotFound is returned when an IRI or code names nothing in the store.
var ErrNotFound = errors.New("not found")

var errTODO = errors.New("kb: not implemented yet")

// Store is the knowledge graph.
type Store struct{}

// Open opens (creating if needed) the bolt-backed store in dir.
func Open(dir string) (*Store, error) { return nil, errTODO }

// OpenMemory opens an empty in-memory store (cayley memstore), for tests.
func OpenMemory() (*Store, error) { return nil, errTODO }

func (s *Store) Close() error { return nil }

// PillFilter selects pills. Zero value: every pill.
type PillFilter struct {
	Status  []Status // any of these; empty = any
	Concept string   // filed under this concept or a narrower one
	Office  string
	Code    string
	Limit   int
	Offset  int
}

// PutPill creates or replaces a pill in one transaction. An empty IRI is minted from the code
// (or a new id) and written back into p.
func (s *Store) PutPill(ctx context.Context, p *Pill) error          { return errTODO }
func (s *Store) Pill(ctx context.Context, iri string) (*Pill, error) { return nil, errTODO }
func (s *Store) PillByCode(ctx context.Context, code string) (*Pill, error) {
	return nil, errTODO
}
func (s *Store) Pills(ctx context.Context, f PillFilter) ([]Pill, error) { return nil, errTODO }
func (s *Store) DeletePill(ctx context.Context, iri string) error        { return errTODO }

func (s *Store) PutConcept(ctx context.Context, c *Concept) error          { return errTODO }
func (s *Store) Concept(ctx context.Context, iri string) (*Concept, error) { return nil, errTODO }
func (s *Store) Concepts(ctx context.Context) ([]Concept, error)           { return nil, errTODO }

// ConceptByLabel finds a concept by any of its labels, case- and accent-insensitively.
func (s *Store) ConceptByLabel(ctx context.Context, label string) (*Concept, error) {
	return nil, errTODO
}

// Narrower returns the IRIs below iri (transitively when asked), without scanning the store.
func (s *Store) Narrower(ctx context.Context, iri string, transitive bool) ([]string, error) {
	return nil, errTODO
}

func (s *Store) PutUnit(ctx context.Context, u *Unit) error          { return errTODO }
func (s *Store) Unit(ctx context.Context, iri string) (*Unit, error) { return nil, errTODO }
func (s *Store) Units(ctx context.Context) ([]Unit, error)           { return nil, errTODO }

// UnitByName finds a unit by name, case- and accent-insensitively.
func (s *Store) UnitByName(ctx context.Context, name string) (*Unit, error) { return nil, errTODO }

func (s *Store) PutPerson(ctx context.Context, p *Person) error          { return errTODO }
func (s *Store) Person(ctx context.Context, iri string) (*Person, error) { return nil, errTODO }
func (s *Store) People(ctx context.Context) ([]Person, error)            { return nil, errTODO }

// ImportOptions: Graph is the named graph to load into (empty: the graph each quad names, or
// the content graph for triples); File names the input in errors.
type ImportOptions struct {
	Graph string
	Base  string
	File  string
}

// Import loads an RDF document in one transaction: on a parse error nothing is written.
func (s *Store) Import(ctx context.Context, r io.Reader, f rdf.Format, opt ImportOptions) (int, error) {
	return 0, errTODO
}

// Export writes the whole store, or one named graph, in format f.
func (s *Store) Export(ctx context.Context, w io.Writer, f rdf.Format, graph string) error {
	return errTODO
}

// ExportVCard writes offices and people as vCard 4.0.
func (s *Store) ExportVCard(ctx context.Context, w io.Writer) error { return errTODO }

func (s *Store) Stats(ctx context.Context) (Stats, error) { return Stats{}, errTODO }
