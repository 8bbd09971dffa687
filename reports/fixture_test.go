package reports

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Fictional people; the ID numbers carry a valid GB 11643 checksum.
const (
	idZhang = "13010219850312451X" // 张晓梅
	idLi    = "120101197208053023" // 李建国
	idWang  = "130501199001016674" // 王磊
	idZhao  = "130104200112301286" // 赵雨桐
	idChen  = "120103196507180098" // 陈海燕
)

var allIDs = []string{idZhang, idLi, idWang, idZhao, idChen}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// fen is an amount in fen, written in yuan.
func fen(s string) record.Fen {
	f, err := record.FenOf(dec(s))
	if err != nil {
		panic(err)
	}
	return f
}

func nullDec(s string) decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: dec(s), Valid: true}
}

func nullFen(s string) record.NullFen { return record.NullFen{Fen: fen(s), Valid: true} }

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from golden (-want +got):\n%s", name, diff)
	}
}

// sampleRun is a small run with every status, finding kinds of all subject
// kinds, a formula-like cell and rejects.
func sampleRun() record.RunData {
	started := time.Date(2026, 1, 5, 18, 0, 3, 0, time.UTC)
	return record.RunData{
		Run: record.RunInfo{
			RunID: "20260106-020003", StartedAt: started, FinishedAt: started.Add(47 * time.Second),
			AsOf: record.D(2026, 1, 5), Status: record.RunCommitted, Version: "v1.2.0",
			PolicySHA256: "9f2c4b1e0a7d3c5f6e8b9a0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6",
			ChainSHA256:  "5a1c0e9b7d3f2a4c6e8b0d1f3a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c",
		},
		Files: []record.InputFile{
			{Path: "in/结算明细_202512.csv", Kind: record.InputSettlements, SHA256: "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b", Rows: 6, Rejected: 1},
			{Path: "in/手工报销申请.xlsx", Kind: record.InputClaims, SHA256: "b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c", Rows: 7, Rejected: 1},
			{Path: "in/备案登记.csv", Kind: record.InputFilings, SHA256: "7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730", Rows: 4},
		},
		Assessments: []record.AssessedRow{
			withBank(claimRow("C2025-0001", idZhang, "张晓梅", "天津市第一中心医院", "H12010100001", record.ClaimApproved, "70650.00", "70650.00", "0"),
				"中国工商银行石家庄分行", accountZhang),
			withBank(claimRow("C2025-0002", idLi, "李建国", "@天津医科大学总医院", "H12010100002", record.ClaimApproved, "13200.00", "13200.00", "0"),
				"中国建设银行天津分行", accountLi),
			claimRow("C2025-0003", idWang, "王磊", "=HYPERLINK(\"x\")诊所", "H13010000009", record.ClaimRejected, "0", "0", "0"),
			claimRow("C2025-0004", idZhao, "赵雨桐", "北京协和医院", "H11010100003", record.ClaimReview, "2400.50", "2400.50", "0"),
			claimRow("C2025-0005", idChen, "陈海燕", "天津市第一中心医院", "H12010100001", record.ClaimPending, "1234567.89", "1200000.00", "34567.89"),
			setlRow("S0001", idZhang, "张晓梅", "天津市第一中心医院", "H12010100001", record.SetlBalanced, "800.00", "800.00", "0"),
			setlRow("S0002", idLi, "李建国", "天津医科大学总医院", "H12010100002", record.SetlMismatch, "1000.00", "1150.00", "150.00"),
			setlRow("S0003", idWang, "王磊", "河北医科大学第二医院", "H13010000002", record.SetlMismatch, "5000.00", "4700.00", "-300.00"),
			setlRow("S0004", idZhao, "赵雨桐", "天津市第一中心医院", "H12010100001", record.SetlRefunded, "300.00", "300.00", "0"),
			setlRow("S0005", idZhao, "赵雨桐", "天津市第一中心医院", "H12010100001", record.SetlRefund, "0", "-300.00", "0"),
			setlRow("S0006", idChen, "陈海燕", "北京协和医院", "H11010100003", record.SetlConflict, "0", "0", "0"),
		},
		Findings: []record.Finding{
			{SubjectKind: record.KindClaim, SubjectID: "C2025-0003", Code: record.NonDesignated, Severity: record.SeverityError, Detail: "非定点医疗机构且非急诊，不予支付。证件号码 " + idWang},
			{SubjectKind: record.KindClaim, SubjectID: "C2025-0004", Code: record.SuspectedDuplicate, Severity: record.SeverityWarning, Detail: "与结算 S0006 的就诊日期和医疗费总额相同"},
			{SubjectKind: record.KindSettlement, SubjectID: "S0002", Code: record.AmountMismatch, Severity: record.SeverityError, Detail: "统筹基金支出 1150.00 ≠ 应付 1000.00，差额 150.00"},
			{SubjectKind: record.KindSettlement, SubjectID: "S0003", Code: record.AmountMismatch, Severity: record.SeverityError, Detail: "统筹基金支出 4700.00 ≠ 应付 5000.00，差额 -300.00"},
			{SubjectKind: record.KindStatement, SubjectID: "H12010100001", Code: record.StatementMismatch, Severity: record.SeverityWarning, Detail: "2025-12 职工 住院：笔数差 1，医疗费总额差 300.00"},
		},
		Rejects: []record.Reject{
			{File: "手工报销申请.xlsx", Sheet: "申请明细", Row: 12, Col: "申请日期", Value: "2025-02-30", Reason: "日期无效 / not a date"},
			{File: "结算明细_202512.csv", Row: 5, Col: "证件号码", Value: record.MaskID("130102198503124519"), Reason: "证件号码校验位错误 / ID checksum failed"},
		},
		Decisions:      sampleDecisions(),
		Payments:       samplePayments(),
		Recoveries:     sampleRecoveries(),
		OpenRecoveries: sampleOpenRecoveries(),
	}
}

// Fictional bank accounts (SPEC 2.2): digits only, as ingest keeps them.
const (
	accountZhang = "6222020402001234567"
	accountLi    = "6217000010012345678"
	accountChen  = "6228480402564890018"
)

func party(name, certno, bank, account string) record.ClaimParty {
	return record.ClaimParty{PsnName: name, Certno: certno, BankName: bank, BankAccount: account}
}

// sampleDecisions are review decisions on claims of earlier runs, one of
// each kind, in RunData's order (by claim_id).
func sampleDecisions() []record.RunDecision {
	return []record.RunDecision{
		{Decision: record.Decision{ClaimID: "C2025-0101", Decision: record.DecisionApprove, Reviewer: "周虚构", DecidedOn: record.D(2026, 1, 4)},
			ClaimParty: party("陈海燕", idChen, "", "")},
		{Decision: record.Decision{ClaimID: "C2025-0102", Decision: record.DecisionAdjust, Amount: nullDec("1800.00"),
			Reason: "部分自费药品不予报销，核减 600.00", Reviewer: "吴假名", DecidedOn: record.D(2026, 1, 5)},
			ClaimParty: party("赵雨桐", idZhao, "", "")},
		{Decision: record.Decision{ClaimID: "C2025-0103", Decision: record.DecisionReject, Reason: "与结算 S0006 为同一次住院",
			Reviewer: "周虚构", DecidedOn: record.D(2026, 1, 5)}, ClaimParty: party("王磊", idWang, "", "")},
	}
}

// samplePayments are the bank's results for claims approved before: a
// payment, a failed one, one paid 300.00 too much and money recovered.
func samplePayments() []record.RunPayment {
	return []record.RunPayment{
		{Payment: record.Payment{ClaimID: "C2025-0080", Amount: dec("-150.00"), PaidOn: record.D(2026, 1, 5), BankRef: "B2026010500007", Result: record.PaymentSuccess},
			ClaimParty: party("陈海燕", idChen, "中国农业银行天津分行", accountChen)},
		{Payment: record.Payment{ClaimID: "C2025-0090", Amount: dec("5000.00"), PaidOn: record.D(2026, 1, 4), BankRef: "B2026010400001", Result: record.PaymentSuccess},
			ClaimParty: party("张晓梅", idZhang, "中国工商银行石家庄分行", accountZhang)},
		{Payment: record.Payment{ClaimID: "C2025-0091", Amount: dec("1200.00"), PaidOn: record.D(2026, 1, 4), BankRef: "B2026010400002", Result: record.PaymentFailed,
			Reason: "户名与账号不符"}, ClaimParty: party("李建国", idLi, "中国建设银行天津分行", accountLi)},
		{Payment: record.Payment{ClaimID: "C2025-0092", Amount: dec("3300.00"), PaidOn: record.D(2026, 1, 4), BankRef: "B2026010400003", Result: record.PaymentSuccess},
			ClaimParty: party("张晓梅", idZhang, "中国工商银行石家庄分行", accountZhang)},
	}
}

// sampleRecoveries are the run's recovery events: one opened by a
// settlement that paid a reimbursed visit again, one by an overpayment,
// one settled by money recovered.
func sampleRecoveries() []record.RunRecovery {
	return []record.RunRecovery{
		{Recovery: record.Recovery{SubjectKind: record.KindClaim, SubjectID: "C2025-0080", ClaimID: "C2025-0080", Amount: dec("150.00"),
			Reason: "追回 150.00 (银行流水号 B2026010500007, 支付日期 2026-01-05)", Event: record.RecoverySettled},
			RunID: "20260106-020003", ClaimParty: party("陈海燕", idChen, "中国农业银行天津分行", accountChen)},
		{Recovery: record.Recovery{SubjectKind: record.KindClaim, SubjectID: "C2025-0092", ClaimID: "C2025-0092", Amount: dec("300.00"),
			Reason: "多付 300.00 (银行流水号 B2026010400003, 支付日期 2026-01-04)", Event: record.RecoveryOpened},
			RunID: "20260106-020003", ClaimParty: party("张晓梅", idZhang, "中国工商银行石家庄分行", accountZhang)},
		{Recovery: record.Recovery{SubjectKind: record.KindSettlement, SubjectID: "S0007", ClaimID: "C2025-0060", Amount: dec("8000.00"),
			Reason: "申请 C2025-0060 已手工报销, 结算 S0007 又支付 (证件 " + idLi + ")", Event: record.RecoveryOpened},
			RunID: "20260106-020003", ClaimParty: party("李建国", idLi, "中国建设银行天津分行", accountLi)},
	}
}

// sampleOpenRecoveries are the recoveries open at the run's end: the two
// it opened and one from an earlier night.
func sampleOpenRecoveries() []record.RunRecovery {
	rs := sampleRecoveries()
	earlier := record.RunRecovery{Recovery: record.Recovery{SubjectKind: record.KindClaim, SubjectID: "C2025-0050", ClaimID: "C2025-0050",
		Amount: dec("45.60"), Reason: "多付 45.60 (银行流水号 B2025122900011, 支付日期 2025-12-29)", Event: record.RecoveryOpened},
		RunID: "20251230-020001", ClaimParty: party("王磊", idWang, "", "")}
	return []record.RunRecovery{earlier, rs[2], rs[1]}
}

func claimRow(id, certno, name, inst, code, status, payable, basic, serious string) record.AssessedRow {
	return record.AssessedRow{
		Assessment: record.Assessment{
			SubjectKind: record.KindClaim, SubjectID: id, Certno: certno, Year: 2025,
			FilingStatus: record.StatusLongTerm, Inscope: fen("80000.00"), Deductible: fen("1500"), Ratio: 9000,
			BasicPay: fen(basic), SeriousPay: fen(serious), Payable: fen(payable), Status: status,
			Deadline: record.D(2026, 3, 31),
			Trace:    fmt.Sprintf("(80000.00 − 1500.00) × 0.90 = %s；证件 %s", basic, certno),
		},
		PsnName: name, FixmedinsCode: code, FixmedinsName: inst, MedType: "21",
	}
}

func withBank(a record.AssessedRow, bank, account string) record.AssessedRow {
	a.BankName, a.BankAccount = bank, account
	return a
}

func setlRow(id, certno, name, inst, code, status, expected, reported, disc string) record.AssessedRow {
	return record.AssessedRow{
		Assessment: record.Assessment{
			SubjectKind: record.KindSettlement, SubjectID: id, Certno: certno, Year: 2025,
			FilingStatus: record.StatusReferral, Inscope: fen("2000.00"), Ratio: 8000,
			BasicPay: fen(expected), Payable: fen(expected), ReportedPay: nullFen(reported), Discrepancy: nullFen(disc),
			Status: status, Trace: "应付 " + expected,
		},
		PsnName: name, FixmedinsCode: code, FixmedinsName: inst, MedType: "21",
	}
}
