package main

// Personal data: no full 18-character ID number may appear anywhere outside
// the ledger — PDFs, exports, logs, error messages, --json output.

import (
	"cmp"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestNoFullIDOutsideLedger(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	outputs := map[string]string{}
	r := mustRun(t, "--verbose", "demo", "--dir", demo)
	outputs["demo stdout"], outputs["demo log"] = r.stdout, r.stderr
	db := filepath.Join(demo, "ledger.duckdb")
	ids := query(t, db, "SELECT DISTINCT certno FROM claims UNION SELECT DISTINCT certno FROM settlements UNION SELECT DISTINCT certno FROM filings")
	if len(ids) < 10 {
		t.Fatalf("only %d IDs in the demo ledger", len(ids))
	}

	// Every PDF and workbook the four nights wrote, but their inputs.
	err := filepath.WalkDir(demo, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() && d.Name() == "inputs" {
			return cmp.Or(err, fs.SkipDir)
		}
		rel, _ := filepath.Rel(demo, path)
		switch filepath.Ext(path) {
		case ".pdf":
			if text, ok := pdfText(t, path); ok {
				outputs[rel] = text
			}
		case ".xlsx":
			outputs[rel] = xlsxText(t, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"night1/report.pdf", "night4/deadlines.pdf", "night2/export/R20260413-001/payouts.xlsx",
		"night3/export/R20260420-001/recoveries.xlsx", "night2/deadlines.xlsx"} {
		if _, ok := outputs[want]; !ok && !strings.HasSuffix(want, ".pdf") {
			t.Errorf("the demo wrote no %s", want)
		}
	}
	for _, id := range query(t, db, "SELECT subject_id FROM assessments ORDER BY subject_id") {
		outputs["explain "+id] = mustRun(t, "explain", "--db", db, id).stdout
	}
	outputs["deadlines"] = mustRun(t, "deadlines", "--db", db, "--as-of", "2026-05-25", "--within", "400").stdout

	// A run of new files, with --json and --verbose logging.
	f := writeSettlements(t, dir, "json.csv", 20, 500, "2025-13-01")
	j := mustRun(t, "--verbose", "run", "--db", db, "--policy", filepath.Join(demo, "policy"), "--as-of", "2026-05-26",
		"--settlements", f, "--json")
	outputs["run --json"], outputs["run log"] = j.stdout, j.stderr

	// Error messages that concern a person: a region the policy lacks, a bad ID.
	bad := strings.ReplaceAll(readFile(t, writeSettlements(t, dir, "region.csv", 3, 900, "")), ",130100,", ",139900,")
	os.WriteFile(filepath.Join(dir, "region.csv"), []byte(bad), 0o644)
	e := medrecon(t, "run", "--db", db, "--policy", filepath.Join(demo, "policy"), "--as-of", "2026-05-26",
		"--settlements", filepath.Join(dir, "region.csv"))
	if e.code == 0 {
		t.Fatalf("a region the policy lacks did not stop the run:\n%s", e.stdout)
	}
	outputs["unknown region error"] = e.stderr
	ids = append(ids, query(t, db, "SELECT DISTINCT certno FROM settlements")...)
	ids = append(ids, testID("130102", "19800101", 900))

	for name, text := range outputs {
		if text == "" && !strings.Contains(name, "log") {
			t.Errorf("%s is empty: the test would prove nothing", name)
		}
		for _, id := range ids {
			if strings.Contains(text, id) {
				t.Errorf("%s shows the full ID number %s", name, id[:6]+"…")
			}
		}
	}
	if !strings.Contains(outputs["unknown region error"], "139900") {
		t.Errorf("the error does not name the missing policy key: %s", outputs["unknown region error"])
	}
}

// TestReportIntoMissingFolder: --report creates its folder, as --export
// does (a failed output is TestOutputFailureExit4).
func TestReportIntoMissingFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "ledger.duckdb")
	f := writeSettlements(t, dir, "night.csv", 5, 700, "")
	pdf := filepath.Join(dir, "no-such-dir", "run.pdf")
	r := mustRun(t, "run", "--db", db, "--policy", policyDir(t), "--as-of", "2026-04-11", "--settlements", f, "--report", pdf)
	if _, err := os.Stat(pdf); err != nil || !strings.Contains(r.stdout, "report "+pdf) {
		t.Errorf("the report into a missing folder: %v\n%s", err, r.stdout)
	}
}

func xlsxText(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			b.WriteString(strings.Join(row, "\t"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
