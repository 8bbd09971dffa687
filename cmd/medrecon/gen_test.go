package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medrecon/fixtures"
	"medrecon/fixtures/synth"
)

// TestGenSettlesByPolicy generates a batch and runs it as the benchmark and
// soak scripts do: only a small share of the settlements may disagree with
// the policy they were settled by.
func TestGenSettlesByPolicy(t *testing.T) {
	dir := t.TempDir()
	polDir := filepath.Join(dir, "policy")
	if err := os.CopyFS(polDir, fixtures.Policy()); err != nil {
		t.Fatal(err)
	}
	size := []string{"--settlements", "3000", "--claims", "300", "--filings", "600", "--seed", "5"}
	builtIn, given := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	r := mustRun(t, append([]string{"gen", "--out", builtIn}, size...)...)
	if !strings.Contains(r.stdout, "repriced: ") {
		t.Errorf("gen says nothing of repricing:\n%s", r.stdout)
	}
	// --policy with the same tables as the built-in ones: the same files.
	mustRun(t, append([]string{"gen", "--out", given, "--policy", polDir}, size...)...)
	for _, name := range []string{synth.SettlementsFile, synth.StatementFile} {
		if fileSHA(t, filepath.Join(builtIn, name)) != fileSHA(t, filepath.Join(given, name)) {
			t.Errorf("%s differs between the built-in policy and --policy with the same tables", name)
		}
	}

	db := filepath.Join(dir, "l.duckdb")
	mustRun(t, "run", "--db", db, "--policy", polDir, "--as-of", "2026-04-11", "--in", builtIn, "--max-reject-ratio", "1")
	const q = "SELECT count(*) FROM assessments WHERE subject_kind = 'settlement' AND status = ?"
	balanced, mismatch := count(t, db, q, "balanced"), count(t, db, q, "mismatch")
	t.Logf("balanced %d, mismatch %d", balanced, mismatch)
	if share := float64(mismatch) / float64(balanced+mismatch); share < 0.005 || share > 0.05 {
		t.Errorf("%d of %d settlements disagree (%.1f%%), want 0.5%%–5%%", mismatch, balanced+mismatch, 100*share)
	}
	stmt := count(t, db, "SELECT count(*) FROM findings WHERE code = 'STATEMENT_MISMATCH'")
	lines := count(t, db, "SELECT count(*) FROM statements")
	if stmt == 0 || stmt > lines/10 {
		t.Errorf("%d STATEMENT_MISMATCH findings for %d statement lines; synth puts about one in fifty off", stmt, lines)
	}
}

func TestGenUsage(t *testing.T) {
	dir := t.TempDir()
	if r := medrecon(t, "gen", "--out", dir, "--reprice=false", "--policy", dir); r.code != 2 {
		t.Errorf("gen --reprice=false --policy: exit %d, want 2 (usage)\n%s", r.code, r.stderr)
	}
	// A region the policy does not know stops gen, before it writes
	// anything, with the region named.
	out := filepath.Join(dir, "tangshan")
	r := medrecon(t, "gen", "--out", out, "--settlements", "200", "--claims", "20", "--filings", "40", "--regions", "130200")
	if r.code == 0 || !strings.Contains(r.stderr, "130200") {
		t.Errorf("gen with a region outside the policy: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("gen that failed on the policy left %s behind (%v)", out, err)
	}
	if r := medrecon(t, "gen", "--out", out, "--settlements", "200", "--claims", "20", "--filings", "40", "--regions", "130200", "--reprice=false"); r.code != 0 {
		t.Errorf("gen --reprice=false with any region: exit %d\n%s", r.code, r.stderr)
	}
}
