package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"sportello/accounts"
	"sportello/app"
	"sportello/fixtures/testenv"
	"sportello/internal/clock"
)

// slaMonth is a generated October 2026 of an Asterisk PBX's queue_log, with the figures the test
// expects counted from the generator's own record, not from the product's code.
type slaMonth struct {
	lines                                        []string
	offered, answered, under, abandoned, overflw int
	centralino                                   int // offered in the queue "centralino"
}

// generateOctober writes 12 calls each working day of October 2026 (the month the clocks go
// back): seven answered within 30 s, one after 45 s, one after 95 s, two abandoned (20 s, 60 s),
// one leaving at the maximum wait; every third call in "numero verde", the rest in "centralino".
func generateOctober() slaMonth {
	var m slaMonth
	rome := clock.Rome()
	emit := func(at time.Time, rest string) { m.lines = append(m.lines, fmt.Sprintf("%d|%s", at.Unix(), rest)) }
	n := 0
	for day := time.Date(2026, 10, 1, 0, 0, 0, 0, rome); day.Month() == time.October; day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		at := func(h, min, s int) time.Time {
			return time.Date(day.Year(), day.Month(), day.Day(), h, min, s, 0, rome)
		}
		emit(at(8, 0, 0), "NONE|NONE|SIP/201|AGENTLOGIN|SIP/201")
		for i := 0; i < 12; i++ {
			n++
			id, queue := fmt.Sprintf("1791%06d.%d", n, i), "centralino"
			if i%3 == 0 {
				queue = "numero verde"
			} else {
				m.centralino++
			}
			t0 := at(9+i/2, 7*i%60, 0)
			m.offered++
			emit(t0, fmt.Sprintf("%s|%s|NONE|ENTERQUEUE||3470000%03d", id, queue, i))
			wait, talk := 0, 120
			switch {
			case i <= 8:
				wait = []int{5, 8, 11, 14, 17, 20, 29, 45, 95}[i]
				m.answered++
				if wait < 30 {
					m.under++
				}
				emit(t0.Add(time.Duration(wait)*time.Second), fmt.Sprintf("%s|%s|SIP/201|CONNECT|%d|x|2", id, queue, wait))
				emit(t0.Add(time.Duration(wait+talk)*time.Second), fmt.Sprintf("%s|%s|SIP/201|COMPLETECALLER|%d|%d|1", id, queue, wait, talk))
			case i <= 10:
				wait = 20 + 40*(i-9)
				m.abandoned++
				emit(t0.Add(time.Duration(wait)*time.Second), fmt.Sprintf("%s|%s|NONE|ABANDON|1|1|%d", id, queue, wait))
			default:
				m.overflw++
				emit(t0.Add(90*time.Second), fmt.Sprintf("%s|%s|NONE|EXITWITHTIMEOUT|1|1|90", id, queue))
			}
		}
		emit(at(19, 0, 0), "NONE|NONE|SIP/201|AGENTLOGOFF|SIP/201|39600")
	}
	return m
}

// pdfPage finds the page objects of a PDF.
var pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)

// itPct writes a fraction as the pages do: "77,8 %".
func itPct(num, den int) string {
	return strings.Replace(strconv.FormatFloat(100*float64(num)/float64(den), 'f', 1, 64), ".", ",", 1) + " %"
}

// TestSLAReportInChromium is the service levels' "done when" in a real browser: the PBX's
// queue_log of October goes in through `sportello calls import`; the supervisor signs in, opens
// October's report and reads the values, downloads the Excel workbook (read back here), prints
// (the print style sheet applies: computed styles and an A4 PDF), and saves a view of the
// statistics that opens again as saved.
func TestSLAReportInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	chromium := testenv.Chromium(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	month := generateOctober()
	qlog := filepath.Join(dir, "queue_log")
	if err := os.WriteFile(qlog, []byte(strings.Join(month.lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := sportello(t, "calls", "import", "--data", data, qlog); code != 0 {
		t.Fatalf("calls import: %d\n%s\n%s", code, out, errOut)
	}

	ctx0, stop := context.WithCancel(context.Background())
	cfg := app.DefaultConfig(data)
	cfg.Demo, cfg.Logger = true, slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Telephony.Sample = time.Second
	a, err := app.New(ctx0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx0); err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(a.Web.Handler())
	bctx, cancelBrowser := newChromium(t, chromium, dir)
	tab, cancelTab := context.WithTimeout(bctx, 150*time.Second)
	t.Cleanup(func() {
		cancelTab()
		cancelBrowser()
		stop()
		site.Close()
		a.Stop()
	})
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(tab, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}

	// 1. The supervisor signs in and opens October's report.
	if err := chromedp.Do(tab,
		chromedp.Navigate(site.URL+"/livelli-servizio?month=2026-10"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "supervisore"),
		chromedp.SendKeys(chromedp.CSS("#password"), accounts.DemoPassword),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("section.sla-report")),
	); err != nil {
		t.Fatalf("sign in and open the report: %v", err)
	}
	screenshot(t, tab, dir, "sla-report.png")
	report := text("section.sla-report")
	c2Row := eval(`[...document.querySelectorAll(".sla-report table.sla-table tr")].find(r => r.querySelector("th")?.textContent === "C.2").innerText`)
	c3Row := eval(`[...document.querySelectorAll(".sla-report table.sla-table tr")].find(r => r.querySelector("th")?.textContent === "C.3").innerText`)
	for _, want := range []string{"report mensile – ottobre 2026", fmt.Sprintf("Chiamate offerte (entrate in coda)\n%d", month.offered),
		fmt.Sprintf("Risposte\n%d", month.answered), fmt.Sprintf("Abbandonate\n%d", month.abandoned),
		fmt.Sprintf("Uscite dalla coda senza operatore\n%d", month.overflw), "Disponibilità di ACD, IVR e CTI"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report does not show %q:\n%.1500s", want, report)
		}
	}
	if !strings.Contains(c2Row, itPct(month.under, month.answered)) || !strings.Contains(c2Row, "NON rispettato") {
		t.Errorf("C.2 row: %q, want %s not met", c2Row, itPct(month.under, month.answered))
	}
	if !strings.Contains(c3Row, itPct(month.abandoned, month.offered)) {
		t.Errorf("C.3 row: %q, want %s", c3Row, itPct(month.abandoned, month.offered))
	}

	// 2. The Excel workbook, downloaded by the browser, read back.
	downloads := filepath.Join(dir, "downloads")
	progress := chromedp.Events(tab, browser.DownloadProgress)
	if err := chromedp.Do(tab,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			events := true
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &events})
			return err
		}),
		chromedp.Click(chromedp.CSS("#rp-xlsx")),
	); err != nil {
		t.Fatalf("download: %v", err)
	}
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = filepath.Join(downloads, ev.GUID)
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("download cancelled")
		}
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the downloaded workbook: %v", err)
	}
	if v, _ := wb.GetCellValue("Sintesi", "B6"); v != strconv.Itoa(month.offered) {
		t.Errorf("offered in the workbook: %q, want %d", v, month.offered)
	}
	if rows, _ := wb.GetRows("Dati"); len(rows) != month.offered+1 {
		t.Errorf("raw data rows: %d, want %d contacts and the header", len(rows), month.offered)
	}

	// 3. Printing: the print style sheet hides the menus and forms, keeps the report, fits A4.
	const a4Content = 703 // (210 − 2 × 12) mm at 96 px to the inch
	if err := chromedp.Do(tab,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}),
		chromedp.EmulateViewport(a4Content, 1000),
	); err != nil {
		t.Fatalf("print media: %v", err)
	}
	styles := eval(`[
		getComputedStyle(document.querySelector("header.top")).display,
		getComputedStyle(document.querySelector("#rp-choose")).display,
		getComputedStyle(document.querySelector("#rp-tools")).display,
		getComputedStyle(document.querySelector("#invio")).display,
		getComputedStyle(document.querySelector(".sub-nav")).display,
		getComputedStyle(document.querySelector("section.sla-report")).display,
		getComputedStyle(document.querySelector("main")).paddingLeft,
		String(document.documentElement.scrollWidth <= window.innerWidth),
		String(Math.max(...[...document.querySelectorAll(".sla-chart svg")].map(s => s.getBoundingClientRect().width)) <= window.innerWidth)
	].join(" ")`)
	if styles != "none none none none none block 0px true true" {
		t.Errorf("computed styles in print: %q, want menus and forms hidden, the report shown, nothing wider than A4", styles)
	}
	pdf, err := chromedp.Run(tab, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
	if pages := len(pdfPage.FindAll(pdf, -1)); err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) || pages < 2 || pages > 40 {
		t.Errorf("print to A4 PDF: %d bytes, %d pages, %v", len(pdf), pages, err)
	} else {
		t.Logf("the report prints on %d A4 pages", pages)
		if d := os.Getenv("SPORTELLO_SCREENSHOTS"); d != "" {
			os.WriteFile(filepath.Join(d, "sla-report.pdf"), pdf, 0o644)
		}
	}
	if err := chromedp.Do(tab,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
			return err
		}),
		chromedp.EmulateViewport(1280, 900),
	); err != nil {
		t.Fatal(err)
	}

	// 4. A view of the statistics: October, by week, the queue "centralino"; saved, reopened.
	if err := chromedp.Do(tab,
		chromedp.Navigate(site.URL+"/statistiche?range=custom&from=2026-10-01&to=2026-10-31&granularity=week&queue=centralino"),
		chromedp.WaitVisible(chromedp.CSS("#st-view-name")),
		chromedp.SendKeys(chromedp.CSS("#st-view-name"), "Centralino, ottobre"),
		chromedp.Click(chromedp.CSS(`#st-save button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.form-ok[role="status"]`)),
		chromedp.Navigate(site.URL+"/statistiche"),
		chromedp.WaitVisible(chromedp.CSS(`.views a`)),
	); err != nil {
		t.Fatalf("save the view: %v", err)
	}
	if got := eval(`document.querySelector("#st-range").value + " " + document.querySelector("#st-gran").value`); got != "today hour" {
		t.Errorf("a fresh page starts at %q", got)
	}
	if err := chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`.views a`)),
		chromedp.WaitVisible(chromedp.CSS(`.views a[aria-current="true"]`)),
	); err != nil {
		t.Fatalf("open the view: %v", err)
	}
	got := eval(`[document.querySelector("h1").textContent, document.querySelector("#st-range").value, document.querySelector("#st-from").value,
		document.querySelector("#st-to").value, document.querySelector("#st-gran").value,
		[...document.querySelectorAll("input[name=queue]:checked")].map(x => x.value).join("+"),
		document.querySelector("dd[data-fig=offered]").textContent].join("|")`)
	want := fmt.Sprintf("Statistiche del contact center – Centralino, ottobre|custom|2026-10-01|2026-10-31|week|centralino|%d", month.centralino)
	if got != want {
		t.Errorf("the view reopened: %q, want %q", got, want)
	}
	screenshot(t, tab, dir, "sla-statistics.png")
	if n := eval(`String(document.querySelectorAll("#aggregation tbody tr").length)`); n != "5" {
		t.Errorf("%s weeks in October, want 5 (weeks 40–44)", n)
	}
}
