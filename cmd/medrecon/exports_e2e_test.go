package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// Fictional payees' accounts, as the counter writes them (grouped) and as
// the ledger keeps them (digits).
const (
	accountYang  = "6222021234567890123"
	accountXiao  = "6217000010012345678"
	claimsHeader = "申请编号,证件号码,姓名,险种类型,人员类别,参保地,就医地,医疗机构编码,医疗机构名称,医院等级,是否定点,医疗类别,是否急诊," +
		"入院日期,出院日期,票据代码,票据号码,医疗费总额,符合政策范围金额,申请日期,材料齐全,开户银行,银行账号\n"
)

// A payout's way through the binary (SPEC 2.2, 2.7, 3.7, 4.3): claims with
// bank accounts are approved and exported; payouts.xlsx alone holds the
// accounts in full, owner-only; finance fills in the payments template and
// it comes back in a drop folder, told from its header row, with a review
// decision; an overpayment opens a recovery, which the next night settles.
// Each night's PDF lists its decisions, payments and recoveries with the
// accounts masked, and `report` and `export` of a past night give the same
// bytes after later nights.
func TestPayoutThroughTheBinary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "ledger.duckdb")
	pol := policyDir(t)
	exports := filepath.Join(dir, "exports")
	write := func(path, text string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	filings := write(filepath.Join(dir, "night1", "filings.csv"), "备案编号,证件号码,备案类型,备案就医地,开始日期,结束日期,办理日期,状态,撤销日期,病种\n"+
		"BA1,130102197506180512,长期居住,120000,2024-08-01,,2024-07-30,有效,,\n"+
		"BA2,130102198001010758,长期居住,120000,2024-06-01,,2024-05-29,有效,,\n")
	// C3 is C2's visit again on other invoices: held for review.
	claims := write(filepath.Join(dir, "night1", "claims.csv"), claimsHeader+
		"C1,130102197506180512,杨建华,职工医保,1101,130100,120103,H12010300011,天津市海河中心医院,3,是,普通住院,否,2025-11-02,2025-11-12,112060125,00200001,20000.00,18000.00,2026-01-05,是,中国虚构银行天津分行,6222 0212 3456 7890 123\n"+
		"C2,130102198001010758,肖国华,职工医保,1101,130100,120102,H12010200001,天津市虚构医院,3,是,普通住院,否,2025-12-01,2025-12-06,112060125,00200002,7000.00,6000.00,2026-01-10,是,中国虚构银行北京分行,"+accountXiao+"\n"+
		"C3,130102198001010758,肖国华,职工医保,1101,130100,120102,H12010200001,天津市虚构医院,3,是,普通住院,否,2025-12-01,2025-12-06,112060125,00200003,7000.00,6000.00,2026-01-11,是,,\n")
	pdf1 := filepath.Join(dir, "reports", "night1.pdf")
	said := mustRun(t, "--verbose", "run", "--db", db, "--policy", pol, "--as-of", "2026-04-10", "--claims", claims, "--filings", filings,
		"--report", pdf1, "--export", exports)
	run1 := filepath.Join(exports, "R20260410-001")

	// payouts.xlsx: the transfer batch, accounts in full, owner-only.
	payouts := filepath.Join(run1, "payouts.xlsx")
	if fi, err := os.Stat(payouts); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("payouts.xlsx: %v %v, want -rw-------", fi.Mode(), err)
	}
	rows := sheetRows(t, payouts, "核准支付")
	if got := strings.Join(rows[0][:7], " "); got != "运行编号 申请编号 收款人姓名 证件号码 应付金额 开户银行 银行账号" {
		t.Errorf("payouts header %q", got)
	}
	var paid []string
	for _, r := range rows[1:] {
		paid = append(paid, strings.Join(r[1:7], " "))
	}
	if len(paid) != 2 || !strings.HasPrefix(paid[0], "C1 杨建华 130102********0512 ") || !strings.HasSuffix(paid[0], " 中国虚构银行天津分行 "+accountYang) ||
		!strings.HasSuffix(paid[1], " 中国虚构银行北京分行 "+accountXiao) {
		t.Fatalf("payouts rows %q: want C1 and C2 with their banks and accounts in full", paid)
	}
	// Everywhere else the accounts are masked.
	outputs := map[string]string{"night 1 stdout": said.stdout, "night 1 log": said.stderr}
	if text, ok := pdfText(t, pdf1); ok {
		outputs["night 1 PDF"] = text
	}
	for _, name := range []string{"payments_template.xlsx", "findings.xlsx", "rejects.xlsx", "recoveries.xlsx"} {
		outputs["night 1 "+name] = xlsxText(t, filepath.Join(run1, name))
	}

	// Finance fills in the template: C1 paid 100.00 too much, C2 failed.
	template := sheetRows(t, filepath.Join(run1, "payments_template.xlsx"), "支付结果")
	if len(template) != 3 || template[1][0] != "C1" || template[2][0] != "C2" {
		t.Fatalf("payments template rows %q, want C1 and C2", template)
	}
	due := decimal.RequireFromString(strings.ReplaceAll(template[1][1], ",", ""))
	f, err := excelize.OpenFile(filepath.Join(run1, "payments_template.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	for ref, v := range map[string]string{
		"B2": due.Add(decimal.NewFromInt(100)).StringFixed(2), "C2": "2026-04-11", "D2": "B20260411001", "E2": "成功",
		"C3": "2026-04-11", "D3": "B20260411002", "E3": "失败", "F3": "账号不存在",
	} {
		if err := f.SetCellValue("支付结果", ref, v); err != nil {
			t.Fatal(err)
		}
	}
	in2 := filepath.Join(dir, "incoming", "20260412")
	if err := os.MkdirAll(in2, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(filepath.Join(in2, "payments_template.xlsx")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	write(filepath.Join(in2, "复核决定.csv"), "申请编号,复核结论,核定金额,理由,复核人,复核日期\nC3,驳回,,与C2为同一次住院,周虚构,2026-04-11\n")
	pdf2 := filepath.Join(dir, "reports", "night2.pdf")
	said = mustRun(t, "--verbose", "run", "--db", db, "--policy", pol, "--as-of", "2026-04-12", "--in", in2, "--report", pdf2, "--export", exports)
	outputs["night 2 stdout"], outputs["night 2 log"] = said.stdout, said.stderr
	if got := query(t, db, `SELECT kind FROM input_files WHERE run_id = 'R20260412-001' ORDER BY path`); strings.Join(got, " ") != "payments decisions" {
		t.Errorf("night 2's files were read as %v, want the template as payments", got)
	}
	state := `SELECT status FROM assessments WHERE subject_id = ? ORDER BY rowid DESC LIMIT 1`
	for id, want := range map[string]string{"C1": "paid", "C2": "payment_failed", "C3": "rejected"} {
		if got := query(t, db, state, id); len(got) != 1 || got[0] != want {
			t.Errorf("%s is %v after night 2, want %s", id, got, want)
		}
	}
	if text, ok := pdfText(t, pdf2); ok {
		outputs["night 2 PDF"] = text
		all := squeezed(text)
		for _, want := range []string{
			"复核决定", "C3肖国华130102********0758驳回reject周虚构2026-04-11与C2为同一次住院",
			"支付结果", "C1杨建华***************0123" + groupedMoney(due.Add(decimal.NewFromInt(100))) + "2026-04-11B20260411001成功success",
			"C2肖国华***************5678", "失败failed账号不存在",
			"追回事项", "开立opened手工报销C1C1杨建华130102********0512100.00多付100.00",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("night 2's PDF lacks %q", want)
			}
		}
	}
	run2 := filepath.Join(exports, "R20260412-001")
	for _, name := range []string{"payouts.xlsx", "payments_template.xlsx", "findings.xlsx", "rejects.xlsx", "recoveries.xlsx"} {
		outputs["night 2 "+name] = xlsxText(t, filepath.Join(run2, name))
	}
	opened := sheetRows(t, filepath.Join(run2, "recoveries.xlsx"), "本次追回事项")
	if len(opened) != 2 || strings.Join(opened[1][:3], " ") != "R20260412-001 开立 opened C1" || opened[1][7] != "100.00" {
		t.Errorf("night 2's recovery events %q, want C1's 100.00 opened", opened)
	}

	// Night 3: the 100.00 comes back and settles the recovery.
	back := write(filepath.Join(dir, "night3", "payments.csv"), "申请编号,支付金额,支付日期,银行流水号,支付结果,失败原因\nC1,-100.00,2026-04-13,B20260413001,成功,\n")
	mustRun(t, "run", "--db", db, "--policy", pol, "--as-of", "2026-04-13", "--payments", back, "--export", exports)
	run3 := filepath.Join(exports, "R20260413-001")
	if rows := sheetRows(t, filepath.Join(run3, "recoveries.xlsx"), "本次追回事项"); len(rows) != 2 || rows[1][1] != "结清 settled" {
		t.Errorf("night 3's recovery events %q, want C1's settled", rows)
	}
	if rows := sheetRows(t, filepath.Join(run3, "recoveries.xlsx"), "未结追回"); len(rows) != 1 {
		t.Errorf("night 3 leaves recoveries open: %q", rows)
	}
	// Night 2's files as it wrote them, after night 3: its open recovery
	// is still open as of night 2.
	if rows := sheetRows(t, filepath.Join(run2, "recoveries.xlsx"), "未结追回"); len(rows) != 2 || rows[1][2] != "C1" {
		t.Errorf("night 2's open recoveries %q, want C1's", rows)
	}
	again := filepath.Join(dir, "again")
	mustRun(t, "export", "--db", db, "--run", "R20260412-001", "--out", again)
	want, got := exportFiles(t, run2), exportFiles(t, filepath.Join(again, "R20260412-001"))
	if len(want) != 5 {
		t.Errorf("night 2 exported %d files, want 5", len(want))
	}
	for name, b := range want {
		if got[name] != b {
			t.Errorf("medrecon export's %s of night 2 differs from the run's", name)
		}
	}
	regenerated := filepath.Join(dir, "again", "night2.pdf")
	mustRun(t, "report", "--db", db, "--run", "R20260412-001", "--out", regenerated)
	if readFile(t, regenerated) != readFile(t, pdf2) {
		t.Error("medrecon report of night 2 differs from the PDF the run wrote")
	}

	for name, text := range outputs {
		for _, account := range []string{accountYang, accountXiao, accountYang[:15], accountXiao[:15]} {
			if strings.Contains(text, account) {
				t.Errorf("%s shows a bank account in full", name)
			}
		}
	}
}

// sheetRows reads every row of one sheet of a workbook.
func sheetRows(t *testing.T, path, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// squeezed drops the spaces pdftotext puts between separately drawn glyphs.
func squeezed(s string) string { return strings.Join(strings.Fields(s), "") }

// groupedMoney is an amount as the PDF prints it: 16,650.00.
func groupedMoney(d decimal.Decimal) string {
	s := d.StringFixed(2)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + frac
}
