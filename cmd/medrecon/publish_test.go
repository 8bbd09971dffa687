package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPublish follows SPEC 4.4 through the binary: the auditors' copy is
// Parquet by region and year, read back with DuckDB its sums and counts per
// region and year equal the ledger's, no full ID number is in any of its
// bytes, the person key joins assessments to settlements, and the manifest
// names the run with its chain; --full keeps the ID numbers.
func TestPublish(t *testing.T) {
	dir := t.TempDir()
	demoNightOne(t, dir)
	db := filepath.Join(dir, "ledger.duckdb")
	out := filepath.Join(dir, "copy")
	r := mustRun(t, "publish", "--db", db, "--out", out)
	if !strings.Contains(r.stdout, "published "+out) {
		t.Errorf("publish printed %q", r.stdout)
	}
	if st, err := os.Stat(db + ".person-key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the person key beside the ledger: %v, %v; want it created 0600", st, err)
	}
	if _, err := os.Stat(filepath.Join(out, "assessments", "insuplc_admdvs=130100", "year=2025")); err != nil {
		t.Errorf("assessments are not partitioned by region and year: %v", err)
	}

	certnos := query(t, db, "SELECT DISTINCT certno FROM (SELECT certno FROM settlements UNION SELECT certno FROM claims UNION SELECT certno FROM filings)")
	for _, c := range idsIn(t, out, certnos) {
		t.Errorf("the copy holds the ID number %s…", c[:6])
	}

	ledgerSums := query(t, db, `SELECT region || '/' || year || ' ' || n || ' ' || payable FROM (
		SELECT s.insuplc_admdvs AS region, a.year, count(*) AS n, sum(a.payable) AS payable
		FROM assessments a JOIN settlements s ON s.setl_id = a.subject_id AND a.subject_kind = 'settlement'
		GROUP BY ALL) ORDER BY 1`)
	conn, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT region || '/' || year || ' ' || n || ' ' || payable FROM (
		SELECT insuplc_admdvs AS region, year, count(*) AS n, sum(payable) AS payable
		FROM read_parquet('` + out + `/assessments/**/*.parquet', hive_partitioning = true)
		WHERE subject_kind = 'settlement' GROUP BY ALL) ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var copySums []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		copySums = append(copySums, s)
	}
	rows.Close()
	if strings.Join(copySums, "; ") != strings.Join(ledgerSums, "; ") || len(copySums) == 0 {
		t.Errorf("per region and year the copy gives\n%v\nthe ledger\n%v", copySums, ledgerSums)
	}
	var joined, people int
	err = conn.QueryRow(`SELECT count(*), count(DISTINCT a.person_key)
		FROM read_parquet('`+out+`/assessments/**/*.parquet', hive_partitioning = true) a
		JOIN read_parquet('`+out+`/settlements/**/*.parquet', hive_partitioning = true) s
		ON s.setl_id = a.subject_id AND s.person_key = a.person_key`).Scan(&joined, &people)
	if err != nil {
		t.Fatal(err)
	}
	if want := count(t, db, `SELECT count(*) FROM assessments a JOIN settlements s ON s.setl_id = a.subject_id AND s.certno = a.certno`); joined != want || people < 2 {
		t.Errorf("the person key joins %d assessment rows of %d people to their settlements, the ledger's certno %d", joined, people, want)
	}

	var m struct {
		Runs []struct {
			RunID       string `json:"run_id"`
			ChainSHA256 string `json:"chain_sha256"`
		} `json:"runs"`
	}
	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if chain := query(t, db, "SELECT chain_sha256 FROM runs")[0]; len(m.Runs) != 1 || m.Runs[0].ChainSHA256 != chain {
		t.Errorf("manifest runs %+v, want the one run with chain %s", m.Runs, chain)
	}

	full := filepath.Join(dir, "full")
	mustRun(t, "publish", "--db", db, "--out", full, "--full")
	certno := query(t, db, "SELECT min(certno) FROM settlements")[0]
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM read_parquet('`+full+`/settlements/**/*.parquet', hive_partitioning = true) WHERE certno = ?`, certno).Scan(&n); err != nil || n == 0 {
		t.Errorf("--full: %d settlements of %s…, %v; want the ID numbers kept", n, certno[:6], err)
	}
	// The byte scan above finds ID numbers where there are some.
	if len(idsIn(t, full, certnos)) == 0 {
		t.Error("the byte scan finds no ID number in the --full copy either")
	}
}

// idsIn returns the ID numbers of certnos that some file under dir holds,
// byte for byte.
func idsIn(t *testing.T, dir string, certnos []string) []string {
	t.Helper()
	found := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, c := range certnos {
			if bytes.Contains(b, []byte(c)) {
				found[c] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for c := range found {
		out = append(out, c)
	}
	return out
}
