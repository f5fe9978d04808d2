package sip

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// realm is the digest realm operators' phones authenticate in.
const realm = "sportello"

// nonceLife is how long a challenge may be answered.
const nonceLife = 5 * time.Minute

// nonces are the challenges handed out and not yet expired.
type nonces struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (n *nonces) issue(now time.Time) string {
	b := make([]byte, 16)
	rand.Read(b)
	s := hex.EncodeToString(b)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = map[string]time.Time{}
	}
	for k, t := range n.seen {
		if now.Sub(t) > nonceLife {
			delete(n.seen, k)
		}
	}
	n.seen[s] = now
	return s
}

func (n *nonces) valid(s string, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	t, ok := n.seen[s]
	return ok && now.Sub(t) <= nonceLife
}

// authorized checks a REGISTER against the extension's password with HTTP digest (RFC 3261
// section 22, RFC 2617, qop "auth" or none). Extensions without a password need no
// authentication. When it returns false it has already answered 401 with a fresh challenge, or
// 403 for a response that does not match.
func (a *Adapter) authorized(req *sipmsg.Request, tx sipmsg.ServerTransaction, ext string) bool {
	pass, ok := a.cfg.Accounts[ext]
	if !ok {
		return true
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
	if err != nil || cred.Username != ext || cred.Realm != realm {
		respond(tx, req, sipmsg.StatusForbidden, "Forbidden")
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
	want, err := digest.Digest(&chal, digest.Options{Method: string(req.Method), URI: cred.URI, Username: ext,
		Password: pass, Cnonce: cred.Cnonce, Count: cred.Nc})
	if err != nil || subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) != 1 {
		a.log.Warn("register: wrong credentials", "extension", ext, "source", req.Source())
		respond(tx, req, sipmsg.StatusForbidden, "Forbidden")
		return false
	}
	return true
}
