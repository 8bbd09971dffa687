package ledger

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"

	"github.com/marcboeker/go-duckdb/v2"
	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// Commit writes one run in a single transaction: its runs row (status
// committed), input files, new settlements and claims (every invoice),
// filings (every version), statement rows, assessments, findings, rejects,
// the running totals of every key the run touched (replaced) and the filing
// uses. Either all of it reaches the ledger or, on any error, none. It is
// Begin, one Add and RunTx.Commit; a night assessed in chunks of people
// calls Add once per chunk.
func (l *Ledger) Commit(ctx context.Context, run record.RunInfo, files []record.InputFile, out record.Outcome, rejects []record.Reject) error {
	replace := make(map[record.YearKey]record.YearTotal, len(out.Totals))
	for k := range out.Totals {
		replace[k] = record.YearTotal{}
	}
	tx, err := l.Begin(ctx, run.RunID, replace)
	if err != nil {
		return err
	}
	if err := tx.Add(out); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit(run, files, rejects)
}

// RunTx is a run being written: one transaction on one connection, which
// takes the night's rows chunk by chunk (Add) and commits them with the
// run's own rows (Commit), or rolls all of it back.
//
// Bulk rows go through DuckDB's Appender on the transaction's connection: an
// appender obeys the connection's transaction, so its rows are committed or
// rolled back with the rest. The runs row is written last but for the
// chain, so that a duplicate run id fails after everything else and is
// rolled back with it.
type RunTx struct {
	l       *Ledger
	conn    *sql.Conn
	w       writer
	totals  map[record.YearKey]yearFen // of every chunk, written by Commit
	kept    map[record.YearKey]yearFen // deleted by Begin and written back by Commit unless a chunk changed them
	deleted []record.YearKey           // every key Begin deleted, sorted by cmpKey
	uses    []record.FilingUse
	rows    map[string]int64 // rows of each keyed table before the run (see keyRun)
	over    bool             // committed or rolled back
}

// Begin starts writing run runID. replace holds every running total the
// run may change (year_totals, a cache of the rows, SPEC 4.4) with its value
// before the run: their rows are deleted now, while the transaction holds
// no rows of its own, so that the cache of that scan can be dropped without
// writing anything out (see dropCache); Commit writes each back, with the
// run's new value where a chunk changed it.
func (l *Ledger) Begin(ctx context.Context, runID string, replace map[record.YearKey]record.YearTotal) (*RunTx, error) {
	if l.readOnly {
		return nil, fmt.Errorf("ledger %s: opened read-only, cannot commit run %s", l.path, runID)
	}
	if runID == "" {
		return nil, fmt.Errorf("ledger %s: commit: run has no id", l.path)
	}
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: commit run %s: %w", l.path, runID, err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("ledger %s: commit run %s: %w", l.path, runID, err)
	}
	tx := &RunTx{l: l, conn: conn, w: writer{ctx: ctx, conn: conn, run: runID}, totals: map[record.YearKey]yearFen{}}
	// The run's digest is taken from the rows as they are appended.
	lay, err := layouts(ctx, conn)
	if err != nil {
		tx.Rollback()
		return nil, tx.wrap(err)
	}
	tx.w.dig = newStreamDigest(lay)
	// Of the totals replaced, the run keeps only what Commit needs: the keys,
	// to tell a total a chunk changed that Begin did not delete, and the
	// totals with visits, to write back those no chunk changes. Most of a
	// night's keys are its new people's, with nothing before the run; kept
	// whole, the map was 70 MB of the 1,000,000-settlement night's heap.
	if tx.deleted, tx.kept, err = keep(replace); err != nil {
		tx.Rollback()
		return nil, tx.wrap(err)
	}
	// What the history and the deletion read is cache now, and the
	// transaction holds no rows yet, so dropping it writes nothing out.
	if err := tx.w.deleteTotals(tx.deleted); err != nil {
		tx.Rollback()
		return nil, tx.wrap(err)
	}
	if tx.rows, err = rowCounts(ctx, conn); err != nil {
		tx.Rollback()
		return nil, tx.wrap(err)
	}
	if err := l.dropCache(ctx); err != nil {
		tx.Rollback()
		return nil, tx.wrap(err)
	}
	return tx, nil
}

// Add appends the rows of one chunk of the night: settlements, claims,
// filings, statement rows, assessments, findings, decisions, payments,
// recoveries and the rejected rows of decisions and payments that could not
// apply. Its running totals
// and filing uses are kept for Commit (the chunks' people are disjoint).
// After an error the caller rolls back.
func (t *RunTx) Add(out record.Outcome) error {
	w := t.w
	steps := []func() error{
		func() error { return w.settlements(out.Settlements) },
		func() error { return w.claims(out.Claims) },
		func() error { return w.filings(lastVersions(out.Filings)) },
		func() error { return w.statement(out.Statement) },
		func() error { return w.assessments(out.Assessments) },
		func() error { return w.findings(out.Findings) },
		func() error { return w.decisions(out.Decisions) },
		func() error { return w.payments(out.Payments) },
		func() error { return w.recoveries(out.Recoveries) },
		func() error { return w.rejects(out.Rejects) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return t.wrap(err)
		}
	}
	for k, v := range out.Totals {
		f, err := fenTotal(v)
		if err != nil {
			return t.wrap(fmt.Errorf("year total: %w", err))
		}
		k.Certno = strings.Clone(k.Certno)
		t.totals[k] = f
	}
	t.uses = append(t.uses, out.FilingUses...)
	return nil
}

// yearFen is a running total (record.YearTotal) as a run holds it until
// Commit: in fen, so that a night's hundreds of thousands of totals hold no
// big.Int of decimal.
type yearFen struct {
	deductible, basic, eligible, serious record.Fen
	visits                               int
}

func fenTotal(t record.YearTotal) (yearFen, error) {
	var f yearFen
	var err error
	for _, c := range []struct {
		to *record.Fen
		d  decimal.Decimal
	}{{&f.deductible, t.DeductibleBorne}, {&f.basic, t.BasicPaid}, {&f.eligible, t.EligibleBase}, {&f.serious, t.SeriousPaid}} {
		if *c.to, err = record.FenOf(c.d); err != nil {
			return f, err
		}
	}
	f.visits = t.Visits
	return f, nil
}

// keep returns the keys of replace sorted, and its totals with visits in
// fen. Each key gets a certno of its own: a key made from a night's record
// shares the record's text (ingest keeps a row's cells in one string), which
// would otherwise stay resident until the commit.
func keep(replace map[record.YearKey]record.YearTotal) ([]record.YearKey, map[record.YearKey]yearFen, error) {
	keys := sortedKeys(replace)
	kept := map[record.YearKey]yearFen{}
	for i, k := range keys {
		if i > 0 && keys[i-1].Certno == k.Certno {
			keys[i].Certno = keys[i-1].Certno
		} else {
			keys[i].Certno = strings.Clone(k.Certno)
		}
		if t := replace[k]; t.Visits != 0 {
			f, err := fenTotal(t)
			if err != nil {
				return nil, nil, fmt.Errorf("year total: %w", err)
			}
			kept[keys[i]] = f
		}
	}
	return keys, kept, nil
}

// Commit writes the run's own rows (input files, rejects, running totals,
// filing uses, the runs row and the hash chain) and commits the whole run.
// On an error nothing of the run stays.
func (t *RunTx) Commit(run record.RunInfo, files []record.InputFile, rejects []record.Reject) (err error) {
	defer func() {
		if err != nil {
			if rerr := t.Rollback(); rerr != nil {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
			}
			err = t.wrap(err)
		}
	}()
	w := t.w
	if run.RunID != w.run {
		return fmt.Errorf("runs row names run %s", run.RunID)
	}
	// A total the run changed that Begin did not delete is deleted now.
	late := missing(sortedKeys(t.totals), t.deleted)
	totals := t.totals
	for k, v := range t.kept {
		if _, ok := totals[k]; !ok {
			totals[k] = v // as it was; a total with no visits has nothing to keep
		}
	}
	t.kept, t.deleted = nil, nil
	totalKeys := sortedKeys(totals)
	slices.SortFunc(t.uses, func(a, b record.FilingUse) int { return cmp.Compare(a.FilingID, b.FilingID) })
	steps := []func() error{
		func() error { return w.deleteTotals(late) },
		func() error { return w.inputFiles(files) },
		func() error { return w.rejects(rejects) },
		func() error { return w.totals(totalKeys, totals) },
		func() error { return w.filingUses(t.uses) },
		func() error { return keyRun(w.ctx, w.conn, t.rows) },
		func() error { return w.runRow(run) },
		func() error { return w.paymentDays(run.PaymentDays) },
		w.chain,
		w.compactSmall,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	if _, err := t.conn.ExecContext(w.ctx, "COMMIT"); err != nil {
		return err
	}
	t.over = true
	t.conn.Close()
	return nil
}

// Rollback undoes everything the run wrote; after Commit or a first
// Rollback it does nothing.
func (t *RunTx) Rollback() error {
	if t.over {
		return nil
	}
	t.over = true
	defer t.conn.Close()
	// The context may be what failed; the rollback must still run.
	if _, err := t.conn.ExecContext(context.WithoutCancel(t.w.ctx), "ROLLBACK"); err != nil {
		// A connection whose transaction state is unknown must not go back to the pool.
		t.conn.Raw(func(any) error { return driver.ErrBadConn })
		return err
	}
	return nil
}

func (t *RunTx) wrap(err error) error {
	return fmt.Errorf("ledger %s: commit run %s: %w", t.l.path, t.w.run, masked(err))
}

// chain digests the rows of every run without a chain yet, in run order, and
// chains each to the run before (SPEC 4.4): the run being committed, whose
// runs row is written just before, and, the first time, the runs committed
// before the ledger kept a chain, all in this transaction. Each is digested
// with version 2: the run being committed from the values it appended, an
// earlier one from its rows.
func (w writer) chain() error {
	type stored struct {
		id, content string
		chain       sql.NullString
		subjects    bool
		version     int
	}
	var runs []stored
	err := each(w.ctx, w.conn, `SELECT run_id, content_sha256, chain_sha256, coalesce(subjects_digested, false),
		coalesce(digest_version, 1) FROM runs ORDER BY started_at, run_id`, nil, func(r *sql.Rows) error {
		var s stored
		var content sql.NullString
		if err := r.Scan(&s.id, &content, &s.chain, &s.subjects, &s.version); err != nil {
			return err
		}
		s.content = content.String
		runs = append(runs, s)
		return nil
	})
	if err != nil {
		return fmt.Errorf("chain: %w", err)
	}
	var prev []byte
	for _, s := range runs {
		if s.chain.Valid {
			if !s.subjects {
				if err := w.backfillSubjects(s.id, s.content, s.version); err != nil {
					return err
				}
			}
			if prev, err = hex.DecodeString(s.chain.String); err != nil {
				return fmt.Errorf("chain of run %s: %w", s.id, err)
			}
			continue
		}
		content, chain, err := w.digest(s.id, prev)
		if err != nil {
			return err
		}
		if err := w.exec(`UPDATE runs SET content_sha256 = ?, chain_sha256 = ?, subjects_digested = true,
			digest_version = ? WHERE run_id = ?`, content, chain, digestV2, s.id); err != nil {
			return fmt.Errorf("chain of run %s: %w", s.id, err)
		}
		prev, _ = hex.DecodeString(chain)
	}
	return nil
}

// backfillSubjects gives a run chained before schema version 7 its subject
// digests, if its rows still give the content digest it recorded; a run
// whose rows changed since keeps none, and verify names its table only.
func (w writer) backfillSubjects(runID, content string, version int) error {
	var tables []tableDigest
	d, err := digestRun(w.ctx, w.conn, runID, version, func(t tableDigest) error {
		tables = append(tables, t)
		return nil
	})
	if err != nil {
		return fmt.Errorf("subject digests of run %s: %w", runID, err)
	}
	if hexOf(d.content) != content {
		return nil
	}
	for _, t := range tables {
		if err := w.subjectDigests(runID, t); err != nil {
			return err
		}
	}
	if err := w.exec(`UPDATE runs SET subjects_digested = true WHERE run_id = ?`, runID); err != nil {
		return fmt.Errorf("subject digests of run %s: %w", runID, err)
	}
	return nil
}

// subjectDigests appends a table's subject digests. The run and the table
// are the same on every row, so the appender carries only the subject and
// its digest, and DuckDB adds the two constants: each VARCHAR cell costs
// go-duckdb a C copy, and this table takes about three rows a settlement.
// On the 1M no-claims night (2.73 million rows) the commit took 6.5-6.7 s
// instead of 7.3-7.7 (five runs each, in turns), peak RSS the same.
func (w writer) subjectDigests(runID string, t tableDigest) error {
	query := `INSERT INTO run_subject_digests SELECT ` + quote(runID) + `, ` + quote(t.table) +
		`, subject, digest FROM appended_data`
	return appendSelect(w.ctx, w.conn, "run_subject_digests", query, subjectDigestCols, len(t.subjects), func(i int, v []driver.Value) {
		v[0], v[1] = t.subjects[i].subject, t.subjects[i].digest
	})
}

// subjectDigestCols are the columns subjectDigests appends.
var subjectDigestCols = []appendedCol{{"subject", duckdb.TYPE_VARCHAR}, {"digest", duckdb.TYPE_BIGINT}}

// digest digests one run's rows with version 2, records its tables' digests
// in run_digests and its subjects' in run_subject_digests, and returns its
// content and chain digests in hex. The run being written is digested from
// the values it appended, any other from its rows read back.
func (w writer) digest(runID string, prev []byte) (content, chain string, err error) {
	subjects := func(t tableDigest) error { return w.subjectDigests(runID, t) }
	var d runDigest
	if runID == w.run && w.dig != nil {
		d, err = w.dig.sum(subjects)
	} else {
		d, err = digestRun(w.ctx, w.conn, runID, digestV2, subjects)
	}
	if err != nil {
		return "", "", fmt.Errorf("chain of run %s: %w", runID, err)
	}
	err = w.appendRows("", "run_digests", len(d.tables), 4, func(i int, v []driver.Value) {
		t := d.tables[i]
		v[0], v[1], v[2], v[3] = runID, t.table, t.rows, hex.EncodeToString(t.sum[:])
	})
	if err != nil {
		return "", "", fmt.Errorf("chain of run %s: %w", runID, err)
	}
	return hexOf(d.content), hexOf(chainOf(prev, d.content)), nil
}

// writer appends one run's rows on the transaction's connection.
type writer struct {
	ctx  context.Context
	conn *sql.Conn
	run  string
	dig  *streamDigest // the run's digest, fed every digested row (nil: none)
}

// appendRows appends n rows to table through the transaction's connection
// (see appendRows), and hands each row of a digested table to the run's
// digest as it goes.
func (w writer) appendRows(catalog, table string, n, cols int, fill func(i int, vals []driver.Value)) error {
	if l := w.dig.layout(catalog, table); l != nil {
		set := fill
		fill = func(i int, vals []driver.Value) {
			set(i, vals)
			w.dig.add(l, vals)
		}
	}
	if err := appendRows(w.ctx, w.conn, catalog, table, n, cols, fill); err != nil {
		return err
	}
	return w.dig.failed()
}

// appendRows appends n rows to table (catalog "" is the ledger, "temp" a
// temporary table) with DuckDB's appender on conn; fill sets row i's values
// into vals, which is reused.
func appendRows(ctx context.Context, conn *sql.Conn, catalog, table string, n, cols int, fill func(i int, vals []driver.Value)) error {
	return appendWith(ctx, conn, table, n, cols, fill, func(c driver.Conn) (*duckdb.Appender, error) {
		return duckdb.NewAppender(c, catalog, "", table)
	})
}

// appendedCol is a column of the rows an appendSelect query reads.
type appendedCol struct {
	name string
	typ  duckdb.Type
}

// appendSelect appends n rows of cols to table with DuckDB's query
// appender: at each flush query, an INSERT into table, runs over them as the
// table appended_data, so that what is the same on every row is written
// once in the query, not in every row. Like the table appender, it flushes
// by itself every 204,800 rows (DuckDB's BaseAppender).
func appendSelect(ctx context.Context, conn *sql.Conn, table, query string, cols []appendedCol, n int, fill func(i int, vals []driver.Value)) error {
	types := make([]duckdb.TypeInfo, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		t, err := duckdb.NewTypeInfo(c.typ)
		if err != nil {
			return fmt.Errorf("append %s: %w", table, err)
		}
		types[i], names[i] = t, c.name
	}
	return appendWith(ctx, conn, table, n, len(cols), fill, func(c driver.Conn) (*duckdb.Appender, error) {
		return duckdb.NewQueryAppender(c, query, "", types, names)
	})
}

// appendWith appends n rows through the appender open makes on conn; what
// names their table in errors.
func appendWith(ctx context.Context, conn *sql.Conn, what string, n, cols int, fill func(i int, vals []driver.Value),
	open func(driver.Conn) (*duckdb.Appender, error)) error {
	if n == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("append %s: driver connection is %T", what, dc)
		}
		a, err := open(c)
		if err != nil {
			return fmt.Errorf("append %s: %w", what, err)
		}
		vals := make([]driver.Value, cols)
		for i := range n {
			if i%8192 == 0 {
				if err := ctx.Err(); err != nil {
					a.Close()
					return err
				}
			}
			fill(i, vals)
			if err := checkWidths(vals); err != nil {
				a.Close()
				return fmt.Errorf("append %s row %d: %w", what, i+1, err)
			}
			if err := a.AppendRow(vals...); err != nil {
				a.Close()
				return fmt.Errorf("append %s row %d: %w", what, i+1, err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("append %s: %w", what, err)
		}
		return nil
	})
}

// widthLimits[w] is 10^w, the first unscaled value too wide for DECIMAL(w,·);
// computed once, because checkWidths runs for every decimal cell.
var widthLimits = func() [39]*big.Int {
	var ls [39]*big.Int
	for w := range ls {
		ls[w] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(w)), nil)
	}
	return ls
}()

func widthLimit(w uint8) *big.Int {
	if int(w) < len(widthLimits) {
		return widthLimits[w]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(w)), nil)
}

// checkWidths refuses a decimal too wide for its column: the appender takes
// the unscaled integer and would not notice.
func checkWidths(vals []driver.Value) error {
	for _, v := range vals {
		d, ok := v.(duckdb.Decimal)
		if !ok {
			continue
		}
		if d.Value.CmpAbs(widthLimit(d.Width)) >= 0 {
			return fmt.Errorf("amount %s does not fit DECIMAL(%d,%d)", d.String(), d.Width, d.Scale)
		}
	}
	return nil
}

func (w writer) exec(query string, args ...any) error {
	_, err := w.conn.ExecContext(w.ctx, query, args...)
	return err
}

func (w writer) runRow(run record.RunInfo) error {
	// runs has no key since schema version 2 (migrate_v2.sql), so the
	// duplicate is looked for here; the ledger's file lock means no other
	// writer can add the same id in between.
	var n int
	if err := w.conn.QueryRowContext(w.ctx, `SELECT count(*) FROM runs WHERE run_id = ?`, run.RunID).Scan(&n); err != nil {
		return fmt.Errorf("runs row: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("runs row: run id %s is already in the ledger", run.RunID)
	}
	vals := map[string]driver.Value{
		"run_id": run.RunID, "started_at": timestamp(run.StartedAt), "finished_at": timestamp(run.FinishedAt),
		"as_of": date(run.AsOf), "status": record.RunCommitted, "version": run.Version, "policy_sha256": run.PolicySHA256,
		"ignored": int32(run.Ignored), "content_sha256": nullText(run.ContentSHA256), "chain_sha256": nullText(run.ChainSHA256),
	}
	err := w.exec(`INSERT INTO runs (run_id, started_at, finished_at, as_of, status, version, policy_sha256, ignored,
			content_sha256, chain_sha256)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		vals["run_id"], vals["started_at"], vals["finished_at"], vals["as_of"], vals["status"], vals["version"],
		vals["policy_sha256"], vals["ignored"], vals["content_sha256"], vals["chain_sha256"])
	if err != nil {
		return fmt.Errorf("runs row: %w", err)
	}
	w.dig.addNamed("runs", vals)
	return w.dig.failed()
}

// paymentDays keeps the run's payment_days per region (schema version 9),
// sorted by region.
func (w writer) paymentDays(days map[string]int) error {
	regions := slices.Sorted(maps.Keys(days))
	err := w.appendRows("", "run_payment_days", len(regions), 3, func(i int, vals []driver.Value) {
		vals[0], vals[1], vals[2] = w.run, regions[i], int32(days[regions[i]])
	})
	if err != nil {
		return fmt.Errorf("run_payment_days: %w", err)
	}
	return nil
}

// smallTables gain a few rows a night and are read by every run: runs (for
// run_order) and input_files by the check for files already imported, the
// other two by the history.
var smallTables = []string{"runs", "input_files", "statements", "filing_uses", "run_digests", "run_payment_days"}

// compactSmallRows is the most rows a small table is rewritten with: one
// DuckDB row group. A table past it keeps its row groups as they are.
const compactSmallRows = 122_880

// compactSmall rewrites each small table whole, in rowid order, within the
// run's transaction, so that after the checkpoint the table is one row group
// again. DuckDB gives every commit's rows a row group of their own and the
// ledger never has it merge them (max_vacuum_tasks=0, see open), and the
// row groups of one night share storage blocks with that night's other
// rows. Left alone, a table that gains one row a night made every later
// night read one 256 KiB block per earlier night to scan it: on the 50-night
// soak ledger, reading runs and input_files alone took 70 ms and 50 MiB.
// The rewrite keeps the rows' order, which is all that rowid means here.
func (w writer) compactSmall() error {
	for _, t := range smallTables {
		// A table this run added nothing to is as the last rewrite left it.
		var n, added int64
		err := w.conn.QueryRowContext(w.ctx, `SELECT count(*), count(*) FILTER (WHERE run_id = ?) FROM `+t, w.run).Scan(&n, &added)
		if err != nil {
			return fmt.Errorf("compact %s: %w", t, err)
		}
		if added == 0 || n > compactSmallRows {
			continue
		}
		for _, q := range []string{
			`CREATE OR REPLACE TEMP TABLE compact_rows AS SELECT * FROM ` + t + ` ORDER BY rowid`,
			`DELETE FROM ` + t,
			`INSERT INTO ` + t + ` SELECT * FROM compact_rows ORDER BY rowid`,
			`DROP TABLE compact_rows`,
		} {
			if err := w.exec(q); err != nil {
				return fmt.Errorf("compact %s: %w", t, err)
			}
		}
	}
	return nil
}

func (w writer) inputFiles(files []record.InputFile) error {
	return w.appendRows("", "input_files", len(files), 7, func(i int, v []driver.Value) {
		f := files[i]
		v[0], v[1], v[2], v[3], v[4], v[5] = w.run, f.Path, f.Kind, f.SHA256, int32(f.Rows), int32(f.Rejected)
		v[6] = nullText(f.AlreadyImported)
	})
}

func (w writer) settlements(ss []record.Settlement) error {
	return w.appendRows("", "settlements", len(ss), 29, func(i int, v []driver.Value) {
		s := &ss[i]
		v[0], v[1], v[2], v[3], v[4] = s.SetlID, nullString(s.MdtrtID), nullString(s.PsnNo), s.PsnName, s.Certno
		v[5], v[6], v[7], v[8] = s.Insutype, s.PsnType, s.InsuplcAdmdvs, s.MdtrtareaAdmvs
		v[9], v[10], v[11], v[12] = s.FixmedinsCode, s.FixmedinsName, int32(s.HospLv), s.MedType
		v[13], v[14], v[15] = date(s.Begndate), date(s.Enddate), timestamp(s.SetlTime)
		v[16], v[17], v[18], v[19] = moneyFen(s.MedfeeSumamt), moneyFen(s.InscpScpAmt), moneyFen(s.ActPayDedc), moneyFen(s.HifpPay)
		v[20], v[21], v[22], v[23] = moneyFen(s.HifmiPay), moneyFen(s.FundPaySumamt), moneyFen(s.AcctPay), moneyFen(s.PsnCashPay)
		v[24], v[25] = s.RefdSetlFlag, nullString(s.InitSetlID)
		v[26], v[27], v[28] = w.run, s.Src.File, int32(s.Src.Row)
	})
}

// claimRow is one invoice of one claim: the claims table's grain.
type claimRow struct {
	c   *record.Claim
	inv *record.Invoice // nil for a claim without invoices
}

func (w writer) claims(cs []record.Claim) error {
	var rows []claimRow
	for i := range cs {
		c := &cs[i]
		if len(c.Invoices) == 0 {
			rows = append(rows, claimRow{c: c})
		}
		for j := range c.Invoices {
			rows = append(rows, claimRow{c: c, inv: &c.Invoices[j]})
		}
	}
	return w.appendRows("", "claims", len(rows), 26, func(i int, v []driver.Value) {
		c, inv := rows[i].c, rows[i].inv
		v[0], v[1], v[2], v[3], v[4] = c.ClaimID, c.Certno, c.PsnName, c.Insutype, c.PsnType
		v[5], v[6], v[7], v[8] = c.InsuplcAdmdvs, c.MdtrtareaAdmvs, c.FixmedinsCode, c.FixmedinsName
		v[9], v[10], v[11], v[12] = int32(c.HospLv), c.Designated, c.MedType, c.Emergency
		v[13], v[14] = date(c.Begndate), date(c.Enddate)
		if inv != nil {
			v[15], v[16], v[17], v[18] = inv.BillCode, inv.BillNo, moneyFen(inv.MedfeeSumamt), moneyFen(inv.InscpScpAmt)
			v[22], v[23] = inv.Src.File, int32(inv.Src.Row)
		} else {
			// A claim without invoices keeps its totals on one row with no bill.
			v[15], v[16], v[17], v[18] = nil, nil, moneyFen(c.MedfeeSumamt), moneyFen(c.InscpScpAmt)
			v[22], v[23] = nil, nil
		}
		v[19], v[20], v[21] = date(c.DclaDate), c.MaterialsComplete, w.run
		// SPEC 2.2: the account in full, here only (schema version 8).
		v[24], v[25] = nullString(c.BankName), nullString(c.BankAccount)
	})
}

func (w writer) decisions(ds []record.Decision) error {
	return w.appendRows("", "decisions", len(ds), 9, func(i int, v []driver.Value) {
		d := &ds[i]
		v[0], v[1], v[2], v[3] = w.run, d.ClaimID, d.Decision, nullMoney(d.Amount)
		v[4], v[5], v[6] = nullString(d.Reason), nullString(d.Reviewer), date(d.DecidedOn)
		v[7], v[8] = nullString(d.Src.File), int32(d.Src.Row)
	})
}

func (w writer) payments(ps []record.Payment) error {
	return w.appendRows("", "payments", len(ps), 9, func(i int, v []driver.Value) {
		p := &ps[i]
		v[0], v[1], v[2], v[3] = w.run, p.ClaimID, money(p.Amount), date(p.PaidOn)
		v[4], v[5], v[6] = p.BankRef, p.Result, nullString(p.Reason)
		v[7], v[8] = nullString(p.Src.File), int32(p.Src.Row)
	})
}

func (w writer) recoveries(rs []record.Recovery) error {
	return w.appendRows("", "recoveries", len(rs), 7, func(i int, v []driver.Value) {
		r := &rs[i]
		v[0], v[1], v[2], v[3] = w.run, r.SubjectKind, r.SubjectID, r.ClaimID
		v[4], v[5], v[6] = money(r.Amount), nullString(r.Reason), r.Event
	})
}

// A filing's versions all stay in the ledger, each with its run (SPEC 2.3,
// 4.4); the latest is the one that counts. Within the batch the last version
// of a filing_id wins: lastVersions keeps it.
func lastVersions(fs []record.Filing) []record.Filing {
	last := map[string]int{}
	for i, f := range fs {
		last[f.FilingID] = i
	}
	var keep []record.Filing
	for i, f := range fs {
		if last[f.FilingID] == i {
			keep = append(keep, f)
		}
	}
	return keep
}

// filings appends fs, the run's new versions of filings.
func (w writer) filings(fs []record.Filing) error {
	return w.appendRows("", "filings", len(fs), 11, func(i int, v []driver.Value) {
		f := &fs[i]
		v[0], v[1], v[2], v[3] = f.FilingID, f.Certno, f.FilingKind, f.MdtrtareaAdmvs
		v[4], v[5], v[6], v[7] = date(f.Begndate), date(f.Enddate), date(f.FiledDate), f.Status
		v[8], v[9], v[10] = date(f.CancelDate), nullString(f.DiseCode), w.run
	})
}

func (w writer) statement(st []record.StatementRow) error {
	return w.appendRows("", "statements", len(st), 10, func(i int, v []driver.Value) {
		s := &st[i]
		v[0], v[1], v[2], v[3], v[4] = s.FixmedinsCode, date(s.StmtBegndate), date(s.StmtEnddate), s.Insutype, s.ClrType
		v[5], v[6], v[7], v[8], v[9] = s.FixmedinsSetlCnt, money(s.MedfeeSumamt), money(s.FundPaySumamt), money(s.AcctPay), w.run
	})
}

func (w writer) assessments(as []record.Assessment) error {
	return w.appendRows("", "assessments", len(as), 18, func(i int, v []driver.Value) {
		a := &as[i]
		v[0], v[1], v[2], v[3], v[4], v[5] = w.run, a.SubjectKind, a.SubjectID, a.Certno, int32(a.Year), a.FilingStatus
		v[6], v[7], v[8], v[9] = moneyFen(a.Inscope), moneyFen(a.Deductible), ratioBp(a.Ratio), moneyFen(a.BasicPay)
		v[10], v[11], v[12], v[13] = moneyFen(a.SeriousPay), moneyFen(a.Payable), nullFen(a.ReportedPay), nullFen(a.Discrepancy)
		v[14], v[15], v[16], v[17] = a.Status, date(a.Deadline), a.Trace, moneyFen(a.EligibleBase)
	})
}

func (w writer) findings(fs []record.Finding) error {
	return w.appendRows("", "findings", len(fs), 8, func(i int, v []driver.Value) {
		f := &fs[i]
		v[0], v[1], v[2], v[3], v[4], v[5] = w.run, f.SubjectKind, f.SubjectID, f.Code, f.Severity, f.Detail
		v[6], v[7] = nullMoney(f.Amount), nullText(f.FixmedinsCode)
	})
}

func (w writer) rejects(rs []record.Reject) error {
	return w.appendRows("", "rejects", len(rs), 7, func(i int, v []driver.Value) {
		r := &rs[i]
		v[0], v[1], v[2], v[3], v[4], v[5], v[6] = w.run, r.File, r.Sheet, int32(r.Row), r.Col, r.Value, r.Reason
	})
}

// missing returns the keys of a that b lacks; both are sorted by cmpKey.
func missing(a, b []record.YearKey) []record.YearKey {
	var out []record.YearKey
	j := 0
	for _, k := range a {
		for j < len(b) && cmpKey(b[j], k) < 0 {
			j++
		}
		if j == len(b) || cmpKey(b[j], k) != 0 {
			out = append(out, k)
		}
	}
	return out
}

func sortedKeys[V any](ts map[record.YearKey]V) []record.YearKey {
	keys := make([]record.YearKey, 0, len(ts))
	for k := range ts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmpKey)
	return keys
}

func cmpKey(a, b record.YearKey) int {
	return cmp.Or(cmp.Compare(a.Certno, b.Certno), cmp.Compare(a.Year, b.Year), cmp.Compare(a.MedCat, b.MedCat))
}

// deleteTotals deletes the running totals of keys, the keys the run
// touched; totals then appends their new absolute values.
func (w writer) deleteTotals(keys []record.YearKey) error {
	if len(keys) == 0 {
		return nil
	}
	err := keyTable(w.ctx, w.conn, "run_total_keys", "certno VARCHAR, year INTEGER, med_cat VARCHAR", len(keys), 3,
		func(i int, v []driver.Value) { v[0], v[1], v[2] = keys[i].Certno, int32(keys[i].Year), keys[i].MedCat })
	if err != nil {
		return fmt.Errorf("year totals: %w", err)
	}
	err = w.exec(`DELETE FROM year_totals y USING run_total_keys k
		WHERE y.certno = k.certno AND y.year = k.year AND y.med_cat = k.med_cat`)
	if err != nil {
		return fmt.Errorf("replace year totals: %w", err)
	}
	if err := w.exec(`DROP TABLE run_total_keys`); err != nil {
		return fmt.Errorf("year totals: %w", err)
	}
	return nil
}

func (w writer) totals(keys []record.YearKey, ts map[record.YearKey]yearFen) error {
	return w.appendRows("", "year_totals", len(keys), 8, func(i int, v []driver.Value) {
		k := keys[i]
		t := ts[k]
		v[0], v[1], v[2] = k.Certno, int32(k.Year), k.MedCat
		v[3], v[4], v[5], v[6] = moneyFen(t.deductible), moneyFen(t.basic), moneyFen(t.eligible), moneyFen(t.serious)
		v[7] = int32(t.visits)
	})
}

func (w writer) filingUses(us []record.FilingUse) error {
	return w.appendRows("", "filing_uses", len(us), 5, func(i int, v []driver.Value) {
		u := &us[i]
		v[0], v[1], v[2], v[3], v[4] = u.FilingID, u.SubjectKind, u.SubjectID, date(u.Begndate), w.run
	})
}

// maskedError hides ID numbers that a database message may quote (a
// constraint error names the offending value) while keeping the chain for errors.Is.
type maskedError struct{ err error }

func (e maskedError) Error() string { return record.MaskText(e.err.Error()) }
func (e maskedError) Unwrap() error { return e.err }

func masked(err error) error {
	if err == nil {
		return nil
	}
	return maskedError{err}
}
