package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Row keys (schema version 11, migrate_v11.sql): a narrow lookup table that
// finds a subject's or a person's rows without scanning the ledger.
//
// DuckDB 1.4 has no clustered key, and its per-row-group min/max of a
// VARCHAR keeps a short prefix only, so WHERE setl_id = ? reads every row
// group of the column (25-60 ms on the 10M ledger; ART indexes on the key
// columns cost 2.5 GB and a minute to build and saved little). row_keys
// holds, per keyed row, the DuckDB hash of its key, which column it is
// (kind) and the row's rowid. Each run appends its keys sorted by hash, and
// the migration writes the keys of an existing ledger sorted by hash, so the
// min/max of key_hash prunes all but about one row group per run: a lookup
// reads a few row groups of one narrow table, then the rows themselves by
// rowid. DuckDB 1.4.1 prunes no row group by a rowid filter, so the reads
// of explain also filter on the rows' run_id, which it does prune by
// (keyedFromRuns); run_rows (schema version 12, written by keyRun too)
// holds each run's range of rowids in each keyed table, which gives those
// runs without reading the rows.
//
// The keys are derived data: they are not digested (like run_subject_digests,
// they say nothing the rows do not), and every read by key re-checks the key
// on the row itself, so a hash collision or a stale key finds no wrong row.
// They are written in the run's own transaction (keyRun), so a committed
// run always has its keys; CheckKeys (medrecon verify) checks them.
//
// What they do not serve: the night's history (History). A night brings
// thousands of people, and their hashes are spread over every row group of
// row_keys, as their rows are over every row group of the tables; DuckDB
// 1.4 prunes a scan by per-row-group min/max only, pushes into a join's
// scan only the min/max (or, for a few keys, the list) of its keys, and
// uses an ART index for a constant filter, not for a join. Joined against
// row_keys the night's keys would read more than the key columns that
// History scans now. So History keeps one scan per key column, and row_keys
// serves the reads of a few keys: explain, and the expired pending claims.
//
// rowid: the keyed tables are append-only (no run deletes or rewrites their
// rows; compactSmall rewrites only the small tables), so a committed row's
// rowid is its position in the table, and a run's rows follow the rows
// committed before it in the order they were appended.
type keyedColumn struct {
	kind          int8
	table, column string
}

// The keyed columns. kind numbers are stored: never renumber them.
var keyedColumns = []keyedColumn{
	{1, "settlements", "setl_id"},
	{2, "settlements", "certno"},
	{3, "claims", "claim_id"},
	{4, "claims", "certno"},
	{5, "assessments", "subject_id"},
	{6, "assessments", "certno"},
	{7, "findings", "subject_id"},
}

// keyedTables are the tables of keyedColumns, each once.
var keyedTables = []string{"settlements", "claims", "assessments", "findings"}

// keyKind returns the kind of table.column; it panics on a column that is
// not keyed, a programming error.
func keyKind(table, column string) int8 {
	for _, k := range keyedColumns {
		if k.table == table && k.column == column {
			return k.kind
		}
	}
	panic("ledger: " + table + "." + column + " has no row keys")
}

// rowCounts returns the number of rows of each keyed table: before a run
// appends anything, the rowid its first row will have once committed.
func rowCounts(ctx context.Context, conn *sql.Conn) (map[string]int64, error) {
	n := make(map[string]int64, len(keyedTables))
	for _, t := range keyedTables {
		var c int64
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&c); err != nil {
			return nil, fmt.Errorf("rows of %s: %w", t, err)
		}
		n[t] = c
	}
	return n, nil
}

// keyRun appends to row_keys the keys of the rows the transaction appended
// to the keyed tables, base holding each table's row count before it
// (rowCounts). Within the transaction those rows are the ones at or past
// the committed count (DuckDB numbers a transaction's own rows after every
// committed one, in the order they were appended), and the n-th of them
// becomes row base+n at commit. Sorted by hash, so that the run's rows of
// row_keys each cover a narrow range of hashes.
func keyRun(ctx context.Context, conn *sql.Conn, base map[string]int64) error {
	var parts []string
	for _, k := range keyedColumns {
		b := strconv.FormatInt(base[k.table], 10)
		parts = append(parts, `SELECT hash(`+k.column+`) AS key_hash, `+strconv.Itoa(int(k.kind))+` AS kind,
			`+b+` + row_number() OVER (ORDER BY rowid) - 1 AS row_id
			FROM `+k.table+` WHERE rowid >= `+b)
	}
	_, err := conn.ExecContext(ctx, `INSERT INTO row_keys
		SELECT key_hash, kind, row_id FROM (`+strings.Join(parts, "\nUNION ALL ")+`)
		ORDER BY key_hash, kind, row_id`)
	if err != nil {
		return fmt.Errorf("row keys: %w", err)
	}
	// The run's rows of each keyed table, first and last rowid as they
	// will be once committed (run_rows, schema version 12).
	parts = parts[:0]
	for _, t := range keyedTables {
		b := strconv.FormatInt(base[t], 10)
		parts = append(parts, `SELECT run_id, '`+t+`' AS table_name, `+b+` + min(n) - 1 AS first_row, `+b+` + max(n) - 1 AS last_row
			FROM (SELECT run_id, row_number() OVER (ORDER BY rowid) AS n FROM `+t+` WHERE rowid >= `+b+`)
			GROUP BY run_id`)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO run_rows `+strings.Join(parts, "\nUNION ALL ")); err != nil {
		return fmt.Errorf("run rows: %w", err)
	}
	return nil
}

// runRange is the rows of one run in one keyed table (run_rows).
type runRange struct {
	first, last int64
	run         string
}

// runRanges reads run_rows: by table, ordered by first rowid.
func runRanges(ctx context.Context, conn *sql.Conn) (map[string][]runRange, error) {
	out := map[string][]runRange{}
	err := each(ctx, conn, `SELECT table_name, first_row, last_row, run_id FROM run_rows ORDER BY table_name, first_row`, nil,
		func(r *sql.Rows) error {
			var (
				t  string
				rr runRange
			)
			err := r.Scan(&t, &rr.first, &rr.last, &rr.run)
			out[t] = append(out[t], rr)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("run rows: %w", err)
	}
	return out, nil
}

// runOf returns the run whose range in ranges (ordered by first rowid)
// holds id, and false when none or more than one does.
func runOf(ranges []runRange, id int64) (string, bool) {
	starts := sort.Search(len(ranges), func(i int) bool { return ranges[i].first > id })
	found := -1
	for i := starts - 1; i >= 0; i-- {
		if ranges[i].last >= id {
			if found >= 0 {
				return "", false
			}
			found = i
		}
	}
	if found < 0 {
		return "", false
	}
	return ranges[found].run, true
}

// keyRows looks keys up in row_keys for one reader, once per key: the
// keyed columns of one value (a setl_id is also an assessment's and a
// finding's subject_id; a certno is in three tables) share its hash, so one
// lookup finds the rows of every keyed column.
type keyRows struct {
	ctx  context.Context
	conn *sql.Conn
	got  map[string]keyedRows // by key
	// ranges is run_rows by table, read at the first lookup (nil before).
	ranges map[string][]runRange
	// scan reads the tables themselves instead of row_keys: the fallback
	// of a reader that found nothing by key (see Explain).
	scan bool
	// step, when set, is told when each query of the reader has returned,
	// by name (the in-process timing of explain, explain_timing_test.go).
	step func(name string)
}

// keyedRows are the rows row_keys holds for one key: by kind, their rowids
// in rowid order and, at the same index, the run_id of the row ("" when
// the rowid names no row of the table).
type keyedRows struct {
	ids  map[int8][]int64
	runs map[int8][]string
}

func newKeyRows(ctx context.Context, conn *sql.Conn) *keyRows {
	return &keyRows{ctx: ctx, conn: conn, got: map[string]keyedRows{}}
}

// done tells step, when set, that the query named name has returned.
func (k *keyRows) done(name string) {
	if k.step != nil {
		k.step(name)
	}
}

// rows returns the rowids that row_keys holds for key in table.column, in
// rowid order, and the run_id of each.
func (k *keyRows) rows(table, column, key string) ([]int64, []string, error) {
	kind := keyKind(table, column)
	if got, ok := k.got[key]; ok {
		return got.ids[kind], got.runs[kind], nil
	}
	got := keyedRows{ids: map[int8][]int64{}}
	err := each(k.ctx, k.conn, `SELECT kind, row_id FROM row_keys WHERE key_hash = hash(?::VARCHAR) ORDER BY row_id`,
		[]any{key}, func(r *sql.Rows) error {
			var (
				kd int8
				id int64
			)
			err := r.Scan(&kd, &id)
			got.ids[kd] = append(got.ids[kd], id)
			return err
		})
	if err != nil {
		return nil, nil, err
	}
	k.done("row_keys " + column)
	if k.ranges == nil {
		if k.ranges, err = runRanges(k.ctx, k.conn); err != nil {
			return nil, nil, err
		}
		k.done("run_rows")
	}
	var ok bool
	if got.runs, ok = runsByRange(k.ranges, got.ids); !ok {
		if got.runs, err = runsOfRows(k.ctx, k.conn, got.ids); err != nil {
			return nil, nil, err
		}
		k.done("runs of the rows")
	}
	k.got[key] = got
	return got.ids[kind], got.runs[kind], nil
}

// runsByRange returns, for each kind of ids, the run of each rowid by the
// ranges of run_rows, and false when a rowid falls in no range of its
// table or in more than one (a key past the rows, or ranges that do not
// fit them): the caller then reads the runs from the rows (runsOfRows).
func runsByRange(ranges map[string][]runRange, ids map[int8][]int64) (map[int8][]string, bool) {
	runs := map[int8][]string{}
	for _, k := range keyedColumns {
		if len(ids[k.kind]) == 0 {
			continue
		}
		runs[k.kind] = make([]string, len(ids[k.kind]))
		for i, id := range ids[k.kind] {
			run, ok := runOf(ranges[k.table], id)
			if !ok {
				return nil, false
			}
			runs[k.kind][i] = run
		}
	}
	return runs, true
}

// runsOfRows returns, for each kind of ids, the run_id of the row of its
// table at each of its rowids ("" for a rowid that names no row): one query
// for every kind, each reading the run_id column alone.
func runsOfRows(ctx context.Context, conn *sql.Conn, ids map[int8][]int64) (map[int8][]string, error) {
	var parts []string
	at := map[int8]map[int64]string{}
	for _, k := range keyedColumns {
		if len(ids[k.kind]) > 0 {
			parts = append(parts, `SELECT `+strconv.Itoa(int(k.kind))+` AS kind, x.rowid AS rid, x.run_id FROM `+k.table+` x WHERE `+
				rowidFilter(ids[k.kind]))
			at[k.kind] = map[int64]string{}
		}
	}
	runs := map[int8][]string{}
	if len(parts) == 0 {
		return runs, nil
	}
	err := each(ctx, conn, strings.Join(parts, "\nUNION ALL "), nil, func(r *sql.Rows) error {
		var (
			kd  int8
			rid int64
			run string
		)
		err := r.Scan(&kd, &rid, &run)
		at[kd][rid] = run
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("runs of keyed rows: %w", err)
	}
	for kd, list := range ids {
		runs[kd] = make([]string, len(list))
		for i, id := range list {
			runs[kd][i] = at[kd][id]
		}
	}
	return runs, nil
}

// rowidFilter is the predicate x.rowid is one of ids (not empty). rowid =
// ANY of a literal list is a semi-join whose least and greatest key DuckDB
// 1.4 pushes into the scan: it reads every row between them, so ids should
// lie close together (keyedFromRuns). A plain IN list is far worse: it
// took seconds for eight rowids of the 10M ledger's assessments.
func rowidFilter(ids []int64) string {
	if len(ids) == 1 { // a plain filter, cheaper than the join
		return "x.rowid = " + strconv.FormatInt(ids[0], 10)
	}
	var b strings.Builder
	b.WriteString("x.rowid = ANY([")
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteString("]::BIGINT[])")
	return b.String()
}

// keyedFrom returns a FROM item, table as alias, holding only the rows of
// table whose rowid is one of ids, with the rowid as column rid. The LIMIT
// keeps the caller's filters out of that scan: pushed into it, a filter
// such as certno = ? is evaluated on every row of the table first (0.8 s
// on the 10M ledger, against 20 ms).
//
// DuckDB 1.4.1 does not prune a scan by a filter on rowid (duckdb#23625,
// fixed after 1.4): it visits every row group of the table and, cold, loads
// the storage metadata of every scanned column of each, about 25 ms for a
// settlement's 29 columns on the 10M ledger. keyedFromRuns adds what does
// prune.
func keyedFrom(table, alias string, ids []int64) string {
	where := "false"
	if len(ids) > 0 {
		where = rowidFilter(ids)
	}
	return `(SELECT x.*, x.rowid AS rid FROM ` + table + ` x WHERE ` + where +
		` LIMIT ` + strconv.Itoa(len(ids)) + `) ` + alias
}

// nearRows is how far apart, in rows, two rowids may be for keyedFromRuns
// to read them in one scan (rowidFilter reads every row between them): four
// vectors of 2,048 rows. On the 10M ledger a scan of its own cost 1-4 ms
// more than reading ten thousand assessments between two rowids (eight
// rowids of one person: one scan 5.7 ms warm, two 10.5, eight 9.9).
const nearRows = 8192

// maxScans is the most scans keyedFromRuns plans for one table: a person
// with visits on many nights would otherwise give a UNION ALL of hundreds
// of scans to plan. Past it the rows are read by one scan over all their
// runs, as keyedFrom reads them but for the runs' filter.
var maxScans = 16 // a variable for the tests only

// keyedFromRuns is keyedFrom for rowids in rowid order (as rows returns
// them) whose rows' run_ids runs holds at the same index ("" drops the
// rowid, which names no row). A filter on
// run_id, a real column, lets DuckDB skip every row group whose run_id
// min/max (a prefix of 8 bytes: "R2026060" for the runs of 1-9 June)
// excludes the runs, before it loads their other columns: on the 10M
// ledger a settlement of the latest night, cold, took 10 ms to read
// instead of 26. Rowids far apart are read by scans of their own (UNION
// ALL), each over the row groups of its runs, rather than one scan of
// every row between them. The rows are those of keyedFrom whenever runs
// holds each row's run_id.
func keyedFromRuns(table, alias string, ids []int64, runs []string) string {
	var (
		scans     []string
		near      []int64
		nearRuns  []string
		n         int
		flushNear = func() {
			if len(near) == 0 {
				return
			}
			quoted := make([]string, len(nearRuns))
			for i, r := range nearRuns {
				quoted[i] = quote(r)
			}
			scans = append(scans, `SELECT x.*, x.rowid AS rid FROM `+table+` x WHERE x.run_id IN (`+
				strings.Join(quoted, ", ")+`) AND `+rowidFilter(near))
			near, nearRuns = nil, nil
		}
	)
	for i, id := range ids {
		if runs[i] == "" {
			continue
		}
		if len(near) > 0 && id-near[len(near)-1] > nearRows {
			flushNear()
		}
		near = append(near, id)
		if !slices.Contains(nearRuns, runs[i]) {
			nearRuns = append(nearRuns, runs[i])
		}
		n++
	}
	flushNear()
	if len(scans) > maxScans {
		var all []int64
		var allRuns []string
		for i, id := range ids {
			if runs[i] != "" {
				all = append(all, id)
				if !slices.Contains(allRuns, runs[i]) {
					allRuns = append(allRuns, runs[i])
				}
			}
		}
		scans, near, nearRuns = nil, all, allRuns
		flushNear()
	}
	if len(scans) == 0 {
		return `(SELECT x.*, x.rowid AS rid FROM ` + table + ` x WHERE false) ` + alias
	}
	return `(SELECT * FROM (` + strings.Join(scans, "\n\t\tUNION ALL ") + `) LIMIT ` + strconv.Itoa(n) + `) ` + alias
}

// from returns a FROM item, table as alias, holding the rows that row_keys
// holds for key in table.column (see keyedFromRuns), and the predicate that
// checks the key on each: a hash collision or a stale key finds no row. The
// key goes into the query as a parameter; the caller appends key to its
// arguments where the predicate stands. alias.rid is the row's rowid.
func (k *keyRows) from(alias, table, column, key string) (from, check string, err error) {
	if k.scan {
		return `(SELECT x.*, x.rowid AS rid FROM ` + table + ` x) ` + alias, alias + `.` + column + ` = ?`, nil
	}
	ids, runs, err := k.rows(table, column, key)
	if err != nil {
		return "", "", err
	}
	return keyedFromRuns(table, alias, ids, runs), alias + `.` + column + ` = ?`, nil
}

// fewKeys is the most keys that keyedRowidsOf looks up in row_keys. Each
// key's rows are a few row groups of row_keys; past a few hundred keys the
// row groups read approach the whole table, and a join that scans the key
// column once is as cheap (a night's thousands of people are spread over
// every row group: no zone map can prune that join).
var fewKeys = 256 // a variable for the tests only

// keyedRowidsOf returns the rowids that row_keys holds for any of keys (at
// most fewKeys) in table.column, in rowid order.
func keyedRowidsOf(ctx context.Context, conn *sql.Conn, table, column string, keys []string) ([]int64, error) {
	if len(keys) > fewKeys {
		return nil, fmt.Errorf("row keys: %d keys of %s.%s, more than %d", len(keys), table, column, fewKeys)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	args := []any{keyKind(table, column)}
	hashes := make([]string, len(keys))
	for i, k := range keys {
		hashes[i] = "hash(?::VARCHAR)"
		args = append(args, k)
	}
	var ids []int64
	err := each(ctx, conn, `SELECT row_id FROM row_keys WHERE kind = ? AND key_hash = ANY([`+strings.Join(hashes, ", ")+`])
		ORDER BY row_id`, args, func(r *sql.Rows) error {
		var id int64
		err := r.Scan(&id)
		ids = append(ids, id)
		return err
	})
	return ids, err
}

// CheckKeys checks row_keys against the rows: every row of a keyed table has
// exactly one key per keyed column, pointing at it, and there is no other
// key. It reads every keyed table whole, as Verify does. Keys that disagree
// do not make a run's content wrong, but explain would miss rows by them.
func (l *Ledger) CheckKeys(ctx context.Context) error {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("ledger %s: row keys: %w", l.path, err)
	}
	defer conn.Close()
	for _, k := range keyedColumns {
		var rows, keys, matched int64
		err := conn.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM `+k.table+`),
			(SELECT count(*) FROM row_keys WHERE kind = ?),
			(SELECT count(DISTINCT r.row_id) FROM row_keys r JOIN `+k.table+` t
				ON t.rowid = r.row_id AND r.key_hash = hash(t.`+k.column+`) WHERE r.kind = ?)`,
			k.kind, k.kind).Scan(&rows, &keys, &matched)
		if err != nil {
			return fmt.Errorf("ledger %s: row keys of %s.%s: %w", l.path, k.table, k.column, err)
		}
		if keys != rows || matched != rows {
			return fmt.Errorf("ledger %s: row keys of %s.%s: %d rows, %d keys, %d rows with their key",
				l.path, k.table, k.column, rows, keys, matched)
		}
	}
	// run_rows: one range per run and table, first to last rowid of its
	// rows, with no other row in it.
	for _, t := range keyedTables {
		var wrong int64
		err := conn.QueryRowContext(ctx, `
			WITH runs AS (SELECT run_id, min(rowid) AS first_row, max(rowid) AS last_row, count(*) AS n
				FROM `+t+` GROUP BY run_id),
			kept AS (SELECT run_id, first_row, last_row FROM run_rows WHERE table_name = ?)
			SELECT count(*) FROM runs FULL JOIN kept USING (run_id)
			WHERE runs.first_row IS DISTINCT FROM kept.first_row OR runs.last_row IS DISTINCT FROM kept.last_row
				OR runs.n IS DISTINCT FROM kept.last_row - kept.first_row + 1`, t).Scan(&wrong)
		if err != nil {
			return fmt.Errorf("ledger %s: run rows of %s: %w", l.path, t, err)
		}
		if wrong > 0 {
			return fmt.Errorf("ledger %s: run rows of %s: %d runs whose rows run_rows does not hold as they are", l.path, t, wrong)
		}
	}
	return nil
}

// RebuildKeys writes row_keys and run_rows afresh from the rows of the
// ledger open as db, as the migrations to schema versions 11 and 12 do: for a ledger whose rows were
// written by something other than a medrecon run (scripts/floor seed, the
// benchmark's history), which adds rows without their keys.
func RebuildKeys(ctx context.Context, db *sql.DB) error {
	backfill := keysBackfill(migrateV11Text[strings.Index(migrateV11Text, "INSERT INTO row_keys"):])
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("rebuild row keys: %w", err)
	}
	defer tx.Rollback()
	runRows := migrateV12SQL[strings.Index(migrateV12SQL, "INSERT INTO run_rows"):]
	for _, q := range []string{`DELETE FROM row_keys`, backfill, `DELETE FROM run_rows`, runRows} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rebuild row keys: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("rebuild row keys: %w", err)
	}
	return nil
}

// keysBackfill returns sql, migrate_v11.sql or its backfill statement, with
// that statement (the last one, from "INSERT INTO row_keys" on) written
// once for each slice of the hash range, SLICE standing for its number.
func keysBackfill(sql string) string {
	i := strings.Index(sql, "INSERT INTO row_keys")
	var b strings.Builder
	b.WriteString(sql[:i])
	for slice := range 4 {
		b.WriteString(strings.ReplaceAll(sql[i:], "SLICE", strconv.Itoa(slice)))
	}
	return b.String()
}
