package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerify follows SPEC 4.4 through the binary: a ledger as the runs left
// it verifies (exit 0), also against the chain its run's PDF prints; a
// wrong chain, and one UPDATE to an amount, exit 1 naming the run and the
// table.
func TestVerify(t *testing.T) {
	dir := t.TempDir()
	demoNightOne(t, dir)
	db := filepath.Join(dir, "ledger.duckdb")
	chain := query(t, db, "SELECT chain_sha256 FROM runs")[0]
	if len(chain) != 64 {
		t.Fatalf("the run's chain hash is %q", chain)
	}
	run := query(t, db, "SELECT run_id FROM runs")[0]

	r := mustRun(t, "verify", "--db", db, "--expect", run+"="+chain)
	if !strings.Contains(r.stdout, "run "+run+" ok  chain "+chain) || !strings.Contains(r.stdout, "1 runs verified") {
		t.Errorf("verify printed:\n%s", r.stdout)
	}
	wrong := strings.Repeat("ab", 32) // hex with no run of digits that masking would take for an ID number
	if r := medrecon(t, "verify", "--db", db, "--expect", run+"="+wrong); r.code != 1 || !strings.Contains(r.stderr, "the signed copy shows "+wrong) {
		t.Errorf("a wrong --expect: exit %d, %s", r.code, r.stderr)
	}
	if r := medrecon(t, "verify", "--db", db, "--expect", "nonsense"); r.code != 2 {
		t.Errorf("a malformed --expect: exit %d, want 2", r.code)
	}

	conn, err := sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	var claim string
	if err := conn.QueryRow(`SELECT min(subject_id) FROM assessments WHERE subject_kind = 'claim' AND status = 'approved'`).Scan(&claim); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`UPDATE assessments SET payable = payable + 100 WHERE subject_kind = 'claim' AND subject_id = ?`, claim); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	r = medrecon(t, "verify", "--db", db)
	if r.code != 1 || !strings.Contains(r.stderr, "run "+run+": its rows in table assessments changed since it was committed, first at claim "+claim+" (changed)") {
		t.Errorf("after one UPDATE of claim %s: exit %d, %s", claim, r.code, r.stderr)
	}
	if pdf := query(t, db, "SELECT count(*) FROM run_digests WHERE run_id = ?", run)[0]; pdf != "10" {
		t.Errorf("run_digests holds %s tables for the run, want 10 (the nine before schema version 8, and run_payment_days)", pdf)
	}
}
