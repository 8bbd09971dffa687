package batch

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shopspring/decimal"

	"medrecon/batch/policy"
	"medrecon/batch/record"
	"medrecon/fixtures"
)

// The cases of issue 18, each written from SPEC 3.3, 3.4 and 3.6 and run
// as a user would: each night a folder of CSV files through Run into one
// ledger, the outcome read back with SQL. Sample policy; the people are
// fictional.

const (
	setlHeader   = "setl_id,mdtrt_id,psn_no,psn_name,certno,insutype,psn_type,insuplc_admdvs,mdtrtarea_admvs,fixmedins_code,fixmedins_name,hosp_lv,med_type,begndate,enddate,setl_time,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,hifmi_pay,fund_pay_sumamt,acct_pay,psn_cash_pay,refd_setl_flag,init_setl_id\n"
	claimHeader  = "claim_id,certno,psn_name,insutype,psn_type,insuplc_admdvs,mdtrtarea_admvs,fixmedins_code,fixmedins_name,hosp_lv,designated,med_type,emergency,begndate,enddate,bill_code,bill_no,medfee_sumamt,inscp_scp_amt,dcla_date,materials_complete\n"
	filingHeader = "filing_id,certno,filing_kind,mdtrtarea_admvs,begndate,enddate,filed_date,status,cancel_date,dise_code\n"
)

var (
	caseEmployee = genIDNo("13010219750612123") // 石家庄 在职, treated in Tianjin
	caseResident = genIDNo("13010219680301456") // 石家庄 城乡居民
	caseXingtai  = genIDNo("13050219820909789") // 邢台 在职, single-use temporary filings
)

// setlRow is one settlement line: an employee (310, 1101) or resident (390)
// of certno's region, treated in Tianjin 120103.
func setlRow(id, certno, inst, lv, medType, begn, end, medfee, inscope, hifp, refundOf string) string {
	insutype, psnType, insuplc := "310", "1101", certno[:4]+"00"
	if certno == caseResident {
		insutype, psnType = "390", "居民"
	}
	flag := "0"
	if refundOf != "" {
		flag = "1"
	}
	cash := mustDec(medfee).Sub(mustDec(hifp)).StringFixed(2)
	return strings.Join([]string{id, "M" + id, "", "测试人", certno, insutype, psnType, insuplc, "120103", inst, "天津测试医院", lv, medType,
		begn, end, end + " 10:00:00", medfee, inscope, "0", hifp, "0", hifp, "0", cash, flag, refundOf}, ",") + "\n"
}

func claimRow(id, certno, inst, medType, begn, end, bill, medfee, inscope, dcla, complete string) string {
	return strings.Join([]string{id, certno, "测试人", "310", "1101", certno[:4] + "00", "120103", inst, "天津测试医院", "3", "是", medType, "否",
		begn, end, "13000125", bill, medfee, inscope, dcla, complete}, ",") + "\n"
}

func longTermFiling(id, certno string) string {
	return filingHeader + id + "," + certno + ",long_term,120000,2024-01-01,,2023-12-20,有效,,\n"
}

// caseLedger runs nights into one ledger; each night is file name → CSV text.
type caseLedger struct {
	t    *testing.T
	path string
	pol  *policy.Policy
	n    int
}

func newCaseLedger(t *testing.T) *caseLedger {
	pol, err := policy.LoadFS(fixtures.Policy(), ".")
	if err != nil {
		t.Fatal(err)
	}
	return &caseLedger{t: t, path: filepath.Join(t.TempDir(), "ledger.duckdb"), pol: pol}
}

func (c *caseLedger) night(files map[string]string) Summary {
	c.t.Helper()
	c.n++
	fsys := fstest.MapFS{}
	var inputs []Input
	for name, text := range files {
		name = fmt.Sprintf("n%d_%s", c.n, name)
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
		inputs = append(inputs, Input{Path: name, FS: fsys})
	}
	clock := time.Date(2026, 1, 10, 2, 30, 0, 0, time.UTC).Add(time.Duration(c.n) * time.Hour)
	sum, err := Run(context.Background(), Config{
		Ledger: c.path, Policy: c.pol, AsOf: record.D(2026, 1, 10), Inputs: inputs, MaxRejectRatio: 0.05,
		Version: "test", Now: func() time.Time { return clock },
	})
	if err != nil {
		c.t.Fatalf("night %d: %v", c.n, err)
	}
	if sum.Rejects > 0 {
		c.t.Fatalf("night %d rejected %d rows", c.n, sum.Rejects)
	}
	return sum
}

// current returns a subject's current assessment as "status payable basic serious".
func (c *caseLedger) current(kind, id string) string {
	c.t.Helper()
	var got string
	c.query(func(db *sql.DB) error {
		return db.QueryRow(`SELECT concat_ws(' ', status, payable, basic_pay, serious_pay) FROM assessments a JOIN run_order o USING (run_id)
			WHERE subject_kind = ? AND subject_id = ? ORDER BY o.ord DESC, a.rowid DESC LIMIT 1`, kind, id).Scan(&got)
	})
	return got
}

// findings returns a subject's findings as "CODE severity: detail" lines, in run order.
func (c *caseLedger) findings(kind, id string) []string {
	c.t.Helper()
	var out []string
	c.query(func(db *sql.DB) error {
		rows, err := db.Query(`SELECT code || ' ' || severity || ': ' || detail FROM findings f JOIN run_order o USING (run_id)
			WHERE subject_kind = ? AND subject_id = ? ORDER BY o.ord, f.rowid`, kind, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	return out
}

func (c *caseLedger) count(query string, args ...any) int {
	c.t.Helper()
	var n int
	c.query(func(db *sql.DB) error { return db.QueryRow(query, args...).Scan(&n) })
	return n
}

func (c *caseLedger) query(fn func(*sql.DB) error) {
	c.t.Helper()
	db, err := sql.Open("duckdb", c.path+"?access_mode=read_only")
	if err != nil {
		c.t.Fatal(err)
	}
	defer db.Close()
	if err := fn(db); err != nil {
		c.t.Fatal(err)
	}
}

func mustDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func codes(findings []string) []string {
	var out []string
	for _, f := range findings {
		out = append(out, strings.SplitN(f, " ", 2)[0])
	}
	return out
}

// Case 1. SPEC 3.3: a refund and its original match whichever arrives
// first. RD1 comes before SD1: REFUND_UNMATCHED then; SD1 arrives refunded;
// a manual claim for the same visit is then approved like any claim.
func TestUnmatchedRefundMeetsItsOriginalLater(t *testing.T) {
	c := newCaseLedger(t)
	filing := longTermFiling("FD1", caseEmployee)
	c.night(map[string]string{"filings.csv": filing, "settlements.csv": setlHeader +
		setlRow("RD1", caseEmployee, "H12010300001", "3", "21", "2025-05-01", "2025-05-10", "-100000.00", "-80000.00", "-70650.00", "SD1")})
	if got := codes(c.findings("settlement", "RD1")); strings.Join(got, ",") != "REFUND_UNMATCHED" {
		t.Errorf("night 1: RD1 findings %v, want REFUND_UNMATCHED", got)
	}
	c.night(map[string]string{"settlements.csv": setlHeader +
		setlRow("SD1", caseEmployee, "H12010300001", "3", "21", "2025-05-01", "2025-05-10", "100000.00", "80000.00", "70650.00", "")})
	if got := c.current("settlement", "SD1"); !strings.HasPrefix(got, "refunded 0.00") {
		t.Errorf("night 2: SD1 is %q, want refunded: its refund came first", got)
	}
	// Worked example 1 as a claim: (80000 − 1500) × 0.90 = 70650.00.
	c.night(map[string]string{"claims.csv": claimHeader +
		claimRow("BD1", caseEmployee, "H12010300001", "21", "2025-05-01", "2025-05-10", "N1", "100000.00", "80000.00", "2025-06-01", "是")})
	if got := c.current("claim", "BD1"); got != "approved 70650.00 70650.00 0.00" {
		t.Errorf("night 3: BD1 is %q, want approved 70650.00 (the refunded settlement paid nothing)", got)
	}
	if got := c.findings("claim", "BD1"); len(got) != 0 {
		t.Errorf("night 3: BD1 findings %v, want none", got)
	}
}

// Case 2. SPEC 3.3: a re-send with other content is SETTLEMENT_CONFLICT,
// naming each field old → new, and the first version stands with its
// assessment; a later refund then takes back what SC1 counted, so SC2
// bears the yearly deductible again: (1000 − 800) × 0.60 = 120.00. A second
// refund of SC1 is REFUND_UNMATCHED.
func TestRefundAfterConflictingResend(t *testing.T) {
	c := newCaseLedger(t)
	sc1 := setlRow("SC1", caseEmployee, "H12010300001", "2", "11", "2025-03-02", "2025-03-02", "1000.00", "1000.00", "120.00", "")
	c.night(map[string]string{"filings.csv": longTermFiling("FC1", caseEmployee), "settlements.csv": setlHeader + sc1})
	if got := c.current("settlement", "SC1"); got != "balanced 120.00 120.00 0.00" {
		t.Fatalf("night 1: SC1 is %q, want balanced 120.00", got)
	}
	c.night(map[string]string{"settlements_resend.csv": setlHeader +
		setlRow("SC1", caseEmployee, "H12010300001", "2", "11", "2025-03-02", "2025-03-02", "1000.00", "1000.00", "150.00", "")})
	f := c.findings("settlement", "SC1")
	if len(f) != 1 || !strings.HasPrefix(f[0], "SETTLEMENT_CONFLICT error") || !strings.Contains(f[0], "hifp_pay 120.00 → 150.00") {
		t.Errorf("night 2: SC1 findings %v, want SETTLEMENT_CONFLICT naming hifp_pay 120.00 → 150.00", f)
	}
	if n := c.count(`SELECT count(*) FROM assessments WHERE subject_id = 'SC1'`); n != 1 {
		t.Errorf("night 2: SC1 has %d assessment rows, want 1: a conflict adds none", n)
	}
	if got := c.current("settlement", "SC1"); got != "balanced 120.00 120.00 0.00" {
		t.Errorf("night 2: SC1 is %q, want its first assessment", got)
	}
	c.night(map[string]string{"settlements.csv": setlHeader +
		setlRow("RC1", caseEmployee, "H12010300001", "2", "11", "2025-03-02", "2025-03-02", "-1000.00", "-1000.00", "-120.00", "SC1") +
		setlRow("SC2", caseEmployee, "H12010300001", "2", "11", "2025-04-02", "2025-04-02", "1000.00", "1000.00", "120.00", "")})
	if got := c.current("settlement", "SC2"); got != "balanced 120.00 120.00 0.00" {
		t.Errorf("night 3: SC2 is %q, want balanced 120.00: the deductible is due again", got)
	}
	if got := c.findings("settlement", "SC2"); len(got) != 0 {
		t.Errorf("night 3: SC2 findings %v, want none", got)
	}
	c.night(map[string]string{"settlements.csv": setlHeader +
		setlRow("RC2", caseEmployee, "H12010300001", "2", "11", "2025-03-02", "2025-03-02", "-1000.00", "-1000.00", "-120.00", "SC1")})
	if got := codes(c.findings("settlement", "RC2")); strings.Join(got, ",") != "REFUND_UNMATCHED" {
		t.Errorf("night 4: the second refund RC2 has findings %v, want REFUND_UNMATCHED", got)
	}
}

// Case 3. SPEC 3.2, 3.3: a refund takes back exactly what the visit
// counted. A resident's chronic visit without a chronic filing pays nothing
// and adds nothing to the serious-illness base; refunding it leaves the base
// alone. The later stay (level 3, after 2025-07-01: deductible 1200, 70%):
// basic (50000 − 1200) × 0.70 = 34160.00, eligible 15840.00, 840.00 above
// the 15000 threshold at 60% = 504.00.
func TestRefundOfAVisitThatPaidNothing(t *testing.T) {
	c := newCaseLedger(t)
	c.night(map[string]string{"filings.csv": longTermFiling("FR1", caseResident), "settlements.csv": setlHeader +
		setlRow("SR1", caseResident, "H12010300001", "3", "14", "2025-07-03", "2025-07-03", "1600.00", "1600.00", "0.00", "")})
	if got := codes(c.findings("settlement", "SR1")); strings.Join(got, ",") != "CHRONIC_NOT_FILED" {
		t.Fatalf("night 1: SR1 findings %v, want CHRONIC_NOT_FILED", got)
	}
	c.night(map[string]string{"settlements.csv": setlHeader +
		setlRow("RR1", caseResident, "H12010300001", "3", "14", "2025-07-03", "2025-07-03", "-1600.00", "-1600.00", "0.00", "SR1")})
	c.night(map[string]string{"settlements.csv": setlHeader +
		setlRow("SR2", caseResident, "H12010300001", "3", "21", "2025-08-01", "2025-08-10", "50000.00", "50000.00", "34664.00", "")})
	if got := c.current("settlement", "SR2"); got != "balanced 34664.00 34160.00 504.00" {
		t.Errorf("night 3: SR2 is %q, want balanced 34664.00 = 34160.00 + 504.00", got)
	}
}

// Case 4. SPEC 3.4: "earlier" is by (dcla_date, claim_id) whichever night
// each claim arrived. BP1 (04-01, pending) and BQ1 (04-10, the same visit
// at another institution) arrive together: BQ1 goes to review. BP1 is
// completed the next night: it is still the earlier claim, and is approved.
func TestPendingClaimCompletedLaterStaysTheEarlier(t *testing.T) {
	c := newCaseLedger(t)
	bp1 := func(complete string) string {
		return claimRow("BP1", caseEmployee, "H12010300001", "21", "2025-03-01", "2025-03-10", "P1", "30000.00", "20000.00", "2025-04-01", complete)
	}
	c.night(map[string]string{"filings.csv": longTermFiling("FP1", caseEmployee), "claims.csv": claimHeader + bp1("否") +
		claimRow("BQ1", caseEmployee, "H12010300002", "21", "2025-03-01", "2025-03-10", "Q1", "30000.00", "20000.00", "2025-04-10", "是")})
	if got := c.current("claim", "BP1"); !strings.HasPrefix(got, "pending") {
		t.Errorf("night 1: BP1 is %q, want pending", got)
	}
	if got := c.current("claim", "BQ1"); !strings.HasPrefix(got, "review") {
		t.Errorf("night 1: BQ1 is %q, want review", got)
	}
	c.night(map[string]string{"claims.csv": claimHeader + bp1("是")})
	// (20000 − 1500) × 0.90 = 16650.00
	if got := c.current("claim", "BP1"); got != "approved 16650.00 16650.00 0.00" {
		t.Errorf("night 2: BP1 is %q, want approved 16650.00", got)
	}
	if got := c.findings("claim", "BP1"); len(got) != 0 {
		t.Errorf("night 2: BP1 findings %v, want none: BQ1 is the later claim", got)
	}
}

// Case 5. SPEC 2.2: the rows with one claim_id that one run brings form one
// claim whichever of its files they stand in: 6000 + 4000 in scope,
// (10000 − 1500) × 0.90 = 7650.00.
func TestClaimRowsInTwoFilesOfOneRun(t *testing.T) {
	c := newCaseLedger(t)
	c.night(map[string]string{
		"filings.csv":  longTermFiling("FA1", caseEmployee),
		"claims_a.csv": claimHeader + claimRow("BA1", caseEmployee, "H12010300001", "21", "2025-06-01", "2025-06-05", "A1", "7000.00", "6000.00", "2025-06-20", "是"),
		"claims_b.csv": claimHeader + claimRow("BA1", caseEmployee, "H12010300001", "21", "2025-06-01", "2025-06-05", "A2", "5000.00", "4000.00", "2025-06-20", "是"),
	})
	if got := c.current("claim", "BA1"); got != "approved 7650.00 7650.00 0.00" {
		t.Errorf("BA1 is %q, want approved 7650.00", got)
	}
	if got := c.findings("claim", "BA1"); len(got) != 0 {
		t.Errorf("BA1 findings %v, want none", got)
	}
	if n := c.count(`SELECT count(*) FROM claims WHERE claim_id = 'BA1'`); n != 2 {
		t.Errorf("claims holds %d rows of BA1, want its 2 invoices", n)
	}
}

// Case 6. SPEC 3.1: a refunded visit never uses up a single-use (Xingtai)
// filing, across nights as within one.
func TestRefundedVisitFreesASingleUseFiling(t *testing.T) {
	c := newCaseLedger(t)
	temp := filingHeader + "FX1," + caseXingtai + ",temporary,120000,2025-01-01,,2025-01-01,有效,,\n"
	c.night(map[string]string{"filings.csv": temp, "settlements.csv": setlHeader +
		setlRow("SX1", caseXingtai, "H12010300001", "2", "21", "2025-02-01", "2025-02-05", "10000.00", "10000.00", "7552.00", "")})
	c.night(map[string]string{"settlements.csv": setlHeader +
		setlRow("RX1", caseXingtai, "H12010300001", "2", "21", "2025-02-01", "2025-02-05", "-10000.00", "-10000.00", "-7552.00", "SX1")})
	// Xingtai employee, level 2: deductible 600, 92% − 10% temporary = 82%: (10000 − 600) × 0.82 = 7708.00.
	c.night(map[string]string{"settlements.csv": setlHeader +
		setlRow("SX2", caseXingtai, "H12010300001", "2", "21", "2025-03-01", "2025-03-05", "10000.00", "10000.00", "7708.00", "")})
	if got := c.findings("settlement", "SX2"); len(got) != 0 {
		t.Errorf("SX2 findings %v, want none: the refunded SX1 left the filing unused", got)
	}
	if n := c.count(`SELECT count(*) FROM assessments WHERE subject_id = 'SX2' AND filing_status = 'temporary'`); n != 1 {
		t.Errorf("SX2 is not judged under its temporary filing")
	}
}

// Case 7. SPEC 3.3: a settlement for a visit that a claim of the ledger
// already approved is ALREADY_REIMBURSED (error), naming the claim and the
// amount to recover; a claim still in review for that visit is assessed
// again and rejected ALREADY_SETTLED.
func TestSettlementAfterAnApprovedClaim(t *testing.T) {
	c := newCaseLedger(t)
	c.night(map[string]string{"filings.csv": longTermFiling("FB1", caseEmployee), "claims.csv": claimHeader +
		claimRow("BB1", caseEmployee, "H12010300001", "21", "2025-05-01", "2025-05-10", "B1", "30000.00", "20000.00", "2025-05-20", "是") +
		claimRow("BB2", caseEmployee, "H12010300009", "21", "2025-06-01", "2025-06-03", "B2", "9000.00", "8000.00", "2025-06-10", "是") +
		claimRow("BB3", caseEmployee, "H12010300008", "21", "2025-06-01", "2025-06-03", "B3", "9000.00", "8000.00", "2025-06-11", "是")})
	if got := c.current("claim", "BB1"); got != "approved 16650.00 16650.00 0.00" {
		t.Fatalf("night 1: BB1 is %q, want approved 16650.00", got)
	}
	if got := c.current("claim", "BB3"); !strings.HasPrefix(got, "review") {
		t.Fatalf("night 1: BB3 is %q, want review (same visit as BB2)", got)
	}
	c.night(map[string]string{"settlements.csv": setlHeader +
		setlRow("SB1", caseEmployee, "H12010300001", "3", "21", "2025-05-01", "2025-05-10", "30000.00", "20000.00", "16650.00", "") +
		setlRow("SB3", caseEmployee, "H12010300008", "3", "21", "2025-06-01", "2025-06-03", "9000.00", "8000.00", "5850.00", "")})
	f := c.findings("settlement", "SB1")
	if len(f) != 1 || !strings.HasPrefix(f[0], "ALREADY_REIMBURSED error") || !strings.Contains(f[0], "BB1") || !strings.Contains(f[0], "16650.00") {
		t.Errorf("SB1 findings %v, want ALREADY_REIMBURSED naming BB1 and 16650.00", f)
	}
	if got := c.current("claim", "BB1"); got != "approved 16650.00 16650.00 0.00" {
		t.Errorf("BB1 is %q, want it approved still: it was paid", got)
	}
	if got := c.current("claim", "BB3"); got != "rejected 0.00 0.00 0.00" {
		t.Errorf("BB3 is %q, want rejected", got)
	}
	if got := codes(c.findings("claim", "BB3")); !strings.Contains(strings.Join(got, ","), "ALREADY_SETTLED") {
		t.Errorf("BB3 findings %v, want ALREADY_SETTLED", got)
	}
}

// SPEC 3.6: a settlement refunded in the run it arrives in is assessed as
// it would have been on a night before its refund (here AMOUNT_MISMATCH:
// 70000.00 reported, 70650.00 expected), then refunded; the run counts it
// by its refunded row, with no discrepancy.
func TestSettlementRefundedInItsOwnRun(t *testing.T) {
	c := newCaseLedger(t)
	sum := c.night(map[string]string{"filings.csv": longTermFiling("FS1", caseEmployee), "settlements.csv": setlHeader +
		setlRow("SS1", caseEmployee, "H12010300001", "3", "21", "2025-05-01", "2025-05-10", "100000.00", "80000.00", "70000.00", "") +
		setlRow("RS1", caseEmployee, "H12010300001", "3", "21", "2025-05-01", "2025-05-10", "-100000.00", "-80000.00", "-70000.00", "SS1")})
	if got := c.current("settlement", "SS1"); !strings.HasPrefix(got, "refunded 0.00") {
		t.Errorf("SS1 is %q, want refunded", got)
	}
	if got := codes(c.findings("settlement", "SS1")); strings.Join(got, ",") != "AMOUNT_MISMATCH" {
		t.Errorf("SS1 findings %v, want AMOUNT_MISMATCH", got)
	}
	if sum.Settlements[record.SetlRefunded] != 1 || sum.Settlements[record.SetlMismatch] != 0 || sum.Discrepancy != "0.00" {
		t.Errorf("summary settlements %v, net discrepancy %s; want SS1 counted once, refunded, with no discrepancy", sum.Settlements, sum.Discrepancy)
	}
}
