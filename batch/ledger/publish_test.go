package ledger

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"medrecon/batch/record"
)

// A second publish into the same folder replaces the first copy whole and
// leaves nothing else beside it.
func TestPublishReplacesTheCopy(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	parent := t.TempDir()
	dir := filepath.Join(parent, "copy")
	runs := func() int {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return len(m.Runs)
	}
	if _, err := l.Publish(ctx, dir, []byte("agency key"), false); err != nil {
		t.Fatal(err)
	}
	if n := runs(); n != 1 {
		t.Fatalf("first copy names %d runs, want 1", n)
	}
	second := runInfo("R20260411-001", record.D(2026, 4, 11), run.StartedAt.Add(24*time.Hour))
	mustCommit(t, l, second, nil, record.Outcome{}, nil)
	if _, err := l.Publish(ctx, dir, []byte("agency key"), false); err != nil {
		t.Fatal(err)
	}
	if n := runs(); n != 2 {
		t.Errorf("the copy after the second publish names %d runs, want 2", n)
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "copy" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("beside the copy: %v, want only copy", names)
	}
}
