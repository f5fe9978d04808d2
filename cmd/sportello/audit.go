package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/user"
	"strings"
	"time"

	"sportello/audit"
	"sportello/internal/clock"
	"sportello/internal/sqldb"
)

func init() {
	register(&command{
		name:    "audit",
		summary: "the audit log of administrative acts (OPS-1): export it for a period, verify its chain",
		usage: `export [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--actor NAME] [--action ACTION] [--format csv|xlsx] [-o FILE]
       sportello audit verify

export writes the entries of the period, oldest first, as CSV (";", UTF-8) or Excel, and records
that it did. verify walks the whole log and checks that no entry was changed or removed behind
the product's back; it exits 1 naming the first entry that does not follow. Every command also
takes --data DIR and --db DSN. Actions: ` + actionNames() + `.`,
		run: runAudit,
	})
}

func actionNames() string {
	names := make([]string, len(audit.Actions))
	for i, a := range audit.Actions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

func runAudit(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	data := dataFlag(fs)
	dsn := dbFlag(fs)
	from := fs.String("from", "", "export: first day (YYYY-MM-DD, Europe/Rome); default the oldest entry")
	to := fs.String("to", "", "export: last day, included; default today")
	actor := fs.String("actor", "", "export: only this user's acts")
	action := fs.String("action", "", "export: only this action, or a family ending in a dot (account.)")
	format := fs.String("format", "csv", "export: csv or xlsx")
	out := fs.String("o", "", "export: write to `FILE` (written whole or not at all) instead of standard output")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one subcommand: export or verify")
	}
	verb := pos[0]
	if verb != "export" && verb != "verify" {
		return usagef("unknown subcommand %q: want export or verify", verb)
	}
	f := audit.Filter{Actor: *actor, Action: audit.Action(*action)}
	for _, d := range []struct {
		name, v string
		dst     *time.Time
		add     int
	}{{"--from", *from, &f.Since, 0}, {"--to", *to, &f.Until, 1}} {
		if d.v == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.v, clock.Rome())
		if err != nil {
			return usagef("%s %q: want YYYY-MM-DD", d.name, d.v)
		}
		*d.dst = t.AddDate(0, 0, d.add)
	}
	if *format != "csv" && *format != "xlsx" {
		return usagef("--format must be csv or xlsx, not %q", *format)
	}
	if *format == "xlsx" && (*out == "" || *out == "-") && isTerminal(stdout) {
		return usagef("an Excel workbook is not for the terminal: use -o FILE")
	}

	ctx := context.Background()
	db, err := sqldb.Open(*dsn, *data)
	if err != nil {
		return err
	}
	defer db.Close()
	log, err := audit.Open(ctx, db, audit.Config{})
	if err != nil {
		return err
	}
	if verb == "verify" {
		n, err := log.Verify(ctx)
		var be *audit.BrokenError
		if errors.As(err, &be) {
			return fmt.Errorf("%d voci verificate, poi: %v", n, err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "audit log intact: %d entries checked\n", n)
		return nil
	}
	write := func(w io.Writer) error {
		if *format == "xlsx" {
			return log.WriteXLSX(ctx, w, f)
		}
		return log.WriteCSV(ctx, w, f)
	}
	if *out == "" || *out == "-" {
		err = write(stdout)
	} else {
		err = writeFileAtomic(*out, write)
	}
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("periodo dal %s al %s, formato %s", orText(*from, "l'inizio"), orText(*to, "oggi"), *format)
	if *actor != "" {
		detail += ", utente " + *actor
	}
	if *action != "" {
		detail += ", azione " + *action
	}
	if _, err := log.Record(ctx, audit.Entry{Actor: cliActor(), Action: audit.AuditExport, Object: "registro di audit", Detail: detail}); err != nil {
		return fmt.Errorf("exported, but the export could not be recorded in the log: %w", err)
	}
	return nil
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// cliActor is who acts from the command line: "cli:" and the system account running it.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

// recordCLI records an act of the command line in the audit log of the operational database
// (dsn, or SQLite in the data folder). The act is done: a failure to record it is said on
// stderr and ends the command with an error, so that it is not lost quietly.
func recordCLI(fs *flag.FlagSet, dsn, data string, action audit.Action, object, detail string) error {
	ctx := context.Background()
	db, err := sqldb.Open(dsn, data)
	if err == nil {
		defer db.Close()
		var log *audit.Store
		if log, err = audit.Open(ctx, db, audit.Config{}); err == nil {
			_, err = log.Record(ctx, audit.Entry{Actor: cliActor(), Action: action, Object: object, Detail: detail})
		}
	}
	if err != nil {
		fmt.Fprintf(fs.Output(), "sportello: done, but not recorded in the audit log: %v\n", err)
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// recordOn records on an open database (`sportello user` has one).
func recordOn(db *sqldb.DB, action audit.Action, object, detail string) error {
	ctx := context.Background()
	log, err := audit.Open(ctx, db, audit.Config{})
	if err == nil {
		_, err = log.Record(ctx, audit.Entry{Actor: cliActor(), Action: action, Object: object, Detail: detail})
	}
	if err != nil {
		return fmt.Errorf("done, but not recorded in the audit log: %w", err)
	}
	return nil
}
