// Command sportello is the one binary of Sportello: the server and every administrative task.
// It is thin: each subcommand parses its flags and calls the domain packages; `serve` turns its
// flags into an app.Config and calls app.New and Run, which build and run the product.
//
// Exit status: 0 on success, 1 on bad input or a failed task (the message names the file and
// line), 2 on wrong usage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"sportello/internal/fsperm"
)

// command is one subcommand. Each lives in its own file and registers itself in init.
type command struct {
	name    string
	summary string // one line for `sportello --help`
	usage   string // arguments after the name, for `sportello NAME --help`
	// run parses args with fs and does the work; output goes to stdout, messages and progress to
	// fs.Output() (stderr).
	run func(fs *flag.FlagSet, args []string, stdout io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// usageError is wrong usage: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func main() {
	// Everything the binary and its libraries create is private to the service's user
	// (internal/fsperm): files 0600, folders 0700.
	fsperm.Umask()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 && args[0] == "help" {
			return run([]string{args[1], "--help"}, stdout, stderr)
		}
		printHelp(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sportello: unknown command %q\n\n", args[0])
		printHelp(stderr)
		return 2
	}
	fs := flag.NewFlagSet("sportello "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: sportello %s %s\n\n%s\n\nFlags:\n", c.name, c.usage, c.summary)
		fs.PrintDefaults()
	}
	err := c.run(fs, args[1:], stdout)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		fmt.Fprintf(stderr, "sportello %s: %v\n", c.name, err)
		return ec.ExitCode()
	}
	var ue usageError
	if errors.As(err, &ue) || isFlagError(err) {
		fmt.Fprintf(stderr, "sportello %s: %v\n", c.name, err)
		fs.Usage()
		return 2
	}
	fmt.Fprintf(stderr, "sportello %s: %v\n", c.name, err)
	return 1
}

// flagParseError marks errors from FlagSet.Parse, which are usage errors.
type flagParseError struct{ error }

func (e flagParseError) Unwrap() error { return e.error }

func isFlagError(err error) bool {
	var fe flagParseError
	return errors.As(err, &fe)
}

// parse parses flags, turning flag errors into usage errors (exit 2) and --help into success.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return flagParseError{err}
	}
	return nil
}

// dataFlag adds --data to a subcommand: the data folder (graph, index, database), from
// SPORTELLO_DATA or ./data by default.
func dataFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("SPORTELLO_DATA")
	if def == "" {
		def = "./data"
	}
	return fs.String("data", def, "data folder: knowledge graph, search index, database (env SPORTELLO_DATA)")
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `Sportello: the knowledge hub of a public-administration contact center.

Usage: sportello COMMAND [flags] [arguments]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Every command takes --data DIR (env SPORTELLO_DATA, default ./data).
Run 'sportello COMMAND --help' for the flags of one command.
`)
}
