package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"sportello/ingest"
	"sportello/kb"
)

// excelImport holds the flags of `sportello import` that apply to legacy workbooks (.xlsx,
// .xls) of pills and of the phone directory — issue 3, REQUIREMENTS KB-11, KB-13.
type excelImport struct {
	strict      bool
	dryRun      bool
	showMapping bool
	mapping     string
	report      string
	kind        string
	status      string
	actor       string
	progress    bool
	retire      bool
	stderr      io.Writer
	// Reading: sheets left out on request and the limits on what a file may hold.
	skipSheets stringList
	limits     ingest.Limits
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// addExcelFlags adds the workbook flags (--strict, --dry-run, --show-mapping, --mapping, …) to
// the import command's flag set.
func addExcelFlags(fs *flag.FlagSet) *excelImport {
	x := &excelImport{}
	fs.BoolVar(&x.strict, "strict", false, "workbooks: write nothing if any row has a problem")
	fs.BoolVar(&x.dryRun, "dry-run", false, "workbooks: show what would be created, updated, left unchanged and skipped, without writing")
	fs.BoolVar(&x.showMapping, "show-mapping", false, "workbooks: print the guessed header and column mapping of every sheet, and stop")
	fs.StringVar(&x.mapping, "mapping", "", "workbooks: mapping `FILE` overriding the guessed headers (format: see the ingest package)")
	fs.StringVar(&x.report, "report", "", "workbooks: write the problem report to `FILE.xlsx`")
	fs.StringVar(&x.kind, "kind", "", "workbooks: pills|directory (default: detected from each sheet's header)")
	fs.StringVar(&x.status, "status", "draft", "status of imported pills, draft|published (published: the legacy base validated before, published at once and so recorded in each pill's history)")
	fs.StringVar(&x.actor, "actor", "", "who imports, as the pills' history names them (default: the user running the command)")
	fs.BoolVar(&x.retire, "retire-missing", false, "directory workbooks: retire the offices and people of the store the workbook no longer lists (they are reported either way, exit status 3)")
	fs.BoolVar(&x.progress, "progress", false, "workbooks: show progress on stderr even when it is not a terminal")
	fs.Var(&x.skipSheets, "skip-sheet", "workbooks: leave out the sheet `NAME` (repeatable); a sheet with data that cannot be mapped stops the import unless it is left out")
	d := ingest.DefaultLimits
	fs.IntVar(&x.limits.MaxCellBytes, "max-cell", d.MaxCellBytes, "workbooks: largest cell, in `bytes`")
	fs.IntVar(&x.limits.MaxRows, "max-rows", d.MaxRows, "workbooks: highest row number with data in a sheet")
	fs.IntVar(&x.limits.MaxColumns, "max-columns", d.MaxColumns, "workbooks: rightmost column with data")
	fs.IntVar(&x.limits.MaxSheets, "max-sheets", d.MaxSheets, "workbooks: most sheets in a file")
	fs.Int64Var(&x.limits.MaxUncompressed, "max-uncompressed", d.MaxUncompressed, "workbooks (.xlsx, .ods): most `bytes` read once decompressed")
	fs.IntVar(&x.limits.MaxRatio, "max-ratio", d.MaxRatio, "workbooks (.xlsx, .ods): highest compression ratio of a part over 1 MiB")
	x.stderr = fs.Output()
	return x
}

// who is the actor the history names and whether pills are published at once.
func (x *excelImport) who() (string, bool, error) {
	switch kb.Status(x.status) {
	case kb.StatusDraft, kb.StatusPublished:
	default:
		return "", false, usagef("--status must be draft or published, not %q", x.status)
	}
	actor := strings.TrimSpace(x.actor)
	if actor == "" {
		if u, err := user.Current(); err == nil && u.Username != "" {
			actor = u.Username
		} else {
			actor = ingest.DefaultActor
		}
	}
	return actor, kb.Status(x.status) == kb.StatusPublished, nil
}

// run imports the workbooks into store, printing the report to stdout.
func (x *excelImport) run(ctx context.Context, store *kb.Store, files []string, stdout io.Writer) (err error) {
	actor, _, err := x.who()
	if err != nil {
		return err
	}
	opt := ingest.Options{Strict: x.strict, DryRun: x.dryRun, SkipSheets: x.skipSheets, Limits: x.limits, Actor: actor, RetireMissing: x.retire}
	switch x.kind {
	case "":
	case "pills", "pillole":
		opt.Kind = ingest.KindPills
	case "directory", "rubrica":
		opt.Kind = ingest.KindDirectory
	default:
		return usagef("--kind must be pills or directory, not %q", x.kind)
	}
	switch kb.Status(x.status) {
	case kb.StatusDraft, kb.StatusPublished:
		opt.Status = kb.Status(x.status)
	default:
		return usagef("--status must be draft or published, not %q", x.status)
	}
	if x.mapping != "" {
		mf, err := ingest.LoadMappingFile(x.mapping)
		if err != nil {
			return err
		}
		opt.Mapping = mf
	}
	if x.report != "" && !strings.EqualFold(filepath.Ext(x.report), ".xlsx") {
		return usagef("--report must name an .xlsx file")
	}
	stderr := x.stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	if x.showMapping {
		if opt.Directory, err = ingest.LoadDirectory(ctx, store); err != nil {
			return err
		}
		for _, f := range files {
			p, err := ingest.Preview(f, opt)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s", f)
			if p.Detail != "" {
				fmt.Fprintf(stdout, " (%s)", p.Detail)
			}
			fmt.Fprintln(stdout)
			for _, s := range p.Sheets {
				fmt.Fprint(stdout, s.String())
			}
		}
		return nil
	}
	if x.progress || isTerminal(stderr) {
		opt.Progress = progressPrinter(stderr, isTerminal(stderr))
	}

	var all []ingest.Problem
	var refused error
	leftOut, missing := 0, 0
	for _, f := range files {
		sum, err := ingest.ImportFile(ctx, store, f, opt)
		if opt.Progress != nil {
			opt.Progress("", -2)
		}
		if sum != nil && err == nil || errors.Is(err, ingest.ErrRefused) {
			printSummary(stdout, sum)
			all = append(all, sum.Problems...)
			leftOut += sum.RowsLeftOut()
			missing += sum.Missing
		}
		if errors.Is(err, ingest.ErrRefused) {
			refused = err
			continue
		}
		if err != nil {
			return err
		}
	}
	if x.report != "" {
		fh, err := os.Create(x.report)
		if err != nil {
			return err
		}
		if err := ingest.WriteProblemsXLSX(fh, all); err != nil {
			fh.Close()
			return fmt.Errorf("%s: %w", x.report, err)
		}
		if err := fh.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Rapporto dei problemi: %s\n", x.report)
	}
	if refused != nil {
		return refused
	}
	if leftOut > 0 {
		what := "non importate"
		if x.dryRun {
			what = "che non sarebbero importate"
		}
		return exitError{code: 3, msg: fmt.Sprintf("%d righe %s: sono elencate tra i problemi (errori)", leftOut, what)}
	}
	if missing > 0 {
		what := "lasciati in rubrica (--retire-missing li ritira)"
		if x.retire {
			what = "ritirati"
		}
		return exitError{code: 3, msg: fmt.Sprintf("%d tra uffici e persone in rubrica non sono nel file: %s; sono elencati tra i problemi", missing, what)}
	}
	return nil
}

// exitError ends the command with its own exit status (3: imported, with rows left out).
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }
func (e exitError) ExitCode() int { return e.code }

func printSummary(w io.Writer, s *ingest.Summary) {
	mode := ""
	switch {
	case s.Refused:
		mode = " — RIFIUTATO (--strict): nulla è stato scritto"
	case s.DryRun:
		mode = " — prova (--dry-run): nulla è stato scritto"
	case s.Published:
		mode = " — pubblicate subito (--status published), come dice la storia di ogni pillola"
	}
	fmt.Fprintf(w, "%s: %d righe lette in %s%s\n", s.File, s.Rows, s.Elapsed.Round(1e6), mode)
	line := func(what string, c ingest.Counts) {
		if c == (ingest.Counts{}) {
			return
		}
		fmt.Fprintf(w, "  %-9s create %d, aggiornate %d, invariate %d, saltate %d", what, c.Created, c.Updated, c.Unchanged, c.Skipped)
		if c.Conflicts > 0 {
			fmt.Fprintf(w, ", in conflitto %d", c.Conflicts)
		}
		fmt.Fprintln(w)
	}
	line("pillole", s.Pills)
	line("concetti", s.Concepts)
	line("uffici", s.Units)
	line("persone", s.People)
	if s.Linked > 0 {
		fmt.Fprintf(w, "  %d pillole collegate al loro ufficio competente\n", s.Linked)
	}
	if s.Missing > 0 {
		fmt.Fprintf(w, "  %d tra uffici e persone in rubrica non sono nel file (ritirati: %d)\n", s.Missing, s.Retired)
	}
	if s.DryRun {
		for _, it := range s.Items {
			if it.Action == ingest.Unchanged {
				continue
			}
			key := it.Key
			if it.Type == "pill" && it.Title != "" {
				key = strings.TrimSpace(it.Key + " " + it.Title)
			}
			fmt.Fprintf(w, "  %-11s %-12s %s (foglio %q, riga %d)\n", actionLabels[it.Action], typeLabels[it.Type], key, it.Sheet, it.Row)
		}
	}
	fmt.Fprintf(w, "  problemi: %d\n", len(s.Problems))
	if len(s.Problems) > 0 {
		ingest.WriteProblems(w, s.Problems)
	}
}

var actionLabels = map[ingest.Action]string{
	ingest.Created: "da creare", ingest.Updated: "da aggiornare", ingest.Unchanged: "invariato", ingest.Skipped: "saltato",
	ingest.Conflict: "in conflitto",
}

var typeLabels = map[string]string{
	"pill": "pillola", "concept": "concetto", "department": "dipartimento", "office": "ufficio", "person": "persona",
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressPrinter shows rows done per sheet: a line rewritten in place on a terminal, plain
// lines otherwise. row -1 ends a sheet, -2 ends a file.
func progressPrinter(w io.Writer, tty bool) func(sheet string, row int) {
	return func(sheet string, row int) {
		switch {
		case row == -2:
			if tty {
				fmt.Fprint(w, "\r\033[K")
			}
		case row == -1:
			if !tty {
				fmt.Fprintf(w, "foglio %q: finito\n", sheet)
			}
		case tty:
			fmt.Fprintf(w, "\r\033[Kfoglio %q: riga %d", sheet, row)
		default:
			fmt.Fprintf(w, "foglio %q: riga %d\n", sheet, row)
		}
	}
}
