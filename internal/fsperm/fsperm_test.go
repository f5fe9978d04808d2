package fsperm

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPrivateMkdirTighten(t *testing.T) {
	root := t.TempDir()
	os.Chmod(root, 0o755)
	data := filepath.Join(root, "data")
	if err := MkdirAll(filepath.Join(data, "attachments")); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(data, "sportello.db")
	if err := Private(db); err != nil {
		t.Fatal(err)
	}
	// A library opening the file with a wide mode does not widen it.
	f, err := os.OpenFile(db, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("x"))
	f.Close()
	if loose, _ := Loose(data); len(loose) != 0 {
		t.Fatalf("loose: %v", loose)
	}
	// What an older version left: wide folder, wide files; Private and MkdirAll fix their own.
	os.WriteFile(filepath.Join(data, "old.bolt"), []byte("x"), 0o644)
	os.Chmod(filepath.Join(data, "old.bolt"), 0o644)
	os.Mkdir(filepath.Join(data, "index"), 0o755)
	os.Chmod(filepath.Join(data, "index"), 0o755)
	os.WriteFile(filepath.Join(data, "index", "index_meta.json"), []byte("{}"), 0o666)
	os.Chmod(filepath.Join(data, "index", "index_meta.json"), 0o666)
	os.Symlink("/etc/hostname", filepath.Join(data, "link"))
	if loose, _ := Loose(data); len(loose) != 3 {
		t.Fatalf("loose before: %v", loose)
	}
	n, err := Tighten(data)
	if err != nil || n != 3 {
		t.Fatalf("Tighten = %d, %v", n, err)
	}
	if loose, _ := Loose(data); len(loose) != 0 {
		t.Fatalf("loose after: %v", loose)
	}
	if st, _ := os.Stat("/etc/hostname"); st != nil && st.Mode().Perm()&0o044 == 0 {
		t.Fatal("Tighten followed a symbolic link")
	}
	if st, _ := os.Stat(root); st.Mode().Perm() != 0o755 {
		t.Fatal("MkdirAll changed a parent of the data folder")
	}
	if n, err := Tighten(filepath.Join(root, "missing")); n != 0 || err != nil {
		t.Fatalf("missing root: %d %v", n, err)
	}
}
