package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"medrecon/fixtures"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestDemoLoopGolden: the demo's four nights (a claim's life, SPEC 3.7) give
// testdata/demo_loop.golden: what the demo printed, each night's worklist
// as of its date, every claim's current state, and the ledger's decisions,
// payments and recoveries. go test ./cmd/medrecon -run TestDemoLoopGolden
// -update rewrites it; read the diff before committing it.
func TestDemoLoopGolden(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	r := mustRun(t, "demo", "--dir", demo)
	db := filepath.Join(demo, "ledger.duckdb")
	var b strings.Builder
	b.WriteString("# medrecon demo\n")
	b.WriteString(strings.ReplaceAll(r.stdout, demo, "DEMO"))
	for i, asOf := range []string{"2026-04-10", "2026-04-13", "2026-04-20", "2026-05-25"} {
		fmt.Fprintf(&b, "\n# night %d: medrecon deadlines --as-of %s\n", i+1, asOf)
		b.WriteString(mustRun(t, "deadlines", "--db", db, "--as-of", asOf).stdout)
	}
	for _, q := range []struct{ title, sql string }{
		{"claims as they stand", `
			SELECT a.subject_id || '  ' || a.status || '  ' || CAST(a.payable AS VARCHAR) || '  (' || a.run_id || ')'
			FROM assessments a JOIN run_order o USING (run_id) WHERE a.subject_kind = 'claim'
			QUALIFY row_number() OVER (PARTITION BY a.subject_id ORDER BY o.ord DESC, a.rowid DESC) = 1
			ORDER BY a.subject_id`},
		{"decisions", `SELECT concat_ws('  ', run_id, claim_id, decision, amount, reason, reviewer, decided_on) FROM decisions ORDER BY run_id, rowid`},
		{"payments", `SELECT concat_ws('  ', run_id, claim_id, amount, paid_on, bank_ref, result, reason) FROM payments ORDER BY run_id, rowid`},
		{"recoveries", `SELECT concat_ws('  ', run_id, subject_kind, subject_id, claim_id, amount, event, reason) FROM recoveries ORDER BY run_id, rowid`},
		{"findings of nights 2-4", `SELECT concat_ws('  ', run_id, subject_kind, subject_id, code, detail) FROM findings WHERE run_id > 'R20260410-001' ORDER BY run_id, rowid`},
	} {
		fmt.Fprintf(&b, "\n# %s\n", q.title)
		for _, row := range query(t, db, q.sql) {
			b.WriteString(row + "\n")
		}
	}
	got := b.String()
	golden := filepath.Join("testdata", "demo_loop.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("the demo's four nights differ from %s (-want +got):\n%s", golden, diff)
	}
}

// demoNightOne writes into dir what `medrecon demo` writes for its first
// night alone, in one folder: inputs/, policy/, ledger.duckdb, report.pdf,
// export/, deadlines.pdf and deadlines.xlsx. Tests that start from the
// sample batch's ledger, before any decision or payment, start here.
func demoNightOne(t *testing.T, dir string) {
	t.Helper()
	in, pol := filepath.Join(dir, "inputs"), filepath.Join(dir, "policy")
	if err := unpack(fixtures.Demo(), in); err != nil {
		t.Fatal(err)
	}
	if err := unpack(fixtures.Policy(), pol); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "ledger.duckdb")
	mustRun(t, "run", "--db", db, "--policy", pol, "--as-of", fixtures.DemoAsOf, "--in", in,
		"--report", filepath.Join(dir, "report.pdf"), "--export", filepath.Join(dir, "export"))
	mustRun(t, "deadlines", "--db", db, "--as-of", fixtures.DemoAsOf,
		"--report", filepath.Join(dir, "deadlines.pdf"), "--xlsx", filepath.Join(dir, "deadlines.xlsx"))
}
