package sip

import (
	"context"
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
