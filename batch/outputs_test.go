package batch

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"medrecon/batch/ledger"
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
