package sip

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// realm is the digest realm operators' phones authenticate in.
const realm = "sportello"

// nonceLife is how long a challenge may be answered.
const nonceLife = 5 * time.Minute

// nonces are stateless: "time.hmac(time)" under a key drawn at start. Nothing is stored per
// challenge, so a flood of REGISTERs from spoofed addresses costs no memory (issue 18 item 4).
type nonces struct{ key []byte }

func newNonces() nonces {
	k := make([]byte, 32)
	rand.Read(k)
	return nonces{key: k}
}

func (n nonces) mac(ts string) string {
	m := hmac.New(sha256.New, n.key)
	m.Write([]byte(ts))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func (n nonces) issue(now time.Time) string {
	ts := strconv.FormatInt(now.UnixNano(), 36)
	return ts + "." + n.mac(ts)
}

func (n nonces) valid(s string, now time.Time) bool {
	ts, mac, ok := strings.Cut(s, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(n.mac(ts))) {
		return false
	}
	ns, err := strconv.ParseInt(ts, 36, 64)
	if err != nil {
		return false
	}
	age := now.Sub(time.Unix(0, ns))
	return age >= 0 && age <= nonceLife
}

// authorized checks a REGISTER against the extension's password with HTTP digest (RFC 3261
// section 22, RFC 2617, qop "auth" or none). When it returns false it has already answered: 401
// with a fresh challenge, or 403. An unknown extension is challenged and refused exactly like a
// known one with a wrong password (the same answers, the same work), so the answers do not tell
// which extensions exist; failures count towards the lockouts of the shield.
func (a *Adapter) authorized(req *sipmsg.Request, tx sipmsg.ServerTransaction, ext string, src netip.Addr) bool {
	_, known := a.cfg.Operators[ext]
	pass, hasPass := a.cfg.Accounts[ext]
	if known && !hasPass {
		return true // a desk phone on a closed network: no password configured
	}
	if !known {
		pass = a.decoy
	}
	now := time.Now()
	challenge := func(stale bool) {
		chal := digest.Challenge{Realm: realm, Nonce: a.nonces.issue(now), Algorithm: "MD5", QOP: []string{"auth"}, Stale: stale}
		respond(tx, req, sipmsg.StatusUnauthorized, "Unauthorized", sipmsg.NewHeader("WWW-Authenticate", chal.String()))
	}
	h := req.GetHeader("Authorization")
	if h == nil {
		challenge(false)
		return false
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Realm != realm {
		a.authFailed(req, tx, ext, src, "bad credentials")
		return false
	}
	if !a.nonces.valid(cred.Nonce, now) {
		challenge(true)
		return false
	}
	chal := digest.Challenge{Realm: realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm}
	if cred.QOP != "" {
		chal.QOP = []string{cred.QOP}
	}
	want, err := digest.Digest(&chal, digest.Options{Method: string(req.Method), URI: cred.URI, Username: cred.Username,
		Password: pass, Cnonce: cred.Cnonce, Count: cred.Nc})
	match := err == nil && subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) == 1
	if !match || !known || cred.Username != ext {
		a.authFailed(req, tx, ext, src, "wrong credentials")
		return false
	}
	a.shield.succeeded(ext)
	return true
}

// authFailed answers 403, counts the failure and logs the lockouts it causes.
func (a *Adapter) authFailed(req *sipmsg.Request, tx sipmsg.ServerTransaction, ext string, src netip.Addr, why string) {
	lockedExt, lockedSrc := a.shield.failed(src, ext, time.Now())
	a.logs.Warn("register: "+why, "extension", ext, "source", src.String())
	if lockedExt {
		a.log.Warn("register: extension locked out after repeated failures", "extension", ext, "for", a.cfg.Security.Lockout.String())
	}
	if lockedSrc {
		a.log.Warn("sip: source locked out after repeated failures", "source", src.String(), "for", a.cfg.Security.Lockout.String())
	}
	respond(tx, req, sipmsg.StatusForbidden, "Forbidden")
}

// trunkAuthorized checks an INVITE from an address not allowed to call against the trunk's
// inbound credentials (Trunk.InboundUser, InboundPassword): 401 with a challenge first, 403 for
// wrong credentials (counted by the shield like a phone's), true when they match.
func (a *Adapter) trunkAuthorized(req *sipmsg.Request, tx sipmsg.ServerTransaction) bool {
	src := sourceAddr(req.Source())
	now := time.Now()
	h := req.GetHeader("Authorization")
	if h == nil {
		chal := digest.Challenge{Realm: realm, Nonce: a.nonces.issue(now), Algorithm: "MD5", QOP: []string{"auth"}}
		respond(tx, req, sipmsg.StatusUnauthorized, "Unauthorized", sipmsg.NewHeader("WWW-Authenticate", chal.String()))
		return false
	}
	if ok, _ := a.shield.register(src, "trunk:"+a.cfg.Trunk.InboundUser, now); !ok {
		respond(tx, req, sipmsg.StatusForbidden, "Forbidden")
		return false
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Realm != realm || !a.nonces.valid(cred.Nonce, now) {
		a.authFailed(req, tx, "trunk:"+a.cfg.Trunk.InboundUser, src, "trunk: bad credentials")
		return false
	}
	chal := digest.Challenge{Realm: realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm}
	if cred.QOP != "" {
		chal.QOP = []string{cred.QOP}
	}
	want, err := digest.Digest(&chal, digest.Options{Method: string(req.Method), URI: cred.URI, Username: cred.Username,
		Password: a.cfg.Trunk.InboundPassword, Cnonce: cred.Cnonce, Count: cred.Nc})
	if err != nil || cred.Username != a.cfg.Trunk.InboundUser || subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) != 1 {
		a.authFailed(req, tx, "trunk:"+a.cfg.Trunk.InboundUser, src, "trunk: wrong credentials")
		return false
	}
	return true
}
