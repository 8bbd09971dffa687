package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// TestWorklistFillInSheetRoundTrip: the office's worklist through the
// binary (SPEC 3.7). The demo's night leaves one claim in review; the
// worklist's XLSX lists it on its first sheet, 待复核, with the decision
// columns empty. Dropped unchanged into the next night's --in folder, the
// workbook is read as a decisions file and decides nothing: no decision,
// no rejected row, the night commits. Filled in and given as --decisions
// on the night after, it records the reviewer's decision; the worklist as
// of that night no longer lists the claim in review, and the worklist as of
// the demo's date, before the decision was made, still does.
func TestWorklistFillInSheetRoundTrip(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	demoNightOne(t, demo)
	db, policy := filepath.Join(demo, "ledger.duckdb"), filepath.Join(demo, "policy")
	review := query(t, db, `SELECT subject_id FROM assessments WHERE subject_kind = 'claim' AND status = 'review' ORDER BY 1`)
	if len(review) != 1 {
		t.Fatalf("the demo holds claims in review %v, want one", review)
	}
	id := review[0]

	sheet := filepath.Join(dir, "worklist.xlsx")
	out := mustRun(t, "deadlines", "--db", db, "--as-of", "2026-04-10", "--xlsx", sheet).stdout
	if !strings.Contains(out, "\nreview    "+id+" ") {
		t.Errorf("the worklist's text does not list %s in review:\n%s", id, out)
	}

	night2 := filepath.Join(dir, "night2")
	if err := os.MkdirAll(night2, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, sheet, filepath.Join(night2, "worklist.xlsx"))
	mustRun(t, "run", "--db", db, "--policy", policy, "--as-of", "2026-04-11", "--in", night2)
	if got := query(t, db, `SELECT kind || ' ' || CAST(rows AS VARCHAR) || ' ' || CAST(rejected AS VARCHAR) FROM input_files
		WHERE path LIKE '%worklist.xlsx'`); len(got) != 1 || got[0] != "decisions 0 0" {
		t.Errorf("the unchanged sheet is recorded as %v, want a decisions file of 0 rows, 0 rejected", got)
	}
	if n := count(t, db, `SELECT count(*) FROM decisions`) + count(t, db, `SELECT count(*) FROM rejects`); n != 0 {
		t.Errorf("the unchanged sheet gave %d decisions and rejected rows, want none", n)
	}

	f, err := excelize.OpenFile(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetName(0); got != "待复核" {
		t.Fatalf("the first sheet is %q, want 待复核", got)
	}
	if v, _ := f.GetCellValue("待复核", "A2"); v != id {
		t.Fatalf("待复核 A2 = %q, want %s", v, id)
	}
	for ref, v := range map[string]string{"B2": "驳回", "D2": "与 BX2025080003 为同一次就诊", "E2": "周虚构", "F2": "2026-04-12"} {
		if err := f.SetCellValue("待复核", ref, v); err != nil {
			t.Fatal(err)
		}
	}
	filled := filepath.Join(dir, "复核决定.xlsx")
	if err := f.SaveAs(filled); err != nil {
		t.Fatal(err)
	}
	f.Close()
	mustRun(t, "run", "--db", db, "--policy", policy, "--as-of", "2026-04-12", "--decisions", filled)
	if got := query(t, db, `SELECT claim_id || ' ' || decision || ' ' || reviewer FROM decisions`); len(got) != 1 || got[0] != id+" reject 周虚构" {
		t.Errorf("decisions %v, want %s rejected by 周虚构", got, id)
	}
	if n := count(t, db, `SELECT count(*) FROM rejects`); n != 0 {
		t.Errorf("%d rejected rows from the filled sheet", n)
	}

	for _, tt := range []struct {
		asOf     string
		inReview bool
	}{{"2026-04-12", false}, {"2026-04-11", true}, {"2026-04-10", true}} {
		out := mustRun(t, "deadlines", "--db", db, "--as-of", tt.asOf).stdout
		if got := strings.Contains(out, "\nreview    "+id+" "); got != tt.inReview {
			t.Errorf("as of %s the worklist lists %s in review: %v, want %v\n%s", tt.asOf, id, got, tt.inReview, out)
		}
	}
}

// TestWorklistPaymentDays: approved claims unpaid past their region's
// payment_days. The demo approves its claims on 10 April 2026; 30 days
// later none is listed, 31 days later all are; after a run whose policy
// gives a region 45 days, that region's claims wait longer.
func TestWorklistPaymentDays(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	demoNightOne(t, demo)
	db := filepath.Join(demo, "ledger.duckdb")
	approved := query(t, db, `SELECT a.subject_id || ' ' || c.insuplc_admdvs FROM assessments a
		JOIN claims c ON c.claim_id = a.subject_id
		WHERE a.subject_kind = 'claim' AND a.status = 'approved' GROUP BY ALL ORDER BY 1`)
	if len(approved) == 0 {
		t.Fatal("the demo approves no claim")
	}
	unpaid := func(out string) map[string]bool {
		ids := map[string]bool{}
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == "unpaid" {
				ids[f[1]] = true
			}
		}
		return ids
	}
	if got := unpaid(mustRun(t, "deadlines", "--db", db, "--as-of", "2026-05-10").stdout); len(got) != 0 {
		t.Errorf("30 days after the approval the worklist lists %v as unpaid", got)
	}
	got := unpaid(mustRun(t, "deadlines", "--db", db, "--as-of", "2026-05-11").stdout)
	for _, a := range approved {
		if id, _, _ := strings.Cut(a, " "); !got[id] {
			t.Errorf("31 days after the approval %s is not listed as unpaid", id)
		}
	}

	policy := filepath.Join(dir, "policy")
	if err := os.MkdirAll(policy, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"regions.csv", "rates.csv", "adjustments.csv", "serious_illness.csv"} {
		copyFile(t, filepath.Join(demo, "policy", name), filepath.Join(policy, name))
	}
	regions := strings.Replace(readFile(t, filepath.Join(policy, "regions.csv")), ",0.01,30\n", ",0.01,45\n", 1) // the first region
	if err := os.WriteFile(filepath.Join(policy, "regions.csv"), []byte(regions), 0o644); err != nil {
		t.Fatal(err)
	}
	first := strings.Split(strings.Split(regions, "\n")[1], ",")[0]
	// Each run keeps its policy's payment_days; the worklist counts with the
	// latest run's as of its date (a night that completes the pending claim).
	mustRun(t, "run", "--db", db, "--policy", policy, "--as-of", "2026-04-11",
		"--claims", filepath.Join("..", "..", "fixtures", "demonights", "night2", "claims.csv"))
	got = unpaid(mustRun(t, "deadlines", "--db", db, "--as-of", "2026-05-11").stdout)
	if before := unpaid(mustRun(t, "deadlines", "--db", db, "--as-of", "2026-04-10").stdout); len(before) != 0 {
		t.Errorf("as of the demo's night the worklist lists %v as unpaid", before)
	}
	waiting := map[bool]int{} // claims of the first region (true) and of others
	for _, a := range approved {
		id, region, _ := strings.Cut(a, " ")
		waiting[region == first]++
		if want := region != first; got[id] != want {
			t.Errorf("with %s waiting 45 days: %s of %s listed as unpaid %v, want %v", first, id, region, got[id], want)
		}
	}
	if waiting[true] == 0 || waiting[false] == 0 {
		t.Errorf("approved claims in %s: %d, elsewhere: %d; the test needs both", first, waiting[true], waiting[false])
	}
}

// TestWorklistFailedPaymentsAndRecoveries: a failed payment and an
// overpayment (which opens a recovery, SPEC 3.7) of 11 April are on the
// worklist from that date on, in 支付失败 and 待追回 of the text, the PDF
// and the XLSX, and not on the worklist as of 10 April.
func TestWorklistFailedPaymentsAndRecoveries(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	demoNightOne(t, demo)
	db := filepath.Join(demo, "ledger.duckdb")
	approved := query(t, db, `SELECT subject_id || ',' || CAST(payable AS VARCHAR) FROM assessments
		WHERE subject_kind = 'claim' AND status = 'approved' ORDER BY 1 LIMIT 2`)
	if len(approved) != 2 {
		t.Fatalf("the demo approves %d claims, want 2 or more", len(approved))
	}
	failedID, _, _ := strings.Cut(approved[0], ",")
	overID, payable, _ := strings.Cut(approved[1], ",")
	payments := filepath.Join(dir, "支付结果.csv")
	text := "申请编号,支付金额,支付日期,银行流水号,支付结果,失败原因\n" +
		approved[0] + ",2026-04-11,B1,失败,户名与账号不符\n" +
		overID + "," + decimal.RequireFromString(payable).Add(decimal.NewFromInt(10)).StringFixed(2) + ",2026-04-11,B2,成功,\n" // overpaid by 10.00: a recovery
	if err := os.WriteFile(payments, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "run", "--db", db, "--policy", filepath.Join(demo, "policy"), "--as-of", "2026-04-11", "--payments", payments)

	for _, tt := range []struct {
		asOf   string
		listed bool
	}{{"2026-04-10", false}, {"2026-04-11", true}} {
		pdf, xlsx := filepath.Join(dir, tt.asOf+".pdf"), filepath.Join(dir, tt.asOf+".xlsx")
		out := mustRun(t, "deadlines", "--db", db, "--as-of", tt.asOf, "--report", pdf, "--xlsx", xlsx).stdout
		for _, want := range []string{"\npayment_failed  " + failedID + " ", "\nrecovery  claim " + overID + " "} {
			if got := strings.Contains(out, want); got != tt.listed {
				t.Errorf("as of %s the worklist lists %q: %v, want %v\n%s", tt.asOf, strings.TrimSpace(want), got, tt.listed, out)
			}
		}
		book := xlsxText(t, xlsx)
		for _, id := range []string{failedID, overID} {
			if got := strings.Count(book, id) > 0; got != tt.listed {
				t.Errorf("as of %s deadlines.xlsx names %s: %v, want %v", tt.asOf, id, got, tt.listed)
			}
		}
		if text, ok := pdfText(t, pdf); ok && tt.listed {
			s := strings.Join(strings.Fields(text), "")
			for _, want := range []string{"四、支付失败", failedID, "户名与账号不符", "五、待追回", "10.00", "多付"} {
				if !strings.Contains(s, want) {
					t.Errorf("as of %s deadlines.pdf lacks %q", tt.asOf, want)
				}
			}
		}
	}
}
