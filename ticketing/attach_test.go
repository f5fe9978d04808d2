package ticketing

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAttachments(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{Limits: AttachmentLimits{MaxSize: 4096}}) {
		t.Run(name, func(t *testing.T) {
			tk, err := s.Create(ctx, NewTicket{Channel: Email, Description: "allegati"})
			if err != nil {
				t.Fatal(err)
			}
			pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
			a, err := s.Attach(ctx, tk.ID, "../../etc/Modulo ISEE.pdf", bytes.NewReader(pdf), "bo", "email")
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != "Modulo ISEE.pdf" || a.ContentType != "application/pdf" || a.Size != int64(len(pdf)) {
				t.Fatalf("attachment = %+v", a)
			}
			got, f, err := s.OpenAttachment(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(f)
			f.Close()
			if !bytes.Equal(body, pdf) || got.SHA256 != a.SHA256 {
				t.Fatal("content changed")
			}
			if strings.Contains(f.Name(), "Modulo") || filepath.Dir(f.Name()) != s.dir {
				t.Fatalf("stored as %s", f.Name())
			}
			for _, tc := range []struct {
				name, content, want string
			}{
				{"virus.exe", "MZ\x90\x00", "non ammesso"},
				{"pagina.html", "<html><script>", "non ammesso"},
				{"finto.pdf", "<html><script>alert(1)</script>", "non corrisponde"},
				{"foto.png", "%PDF-1.4", "non corrisponde"},
				{"grande.txt", strings.Repeat("a", 5000), "dimensione massima"},
				{"vuoto.txt", "", "vuoto"},
			} {
				_, err := s.Attach(ctx, tk.ID, tc.name, strings.NewReader(tc.content), "bo", "upload")
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
				}
			}
			if _, err := s.Attach(ctx, 987654, "a.txt", strings.NewReader("x"), "bo", ""); !errors.Is(err, ErrNotFound) {
				t.Errorf("attach to a missing ticket: %v", err)
			}
			list, _ := s.Attachments(ctx, tk.ID)
			if len(list) != 1 {
				t.Fatalf("%d attachments listed", len(list))
			}
			files, _ := os.ReadDir(s.dir)
			if len(files) != 1 {
				t.Fatalf("refused uploads left %d files behind", len(files)-1)
			}
		})
	}
}

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd":                "passwd",
		`C:\Users\x\lettera.doc`:          "lettera.doc",
		".htaccess":                       "htaccess",
		"":                                "allegato",
		"a\x00b\nc.txt":                   "a_b_c.txt",
		"..":                              "allegato",
		strings.Repeat("x", 200) + ".pdf": strings.Repeat("x", 116) + ".pdf",
	} {
		if got := SafeFileName(in); got != want {
			t.Errorf("SafeFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestServeAttachment(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t, nil, Config{}) {
		t.Run(name, func(t *testing.T) {
			tk, _ := s.Create(ctx, NewTicket{Channel: Web, Description: "x"})
			a, err := s.Attach(ctx, tk.ID, "Lettera ài cittadini.txt", strings.NewReader("testo <script>alert(1)</script>"), "web", "upload")
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			if err := s.ServeAttachment(rec, httptest.NewRequest("GET", "/a", nil), a.ID); err != nil {
				t.Fatal(err)
			}
			h := rec.Result().Header
			if h.Get("Content-Type") != "text/plain; charset=utf-8" || h.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(h.Get("Content-Disposition"), "attachment; filename*=utf-8''Lettera%20%C3%A0i") {
				t.Fatalf("headers = %v", h)
			}
			if rec.Body.String() != "testo <script>alert(1)</script>" {
				t.Fatalf("body = %q", rec.Body.String())
			}
			if err := s.ServeAttachment(httptest.NewRecorder(), httptest.NewRequest("GET", "/a", nil), 99999); !errors.Is(err, ErrNotFound) {
				t.Fatalf("missing attachment: %v", err)
			}
		})
	}
}
