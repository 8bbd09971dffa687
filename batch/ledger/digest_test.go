package ledger

import (
	"context"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// richRun is a run with a value of every kind the digest meets: NULLs,
// negative and zero amounts, a name cut by a NUL byte, fractional and
// zoned times, a claim with and one without bank columns, two identical
// findings, the rows of a claim's life, rejects from a chunk and from the
// files, and payment days. It is written in two chunks and a commit.
func richRun(t *testing.T, l *Ledger) record.RunInfo {
	t.Helper()
	run, files, out, rejects := firstRun()
	run.StartedAt = time.Date(2026, 4, 10, 9, 0, 1, 250_000_000, time.FixedZone("CST", 8*3600))
	run.FinishedAt = run.StartedAt.Add(90*time.Second + 123456*time.Microsecond)
	run.PaymentDays = map[string]int{"130100": 30, "120000": 15}
	out.Settlements[0].PsnName = "张\x00三丰"
	out.Settlements[0].SetlTime = out.Settlements[0].SetlTime.Add(500 * time.Millisecond)
	out.Settlements[1].HifmiPay = -50 // -0.50
	out.Settlements[2].PsnNo = ""
	c2 := out.Claims[0]
	c2.ClaimID, c2.BankName, c2.BankAccount, c2.Invoices = "C2", "", "", nil
	out.Claims = append(out.Claims, c2)
	out.Findings = append(out.Findings, out.Findings[1])
	out.Assessments[3].ReportedPay = record.NullFen{}
	chunk2 := record.Outcome{
		Settlements: out.Settlements[2:],
		Assessments: out.Assessments[2:],
		Decisions: []record.Decision{{ClaimID: "C1", Decision: record.DecisionAdjust, Reviewer: "周虚构",
			Amount: decimal.NewNullDecimal(decimal.RequireFromString("0.00")), Reason: "核减",
			DecidedOn: record.D(2026, 4, 10), Src: record.Source{File: "decisions.csv", Row: 2}}},
		Payments: []record.Payment{{ClaimID: "C1", Amount: decimal.RequireFromString("70700.00"), PaidOn: record.D(2026, 4, 11),
			BankRef: "B1", Result: record.PaymentSuccess, Src: record.Source{File: "payments.csv", Row: 2}}},
		Recoveries: []record.Recovery{
			{SubjectKind: record.KindClaim, SubjectID: "C1", ClaimID: "C1", Amount: decimal.RequireFromString("50.00"), Reason: "多付", Event: record.RecoveryOpened},
			{SubjectKind: record.KindClaim, SubjectID: "C1", ClaimID: "C1", Amount: decimal.RequireFromString("50.00"), Event: record.RecoverySettled},
		},
		Rejects: []record.Reject{{File: "decisions.csv", Row: 3, Col: "claim_id", Value: "C404", Reason: "申请不存在"}},
	}
	out.Settlements, out.Assessments = out.Settlements[:2], out.Assessments[:2]
	tx, err := l.Begin(context.Background(), run.RunID, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The second chunk first: the digest does not depend on the order.
	for _, o := range []record.Outcome{chunk2, out} {
		if err := tx.Add(o); err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
	}
	if err := tx.Commit(run, files, rejects); err != nil {
		t.Fatal(err)
	}
	return run
}

// TestStreamDigestIsVerifyDigest: the digests a run stores, taken from the
// values it appended, are the ones verify computes from its rows read back,
// table by table and subject by subject.
func TestStreamDigestIsVerifyDigest(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run := richRun(t, l)
	conn := mustConn(t, l)

	type tableRow struct {
		Table string
		Rows  int64
		Sum   string
	}
	var stored, recomputed []tableRow
	err := each(ctx, conn, `SELECT table_name, rows, sha256 FROM run_digests WHERE run_id = ? ORDER BY table_name`,
		[]any{run.RunID}, func(r *sqlRows) error {
			var tr tableRow
			err := r.Scan(&tr.Table, &tr.Rows, &tr.Sum)
			stored = append(stored, tr)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	storedSubjects := map[string]int64{}
	err = each(ctx, conn, `SELECT table_name, subject, digest FROM run_subject_digests WHERE run_id = ?`,
		[]any{run.RunID}, func(r *sqlRows) error {
			var tbl, s string
			var d int64
			err := r.Scan(&tbl, &s, &d)
			storedSubjects[tbl+"/"+s] = d
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	subjects := map[string]int64{}
	d, err := digestRun(ctx, conn, run.RunID, digestV2, func(td tableDigest) error {
		recomputed = append(recomputed, tableRow{td.table, td.rows, hex.EncodeToString(td.sum[:])})
		for _, s := range td.subjects {
			subjects[td.table+"/"+s.subject] = s.digest
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(recomputed, func(a, b tableRow) int { return strings.Compare(a.Table, b.Table) })
	if diff := cmp.Diff(recomputed, stored); diff != "" {
		t.Errorf("run_digests (-read back +stored at commit):\n%s", diff)
	}
	if diff := cmp.Diff(subjects, storedSubjects); diff != "" {
		t.Errorf("run_subject_digests (-read back +stored at commit):\n%s", diff)
	}
	var content, version string
	if err := conn.QueryRowContext(ctx, `SELECT content_sha256, digest_version FROM runs WHERE run_id = ?`, run.RunID).Scan(&content, &version); err != nil {
		t.Fatal(err)
	}
	if content != hexOf(d.content) || version != "2" {
		t.Errorf("the run stored content %s with digest version %s; its rows read back give %s", content, version, hexOf(d.content))
	}
	for _, want := range []string{"runs", "input_files", "settlements", "claims", "filings", "statements", "assessments",
		"findings", "rejects", "decisions", "payments", "recoveries", "run_payment_days"} {
		if !slices.ContainsFunc(stored, func(tr tableRow) bool { return tr.Table == want && tr.Rows > 0 }) {
			t.Errorf("the rich run has no rows of %s in its digest: the test does not try it", want)
		}
	}
	if _, ok := storedSubjects["settlements/S1"]; !ok {
		t.Errorf("no subject digest of settlement S1: %v", storedSubjects)
	}
	checks, err := l.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || !checks[0].OK() || checks[0].DigestVersion != digestV2 {
		t.Errorf("verify: %+v, want the run verified with digest version 2", checks)
	}
}

// TestVerifyFindsTamperingOfVersion2: every kind of change to a run digested
// with version 2 fails verification in the right run, table and subject.
func TestVerifyFindsTamperingOfVersion2(t *testing.T) {
	const first, second = "R20260410-001", "R20260411-001"
	type want struct{ Run, Table, Subject string }
	for _, tc := range []struct {
		name    string
		changes []string
		want    []want // the runs that fail, in order
	}{
		{"a changed amount", []string{`UPDATE settlements SET medfee_sumamt = medfee_sumamt + 0.01 WHERE setl_id = 'S2'`},
			[]want{{first, "settlements", "S2 (changed)"}}},
		{"a changed name, one character", []string{`UPDATE claims SET psn_name = '李思达' WHERE claim_id = 'C2'`},
			[]want{{first, "claims", "C2 (changed)"}}},
		{"a NULL set", []string{`UPDATE settlements SET psn_no = 'P9' WHERE setl_id = 'S3'`},
			[]want{{first, "settlements", "S3 (changed)"}}},
		{"a value set to NULL", []string{`UPDATE assessments SET discrepancy = NULL WHERE subject_id = 'S1'`},
			[]want{{first, "assessments", "settlement S1 (changed)"}}},
		{"a deleted row", []string{`DELETE FROM settlements WHERE setl_id = 'S3'`},
			[]want{{first, "settlements", "S3 (missing)"}}},
		{"one of two identical rows deleted", []string{`CREATE TEMP TABLE one AS SELECT * FROM findings WHERE subject_id = 'S1' LIMIT 1`,
			`DELETE FROM findings WHERE subject_id = 'S1'`, `INSERT INTO findings SELECT * FROM one`},
			[]want{{first, "findings", "settlement S1 (changed)"}}},
		{"an added row", []string{`INSERT INTO rejects VALUES ('R20260410-001', 'x.csv', NULL, 9, 'a', 'b', 'c')`},
			[]want{{first, "rejects", "x.csv ∅ 9 (added)"}}},
		{"a duplicated row", []string{`INSERT INTO recoveries SELECT * FROM recoveries WHERE event = 'settled'`},
			[]want{{first, "recoveries", "claim C1 (changed)"}}},
		{"two rows' values swapped", []string{
			`UPDATE assessments SET status = CASE subject_id WHEN 'S2' THEN 'refund' ELSE 'refunded' END WHERE subject_id IN ('S2', 'S3')`},
			[]want{{first, "assessments", "settlement S2 (changed)"}}},
		{"a row moved to the next run", []string{`UPDATE findings SET run_id = 'R20260411-001' WHERE subject_id = 'C1'`},
			[]want{{first, "findings", "claim C1 (missing)"}, {second, "findings", "claim C1 (added)"}}},
		{"a later table: a payment's amount", []string{`UPDATE payments SET amount = amount - 1`},
			[]want{{first, "payments", "C1 (changed)"}}},
		{"a later table: a payment day", []string{`UPDATE run_payment_days SET payment_days = 16 WHERE region = '120000'`},
			[]want{{first, "run_payment_days", "120000 (changed)"}}},
		{"a later column set", []string{`UPDATE claims SET bank_name = '中国银行' WHERE claim_id = 'C2'`},
			[]want{{first, "claims", "C2 (changed)"}}},
		{"the runs row", []string{`UPDATE runs SET finished_at = finished_at + INTERVAL 1 MICROSECOND WHERE run_id = 'R20260410-001'`},
			[]want{{first, "runs", "R20260410-001 (changed)"}}},
		// Read as version 1, no table gives its digest: the first is named.
		{"the digest version", []string{`UPDATE runs SET digest_version = NULL WHERE run_id = 'R20260410-001'`},
			[]want{{first, "runs", "R20260410-001 (changed)"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			l, _ := newLedger(t)
			run := richRun(t, l)
			next := runInfo(second, record.D(2026, 4, 11), run.StartedAt.Add(24*time.Hour))
			mustCommit(t, l, next, nil, record.Outcome{Findings: []record.Finding{{SubjectKind: record.KindSettlement,
				SubjectID: "S9", Code: record.AmountMismatch, Severity: record.SeverityError, Detail: "差额"}}}, nil)
			if checks, err := l.Verify(ctx); err != nil || !checks[0].OK() || !checks[1].OK() {
				t.Fatalf("before the change: %+v, %v", checks, err)
			}
			for _, q := range tc.changes {
				if _, err := l.db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			checks, err := l.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, c := range checks {
				if c.Content != c.StoredContent {
					got = append(got, want{c.RunID, c.Table, c.Subject})
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("runs whose content no longer verifies (-want +got):\n%s", diff)
			}
			if checks[len(checks)-1].OK() {
				t.Errorf("the last run's chain still verifies after a change before it")
			}
		})
	}
}

// asVersion1 records run's digests as a medrecon before schema version 10
// did (digest version 1, read back sorted), chained to chain: what every
// run of an existing ledger holds.
func asVersion1(t *testing.T, l *Ledger, runID string, prev []byte) []byte {
	t.Helper()
	ctx := context.Background()
	conn := mustConn(t, l)
	var tables []tableDigest
	d, err := digestRun(ctx, conn, runID, digestV1, func(td tableDigest) error {
		tables = append(tables, td)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	chain := chainOf(prev, d.content)
	for _, q := range []string{`DELETE FROM run_digests WHERE run_id = ?`, `DELETE FROM run_subject_digests WHERE run_id = ?`} {
		if _, err := conn.ExecContext(ctx, q, runID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.ExecContext(ctx, `UPDATE runs SET content_sha256 = ?, chain_sha256 = ?, digest_version = NULL
		WHERE run_id = ?`, hexOf(d.content), hexOf(chain), runID); err != nil {
		t.Fatal(err)
	}
	for _, td := range tables {
		if _, err := conn.ExecContext(ctx, `INSERT INTO run_digests VALUES (?, ?, ?, ?)`, runID, td.table, td.rows, hexOf(td.sum)); err != nil {
			t.Fatal(err)
		}
		err := appendRows(ctx, conn, "", "run_subject_digests", len(td.subjects), 4, func(i int, v []driver.Value) {
			v[0], v[1], v[2], v[3] = runID, td.table, td.subjects[i].subject, td.subjects[i].digest
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return chain[:]
}

// TestVersion1RunsKeepTheirDigests: runs digested with version 1, as every
// run of a ledger before schema version 10 is, keep the digests they
// recorded when version 2 runs are chained after them, verify with version
// 1, and a change to one is still found with its subject.
func TestVersion1RunsKeepTheirDigests(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run := richRun(t, l)
	chain := asVersion1(t, l, run.RunID, nil)
	var v1 string
	if err := l.db.QueryRow(`SELECT content_sha256 FROM runs WHERE run_id = ?`, run.RunID).Scan(&v1); err != nil {
		t.Fatal(err)
	}
	next := runInfo("R20260411-001", record.D(2026, 4, 11), run.StartedAt.Add(24*time.Hour))
	mustCommit(t, l, next, nil, record.Outcome{}, nil)

	checks, err := l.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var versions []int
	for _, c := range checks {
		versions = append(versions, c.DigestVersion)
		if !c.OK() {
			t.Errorf("run %s does not verify: %+v", c.RunID, c)
		}
	}
	if diff := cmp.Diff([]int{digestV1, digestV2}, versions); diff != "" {
		t.Errorf("digest versions (-want +got):\n%s", diff)
	}
	if checks[0].StoredContent != v1 || checks[0].StoredChain != hex.EncodeToString(chain) {
		t.Errorf("the version 1 run's digests changed when the next run was committed: %+v", checks[0])
	}
	if want := hexOf(chainOf(chain, [32]byte(mustHex(t, checks[1].StoredContent)))); checks[1].StoredChain != want {
		t.Errorf("the version 2 run's chain %s, want it chained to the version 1 run's: %s", checks[1].StoredChain, want)
	}

	if _, err := l.db.Exec(`UPDATE payments SET reason = 'x' WHERE claim_id = 'C1'`); err != nil {
		t.Fatal(err)
	}
	if checks, err = l.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%s %s %s", checks[0].RunID, checks[0].Table, checks[0].Subject); checks[0].OK() ||
		got != run.RunID+" payments C1 (changed)" {
		t.Errorf("after a change to the version 1 run: %+v, want it found at payments C1", checks[0])
	}
}
