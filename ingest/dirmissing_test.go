package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sportello/kb"
)

// TestDirectoryNoLongerListed: a directory workbook that no longer lists an office and some
// people reports each of them (a warning, Summary.Missing: the command exits 3) and leaves them
// in the store; with RetireMissing they are retired after the import, each with its history
// entry naming who imported; a dry run only says what it would do (KB-13).
func TestDirectoryNoLongerListed(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	const header = "Dipartimento;Ufficio;Nome;Cognome;Ruolo;Interno;Telefono;Email;Orari di apertura\n"
	write := func(name, rows string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(header+rows), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	full := write("rubrica.csv", ""+
		"Tributi;Ufficio Bollo Auto;Anna;Rossi;Responsabile;7001;0874 1;bollo@regione.example;lun-ven 9-13\n"+
		"Tributi;Ufficio Bollo Auto;Marco;Bianchi;Istruttore;7002;0874 2;bollo@regione.example;lun-ven 9-13\n"+
		"Tributi;Ufficio IMU;Luca;Verdi;Istruttore;7003;0874 3;imu@regione.example;mar e gio 9-12\n")
	less := write("rubrica2.csv", ""+
		"Tributi;Ufficio Bollo Auto;Anna;Rossi;Responsabile;7001;0874 1;bollo@regione.example;lun-ven 9-13\n")
	sum := importOK(t, store, full, Options{Kind: KindDirectory})
	if sum.Missing != 0 {
		t.Fatalf("first import: %d missing: %v", sum.Missing, sum.Problems)
	}
	count := func() (int, int) {
		us, _ := store.Units(ctx)
		ps, _ := store.People(ctx)
		return len(us), len(ps)
	}
	u0, p0 := count()

	for _, opt := range []Options{{Kind: KindDirectory}, {Kind: KindDirectory, RetireMissing: true, DryRun: true}} {
		sum, err := ImportFile(ctx, store, less, opt)
		if err != nil {
			t.Fatal(err)
		}
		var text []string
		for _, p := range sum.Problems {
			if p.Severity == Warning {
				text = append(text, p.Problem+" → "+p.Action)
			}
		}
		all := strings.Join(text, "\n")
		if sum.Missing != 3 || !strings.Contains(all, "Marco Bianchi è in rubrica ma non nel file") ||
			!strings.Contains(all, "Luca Verdi") || !strings.Contains(all, "«Ufficio IMU»") || strings.Contains(all, "Tributi»") {
			t.Errorf("%+v: missing %d:\n%s", opt, sum.Missing, all)
		}
		if opt.DryRun != strings.Contains(all, "sarebbe ritirato") {
			t.Errorf("%+v: action:\n%s", opt, all)
		}
		if u, p := count(); u != u0 || p != p0 {
			t.Errorf("%+v: units %d→%d, people %d→%d without --retire-missing", opt, u0, u, p0, p)
		}
	}

	sum, err := ImportFile(ctx, store, less, Options{Kind: KindDirectory, RetireMissing: true, Actor: "mario"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Missing != 3 || sum.Retired != 3 {
		t.Errorf("retire: missing %d, retired %d: %v", sum.Missing, sum.Retired, sum.Problems)
	}
	if u, p := count(); u != u0-1 || p != p0-2 {
		t.Errorf("after retiring: units %d→%d, people %d→%d", u0, u, p0, p)
	}
	imu := kb.UnitIRI("Ufficio IMU")
	if _, err := store.Unit(ctx, imu); err == nil {
		t.Error("Ufficio IMU still in the directory")
	}
	h, err := store.DirectoryHistory(ctx, imu)
	if err != nil || len(h) != 1 || h[0].Action != "ritiro" || h[0].Actor != "mario" {
		t.Errorf("history of the retired office: %+v, %v", h, err)
	}
	// Hours "aperto ora" cannot read are kept as written and reported once per office.
	odd := write("rubrica3.csv", ""+
		"Tributi;Ufficio Bollo Auto;Anna;Rossi;Responsabile;7001;0874 1;bollo@regione.example;su appuntamento\n"+
		"Tributi;Ufficio Bollo Auto;Pia;Neri;Istruttrice;7004;0874 1;bollo@regione.example;su appuntamento\n")
	sum = importOK(t, store, odd, Options{Kind: KindDirectory})
	n := 0
	for _, p := range sum.Problems {
		if strings.Contains(p.Problem, "orari di «Ufficio Bollo Auto» non compresi") && p.Severity == Warning && p.Row == 2 {
			n++
		}
	}
	if n != 1 {
		t.Errorf("unreadable hours reported %d times: %v", n, sum.Problems)
	}
	if u, _ := store.UnitByName(ctx, "Ufficio Bollo Auto"); u == nil || u.OpeningHours != "su appuntamento" {
		t.Errorf("hours not kept as written: %+v", u)
	}
	less = odd
	// Now the workbook and the store agree: nothing to report.
	if sum := importOK(t, store, less, Options{Kind: KindDirectory}); sum.Missing != 0 {
		t.Errorf("again: %d missing", sum.Missing)
	}
}
