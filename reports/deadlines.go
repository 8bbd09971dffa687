package reports

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

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
// of asOf with a window of within days. Only claims handed in by asOf
// (dcla_date ≤ asOf) count, so that a past as-of date lists what the counter
// held then, not the claims handed in since (issue 14); the claims' states
// are those the states passed in say. Of those:
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
		if s.DclaDate.After(asOf) {
			continue // handed in after asOf: not at the counter yet
		}
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

// medTypeLabel names a med_type code (SPEC 2.1) as the counter's forms do;
// an unknown code is shown as it is.
func medTypeLabel(code string) string {
	switch code {
	case "11":
		return "普通门诊"
	case "13":
		return "急诊"
	case "14":
		return "门诊慢特病"
	case "21":
		return "普通住院"
	case "22":
		return "外伤住院"
	case "24":
		return "急诊转住院"
	case "41":
		return "药店购药"
	}
	return code
}

// WriteDeadlinesPDF renders the office's worklist for the file: the as-of
// date (截至), a summary of every section, then one section per part of
// the list, each a heading of the PDF's outline: 申报期限 (the deadlines
// list, sorted as Worklist sorts it), 待复核, 核准超期未支付, 支付失败 and
// 待追回. The PDF carries no clock time: its metadata date is the as-of
// date, so the same worklist gives the same bytes.
func WriteDeadlinesPDF(w io.Writer, l OfficeWorklist) error {
	asOf, within := l.AsOf, l.Within
	doc := newDocument("手工报销工作清单 截至 "+asOf.String(), "工作清单 · 截至 "+asOf.String(), asOf.Time())
	doc.newPage()
	doc.title("手工报销工作清单")
	doc.keyValues([]pair{
		{"截至", asOf.String() + "（只列截至当日已提交的申请）"},
		{"复核与支付", "只计截至当日的运行记下的复核决定、支付结果和追回"},
		{"提醒窗口", fmt.Sprintf("%d 天", within)},
		{"付款期限", paymentDaysText(l.PaymentDays)},
	}, 28)
	counts := map[string]int{}
	for _, it := range l.Deadlines {
		counts[it.Category]++
	}
	doc.heading("汇总", 30)
	rows := [][]string{}
	for _, cat := range []string{CategoryLate, CategoryDue, CategoryPending} {
		rows = append(rows, []string{"申报期限 · " + categoryLabel(cat) + " " + cat, strconv.Itoa(counts[cat])})
	}
	rows = append(rows,
		[]string{"申报期限合计", strconv.Itoa(len(l.Deadlines))},
		[]string{sectionReview + " review", strconv.Itoa(len(l.Review))},
		[]string{sectionUnpaid + " unpaid", strconv.Itoa(len(l.Unpaid))},
		[]string{sectionFailed + " payment_failed", strconv.Itoa(len(l.Failed))},
		[]string{sectionRecoveries + " recovery", strconv.Itoa(len(l.Recoveries))},
	)
	doc.table([]column{{"类别", 70, "L"}, {"件数", 30, "R"}}, rows)

	doc.deadlinesSection(l)
	doc.reviewSection(l.Review)
	doc.unpaidSection(l.Unpaid)
	doc.failedSection(l.Failed)
	doc.recoveriesSection(l.Recoveries)
	if err := doc.write(w); err != nil {
		return fmt.Errorf("worklist as of %s: %w", asOf, err)
	}
	return nil
}

// The worklist's section names, in the PDF's headings and summary and as
// the XLSX's sheet names.
const (
	sectionDeadlines  = "申报期限"
	sectionReview     = "待复核"
	sectionUnpaid     = "核准超期未支付"
	sectionFailed     = "支付失败"
	sectionRecoveries = "待追回"
)

// paymentDaysText says where the worklist's payment_days came from.
func paymentDaysText(p PaymentDays) string {
	if p.Run == "" {
		return fmt.Sprintf("核准后 %d 天未支付即列出（默认值；账本中此日期前的运行未记录各参保地的 payment_days）", p.Default)
	}
	regions := slices.Sorted(maps.Keys(p.ByRegion))
	parts := make([]string, len(regions))
	for i, r := range regions {
		parts[i] = fmt.Sprintf("%s %d 天", r, p.ByRegion[r])
	}
	return "按运行 " + p.Run + " 记下的 payment_days：" + strings.Join(parts, "，") + "；核准后超过即列出"
}

// deadlinesSection is the deadlines list (SPEC 1: the year-end worklist).
func (doc *document) deadlinesSection(l OfficeWorklist) {
	asOf, within := l.AsOf, l.Within
	doc.heading("一、手工报销申报期限清单", 40)
	doc.keyValues([]pair{
		{"即将到期", fmt.Sprintf("截止日在 %s 至 %s 之间", asOf, asOf.AddDays(within))},
		{"已逾期", fmt.Sprintf("%s 至 %s 之间逾期（截止日已过仍待补材料，或逾期提交被拒）", asOf.AddDays(-within), asOf)},
	}, 28)
	doc.caption("清单（按截止日期、申请编号排序）", 20)
	if len(l.Deadlines) == 0 {
		doc.note("没有需要跟进的申请。")
		return
	}
	var rows [][]string
	for _, it := range l.Deadlines {
		rows = append(rows, []string{
			categoryLabel(it.Category), record.MaskText(it.ClaimID), it.PsnName, record.MaskID(it.Certno),
			it.FixmedinsName, it.Enddate.String(), it.DclaDate.String(), it.Deadline.String(),
			strconv.Itoa(it.DaysLeft), statusName(it.Status),
		})
	}
	doc.table(doc.fitColumns([]column{
		{"类别", 0, "L"}, {"申请编号", 0, "L"}, {"姓名", 12, "L"}, {"证件号码", 0, "L"}, {"医疗机构", 27, "L"},
		{"出院日期", 0, "C"}, {"申请日期", 0, "C"}, {"截止日期", 0, "C"}, {"剩余天数", 0, "R"}, {"状态", 0, "L"},
	}, rows, claimIDColumn), rows)
}

// reviewSection lists the claims in review, held the longest first.
func (doc *document) reviewSection(items []StatusItem) {
	doc.heading("二、"+sectionReview, 30)
	doc.note("按规则算出金额但暂不支付的申请（疑似重复等）。XLSX 的“待复核”工作表留有复核结论、核定金额、理由、复核人、复核日期各列，" +
		"填好后原样作为下一晚的复核决定文件（--decisions 或放入 --in 目录）；未填的行不算复核，申请留在待复核，下次清单再列。")
	if len(items) == 0 {
		doc.note("没有待复核的申请。")
		return
	}
	var rows [][]string
	for _, it := range items {
		rows = append(rows, []string{
			record.MaskText(it.ClaimID), it.PsnName, record.MaskID(it.Certno), it.FixmedinsName, it.DclaDate.String(),
			money(it.Payable), it.Since.String(), strconv.Itoa(it.Days), record.MaskText(it.Held),
		})
	}
	doc.table(doc.fitColumns([]column{
		{"申请编号", 0, "L"}, {"姓名", 12, "L"}, {"证件号码", 0, "L"}, {"医疗机构", 20, "L"}, {"申请日期", 0, "C"},
		{"核算金额", 0, "R"}, {"进入复核", 0, "C"}, {"天数", 0, "R"}, {"待复核原因", 30, "L"},
	}, rows, 0), rows)
}

// unpaidSection lists approved claims unpaid past their region's
// payment_days, waiting the longest first.
func (doc *document) unpaidSection(items []StatusItem) {
	doc.heading("三、"+sectionUnpaid, 30)
	doc.note("核准后超过付款期限（payment_days）仍无支付结果的申请。")
	if len(items) == 0 {
		doc.note("没有超期未支付的申请。")
		return
	}
	var rows [][]string
	for _, it := range items {
		rows = append(rows, []string{
			record.MaskText(it.ClaimID), it.PsnName, record.MaskID(it.Certno), it.FixmedinsName, money(it.Payable),
			it.Since.String(), strconv.Itoa(it.Days), strconv.Itoa(it.PaymentDays), bankText(it.ClaimState),
		})
	}
	doc.table(doc.fitColumns([]column{
		{"申请编号", 0, "L"}, {"姓名", 12, "L"}, {"证件号码", 0, "L"}, {"医疗机构", 20, "L"}, {"应付金额", 0, "R"},
		{"核准日期", 0, "C"}, {"已等天数", 0, "R"}, {"付款期限", 0, "R"}, {"收款账户", 24, "L"},
	}, rows, 0), rows)
}

// failedSection lists the claims whose payment failed, the oldest failure first.
func (doc *document) failedSection(items []StatusItem) {
	doc.heading("四、"+sectionFailed, 30)
	doc.note("银行退回的支付，待核对账户后重新支付。")
	if len(items) == 0 {
		doc.note("没有支付失败的申请。")
		return
	}
	var rows [][]string
	for _, it := range items {
		on, paid, reason := failedOn(it).String(), "", ""
		if p := it.LastFailed; p != nil {
			paid, reason = money(p.Amount), record.MaskText(p.Reason)
		}
		rows = append(rows, []string{
			record.MaskText(it.ClaimID), it.PsnName, record.MaskID(it.Certno), money(it.Payable), on, paid,
			reason, bankText(it.ClaimState),
		})
	}
	doc.table(doc.fitColumns([]column{
		{"申请编号", 0, "L"}, {"姓名", 12, "L"}, {"证件号码", 0, "L"}, {"应付金额", 0, "R"}, {"支付日期", 0, "C"},
		{"支付金额", 0, "R"}, {"失败原因", 22, "L"}, {"收款账户", 24, "L"},
	}, rows, 0), rows)
}

// recoveriesSection lists the open recoveries, the oldest first.
func (doc *document) recoveriesSection(items []RecoveryItem) {
	doc.heading("五、"+sectionRecoveries, 30)
	doc.note("重复支付（ALREADY_REIMBURSED）或多付（PAYMENT_MISMATCH）而应追回、尚未追回的款项。")
	if len(items) == 0 {
		doc.note("没有待追回的款项。")
		return
	}
	var rows [][]string
	for _, r := range items {
		rows = append(rows, []string{
			kindLabel(r.SubjectKind) + " " + record.MaskText(r.SubjectID), record.MaskText(r.ClaimID), r.Claim.PsnName,
			record.MaskID(r.Claim.Certno), money(r.Amount), r.OpenedOn.String(), strconv.Itoa(r.Days), record.MaskText(r.Reason),
		})
	}
	doc.table(doc.fitColumns([]column{
		{"追回对象", 0, "L"}, {"申请编号", 0, "L"}, {"姓名", 12, "L"}, {"证件号码", 0, "L"}, {"应追回金额", 0, "R"},
		{"登记日期", 0, "C"}, {"天数", 0, "R"}, {"原因", 30, "L"},
	}, rows, 1), rows)
}

// bankText is a claim's bank and account, the account masked (SPEC 2.2).
func bankText(s record.ClaimState) string {
	if s.BankAccount == "" {
		return "未登记"
	}
	return strings.TrimSpace(s.BankName + " " + record.MaskAccount(s.BankAccount))
}

// statusName is statusLabel without the ledger's word: the list is for the
// claims office, and the room goes to the claim id.
func statusName(s string) string { return strings.TrimSuffix(statusLabel(s), " "+s) }

// claimIDColumn is the list's 申请编号 column, which never wraps.
const claimIDColumn = 1

// minFlexWidth is the narrowest a wrapping column gets, in millimetres: a
// three-character name still fits.
const minFlexWidth = 11.0

// fitColumns sizes a table to the page width for its rows at the table
// font. A column given width 0 holds one short value per row (an id, a
// date, a number, a status) and is made as wide as its widest cell or
// heading, so that it never wraps (issue 14: claim ids wrapped). The other
// columns (names) share what is left and wrap where they must (see
// shareColumns). Should the fitted columns leave the wrapping ones less than
// minFlexWidth each, the fitted columns but keep give up room in proportion
// to their width (and may wrap); keep never does.
func (d *document) fitColumns(cols []column, rows [][]string, keep int) []column {
	d.pdf.SetFont(fontFamily, "", tableFont)
	defer d.pdf.SetFont(fontFamily, "", textFont)
	// 0.5 mm beyond the cell margins: wrap breaks only where a line is wider.
	pad := 2*d.pdf.GetCellMargin() + 0.5
	out := make([]column, len(cols))
	copy(out, cols)
	natural := make([]float64, len(cols))
	var fitted, others float64
	var flex []int
	for i, c := range cols {
		w := d.pdf.GetStringWidth(c.head)
		for _, r := range rows {
			if i < len(r) {
				w = max(w, d.pdf.GetStringWidth(r[i]))
			}
		}
		natural[i] = w + pad
		if c.width > 0 {
			flex = append(flex, i)
			continue
		}
		out[i].width = natural[i]
		fitted += out[i].width
		if i != keep {
			others += out[i].width
		}
	}
	room := bodyW - fitted
	need := float64(len(flex)) * minFlexWidth
	if room < need && others > 0 {
		// Squeeze the fitted columns but keep to leave the wrapping ones their minimum.
		scale := max(0, others-(need-room)) / others
		for i := range out {
			if cols[i].width == 0 && i != keep {
				out[i].width *= scale
			}
		}
		room = need
	}
	shareColumns(out, flex, natural, room)
	return out
}

// shareColumns gives the wrapping columns flex (indexes into cols) room
// millimetres between them. Each gets its given width scaled by one factor,
// but never less than minFlexWidth nor more than its widest cell needs, so
// a short column hands its spare room to a long one; room left when every
// column fits is shared by the given widths.
func shareColumns(cols []column, flex []int, natural []float64, room float64) {
	hi := func(i int) float64 { return max(natural[i], minFlexWidth) }
	width := func(i int, f float64) float64 { return min(max(f*cols[i].width, minFlexWidth), hi(i)) }
	var given, most float64
	for _, i := range flex {
		given += cols[i].width
		most += hi(i)
	}
	if most <= room {
		// Every column fits: the room to spare goes by the given widths.
		for _, i := range flex {
			cols[i].width = hi(i) + (room-most)*cols[i].width/given
		}
		return
	}
	// The total is monotone in the factor: bisect for the one that fills room.
	total := func(f float64) float64 {
		var t float64
		for _, i := range flex {
			t += width(i, f)
		}
		return t
	}
	a, b := 0.0, 1.0
	for total(b) < room {
		b *= 2
	}
	for range 100 {
		m := (a + b) / 2
		if total(m) < room {
			a = m
		} else {
			b = m
		}
	}
	for _, i := range flex {
		cols[i].width = width(i, b)
	}
}
