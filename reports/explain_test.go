package reports

import (
	"strings"
	"testing"
	"time"

	"medrecon/batch/record"
)

func explainClaim() record.Explanation {
	claim := &record.Claim{
		ClaimID: "C2025-0001", Certno: idZhang, PsnName: "张晓梅", Insutype: "310", PsnType: "1101",
		InsuplcAdmdvs: "130100", MdtrtareaAdmvs: "120100", FixmedinsCode: "H12010100001", FixmedinsName: "天津市第一中心医院",
		HospLv: 3, Designated: true, MedType: "21", Begndate: record.D(2025, 10, 8), Enddate: record.D(2025, 10, 20),
		DclaDate: record.D(2025, 12, 1), MaterialsComplete: true, MedfeeSumamt: fen("100000.00"), InscpScpAmt: fen("80000.00"),
		Invoices: []record.Invoice{
			{BillCode: "12010125", BillNo: "00012345", MedfeeSumamt: fen("60000.00"), InscpScpAmt: fen("50000.00"), Src: record.Source{File: "手工报销申请.xlsx", Sheet: "申请明细", Row: 4}},
			{BillCode: "12010125", BillNo: "00012346", MedfeeSumamt: fen("40000.00"), InscpScpAmt: fen("30000.00"), Src: record.Source{File: "手工报销申请.xlsx", Sheet: "申请明细", Row: 5}},
		},
	}
	a := claimRow("C2025-0001", idZhang, "张晓梅", "天津市第一中心医院", "H12010100001", record.ClaimApproved, "70650.00", "70650.00", "0").Assessment
	a.Trace = "符合范围金额 80000.00 − 起付线 1500.00 = 78500.00\n× 比例 0.90（长期居住备案 +0）= 70650.00\n证件 " + idZhang
	earlier := claimRow("C2025-0000", idZhang, "张晓梅", "天津市第一中心医院", "H12010100001", record.ClaimApproved, "1800.00", "1800.00", "0").Assessment
	return record.Explanation{
		SubjectKind: record.KindClaim, SubjectID: "C2025-0001", Claim: claim,
		Assessments: []record.RunAssessment{{RunID: "20251202-020000", Assessment: a}},
		Findings:    []record.Finding{{SubjectKind: record.KindClaim, SubjectID: "C2025-0001", Code: record.CapReached, Severity: record.SeverityInfo, Detail: "基本医疗年度限额已用 71450.00"}},
		Earlier: []record.RunAssessment{
			{RunID: "20250402-020000", Assessment: earlier},
			{RunID: "20250615-020000", Assessment: setlRow("S0099", idZhang, "张晓梅", "天津市第一中心医院", "H12010100001", record.SetlBalanced, "800.00", "800.00", "0").Assessment},
		},
	}
}

// explainLife is a claim held for review, decided, paid too much and the
// difference recovered (SPEC 3.7), with the payee's bank.
func explainLife() record.Explanation {
	e := explainClaim()
	c := *e.Claim
	c.BankName, c.BankAccount = "中国工商银行石家庄分行", "6222020402001234567"
	e.Claim = &c
	review := e.Assessments[0]
	review.Status, review.Trace = record.ClaimReview, "待复核: 暂不支付, 计入本年累计"
	approved := review
	approved.RunID, approved.Status, approved.Trace = "20251210-020000", record.ClaimApproved, "复核核准 (复核人 周虚构, 复核日期 2025-12-09); 应付 70650.00 (按规则计算)"
	paid := approved
	paid.RunID, paid.Status, paid.Trace = "20251220-020000", record.ClaimPaid, "支付成功 (银行流水号 B0001, 支付日期 2025-12-19): 支付 70700.00, 应付 70650.00"
	e.Assessments = []record.RunAssessment{review, approved, paid}
	e.Life = []record.LifeEvent{
		{RunID: "20251210-020000", Decision: &record.Decision{ClaimID: "C2025-0001", Decision: record.DecisionApprove, Reviewer: "周虚构",
			DecidedOn: record.D(2025, 12, 9), Src: record.Source{File: "复核决定.xlsx", Sheet: "复核", Row: 3}}},
		{RunID: "20251220-020000", Payment: &record.Payment{ClaimID: "C2025-0001", Amount: dec("70700.00"), PaidOn: record.D(2025, 12, 19),
			BankRef: "B0001", Result: record.PaymentSuccess, Src: record.Source{File: "支付结果.csv", Row: 2}}},
		{RunID: "20251220-020000", Recovery: &record.Recovery{SubjectKind: record.KindClaim, SubjectID: "C2025-0001", ClaimID: "C2025-0001",
			Amount: dec("50.00"), Reason: "多付 50.00 (银行流水号 B0001, 支付日期 2025-12-19)", Event: record.RecoveryOpened}},
		{RunID: "20260105-020000", Payment: &record.Payment{ClaimID: "C2025-0001", Amount: dec("-50.00"), PaidOn: record.D(2026, 1, 4),
			BankRef: "B0107", Result: record.PaymentSuccess, Src: record.Source{File: "支付结果.csv", Row: 5}}},
		{RunID: "20260105-020000", Recovery: &record.Recovery{SubjectKind: record.KindClaim, SubjectID: "C2025-0001", ClaimID: "C2025-0001",
			Amount: dec("50.00"), Reason: "追回 50.00 (银行流水号 B0107, 支付日期 2026-01-04)", Event: record.RecoverySettled}},
	}
	e.Findings = append(e.Findings, record.Finding{SubjectKind: record.KindClaim, SubjectID: "C2025-0001", Code: record.PaymentMismatch,
		Severity: record.SeverityError, Detail: "支付 70700.00 与应付 70650.00 不符, 差额 50.00 (银行流水号 B0001, 支付日期 2025-12-19)"})
	return e
}

func explainSettlement() record.Explanation {
	s := &record.Settlement{
		SetlID: "S0002", MdtrtID: "M0002", PsnName: "李建国", Certno: idLi, Insutype: "310", PsnType: "1201",
		InsuplcAdmdvs: "130100", MdtrtareaAdmvs: "120100", FixmedinsCode: "H12010100002", FixmedinsName: "天津医科大学总医院",
		HospLv: 3, MedType: "21", Begndate: record.D(2025, 11, 2), Enddate: record.D(2025, 11, 9),
		SetlTime:     time.Date(2025, 11, 9, 15, 4, 5, 0, time.UTC),
		MedfeeSumamt: fen("3000.00"), InscpScpAmt: fen("2000.00"), ActPayDedc: fen("0"), HifpPay: fen("1150.00"),
		FundPaySumamt: fen("1150.00"), AcctPay: fen("200.00"), PsnCashPay: fen("1650.00"),
		Src: record.Source{File: "结算明细_202512.csv", Row: 3},
	}
	a := setlRow("S0002", idLi, "李建国", "天津医科大学总医院", "H12010100002", record.SetlMismatch, "1000.00", "1150.00", "150.00").Assessment
	return record.Explanation{
		SubjectKind: record.KindSettlement, SubjectID: "S0002", Settlement: s,
		Assessments: []record.RunAssessment{{RunID: "20260106-020003", Assessment: a}},
		Findings:    []record.Finding{{SubjectKind: record.KindSettlement, SubjectID: "S0002", Code: record.AmountMismatch, Severity: record.SeverityError, Detail: "统筹基金支出 1150.00 ≠ 应付 1000.00，差额 150.00"}},
	}
}

func TestWriteExplanation(t *testing.T) {
	tests := []struct {
		name   string
		e      record.Explanation
		golden string
	}{
		{"claim with invoices, trace and earlier visits", explainClaim(), "explain_claim.golden"},
		{"settlement with a mismatch and no earlier visits", explainSettlement(), "explain_settlement.golden"},
		{"settlement sent again with other content", explainConflict(), "explain_conflict.golden"},
		{"claim decided, paid and recovered", explainLife(), "explain_life.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteExplanation(&b, tt.e); err != nil {
				t.Fatal(err)
			}
			if m := fullID.FindString(b.String()); m != "" {
				t.Errorf("explanation shows an unmasked ID %s", m)
			}
			if strings.Contains(b.String(), "6222020402001234567") {
				t.Error("explanation shows a bank account in full")
			}
			golden(t, tt.golden, []byte(b.String()))
		})
	}
}

// explainConflict is a settlement sent again on a later night with other
// amounts and another name: the detail as batch/rules writes it.
func explainConflict() record.Explanation {
	e := explainSettlement()
	e.Findings = append(e.Findings, record.Finding{
		SubjectKind: record.KindSettlement, SubjectID: "S0002", Code: record.SettlementConflict, Severity: record.SeverityError,
		Detail: "结算 S0002 再次出现但内容不同: psn_name 李建国 → 李建华; certno " + record.MaskID(idLi) + " → " + record.MaskID(idZhang) +
			"; hifp_pay 1150.00 → 1,300.00; psn_no (空) → P01; 以首次版本为准",
	})
	return e
}

func TestConflictFields(t *testing.T) {
	tests := []struct {
		name   string
		detail string
		head   string
		fields []string
		tail   string
		ok     bool
	}{
		{"one field", "结算 S1 再次出现但内容不同: hifp_pay 120.00 → 150.00; 以首次版本为准",
			"结算 S1 再次出现但内容不同", []string{"hifp_pay 120.00 → 150.00"}, "以首次版本为准", true},
		{"several fields", "结算 S1 再次出现但内容不同: psn_name 张三 → 李四; acct_pay 0.00 → 10.00; 以首次版本为准",
			"结算 S1 再次出现但内容不同", []string{"psn_name 张三 → 李四", "acct_pay 0.00 → 10.00"}, "以首次版本为准", true},
		{"no closing words", "结算 S1 再次出现但内容不同: hifp_pay 120.00 → 150.00",
			"结算 S1 再次出现但内容不同", []string{"hifp_pay 120.00 → 150.00"}, "", true},
		{"an older ledger's detail without fields", "结算 S1 再次出现但内容不同, 以首次版本为准", "", nil, "", false},
		{"a part that is no field", "结算 S1: 内容不同; hifp_pay 1 → 2; 以首次版本为准", "", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head, fields, tail, ok := conflictFields(tt.detail)
			if ok != tt.ok || head != tt.head || tail != tt.tail || strings.Join(fields, "|") != strings.Join(tt.fields, "|") {
				t.Errorf("conflictFields = %q, %q, %q, %v; want %q, %q, %q, %v", head, fields, tail, ok, tt.head, tt.fields, tt.tail, tt.ok)
			}
		})
	}
}
