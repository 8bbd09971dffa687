package reports

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"medrecon/batch/record"
)

func TestGroupDigits(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"an amount gets separators", "差额 16650.00", "差额 16,650.00"},
		{"a negative amount", "差额 -1234567.89", "差额 -1,234,567.89"},
		{"below a thousand unchanged", "差额 150.00", "差额 150.00"},
		{"an amount before a comma that ends a clause", "医疗费 58000.00, 明细无记录", "医疗费 58,000.00, 明细无记录"},
		{"an amount before a full stop", "应付 1000.00.", "应付 1,000.00."},
		{"several amounts", "medfee 6000.00 → 6200.00；1030.00", "medfee 6,000.00 → 6,200.00；1,030.00"},
		{"an id with digits stays", "结算 S2509050018 与 BX2025080003", "结算 S2509050018 与 BX2025080003"},
		{"an integer stays (counts, years, codes)", "险种 310 清算类别 21 笔数 12345", "险种 310 清算类别 21 笔数 12345"},
		{"a date stays", "就诊日 2025-06-20", "就诊日 2025-06-20"},
		{"a masked ID number stays", "证件 130102********1234.00", "证件 130102********1234.00"},
		{"grouped already stays", "1,234.00 与 12,345.67", "1,234.00 与 12,345.67"},
		{"a version stays", "v1.2.3 与 2026.10.1", "v1.2.3 与 2026.10.1"},
		{"a ratio stays", "比例 0.9000", "比例 0.9000"},
		{"yuan sign", "¥70650.00", "¥70,650.00"},
		{"no digits", "无有效备案", "无有效备案"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := groupDigits(tt.in); got != tt.want {
				t.Errorf("groupDigits(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestFitName: a file name on the cover is one line, never broken inside a
// name: shortened to its last element, then with its middle left out.
func TestFitName(t *testing.T) {
	doc := newDocument("t", "t", sampleRun().Run.FinishedAt)
	doc.newPage()
	const w = 47
	tests := []struct {
		name, in, want string
	}{
		{"fits as it is", "in/claims.xlsx", "in/claims.xlsx"},
		{"the folder gives way", "/srv/medrecon/incoming/20260410/claims.xlsx", "…/claims.xlsx"},
		{"a long name loses its middle", "/srv/in/settlements_2025_12_hospital_export_resend_final.csv", ""},
		{"a long Chinese name", "异地就医直接结算明细表_天津市第一中心医院_2025年12月_补传.xlsx", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := doc.fitName(tt.in, w)
			if tt.want != "" && got != tt.want {
				t.Errorf("fitName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			doc.pdf.SetFontSize(tableFont)
			if lines := doc.wrap(got, w); len(lines) != 1 {
				t.Errorf("fitName(%q) = %q wraps to %d lines", tt.in, got, len(lines))
			}
			if tt.want == "" {
				base := tt.in[strings.LastIndex(tt.in, "/")+1:]
				head, tail, ok := strings.Cut(got, "…")
				if !ok || !strings.HasPrefix(base, head) || !strings.HasSuffix(base, tail) || len(head) == 0 {
					t.Errorf("fitName(%q) = %q, want the name's start and end around …", tt.in, got)
				}
				if ext := base[strings.LastIndex(base, "."):]; !strings.HasSuffix(got, ext) {
					t.Errorf("fitName(%q) = %q lost the extension %s", tt.in, got, ext)
				}
			}
		})
	}
}

func amountFinding(kind, id, code, sev, amount string) record.Finding {
	f := record.Finding{SubjectKind: kind, SubjectID: id, Code: code, Severity: sev, Detail: "d " + id}
	if amount != "" {
		f.Amount = nullDec(amount)
	}
	return f
}

// TestFindingOrder: money findings first — errors, then warnings, then
// notices; within a severity the largest absolute amount first, findings
// without an amount last, then by subject.
func TestFindingOrder(t *testing.T) {
	s, c, st := record.KindSettlement, record.KindClaim, record.KindStatement
	want := []record.Finding{
		amountFinding(st, "H1", record.StatementOnly, record.SeverityError, "40000.00"),
		amountFinding(s, "S9", record.AmountMismatch, record.SeverityError, "-16650.00"),
		amountFinding(s, "S1", record.AmountMismatch, record.SeverityError, "450.00"),
		amountFinding(s, "S2", record.AmountMismatch, record.SeverityError, "-450.00"), // same size: by subject
		amountFinding(s, "S3", record.AmountMismatch, record.SeverityError, "450.00"),
		amountFinding(c, "C1", record.DuplicateInvoice, record.SeverityError, ""),
		amountFinding(s, "S0", record.RefundUnmatched, record.SeverityError, ""),
		amountFinding(st, "H2", record.StatementMismatch, record.SeverityWarning, "25.00"),
		amountFinding(c, "C0", record.NoValidFiling, record.SeverityWarning, ""),
		amountFinding(s, "S5", record.CapReached, record.SeverityInfo, ""),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		got := slices.Clone(want)
		r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		slices.SortFunc(got, FindingOrder)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("order (-want +got):\n%s", diff)
		}
	}
}

// TestFindingsTableKeepsLargest: under the per-code cap the table keeps each
// code's largest amounts, and lists errors before warnings.
func TestFindingsTableKeepsLargest(t *testing.T) {
	defer func(n int) { MaxFindingsPerCode = n }(MaxFindingsPerCode)
	MaxFindingsPerCode = 3
	d := sampleRun()
	d.Findings = nil
	for i, amt := range []string{"5.00", "-9000.00", "120.50", "16650.00", "0.02", "-700.00", "33.00", "1.00"} {
		d.Findings = append(d.Findings, amountFinding(record.KindSettlement, fmt.Sprintf("M%03d", i), record.AmountMismatch, record.SeverityError, amt))
	}
	for i := range 5 {
		d.Findings = append(d.Findings, amountFinding(record.KindClaim, fmt.Sprintf("N%03d", i), record.NoValidFiling, record.SeverityWarning, ""))
	}
	all := squeeze(strings.Join(pdfPages(t, renderRun(t, d)), "\n"))
	ids := regexp.MustCompile(`[MN]\d{3}`).FindAllString(all, -1)
	want := []string{"M003", "M001", "M005", "N000", "N001", "N002"} // 16,650 · −9,000 · −700; then the warnings
	var got []string
	for _, id := range ids {
		if !slices.Contains(got, id) {
			got = append(got, id)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings listed (-want +got):\n%s", diff)
	}
	for _, w := range []string{"16,650.00d", "-9,000.00d", "未列出：统筹支付金额不符AMOUNT_MISMATCH5条，无有效备案NO_VALID_FILING2条。"} {
		if !strings.Contains(all, w) {
			t.Errorf("PDF lacks %q", w)
		}
	}
}

// TestChartsData: the discrepancy chart leaves out institutions that net to
// zero; the findings chart has a bar for every code, however small.
func TestChartsData(t *testing.T) {
	bars := discrepancyByInstitution([]record.InstitutionTotal{
		{Code: "H1", Name: "甲", Discrepancy: dec("0.00")},
		{Code: "H2", Name: "乙", Discrepancy: dec("-0.01")},
		{Code: "H3", Discrepancy: dec("450.00")},
		{Code: "H4", Name: "丁", Discrepancy: dec("0")},
	})
	var labels []string
	for _, b := range bars {
		labels = append(labels, b.label)
	}
	if diff := cmp.Diff([]string{"H3", "乙（H2）"}, labels); diff != "" {
		t.Errorf("institutions charted (-want +got):\n%s", diff)
	}
	codes := findingsByCode([]record.FindingCount{
		{SubjectKind: record.KindClaim, Code: record.NoValidFiling, N: 50000},
		{SubjectKind: record.KindSettlement, Code: record.AlreadyReimbursed, N: 1},
		{SubjectKind: record.KindSettlement, Code: record.NoValidFiling, N: 3},
		{SubjectKind: record.KindStatement, Code: record.DetailOnly, N: 2},
	})
	labels = labels[:0]
	for _, b := range codes {
		labels = append(labels, b.text)
	}
	if diff := cmp.Diff([]string{"50003 条", "2 条", "1 条"}, labels); diff != "" {
		t.Errorf("codes charted (-want +got):\n%s", diff)
	}
}

// outline reads the titles of a PDF's bookmarks, in order, from gofpdf's
// outline objects ("<</Title (…)/Parent …").
func outline(t *testing.T, pdf []byte) []string {
	t.Helper()
	var titles []string
	for _, m := range regexp.MustCompile(`(?s)<</Title \((.*?[^\\])\)\s*/Parent`).FindAllSubmatch(pdf, -1) {
		raw := m[1]
		var b []byte
		for i := 0; i < len(raw); i++ {
			if raw[i] == '\\' && i+1 < len(raw) {
				i++
				switch raw[i] {
				case 'r':
					b = append(b, '\r')
					continue
				case 'n':
					b = append(b, '\n')
					continue
				}
			}
			b = append(b, raw[i])
		}
		b = bytes.TrimPrefix(b, []byte{0xfe, 0xff})
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		titles = append(titles, string(utf16.Decode(u)))
	}
	return titles
}

// TestRunPDFOutline: the PDF has a bookmark for every section, in order,
// each on the page where its heading stands.
func TestRunPDFOutline(t *testing.T) {
	d := sampleRun()
	for i := range 60 { // push the later sections onto later pages
		d.Findings = append(d.Findings, amountFinding(record.KindClaim, fmt.Sprintf("N%03d", i), record.NoValidFiling, record.SeverityWarning, ""))
	}
	pdf := renderRun(t, d)
	got := outline(t, pdf)
	want := []string{
		"运行信息", "输入文件", "汇总", "按医疗机构的差额（前 15 位，按绝对值）", "按问题代码的问题数", "问题清单",
		"核准支付清单（手工报销）", "待复核申请（暂不支付）", "待补材料申请（暂不支付）", "复核决定", "支付结果", "追回事项",
		"拒收行", "审核签字",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outline (-want +got):\n%s", diff)
	}
	// pdftohtml (poppler-utils, as pdftotext) reads each bookmark's page.
	pages := pdfPages(t, pdf)
	bin, err := exec.LookPath("pdftohtml")
	if err != nil {
		t.Skipf("pdftohtml not found: %v; the bookmarks' pages are not checked", err)
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-xml", "-i", "-stdout", path).Output()
	if err != nil {
		t.Fatalf("pdftohtml: %v", err)
	}
	items := regexp.MustCompile(`<item page="(\d+)">([^<]*)</item>`).FindAllStringSubmatch(string(out), -1)
	if len(items) != len(want) {
		t.Fatalf("pdftohtml reads %d bookmarks, want %d", len(items), len(want))
	}
	for _, it := range items {
		n, _ := strconv.Atoi(it[1])
		if n < 1 || n > len(pages) || !strings.Contains(squeeze(pages[n-1]), squeeze(it[2])) {
			t.Errorf("bookmark %q points at page %s, which lacks its heading", it[2], it[1])
		}
	}
	if last := items[len(items)-1][1]; last != strconv.Itoa(len(pages)) || len(pages) < 3 {
		t.Errorf("the signature block's bookmark is on page %s of %d", last, len(pages))
	}
}

// TestSignatureBlock: the report ends with 制表 / 复核 / 审批, each with a
// name line and a date line, all on the last page.
func TestSignatureBlock(t *testing.T) {
	pages := pdfPages(t, renderRun(t, sampleRun()))
	last := squeeze(pages[len(pages)-1])
	i := strings.Index(last, "审核签字")
	if i < 0 {
		t.Fatalf("the last page lacks the signature block: %s", last)
	}
	// SPEC 4.4: the chain hash the signature fixes, above the signatures.
	if got, want := last[i:], "审核签字账本链哈希chain_sha256："+sampleRun().Run.ChainSHA256+"制表签名日期复核签名日期审批签名日期"; !strings.HasPrefix(got, want) {
		t.Errorf("signature block reads %q, want %q", got, want)
	}
}

// TestClaimsTables: claims in review and pending claims each have a table,
// capped like the payouts, with a total row over all of them; a claim is
// listed by its state at the run's end.
func TestClaimsTables(t *testing.T) {
	defer func(n int) { MaxPayoutRows = n }(MaxPayoutRows)
	MaxPayoutRows = 3
	d := sampleRun()
	d.Assessments = nil
	for i := range 5 {
		d.Assessments = append(d.Assessments, claimRow(fmt.Sprintf("P%03d", i), idChen, "陈海燕", "天津市第一中心医院", "H12010100001",
			record.ClaimPending, "1000.00", "1000.00", "0"))
	}
	for i := range 2 {
		d.Assessments = append(d.Assessments, claimRow(fmt.Sprintf("R%03d", i), idZhao, "赵雨桐", "北京协和医院", "H11010100003",
			record.ClaimReview, "2400.50", "2400.50", "0"))
	}
	// Pending, then completed and approved in the same run: approved only.
	d.Assessments = append(d.Assessments,
		claimRow("Q000", idLi, "李建国", "北京协和医院", "H11010100003", record.ClaimPending, "10.00", "10.00", "0"),
		claimRow("Q000", idLi, "李建国", "北京协和医院", "H11010100003", record.ClaimApproved, "10.00", "10.00", "0"))
	pages := pdfPages(t, renderRun(t, d))
	all := squeeze(strings.Join(pages, "\n"))
	for _, want := range []string{
		"待复核申请（暂不支付）申请编号姓名证件号码医疗机构核算金额（元）R000赵雨桐" + record.MaskID(idZhao) + "北京协和医院2,400.50",
		"合计2件4,801.00",
		"待补材料申请（暂不支付）共5件，列出前3件，合计为全部5件；全部清单见账本的assessments表（run_id=20260106-020003）。",
		"申请编号姓名证件号码医疗机构申报截止日核算金额（元）P000陈海燕" + record.MaskID(idChen) + "天津市第一中心医院2026-03-311,000.00",
		"合计5件5,000.00",
		"核准支付清单（手工报销）申请编号姓名证件号码医疗机构应付金额（元）Q000李建国",
		"待补材料pending5¥5,000.00—",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	if n := len(regexp.MustCompile(`P00\d`).FindAllString(all, -1)); n != 3 {
		t.Errorf("%d pending claims listed, want 3", n)
	}
	if strings.Count(all, "Q000") != 1 {
		t.Errorf("Q000 listed %d times, want once, as approved", strings.Count(all, "Q000"))
	}
}

// tableHeads maps each section heading of the run PDF that holds a table
// to its header row, as pdftotext reads them.
var tableHeads = map[string]string{
	"输入文件":         "文件类型SHA-256行数拒收",
	"汇总":           "状态件数核算金额合计应付金额合计",
	"问题清单":         "类型对象编号问题级别金额（元）说明",
	"核准支付清单（手工报销）": "申请编号姓名证件号码医疗机构应付金额（元）",
	"待复核申请（暂不支付）":  "申请编号姓名证件号码医疗机构核算金额（元）",
	"待补材料申请（暂不支付）": "申请编号姓名证件号码医疗机构申报截止日核算金额（元）",
	"复核决定":         "申请编号姓名证件号码复核结论核定金额（元）复核人复核日期理由",
	"支付结果":         "申请编号姓名收款账号支付金额（元）支付日期银行流水号结果失败原因",
	"追回事项":         "事件对象申请编号姓名证件号码金额（元）说明",
	"拒收行":          "文件工作表行列值原因",
}

// TestNoHeadingAtFoot moves every section down the page a row at a time:
// no page ends with a heading, a caption or a table's header row, and a
// heading stands on the page of its table's header row.
func TestNoHeadingAtFoot(t *testing.T) {
	heads := map[string]bool{"直接结算": true, "手工报销申请": true, "审核签字": true, "按问题代码的问题数": true}
	for h, row := range tableHeads {
		heads[h], heads[row] = true, true
	}
	heads["状态笔数应付统筹合计差额合计"] = true
	for n := range 40 {
		d := sampleRun()
		for i := range n {
			d.Findings = append(d.Findings, amountFinding(record.KindClaim, fmt.Sprintf("C%03d", i), record.NoValidFiling, record.SeverityWarning, ""))
		}
		d.Files = slices.Repeat(d.Files, 1+n%4)
		for i, p := range pdfPages(t, renderRun(t, d)) {
			var lines []string
			for _, l := range strings.Split(p, "\n") {
				if s := squeeze(l); s != "" && !strings.HasPrefix(s, "运行编号") {
					lines = append(lines, s)
				}
			}
			if len(lines) == 0 {
				continue
			}
			if last := lines[len(lines)-1]; heads[last] {
				t.Errorf("%d more findings: page %d ends with %q", n, i+1, last)
			}
			for j, l := range lines {
				row, ok := tableHeads[l]
				if !ok || j+1 < len(lines) && strings.HasPrefix(lines[j+1], "本次运行没有") {
					continue
				}
				if !slices.Contains(lines[j:], row) {
					t.Errorf("%d more findings: page %d has the heading %q without its table", n, i+1, l)
				}
			}
		}
	}
}

// TestOwnTextChinese: the sentences the PDF writes itself (notes, labels,
// captions) carry no English words; only names an auditor types or looks
// up appear in Latin letters: commands, tables and columns of the ledger,
// file names, finding codes and statuses.
func TestOwnTextChinese(t *testing.T) {
	defer func(f, p, r int) { MaxFindingsPerCode, MaxPayoutRows, MaxRejectRows = f, p, r }(MaxFindingsPerCode, MaxPayoutRows, MaxRejectRows)
	MaxFindingsPerCode, MaxPayoutRows, MaxRejectRows = 1, 1, 1
	d := sampleRun()
	// Data in Chinese and digits only, so that every Latin word is the PDF's own.
	d.Run.Version = "1"
	d.Run.PolicySHA256 = strings.Repeat("0", 64)
	d.Run.ChainSHA256 = strings.Repeat("2", 64)
	d.Files = []record.InputFile{{Path: "结算.csv", Kind: record.InputSettlements, SHA256: strings.Repeat("1", 64), Rows: 1}}
	d.Findings = nil
	for range 3 {
		d.Findings = append(d.Findings, record.Finding{SubjectKind: record.KindClaim, SubjectID: "甲", Code: record.NoValidFiling, Severity: record.SeverityWarning, Detail: "无"})
	}
	d.Assessments = nil
	for range 2 {
		for _, st := range []string{record.ClaimApproved, record.ClaimReview, record.ClaimPending} {
			d.Assessments = append(d.Assessments, claimRow("甲", idLi, "张", "医院", "1", st, "1", "1", "0"))
			d.Assessments = append(d.Assessments, claimRow("乙", idLi, "张", "医院", "1", st, "1", "1", "0"))
		}
	}
	d.Rejects = []record.Reject{{File: "结算.csv", Row: 1, Col: "列", Value: "值", Reason: "原因"}, {File: "结算.csv", Row: 2, Col: "列", Value: "值", Reason: "原因"}}
	chinese := party("张", idLi, "银行", "1234567890")
	d.Decisions = nil
	for _, k := range []string{record.DecisionApprove, record.DecisionAdjust} {
		d.Decisions = append(d.Decisions, record.RunDecision{Decision: record.Decision{ClaimID: "甲", Decision: k, Amount: nullDec("1"), Reason: "理由", Reviewer: "周"}, ClaimParty: chinese})
	}
	d.Payments = []record.RunPayment{
		{Payment: record.Payment{ClaimID: "甲", Amount: dec("1"), BankRef: "1", Result: record.PaymentSuccess}, ClaimParty: chinese},
		{Payment: record.Payment{ClaimID: "乙", Amount: dec("1"), BankRef: "2", Result: record.PaymentFailed, Reason: "原因"}, ClaimParty: chinese},
	}
	d.Recoveries = nil
	for _, e := range []string{record.RecoveryOpened, record.RecoverySettled, record.RecoveryOpened} {
		d.Recoveries = append(d.Recoveries, record.RunRecovery{Recovery: record.Recovery{SubjectKind: record.KindClaim, SubjectID: "甲", ClaimID: "甲",
			Amount: dec("1"), Reason: "多付", Event: e}, ClaimParty: chinese})
	}
	allowed := map[string]bool{
		"SHA": true, "UTC": true, "csv": true, "xlsx": true, "run": true, "export": true, "run_id": true,
		"findings": true, "assessments": true, "rejects": true, "payouts": true,
		"NO_VALID_FILING": true, "AMOUNT_MISMATCH": true, "TOTALS_INCONSISTENT": true, "NON_DESIGNATED": true,
		"SUSPECTED_DUPLICATE": true, "STATEMENT_MISMATCH": true, "chain_sha": true,
		// SPEC 3.7: the tables of a claim's life and what they point to.
		"decisions": true, "payments": true, "recoveries": true, "deadlines": true,
		"ALREADY_REIMBURSED": true, "PAYMENT_MISMATCH": true,
	}
	for _, st := range []string{"approved", "rejected", "review", "pending", "balanced", "mismatch", "refunded", "refund", "conflict", "committed",
		"paid", "payment_failed", "approve", "adjust", "reject", "success", "failed", "opened", "settled"} {
		allowed[st] = true
	}
	for i, p := range pdfPages(t, renderRun(t, d)) {
		for _, w := range regexp.MustCompile(`[A-Za-z_]+`).FindAllString(p, -1) {
			if !allowed[w] {
				t.Errorf("page %d: English %q in the PDF's own text", i+1, w)
			}
		}
	}
}

// TestRunPDFGolden keeps the sample run's PDF text, page by page, under
// testdata (go test -update rewrites it): a change to what the report says
// or where a page breaks shows in review as a diff. Runs of spaces, which
// depend on pdftotext's layout, read as one.
func TestRunPDFGolden(t *testing.T) {
	d := sampleRun()
	for i, f := range d.Findings { // the money findings' amounts, which order the table
		switch f.SubjectID {
		case "S0002":
			d.Findings[i].Amount = nullDec("150.00")
		case "S0003":
			d.Findings[i].Amount = nullDec("-300.00")
		case "H12010100001":
			d.Findings[i].Amount = nullDec("300.00")
		}
	}
	var b strings.Builder
	for i, p := range pdfPages(t, renderRun(t, d)) {
		fmt.Fprintf(&b, "=== page %d\n", i+1)
		for _, l := range strings.Split(p, "\n") {
			if l = strings.Join(strings.Fields(l), " "); l != "" {
				b.WriteString(l + "\n")
			}
		}
	}
	golden(t, "run_pdf.golden", []byte(b.String()))
}

// TestCoverNamesFilesGivenAgain: SPEC 4.3, the cover lists the files that
// an earlier run already imported and the rows ignored as re-sends, so that
// the counts add up.
func TestCoverNamesFilesGivenAgain(t *testing.T) {
	d := sampleRun()
	d.Run.Ignored = 7
	again := d.Files[0]
	again.Path, again.AlreadyImported, again.Rows = "in/settlements_0409.csv", "R20260409-001", 500
	d.Files = append(d.Files, again)
	cover := squeeze(pdfPages(t, renderRun(t, d))[0])
	for _, want := range []string{
		"以下文件内容与此前运行导入的文件完全相同，本次未再读入，其行数不计入本次：in/settlements_0409.csv（运行R20260409-001已导入）。",
		"另有7条结算或申请与账本中已有的内容完全相同，作为重复导入忽略，不计入本次评估。",
	} {
		if !strings.Contains(cover, want) {
			t.Errorf("the cover lacks %q:\n%s", want, cover)
		}
	}
	if strings.Contains(cover, "500") {
		t.Errorf("the cover counts the rows of a file it did not read:\n%s", cover)
	}
}

// TestLifeTables: the night's decisions, payments and recoveries (SPEC
// 3.7, 4.3) each have a table, capped like the claims tables, with totals
// over all of them; IDs and bank accounts are masked; a run without them
// says so.
func TestLifeTables(t *testing.T) {
	defer func(n int) { MaxPayoutRows = n }(MaxPayoutRows)
	MaxPayoutRows = 2
	all := squeeze(strings.Join(pdfPages(t, renderRun(t, sampleRun())), "\n"))
	for _, want := range []string{
		"复核决定复核决定自本次运行起改变申请的状态和应付金额",
		"共3件，列出前2件，合计为全部3件；全部见账本的decisions表（run_id=20260106-020003）。",
		"C2025-0102赵雨桐" + record.MaskID(idZhao) + "调整adjust1,800.00吴假名2026-01-05",
		"合计3件1,800.00核准1，驳回1，调整1",
		"共4笔，列出前2笔，合计为全部4笔；全部见账本的payments表",
		"C2025-0080陈海燕" + record.MaskAccount(accountChen) + "-150.002026-01-05B2026010500007成功success",
		"合计3笔8,150.00成功success", "合计1笔1,200.00失败failed",
		"共3件，列出前2件，合计为全部3件；全部见recoveries.xlsx或账本的recoveries表",
		"结清settled手工报销C2025-0080C2025-0080陈海燕" + record.MaskID(idChen) + "150.00追回150.00",
		"开立opened合计2件8,300.00", "结清settled合计1件150.00",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	for _, hidden := range []string{"C2025-0103", "C2025-0091", "S0007"} { // beyond the cap
		if strings.Contains(all, hidden) {
			t.Errorf("PDF lists %s, beyond the first %d rows", hidden, MaxPayoutRows)
		}
	}
	for _, account := range []string{accountZhang, accountLi, accountChen} {
		if strings.Contains(all, account) || strings.Contains(all, account[:len(account)-4]) {
			t.Errorf("PDF shows the bank account %s", record.MaskAccount(account))
		}
	}

	none := sampleRun()
	none.Decisions, none.Payments, none.Recoveries = nil, nil, nil
	all = squeeze(strings.Join(pdfPages(t, renderRun(t, none)), "\n"))
	for _, want := range []string{"复核决定本次运行没有复核决定。", "支付结果本次运行没有支付结果。", "追回事项本次运行没有开立或结清的追回。"} {
		if !strings.Contains(all, want) {
			t.Errorf("PDF of a run without life events lacks %q", want)
		}
	}
}
