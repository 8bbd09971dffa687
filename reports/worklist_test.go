package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"medrecon/batch/record"
)

// The worklist tests look from 20 March 2026 with an 11-day window: the
// inpatient deadline 31 March 2026 is exactly 11 days away, and the window
// for late claims is 9 … 20 March.
var (
	worklistAsOf   = record.D(2026, 3, 20)
	worklistWithin = 11
)

func state(id, status string, deadline, dcla record.Date, late bool) record.ClaimState {
	return record.ClaimState{
		ClaimID: id, Certno: idZhao, PsnName: "赵雨桐", FixmedinsName: "天津市第一中心医院", MedType: "21",
		Enddate: record.D(2025, 12, 20), DclaDate: dcla, Deadline: deadline, Status: status,
		Payable: dec("1234.50"), Late: late, RunID: "20260320-020000",
	}
}

func TestWorklistCategories(t *testing.T) {
	dcla := record.D(2026, 1, 10)
	tests := []struct {
		name  string
		state record.ClaimState
		want  string // "" = not on the list
		days  int
	}{
		{"pending, deadline exactly within days away is due", state("A", record.ClaimPending, record.D(2026, 3, 31), dcla, false), CategoryDue, 11},
		{"pending, deadline the day after the window is pending", state("A", record.ClaimPending, record.D(2026, 4, 1), dcla, false), CategoryPending, 12},
		{"pending, deadline today is due with 0 days", state("A", record.ClaimPending, worklistAsOf, dcla, false), CategoryDue, 0},
		{"pending, deadline yesterday is late", state("A", record.ClaimPending, record.D(2026, 3, 19), dcla, false), CategoryLate, -1},
		{"pending, deadline passed at the window's first day is late", state("A", record.ClaimPending, record.D(2026, 3, 9), dcla, false), CategoryLate, -11},
		{"pending, deadline passed before the window is dropped", state("A", record.ClaimPending, record.D(2026, 3, 8), dcla, false), "", 0},
		{"review, deadline within the window is due", state("A", record.ClaimReview, record.D(2026, 3, 31), dcla, false), CategoryDue, 11},
		{"review, deadline after the window is dropped", state("A", record.ClaimReview, record.D(2026, 4, 1), dcla, false), "", 0},
		{"approved is never listed", state("A", record.ClaimApproved, record.D(2026, 3, 25), dcla, false), "", 0},
		{"rejected late, handed in at the window's first day", state("A", record.ClaimRejected, record.D(2026, 3, 8), record.D(2026, 3, 9), true), CategoryLate, -12},
		{"rejected late, handed in today", state("A", record.ClaimRejected, record.D(2026, 3, 8), worklistAsOf, true), CategoryLate, -12},
		{"rejected late, handed in before the window", state("A", record.ClaimRejected, record.D(2026, 3, 1), record.D(2026, 3, 8), true), "", 0},
		{"rejected for another reason is dropped", state("A", record.ClaimRejected, record.D(2026, 3, 31), record.D(2026, 3, 15), false), "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Worklist([]record.ClaimState{tt.state}, worklistAsOf, worklistWithin)
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("listed as %s, want not listed", got[0].Category)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d items, want 1", len(got))
			}
			if got[0].Category != tt.want || got[0].DaysLeft != tt.days {
				t.Errorf("category %s, %d days left; want %s, %d", got[0].Category, got[0].DaysLeft, tt.want, tt.days)
			}
		})
	}
}

func worklistStates() []record.ClaimState {
	return []record.ClaimState{
		state("C-09", record.ClaimPending, record.D(2026, 4, 1), record.D(2026, 1, 10), false),
		state("C-08", record.ClaimPending, record.D(2026, 3, 31), record.D(2026, 1, 12), false),
		state("C-07", record.ClaimReview, record.D(2026, 3, 31), record.D(2026, 1, 11), false),
		state("C-06", record.ClaimApproved, record.D(2026, 3, 31), record.D(2026, 1, 11), false),
		state("C-05", record.ClaimRejected, record.D(2026, 2, 28), record.D(2026, 3, 12), true),
		state("C-04", record.ClaimPending, record.D(2026, 3, 9), record.D(2026, 1, 2), false),
		state("C-03", record.ClaimPending, record.D(2026, 3, 8), record.D(2026, 1, 2), false),
		state("C-02", record.ClaimPending, record.D(2026, 5, 31), record.D(2026, 3, 1), false),
		state("C-01", record.ClaimReview, record.D(2026, 4, 1), record.D(2026, 1, 2), false),
		// The same claim twice (a newer state beside an older one): late wins.
		state("C-10", record.ClaimPending, record.D(2026, 3, 31), record.D(2026, 1, 2), false),
		state("C-10", record.ClaimPending, record.D(2026, 3, 10), record.D(2026, 1, 2), false),
	}
}

func TestWorklistGolden(t *testing.T) {
	items := Worklist(worklistStates(), worklistAsOf, worklistWithin)
	var b strings.Builder
	fmt.Fprintf(&b, "as of %s, within %d days\n", worklistAsOf, worklistWithin)
	for _, it := range items {
		fmt.Fprintf(&b, "%-8s %-5s deadline %s days %3d status %-8s dcla %s\n", it.Category, it.ClaimID, it.Deadline, it.DaysLeft, it.Status, it.DclaDate)
	}
	golden(t, "worklist.golden", []byte(b.String()))
}

func TestDeadlinesPDF(t *testing.T) {
	items := Worklist(worklistStates(), worklistAsOf, worklistWithin)
	generated := time.Date(2026, 3, 20, 1, 30, 0, 0, time.UTC)
	var first, second bytes.Buffer
	if err := WriteDeadlinesPDF(&first, items, worklistAsOf, worklistWithin, generated); err != nil {
		t.Fatal(err)
	}
	if err := WriteDeadlinesPDF(&second, items, worklistAsOf, worklistWithin, generated); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("the same worklist rendered twice gives different bytes")
	}
	pages := pdfPages(t, first.Bytes())
	all := squeeze(strings.Join(pages, "\n"))
	for _, w := range []string{
		"手工报销申报期限清单", "基准日2026-03-20", "已逾期late3", "即将到期due2", "待补材料pending2", "合计7",
		"类别申请编号姓名证件号码医疗机构出院日期申请日期截止日期剩余天",
		"即将到期C-08赵雨桐" + record.MaskID(idZhao) + "天津市第一中心医院2025-12-202026-01-122026-03-3111待补材料",
		"已逾期C-05", "2026-02-28-20不予支付", "待复核review",
		"第1页/共1页",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("deadlines PDF lacks %q", w)
		}
	}
	if m := fullID.FindString(all); m != "" {
		t.Errorf("deadlines PDF shows an unmasked ID %s", m)
	}
}
