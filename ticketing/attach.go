package ticketing

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"

	"sportello/internal/sqldb"
)

// AttachmentLimits bounds what a ticket accepts (TK-3: email, fax, voicemail and common office
// formats).
type AttachmentLimits struct {
	MaxSize int64 // bytes per file; default 10 MiB
}

func (l AttachmentLimits) withDefaults() AttachmentLimits {
	if l.MaxSize <= 0 {
		l.MaxSize = 10 << 20
	}
	return l
}

// Attachment is a file stored with a ticket. Storage is a random name: the file name the
// citizen gave never reaches the file system.
type Attachment struct {
	ID          int64     `json:"id"`
	TicketID    int64     `json:"ticketId"`
	Name        string    `json:"name"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Source      string    `json:"source,omitempty"` // "email", "voicemail", "upload", …
	CreatedBy   string    `json:"createdBy,omitempty"`
	Created     time.Time `json:"created"`
	storage     string
}

// fileType is an accepted kind of file: the extensions it may carry, the content type it is
// served with, and a check of its first bytes (what http.DetectContentType says, refined).
type fileType struct {
	exts  []string
	ctype string
	ok    func(sniffed string, head []byte) bool
}

func sniffed(want ...string) func(string, []byte) bool {
	return func(got string, _ []byte) bool {
		for _, w := range want {
			if strings.HasPrefix(got, w) {
				return true
			}
		}
		return false
	}
}

var (
	oleMagic  = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	fileTypes = []fileType{
		{[]string{".pdf"}, "application/pdf", sniffed("application/pdf")},
		{[]string{".png"}, "image/png", sniffed("image/png")},
		{[]string{".jpg", ".jpeg"}, "image/jpeg", sniffed("image/jpeg")},
		{[]string{".gif"}, "image/gif", sniffed("image/gif")},
		{[]string{".tif", ".tiff"}, "image/tiff", func(_ string, h []byte) bool { // fax pages
			return bytes.HasPrefix(h, []byte("II*\x00")) || bytes.HasPrefix(h, []byte("MM\x00*"))
		}},
		{[]string{".wav"}, "audio/wav", sniffed("audio/wave")}, // voicemail (TEL-6)
		{[]string{".mp3"}, "audio/mpeg", sniffed("audio/mpeg")},
		{[]string{".txt", ".csv"}, "text/plain; charset=utf-8", sniffed("text/plain")},
		{[]string{".rtf"}, "application/rtf", func(_ string, h []byte) bool { return bytes.HasPrefix(h, []byte(`{\rtf`)) }},
		{[]string{".eml"}, "message/rfc822", sniffed("text/plain")},
		{[]string{".doc", ".xls", ".ppt"}, "application/octet-stream", func(_ string, h []byte) bool { return bytes.HasPrefix(h, oleMagic) }},
		{[]string{".docx"}, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", sniffed("application/zip")},
		{[]string{".xlsx"}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", sniffed("application/zip")},
		{[]string{".pptx"}, "application/vnd.openxmlformats-officedocument.presentationml.presentation", sniffed("application/zip")},
		{[]string{".odt"}, "application/vnd.oasis.opendocument.text", sniffed("application/zip")},
		{[]string{".ods"}, "application/vnd.oasis.opendocument.spreadsheet", sniffed("application/zip")},
		{[]string{".zip"}, "application/zip", sniffed("application/zip")},
	}
)

// AcceptedExtensions lists the file extensions tickets accept, for the upload forms.
func AcceptedExtensions() []string {
	var out []string
	for _, t := range fileTypes {
		out = append(out, t.exts...)
	}
	return out
}

// SafeFileName reduces a name given by a citizen or a mail client to a plain file name: no
// directories, no control characters, at most 120 characters, never empty or hidden.
func SafeFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = name[strings.LastIndex(name, "/")+1:]
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == ':' || r == '*' || r == '?' || r == '<' || r == '>' || r == '|' {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if r := []rune(name); len(r) > 120 {
		ext := filepath.Ext(name)
		if len([]rune(ext)) > 10 {
			ext = ""
		}
		name = string(r[:120-len([]rune(ext))]) + ext
	}
	if name == "" {
		name = "allegato"
	}
	return name
}

// classify checks that a file is what its extension says and one of the accepted kinds.
func classify(name string, head []byte) (string, error) {
	ext := strings.ToLower(filepath.Ext(name))
	got := http.DetectContentType(head)
	for _, t := range fileTypes {
		if !contains(t.exts, ext) {
			continue
		}
		if !t.ok(got, head) {
			return "", invalid("file", "%s: il contenuto (%s) non corrisponde all'estensione %s", name, got, ext)
		}
		return t.ctype, nil
	}
	return "", invalid("file", "%s: tipo di file non ammesso (ammessi: %s)", name, strings.Join(AcceptedExtensions(), " "))
}

var storagePattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Attach stores a file with a ticket. The content is checked against its extension, limited
// in size and written under a random name through a temporary file, so a refused or failed
// upload leaves nothing behind.
func (s *Store) Attach(ctx context.Context, ticketID int64, name string, r io.Reader, actor, source string) (*Attachment, error) {
	name = SafeFileName(name)
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM tk_tickets WHERE id = ?`, ticketID).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, ErrNotFound
	}
	tmp, err := os.CreateTemp(s.dir, ".upload-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name()) // after the rename this is a no-op
	defer tmp.Close()
	h := sha256.New()
	var head bytes.Buffer
	size, err := io.Copy(io.MultiWriter(tmp, h, &limitedBuffer{&head, 512}), io.LimitReader(r, s.limits.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("ticketing: %s: %w", name, err)
	}
	if size > s.limits.MaxSize {
		return nil, invalid("file", "%s: supera la dimensione massima di %d MB", name, s.limits.MaxSize>>20)
	}
	if size == 0 {
		return nil, invalid("file", "%s: file vuoto", name)
	}
	ctype, err := classify(name, head.Bytes())
	if err != nil {
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	var rnd [16]byte
	rand.Read(rnd[:])
	a := &Attachment{TicketID: ticketID, Name: name, ContentType: ctype, Size: size, SHA256: hex.EncodeToString(h.Sum(nil)),
		Source: source, CreatedBy: actor, Created: s.clock(), storage: hex.EncodeToString(rnd[:])}
	final := filepath.Join(s.dir, a.storage)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return nil, err
	}
	err = s.db.QueryRow(ctx, `INSERT INTO tk_attachments (ticket_id, name, content_type, size, sha256, storage, source,
		created_by, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.TicketID, a.Name, a.ContentType, a.Size,
		a.SHA256, a.storage, a.Source, a.CreatedBy, sqldb.Millis(a.Created)).Scan(&a.ID)
	if err != nil {
		os.Remove(final)
		return nil, err
	}
	return a, nil
}

// limitedBuffer keeps the first n bytes written to it.
type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

const attachmentColumns = `id, ticket_id, name, content_type, size, sha256, storage, source, created_by, created`

func scanAttachment(r scanner) (*Attachment, error) {
	var a Attachment
	var created int64
	err := r.Scan(&a.ID, &a.TicketID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.storage, &a.Source, &a.CreatedBy, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	a.Created = sqldb.Time(created)
	return &a, err
}

// Attachments lists a ticket's files.
func (s *Store) Attachments(ctx context.Context, ticketID int64) ([]Attachment, error) {
	rows, err := s.db.Query(ctx, `SELECT `+attachmentColumns+` FROM tk_attachments WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// OpenAttachment returns an attachment and its content. The web layer serves it with
// ContentType, "Content-Disposition: attachment" and "X-Content-Type-Options: nosniff".
func (s *Store) OpenAttachment(ctx context.Context, id int64) (*Attachment, *os.File, error) {
	a, err := scanAttachment(s.db.QueryRow(ctx, `SELECT `+attachmentColumns+` FROM tk_attachments WHERE id = ?`, id))
	if err != nil {
		return nil, nil, err
	}
	if !storagePattern.MatchString(a.storage) {
		return nil, nil, fmt.Errorf("ticketing: attachment %d: bad storage name", id)
	}
	f, err := os.Open(filepath.Join(s.dir, a.storage))
	if err != nil {
		return nil, nil, err
	}
	return a, f, nil
}

// ServeAttachment writes attachment id to w with the headers that keep a citizen's file from
// running in the operator's browser: the stored (sniffed) content type, "attachment"
// disposition with the file name, nosniff and a sandboxing CSP. Range requests work.
func (s *Store) ServeAttachment(w http.ResponseWriter, r *http.Request, id int64) error {
	a, f, err := s.OpenAttachment(r.Context(), id)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", a.Created, f)
	return nil
}
