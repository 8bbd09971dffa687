package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// The tables of a claim's life in the run PDF (SPEC 3.7, 4.3): the night's
// review decisions, payment results and recovery events. Like the claims
// tables they list at most MaxPayoutRows rows each and close with totals
// over all of them (RunSummary.Life). A person is shown by name and masked
// ID number, a bank account masked (SPEC 2.2: in full only in the payouts
// export).

// Tables of RunSummary.Life.
const (
	lifeDecisions  = "decisions"
	lifePayments   = "payments"
	lifeRecoveries = "recoveries"
)

// lifeTotals counts and sums a run's life events as the ledger's
// RunReportData does in SQL: by table and key, in that order.
func lifeTotals(d record.RunData) []record.LifeTotal {
	var out []record.LifeTotal
	add := func(table, key string, amount decimal.Decimal) {
		i := slices.IndexFunc(out, func(t record.LifeTotal) bool { return t.Table == table && t.Key == key })
		if i < 0 {
			out = append(out, record.LifeTotal{Table: table, Key: key})
			i = len(out) - 1
		}
		out[i].Count++
		out[i].Amount = out[i].Amount.Add(amount)
	}
	for _, x := range d.Decisions {
		add(lifeDecisions, x.Decision.Decision, x.Amount.Decimal) // zero when there is no amount
	}
	for _, x := range d.Payments {
		add(lifePayments, x.Result, x.Amount)
	}
	for _, x := range d.Recoveries {
		add(lifeRecoveries, x.Event, x.Amount)
	}
	slices.SortFunc(out, func(a, b record.LifeTotal) int {
		return cmp.Or(cmp.Compare(a.Table, b.Table), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// lifeTotal is the count and sum of one table's events of key, or of all
// its events when key is "".
func lifeTotal(s *record.RunSummary, table, key string) (int, decimal.Decimal) {
	n, sum := 0, decimal.Zero
	for _, t := range s.Life {
		if t.Table == table && (key == "" || t.Key == key) {
			n += t.Count
			sum = sum.Add(t.Amount)
		}
	}
	return n, sum
}

// lifeTable is one of the life tables: its heading, what it says when the
// run has none, its explanation, and how its rows are counted and where
// all of them are.
type lifeTable struct {
	title, empty, explain string
	table, unit, export   string
}

// lifeTable prints the table's heading and notes and its rows, or the note
// that the run has none (n is how many the run holds).
func (doc *document) lifeTable(l lifeTable, n int, runID string, cols []column, rows [][]string) {
	if n == 0 {
		doc.heading(l.title, 5)
		doc.note(l.empty)
		return
	}
	var capped string
	if n > MaxPayoutRows {
		capped = fmt.Sprintf("共 %d %s，列出前 %d %s，合计为全部 %d %s；全部见%s账本的 %s 表（run_id = %s）。",
			n, l.unit, MaxPayoutRows, l.unit, n, l.unit, l.export, l.table, runID)
	}
	doc.heading(l.title, doc.noteHeight(l.explain)+doc.noteHeight(capped)+doc.tableLead(cols, rows))
	doc.note(l.explain)
	if capped != "" {
		doc.note(capped)
	}
	doc.table(cols, rows)
}

func (doc *document) decisionsTable(d record.RunData) {
	cols := []column{{"申请编号", 26, "L"}, {"姓名", 16, "L"}, {"证件号码", 30, "L"}, {"复核结论", 18, "C"},
		{"核定金额（元）", 22, "R"}, {"复核人", 16, "L"}, {"复核日期", 18, "C"}, {"理由", 34, "L"}}
	var rows [][]string
	for _, x := range d.Decisions[:min(len(d.Decisions), MaxPayoutRows)] {
		rows = append(rows, []string{record.MaskText(x.ClaimID), x.PsnName, record.MaskID(x.Certno), decisionLabel(x.Decision.Decision),
			nullMoney(x.Amount), x.Reviewer, dateText(x.DecidedOn), groupDigits(record.MaskText(x.Reason))})
	}
	n, _ := lifeTotal(d.Summary, lifeDecisions, "")
	var adjusted string // the sum of the adjusted amounts, blank without an adjustment
	if c, sum := lifeTotal(d.Summary, lifeDecisions, record.DecisionAdjust); c > 0 {
		adjusted = money(sum)
	}
	var kinds []string
	for _, k := range []struct{ key, zh string }{{record.DecisionApprove, "核准"}, {record.DecisionReject, "驳回"}, {record.DecisionAdjust, "调整"}} {
		if c, _ := lifeTotal(d.Summary, lifeDecisions, k.key); c > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k.zh, c))
		}
	}
	rows = append(rows, []string{"合计", strconv.Itoa(n) + " 件", "", "", adjusted, "", "", strings.Join(kinds, "，")})
	doc.lifeTable(lifeTable{
		title: "复核决定", empty: "本次运行没有复核决定。",
		explain: "复核决定自本次运行起改变申请的状态和应付金额，决定后的状态见账本的 assessments 表。核定金额只有调整才有。",
		table:   "decisions", unit: "件",
	}, n, d.Run.RunID, cols, rows)
}

func (doc *document) paymentsTable(d record.RunData) {
	cols := []column{{"申请编号", 24, "L"}, {"姓名", 14, "L"}, {"收款账号", 31, "L"}, {"支付金额（元）", 22, "R"},
		{"支付日期", 18, "C"}, {"银行流水号", 25, "L"}, {"结果", 20, "C"}, {"失败原因", 26, "L"}}
	var rows [][]string
	for _, x := range d.Payments[:min(len(d.Payments), MaxPayoutRows)] {
		rows = append(rows, []string{record.MaskText(x.ClaimID), x.PsnName, orDash(record.MaskAccount(x.BankAccount)), money(x.Amount),
			dateText(x.PaidOn), record.MaskText(x.BankRef), resultLabel(x.Result), record.MaskText(x.Reason)})
	}
	for _, r := range []string{record.PaymentSuccess, record.PaymentFailed} {
		if c, sum := lifeTotal(d.Summary, lifePayments, r); c > 0 {
			rows = append(rows, []string{"合计", strconv.Itoa(c) + " 笔", "", money(sum), "", "", resultLabel(r), ""})
		}
	}
	n, _ := lifeTotal(d.Summary, lifePayments, "")
	doc.lifeTable(lifeTable{
		title: "支付结果", empty: "本次运行没有支付结果。",
		explain: "成功而金额为负数的是向个人追回的款项。收款账号只显示末四位，完整账号只在 payouts.xlsx 中。",
		table:   "payments", unit: "笔",
	}, n, d.Run.RunID, cols, rows)
}

func (doc *document) recoveriesTable(d record.RunData) {
	cols := []column{{"事件", 18, "C"}, {"对象", 30, "L"}, {"申请编号", 24, "L"}, {"姓名", 14, "L"},
		{"证件号码", 30, "L"}, {"金额（元）", 22, "R"}, {"说明", 42, "L"}}
	var rows [][]string
	for _, x := range d.Recoveries[:min(len(d.Recoveries), MaxPayoutRows)] {
		rows = append(rows, []string{eventLabel(x.Event), kindLabel(x.SubjectKind) + " " + record.MaskText(x.SubjectID),
			record.MaskText(x.ClaimID), x.PsnName, record.MaskID(x.Certno), money(x.Amount), groupDigits(record.MaskText(x.Reason))})
	}
	for _, e := range []string{record.RecoveryOpened, record.RecoverySettled} {
		if c, sum := lifeTotal(d.Summary, lifeRecoveries, e); c > 0 {
			rows = append(rows, []string{eventLabel(e), "合计 " + strconv.Itoa(c) + " 件", "", "", "", money(sum), ""})
		}
	}
	n, _ := lifeTotal(d.Summary, lifeRecoveries, "")
	doc.lifeTable(lifeTable{
		title: "追回事项", empty: "本次运行没有开立或结清的追回。",
		explain: "开立：已手工报销又直接结算（ALREADY_REIMBURSED）或多付（PAYMENT_MISMATCH）应追回的金额；结清：收到追回款。" +
			"尚未结清的追回见 deadlines 工作清单和 run --export 导出的 recoveries.xlsx。",
		table: "recoveries", unit: "件", export: "recoveries.xlsx 或",
	}, n, d.Run.RunID, cols, rows)
}
