package rules

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"medrecon/batch/policy"
	"medrecon/batch/record"
)

var tianjin = longTerm("F001", zhangSan, "120000", "2024-01-01")

func evaluate(t *testing.T, b record.Batch, h record.History) record.Outcome {
	t.Helper()
	p := samplePolicy()
	if err := CheckPolicy(b, p); err != nil {
		t.Fatal(err)
	}
	o, err := Evaluate(b, h, Config{AsOf: d("2026-01-31"), Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestEvaluateSettlements(t *testing.T) {
	type want struct {
		id, status, payable, discrepancy string
		codes                            []string
	}
	tests := []struct {
		name  string
		batch record.Batch
		want  []want
	}{
		{"worked example 1 as a settlement balances",
			record.Batch{Settlements: []record.Settlement{setl("S1")}, Filings: []record.Filing{tianjin}},
			[]want{{"S1", "balanced", "70650.00", "0.00", nil}}},
		{"policy row of the day before valid_from",
			record.Batch{Settlements: []record.Settlement{setl("S1", func(s *record.Settlement) { s.Enddate = d("2025-06-30") })}, Filings: []record.Filing{tianjin}},
			[]want{{"S1", "balanced", "70650.00", "0.00", nil}}},
		{"policy row changes on valid_from: (80000 − 1200) × 92%",
			record.Batch{Settlements: []record.Settlement{setl("S1", func(s *record.Settlement) { s.Enddate = d("2025-07-01") })}, Filings: []record.Filing{tianjin}},
			[]want{{"S1", "mismatch", "72496.00", "-1846.00", []string{"AMOUNT_MISMATCH"}}}},
		{"overpaid beyond tolerance is a mismatch",
			record.Batch{Settlements: []record.Settlement{setl("S1", func(s *record.Settlement) {
				s.HifpPay = fen("70650.02")
				s.FundPaySumamt = fen("70650.02")
				s.PsnCashPay = fen("29349.98")
			})}, Filings: []record.Filing{tianjin}},
			[]want{{"S1", "mismatch", "70650.00", "0.02", []string{"AMOUNT_MISMATCH"}}}},
		{"a difference of exactly the tolerance balances",
			record.Batch{Settlements: []record.Settlement{setl("S1", func(s *record.Settlement) {
				s.HifpPay = fen("70650.01")
				s.FundPaySumamt = fen("70650.01")
				s.PsnCashPay = fen("29349.99")
			})}, Filings: []record.Filing{tianjin}},
			[]want{{"S1", "balanced", "70650.00", "0.01", nil}}},
		{"totals that do not add up",
			record.Batch{Settlements: []record.Settlement{setl("S1", func(s *record.Settlement) { s.PsnCashPay = fen("29000") })}, Filings: []record.Filing{tianjin}},
			[]want{{"S1", "balanced", "70650.00", "0.00", []string{"TOTALS_INCONSISTENT"}}}},
		{"no filing: unfiled −10% → 62800 expected",
			record.Batch{Settlements: []record.Settlement{setl("S1")}},
			[]want{{"S1", "mismatch", "62800.00", "7850.00", []string{"AMOUNT_MISMATCH", "NO_VALID_FILING"}}}},
		{"refund in the same run cancels the original, assessed as it stood first (SPEC 3.6)",
			record.Batch{Settlements: []record.Settlement{setl("S1"), setl("R1", refundOf("S1"))}, Filings: []record.Filing{tianjin}},
			[]want{{"R1", "refund", "0.00", "", nil}, {"S1", "balanced", "70650.00", "0.00", nil}, {"S1", "refunded", "0.00", "", nil}}},
		{"refund of an unknown settlement",
			record.Batch{Settlements: []record.Settlement{setl("R1", refundOf("S9"))}},
			[]want{{"R1", "refund", "0.00", "", []string{"REFUND_UNMATCHED"}}}},
		{"second refund of the same settlement is unmatched",
			record.Batch{Settlements: []record.Settlement{setl("S1"), setl("R1", refundOf("S1")), setl("R2", refundOf("S1"), func(s *record.Settlement) { s.SetlTime = s.SetlTime.Add(time.Hour) })}, Filings: []record.Filing{tianjin}},
			[]want{{"R1", "refund", "0.00", "", nil}, {"R2", "refund", "0.00", "", []string{"REFUND_UNMATCHED"}},
				{"S1", "balanced", "70650.00", "0.00", nil}, {"S1", "refunded", "0.00", "", nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := evaluate(t, tt.batch, record.NewHistory())
			if len(o.Assessments) != len(tt.want) {
				t.Fatalf("%d assessments, want %d: %+v", len(o.Assessments), len(tt.want), o.Assessments)
			}
			for i, w := range tt.want {
				a := o.Assessments[i]
				disc := ""
				if a.Discrepancy.Valid {
					disc = a.Discrepancy.Fen.String()
				}
				codes := findingCodes(o, w.id)
				if a.SubjectID != w.id || a.Status != w.status || a.Payable.String() != w.payable || disc != w.discrepancy || !slices.Equal(codes, w.codes) {
					t.Errorf("got %s %s %s %s %v, want %+v\n%s", a.SubjectID, a.Status, a.Payable.String(), disc, codes, w, a.Trace)
				}
			}
		})
	}
}

func refundOf(id string) func(*record.Settlement) {
	return func(s *record.Settlement) {
		s.RefdSetlFlag, s.InitSetlID = true, id
		s.MedfeeSumamt, s.InscpScpAmt, s.HifpPay = fen("-100000"), fen("-80000"), fen("-70650")
		s.FundPaySumamt, s.PsnCashPay, s.ActPayDedc = fen("-70650"), fen("-29350"), fen("0")
	}
}

func TestTraceNamesPolicyRowAndFiling(t *testing.T) {
	o := evaluate(t, record.Batch{Settlements: []record.Settlement{setl("S1")}, Filings: []record.Filing{tianjin}}, record.NewHistory())
	tr := o.Assessments[0].Trace
	for _, want := range []string{"备案状态 长期居住(备案 F001, 就医地 120000", "政策 130100/310/在职/住院/三级 自2025-01-01",
		"起付线 1500.00", "(80000.00 − 1500.00) × 90% = 70650.00", "应付 70650.00"} {
		if !strings.Contains(tr, want) {
			t.Errorf("trace lacks %q:\n%s", want, tr)
		}
	}
	if strings.Contains(tr, zhangSan) {
		t.Errorf("trace shows an unmasked ID: %s", tr)
	}
}

func TestReimportAndConflict(t *testing.T) {
	h := record.NewHistory()
	first := setl("S1")
	h.Settlements["S1"] = record.KnownSettlement{Settlement: first, Status: record.SetlBalanced, MedCat: record.MedInpatient, Year: 2025}
	again := first
	again.Src = record.Source{File: "other.csv", Row: 9}
	changed := setl("S1", func(s *record.Settlement) { s.HifpPay = fen("1") })
	o := evaluate(t, record.Batch{Settlements: []record.Settlement{again}}, h)
	if o.Ignored != 1 || len(o.Settlements) != 0 || len(o.Assessments) != 0 {
		t.Errorf("identical re-import: ignored %d, settlements %d, assessments %d", o.Ignored, len(o.Settlements), len(o.Assessments))
	}
	o = evaluate(t, record.Batch{Settlements: []record.Settlement{changed}}, h)
	if got := findingCodes(o, "S1"); !slices.Equal(got, []string{record.SettlementConflict}) || len(o.Settlements) != 0 {
		t.Fatalf("conflict: findings %v, settlements %d", got, len(o.Settlements))
	}
	// SPEC 3.3: a conflict adds a finding, never an assessment row; the
	// first version stands with its assessment.
	if len(o.Assessments) != 0 {
		t.Errorf("conflict wrote assessments %+v", o.Assessments)
	}
	if !strings.Contains(o.Findings[0].Detail, "hifp_pay 70650.00 → 1.00") {
		t.Errorf("conflict detail does not name the field, old → new: %s", o.Findings[0].Detail)
	}
}

func TestRefundOfEarlierRun(t *testing.T) {
	h := record.NewHistory()
	counted := record.YearTotal{DeductibleBorne: dec("1500"), BasicPaid: dec("70650"), EligibleBase: dec("9350"), SeriousPaid: dec("0"), Visits: 1}
	h.Settlements["S1"] = record.KnownSettlement{Settlement: setl("S1"), Status: record.SetlBalanced, MedCat: record.MedInpatient, Year: 2025, Counted: counted}
	key := record.YearKey{Certno: zhangSan, Year: 2025, MedCat: record.MedInpatient}
	h.Totals[key] = counted.Add(counted)
	o := evaluate(t, record.Batch{Settlements: []record.Settlement{setl("R1", refundOf("S1"))}}, h)
	if got := o.Totals[key]; !got.BasicPaid.Equal(dec("70650")) || got.Visits != 1 {
		t.Errorf("totals after refund %+v, want one visit of 70650", got)
	}
	if a := assessment(o, record.KindSettlement, "S1"); a.Status != record.SetlRefunded {
		t.Errorf("original status %s, want refunded", a.Status)
	}
}

func TestCapConsumedBefore(t *testing.T) {
	h := record.NewHistory()
	h.Totals[record.YearKey{Certno: zhangSan, Year: 2025, MedCat: record.MedInpatient}] = record.YearTotal{BasicPaid: dec("299000")}
	o := evaluate(t, record.Batch{Settlements: []record.Settlement{setl("S1")}, Filings: []record.Filing{tianjin}}, h)
	a := o.Assessments[0]
	if a.BasicPay.String() != "1000.00" || !slices.Contains(findingCodes(o, "S1"), record.CapReached) {
		t.Errorf("basic %s findings %v, want 1000.00 with CAP_REACHED", a.BasicPay, findingCodes(o, "S1"))
	}
}

func TestYearlyDeductibleAcrossVisits(t *testing.T) {
	outpatient := func(id, day, inscope string) record.Claim {
		return claim(id, func(c *record.Claim) {
			c.MedType, c.HospLv, c.Begndate, c.Enddate, c.DclaDate = "11", 1, d(day), d(day), d(day).AddDays(5)
			c.InscpScpAmt, c.MedfeeSumamt = fen(inscope), fen(inscope)
			c.Invoices[0].InscpScpAmt, c.Invoices[0].MedfeeSumamt = fen(inscope), fen(inscope)
		})
	}
	// Handed in out of order: the later visit first. SPEC 3.2 orders by enddate.
	o := evaluate(t, record.Batch{Claims: []record.Claim{outpatient("C2", "2025-05-01", "300"), outpatient("C1", "2025-04-01", "60")},
		Filings: []record.Filing{tianjin}}, record.NewHistory())
	c1, c2 := assessment(o, record.KindClaim, "C1"), assessment(o, record.KindClaim, "C2")
	if c1.Deductible != fen("60") || c1.Payable != 0 {
		t.Errorf("C1 bears %s pays %s, want 60 and 0", c1.Deductible, c1.Payable)
	}
	if c2.Deductible != fen("40") || c2.Payable.String() != "130.00" {
		t.Errorf("C2 bears %s pays %s, want 40 and 130.00 = (300 − 40) × 50%%", c2.Deductible, c2.Payable)
	}
}

func TestEvaluateClaims(t *testing.T) {
	withInvoice := func(no string) func(*record.Claim) {
		return func(c *record.Claim) { c.Invoices[0].BillNo = no }
	}
	at := func(code string) func(*record.Claim) { return func(c *record.Claim) { c.FixmedinsCode = code } }
	dcla := func(day string) func(*record.Claim) { return func(c *record.Claim) { c.DclaDate = d(day) } }
	tests := []struct {
		name   string
		batch  record.Batch
		id     string
		status string
		codes  []string
	}{
		{"approved claim with filing", record.Batch{Claims: []record.Claim{claim("C1")}, Filings: []record.Filing{tianjin}},
			"C1", "approved", nil},
		{"duplicate invoice in the same run: the earlier dcla_date keeps it",
			record.Batch{Claims: []record.Claim{claim("C2", withInvoice("X"), at("H2"), dcla("2025-04-01")), claim("C1", withInvoice("X"), dcla("2025-04-02"))}, Filings: []record.Filing{tianjin}},
			"C1", "rejected", []string{"DUPLICATE_INVOICE", "SUSPECTED_DUPLICATE"}},
		{"already settled directly at the same institution",
			record.Batch{Claims: []record.Claim{claim("C1")}, Settlements: []record.Settlement{setl("S1")}, Filings: []record.Filing{tianjin}},
			"C1", "rejected", []string{"ALREADY_SETTLED", "SUSPECTED_DUPLICATE"}},
		{"a refunded settlement does not count as settled",
			record.Batch{Claims: []record.Claim{claim("C1")}, Settlements: []record.Settlement{setl("S1"), setl("R1", refundOf("S1"))}, Filings: []record.Filing{tianjin}},
			"C1", "approved", nil},
		{"same dates and amount at another institution → review",
			record.Batch{Claims: []record.Claim{claim("C1", dcla("2025-04-01")), claim("C2", at("H2"), dcla("2025-04-02"))}, Filings: []record.Filing{tianjin}},
			"C2", "review", []string{"SUSPECTED_DUPLICATE"}},
		{"inpatient claim on 31 March next year is on time",
			record.Batch{Claims: []record.Claim{claim("C1", dcla("2026-03-31"))}, Filings: []record.Filing{tianjin}}, "C1", "approved", nil},
		{"inpatient claim on 1 April next year is late",
			record.Batch{Claims: []record.Claim{claim("C1", dcla("2026-04-01"))}, Filings: []record.Filing{tianjin}}, "C1", "rejected", []string{"LATE_SUBMISSION"}},
		{"materials incomplete → pending",
			record.Batch{Claims: []record.Claim{claim("C1", func(c *record.Claim) { c.MaterialsComplete = false })}, Filings: []record.Filing{tianjin}}, "C1", "pending", nil},
		{"rejected outranks pending",
			record.Batch{Claims: []record.Claim{claim("C1", dcla("2026-04-01"), func(c *record.Claim) { c.MaterialsComplete = false })}, Filings: []record.Filing{tianjin}}, "C1", "rejected", []string{"LATE_SUBMISSION"}},
		{"non-designated, not emergency → rejected",
			record.Batch{Claims: []record.Claim{claim("C1", func(c *record.Claim) { c.Designated = false })}, Filings: []record.Filing{tianjin}}, "C1", "rejected", []string{"NON_DESIGNATED"}},
		{"non-designated emergency → approved",
			record.Batch{Claims: []record.Claim{claim("C1", func(c *record.Claim) { c.Designated, c.Emergency, c.MedType = false, true, "24" })}, Filings: []record.Filing{tianjin}}, "C1", "approved", nil},
		{"chronic visit without chronic filing → rejected",
			record.Batch{Claims: []record.Claim{claim("C1", func(c *record.Claim) { c.MedType = "14" })}, Filings: []record.Filing{tianjin}}, "C1", "rejected", []string{"CHRONIC_NOT_FILED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := evaluate(t, tt.batch, record.NewHistory())
			a := assessment(o, record.KindClaim, tt.id)
			if got := findingCodes(o, tt.id); a.Status != tt.status || !slices.Equal(got, tt.codes) {
				t.Errorf("got %s %v, want %s %v\n%s", a.Status, got, tt.status, tt.codes, a.Trace)
			}
			if a.Status == record.ClaimRejected && a.Payable != 0 {
				t.Errorf("rejected claim pays %s", a.Payable)
			}
		})
	}
}

func TestInvoiceClaimedInEarlierRun(t *testing.T) {
	h := record.NewHistory()
	c := claim("C1")
	h.Invoices[record.InvoiceKey{BillCode: "BC", BillNo: "NC1"}] = record.PriorInvoice{ClaimID: "C0", DclaDate: d("2025-03-20")}
	o := evaluate(t, record.Batch{Claims: []record.Claim{c}, Filings: []record.Filing{tianjin}}, h)
	if a := assessment(o, record.KindClaim, "C1"); a.Status != record.ClaimRejected || !slices.Equal(findingCodes(o, "C1"), []string{record.DuplicateInvoice}) {
		t.Errorf("got %s %v, want rejected DUPLICATE_INVOICE", a.Status, findingCodes(o, "C1"))
	}
	// The same pending claim sent again with its materials: its own invoices are no duplicate.
	h.Invoices[record.InvoiceKey{BillCode: "BC", BillNo: "NC1"}] = record.PriorInvoice{ClaimID: "C1", DclaDate: d("2025-04-01")}
	pending := c
	pending.MaterialsComplete = false
	h.Claims["C1"] = record.KnownClaim{Claim: pending, Status: record.ClaimPending}
	o = evaluate(t, record.Batch{Claims: []record.Claim{c}, Filings: []record.Filing{tianjin}}, h)
	if a := assessment(o, record.KindClaim, "C1"); a.Status != record.ClaimApproved || len(o.Claims) != 1 {
		t.Errorf("re-sent pending claim: %s, %d claims added", a.Status, len(o.Claims))
	}
	// A decided claim sent again with other content is a conflict; the first stands.
	other := c
	other.FixmedinsName = "另一家医院"
	h.Claims["C1"] = record.KnownClaim{Claim: other, Status: record.ClaimApproved}
	o = evaluate(t, record.Batch{Claims: []record.Claim{c}, Filings: []record.Filing{tianjin}}, h)
	if got := findingCodes(o, "C1"); !slices.Equal(got, []string{record.ClaimConflict}) || len(o.Claims) != 0 {
		t.Errorf("conflict: %v, %d claims added", got, len(o.Claims))
	}
	// Materials handed in for a claim rejected while incomplete change
	// nothing: it was decided on other grounds, and it is no conflict.
	h.Claims["C1"] = record.KnownClaim{Claim: pending, Status: record.ClaimRejected}
	o = evaluate(t, record.Batch{Claims: []record.Claim{c}, Filings: []record.Filing{tianjin}}, h)
	if got := findingCodes(o, "C1"); len(got) != 0 || len(o.Claims) != 0 || o.Ignored != 1 {
		t.Errorf("completed rejected claim: findings %v, %d claims added, %d ignored", got, len(o.Claims), o.Ignored)
	}
}

func TestSingleUseFilingUsedTwice(t *testing.T) {
	temp := record.Filing{FilingID: "T1", Certno: liSi, FilingKind: record.FilingTemporary, MdtrtareaAdmvs: "110000",
		Begndate: d("2025-01-01"), FiledDate: d("2025-01-01"), Status: record.FilingValid}
	xingtai := func(id, begn string) record.Settlement {
		return setl(id, func(s *record.Settlement) {
			s.Certno, s.InsuplcAdmdvs, s.MdtrtareaAdmvs = liSi, "130500", "110105"
			s.Begndate, s.Enddate = d(begn), d(begn).AddDays(5)
		})
	}
	// The second visit by begndate ends first: the first by begndate still takes the filing.
	late := xingtai("S2", "2025-02-01")
	late.Enddate = d("2025-04-01")
	o := evaluate(t, record.Batch{Settlements: []record.Settlement{late, xingtai("S3", "2025-03-01")}, Filings: []record.Filing{temp}}, record.NewHistory())
	if a := assessment(o, record.KindSettlement, "S2"); a.FilingStatus != record.StatusTemporary {
		t.Errorf("first use: %s", a.FilingStatus)
	}
	if a := assessment(o, record.KindSettlement, "S3"); a.FilingStatus != record.StatusUnfiled || !slices.Contains(findingCodes(o, "S3"), record.FilingUsed) {
		t.Errorf("second use: %s %v", a.FilingStatus, findingCodes(o, "S3"))
	}
	if len(o.FilingUses) != 1 || o.FilingUses[0].SubjectID != "S2" {
		t.Errorf("filing uses %+v", o.FilingUses)
	}
	// Used in an earlier run by another visit.
	h := record.NewHistory()
	h.FilingUses["T1"] = record.FilingUse{FilingID: "T1", SubjectKind: record.KindClaim, SubjectID: "C0", Begndate: d("2025-01-05")}
	o = evaluate(t, record.Batch{Settlements: []record.Settlement{xingtai("S4", "2025-02-01")}, Filings: []record.Filing{temp}}, h)
	if !slices.Contains(findingCodes(o, "S4"), record.FilingUsed) || len(o.FilingUses) != 0 {
		t.Errorf("used before: %v %+v", findingCodes(o, "S4"), o.FilingUses)
	}
}

func TestStatement(t *testing.T) {
	stmt := func(code, clr string, cnt int64, med, fund string) record.StatementRow {
		return record.StatementRow{FixmedinsCode: code, StmtBegndate: d("2025-03-01"), StmtEnddate: d("2025-03-31"),
			Insutype: "310", ClrType: clr, FixmedinsSetlCnt: cnt, MedfeeSumamt: dec(med), FundPaySumamt: dec(fund), AcctPay: dec("0")}
	}
	other := setl("S2", func(s *record.Settlement) { s.FixmedinsCode = "H3" })
	b := record.Batch{Settlements: []record.Settlement{setl("S1"), other}, Filings: []record.Filing{tianjin},
		Statement: []record.StatementRow{stmt("H12000001", "21", 2, "100000", "70650"), stmt("H2", "21", 1, "10", "5")}}
	o := evaluate(t, b, record.NewHistory())
	var got []string
	for _, f := range o.Findings {
		if f.SubjectKind == record.KindStatement {
			got = append(got, f.SubjectID+" "+f.Code)
		}
	}
	want := []string{"H12000001 STATEMENT_MISMATCH", "H2 STATEMENT_ONLY", "H3 DETAIL_ONLY"}
	if !slices.Equal(got, want) {
		t.Errorf("statement findings %v, want %v", got, want)
	}
	if !strings.Contains(o.Findings[0].Detail, "笔数 2 − 1 = 1") {
		t.Errorf("mismatch detail: %s", o.Findings[0].Detail)
	}
}

func TestCheckPolicyNamesTheVisit(t *testing.T) {
	s := setl("S1", func(s *record.Settlement) { s.Insutype = "390"; s.MedType = "11" })
	err := CheckPolicy(record.Batch{Settlements: []record.Settlement{s}}, samplePolicy())
	var ke *policy.KeyError
	if !errors.As(err, &ke) || ke.Table != "rates" {
		t.Fatalf("err = %v, want a rates KeyError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "settlements.csv row 2") || strings.Contains(msg, zhangSan) || !strings.Contains(msg, record.MaskID(zhangSan)) {
		t.Errorf("error does not name the row with a masked ID: %s", msg)
	}
}

func TestRefundInSameRunCountsNothing(t *testing.T) {
	o := evaluate(t, record.Batch{Settlements: []record.Settlement{setl("S1"), setl("R1", refundOf("S1"))}, Filings: []record.Filing{tianjin}}, record.NewHistory())
	key := record.YearKey{Certno: zhangSan, Year: 2025, MedCat: record.MedInpatient}
	if got, ok := o.Totals[key]; ok && !got.BasicPaid.IsZero() {
		t.Errorf("refunded settlement counted: %+v", got)
	}
	if len(o.Settlements) != 2 {
		t.Errorf("%d settlements to add, want the original and its refund", len(o.Settlements))
	}
}

func TestSettlementEmergencyFlag(t *testing.T) {
	tests := []struct {
		medType string
		status  string
	}{
		{"13", record.StatusUnfiledEmergency},
		{"24", record.StatusUnfiledEmergency},
		{"21", record.StatusUnfiled},
	}
	for _, tt := range tests {
		t.Run("med_type "+tt.medType, func(t *testing.T) {
			s := setl("S1", func(s *record.Settlement) { s.MedType = tt.medType; s.HospLv = 3 })
			if tt.medType == "13" {
				s.MedType = "13"
			}
			v := SettlementVisit(s)
			p := samplePolicy()
			if j := FilingStatus(v, nil, p, p.Regions["130100"], nil); j.Status != tt.status || j.PaysNothing {
				t.Errorf("status %s paysNothing %v, want %s", j.Status, j.PaysNothing, tt.status)
			}
		})
	}
}

// Money findings carry their amount and every finding its subject's
// institution (record.Finding), so that what to recover can be totalled per
// hospital without reading the detail text.
func TestFindingsCarryAmountAndInstitution(t *testing.T) {
	// No filing: unfiled −10%, 62800.00 expected against 70650.00 reported;
	// medfee 100000.00 against parts 70650.00 + 0 + 29000.00.
	o := evaluate(t, record.Batch{Settlements: []record.Settlement{setl("S1", func(s *record.Settlement) { s.PsnCashPay = fen("29000") })}}, record.NewHistory())
	want := map[string]string{
		record.AmountMismatch:     "7850.00",
		record.TotalsInconsistent: "350.00",
		record.NoValidFiling:      "-",
	}
	for _, f := range o.Findings {
		amount := "-"
		if f.Amount.Valid {
			amount = f.Amount.Decimal.StringFixed(2)
		}
		if w, ok := want[f.Code]; !ok || amount != w || f.FixmedinsCode != "H12000001" {
			t.Errorf("%s: amount %s, institution %q; want %s, H12000001", f.Code, amount, f.FixmedinsCode, w)
		}
		delete(want, f.Code)
	}
	if len(want) > 0 {
		t.Errorf("findings missing: %v", want)
	}
}

// SPEC 2.3: a filing sent again as the ledger holds it is no new version (a
// registry sent whole every night adds nothing); a changed one, a
// cancellation, is the new version that counts.
func TestFilingVersions(t *testing.T) {
	h := record.NewHistory()
	h.Filings[tianjin.FilingID] = tianjin
	again := tianjin
	again.Src = record.Source{File: "filings_0411.csv", Row: 7}
	cancelled := tianjin
	cancelled.Status, cancelled.CancelDate = record.FilingCancelled, d("2025-02-01")
	cancelled.Src = record.Source{File: "filings_0411.csv", Row: 8} // after again: the last version wins
	o := evaluate(t, record.Batch{Filings: []record.Filing{again}}, h)
	if len(o.Filings) != 0 {
		t.Errorf("the same filing again gave new versions %+v", o.Filings)
	}
	o = evaluate(t, record.Batch{Filings: []record.Filing{again, cancelled}}, h)
	if len(o.Filings) != 1 || o.Filings[0].Status != record.FilingCancelled {
		t.Errorf("a cancellation gave %+v, want it as the one new version", o.Filings)
	}
}
