package batch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
// A night's decisions and payments (SPEC 2.6, 2.7, 3.7) reach the ledger:
// the demo's claim in review is decided, an approved one paid, and the rows
// that cannot apply (an unknown claim, a decision on an approved claim, a
// bank_ref sent again with other content) are rejected rows of their files,
// counted with the files, while the run commits.
func TestRunAppliesDecisionsAndPayments(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "ledger.duckdb")
	cfg := demoConfig(t, db)
	if _, err := Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	l, err := ledger.OpenReadOnly(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	states, err := l.ClaimStates(ctx)
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	var review, approved record.ClaimState
	for _, c := range states {
		switch {
		case c.Status == record.ClaimReview && review.ClaimID == "":
			review = c
		case c.Status == record.ClaimApproved && approved.ClaimID == "":
			approved = c
		}
	}
	if review.ClaimID == "" || approved.ClaimID == "" {
		t.Fatalf("the demo has no claim in review or approved: %+v", states)
	}
	decisions := "申请编号,复核结论,核定金额,理由,复核人,复核日期\n" +
		review.ClaimID + ",核准,,,周虚构,2026-04-11\n" +
		approved.ClaimID + ",核准,,,周虚构,2026-04-11\n" + // approved already: rejected row
		"C404,驳回,,查无此申请,周虚构,2026-04-11\n" // unknown: rejected row
	payments := "claim_id,amount,paid_on,bank_ref,result,reason\n" +
		approved.ClaimID + "," + approved.Payable.StringFixed(2) + ",2026-04-11,B1,success,\n"
	again := "claim_id,amount,paid_on,bank_ref,result,reason\n" +
		approved.ClaimID + ",1.00,2026-04-11,B1,success,\n" // B1 with other content: rejected row
	cfg.AsOf = record.D(2026, 4, 11)
	cfg.Now = func() time.Time { return time.Date(2026, 4, 11, 18, 0, 0, 0, time.UTC) }
	cfg.Inputs = []Input{
		{Path: "decisions.csv", FS: fstest.MapFS{"decisions.csv": {Data: []byte(decisions)}}},
		{Path: "payments.csv", FS: fstest.MapFS{"payments.csv": {Data: []byte(payments)}}},
		{Path: "payments_again.csv", FS: fstest.MapFS{"payments_again.csv": {Data: []byte(again)}}},
	}
	sum, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Committed || sum.Rejects != 3 || sum.Decisions != 1 || sum.Payments != 1 {
		t.Errorf("summary: %+v; want a committed run with 3 rejected rows, 1 decision and 1 payment", sum)
	}
	if sum.Claims[record.ClaimApproved] != 1 || sum.Claims[record.ClaimPaid] != 1 {
		t.Errorf("claims by status %v, want 1 approved (the review decided) and 1 paid", sum.Claims)
	}
	l, err = ledger.OpenReadOnly(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	data, err := l.RunData(ctx, sum.RunID)
	if err != nil {
		t.Fatal(err)
	}
	var rejected []string
	for _, r := range data.Rejects {
		rejected = append(rejected, fmt.Sprintf("%s:%d:%s", r.File, r.Row, r.Col))
	}
	want := []string{"decisions.csv:3:decision", "decisions.csv:4:claim_id", "payments_again.csv:2:bank_ref"}
	if !slices.Equal(rejected, want) {
		t.Errorf("rejected rows %v, want %v", rejected, want)
	}
	counts := map[string]int{}
	for _, f := range data.Files {
		counts[f.Path] = f.Rejected
	}
	if counts["decisions.csv"] != 2 || counts["payments.csv"] != 0 || counts["payments_again.csv"] != 1 {
		t.Errorf("files' rejected counts %v", counts)
	}
	now := map[string]string{}
	for _, a := range data.Assessments {
		now[a.SubjectID] = a.Status
	}
	if now[review.ClaimID] != record.ClaimApproved || now[approved.ClaimID] != record.ClaimPaid {
		t.Errorf("after the night: %s is %q, %s is %q; want approved and paid", review.ClaimID, now[review.ClaimID], approved.ClaimID, now[approved.ClaimID])
	}
}
