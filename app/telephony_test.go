package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sportello/contactcenter"
	"sportello/fixtures"
	"sportello/internal/role"
	"sportello/telephony"
	"sportello/ticketing"
	"sportello/web"
	webcc "sportello/web/contactcenter"
)

type userAuth struct {
	user string
	role role.Role
}

func (a userAuth) Role(*http.Request) (string, role.Role) { return a.user, a.role }

// TestServeTelephonyOnTicketing is serve's wiring with the real ticketing store (issue 7 on
// issue 6): the demo configuration, a call from a registered citizen's number pops with the
// citizen's record first and no ticket while it rings; once answered it has a ticket of the
// ticketing system (TK-1), in the operator's hands, which the same call finds again rather than
// opening a second one; the desk serves it.
func TestServeTelephonyOnTicketing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, _, tickets, store := testStores(t)
	citizen := ticketing.Citizen{Name: "Maria Verdi", Phones: []string{"+39 333 1112233"}}
	if err := tickets.CreateCitizen(ctx, &citizen); err != nil {
		t.Fatal(err)
	}
	if err := fixtures.Load(ctx, store); err != nil {
		t.Fatal(err)
	}
	w := &telephonyPart{cfg: TelephonyConfig{Sample: time.Second}}
	tel, err := w.build(true, dir, store, tickets, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer runTelephony(t, ctx, w, tel)()
	srv := web.New(web.Config{Auth: userAuth{"operatore", role.Operator}}, web.Deps{Store: store, Telephony: tel})
	if _, err := tel.ACD.Login("operatore"); err != nil {
		t.Fatal(err)
	}
	if _, err := tel.ACD.Arrive(telephony.ContactInfo{CallID: "t1", From: "3331112233"}, "centralino"); err != nil {
		t.Fatal(err)
	}
	var me struct {
		Pop *webcc.Pop `json:"pop"`
	}
	deadline := time.Now().Add(5 * time.Second)
	for me.Pop == nil && time.Now().Before(deadline) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/cti/me", nil))
		if err := json.Unmarshal(rec.Body.Bytes(), &me); err != nil {
			t.Fatalf("%v: %s", err, rec.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if me.Pop == nil {
		t.Fatal("no pop for the ringing call")
	}
	if len(me.Pop.Matches) == 0 || me.Pop.Matches[0].Kind != "citizen" || me.Pop.Matches[0].Name != "Maria Verdi" ||
		!strings.HasPrefix(me.Pop.Matches[0].URL, "/cittadini/") {
		t.Errorf("caller record: %+v", me.Pop.Matches)
	}
	if me.Pop.Ticket != "" {
		t.Fatalf("a ringing call has a ticket: %+v", me.Pop)
	}
	if n, _ := tickets.List(ctx, ticketing.Filter{}); len(n) != 0 {
		t.Fatalf("%d tickets before the answer", len(n))
	}
	if _, err := tel.ACD.OperatorAnswered("t1", "operatore"); err != nil {
		t.Fatal(err)
	}
	var answered struct {
		Contact *webcc.Pop `json:"contact"`
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/cti/me", nil))
		json.Unmarshal(rec.Body.Bytes(), &answered)
		if answered.Contact != nil && answered.Contact.Ticket != "" {
			break
		}
	}
	me.Pop = answered.Contact
	if me.Pop == nil || me.Pop.Ticket == "" || me.Pop.TicketError != "" || !me.Pop.Answered {
		t.Fatalf("ticket: %+v", me.Pop)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/desk/tickets/"+me.Pop.Ticket, nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"assignee":"operatore"`) {
		t.Errorf("the desk's view: %d %.300s", rec.Code, rec.Body)
	}
	again, err := (&contactcenter.Tickets{Store: tickets}).OpenContact(ctx, telephony.TicketContact{CallID: "t1", Channel: telephony.Voice, From: "3331112233"})
	if err != nil || string(again) != me.Pop.Ticket {
		t.Errorf("the call's ticket is %s, the ticketing system says %s (%v)", me.Pop.Ticket, again, err)
	}
}

// TestServeTelephonySIP: --sip FILE starts the SIP adapter as the ACD's media layer, on the
// demo telephony; a SIP configuration that names an unknown queue is refused with its file name.
func TestServeTelephonySIP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	good := filepath.Join(dir, "sip.json")
	bad := filepath.Join(dir, "sip-bad.json")
	os.WriteFile(good, []byte(`{"listen": "127.0.0.1:0", "numbers": {"100": "centralino"}, "loginOnRegister": true}`), 0o600)
	os.WriteFile(bad, []byte(`{"listen": "127.0.0.1:0", "numbers": {"100": "nessuna"}}`), 0o600)
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	newWiring := func(sipFile string) *telephonyPart {
		w := &telephonyPart{cfg: TelephonyConfig{Sample: time.Second}}
		w.cfg.SIP = sipFile
		return w
	}
	if _, err := newWiring(bad).build(true, dir, nil, nil, nil, discard); err == nil || !strings.Contains(err.Error(), "sip-bad.json") {
		t.Errorf("bad SIP configuration: %v", err)
	}
	w := newWiring(good)
	tel, err := w.build(true, dir, nil, nil, nil, discard)
	if err != nil {
		t.Fatal(err)
	}
	defer runTelephony(t, ctx, w, tel)()
	if w.adapter == nil || w.adapter.Addr().Port == 0 {
		t.Fatal("the SIP adapter did not start")
	}
	defer w.adapter.Close()
}
