package reports

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
			if fullID.MatchString(v) {
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
	if got := strings.Join(names, " "); got != "findings.xlsx payouts.xlsx rejects.xlsx" {
		t.Errorf("export dir holds %q, want only the three workbooks", got)
	}

	f := openXLSX(t, filepath.Join(dir, "payouts.xlsx"))
	rows := checkSheet(t, f, "核准支付", []string{"运行编号", "申请编号", "姓名", "证件号码", "医疗机构", "年度", "应付金额", "基本医疗统筹", "大病保险", "计算过程"})
	if len(rows) != 3 {
		t.Fatalf("payouts has %d rows, want the header and 2 approved claims", len(rows))
	}
	cells := []struct {
		name, ref, want, raw  string
		number, money, quoted bool
	}{
		{"run id", "A2", d.Run.RunID, "", false, false, false},
		{"claim id", "B2", "C2025-0001", "", false, false, false},
		{"masked ID", "D2", record.MaskID(idZhang), "", false, false, false},
		{"year is a number", "F2", "2025", "2025", true, false, false},
		{"payable is a number with two decimals", "G2", "70,650.00", "70650", true, true, false},
		{"basic", "H3", "13,200.00", "13200", true, true, false},
		{"serious", "I3", "0.00", "0", true, true, false},
		{"institution starting with @ keeps its value under a quote prefix", "E3", "@天津医科大学总医院", "", false, false, true},
		{"trace is masked", "J2", "(80000.00 − 1500.00) × 0.90 = 70650.00；证件 " + record.MaskID(idZhang), "", false, false, false},
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
	if w, err := f.GetColWidth("核准支付", "J"); err != nil || w < 30 {
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
	for _, name := range []string{"payouts.xlsx", "findings.xlsx", "rejects.xlsx"} {
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
