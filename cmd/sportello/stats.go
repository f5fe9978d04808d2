package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"sportello/kb"
)

func init() {
	register(&command{
		name:    "stats",
		summary: "count what the knowledge graph holds: triples, pills, concepts, offices, people",
		usage:   "[--json]",
		run:     runStats,
	})
}

func runStats(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	data := dataFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if !kb.Exists(*data) {
		return fmt.Errorf("%s: no knowledge graph here (import data or run sportello serve first)", *data)
	}
	store, err := kb.Open(*data)
	if err != nil {
		return err
	}
	defer store.Close()
	st, err := store.Stats(context.Background())
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	fmt.Fprintf(stdout, "triples   %d\npills     %d\nconcepts  %d\noffices   %d\npeople    %d\n",
		st.Triples, st.Pills, st.Concepts, st.Offices, st.People)
	return nil
}
