package ticketing

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// webFile is an attachment of a public request held in memory.
func webFile(name string, data []byte) WebFile {
	return WebFile{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

var (
	pdfData = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	pngData = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
)

// TestPublicRequestAttachments: a public request takes up to MaxWebFiles files of the kinds a
// citizen sends, checked by content; any refusal names the file in Italian on the field
// "files" and stores nothing — neither the request nor any file (TK-18).
func TestPublicRequestAttachments(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			base := WebRequest{Consent: true, Name: "Ugo", Email: "ugo@example.it", Subject: "Allegati", Description: "Vedi allegati"}
			cases := []struct {
				name  string
				files []WebFile
				want  string
			}{
				{"too many", []WebFile{webFile("a.pdf", pdfData), webFile("b.pdf", pdfData), webFile("c.pdf", pdfData), webFile("d.pdf", pdfData)}, "al massimo 3 file"},
				{"not a pdf", []WebFile{webFile("fattura.pdf", []byte("MZ\x90\x00 this is an executable"))}, "fattura.pdf: il contenuto"},
				{"executable", []WebFile{webFile("setup.exe", []byte("MZ\x90\x00"))}, "setup.exe: tipo di file non ammesso"},
				{"an operator's kind only", []WebFile{webFile("audio.wav", []byte("RIFF\x00\x00\x00\x00WAVEfmt "))}, "audio.wav: tipo di file non ammesso"},
				{"too big", []WebFile{webFile("grande.pdf", append(pdfData, make([]byte, MaxWebFileBytes)...))}, "grande.pdf: supera la dimensione massima di 5 MB"},
				{"too much in all", []WebFile{webFile("a.pdf", append(pdfData, make([]byte, 4<<20)...)), webFile("b.pdf", append(pdfData, make([]byte, 4<<20)...)),
					webFile("c.pdf", append(pdfData, make([]byte, 4<<20)...))}, "in tutto 10 MB"},
				{"empty", []WebFile{webFile("vuoto.txt", nil)}, "vuoto.txt: il file è vuoto"},
				{"a path for a name", []WebFile{webFile("../../etc/passwd", []byte("root:x:0:0"))}, "passwd: tipo di file non ammesso"},
			}
			for _, tc := range cases {
				r := base
				r.Files = tc.files
				_, err := s.SubmitWeb(ctx, r)
				var ie *InvalidError
				if !errors.As(err, &ie) || ie.Field != "files" || !strings.Contains(ie.Msg, tc.want) {
					t.Errorf("%s: %v", tc.name, err)
				}
			}
			if list, _ := s.List(ctx, Filter{}); len(list) != 0 {
				t.Fatalf("%d tickets stored from refused requests", len(list))
			}
			r := base
			r.Files = []WebFile{webFile("documento.pdf", pdfData), webFile("foto.png", pngData), webFile("note.txt", []byte("testo semplice\n"))}
			tk, err := s.SubmitWeb(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			atts, err := s.Attachments(ctx, tk.ID)
			if err != nil || len(atts) != 3 || atts[0].Name != "documento.pdf" || atts[0].ContentType != "application/pdf" ||
				atts[1].ContentType != "image/png" || atts[0].Source != "web" || atts[0].Size != int64(len(pdfData)) {
				t.Fatalf("attachments: %+v, %v", atts, err)
			}
		})
	}
}
