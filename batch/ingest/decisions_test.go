package ingest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"medrecon/batch/record"
)

// Headers of SPEC 2.6 in Chinese labels and in field names, in one order.
const (
	decisionsHeader        = "申请编号,复核结论,核定金额,理由,复核人,复核日期"
	decisionsHeaderEnglish = "claim_id,decision,amount,reason,reviewer,decided_on"
)

// decisionLine is a row of a decisions file in the order of decisionsHeader.
func decisionLine(id, decision, amount, reason, decidedOn string) string {
	return csvLine([]string{id, decision, amount, reason, "周虚构", decidedOn})
}

// decisionsAsOf is the as-of date of the decisions tests.
var decisionsAsOf = record.D(2026, 4, 10)

func TestReadDecisions(t *testing.T) {
	file := "2026年4月复核决定表\n\n" + decisionsHeader + "\n" +
		decisionLine("C1", "核准", "", "", "2026-04-01") + "\n" +
		decisionLine("C2", "驳回", "", "重复报销", "2026/4/2") + "\n" +
		decisionLine("C3", "调整", "¥1,234.50", "部分票据不在目录内", "20260403") + "\n" +
		decisionLine("C4", "Approve", "", "", "2026年4月4日") + "\n" +
		decisionLine("C5", "ADJUST", "0", "全部自费", "2026-04-10") + "\n" +
		",,,,,\n" + // a blank row is not a row
		decisionLine("C6", "rejected", "", "超过申报期限", "2026-04-05") + "\n"
	res := mustRead(t, "decisions.csv", file, Options{AsOf: decisionsAsOf})
	if res.Kind != record.InputDecisions || res.Rows != 6 || len(res.Rejects) != 0 {
		t.Fatalf("kind %q rows %d rejects %v", res.Kind, res.Rows, res.Rejects)
	}
	src := func(row int) record.Source { return record.Source{File: "decisions.csv", Row: row} }
	amount := func(s string) decimal.NullDecimal { return decimal.NullDecimal{Decimal: dec(s), Valid: true} }
	want := []record.Decision{
		{ClaimID: "C1", Decision: record.DecisionApprove, Reviewer: "周虚构", DecidedOn: record.D(2026, 4, 1), Src: src(4)},
		{ClaimID: "C2", Decision: record.DecisionReject, Reason: "重复报销", Reviewer: "周虚构", DecidedOn: record.D(2026, 4, 2), Src: src(5)},
		{ClaimID: "C3", Decision: record.DecisionAdjust, Amount: amount("1234.50"), Reason: "部分票据不在目录内", Reviewer: "周虚构", DecidedOn: record.D(2026, 4, 3), Src: src(6)},
		{ClaimID: "C4", Decision: record.DecisionApprove, Reviewer: "周虚构", DecidedOn: record.D(2026, 4, 4), Src: src(7)},
		{ClaimID: "C5", Decision: record.DecisionAdjust, Amount: amount("0"), Reason: "全部自费", Reviewer: "周虚构", DecidedOn: record.D(2026, 4, 10), Src: src(8)},
		{ClaimID: "C6", Decision: record.DecisionReject, Reason: "超过申报期限", Reviewer: "周虚构", DecidedOn: record.D(2026, 4, 5), Src: src(10)},
	}
	if diff := cmp.Diff(want, res.Decisions, cmpDecimal); diff != "" {
		t.Errorf("decisions (-want +got):\n%s", diff)
	}
}

// A file of approvals alone may leave out the amount and reason columns.
func TestReadDecisionsWithoutOptionalColumns(t *testing.T) {
	file := "claim_id,decision,reviewer,decided_on\nC1,approve,Zhou,2026-04-01\nC2,reject,Zhou,2026-04-01\n"
	res := mustRead(t, "d.csv", file, Options{AsOf: decisionsAsOf})
	if len(res.Decisions) != 1 || res.Decisions[0].ClaimID != "C1" {
		t.Fatalf("decisions %+v", res.Decisions)
	}
	want := []record.Reject{{File: "d.csv", Row: 3, Col: "reason", Reason: reasonNeedsReason}}
	if diff := cmp.Diff(want, res.Rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
}

// TestDecisionRowRejects has one row per thing a decisions row can get
// wrong by itself (SPEC 2.6, 3.5), under Chinese and English headers: the
// row is dropped and each bad cell is one Reject naming its column as the
// file does.
func TestDecisionRowRejects(t *testing.T) {
	type bad struct{ col, value, reason string } // col: a field name
	tests := []struct {
		name  string
		cells []string // claim_id, decision, amount, reason, reviewer, decided_on
		want  []bad
	}{
		{"unknown decision word", []string{"C1", "同意", "", "", "周虚构", "2026-04-01"}, []bad{{"decision", "同意", reasonCode}}},
		{"decision missing", []string{"C1", "", "", "", "周虚构", "2026-04-01"}, []bad{{"decision", "", reasonRequired}}},
		{"claim_id missing", []string{" ", "核准", "", "", "周虚构", "2026-04-01"}, []bad{{"claim_id", "", reasonRequired}}},
		{"reviewer missing", []string{"C1", "核准", "", "", "", "2026-04-01"}, []bad{{"reviewer", "", reasonRequired}}},
		{"decided_on missing", []string{"C1", "核准", "", "", "周虚构", ""}, []bad{{"decided_on", "", reasonRequired}}},
		{"decided_on impossible", []string{"C1", "核准", "", "", "周虚构", "2026-02-30"}, []bad{{"decided_on", "2026-02-30", reasonDate}}},
		{"decided_on after the as-of date", []string{"C1", "核准", "", "", "周虚构", "2026-04-11"}, []bad{{"decided_on", "2026-04-11", reasonDecidedAfterAsOf}}},
		{"reject without a reason", []string{"C1", "驳回", "", " ", "周虚构", "2026-04-01"}, []bad{{"reason", "", reasonNeedsReason}}},
		{"adjust without a reason", []string{"C1", "调整", "100", "", "周虚构", "2026-04-01"}, []bad{{"reason", "", reasonNeedsReason}}},
		{"adjust without an amount", []string{"C1", "调整", "", "自费药", "周虚构", "2026-04-01"}, []bad{{"amount", "", reasonAdjustNoAmount}}},
		{"adjust with a negative amount", []string{"C1", "调整", "-1.00", "自费药", "周虚构", "2026-04-01"}, []bad{{"amount", "-1.00", reasonAdjustNegative}}},
		{"adjust with a bad amount", []string{"C1", "调整", "1O0", "自费药", "周虚构", "2026-04-01"}, []bad{{"amount", "1O0", reasonAmount}}},
		{"adjust with three decimals", []string{"C1", "调整", "100.001", "自费药", "周虚构", "2026-04-01"}, []bad{{"amount", "100.001", reasonDecimals}}},
		{"approve with an amount", []string{"C1", "核准", "100", "", "周虚构", "2026-04-01"}, []bad{{"amount", "100", reasonAmountNotAdjust}}},
		{"reject with an amount", []string{"C1", "驳回", "0", "重复", "周虚构", "2026-04-01"}, []bad{{"amount", "0", reasonAmountNotAdjust}}},
		{"every cell of one row at once", []string{"", "调整", "", "", "", "2026-13-01"}, []bad{
			{"claim_id", "", reasonRequired}, {"reviewer", "", reasonRequired}, {"decided_on", "2026-13-01", reasonDate},
			{"amount", "", reasonAdjustNoAmount}, {"reason", "", reasonNeedsReason}}},
	}
	chinese := map[string]string{}
	for i, f := range strings.Split(decisionsHeaderEnglish, ",") {
		chinese[f] = strings.Split(decisionsHeader, ",")[i]
	}
	for _, header := range []string{decisionsHeader, decisionsHeaderEnglish} {
		for _, tt := range tests {
			t.Run(header[:4]+"/"+tt.name, func(t *testing.T) {
				file := header + "\n" + decisionLine("C0", "核准", "", "", "2026-04-01") + "\n" + csvLine(tt.cells) + "\n"
				res := mustRead(t, "d.csv", file, Options{AsOf: decisionsAsOf})
				if res.Kind != record.InputDecisions || res.Rows != 2 || len(res.Decisions) != 1 {
					t.Fatalf("kind %q rows %d decisions %d; want decisions, 2 rows, 1 kept (rejects %v)", res.Kind, res.Rows, len(res.Decisions), res.Rejects)
				}
				var want []record.Reject
				for _, b := range tt.want {
					col := b.col
					if header == decisionsHeader {
						col = chinese[col]
					}
					want = append(want, record.Reject{File: "d.csv", Row: 3, Col: col, Value: b.value, Reason: b.reason})
				}
				if diff := cmp.Diff(want, res.Rejects); diff != "" {
					t.Errorf("rejects (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestUndecidedRowsArePassedOver: a row that names a claim (and the claim
// columns beside it that the worklist's fill-in sheet carries) with every
// decision column blank is a claim not decided yet. It is neither a decision
// nor a rejected row, and not a row of the file, so a sheet of many
// claims with a few decided passes --max-reject-ratio as a file of the
// decided rows alone would. A row with any decision column filled is a
// decision and is checked as one.
func TestUndecidedRowsArePassedOver(t *testing.T) {
	header := decisionsHeader + ",姓名,证件号码,核算金额"
	tests := []struct {
		name        string
		row         []string
		rows        int      // rows counted
		decided     bool     // the row is a decision
		rejectedCol []string // columns rejected
	}{
		{"every decision column blank", []string{"C7", "", "", "", "", "", "王某", "130102********1234", "1234.50"}, 1, false, nil},
		{"blank but for spaces", []string{"C7", " ", "\u3000", "", " ", "", "王某", "", ""}, 1, false, nil},
		{"claim columns only, claim_id blank too", []string{"", "", "", "", "", "", "王某", "", ""}, 1, false, nil},
		{"a reviewer without a decision", []string{"C7", "", "", "", "周虚构", "", "王某", "", ""}, 2, false, []string{"复核结论", "复核日期"}},
		{"a reason alone", []string{"C7", "", "", "待补充材料", "", "", "王某", "", ""}, 2, false, []string{"复核结论", "复核人", "复核日期"}},
		{"filled in", []string{"C7", "核准", "", "", "周虚构", "2026-04-02", "王某", "", ""}, 2, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := header + "\n" + decisionLine("C1", "核准", "", "", "2026-04-01") + ",赵某,,\n" + csvLine(tt.row) + "\n"
			res := mustRead(t, "d.csv", file, Options{AsOf: decisionsAsOf})
			if res.Kind != record.InputDecisions || res.Rows != tt.rows {
				t.Errorf("kind %q rows %d, want decisions and %d rows", res.Kind, res.Rows, tt.rows)
			}
			want := 1
			if tt.decided {
				want = 2
			}
			if len(res.Decisions) != want {
				t.Errorf("%d decisions, want %d: %+v", len(res.Decisions), want, res.Decisions)
			}
			var cols []string
			for _, r := range res.Rejects {
				cols = append(cols, r.Col)
			}
			if diff := cmp.Diff(tt.rejectedCol, cols); diff != "" {
				t.Errorf("rejected columns (-want +got):\n%s", diff)
			}
		})
	}
	// A CSV cell past the header is still rejected: the row's values may
	// stand in the wrong columns.
	res := mustRead(t, "d.csv", decisionsHeader+"\nC7,,,,,,天津市\n", Options{AsOf: decisionsAsOf})
	if res.Rows != 1 || len(res.Rejects) == 0 {
		t.Errorf("a row with a cell past the header: rows %d rejects %v", res.Rows, res.Rejects)
	}
}

func TestDecisionsMissingColumn(t *testing.T) {
	_, err := readString(t, "d.csv", "申请编号,复核结论,复核日期\nC1,核准,2026-04-01\n", Options{})
	want := "d.csv: row 1: missing required column 复核人 (reviewer)"
	if !errors.Is(err, ErrMissingColumn) || err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// FuzzReadDecisions reads anything as a decisions file and holds every
// decision it keeps to what SPEC 2.6 lets a row say by itself.
func FuzzReadDecisions(f *testing.F) {
	f.Add(decisionsHeader + "\n" + decisionLine("C1", "核准", "", "", "2026-04-01") + "\n" +
		decisionLine("C2", "调整", "¥1,234.50", "部分自费", "2026/4/2") + "\n" + decisionLine("C3", "驳回", "", "", "2026-04-11") + "\n")
	f.Add(decisionsHeaderEnglish + "\nC1,ADJUST,-0.00,r,Zhou,20260401\nC1,approve,1,,Zhou,2026年4月1日\n")
	f.Add("复核决定\n\ufeffclaim_id,decision,reviewer,decided_on\n\"C\n1\",reject,,\n")
	f.Fuzz(func(t *testing.T, content string) {
		for _, kind := range []string{"", record.InputDecisions} {
			res, err := readString(t, "d.csv", content, Options{Kind: kind, AsOf: decisionsAsOf})
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("error %v is not a *FileError", err)
				}
				continue
			}
			if len(res.Decisions) > res.Rows {
				t.Fatalf("%d decisions from %d rows", len(res.Decisions), res.Rows)
			}
			for _, d := range res.Decisions {
				switch {
				case d.ClaimID == "" || d.Reviewer == "" || d.DecidedOn.IsZero():
					t.Fatalf("decision kept without a required field: %+v", d)
				case d.DecidedOn.After(decisionsAsOf):
					t.Fatalf("decision kept dated after the as-of date: %+v", d)
				case d.Decision == record.DecisionAdjust && (!d.Amount.Valid || d.Amount.Decimal.Sign() < 0 || d.Reason == ""):
					t.Fatalf("adjust kept without an amount ≥ 0 and a reason: %+v", d)
				case d.Decision == record.DecisionReject && (d.Amount.Valid || d.Reason == ""):
					t.Fatalf("reject kept with an amount or without a reason: %+v", d)
				case d.Decision == record.DecisionApprove && d.Amount.Valid:
					t.Fatalf("approve kept with an amount: %+v", d)
				case d.Decision != record.DecisionAdjust && d.Decision != record.DecisionReject && d.Decision != record.DecisionApprove:
					t.Fatalf("decision kept with an unknown word: %+v", d)
				}
			}
		}
	})
}

// decisionsWorkbook is a reviewer's workbook: a merged banner, the header
// on row 3 in Chinese, real date cells and numeric amounts.
func decisionsWorkbook(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "复核决定"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", sheet))
	must(f.SetCellValue(sheet, "A1", "2026年4月复核决定表"))
	must(f.MergeCell(sheet, "A1", "F1"))
	header := strings.Split(decisionsHeader, ",")
	must(f.SetSheetRow(sheet, "A3", &header))
	rows := [][]any{
		{"C1", "核准", nil, nil, "周虚构", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		{"C2", "调整", 1234.5, "部分票据不在目录内", "周虚构", 46115}, // 46115 = 2026-04-03 as a serial number
		{"C3", "调整", -5, "x", "周虚构", "2026-04-03"},
		{"C4", "驳回", nil, "重复报销", "周虚构", time.Date(2026, 4, 11, 0, 0, 0, 0, time.UTC)},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, 4+i)
		must(f.SetSheetRow(sheet, cell, &r))
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadDecisionsXLSX(t *testing.T) {
	res := mustRead(t, "复核决定.xlsx", string(decisionsWorkbook(t)), Options{AsOf: decisionsAsOf})
	if res.Kind != record.InputDecisions || res.Rows != 4 {
		t.Fatalf("kind %q rows %d", res.Kind, res.Rows)
	}
	src := func(row int) record.Source {
		return record.Source{File: "复核决定.xlsx", Sheet: "复核决定", Row: row}
	}
	want := []record.Decision{
		{ClaimID: "C1", Decision: record.DecisionApprove, Reviewer: "周虚构", DecidedOn: record.D(2026, 4, 1), Src: src(4)},
		{ClaimID: "C2", Decision: record.DecisionAdjust, Amount: decimal.NullDecimal{Decimal: dec("1234.5"), Valid: true},
			Reason: "部分票据不在目录内", Reviewer: "周虚构", DecidedOn: record.D(2026, 4, 3), Src: src(5)},
	}
	if diff := cmp.Diff(want, res.Decisions, cmpDecimal); diff != "" {
		t.Errorf("decisions (-want +got):\n%s", diff)
	}
	wantRejects := []record.Reject{
		{File: "复核决定.xlsx", Sheet: "复核决定", Row: 6, Col: "核定金额", Value: "-5", Reason: reasonAdjustNegative},
		{File: "复核决定.xlsx", Sheet: "复核决定", Row: 7, Col: "复核日期", Value: "46123", Reason: reasonDecidedAfterAsOf},
	}
	if diff := cmp.Diff(wantRejects, res.Rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
}
