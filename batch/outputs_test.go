package batch

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"medrecon/batch/ingest"
	"medrecon/batch/ledger"
	"medrecon/batch/record"
	"medrecon/reports"
)

// The command an exit-4 message prints must paste into a shell as it is.
func TestRerunCommand(t *testing.T) {
	for _, tt := range []struct{ db, out, want string }{
		{"ledger.duckdb", "reports/run-20260411.pdf", "medrecon report --db ledger.duckdb --run R20260411-001 --out reports/run-20260411.pdf"},
		{"/srv/medrecon/ledger.duckdb", "/srv/报表 2026/run.pdf", "medrecon report --db /srv/medrecon/ledger.duckdb --run R20260411-001 --out '/srv/报表 2026/run.pdf'"},
		{"it's.duckdb", "r.pdf", `medrecon report --db 'it'\''s.duckdb' --run R20260411-001 --out r.pdf`},
	} {
		if got := command("report", Config{Ledger: tt.db}, "R20260411-001", tt.out); got != tt.want {
			t.Errorf("command(%q, %q) = %s, want %s", tt.db, tt.out, got, tt.want)
		}
	}
	// An encrypted ledger's command carries its key file.
	keyFile := filepath.Join(t.TempDir(), "the key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("k", 44)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := ledger.ReadKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	want := "medrecon export --db l.duckdb --run R20260411-001 --key-file '" + keyFile + "' --out exports"
	if got := command("export", Config{Ledger: "l.duckdb", Key: key}, "R20260411-001", "exports"); got != want {
		t.Errorf("command with a key = %s, want %s", got, want)
	}
}

// An output's failure never shows the temporary file it was written through.
func TestOutputReasonHidesTemporaryFile(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "open", Path: "exports/R20260411-001/.payouts.xlsx.2896581", Err: syscall.ENOSPC}, "open: no space left on device"},
		{fmt.Errorf("export run R20260411-001: %w", &fs.PathError{Op: "write", Path: "x/.findings.xlsx.12345", Err: syscall.EIO}), "write: input/output error"},
		{&fs.PathError{Op: "mkdir", Path: "reports", Err: syscall.ENOTDIR}, "mkdir reports: not a directory"},
		{fmt.Errorf("render reports/.run.pdf.4821: font missing"), "render a temporary file: font missing"},
		{fmt.Errorf("excelize 2.11.123: sheet too large"), "excelize 2.11.123: sheet too large"},
	} {
		if got := reason(tt.err); got != tt.want {
			t.Errorf("reason(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// The payments template of a run's exports, filled in by the finance
// office, goes back in as a payments file (SPEC 2.7): ingest tells its kind
// from its header row and reads the payments it holds; a payout the bank
// has not reported on, its row left as exported, is passed over.
func TestPaymentsTemplateRoundTrip(t *testing.T) {
	payout := func(id, name, payable string) record.AssessedRow {
		p, err := record.FenOf(decimal.RequireFromString(payable))
		if err != nil {
			t.Fatal(err)
		}
		return record.AssessedRow{
			Assessment: record.Assessment{SubjectKind: record.KindClaim, SubjectID: id, Certno: "13010219850312451X", Year: 2025,
				BasicPay: p, Payable: p, Status: record.ClaimApproved},
			PsnName: name, BankName: "中国虚构银行天津分行", BankAccount: "6222021234567890123",
		}
	}
	d := record.RunData{
		Run: record.RunInfo{RunID: "R20260411-001", AsOf: record.D(2026, 4, 11), FinishedAt: time.Date(2026, 4, 11, 2, 0, 0, 0, time.UTC)},
		Assessments: []record.AssessedRow{
			payout("BX2025100001", "杨建华", "70650.00"),
			payout("BX2025100002", "刘虚构", "1234567.89"),
			payout("=BX3", "王虚构", "0.05"),           // a formula-like id keeps its value
			payout("BX2025100004", "赵虚构", "800.00"), // not reported on yet: left as it is
		},
	}
	dir, err := ExportData(t.TempDir(), d)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, reports.PaymentsTemplateFile)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const sheet = "支付结果"
	fill := map[string]any{
		// as finance types them: a date, a long reference, a choice of the list
		"C2": time.Date(2026, 4, 12, 0, 0, 0, 0, time.UTC), "D2": "6222026041200000001", "E2": "成功",
		"C3": "2026/4/12", "D3": "B2026041200002", "E3": "失败", "F3": "账户已销户",
		"C4": "2026-04-13", "D4": "B2026041300001", "E4": "成功",
	}
	for ref, v := range fill {
		if err := f.SetCellValue(sheet, ref, v); err != nil {
			t.Fatal(err)
		}
	}
	filled := filepath.Join(t.TempDir(), "支付结果回填.xlsx")
	if err := f.SaveAs(filled); err != nil {
		t.Fatal(err)
	}
	f.Close()

	res, err := ingest.ReadFile(context.Background(), filled, ingest.Options{AsOf: record.D(2026, 4, 13)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != record.InputPayments || len(res.Rejects) != 0 || res.Rows != 3 {
		t.Fatalf("the filled template reads as kind %q, %d rows, rejects %v; want payments, 3 rows and none", res.Kind, res.Rows, res.Rejects)
	}
	src := func(row int) record.Source {
		return record.Source{File: "支付结果回填.xlsx", Sheet: sheet, Row: row}
	}
	want := []record.Payment{
		{ClaimID: "BX2025100001", Amount: decimal.RequireFromString("70650.00"), PaidOn: record.D(2026, 4, 12), BankRef: "6222026041200000001",
			Result: record.PaymentSuccess, Src: src(2)},
		{ClaimID: "BX2025100002", Amount: decimal.RequireFromString("1234567.89"), PaidOn: record.D(2026, 4, 12), BankRef: "B2026041200002",
			Result: record.PaymentFailed, Reason: "账户已销户", Src: src(3)},
		{ClaimID: "=BX3", Amount: decimal.RequireFromString("0.05"), PaidOn: record.D(2026, 4, 13), BankRef: "B2026041300001",
			Result: record.PaymentSuccess, Src: src(4)},
	}
	if diff := cmp.Diff(want, res.Payments, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("payments read from the filled template (-want +got):\n%s", diff)
	}
}
