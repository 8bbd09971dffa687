package ledger

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"medrecon/batch/record"
)

// keyedLedger commits firstRun, a run that is rolled back, and a second run
// in two chunks, so that row_keys has rows of two runs whose rowids follow a
// rolled-back append.
func keyedLedger(t *testing.T) *Ledger {
	t.Helper()
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)

	second := runInfo("R20260411-001", record.D(2026, 4, 11), run.StartedAt.Add(24*time.Hour))
	chunk := func(id, cert string) record.Outcome {
		return record.Outcome{
			Settlements: []record.Settlement{settlement(id, cert, record.D(2026, 4, 1))},
			Claims:      []record.Claim{claim("C"+id, cert, record.D(2026, 3, 1), record.D(2026, 4, 2))},
			Assessments: []record.Assessment{
				assessment(record.KindSettlement, id, cert, 2026, record.SetlBalanced),
				assessment(record.KindClaim, "C"+id, cert, 2026, record.ClaimApproved),
			},
			Findings: []record.Finding{{SubjectKind: record.KindSettlement, SubjectID: id, Code: record.AmountMismatch,
				Severity: record.SeverityError, Detail: "差额"}},
		}
	}
	tx, err := l.Begin(ctx, second.RunID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Add(chunk("S9", zhangSan)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	tx, err = l.Begin(ctx, second.RunID, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []record.Outcome{chunk("S4", zhangSan), chunk("S5", liSi)} {
		if err := tx.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	// S1 again: a second assessment of a subject the first run keyed.
	if err := tx.Add(record.Outcome{Assessments: []record.Assessment{
		assessment(record.KindSettlement, "S1", zhangSan, 2026, record.SetlMismatch)}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(second, nil, nil); err != nil {
		t.Fatal(err)
	}
	return l
}

// Every row of a keyed table has its key in row_keys, pointing at its own
// rowid, and nothing else is there; and the migration's backfill derives
// the same keys from the rows as the runs wrote.
func TestRowKeysPointAtTheirRows(t *testing.T) {
	l := keyedLedger(t)
	conn := mustConn(t, l)
	ctx := context.Background()
	for _, k := range keyedColumns {
		t.Run(k.table+"."+k.column, func(t *testing.T) {
			var rows, keys, matched int64
			err := conn.QueryRowContext(ctx, `SELECT
				(SELECT count(*) FROM `+k.table+`),
				(SELECT count(*) FROM row_keys WHERE kind = ?),
				(SELECT count(*) FROM row_keys r JOIN `+k.table+` t ON t.rowid = r.row_id AND r.key_hash = hash(t.`+k.column+`)
					WHERE r.kind = ?)`, k.kind, k.kind).Scan(&rows, &keys, &matched)
			if err != nil {
				t.Fatal(err)
			}
			if rows == 0 || keys != rows || matched != rows {
				t.Errorf("%d rows, %d keys, %d keys on their row; want all equal and not 0", rows, keys, matched)
			}
		})
	}
	insert := migrateV11SQL[strings.Index(migrateV11SQL, "INSERT INTO row_keys"):]
	for _, q := range []string{`CREATE TEMP TABLE run_keys AS SELECT * FROM row_keys`, `DELETE FROM row_keys`, insert} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var differ int64
	err := conn.QueryRowContext(ctx, `SELECT count(*) FROM (
		(SELECT * FROM row_keys EXCEPT ALL SELECT * FROM run_keys) UNION ALL
		(SELECT * FROM run_keys EXCEPT ALL SELECT * FROM row_keys))`).Scan(&differ)
	if err != nil {
		t.Fatal(err)
	}
	if differ != 0 {
		t.Errorf("the migration's keys and the runs' keys differ in %d rows", differ)
	}
}

// Explain finds rows by row_keys alone, and checks the key on each row: a
// key pointing at another row (a hash collision, or a stale key) adds
// nothing, and a key that is missing hides its row.
func TestExplainReadsByKey(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, change string
		id           string
		want         int // assessments of id; -1: not found
	}{
		{"as written", ``, "S1", 2},
		{"second run's subject", ``, "S5", 1},
		{"claim", ``, "CS4", 1},
		{"colliding key", `INSERT INTO row_keys SELECT hash('S1'), 5, rowid FROM assessments WHERE subject_id = 'S2'`, "S1", 2},
		// Keys that miss rows: explain reads the tables themselves instead.
		{"settlement key gone", `DELETE FROM row_keys WHERE kind = 1 AND key_hash = hash('S1')`, "S1", 2},
		{"assessment keys gone", `DELETE FROM row_keys WHERE kind = 5 AND key_hash = hash('S1')`, "S1", 2},
		{"every key gone", `DELETE FROM row_keys`, "CS4", 1},
		{"unknown id", ``, "S404", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := keyedLedger(t)
			if tc.change != "" {
				if _, err := l.db.ExecContext(ctx, tc.change); err != nil {
					t.Fatal(err)
				}
			}
			e, err := l.Explain(ctx, tc.id)
			if tc.want < 0 {
				if err == nil {
					t.Errorf("Explain(%s) found %+v; want no such id", tc.id, e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Assessments) != tc.want {
				t.Errorf("Explain(%s): %d assessments, want %d", tc.id, len(e.Assessments), tc.want)
			}
			for _, a := range e.Assessments {
				if a.SubjectID != tc.id {
					t.Errorf("Explain(%s) holds an assessment of %s", tc.id, a.SubjectID)
				}
			}
		})
	}
}

// ExpiredPending finds the same claims whether it reads the candidates'
// assessments by row_keys (few candidates) or by a scan (many), and the
// keyed read is the one used: without its keys a candidate is not found.
func TestExpiredPendingByKeyOrScan(t *testing.T) {
	ctx := context.Background()
	pending := func(id string, deadline record.Date) record.Assessment {
		a := assessment(record.KindClaim, id, liSi, 2026, record.ClaimPending)
		a.Deadline = deadline
		return a
	}
	tests := []struct {
		name   string
		few    int
		change string
		want   []string
	}{
		{"by key", 256, ``, []string{"CP1", "CP3"}},
		{"by key, three candidates, at the limit", 3, ``, []string{"CP1", "CP3"}},
		{"by scan, one past the limit", 2, ``, []string{"CP1", "CP3"}},
		{"by key at the limit, keys gone", 3, `DELETE FROM row_keys WHERE kind = 5 AND key_hash = hash('CP3')`, []string{"CP1"}},
		{"by scan", 0, ``, []string{"CP1", "CP3"}},
		{"by key, keys gone", 256, `DELETE FROM row_keys WHERE kind = 5 AND key_hash = hash('CP3')`, []string{"CP1"}},
		{"by scan, keys gone", 0, `DELETE FROM row_keys WHERE kind = 5 AND key_hash = hash('CP3')`, []string{"CP1", "CP3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := keyedLedger(t)
			third := runInfo("R20260412-001", record.D(2026, 4, 12), time.Date(2026, 4, 12, 1, 0, 0, 0, time.UTC))
			mustCommit(t, l, third, nil, record.Outcome{Assessments: []record.Assessment{
				pending("CP1", record.D(2026, 5, 1)), pending("CP2", record.D(2026, 5, 1)),
				pending("CP3", record.D(2026, 5, 2)), pending("CP4", record.D(2026, 7, 1)),
			}}, nil)
			// CP2 is decided the next night: no longer pending.
			fourth := runInfo("R20260413-001", record.D(2026, 4, 13), time.Date(2026, 4, 13, 1, 0, 0, 0, time.UTC))
			mustCommit(t, l, fourth, nil, record.Outcome{Assessments: []record.Assessment{
				assessment(record.KindClaim, "CP2", liSi, 2026, record.ClaimApproved)}}, nil)
			if tc.change != "" {
				if _, err := l.db.ExecContext(ctx, tc.change); err != nil {
					t.Fatal(err)
				}
			}
			defer func(n int) { fewKeys = n }(fewKeys)
			fewKeys = tc.few
			got, err := l.ExpiredPending(ctx, record.D(2026, 6, 1))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ExpiredPending = %v, want %v", got, tc.want)
			}
		})
	}
}

// CheckKeys accepts the keys the runs wrote and names the column whose keys
// a change broke.
func TestCheckKeys(t *testing.T) {
	tests := []struct {
		name, change, want string
	}{
		{"as written", ``, ""},
		{"a key gone", `DELETE FROM row_keys WHERE kind = 1 AND key_hash = hash('S1')`, "settlements.setl_id: 5 rows, 4 keys"},
		{"a key twice", `INSERT INTO row_keys SELECT * FROM row_keys WHERE kind = 7 LIMIT 1`, "findings.subject_id: 4 rows, 5 keys"},
		{"a key on another row", `UPDATE row_keys SET row_id = row_id + 1 WHERE kind = 6 AND row_id = 0`, "assessments.certno: 9 rows, 9 keys, 8 rows"},
		{"a stray key", `INSERT INTO row_keys VALUES (hash('S404'), 3, 99)`, "claims.claim_id: 6 rows, 7 keys"},
		{"a run's range gone", `DELETE FROM run_rows WHERE table_name = 'findings' AND run_id = 'R20260411-001'`, "run rows of findings: 1 runs"},
		{"a range one row short", `UPDATE run_rows SET last_row = last_row - 1 WHERE table_name = 'claims' AND run_id = 'R20260410-001'`, "run rows of claims: 1 runs"},
		{"a range of another run", `UPDATE run_rows SET run_id = 'R20260411-001' WHERE table_name = 'settlements' AND run_id = 'R20260410-001'`, "run rows of settlements: 2 runs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := keyedLedger(t)
			if tc.change != "" {
				if _, err := l.db.Exec(tc.change); err != nil {
					t.Fatal(err)
				}
			}
			err := l.CheckKeys(context.Background())
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("CheckKeys = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("CheckKeys = %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// RebuildKeys gives keys that CheckKeys accepts, from keys that it does not:
// some gone, a stray one, one on the wrong row.
func TestRebuildKeys(t *testing.T) {
	ctx := context.Background()
	l := keyedLedger(t)
	for _, q := range []string{
		`DELETE FROM row_keys WHERE kind = 1`,
		`INSERT INTO row_keys VALUES (hash('S404'), 3, 99)`,
		`UPDATE row_keys SET row_id = row_id + 1 WHERE kind = 6 AND row_id = 0`,
	} {
		if _, err := l.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.CheckKeys(ctx); err == nil {
		t.Fatal("CheckKeys accepts the broken keys")
	}
	if err := RebuildKeys(ctx, l.db); err != nil {
		t.Fatal(err)
	}
	if err := l.CheckKeys(ctx); err != nil {
		t.Errorf("after RebuildKeys: %v", err)
	}
}
