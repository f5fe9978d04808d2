package web

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"sportello/i18n"
	"sportello/internal/role"
	"sportello/kb"
	"sportello/kb/linkeddata"
	"sportello/ticketing"
)

// syncBuffer is a log sink the handlers may write from any goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPublicRequestPrivacy: the request form carries the privacy notice (GDPR art. 13) with the
// configured controller, refuses a request without consent with the reason beside the
// checkbox, and drops a request whose honeypot is filled in — answered like a success, counted
// in the log, nothing stored. Every page's footer links the privacy notice and the
// accessibility statement.
func TestPublicRequestPrivacy(t *testing.T) {
	f := newTicketFixture(t)
	var logs syncBuffer
	ld := linkeddata.New(f.kb, linkeddata.Config{Publisher: linkeddata.Agent{Name: "Comune di Montebruno"}, ContactEmail: "privacy@montebruno.example.it"}, linkeddata.Limits{})
	f.srv = New(Config{Auth: headerAuth{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, Deps{Store: f.kb, Tickets: f.st, LinkedData: ld})
	f.h = f.srv.Handler()

	page := f.do(t, http.MethodGet, "/richiesta", role.Anonymous, nil)
	f.want(t, page, http.StatusOK)
	for _, want := range []string{`id="consent"`, `name="consent"`, "required", "Comune di Montebruno", `href="/privacy"`, `name="website"`, esc(i18n.T("pub.notice.title"))} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the request form lacks %s", want)
		}
	}
	form := url.Values{"name": {"Giulia Neri"}, "email": {"giulia@example.it"}, "subject": {"Borsa di studio"}, "description": {"Quando esce la graduatoria?"}}

	// No consent: 400, the form again with what was typed and the Italian reason beside the box.
	bad := f.do(t, http.MethodPost, "/richiesta", role.Anonymous, form)
	f.want(t, bad, http.StatusBadRequest)
	if !strings.Contains(bad.Body, `id="consent-error"`) || !strings.Contains(bad.Body, "informativa sulla privacy") ||
		!strings.Contains(bad.Body, `aria-describedby="consent-error"`) || !strings.Contains(bad.Body, "Quando esce la graduatoria?") {
		t.Errorf("refusal without consent: %s", bad.Body)
	}
	api := f.do(t, http.MethodPost, "/api/public/requests", role.Anonymous, map[string]any{"email": "x@example.it", "description": "Domanda"})
	f.want(t, api, http.StatusBadRequest)
	if !strings.Contains(api.Body, "consent") {
		t.Errorf("API refusal without consent: %s", api.Body)
	}

	// The honeypot: a success to the bot, nothing stored, counted in the log.
	trapped := url.Values{"website": {"http://spam.example"}, "consent": {"1"}}
	for k, v := range form {
		trapped[k] = v
	}
	r := f.do(t, http.MethodPost, "/richiesta", role.Anonymous, trapped)
	f.want(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/richiesta?numero=RS-") {
		t.Errorf("trapped request answered %q, want the success redirect", loc)
	}
	r = f.do(t, http.MethodPost, "/api/public/requests", role.Anonymous, map[string]any{"email": "x@example.it", "description": "Domanda", "consent": true, "website": "x"})
	f.want(t, r, http.StatusCreated)
	if list, _ := f.st.List(t.Context(), ticketing.Filter{}); len(list) != 0 {
		t.Fatalf("%d tickets stored from refused or trapped requests", len(list))
	}
	if !strings.Contains(logs.String(), "honeypot") || !strings.Contains(logs.String(), "dropped=2") {
		t.Errorf("the log does not count the trapped requests: %s", logs.String())
	}

	// With consent the request is filed.
	form.Set("consent", "1")
	f.want(t, f.do(t, http.MethodPost, "/richiesta", role.Anonymous, form), http.StatusSeeOther)
	if list, _ := f.st.List(t.Context(), ticketing.Filter{}); len(list) != 1 {
		t.Fatalf("%d tickets after one request with consent", len(list))
	}

	// The privacy notice and the accessibility statement, linked from every page's footer.
	priv := f.do(t, http.MethodGet, "/privacy", role.Anonymous, nil)
	f.want(t, priv, http.StatusOK)
	for _, want := range []string{"Comune di Montebruno", "privacy@montebruno.example.it", "art. 13", "Titolare del trattamento",
		"Finalità", "Per quanto tempo", "I suoi diritti", "Garante"} {
		if !strings.Contains(priv.Body, esc(want)) {
			t.Errorf("the privacy notice lacks %q", want)
		}
	}
	acc := f.do(t, http.MethodGet, "/accessibilita", role.Anonymous, nil)
	f.want(t, acc, http.StatusOK)
	for _, want := range []string{"Dichiarazione di accessibilità", "Stato di conformità", "parzialmente conforme", "Segnalare un problema",
		"privacy@montebruno.example.it", "Redazione della dichiarazione", "03/12/2026", "Difensore civico per il digitale"} {
		if !strings.Contains(acc.Body, esc(want)) {
			t.Errorf("the accessibility statement lacks %q", want)
		}
	}
	for _, p := range []string{"/", "/albero", "/richiesta", "/privacy", "/cerca"} {
		for _, who := range []role.Role{role.Anonymous, role.Operator} {
			b := f.do(t, http.MethodGet, p, who, nil).Body
			if !strings.Contains(b, `<a href="/privacy">`) || !strings.Contains(b, `<a href="/accessibilita">`) {
				t.Errorf("%s as %s: no footer links to the privacy notice and the accessibility statement", p, who)
			}
		}
	}
}

// TestPublicPortal: anyone browses the published pills by the national life events and reads
// each on a page with the competent office, its contacts, related pills, schema.org FAQPage
// JSON-LD built from the pill's own JSON-LD and a link to its RDF. Whoever is signed in, the
// portal is the public's view: no draft, no internal field (notes, legacy columns, who
// validated).
func TestPublicPortal(t *testing.T) {
	f := newTicketFixture(t)
	ctx := t.Context()
	home := f.do(t, http.MethodGet, "/servizi", role.Anonymous, nil)
	f.want(t, home, http.StatusOK)
	if !strings.Contains(home.Body, `href="/servizi/eventi/8"`) || !strings.Contains(home.Body, esc("Cambio di residenza e/o domicilio")) &&
		!strings.Contains(home.Body, "/servizi/eventi/") {
		t.Fatalf("the portal lists no life events: %s", home.Body)
	}
	ev := f.do(t, http.MethodGet, "/servizi/eventi/8", role.Anonymous, nil)
	f.want(t, ev, http.StatusOK)
	if !strings.Contains(ev.Body, `href="/servizi/schede/`) {
		t.Fatalf("life event 8 lists no pills: %s", ev.Body)
	}
	f.want(t, f.do(t, http.MethodGet, "/servizi/eventi/99", role.Anonymous, nil), http.StatusNotFound)

	all, err := f.kb.Pills(ctx, kb.PillFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var checked, internal int
	for _, p := range all {
		if p.Code == "" {
			continue
		}
		path := "/servizi/schede/" + url.PathEscape(p.Code)
		for _, who := range []role.Role{role.Anonymous, role.Operator, role.Publisher} {
			r := f.do(t, http.MethodGet, path, who, nil)
			if !kb.Anonymous.Sees(&p, time.Now()) {
				if r.Status != http.StatusNotFound {
					t.Errorf("%s (%s) as %s: %d, want 404: the portal shows only published pills", p.Code, p.Status, who, r.Status)
				}
				continue
			}
			f.want(t, r, http.StatusOK)
			checked++
			secrets := []string{p.Notes, p.ValidatedBy}
			for _, v := range p.Extra {
				secrets = append(secrets, v.Value)
			}
			for _, s := range secrets {
				if s != "" && (strings.Contains(r.Body, s) || strings.Contains(r.Body, esc(s))) {
					t.Errorf("%s as %s shows the internal field %q", p.Code, who, s)
				}
				if s != "" {
					internal++
				}
			}
			if who != role.Anonymous {
				continue
			}
			// The FAQPage JSON-LD wraps the pill's own, with its IRI, and the page links its RDF.
			_, rest, ok := strings.Cut(r.Body, `<script type="application/ld+json">`)
			ld, _, _ := strings.Cut(rest, "</script>")
			var doc struct {
				Type string `json:"@type"`
				Main struct {
					ID     string `json:"@id"`
					Name   string `json:"name"`
					Answer struct {
						Text string `json:"text"`
					} `json:"acceptedAnswer"`
				} `json:"mainEntity"`
			}
			if err := json.Unmarshal([]byte(ld), &doc); !ok || err != nil || doc.Type != "FAQPage" || doc.Main.ID != p.IRI || doc.Main.Name != p.Title || doc.Main.Answer.Text == "" {
				t.Errorf("%s: FAQPage JSON-LD %v: %s", p.Code, err, ld)
			}
			if strings.Contains(ld, "Notes") || p.Notes != "" && strings.Contains(ld, p.Notes) {
				t.Errorf("%s: the JSON-LD carries notes", p.Code)
			}
			if rdf := "/id/" + strings.TrimPrefix(p.IRI, kb.Base); !strings.Contains(r.Body, `href="`+rdf+`"`) {
				t.Errorf("%s: no link to its RDF %s", p.Code, rdf)
			}
			if p.Office != "" {
				u, err := f.kb.Unit(ctx, p.Office)
				if err == nil && (!strings.Contains(r.Body, esc(u.Name)) || len(u.Phones) > 0 && !strings.Contains(r.Body, u.Phones[0])) {
					t.Errorf("%s: the office %s or its phone is missing", p.Code, u.Name)
				}
			}
		}
	}
	if checked < 10 || internal == 0 {
		t.Errorf("checked %d pill pages, %d internal fields: the demo should exercise both", checked, internal)
	}
	// Related pills link to other portal pages.
	r := f.do(t, http.MethodGet, "/servizi/schede/"+url.PathEscape(f.pill.Code), role.Anonymous, nil)
	if !strings.Contains(r.Body, `id="correlate"`) {
		t.Errorf("%s: no related pills", f.pill.Code)
	}
}
