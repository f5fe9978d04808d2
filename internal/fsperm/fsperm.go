// Package fsperm holds the one rule for the files Sportello keeps in its data folder: the
// SQLite database, the bolt graph, the bleve index, uploads, attachments, recordings,
// voicemail and announcements are readable by the service's own user only — files 0600,
// folders 0700 — because they hold citizens' data, drafts and credentials' hashes.
//
// Our own code creates with these modes. Libraries do not all do so (cayley's bolt opens its
// file 0644, bleve writes index_meta.json 0666, SQLite gives its -wal and -shm files the mode
// of the database file), so: Private creates such a file empty and private before the library
// opens it; Umask makes the process's umask 077 for the commands of the binary, so whatever a
// library creates is private too; Tighten removes group and other bits from what an older
// version left in the data folder.
package fsperm

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Modes of the data folder's content.
const (
	Dir  fs.FileMode = 0o700
	File fs.FileMode = 0o600
)

// MkdirAll creates path and its missing parents with mode Dir, and takes group and other bits
// off path itself when it already exists (its parents are left alone: the data folder may sit
// in a shared place).
func MkdirAll(path string) error {
	if err := os.MkdirAll(path, Dir); err != nil {
		return err
	}
	return restrict(path)
}

// Private makes sure path is a private file: created empty with mode File when missing (so a
// library that opens it with O_CREATE and a wider mode finds it private), or with group and
// other bits removed when present.
func Private(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, File)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	return restrict(path)
}

// Restrict removes group and other bits from path's mode; a missing path is not an error.
func Restrict(path string) error {
	if err := restrict(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// restrict removes group and other bits from path's mode.
func restrict(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if m := st.Mode().Perm(); m&0o077 != 0 {
		return os.Chmod(path, m&^0o077)
	}
	return nil
}

// Tighten removes group and other bits from root and everything under it, and returns how many
// entries it changed. Symbolic links are not followed. A missing root is not an error.
func Tighten(root string) (int, error) {
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) { // removed while walking (a temporary file)
				return nil
			}
			return err
		}
		if m := info.Mode().Perm(); m&0o077 != 0 {
			if err := os.Chmod(path, m&^0o077); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Loose lists what under root is readable, writable or searchable by group or others: empty
// when the rule holds (the tests' check).
func Loose(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if info.Mode().Perm()&0o077 != 0 {
			rel, _ := filepath.Rel(root, path)
			out = append(out, rel+" "+info.Mode().Perm().String())
		}
		return nil
	})
	return out, err
}
