package main

import (
	"errors"
	"flag"
)

// importExcel imports a legacy workbook of pills (.xlsx, .xls) — issue 3 (owned by the ingest work).
// STUB until the ingest helper lands it.
func importExcel(fs *flag.FlagSet, dataDir string, files []string) error {
	return errors.New("Excel import is not available yet")
}
