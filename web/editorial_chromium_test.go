package web_test

// The editorial desk in Debian's Chromium, on the product as `sportello serve --demo` starts it:
// a publisher writes a pill with every field in the editor (the answer with the rich-text
// toolbar), submits it, a validator approves it from the queue, and an operator finds it in its
// branch of the tree with its office; level 2 proposes knowledge from a solved ticket through the
// short form, the publisher finds the proposal in the workspace, completes and submits it, and a
// validator approves it.

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	chromium "sportello/fixtures/testenv/browser"
	"sportello/internal/role"
	skb "sportello/kb"
	"sportello/ticketing"
)

func TestEditorialDeskInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	site := startDemo(t)
	bctx, _ := chromium.Start(t, t.TempDir())
	ctx := context.Background()
	person := func(who role.Role) context.Context { t.Helper(); return signedInTab(t, bctx, site.url, who) }
	pub, val, op, l2 := person(role.Publisher), person(role.Validator), person(role.Operator), person(role.Level2)
	run := func(c context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		doIn(t, c, what, actions...)
	}
	text := func(c context.Context, sel string) string { t.Helper(); return textIn(t, c, sel) }

	// A leaf of the tree and an office of the directory.
	concepts, err := site.app.Store.Concepts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	concept := concepts[len(concepts)-1]
	units, err := site.app.Store.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var office skb.Unit
	for _, u := range units {
		if u.Kind == skb.UnitOffice {
			office = u
		}
	}
	cid := strings.TrimPrefix(concept.IRI[strings.LastIndex(concept.IRI, "/"):], "/")

	// 1. The publisher writes a pill with every field.
	const code = "TST-E2E-1"
	run(pub, "publisher fills in the editor",
		chromedp.Navigate(site.url+"/redazione/nuova"),
		chromedp.WaitVisible(chromedp.CSS(".rte-toolbar")),
		chromedp.SendKeys(chromedp.CSS("#code"), code),
		chromedp.SendKeys(chromedp.CSS("#title"), "Esenzione del bollo per i veicoli ibridi"),
		chromedp.SendKeys(chromedp.CSS("#question"), "Ho un'auto ibrida: pago il bollo?"),
		chromedp.Click(chromedp.CSS("#answer-box")),
		chromedp.SendKeys(chromedp.CSS("#answer-box"), "Le auto ibride sono "),
		chromedp.Click(chromedp.CSS(`.rte-toolbar [data-cmd="bold"]`)),
		chromedp.SendKeys(chromedp.CSS("#answer-box"), "esenti per cinque anni"),
		chromedp.Click(chromedp.CSS(`.rte-toolbar [data-cmd="bold"]`)),
		chromedp.SendKeys(chromedp.CSS("#answer-box"), ". Servono:\r"),
		chromedp.Click(chromedp.CSS(`.rte-toolbar [data-cmd="insertUnorderedList"]`)),
		chromedp.SendKeys(chromedp.CSS("#answer-box"), "il libretto\rla domanda "),
		chromedp.Click(chromedp.CSS(`.rte-toolbar [data-cmd="link"]`)),
		chromedp.WaitVisible(chromedp.CSS("#rte-url")),
		chromedp.SendKeys(chromedp.CSS("#rte-url"), "https://www.regione.example/bollo"),
		chromedp.Click(chromedp.CSS("#rte-link-ok")),
		chromedp.SendKeys(chromedp.CSS("#keywords"), "bollo, ibride, esenzione"),
		chromedp.Click(chromedp.CSS("#c-"+cid)),
		chromedp.SetValue(chromedp.CSS("#office"), office.IRI),
		chromedp.SendKeys(chromedp.CSS("#legal"), "L.R. 15/2019 art. 7"),
		chromedp.SendKeys(chromedp.CSS("#links"), "https://www.regione.example/bollo Pagina del bollo"),
		chromedp.SendKeys(chromedp.CSS("#forms"), "https://www.regione.example/esenzione.pdf Domanda di esenzione"),
		chromedp.SendKeys(chromedp.CSS("#audience"), "cittadini, imprese"),
		chromedp.SetValue(chromedp.CSS("#reviewBy"), "2027-06-30"),
		chromedp.SetValue(chromedp.CSS("#validFrom"), "2026-01-01"),
		chromedp.SetValue(chromedp.CSS("#validUntil"), "2030-12-31"),
	)
	// The live preview follows the typing, with the sanitiser's tags only.
	if got := text(pub, "#preview"); !strings.Contains(got, "esenti per cinque anni") || !strings.Contains(got, "il libretto") {
		t.Errorf("the live preview shows %q", got)
	}
	run(pub, "publisher submits", chromedp.Click(chromedp.CSS("#invia")), chromedp.WaitVisible(chromedp.CSS("#mie-schede")))
	rec, err := site.app.Store.PillByCode(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	for what, ok := range map[string]bool{
		"bold":      strings.Contains(rec.Answer, "<b>esenti per cinque anni</b>"),
		"list":      strings.Contains(rec.Answer, "<ul><li>il libretto</li>"),
		"link":      strings.Contains(rec.Answer, `<a href="https://www.regione.example/bollo">`),
		"no div":    !strings.Contains(rec.Answer, "<div") && !strings.Contains(rec.Answer, "style="),
		"concept":   len(rec.Concepts) == 1 && rec.Concepts[0] == concept.IRI,
		"office":    rec.Office == office.IRI,
		"links":     len(rec.Links) == 1 && rec.Links[0].Title == "Pagina del bollo",
		"forms":     len(rec.Forms) == 1 && rec.Forms[0].Title == "Domanda di esenzione",
		"audience":  len(rec.Audience) == 2,
		"legal":     len(rec.LegalRefs) == 1,
		"dates":     rec.ReviewBy != nil && rec.ValidFrom != nil && rec.ValidUntil != nil,
		"submitted": rec.Status == skb.StatusSubmitted,
	} {
		if !ok {
			t.Errorf("the pill as saved: %s wrong\n%+v", what, *rec)
		}
	}

	// 2. The validator reads the diff in Italian and approves.
	run(val, "validator opens the queue", chromedp.Navigate(site.url+"/validazione"), chromedp.WaitVisible(chromedp.CSS("#rev-"+code)))
	diff := text(val, "#rev-"+code)
	for _, s := range []string{"Classificazione", concept.Label("it"), "Ufficio competente", office.Name, "Moduli", "30/06/2027"} {
		if !strings.Contains(diff, s) {
			t.Errorf("the validator's diff lacks %q", s)
		}
	}
	if strings.Contains(diff, "https://w3id.org") {
		t.Errorf("the validator's diff shows IRIs:\n%s", diff)
	}
	run(val, "validator approves", chromedp.Click(chromedp.CSS("#rev-"+code+" .approva")), chromedp.WaitNotPresent(chromedp.CSS("#rev-"+code)))

	// 3. The operator finds it in its branch, with its office.
	run(op, "operator opens the branch", chromedp.Navigate(site.url+"/concetti/"+url.PathEscape(cid)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/schede/`+code+`"]`)))
	run(op, "operator opens the pill", chromedp.Click(chromedp.CSS(`a[href="/schede/`+code+`"]`)), chromedp.WaitVisible(chromedp.CSS("#answer")))
	if got := text(op, ".office"); !strings.Contains(got, office.Name) {
		t.Errorf("the operator's pill shows the office %q", got)
	}

	// 4. Level 2 proposes knowledge from a solved ticket without a pill.
	tks, err := site.app.Tickets.List(ctx, ticketing.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var solved ticketing.Ticket
	for _, x := range tks {
		if !x.SolvedAt.IsZero() && x.Pill == "" {
			solved = x
			break
		}
	}
	if solved.Number == "" {
		t.Fatal("the demo has no ticket solved without a pill")
	}
	const title = "Proposta dal secondo livello: rimborso"
	run(l2, "level 2 opens the form from the ticket", chromedp.Navigate(site.url+"/ticket/"+solved.Number),
		chromedp.Click(chromedp.CSS("#proponi")), chromedp.WaitVisible(chromedp.CSS("#proposta")))
	if q, _ := chromedp.Run(l2, chromedp.Value(chromedp.CSS("#question"))); strings.TrimSpace(q) == "" {
		t.Errorf("the form's question is not prefilled from the ticket")
	}
	run(l2, "level 2 proposes", chromedp.SetValue(chromedp.CSS("#title"), title),
		chromedp.SetValue(chromedp.CSS("#answer"), "La risposta che ha risolto la richiesta."),
		chromedp.Click(chromedp.CSS("#invia-proposta")), chromedp.WaitVisible(chromedp.CSS(".form-ok")))
	queue, _ := site.app.Store.Workflow().Open(ctx, skb.StatusSubmitted)
	for _, o := range queue {
		if o.Version.Content.Title == title {
			t.Fatal("the proposal went straight to the validators")
		}
	}
	run(pub, "publisher finds the proposal", chromedp.Navigate(site.url+"/redazione"), chromedp.WaitVisible(chromedp.CSS("#proposte-ticket")))
	if got := text(pub, "#proposte-ticket"); !strings.Contains(got, title) || !strings.Contains(got, solved.Number) {
		t.Fatalf("the workspace's proposals: %q", got)
	}
	run(pub, "publisher completes and submits", chromedp.Click(chromedp.CSS("#proposte-ticket li a")),
		chromedp.WaitVisible(chromedp.CSS("#answer-box")),
		chromedp.SendKeys(chromedp.CSS("#legal"), "D.Lgs. 446/1997"),
		chromedp.Click(chromedp.CSS("#invia")), chromedp.WaitVisible(chromedp.CSS("#mie-schede")))
	var iri string
	for _, o := range mustOpen(t, site, skb.StatusSubmitted) {
		if o.Version.Content.Title == title {
			iri = o.IRI
		}
	}
	if iri == "" {
		t.Fatal("the completed proposal is not in the validators' queue")
	}
	id := iri[strings.LastIndex(iri, "/")+1:]
	run(val, "validator approves the proposal", chromedp.Navigate(site.url+"/validazione"),
		chromedp.Click(chromedp.CSS("#rev-"+id+" .approva")), chromedp.WaitNotPresent(chromedp.CSS("#rev-"+id)))
	if p, err := site.app.Store.Pill(ctx, iri); err != nil || p.Status != skb.StatusPublished || len(p.LegalRefs) != 1 {
		t.Errorf("the proposal after approval: %v %+v", err, p)
	}
}

func mustOpen(t *testing.T, site *demoSite, st skb.Status) []skb.OpenVersion {
	t.Helper()
	open, err := site.app.Store.Workflow().Open(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return open
}
