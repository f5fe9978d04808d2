package main

// `sportello calls import FILE…`: the call log of the Administration's own PBX (an Asterisk
// queue_log) into the saved CTI log, so the SLA reports work whichever system carried the calls.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"sportello/internal/clock"
	"sportello/internal/fsperm"
	"sportello/internal/sqldb"
	"sportello/telephony"
)

func init() {
	register(&command{
		name:    "calls",
		summary: "import a PBX's call log (Asterisk queue_log) into the contact center's event log for the SLA reports",
		usage: `import [--json] [--data DIR] [--db DSN] FILE...

Each FILE is an Asterisk queue_log (time|callid|queue|agent|EVENT|data…), "-" for standard
input. Lines already imported are recognised and skipped, so importing a file again, or a
rotated file that overlaps the last one, counts nothing twice; calls the contact center already
logged itself are skipped whole. Damaged lines are reported with their numbers and the rest is
imported; the exit status is then 1.`,
		run: runCalls,
	})
}

func runCalls(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	data := dataFlag(fs)
	dsn := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print what each file gave as JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || pos[0] != "import" {
		return usagef("missing subcommand: import")
	}
	files := pos[1:]
	if len(files) == 0 {
		return usagef("calls import needs at least one FILE")
	}
	for _, f := range files {
		if f == "-" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	if err := fsperm.MkdirAll(*data); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	ctx := context.Background()
	db, err := sqldb.Open(*dsn, *data)
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := telephony.OpenEventStore(ctx, db)
	if err != nil {
		return err
	}
	type fileReport struct {
		File string `json:"file"`
		*telephony.ImportReport
	}
	var reports []fileReport
	damaged := 0
	for _, name := range files {
		var r io.Reader = os.Stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			defer f.Close()
			r = f
		}
		rep, err := store.ImportQueueLog(ctx, r, clock.Rome())
		if err != nil {
			return fmt.Errorf("%s: %w (run the import again to complete it: lines already saved are skipped)", name, err)
		}
		reports = append(reports, fileReport{name, rep})
		damaged += rep.Damaged
		if !*asJSON {
			fmt.Fprintf(stdout, "%s: %d lines, %d events imported, %d already imported, %d of %d calls already in the log, %d damaged\n",
				name, rep.Lines, rep.Imported, rep.Duplicates, rep.KnownLines, rep.KnownCalls, rep.Damaged)
			if !rep.First.IsZero() {
				fmt.Fprintf(stdout, "  from %s to %s\n", rep.First.In(clock.Rome()).Format("2006-01-02 15:04:05"),
					rep.Last.In(clock.Rome()).Format("2006-01-02 15:04:05"))
			}
			if len(rep.Skipped) > 0 {
				names := make([]string, 0, len(rep.Skipped))
				for n := range rep.Skipped {
					names = append(names, n)
				}
				sort.Strings(names)
				fmt.Fprint(stdout, "  not used:")
				for _, n := range names {
					fmt.Fprintf(stdout, " %s %d", orQuoted(n), rep.Skipped[n])
				}
				fmt.Fprintln(stdout)
			}
		}
		// Damaged lines go to stderr, in Italian, with their numbers: the person who runs the
		// import fixes the file or knows what was left out.
		for _, p := range rep.Problems {
			fmt.Fprintf(fs.Output(), "%s: %s\n", name, p.Error())
		}
		if rep.Damaged > len(rep.Problems) {
			fmt.Fprintf(fs.Output(), "%s: e altre %d righe danneggiate\n", name, rep.Damaged-len(rep.Problems))
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return err
		}
	}
	if damaged > 0 {
		return errors.New(plural(damaged, "riga danneggiata non importata", "righe danneggiate non importate") + "; il resto è stato importato")
	}
	return nil
}

func orQuoted(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
