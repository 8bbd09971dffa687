package ledger

import (
	"context"
	"strings"
	"testing"

	"medrecon/batch/record"
)

// TestHistoryReadsNoTrace holds the history's reads of assessments to the
// columns they use. A current assessment read as a.* scanned the trace of
// every version it looked at, the largest column of the ledger: on a
// 40-night soak ledger, two thirds of a night's history. The plan of each
// query must scan assessments (so that the test cannot pass on a plan that
// reads nothing) and project no trace.
func TestHistoryReadsNoTrace(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	conn := mustConn(t, l)
	for _, k := range []struct{ name, column, key string }{
		{"q_certno", "certno VARCHAR", zhangSan},
		{"q_setl", "setl_id VARCHAR", "S1"},
		{"q_claim", "claim_id VARCHAR", "C1"},
	} {
		if err := loadKeys(ctx, conn, k.name, k.column, []string{k.key}); err != nil {
			t.Fatal(err)
		}
	}
	cur := func(q string) string { return `WITH cur AS (` + q + `) SELECT * FROM cur` }
	for _, c := range []struct{ name, query string }{
		{"visits", visitsQuery},
		{"current settlements", cur(currentOf(record.KindSettlement, "q_setl", "setl_id"))},
		{"current claims", cur(currentOf(record.KindClaim, "q_claim", "claim_id"))},
		{"current claims by rowid", cur(currentOfFrom(record.KindClaim, "q_claim", "claim_id",
			keyedFrom("assessments", "a", []int64{0, 1, 2, 3})))},
	} {
		t.Run(c.name, func(t *testing.T) {
			plan := explainPlan(t, conn, c.query)
			if !strings.Contains(plan, "assessments") {
				t.Fatalf("the plan reads no assessments:\n%s", plan)
			}
			if strings.Contains(plan, "trace") {
				t.Errorf("the plan reads the trace:\n%s", plan)
			}
		})
	}
	// The rows are the same whichever columns are read.
	h, err := l.History(ctx, record.HistoryQuery{Certnos: []string{zhangSan}, SetlIDs: []string{"S1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(h.Visits[zhangSan]); got != 3 {
		t.Errorf("%d visits of %s, want 3", got, zhangSan)
	}
	if s := h.Settlements["S1"]; s.Status != record.SetlBalanced || s.Counted.Visits != 1 {
		t.Errorf("S1 = %+v, want balanced and counted once", s)
	}
}
