package reports

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// topInstitutions is how many institutions the discrepancy chart shows.
const topInstitutions = 15

// WriteRunPDF renders the auditors' report of one run (SPEC 4.3): a cover
// with the run and its input files, the totals, a chart of discrepancy by
// institution and of findings by code, the tables of findings (money
// findings first), of approved payouts, of claims in review and pending
// claims, of the night's review decisions, payments and recoveries (SPEC
// 3.7), and of rejected rows, and a block for the signatures. Every
// section is an entry of the PDF's outline. The same RunData always gives
// the same bytes.
func WriteRunPDF(w io.Writer, d record.RunData) error {
	if d.FindingCounts == nil {
		// Every finding is here: count them once for the totals, the chart
		// and the table (the ledger counts them when it sends only some).
		d.FindingCounts = countFindings(d.Findings)
	}
	if d.Summary == nil {
		// Likewise every assessment, reject and life event.
		d.Summary = Summarize(d)
	}
	doc := newDocument("异地就医结算核对报告 "+d.Run.RunID, "运行编号 "+d.Run.RunID, d.Run.FinishedAt)
	doc.newPage()
	doc.cover(d)
	doc.totals(d)
	doc.charts(d)
	doc.findingsTable(d, d.Run.RunID)
	for _, l := range claimLists {
		doc.claimsTable(l, d.Assessments, d.Summary, d.Run.RunID)
	}
	doc.decisionsTable(d)
	doc.paymentsTable(d)
	doc.recoveriesTable(d)
	doc.rejectsTable(d.Rejects, d.Summary.Rejects, d.Run.RunID)
	doc.signatures(d.Run.ChainSHA256)
	if err := doc.write(w); err != nil {
		return fmt.Errorf("run %s: %w", d.Run.RunID, err)
	}
	return nil
}

// clock shows a run's start or finish on the agency's wall clock.
func clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(china).Format("2006-01-02 15:04:05 (UTC+8)")
}

func (doc *document) cover(d record.RunData) {
	doc.title("异地就医直接结算与手工报销核对报告")
	doc.pdf.SetFont(fontFamily, "", 10)
	doc.pdf.CellFormat(bodyW, 6, "医保经办机构 · 审计用", "", 1, "C", false, 0, "")
	doc.pdf.Ln(4)
	doc.heading("运行信息", 8*5.5)
	r := d.Run
	doc.keyValues([]pair{
		{"运行编号", r.RunID},
		{"对账基准日", r.AsOf.String()},
		{"开始时间", clock(r.StartedAt)},
		{"结束时间", clock(r.FinishedAt)},
		{"状态", r.Status},
		{"程序版本", r.Version},
		{"政策表 SHA-256", r.PolicySHA256},
		{"账本链哈希", orDash(r.ChainSHA256)},
	}, 32)
	cols := []column{
		{"文件", 47, "L"}, {"类型", 16, "L"}, {"SHA-256", 95, "L"}, {"行数", 11, "R"}, {"拒收", 11, "R"},
	}
	rows := make([][]string, 0, len(d.Files))
	var again []string
	for _, f := range d.Files {
		name := doc.fitName(record.MaskText(f.Path), cols[0].width)
		if f.AlreadyImported != "" {
			// Given again: named, not read into the ledger (SPEC 3.5).
			rows = append(rows, []string{name, inputLabel(f.Kind), f.SHA256, "—", "—"})
			again = append(again, fmt.Sprintf("%s（运行 %s 已导入）", record.MaskText(f.Path), f.AlreadyImported))
			continue
		}
		rows = append(rows, []string{name, inputLabel(f.Kind), f.SHA256, strconv.Itoa(f.Rows), strconv.Itoa(f.Rejected)})
	}
	doc.heading("输入文件", doc.tableLead(cols, rows))
	if len(rows) == 0 {
		doc.note("本次运行没有输入文件。")
		return
	}
	doc.table(cols, rows)
	// SPEC 4.3: the files already imported and the rows ignored, so that
	// the counts add up.
	if len(again) > 0 {
		doc.note("以下文件内容与此前运行导入的文件完全相同，本次未再读入，其行数不计入本次：" + strings.Join(again, "；") + "。")
	}
	if r.Ignored > 0 {
		doc.note(fmt.Sprintf("另有 %d 条结算或申请与账本中已有的内容完全相同，作为重复导入忽略，不计入本次评估。", r.Ignored))
	}
}

func inputLabel(kind string) string {
	switch kind {
	case record.InputSettlements:
		return "结算明细"
	case record.InputClaims:
		return "手工报销"
	case record.InputFilings:
		return "备案"
	case record.InputStatement:
		return "对总账"
	case record.InputDecisions:
		return "复核决定"
	case record.InputPayments:
		return "支付结果"
	}
	return kind
}

// statusTotal is the count and payable sum of one assessment status.
type statusTotal struct {
	status      string
	count       int
	payable     decimal.Decimal
	discrepancy decimal.Decimal
}

// runTotals adds up the ledger's amounts per status; it sums what the
// ledger holds and derives nothing else.
type runTotals struct {
	claims      []statusTotal
	settlements []statusTotal
	net, gross  decimal.Decimal
	statement   int
}

func totalsOf(d record.RunData) runTotals {
	claims := []statusTotal{{status: record.ClaimApproved}, {status: record.ClaimPaid}, {status: record.ClaimPaymentFailed},
		{status: record.ClaimRejected}, {status: record.ClaimReview}, {status: record.ClaimPending}}
	setls := []statusTotal{{status: record.SetlBalanced}, {status: record.SetlMismatch}, {status: record.SetlRefunded}, {status: record.SetlRefund}, {status: record.SetlConflict}}
	var t runTotals
	for _, st := range d.Summary.Statuses {
		list := claims
		if st.SubjectKind == record.KindSettlement {
			list = setls
			t.net = t.net.Add(st.Discrepancy)
			t.gross = t.gross.Add(st.Abs)
		}
		for i := range list {
			if list[i].status == st.Status {
				list[i].count += st.Count
				list[i].payable = list[i].payable.Add(st.Payable)
				list[i].discrepancy = list[i].discrepancy.Add(st.Discrepancy)
			}
		}
	}
	for _, c := range d.FindingCounts {
		if c.SubjectKind == record.KindStatement {
			t.statement += c.N
		}
	}
	// Conflicts are findings since SPEC 3.3 made them so; only a run of an
	// older ledger has settlements with status conflict to show.
	if last := setls[len(setls)-1]; last.status == record.SetlConflict && last.count == 0 {
		setls = setls[:len(setls)-1]
	}
	// paid and payment_failed (SPEC 3.7) are shown only by a run whose
	// payments made some: a night of assessments reads as it always did.
	claims = slices.DeleteFunc(claims, func(s statusTotal) bool {
		return s.count == 0 && (s.status == record.ClaimPaid || s.status == record.ClaimPaymentFailed)
	})
	t.claims, t.settlements = claims, setls
	return t
}

// totals prints the summary: the claims and the settlements per status,
// each table closed by a total row. Only approved claims are payable, so
// the claims' 应付金额合计 sums those alone; the amounts worked out for
// claims in review or pending stand in their own column. Likewise the
// settlements' total of expected fund payments counts only the settlements
// that stand (balanced or mismatched, record.Counts), while the total
// discrepancy is the net of them all.
func (doc *document) totals(d record.RunData) {
	t := totalsOf(d)
	rows := make([][]string, 0, len(t.claims)+1)
	n, payable := 0, decimal.Zero
	for _, s := range t.claims {
		due := "—"
		if s.status == record.ClaimApproved {
			due = yuan(s.payable)
			payable = payable.Add(s.payable)
		}
		n += s.count
		rows = append(rows, []string{statusLabel(s.status), strconv.Itoa(s.count), yuan(s.payable), due})
	}
	rows = append(rows, []string{"合计", strconv.Itoa(n), "", yuan(payable)})
	cols := []column{{"状态", 60, "L"}, {"件数", 24, "R"}, {"核算金额合计", 48, "R"}, {"应付金额合计", 48, "R"}}
	doc.heading("汇总", 6+doc.tableLead(cols, rows))
	doc.caption("手工报销申请", 0)
	doc.table(cols, rows)

	rows = make([][]string, 0, len(t.settlements)+1)
	n, payable = 0, decimal.Zero
	for _, s := range t.settlements {
		n += s.count
		if record.Counts(record.KindSettlement, s.status) {
			payable = payable.Add(s.payable)
		}
		rows = append(rows, []string{statusLabel(s.status), strconv.Itoa(s.count), yuan(s.payable), yuan(s.discrepancy)})
	}
	rows = append(rows, []string{"合计", strconv.Itoa(n), yuan(payable), yuan(t.net)})
	cols = []column{{"状态", 60, "L"}, {"笔数", 24, "R"}, {"应付统筹合计", 48, "R"}, {"差额合计", 48, "R"}}
	doc.caption("直接结算", doc.tableLead(cols, rows))
	doc.table(cols, rows)
	doc.note("手工报销的应付金额合计只计核准支付的申请；待复核、待补材料的申请尚未支付，其核算金额单列。直接结算的应付统筹合计不计已退费的结算和退费行。")
	doc.pdf.Ln(1)
	doc.keyValues([]pair{
		{"净差额", yuan(t.net) + "（正数：多付，应向就医地追回；负数：少付）"},
		{"差额绝对值合计", yuan(t.gross)},
		{"对总账差异", strconv.Itoa(t.statement) + " 条"},
		{"问题总数", strconv.Itoa(totalFindings(d)) + " 条"},
		{"拒收行", strconv.Itoa(d.Summary.Rejects) + " 行"},
	}, 32)
}

func (doc *document) charts(d record.RunData) {
	inst := discrepancyByInstitution(d.Summary.Institutions)
	const explain = "差额 = 就医地报告的统筹基金支出 − 按参保地政策应付。蓝色：多付，应向就医地追回；红色：少付。差额为零的机构不列出。"
	doc.heading("按医疗机构的差额（前 15 位，按绝对值）", doc.noteHeight(explain)+float64(max(1, len(inst)))*barRowH+2)
	if len(inst) > 0 {
		doc.note(explain)
	}
	doc.barChart(inst)
	codes := findingsByCode(d.FindingCounts)
	doc.heading("按问题代码的问题数", float64(max(1, len(codes)))*barRowH+2)
	doc.barChart(codes)
}

// Summarize counts a run's assessments, rejects and life events as the run
// PDF reports them, from a RunData that holds them all. The ledger's RunReportData
// computes the same in SQL; TestRunReportDataSummarizes holds the two to
// the same PDF.
func Summarize(d record.RunData) *record.RunSummary {
	s := &record.RunSummary{Rejects: len(d.Rejects), Life: lifeTotals(d)}
	statuses := map[[2]string]int{} // position in s.Statuses
	insts := map[string]int{}       // position in s.Institutions
	for i, a := range d.Assessments {
		if next := i + 1; next < len(d.Assessments) &&
			d.Assessments[next].SubjectKind == a.SubjectKind && d.Assessments[next].SubjectID == a.SubjectID {
			continue // a subject counts by its last row of the run (see RunData.Assessments)
		}
		k := [2]string{a.SubjectKind, a.Status}
		i, ok := statuses[k]
		if !ok {
			s.Statuses = append(s.Statuses, record.StatusTotal{SubjectKind: a.SubjectKind, Status: a.Status})
			i = len(s.Statuses) - 1
			statuses[k] = i
		}
		st := &s.Statuses[i]
		st.Count++
		st.Payable = st.Payable.Add(a.Payable.Decimal())
		if !a.Discrepancy.Valid {
			continue
		}
		st.Discrepancy = st.Discrepancy.Add(a.Discrepancy.Fen.Decimal())
		st.Abs = st.Abs.Add(a.Discrepancy.Fen.Decimal().Abs())
		if a.SubjectKind != record.KindSettlement {
			continue
		}
		j, ok := insts[a.FixmedinsCode]
		if !ok {
			s.Institutions = append(s.Institutions, record.InstitutionTotal{Code: a.FixmedinsCode})
			j = len(s.Institutions) - 1
			insts[a.FixmedinsCode] = j
		}
		in := &s.Institutions[j]
		in.Discrepancy = in.Discrepancy.Add(a.Discrepancy.Fen.Decimal())
		if in.Name == "" {
			in.Name = a.FixmedinsName
		}
	}
	return s
}

// discrepancyByInstitution keeps the institutions with the largest
// discrepancies by absolute value, ties by code, leaving out those at zero.
func discrepancyByInstitution(insts []record.InstitutionTotal) []bar {
	list := slices.Clone(insts)
	slices.SortFunc(list, func(x, y record.InstitutionTotal) int {
		if c := y.Discrepancy.Abs().Cmp(x.Discrepancy.Abs()); c != 0 {
			return c
		}
		return cmp.Compare(x.Code, y.Code)
	})
	// An institution whose settlements net to ¥0.00 has nothing to recover
	// or pay: it stays out of the chart.
	list = slices.DeleteFunc(list, func(x record.InstitutionTotal) bool { return x.Discrepancy.IsZero() })
	list = list[:min(len(list), topInstitutions)]
	bars := make([]bar, 0, len(list))
	for _, x := range list {
		label := x.Code
		if x.Name != "" {
			label = x.Name + "（" + x.Code + "）"
		}
		bars = append(bars, bar{label: label, value: x.Discrepancy, text: yuan(x.Discrepancy)})
	}
	return bars
}

// countFindings counts findings by subject kind and code.
func countFindings(fs []record.Finding) []record.FindingCount {
	out := []record.FindingCount{}
	index := map[[2]string]int{}
	for _, f := range fs {
		k := [2]string{f.SubjectKind, f.Code}
		i, ok := index[k]
		if !ok {
			out = append(out, record.FindingCount{SubjectKind: f.SubjectKind, Code: f.Code})
			i = len(out) - 1
			index[k] = i
		}
		out[i].N++
	}
	return out
}

func totalFindings(d record.RunData) int {
	n := 0
	for _, c := range d.FindingCounts {
		n += c.N
	}
	return n
}

// findingsByCode counts findings per code, most frequent first.
func findingsByCode(counts []record.FindingCount) []bar {
	type count struct {
		code string
		n    int64
	}
	var list []count
	index := map[string]int{} // position in list; only looked up, never ranged over
	for _, c := range counts {
		i, ok := index[c.Code]
		if !ok {
			list = append(list, count{code: c.Code})
			i = len(list) - 1
			index[c.Code] = i
		}
		list[i].n += int64(c.N)
	}
	slices.SortFunc(list, func(x, y count) int {
		if c := cmp.Compare(y.n, x.n); c != 0 {
			return c
		}
		return cmp.Compare(x.code, y.code)
	})
	bars := make([]bar, 0, len(list))
	for _, c := range list {
		bars = append(bars, bar{label: codeLabel(c.code) + " " + c.code, value: decimal.NewFromInt(c.n), text: strconv.FormatInt(c.n, 10) + " 条"})
	}
	return bars
}

// The run PDF is what an auditor reads and signs, not the whole ledger: on a
// province's busiest night a full listing would run to tens of thousands of
// pages and take minutes to draw. So the tables show at most these many rows
// (findings: per code, the first in FindingOrder, so every code keeps
// examples and the largest amounts are kept), say how many they leave out
// and where the full lists are: the ledger's tables and the XLSX files of
// `run --export`. Totals and charts always count every row. They are
// exported so that the ledger sends the PDF no more. MaxPayoutRows caps each
// of the claims tables: approved payouts, claims in review and pending
// claims, and each of the tables of the night's decisions, payments and
// recovery events.
var (
	MaxFindingsPerCode = 200
	MaxPayoutRows      = 1000
	MaxRejectRows      = 500
)

// FindingOrder is the order of the run PDF's findings table, money findings
// first (SPEC 4.3): by severity (error, warning, info), then by the absolute
// amount, largest first (findings without an amount after those with one),
// then by subject kind, subject id, code, detail and severity, then by the
// amount and the institution, so that no two different findings tie. The
// first MaxFindingsPerCode of each code in this order are the ones listed.
// The ledger's RunReportData picks each code's findings by the same keys in
// SQL; keep the two in step (TestRunReportDataSummarizes holds them to it).
func FindingOrder(x, y record.Finding) int {
	if c := cmp.Compare(severityRank(x.Severity), severityRank(y.Severity)); c != 0 {
		return c
	}
	if c := cmp.Compare(amountRank(x), amountRank(y)); c != 0 {
		return c
	}
	if x.Amount.Valid && y.Amount.Valid {
		if c := y.Amount.Decimal.Abs().Cmp(x.Amount.Decimal.Abs()); c != 0 {
			return c
		}
	}
	if c := cmp.Or(cmp.Compare(x.SubjectKind, y.SubjectKind), cmp.Compare(x.SubjectID, y.SubjectID),
		cmp.Compare(x.Code, y.Code), cmp.Compare(x.Detail, y.Detail), cmp.Compare(x.Severity, y.Severity)); c != 0 {
		return c
	}
	if x.Amount.Valid && y.Amount.Valid {
		if c := x.Amount.Decimal.Cmp(y.Amount.Decimal); c != 0 {
			return c
		}
	}
	return cmp.Compare(x.FixmedinsCode, y.FixmedinsCode)
}

// severityRank puts errors first, then warnings, then notices, then any
// other severity.
func severityRank(s string) int {
	switch s {
	case record.SeverityError:
		return 0
	case record.SeverityWarning:
		return 1
	case record.SeverityInfo:
		return 2
	}
	return 3
}

// amountRank puts findings with an amount before those without.
func amountRank(f record.Finding) int {
	if f.Amount.Valid {
		return 0
	}
	return 1
}

func (doc *document) findingsTable(d record.RunData, runID string) {
	cols := []column{{"类型", 15, "L"}, {"对象编号", 28, "L"}, {"问题", 32, "L"}, {"级别", 10, "C"}, {"金额（元）", 21, "R"}, {"说明", 74, "L"}}
	total := totalFindings(d)
	if total == 0 {
		doc.heading("问题清单", 5)
		doc.note("本次运行没有发现问题。")
		return
	}
	perCode := map[string]int{}
	for _, c := range d.FindingCounts {
		perCode[c.Code] += c.N
	}
	fs := slices.Clone(d.Findings)
	slices.SortFunc(fs, FindingOrder)
	shown := map[string]int{}
	rows := make([][]string, 0, min(len(fs), 20*MaxFindingsPerCode))
	for _, f := range fs {
		if shown[f.Code] >= MaxFindingsPerCode {
			continue
		}
		shown[f.Code]++
		rows = append(rows, []string{
			kindLabel(f.SubjectKind), record.MaskText(f.SubjectID), codeLabel(f.Code) + "\n" + f.Code,
			severityLabel(f.Severity), nullMoney(f.Amount), groupDigits(record.MaskText(f.Detail)),
		})
	}
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(perCode)) {
		if n := perCode[c] - shown[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %s %d 条", codeLabel(c), c, n))
		}
	}
	order := "按级别（错误、警告、提示）、再按金额绝对值从大到小排列。"
	var capped string
	if len(parts) > 0 {
		capped = fmt.Sprintf("共 %d 条问题，每类最多列出金额最大的 %d 条；未列出：%s。全部问题见账本的 findings 表（run_id = %s）或运行时 --export 导出的 findings.xlsx。",
			total, MaxFindingsPerCode, strings.Join(parts, "，"), runID)
	}
	doc.heading("问题清单", doc.noteHeight(order)+doc.noteHeight(capped)+doc.tableLead(cols, rows))
	doc.note(order)
	if capped != "" {
		doc.note(capped)
	}
	doc.table(cols, rows)
}

// claimList is one of the run PDF's tables of claims: the claims whose
// state at the run's end is status.
type claimList struct {
	status, title, amountHead, empty, export string
	deadline                                 bool // a column with the claim's deadline
}

var claimLists = []claimList{
	{status: record.ClaimApproved, title: "核准支付清单（手工报销）", amountHead: "应付金额（元）",
		empty: "本次运行没有核准支付的申请。", export: "run --export 导出的 payouts.xlsx 或"},
	{status: record.ClaimReview, title: "待复核申请（暂不支付）", amountHead: "核算金额（元）",
		empty: "本次运行没有待复核的申请。"},
	{status: record.ClaimPending, title: "待补材料申请（暂不支付）", amountHead: "核算金额（元）",
		empty: "本次运行没有待补材料的申请。", deadline: true},
}

// ListedClaims returns the claims a claims table of the run PDF lists:
// the first MaxPayoutRows (in RunData's order) whose last assessment of the
// run, their state at its end, has status. as may hold only those.
func ListedClaims(as []record.AssessedRow, status string) []record.AssessedRow {
	return claimsAtEnd(as, status, MaxPayoutRows)
}

// claimsAtEnd returns the first limit claims of as (all of them when limit
// is negative) whose last assessment of the run has status.
func claimsAtEnd(as []record.AssessedRow, status string, limit int) []record.AssessedRow {
	var out []record.AssessedRow
	for i, a := range as {
		if len(out) == limit {
			break
		}
		if next := i + 1; next < len(as) && as[next].SubjectKind == a.SubjectKind && as[next].SubjectID == a.SubjectID {
			continue // not the subject's last row of the run
		}
		if a.SubjectKind == record.KindClaim && a.Status == status {
			out = append(out, a)
		}
	}
	return out
}

// claimsTable lists the first claims of l's status in as (which may hold
// only those), and counts and sums all of them from the summary.
func (doc *document) claimsTable(l claimList, as []record.AssessedRow, s *record.RunSummary, runID string) {
	var sum decimal.Decimal
	n := 0
	for _, st := range s.Statuses {
		if st.SubjectKind == record.KindClaim && st.Status == l.status {
			n += st.Count
			sum = sum.Add(st.Payable)
		}
	}
	if n == 0 {
		doc.heading(l.title, 5)
		doc.note(l.empty)
		return
	}
	cols := []column{{"申请编号", 32, "L"}, {"姓名", 22, "L"}, {"证件号码", 36, "L"}, {"医疗机构", 60, "L"}, {l.amountHead, 30, "R"}}
	if l.deadline {
		cols = slices.Insert(cols, 4, column{"申报截止日", 22, "C"})
		cols[3].width -= 22
	}
	var rows [][]string
	for _, a := range ListedClaims(as, l.status) {
		row := []string{record.MaskText(a.SubjectID), a.PsnName, record.MaskID(a.Certno), a.FixmedinsName, money(a.Payable.Decimal())}
		if l.deadline {
			row = slices.Insert(row, 4, dateText(a.Deadline))
		}
		rows = append(rows, row)
	}
	total := []string{"合计", strconv.Itoa(n) + " 件", "", "", money(sum)}
	if l.deadline {
		total = slices.Insert(total, 4, "")
	}
	rows = append(rows, total)
	var capped string
	if n > MaxPayoutRows {
		capped = fmt.Sprintf("共 %d 件，列出前 %d 件，合计为全部 %d 件；全部清单见%s账本的 assessments 表（run_id = %s）。",
			n, MaxPayoutRows, n, l.export, runID)
	}
	doc.heading(l.title, doc.noteHeight(capped)+doc.tableLead(cols, rows))
	if capped != "" {
		doc.note(capped)
	}
	doc.table(cols, rows)
}

// dateText prints a date, or a dash for none.
func dateText(d record.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}

// rejectsTable lists the first rejects of rs (which may hold only those) of
// the run's n.
func (doc *document) rejectsTable(rs []record.Reject, n int, runID string) {
	if n == 0 {
		doc.heading("拒收行", 5)
		doc.note("本次运行没有拒收的行。")
		return
	}
	var capped string
	if n > MaxRejectRows {
		capped = fmt.Sprintf("共 %d 行，列出前 %d 行；全部见账本的 rejects 表（run_id = %s）。", n, MaxRejectRows, runID)
		rs = rs[:min(len(rs), MaxRejectRows)]
	}
	cols := []column{{"文件", 38, "L"}, {"工作表", 20, "L"}, {"行", 12, "R"}, {"列", 26, "L"}, {"值", 34, "L"}, {"原因", 50, "L"}}
	rows := make([][]string, 0, len(rs))
	for _, r := range rs {
		rows = append(rows, []string{doc.fitName(record.MaskText(r.File), cols[0].width), r.Sheet, strconv.Itoa(r.Row), r.Col, record.MaskText(r.Value), record.MaskText(r.Reason)})
	}
	doc.heading("拒收行", doc.noteHeight(capped)+doc.tableLead(cols, rows))
	if capped != "" {
		doc.note(capped)
	}
	doc.table(cols, rows)
}

// signatures closes the report with a block for the three people who sign
// it, 制表 (prepared), 复核 (checked) and 审批 (approved), each with a line
// for the name and one for the date, all on one page.
//
// The run's chain hash (SPEC 4.4) belongs above the signatures, so that a
// signed paper copy fixes the ledger as it was; runs do not record it yet,
// and chainRoom keeps its place until they do.
func (doc *document) signatures(chain string) {
	const (
		chainRoom = 6.0
		rowH      = 16.0
		roleW     = 24.0
	)
	pdf := doc.pdf
	doc.heading("审核签字", chainRoom+3*rowH+2)
	// SPEC 4.4: the chain hash fixes the ledger as it was when this page
	// was signed; medrecon verify --expect checks it against the rows.
	pdf.SetFont(fontFamily, "", textFont)
	pdf.CellFormat(bodyW, chainRoom, "账本链哈希 chain_sha256："+orDash(chain), "", 1, "L", false, 0, "")
	pdf.SetDrawColor(170, 170, 170)
	pdf.SetLineWidth(0.1)
	for _, role := range []string{"制表", "复核", "审批"} {
		y := pdf.GetY()
		pdf.SetFillColor(230, 230, 230)
		pdf.Rect(margin, y, roleW, rowH, "FD")
		pdf.Rect(margin+roleW, y, bodyW-roleW, rowH, "D")
		pdf.SetFont(fontFamily, "", 11)
		pdf.SetXY(margin, y)
		pdf.CellFormat(roleW, rowH, role, "", 0, "C", false, 0, "")
		pdf.SetFont(fontFamily, "", textFont)
		x := margin + roleW + 4
		base := y + rowH - 4.5 // the writing line
		pdf.SetXY(x, base-5)
		pdf.CellFormat(12, 5, "签名", "", 0, "L", false, 0, "")
		pdf.Line(x+12, base, x+82, base)
		x += 92
		pdf.SetXY(x, base-5)
		pdf.CellFormat(12, 5, "日期", "", 0, "L", false, 0, "")
		pdf.Line(x+12, base, margin+bodyW-4, base)
		pdf.SetXY(margin, y+rowH)
	}
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.2)
}

// orDash is s, or a dash for a value the ledger does not hold (a run
// committed before the ledger kept a chain).
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
