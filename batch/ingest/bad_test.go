package ingest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"medrecon/batch/record"
)

// badDir holds the hostile and broken inputs; go run ./fixtures/badgen
// writes them, and fixtures/bad/README.md lists them with these outcomes.
const badDir = "../../fixtures/bad"

type rej struct {
	row int
	col string
}

// badCase is one file and what reading it must give: a fatal error
// matching err whose message holds every string of msg, or records good
// records and exactly the rejects listed, in order.
type badCase struct {
	file, kind, sheet string
	gen               func(t *testing.T) string // writes the file into t.TempDir(); "" file name from the path
	err               error
	msg               []string
	records           int
	rejects           []rej
}

func TestBadFiles(t *testing.T) {
	// Reading a workbook may unpack parts to the temporary directory;
	// whatever the outcome, nothing may be left there (checked below).
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var expected = "expected columns: claims: claim_id"
	cases := []badCase{
		{file: "empty.csv", err: ErrNoHeader, msg: []string{expected}},
		{file: "blank_lines.csv", err: ErrNoHeader},
		{file: "header_only.csv"},
		{file: "header_only_crlf_bom.csv"},
		{file: "png_named.csv", err: ErrFormat, msg: []string{"binary data"}},
		{file: "utf16le_bom.csv", err: ErrFormat, msg: []string{"UTF-16"}},
		{file: "utf16be_bom.csv", err: ErrFormat, msg: []string{"UTF-16"}},
		{file: "utf16le_nobom.csv", err: ErrFormat, msg: []string{"NUL bytes"}},
		{file: "xlsx_named.csv", err: ErrFormat, msg: []string{"zip archive"}},
		{file: "csv_named.xlsx", err: ErrFormat, msg: []string{"not a readable XLSX"}},
		{file: "unknown_ext.dat", err: ErrFormat, msg: []string{".csv, .txt or .xlsx"}},
		{file: "truncated.xlsx", err: ErrFormat, msg: []string{"not a readable XLSX"}},
		{file: "zip_no_workbook.xlsx", err: ErrFormat, msg: []string{"not a readable XLSX"}},
		{file: "empty_workbook.xlsx", err: ErrNoHeader, msg: []string{"sheet Sheet1"}},
		{file: "gbk_chinese_header.csv", records: 2},
		{file: "gbk_with_utf8_bom.csv", records: 1, rejects: []rej{{2, "psn_name"}, {2, "fixmedins_name"}}},
		{file: "mixed_utf8_gbk.csv", err: ErrFormat, msg: []string{"mixes UTF-8 (line 2) and GB18030"}},
		{file: "bom_chinese_header.csv", records: 2},
		{file: "duplicate_header.csv", err: ErrDuplicateColumn, msg: []string{"row 1", "医疗费总额 (medfee_sumamt)"}},
		{file: "duplicate_header_alias.csv", err: ErrDuplicateColumn, msg: []string{"row 1", `"结算ID" and "setl_id"`}},
		{file: "missing_column.csv", err: ErrMissingColumn, msg: []string{"row 1", "统筹基金支出 (hifp_pay)"}},
		{file: "unknown_kind.csv", err: ErrUnknownKind, msg: []string{"row 1", expected, "filings: filing_id", "settlements: setl_id"}},
		{file: "no_header.csv", err: ErrNoHeader, msg: []string{expected}},
		{file: "banner_31_rows.csv", err: ErrNoHeader, msg: []string{"first 30 rows"}},
		{file: "wrong_kind_forced.csv", kind: record.InputClaims, err: ErrMissingColumn, msg: []string{"row 1", "申请编号 (claim_id)"}},
		{file: "wrong_kind_forced.csv", kind: record.InputSettlements, records: 1},
		{file: "quoted_newlines.csv", records: 3, rejects: []rej{{5, "medfee_sumamt"}}},
		{file: "crlf.csv", records: 2, rejects: []rej{{3, "enddate"}}},
		{file: "cr_only.csv", records: 2},
		{file: "tab_separated.txt", records: 2},
		{file: "unbalanced_quote.csv", err: ErrUnclosedQuote, msg: []string{"row 3 column psn_name", "lines 4 to 4", "look like rows"}},
		{file: "ragged_rows.csv", records: 1, rejects: []rej{{3, "med_type"}, {3, "begndate"}, {3, "enddate"}, {3, "setl_time"},
			{3, "medfee_sumamt"}, {3, "inscp_scp_amt"}, {3, "hifp_pay"}, {3, "fund_pay_sumamt"}, {3, "acct_pay"}, {3, "psn_cash_pay"},
			{4, "第27列 / column 27"}}},
		{file: "fullwidth_digits.csv", records: 1},
		{file: "three_decimals.csv", records: 1, rejects: []rej{{3, "medfee_sumamt"}, {4, "hifp_pay"}}},
		{file: "date_1899.csv", rejects: []rej{{2, "begndate"}}},
		{file: "date_2300.csv", rejects: []rej{{2, "enddate"}}},
		{file: "date_feb30.csv", rejects: []rej{{2, "begndate"}}},
		{file: "date_month13.csv", rejects: []rej{{2, "enddate"}, {3, "setl_time"}}},
		{file: "date_forms.csv", records: 1},
		{file: "lowercase_x_id.csv", records: 1},
		{file: "bad_id_checksum.csv", records: 1, rejects: []rej{{3, "certno"}, {4, "certno"}}},
		{file: "formula_text.csv", records: 1, rejects: []rej{{2, "medfee_sumamt"}}},
		{file: "banner_header_row5.csv", records: 1, rejects: []rej{{7, "hosp_lv"}}},
		{file: "negative_non_refund.csv", rejects: []rej{{2, "medfee_sumamt"}, {2, "psn_cash_pay"}}},
		{file: "refund_rows.csv", records: 2, rejects: []rej{{4, "init_setl_id"}}},
		{file: "end_before_begin.csv", rejects: []rej{{2, "enddate"}}},
		{file: "unknown_med_type.csv", rejects: []rej{{2, "med_type"}, {3, "insutype"}, {4, "insuplc_admdvs"}}},
		{file: "long_cell.csv", rejects: []rej{{2, "fixmedins_name"}}},
		{file: "required_blank.csv", rejects: []rej{{2, "setl_id"}, {2, "certno"}}},
		{file: "statement.csv", records: 1, rejects: []rej{{3, "fixmedins_setl_cnt"}, {4, "stmt_enddate"}}},
		{file: "filings_chinese_kinds.csv", records: 5, rejects: []rej{{7, "备案类型"}}},
		{file: "claims_disagree.csv", records: 1, rejects: []rej{{2, "出院日期"}, {3, "出院日期"}}},
		{file: "claims_future_dcla.csv", records: 1, rejects: []rej{{2, "申请日期"}, {3, "申请日期"}}},
		{file: "claims_invoice_twice.csv", records: 1, rejects: []rej{{2, "申请编号"}, {3, "票据号码"}}},
		{file: "claims_bank_account.csv", records: 1, rejects: []rej{{4, "银行账号"}, {5, "银行账号"}, {6, "银行账号"}}},
		// Row 11 decides C404 and row 10 of payments_bad.csv pays it, a
		// claim no ledger holds: only the rules can know, so both rows pass
		// ingest. So does payments_bad.csv's row 9, B0001 again with the same
		// content, which the rules take as a re-import (SPEC 2.7).
		{file: "decisions_bad.csv", records: 3, rejects: []rej{{4, "理由"}, {5, "核定金额"}, {6, "核定金额"}, {7, "复核结论"},
			{8, "复核日期"}, {9, "复核日期"}, {10, "核定金额"}}},
		{file: "payments_bad.csv", records: 4, rejects: []rej{{3, "reason"}, {4, "amount"}, {5, "paid_on"}, {6, "result"},
			{7, "bank_ref"}, {8, "bank_ref"}, {12, "amount"}, {13, "paid_on"}}},
		{file: "payments_gbk.csv", records: 2, rejects: []rej{{5, "失败原因"}}},
		{file: "decisions_and_payments.csv", err: ErrUnknownKind, msg: []string{"row 1", "review decisions (复核结论)", "payment results (支付日期)"}},
		{file: "formula_cells.xlsx", records: 1, rejects: []rej{{3, "medfee_sumamt"}}},
		{file: "several_sheets.xlsx", records: 2},
		{file: "several_sheets.xlsx", sheet: "申请明细", records: 1},
		{file: "several_sheets.xlsx", sheet: "空表", err: ErrNoHeader, msg: []string{"sheet 空表"}},
		{file: "several_sheets.xlsx", sheet: "无此表", err: ErrSheet, msg: []string{"sheet 无此表", "结算明细, 申请明细, 空表"}},
		{file: "banner_header_row5.xlsx", records: 1, rejects: []rej{{8, "入院日期"}}},
		{file: "claims_disagree.xlsx", rejects: []rej{{2, "医疗类别"}, {3, "医疗类别"}, {4, "医疗费总额"}, {5, "申请编号"}}},
		{file: "excel_dates_out_of_range.xlsx", records: 1, rejects: []rej{{2, "begndate"}, {3, "enddate"}}},
		{file: "bomb.xlsx", gen: zipBomb(4<<30, 2<<30), err: ErrTooLarge},
		// excelize stops reading a part at its declared size and does not
		// report the mismatch (the sheet would read as empty); the part
		// check does.
		{file: "bomb_lying.xlsx", gen: zipBomb(1<<10, 1<<30), err: ErrFormat, msg: []string{"sheet1.xml is damaged", "more than the size"}},
		// A sheet declared larger than the in-memory limit, and a corrupt
		// part after it: excelize, had it got that far, would have left
		// the sheet's temporary file behind.
		{file: "temp_then_corrupt.xlsx", gen: corruptAfter(zipBomb(100<<20, 1<<20)), err: ErrFormat, msg: []string{"not a readable XLSX", "damaged"}},
		// A sheet of 500 rows whose part is damaged in the zip: excelize
		// alone read the rows up to the damage and said nothing.
		{file: "sheet_500_rows.xlsx", gen: sheetPart(nil), records: 500},
		{file: "sheet_size_understated.xlsx", gen: sheetPart(func(h *zip.FileHeader) { h.UncompressedSize64 /= 2 }),
			err: ErrFormat, msg: []string{"part xl/worksheets/sheet1.xml is damaged", "more than the size"}},
		{file: "sheet_size_overstated.xlsx", gen: sheetPart(func(h *zip.FileHeader) { h.UncompressedSize64 *= 2 }),
			err: ErrFormat, msg: []string{"part xl/worksheets/sheet1.xml is damaged", "ends early"}},
		{file: "sheet_xml_cut.xlsx", gen: sheetXMLCut,
			err: ErrFormat, msg: []string{"part xl/worksheets/sheet1.xml is damaged", "breaks off"}},
		{file: "sheet_crc_wrong.xlsx", gen: sheetPart(func(h *zip.FileHeader) { h.CRC32 ^= 1 }),
			err: ErrFormat, msg: []string{"part xl/worksheets/sheet1.xml is damaged", "checksum"}},
		{file: "columns_100000.csv", gen: manyColumns, records: 1},
		{file: "cell_20mb.csv", gen: hugeCell, rejects: []rej{{2, "psn_name"}}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		name := c.file
		if c.kind != "" || c.sheet != "" {
			name += "/" + c.kind + c.sheet
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(badDir, c.file)
			if c.gen != nil {
				path = filepath.Join(t.TempDir(), c.file)
				if err := os.WriteFile(path, []byte(c.gen(t)), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				seen[c.file] = true
			}
			res, err := ReadFile(t.Context(), path, Options{Kind: c.kind, Sheet: c.sheet, AsOf: record.D(2025, 6, 30)})
			if c.err != nil {
				var fe *FileError
				if !errors.As(err, &fe) || !errors.Is(err, c.err) || !strings.HasPrefix(err.Error(), c.file+": ") {
					t.Fatalf("err = %v, want a *FileError naming %s and matching %v", err, c.file, c.err)
				}
				for _, m := range c.msg {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("message %q lacks %q", err, m)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			n := len(res.Settlements) + len(res.Claims) + len(res.Filings) + len(res.Statement) + len(res.Decisions) + len(res.Payments)
			var got []rej
			for _, r := range res.Rejects {
				got = append(got, rej{r.Row, r.Col})
				if r.File != c.file || r.Reason == "" || len(r.Value) > 4*maxRejectValue+3 {
					t.Errorf("reject %+v: want file %s, a reason and a short value", r, c.file)
				}
				if strings.Contains(r.Value, "62220212345678") {
					t.Errorf("reject %+v shows a bank account", r)
				}
			}
			if n != c.records || !equalRejects(got, c.rejects) {
				t.Errorf("%d records, rejects %v; want %d, %v", n, got, c.records, c.rejects)
			}
		})
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		if strings.HasPrefix(e.Name(), "excelize-") || strings.HasPrefix(e.Name(), "medrecon-xlsx-") {
			t.Errorf("reading left %s in the temporary directory", e.Name())
		}
	}
	ents, err := os.ReadDir(badDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "README.md" && !seen[e.Name()] {
			t.Errorf("%s has no case", e.Name())
		}
		if info, err := e.Info(); err == nil && info.Size() > 200<<10 {
			t.Errorf("%s: %d bytes, keep committed fixtures small", e.Name(), info.Size())
		}
	}
}

func equalRejects(a, b []rej) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// zipBomb writes a workbook whose sheet XML declares declared bytes and
// whose deflate stream really unpacks to about actual bytes: one chunk of
// XML compressed once and repeated (a flushed deflate block refers only to
// itself, so copies of it concatenate), a few KB on disk.
func zipBomb(declared, actual uint64) func(t *testing.T) string {
	return func(t *testing.T) string {
		chunk := bytes.Repeat([]byte(" "), 1<<20) // whitespace between elements
		var z bytes.Buffer
		fw, _ := flate.NewWriter(&z, flate.BestCompression)
		fw.Write(chunk)
		fw.Flush()
		var stream bytes.Buffer
		for n := uint64(0); n < actual; n += uint64(len(chunk)) {
			stream.Write(z.Bytes())
		}
		stream.Write([]byte{0x03, 0x00}) // final empty block
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, part := range []struct{ name, body string }{
			{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
			{"_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
			{"xl/workbook.xml", `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
			{"xl/_rels/workbook.xml.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		} {
			w, err := zw.Create(part.name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(part.body))
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
			CompressedSize64: uint64(stream.Len()), UncompressedSize64: declared})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(stream.Bytes())
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if buf.Len() > 8<<20 {
			t.Fatalf("bomb is %d bytes", buf.Len())
		}
		return buf.String()
	}
}

// rezip copies the workbook in part by part, except that a part for which
// rewrite (if not nil) returns true is written by rewrite instead; then
// appendix (if not nil) may add parts after the last.
func rezip(t *testing.T, in string, rewrite func(zw *zip.Writer, part *zip.File) bool, appendix func(zw *zip.Writer)) string {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, part := range zr.File {
		if rewrite != nil && rewrite(zw, part) {
			continue
		}
		if err := zw.Copy(part); err != nil {
			t.Fatal(err)
		}
	}
	if appendix != nil {
		appendix(zw)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

const sheet1 = "xl/worksheets/sheet1.xml"

// sheetPart writes a settlements workbook of 500 rows whose sheet part's
// zip header is changed by change (nil: left as it is); the compressed data
// is copied as it is.
func sheetPart(change func(*zip.FileHeader)) func(t *testing.T) string {
	return func(t *testing.T) string {
		f := excelize.NewFile()
		defer f.Close()
		header := strings.Split(settlementHeader, ",")
		if err := f.SetSheetRow("Sheet1", "A1", &header); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 500; i++ {
			line := strings.Split(settlementLine(i), ",")
			if err := f.SetSheetRow("Sheet1", "A"+strconv.Itoa(i+1), &line); err != nil {
				t.Fatal(err)
			}
		}
		wb, err := f.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		if change == nil {
			return wb.String()
		}
		return rezip(t, wb.String(), func(zw *zip.Writer, part *zip.File) bool {
			if part.Name != sheet1 {
				return false
			}
			h := part.FileHeader
			change(&h)
			w, err := zw.CreateRaw(&h)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := part.OpenRaw()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(w, raw); err != nil {
				t.Fatal(err)
			}
			return true
		}, nil)
	}
}

// sheetXMLCut is the workbook of sheetPart with its sheet XML cut off at
// 60%, zipped again with a right size and checksum: the zip is sound, the
// XML is not, and excelize alone read 301 of the 500 rows without an error.
func sheetXMLCut(t *testing.T) string {
	return rezip(t, sheetPart(nil)(t), func(zw *zip.Writer, part *zip.File) bool {
		if part.Name != sheet1 {
			return false
		}
		rc, err := part.Open()
		if err != nil {
			t.Fatal(err)
		}
		xml, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(part.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(xml[:len(xml)*6/10])
		return true
	}, nil)
}

// corruptAfter appends to the workbook that gen writes a part whose
// deflate stream is garbage, after all the others.
func corruptAfter(gen func(t *testing.T) string) func(t *testing.T) string {
	return func(t *testing.T) string {
		return rezip(t, gen(t), nil, func(zw *zip.Writer) {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/styles.xml", Method: zip.Deflate,
				CompressedSize64: 64, UncompressedSize64: 4096})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(bytes.Repeat([]byte{0xff}, 64))
		})
	}
}

// manyColumns is a settlement export with 100,000 columns, the known ones
// first: unknown columns are ignored (SPEC 2).
func manyColumns(*testing.T) string {
	var b strings.Builder
	b.WriteString(settlementHeader)
	for i := 26; i < 100000; i++ {
		b.WriteString(",extra")
	}
	b.WriteString("\n" + settlementLine(1) + strings.Repeat(",x", 100000-26) + "\n")
	return b.String()
}

// hugeCell is a settlement row whose psn_name is 20 MB long.
func hugeCell(*testing.T) string {
	return settlementHeader + "\n" + settlementWith(1, map[string]string{"psn_name": strings.Repeat("名", 7<<20)}) + "\n"
}
