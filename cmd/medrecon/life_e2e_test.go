package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The bad decisions and payments of fixtures/bad (SPEC 3.5) through the
// real binary: every row that ingest rejects and every row the rules cannot
// apply (these files name claims the ledger does not hold) reaches the
// rejects table with its file, row and column, the files' counts add up,
// and the run commits. Row 9 of payments_bad.csv repeats row 2 exactly: a
// re-import, ignored, not rejected.
func TestBadDecisionsAndPaymentsReachTheLedger(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "ledger.duckdb")
	bad := filepath.Join("..", "..", "fixtures", "bad")
	r := mustRun(t, "run", "--db", db, "--policy", filepath.Join("..", "..", "fixtures", "policy"), "--as-of", "2025-06-15",
		"--decisions", filepath.Join(bad, "decisions_bad.csv"), "--payments", filepath.Join(bad, "payments_bad.csv"),
		"--max-reject-ratio", "1", "--json")
	var sum struct {
		Committed bool `json:"committed"`
		Rejects   int  `json:"rejects"`
		Ignored   int  `json:"ignored_reimports"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("--json output is not one JSON object: %v\n%s", err, r.stdout)
	}
	if !sum.Committed || sum.Ignored != 1 {
		t.Errorf("summary = %+v, want committed with 1 re-import ignored", sum)
	}
	rows := func(file string) []string {
		return query(t, db, `SELECT DISTINCT CAST("row" AS VARCHAR) FROM rejects WHERE file = ? ORDER BY ALL`, file)
	}
	// decisions_bad.csv: rows 4–10 are bad values; 3 (C1), 11 (C404) and
	// 12 (C9) name claims the ledger does not hold.
	if got, want := rows("decisions_bad.csv"), []string{"10", "11", "12", "3", "4", "5", "6", "7", "8", "9"}; !slices.Equal(got, want) {
		t.Errorf("decisions_bad.csv rejected rows %v, want %v", got, want)
	}
	// payments_bad.csv: rows 3–8, 12 and 13 are bad values; 2, 10 and 11
	// name unknown claims; 9 is row 2 again.
	if got, want := rows("payments_bad.csv"), []string{"10", "11", "12", "13", "2", "3", "4", "5", "6", "7", "8"}; !slices.Equal(got, want) {
		t.Errorf("payments_bad.csv rejected rows %v, want %v", got, want)
	}
	if got := query(t, db, `SELECT col FROM rejects WHERE file = 'decisions_bad.csv' AND "row" = 11`); !slices.Equal(got, []string{"claim_id"}) {
		t.Errorf("the unknown claim's rejected row names columns %v, want claim_id", got)
	}
	for file, want := range map[string]int{"decisions_bad.csv": 10, "payments_bad.csv": 11} {
		if n := count(t, db, `SELECT rejected FROM input_files WHERE path LIKE '%' || ?`, file); n != want {
			t.Errorf("input_files counts %d rejected rows of %s, want %d", n, file, want)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM decisions`) + count(t, db, `SELECT count(*) FROM payments`); n != 0 {
		t.Errorf("%d decisions and payments recorded for claims that do not exist", n)
	}
}

// A claim's life through the binary (SPEC 3.7): the demo's night, then a
// drop folder with a decisions file and a payments file told apart by
// their headers (--in); explain then shows who decided what and when, the
// payment, and the claim's new status, with IDs masked.
func TestClaimLifeThroughTheBinary(t *testing.T) {
	dir := t.TempDir()
	demoNightOne(t, dir)
	db := filepath.Join(dir, "ledger.duckdb")
	review := query(t, db, `SELECT subject_id FROM assessments WHERE subject_kind = 'claim' AND status = 'review' ORDER BY 1 LIMIT 1`)
	approved := query(t, db, `SELECT subject_id || ',' || CAST(payable AS VARCHAR) FROM assessments
		WHERE subject_kind = 'claim' AND status = 'approved' ORDER BY 1 LIMIT 1`)
	if len(review) != 1 || len(approved) != 1 {
		t.Fatalf("the demo has no claim in review (%v) or approved (%v)", review, approved)
	}
	in := filepath.Join(dir, "night2")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"复核决定.csv": "申请编号,复核结论,核定金额,理由,复核人,复核日期\n" + review[0] + ",调整,100.00,部分自费药品,周虚构,2026-04-11\n",
		"支付结果.csv": "申请编号,支付金额,支付日期,银行流水号,支付结果,失败原因\n" + approved[0] + ",2026-04-11,B20260411001,成功,\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(in, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, "run", "--db", db, "--policy", filepath.Join(dir, "policy"), "--as-of", "2026-04-11", "--in", in)
	paidID, _, _ := strings.Cut(approved[0], ",")
	for id, want := range map[string][]string{
		review[0]: {"复核决定 调整 adjust  复核人 周虚构  复核日期 2026-04-11  核定金额 100.00  理由 部分自费药品", "核准支付 approved"},
		paidID:    {"支付 成功 success", "银行流水号 B20260411001", "已支付 paid"},
	} {
		out := mustRun(t, "explain", "--db", db, id).stdout
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("explain %s does not show %q:\n%s", id, w, out)
			}
		}
		if m := regexp.MustCompile(`\d{17}[\dX]`).FindString(out); m != "" {
			t.Errorf("explain %s shows an unmasked number %s", id, m)
		}
	}
}
