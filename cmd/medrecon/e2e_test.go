package main

// End-to-end tests: build the real binary once, drive it as cron, a clerk
// and an auditor would, and query the DuckDB ledger it leaves behind.

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "github.com/marcboeker/go-duckdb/v2"

	"medrecon/batch/record"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "medrecon-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "medrecon")
	// -buildvcs=auto, whatever GOFLAGS says: the binary stamps its commit
	// as a release build's would (TestVersionStamped).
	build := exec.Command("go", "build", "-buildvcs=auto", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build medrecon:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// medrecon runs the built binary with args and returns what it printed.
func medrecon(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run medrecon %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := medrecon(t, args...)
	if r.code != 0 {
		t.Fatalf("medrecon %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// query opens the ledger read-only and returns the first column of every row.
func query(t *testing.T, db, q string, args ...any) []string {
	t.Helper()
	conn, err := sql.Open("duckdb", db+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t *testing.T, db, q string, args ...any) int {
	t.Helper()
	v := query(t, db, q, args...)
	var n int
	fmt.Sscan(v[0], &n)
	return n
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// tableCounts is a fingerprint of every table's row count.
func tableCounts(t *testing.T, db string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tbl := range []string{"runs", "input_files", "settlements", "claims", "filings", "statements", "assessments", "findings", "rejects"} {
		out[tbl] = count(t, db, "SELECT count(*) FROM "+tbl)
	}
	return out
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	r := mustRun(t, "demo", "--dir", dir)
	if !strings.Contains(r.stdout, "run R") {
		t.Errorf("demo printed no run summary:\n%s", r.stdout)
	}
	db := filepath.Join(dir, "ledger.duckdb")

	t.Run("input tables hold the sample's rows", func(t *testing.T) {
		for _, tbl := range []string{"settlements", "claims", "filings", "statements"} {
			if n := count(t, db, "SELECT count(*) FROM "+tbl); n == 0 {
				t.Errorf("%s is empty", tbl)
			}
		}
		entries, err := filepath.Glob(filepath.Join(dir, "night*", "inputs", "*"))
		if err != nil {
			t.Fatal(err)
		}
		if files := count(t, db, "SELECT count(*) FROM input_files"); files != len(entries) || files < 8 {
			t.Errorf("input_files has %d rows, want the %d files of the demo's four nights", files, len(entries))
		}
	})

	t.Run("every finding code of the spec", func(t *testing.T) {
		got := map[string]bool{}
		for _, c := range query(t, db, "SELECT DISTINCT code FROM findings") {
			got[c] = true
		}
		for _, c := range record.FindingCodes {
			if !got[c] {
				t.Errorf("the demo raises no %s finding", c)
			}
		}
	})

	t.Run("every status", func(t *testing.T) {
		want := map[string][]string{
			record.KindClaim: {record.ClaimApproved, record.ClaimRejected, record.ClaimReview, record.ClaimPending,
				record.ClaimPaid, record.ClaimPaymentFailed},
			record.KindSettlement: {record.SetlBalanced, record.SetlMismatch, record.SetlRefunded, record.SetlRefund},
		}
		// SPEC 3.3: a conflict is a finding, never an assessment row.
		if n := count(t, db, "SELECT count(*) FROM assessments WHERE status = 'conflict'"); n != 0 {
			t.Errorf("%d assessments with status conflict", n)
		}
		for kind, statuses := range want {
			for _, s := range statuses {
				if n := count(t, db, "SELECT count(*) FROM assessments WHERE subject_kind = ? AND status = ?", kind, s); n == 0 {
					t.Errorf("no %s with status %s", kind, s)
				}
			}
		}
	})

	t.Run("the worked example is paid to the fen", func(t *testing.T) {
		got := query(t, db, "SELECT CAST(basic_pay AS VARCHAR) FROM assessments WHERE inscope = 80000.00 AND ratio = 0.90")
		if len(got) == 0 || got[0] != "70650.00" {
			t.Errorf("basic_pay of the 80000.00 long-term visit = %v, want 70650.00", got)
		}
	})

	t.Run("report regenerates byte-identical", func(t *testing.T) {
		for night, run := range query(t, db, "SELECT run_id FROM runs ORDER BY run_id") {
			again := filepath.Join(t.TempDir(), "again.pdf")
			args := []string{"report", "--db", db, "--out", again, "--run", run}
			if night == 3 {
				args = args[:len(args)-2] // the latest run, by default
			}
			mustRun(t, args...)
			if fileSHA(t, again) != fileSHA(t, filepath.Join(dir, fmt.Sprintf("night%d", night+1), "report.pdf")) {
				t.Errorf("medrecon %s gave a PDF that differs from the run's", strings.Join(args, " "))
			}
		}
	})

	t.Run("explain shows the worked amount", func(t *testing.T) {
		ids := query(t, db, "SELECT subject_id FROM assessments WHERE subject_kind = 'claim' AND status = 'approved' ORDER BY subject_id LIMIT 1")
		if len(ids) == 0 {
			t.Fatal("no approved claim")
		}
		r := mustRun(t, "explain", "--db", db, ids[0])
		if !strings.Contains(r.stdout, ids[0]) || !strings.Contains(r.stdout, "起付线") {
			t.Errorf("explain %s shows no calculation:\n%s", ids[0], r.stdout)
		}
	})

	t.Run("deadlines lists the pending claims", func(t *testing.T) {
		pending := query(t, db, "SELECT subject_id FROM assessments WHERE subject_kind = 'claim' AND status = 'pending'")
		r := mustRun(t, "deadlines", "--db", db, "--as-of", "2026-04-10", "--within", "3650")
		for _, id := range pending {
			if !strings.Contains(r.stdout, id) {
				t.Errorf("pending claim %s is not on the worklist:\n%s", id, r.stdout)
			}
		}
	})

	t.Run("running it again adds nothing", func(t *testing.T) {
		before := tableCounts(t, db)
		r := mustRun(t, "demo", "--dir", dir)
		if !strings.Contains(r.stdout, "already imported") {
			t.Errorf("second demo run did not say the files were already imported:\n%s", r.stdout)
		}
		if after := tableCounts(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("second run changed the ledger: before %v after %v", before, after)
		}
	})

	t.Run("no full ID outside the ledger", func(t *testing.T) {
		ids := query(t, db, "SELECT DISTINCT certno FROM claims UNION SELECT DISTINCT certno FROM settlements")
		texts := map[string]string{"demo stdout": r.stdout, "demo stderr": r.stderr}
		if text, ok := pdfText(t, filepath.Join(dir, "night1", "report.pdf")); ok {
			texts["report.pdf"] = text
		}
		j := mustRun(t, "explain", "--db", db, query(t, db, "SELECT min(setl_id) FROM settlements")[0])
		texts["explain"] = j.stdout
		for name, text := range texts {
			for _, id := range ids {
				if strings.Contains(text, id) {
					t.Errorf("%s shows the full ID %s", name, record.MaskID(id))
				}
			}
		}
	})
}

// TestFatalErrorLeavesLedgerUnchanged: a fatal error in the second of three
// files stops the run and leaves the ledger byte-for-byte as it was.
func TestFatalErrorLeavesLedgerUnchanged(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "demo", "--dir", dir)
	db := filepath.Join(dir, "ledger.duckdb")
	before := fileSHA(t, db)

	good1 := writeSettlements(t, dir, "night1.csv", 5, 0, "")
	bad := filepath.Join(dir, "night2.csv")
	if err := os.WriteFile(bad, []byte("setl_id,certno,psn_name\nS1,x,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good3 := writeSettlements(t, dir, "night3.csv", 5, 100, "")
	r := medrecon(t, "run", "--db", db, "--policy", filepath.Join(dir, "policy"), "--as-of", "2026-04-11",
		"--settlements", good1, "--settlements", bad, "--settlements", good3)
	if r.code == 0 {
		t.Fatalf("run with a broken second file exited 0:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "night2.csv") {
		t.Errorf("error does not name the broken file: %s", r.stderr)
	}
	if after := fileSHA(t, db); after != before {
		t.Error("the failed run changed the ledger file")
	}
}

// TestOneBadRowOfHundred: a 100-row file with one bad row lands 99 rows and
// one rejects row naming its row number and column.
func TestOneBadRowOfHundred(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "demo", "--dir", filepath.Join(dir, "demo"))
	db := filepath.Join(dir, "ledger.duckdb")
	f := writeSettlements(t, dir, "hundred.csv", 100, 0, "2025-02-30")
	r := mustRun(t, "run", "--db", db, "--policy", filepath.Join(dir, "demo", "policy"), "--as-of", "2026-04-11",
		"--settlements", f, "--json")
	var sum struct {
		Committed bool `json:"committed"`
		Rejects   int  `json:"rejects"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("--json output is not one JSON object: %v\n%s", err, r.stdout)
	}
	if !sum.Committed || sum.Rejects != 1 {
		t.Errorf("summary = %+v, want committed with 1 reject", sum)
	}
	if n := count(t, db, "SELECT count(*) FROM settlements"); n != 99 {
		t.Errorf("settlements has %d rows, want 99", n)
	}
	got := query(t, db, "SELECT file || ' row ' || CAST(row AS VARCHAR) || ' ' || col FROM rejects")
	// Row 51 of the data is line 52 of the file (the header is line 1).
	if len(got) != 1 || got[0] != "hundred.csv row 52 enddate" {
		t.Errorf("rejects = %v, want [hundred.csv row 52 enddate]", got)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"run"},
		{"run", "--db", "x.duckdb", "--policy", "p", "--as-of", "2026-13-01", "--settlements", "a.csv"},
		{"report", "--db", "x.duckdb"},
	} {
		if r := medrecon(t, args...); r.code != 2 {
			t.Errorf("medrecon %v: exit %d, want 2 (usage)\n%s", args, r.code, r.stderr)
		}
	}
}

var idChars = regexp.MustCompile(`^\d{17}[\dX]$`)

// testID returns a fictional resident ID with a valid GB 11643 checksum.
func testID(region string, birth string, seq int) string {
	base := fmt.Sprintf("%s%s%03d", region, birth, seq%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(base[i]-'0') * w
	}
	id := base + string("10X98765432"[sum%11])
	if !idChars.MatchString(id) {
		panic("bad test id " + id)
	}
	return id
}

// writeSettlements writes n balanced-looking outpatient settlements of a
// 石家庄 employee treated in Tianjin. When badDate is set, row n/2+1 gets it
// as its enddate.
func writeSettlements(t *testing.T, dir, name string, n, offset int, badDate string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("setl_id,mdtrt_id,psn_name,certno,insutype,psn_type,insuplc_admdvs,mdtrtarea_admvs,fixmedins_code,fixmedins_name,hosp_lv,med_type,begndate,enddate,setl_time,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,fund_pay_sumamt,acct_pay,psn_cash_pay\n")
	for i := 0; i < n; i++ {
		end := "2026-03-02"
		if badDate != "" && i == n/2 {
			end = badDate
		}
		fmt.Fprintf(&b, "E2E%05d,M%05d,测试人%d,%s,310,1101,130100,120000,H12000001,天津测试医院,3,11,2026-03-02,%s,2026-03-02 10:00:00,100.00,80.00,0,0,0,0,100.00\n",
			i+offset, i+offset, i, testID("130102", "19800101", i+offset), end)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
