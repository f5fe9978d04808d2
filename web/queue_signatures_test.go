package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sportello/accounts"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/web/webkit"
)

// TestQueueSecondSignature: where the second-approval policy applies (KB-12), the validators'
// queue says the version needs two signatures, then "prima firma di X, manca la seconda"; the
// first signer gets no approve button and a second signature of theirs is refused; another
// validator's signature publishes.
func TestQueueSecondSignature(t *testing.T) {
	site := newAuthSiteWith(t, true)
	ctx := context.Background()
	if _, err := site.users.AddUser(ctx, accounts.User{Name: "responsabile", DisplayName: "Rocco Responsabile", Role: role.Validator}, accounts.DemoPassword); err != nil {
		t.Fatal(err)
	}
	site.store.Workflow().SetPolicy(kb.WorkflowPolicy{SecondApproval: func(p *kb.Pill) bool { return true }})
	pub, val, boss := site.login(t, "pubblicatore"), site.login(t, "validatore"), site.login(t, "responsabile")
	pill := published(t)
	code := pill.Code
	edited := pill
	edited.Answer = "<p>Testo da firmare due volte.</p>"
	base := "/api/workflow/pills/" + code
	if r := pub.send("PUT", base+"/draft", edited); r.Status != http.StatusOK {
		t.Fatalf("draft: %d %s", r.Status, r.Body)
	}
	if r := pub.send("POST", base+"/versions/2/submit", nil); r.Status != http.StatusOK {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	id := webkit.PillID(pill)
	section := func(u *signedIn) string {
		t.Helper()
		body := u.get("/validazione").Body
		i := strings.Index(body, `id="rev-`+id+`"`)
		if i < 0 {
			t.Fatalf("the queue lacks %s", id)
		}
		j := strings.Index(body[i:], "</article>")
		return body[i : i+j]
	}
	if s := section(val); !strings.Contains(s, "due firme") || !strings.Contains(s, "prima firma di due") {
		t.Errorf("before any signature: %s", s)
	}
	approve := func(u *signedIn) reply {
		return u.postForm("/validazione/"+url.PathEscape(id)+"/2/approva", url.Values{webkit.CSRFField: {u.csrf}})
	}
	if r := approve(val); r.Status != http.StatusSeeOther {
		t.Fatalf("first signature: %d %.300s", r.Status, r.Body)
	}
	if s := section(val); !strings.Contains(s, "Prima firma di validatore, manca la seconda") || strings.Contains(s, `class="approva"`) ||
		!strings.Contains(s, "Hai già firmato") {
		t.Errorf("the first signer's queue: %s", s)
	}
	if s := section(boss); !strings.Contains(s, "Prima firma di validatore, manca la seconda") || !strings.Contains(s, "Approva e pubblica") {
		t.Errorf("the second signer's queue: %s", s)
	}
	if r := approve(val); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "già la tua firma") {
		t.Errorf("the same person signing twice: %d %.300s", r.Status, r.Body)
	}
	if p, _ := site.store.PillByCode(ctx, code); p.Version != 1 {
		t.Errorf("one signature published version %d", p.Version)
	}
	if r := approve(boss); r.Status != http.StatusSeeOther {
		t.Fatalf("second signature: %d %.300s", r.Status, r.Body)
	}
	if p, _ := site.store.PillByCode(ctx, code); p.Version != 2 || p.Status != kb.StatusPublished {
		t.Errorf("after two signatures: version %d %s", p.Version, p.Status)
	}
}
