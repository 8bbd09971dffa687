package main

// Operations (issue 14): what cron, an operator at a terminal and the
// finance office see of a run besides its numbers — exit codes, outputs
// that fail, the drop folder, file modes, the version and the progress line.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"medrecon/batch/ledger"
	"medrecon/fixtures"
)

// policyDir writes the sample policy into a fresh folder.
func policyDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "policy")
	if err := unpack(fixtures.Policy(), dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// exportFiles returns the names and bytes of the files in dir.
func exportFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		out[e.Name()] = readFile(t, filepath.Join(dir, e.Name()))
	}
	return out
}

func TestUsageErrorsExit2WithUsageLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := writeSettlements(t, dir, "a.csv", 1, 0, "")
	for _, tt := range []struct {
		name  string
		args  []string
		usage string // the usage line's beginning
		says  string
	}{
		{"no command", nil, "usage: medrecon COMMAND", "which command?"},
		{"unknown command", []string{"runn"}, "usage: medrecon COMMAND", `unknown command "runn"`},
		{"missing flag", []string{"run"}, "usage: medrecon run --db LEDGER", "run needs --db and --policy"},
		{"missing argument", []string{"explain", "--db", "x.duckdb"}, "usage: medrecon explain", ""},
		{"extra argument", []string{"report", "--db", "x.duckdb", "--out", "a.pdf", "b.pdf"}, "usage: medrecon report", `unexpected argument "b.pdf"`},
		{"a file without its flag", []string{"run", "--db", "x.duckdb", "--policy", "p", f}, "usage: medrecon run", "name each file with its flag"},
		{"unknown flag", []string{"run", "--db", "x.duckdb", "--polcy", "p"}, "usage: medrecon run", "unknown flag: --polcy"},
		{"bad ratio", []string{"run", "--db", "x.duckdb", "--policy", "p", "--max-reject-ratio", "lots", "--settlements", f}, "usage: medrecon run", "--max-reject-ratio"},
		{"bad wait", []string{"run", "--db", "x.duckdb", "--policy", "p", "--wait", "soon", "--settlements", f}, "usage: medrecon run", "--wait"},
		{"month 13", []string{"run", "--db", "x.duckdb", "--policy", "p", "--as-of", "2026-13-01", "--settlements", f}, "usage: medrecon run", "does not exist (there is no month 13)"},
		{"30 February", []string{"run", "--db", "x.duckdb", "--policy", "p", "--as-of", "2026-02-30", "--settlements", f}, "usage: medrecon run", "2026-02-30: that date does not exist (February 2026 has 28 days)"},
		{"not a date", []string{"run", "--db", "x.duckdb", "--policy", "p", "--as-of", "30.2.2026", "--settlements", f}, "usage: medrecon run", "not a date of the form YYYY-MM-DD"},
		{"export without --out", []string{"export", "--db", "x.duckdb"}, "usage: medrecon export --db LEDGER [--run ID] --out DIR", "export needs --db and --out"},
		{"deadlines bad number", []string{"deadlines", "--db", "x.duckdb", "--within", "a month"}, "usage: medrecon deadlines", "--within"},
	} {
		r := medrecon(t, tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.usage) || !strings.Contains(r.stderr, tt.says) {
			t.Errorf("%s: medrecon %v: exit %d\n%s\nwant exit 2, %q and the usage line %q", tt.name, tt.args, r.code, r.stderr, tt.says, tt.usage)
		}
	}
}

// TestOutputFailureExit4: a PDF or an export that cannot be written never
// undoes the run, never keeps the other output from being written, and
// exits 4 with a message that names it and the command that writes it
// again; that command works.
func TestOutputFailureExit4(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pol := policyDir(t)
	db := filepath.Join(dir, "ledger.duckdb")
	blocker := filepath.Join(dir, "not-a-folder")
	if err := os.WriteFile(blocker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(name string, offset int, more ...string) result {
		f := writeSettlements(t, dir, name, 5, offset, "")
		return medrecon(t, append([]string{"run", "--db", db, "--policy", pol, "--as-of", "2026-04-11", "--settlements", f}, more...)...)
	}
	clean := func(t *testing.T, r result) {
		t.Helper()
		if strings.Contains(r.stderr, "level=") || regexp.MustCompile(`\.\w+\.(pdf|xlsx)\.\d+`).MatchString(r.stderr) {
			t.Errorf("the message shows a log line or a temporary file:\n%s", r.stderr)
		}
	}

	t.Run("the PDF fails, the exports are written", func(t *testing.T) {
		pdf := filepath.Join(blocker, "run.pdf")
		r := run("pdf.csv", 0, "--report", pdf, "--export", filepath.Join(dir, "exports"))
		if r.code != 4 {
			t.Fatalf("exit %d, want 4\n%s%s", r.code, r.stdout, r.stderr)
		}
		want := "medrecon report --db " + db + " --run R20260411-001 --out " + pdf
		if !strings.Contains(r.stderr, "PDF report was not written to "+pdf) || !strings.Contains(r.stderr, want) {
			t.Errorf("the message does not name the PDF and %q:\n%s", want, r.stderr)
		}
		clean(t, r)
		if !strings.Contains(r.stdout, "run R20260411-001") {
			t.Errorf("no summary line for the committed run: %q", r.stdout)
		}
		if got := exportFiles(t, filepath.Join(dir, "exports", "R20260411-001")); got["payouts.xlsx"] == "" || got["findings.xlsx"] == "" {
			t.Errorf("exports after a failed PDF: %d files", len(got))
		}
		again := filepath.Join(dir, "again", "run.pdf") // a missing folder is created
		mustRun(t, "report", "--db", db, "--run", "R20260411-001", "--out", again)
	})

	t.Run("the exports fail, the PDF is written", func(t *testing.T) {
		pdf := filepath.Join(dir, "reports", "nested", "run.pdf") // --report creates its folder
		r := run("export.csv", 100, "--report", pdf, "--export", blocker, "--json")
		if r.code != 4 {
			t.Fatalf("exit %d, want 4\n%s%s", r.code, r.stdout, r.stderr)
		}
		want := "medrecon export --db " + db + " --run R20260411-002 --out " + blocker
		if !strings.Contains(r.stderr, "exports were not written to "+filepath.Join(blocker, "R20260411-002")) || !strings.Contains(r.stderr, want) {
			t.Errorf("the message does not name the exports and %q:\n%s", want, r.stderr)
		}
		clean(t, r)
		var sum struct {
			Committed bool
			Report    string
			Failed    []struct{ Output, Rerun string } `json:"failed_outputs"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
			t.Fatalf("--json: %v\n%s", err, r.stdout)
		}
		if !sum.Committed || sum.Report != pdf || len(sum.Failed) != 1 || sum.Failed[0].Rerun != want {
			t.Errorf("--json = %+v", sum)
		}
		if _, err := os.Stat(pdf); err != nil {
			t.Errorf("the PDF was not written after the exports failed: %v", err)
		}
	})
	if n := count(t, db, "SELECT count(*) FROM runs"); n != 2 {
		t.Errorf("%d runs in the ledger, want both committed", n)
	}
}

// TestExportCommand: `medrecon export` writes a past run's files again into
// DIR/RUN_ID/, byte-identical to what the run wrote; without --run, the
// latest run's.
func TestExportCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pol := policyDir(t)
	db := filepath.Join(dir, "ledger.duckdb")
	exports := filepath.Join(dir, "exports")
	mustRun(t, "run", "--db", db, "--policy", pol, "--as-of", "2026-04-10", "--export", exports,
		"--settlements", writeSettlements(t, t.TempDir(), "one.csv", 8, 0, "2025-02-30"), "--max-reject-ratio", "1")
	mustRun(t, "run", "--db", db, "--policy", pol, "--as-of", "2026-04-11", "--export", exports,
		"--settlements", writeSettlements(t, t.TempDir(), "two.csv", 4, 50, ""))

	again := filepath.Join(dir, "again")
	r := mustRun(t, "export", "--db", db, "--run", "R20260410-001", "--out", again)
	if !strings.Contains(r.stdout, filepath.Join(again, "R20260410-001")) {
		t.Errorf("export did not say where it wrote: %q", r.stdout)
	}
	mustRun(t, "export", "--db", db, "--out", again) // the latest run
	for _, run := range []string{"R20260410-001", "R20260411-001"} {
		want := exportFiles(t, filepath.Join(exports, run))
		got := exportFiles(t, filepath.Join(again, run))
		if len(want) < 3 {
			t.Errorf("run %s exported %d files, want payouts, findings and rejects", run, len(want))
		}
		for name, b := range want {
			if got[name] != b {
				t.Errorf("run %s: medrecon export's %s differs from the run's", run, name)
			}
		}
	}
	if r := medrecon(t, "export", "--db", db, "--run", "R20990101-001", "--out", again); r.code != 1 {
		t.Errorf("export of an unknown run: exit %d, want 1\n%s", r.code, r.stderr)
	}
}

// TestDropFolder: what `run --in` makes of a night's folder.
func TestDropFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pol := policyDir(t)
	db := filepath.Join(dir, "ledger.duckdb")
	in := filepath.Join(dir, "incoming")
	os.MkdirAll(in, 0o755)
	run := func(more ...string) result {
		return medrecon(t, append([]string{"run", "--db", db, "--policy", pol, "--as-of", "2026-04-11", "--in", in}, more...)...)
	}

	t.Run("an empty night is nothing to do", func(t *testing.T) {
		r := run()
		if r.code != 0 || !strings.HasPrefix(r.stdout, "nothing to do: no input files in "+in) || r.stderr != "" {
			t.Errorf("empty night: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		j := run("--json")
		var sum struct{ Result string }
		if err := json.Unmarshal([]byte(j.stdout), &sum); err != nil || j.code != 0 || sum.Result != "nothing_to_do" {
			t.Errorf("empty night --json: exit %d, %v\n%s", j.code, err, j.stdout)
		}
		if _, err := os.Stat(db); err == nil {
			t.Error("an empty night created the ledger")
		}
		missing := filepath.Join(dir, "incoming-20260412")
		if r := medrecon(t, "run", "--db", db, "--policy", pol, "--in", missing); r.code != 1 || !strings.Contains(r.stderr, "--in "+missing+": no such file or directory") {
			t.Errorf("a drop folder that does not exist: exit %d\n%s", r.code, r.stderr)
		}
	})

	t.Run("files that are not inputs are skipped and named", func(t *testing.T) {
		writeSettlements(t, in, "settlements.csv", 5, 0, "")
		strays := []string{"README.md", "scan.pdf", "~$claims.xlsx", ".~lock.claims.xlsx#"}
		for _, s := range strays {
			os.WriteFile(filepath.Join(in, s), []byte("not an input"), 0o644)
		}
		r := run("--json", "--report", filepath.Join(dir, "r1.pdf"))
		var sum struct {
			Committed bool
			Skipped   []string
		}
		if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil || r.code != 0 || !sum.Committed {
			t.Fatalf("run with strays: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
		}
		if len(sum.Skipped) != len(strays) {
			t.Errorf("skipped = %v, want the %d strays", sum.Skipped, len(strays))
		}
		line := run() // the same files again: nothing new, and the strays still named
		for _, s := range strays {
			if !strings.Contains(line.stdout, s) {
				t.Errorf("the summary does not name %s:\n%s", s, line.stdout)
			}
		}
	})

	t.Run("the same files again are nothing new, with no report", func(t *testing.T) {
		pdf := filepath.Join(dir, "r2.pdf")
		r := run("--report", pdf, "--export", filepath.Join(dir, "exports"))
		if r.code != 0 || !strings.HasPrefix(r.stdout, "nothing new: every file was already imported") || !strings.Contains(r.stdout, "no report or export written") {
			t.Errorf("re-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(pdf); err == nil {
			t.Error("a re-run wrote a report")
		}
	})

	t.Run("a legacy .xls stops the run and says to save it as .xlsx", func(t *testing.T) {
		os.WriteFile(filepath.Join(in, "claims.xls"), []byte{0xd0, 0xcf, 0x11, 0xe0}, 0o644)
		defer os.Remove(filepath.Join(in, "claims.xls"))
		writeSettlements(t, in, "more.csv", 3, 40, "")
		before := tableCounts(t, db)
		r := run()
		if r.code != 1 || !strings.Contains(r.stderr, "claims.xls") || !strings.Contains(r.stderr, "save it as .xlsx") {
			t.Errorf(".xls: exit %d\n%s", r.code, r.stderr)
		}
		if after := tableCounts(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("the run with an .xls changed the ledger")
		}
	})
}

// TestLedgerFileModes: the ledger and its WAL are 0600 whatever the umask,
// for the ledger holds full ID numbers.
func TestLedgerFileModes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pol := policyDir(t)
	db := filepath.Join(dir, "ledger.duckdb")
	f := writeSettlements(t, dir, "night.csv", 5, 0, "")
	cmd := exec.Command("sh", "-c", `umask 000 && exec "$@"`, "sh", binary, "run", "--db", db, "--policy", pol, "--as-of", "2026-04-11", "--settlements", f)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run under umask 000: %v\n%s", err, out)
	}
	if fi, err := os.Stat(db); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("ledger after a run under umask 000: %v %v, want -rw-------", fi.Mode(), err)
	}

	// A ledger's WAL exists from its first write until Close: Open makes a
	// new ledger and writes its schema.
	old := syscall.Umask(0)
	l, err := ledger.Open(context.Background(), filepath.Join(dir, "new.duckdb"), nil)
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, p := range []string{"new.duckdb", "new.duckdb.wal"} {
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, want -rw-------", p, fi.Mode())
		}
	}
}

func TestVersionOf(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	rev := "15dfb0be02569c6e05bc3aea959236f103172fb2"
	for _, tt := range []struct {
		name     string
		override string
		bi       *debug.BuildInfo
		want     string
	}{
		{"-ldflags -X main.version wins", "1.4.0", &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, "1.4.0"},
		{"a release: go install medrecon@v1.4.0", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{"a clean checkout: its commit", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261127145608-15dfb0be0256"}, Settings: vcs(rev, "false")}, "15dfb0be0256"},
		{"uncommitted changes: -dirty", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261127145608-15dfb0be0256+dirty"}, Settings: vcs(rev, "true")}, "15dfb0be0256-dirty"},
		{"-buildvcs=false", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"no build information", "", nil, "dev"},
	} {
		if got := versionOf(tt.override, tt.bi); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestVersionStamped: the binary built from this checkout says which commit
// it is, and so does every run it commits (the PDF's cover prints it).
func TestVersionStamped(t *testing.T) {
	t.Parallel()
	if err := exec.Command("git", "rev-parse", "HEAD").Run(); err != nil {
		t.Skipf("not a git checkout (%v): the binary says dev", err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(mustRun(t, "--version").stdout), "medrecon version ")
	m := regexp.MustCompile(`^([0-9a-f]{12})(-dirty)?$`).FindStringSubmatch(v)
	if m == nil {
		t.Fatalf("--version = %q, want a commit's 12 hex digits", v)
	}
	if err := exec.Command("git", "cat-file", "-e", m[1]+"^{commit}").Run(); err != nil {
		t.Errorf("--version %s is no commit of this repository", v)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "l.duckdb")
	mustRun(t, "run", "--db", db, "--policy", policyDir(t), "--as-of", "2026-04-11", "--settlements", writeSettlements(t, dir, "v.csv", 1, 0, ""))
	if got := query(t, db, "SELECT version FROM runs"); len(got) != 1 || got[0] != v {
		t.Errorf("runs.version = %v, want %s", got, v)
	}
}

func TestProgressMeter(t *testing.T) {
	if newMeter(&bytes.Buffer{}, false, false) != nil || newMeter(&bytes.Buffer{}, true, true) != nil {
		t.Error("a meter without a terminal, or with --json: cron's log and scripts would see it")
	}
	var b bytes.Buffer
	clock := time.Date(2026, 4, 11, 2, 30, 0, 0, time.UTC)
	m := &meter{w: &b, now: func() time.Time { return clock }, start: clock}
	clock = clock.Add(2 * time.Second)
	m.update("reading", 30_000)
	if b.Len() != 0 {
		t.Errorf("a night under %d rows drew %q", progressMinRows, b.String())
	}
	m.update("reading", 120_000)
	m.update("assessing", 250_000)
	want := "\rmedrecon: reading, 120,000 rows, 60,000 rows/s, 2s" +
		"\rmedrecon: assessing, 250,000 rows, 125,000 rows/s, 2s"
	if b.String() != want {
		t.Errorf("meter drew\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	m.update("done", 250_000)
	m.clear()
	if got := b.String(); !strings.HasSuffix(got, "\r"+strings.Repeat(" ", len("medrecon: done, 250,000 rows, 125,000 rows/s, 2s"))+"\r") {
		t.Errorf("clear drew %q, want the line blanked", got)
	}
	var nilMeter *meter
	nilMeter.update("reading", 1_000_000) // quiet, no panic
	nilMeter.clear()
}

// TestProgressOnTerminal: a run of more than 50k rows draws its progress
// line on a terminal, phase after phase, and clears it before the summary.
// (Without a terminal, or with --json, newMeter draws nothing:
// TestProgressMeter; and every other test's run has no terminal.)
func TestProgressOnTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("a 50k-row run")
	}
	t.Parallel()
	dir := t.TempDir()
	// Rows that are all rejected (an unknown hospital level) keep the run
	// cheap: each is read, counted and committed as a reject.
	f := writeSettlements(t, dir, "big.csv", progressMinRows+1000, 0, "")
	os.WriteFile(f, []byte(strings.ReplaceAll(readFile(t, f), ",天津测试医院,3,11,", ",天津测试医院,9,11,")), 0o644)
	var stderr, stdout bytes.Buffer
	g := &globalOptions{stderr: &stderr, terminal: func() bool { return true }}
	err := runRun(context.Background(), g, runOptions{
		db: filepath.Join(dir, "l.duckdb"), policy: policyDir(t), asOf: "2026-04-11",
		settlements: []string{f}, maxRejectRatio: 1,
	}, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	got := stderr.String()
	for _, phase := range []string{"reading", "assessing", "committing"} {
		if !strings.Contains(got, "\rmedrecon: "+phase+", 51,000 rows, ") {
			t.Errorf("no %s in the progress line: %q", phase, got)
		}
	}
	if !strings.HasSuffix(got, " \r") || !strings.HasPrefix(stdout.String(), "run R20260411-001") {
		t.Errorf("the line is not cleared before the summary: %q then %q", got, stdout.String())
	}
}
