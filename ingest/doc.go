// Package ingest imports the Administration's legacy knowledge into the graph: the knowledge
// pills and the phone directory kept for years in hand-made Excel workbooks (REQUIREMENTS KB-11,
// KB-12, KB-13; issue 3).
//
// # Design
//
// An import is three steps, kept apart so that --dry-run and --strict fall out of them:
//
//  1. Read (workbook.go, xls.go): a sheet is read one row at a time. Nothing but the current
//     row (and the first 30 rows, for header detection) is held, so a 100,000-row workbook does
//     not sit in memory as rows.
//  2. Parse (header.go, parse.go, directory.go, values.go): the header of every sheet is found
//     and mapped to fields; each row becomes a Record (a pill) or a DirRecord (an office and
//     a person), or a Problem. Parsing knows nothing of the store.
//  3. Plan and apply (importer.go, dirimport.go): each record is resolved against the store —
//     taxonomy concepts, the department, the competent office, the pill it updates — and
//     classified created, updated, unchanged or skipped. Writes are queued: a dry run drops
//     them; the default applies them in transactions of 500 pills (a failing transaction is
//     replayed row by row, so only the bad row is skipped and reported); --strict first makes a
//     full dry pass and, only if no row has a problem, writes everything in one kb.Store.Update
//     transaction: all or nothing.
//
// # Excel formats
//
// .xlsx is read with excelize: two of its row iterators run in step, one giving the values
// as Excel shows them and one the stored values, so a date is read from its serial whatever
// display format the cell has (excelize shows the built-in format 14 month first). Merged
// ranges and hyperlinks are stored after the rows in the sheet's XML; excelize's GetMergeCells
// and GetCellHyperLink would load the whole sheet, so a separate pass skips the rows as bytes
// and decodes only that tail.
//
// Legacy .xls (BIFF8, Excel 97–2003) is read with github.com/shakinm/xlsReader v0.9.12, a pure
// Go reader (no cgo, no LibreOffice at run time) that reads shared strings, numbers and their
// formats, which is what dates need. Its limits, and what this package does about them: it
// reads a whole sheet at once (BIFF caps a sheet at 65,536 rows, so this stays bounded); it
// does not decode merged ranges or hyperlinks (a two-row header is still recognised from its
// layout; links written as text are kept); it returns one-byte "compressed" strings as raw
// ISO 8859-1 bytes (repaired here); it panics on some damaged files (recovered into an error).
// github.com/extrame/xls was the alternative: its last release is from 2017.
//
// # Headers
//
// The header is the row, or pair of rows for a grouped header, among the first 30 whose cells
// name the most fields; title rows, notes and blank rows above it are skipped, and a merged
// header cell names every column it covers. Names are matched against a built-in table of
// Italian and English synonyms (header.go) after folding case, accents and punctuation, with
// abbreviations ("Cod.", "Data agg.") and small typos allowed. Each sheet is detected on its
// own, as pills or as a phone directory. A column the table cannot map is kept on the pill
// (kb.Pill.Extra). A mapping file (see MappingFile) overrides the guess.
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
// Nothing is dropped silently: every skipped row (section titles, rows without an answer,
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
package ingest
