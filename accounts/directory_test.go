package accounts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sportello/audit"
	"sportello/fixtures/testenv"
	"sportello/internal/role"
	"sportello/internal/sqldb"
)

// The directory of these tests: a private slapd from Debian on a random port, with a
// temporary configuration and database, filled with ldapadd (ldap-utils) from an LDIF of people,
// groups and the service account.
const (
	ldapSuffix  = "dc=valdoria,dc=example"
	ldapRootPW  = "Radice-di-prova-1"
	ldapService = "cn=sportello,ou=servizi," + ldapSuffix
	ldapSvcPW   = "Servizio-di-prova-1"
)

var ldapPeople = `
dn: ` + ldapSuffix + `
objectClass: dcObject
objectClass: organization
o: Regione Valdoria
dc: valdoria

dn: ou=persone,` + ldapSuffix + `
objectClass: organizationalUnit
ou: persone

dn: ou=gruppi,` + ldapSuffix + `
objectClass: organizationalUnit
ou: gruppi

dn: ou=servizi,` + ldapSuffix + `
objectClass: organizationalUnit
ou: servizi

dn: ` + ldapService + `
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: sportello
userPassword: ` + ldapSvcPW + `
` + ldapPerson("mario.rossi", "Mario Rossi", "Segreto-Mario-7") +
	ldapPerson("lucia.verdi", "Lucia Verdi", "Segreto-Lucia-7") +
	ldapPerson("ugo.neri", "Ugo Neri", "Segreto-Ugo-7") +
	ldapPerson("anna.bianchi", "Anna Bianchi", "Segreto-Anna-7") +
	ldapPerson("operatore", "Omonimo Locale", "Segreto-Omonimo-7") + `
dn: cn=operatori,ou=gruppi,` + ldapSuffix + `
objectClass: groupOfNames
cn: operatori
member: uid=mario.rossi,ou=persone,` + ldapSuffix + `
member: uid=anna.bianchi,ou=persone,` + ldapSuffix + `
member: uid=operatore,ou=persone,` + ldapSuffix + `

dn: cn=Secondo livello,ou=gruppi,` + ldapSuffix + `
objectClass: groupOfNames
cn: Secondo livello
member: uid=lucia.verdi,ou=persone,` + ldapSuffix + `
member: uid=anna.bianchi,ou=persone,` + ldapSuffix + `
`

func ldapPerson(uid, name, password string) string {
	sn := name[strings.LastIndex(name, " ")+1:]
	return fmt.Sprintf(`
dn: uid=%s,ou=persone,%s
objectClass: inetOrgPerson
uid: %s
cn: %s
sn: %s
displayName: %s
mail: %s@valdoria.example
userPassword: %s
`, uid, ldapSuffix, uid, name, sn, name, uid, password)
}

// slapdServer is a running private slapd.
type slapdServer struct {
	url string
	bin string // ldap-utils' folder
}

// startSlapd starts slapd for one test and loads the people; it stops with the test.
func startSlapd(t *testing.T) *slapdServer {
	t.Helper()
	slapd, err := exec.LookPath("slapd")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/slapd"); serr == nil {
			slapd = "/usr/sbin/slapd"
		} else {
			testenv.Missing(t, "slapd", "slapd")
		}
	}
	ldapadd := testenv.Command(t, "ldapadd", "ldap-utils")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile %[1]s/slapd.pid
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
database mdb
maxsize 10485760
suffix "%[2]s"
rootdn "cn=admin,%[2]s"
rootpw %[3]s
directory %[1]s/db
`, dir, ldapSuffix, ldapRootPW)
	cfile := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(cfile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	url := "ldap://" + addr
	cmd := exec.Command(slapd, "-d", "0", "-f", cfile, "-h", url+"/")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("slapd: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slapd did not start on %s: %v\n%s", addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	s := &slapdServer{url: url, bin: filepath.Dir(ldapadd)}
	s.ldif(t, "ldapadd", ldapPeople)
	return s
}

// ldif runs ldapadd or ldapmodify as the directory's administrator on text.
func (s *slapdServer) ldif(t *testing.T, tool, text string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(s.bin, tool), "-x", "-H", s.url, "-D", "cn=admin,"+ldapSuffix, "-w", ldapRootPW)
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
}

// TestDirectoryLogin signs staff in through a real slapd (Debian's), both ways the directory
// may be set up — a search as a service account, and a DN template with a direct bind — and
// checks what the accounts keep: the account created at the first login with the mapped role
// (in the audit log), the role following the groups at the next login, a person of no enabled
// group refused, wrong passwords and unknown names refused alike, a local account never taken
// over by a directory entry of the same name, and a directory that is down explained.
func TestDirectoryLogin(t *testing.T) {
	srv := startSlapd(t)
	ctx := context.Background()
	roles := "operator:cn=operatori,ou=gruppi," + ldapSuffix + ";level2:secondo livello"
	for _, setup := range []struct {
		name string
		cfg  DirectoryConfig
	}{
		{"search", DirectoryConfig{URL: srv.url, BindDN: ldapService, BindPassword: ldapSvcPW, Base: "ou=persone," + ldapSuffix,
			GroupBase: "ou=gruppi," + ldapSuffix, Roles: roles}},
		{"template", DirectoryConfig{URL: srv.url, UserDN: "uid=%s,ou=persone," + ldapSuffix,
			GroupBase: "ou=gruppi," + ldapSuffix, GroupFilter: "(member=%s)", Roles: roles}},
	} {
		t.Run(setup.name, func(t *testing.T) {
			db, err := sqldb.OpenMemory()
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			s, _ := newStore(t, db, Config{})
			log, err := audit.Open(ctx, db, audit.Config{})
			if err != nil {
				t.Fatal(err)
			}
			s.UseAudit(log)
			dir, err := NewDirectory(setup.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			s.UseDirectory(dir)
			mustAdd(t, s, "operatore", role.Operator) // a local account

			_, sess, err := s.Login(ctx, "Mario.Rossi", "Segreto-Mario-7", "192.0.2.1")
			if err != nil || sess.User.Role != role.Operator || sess.User.DisplayName != "Mario Rossi" ||
				sess.User.Email != "mario.rossi@valdoria.example" {
				t.Fatalf("first login: %+v %v", sess, err)
			}
			a, err := s.Account(ctx, "mario.rossi")
			if err != nil || a.Source != SourceDirectory {
				t.Fatalf("account %+v %v", a, err)
			}
			if _, sess, err = s.Login(ctx, "lucia.verdi", "Segreto-Lucia-7", "192.0.2.1"); err != nil || sess.User.Role != role.Level2 {
				t.Errorf("level 2 by the group's name: %+v %v", sess, err)
			}
			// Two groups: the first of the mapping wins.
			if _, sess, err = s.Login(ctx, "anna.bianchi", "Segreto-Anna-7", "192.0.2.1"); err != nil || sess.User.Role != role.Operator {
				t.Errorf("two groups: %+v %v", sess, err)
			}
			if _, _, err := s.Login(ctx, "ugo.neri", "Segreto-Ugo-7", "192.0.2.2"); !errors.Is(err, ErrNoDirectoryRole) {
				t.Errorf("no enabled group: %v", err)
			}
			for _, bad := range [][2]string{{"mario.rossi", "sbagliata-123"}, {"nessuno", "Segreto-Mario-7"},
				{"mario.rossi", ""}, {"*", "Segreto-Mario-7"}, {"mario.rossi)(uid=*", "x"}} {
				if _, _, err := s.Login(ctx, bad[0], bad[1], "192.0.2."+fmt.Sprint(10+len(bad[0]))); !errors.Is(err, ErrBadLogin) {
					t.Errorf("login %q/%q: %v, want ErrBadLogin", bad[0], bad[1], err)
				}
			}
			// The local account is checked locally: the directory's password of a namesake fails.
			if _, _, err := s.Login(ctx, "operatore", "Segreto-Omonimo-7", "192.0.2.3"); !errors.Is(err, ErrBadLogin) {
				t.Errorf("a directory namesake took over a local account: %v", err)
			}
			if _, _, err := s.Login(ctx, "operatore", pw, "192.0.2.3"); err != nil {
				t.Errorf("local login beside the directory: %v", err)
			}
			// A directory account's role and password are the directory's.
			if _, err := s.ChangeRole(ctx, "mario.rossi", role.Administrator, Actor{Name: "admin"}); !errors.Is(err, ErrDirectoryRole) {
				t.Errorf("role changed by hand: %v", err)
			}
			if err := s.ResetPassword(ctx, "mario.rossi", "Reimpostata-2026", Actor{Name: "admin"}); !errors.Is(err, ErrDirectoryPassword) {
				t.Errorf("password reset: %v", err)
			}
			// Disabling here still stops the person.
			if err := s.SetDisabledBy(ctx, "lucia.verdi", true, Actor{Name: "admin"}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Login(ctx, "lucia.verdi", "Segreto-Lucia-7", "192.0.2.4"); !errors.Is(err, ErrDisabled) {
				t.Errorf("disabled directory account: %v", err)
			}
			entries, err := log.List(ctx, audit.Filter{Actor: "ldap"})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 3 { // mario, lucia, anna created
				t.Errorf("audit entries of the directory: %+v", entries)
			}
		})
	}

	// The role follows the directory: Mario moves to level 2 in the directory (ldapmodify) and
	// gets it at his next login, recorded as a role change.
	db, err := sqldb.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, _ := newStore(t, db, Config{})
	log, err := audit.Open(ctx, db, audit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s.UseAudit(log)
	dir, err := NewDirectory(DirectoryConfig{URL: srv.url, BindDN: ldapService, BindPassword: ldapSvcPW,
		Base: ldapSuffix, GroupBase: ldapSuffix, Roles: roles}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.UseDirectory(dir)
	if _, sess, err := s.Login(ctx, "mario.rossi", "Segreto-Mario-7", "192.0.2.1"); err != nil || sess.User.Role != role.Operator {
		t.Fatalf("before the move: %+v %v", sess, err)
	}
	srv.ldif(t, "ldapmodify", `dn: cn=operatori,ou=gruppi,`+ldapSuffix+`
changetype: modify
delete: member
member: uid=mario.rossi,ou=persone,`+ldapSuffix+`

dn: cn=Secondo livello,ou=gruppi,`+ldapSuffix+`
changetype: modify
add: member
member: uid=mario.rossi,ou=persone,`+ldapSuffix+`
`)
	if _, sess, err := s.Login(ctx, "mario.rossi", "Segreto-Mario-7", "192.0.2.1"); err != nil || sess.User.Role != role.Level2 {
		t.Fatalf("after the move: %+v %v", sess, err)
	}
	a, err := s.Account(ctx, "mario.rossi")
	if err != nil || a.RoleChangedBy != "ldap" || a.RoleChanged.IsZero() {
		t.Errorf("the change on the record: %+v %v", a, err)
	}
	entries, err := log.List(ctx, audit.Filter{Action: audit.AccountRole})
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, "Supporto di II livello") {
		t.Errorf("role change in the audit log: %+v %v", entries, err)
	}

	// A directory that does not answer.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "ldap://" + ln.Addr().String()
	ln.Close()
	down, err := NewDirectory(DirectoryConfig{URL: closed, UserDN: "uid=%s,ou=persone," + ldapSuffix, Roles: roles, Timeout: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.UseDirectory(down)
	if _, _, err := s.Login(ctx, "nuovo.utente", "Segreto-Nuovo-7", "192.0.2.9"); !errors.Is(err, ErrDirectoryUnavailable) {
		t.Errorf("directory down: %v", err)
	}
}

// TestDirectoryConfig: a configuration that cannot work is refused at start-up, naming the
// setting, in Italian.
func TestDirectoryConfig(t *testing.T) {
	if d, err := NewDirectory(DirectoryConfig{}, nil); d != nil || err != nil {
		t.Errorf("off: %v %v", d, err)
	}
	ok := DirectoryConfig{URL: "ldap://127.0.0.1:1", UserDN: "uid=%s,dc=x", Roles: "operator:operatori"}
	for _, tc := range []struct {
		edit    func(*DirectoryConfig)
		setting string
	}{
		{func(c *DirectoryConfig) { c.URL = "http://x" }, "--ldap-url"},
		{func(c *DirectoryConfig) { c.UserDN = "" }, "--ldap-user-dn / --ldap-base"},
		{func(c *DirectoryConfig) { c.UserDN = "uid=mario,dc=x" }, "--ldap-user-dn"},
		{func(c *DirectoryConfig) { c.Roles = "" }, "--ldap-roles"},
		{func(c *DirectoryConfig) { c.Roles = "capo:operatori" }, "--ldap-roles"},
		{func(c *DirectoryConfig) { c.Roles = "operator:cn=,,=" }, "--ldap-roles"},
		{func(c *DirectoryConfig) { c.Filter = "(uid=mario" }, "--ldap-filter"},
		{func(c *DirectoryConfig) { c.CAFile = "/nessun/file.pem" }, "--ldap-ca"},
	} {
		c := ok
		tc.edit(&c)
		_, err := NewDirectory(c, nil)
		var de *DirectoryError
		if !errors.As(err, &de) || de.Setting != tc.setting {
			t.Errorf("%+v: %v, want an error on %s", c, err, tc.setting)
		}
	}
	if _, err := NewDirectory(ok, nil); err != nil {
		t.Errorf("good config: %v", err)
	}
}
