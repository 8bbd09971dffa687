package reports

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

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

// office is the worklist of states as of worklistAsOf with the window
// worklistWithin and 30 payment days everywhere.
func office(states []record.ClaimState) OfficeWorklist {
	return NewOfficeWorklist(record.Worklist{AsOf: worklistAsOf, Claims: states}, worklistWithin, PaymentDays{Default: 30})
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
		{"pending, handed in on the as-of date is listed", state("A", record.ClaimPending, record.D(2026, 3, 31), worklistAsOf, false), CategoryDue, 11},
		{"pending, handed in after the as-of date is not listed yet", state("A", record.ClaimPending, record.D(2026, 3, 31), record.D(2026, 3, 21), false), "", 0},
		{"review, handed in after the as-of date is not listed yet", state("A", record.ClaimReview, record.D(2026, 3, 31), record.D(2026, 4, 2), false), "", 0},
		{"rejected late, handed in after the as-of date is not listed yet", state("A", record.ClaimRejected, record.D(2026, 3, 8), record.D(2026, 3, 21), true), "", 0},
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
	var first, second bytes.Buffer
	if err := WriteDeadlinesPDF(&first, office(worklistStates())); err != nil {
		t.Fatal(err)
	}
	if err := WriteDeadlinesPDF(&second, office(worklistStates())); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("the same worklist rendered twice gives different bytes")
	}
	pages := pdfPages(t, first.Bytes())
	all := squeeze(strings.Join(pages, "\n"))
	for _, w := range []string{
		"手工报销申报期限清单", "截至2026-03-20（只列截至当日已提交的申请）", "工作清单·截至2026-03-20", "已逾期late3", "即将到期due2", "待补材料pending2", "合计7",
		"类别申请编号姓名证件号码医疗机构出院日期申请日期截止日期剩余天",
		"即将到期C-08赵雨桐" + record.MaskID(idZhao) + "天津市第一中心医院2025-12-202026-01-122026-03-3111待补材料",
		"已逾期C-05", "2026-02-28-20不予支付", "2026-03-3111待复核",
		fmt.Sprintf("第1页/共%d页", len(pages)),
	} {
		if !strings.Contains(all, w) {
			t.Errorf("deadlines PDF lacks %q", w)
		}
	}
	for _, no := range []string{"生成时间", "基准日"} {
		if strings.Contains(all, no) {
			t.Errorf("deadlines PDF still says %s", no)
		}
	}
	if m := fullID.FindString(all); m != "" {
		t.Errorf("deadlines PDF shows an unmasked ID %s", m)
	}
}

// Claim ids of the lengths agencies use stand on one line of the PDF, beside
// a long institution name that wraps (issue 14).
func TestDeadlinesPDFClaimIDsDoNotWrap(t *testing.T) {
	ids := []string{"BX2026040007", "SQ1301002026-0320-01", "MZ-130100-2026-03-0000123"}
	var states []record.ClaimState
	for _, id := range ids {
		s := state(id, record.ClaimPending, record.D(2026, 3, 31), record.D(2026, 1, 10), false)
		s.FixmedinsName = "首都医科大学附属北京天坛医院国家神经系统疾病临床医学研究中心"
		states = append(states, s)
	}
	var buf bytes.Buffer
	if err := WriteDeadlinesPDF(&buf, office(states)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.Join(pdfPages(t, buf.Bytes()), "\n"), "\n")
	for _, id := range ids {
		found := false
		for _, l := range lines {
			found = found || strings.Contains(squeeze(l), "即将到期"+id+"赵雨桐")
		}
		if !found {
			t.Errorf("claim id %s is not whole on one line of the PDF:\n%s", id, strings.Join(lines, "\n"))
		}
	}
}

// fitColumns makes the claim id column as wide as its widest id, whatever
// the length, and the table as wide as the page.
func TestFitColumns(t *testing.T) {
	cols := []column{
		{"类别", 0, "L"}, {"申请编号", 0, "L"}, {"姓名", 12, "L"}, {"证件号码", 0, "L"}, {"医疗机构", 27, "L"},
		{"出院日期", 0, "C"}, {"申请日期", 0, "C"}, {"截止日期", 0, "C"}, {"剩余天数", 0, "R"}, {"状态", 0, "L"},
	}
	row := func(id string) []string {
		return []string{"即将到期", id, "赵雨桐", record.MaskID(idZhao), "天津市第一中心医院", "2025-12-20", "2026-01-12",
			"2026-03-31", "-11", statusName(record.ClaimPending)}
	}
	tests := []struct {
		name      string
		id        string
		wrapsMore bool // the fitted columns but the id may wrap: the id leaves no room
	}{
		{"a short id", "C-1", false},
		{"a counter's id", "BX2026040007", false},
		{"a 25-character id", "MZ-130100-2026-03-0000123", false},
		{"a 60-character id squeezes the other fitted columns", strings.Repeat("X", 60), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDocument("t", "t", worklistAsOf.Time())
			d.newPage()
			rows := [][]string{row(tt.id), row("C-2")}
			got := d.fitColumns(cols, rows, claimIDColumn)
			var total float64
			for _, c := range got {
				total += c.width
			}
			if math.Abs(total-bodyW) > 1e-6 {
				t.Errorf("columns add up to %.3f mm, want the body width %.0f", total, bodyW)
			}
			d.pdf.SetFont(fontFamily, "", tableFont)
			if lines := d.wrap(tt.id, got[claimIDColumn].width); len(lines) != 1 {
				t.Errorf("claim id wraps into %q in %.1f mm", lines, got[claimIDColumn].width)
			}
			for i, c := range got {
				if c.width < minFlexWidth-1e-9 && cols[i].width > 0 {
					t.Errorf("column %s is %.1f mm, narrower than %.0f", c.head, c.width, minFlexWidth)
				}
				if i == 4 && !tt.wrapsMore && tt.id != "MZ-130100-2026-03-0000123" {
					if lines := d.wrap(rows[0][i], c.width); len(lines) != 1 {
						t.Errorf("医疗机构 wraps %q into %q in %.1f mm though there is room", rows[0][i], lines, c.width)
					}
				}
				if cols[i].width == 0 && !tt.wrapsMore {
					for _, r := range rows {
						if lines := d.wrap(r[i], c.width); len(lines) != 1 {
							t.Errorf("column %s wraps %q into %q", c.head, r[i], lines)
						}
					}
				}
			}
		})
	}
}
