package batch

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"medrecon/batch/ledger"
	"medrecon/batch/policy"
	"medrecon/batch/record"
	"medrecon/fixtures"
)

func demoConfig(t *testing.T, db string) Config {
	t.Helper()
	pol, err := policy.LoadFS(fixtures.Policy(), ".")
	if err != nil {
		t.Fatal(err)
	}
	asOf, _ := record.ParseISO(fixtures.DemoAsOf)
	entries, err := fs.ReadDir(fixtures.Demo(), ".")
	if err != nil {
		t.Fatal(err)
	}
	var inputs []Input
	for _, e := range entries {
		inputs = append(inputs, Input{Path: e.Name(), FS: fixtures.Demo()})
	}
	clock := time.Date(2026, 4, 10, 18, 0, 0, 0, time.UTC)
	return Config{
		Ledger: db, Policy: pol, AsOf: asOf, Inputs: inputs, MaxRejectRatio: 0.05,
		Version: "test", Now: func() time.Time { return clock },
	}
}

func TestRunCommitsOnceAndIgnoresTheSameFiles(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ledger.duckdb")
	cfg := demoConfig(t, db)
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Committed || sum.RunID != "R20260410-001" {
		t.Fatalf("first run: %+v", sum)
	}
	for _, s := range []string{record.ClaimApproved, record.ClaimRejected, record.ClaimReview, record.ClaimPending} {
		if sum.Claims[s] == 0 {
			t.Errorf("no claim %s in the demo summary %v", s, sum.Claims)
		}
	}
	again, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if again.Committed || again.RunID != "" {
		t.Errorf("the same files again committed a run: %+v", again)
	}
	for _, f := range again.Files {
		if f.AlreadyImported != "R20260410-001" {
			t.Errorf("%s: already imported by %q, want R20260410-001", f.Path, f.AlreadyImported)
		}
	}
}

func TestRunStopsOnTooManyRejectsAndCreatesNoLedger(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ledger.duckdb")
	cfg := demoConfig(t, db)
	src, err := fs.ReadFile(fixtures.Demo(), "settlements.csv")
	if err != nil {
		t.Fatal(err)
	}
	// Break the enddate of every row: far more than 5% of the file.
	broken := strings.ReplaceAll(string(src), "2025-", "2025-13-")
	cfg.Inputs = []Input{{Path: "broken.csv", FS: fstest.MapFS{"broken.csv": {Data: []byte(broken)}}}}
	_, err = Run(context.Background(), cfg)
	if !errors.Is(err, ErrTooManyRejects) || !strings.Contains(err.Error(), "broken.csv") {
		t.Fatalf("err = %v, want ErrTooManyRejects naming broken.csv", err)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a failed run left a ledger file behind (stat: %v)", err)
	}
}

func TestRunRefusesTheSameBytesTwice(t *testing.T) {
	cfg := demoConfig(t, filepath.Join(t.TempDir(), "ledger.duckdb"))
	cfg.Inputs = append(cfg.Inputs, Input{Path: "settlements.csv", FS: fixtures.Demo()})
	if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "same content") {
		t.Errorf("err = %v, want a same-content error", err)
	}
}

// A run given files that an earlier run imported records them, not read
// again, with the run that imported them, and counts the rows it ignored as
// identical re-sends, so that its report lists every file (SPEC 4.3).
func TestRunRecordsFilesGivenAgain(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "ledger.duckdb")
	cfg := demoConfig(t, db)
	first, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if first.Ignored == 0 {
		t.Fatalf("the demo re-sends no row; the test needs one: %+v", first)
	}
	filing := "filing_id,certno,filing_kind,mdtrtarea_admvs,begndate,enddate,filed_date,status,cancel_date,dise_code\n" +
		"FZ1," + genIDNo("13010219750612123") + ",long_term,120000,2024-01-01,,2023-12-20,有效,,\n"
	cfg.Inputs = append(cfg.Inputs, Input{Path: "new_filings.csv", FS: fstest.MapFS{"new_filings.csv": {Data: []byte(filing)}}})
	cfg.Now = func() time.Time { return time.Date(2026, 4, 11, 18, 0, 0, 0, time.UTC) }
	second, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d, err := l.RunData(ctx, second.RunID)
	if err != nil {
		t.Fatal(err)
	}
	var fresh, again int
	for _, f := range d.Files {
		switch f.AlreadyImported {
		case "":
			fresh++
		case first.RunID:
			again++
		default:
			t.Errorf("%s already imported by %q, want %s", f.Path, f.AlreadyImported, first.RunID)
		}
	}
	if fresh != 1 || again != len(cfg.Inputs)-1 {
		t.Errorf("run %s records %d new and %d files given again, want 1 and %d", second.RunID, fresh, again, len(cfg.Inputs)-1)
	}
	if d.Run.Ignored != 0 {
		t.Errorf("run %s ignored %d rows; its one new file re-sends none", second.RunID, d.Run.Ignored)
	}
	d, err = l.RunData(ctx, first.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Run.Ignored != first.Ignored {
		t.Errorf("run %s records %d ignored rows, its summary said %d", first.RunID, d.Run.Ignored, first.Ignored)
	}
}

// TestTick: the progress ticker calls its function until stopped, and
// never after stop has returned.
func TestTick(t *testing.T) {
	var calls atomic.Int64
	stop := tick(time.Millisecond, func() { calls.Add(1) })
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() < 3 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	stop()
	n := calls.Load()
	if n < 3 {
		t.Fatalf("%d calls in 5 s", n)
	}
	time.Sleep(5 * time.Millisecond)
	if calls.Load() != n {
		t.Errorf("called after stop: %d then %d", n, calls.Load())
	}
}
