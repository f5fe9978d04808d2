package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sportello/internal/role"
)

// TestImportInChromium walks the import as a publisher meets it, in Debian's Chromium (issue 3):
// choose the corpus workbook, see the 6 sheets, run the dry run (the page follows the job
// through /api/import/{id} and reloads at the end), import, find the outcome and the report.
func TestImportInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	s, store := importServer(t)
	h := s.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Test-Role", string(role.Publisher)) // no login here: the role is injected
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	workbook := corpusWorkbook(t)

	ctx := browserContext(t)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(hs.URL+"/importa"),
		chromedp.WaitVisible(chromedp.CSS("#import-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{workbook}),
		chromedp.Click(chromedp.CSS(`form.import-upload button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`fieldset.import-sheet`)),
	); err != nil {
		t.Fatalf("upload: %v", err)
	}
	sheets, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("fieldset.import-sheet").length`))
	if err != nil || sheets != 6 {
		t.Errorf("the page shows %d sheets, want 6 (%v)", sheets, err)
	}

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form.import-form .import-buttons button:not([formaction])`)),
		chromedp.WaitVisible(chromedp.CSS(`button[formaction$="/avvia"]`)),
	); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	dryText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`section.import-result`)))
	if err != nil || !strings.Contains(dryText, "Risultato della prova") || !strings.Contains(dryText, "Nulla è stato scritto") {
		t.Errorf("dry run result: %.300q, %v", dryText, err)
	}
	if st, _ := store.Stats(context.Background()); st.Pills != 0 {
		t.Fatalf("the dry run wrote %d pills", st.Pills)
	}

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[formaction$="/avvia"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.import-ok`)),
	); err != nil {
		t.Fatalf("import: %v", err)
	}
	done, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.import-ok`)))
	if err != nil || !strings.Contains(done, "Importazione completata") {
		t.Errorf("after the import: %q, %v", done, err)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch(document.querySelector("a[href$='/report.xlsx']").href).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != http.StatusOK {
		t.Errorf("report download: %d, %v", status, err)
	}
	if _, err := store.PillByCode(context.Background(), "SAL-001"); err != nil {
		t.Errorf("SAL-001 not in the store: %v", err)
	}
}
