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
// institution and of findings by code, and the tables of findings, approved
// payouts and rejected rows. The same RunData always gives the same bytes.
func WriteRunPDF(w io.Writer, d record.RunData) error {
	if d.FindingCounts == nil {
		// Every finding is here: count them once for the totals, the chart
		// and the table (the ledger counts them when it sends only some).
		d.FindingCounts = countFindings(d.Findings)
	}
	if d.Summary == nil {
		// Likewise every assessment and reject.
		d.Summary = Summarize(d)
	}
	doc := newDocument("异地就医结算核对报告 "+d.Run.RunID, "运行编号 "+d.Run.RunID, d.Run.FinishedAt)
	doc.newPage()
	doc.cover(d)
	doc.totals(d)
	doc.charts(d)
	doc.findingsTable(d, d.Run.RunID)
	doc.payoutsTable(d.Assessments, d.Summary, d.Run.RunID)
	doc.rejectsTable(d.Rejects, d.Summary.Rejects, d.Run.RunID)
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
	doc.heading("运行信息", 40)
	r := d.Run
	doc.keyValues([]pair{
		{"运行编号", r.RunID},
		{"对账基准日", r.AsOf.String()},
		{"开始时间", clock(r.StartedAt)},
		{"结束时间", clock(r.FinishedAt)},
		{"状态", r.Status},
		{"程序版本", r.Version},
		{"政策表 SHA-256", r.PolicySHA256},
	}, 32)
	doc.heading("输入文件", 20)
	cols := []column{
		{"文件", 47, "L"}, {"类型", 16, "L"}, {"SHA-256", 95, "L"}, {"行数", 11, "R"}, {"拒收", 11, "R"},
	}
	rows := make([][]string, 0, len(d.Files))
	for _, f := range d.Files {
		rows = append(rows, []string{record.MaskText(f.Path), inputLabel(f.Kind), f.SHA256, strconv.Itoa(f.Rows), strconv.Itoa(f.Rejected)})
	}
	if len(rows) == 0 {
		doc.note("本次运行没有输入文件。")
		return
	}
	doc.table(cols, rows)
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
	claims := []statusTotal{{status: record.ClaimApproved}, {status: record.ClaimRejected}, {status: record.ClaimReview}, {status: record.ClaimPending}}
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
	t.claims, t.settlements = claims, setls
	return t
}

func (doc *document) totals(d record.RunData) {
	t := totalsOf(d)
	doc.heading("汇总", 60)
	doc.pdf.SetFont(fontFamily, "", 10)
	doc.pdf.CellFormat(bodyW, 6, "手工报销申请", "", 1, "L", false, 0, "")
	rows := make([][]string, 0, len(t.claims))
	for _, s := range t.claims {
		rows = append(rows, []string{statusLabel(s.status), strconv.Itoa(s.count), yuan(s.payable)})
	}
	doc.table([]column{{"状态", 70, "L"}, {"件数", 30, "R"}, {"应付金额合计", 80, "R"}}, rows)

	doc.pdf.SetFont(fontFamily, "", 10)
	doc.pdf.CellFormat(bodyW, 6, "直接结算", "", 1, "L", false, 0, "")
	rows = rows[:0]
	for _, s := range t.settlements {
		rows = append(rows, []string{statusLabel(s.status), strconv.Itoa(s.count), yuan(s.payable), yuan(s.discrepancy)})
	}
	doc.table([]column{{"状态", 70, "L"}, {"笔数", 30, "R"}, {"应付统筹合计", 40, "R"}, {"差额合计", 40, "R"}}, rows)
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
	doc.heading("按医疗机构的差额（前 15 位，按绝对值）", float64(max(1, len(inst)))*barRowH)
	if len(inst) > 0 {
		doc.note("差额 = 就医地报告的统筹基金支出 − 按参保地政策应付。蓝色：多付，应向就医地追回；红色：少付。")
	}
	doc.barChart(inst)
	codes := findingsByCode(d.FindingCounts)
	doc.heading("按问题代码的问题数", float64(max(1, len(codes)))*barRowH)
	doc.barChart(codes)
}

// Summarize counts a run's assessments and rejects as the run PDF reports
// them, from a RunData that holds them all. The ledger's RunReportData
// computes the same in SQL; TestRunReportDataSummarizes holds the two to
// the same PDF.
func Summarize(d record.RunData) *record.RunSummary {
	s := &record.RunSummary{Rejects: len(d.Rejects)}
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
		st.Payable = st.Payable.Add(a.Payable)
		if !a.Discrepancy.Valid {
			continue
		}
		st.Discrepancy = st.Discrepancy.Add(a.Discrepancy.Decimal)
		st.Abs = st.Abs.Add(a.Discrepancy.Decimal.Abs())
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
		in.Discrepancy = in.Discrepancy.Add(a.Discrepancy.Decimal)
		if in.Name == "" {
			in.Name = a.FixmedinsName
		}
	}
	return s
}

// discrepancyByInstitution keeps the institutions with the largest
// discrepancies by absolute value, ties by code.
func discrepancyByInstitution(insts []record.InstitutionTotal) []bar {
	list := slices.Clone(insts)
	slices.SortFunc(list, func(x, y record.InstitutionTotal) int {
		if c := y.Discrepancy.Abs().Cmp(x.Discrepancy.Abs()); c != 0 {
			return c
		}
		return cmp.Compare(x.Code, y.Code)
	})
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
// (findings: per code, in the ledger's order, so every code keeps examples),
// say how many they leave out and where the full lists are: the ledger's
// tables and the XLSX files of `run --export`. Totals and charts always count
// every row. They are exported so that the ledger sends the PDF no more.
var (
	MaxFindingsPerCode = 200
	MaxPayoutRows      = 1000
	MaxRejectRows      = 500
)

func (doc *document) findingsTable(d record.RunData, runID string) {
	doc.heading("问题清单", 20)
	total := totalFindings(d)
	if total == 0 {
		doc.note("本次运行没有发现问题。")
		return
	}
	perCode := map[string]int{}
	for _, c := range d.FindingCounts {
		perCode[c.Code] += c.N
	}
	shown := map[string]int{}
	rows := make([][]string, 0, min(len(d.Findings), 20*MaxFindingsPerCode))
	for _, f := range d.Findings {
		if shown[f.Code] >= MaxFindingsPerCode {
			continue
		}
		shown[f.Code]++
		rows = append(rows, []string{
			kindLabel(f.SubjectKind), record.MaskText(f.SubjectID), codeLabel(f.Code) + "\n" + f.Code,
			severityLabel(f.Severity), record.MaskText(f.Detail),
		})
	}
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(perCode)) {
		if n := perCode[c] - shown[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d 条", c, n))
		}
	}
	if len(parts) > 0 {
		doc.note(fmt.Sprintf("共 %d 条问题，每类最多列出 %d 条；未列出：%s。全部问题见账本 findings 表（run_id = %s）或 run --export 的 findings.xlsx。",
			total, MaxFindingsPerCode, strings.Join(parts, "，"), runID))
	}
	doc.table([]column{{"类型", 16, "L"}, {"对象编号", 30, "L"}, {"问题", 34, "L"}, {"级别", 12, "C"}, {"说明", 88, "L"}}, rows)
}

// payoutsTable lists the first approved claims of as (which may hold only
// those) and counts and sums all of them from the summary.
func (doc *document) payoutsTable(as []record.AssessedRow, s *record.RunSummary, runID string) {
	doc.heading("核准支付清单（手工报销）", 20)
	var rows [][]string
	for _, a := range as {
		if len(rows) == MaxPayoutRows {
			break
		}
		if a.SubjectKind == record.KindClaim && a.Status == record.ClaimApproved {
			rows = append(rows, []string{record.MaskText(a.SubjectID), a.PsnName, record.MaskID(a.Certno), a.FixmedinsName, money(a.Payable)})
		}
	}
	var sum decimal.Decimal
	n := 0
	for _, st := range s.Statuses {
		if st.SubjectKind == record.KindClaim && st.Status == record.ClaimApproved {
			n += st.Count
			sum = sum.Add(st.Payable)
		}
	}
	if n == 0 {
		doc.note("本次运行没有核准支付的申请。")
		return
	}
	if n > MaxPayoutRows {
		doc.note(fmt.Sprintf("共 %d 件，列出前 %d 件，合计为全部 %d 件；全部清单见 run --export 的 payouts.xlsx 或账本 assessments 表（run_id = %s）。",
			n, MaxPayoutRows, n, runID))
	}
	rows = append(rows, []string{"合计", strconv.Itoa(n) + " 件", "", "", money(sum)})
	doc.table([]column{{"申请编号", 32, "L"}, {"姓名", 22, "L"}, {"证件号码", 36, "L"}, {"医疗机构", 60, "L"}, {"应付金额（元）", 30, "R"}}, rows)
}

// rejectsTable lists the first rejects of rs (which may hold only those) of
// the run's n.
func (doc *document) rejectsTable(rs []record.Reject, n int, runID string) {
	doc.heading("拒收行", 20)
	if n == 0 {
		doc.note("本次运行没有拒收的行。")
		return
	}
	if n > MaxRejectRows {
		doc.note(fmt.Sprintf("共 %d 行，列出前 %d 行；全部见账本 rejects 表（run_id = %s）。", n, MaxRejectRows, runID))
		rs = rs[:min(len(rs), MaxRejectRows)]
	}
	rows := make([][]string, 0, len(rs))
	for _, r := range rs {
		rows = append(rows, []string{record.MaskText(r.File), r.Sheet, strconv.Itoa(r.Row), r.Col, record.MaskText(r.Value), record.MaskText(r.Reason)})
	}
	doc.table([]column{{"文件", 38, "L"}, {"工作表", 20, "L"}, {"行", 12, "R"}, {"列", 26, "L"}, {"值", 34, "L"}, {"原因", 50, "L"}}, rows)
}
