package ledger

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"medrecon/batch/record"
)

// The history lookups and the commit's replacements scan key columns of the
// largest tables. Afterwards the ledger drops those blocks from DuckDB's
// cache (dropCache), so that a night's peak memory follows its batch, not
// the ledger; and DuckDB's memory limit is back where it was, in the setting
// and in the buffer pool.
func TestHistoryAndCommitDropTheirCache(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.duckdb")
	l, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	run, files, first, rejects := firstRun()
	mustCommit(t, l, run, files, first, rejects)
	// Other people's running totals: their key columns fill about 13 MiB of
	// storage blocks, which History and Commit both scan. What the run
	// itself writes and reads back stays under 2 MiB.
	if _, err := l.db.ExecContext(ctx, `INSERT INTO year_totals
		SELECT md5(range::VARCHAR)[:18], 2026, ?, 0, 0, 0, 0, 1 FROM range(1000000)`, record.MedInpatient); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l, err = Open(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	limit := func() string {
		var s string
		if err := l.db.QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := limit()
	// cached is what DuckDB holds of the file's blocks.
	cached := func(after string) {
		t.Helper()
		var n int64
		err := l.db.QueryRowContext(ctx,
			`SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = 'BASE_TABLE'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 4<<20 {
			t.Errorf("after %s, DuckDB holds %.1f MiB of the ledger's blocks; want them dropped", after, float64(n)/(1<<20))
		}
		if got := limit(); got != before {
			t.Errorf("after %s, memory_limit = %s; want %s as before", after, got, before)
		}
		// The setting can say one thing and the buffer pool keep another
		// (duckdb/duckdb#22203): this needs a few MiB.
		if _, err := l.db.ExecContext(ctx, `SELECT count(DISTINCT range::VARCHAR) FROM range(500000)`); err != nil {
			t.Errorf("after %s, a query needing a few MiB fails: %v", after, err)
		}
	}

	if _, err := l.History(ctx, record.HistoryQuery{Certnos: []string{zhangSan, liSi}}); err != nil {
		t.Fatal(err)
	}
	cached("History")

	// The second run replaces a filing and one of the running totals, so the
	// commit scans filings and year_totals for the rows it replaces.
	run = runInfo("R20260411-001", record.D(2026, 4, 11), run.StartedAt.Add(24*time.Hour))
	key := record.YearKey{Certno: zhangSan, Year: 2026, MedCat: record.MedInpatient}
	out := record.Outcome{
		Filings: first.Filings[:1],
		Totals:  map[record.YearKey]record.YearTotal{key: first.Totals[key]},
	}
	mustCommit(t, l, run, nil, out, nil)
	cached("Commit")
}
