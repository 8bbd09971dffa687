package ledger

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

var decEqual = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

func TestCommitThenHistoryRoundTrip(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	q := record.HistoryQuery{
		Certnos:   []string{zhangSan, liSi, zhangSan},
		SetlIDs:   []string{"S1", "S2", "S3", "S404"},
		ClaimIDs:  []string{"C1"},
		Invoices:  []record.InvoiceKey{{BillCode: "13000125", BillNo: "C1-2"}, {BillCode: "x", BillNo: "y"}},
		Statement: out.Statement,
	}
	h, err := l.History(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	s1, s2, s3 := out.Settlements[0], out.Settlements[1], out.Settlements[2]
	c1 := out.Claims[0]
	counted := record.YearTotal{DeductibleBorne: d("1500.00"), BasicPaid: d("70650.00"),
		EligibleBase: d("9350.00"), SeriousPaid: d("12.34"), Visits: 1}
	invoiceKeys := []record.InvoiceKey{{BillCode: "13000125", BillNo: "C1-1"}, {BillCode: "13000125", BillNo: "C1-2"}}
	want := record.History{
		Filings:    map[string]record.Filing{"F1": out.Filings[0], "F2": out.Filings[1]},
		FilingUses: map[string]record.FilingUse{"F2": out.FilingUses[0]},
		Totals:     out.Totals,
		Settlements: map[string]record.KnownSettlement{
			"S1": {Settlement: s1, Status: record.SetlBalanced, MedCat: record.MedInpatient, Counted: counted, Year: 2026},
			"S2": {Settlement: s2, Status: record.SetlRefunded, MedCat: record.MedOutpatient, Year: 2026},
			"S3": {Settlement: s3, Status: record.SetlRefund, MedCat: record.MedOutpatient, Year: 2026},
		},
		Claims:   map[string]record.KnownClaim{"C1": {Claim: c1, Status: record.ClaimApproved, Current: current(out.Assessments[3])}},
		Invoices: map[record.InvoiceKey]record.PriorInvoice{{BillCode: "13000125", BillNo: "C1-2"}: {ClaimID: "C1", DclaDate: c1.DclaDate}},
		Visits: map[string][]record.PriorVisit{
			zhangSan: {
				{SubjectKind: record.KindSettlement, SubjectID: "S1", Certno: zhangSan, FixmedinsCode: s1.FixmedinsCode,
					Begndate: s1.Begndate, Enddate: s1.Enddate, MedCat: record.MedInpatient, MedfeeSumamt: s1.MedfeeSumamt,
					Current: current(out.Assessments[0])},
				{SubjectKind: record.KindSettlement, SubjectID: "S2", Certno: zhangSan, FixmedinsCode: s2.FixmedinsCode,
					Begndate: s2.Begndate, Enddate: s2.Enddate, MedCat: record.MedOutpatient, MedfeeSumamt: s2.MedfeeSumamt,
					Current: current(out.Assessments[1])},
				{SubjectKind: record.KindSettlement, SubjectID: "S3", Certno: zhangSan, FixmedinsCode: s3.FixmedinsCode,
					Begndate: s3.Begndate, Enddate: s3.Enddate, MedCat: record.MedOutpatient, MedfeeSumamt: s3.MedfeeSumamt,
					InitSetlID: "S2", Current: current(out.Assessments[2])},
			},
			liSi: {{SubjectKind: record.KindClaim, SubjectID: "C1", Certno: liSi, FixmedinsCode: c1.FixmedinsCode,
				Begndate: c1.Begndate, Enddate: c1.Enddate, MedCat: record.MedInpatient, MedfeeSumamt: c1.MedfeeSumamt,
				DclaDate: c1.DclaDate, Invoices: invoiceKeys, Current: current(out.Assessments[3])}},
		},
		Detail: []record.DetailTotal{
			// S2 and its refund S3 (med_type 11) on 25 March; S1 (21) on 20 March.
			{FixmedinsCode: "H12010100001", Day: record.D(2026, 3, 20), Insutype: "310", ClrType: "21", Count: 1,
				MedfeeSumamt: d("100000.00"), FundPaySumamt: d("70650.00"), AcctPay: d("1000.00")},
			{FixmedinsCode: "H12010100001", Day: record.D(2026, 3, 25), Insutype: "310", ClrType: "11", Count: 2,
				MedfeeSumamt: d("0"), FundPaySumamt: d("0"), AcctPay: d("0")},
		},
		Payments: map[string]record.Payment{},
	}
	// The ledger keeps src_file and src_row of settlements and invoices, not
	// the sheet; filings keep no source.
	for k, f := range want.Filings {
		f.Src = record.Source{}
		want.Filings[k] = f
	}
	kc := want.Claims["C1"]
	kc.Claim.Invoices = append([]record.Invoice(nil), kc.Claim.Invoices...)
	for i := range kc.Claim.Invoices {
		kc.Claim.Invoices[i].Src.Sheet = ""
	}
	want.Claims["C1"] = kc
	if diff := cmp.Diff(want, h, decEqual); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}
}

// current is an assessment as the history reads it back: without its
// trace and the settlement's reported pay.
func current(a record.Assessment) record.Assessment {
	a.Trace, a.ReportedPay, a.Discrepancy = "", record.NullFen{}, record.NullFen{}
	return a
}

func TestHistoryWithoutStatementHasNoDetail(t *testing.T) {
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	h, err := l.History(context.Background(), record.HistoryQuery{Certnos: []string{zhangSan}})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Detail) != 0 || len(h.Settlements) != 0 || len(h.Claims) != 0 {
		t.Errorf("History without statement, setl ids or claim ids returned detail %d, settlements %d, claims %d",
			len(h.Detail), len(h.Settlements), len(h.Claims))
	}
}

func TestUpsertsAndReplacements(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		check func(t *testing.T, h record.History)
	}{
		{"a filing arriving again replaces the earlier version", func(t *testing.T, h record.History) {
			f := h.Filings["F1"]
			if f.Status != record.FilingCancelled || f.CancelDate != record.D(2026, 4, 1) {
				t.Errorf("F1 = %+v, want the cancelled version", f)
			}
		}},
		{"a filing not sent again stays", func(t *testing.T, h record.History) {
			if h.Filings["F2"].Status != record.FilingCancelled || h.Filings["F2"].DiseCode != "M01" {
				t.Errorf("F2 = %+v, want it unchanged", h.Filings["F2"])
			}
		}},
		{"year totals are what the current assessments count", func(t *testing.T, h record.History) {
			got := h.Totals[record.YearKey{Certno: zhangSan, Year: 2026, MedCat: record.MedInpatient}]
			if got.Visits != 1 || !got.BasicPaid.Equal(d("70650.00")) || !got.EligibleBase.Equal(d("9350.00")) {
				t.Errorf("zhangSan 2026 inpatient = %+v, want S1 alone: 1 visit, basic 70650.00, base 9350.00", got)
			}
		}},
		{"a claim whose new version is pending counts for nothing", func(t *testing.T, h record.History) {
			if got, ok := h.Totals[record.YearKey{Certno: liSi, Year: 2026, MedCat: record.MedInpatient}]; ok {
				t.Errorf("liSi 2026 inpatient = %+v, want no totals: C1 is pending now", got)
			}
		}},
		{"a new claim version replaces the invoices", func(t *testing.T, h record.History) {
			c := h.Claims["C1"]
			if len(c.Claim.Invoices) != 1 || c.Claim.MedfeeSumamt != fen("1000.25") || c.Status != record.ClaimPending {
				t.Errorf("C1 = %+v, want the second version with one invoice, pending", c)
			}
			if _, ok := h.Invoices[record.InvoiceKey{BillCode: "13000125", BillNo: "C1-2"}]; ok {
				t.Errorf("invoice C1-2, dropped by the new version, is still held")
			}
		}},
	}

	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	second := runInfo("R20260411-001", record.D(2026, 4, 11), run.StartedAt.Add(24*time.Hour))
	f1 := out.Filings[0]
	f1.Status, f1.CancelDate = record.FilingCancelled, record.D(2026, 4, 1)
	c1 := out.Claims[0]
	c1.Invoices = c1.Invoices[:1]
	c1.MedfeeSumamt, c1.InscpScpAmt, c1.MaterialsComplete = fen("1000.25"), fen("900.00"), false
	mustCommit(t, l, second, nil, record.Outcome{
		Filings:     []record.Filing{f1},
		Claims:      []record.Claim{c1},
		Assessments: []record.Assessment{assessment(record.KindClaim, "C1", liSi, 2026, record.ClaimPending)},
		Totals: map[record.YearKey]record.YearTotal{{Certno: zhangSan, Year: 2026, MedCat: record.MedInpatient}: {
			DeductibleBorne: d("1500"), BasicPaid: d("80000.00"), EligibleBase: d("0"), SeriousPaid: d("0"), Visits: 2}},
	}, nil)
	h, err := l.History(ctx, record.HistoryQuery{
		Certnos: []string{zhangSan, liSi}, ClaimIDs: []string{"C1"},
		Invoices: []record.InvoiceKey{{BillCode: "13000125", BillNo: "C1-2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// SPEC 2.3, 4.4: the earlier version stays in the ledger with its run;
	// the latest is the one that counts (the first test case).
	versions := column(t, l.db, `SELECT run_id || ' ' || status FROM filings WHERE filing_id = 'F1' ORDER BY run_id`)
	if want := []string{run.RunID + " valid", second.RunID + " cancelled"}; !slices.Equal(versions, want) {
		t.Errorf("filings holds F1 as %v, want both versions %v", versions, want)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, h) })
	}
}

func TestRunDataOrderIsStable(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	// Hand the rows over in reverse: RunData must not depend on it.
	for i, j := 0, len(out.Assessments)-1; i < j; i, j = i+1, j-1 {
		out.Assessments[i], out.Assessments[j] = out.Assessments[j], out.Assessments[i]
	}
	rejects[0], rejects[1] = rejects[1], rejects[0]
	mustCommit(t, l, run, files, out, rejects)
	rd, err := l.RunData(ctx, run.RunID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range rd.Assessments {
		got = append(got, a.SubjectKind+"/"+a.SubjectID+"/"+a.PsnName+"/"+a.FixmedinsName+"/"+a.MedType)
	}
	wantRows := []string{"claim/C1/李思远/北京协和医院/21", "settlement/S1/张三丰/天津市第一中心医院/21",
		"settlement/S2/张三丰/天津市第一中心医院/11", "settlement/S3/张三丰/天津市第一中心医院/11"}
	if diff := cmp.Diff(wantRows, got); diff != "" {
		t.Errorf("assessments (-want +got):\n%s", diff)
	}
	if rd.Files[0].Path != "in/claims.xlsx" || rd.Findings[0].SubjectID != "C1" || rd.Rejects[0].File != "claims.xlsx" {
		t.Errorf("files, findings or rejects out of order: %+v", rd)
	}
	want := runInfoRoundTrip(run)
	if len(rd.Run.ContentSHA256) != 64 || len(rd.Run.ChainSHA256) != 64 {
		t.Errorf("run digests %q, %q; want SHA-256 in hex", rd.Run.ContentSHA256, rd.Run.ChainSHA256)
	}
	want.ContentSHA256, want.ChainSHA256 = rd.Run.ContentSHA256, rd.Run.ChainSHA256
	if diff := cmp.Diff(want, rd.Run); diff != "" {
		t.Errorf("run (-want +got):\n%s", diff)
	}
	again, err := l.RunData(ctx, run.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rd, again, decEqual); diff != "" {
		t.Errorf("RunData differs between two reads:\n%s", diff)
	}
	if _, err := l.RunData(ctx, "R19990101-001"); err == nil {
		t.Errorf("RunData of an unknown run succeeded")
	}
}

func runInfoRoundTrip(r record.RunInfo) record.RunInfo {
	r.Status = record.RunCommitted
	return r
}

func TestExplainAndClaimStates(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	out.Findings = append(out.Findings, record.Finding{SubjectKind: record.KindClaim, SubjectID: "C1",
		Code: record.LateSubmission, Severity: record.SeverityError, Detail: "逾期"})
	mustCommit(t, l, run, files, out, rejects)

	e, err := l.Explain(ctx, "S2")
	if err != nil {
		t.Fatal(err)
	}
	if e.SubjectKind != record.KindSettlement || e.Settlement == nil || e.Settlement.SetlID != "S2" ||
		len(e.Assessments) != 1 || e.Assessments[0].RunID != run.RunID {
		t.Errorf("Explain(S2) = %+v", e)
	}
	// S1 ends 20 March, S2 25 March, S3 25 March (same begndate): S1 comes before S2.
	var earlier []string
	for _, a := range e.Earlier {
		earlier = append(earlier, a.SubjectID)
	}
	if diff := cmp.Diff([]string{"S1"}, earlier); diff != "" {
		t.Errorf("Explain(S2).Earlier (-want +got):\n%s", diff)
	}
	c, err := l.Explain(ctx, "C1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Claim == nil || len(c.Claim.Invoices) != 2 || len(c.Findings) != 2 {
		t.Errorf("Explain(C1) = %+v", c)
	}
	if _, err := l.Explain(ctx, zhangSan); err == nil {
		t.Errorf("Explain of an unknown id succeeded")
	} else if strings.Contains(err.Error(), zhangSan) {
		t.Errorf("error shows an unmasked ID number: %v", err)
	}

	states, err := l.ClaimStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []record.ClaimState{{
		ClaimID: "C1", Certno: liSi, PsnName: "李思远", FixmedinsName: "北京协和医院", MedType: "21",
		Enddate: record.D(2026, 2, 1), DclaDate: record.D(2026, 4, 1), Deadline: record.D(2027, 3, 31),
		Status: record.ClaimApproved, Payable: d("70662.34"), Late: true, RunID: run.RunID,
	}}
	if diff := cmp.Diff(want, states, decEqual); diff != "" {
		t.Errorf("ClaimStates (-want +got):\n%s", diff)
	}
}

// A run records the files it was given again (with the run that imported
// them first) and the rows it ignored as identical re-sends, so its report
// can show them; the first import stays the one KnownFiles names.
func TestRunRecordsReimportedFilesAndIgnoredRows(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	second := runInfo("R20260411-001", record.D(2026, 4, 11), run.StartedAt.Add(24*time.Hour))
	second.Ignored = 3
	again := files[0]
	again.RunID, again.AlreadyImported = second.RunID, run.RunID
	fresh := record.InputFile{RunID: second.RunID, Path: "in/filings.csv", Kind: record.InputFilings, SHA256: strings.Repeat("3", 64), Rows: 1}
	mustCommit(t, l, second, []record.InputFile{again, fresh}, record.Outcome{}, nil)
	d, err := l.RunData(ctx, second.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Run.Ignored != 3 || len(d.Files) != 2 || d.Files[1].AlreadyImported != run.RunID || d.Files[0].AlreadyImported != "" {
		t.Errorf("run %+v files %+v; want 3 ignored, in/settlements.csv already imported by %s", d.Run, d.Files, run.RunID)
	}
	known, err := l.KnownFiles(ctx, []string{again.SHA256, fresh.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	if known[again.SHA256] != run.RunID || known[fresh.SHA256] != second.RunID {
		t.Errorf("KnownFiles = %v, want the first import of each", known)
	}
}
