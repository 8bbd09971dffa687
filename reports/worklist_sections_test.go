package reports

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"medrecon/batch/ingest"
	"medrecon/batch/record"
)

// officeDays: 130100 waits 30 days for a payment, 130500 20; a region the
// policy lacks waits the default 30.
var officeDays = PaymentDays{ByRegion: map[string]int{"130100": 30, "130500": 20}, Default: 30, Run: "R20260410-001"}

// held is a claim of worklistStates' kind in status since the day given.
func held(id, status string, since record.Date) record.ClaimState {
	s := state(id, status, record.D(2026, 3, 31), record.D(2026, 1, 10), false)
	s.Since, s.InsuplcAdmdvs = since, "130100"
	s.BankName, s.BankAccount = "中国建设银行石家庄分行", "6217000010001234567"
	return s
}

// officeStates is one claim of every section and a few that are on none,
// as of worklistAsOf (20 March 2026).
func officeStates() record.Worklist {
	r1 := held("R-01", record.ClaimReview, record.D(2026, 3, 2))
	r1.Held = "与申请 C-00 就诊日期 2025-12-10 至 2025-12-20、医疗费 ¥1,234.50 相同, 待复核"
	r1.PsnName, r1.Certno = "张晓梅", idZhang
	r2 := held("R-02", record.ClaimReview, record.D(2026, 3, 18))
	u1 := held("U-01", record.ClaimApproved, record.D(2026, 2, 1)) // 47 days
	u1.Payable = dec("70650.00")
	u2 := held("U-02", record.ClaimApproved, record.D(2026, 2, 20)) // 28 days, in a region of 20
	u2.InsuplcAdmdvs, u2.BankAccount = "130500", ""
	f1 := held("F-01", record.ClaimPaymentFailed, record.D(2026, 3, 11))
	f1.LastFailed = &record.Payment{ClaimID: "F-01", Amount: dec("1234.50"), PaidOn: record.D(2026, 3, 10),
		BankRef: "B20260310001", Result: record.PaymentFailed, Reason: "户名与账号不符"}
	return record.Worklist{
		AsOf: worklistAsOf,
		Claims: []record.ClaimState{
			r1, r2, u1, u2, f1,
			held("U-03", record.ClaimApproved, record.D(2026, 2, 18)), // 30 days: not yet
			held("P-01", record.ClaimPaid, record.D(2026, 2, 1)),
			held("P-02", record.ClaimPending, record.D(2026, 1, 10)), // on the deadlines list, due
		},
		Recoveries: []record.OpenRecovery{{
			Recovery: record.Recovery{SubjectKind: record.KindSettlement, SubjectID: "S-09", ClaimID: "U-01", Amount: dec("800.00"),
				Reason: "结算 S-09 与已核准的手工报销 U-01 为同一次就诊, 重复支付", Event: record.RecoveryOpened},
			RunID: "R20260305-001", OpenedOn: record.D(2026, 3, 5),
		}},
	}
}

// TestOfficeWorklistSections follows SPEC 3.7 row by row: which claims each
// status section lists as of 20 March 2026, and how long each has waited.
func TestOfficeWorklistSections(t *testing.T) {
	asOf := worklistAsOf
	tests := []struct {
		name    string
		state   record.ClaimState
		section string // "" = on no status section
		days    int
	}{
		{"review is listed, with the days since it was put in review", held("A", record.ClaimReview, record.D(2026, 3, 2)), "review", 18},
		{"review put in review today", held("A", record.ClaimReview, asOf), "review", 0},
		{"approved 31 days ago with 30 payment days is unpaid", held("A", record.ClaimApproved, record.D(2026, 2, 17)), "unpaid", 31},
		{"approved exactly 30 days ago is not yet", held("A", record.ClaimApproved, record.D(2026, 2, 18)), "", 0},
		{"approved 21 days ago in a region of 20 days", func() record.ClaimState {
			s := held("A", record.ClaimApproved, record.D(2026, 2, 27))
			s.InsuplcAdmdvs = "130500"
			return s
		}(), "unpaid", 21},
		{"a region the policy lacks waits the default", func() record.ClaimState {
			s := held("A", record.ClaimApproved, record.D(2026, 2, 27))
			s.InsuplcAdmdvs = "139900"
			return s
		}(), "", 0},
		{"paid is never listed", held("A", record.ClaimPaid, record.D(2026, 1, 1)), "", 0},
		{"payment_failed is listed", held("A", record.ClaimPaymentFailed, record.D(2026, 3, 11)), "failed", 9},
		{"rejected is on no status section", held("A", record.ClaimRejected, record.D(2026, 1, 1)), "", 0},
		{"in review only from after the date (first read by a later run)", held("A", record.ClaimReview, record.D(2026, 3, 21)), "", 0},
		{"handed in after the date", func() record.ClaimState {
			s := held("A", record.ClaimReview, record.D(2026, 3, 2))
			s.DclaDate = record.D(2026, 3, 21)
			return s
		}(), "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewOfficeWorklist(record.Worklist{AsOf: asOf, Claims: []record.ClaimState{tt.state}}, worklistWithin, officeDays)
			sections := map[string][]StatusItem{"review": l.Review, "unpaid": l.Unpaid, "failed": l.Failed}
			var got []string
			for name, items := range sections {
				for _, it := range items {
					got = append(got, name)
					if it.Days != tt.days {
						t.Errorf("%s: %d days, want %d", name, it.Days, tt.days)
					}
				}
			}
			var want []string
			if tt.section != "" {
				want = []string{tt.section}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("sections (-want +got):\n%s", diff)
			}
		})
	}

	// Without policy tables every region waits the default.
	l := NewOfficeWorklist(officeStates(), worklistWithin, PaymentDays{Default: 30})
	var unpaid []string
	for _, it := range l.Unpaid {
		unpaid = append(unpaid, fmt.Sprintf("%s %d/%d", it.ClaimID, it.Days, it.PaymentDays))
	}
	if diff := cmp.Diff([]string{"U-01 47/30"}, unpaid); diff != "" {
		t.Errorf("unpaid with the default payment_days (-want +got):\n%s", diff)
	}
}

// TestWorklistTextGolden keeps the terminal output under testdata: the
// deadlines table first, as it always was, then a table per status
// section, and the counts.
func TestWorklistTextGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteWorklistText(&buf, NewOfficeWorklist(officeStates(), worklistWithin, officeDays)); err != nil {
		t.Fatal(err)
	}
	if m := fullID.FindString(buf.String()); m != "" {
		t.Errorf("the terminal output shows an unmasked ID %s", m)
	}
	golden(t, "worklist_text.golden", buf.Bytes())
}

// TestWorklistPDFGolden keeps the worklist PDF's text page by page under
// testdata, checks its outline has a bookmark per section, and that no ID
// number or bank account stands in it in full.
func TestWorklistPDFGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteDeadlinesPDF(&buf, NewOfficeWorklist(officeStates(), worklistWithin, officeDays)); err != nil {
		t.Fatal(err)
	}
	want := []string{"汇总", "一、手工报销申报期限清单", "二、待复核", "三、核准超期未支付", "四、支付失败", "五、待追回"}
	if diff := cmp.Diff(want, outline(t, buf.Bytes())); diff != "" {
		t.Errorf("outline (-want +got):\n%s", diff)
	}
	var b strings.Builder
	for i, p := range pdfPages(t, buf.Bytes()) {
		fmt.Fprintf(&b, "=== page %d\n", i+1)
		for _, l := range strings.Split(p, "\n") {
			if l = strings.Join(strings.Fields(l), " "); l != "" {
				b.WriteString(l + "\n")
			}
		}
	}
	text := b.String()
	if m := fullID.FindString(text); m != "" {
		t.Errorf("the worklist PDF shows an unmasked ID %s", m)
	}
	if strings.Contains(squeeze(text), "6217000010001234567") {
		t.Errorf("the worklist PDF shows a bank account in full")
	}
	golden(t, "worklist_pdf.golden", []byte(text))
}

// TestWorklistXLSXGolden keeps every sheet of the worklist workbook, row by
// row as Excel shows them, under testdata; the fill-in sheet comes first.
func TestWorklistXLSXGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteDeadlinesXLSX(&buf, NewOfficeWorklist(officeStates(), worklistWithin, officeDays)); err != nil {
		t.Fatal(err)
	}
	f := readXLSX(t, buf.Bytes())
	want := []string{"待复核", "申报期限", "核准超期未支付", "支付失败", "待追回"}
	if diff := cmp.Diff(want, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	var b strings.Builder
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "=== %s\n", name)
		for _, r := range rows {
			b.WriteString(strings.Join(r, " | ") + "\n")
		}
	}
	text := b.String()
	if m := fullID.FindString(text); m != "" {
		t.Errorf("the worklist XLSX shows an unmasked ID %s", m)
	}
	if strings.Contains(text, "6217000010001234567") {
		t.Errorf("the worklist XLSX shows a bank account in full")
	}
	golden(t, "worklist_xlsx.golden", []byte(text))
}

// TestFillInSheetIsADecisionsFile: the worklist workbook goes back in as
// the next night's decisions file through the reader --decisions and --in
// use (ingest.Read, the kind told from the first sheet's header row).
// Unchanged, it holds no decision and no rejected row; with two rows filled
// in, it holds those two decisions and nothing else, whatever the number of
// rows left blank.
func TestFillInSheetIsADecisionsFile(t *testing.T) {
	w := officeStates()
	for i := range 20 { // many claims in review, most left undecided
		w.Claims = append(w.Claims, held(fmt.Sprintf("R-%02d", i+10), record.ClaimReview, record.D(2026, 3, 3)))
	}
	var buf bytes.Buffer
	if err := WriteDeadlinesXLSX(&buf, NewOfficeWorklist(w, worklistWithin, officeDays)); err != nil {
		t.Fatal(err)
	}
	read := func(t *testing.T, book []byte) *ingest.Result {
		t.Helper()
		res, err := ingest.Read(context.Background(), "worklist.xlsx", bytes.NewReader(book), int64(len(book)),
			ingest.Options{AsOf: record.D(2026, 3, 21)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Kind != record.InputDecisions {
			t.Fatalf("the workbook reads as %q, want decisions", res.Kind)
		}
		return res
	}
	t.Run("unchanged", func(t *testing.T) {
		res := read(t, buf.Bytes())
		if res.Rows != 0 || len(res.Decisions) != 0 || len(res.Rejects) != 0 {
			t.Errorf("rows %d decisions %+v rejects %+v; want none", res.Rows, res.Decisions, res.Rejects)
		}
	})
	t.Run("two rows filled in", func(t *testing.T) {
		f := readXLSX(t, buf.Bytes())
		rows, err := f.GetRows("待复核")
		if err != nil {
			t.Fatal(err)
		}
		rowOf := map[string]int{}
		for i, r := range rows {
			rowOf[r[0]] = i + 1
		}
		fill := func(id string, cells ...any) {
			for i, v := range cells {
				ref, _ := excelize.CoordinatesToCellName(2+i, rowOf[id])
				if err := f.SetCellValue("待复核", ref, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		// As a reviewer types them: the word from the list, an amount
		// cell, a date cell (Excel makes 2026-03-21 one).
		fill("R-01", "调整", 1000.5, "部分自费药品", "周虚构", record.D(2026, 3, 21).Time())
		fill("R-02", "核准", nil, nil, "周虚构", record.D(2026, 3, 20).Time())
		var filled bytes.Buffer
		if err := f.Write(&filled); err != nil {
			t.Fatal(err)
		}
		res := read(t, filled.Bytes())
		if res.Rows != 2 || len(res.Rejects) != 0 {
			t.Errorf("rows %d rejects %+v; want 2 rows and no rejects", res.Rows, res.Rejects)
		}
		var got []string
		for _, d := range res.Decisions {
			got = append(got, fmt.Sprintf("%s %s %s %q %s %s row %d", d.ClaimID, d.Decision, d.Amount.Decimal.StringFixed(2),
				d.Reason, d.Reviewer, d.DecidedOn, d.Src.Row))
		}
		want := []string{
			fmt.Sprintf(`R-01 adjust 1000.50 "部分自费药品" 周虚构 2026-03-21 row %d`, rowOf["R-01"]),
			fmt.Sprintf(`R-02 approve 0.00 "" 周虚构 2026-03-20 row %d`, rowOf["R-02"]),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("decisions (-want +got):\n%s", diff)
		}
	})
}
