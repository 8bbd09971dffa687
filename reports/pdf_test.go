package reports

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"medrecon/batch/record"
)

// pdfPages extracts the text of each page with poppler's pdftotext.
func pdfPages(t *testing.T, pdf []byte) []string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skipf("pdftotext not found: %v; install poppler-utils to read the PDF text back", err)
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	return pages
}

// squeeze drops the spaces pdftotext puts between separately drawn glyphs.
func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

var fullID = regexp.MustCompile(`\d{17}[\dXx]`)

func renderRun(t *testing.T, d record.RunData) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteRunPDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRunPDFText(t *testing.T) {
	d := sampleRun()
	pages := pdfPages(t, renderRun(t, d))
	all := squeeze(strings.Join(pages, "\n"))
	want := []string{
		"异地就医直接结算与手工报销核对报告", "运行信息", "输入文件", "汇总", "问题清单", "核准支付清单", "拒收行",
		"待复核申请", "待补材料申请", "审核签字",
		"按医疗机构的差额", "按问题代码的问题数",
		"20260106-020003", "2026-01-05", "2026-01-0602:00:50(UTC+8)", "v1.2.0", d.Run.PolicySHA256[:40],
		"in/结算明细_202512.csv", "结算明细", "手工报销申请.xlsx",
		// totals: approved 70,650.00 + 13,200.00, the only payable claims;
		// pending and review worked out but not payable; net and gross discrepancy
		"核准支付approved2¥83,850.00¥83,850.00", "待补材料pending1¥1,234,567.89—", "待复核review1¥2,400.50—",
		"合计5¥83,850.00", "金额不符mismatch2¥6,000.00-¥150.00",
		// the settlements' total: expected payments of those that stand (800 + 1,000 + 5,000), the net
		"合计6¥6,800.00-¥150.00",
		"净差额-¥150.00", "差额绝对值合计¥450.00", "对总账差异1条",
		// payouts table and its total
		"C2025-0001张晓梅" + record.MaskID(idZhang), "70,650.00", "合计2件", "83,850.00",
		// a negative bar labelled with its amount
		"河北医科大学第二医院（H13010000002）-¥300.00",
		// the ID inside a finding's detail is masked
		record.MaskID(idWang),
		"日期无效/notadate",
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("PDF text lacks %q", w)
		}
	}
	for i, p := range pages {
		if m := fullID.FindString(p); m != "" {
			t.Errorf("page %d shows an unmasked ID %s", i+1, m)
		}
		footer := fmt.Sprintf("第%d页/共%d页", i+1, len(pages))
		if !strings.Contains(squeeze(p), footer) || !strings.Contains(squeeze(p), "运行编号20260106-020003") {
			t.Errorf("page %d lacks the footer %q with the run id", i+1, footer)
		}
	}
	// The file SHA-256 is printed in full (wrapped over lines).
	if !strings.Contains(strings.ReplaceAll(all, "\n", ""), d.Files[0].SHA256) {
		t.Errorf("PDF text lacks the full SHA-256 %s", d.Files[0].SHA256)
	}
}

func TestRunPDFDeterministic(t *testing.T) {
	d := sampleRun()
	first := renderRun(t, d)
	// The ledger may hand the times back in another location; the bytes
	// must not change with it.
	again := sampleRun()
	again.Run.StartedAt = again.Run.StartedAt.In(time.FixedZone("CST", 8*3600))
	again.Run.FinishedAt = again.Run.FinishedAt.In(time.FixedZone("CST", 8*3600))
	tests := []struct {
		name string
		d    record.RunData
		same bool
	}{
		{"same data", sampleRun(), true},
		{"same instants in another zone", again, true},
		{"another run id", func() record.RunData { x := sampleRun(); x.Run.RunID = "20260107-020001"; return x }(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bytes.Equal(first, renderRun(t, tt.d)); got != tt.same {
				t.Errorf("identical bytes = %v, want %v", got, tt.same)
			}
		})
	}
}

// TestLongTablePaginates renders 300 findings with long details: every page
// of the table repeats the header row, and every row (its id and the marker
// at the end of its detail) lies on one page, once.
func TestLongTablePaginates(t *testing.T) {
	d := sampleRun()
	d.Findings = nil
	long := strings.Repeat("就医地报告的统筹基金支出与按参保地政策计算的应付金额不一致，请核对结算明细。", 3)
	for i := range 300 {
		id := fmt.Sprintf("S%04d", i+1)
		// Two codes of 150, under the table's cap per code.
		code := []string{record.AmountMismatch, record.TotalsInconsistent}[i%2]
		d.Findings = append(d.Findings, record.Finding{
			SubjectKind: record.KindSettlement, SubjectID: id, Code: code, Severity: record.SeverityError,
			Detail: fmt.Sprintf("%s 证件 %s %s END%04d", long[:len(long)*(i%3+1)/3], idChen, long, i+1),
		})
	}
	pages := pdfPages(t, renderRun(t, d))
	if len(pages) < 10 {
		t.Fatalf("%d pages; 300 long findings should fill at least 10", len(pages))
	}
	seen := map[string]int{}
	tablePages := 0
	for n, p := range pages {
		s := squeeze(p)
		if fullID.MatchString(p) {
			t.Errorf("page %d shows an unmasked ID", n+1)
		}
		ids := regexp.MustCompile(`S\d{4}`).FindAllString(s, -1)
		ends := regexp.MustCompile(`END(\d{4})`).FindAllStringSubmatch(s, -1)
		if len(ends) == 0 {
			continue
		}
		tablePages++
		if !strings.Contains(s, "类型对象编号问题级别金额（元）说明") {
			t.Errorf("page %d holds findings but no header row: %.200s", n+1, s)
		}
		onPage := map[string]bool{}
		for _, id := range ids {
			onPage[id] = true
		}
		for _, e := range ends {
			id := "S" + e[1]
			seen[id]++
			if !onPage[id] {
				t.Errorf("page %d: the row of %s is split from its detail", n+1, id)
			}
		}
	}
	if len(seen) != 300 {
		t.Errorf("%d findings printed, want 300", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s printed %d times", id, n)
		}
	}
	if tablePages < 10 {
		t.Errorf("findings spread over %d pages, want at least 10", tablePages)
	}
}

// TestHugeCellContinues: a cell taller than a page is the one case where a
// row continues overleaf; nothing of it may be lost.
func TestHugeCellContinues(t *testing.T) {
	d := sampleRun()
	var words []string
	for i := range 900 {
		words = append(words, fmt.Sprintf("W%03d", i))
	}
	d.Findings = []record.Finding{{SubjectKind: record.KindClaim, SubjectID: "C1", Code: record.LateSubmission, Severity: record.SeverityError, Detail: strings.Join(words, " ")}}
	all := squeeze(strings.Join(pdfPages(t, renderRun(t, d)), ""))
	for _, w := range words {
		if strings.Count(all, w) != 1 {
			t.Fatalf("word %s printed %d times, want once", w, strings.Count(all, w))
		}
	}
}

// TestTablesCapped: on a huge night the tables list at most their caps (per
// code for findings), say how many rows they leave out and where to find
// them, and the payout total still counts every approved claim.
func TestTablesCapped(t *testing.T) {
	defer func(f, p, r int) { MaxFindingsPerCode, MaxPayoutRows, MaxRejectRows = f, p, r }(MaxFindingsPerCode, MaxPayoutRows, MaxRejectRows)
	MaxFindingsPerCode, MaxPayoutRows, MaxRejectRows = 5, 4, 3
	d := sampleRun()
	d.Findings, d.Assessments, d.Rejects = nil, nil, nil
	for i := range 12 {
		d.Findings = append(d.Findings, record.Finding{SubjectKind: record.KindSettlement, SubjectID: fmt.Sprintf("M%03d", i),
			Code: record.AmountMismatch, Severity: record.SeverityError, Detail: "x"})
	}
	for i := range 2 {
		d.Findings = append(d.Findings, record.Finding{SubjectKind: record.KindClaim, SubjectID: fmt.Sprintf("L%03d", i),
			Code: record.LateSubmission, Severity: record.SeverityError, Detail: "y"})
	}
	for i := range 9 {
		d.Assessments = append(d.Assessments, claimRow(fmt.Sprintf("P%03d", i), idZhang, "张晓梅", "天津市第一中心医院", "H12010100001",
			record.ClaimApproved, "100.01", "100.01", "0"))
	}
	for i := range 7 {
		d.Rejects = append(d.Rejects, record.Reject{File: "a.csv", Row: 100 + i, Col: "begndate", Value: "x", Reason: "日期无效 / not a date"})
	}
	all := squeeze(strings.Join(pdfPages(t, renderRun(t, d)), "\n"))
	for _, want := range []string{
		"共14条问题，每类最多列出金额最大的5条；未列出：统筹支付金额不符AMOUNT_MISMATCH7条。",
		"共9件，列出前4件，合计为全部9件",
		"9件900.09", // the total counts every approved claim
		"共7行，列出前3行",
		"run_id=20260106-020003",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	count := func(re string) int { return len(regexp.MustCompile(re).FindAllString(all, -1)) }
	if n := count(`M0\d\d`); n != 5 {
		t.Errorf("%d AMOUNT_MISMATCH rows shown, want 5", n)
	}
	if n := count(`L00\d`); n != 2 {
		t.Errorf("%d LATE_SUBMISSION rows shown, want both", n)
	}
	if n := count(`P00\d`); n != 4 {
		t.Errorf("%d payout rows shown, want 4", n)
	}
	if n := count(`a\.csv`); n != 3 {
		t.Errorf("%d reject rows shown, want 3", n)
	}
}
