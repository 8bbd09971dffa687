package main

// Crash safety (issue: reliability): a run killed with SIGKILL at any moment
// leaves the ledger holding either the whole run or none of it, with a hash
// chain that verifies, and the auditors' copy the run publishes (--publish)
// either the previous whole copy or the new whole one; the ledger opens
// cleanly afterwards and the next run gives the same result as an
// uninterrupted one. `go test` kills a few times; scripts/killtest.sh sets
// MEDRECON_KILLS=200 for the full harness.

import (
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestKillMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("kill harness skipped in -short")
	}
	kills := 4
	if v := os.Getenv("MEDRECON_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("MEDRECON_KILLS=%q: %v", v, err)
		}
		kills = n
	}
	size := "4000"
	if v := os.Getenv("MEDRECON_KILL_SETTLEMENTS"); v != "" {
		size = v
	}
	dir := t.TempDir()
	mustRun(t, "demo", "--dir", filepath.Join(dir, "demo"))
	base := filepath.Join(dir, "demo", "ledger.duckdb")
	policyDir := filepath.Join(dir, "demo", "policy")
	batchDir := filepath.Join(dir, "batch")
	mustRun(t, "gen", "--out", batchDir, "--settlements", size, "--claims", "400", "--filings", "800", "--seed", "7")

	runArgs := func(db string) []string {
		return []string{"run", "--db", db, "--policy", policyDir, "--as-of", "2026-04-11", "--in", batchDir, "--max-reject-ratio", "1",
			"--publish", db + ".copy"}
	}
	// The copy before the run: the demo ledger's, published once.
	mustRun(t, "publish", "--db", base, "--out", base+".copy")
	baseRuns := copyRuns(t, base+".copy")

	// The reference: the same run, uninterrupted.
	ref := filepath.Join(dir, "ref.duckdb")
	copyFile(t, base, ref)
	baseFP := fingerprint(t, base)
	start := time.Now()
	mustRun(t, runArgs(ref)...)
	took := time.Since(start)
	refFP := fingerprint(t, ref)
	if refFP == baseFP {
		t.Fatal("the reference run changed nothing; the harness would prove nothing")
	}
	refRuns := copyRuns(t, ref+".copy")
	if refRuns == baseRuns {
		t.Fatal("the reference run published no new copy; the harness would prove nothing")
	}

	rng := rand.New(rand.NewPCG(1, 2))
	whole, none := 0, 0
	for i := 0; i < kills; i++ {
		db := filepath.Join(dir, fmt.Sprintf("kill%03d.duckdb", i))
		copyFile(t, base, db)
		if err := os.CopyFS(db+".copy", os.DirFS(base+".copy")); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(binary, runArgs(db)...)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A moment anywhere in the run, from start-up to just past its end.
		time.Sleep(time.Duration(rng.Int64N(int64(took) + int64(took)/10 + 1)))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		switch fp := fingerprint(t, db); fp {
		case refFP:
			whole++
		case baseFP:
			none++
		default:
			t.Fatalf("kill %d after part of the run: the ledger holds neither none nor all of it\nbase %s\nref  %s\ngot  %s", i, baseFP, refFP, fp)
		}
		if r := medrecon(t, "verify", "--db", db); r.code != 0 {
			t.Fatalf("kill %d: the ledger does not verify: %s", i, r.stderr)
		}
		switch runs := copyRuns(t, db+".copy"); runs {
		case baseRuns, refRuns:
		default:
			t.Fatalf("kill %d: the auditors' copy holds runs %s, neither the copy before the run (%s) nor after it (%s)", i, runs, baseRuns, refRuns)
		}
		// The next run succeeds and ends where an uninterrupted one does.
		mustRun(t, runArgs(db)...)
		if fp := fingerprint(t, db); fp != refFP {
			t.Fatalf("kill %d: the run after the kill gives %s, an uninterrupted run %s", i, fp, refFP)
		}
		// A kill after the commit and before the copy leaves the run whole and
		// the old copy; the next run has nothing new to commit or publish,
		// and the operator writes the copy with medrecon publish.
		if copyRuns(t, db+".copy") != refRuns {
			mustRun(t, "publish", "--db", db, "--out", db+".copy")
		}
		if runs := copyRuns(t, db+".copy"); runs != refRuns {
			t.Fatalf("kill %d: after the next run the copy holds runs %s, want %s", i, runs, refRuns)
		}
		os.Remove(db)
		os.Remove(db + ".wal")
		os.Remove(db + ".person-key")
		os.RemoveAll(db + ".copy")
	}
	t.Logf("%d/%d kills left a consistent ledger (%d whole run, %d none of it); an uninterrupted run takes %v",
		whole+none, kills, whole, none, took.Round(time.Millisecond))
}

// fingerprint sums up a ledger's content apart from wall-clock times: every
// table's row count and a hash of every assessment and finding.
func fingerprint(t *testing.T, db string) string {
	t.Helper()
	var parts []string
	for tbl, n := range tableCounts(t, db) {
		parts = append(parts, fmt.Sprintf("%s=%d", tbl, n))
	}
	rows := query(t, db, `SELECT concat_ws('|', run_id, subject_kind, subject_id, status, payable, discrepancy, trace)
		FROM assessments ORDER BY run_id, subject_kind, subject_id, status`)
	rows = append(rows, query(t, db, `SELECT concat_ws('|', run_id, subject_kind, subject_id, code, detail)
		FROM findings ORDER BY ALL`)...)
	rows = append(rows, query(t, db, `SELECT concat_ws('|', certno, year, med_cat, basic_paid, eligible_base, serious_paid)
		FROM year_totals ORDER BY ALL`)...)
	sort.Strings(parts)
	h := sha256.Sum256([]byte(strings.Join(rows, "\n")))
	return strings.Join(parts, ",") + fmt.Sprintf(" %x", h[:8])
}

// copyRuns reads an auditors' copy's manifest and checks that the copy is
// whole: every table the manifest counts has its Parquet files, holding the
// rows it counts. It returns the runs the copy names.
func copyRuns(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatalf("auditors' copy: %v", err)
	}
	var m struct {
		Runs []struct {
			RunID string `json:"run_id"`
		} `json:"runs"`
		Tables []struct {
			Name string `json:"name"`
			Rows int64  `json:"rows"`
		} `json:"tables"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("auditors' copy %s: manifest: %v", dir, err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tbl := range m.Tables {
		var n int64
		var files []string
		for _, f := range []string{filepath.Join(dir, tbl.Name+".parquet"), filepath.Join(dir, tbl.Name)} {
			if _, err := os.Stat(f); err == nil {
				files = append(files, f)
			}
		}
		if len(files) == 0 {
			if tbl.Rows == 0 {
				continue
			}
			t.Fatalf("auditors' copy %s: no files for table %s of %d rows", dir, tbl.Name, tbl.Rows)
		}
		q := `SELECT count(*) FROM read_parquet(['` + strings.Join(parquetFiles(t, files), "', '") + `'])`
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("auditors' copy %s, table %s: %v", dir, tbl.Name, err)
		}
		if n != tbl.Rows {
			t.Fatalf("auditors' copy %s, table %s: %d rows, the manifest counts %d", dir, tbl.Name, n, tbl.Rows)
		}
	}
	var ids []string
	for _, r := range m.Runs {
		ids = append(ids, r.RunID)
	}
	return strings.Join(ids, " ")
}

// parquetFiles lists the Parquet files of a table's file or folder.
func parquetFiles(t *testing.T, roots []string) []string {
	t.Helper()
	var out []string
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
				out = append(out, p)
			}
			return nil
		})
	}
	return out
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
