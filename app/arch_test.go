package app

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestArchitecture checks the direction of the dependencies (README, "Architecture") on what
// `go list` says each package imports, so that the layout cannot regress without a failing
// test: code that does not touch an HTTP request does not live under web/, and dependencies
// point inward.
func TestArchitecture(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goTool, "list", "-json", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := map[string][]string{} // package → the sportello packages it imports (tests excluded)
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			if imp == "sportello" || strings.HasPrefix(imp, "sportello/") {
				imports[p.ImportPath] = append(imports[p.ImportPath], imp)
			}
		}
		if _, ok := imports[p.ImportPath]; !ok {
			imports[p.ImportPath] = nil
		}
	}
	if len(imports) < 30 {
		t.Fatalf("go list found %d packages: the walk is broken", len(imports))
	}
	under := func(pkg string, roots ...string) bool {
		for _, r := range roots {
			if pkg == r || strings.HasPrefix(pkg, r+"/") {
				return true
			}
		}
		return false
	}
	rules := []struct {
		name    string
		applies func(pkg string) bool
		allowed func(pkg, imp string) bool
	}{
		{"only cmd and app assemble the product", func(p string) bool { return !under(p, "sportello/cmd", "sportello/app") },
			func(p, imp string) bool { return !under(imp, "sportello/cmd", "sportello/app") }},
		{"no domain package imports the web server", func(p string) bool { return !under(p, "sportello/web", "sportello/cmd", "sportello/app") },
			func(p, imp string) bool { return !under(imp, "sportello/web") }},
		{"kb imports no other domain (only ontology, its own packages, internal/*, i18n)", func(p string) bool { return under(p, "sportello/kb") },
			func(p, imp string) bool {
				return under(imp, "sportello/kb", "sportello/ontology", "sportello/internal", "sportello/i18n")
			}},
		{"ticketing does not import telephony or the contact center", func(p string) bool { return under(p, "sportello/ticketing") },
			func(p, imp string) bool { return !under(imp, "sportello/telephony", "sportello/contactcenter") }},
		{"telephony does not import ticketing or the contact center", func(p string) bool { return under(p, "sportello/telephony") },
			func(p, imp string) bool { return !under(imp, "sportello/ticketing", "sportello/contactcenter") }},
		{"the working calendar and the shared rules are leaves", func(p string) bool {
			return under(p, "sportello/workcal", "sportello/internal", "sportello/i18n", "sportello/ontology")
		}, func(p, imp string) bool {
			return under(imp, "sportello/internal", "sportello/i18n", "sportello/fixtures/testenv")
		}},
		{"web/webkit imports no web part", func(p string) bool { return under(p, "sportello/web/webkit") },
			func(p, imp string) bool { return !under(imp, "sportello/web") || under(imp, "sportello/web/webkit") }},
		{"a web part imports webkit, not the server nor another part (the citizens' page shares the tickets' error messages)",
			func(p string) bool {
				return under(p, "sportello/web") && p != "sportello/web" && !under(p, "sportello/web/webkit")
			},
			func(p, imp string) bool {
				if !under(imp, "sportello/web") {
					return true
				}
				return under(imp, "sportello/web/webkit") || p == "sportello/web/public" && imp == "sportello/web/tickets"
			}},
	}
	pkgs := make([]string, 0, len(imports))
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	for _, r := range rules {
		for _, p := range pkgs {
			if !r.applies(p) {
				continue
			}
			for _, imp := range imports[p] {
				if !r.allowed(p, imp) {
					t.Errorf("%s: %s imports %s", r.name, p, imp)
				}
			}
		}
	}
}
