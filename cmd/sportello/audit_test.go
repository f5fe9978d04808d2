package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sportello/internal/sqldb"
)

// TestAuditCommand: the acts of the command line are in the audit log (OPS-1) — accounts, an
// import, a rebuild of the index, an export with internal data — and `sportello audit` exports
// them for a period and checks the chain; an entry changed in the database behind the product's
// back is found and named, with exit status 1.
func TestAuditCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	db := []string{"--data", data, "--db", ""}
	ttl := writeFile(t, dir, "voce.ttl", "<http://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> \"prova\" .\n")
	steps := []struct {
		name  string
		args  []string
		input string
		code  int
	}{
		{"user add", []string{"user", "add", "mario", "--role", "publisher", "--password-stdin"}, "Cambio-Residenza-7\n", 0},
		{"user passwd", []string{"user", "passwd", "mario", "--password-stdin"}, "Nuova-Password-22\n", 0},
		{"user disable", []string{"user", "disable", "mario"}, "", 0},
		{"import", []string{"import", ttl}, "", 0},
		{"import dry run", []string{"import", "--dry-run", ttl}, "", 0},
		{"reindex", []string{"reindex"}, "", 0},
		{"export", []string{"export", "--format", "nquads", "-o", filepath.Join(dir, "tutto.nq")}, "", 0},
	}
	for _, st := range steps {
		withInput(t, st.input, false)
		if code, out, errOut := sportello(t, append(st.args, db...)...); code != st.code {
			t.Fatalf("%s: exit %d\n%s%s", st.name, code, out, errOut)
		}
	}
	code, out, errOut := sportello(t, append([]string{"audit", "export"}, db...)...)
	if code != 0 {
		t.Fatalf("audit export: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, want := range []string{"account.create;utente mario;ruolo: Redattore (publisher)", "account.password;utente mario",
		"account.disable;utente mario", "import.run;file voce.ttl;1 dichiarazioni RDF", "search.reindex;indice di ricerca",
		"export.download;grafo completo;formato nquads"} {
		if !strings.Contains(out, want) || !strings.Contains(out, ";cli:") {
			t.Errorf("audit export lacks %q:\n%s", want, out)
		}
	}
	if len(lines) != 7 { // the header and six acts: the dry run wrote nothing
		t.Errorf("audit export: %d lines, want 7:\n%s", len(lines), out)
	}
	// The export is itself recorded; a period with nothing in it has the header only.
	code, out, _ = sportello(t, append([]string{"audit", "export", "--from", "2001-01-01", "--to", "2001-12-31", "--action", "account."}, db...)...)
	if code != 0 || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("an empty period: exit %d\n%s", code, out)
	}
	xlsx := filepath.Join(dir, "registro.xlsx")
	if code, _, errOut := sportello(t, append([]string{"audit", "export", "--format", "xlsx", "-o", xlsx, "--actor", "nessuno"}, db...)...); code != 0 {
		t.Fatalf("xlsx: %s", errOut)
	}
	if f, err := excelize.OpenFile(xlsx); err != nil {
		t.Errorf("xlsx: %v", err)
	} else {
		f.Close()
	}
	code, out, _ = sportello(t, append([]string{"audit", "verify"}, db...)...)
	if code != 0 || !strings.Contains(out, "intact: 9 entries") {
		t.Errorf("verify: exit %d: %s", code, out)
	}
	for _, bad := range [][]string{{"audit"}, {"audit", "delete"}, {"audit", "export", "--from", "ieri"}, {"audit", "export", "--format", "pdf"}} {
		if code, _, _ := sportello(t, append(bad, db...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}

	// An entry changed behind the product's back breaks the chain.
	sdb, err := sqldb.Open("", data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(context.Background(), `UPDATE audit_log SET detail = 'ruolo administrator' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	code, _, errOut = sportello(t, append([]string{"audit", "verify"}, db...)...)
	if code != 1 || !strings.Contains(errOut, "alla voce 1") {
		t.Errorf("verify after tampering: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "tutto.nq")); err != nil {
		t.Error(err)
	}
}
