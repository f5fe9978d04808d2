// Package ingest imports the Administration's legacy knowledge into the graph: the knowledge
// pills and the phone directory kept for years in hand-made Excel workbooks (REQUIREMENTS KB-11,
// KB-12, KB-13; issue 3).
//
// # Design
//
// An import is three steps, kept apart so that --dry-run and --strict fall out of them:
//
//  1. Read (workbook.go, xlsx.go, xls.go, ods.go, csv.go, xmlscan.go, limits.go): a sheet is
//     read one row at a time. Nothing but the current row (and the first 100 rows, to find the
//     header and judge the columns) is held, so a 100,000-row workbook does not sit in memory.
//  2. Parse (guess.go, detect.go, header.go, parse.go, directory.go, values.go): each sheet is
//     decided — its kind, header and column mapping, or why it cannot be imported — and each row
//     becomes a Record (a pill) or a DirRecord (an office and a person), or a Problem. Parsing
//     knows nothing of the store, except the directory's names (Options.Directory).
//  3. Plan and apply (importer.go, dirimport.go): each record is resolved against the store —
//     taxonomy concepts, the department, the competent office, the pill it updates — and
//     classified created, updated, unchanged or skipped. Writes are queued: a dry run drops
//     them; the default applies them in transactions of 500 pills (a failing transaction is
//     replayed row by row, so only the bad row is skipped and reported); --strict first makes a
//     full dry pass and, only if no row has a problem, writes everything in one kb.Store.Update
//     transaction: all or nothing.
//
// Before step 3 writes anything, a first pass (preview.go, preflight) decides every sheet and
// reads it to its end: a sheet that holds data but cannot be mapped stops the import
// (UnmappedError) unless it is skipped (Options.SkipSheets, mapping kind = skip); a limit or a
// damaged part stops it (LimitError, DamagedError); a file with no row to import is an error
// (ErrNoData). Preview gives the same decisions — per sheet a status, the mapping with each
// column's confidence and reasons, what is missing — to --show-mapping and to the web page.
//
// # Formats
//
// .xlsx is read by a streaming reader of our own (xlsx.go) on a small XML tokenizer of our own
// (xmlscan.go). excelize, used before, parsed 6,000 rows per second through two synchronized
// row iterators and read each part whole into memory (a 1 MB file with one 1 GiB cell took the
// CLI to 15.4 GiB); encoding/xml alone needs 2.5 s to tokenize the 100 MB sheet of a
// 100,000-row workbook and buffers a text node of any size. Styles (for dates), relationships
// and the workbook part are small and go through encoding/xml. Merged ranges and hyperlinks
// follow the rows in the sheet's XML: a first pass skips the rows as bytes and tokenizes the tail.
//
// .ods is read by ods.go, also ours: the pure-Go ODS readers found (knieriem/odf and its fork
// multiprocessio/go-openoffice, ssolov/sods, ksev/ods) decode content.xml whole and expand
// table:number-columns-repeated and number-rows-repeated as written, and LibreOffice writes the
// empty rest of every sheet as a row repeated a million times: a few hundred bytes, a billion
// cells. Ours streams content.xml with xmlScan, lets empty repeats only move counters, bounds
// non-empty ones by the limits, reports spanned cells as merges, reads office:date-value,
// text:p, text:line-break, text:s and text:a, and leaves comments out.
//
// CSV (csv.go): the encoding (BOM, else UTF-8 when valid, else Windows-1252, decoded with
// golang.org/x/text) and the delimiter (, ; tab |) are detected; the parser is ours because
// encoding/csv holds a record of any size (an unclosed quote makes the rest of the file one
// field); it follows RFC 4180 and tolerates what spreadsheets write.
//
// Legacy .xls (BIFF8, Excel 97–2003) is read with github.com/shakinm/xlsReader v0.9.12, a pure
// Go reader (no cgo, no LibreOffice at run time) that reads shared strings, numbers and their
// formats, which is what dates need. Its limits, and what this package does about them: it
// reads a whole sheet at once (BIFF caps a sheet at 65,536 rows, so this stays bounded); it
// does not decode merged ranges or hyperlinks (a two-row header is still recognised from its
// layout; links written as text are kept); it returns one-byte "compressed" strings as raw
// ISO 8859-1 bytes (repaired here); it panics on some damaged files (recovered into an error);
// a damaged file can look to it like a workbook without sheets (an error here, not an empty
// success). github.com/extrame/xls was the alternative: its last release is from 2017.
//
// Limits (limits.go, Options.Limits, the CLI's --max-* flags) bound every file: cell size, rows
// per sheet, columns, sheets, decompressed size and compression ratio. Each one reached is an
// Italian message naming the file, sheet, row and column.
//
// # Headers and content
//
// The header is the row, or pair of rows for a grouped header, among the first 30 and above the
// data, whose cells name the most fields; title rows, notes and blank rows above it are skipped,
// and a merged header cell names every column it covers. Names are matched against a built-in
// table of Italian and English synonyms (header.go) after folding case, accents and
// punctuation, with abbreviations ("Cod.", "Data agg.") and small typos allowed. Without a
// header named so, a row of short distinct labels above rows of data is the header (its names
// in no list); without that, the sheet has no header. Either way the columns are also judged by
// their content (detect.go): codes, dates, addresses, e-mail and phone numbers, prose, questions,
// lists, legal references, repeated labels, the directory's offices and people. Header and
// content add up, or the content casts doubt on the header; fields go to columns best score
// first (guess.go). Each sheet is detected on its own, as pills or as a phone directory. A column
// no field fits is kept on the pill (kb.Pill.Extra); a row counter is ignored. A mapping file
// (see MappingFile) overrides the guess.
//
// # Values
//
// Keywords are split on ";" and ","; legal references and forms on ";" and line breaks.
// Dates are Excel serials or text (dd/mm/yyyy, d-m-yy, yyyy-mm-dd, "12 marzo 2013",
// "marzo 2013"…), day first. Answers become a sanitised HTML subset (bluemonday: p, br, b,
// strong, i, em, ul, ol, li, a[href] with http, https, mailto, tel): blank lines make
// paragraphs, line breaks <br>, "- " and "• " lines lists. All text is trimmed and
// NFC-normalised. A cell longer than MaxCellChars (10,000 characters) is reported and kept
// whole.
//
// # Problems
//
// Nothing is dropped silently: a sheet that cannot be mapped stops the import, and every skipped row (section titles, rows without an answer,
// codes used twice with different texts) and every doubtful value (a date that does not parse,
// an office not in the directory, a very long cell) is a Problem naming the file, sheet, row
// and column, with what was done about it. WriteProblems prints them as a table,
// WriteProblemsXLSX as a workbook.
//
// # Idempotence
//
// A pill is identified by its code (or, without one, by its department and title). A row
// that says what the stored pill says leaves it alone; a changed row makes a new version of
// the same pill (same IRI, Version+1). New and changed pills get Options.Status (draft by
// default). Units and people of the directory are matched by name (and parent unit) and updated
// in place. Pills imported before the directory keep their office as text; the directory
// import then links them (not a new version: the pill's text has not changed).
//
// # Background jobs
//
// The import pages of the web server run through Jobs (jobs.go): uploaded workbooks kept under
// DATA/import for two hours, the user's mapping choices turned into a MappingFile, one dry run
// or import at a time in the background with its progress, a panic logged with its stack and
// shown as an Italian message, the workbook removed once imported. Run sweeps expired uploads
// and waits for the job in progress at shutdown.
package ingest
