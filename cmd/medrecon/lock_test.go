package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"medrecon/batch/ledger"
)

// TestLedgerHeldByAnotherProcess: while one process holds the ledger, a
// second run, report, export, explain or deadlines fails at once with exit
// code 3 and says what holds it; the holder's ledger is untouched.
func TestLedgerHeldByAnotherProcess(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	mustRun(t, "demo", "--dir", demo)
	db := filepath.Join(demo, "ledger.duckdb")
	before := tableCounts(t, db)

	held, err := ledger.Open(context.Background(), db, nil) // this test process plays the running night job
	if err != nil {
		t.Fatal(err)
	}
	f := writeSettlements(t, dir, "night.csv", 5, 800, "")
	for _, args := range [][]string{
		{"run", "--db", db, "--policy", filepath.Join(demo, "policy"), "--as-of", "2026-04-11", "--settlements", f},
		{"report", "--db", db, "--out", filepath.Join(dir, "r.pdf")},
		{"export", "--db", db, "--out", filepath.Join(dir, "x")},
		{"explain", "--db", db, "S2601050001"},
		{"deadlines", "--db", db, "--as-of", "2026-04-11"},
	} {
		start := time.Now()
		r := medrecon(t, args...)
		// The holder is this test binary, medrecon.test: DuckDB names it.
		if r.code != 3 || !strings.Contains(r.stderr, "is locked: another medrecon (") {
			t.Errorf("medrecon %s while the ledger is held: exit %d, stderr %q; want exit 3 naming the holder", args[0], r.code, r.stderr)
		}
		if took := time.Since(start); took > 20*time.Second {
			t.Errorf("medrecon %s took %v to give up: it must fail fast", args[0], took)
		}
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	if after := tableCounts(t, db); fmt.Sprint(after) != fmt.Sprint(before) { // fmt prints maps in key order
		t.Errorf("the ledger changed while it was held: %v → %v", before, after)
	}
}

// TestWaitForLedger: an auditor's read-only DuckDB session keeps a run from
// writing; the message says so, and --wait outlasts the session: the run
// waits, then commits once the session closes. A wait that runs out is
// exit 3 again.
func TestWaitForLedger(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	mustRun(t, "demo", "--dir", demo)
	db := filepath.Join(demo, "ledger.duckdb")
	runArgs := func(name string, offset int, more ...string) []string {
		f := writeSettlements(t, dir, name, 3, offset, "")
		return append([]string{"run", "--db", db, "--policy", filepath.Join(demo, "policy"), "--as-of", "2026-04-11", "--settlements", f}, more...)
	}

	auditor := openReadOnly(t, db)
	r := medrecon(t, runArgs("a.csv", 810)...)
	if r.code != 3 || !strings.Contains(r.stderr, "is reading it") || !strings.Contains(r.stderr, "--wait") {
		t.Errorf("run beside a read-only session: exit %d, stderr %q; want exit 3 saying the session reads it and --wait", r.code, r.stderr)
	}
	r = medrecon(t, runArgs("b.csv", 820, "--wait", "300ms")...)
	if r.code != 3 || !strings.Contains(r.stderr, "waited 300ms") {
		t.Errorf("--wait 300ms against a session that stays: exit %d, stderr %q; want exit 3 saying it waited", r.code, r.stderr)
	}

	cmd := exec.Command(binary, runArgs("c.csv", 830, "--wait", "1m")...)
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForLog(t, &errb, "waiting for the ledger")
	auditor.Close() // the auditor quits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run --wait 1m after the session closed: %v\n%s\n%s", err, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "run R20260411-001") {
		t.Errorf("the waiting run did not commit: %s", out.String())
	}
}

// openReadOnly opens the ledger as an auditor's `duckdb -readonly` would;
// the test closes it when it is done with it.
func openReadOnly(t *testing.T, db string) *sql.DB {
	t.Helper()
	conn, err := sql.Open("duckdb", db+"?access_mode=read_only")
	if err == nil {
		err = conn.Ping()
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// syncBuffer is a buffer a process writes into while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitForLog waits (up to a minute) until a process's stderr, being
// written to w, holds want.
func waitForLog(t *testing.T, w fmt.Stringer, want string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(w.String(), want) {
			return
		}
	}
	t.Fatalf("no %q in the process's stderr after a minute:\n%s", want, w.String())
}

// TestLockMessages: what the lock message says for each holder DuckDB can name.
func TestLockMessages(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  ledger.LockError
		want string
	}{
		{"another medrecon", ledger.LockError{Path: "l.duckdb", Program: "/srv/medrecon/medrecon", PID: 41}, "ledger l.duckdb is locked: another medrecon (/srv/medrecon/medrecon, PID 41) holds it"},
		{"an auditor's duckdb", ledger.LockError{Path: "l.duckdb", Program: "/usr/local/bin/duckdb", PID: 7, Reading: true}, "ledger l.duckdb is locked: a DuckDB session (/usr/local/bin/duckdb, PID 7) has it open read-only (an auditor's duckdb, for example)"},
		{"a medrecon report", ledger.LockError{Path: "l.duckdb", Program: "/srv/medrecon/medrecon", PID: 9, Reading: true}, "ledger l.duckdb is locked: another medrecon (/srv/medrecon/medrecon, PID 9) is reading it"},
		{"a holder DuckDB did not name", ledger.LockError{Path: "l.duckdb"}, "ledger l.duckdb is locked: another process holds it"},
	} {
		if got := tt.err.Error(); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: %q, want it to begin %q", tt.name, got, tt.want)
		}
	}
}
