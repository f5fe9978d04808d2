package telephony

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"sportello/workcal"
	"strings"
	"testing"
)

func TestAnnouncementsStore(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenAnnouncements(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	welcome := BuildWAV("alaw", bytes.Repeat([]byte{0xd5}, 8000))
	if _, err := s.Upload("Benvenuto.wav", bytes.NewReader(welcome)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upload("fuori-orario", bytes.NewReader(BuildWAV("pcm16", make([]byte, 1600)))); err != nil {
		t.Fatal(err)
	}
	bad := []struct{ name, data, want string }{
		{"../evil", string(welcome), "use 1–64 letters"},
		{"a/b", string(welcome), "use 1–64 letters"},
		{".hidden", string(welcome), "use 1–64 letters"},
		{"musica", "ID3 not a wav", "RIFF/WAVE"},
		{"grande", string(BuildWAV("pcm16", make([]byte, 2<<20))), "larger than the limit"},
	}
	for _, b := range bad {
		if _, err := s.Upload(b.name, strings.NewReader(b.data)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Upload(%q) err = %v, want %q", b.name, err, b.want)
		}
	}
	if err := s.Activate(SlotWelcome, "", "benvenuto"); err != nil {
		t.Fatal(err)
	}
	if err := s.Activate(SlotClosed, BandClosed, "fuori-orario"); err != nil {
		t.Fatal(err)
	}
	if err := s.Activate(SlotWelcome, "", "nessuno"); err == nil {
		t.Error("activated a missing recording")
	}
	if err := s.Activate("jingle", "", "benvenuto"); err == nil {
		t.Error("activated an unknown slot")
	}
	list, err := s.List()
	if err != nil || len(list) != 2 || list[0].Name != "benvenuto" || list[0].Format != "alaw" || list[0].Active[0] != "/welcome" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	rc, err := s.Open("benvenuto")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, welcome) {
		t.Error("listening returned different bytes")
	}
	if err := s.Delete("benvenuto"); err == nil || !strings.Contains(err.Error(), "active") {
		t.Errorf("deleting an active announcement: %v", err)
	}

	// The IVR picks the closed-band recording out of hours, the default otherwise.
	ivr := &IVR{Calendar: workcal.Default(), Store: s}
	if p, err := ivr.Prompt(SlotWelcome, rome(2026, 3, 2, 10, 0)); err != nil || filepath.Base(p) != "benvenuto.wav" {
		t.Errorf("welcome prompt = %s, %v", p, err)
	}
	if p, err := ivr.Prompt(SlotClosed, rome(2026, 3, 2, 21, 0)); err != nil || filepath.Base(p) != "fuori-orario.wav" {
		t.Errorf("closed prompt = %s, %v", p, err)
	}
	if _, err := ivr.Prompt(SlotHoldMusic, rome(2026, 3, 2, 10, 0)); err == nil {
		t.Error("a prompt with nothing active")
	}

	// Back up, change everything, restore: the first state comes back.
	var backup bytes.Buffer
	if err := s.Backup(&backup); err != nil {
		t.Fatal(err)
	}
	if err := s.Activate(SlotWelcome, "", "fuori-orario"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("benvenuto"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upload("extra", bytes.NewReader(welcome)); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(bytes.NewReader(backup.Bytes())); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenAnnouncements(dir, 1<<20) // reopened: activations persist on disk
	if err != nil {
		t.Fatal(err)
	}
	list, _ = s2.List()
	if len(list) != 2 || list[0].Name != "benvenuto" || list[1].Name != "fuori-orario" {
		t.Errorf("after restore: %+v", list)
	}
	if n, _ := s2.Active(SlotWelcome, "mattina"); n != "benvenuto" {
		t.Errorf("active welcome after restore = %q", n)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("leftover %s", e.Name())
		}
	}
}

func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, data := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write([]byte(data))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestRestoreRejects(t *testing.T) {
	dir := t.TempDir()
	s, _ := OpenAnnouncements(dir, 1<<20)
	keep := BuildWAV("ulaw", make([]byte, 80))
	s.Upload("resta", bytes.NewReader(keep))
	wav := string(BuildWAV("ulaw", make([]byte, 80)))
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"path trick", map[string]string{"manifest.json": `{"version":1}`, "announcements/../../x.wav": wav}, "unsafe entry"},
		{"absolute", map[string]string{"manifest.json": `{"version":1}`, "/etc/x": wav}, "unexpected entry"},
		{"no manifest", map[string]string{"announcements/a.wav": wav}, "manifest.json missing"},
		{"bad wav", map[string]string{"manifest.json": `{"version":1}`, "announcements/a.wav": "RIFF"}, "RIFF/WAVE"},
		{"bad checksum", map[string]string{"manifest.json": `{"version":1,"announcements":[{"name":"a","sha256":"00"}]}`, "announcements/a.wav": wav}, "checksum"},
		{"dangling activation", map[string]string{"manifest.json": `{"version":1,"active":{"/welcome":"b"}}`, "announcements/a.wav": wav}, "missing b"},
	}
	for _, tc := range tests {
		err := s.Restore(bytes.NewReader(tarGz(t, tc.files)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := s.Restore(strings.NewReader("not gzip")); err == nil {
		t.Error("restored garbage")
	}
	if list, _ := s.List(); len(list) != 1 || list[0].Name != "resta" {
		t.Errorf("a failed restore changed the store: %+v", list)
	}
}

// FuzzRestore feeds arbitrary archives to the backup parser Restore relies on: it must never
// panic, and whatever it accepts must hold only safe names, telephone WAV files and activations
// of files present. (The disk side is covered by TestRestoreRejects; fsync per input would make
// fuzzing crawl.)
func FuzzRestore(f *testing.F) {
	seed, _ := OpenAnnouncements(f.TempDir(), 1<<16)
	seed.Upload("benvenuto", bytes.NewReader(BuildWAV("ulaw", make([]byte, 64))))
	seed.Activate(SlotWelcome, "", "benvenuto")
	var buf bytes.Buffer
	seed.Backup(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, archive []byte) {
		m, files, err := parseBackup(bytes.NewReader(archive), 1<<16)
		if err != nil {
			return
		}
		for name, data := range files {
			if !safeName.MatchString(name) {
				t.Fatalf("accepted unsafe name %q", name)
			}
			if _, err := ParseWAV(data); err != nil {
				t.Fatalf("accepted bad WAV %s: %v", name, err)
			}
		}
		for k, n := range m.Active {
			if _, ok := files[n]; !ok {
				t.Fatalf("accepted activation %s of missing %s", k, n)
			}
		}
	})
}
