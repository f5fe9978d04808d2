package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sportello/fixtures/testenv"
	"sportello/internal/fsperm"
)

// TestDataFilesArePrivate starts the built binary (`serve --demo`) on a temporary data folder
// that an older version left readable by others, makes it write what it writes in use — the
// SQLite database and its WAL, the bolt graph, the bleve index, a citizen's request, an
// uploaded attachment, the voicemail and announcement folders — and walks the folder, while
// it runs and after it stops: nothing may be readable, writable or searchable by group or
// others (files 0600, folders 0700).
func TestDataFilesArePrivate(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildSportello(t, dir)
	data := filepath.Join(dir, "data")
	// What an older version left behind: a world-readable folder and file.
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(data, 0o755)
	old := filepath.Join(data, "appunti.txt")
	os.WriteFile(old, []byte("x"), 0o644)
	os.Chmod(old, 0o644)

	srv := startServe(t, bin, "serve", "--demo", "--data", data, "--addr", "127.0.0.1:0")

	// A citizen's request (anonymous), then an operator's upload.
	post := func(c *http.Client, path, ctype string, body io.Reader, csrf string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.base+strings.TrimPrefix(path, "/"), body)
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Origin", strings.TrimSuffix(srv.base, "/"))
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	r := post(http.DefaultClient, "/api/public/requests", "application/json",
		strings.NewReader(`{"name":"Ugo","email":"ugo@example.it","description":"Orari","consent":true}`), "")
	if r.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(r.Body)
		t.Fatalf("public request: %d %s", r.StatusCode, b)
	}
	r.Body.Close()
	jar, _ := cookiejar.New(nil)
	op := &http.Client{Jar: jar}
	r = post(op, "/api/login", "application/json", strings.NewReader(`{"name":"operatore","password":"Valdoria2026"}`), "")
	var sess struct {
		CSRFToken string `json:"csrfToken"`
	}
	json.NewDecoder(r.Body).Decode(&sess)
	r.Body.Close()
	if r.StatusCode != http.StatusOK || sess.CSRFToken == "" {
		t.Fatalf("login: %d", r.StatusCode)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "ricevuta.pdf")
	fw.Write([]byte("%PDF-1.4\nricevuta\n%%EOF\n"))
	mw.Close()
	r = post(op, "/api/tickets/1/attachments", mw.FormDataContentType(), &body, sess.CSRFToken)
	if r.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(r.Body)
		t.Fatalf("attachment: %d %s", r.StatusCode, b)
	}
	r.Body.Close()

	check := func(when string) int {
		t.Helper()
		loose, err := fsperm.Loose(data)
		if err != nil {
			t.Fatal(err)
		}
		if len(loose) > 0 {
			t.Errorf("%s: readable by group or others:\n%s", when, strings.Join(loose, "\n"))
		}
		n := 0
		filepath.WalkDir(data, func(string, os.DirEntry, error) error { n++; return nil })
		return n
	}
	running := check("while serving")
	for _, must := range []string{"sportello.db", "graph/indexes.bolt", "index", "attachments"} {
		if _, err := os.Stat(filepath.Join(data, must)); err != nil {
			t.Errorf("the server did not create %s: %v", must, err)
		}
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-srv.exited:
		srv.stopped = true
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	stopped := check("after stopping")
	testenv.Figure("permissions: serve --demo with a request and an attachment: %d entries of the data folder while serving, %d after stopping, none readable by group or others (one left by an older version made private)", running, stopped)
}
