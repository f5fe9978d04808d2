package sip

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// registrationsFile is the location table kept under Config.StateDir, so that operators' phones
// stay registered across a restart of the service (issue 18 item 5): a phone refreshes its
// registration only when it expires, up to an hour later, and until then the operator would
// get no calls.
const registrationsFile = "registrations.json"

type savedBinding struct {
	Extension string    `json:"extension"`
	Contact   string    `json:"contact"`
	Expires   time.Time `json:"expires"`
}

type savedTable struct {
	Version  int            `json:"version"`
	Bindings []savedBinding `json:"bindings"`
}

// saveRegistrations writes the location table, replacing the file in one rename so that a
// crash leaves the old table or the new one, never half of one. Called with a.mu held, so that
// writes follow the order of the changes.
func (a *Adapter) saveRegistrationsLocked() {
	if a.cfg.StateDir == "" {
		return
	}
	t := savedTable{Version: 1}
	for ext, b := range a.loc {
		t.Bindings = append(t.Bindings, savedBinding{Extension: ext, Contact: b.contact.String(), Expires: b.expires.UTC()})
	}
	sort.Slice(t.Bindings, func(i, j int) bool { return t.Bindings[i].Extension < t.Bindings[j].Extension })
	data, err := json.MarshalIndent(t, "", "  ")
	if err == nil {
		err = writeAtomic(filepath.Join(a.cfg.StateDir, registrationsFile), data)
	}
	if err != nil {
		a.log.Error("sip: registrations not saved: phones must register again after a restart", "error", err)
	}
}

func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".registrations-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// loadRegistrations restores the bindings saved by a previous run that have not expired, and
// returns the extensions restored. Bindings of extensions no longer configured are dropped. A
// file that cannot be read is reported and set aside (renamed .bad), not fatal: the phones will
// register again.
func (a *Adapter) loadRegistrations(now time.Time) []string {
	if a.cfg.StateDir == "" {
		return nil
	}
	path := filepath.Join(a.cfg.StateDir, registrationsFile)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	var t savedTable
	if err == nil {
		err = json.Unmarshal(data, &t)
		if err == nil && t.Version != 1 {
			err = fmt.Errorf("version %d, want 1", t.Version)
		}
	}
	if err != nil {
		a.log.Error("sip: saved registrations unreadable, set aside; phones will register again", "file", path, "error", err)
		os.Rename(path, path+".bad")
		return nil
	}
	var restored []string
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, b := range t.Bindings {
		if _, ok := a.cfg.Operators[b.Extension]; !ok || !now.Before(b.Expires) {
			continue
		}
		var u sipmsg.Uri
		if err := sipmsg.ParseUri(b.Contact, &u); err != nil {
			a.log.Warn("sip: saved registration dropped", "extension", b.Extension, "error", err)
			continue
		}
		a.loc[b.Extension] = binding{contact: u, expires: b.Expires}
		restored = append(restored, b.Extension)
	}
	sort.Strings(restored)
	return restored
}
