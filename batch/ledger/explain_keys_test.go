package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"medrecon/batch/record"
)

// Explain reads the same by keys as by scanning the tables, for every
// subject of a ledger of two runs (a subject assessed in both, claims, the
// second run's people): the run_id filters and the scans of rows far apart
// (keyedFromRuns) find exactly the rows the keys name.
func TestExplainByKeysIsExplainByScan(t *testing.T) {
	ctx := context.Background()
	l := keyedLedger(t)
	conn := mustConn(t, l)
	for _, id := range []string{"S1", "S2", "S3", "S4", "S5", "C1", "CS4", "CS5"} {
		t.Run(id, func(t *testing.T) {
			byKeys, err := explainBy(ctx, conn, newKeyRows(ctx, conn), id)
			if err != nil {
				t.Fatal(err)
			}
			sameAsScan(t, conn, id, byKeys)
			if len(byKeys.Assessments) == 0 {
				t.Errorf("explain %s found no assessment", id)
			}
		})
	}
}

// keyedFromRuns reads the rows keyedFrom reads, in one scan for rowids
// near each other and one more for each rowid far from the one before;
// a rowid without a run names no row and is left out, and a row given the
// wrong run is not found (runs must hold each row's run_id, as runsOfRows
// reads it).
func TestKeyedFromRuns(t *testing.T) {
	ctx := context.Background()
	l := keyedLedger(t)
	conn := mustConn(t, l)
	runOf := map[int64]string{}
	err := each(ctx, conn, `SELECT rowid, run_id FROM assessments`, nil, func(r *sql.Rows) error {
		var (
			rid int64
			run string
		)
		err := r.Scan(&rid, &run)
		runOf[rid] = run
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(runOf) < 4 {
		t.Fatalf("%d assessments, want at least 4", len(runOf))
	}
	far := int64(2 * nearRows)
	tests := []struct {
		name      string
		ids       []int64
		runs      []string // nil: each row's own run
		wantScans int
		wantRows  []int64
	}{
		{"none", nil, nil, 0, nil},
		{"one", []int64{1}, nil, 1, []int64{1}},
		{"near", []int64{0, 1, 2, 3}, nil, 1, []int64{0, 1, 2, 3}},
		{"the last row near", []int64{0, 3}, nil, 1, []int64{0, 3}},
		{"far apart", []int64{0, 1, far, 2 * far}, []string{runOf[0], runOf[1], runOf[0], runOf[0]}, 3, []int64{0, 1}},
		{"exactly nearRows apart", []int64{0, nearRows}, []string{runOf[0], runOf[0]}, 1, []int64{0}},
		{"no run: no row", []int64{0, 1}, []string{"", runOf[1]}, 1, []int64{1}},
		{"no run at all", []int64{0, 1}, []string{"", ""}, 0, nil},
		{"the wrong run", []int64{0}, []string{"R19990101-001"}, 1, nil},
		{"more scans than maxScans: one", []int64{0, far, 2 * far, 3 * far}, []string{runOf[0], runOf[1], runOf[0], runOf[1]}, 1, []int64{0}},
	}
	defer func(m int) { maxScans = m }(maxScans)
	maxScans = 3
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runs := tc.runs
			if runs == nil {
				for _, id := range tc.ids {
					runs = append(runs, runOf[id])
				}
			}
			from := keyedFromRuns("assessments", "a", tc.ids, runs)
			if got := strings.Count(from, "x.run_id IN ("); got != tc.wantScans {
				t.Errorf("%d scans, want %d:\n%s", got, tc.wantScans, from)
			}
			var got []int64
			err := each(ctx, conn, `SELECT a.rid FROM `+from+` ORDER BY a.rid`, nil, func(r *sql.Rows) error {
				var rid int64
				err := r.Scan(&rid)
				got = append(got, rid)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantRows, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

// The reads of explain prune by run: each scan of a keyed table that
// explain plans filters run_id in the scan itself, where DuckDB's min/max
// of the column skips the row groups of other runs. A filter on rowid
// alone does not: DuckDB 1.4.1 visits every row group for it (on the 10M
// ledger 26 ms cold for one settlement, against 10 with the run's filter).
func TestExplainReadsPruneByRun(t *testing.T) {
	ctx := context.Background()
	l := keyedLedger(t)
	conn := mustConn(t, l)
	keys := newKeyRows(ctx, conn)
	for _, c := range []struct{ table, column, key string }{
		{"settlements", "setl_id", "S4"},
		{"assessments", "subject_id", "S1"},
		{"findings", "subject_id", "S4"},
		{"claims", "claim_id", "CS4"},
		{"assessments", "certno", zhangSan},
		{"settlements", "certno", zhangSan},
		{"claims", "certno", zhangSan},
	} {
		t.Run(c.table+"."+c.column, func(t *testing.T) {
			from, check, err := keys.from("t", c.table, c.column, c.key)
			if err != nil {
				t.Fatal(err)
			}
			p := explainPlan(t, conn, `SELECT * FROM `+from+` WHERE `+check, c.key)
			if !strings.Contains(p, "Table: "+c.table) {
				t.Fatalf("the plan scans no %s:\n%s", c.table, p)
			}
			// In the scan's filters: run_id='…' for one run, an optional
			// run_id IN (…), which DuckDB checks against the min/max, for more.
			if strings.Count(p, "run_id='")+strings.Count(p, "optional: run_id IN (") < strings.Count(p, "Table: "+c.table) {
				t.Errorf("a scan of %s has no run_id filter:\n%s", c.table, p)
			}
		})
	}
}

// run_rows holds, for each run and keyed table, the first and last rowid
// of the run's rows, as the runs wrote it (past a rolled-back attempt) and
// as the migration to schema version 12 derives it from the rows.
func TestRunRowsHoldEachRun(t *testing.T) {
	ctx := context.Background()
	l := keyedLedger(t)
	conn := mustConn(t, l)
	read := func(q string) []string {
		var out []string
		err := each(ctx, conn, q, nil, func(r *sql.Rows) error {
			var (
				run, table  string
				first, last int64
			)
			err := r.Scan(&run, &table, &first, &last)
			out = append(out, fmt.Sprintf("%s %s %d-%d", table, run, first, last))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	fromRows := read(`SELECT * FROM (
		SELECT run_id, 'settlements' AS t, min(rowid) AS f, max(rowid) AS l FROM settlements GROUP BY run_id
		UNION ALL SELECT run_id, 'claims', min(rowid), max(rowid) FROM claims GROUP BY run_id
		UNION ALL SELECT run_id, 'assessments', min(rowid), max(rowid) FROM assessments GROUP BY run_id
		UNION ALL SELECT run_id, 'findings', min(rowid), max(rowid) FROM findings GROUP BY run_id) ORDER BY t, f`)
	if len(fromRows) != 8 {
		t.Fatalf("%d ranges of runs in the rows, want 8 (two runs, four tables): %v", len(fromRows), fromRows)
	}
	kept := `SELECT run_id, table_name, first_row, last_row FROM run_rows ORDER BY table_name, first_row`
	if diff := cmp.Diff(fromRows, read(kept)); diff != "" {
		t.Errorf("run_rows as the runs wrote it (-rows +run_rows):\n%s", diff)
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM run_rows; `+migrateV12SQL[strings.Index(migrateV12SQL, "INSERT INTO run_rows"):]); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromRows, read(kept)); diff != "" {
		t.Errorf("run_rows as the migration writes it (-rows +run_rows):\n%s", diff)
	}
}

// explain takes the runs of the keyed rows from run_rows, without a query
// of the rows; when run_rows does not hold a rowid in exactly one range it
// reads the runs from the rows, and finds the same either way.
func TestExplainRunsFromRunRows(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, change string
		wantQuery    bool // runs read from the rows
	}{
		{"as written", ``, false},
		{"no run_rows", `DELETE FROM run_rows`, true},
		{"a run's range gone", `DELETE FROM run_rows WHERE run_id = 'R20260411-001'`, true},
		{"overlapping ranges", `INSERT INTO run_rows SELECT 'R20260411-001', table_name, first_row, last_row FROM run_rows
			WHERE run_id = 'R20260410-001'`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := keyedLedger(t)
			conn := mustConn(t, l)
			if tc.change != "" {
				if _, err := conn.ExecContext(ctx, tc.change); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range []string{"S1", "S4", "CS5"} {
				keys := newKeyRows(ctx, conn)
				queried := false
				keys.step = func(name string) { queried = queried || name == "runs of the rows" }
				byKeys, err := explainBy(ctx, conn, keys, id)
				if err != nil {
					t.Fatal(err)
				}
				if queried != tc.wantQuery {
					t.Errorf("explain %s read the runs from the rows: %v, want %v", id, queried, tc.wantQuery)
				}
				sameAsScan(t, conn, id, byKeys)
			}
		})
	}
}

func TestRunOf(t *testing.T) {
	ranges := []runRange{{0, 9, "A"}, {10, 19, "B"}, {25, 30, "C"}, {40, 49, "D"}, {45, 45, "E"}}
	tests := []struct {
		id   int64
		want string // "": none, or more than one
	}{
		{-1, ""}, {0, "A"}, {9, "A"}, {10, "B"}, {19, "B"}, {20, ""}, {24, ""}, {25, "C"}, {30, "C"},
		{31, ""}, {40, "D"}, {44, "D"}, {45, ""}, {46, "D"}, {49, "D"}, {50, ""},
	}
	for _, tc := range tests {
		got, ok := runOf(ranges, tc.id)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("runOf(%d) = %q, %v; want %q", tc.id, got, ok, tc.want)
		}
	}
	if _, ok := runOf(nil, 0); ok {
		t.Errorf("runOf found a run in no ranges")
	}
}

// sameAsScan fails t unless explain of id read from the tables themselves
// gives byKeys.
func sameAsScan(t *testing.T, conn *sql.Conn, id string, byKeys record.Explanation) {
	t.Helper()
	ctx := context.Background()
	scan := newKeyRows(ctx, conn)
	scan.scan = true
	byScan, err := explainBy(ctx, conn, scan, id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(byScan, byKeys, decEqual); diff != "" {
		t.Errorf("explain %s by keys differs from by scan (-scan +keys):\n%s", id, diff)
	}
}

// explainPlan is DuckDB's plan of query, as EXPLAIN prints it.
func explainPlan(t *testing.T, conn *sql.Conn, query string, args ...any) string {
	t.Helper()
	var plan strings.Builder
	err := each(context.Background(), conn, `EXPLAIN `+query, args, func(r *sql.Rows) error {
		var key, value string
		if err := r.Scan(&key, &value); err != nil {
			return err
		}
		plan.WriteString(value)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return plan.String()
}
