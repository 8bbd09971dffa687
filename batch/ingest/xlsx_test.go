package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"medrecon/batch/record"
)

// claimsWorkbook builds the counter's claims workbook: a merged banner row,
// a blank row, Chinese headers on row 3, then invoices with real date cells
// and numeric amounts; a second sheet holds a settlement export.
func claimsWorkbook(t testing.TB, header []string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "申请明细"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", sheet))
	must(f.SetCellValue(sheet, "A1", "2025年3月手工报销申请明细表"))
	must(f.MergeCell(sheet, "A1", "U1"))
	must(f.SetSheetRow(sheet, "A3", &header))
	p := testID("130102", "19700505", 21)
	rows := [][]any{
		{"C1", p, "王虚构", "职工医保", "退休", "130100", "120100", "H120001", "天津市某医院", "三级", "是", "普通住院", "否",
			time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), "12000", "00012345", 1234.55, 1000.1, 45748, "是"},
		{"C1", p, "王虚构", "职工医保", "退休", "130100", "120100", "H120001", "天津市某医院", "三级", "是", "普通住院", "否",
			"2025-03-01", "20250310", "12000", "00012346", "1,000.50", 800, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), "是"},
		{"C2", p, "王虚构", "职工医保", "退休", "130100", "120100", "H120001", "天津市某医院", "三级", "是", "普通门诊", "否",
			time.Date(2025, 2, 30, 0, 0, 0, 0, time.UTC), "2025-02-30", "12000", "00012347", 10, 10, "2025-04-01", "是"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, 4+i)
		must(f.SetSheetRow(sheet, cell, &r))
	}
	if _, err := f.NewSheet("其他"); err != nil {
		t.Fatal(err)
	}
	hdr := strings.Split(settlementHeader, ",")
	must(f.SetSheetRow("其他", "A1", &hdr))
	line := strings.Split(settlementLine(1), ",")
	must(f.SetSheetRow("其他", "A2", &line))
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadXLSXClaims(t *testing.T) {
	data := claimsWorkbook(t, strings.Split(claimsHeader, ","))
	res := mustRead(t, "claims.xlsx", string(data), Options{AsOf: record.D(2025, 12, 31)})
	if res.Kind != record.InputClaims || res.Rows != 3 || len(res.Claims) != 1 {
		t.Fatalf("kind %q rows %d claims %d rejects %v", res.Kind, res.Rows, len(res.Claims), res.Rejects)
	}
	c := res.Claims[0]
	if c.Begndate != record.D(2025, 3, 1) || c.Enddate != record.D(2025, 3, 10) || c.DclaDate != record.D(2025, 4, 1) {
		t.Errorf("dates %v %v %v", c.Begndate, c.Enddate, c.DclaDate)
	}
	if c.MedfeeSumamt != fen("2235.05") || c.InscpScpAmt != fen("1800.1") {
		t.Errorf("sums %v / %v, want 2235.05 / 1800.10", c.MedfeeSumamt, c.InscpScpAmt)
	}
	if c.PsnType != "退休" || c.Invoices[0].BillNo != "00012345" {
		t.Errorf("claim %+v", c)
	}
	if src := c.Invoices[1].Src; src != (record.Source{File: "claims.xlsx", Sheet: "申请明细", Row: 5}) {
		t.Errorf("second invoice from %+v, want sheet 申请明细 row 5", src)
	}
	// time.Date normalises 30 February to 2 March in the date cell; the text
	// cell "2025-02-30" in 出院日期 is rejected.
	if len(res.Rejects) != 1 || res.Rejects[0].Row != 6 || res.Rejects[0].Col != "出院日期" || res.Rejects[0].Sheet != "申请明细" {
		t.Errorf("rejects %v, want one on row 6 出院日期", res.Rejects)
	}
}

func TestReadXLSXOtherSheet(t *testing.T) {
	data := claimsWorkbook(t, strings.Split(claimsHeader, ","))
	res := mustRead(t, "book.xlsx", string(data), Options{Sheet: "其他"})
	if res.Kind != record.InputSettlements || len(res.Settlements) != 1 || len(res.Rejects) != 0 {
		t.Fatalf("kind %q settlements %d rejects %v", res.Kind, len(res.Settlements), res.Rejects)
	}
	if s := res.Settlements[0]; s.Src.Sheet != "其他" || s.Src.Row != 2 || !s.SetlTime.Equal(time.Date(2025, 3, 10, 10, 30, 0, 0, time.UTC)) {
		t.Errorf("settlement %+v", s)
	}
	_, err := readString(t, "book.xlsx", string(data), Options{Sheet: "没有"})
	if !errors.Is(err, ErrSheet) || !strings.Contains(err.Error(), "book.xlsx: sheet 没有") || !strings.Contains(err.Error(), "申请明细") {
		t.Errorf("missing sheet: %v", err)
	}
}

func TestReadXLSXMissingColumn(t *testing.T) {
	header := strings.Split(strings.Replace(claimsHeader, ",申请日期", "", 1), ",")
	_, err := readString(t, "claims.xlsx", string(claimsWorkbook(t, header)), Options{})
	want := "claims.xlsx: sheet 申请明细 row 3: missing required column 申请日期 (dcla_date)"
	if !errors.Is(err, ErrMissingColumn) || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// TestReadXLSXZipBomb: a workbook whose parts claim to unpack to more than
// the limit is refused before anything is unpacked.
func TestReadXLSXZipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CompressedSize64: 2, UncompressedSize64: 4 << 30})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte{0x03, 0x00})
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = readString(t, "bomb.xlsx", buf.String(), Options{})
	var fe *FileError
	if !errors.As(err, &fe) || !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want a FileError for the unzip size limit", err)
	}
}

func TestClosesWorksheet(t *testing.T) {
	for _, tt := range []struct {
		tail string
		want bool
	}{
		{`<row r="3"><c r="A3"><v>1</v></c></row></sheetData></worksheet>`, true},
		{`</sheetData><pageMargins/></x:worksheet>`, true},
		{`</worksheet>`, true},
		{`<row r="3"><c r="A3"><v>1</v></c></row>`, false},
		{`<c r="A3"><v>1</v></c></row></sheetDa`, false},
		{`<!-- </worksheet> --><x/>`, false},
		{`</notaworksheet>`, false},
		{``, false},
	} {
		if got := closesWorksheet([]byte(tt.tail)); got != tt.want {
			t.Errorf("closesWorksheet(%q) = %v, want %v", tt.tail, got, tt.want)
		}
	}
	// The tail survives reads of any size, white space after the tag included.
	xml := []byte(`<worksheet><sheetData>` + strings.Repeat(`<row/>`, 50) + `</sheetData></worksheet>` + "\r\n  \n")
	for size := 1; size <= 100; size++ {
		var tail []byte
		for i := 0; i < len(xml); i += size {
			chunk := xml[i:min(i+size, len(xml))]
			tail = lastBytes(tail, bytes.TrimRight(chunk, " \t\r\n"), 64)
		}
		if !closesWorksheet(tail) {
			t.Fatalf("reads of %d bytes: tail %q", size, tail)
		}
	}
}

func FuzzReadXLSX(f *testing.F) {
	f.Add(claimsWorkbook(f, strings.Split(claimsHeader, ",")))
	small := excelize.NewFile()
	hdr := strings.Split(settlementHeader, ",")
	small.SetSheetRow("Sheet1", "A1", &hdr)
	line := strings.Split(settlementLine(1), ",")
	small.SetSheetRow("Sheet1", "A2", &line)
	b, err := small.WriteToBuffer()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(decisionsWorkbook(f))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := readString(t, "f.xlsx", string(data), Options{})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FileError", err)
			}
			return
		}
		if len(res.Settlements)+len(res.Filings)+len(res.Statement)+len(res.Decisions)+len(res.Payments) > res.Rows {
			t.Fatalf("more records than rows")
		}
	})
}
