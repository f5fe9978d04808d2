package web_test

// The reorganisation wizard in Debian's Chromium, on the product as `sportello serve --demo`
// starts it (KB-1): the administrator imports the legacy workbook from the browser, its flat
// categories land at the top of the tree, the wizard proposes a branch for each, the publisher
// folds one into its life-event branch in one submit; the operator finds the category and its
// pills under the branch, and the concept's history says who did it.

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sportello/fixtures/testenv"
	chromium "sportello/fixtures/testenv/browser"
	"sportello/internal/role"
	skb "sportello/kb"
	"sportello/web/webkit"
)

func TestFoldWizardInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	site := startDemo(t)
	bctx, _ := chromium.Start(t, t.TempDir())
	ctx := context.Background()
	person := func(who role.Role) context.Context { t.Helper(); return signedInTab(t, bctx, site.url, who) }
	admin, pub, op := person(role.Administrator), person(role.Publisher), person(role.Operator)
	run := func(c context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		doIn(t, c, what, actions...)
	}
	text := func(c context.Context, sel string) string { t.Helper(); return textIn(t, c, sel) }

	// 1. The administrator imports the legacy workbook, published as the legacy base was.
	run(admin, "administrator imports the legacy workbook",
		chromedp.Navigate(site.url+"/importa"),
		chromedp.WaitVisible(chromedp.CSS("#import-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{testenv.Shared(t, "corpus/pillole-legacy.xlsx")}),
		chromedp.Click(chromedp.CSS(`form.import-upload button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`fieldset.import-sheet`)),
		chromedp.SetValue(chromedp.CSS(`#import-status`), "published"),
		chromedp.Click(chromedp.CSS(`form.import-form .import-buttons button:not([formaction])`)),
		chromedp.WaitVisible(chromedp.CSS(`button[formaction$="/avvia"]`)),
		chromedp.Click(chromedp.CSS(`button[formaction$="/avvia"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.import-ok`)),
	)
	legacy, err := site.app.Store.ConceptByLabel(ctx, "Politiche abitative")
	if err != nil || len(legacy.Parents()) != 0 {
		t.Fatalf("the imported category: %+v %v", legacy, err)
	}
	branch, err := site.app.Store.ConceptByLabel(ctx, "Abitare")
	if err != nil {
		t.Fatal(err)
	}
	opView := webkit.ViewerOf(role.Operator)
	pills, err := site.app.Store.Pills(ctx, skb.PillFilter{Concept: legacy.IRI, Viewer: &opView})
	if err != nil || len(pills) == 0 {
		t.Fatalf("pills operators see under the imported category: %d %v", len(pills), err)
	}

	// 2. The wizard lists the category with a proposal; the publisher folds it into the branch.
	id := webkit.LocalID(legacy.IRI)
	row := "#riga-" + id
	run(pub, "publisher opens the wizard", chromedp.Navigate(site.url+"/redazione/albero"),
		chromedp.Click(chromedp.CSS("#link-riordino")), chromedp.WaitVisible(chromedp.CSS("#riordino")))
	rows, err := chromedp.Run(pub, chromedp.Evaluate[int](`document.querySelectorAll("fieldset.fold-row").length`))
	if err != nil || rows < 30 {
		t.Errorf("the wizard lists %d categories (%v)", rows, err)
	}
	if got := text(pub, row); !strings.Contains(got, "Politiche abitative") || !strings.Contains(got, "Proposta") || !strings.Contains(got, "Abitare") {
		t.Errorf("the category's row: %q", got)
	}
	// The page is accessible, with every row's controls (the sweep sees it empty on the demo).
	// axe-core's WCAG 2.1 A/AA rules at 1280 and 320 px, and the 320 px reflow.
	st := &sweepStats{pages: map[string]bool{}, roles: map[role.Role]bool{}}
	sweepPage(t, pub, site.url, "/redazione/riordino", role.Publisher, axeSource(t), st)
	run(pub, "publisher folds the category", chromedp.EmulateViewport(1280, 900),
		chromedp.SetValue(chromedp.CSS(row+` select[name^="a"]`), "move"),
		chromedp.SetValue(chromedp.CSS(row+` select[name^="t"]`), branch.IRI),
		chromedp.Click(chromedp.CSS("#applica-riordino")),
		chromedp.WaitVisible(chromedp.CSS(".form-ok")),
	)
	if got := text(pub, ".form-ok"); !strings.Contains(got, "1") {
		t.Errorf("after the submit: %q", got)
	}
	if c, err := site.app.Store.Concept(ctx, legacy.IRI); err != nil || c.Broader != branch.IRI {
		t.Fatalf("the category after the wizard: %+v %v", c, err)
	}

	// 3. The operator finds the category under the branch in the tree, and its pills on the
	// branch's page.
	run(op, "operator opens the tree", chromedp.Navigate(site.url+"/albero"), chromedp.WaitVisible(chromedp.CSS("#albero")))
	branchList, err := chromedp.Run(op, chromedp.Evaluate[string](`(() => { const ul = document.querySelector("#voce-`+webkit.LocalID(branch.IRI)+`"); return ul ? ul.textContent : ""; })()`))
	if err != nil || !strings.Contains(branchList, "Politiche abitative") {
		t.Errorf("the branch in the operators' tree: %q %v", branchList, err)
	}
	run(op, "operator opens the branch", chromedp.Navigate(site.url+"/concetti/"+url.PathEscape(webkit.LocalID(branch.IRI))),
		chromedp.WaitVisible(chromedp.CSS(`a[href="`+webkit.PillHref(pills[0])+`"]`)))

	// 4. The history says who moved it and where.
	run(pub, "publisher opens the concept", chromedp.Navigate(site.url+"/redazione/albero/"+url.PathEscape(id)), chromedp.WaitVisible(chromedp.CSS("#storia")))
	if got := text(pub, "#storia"); !strings.Contains(got, "pubblicatore") || !strings.Contains(got, "spostata sotto «Abitare»") {
		t.Errorf("the concept's history: %q", got)
	}
	// The concept editor (further parents, four mapping relations, merge) is accessible too.
	sweepPage(t, pub, site.url, "/redazione/albero/"+url.PathEscape(id), role.Publisher, axeSource(t), st)
	if st.violations+st.reflows > 0 {
		t.Errorf("%d axe violations, %d reflow failures", st.violations, st.reflows)
	}
}
