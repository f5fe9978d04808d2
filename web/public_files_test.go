package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sportello/ticketing"
)

// TestPublicRequestFiles: /richiesta takes attachments within limits, checked by content, and
// refuses the rest with the reason beside the file field and what was typed kept; once solved,
// the status page shows the answer and the messages sent (TK-18).
func TestPublicRequestFiles(t *testing.T) {
	f := newTicketFixture(t)
	ctx := context.Background()
	post := func(files map[string][]byte) *httptest.ResponseRecorder {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		for k, v := range map[string]string{"name": "Carla Verdi", "email": "carla@example.it", "subject": "Certificato",
			"description": "Allego la domanda firmata", "consent": "1"} {
			w.WriteField(k, v)
		}
		for name, data := range files {
			fw, _ := w.CreateFormFile("allegati", name)
			fw.Write(data)
		}
		w.Close()
		req := httptest.NewRequest(http.MethodPost, "/richiesta", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		return rec
	}
	page := f.do(t, http.MethodGet, "/richiesta", "", nil)
	if !strings.Contains(page.Body, `enctype="multipart/form-data"`) || !strings.Contains(page.Body, `type="file"`) ||
		!strings.Contains(page.Body, `<label for="allegati">`) {
		t.Fatal("the request form has no labelled file field")
	}
	bad := post(map[string][]byte{"setup.exe": []byte("MZ\x90\x00")})
	if bad.Code != http.StatusBadRequest || !strings.Contains(bad.Body.String(), "setup.exe: tipo di file non ammesso") ||
		!strings.Contains(bad.Body.String(), "Allego la domanda firmata") || !strings.Contains(bad.Body.String(), `id="allegati-errore"`) {
		t.Errorf("a refused file: %d", bad.Code)
	}
	fake := post(map[string][]byte{"domanda.pdf": []byte("<html><script>alert(1)</script>")})
	if fake.Code != http.StatusBadRequest || !strings.Contains(fake.Body.String(), "non corrisponde all") {
		t.Errorf("a page named .pdf: %d", fake.Code)
	}
	ok := post(map[string][]byte{"domanda.pdf": []byte("%PDF-1.4\n%%EOF\n"), "documento.txt": []byte("carta d'identità\n")})
	if ok.Code != http.StatusSeeOther {
		t.Fatalf("a request with two files: %d %s", ok.Code, ok.Body.String())
	}
	ref := strings.TrimPrefix(ok.Header().Get("Location"), "/richiesta?numero=")
	number, _, _ := ticketing.ParseRef(ref)
	tk, err := f.st.TicketByNumber(ctx, number)
	if err != nil {
		t.Fatal(ref, err)
	}
	atts, err := f.st.Attachments(ctx, tk.ID)
	if err != nil || len(atts) != 2 {
		t.Fatalf("%d attachments stored, %v", len(atts), err)
	}
	status := "/richiesta/stato?numero=" + ref + "&email=carla@example.it"
	if r := f.do(t, http.MethodGet, status, "", nil); strings.Contains(r.Body, `id="tk-answer"`) {
		t.Error("an answer is shown before the request is solved")
	}
	const answer = "Il certificato è pronto allo sportello dal 10 gennaio."
	if _, err := f.st.SolveFirstLevel(ctx, tk.ID, "operatore", ticketing.AsOperator, answer); err != nil {
		t.Fatal(err)
	}
	r := f.do(t, http.MethodGet, status, "", nil)
	f.want(t, r, http.StatusOK)
	if !strings.Contains(r.Body, `id="tk-answer"`) || !strings.Contains(r.Body, esc(answer)) {
		t.Errorf("the solved request's status page does not show the answer")
	}
}
