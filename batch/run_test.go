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
	"medrecon/batch/rules"
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

// assessChunks delivers the first failing chunk's error and stops; stop
// returns whether or not every outcome was taken.
func TestAssessChunksStopsAtTheFirstError(t *testing.T) {
	pol, err := policy.LoadFS(fixtures.Policy(), ".")
	if err != nil {
		t.Fatal(err)
	}
	cfg := rules.Config{AsOf: record.D(2026, 1, 10), Policy: pol}
	visit := func(id, region string) rules.Chunk {
		s := record.Settlement{SetlID: id, Certno: "130102198001011232", InsuplcAdmdvs: region, Insutype: "310",
			MedType: "21", HospLv: 3, Begndate: record.D(2025, 3, 1), Enddate: record.D(2025, 3, 5)}
		return rules.Chunk{Batch: record.Batch{Settlements: []record.Settlement{s}}, History: record.NewHistory()}
	}
	c := assessChunks([]rules.Chunk{visit("S1", "130100"), visit("S2", "999999"), visit("S3", "130100")}, cfg)
	var got []string
	for e := range c.outs {
		if e.err != nil {
			got = append(got, "error")
			continue
		}
		got = append(got, e.o.Assessments[0].SubjectID)
	}
	c.stop()
	if strings.Join(got, " ") != "S1 error" {
		t.Errorf("outcomes %v; want S1, then the error of S2, then nothing", got)
	}

	// Taking one outcome and stopping ends the goroutine.
	c = assessChunks([]rules.Chunk{visit("S1", "130100"), visit("S3", "130100"), visit("S4", "130100")}, cfg)
	<-c.outs
	c.stop()
}

// A night's folder may already hold a decisions or payments file, told by
// its header; until the claim's life applies them, such a file stops the
// run with nothing committed (as a file of no known kind does), rather than
// being recorded as imported with its rows dropped.
func TestRunRefusesDecisionsAndPaymentsNotYetApplied(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"decisions.csv", "申请编号,复核结论,核定金额,理由,复核人,复核日期\nC1,核准,,,周虚构,2026-04-01\n", "review decisions"},
		{"payments.csv", "claim_id,amount,paid_on,bank_ref,result,reason\nC1,100.00,2026-04-01,B1,success,\n", "payment results"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "ledger.duckdb")
			cfg := demoConfig(t, db)
			cfg.Inputs = append(cfg.Inputs, Input{Path: tc.name, FS: fstest.MapFS{tc.name: {Data: []byte(tc.content)}}})
			_, err := Run(context.Background(), cfg)
			if err == nil || !strings.HasPrefix(err.Error(), tc.name+": ") || !strings.Contains(err.Error(), tc.want) ||
				!strings.Contains(err.Error(), "does not apply it yet") {
				t.Fatalf("err = %v, want one naming %s as %s not applied yet", err, tc.name, tc.want)
			}
			if _, err := os.Stat(db); !os.IsNotExist(err) {
				t.Errorf("the refused run left a ledger file behind (stat: %v)", err)
			}
		})
	}
}
