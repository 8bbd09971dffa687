package ledger

// BenchmarkBulk (issue 17) appends a night of settlements or assessments,
// inside one transaction and in the chunks a run appends them in, by each
// way of bulk-loading DuckDB, and reports what it cost:
//
//	go test -run '^$' -bench '^BenchmarkBulk$/^appender$/^settlements$' -benchtime 1x ./batch/ledger
//	go test -tags duckdb_arrow -run '^$' -bench '^BenchmarkBulk$/^arrow$/' -benchtime 1x ./batch/ledger
//
// (-bench matches each part between slashes unanchored: 'appender' alone
// would run appender-cols, appender-fen and build-appender too.)
//
// scripts/bench_bulk.sh runs every path in a process of its own, in turns,
// and prints the table. Metrics: ns/row and append-s are the append alone
// (all chunks), append-cpu-s its CPU time, commit-s the COMMIT, peak-MiB the process's VmHWM (reset
// before the ledger is opened where Linux allows). The build-* paths do only
// the Go side of a path (its values, its batches, its CSV text) and append
// nothing. TestBulkPathsStoreTheSame holds every path to the appender's
// stored rows, on a few rows, in the normal test run.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/marcboeker/go-duckdb/v2"

	"medrecon/batch/record"
)

var (
	bulkRows      = flag.Int("bulk.rows", 1_000_000, "BenchmarkBulk: rows appended to the table")
	bulkChunk     = flag.Int("bulk.chunk", 50_000, "BenchmarkBulk: rows per chunk (one RunTx.Add of a night)")
	bulkInsertPer = flag.Int("bulk.insert-per", 10, "BenchmarkBulk: rows per statement of the insert path")
	bulkEncrypt   = flag.Bool("bulk.encrypt", false, "BenchmarkBulk: into an encrypted ledger")
)

// bulkEnv is what a path appends through: the run's writer, the folder
// beside the ledger (for a spool file) and the feeds of the table functions.
type bulkEnv struct {
	w     writer
	dir   string
	feeds *udfFeeds
}

// A bulkPath appends one chunk of rows of each table within the open
// transaction of env.w. goOnly paths append nothing.
type bulkPath struct {
	name        string
	goOnly      bool
	setup       func(ctx context.Context, conn *sql.Conn, env *bulkEnv) error // before BEGIN
	settlements func(env *bulkEnv, rows []record.Settlement) error
	assessments func(env *bulkEnv, rows []record.Assessment) error
}

func bulkPaths() []bulkPath {
	paths := []bulkPath{
		{
			// Production: writer.settlements and writer.assessments.
			name:        "appender",
			settlements: func(e *bulkEnv, rows []record.Settlement) error { return e.w.settlements(rows) },
			assessments: func(e *bulkEnv, rows []record.Assessment) error { return e.w.assessments(rows) },
		},
		{
			// The same values through the column lists: tells the lists' cost from the appender's.
			name: "appender-cols",
			settlements: func(e *bulkEnv, rows []record.Settlement) error {
				return appendCols(e, "settlements", bulkSettlementCols, rows, false)
			},
			assessments: func(e *bulkEnv, rows []record.Assessment) error {
				return appendCols(e, "assessments", bulkAssessmentCols, rows, false)
			},
		},
		{
			// Money as the unscaled int64 the DECIMAL(18,2) stores: no big.Int per cell.
			name: "appender-fen",
			settlements: func(e *bulkEnv, rows []record.Settlement) error {
				return appendCols(e, "settlements", bulkSettlementCols, rows, true)
			},
			assessments: func(e *bulkEnv, rows []record.Assessment) error {
				return appendCols(e, "assessments", bulkAssessmentCols, rows, true)
			},
		},
		{
			// Whole typed DataChunks, filled by a table function, INSERT … SELECT.
			name:  "udf-chunk",
			setup: registerFeeds,
			settlements: func(e *bulkEnv, rows []record.Settlement) error {
				return insertFeed(e, "settlements", &e.feeds.s, rows)
			},
			assessments: func(e *bulkEnv, rows []record.Assessment) error {
				return insertFeed(e, "assessments", &e.feeds.a, rows)
			},
		},
		{
			// A CSV spool file beside the ledger, INSERT … SELECT FROM read_csv.
			name: "csv-spool",
			settlements: func(e *bulkEnv, rows []record.Settlement) error {
				return spoolCSV(e, "settlements", bulkSettlementCols, rows)
			},
			assessments: func(e *bulkEnv, rows []record.Assessment) error {
				return spoolCSV(e, "assessments", bulkAssessmentCols, rows)
			},
		},
		{
			// The baseline: a prepared INSERT of -bulk.insert-per rows (10) at a time.
			name: "insert",
			settlements: func(e *bulkEnv, rows []record.Settlement) error {
				return insertValues(e, "settlements", bulkSettlementCols, rows)
			},
			assessments: func(e *bulkEnv, rows []record.Assessment) error {
				return insertValues(e, "assessments", bulkAssessmentCols, rows)
			},
		},
		{
			name: "build-appender", goOnly: true,
			settlements: func(e *bulkEnv, rows []record.Settlement) error {
				return buildValues(e, bulkSettlementCols, rows, false)
			},
			assessments: func(e *bulkEnv, rows []record.Assessment) error {
				return buildValues(e, bulkAssessmentCols, rows, false)
			},
		},
		{
			name: "build-fen", goOnly: true,
			settlements: func(e *bulkEnv, rows []record.Settlement) error {
				return buildValues(e, bulkSettlementCols, rows, true)
			},
			assessments: func(e *bulkEnv, rows []record.Assessment) error {
				return buildValues(e, bulkAssessmentCols, rows, true)
			},
		},
		{
			name: "build-csv", goOnly: true,
			settlements: func(e *bulkEnv, rows []record.Settlement) error {
				return writeCSV(io.Discard, bulkSettlementCols, rows, e.w.run)
			},
			assessments: func(e *bulkEnv, rows []record.Assessment) error {
				return writeCSV(io.Discard, bulkAssessmentCols, rows, e.w.run)
			},
		},
	}
	return append(paths, arrowBulkPaths()...)
}

func BenchmarkBulk(b *testing.B) {
	for _, p := range bulkPaths() {
		for _, table := range []string{"settlements", "assessments"} {
			b.Run(p.name+"/"+table, func(b *testing.B) { benchBulk(b, p, table) })
		}
	}
}

func benchBulk(b *testing.B, p bulkPath, table string) {
	ctx := context.Background()
	rows, chunk := *bulkRows, *bulkChunk
	var appendT, commitT, cpu time.Duration
	var peak int64
	var ss []record.Settlement
	var as []record.Assessment
	for r := range b.N {
		b.StopTimer()
		resetPeak()
		l, conn, env := bulkLedger(b, p, fmt.Sprintf("R20260410-%03d", r+1))
		for c := 0; c*chunk < rows; c++ {
			ss, as = bulkNight(c, min(chunk, rows-c*chunk), ss, as)
			start, cpu0 := time.Now(), cpuTime()
			b.StartTimer()
			var err error
			if table == "settlements" {
				err = p.settlements(env, ss)
			} else {
				err = p.assessments(env, as)
			}
			b.StopTimer()
			appendT += time.Since(start)
			cpu += cpuTime() - cpu0
			if err != nil {
				b.Fatalf("%s %s chunk %d: %v", p.name, table, c, err)
			}
		}
		start := time.Now()
		b.StartTimer()
		_, err := conn.ExecContext(ctx, "COMMIT")
		b.StopTimer()
		commitT += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		peak = max(peak, vmHWM())
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if want := map[bool]int{false: rows, true: 0}[p.goOnly]; n != want {
			b.Fatalf("%s: %d rows in %s, want %d", p.name, n, table, want)
		}
		conn.Close()
		l.Close()
	}
	b.ReportMetric(float64(appendT.Nanoseconds())/float64(rows*b.N), "ns/row")
	b.ReportMetric(appendT.Seconds()/float64(b.N), "append-s")
	b.ReportMetric(commitT.Seconds()/float64(b.N), "commit-s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "append-cpu-s")
	b.ReportMetric(float64(peak)/1024, "peak-MiB")
}

// bulkLedger opens a new ledger (encrypted with -bulk.encrypt) and begins
// run's transaction on one connection, after p's setup.
func bulkLedger(tb testing.TB, p bulkPath, run string) (*Ledger, *sql.Conn, *bulkEnv) {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	var key *Key
	if *bulkEncrypt {
		kf := filepath.Join(dir, "ledger.key")
		if err := os.WriteFile(kf, []byte(testSecret), 0o600); err != nil {
			tb.Fatal(err)
		}
		var err error
		if key, err = ReadKey(kf); err != nil {
			tb.Fatal(err)
		}
	}
	l, err := Open(ctx, filepath.Join(dir, "ledger.duckdb"), key)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	conn, err := l.db.Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	env := &bulkEnv{w: writer{ctx: ctx, conn: conn, run: run}, dir: dir, feeds: &udfFeeds{}}
	if p.setup != nil {
		if err := p.setup(ctx, conn, env); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		tb.Fatal(err)
	}
	return l, conn, env
}

// resetPeak resets the process's VmHWM to its current RSS (Linux 4.0 on);
// elsewhere the peak is the process's.
func resetPeak() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// vmHWM is the process's peak RSS in KiB, 0 where /proc has none.
func vmHWM() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// appendCols appends rows through the appender, one driver.Value per cell,
// money as duckdb.Decimal or, with fen, as its unscaled int64.
func appendCols[R any](e *bulkEnv, table string, cols []bulkCol[R], rows []R, fen bool) error {
	return e.w.appendRows("", table, len(rows), len(cols), func(i int, v []driver.Value) {
		r := &rows[i]
		for c := range cols {
			v[c] = cols[c].driverValue(r, e.w.run, fen)
		}
	})
}

// buildValues is appendCols without the appender: the Go side alone.
func buildValues[R any](e *bulkEnv, cols []bulkCol[R], rows []R, fen bool) error {
	v := make([]driver.Value, len(cols))
	for i := range rows {
		for c := range cols {
			v[c] = cols[c].driverValue(&rows[i], e.w.run, fen)
		}
		if err := checkWidths(v); err != nil {
			return err
		}
	}
	return nil
}

// insertValues is the baseline: INSERT … VALUES of -bulk.insert-per rows a
// statement (10: 100 was four times slower a row, 1 no faster than 10).
func insertValues[R any](e *bulkEnv, table string, cols []bulkCol[R], rows []R) error {
	per := *bulkInsertPer
	tuple := "(" + strings.Repeat("?, ", len(cols)-1) + "?)"
	prepare := func(n int) (*sql.Stmt, error) {
		return e.w.conn.PrepareContext(e.w.ctx, "INSERT INTO "+table+" VALUES "+strings.Repeat(tuple+", ", n-1)+tuple)
	}
	full, err := prepare(per)
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, per*len(cols))
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		args = args[:0]
		for i := start; i < end; i++ {
			for c := range cols {
				v := cols[c].driverValue(&rows[i], e.w.run, false)
				if d, ok := v.(duckdb.Decimal); ok {
					v = d.String() // database/sql takes no duckdb.Decimal; DuckDB casts the text exactly
				}
				args = append(args, v)
			}
		}
		stmt := full
		if end-start < per {
			if stmt, err = prepare(end - start); err != nil {
				return err
			}
			defer stmt.Close()
		}
		if _, err := stmt.ExecContext(e.w.ctx, args...); err != nil {
			return fmt.Errorf("insert %s rows %d-%d: %w", table, start+1, end, err)
		}
	}
	return nil
}

// columnsSpec is table's columns as read_csv's columns parameter wants them.
func columnsSpec(ctx context.Context, conn *sql.Conn, table string) (string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT column_name, data_type FROM duckdb_columns()
		WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index`, table)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return "", err
		}
		parts = append(parts, quote(name)+": "+quote(typ))
	}
	return "{" + strings.Join(parts, ", ") + "}", rows.Err()
}

// spoolCSV writes rows to a CSV file beside the ledger and has DuckDB read
// it into table. The file is plain text on disk: see doc.go.
func spoolCSV[R any](e *bulkEnv, table string, cols []bulkCol[R], rows []R) error {
	path := filepath.Join(e.dir, "spool-"+table+".csv")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	bw := bufio.NewWriterSize(f, 1<<20)
	err = writeCSV(bw, cols, rows, e.w.run)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	spec, err := columnsSpec(e.w.ctx, e.w.conn, table)
	if err != nil {
		return err
	}
	return e.w.exec(`INSERT INTO ` + table + ` SELECT * FROM read_csv(` + quote(path) + `, header = false, auto_detect = false,
		delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, columns = ` + spec + `)`)
}

// writeCSV writes rows as CSV: text always quoted (so "" is a value), NULL
// an empty unquoted field, money with its scale's digits.
func writeCSV[R any](out io.Writer, cols []bulkCol[R], rows []R, run string) error {
	var buf []byte
	for i := range rows {
		r := &rows[i]
		for c := range cols {
			if c > 0 {
				buf = append(buf, ',')
			}
			col := &cols[c]
			switch col.kind {
			case kText:
				buf = appendQuoted(buf, col.text(r))
			case kNullText:
				if s := col.text(r); s != "" {
					buf = appendQuoted(buf, s)
				}
			case kRun:
				buf = appendQuoted(buf, run)
			case kMoney, kNullMoney, kRatio:
				d := col.dec(r)
				if !d.Valid {
					continue
				}
				v, err := unscaled(d.Decimal, widthOf(col.kind), scaleOf(col.kind))
				if err != nil {
					return fmt.Errorf("row %d column %s: %w", i+1, col.name, err)
				}
				buf = appendFixed(buf, v, int(scaleOf(col.kind)))
			case kDate:
				if d := col.day(r); !d.IsZero() {
					buf = d.Time().AppendFormat(buf, "2006-01-02")
				}
			case kStamp:
				if t := col.ts(r); !t.IsZero() {
					buf = t.UTC().AppendFormat(buf, "2006-01-02 15:04:05.999999")
				}
			case kInt:
				buf = strconv.AppendInt(buf, int64(col.num(r)), 10)
			case kBool:
				buf = strconv.AppendBool(buf, col.flag(r))
			}
		}
		buf = append(buf, '\n')
		if len(buf) > 64<<10 {
			if _, err := out.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := out.Write(buf)
	return err
}

func appendQuoted(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		buf = append(buf, s[:i+1]...)
		buf = append(buf, '"')
		s = s[i+1:]
	}
	buf = append(buf, s...)
	return append(buf, '"')
}

// appendFixed writes the unscaled v with scale decimals: 12345, 2 is 123.45.
func appendFixed(buf []byte, v int64, scale int) []byte {
	if v < 0 {
		buf = append(buf, '-')
		v = -v
	}
	p := pow10[scale]
	buf = strconv.AppendInt(buf, v/p, 10)
	buf = append(buf, '.')
	frac := strconv.AppendInt(nil, v%p+p, 10) // 1 and scale digits
	return append(buf, frac[1:]...)
}

// udfFeeds are the rows the table functions bulk_settlements and
// bulk_assessments give DuckDB next.
type udfFeeds struct {
	s *chunkFeed[setl]
	a *chunkFeed[asmt]
}

// chunkFeed is a table function's source: rows, one typed DataChunk at a time.
type chunkFeed[R any] struct {
	cols  []bulkCol[R]
	rows  []R
	run   string
	pos   int
	infos []duckdb.ColumnInfo
}

func newFeed[R any](cols []bulkCol[R]) (*chunkFeed[R], error) {
	f := &chunkFeed[R]{cols: cols}
	for _, c := range cols {
		var t duckdb.TypeInfo
		var err error
		switch c.kind {
		case kText, kNullText, kRun:
			t, err = duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
		case kMoney, kNullMoney, kRatio:
			t, err = duckdb.NewDecimalInfo(widthOf(c.kind), scaleOf(c.kind))
		case kDate:
			t, err = duckdb.NewTypeInfo(duckdb.TYPE_DATE)
		case kStamp:
			t, err = duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP)
		case kInt:
			t, err = duckdb.NewTypeInfo(duckdb.TYPE_INTEGER)
		case kBool:
			t, err = duckdb.NewTypeInfo(duckdb.TYPE_BOOLEAN)
		}
		if err != nil {
			return nil, err
		}
		f.infos = append(f.infos, duckdb.ColumnInfo{Name: c.name, T: t})
	}
	return f, nil
}

func (f *chunkFeed[R]) ColumnInfos() []duckdb.ColumnInfo { return f.infos }

func (f *chunkFeed[R]) Cardinality() *duckdb.CardinalityInfo {
	return &duckdb.CardinalityInfo{Cardinality: uint(len(f.rows)), Exact: true}
}

func (f *chunkFeed[R]) Init() { f.pos = 0 }

func (f *chunkFeed[R]) FillChunk(ch duckdb.DataChunk) error {
	n := min(duckdb.GetDataChunkCapacity(), len(f.rows)-f.pos)
	for i := range n {
		r := &f.rows[f.pos+i]
		for c := range f.cols {
			if err := f.set(ch, c, i, r); err != nil {
				return fmt.Errorf("row %d column %s: %w", f.pos+i+1, f.cols[c].name, err)
			}
		}
	}
	f.pos += n
	return ch.SetSize(n)
}

func (f *chunkFeed[R]) set(ch duckdb.DataChunk, c, i int, r *R) error {
	col := &f.cols[c]
	switch col.kind {
	case kText:
		return duckdb.SetChunkValue(ch, c, i, col.text(r))
	case kNullText:
		if s := col.text(r); s != "" {
			return duckdb.SetChunkValue(ch, c, i, s)
		}
	case kRun:
		return duckdb.SetChunkValue(ch, c, i, f.run)
	case kMoney, kNullMoney, kRatio:
		d := col.dec(r)
		if !d.Valid {
			break
		}
		v, err := unscaled(d.Decimal, widthOf(col.kind), scaleOf(col.kind))
		if err != nil {
			return err
		}
		if col.kind == kRatio {
			return duckdb.SetChunkValue(ch, c, i, int32(v))
		}
		return duckdb.SetChunkValue(ch, c, i, v)
	case kDate:
		if d := col.day(r); !d.IsZero() {
			return duckdb.SetChunkValue(ch, c, i, d.Time())
		}
	case kStamp:
		if t := col.ts(r); !t.IsZero() {
			return duckdb.SetChunkValue(ch, c, i, t)
		}
	case kInt:
		return duckdb.SetChunkValue(ch, c, i, col.num(r))
	case kBool:
		return duckdb.SetChunkValue(ch, c, i, col.flag(r))
	}
	return ch.SetValue(c, i, nil)
}

// registerFeeds registers the table functions bulk_settlements and
// bulk_assessments, which give whatever rows their feed holds.
func registerFeeds(ctx context.Context, conn *sql.Conn, e *bulkEnv) error {
	var err error
	if e.feeds.s, err = newFeed(bulkSettlementCols); err != nil {
		return err
	}
	if e.feeds.a, err = newFeed(bulkAssessmentCols); err != nil {
		return err
	}
	s, a := e.feeds.s, e.feeds.a
	err = duckdb.RegisterTableUDF(conn, "bulk_settlements", duckdb.ChunkTableFunction{
		BindArguments: func(map[string]any, ...any) (duckdb.ChunkTableSource, error) { return s, nil },
	})
	if err != nil {
		return err
	}
	return duckdb.RegisterTableUDF(conn, "bulk_assessments", duckdb.ChunkTableFunction{
		BindArguments: func(map[string]any, ...any) (duckdb.ChunkTableSource, error) { return a, nil },
	})
}

func insertFeed[R any](e *bulkEnv, table string, feed **chunkFeed[R], rows []R) error {
	f := *feed
	f.rows, f.run, f.pos = rows, e.w.run, 0
	defer func() { f.rows = nil }()
	return e.w.exec("INSERT INTO " + table + " SELECT * FROM bulk_" + table + "()")
}

// TestBulkPathsStoreTheSame appends the same few rows, edges included, by
// every bulk path and compares what each table holds with what the
// production appender stored.
func TestBulkPathsStoreTheSame(t *testing.T) {
	ss, as := bulkNight(0, 40, nil, nil)
	es, ea := bulkEdges()
	ss, as = append(ss, es...), append(as, ea...)
	dump := func(p bulkPath) map[string]string {
		l, conn, env := bulkLedger(t, p, "R20260410-001")
		defer conn.Close()
		if err := p.settlements(env, ss); err != nil {
			t.Fatalf("%s settlements: %v", p.name, err)
		}
		if err := p.assessments(env, as); err != nil {
			t.Fatalf("%s assessments: %v", p.name, err)
		}
		if _, err := conn.ExecContext(context.Background(), "COMMIT"); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, table := range []string{"settlements", "assessments"} {
			rows, err := conn.QueryContext(context.Background(), `SELECT CAST(t AS VARCHAR) FROM `+table+` t ORDER BY rowid`)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				b.WriteString(s + "\n")
			}
			rows.Close()
			got[table] = b.String()
		}
		l.Close()
		return got
	}
	var want map[string]string
	for _, p := range bulkPaths() {
		if p.goOnly {
			continue
		}
		got := dump(p)
		if want == nil {
			want = got
			if !strings.Contains(want["settlements"], "9999999999999999.99") || !strings.Contains(want["assessments"], "'reported_pay': NULL") {
				t.Fatalf("the appender's rows lack the edges:\n%s", want["settlements"][:500])
			}
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s stores other rows than the appender (-appender +%s):\n%s", p.name, p.name, diff)
		}
	}
}
