package ledger

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
			scan := newKeyRows(ctx, conn)
			scan.scan = true
			byScan, err := explainBy(ctx, conn, scan, id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(byScan, byKeys, decEqual); diff != "" {
				t.Errorf("explain %s by keys differs from by scan (-scan +keys):\n%s", id, diff)
			}
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
			var plan strings.Builder
			err = each(ctx, conn, `EXPLAIN SELECT * FROM `+from+` WHERE `+check, []any{c.key}, func(r *sql.Rows) error {
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
			p := plan.String()
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
