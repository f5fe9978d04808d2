package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sportello/audit"
	"strings"

	"sportello/internal/fsperm"
	"sportello/kb"
	"sportello/kb/rdf"
	"sportello/ontology"
)

const graphBase = ontology.GraphBase

// namedGraphs are the graphs a user may name by their short name.
var namedGraphs = []string{
	ontology.GraphOntology, ontology.GraphVocabulary, ontology.GraphTaxonomy,
	ontology.GraphContent, ontology.GraphDirectory, ontology.GraphHistory,
}

func shortGraphNames() string {
	var names []string
	for _, g := range namedGraphs {
		names = append(names, strings.TrimPrefix(g, graphBase))
	}
	return strings.Join(names, ", ")
}

func init() {
	register(&command{
		name:    "export",
		summary: "write the knowledge graph (or one named graph) as RDF, or offices and people as vCard",
		usage:   "[--format " + formatNames() + "|vcard] [--graph IRI] [-o FILE] [--db DSN]\n\nThe export holds drafts and the history: it is recorded in the audit log.",
		run:     runExport,
	})
}

// runExport is the Administration's way to take its data back at any time (KB-11, KB-5).
func runExport(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	data := dataFlag(fs)
	format := fs.String("format", "turtle", "output syntax: "+formatNames()+"|vcard")
	graphIRI := fs.String("graph", "", "export only this named graph (an IRI or a short name: "+shortGraphNames()+")")
	out := fs.String("o", "", "write to `FILE` instead of standard output (written whole or not at all)")
	dsn := dbFlag(fs) // where the audit log records the export
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	vcard := strings.EqualFold(*format, "vcard") || strings.EqualFold(*format, "vcf")
	var f rdf.Format
	if !vcard {
		var err error
		if f, err = rdf.ParseFormat(*format); err != nil {
			return usagef("%v", err)
		}
	}
	g, err := graphName(*graphIRI)
	if err != nil {
		return err
	}
	if vcard && g != "" {
		return usagef("--graph does not apply to --format vcard (it exports the directory)")
	}

	if !kb.Exists(*data) {
		return fmt.Errorf("%s: no knowledge graph here (import data or run sportello serve first)", *data)
	}
	store, err := kb.Open(*data)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()

	write := func(w io.Writer) error {
		if vcard {
			return store.ExportVCard(ctx, w)
		}
		return store.Export(ctx, w, f, g)
	}
	if *out == "" || *out == "-" {
		bw := bufio.NewWriter(stdout)
		if err := write(bw); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	} else if err := writeFileAtomic(*out, write); err != nil {
		return err
	}
	// The whole graph holds drafts, internal notes and the history: an export of internal data.
	what := "grafo completo"
	switch {
	case vcard:
		what = "rubrica (vCard)"
	case g != "":
		what = "grafo " + g
	}
	return recordCLI(fs, *dsn, *data, audit.ExportDownload, what, "formato "+*format+", file "+orText(*out, "standard output"))
}

// writeFileAtomic writes to a temporary file next to path and renames it into place, so that a
// failed export never leaves a truncated file behind.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// Private like everything the binary writes (internal/fsperm): a full export holds drafts
	// and history; whoever publishes it widens it on purpose.
	if err := os.Chmod(tmp.Name(), fsperm.File); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
