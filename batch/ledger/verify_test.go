package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"medrecon/batch/record"
)

// TestChainAndVerify follows SPEC 4.4: each run stores a digest of its rows
// and chains it to the run before; verify recomputes them from the rows and
// names the first run whose rows changed, with the table.
func TestChainAndVerify(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	second := runInfo("R20260411-001", record.D(2026, 4, 11), run.StartedAt.Add(24*time.Hour))
	mustCommit(t, l, second, nil, record.Outcome{Findings: out.Findings[:1]}, nil)

	checks, err := l.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 2 || !checks[0].OK() || !checks[1].OK() {
		t.Fatalf("a ledger as committed does not verify: %+v", checks)
	}
	first, _ := hex.DecodeString(checks[0].Chain)
	content, _ := hex.DecodeString(checks[1].Content)
	if want := sha256.Sum256(append(first, content...)); checks[1].Chain != hex.EncodeToString(want[:]) {
		t.Errorf("chain of the second run %s, want SHA-256(first chain ‖ content) %x", checks[1].Chain, want)
	}
	if c0 := sha256.Sum256(mustHex(t, checks[0].Content)); checks[0].Chain != hex.EncodeToString(c0[:]) {
		t.Errorf("the first run's chain is not SHA-256 of its content alone")
	}

	// One UPDATE to an amount of the first run: the first run no longer
	// verifies, in table assessments, and the chain after it breaks too.
	if _, err := l.db.Exec(`UPDATE assessments SET payable = payable + 1 WHERE run_id = ? AND subject_id = 'S1'`, run.RunID); err != nil {
		t.Fatal(err)
	}
	checks, err = l.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if checks[0].OK() || checks[0].Table != "assessments" || checks[0].Subject != "settlement S1 (changed)" {
		t.Errorf("after an UPDATE of run 1: %+v, want a mismatch in assessments, settlement S1", checks[0])
	}
	if checks[1].OK() || checks[1].Content != checks[1].StoredContent {
		t.Errorf("after an UPDATE of run 1, run 2: %+v, want its content unchanged and its chain broken", checks[1])
	}
}

// TestDigestIgnoresPhysicalOrder: the same rows written in another order
// give the same digest.
func TestDigestIgnoresPhysicalOrder(t *testing.T) {
	var digests []string
	for _, reverse := range []bool{false, true} {
		l, _ := newLedger(t)
		run, files, out, rejects := firstRun()
		if reverse {
			slices.Reverse(out.Assessments)
			slices.Reverse(out.Findings)
			slices.Reverse(out.Settlements)
			slices.Reverse(rejects)
			slices.Reverse(files)
		}
		mustCommit(t, l, run, files, out, rejects)
		d, err := l.RunData(context.Background(), run.RunID)
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d.Run.ContentSHA256+" "+d.Run.ChainSHA256)
	}
	if digests[0] != digests[1] {
		t.Errorf("digests %q and %q differ with the order the rows were written in", digests[0], digests[1])
	}
}

// TestChainBackfill: runs committed before the ledger kept a chain get
// theirs in the transaction of the next run, and then verify.
func TestChainBackfill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.duckdb")
	l, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	// As a ledger of schema version 5 would hold it: no digests.
	for _, q := range []string{`UPDATE runs SET content_sha256 = NULL, chain_sha256 = NULL`, `DELETE FROM run_digests`,
		`DELETE FROM run_subject_digests`} {
		if _, err := l.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	second := runInfo("R20260411-001", record.D(2026, 4, 11), run.StartedAt.Add(24*time.Hour))
	mustCommit(t, l, second, nil, record.Outcome{}, nil)
	checks, err := l.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 2 || !checks[0].OK() || !checks[1].OK() || checks[0].StoredChain == "" {
		t.Errorf("after the backfill: %+v, want both runs chained and verified", checks)
	}
	l.Close()
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifyNamesTheTable: one change each to a finding, a settlement, an
// input row and a runs row, a deleted assessment and an added settlement
// are found in the right run, table and subject; the untouched ledger
// verifies.
func TestVerifyNamesTheTable(t *testing.T) {
	for _, tc := range []struct{ table, subject, update string }{
		{"findings", "settlement S1 (changed)", `UPDATE findings SET detail = detail || '（改）' WHERE run_id = 'R20260410-001' AND subject_id = 'S1'`},
		{"settlements", "S1 (changed)", `UPDATE settlements SET hifp_pay = hifp_pay - 1 WHERE run_id = 'R20260410-001' AND setl_id = 'S1'`},
		{"input_files", "in/claims.xlsx (changed)", `UPDATE input_files SET rows = rows + 1 WHERE run_id = 'R20260410-001' AND path = 'in/claims.xlsx'`},
		{"runs", "R20260410-001 (changed)", `UPDATE runs SET as_of = as_of - 1 WHERE run_id = 'R20260410-001'`},
		{"assessments", "claim C1 (missing)", `DELETE FROM assessments WHERE run_id = 'R20260410-001' AND subject_id = 'C1'`},
		{"settlements", "S9 (added)", `INSERT INTO settlements SELECT * REPLACE ('S9' AS setl_id) FROM settlements
			WHERE run_id = 'R20260410-001' AND setl_id = 'S1'`},
	} {
		t.Run(tc.table+"_"+strings.Fields(tc.update)[0], func(t *testing.T) {
			ctx := context.Background()
			l, _ := newLedger(t)
			run, files, out, rejects := firstRun()
			mustCommit(t, l, run, files, out, rejects)
			second := runInfo("R20260411-001", record.D(2026, 4, 11), run.StartedAt.Add(24*time.Hour))
			mustCommit(t, l, second, nil, record.Outcome{}, nil)
			if _, err := l.db.Exec(tc.update); err != nil {
				t.Fatal(err)
			}
			checks, err := l.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if checks[0].OK() || checks[0].Table != tc.table || checks[0].RunID != run.RunID || checks[0].Subject != tc.subject {
				t.Errorf("after one change to %s: %+v, want run %s to fail in %s at %s", tc.table, checks[0], run.RunID, tc.table, tc.subject)
			}
			if !checks[1].OK() && checks[1].Content != checks[1].StoredContent {
				t.Errorf("the second run's own rows changed too: %+v", checks[1])
			}
		})
	}
}

// TestDigestIgnoresSplitAndReread: the same rows, rewritten in two halves in
// the other order, checkpointed and read back after the ledger is closed and
// opened again, still give the digest the run recorded: the digest depends
// on the values, not on where DuckDB keeps them.
func TestDigestIgnoresSplitAndReread(t *testing.T) {
	ctx := context.Background()
	l, path := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	for _, tbl := range []string{"settlements", "assessments", "findings", "rejects", "input_files"} {
		for _, q := range []string{
			`CREATE TEMP TABLE moved AS SELECT * FROM ` + tbl + ` ORDER BY ALL`,
			`DELETE FROM ` + tbl,
			// The second half first, in one append; then the first half in another.
			`INSERT INTO ` + tbl + ` SELECT * FROM moved OFFSET (SELECT count(*) // 2 FROM moved)`,
			`CHECKPOINT`,
			`INSERT INTO ` + tbl + ` SELECT * FROM moved LIMIT (SELECT count(*) // 2 FROM moved)`,
			`DROP TABLE moved`,
		} {
			if _, err := l.db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := OpenReadOnly(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	checks, err := ro.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || !checks[0].OK() {
		t.Errorf("after rewriting the rows in another order: %+v, want the recorded digest", checks)
	}
}

// TestSubjectDigestsBackfill: a run chained before subject digests gets
// them in the next run's transaction, if its rows still match; verify then
// names the subject of a later change. A run whose rows changed before that
// gets none, and verify names its table only.
func TestSubjectDigestsBackfill(t *testing.T) {
	for _, tampered := range []bool{false, true} {
		ctx := context.Background()
		l, _ := newLedger(t)
		run, files, out, rejects := firstRun()
		mustCommit(t, l, run, files, out, rejects)
		// As a ledger of schema version 6 holds it: chained, no subjects.
		for _, q := range []string{`DELETE FROM run_subject_digests`, `UPDATE runs SET subjects_digested = NULL`} {
			if _, err := l.db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		change := `UPDATE settlements SET hifp_pay = hifp_pay - 1 WHERE setl_id = 'S1'`
		if tampered {
			if _, err := l.db.Exec(change); err != nil {
				t.Fatal(err)
			}
		}
		second := runInfo("R20260411-001", record.D(2026, 4, 11), run.StartedAt.Add(24*time.Hour))
		mustCommit(t, l, second, nil, record.Outcome{}, nil)
		var n int
		if err := l.db.QueryRow(`SELECT count(*) FROM run_subject_digests WHERE run_id = ?`, run.RunID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if tampered != (n == 0) {
			t.Errorf("tampered %v: the first run has %d subject digests after the next run", tampered, n)
		}
		if !tampered {
			if _, err := l.db.Exec(change); err != nil {
				t.Fatal(err)
			}
		}
		checks, err := l.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := "S1 (changed)"
		if tampered {
			want = ""
		}
		if checks[0].OK() || checks[0].Table != "settlements" || checks[0].Subject != want {
			t.Errorf("tampered %v: %+v, want settlements at %q", tampered, checks[0], want)
		}
	}
}

// TestDigestOfLaterColumnsAndTables: what schema versions 8 and 9 added to
// the digest (the claims' bank columns, the tables of a claim's life, each
// run's payment_days) leaves the digest of a run without them as the digest
// before it was, and a change to them in an earlier run is still found.
func TestDigestOfLaterColumnsAndTables(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	for i := range out.Claims {
		out.Claims[i].BankName, out.Claims[i].BankAccount = "", ""
	}
	mustCommit(t, l, run, files, out, rejects)

	// The digest as the columns and tables before version 8 give it.
	saved := digestTables
	t.Cleanup(func() { digestTables = saved })
	digestTables = nil
	for _, tbl := range saved {
		if tbl.since == 0 {
			tbl.later = nil
			digestTables = append(digestTables, tbl)
		}
	}
	conn, err := l.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before, err := digestRun(ctx, conn, run.RunID, digestV2, nil)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	digestTables = saved
	checks, err := l.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !checks[0].OK() || checks[0].Content != hexOf(before.content) {
		t.Fatalf("a run without bank columns or life rows digests to %s, the digest before version 8 is %s", checks[0].Content, hexOf(before.content))
	}

	for _, tc := range []struct{ table, subject, change, undo string }{
		{"claims", "C1 (changed)", `UPDATE claims SET bank_account = '6222020402001234567' WHERE claim_id = 'C1'`,
			`UPDATE claims SET bank_account = NULL WHERE claim_id = 'C1'`},
		{"decisions", "C1 (added)", `INSERT INTO decisions VALUES ('R20260410-001', 'C1', 'approve', NULL, NULL, '周虚构', DATE '2026-04-12', NULL, NULL)`,
			`DELETE FROM decisions`},
		{"run_payment_days", "130100 (added)", `INSERT INTO run_payment_days VALUES ('R20260410-001', '130100', 10)`, ``},
	} {
		if _, err := l.db.Exec(tc.change); err != nil {
			t.Fatal(err)
		}
		checks, err := l.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if checks[0].OK() || checks[0].Table != tc.table || checks[0].Subject != tc.subject {
			t.Errorf("after %s: %+v, want a mismatch in %s at %q", tc.change, checks[0], tc.table, tc.subject)
		}
		if tc.undo != "" { // so that the next change is the first
			if _, err := l.db.Exec(tc.undo); err != nil {
				t.Fatal(err)
			}
		}
	}
}
