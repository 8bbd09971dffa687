package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// certno completes a 17-digit prefix with its GB 11643 check character.
func certno(prefix string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(prefix[i]-'0') * w
	}
	return prefix + string("10X98765432"[sum%11])
}

// Fictional people.
var (
	zhangSan = certno("13010219800101123") // 张三丰 (made up)
	liSi     = certno("13010219900202456") // 李思远 (made up)
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// fen is an amount in fen, written in yuan.
func fen(s string) record.Fen {
	f, err := record.FenOf(d(s))
	if err != nil {
		panic(err)
	}
	return f
}

func nd(s string) decimal.NullDecimal { return decimal.NullDecimal{Decimal: d(s), Valid: true} }

func nfen(s string) record.NullFen { return record.NullFen{Fen: fen(s), Valid: true} }

func newLedger(t testing.TB) (*Ledger, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.duckdb")
	l, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, path
}

func runInfo(id string, asOf record.Date, started time.Time) record.RunInfo {
	return record.RunInfo{
		RunID: id, StartedAt: started, FinishedAt: started.Add(90 * time.Second), AsOf: asOf,
		Status: record.RunCommitted, Version: "test", PolicySHA256: strings.Repeat("ab", 32),
	}
}

func settlement(id, cert string, end record.Date) record.Settlement {
	return record.Settlement{
		SetlID: id, MdtrtID: "M" + id, PsnNo: "P001", PsnName: "张三丰", Certno: cert,
		Insutype: "310", PsnType: "1101", InsuplcAdmdvs: "130100", MdtrtareaAdmvs: "120000",
		FixmedinsCode: "H12010100001", FixmedinsName: "天津市第一中心医院", HospLv: 3, MedType: "21",
		Begndate: end.AddDays(-9), Enddate: end,
		SetlTime:     time.Date(end.Year, end.Month, end.Day, 10, 30, 5, 0, time.UTC),
		MedfeeSumamt: fen("100000.00"), InscpScpAmt: fen("80000.00"), ActPayDedc: fen("1500.00"),
		HifpPay: fen("70650.00"), HifmiPay: fen("0"), FundPaySumamt: fen("70650.00"), AcctPay: fen("1000.00"),
		PsnCashPay: fen("28350.00"),
		Src:        record.Source{File: "settlements.csv", Row: 3},
	}
}

func claim(id, cert string, end, dcla record.Date) record.Claim {
	return record.Claim{
		ClaimID: id, Certno: cert, PsnName: "李思远", Insutype: "390", PsnType: "居民",
		InsuplcAdmdvs: "130100", MdtrtareaAdmvs: "110000", FixmedinsCode: "H11010100002",
		FixmedinsName: "北京协和医院", HospLv: 3, Designated: true, MedType: "21", Emergency: false,
		Begndate: end.AddDays(-5), Enddate: end, DclaDate: dcla, MaterialsComplete: true,
		MedfeeSumamt: fen("3000.50"), InscpScpAmt: fen("2500.25"),
		Invoices: []record.Invoice{
			{BillCode: "13000125", BillNo: id + "-1", MedfeeSumamt: fen("1000.25"), InscpScpAmt: fen("900.00"),
				Src: record.Source{File: "claims.xlsx", Sheet: "申请明细", Row: 4}},
			{BillCode: "13000125", BillNo: id + "-2", MedfeeSumamt: fen("2000.25"), InscpScpAmt: fen("1600.25"),
				Src: record.Source{File: "claims.xlsx", Sheet: "申请明细", Row: 5}},
		},
	}
}

func assessment(kind, id, cert string, year int, status string) record.Assessment {
	a := record.Assessment{
		SubjectKind: kind, SubjectID: id, Certno: cert, Year: year, FilingStatus: record.StatusLongTerm,
		Inscope: fen("80000.00"), Deductible: fen("1500.00"), Ratio: 9000, BasicPay: fen("70650.00"),
		SeriousPay: fen("12.34"), Payable: fen("70662.34"), EligibleBase: fen("9350.00"), Status: status,
		Trace: "(80000.00 − 1500.00) × 0.90 = 70650.00",
	}
	if kind == record.KindSettlement {
		a.ReportedPay, a.Discrepancy = nfen("70650.00"), nfen("-12.34")
	} else {
		a.Deadline = record.D(year+1, time.March, 31)
	}
	return a
}

// firstRun is a small run touching every table.
func firstRun() (record.RunInfo, []record.InputFile, record.Outcome, []record.Reject) {
	run := runInfo("R20260410-001", record.D(2026, 4, 10), time.Date(2026, 4, 10, 1, 0, 0, 0, time.UTC))
	s1 := settlement("S1", zhangSan, record.D(2026, 3, 20))
	s2 := settlement("S2", zhangSan, record.D(2026, 3, 25))
	s2.MedType = "11"
	refund := settlement("S3", zhangSan, record.D(2026, 3, 25))
	refund.MedType, refund.RefdSetlFlag, refund.InitSetlID = "11", true, "S2"
	refund.MedfeeSumamt, refund.FundPaySumamt, refund.AcctPay = fen("-100000.00"), fen("-70650.00"), fen("-1000.00")
	c1 := claim("C1", liSi, record.D(2026, 2, 1), record.D(2026, 4, 1))
	c1.BankName, c1.BankAccount = "中国工商银行石家庄分行", "6222020402001234567" // read back in full (schema version 8)
	files := []record.InputFile{
		{RunID: run.RunID, Path: "in/settlements.csv", Kind: record.InputSettlements, SHA256: strings.Repeat("1", 64), Rows: 4, Rejected: 1},
		{RunID: run.RunID, Path: "in/claims.xlsx", Kind: record.InputClaims, SHA256: strings.Repeat("2", 64), Rows: 2},
	}
	out := record.Outcome{
		Settlements: []record.Settlement{s1, s2, refund},
		Claims:      []record.Claim{c1},
		Filings: []record.Filing{{
			FilingID: "F1", Certno: zhangSan, FilingKind: record.FilingLongTerm, MdtrtareaAdmvs: "120000",
			Begndate: record.D(2025, 1, 1), FiledDate: record.D(2024, 12, 20), Status: record.FilingValid,
		}, {
			FilingID: "F2", Certno: liSi, FilingKind: record.FilingTemporary, MdtrtareaAdmvs: "110000",
			Begndate: record.D(2026, 1, 10), Enddate: record.D(2026, 7, 9), FiledDate: record.D(2026, 1, 9),
			Status: record.FilingCancelled, CancelDate: record.D(2026, 3, 1), DiseCode: "M01",
		}},
		Statement: []record.StatementRow{{
			FixmedinsCode: "H12010100001", StmtBegndate: record.D(2026, 3, 1), StmtEnddate: record.D(2026, 3, 31),
			Insutype: "310", ClrType: "21", FixmedinsSetlCnt: 1, MedfeeSumamt: d("100000.00"),
			FundPaySumamt: d("70650.00"), AcctPay: d("1000.00"),
		}},
		Assessments: []record.Assessment{
			assessment(record.KindSettlement, "S1", zhangSan, 2026, record.SetlBalanced),
			assessment(record.KindSettlement, "S2", zhangSan, 2026, record.SetlRefunded),
			assessment(record.KindSettlement, "S3", zhangSan, 2026, record.SetlRefund),
			assessment(record.KindClaim, "C1", liSi, 2026, record.ClaimApproved),
		},
		Findings: []record.Finding{
			{SubjectKind: record.KindClaim, SubjectID: "C1", Code: record.NoValidFiling, Severity: record.SeverityWarning, Detail: "无有效备案"},
			{SubjectKind: record.KindSettlement, SubjectID: "S1", Code: record.AmountMismatch, Severity: record.SeverityError, Detail: "差额 -12.34"},
		},
		Totals: map[record.YearKey]record.YearTotal{
			{Certno: zhangSan, Year: 2026, MedCat: record.MedInpatient}: {
				DeductibleBorne: d("1500.00"), BasicPaid: d("70650.00"), EligibleBase: d("9350.00"), SeriousPaid: d("12.34"), Visits: 1},
			{Certno: liSi, Year: 2026, MedCat: record.MedInpatient}: {
				DeductibleBorne: d("1500.00"), BasicPaid: d("70650.00"), EligibleBase: d("9350.00"), SeriousPaid: d("12.34"), Visits: 1},
		},
		FilingUses: []record.FilingUse{{FilingID: "F2", SubjectKind: record.KindClaim, SubjectID: "C1", Begndate: record.D(2026, 1, 27)}},
	}
	rejects := []record.Reject{
		{File: "settlements.csv", Row: 7, Col: "enddate", Value: "2026-02-30", Reason: "日期无效 / not a date"},
		{File: "claims.xlsx", Sheet: "申请明细", Row: 2, Col: "certno", Value: record.MaskID(liSi), Reason: "校验位错误 / bad checksum"},
	}
	return run, files, out, rejects
}

func mustCommit(t testing.TB, l *Ledger, run record.RunInfo, files []record.InputFile, out record.Outcome, rejects []record.Reject) {
	t.Helper()
	if err := l.Commit(context.Background(), run, files, out, rejects); err != nil {
		t.Fatal(err)
	}
}

// spec42 lists every table and column of SPEC 4.2 and of the brief that
// auditors may query.
var spec42 = map[string][]string{
	"runs": {"run_id", "started_at", "finished_at", "as_of", "status", "version", "policy_sha256", "ignored", "content_sha256", "chain_sha256",
		"subjects_digested", "digest_version"},
	"run_digests": {"run_id", "table_name", "rows", "sha256"},
	"input_files": {"run_id", "path", "kind", "sha256", "rows", "rejected", "already_imported"},
	"settlements": {"setl_id", "mdtrt_id", "psn_no", "psn_name", "certno", "insutype", "psn_type", "insuplc_admdvs",
		"mdtrtarea_admvs", "fixmedins_code", "fixmedins_name", "hosp_lv", "med_type", "begndate", "enddate", "setl_time",
		"medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "hifmi_pay", "fund_pay_sumamt", "acct_pay",
		"psn_cash_pay", "refd_setl_flag", "init_setl_id", "run_id", "src_file", "src_row"},
	"claims": {"claim_id", "certno", "psn_name", "insutype", "psn_type", "insuplc_admdvs", "mdtrtarea_admvs",
		"fixmedins_code", "fixmedins_name", "hosp_lv", "designated", "med_type", "emergency", "begndate", "enddate",
		"bill_code", "bill_no", "medfee_sumamt", "inscp_scp_amt", "dcla_date", "materials_complete", "run_id",
		"src_file", "src_row", "bank_name", "bank_account"},
	"filings": {"filing_id", "certno", "filing_kind", "mdtrtarea_admvs", "begndate", "enddate", "filed_date", "status",
		"cancel_date", "dise_code", "run_id"},
	"statements": {"fixmedins_code", "stmt_begndate", "stmt_enddate", "insutype", "clr_type", "fixmedins_setl_cnt",
		"medfee_sumamt", "fund_pay_sumamt", "acct_pay", "run_id"},
	"assessments": {"run_id", "subject_kind", "subject_id", "certno", "year", "filing_status", "inscope", "deductible",
		"ratio", "basic_pay", "serious_pay", "payable", "reported_pay", "discrepancy", "status", "deadline", "trace",
		"eligible_base"},
	"findings":    {"run_id", "subject_kind", "subject_id", "code", "severity", "detail", "amount", "fixmedins_code"},
	"rejects":     {"run_id", "file", "sheet", "row", "col", "value", "reason"},
	"year_totals": {"certno", "year", "med_cat", "deductible_borne", "basic_paid", "eligible_base", "serious_paid", "visits"},
	"filing_uses": {"filing_id", "subject_kind", "subject_id", "begndate", "run_id"},
	"decisions":   {"run_id", "claim_id", "decision", "amount", "reason", "reviewer", "decided_on", "src_file", "src_row"},
	"payments":    {"run_id", "claim_id", "amount", "paid_on", "bank_ref", "result", "reason", "src_file", "src_row"},
	"recoveries":  {"run_id", "subject_kind", "subject_id", "claim_id", "amount", "reason", "event"},
}

func TestSchemaHasEveryColumn(t *testing.T) {
	l, _ := newLedger(t)
	got := map[string][]string{}
	rows, err := l.db.Query(`SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'main' ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var tbl, col string
		if err := rows.Scan(&tbl, &col); err != nil {
			t.Fatal(err)
		}
		got[tbl] = append(got[tbl], col)
	}
	for tbl, cols := range spec42 {
		if diff := cmp.Diff(cols, got[tbl]); diff != "" {
			t.Errorf("table %s columns (-spec +ledger):\n%s", tbl, diff)
		}
	}
	types := map[string]string{}
	err = each(context.Background(), mustConn(t, l), `SELECT table_name || '.' || column_name, data_type
		FROM information_schema.columns WHERE table_schema = 'main'`, nil, func(r *sqlRows) error {
		var k, v string
		err := r.Scan(&k, &v)
		types[k] = v
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for col, want := range map[string]string{
		"settlements.hifp_pay": "DECIMAL(18,2)", "assessments.ratio": "DECIMAL(9,4)", "claims.dcla_date": "DATE",
		"settlements.setl_time": "TIMESTAMP", "runs.run_id": "VARCHAR", "year_totals.basic_paid": "DECIMAL(18,2)",
	} {
		if types[col] != want {
			t.Errorf("%s is %s, want %s", col, types[col], want)
		}
	}
	if v, err := l.version(context.Background()); err != nil || v != schemaVersion {
		t.Errorf("schema version = %d, %v; want %d", v, err, schemaVersion)
	}
}

func TestReopenKeepsSchema(t *testing.T) {
	l, path := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("clean Close left %s.wal (stat: %v)", filepath.Base(path), err)
	}
	for _, open := range []func(context.Context, string, *Key) (*Ledger, error){Open, OpenReadOnly} {
		l2, err := open(context.Background(), path, nil)
		if err != nil {
			t.Fatal(err)
		}
		id, err := l2.LatestRunID(context.Background())
		l2.Close()
		if err != nil || id != run.RunID {
			t.Errorf("LatestRunID after reopen = %q, %v; want %s", id, err, run.RunID)
		}
	}
}

// The ledger is opened without DuckDB's row-group vacuum (see open), and
// read-only opens stay read-only with the extra option in the DSN.
func TestOpenSettings(t *testing.T) {
	l, path := newLedger(t)
	var tasks string
	if err := l.db.QueryRow(`SELECT current_setting('max_vacuum_tasks')`).Scan(&tasks); err != nil || tasks != "0" {
		t.Errorf("max_vacuum_tasks = %q, %v; want 0", tasks, err)
	}
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := OpenReadOnly(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.db.Exec(`CREATE TABLE x (i INTEGER)`); err == nil {
		t.Error("a read-only ledger took a CREATE TABLE")
	}
}

func TestOpenReadOnlyMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.duckdb")
	_, err := OpenReadOnly(context.Background(), path, nil)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("OpenReadOnly(missing) = %v, want an error naming %s", err, path)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenReadOnly created %s", path)
	}
}

func fileHash(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestFailedCommitLeavesFileUnchanged makes the last step of Commit fail (a
// duplicate run id, written after every appender) and checks that the
// appended rows were rolled back with it: no row, and the file byte for byte
// as before.
func TestFailedCommitLeavesFileUnchanged(t *testing.T) {
	ctx := context.Background()
	l, path := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	before := fileHash(t, path)

	l, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	again := record.Outcome{
		Settlements: []record.Settlement{settlement("S9", zhangSan, record.D(2026, 4, 1))},
		Claims:      []record.Claim{claim("C9", liSi, record.D(2026, 4, 1), record.D(2026, 4, 9))},
		Assessments: []record.Assessment{assessment(record.KindSettlement, "S9", zhangSan, 2026, record.SetlBalanced)},
		Findings:    out.Findings,
		Totals:      map[record.YearKey]record.YearTotal{{Certno: zhangSan, Year: 2026, MedCat: record.MedInpatient}: {Visits: 9}},
	}
	err = l.Commit(ctx, run, files, again, rejects)
	if err == nil {
		t.Fatal("Commit with a duplicate run id succeeded")
	}
	for _, q := range []string{
		`SELECT count(*) FROM settlements WHERE setl_id = 'S9'`,
		`SELECT count(*) FROM claims WHERE claim_id = 'C9'`,
		`SELECT count(*) FROM assessments WHERE subject_id = 'S9'`,
		`SELECT count(*) - 2 FROM findings`,
		`SELECT count(*) - 2 FROM rejects`,
		`SELECT count(*) - 2 FROM input_files`,
	} {
		var n int
		if err := l.db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("after the failed Commit, %s = %d, want 0", q, n)
		}
	}
	h, err := l.History(ctx, record.HistoryQuery{Certnos: []string{zhangSan}})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Totals[record.YearKey{Certno: zhangSan, Year: 2026, MedCat: record.MedInpatient}].Visits; got != 1 {
		t.Errorf("year total visits after failed commit = %d, want 1", got)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if after := fileHash(t, path); after != before {
		t.Errorf("failed Commit changed the ledger file")
	}
	if _, err := os.Stat(path + ".wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Close left a .wal file (stat: %v)", err)
	}
}

const lockHelperEnv = "MEDRECON_LEDGER_LOCK_HELPER"

// TestLockHelper is the second process of TestSecondProcessGetsErrLocked.
func TestLockHelper(t *testing.T) {
	path := os.Getenv(lockHelperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	for name, open := range map[string]func(context.Context, string, *Key) (*Ledger, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		l, err := open(context.Background(), path, nil)
		if err == nil {
			l.Close()
			t.Errorf("%s succeeded while another process holds the ledger", name)
			continue
		}
		if !errors.Is(err, ErrLocked) {
			t.Errorf("%s: %v, want ErrLocked", name, err)
		}
	}
}

func TestSecondProcessGetsErrLocked(t *testing.T) {
	_, path := newLedger(t) // held open until the test ends
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("second process: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "PASS") || strings.Contains(string(out), "SKIP") {
		t.Fatalf("second process did not run the check:\n%s", out)
	}
}

func TestNextRunID(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	asOf := record.D(2026, 4, 10)
	tests := []struct {
		name string
		asOf record.Date
		want string
	}{
		{"first run of a day", asOf, "R20260410-002"},
		{"another day starts at 001", record.D(2026, 4, 9), "R20260409-001"},
	}
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	for _, tt := range tests {
		got, err := l.NextRunID(ctx, tt.asOf)
		if err != nil || got != tt.want {
			t.Errorf("%s: NextRunID = %q, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

func TestLatestRunFollowsStartTimeAcrossAsOfDates(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	// A back-dated run (as-of 9 April) started after R20260410-001: its id
	// sorts first but it is the latest run, and its assessment is current.
	late := runInfo("R20260409-001", record.D(2026, 4, 9), run.StartedAt.Add(time.Hour))
	a := assessment(record.KindSettlement, "S1", zhangSan, 2026, record.SetlMismatch)
	mustCommit(t, l, late, nil, record.Outcome{Assessments: []record.Assessment{a}}, nil)
	id, err := l.LatestRunID(ctx)
	if err != nil || id != late.RunID {
		t.Errorf("LatestRunID = %q, %v; want %s", id, err, late.RunID)
	}
	h, err := l.History(ctx, record.HistoryQuery{SetlIDs: []string{"S1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Settlements["S1"].Status; got != record.SetlMismatch {
		t.Errorf("current status of S1 = %q, want %q from the later-started run", got, record.SetlMismatch)
	}
}

func TestKnownFiles(t *testing.T) {
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	got, err := l.KnownFiles(context.Background(), []string{files[0].SHA256, strings.Repeat("f", 64)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{files[0].SHA256: run.RunID}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("KnownFiles (-want +got):\n%s", diff)
	}
}

// The schema version is read from meta, or is 0 for a file without it.
func TestSchemaVersion(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, setup string
		want        int
		wantErr     bool
	}{
		{"no meta", ``, 0, false},
		{"meta without a version", `CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`, 0, true},
		{"version 11", `CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
			INSERT INTO meta VALUES ('schema_version', '11')`, 11, false},
		{"not a number", `CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
			INSERT INTO meta VALUES ('schema_version', 'x')`, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := open(ctx, filepath.Join(t.TempDir(), "v.duckdb"), nil, false)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if tc.setup != "" {
				if _, err := l.db.ExecContext(ctx, tc.setup); err != nil {
					t.Fatal(err)
				}
			}
			v, err := l.version(ctx)
			if (err != nil) != tc.wantErr || v != tc.want {
				t.Errorf("version = %d, %v; want %d, error %v", v, err, tc.want, tc.wantErr)
			}
		})
	}
}
