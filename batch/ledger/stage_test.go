package ledger_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"syscall"
	"testing"
	"time"

	"medrecon/batch/ingest"
	"medrecon/batch/ledger"
	"medrecon/batch/policy"
	"medrecon/batch/record"
	"medrecon/batch/rules"
)

// TestStages times the nightly job's stages on a generated batch (medrecon
// gen) and writes a CPU profile of each to MEDRECON_PERF_PROF (a directory).
// It runs only when MEDRECON_PERF_DIR names the batch's directory and
// MEDRECON_PERF_POLICY the policy.
func TestStages(t *testing.T) {
	dir, polDir := os.Getenv("MEDRECON_PERF_DIR"), os.Getenv("MEDRECON_PERF_POLICY")
	if dir == "" || polDir == "" {
		t.Skip("MEDRECON_PERF_DIR and MEDRECON_PERF_POLICY not set")
	}
	profDir := os.Getenv("MEDRECON_PERF_PROF")
	ctx := context.Background()
	asOf := record.D(2026, 4, 11)
	pol, err := policy.Load(polDir)
	if err != nil {
		t.Fatal(err)
	}
	stage := func(name string, f func()) {
		if profDir != "" {
			pf, err := os.Create(filepath.Join(profDir, name+".prof"))
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Close()
			pprof.StartCPUProfile(pf)
			defer pprof.StopCPUProfile()
		}
		start, cpu0 := time.Now(), cpuTime()
		f()
		if profDir != "" {
			// Allocations so far, stage by stage: diff with -base.
			if mf, err := os.Create(filepath.Join(profDir, name+".allocs")); err == nil {
				pprof.Lookup("allocs").WriteTo(mf, 0)
				mf.Close()
			}
		}
		t.Logf("%-10s wall %v cpu %v", name, time.Since(start).Round(time.Millisecond), (cpuTime() - cpu0).Round(time.Millisecond))
	}

	var b record.Batch
	stage("ingest", func() {
		paths, _ := filepath.Glob(filepath.Join(dir, "*"))
		sort.Strings(paths)
		for _, p := range paths {
			res, err := ingest.ReadFile(ctx, p, ingest.Options{AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			b.Settlements = append(b.Settlements, res.Settlements...)
			b.Claims = append(b.Claims, res.Claims...)
			b.Filings = append(b.Filings, res.Filings...)
			b.Statement = append(b.Statement, res.Statement...)
		}
	})
	l, err := ledger.Open(ctx, filepath.Join(t.TempDir(), "l.duckdb"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var hist record.History
	stage("history", func() {
		if hist, err = l.History(ctx, b.HistoryQuery()); err != nil {
			t.Fatal(err)
		}
	})
	var out record.Outcome
	stage("evaluate", func() {
		if out, err = rules.Evaluate(b, hist, rules.Config{AsOf: asOf, Policy: pol}); err != nil {
			t.Fatal(err)
		}
	})
	stage("commit", func() {
		run := record.RunInfo{RunID: "R20260411-001", StartedAt: time.Now().UTC(), FinishedAt: time.Now().UTC(), AsOf: asOf,
			Status: record.RunCommitted, Version: "perf", PolicySHA256: pol.SHA256}
		if err := l.Commit(ctx, run, nil, out, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%d settlements, %d claims, %d filings, %d assessments, %d findings",
		len(b.Settlements), len(b.Claims), len(b.Filings), len(out.Assessments), len(out.Findings))
}

// cpuTime is the process's user and system time so far: on a shared machine
// it says more than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
