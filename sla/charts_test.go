package sla

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// wellFormed parses b as XML and returns the element names met.
func wellFormed(t *testing.T, b []byte) map[string]int {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	names := map[string]int{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
		if se, ok := tok.(xml.StartElement); ok {
			names[se.Name.Local]++
		}
	}
}

func TestChartSVG(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	c := Chart{ID: "c2", Kind: "line", Unit: "%", Title: "C.2 <per giorno>", Desc: "Quota & soglia", Categories: []string{"01", "02", "03"},
		Thresholds: Uniform(0.9, 3), Series: []Series{{"C.2", []*float64{v(0.95), nil, v(0.8)}}, {"C.2 ieri", []*float64{v(0.5), v(0.9), v(0.91)}}}}
	svg := c.SVG()
	names := wellFormed(t, svg)
	s := string(svg)
	for _, want := range []string{`role="img"`, `aria-labelledby="c2-title c2-desc"`, `<title id="c2-title">C.2 &lt;per giorno&gt;</title>`,
		`<desc id="c2-desc">Quota &amp; soglia</desc>`, "soglia 90,0 %", "02, C.2 ieri: 90,0 %", `stroke-dasharray="6 3"`} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %s", want)
		}
	}
	// Two values below 90 %: "!" twice; the gap (nil) breaks the line: two "M" in the first path.
	if n := strings.Count(s, ">!</text>"); n != 2 {
		t.Errorf("%d breach marks, want 2", n)
	}
	if names["circle"] < 2 || names["rect"] < 2 {
		t.Errorf("markers: %v", names)
	}
	tbl := string(c.Table())
	wellFormed(t, []byte(tbl))
	for _, want := range []string{"<caption>C.2 &lt;per giorno&gt;</caption>", "80,0 % (sotto soglia)", "<td>n.d.</td>", "≥ 90,0 %"} {
		if !strings.Contains(tbl, want) {
			t.Errorf("table lacks %s: %s", want, tbl)
		}
	}
	// Stacked bars use patterns, not only colours; an empty chart says so.
	st := Chart{ID: "v", Kind: "stacked", Title: "Volumi", Categories: []string{"a"}, Series: []Series{{"x", []*float64{v(3)}}, {"y", []*float64{v(4)}}}}
	if s := string(st.SVG()); !strings.Contains(s, `fill="url(#v-p1)"`) || !strings.Contains(s, "<pattern") {
		t.Errorf("stacked bars without patterns: %s", s)
	}
	empty := Chart{ID: "e", Title: "Vuoto"}
	if s := string(empty.SVG()); !strings.Contains(s, "Nessun dato") {
		t.Error("empty chart")
	}
	// A maximum threshold: values above it are the breaches.
	mx := Chart{ID: "m", Kind: "bar", Unit: "%", Max: true, Categories: []string{"a", "b"}, Thresholds: Uniform(0.05, 2),
		Series: []Series{{"C.3", []*float64{v(0.07), v(0.02)}}}}
	if n := strings.Count(string(mx.SVG()), ">!</text>"); n != 1 || !strings.Contains(string(mx.Table()), "7,0 % (oltre soglia)") {
		t.Errorf("max threshold: %d marks", n)
	}
}

func TestItNumber(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		dec  int
		want string
	}{{1234567.891, 2, "1.234.567,89"}, {0.5, 1, "0,5"}, {-1234, 0, "-1.234"}, {999, 0, "999"}} {
		if got := itNumber(tc.x, tc.dec); got != tc.want {
			t.Errorf("itNumber(%v) = %s, want %s", tc.x, got, tc.want)
		}
	}
}
