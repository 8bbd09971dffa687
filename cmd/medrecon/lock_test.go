package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medrecon/batch/ledger"
)

// TestLedgerHeldByAnotherProcess: while one process holds the ledger, a
// second run, report, explain or deadlines fails at once with exit code 3
// and says so; the holder's ledger is untouched.
func TestLedgerHeldByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	mustRun(t, "demo", "--dir", demo)
	db := filepath.Join(demo, "ledger.duckdb")
	before := tableCounts(t, db)

	held, err := ledger.Open(context.Background(), db) // this test process plays the running night job
	if err != nil {
		t.Fatal(err)
	}
	f := writeSettlements(t, dir, "night.csv", 5, 800, "")
	for _, args := range [][]string{
		{"run", "--db", db, "--policy", filepath.Join(demo, "policy"), "--as-of", "2026-04-11", "--settlements", f},
		{"report", "--db", db, "--out", filepath.Join(dir, "r.pdf")},
		{"explain", "--db", db, "S2601050001"},
		{"deadlines", "--db", db, "--as-of", "2026-04-11"},
	} {
		start := time.Now()
		r := medrecon(t, args...)
		if r.code != 3 || !strings.Contains(r.stderr, "another medrecon process holds the ledger") {
			t.Errorf("medrecon %s while the ledger is held: exit %d, stderr %q; want exit 3 and the lock message", args[0], r.code, r.stderr)
		}
		if took := time.Since(start); took > 20*time.Second {
			t.Errorf("medrecon %s took %v to give up: it must fail fast", args[0], took)
		}
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	if after := tableCounts(t, db); fmt.Sprint(after) != fmt.Sprint(before) { // fmt prints maps in key order
		t.Errorf("the ledger changed while it was held: %v → %v", before, after)
	}
}
