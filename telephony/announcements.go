package telephony

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sportello/internal/clock"
	"sportello/internal/fsperm"
	"sportello/workcal"
	"strings"
	"sync"
	"time"
)

// Announcement describes one stored recording.
type Announcement struct {
	Name     string        `json:"name"`
	Format   string        `json:"format"`
	Size     int64         `json:"size"`
	Duration time.Duration `json:"duration"`
	SHA256   string        `json:"sha256"`
	Active   []string      `json:"active,omitempty"` // "band/slot" keys it is active for
}

// activeKey names a slot within a time band; band "" is the default for every band.
func activeKey(band string, slot Slot) string { return band + "/" + string(slot) }

// Announcements is the administrators' store of IVR recordings (TEL-5): upload, list, listen,
// activate per message slot and time band, delete, back up and restore. Files live in one
// directory as NAME.wav, with active.json for the activations. Safe for concurrent use.
type Announcements struct {
	dir      string
	maxBytes int64

	mu     sync.Mutex
	active map[string]string // activeKey → name
}

const activeFile = "active.json"

// OpenAnnouncements opens (creating it if needed) the store in dir. Uploads larger than maxBytes
// are refused; 0 means 16 MiB.
func OpenAnnouncements(dir string, maxBytes int64) (*Announcements, error) {
	if maxBytes <= 0 {
		maxBytes = 16 << 20
	}
	if err := fsperm.MkdirAll(dir); err != nil {
		return nil, err
	}
	s := &Announcements{dir: dir, maxBytes: maxBytes, active: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(dir, activeFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(b, &s.active); err != nil {
			return nil, fmt.Errorf("telephony: %s: %w", filepath.Join(dir, activeFile), err)
		}
	}
	return s, nil
}

// Upload validates a WAV recording and stores it under name, replacing an older one.
func (s *Announcements) Upload(name string, r io.Reader) (Announcement, error) {
	n, err := cleanName(name)
	if err != nil {
		return Announcement{}, err
	}
	data, err := io.ReadAll(io.LimitReader(r, s.maxBytes+1))
	if err != nil {
		return Announcement{}, fmt.Errorf("telephony: announcement %s: %w", n, err)
	}
	if int64(len(data)) > s.maxBytes {
		return Announcement{}, fmt.Errorf("telephony: announcement %s is larger than the limit of %d bytes", n, s.maxBytes)
	}
	info, err := ParseWAV(data)
	if err != nil {
		return Announcement{}, fmt.Errorf("telephony: announcement %s: %w", n, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := writeAtomic(s.dir, n+".wav", data); err != nil {
		return Announcement{}, fmt.Errorf("telephony: storing announcement %s: %w", n, err)
	}
	return s.describe(n, data, info), nil
}

func (s *Announcements) describe(name string, data []byte, info WAVInfo) Announcement {
	sum := sha256.Sum256(data)
	a := Announcement{Name: name, Format: info.Format, Size: int64(len(data)), Duration: info.Duration, SHA256: hex.EncodeToString(sum[:])}
	for k, v := range s.active {
		if v == name {
			a.Active = append(a.Active, k)
		}
	}
	sort.Strings(a.Active)
	return a
}

// List returns every stored announcement, by name.
func (s *Announcements) List() ([]Announcement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list()
}

func (s *Announcements) list() ([]Announcement, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []Announcement
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".wav")
		if !ok || !e.Type().IsRegular() || !safeName.MatchString(name) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
		if err != nil {
			return nil, err
		}
		info, err := ParseWAV(data)
		if err != nil {
			return nil, fmt.Errorf("telephony: stored announcement %s: %w", e.Name(), err)
		}
		out = append(out, s.describe(name, data, info))
	}
	return out, nil
}

// Open returns the recording for listening.
func (s *Announcements) Open(name string) (io.ReadCloser, error) {
	n, err := cleanName(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(s.dir, n+".wav"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("telephony: no announcement %q", n)
	}
	return f, err
}

// Path returns the file of a stored announcement, for the media layer.
func (s *Announcements) Path(name string) (string, error) {
	n, err := cleanName(name)
	if err != nil {
		return "", err
	}
	p := filepath.Join(s.dir, n+".wav")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("telephony: no announcement %q", n)
	}
	return p, nil
}

func (s *Announcements) saveActive() error {
	b, err := json.MarshalIndent(s.active, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(s.dir, activeFile, b)
}

// Activate makes name the recording played for slot in band ("" for every band without its
// own).
func (s *Announcements) Activate(slot Slot, band, name string) error {
	if !validSlot(slot) {
		return fmt.Errorf("telephony: unknown announcement slot %q", slot)
	}
	n, err := cleanName(name)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := os.Stat(filepath.Join(s.dir, n+".wav")); err != nil {
		return fmt.Errorf("telephony: no announcement %q to activate", n)
	}
	old, had := s.active[activeKey(band, slot)]
	s.active[activeKey(band, slot)] = n
	if err := s.saveActive(); err != nil {
		if had {
			s.active[activeKey(band, slot)] = old
		} else {
			delete(s.active, activeKey(band, slot))
		}
		return err
	}
	return nil
}

func validSlot(slot Slot) bool {
	for _, s := range Slots {
		if s == slot {
			return true
		}
	}
	return false
}

// Active returns the recording for slot in band, falling back to the default band.
func (s *Announcements) Active(slot Slot, band string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.active[activeKey(band, slot)]; ok {
		return n, true
	}
	n, ok := s.active[activeKey("", slot)]
	return n, ok
}

// Delete removes a recording. An active recording is refused: activate another one first, so
// that callers never meet silence.
func (s *Announcements) Delete(name string) error {
	n, err := cleanName(name)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var uses []string
	for k, v := range s.active {
		if v == n {
			uses = append(uses, k)
		}
	}
	if len(uses) > 0 {
		sort.Strings(uses)
		return fmt.Errorf("telephony: announcement %s is active for %s", n, strings.Join(uses, ", "))
	}
	err = os.Remove(filepath.Join(s.dir, n+".wav"))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("telephony: no announcement %q", n)
	}
	return err
}

// backupManifest is manifest.json inside a backup.
type backupManifest struct {
	Version       int               `json:"version"`
	Created       time.Time         `json:"created"`
	Announcements []Announcement    `json:"announcements"`
	Active        map[string]string `json:"active"`
}

// Backup writes a .tar.gz with manifest.json and every recording under announcements/.
func (s *Announcements) Backup(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	list, err := s.list()
	if err != nil {
		return err
	}
	m := backupManifest{Version: 1, Created: time.Now().UTC(), Announcements: list, Active: s.active}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), ModTime: m.Created, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("manifest.json", mb); err != nil {
		return err
	}
	for _, a := range list {
		data, err := os.ReadFile(filepath.Join(s.dir, a.Name+".wav"))
		if err != nil {
			return err
		}
		if err := add("announcements/"+a.Name+".wav", data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// Restore replaces every recording and activation with those of a backup made by Backup. The
// whole archive is checked first (names, WAV formats, sizes, checksums, activations); on any
// error nothing changes.
func (s *Announcements) Restore(r io.Reader) error {
	manifest, files, err := parseBackup(r, s.maxBytes)
	if err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	// Stage the new set in a sibling directory (same file system: renames are atomic).
	stage, err := os.MkdirTemp(s.dir, ".restore-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	for n, data := range files {
		if err := writeAtomic(stage, n+".wav", data); err != nil {
			return fmt.Errorf("telephony: restore: staging %s: %w", n, err)
		}
	}
	old, err := s.list()
	if err != nil {
		return err
	}
	// Order matters for a crash half-way: new files first, then the activations that point to
	// them, and only then the removal of files the backup does not hold, so active.json never
	// names a missing file.
	for n := range files {
		if err := os.Rename(filepath.Join(stage, n+".wav"), filepath.Join(s.dir, n+".wav")); err != nil {
			return err
		}
	}
	prev := s.active
	s.active = map[string]string{}
	for k, v := range manifest.Active {
		s.active[k] = v
	}
	if err := s.saveActive(); err != nil {
		s.active = prev
		return err
	}
	for _, a := range old {
		if _, keep := files[a.Name]; !keep {
			if err := os.Remove(filepath.Join(s.dir, a.Name+".wav")); err != nil {
				return err
			}
		}
	}
	return nil
}

// IVR picks the recordings to play by time of day: the band names let administrators record a
// different welcome for the morning, the afternoon or when the service is closed (TEL-5).
type IVR struct {
	Calendar *workcal.Calendar
	Store    *Announcements
	Bands    []NamedBand // searched in order; the first containing the time wins
}

// NamedBand is a named time band of the IVR, e.g. {"mattina", 8:00–13:00}.
type NamedBand struct {
	Name string
	Band workcal.Band
}

// BandClosed is the band name used whenever the calendar says the service is closed.
const BandClosed = "chiuso"

// BandAt returns the band name at t: BandClosed out of hours, the first matching named band,
// or "" (the default band).
func (v *IVR) BandAt(t time.Time) string {
	if v.Calendar != nil && !v.Calendar.IsOpen(t) {
		return BandClosed
	}
	loc := clock.Rome()
	if v.Calendar != nil {
		loc = v.Calendar.Location
	}
	off := workcal.SinceMidnight(t.In(loc))
	for _, b := range v.Bands {
		if b.Band.Contains(off) {
			return b.Name
		}
	}
	return ""
}

// Prompt returns the file to play for slot at t.
func (v *IVR) Prompt(slot Slot, t time.Time) (string, error) {
	name, ok := v.Store.Active(slot, v.BandAt(t))
	if !ok {
		return "", fmt.Errorf("telephony: no announcement active for %s", slot)
	}
	return v.Store.Path(name)
}

// parseBackup reads and checks a whole backup archive in memory; nothing touches the disk.
func parseBackup(r io.Reader, maxBytes int64) (*backupManifest, map[string][]byte, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("telephony: restore: not a .tar.gz backup: %w", err)
	}
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	var manifest *backupManifest
	var total int64
	limit := maxBytes * 256 // a generous ceiling for the whole archive
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("telephony: restore: reading the archive: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			return nil, nil, fmt.Errorf("telephony: restore: entry %q is not a regular file", h.Name)
		}
		if h.Size > maxBytes {
			return nil, nil, fmt.Errorf("telephony: restore: entry %q is larger than %d bytes", h.Name, maxBytes)
		}
		if total += h.Size; total > limit {
			return nil, nil, fmt.Errorf("telephony: restore: archive larger than %d bytes", limit)
		}
		data, err := io.ReadAll(io.LimitReader(tr, maxBytes+1))
		if err != nil {
			return nil, nil, fmt.Errorf("telephony: restore: entry %q: %w", h.Name, err)
		}
		switch {
		case h.Name == "manifest.json":
			manifest = new(backupManifest)
			if err := json.Unmarshal(data, manifest); err != nil {
				return nil, nil, fmt.Errorf("telephony: restore: manifest.json: %w", err)
			}
		case strings.HasPrefix(h.Name, "announcements/"):
			name, ok := strings.CutSuffix(strings.TrimPrefix(h.Name, "announcements/"), ".wav")
			if !ok || !safeName.MatchString(name) {
				return nil, nil, fmt.Errorf("telephony: restore: unsafe entry name %q", h.Name)
			}
			if _, err := ParseWAV(data); err != nil {
				return nil, nil, fmt.Errorf("telephony: restore: entry %q: %w", h.Name, err)
			}
			files[name] = data
		default:
			return nil, nil, fmt.Errorf("telephony: restore: unexpected entry %q", h.Name)
		}
	}
	if manifest == nil {
		return nil, nil, errors.New("telephony: restore: manifest.json missing")
	}
	for _, a := range manifest.Announcements {
		data, ok := files[a.Name]
		if !ok {
			return nil, nil, fmt.Errorf("telephony: restore: manifest lists %s but the archive lacks it", a.Name)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != a.SHA256 {
			return nil, nil, fmt.Errorf("telephony: restore: %s: checksum does not match the manifest", a.Name)
		}
	}
	for k, n := range manifest.Active {
		if _, ok := files[n]; !ok {
			return nil, nil, fmt.Errorf("telephony: restore: activation %s refers to missing %s", k, n)
		}
		band, slot, ok := strings.Cut(k, "/")
		if !ok || !validSlot(Slot(slot)) || strings.ContainsAny(band, "/\\") {
			return nil, nil, fmt.Errorf("telephony: restore: bad activation key %q", k)
		}
	}
	return manifest, files, nil
}
