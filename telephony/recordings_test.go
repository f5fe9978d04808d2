package telephony

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Recordings (TK-4): contact IDs chosen by callers never leave the folder, an empty recording
// leaves no file, and the retention job deletes old recordings and stops with its context.
func TestRecordingsStore(t *testing.T) {
	r := &Recordings{Dir: t.TempDir()}
	for _, id := range []string{"../../evil", "a/b", ".hidden", strings.Repeat("x", 300), "abc@host-1.example"} {
		w, err := r.Create(id, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(make([]int16, 800))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		recs, err := r.List(id)
		if err != nil || len(recs) != 1 || recs[0].Duration != 100*time.Millisecond {
			t.Fatalf("%q: %+v %v", id, recs, err)
		}
		f, err := r.Open(id, recs[0].Name)
		if err != nil {
			t.Fatal(err)
		}
		if rel, _ := filepath.Rel(r.Dir, f.Name()); strings.HasPrefix(rel, "..") || strings.Count(rel, string(filepath.Separator)) != 1 {
			t.Fatalf("%q stored at %s", id, f.Name())
		}
		f.Close()
	}
	w, _ := r.Create("empty", time.Now())
	w.Close()
	if recs, _ := r.List("empty"); len(recs) != 0 {
		t.Fatalf("empty recording kept: %+v", recs)
	}
	old, _ := r.List("abc@host-1.example")
	path := filepath.Join(r.Dir, "abc@host-1.example", old[0].Name)
	os.Chtimes(path, time.Now().Add(-48*time.Hour), time.Now().Add(-48*time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx, time.Hour, 24*time.Hour, nil); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if recs, _ := r.List("abc@host-1.example"); len(recs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the retention pass did not delete the old recording")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if recs, _ := r.List("a/b"); len(recs) != 1 {
		t.Fatal("the retention pass deleted a recent recording")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop with its context")
	}
}
