package reports

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"medrecon/batch/record"
)

// book is a workbook read back for checks. excelize's Style does not report
// a cell format's quotePrefix attribute, so book reads it from the file's
// xl/styles.xml, as Excel does.
type book struct {
	*excelize.File
	quotePrefix []bool // by style id
}

func readXLSX(t *testing.T, data []byte) *book {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open("xl/styles.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var styles struct {
		Xf []struct {
			QuotePrefix string `xml:"quotePrefix,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := xml.NewDecoder(rc).Decode(&styles); err != nil {
		t.Fatalf("xl/styles.xml: %v", err)
	}
	b := &book{File: f}
	for _, xf := range styles.Xf {
		b.quotePrefix = append(b.quotePrefix, xf.QuotePrefix == "1" || xf.QuotePrefix == "true")
	}
	return b
}

func openXLSX(t *testing.T, path string) *book {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return readXLSX(t, data)
}

// quoted reports whether the cell's format has Excel's quote prefix.
func (b *book) quoted(t *testing.T, sheet, ref string) bool {
	t.Helper()
	style, err := b.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	if style < 0 || style >= len(b.quotePrefix) {
		t.Fatalf("%s %s has style %d, but styles.xml has %d cell formats", sheet, ref, style, len(b.quotePrefix))
	}
	return b.quotePrefix[style]
}

// isString reports whether a cell type is a string, shared or inline.
func isString(typ excelize.CellType) bool {
	return typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString
}

// checkSheet checks the header row, the frozen pane below it and that no
// cell holds an unmasked ID or a text that Excel would run as a formula.
// A column headed 银行账号 holds bank accounts in full (payouts.xlsx alone,
// SPEC 2.2), which are long digit strings too; its cells are not IDs.
func checkSheet(t *testing.T, f *book, sheet string, header []string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || strings.Join(rows[0], "|") != strings.Join(header, "|") {
		t.Fatalf("%s header = %q, want %q", sheet, rows, header)
	}
	panes, err := f.GetPanes(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("%s panes = %+v, want frozen below the header row", sheet, panes)
	}
	for r, row := range rows {
		for c, v := range row {
			if fullID.MatchString(v) && rows[0][c] != "银行账号" {
				t.Errorf("%s row %d column %d shows an unmasked ID: %q", sheet, r+1, c+1, v)
			}
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			typ, err := f.GetCellType(sheet, ref)
			if err != nil {
				t.Fatal(err)
			}
			if isString(typ) && v != "" && strings.ContainsAny(v[:1], "=+-@\t\r") && !f.quoted(t, sheet, ref) {
				t.Errorf("%s %s = %q: text starting with a formula character has no quote prefix", sheet, ref, v)
			}
			if formula, _ := f.GetCellFormula(sheet, ref); formula != "" {
				t.Errorf("%s %s holds a formula %q", sheet, ref, formula)
			}
		}
	}
	return rows
}

func TestExportRun(t *testing.T) {
	dir := t.TempDir()
	d := sampleRun()
	d.Findings = append(d.Findings, record.Finding{
		SubjectKind: record.KindSettlement, SubjectID: "S2025-0009", Code: record.AmountMismatch, Severity: record.SeverityError,
		Detail: "差额 -1234.50", Amount: decimal.NewNullDecimal(decimal.RequireFromString("-1234.50")), FixmedinsCode: "H12010100001",
	}, record.Finding{
		SubjectKind: record.KindClaim, SubjectID: "C2025-0003", Code: record.DuplicateInvoice, Severity: record.SeverityError,
		Detail: "=HYPERLINK(\"http://example.invalid\",\"点击\") 证件 " + idWang,
	})
	d.Rejects = append(d.Rejects, record.Reject{File: "claims.xlsx", Sheet: "申请明细", Row: 7, Col: "证件号码", Value: record.MaskID(idWang), Reason: "校验位错误 / bad checksum"})
	if err := ExportRun(dir, d); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "findings.xlsx payments_template.xlsx payouts.xlsx recoveries.xlsx rejects.xlsx" {
		t.Errorf("export dir holds %q, want only the five workbooks", got)
	}

	f := openXLSX(t, filepath.Join(dir, "payouts.xlsx"))
	rows := checkSheet(t, f, "核准支付", []string{"运行编号", "申请编号", "收款人姓名", "证件号码", "应付金额", "开户银行", "银行账号",
		"医疗机构", "年度", "基本医疗统筹", "大病保险", "计算过程"})
	if len(rows) != 3 {
		t.Fatalf("payouts has %d rows, want the header and 2 approved claims", len(rows))
	}
	cells := []struct {
		name, ref, want, raw  string
		number, money, quoted bool
	}{
		{"run id", "A2", d.Run.RunID, "", false, false, false},
		{"claim id", "B2", "C2025-0001", "", false, false, false},
		{"payee", "C2", "张晓梅", "", false, false, false},
		{"masked ID", "D2", record.MaskID(idZhang), "", false, false, false},
		{"payable is a number with two decimals", "E2", "70,650.00", "70650", true, true, false},
		{"bank", "F2", "中国工商银行石家庄分行", "", false, false, false},
		{"the account in full, a text cell kept as text", "G2", accountZhang, "", false, false, true},
		{"year is a number", "I2", "2025", "2025", true, false, false},
		{"basic", "J3", "13,200.00", "13200", true, true, false},
		{"serious", "K3", "0.00", "0", true, true, false},
		{"institution starting with @ keeps its value under a quote prefix", "H3", "@天津医科大学总医院", "", false, false, true},
		{"trace is masked", "L2", "(80000.00 − 1500.00) × 0.90 = 70650.00；证件 " + record.MaskID(idZhang), "", false, false, false},
	}
	for _, c := range cells {
		t.Run("payouts "+c.name, func(t *testing.T) {
			got, err := f.GetCellValue("核准支付", c.ref)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%s = %q, want %q", c.ref, got, c.want)
			}
			typ, _ := f.GetCellType("核准支付", c.ref)
			isNumber := typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset
			if isNumber != c.number {
				t.Errorf("%s type %v, number = %v", c.ref, typ, c.number)
			}
			if c.raw != "" {
				raw, _ := f.GetCellValue("核准支付", c.ref, excelize.Options{RawCellValue: true})
				if raw != c.raw {
					t.Errorf("%s raw = %q, want %q", c.ref, raw, c.raw)
				}
			}
			style, err := f.GetCellStyle("核准支付", c.ref)
			if err != nil {
				t.Fatal(err)
			}
			st, err := f.GetStyle(style)
			if err != nil {
				t.Fatal(err)
			}
			hasFmt := st.CustomNumFmt != nil && *st.CustomNumFmt == "#,##0.00"
			if hasFmt != c.money {
				t.Errorf("%s number format #,##0.00 = %v, want %v", c.ref, hasFmt, c.money)
			}
			if q := f.quoted(t, "核准支付", c.ref); q != c.quoted {
				t.Errorf("%s quote prefix = %v, want %v", c.ref, q, c.quoted)
			}
		})
	}
	if w, err := f.GetColWidth("核准支付", "L"); err != nil || w < 30 {
		t.Errorf("trace column width %.1f (%v), want it to fit the trace", w, err)
	}

	g := openXLSX(t, filepath.Join(dir, "findings.xlsx"))
	rows = checkSheet(t, g, "问题清单", []string{"运行编号", "对象类型", "对象编号", "医疗机构编码", "问题代码", "问题", "级别", "金额", "说明"})
	if len(rows) != len(d.Findings)+1 {
		t.Fatalf("findings has %d rows, want %d", len(rows), len(d.Findings)+1)
	}
	last := rows[len(rows)-1]
	if want := "=HYPERLINK(\"http://example.invalid\",\"点击\") 证件 " + record.MaskID(idWang); last[8] != want {
		t.Errorf("formula-like detail = %q, want %q", last[8], want)
	}
	// The AMOUNT_MISMATCH row: its institution, and its amount as a number finance can total.
	mismatch := rows[len(rows)-2]
	if mismatch[0] != d.Run.RunID || mismatch[3] != "H12010100001" || mismatch[7] != "-1,234.50" {
		t.Errorf("AMOUNT_MISMATCH row = %q, want the run id, institution H12010100001 and amount -1,234.50", mismatch)
	}
	ref, _ := excelize.CoordinatesToCellName(8, len(rows)-1)
	if typ, _ := g.GetCellType("问题清单", ref); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("%s type %v, want a number", ref, typ)
	}
	if raw, _ := g.GetCellValue("问题清单", ref, excelize.Options{RawCellValue: true}); raw != "-1234.50" {
		t.Errorf("%s raw = %q, want the number -1234.50", ref, raw)
	}

	r := openXLSX(t, filepath.Join(dir, "rejects.xlsx"))
	rows = checkSheet(t, r, "拒收行", []string{"运行编号", "文件", "工作表", "行", "列", "值", "原因"})
	if len(rows) != len(d.Rejects)+1 {
		t.Fatalf("rejects has %d rows, want %d", len(rows), len(d.Rejects)+1)
	}
	if got := strings.Join(rows[len(rows)-1], "|"); got != d.Run.RunID+"|claims.xlsx|申请明细|7|证件号码|"+record.MaskID(idWang)+"|校验位错误 / bad checksum" {
		t.Errorf("last reject row = %s", got)
	}

	// The payments template: the payouts' claims and amounts in the
	// payments file's columns, the rest for finance to fill in.
	p := openXLSX(t, filepath.Join(dir, "payments_template.xlsx"))
	rows = checkSheet(t, p, "支付结果", []string{"申请编号", "支付金额", "支付日期", "银行流水号", "支付结果", "失败原因"})
	if diff := cmp.Diff([][]string{{"C2025-0001", "70,650.00"}, {"C2025-0002", "13,200.00"}}, rows[1:]); diff != "" {
		t.Errorf("template rows (-want +got):\n%s", diff)
	}
	typ, _ := p.GetCellType("支付结果", "B3")
	if raw, _ := p.GetCellValue("支付结果", "B3", excelize.Options{RawCellValue: true}); typ == excelize.CellTypeSharedString || !dec(raw).Equal(dec("13200")) {
		t.Errorf("template amount B3 = %q of type %v, want the number 13200", raw, typ)
	}
	for ref, want := range map[string]int{"C3": 0, "D2": textFormat, "E3": textFormat, "F2": textFormat} {
		style, err := p.GetCellStyle("支付结果", ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := p.GetStyle(style)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Fill.Color) != 1 || st.Fill.Color[0] != fillTint || st.NumFmt != want || want == 0 && (st.CustomNumFmt == nil || *st.CustomNumFmt != "yyyy-mm-dd") {
			t.Errorf("template fill-in cell %s: fill %v, format %d %v; want tinted, a date or text (a long bank reference typed in keeps its digits)",
				ref, st.Fill.Color, st.NumFmt, st.CustomNumFmt)
		}
	}
	if dvs, err := p.GetDataValidations("支付结果"); err != nil || len(dvs) != 1 || dvs[0].Sqref != "E2:E3" || !strings.Contains(dvs[0].Formula1, "成功,失败") {
		t.Errorf("template result column validation = %+v, %v; want a list 成功,失败 over E2:E3", dvs, err)
	}

	// recoveries.xlsx: the run's events, and what is open at its end.
	rc := openXLSX(t, filepath.Join(dir, "recoveries.xlsx"))
	if got := rc.GetSheetList(); !slices.Equal(got, []string{"本次追回事项", "未结追回"}) {
		t.Errorf("recoveries.xlsx sheets %q", got)
	}
	rows = checkSheet(t, rc, "本次追回事项", []string{"运行编号", "事件", "申请编号", "姓名", "证件号码", "对象类型", "对象编号", "金额", "说明"})
	want := [][]string{
		{d.Run.RunID, "结清 settled", "C2025-0080", "陈海燕", record.MaskID(idChen), "claim", "C2025-0080", "150.00", "追回 150.00 (银行流水号 B2026010500007, 支付日期 2026-01-05)"},
		{d.Run.RunID, "开立 opened", "C2025-0092", "张晓梅", record.MaskID(idZhang), "claim", "C2025-0092", "300.00", "多付 300.00 (银行流水号 B2026010400003, 支付日期 2026-01-04)"},
		{d.Run.RunID, "开立 opened", "C2025-0060", "李建国", record.MaskID(idLi), "settlement", "S0007", "8,000.00",
			"申请 C2025-0060 已手工报销, 结算 S0007 又支付 (证件 " + record.MaskID(idLi) + ")"},
	}
	if diff := cmp.Diff(want, rows[1:]); diff != "" {
		t.Errorf("recovery events (-want +got):\n%s", diff)
	}
	rows = checkSheet(t, rc, "未结追回", []string{"运行编号", "开立运行", "申请编号", "姓名", "证件号码", "对象类型", "对象编号", "应追回金额", "说明"})
	var open []string
	for _, r := range rows[1:] {
		open = append(open, strings.Join(r[:3], " ")+" "+r[7])
	}
	if diff := cmp.Diff([]string{
		d.Run.RunID + " 20251230-020001 C2025-0050 45.60", d.Run.RunID + " " + d.Run.RunID + " C2025-0060 8,000.00",
		d.Run.RunID + " " + d.Run.RunID + " C2025-0092 300.00",
	}, open); diff != "" {
		t.Errorf("open recoveries (-want +got):\n%s", diff)
	}

	// SPEC 2.2: the account in full in payouts.xlsx only.
	for _, name := range []string{"payments_template.xlsx", "findings.xlsx", "rejects.xlsx", "recoveries.xlsx"} {
		if text := xlsxText(t, filepath.Join(dir, name)); strings.Contains(text, accountZhang) || strings.Contains(text, accountLi) {
			t.Errorf("%s shows a bank account in full", name)
		}
	}
}

// xlsxText is every cell of every sheet of a workbook, one line per row.
func xlsxText(t *testing.T, path string) string {
	t.Helper()
	f := openXLSX(t, path)
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	return b.String()
}

// TestPayoutsListTheClaimsOwed: payouts.xlsx and the payments template list
// a claim by its state at the run's end: one approved and paid in the same
// run is owed nothing more, one approved by a decision after review is.
func TestPayoutsListTheClaimsOwed(t *testing.T) {
	d := sampleRun()
	d.Assessments = []record.AssessedRow{
		claimRow("C1", idZhang, "张晓梅", "医院", "H1", record.ClaimApproved, "10.00", "10.00", "0"),
		claimRow("C1", idZhang, "张晓梅", "医院", "H1", record.ClaimPaid, "10.00", "10.00", "0"),
		claimRow("C2", idLi, "李建国", "医院", "H1", record.ClaimReview, "20.00", "20.00", "0"),
		claimRow("C2", idLi, "李建国", "医院", "H1", record.ClaimApproved, "20.00", "20.00", "0"),
		claimRow("C3", idWang, "王磊", "医院", "H1", record.ClaimPaymentFailed, "30.00", "30.00", "0"),
	}
	dir := t.TempDir()
	if err := ExportRun(dir, d); err != nil {
		t.Fatal(err)
	}
	for file, sheet := range map[string]string{"payouts.xlsx": "核准支付", "payments_template.xlsx": "支付结果"} {
		rows, err := openXLSX(t, filepath.Join(dir, file)).GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rows[1:] {
			ids = append(ids, slices.DeleteFunc(slices.Clone(r), func(c string) bool { return c == d.Run.RunID })[0])
		}
		if !slices.Equal(ids, []string{"C2"}) {
			t.Errorf("%s lists %v, want C2 only", file, ids)
		}
	}
}

// TestExportModes: every export file is owner-only (0600) whatever the
// umask, also where it replaces a file that was not; payouts.xlsx holds
// full bank accounts (SPEC 2.2).
func TestExportModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix file modes")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "payouts.xlsx"), []byte("an older export"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := syscall.Umask(0)
	err := ExportRun(dir, sampleRun())
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range ExportFiles {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, want -rw-------", name, fi.Mode())
		}
	}
}

func TestDeadlinesXLSX(t *testing.T) {
	items := Worklist(worklistStates(), worklistAsOf, worklistWithin)
	var buf bytes.Buffer
	if err := WriteDeadlinesXLSX(&buf, office(worklistStates())); err != nil {
		t.Fatal(err)
	}
	f := readXLSX(t, buf.Bytes())
	rows := checkSheet(t, f, "申报期限", []string{"类别", "申请编号", "姓名", "证件号码", "医疗机构", "医疗类别", "出院日期", "申请日期", "截止日期", "剩余天数", "状态", "应付金额", "基准日"})
	if len(rows) != len(items)+1 {
		t.Fatalf("%d rows, want %d", len(rows), len(items)+1)
	}
	want := []string{"已逾期", "C-05", "赵雨桐", record.MaskID(idZhao), "天津市第一中心医院", "普通住院", "2025-12-20", "2026-03-12", "2026-02-28", "-20", "不予支付 rejected", "1,234.50", "2026-03-20"}
	if got := strings.Join(rows[1], "|"); got != strings.Join(want, "|") {
		t.Errorf("first row\n got %s\nwant %s", got, strings.Join(want, "|"))
	}
}

// TestExportQuotePrefix follows SPEC 4.3: a text cell beginning with = + - @
// keeps its value and is written as a string with Excel's quote-prefix style.
func TestExportQuotePrefix(t *testing.T) {
	names := []struct {
		name   string
		quoted bool
	}{
		{"=1+1", true},
		{"+86", true},
		{"-5", true},
		{"@x", true},
		{"=HYPERLINK(\"http://example.invalid\",\"点击\")", true},
		{"\tTAB", true},
		{"张晓梅", false},
		{"a=b", false},
	}
	d := sampleRun()
	d.Assessments = nil
	for i, n := range names {
		id := fmt.Sprintf("C2025-%04d", i+1)
		d.Assessments = append(d.Assessments, claimRow(id, idZhang, n.name, "天津市第一中心医院", "H12010100001", record.ClaimApproved, "100.00", "100.00", "0"))
	}
	dir := t.TempDir()
	if err := ExportRun(dir, d); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, filepath.Join(dir, "payouts.xlsx"))
	for i, n := range names {
		ref, _ := excelize.CoordinatesToCellName(3, i+2) // 姓名
		t.Run(fmt.Sprintf("%q", n.name), func(t *testing.T) {
			got, err := f.GetCellValue("核准支付", ref)
			if err != nil {
				t.Fatal(err)
			}
			if got != n.name {
				t.Errorf("%s = %q, want the value unchanged %q", ref, got, n.name)
			}
			typ, err := f.GetCellType("核准支付", ref)
			if err != nil {
				t.Fatal(err)
			}
			if !isString(typ) {
				t.Errorf("%s type %v, want a string", ref, typ)
			}
			formula, err := f.GetCellFormula("核准支付", ref)
			if err != nil {
				t.Fatal(err)
			}
			if formula != "" {
				t.Errorf("%s holds the formula %q", ref, formula)
			}
			if q := f.quoted(t, "核准支付", ref); q != n.quoted {
				t.Errorf("%s quote prefix = %v, want %v", ref, q, n.quoted)
			}
		})
	}
}

// TestExportRunByteIdentical: SPEC 4.3, the same run exported twice gives
// the same bytes.
func TestExportRunByteIdentical(t *testing.T) {
	d := sampleRun()
	first, second := t.TempDir(), t.TempDir()
	for _, dir := range []string{first, second} {
		if err := ExportRun(dir, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range ExportFiles {
		a, err := os.ReadFile(filepath.Join(first, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(second, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two exports of the same run", name)
		}
	}

	var x, y bytes.Buffer
	if err := WriteDeadlinesXLSX(&x, office(worklistStates())); err != nil {
		t.Fatal(err)
	}
	if err := WriteDeadlinesXLSX(&y, office(worklistStates())); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x.Bytes(), y.Bytes()) {
		t.Error("the same worklist written twice gives different spreadsheets")
	}
}
