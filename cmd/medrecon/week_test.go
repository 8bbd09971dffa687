package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medrecon/fixtures"
)

// TestWeekOfNights runs README's cron line over seven drop folders, one a
// night, as an agency's first week would go: a normal night, an empty
// night, a stray README.md, an auditor's session holding the ledger (the
// run's --wait outlasts it), the reports folder cleaned away, the same file
// sent twice, and a report that cannot be written. Every committed night's
// exports are still there at the end, and cron's `||` fires only for the
// night whose output failed.
func TestWeekOfNights(t *testing.T) {
	t.Parallel()
	home := t.TempDir() // /srv/medrecon
	if err := unpack(fixtures.Policy(), filepath.Join(home, "policy")); err != nil {
		t.Fatal(err)
	}
	// The cron line of README (with --as-of, so that run ids do not depend
	// on today's date, and --wait for the auditor's night).
	cron := `cd "$1" && "$2" run --db ledger.duckdb --policy policy/ --as-of "$3" --in "incoming/$4" ` +
		`--report "reports/run-$4.pdf" --export exports/ --wait 1m >> medrecon.log 2>&1 || echo "$4 exit $?" >> alerts.log`
	night := func(date string) *exec.Cmd {
		return exec.Command("sh", "-c", cron, "cron", home, binary, date, strings.ReplaceAll(date, "-", ""))
	}
	drop := func(date string, files map[string]int) string {
		dir := filepath.Join(home, "incoming", strings.ReplaceAll(date, "-", ""))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, offset := range files {
			if offset < 0 {
				os.WriteFile(filepath.Join(dir, name), []byte("# how to drop files\n"), 0o644)
				continue
			}
			writeSettlements(t, dir, name, 4, offset, "")
		}
		return dir
	}
	runNight := func(date string) {
		t.Helper()
		if out, err := night(date).CombinedOutput(); err != nil {
			t.Fatalf("%s: the cron line itself failed: %v\n%s", date, err, out)
		}
	}
	db := filepath.Join(home, "ledger.duckdb")

	drop("2026-04-06", map[string]int{"settlements.csv": 0})
	runNight("2026-04-06")

	drop("2026-04-07", nil) // nothing came in
	runNight("2026-04-07")

	drop("2026-04-08", map[string]int{"settlements.csv": 10, "README.md": -1})
	runNight("2026-04-08")

	drop("2026-04-09", map[string]int{"settlements.csv": 20})
	auditor := openReadOnly(t, db)
	cmd := night("2026-04-09")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(home, "medrecon.log")
	for deadline := time.Now().Add(time.Minute); !strings.Contains(readFile(t, log), "waiting for the ledger"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the run never waited for the auditor's session:\n%s", readFile(t, log))
		}
	}
	auditor.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}

	if _, err := os.Stat(filepath.Join(home, "reports", "run-20260409.pdf")); err != nil {
		t.Errorf("the night that waited wrote no report: %v", err)
	}
	if err := os.RemoveAll(filepath.Join(home, "reports")); err != nil { // someone tidied up
		t.Fatal(err)
	}
	night5 := drop("2026-04-10", map[string]int{"settlements.csv": 30})
	runNight("2026-04-10")

	night6 := drop("2026-04-11", nil) // the hospital sends yesterday's file again
	copyFile(t, filepath.Join(night5, "settlements.csv"), filepath.Join(night6, "settlements.csv"))
	runNight("2026-04-11")

	drop("2026-04-12", map[string]int{"settlements.csv": 40})
	os.MkdirAll(filepath.Join(home, "reports", "run-20260412.pdf"), 0o755) // in the PDF's way
	runNight("2026-04-12")

	logText := readFile(t, log)
	alerts, _ := os.ReadFile(filepath.Join(home, "alerts.log"))
	if got, want := string(alerts), "20260412 exit 4\n"; got != want {
		t.Errorf("cron alerts:\n%s\nwant only the night whose PDF failed:\n%s\nlog:\n%s", got, want, logText)
	}
	committed := []string{"R20260406-001", "R20260408-001", "R20260409-001", "R20260410-001", "R20260412-001"}
	if got := query(t, db, "SELECT run_id FROM runs ORDER BY run_id"); strings.Join(got, " ") != strings.Join(committed, " ") {
		t.Errorf("runs = %v, want %v", got, committed)
	}
	for _, run := range committed {
		files := exportFiles(t, filepath.Join(home, "exports", run))
		for _, name := range []string{"payouts.xlsx", "findings.xlsx", "rejects.xlsx"} {
			if files[name] == "" {
				t.Errorf("exports/%s/%s is missing", run, name)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(home, "reports", "run-20260410.pdf")); err != nil {
		t.Errorf("the report into the tidied-away folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(home, "reports", "run-20260411.pdf")); err == nil {
		t.Error("the night that brought nothing new wrote a report")
	}
	for _, want := range []string{
		"nothing to do: no input files in incoming/20260407",
		"skipped, not input files: incoming/20260408/README.md",
		"nothing new: every file was already imported: incoming/20260411/settlements.csv (run R20260410-001)",
		"run R20260412-001 is committed, but its PDF report was not written to reports/run-20260412.pdf",
		"write it again with: medrecon report --db ledger.duckdb --run R20260412-001 --out reports/run-20260412.pdf",
	} {
		if !strings.Contains(logText, want) {
			t.Errorf("medrecon.log lacks %q:\n%s", want, logText)
		}
	}
}
