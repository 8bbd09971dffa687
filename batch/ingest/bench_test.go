package ingest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func BenchmarkReadSettlementsCSV(b *testing.B) {
	const rows = 20000
	content := settlementCSV(rows)
	r := strings.NewReader(content)
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Read(context.Background(), "s.csv", r, int64(len(content)), Options{})
		if err != nil || len(res.Settlements) != rows {
			b.Fatalf("%v, %d settlements", err, len(res.Settlements))
		}
	}
}

// BenchmarkReadClaimsXLSX reads a 2,000-row claims workbook through
// excelize's streaming reader, with Chinese headers as gen writes them.
func BenchmarkReadClaimsXLSX(b *testing.B) {
	const rows = 2000
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	header := strings.Split(claimsHeader, ",")
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = h
	}
	if err := sw.SetRow("A1", cells); err != nil {
		b.Fatal(err)
	}
	for i := range rows {
		row := []any{fmt.Sprintf("C%06d", i/2), testID("130102", "19700505", i/2%500+1), "张测试", "职工医保", "在职", "130100", "120100",
			"H120001", "天津市某医院", "三级", "是", "普通住院", "否", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), "2025-03-10", "12000",
			fmt.Sprintf("%08d", i), 1234.5, 1000.25, "2025-04-01", "是"}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		b.Fatal(err)
	}
	content := buf.Bytes()
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Read(context.Background(), "c.xlsx", bytes.NewReader(content), int64(len(content)), Options{})
		if err != nil || res.Rows != rows || len(res.Rejects) != 0 {
			b.Fatalf("%v, %d rows, %d rejects (%+v)", err, res.Rows, len(res.Rejects), res.Rejects)
		}
	}
}

func BenchmarkParseDate(b *testing.B) {
	forms := []string{"2025-03-01", "2025/3/1", "20250301", "2025年3月1日", "2025-3-1"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ParseDate(forms[i%len(forms)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAmount(b *testing.B) {
	forms := []string{"1234.56", "¥1,234.50", "0.01", "-300.00", "12345678.9"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ParseAmount(forms[i%len(forms)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidID(b *testing.B) {
	id := testID("130102", "19700505", 21)
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidID(id); err != nil {
			b.Fatal(err)
		}
	}
}
