package telephony

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// safeName matches the names of stored recordings: lower-case letters, digits, '-' and '_',
// starting with a letter or digit. Anything else (slashes, dots, "..") is refused, so a name can
// never leave its directory.
var safeName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// cleanName turns a user-supplied name ("Benvenuto.WAV") into a stored one ("benvenuto") or
// says why it cannot.
func cleanName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimSuffix(n, ".wav")
	if !safeName.MatchString(n) {
		return "", fmt.Errorf("telephony: announcement name %q: use 1–64 letters, digits, '-' or '_'", name)
	}
	return n, nil
}

// writeAtomic writes data to dir/name through a temporary file and a rename, so a reader never
// sees half a file.
func writeAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
