package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"sportello/app"
	"sportello/internal/clock"
	"sportello/internal/htmltext"
	"sportello/internal/sqldb"
	"sportello/kb"
	"sportello/kb/search"
)

func init() {
	register(&command{
		name:    "search",
		summary: "search the knowledge base and the phone directory as operators do",
		usage:   "[--json] [--limit N] [--offset N] [--all] [--db DSN] [--thesaurus FILE] [--dictionary FILE] QUERY",
		run:     runSearch,
	})
}

// openIndex opens the search index of data and brings it in step with the knowledge graph:
// rebuilt, with a progress bar on w, when it is missing, corrupt, of an older format or stale
// (e.g. after `sportello import`). While `sportello serve` holds the data folder the command
// fails after two seconds with the "in use by another process" message of the other commands,
// never waits; while another command holds only the graph, an index in good order is searched
// as it is.
func openIndex(ctx context.Context, data, dsn string, w io.Writer) (*search.Index, error) {
	x, err := search.Open(app.IndexDir(data))
	if err != nil {
		return nil, err
	}
	if !kb.Exists(data) {
		return x, nil // nothing to index yet
	}
	store, err := kb.Open(data)
	if err != nil {
		if x.State() == search.StateOK {
			fmt.Fprintf(w, "warning: %v; searching the index as it is\n", err)
			return x, nil
		}
		x.Close()
		return nil, err
	}
	defer store.Close()
	// The learned phrasings are part of what the index is checked against and rebuilt from.
	db, err := sqldb.Open(dsn, data)
	if err != nil {
		x.Close()
		return nil, err
	}
	defer db.Close()
	phr, err := search.NewPhrasingStore(ctx, db)
	if err != nil {
		x.Close()
		return nil, err
	}
	x.SetPhrasings(phr)
	if x.State() != search.StateOK {
		fmt.Fprintf(w, "search index %s: %s, rebuilding\n", app.IndexDir(data), x.State())
	}
	bar := newProgressBar(w)
	if _, err := x.Sync(ctx, store, bar.update); err != nil {
		x.Close()
		return nil, err
	}
	bar.done()
	return x, nil
}

func runSearch(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	data := dataFlag(fs)
	asJSON := fs.Bool("json", false, "print the JSON the web API returns")
	limit := fs.Int("limit", 10, "results per page")
	offset := fs.Int("offset", 0, "results to skip (pagination)")
	all := fs.Bool("all", false, "include drafts and pills outside their validity period (publishers, validators)")
	lang := addLanguageFlags(fs)
	dsn := dbFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	q := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if q == "" {
		return usagef("a query is required")
	}
	if *limit <= 0 || *offset < 0 {
		return usagef("--limit must be positive and --offset not negative")
	}
	ctx := context.Background()
	x, err := openIndex(ctx, *data, *dsn, fs.Output())
	if err != nil {
		return err
	}
	defer x.Close()
	lang.load(x, func(string) {}) // the terminal shows results, not start-up notes
	resp, err := x.Search(ctx, q, search.Options{Limit: *limit, Offset: *offset, IncludeDrafts: *all, Complete: true, Facets: *asJSON})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(resp)
	}
	printResponse(stdout, resp)
	return nil
}

// printResponse is the operator's view in a terminal, in Italian.
func printResponse(w io.Writer, r *search.Response) {
	if len(r.Hits) == 0 {
		fmt.Fprintln(w, "Nessun risultato.")
	} else if r.Confident {
		fmt.Fprintln(w, "Risposta sicura:")
	} else {
		fmt.Fprintln(w, r.Message)
	}
	for i, h := range r.Hits {
		id := h.Code
		switch h.Kind {
		case search.KindOffice:
			id = "ufficio"
		case search.KindPerson:
			id = "persona"
		}
		fmt.Fprintf(w, "%2d. %-8s %s  (%.3f)\n", r.Offset+i+1, id, h.Title, h.Score)
		var info []string
		if h.Role != "" {
			info = append(info, h.Role)
		}
		if h.Extension != "" {
			info = append(info, "interno "+h.Extension)
		}
		if h.Office != "" {
			info = append(info, h.Office)
		}
		if h.Validated != nil {
			info = append(info, "validata il "+clock.Date(*h.Validated))
		}
		if h.Kind == search.KindPill && h.Status != string(kb.StatusPublished) {
			info = append(info, "stato: "+h.Status)
		}
		if len(info) > 0 {
			fmt.Fprintf(w, "    %s\n", strings.Join(info, " · "))
		}
		for _, hl := range h.Highlights {
			fmt.Fprintf(w, "    %s\n", plainHighlight(hl))
		}
	}
	if r.Total > r.Offset+len(r.Hits) {
		fmt.Fprintf(w, "(%d di %d risultati: --offset %d per i successivi)\n", r.Offset+len(r.Hits), r.Total, r.Offset+len(r.Hits))
	}
	if r.Suggestion != "" {
		fmt.Fprintf(w, "Forse cercavi: %s\n", r.Suggestion)
	}
}

// plainHighlight turns a highlighted HTML fragment into terminal text: «marked» words.
func plainHighlight(s string) string {
	return htmltext.Line(strings.NewReplacer("<mark>", "«", "</mark>", "»").Replace(s))
}

// progressBar draws "[#####.....] 50% 120/240" on one terminal line.
type progressBar struct {
	w    io.Writer
	last int
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, last: -1} }

func (b *progressBar) update(done, total int) {
	pct := 100
	if total > 0 {
		pct = done * 100 / total
	}
	if pct == b.last && done != total {
		return
	}
	b.last = pct
	const width = 30
	n := pct * width / 100
	fmt.Fprintf(b.w, "\rindicizzazione [%s%s] %3d%% %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), pct, done, total)
}

func (b *progressBar) done() {
	if b.last >= 0 {
		fmt.Fprintln(b.w)
	}
}

// languageFlags are the paths of the Italian thesaurus and dictionary search expands queries
// with (Debian mythes-it and hunspell-it); search works without them, and says so.
type languageFlags struct{ thesaurus, dictionary *string }

func addLanguageFlags(fs *flag.FlagSet) *languageFlags {
	env := func(name, def string) string {
		if v, ok := os.LookupEnv(name); ok {
			return v
		}
		return def
	}
	return &languageFlags{
		thesaurus: fs.String("thesaurus", env("SPORTELLO_THESAURUS", search.DefaultThesaurus),
			"Italian thesaurus for search, MyThes .dat (Debian mythes-it); empty: none (env SPORTELLO_THESAURUS)"),
		dictionary: fs.String("dictionary", env("SPORTELLO_DICTIONARY", search.DefaultDictionary),
			"Italian Hunspell dictionary for search, .dic with its .aff beside it (Debian hunspell-it); empty: none (env SPORTELLO_DICTIONARY)"),
	}
}

// load reads the resources into x; what is missing is reported through note, and search goes
// on without it.
func (l *languageFlags) load(x *search.Index, note func(string)) {
	r, err := search.LoadResources(*l.thesaurus, *l.dictionary)
	if err != nil {
		note(fmt.Sprintf("search: %v; searching without it", err))
	}
	note("search language resources: " + r.Describe())
	x.SetResources(r)
}
