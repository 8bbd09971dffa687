package reports

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"medrecon/batch/record"
)

// Worklist categories, most urgent last.
const (
	CategoryPending = "pending" // 待补材料: materials missing, deadline not past
	CategoryDue     = "due"     // 即将到期: deadline within the window
	CategoryLate    = "late"    // 已逾期: missed the deadline within the window
)

// WorkItem is one claim on the year-end deadlines list.
type WorkItem struct {
	record.ClaimState
	DaysLeft int    // days from the as-of date to the deadline; negative once past
	Category string // CategoryPending, CategoryDue or CategoryLate
}

// Worklist picks the claims the claims office must chase (SPEC 1, 3.4), as
// of asOf with a window of within days:
//   - "pending": a pending claim whose deadline is not past;
//   - "due": a pending or review claim whose deadline is 0 … within days
//     away (a deadline exactly within days away is included);
//   - "late": a claim rejected as late whose dcla_date lies in
//     [asOf − within, asOf], or a pending claim whose deadline passed in
//     that window.
//
// Each claim appears once, in its most urgent category (late > due >
// pending), sorted by deadline, then claim id.
func Worklist(states []record.ClaimState, asOf record.Date, within int) []WorkItem {
	from := asOf.AddDays(-within)
	var items []WorkItem
	index := map[string]int{} // position in items by claim id
	for _, s := range states {
		days := asOf.DaysUntil(s.Deadline)
		hasDeadline := !s.Deadline.IsZero()
		pending := s.Status == record.ClaimPending
		var cat string
		switch {
		case s.Late && !s.DclaDate.IsZero() && !s.DclaDate.Before(from) && !s.DclaDate.After(asOf),
			pending && hasDeadline && days < 0 && days >= -within:
			cat = CategoryLate
		case (pending || s.Status == record.ClaimReview) && hasDeadline && days >= 0 && days <= within:
			cat = CategoryDue
		case pending && hasDeadline && days >= 0:
			cat = CategoryPending
		default:
			continue
		}
		item := WorkItem{ClaimState: s, DaysLeft: days, Category: cat}
		// The ledger gives one state per claim; should a claim come twice,
		// the more urgent entry stands.
		if i, ok := index[s.ClaimID]; ok {
			if urgency(cat) > urgency(items[i].Category) {
				items[i] = item
			}
			continue
		}
		index[s.ClaimID] = len(items)
		items = append(items, item)
	}
	slices.SortStableFunc(items, func(a, b WorkItem) int {
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		return cmp.Compare(a.ClaimID, b.ClaimID)
	})
	return items
}

func urgency(cat string) int {
	switch cat {
	case CategoryLate:
		return 3
	case CategoryDue:
		return 2
	case CategoryPending:
		return 1
	}
	return 0
}

// categoryLabel names a worklist category in Chinese.
func categoryLabel(cat string) string {
	switch cat {
	case CategoryPending:
		return "待补材料"
	case CategoryDue:
		return "即将到期"
	case CategoryLate:
		return "已逾期"
	}
	return cat
}

// WriteDeadlinesPDF renders the worklist for the file: the counts per
// category and a table sorted as Worklist sorts it. generated is printed and
// stamped into the PDF's metadata; the caller decides it.
func WriteDeadlinesPDF(w io.Writer, items []WorkItem, asOf record.Date, within int, generated time.Time) error {
	doc := newDocument("手工报销申报期限清单 "+asOf.String(), "申报期限清单 · 基准日 "+asOf.String(), generated)
	doc.newPage()
	doc.title("手工报销申报期限清单")
	doc.keyValues([]pair{
		{"基准日", asOf.String()},
		{"提醒窗口", fmt.Sprintf("%d 天（截止日在 %s 至 %s 之间为即将到期；%s 至 %s 逾期为已逾期）",
			within, asOf.String(), asOf.AddDays(within).String(), asOf.AddDays(-within).String(), asOf.String())},
		{"生成时间", clock(generated)},
	}, 28)
	counts := map[string]int{}
	for _, it := range items {
		counts[it.Category]++
	}
	doc.heading("汇总", 30)
	rows := [][]string{}
	for _, cat := range []string{CategoryLate, CategoryDue, CategoryPending} {
		rows = append(rows, []string{categoryLabel(cat) + " " + cat, strconv.Itoa(counts[cat])})
	}
	rows = append(rows, []string{"合计", strconv.Itoa(len(items))})
	doc.table([]column{{"类别", 60, "L"}, {"件数", 30, "R"}}, rows)

	doc.heading("清单（按截止日期、申请编号排序）", 20)
	if len(items) == 0 {
		doc.note("没有需要跟进的申请。")
	} else {
		rows = rows[:0]
		for _, it := range items {
			rows = append(rows, []string{
				categoryLabel(it.Category), record.MaskText(it.ClaimID), it.PsnName, record.MaskID(it.Certno),
				it.FixmedinsName, it.Enddate.String(), it.DclaDate.String(), it.Deadline.String(),
				strconv.Itoa(it.DaysLeft), statusLabel(it.Status),
			})
		}
		doc.table([]column{
			{"类别", 13, "L"}, {"申请编号", 18, "L"}, {"姓名", 12, "L"}, {"证件号码", 29, "L"}, {"医疗机构", 27, "L"},
			{"出院日期", 16, "C"}, {"申请日期", 16, "C"}, {"截止日期", 16, "C"}, {"剩余天数", 13, "R"}, {"状态", 20, "L"},
		}, rows)
	}
	if err := doc.write(w); err != nil {
		return fmt.Errorf("deadlines as of %s: %w", asOf, err)
	}
	return nil
}
