package telephony

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Recordings keeps the call recordings of the queues that record (TK-4), under Dir with one
// folder per contact: the contact's ID is the call ID its CTI events carry, so a ticket that
// follows the call finds its recordings with List. Files are 8 kHz 16-bit mono WAV, readable by
// the service's user only. Reading goes through List and Open: the web layer guards them by
// role; nothing else serves the folder. Run deletes recordings older than the retention.
type Recordings struct {
	Dir string
}

// Recording is one stored recording.
type Recording struct {
	Contact  string        `json:"contact"`
	Name     string        `json:"name"` // file name, for Open
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration"`
	Size     int64         `json:"size"`
}

// ErrNoRecording is returned by Open for a name that is not a recording of the contact.
var ErrNoRecording = errors.New("telephony: no such recording")

// contactDir maps a contact ID to its folder name: the ID itself when it is made of safe
// characters (SIP Call-IDs usually are), else a hash of it, so that an ID chosen by a caller
// can never leave Dir.
func contactDir(id string) string {
	safe := id != "" && len(id) <= 100 && !strings.HasPrefix(id, ".")
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '@') {
			safe = false
			break
		}
	}
	if safe {
		return id
	}
	h := sha256.Sum256([]byte(id))
	return "h-" + hex.EncodeToString(h[:16])
}

// Create starts a recording of contact at t; write 8 kHz samples to it and Close it.
func (r *Recordings) Create(contact string, t time.Time) (*RecordingWriter, error) {
	dir := filepath.Join(r.Dir, contactDir(contact))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	base := t.UTC().Format("20060102T150405")
	for i := 0; i < 100; i++ {
		name := base + ".wav"
		if i > 0 {
			name = fmt.Sprintf("%s-%d.wav", base, i)
		}
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		w := &RecordingWriter{f: f, Name: name}
		if _, err := f.Write(wavHeader(0)); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, err
		}
		return w, nil
	}
	return nil, fmt.Errorf("telephony: too many recordings of %s at %s", contact, base)
}

// RecordingWriter streams one recording to its file: memory stays flat however long the call.
type RecordingWriter struct {
	f       *os.File
	Name    string
	samples int64
	err     error
	buf     []byte
}

// Write appends samples.
func (w *RecordingWriter) Write(pcm []int16) error {
	if w.err != nil {
		return w.err
	}
	w.buf = w.buf[:0]
	for _, s := range pcm {
		w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(s))
	}
	_, w.err = w.f.Write(w.buf)
	w.samples += int64(len(pcm))
	return w.err
}

// Close writes the sizes into the header and closes the file; an empty recording is removed.
func (w *RecordingWriter) Close() error {
	if w.samples == 0 && w.err == nil {
		name := w.f.Name()
		w.f.Close()
		return os.Remove(name)
	}
	if w.err == nil {
		_, w.err = w.f.WriteAt(wavHeader(w.samples), 0)
	}
	if err := w.f.Close(); w.err == nil {
		w.err = err
	}
	return w.err
}

// Duration is the length recorded so far.
func (w *RecordingWriter) Duration() time.Duration {
	return time.Duration(w.samples) * time.Second / 8000
}

func wavHeader(samples int64) []byte {
	n := uint32(min(2*samples, 0xFFFFFFF0-36))
	b := make([]byte, 44)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], 36+n)
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], n)
	return b
}

// List returns a contact's recordings, oldest first; none is not an error.
func (r *Recordings) List(contact string) ([]Recording, error) {
	dir := filepath.Join(r.Dir, contactDir(contact))
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Recording
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".wav") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		start, _ := time.Parse("20060102T150405", strings.SplitN(strings.TrimSuffix(e.Name(), ".wav"), "-", 2)[0])
		d := time.Duration(0)
		if info.Size() > 44 {
			d = time.Duration((info.Size()-44)/2) * time.Second / 8000
		}
		out = append(out, Recording{Contact: contact, Name: e.Name(), Start: start, Duration: d, Size: info.Size()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Open returns one recording of a contact for reading. This is the only way to read one: the
// caller (the web layer) checks the user's role first.
func (r *Recordings) Open(contact, name string) (*os.File, error) {
	if name == "" || name != filepath.Base(name) || !strings.HasSuffix(name, ".wav") || strings.HasPrefix(name, ".") {
		return nil, ErrNoRecording
	}
	f, err := os.Open(filepath.Join(r.Dir, contactDir(contact), name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoRecording
	}
	return f, err
}

// Purge deletes the recordings last written before t, and the folders left empty; it returns
// how many it deleted.
func (r *Recordings) Purge(t time.Time) (int, error) {
	dirs, err := os.ReadDir(r.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	var firstErr error
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(r.Dir, d.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			firstErr = errors.Join(firstErr, err)
			continue
		}
		left := 0
		for _, f := range files {
			info, err := f.Info()
			if err != nil || !info.ModTime().Before(t) || f.IsDir() {
				left++
				continue
			}
			if err := os.Remove(filepath.Join(dir, f.Name())); err != nil {
				firstErr = errors.Join(firstErr, err)
				left++
				continue
			}
			n++
		}
		if left == 0 {
			os.Remove(dir)
		}
	}
	return n, firstErr
}

// Run deletes, every interval until ctx ends, the recordings older than retention (the first
// pass at once); `sportello serve` starts it.
func (r *Recordings) Run(ctx context.Context, every, retention time.Duration, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := r.Purge(time.Now().Add(-retention))
		if err != nil {
			log.Error("recordings: retention pass failed", "dir", r.Dir, "error", err)
		}
		if n > 0 {
			log.Info("recordings: deleted after the retention period", "count", n, "retention", retention.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
