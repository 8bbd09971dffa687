package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestExplainConflict: a settlement sent again on a later night with other
// content is explained with each field that differed, one line each, the
// standing value → the value sent again (issue 14).
func TestExplainConflict(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	mustRun(t, "demo", "--dir", demo)
	db, policy := filepath.Join(demo, "ledger.duckdb"), filepath.Join(demo, "policy")

	first := writeSettlements(t, dir, "night1.csv", 1, 950, "")
	mustRun(t, "run", "--db", db, "--policy", policy, "--as-of", "2026-04-11", "--settlements", first)
	again := strings.Replace(readFile(t, first), "测试人0,", "测试人甲,", 1)
	again = strings.Replace(again, ",100.00,80.00,0,0,0,0,100.00", ",100.00,80.00,0,0,0,10.00,90.00", 1)
	second := filepath.Join(dir, "night2.csv")
	if err := os.WriteFile(second, []byte(again), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "run", "--db", db, "--policy", policy, "--as-of", "2026-04-12", "--settlements", second)

	out := mustRun(t, "explain", "--db", db, "E2E00950").stdout
	for _, want := range []string{
		"SETTLEMENT_CONFLICT",
		"不同的字段 (首次 → 再次):",
		"\n      人员姓名 psn_name ",
		"测试人0 → 测试人甲\n",
		"\n      个人账户支出 acct_pay ",
		"0.00 → 10.00\n",
		"\n      个人现金支出 psn_cash_pay ",
		"100.00 → 90.00\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
}

// TestDeadlinesAsOf: a past --as-of lists only the claims handed in by then;
// the PDF says 截至 with that date and the XLSX holds date cells (issue 14).
// The demo's claims BX2026030010 (pending) and BX2026040007 (rejected late)
// were handed in on 20 March and 8 April 2026.
func TestDeadlinesAsOf(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	mustRun(t, "demo", "--dir", demo)
	db := filepath.Join(demo, "ledger.duckdb")
	tests := []struct {
		asOf        string
		listed, not []string
	}{
		{"2026-04-10", []string{"BX2026030010", "BX2026040007"}, nil},
		{"2026-04-08", []string{"BX2026030010", "BX2026040007"}, nil},
		{"2026-04-07", []string{"BX2026030010"}, []string{"BX2026040007"}},
		{"2026-03-20", []string{"BX2026030010"}, []string{"BX2026040007"}},
		{"2026-03-19", nil, []string{"BX2026030010", "BX2026040007"}},
	}
	for _, tt := range tests {
		t.Run(tt.asOf, func(t *testing.T) {
			pdf, xlsx := filepath.Join(dir, tt.asOf+".pdf"), filepath.Join(dir, tt.asOf+".xlsx")
			out := mustRun(t, "deadlines", "--db", db, "--as-of", tt.asOf, "--within", "30", "--report", pdf, "--xlsx", xlsx).stdout
			for _, id := range tt.listed {
				if !strings.Contains(out, id) {
					t.Errorf("as of %s the worklist lacks %s:\n%s", tt.asOf, id, out)
				}
			}
			for _, id := range tt.not {
				if strings.Contains(out, id) {
					t.Errorf("as of %s the worklist lists %s, handed in later:\n%s", tt.asOf, id, out)
				}
			}
			f, err := excelize.OpenFile(xlsx)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := f.GetRows("申报期限")
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if _, err := fmt.Sscanf(out[strings.LastIndex(strings.TrimRight(out, "\n"), "\n")+1:], "%d claims on the worklist", &n); err != nil {
				t.Fatalf("no count line in:\n%s", out)
			}
			if len(rows) != n+1 {
				t.Errorf("deadlines.xlsx has %d rows, want a header and %d claims", len(rows), n)
			}
			for _, id := range tt.not {
				for _, r := range rows {
					if len(r) > 1 && r[1] == id {
						t.Errorf("deadlines.xlsx lists %s", id)
					}
				}
			}
			if len(rows) > 1 {
				if typ, _ := f.GetCellType("申报期限", "M2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
					t.Errorf("基准日 is a text cell")
				}
				if shown, _ := f.GetCellValue("申报期限", "M2"); shown != tt.asOf {
					t.Errorf("基准日 shows %q, want %s", shown, tt.asOf)
				}
			}
			if text, ok := pdfText(t, pdf); ok {
				if s := strings.Join(strings.Fields(text), ""); !strings.Contains(s, "截至"+tt.asOf) || strings.Contains(s, "生成时间") {
					t.Errorf("deadlines.pdf does not say 截至 %s (or still says 生成时间):\n%s", tt.asOf, text)
				}
			}
		})
	}
}
