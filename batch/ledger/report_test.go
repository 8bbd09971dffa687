package ledger

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"medrecon/batch/record"
	"medrecon/reports"
)

// TestRunReportDataSummarizes: the PDF's reader sends the sums of every
// assessment and reject, the counts of every finding, and only the rows the
// PDF lists (the first few findings of each code in the PDF's order, the
// largest amounts first; approved, review and pending claims by their last
// row; rejects), without traces; the run PDF drawn from it is byte for byte
// the one drawn from the full RunData.
func TestRunReportDataSummarizes(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	for i := range 7 {
		out.Findings = append(out.Findings, record.Finding{SubjectKind: record.KindClaim, SubjectID: fmt.Sprintf("C9%02d", 7-i),
			Code: record.LateSubmission, Severity: record.SeverityError, Detail: fmt.Sprintf("逾期 %d 天", i)})
	}
	for i := range 3 {
		out.Findings = append(out.Findings, record.Finding{SubjectKind: record.KindStatement, SubjectID: "H1",
			Code: record.DetailOnly, Severity: record.SeverityWarning, Detail: fmt.Sprintf("明细多 %d 笔", i),
			Amount: nd(fmt.Sprintf("%d.00", 100*i)), FixmedinsCode: "H1"})
	}
	// Money findings: the cap keeps each code's largest absolute amounts,
	// whatever their subjects' order; equal sizes go by subject; a finding
	// without an amount comes after those with one.
	for _, x := range []struct{ id, amount string }{
		{"S4", "5.00"}, {"S5", "-7.25"}, {"S6", ""}, {"S7", "100.10"}, {"S8", "-100.10"}, {"S9", "12345678.99"},
	} {
		f := record.Finding{SubjectKind: record.KindSettlement, SubjectID: x.id, Code: record.AmountMismatch,
			Severity: record.SeverityError, Detail: "差额 " + x.amount, FixmedinsCode: "H3"}
		if x.amount != "" {
			f.Amount = nd(x.amount)
		}
		out.Findings = append(out.Findings, f)
	}
	// A code under two kinds is sampled as one code: this settlement's
	// warning comes after the seven claims' errors and is not listed.
	out.Findings = append(out.Findings, record.Finding{SubjectKind: record.KindSettlement, SubjectID: "S4",
		Code: record.LateSubmission, Severity: record.SeverityWarning, Detail: "逾期 99 天"})
	// Settlements of three more institutions, written out of id order; one
	// institution's first settlement (by id) has no name, so its name comes
	// from its second; one settlement has no discrepancy; one amount has
	// more digits than the others.
	for i, x := range []struct {
		id, code, name, disc string
	}{
		{"S9", "H2", "第二医院", "5.00"}, {"S5", "H2", "", "-7.25"}, {"S7", "H3", "第三医院", "100.10"},
		{"S6", "H4", "第四医院", ""}, {"S8", "H3", "第三医院（旧名）", "-0.01"}, {"S4", "H3", "第三医院", "12345678.99"},
	} {
		s := settlement(x.id, zhangSan, record.D(2026, 3, 1+i))
		s.FixmedinsCode, s.FixmedinsName = x.code, x.name
		out.Settlements = append(out.Settlements, s)
		a := assessment(record.KindSettlement, x.id, zhangSan, 2026, record.SetlMismatch)
		a.Discrepancy = record.NullFen{}
		if x.disc != "" {
			a.Discrepancy = nfen(x.disc)
		}
		out.Assessments = append(out.Assessments, a)
	}
	// A settlement refunded in the run it arrived in: assessed (a mismatch
	// of 999.99), then refunded. It counts by its last row, refunded.
	s10 := settlement("S10", zhangSan, record.D(2026, 3, 9))
	s10.FixmedinsCode, s10.FixmedinsName = "H2", "第二医院"
	out.Settlements = append(out.Settlements, s10)
	interim := assessment(record.KindSettlement, "S10", zhangSan, 2026, record.SetlMismatch)
	interim.Discrepancy = nfen("999.99")
	refunded := assessment(record.KindSettlement, "S10", zhangSan, 2026, record.SetlRefunded)
	refunded.Discrepancy, refunded.ReportedPay, refunded.Payable = record.NullFen{}, record.NullFen{}, 0
	out.Assessments = append(out.Assessments, interim, refunded)
	for _, x := range []struct{ id, status string }{
		{"C7", record.ClaimApproved}, {"C3", record.ClaimApproved}, {"C5", record.ClaimApproved}, {"C4", record.ClaimRejected},
		{"C13", record.ClaimReview}, {"C11", record.ClaimReview}, {"C12", record.ClaimReview},
		{"C16", record.ClaimPending}, {"C14", record.ClaimPending}, {"C15", record.ClaimPending},
	} {
		c := claim(x.id, liSi, record.D(2026, 2, 1), record.D(2026, 4, 1))
		out.Claims = append(out.Claims, c)
		a := assessment(record.KindClaim, x.id, liSi, 2026, x.status)
		a.Payable = fen("10" + x.id[1:] + ".05")
		out.Assessments = append(out.Assessments, a)
	}
	// A claim pending, then completed and approved in the same run: it is
	// listed once, as approved.
	c10 := claim("C10", liSi, record.D(2026, 2, 1), record.D(2026, 4, 1))
	out.Claims = append(out.Claims, c10)
	out.Assessments = append(out.Assessments,
		assessment(record.KindClaim, "C10", liSi, 2026, record.ClaimPending),
		assessment(record.KindClaim, "C10", liSi, 2026, record.ClaimApproved))
	rejects = append(rejects, record.Reject{File: "claims.xlsx", Sheet: "申请明细", Row: 9, Col: "dcla_date", Value: "x", Reason: "日期无效"})
	// The night's life events (SPEC 3.7), written out of claim_id order:
	// the PDF lists the first of each table by claim_id and totals them all.
	for _, id := range []string{"C7", "C3", "C5"} {
		out.Decisions = append(out.Decisions, record.Decision{ClaimID: id, Decision: record.DecisionAdjust, Amount: nd("1" + id[1:] + ".50"),
			Reason: "核减", Reviewer: "周虚构", DecidedOn: record.D(2026, 4, 9)})
		out.Payments = append(out.Payments, record.Payment{ClaimID: id, Amount: d("2" + id[1:] + ".00"), PaidOn: record.D(2026, 4, 9),
			BankRef: "B" + id, Result: record.PaymentSuccess})
		out.Recoveries = append(out.Recoveries, record.Recovery{SubjectKind: record.KindClaim, SubjectID: id, ClaimID: id,
			Amount: d("3" + id[1:] + ".00"), Reason: "多付", Event: record.RecoveryOpened})
	}
	out.Payments = append(out.Payments, record.Payment{ClaimID: "C1", Amount: d("5.00"), PaidOn: record.D(2026, 4, 9),
		BankRef: "B-failed", Result: record.PaymentFailed, Reason: "账号不存在"})
	mustCommit(t, l, run, files, out, rejects)

	full, err := l.RunData(ctx, run.RunID)
	if err != nil {
		t.Fatal(err)
	}
	const perCode = 2
	lim := ReportLimits{FindingsPerCode: perCode, Payouts: 2, Rejects: 2}
	sample, err := l.RunReportData(ctx, run.RunID, lim)
	if err != nil {
		t.Fatal(err)
	}
	defer func(f, p, r int) { reports.MaxFindingsPerCode, reports.MaxPayoutRows, reports.MaxRejectRows = f, p, r }(
		reports.MaxFindingsPerCode, reports.MaxPayoutRows, reports.MaxRejectRows)
	reports.MaxFindingsPerCode, reports.MaxPayoutRows, reports.MaxRejectRows = perCode, lim.Payouts, lim.Rejects

	// The sample is the first perCode of each code in the PDF's order
	// (reports.FindingOrder), sent in RunData's order.
	byPDF := slices.Clone(full.Findings)
	slices.SortStableFunc(byPDF, reports.FindingOrder)
	picked := map[string]int{}
	var wantF []record.Finding
	for _, f := range byPDF {
		if picked[f.Code]++; picked[f.Code] <= perCode {
			wantF = append(wantF, f)
		}
	}
	counts := map[[2]string]int{}
	for _, f := range full.Findings {
		counts[[2]string{f.SubjectKind, f.Code}]++
	}
	key := func(f record.Finding) string {
		return strings.Join([]string{f.SubjectKind, f.SubjectID, f.Code, f.Detail, f.Severity, f.Amount.Decimal.String(), f.FixmedinsCode}, "|")
	}
	at := map[string]int{} // position in full.Findings
	for i, f := range full.Findings {
		at[key(f)] = i
	}
	inRunDataOrder := slices.Clone(sample.Findings)
	slices.SortStableFunc(inRunDataOrder, func(a, b record.Finding) int { return at[key(a)] - at[key(b)] })
	if diff := cmp.Diff(inRunDataOrder, sample.Findings, decEqual); diff != "" {
		t.Errorf("sampled findings are not in RunData's order (-want +got):\n%s", diff)
	}
	slices.SortStableFunc(inRunDataOrder, reports.FindingOrder)
	if diff := cmp.Diff(wantF, inRunDataOrder, decEqual); diff != "" {
		t.Errorf("sampled findings differ from the first %d of each code in the PDF's order (-want +got):\n%s", perCode, diff)
	}
	var kept []string
	for _, f := range sample.Findings {
		if f.Code == record.AmountMismatch {
			kept = append(kept, f.SubjectID)
		}
	}
	if diff := cmp.Diff([]string{"S7", "S9"}, kept); diff != "" {
		t.Errorf("AMOUNT_MISMATCH findings kept (-want +got):\n%s", diff)
	}
	got := map[[2]string]int{}
	for _, c := range sample.FindingCounts {
		got[[2]string{c.SubjectKind, c.Code}] = c.N
	}
	if diff := cmp.Diff(counts, got); diff != "" {
		t.Errorf("finding counts (-want +got):\n%s", diff)
	}
	if len(full.Findings) != 19 || len(sample.Findings) != 7 {
		t.Fatalf("%d findings in all, %d sampled; the test expects 19 and 7", len(full.Findings), len(sample.Findings))
	}
	// The claims the PDF lists, as its tables pick them from the full data.
	listed := map[string]bool{}
	for _, st := range []string{record.ClaimApproved, record.ClaimReview, record.ClaimPending} {
		for _, a := range reports.ListedClaims(full.Assessments, st) {
			listed[a.SubjectID] = true
		}
	}
	var claims []record.AssessedRow
	for i, a := range full.Assessments {
		last := i+1 == len(full.Assessments) || full.Assessments[i+1].SubjectID != a.SubjectID
		if a.SubjectKind == record.KindClaim && last && listed[a.SubjectID] {
			a.Trace = ""
			claims = append(claims, a)
		}
	}
	var ids []string
	for _, a := range claims {
		ids = append(ids, a.SubjectID+" "+a.Status)
	}
	if diff := cmp.Diff([]string{"C1 approved", "C10 approved", "C11 review", "C12 review", "C14 pending", "C15 pending"}, ids); diff != "" {
		t.Fatalf("claims the PDF lists (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(claims, sample.Assessments, decEqual); diff != "" {
		t.Errorf("sampled assessments differ from the claims the PDF lists (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(full.Rejects[:lim.Rejects], sample.Rejects); diff != "" {
		t.Errorf("sampled rejects differ from the first %d (-want +got):\n%s", lim.Rejects, diff)
	}
	var payees []string
	for _, x := range full.Payments {
		payees = append(payees, x.ClaimID+" "+x.PsnName+" "+x.BankAccount)
	}
	if diff := cmp.Diff([]string{"C1 李思远 6222020402001234567", "C3 李思远 ", "C5 李思远 ", "C7 李思远 "}, payees); diff != "" {
		t.Errorf("the run's payments by claim_id, with the claim's person and bank (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(full.Decisions[:lim.Payouts], sample.Decisions, decEqual); diff != "" {
		t.Errorf("sampled decisions differ from the first %d (-want +got):\n%s", lim.Payouts, diff)
	}
	if diff := cmp.Diff(full.Payments[:lim.Payouts], sample.Payments, decEqual); diff != "" {
		t.Errorf("sampled payments differ from the first %d (-want +got):\n%s", lim.Payouts, diff)
	}
	if diff := cmp.Diff(full.Recoveries[:lim.Payouts], sample.Recoveries, decEqual); diff != "" {
		t.Errorf("sampled recoveries differ from the first %d (-want +got):\n%s", lim.Payouts, diff)
	}
	if len(full.OpenRecoveries) != 3 || sample.OpenRecoveries != nil {
		t.Errorf("open recoveries: %d in RunData, %d in RunReportData; want 3 and none", len(full.OpenRecoveries), len(sample.OpenRecoveries))
	}
	want := reports.Summarize(full)
	for _, s := range []*record.RunSummary{want, sample.Summary} {
		slices.SortFunc(s.Statuses, func(a, b record.StatusTotal) int {
			return strings.Compare(a.SubjectKind+"/"+a.Status, b.SubjectKind+"/"+b.Status)
		})
		slices.SortFunc(s.Institutions, func(a, b record.InstitutionTotal) int { return strings.Compare(a.Code, b.Code) })
	}
	if diff := cmp.Diff(want, sample.Summary, decEqual); diff != "" {
		t.Errorf("summary in SQL differs from reports.Summarize (-go +sql):\n%s", diff)
	}
	if h2 := want.Institutions[1]; h2.Code != "H2" || !h2.Discrepancy.Equal(d("-2.25")) {
		t.Errorf("H2's discrepancy %+v, want -2.25: S10 was refunded in its own run", h2)
	}
	for _, st := range want.Statuses {
		if st.SubjectKind == record.KindSettlement && st.Status == record.SetlRefunded && st.Count != 2 {
			t.Errorf("%d refunded settlements, want 2 (S2 and S10)", st.Count)
		}
	}
	if n := len(want.Institutions); n != 3 || want.Institutions[1].Name != "第二医院" || want.Institutions[2].Name != "第三医院" {
		t.Errorf("institutions %+v; the test expects three (H4 has no discrepancy), named from their first named settlement", want.Institutions)
	}

	var a, b bytes.Buffer
	if err := reports.WriteRunPDF(&a, full); err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteRunPDF(&b, sample); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the run PDF from RunReportData differs from the one from RunData")
	}
}
