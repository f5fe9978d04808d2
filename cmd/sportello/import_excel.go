package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"sportello/kb"
)

// excelImport holds the flags of `sportello import` that apply to legacy workbooks (.xlsx,
// .xls) of pills and of the phone directory — issue 3. STUB until the ingest work lands it.
type excelImport struct{}

// addExcelFlags adds the workbook flags (--strict, --dry-run, --show-mapping, --mapping, …) to
// the import command's flag set.
func addExcelFlags(fs *flag.FlagSet) *excelImport { return &excelImport{} }

// run imports the workbooks into store, printing the report to stdout.
func (x *excelImport) run(ctx context.Context, store *kb.Store, files []string, stdout io.Writer) error {
	return errors.New("Excel import is not available yet")
}
