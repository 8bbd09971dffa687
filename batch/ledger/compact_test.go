package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"medrecon/batch/record"
)

// rowGroups counts the row groups DuckDB stores table in.
func rowGroups(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('` + table + `')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// column reads the one column of a query's rows as strings.
func column(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every commit rewrites the small tables (compactSmall), so however many
// nights went before, each is one row group once the ledger is closed, and
// its rows keep the order in which the runs wrote them.
func TestSmallTablesStayOneRowGroup(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.duckdb")
	var wantRuns, wantPaths []string
	for night := 1; night <= 4; night++ {
		l, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		asOf := record.D(2026, 4, 10+night)
		run := runInfo(fmt.Sprintf("R202604%02d-001", 10+night), asOf, time.Date(2026, 4, 10+night, 1, 0, 0, 0, time.UTC))
		run.PaymentDays = map[string]int{"130100": 30, "130500": 30 + night}
		files := []record.InputFile{
			{RunID: run.RunID, Path: fmt.Sprintf("in/%d/settlements.csv", night), Kind: record.InputSettlements, SHA256: strings.Repeat(fmt.Sprint(night), 64)},
			{RunID: run.RunID, Path: fmt.Sprintf("in/%d/claims.xlsx", night), Kind: record.InputClaims, SHA256: strings.Repeat(fmt.Sprint(night+4), 64)},
		}
		out := record.Outcome{
			Statement: []record.StatementRow{{
				FixmedinsCode: "H12010100001", StmtBegndate: record.D(2026, time.Month(night), 1), StmtEnddate: record.D(2026, time.Month(night), 28),
			}},
			FilingUses: []record.FilingUse{{FilingID: fmt.Sprintf("F%d", night), SubjectKind: record.KindSettlement, SubjectID: fmt.Sprintf("S%d", night)}},
		}
		mustCommit(t, l, run, files, out, nil)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		wantRuns = append(wantRuns, run.RunID)
		wantPaths = append(wantPaths, files[0].Path, files[1].Path)
	}

	l, err := OpenReadOnly(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, table := range smallTables {
		if n := rowGroups(t, l.db, table); n != 1 {
			t.Errorf("%s is stored in %d row groups after 4 nights, want 1", table, n)
		}
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{`SELECT run_id FROM runs ORDER BY rowid`, wantRuns},
		{`SELECT path FROM input_files ORDER BY rowid`, wantPaths},
		{`SELECT filing_id FROM filing_uses ORDER BY rowid`, []string{"F1", "F2", "F3", "F4"}},
		{`SELECT strftime(stmt_begndate, '%m') FROM statements ORDER BY rowid`, []string{"01", "02", "03", "04"}},
	} {
		if diff := cmp.Diff(c.want, column(t, l.db, c.query)); diff != "" {
			t.Errorf("%s after compaction (-want +got):\n%s", c.query, diff)
		}
	}
}

// A ledger written by schema version 1 (runs with a primary key) is
// upgraded on open: its runs survive in order, run_order still numbers
// them, and a duplicate run id is still refused.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		schemaSQL,
		`INSERT INTO meta VALUES ('schema_version', '1')`,
		`INSERT INTO runs VALUES ('R20260410-002', '2026-04-10 02:00:00', NULL, '2026-04-10', 'committed', 'v1', NULL),
			('R20260409-001', '2026-04-10 03:00:00', NULL, '2026-04-09', 'committed', 'v1', NULL)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	l, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if v, err := l.version(ctx); err != nil || v != schemaVersion {
		t.Fatalf("schema version after open = %d, %v; want %d", v, err, schemaVersion)
	}
	var keys int
	if err := l.db.QueryRow(`SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'runs' AND constraint_type = 'PRIMARY KEY'`).Scan(&keys); err != nil || keys != 0 {
		t.Errorf("runs has %d primary keys after the upgrade (%v), want 0", keys, err)
	}
	ids := column(t, l.db, `SELECT run_id FROM run_order ORDER BY ord`)
	if want := []string{"R20260410-002", "R20260409-001"}; !slices.Equal(ids, want) {
		t.Errorf("run_order after the upgrade = %v, want %v", ids, want)
	}
	run := runInfo("R20260409-001", record.D(2026, 4, 9), time.Date(2026, 4, 11, 1, 0, 0, 0, time.UTC))
	if err := l.Commit(ctx, run, nil, record.Outcome{}, nil); err == nil || !strings.Contains(err.Error(), "already in the ledger") {
		t.Errorf("Commit of a run id the ledger holds = %v, want an error saying it is already in the ledger", err)
	}
}

// TestMigrateBackfills upgrades a version 2 ledger holding rows of every
// kind: version 3 gives each assessment the serious-illness base it added
// (nothing for a visit that paid nothing), version 4 gives each finding its
// subject's institution and an AMOUNT_MISMATCH its discrepancy.
func TestMigrateBackfills(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		schemaSQL, migrateV2SQL,
		`INSERT INTO meta VALUES ('schema_version', '2')`,
		`INSERT INTO runs VALUES ('R20260410-001', '2026-04-10 02:00:00', NULL, '2026-04-10', 'committed', 'v2', NULL)`,
		`INSERT INTO settlements (setl_id, certno, fixmedins_code, refd_setl_flag, run_id) VALUES
			('S1', 'x', 'H1', false, 'R20260410-001'), ('S2', 'x', 'H2', false, 'R20260410-001')`,
		`INSERT INTO claims (claim_id, certno, fixmedins_code, designated, emergency, materials_complete, run_id) VALUES
			('C1', 'x', 'H3', true, false, true, 'R20260410-001')`,
		// S1 paid: base 80000 − 70650; S2 paid nothing (ratio 0): base 0.
		`INSERT INTO assessments (run_id, subject_kind, subject_id, certno, year, inscope, deductible, ratio, basic_pay,
				serious_pay, payable, discrepancy, status) VALUES
			('R20260410-001', 'settlement', 'S1', 'x', 2026, 80000, 1500, 0.9, 70650, 0, 70650, -12.34, 'mismatch'),
			('R20260410-001', 'settlement', 'S2', 'x', 2026, 1600, 0, 0, 0, 0, 0, 0, 'balanced')`,
		`INSERT INTO findings VALUES
			('R20260410-001', 'settlement', 'S1', 'AMOUNT_MISMATCH', 'error', '差额'),
			('R20260410-001', 'claim', 'C1', 'LATE_SUBMISSION', 'warning', '超期'),
			('R20260410-001', 'statement', 'H9', 'DETAIL_ONLY', 'error', '明细多')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := column(t, l.db, `SELECT subject_id || ' ' || eligible_base FROM assessments ORDER BY subject_id`)
	if want := []string{"S1 9350.00", "S2 0.00"}; !slices.Equal(got, want) {
		t.Errorf("eligible_base after the upgrade = %v, want %v", got, want)
	}
	got = column(t, l.db, `SELECT concat_ws(' ', subject_id, fixmedins_code, coalesce(CAST(amount AS VARCHAR), '-')) FROM findings ORDER BY subject_id`)
	if want := []string{"C1 H3 -", "H9 H9 -", "S1 H1 -12.34"}; !slices.Equal(got, want) {
		t.Errorf("findings after the upgrade = %v, want %v", got, want)
	}
}
