package ledger

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestExplainTiming times explain in process, step by step, on a ledger
// named by MEDRECON_EXPLAIN_DB (skipped without it; issue 17's target is
// explain within 100 ms on the 10M-assessment ledger). For each id of
// MEDRECON_EXPLAIN_IDS (comma-separated; by default the latest run's first
// settlement and claim and an older run's settlement) it opens the ledger
// read-only as explain does, explains the id twice (the first as a new
// process would, the second with DuckDB's cache warm) and closes it, and
// logs the time of the open, of each query and of the close. Run with -v.
//
// The open, the queries and the close each read only what explain needs;
// what a fresh process costs before main (the binary's start) is measured
// with `medrecon --version` instead.
func TestExplainTiming(t *testing.T) {
	path := os.Getenv("MEDRECON_EXPLAIN_DB")
	if path == "" {
		t.Skip("MEDRECON_EXPLAIN_DB names no ledger")
	}
	ctx := context.Background()
	ids := strings.FieldsFunc(os.Getenv("MEDRECON_EXPLAIN_IDS"), func(r rune) bool { return r == ',' })
	if len(ids) == 0 {
		ids = timingIDs(t, path)
	}
	for _, id := range ids {
		var b strings.Builder
		lap := time.Now()
		mark := func(name string) {
			fmt.Fprintf(&b, "  %-26s %7.2f ms\n", name, float64(time.Since(lap).Microseconds())/1000)
			lap = time.Now()
		}
		start := lap
		l, err := openThreads(ctx, path, nil, true, 1) // as OpenLookup (explain) opens it
		if err != nil {
			t.Fatal(err)
		}
		mark("open: attach, settings")
		if v, err := l.version(ctx); err != nil || v != schemaVersion {
			t.Fatalf("schema version %d, %v", v, err)
		}
		mark("open: schema version")
		l.step = mark
		for pass := range 2 {
			fmt.Fprintf(&b, " explain, pass %d\n", pass+1)
			passStart := time.Now()
			if _, err := l.Explain(ctx, id); err != nil {
				t.Errorf("explain %s: %v", id, err)
			}
			fmt.Fprintf(&b, "  %-26s %7.2f ms\n", "explain in all", float64(time.Since(passStart).Microseconds())/1000)
			lap = time.Now()
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		mark("close")
		t.Logf("%s: %.1f ms in all\n%s", id, float64(time.Since(start).Microseconds())/1000, b.String())
	}
}

// timingIDs picks the ids TestExplainTiming explains by default: the first
// settlement and the first claim of the latest run, and a settlement of the
// run before it. The ledger is closed again, so that the timed opens start
// with DuckDB's cache empty.
func timingIDs(t *testing.T, path string) []string {
	t.Helper()
	ctx := context.Background()
	l, err := OpenReadOnly(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var ids []string
	for _, q := range []string{
		`SELECT min(subject_id) FROM assessments WHERE subject_kind = 'settlement' AND run_id = (SELECT max_by(run_id, ord) FROM run_order)`,
		`SELECT min(subject_id) FROM assessments WHERE subject_kind = 'claim' AND run_id = (SELECT max_by(run_id, ord) FROM run_order)`,
		`SELECT min(setl_id) FROM settlements WHERE run_id = (SELECT run_id FROM run_order ORDER BY ord DESC LIMIT 1 OFFSET 1)`,
	} {
		var id *string
		if err := l.db.QueryRowContext(ctx, q).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if id != nil {
			ids = append(ids, *id)
		}
	}
	return ids
}
