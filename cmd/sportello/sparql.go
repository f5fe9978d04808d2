package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"sportello/kb"
	"sportello/kb/sparql"
)

func init() {
	register(&command{
		name:    "sparql",
		summary: "run a SPARQL 1.1 query on the knowledge graph (read-only)",
		usage:   "[--format json|xml|csv|tsv|turtle|ntriples|jsonld] [--entailment none|rdfs|skos|full] [--timeout 30s] [--max-rows N] QUERY|-",
		run:     runSPARQL,
	})
}

func runSPARQL(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	data := dataFlag(fs)
	format := fs.String("format", "", "result format: json, xml, csv, tsv (SELECT, ASK); turtle, ntriples, jsonld (CONSTRUCT, DESCRIBE); default json or turtle")
	entail := fs.String("entailment", "none", "reasoning: none, rdfs, skos (hierarchy and mappings), full (rdfs + skos + owl:sameAs)")
	timeout := fs.Duration("timeout", 30*time.Second, "time limit of the query")
	maxRows := fs.Int("max-rows", 0, "fail when the result has more rows (or triples) than this; 0: no limit")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give one query, or - to read it from standard input")
	}
	var f sparql.Format
	if *format != "" {
		var err error
		if f, err = sparql.ParseFormat(*format); err != nil {
			return usagef("%v", err)
		}
	}
	ent, err := sparql.ParseEntailment(*entail)
	if err != nil {
		return usagef("%v", err)
	}
	query := fs.Arg(0)
	if query == "-" {
		b, err := io.ReadAll(io.LimitReader(os.Stdin, 1<<20+1))
		if err != nil {
			return err
		}
		query = string(b)
	}
	if strings.TrimSpace(query) == "" {
		return usagef("the query is empty")
	}
	if !kb.Exists(*data) {
		return fmt.Errorf("%s: no knowledge graph here (import data or run sportello serve first)", *data)
	}
	store, err := kb.Open(*data)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := sparql.New(store).Query(context.Background(), query, sparql.Options{
		Timeout: *timeout, MaxRows: *maxRows, Entailment: ent,
	})
	var qe *sparql.Error
	if errors.As(err, &qe) {
		return errors.New(qe.Italian())
	}
	if err != nil {
		return err
	}
	if f == "" {
		f = res.DefaultFormat()
	}
	if err := res.Write(stdout, f); err != nil {
		return usagef("%v", err)
	}
	return nil
}
