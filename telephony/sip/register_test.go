package sip

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"sportello/telephony"
)

// The registrar keeps one binding per operator extension with its expiry, answers 200 with the
// Contact and Expires granted, refuses unknown extensions and logs operators in and out
// (issue 7 item 6, TEL-4).
func TestRegister(t *testing.T) {
	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino"}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
		adapter:   func(c *Config) { c.MaxExpires = 600 * time.Second },
	})
	p := newPhone(t, "201")
	send := func(user, expires string) *sipmsg.Response {
		t.Helper()
		req := sipmsg.NewRequest(sipmsg.REGISTER, sipmsg.Uri{Scheme: "sip", Host: "127.0.0.1", Port: r.ad.Addr().Port})
		req.AppendHeader(&sipmsg.ToHeader{Address: sipmsg.Uri{Scheme: "sip", User: user, Host: "127.0.0.1"}})
		req.AppendHeader(&p.dua.ContactHDR)
		if expires != "" {
			req.AppendHeader(sipmsg.NewHeader("Expires", expires))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := p.cli.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	tests := []struct {
		name       string
		user       string
		expires    string
		code       int
		granted    string
		registered bool
		logins     int
		logouts    int
	}{
		{"unknown extension: challenged like a known one", "999", "60", 401, "", false, 0, 0},
		{"capped at MaxExpires", "201", "7200", 200, "600", true, 1, 0},
		{"refresh", "201", "60", 200, "60", true, 1, 0},
		{"bad expires", "201", "soon", 400, "", true, 1, 0},
		{"unregister", "201", "0", 200, "0", false, 1, 1},
	}
	for _, tt := range tests {
		res := send(tt.user, tt.expires)
		if res.StatusCode != tt.code {
			t.Fatalf("%s: %d %s, want %d", tt.name, res.StatusCode, res.Reason, tt.code)
		}
		if tt.granted != "" {
			if h := res.GetHeader("Expires"); h == nil || h.Value() != tt.granted {
				t.Errorf("%s: Expires %v, want %s", tt.name, h, tt.granted)
			}
			c := res.Contact()
			if c == nil || c.Address.Port != p.dua.ContactHDR.Address.Port || c.Params.GetOr("expires", "") != tt.granted {
				t.Errorf("%s: Contact %v, want the phone's with expires=%s", tt.name, c, tt.granted)
			}
		}
		if _, ok := r.ad.Registered("201"); ok != tt.registered {
			t.Errorf("%s: registered = %v", tt.name, ok)
		}
		if n := r.count(telephony.EvLogin, ""); n != tt.logins {
			t.Errorf("%s: %d logins", tt.name, n)
		}
		if n := r.count(telephony.EvLogout, ""); n != tt.logouts {
			t.Errorf("%s: %d logouts", tt.name, n)
		}
	}
}

// A registration that is not refreshed expires, and its operator is logged out.
func TestRegistrationExpires(t *testing.T) {
	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino"}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
	})
	p := newPhone(t, "201")
	req := sipmsg.NewRequest(sipmsg.REGISTER, sipmsg.Uri{Scheme: "sip", Host: "127.0.0.1", Port: r.ad.Addr().Port})
	req.AppendHeader(&sipmsg.ToHeader{Address: sipmsg.Uri{Scheme: "sip", User: "201", Host: "127.0.0.1"}})
	req.AppendHeader(&p.dua.ContactHDR)
	req.AppendHeader(sipmsg.NewHeader("Expires", "1"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if res, err := p.cli.Do(ctx, req); err != nil || res.StatusCode != 200 {
		t.Fatalf("REGISTER: %v %v", res, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.count(telephony.EvLogout, "") == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if _, ok := r.ad.Registered("201"); ok || r.count(telephony.EvLogout, "") != 1 {
		t.Fatalf("after expiry: registered %v, %d logouts", ok, r.count(telephony.EvLogout, ""))
	}
}

// An extension with a password registers only by answering the digest challenge (RFC 3261
// section 22); a wrong password is refused and the operator stays logged out.
func TestRegisterDigest(t *testing.T) {
	r := newRig(t, rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino"}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
		adapter:   func(c *Config) { c.Accounts = map[string]string{"201": "s3greto"} },
	})
	p := newPhone(t, "201")
	register := func(password string) int {
		t.Helper()
		req := sipmsg.NewRequest(sipmsg.REGISTER, sipmsg.Uri{Scheme: "sip", Host: "127.0.0.1", Port: r.ad.Addr().Port})
		req.AppendHeader(&sipmsg.ToHeader{Address: sipmsg.Uri{Scheme: "sip", User: "201", Host: "127.0.0.1"}})
		req.AppendHeader(&p.dua.ContactHDR)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := p.cli.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 401 || res.GetHeader("WWW-Authenticate") == nil {
			t.Fatalf("first REGISTER: %d, want 401 with a challenge", res.StatusCode)
		}
		res, err = p.cli.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: "201", Password: password})
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	if code := register("sbagliato"); code != 403 {
		t.Fatalf("wrong password: %d, want 403", code)
	}
	if _, ok := r.ad.Registered("201"); ok || r.count(telephony.EvLogin, "") != 0 {
		t.Fatal("registered with a wrong password")
	}
	if code := register("s3greto"); code != 200 {
		t.Fatalf("right password: %d, want 200", code)
	}
	if _, ok := r.ad.Registered("201"); !ok || r.count(telephony.EvLogin, "") != 1 {
		t.Fatal("not registered with the right password")
	}
}

// Registrations survive a restart (issue 18 item 5): a second adapter on the same state folder
// knows the phone at once, logs its operator in, and can ring it; expired bindings and unknown
// extensions are not restored; a damaged file is set aside, not fatal.
func TestRegistrationsSurviveRestart(t *testing.T) {
	state := t.TempDir()
	cfg := rigConfig{
		queues:    []telephony.QueueConfig{{Name: "centralino"}},
		operators: []telephony.OperatorConfig{{ID: "anna", Extension: "201", Queues: []telephony.Membership{{Queue: "centralino"}}}},
		numbers:   map[string]string{"100": "centralino"},
		adapter:   func(c *Config) { c.StateDir = state },
	}
	r1 := newRig(t, cfg)
	p := newPhone(t, "201")
	p.register(t, r1.ad.Addr())
	before, _ := r1.ad.Registered("201")
	r1.ad.Close()

	r2 := newRig(t, cfg)
	after, ok := r2.ad.Registered("201")
	if !ok || after.String() != before.String() {
		t.Fatalf("after the restart: %v %v, want %v", after, ok, before)
	}
	if r2.count(telephony.EvLogin, "") != 1 {
		t.Fatal("the operator of the restored phone was not logged in")
	}
	// The restored binding is used: a call rings the phone without a new REGISTER.
	caller := newPhone(t, "3331234567")
	dlg, _ := caller.call(t, r2.ad.Addr(), "100")
	select {
	case <-p.answered:
	case <-time.After(10 * time.Second):
		t.Fatal("the restored phone did not ring")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dlg.Bye(ctx)
	r2.waitIdle(t, 5*time.Second)
	r2.ad.Close()

	// Expired, unknown, damaged.
	os.WriteFile(filepath.Join(state, registrationsFile), []byte(`{"version":1,"bindings":[
		{"extension":"201","contact":"sip:201@127.0.0.1:5999","expires":"2020-01-01T00:00:00Z"},
		{"extension":"999","contact":"sip:999@127.0.0.1:5999","expires":"2999-01-01T00:00:00Z"}]}`), 0o600)
	r3 := newRig(t, cfg)
	if _, ok := r3.ad.Registered("201"); ok {
		t.Error("an expired binding was restored")
	}
	if _, ok := r3.ad.Registered("999"); ok {
		t.Error("a binding of an unknown extension was restored")
	}
	r3.ad.Close()
	os.WriteFile(filepath.Join(state, registrationsFile), []byte(`{"version":1,"bindi`), 0o600)
	r4 := newRig(t, cfg)
	if _, err := os.Stat(filepath.Join(state, registrationsFile+".bad")); err != nil {
		t.Errorf("damaged file not set aside: %v", err)
	}
	r4.ad.Close()
}
