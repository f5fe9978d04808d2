package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sportello/audit"
	"sportello/ingest"
	"sportello/kb"
	"sportello/kb/rdf"
)

func init() {
	register(&command{
		name:    "import",
		summary: "load RDF files (Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD) or spreadsheets (.xlsx, .xls, .ods, .csv) into the knowledge graph",
		usage: "[flags] FILE...\n\nExit status: 0 everything imported; 1 an error (a damaged file, a limit reached, a sheet with data\n" +
			"that cannot be mapped, --strict refused): nothing written; 2 wrong usage; 3 imported, but some\n" +
			"rows were left out (each one is in the problem report), or pills edited in Sportello kept an imported text aside, or a directory workbook no longer lists\n" +
			"offices or people the store holds (listed; retired with --retire-missing). --dry-run exits as the import would.",
		run: runImport,
	})
}

// runImport loads every RDF file in one transaction (KB-7, KB-11): a syntax error in any of them
// writes nothing. Spreadsheets (.xlsx, .xls, .ods, .csv) go to the workbook importer afterwards, so that they can
// link to offices and concepts the RDF files brought in.
func runImport(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	data := dataFlag(fs)
	format := fs.String("format", "", "RDF syntax of the files: "+formatNames()+" (default: from each file's extension; required for -; workbooks are always workbooks)")
	graphIRI := fs.String("graph", "", "load every statement into this named graph (an IRI, or a short name such as content, taxonomy, directory)")
	excel := addExcelFlags(fs)
	dsn := dbFlag(fs) // where the audit log records the import
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("no file to import")
	}
	var forced rdf.Format
	if *format != "" {
		if forced, err = rdf.ParseFormat(*format); err != nil {
			return usagef("%v", err)
		}
	}
	g, err := graphName(*graphIRI)
	if err != nil {
		return err
	}
	type rdfFile struct {
		path   string
		format rdf.Format
	}
	var rdfFiles []rdfFile
	var workbooks []string
	for _, f := range files {
		switch ext := strings.ToLower(filepath.Ext(f)); {
		case ingest.SupportedExt(f):
			workbooks = append(workbooks, f)
		case forced != "":
			rdfFiles = append(rdfFiles, rdfFile{f, forced})
		case f == "-":
			return usagef("reading standard input needs --format")
		default:
			ff, ok := rdf.FormatFromExt(f)
			if !ok {
				return usagef("%s: cannot tell the format from the extension %q: use --format", f, ext)
			}
			rdfFiles = append(rdfFiles, rdfFile{f, ff})
		}
	}

	store, err := kb.Open(*data)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()

	actor, publish, err := excel.who()
	if err != nil {
		return err
	}
	var conflicts error
	if len(rdfFiles) > 0 {
		results := make([]*kb.RDFImport, len(rdfFiles))
		err := store.Update(ctx, func(b *kb.Batch) error {
			for i, f := range rdfFiles {
				res, err := importFile(b, f.path, f.format, kb.ImportOptions{Graph: g, Actor: actor, Publish: publish})
				if err != nil {
					return err
				}
				results[i] = res
			}
			if dryRun(fs) {
				return errDryRun // parsed and checked; the batch is dropped
			}
			return nil
		})
		if errors.Is(err, errDryRun) {
			err = nil
			fmt.Fprintln(stdout, "dry run: nothing written")
		}
		if err != nil {
			return fmt.Errorf("%w (nothing imported)", err)
		}
		total, nconf := 0, 0
		names := make([]string, len(rdfFiles))
		for i, f := range rdfFiles {
			res := results[i]
			fmt.Fprintf(stdout, "%s: %d statements (%s)\n", f.path, res.Statements, f.format)
			total += res.Statements
			printPillOutcomes(stdout, res)
			nconf += res.Conflicts()
			names[i] = filepath.Base(f.path)
		}
		if len(rdfFiles) > 1 {
			fmt.Fprintf(stdout, "total: %d statements from %d files\n", total, len(rdfFiles))
		}
		if !dryRun(fs) {
			detail := fmt.Sprintf("%d dichiarazioni RDF", total)
			if nconf > 0 {
				// The pills edited in Sportello kept the imported text aside: imported, with
				// rows left out, as a workbook's conflicts (exit status 3).
				conflicts = exitError{code: 3, msg: fmt.Sprintf("%d pills edited in Sportello since their last import kept the imported text aside for the publisher (everything else was imported)", nconf)}
				detail += fmt.Sprintf("; %d in conflitto", nconf)
			}
			if err := recordCLI(fs, *dsn, *data, audit.ImportRun, "file "+strings.Join(names, ", "), detail); err != nil {
				return err
			}
		}
	}
	if len(workbooks) > 0 {
		err := excel.run(ctx, store, workbooks, stdout)
		var ee exitError
		if (err == nil || errors.As(err, &ee) && ee.code == 3) && !excel.dryRun && !excel.showMapping {
			names := make([]string, len(workbooks))
			for i, f := range workbooks {
				names[i] = filepath.Base(f)
			}
			detail := "importazione completata"
			if err != nil {
				detail = "importazione completata; " + err.Error()
			}
			if rerr := recordCLI(fs, *dsn, *data, audit.ImportRun, "file "+strings.Join(names, ", "), detail); rerr != nil && err == nil {
				return rerr
			}
		}
		if err != nil {
			return err
		}
	}
	return conflicts
}

// printPillOutcomes says what an RDF import did to the pills it described.
func printPillOutcomes(w io.Writer, res *kb.RDFImport) {
	if len(res.Pills) == 0 && res.Skipped == 0 {
		return
	}
	n := map[kb.ImportOutcome]int{}
	for _, p := range res.Pills {
		n[p.Outcome]++
	}
	fmt.Fprintf(w, "  pills: %d created, %d updated, %d unchanged, %d conflicts\n",
		n[kb.ImportCreated], n[kb.ImportUpdated], n[kb.ImportUnchanged], n[kb.ImportConflict])
	for _, p := range res.Pills {
		if p.Outcome == kb.ImportConflict {
			fmt.Fprintf(w, "  conflict: %s: %s; the imported text waits for the publisher\n", p.IRI, p.Reason)
		}
	}
	if res.Skipped > 0 {
		fmt.Fprintf(w, "  %d statements of pill histories in an earlier format (titles only) not imported (the pills' current texts were)\n", res.Skipped)
	}
}

var errDryRun = errors.New("dry run")

// dryRun reports whether --dry-run (a workbook flag) was given: RDF files honour it too.
func dryRun(fs *flag.FlagSet) bool {
	f := fs.Lookup("dry-run")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	b, _ := g.Get().(bool)
	return b
}

func importFile(b *kb.Batch, path string, f rdf.Format, opt kb.ImportOptions) (*kb.RDFImport, error) {
	var r io.Reader = os.Stdin
	name, base := "<stdin>", ""
	if path != "-" {
		fh, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r, name = fh, path
		if abs, err := filepath.Abs(path); err == nil {
			base = "file://" + filepath.ToSlash(abs)
		}
	}
	opt.Base, opt.File = base, name
	return b.ImportRDF(r, f, opt)
}

// parseInterspersed parses flags that may come before, between or after the file names.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// graphName accepts a named graph as a full IRI or by its short name (content, taxonomy…).
func graphName(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", nil
	case strings.Contains(s, ":"):
		return s, nil
	}
	for _, g := range namedGraphs {
		if strings.TrimPrefix(g, graphBase) == s {
			return g, nil
		}
	}
	return "", usagef("unknown graph %q (want an IRI or one of %s)", s, shortGraphNames())
}

func formatNames() string {
	var names []string
	for _, f := range rdf.Formats {
		names = append(names, string(f))
	}
	return strings.Join(names, "|")
}
