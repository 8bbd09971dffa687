// Command floor measures what medrecon's ingest cannot beat and fills a
// ledger for benchmarks. scripts/bench.sh runs it; it is not part of medrecon.
//
//	floor csv FILE          DuckDB's own read_csv of FILE into a table
//	floor xlsx FILE         excelize's streaming read of FILE's first sheet
//	floor seed DB N         add N synthetic assessments (and proportional
//	                        settlements, findings and year_totals) to DB
//	floor sql DB QUERY      print QUERY's rows, tab-separated
//	floor peer [--db DB] [--check LEDGER] SETTLEMENTS.csv FILINGS.csv POLICY_DIR
//	                        SPEC 3.1–3.3's settlement assessment as plain
//	                        DuckDB SQL (the yardstick of issue 17; see peer.go),
//	                        into DB (default in memory); --check compares its
//	                        payable per setl_id with LEDGER's assessments
package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	_ "github.com/marcboeker/go-duckdb/v2"
	"github.com/xuri/excelize/v2"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: floor csv FILE | xlsx FILE | seed DB N | sql DB QUERY | peer [--db DB] [--check LEDGER] SETTLEMENTS.csv FILINGS.csv POLICY_DIR")
	}
	ctx := context.Background()
	switch args[0] {
	case "csv":
		return readCSV(ctx, args[1])
	case "xlsx":
		return readXLSX(args[1])
	case "seed":
		if len(args) != 3 {
			return fmt.Errorf("usage: floor seed DB N")
		}
		n, err := strconv.ParseInt(args[2], 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("seed: N %q is not a count", args[2])
		}
		return seed(ctx, args[1], n)
	case "sql":
		if len(args) != 3 {
			return fmt.Errorf("usage: floor sql DB QUERY")
		}
		return query(ctx, args[1], args[2])
	case "peer":
		dbPath, check, files, err := peerArgs(args[1:])
		if err != nil {
			return err
		}
		return peer(ctx, dbPath, check, files[0], files[1], files[2])
	}
	return fmt.Errorf("unknown mode %q", args[0])
}

// readCSV loads FILE into a table of an in-memory DuckDB, all columns as
// text, as the cheapest possible "read every settlement" step.
func readCSV(ctx context.Context, file string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	q := "CREATE TABLE t AS SELECT * FROM read_csv(" + literal(file) + ", header = true, all_varchar = true)"
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
		return err
	}
	fmt.Printf("csv %s: %d rows in %.2fs\n", file, n, time.Since(start).Seconds())
	return nil
}

// readXLSX streams every row of the first sheet and touches every cell.
func readXLSX(file string) error {
	start := time.Now()
	f, err := excelize.OpenFile(file)
	if err != nil {
		return err
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	rows, err := f.Rows(sheet)
	if err != nil {
		return fmt.Errorf("%s: sheet %s: %w", file, sheet, err)
	}
	defer rows.Close()
	var n, cells, bytes int
	for rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			return fmt.Errorf("%s: sheet %s row %d: %w", file, sheet, n+1, err)
		}
		n++
		cells += len(cols)
		for _, c := range cols {
			bytes += len(c)
		}
	}
	if err := rows.Error(); err != nil {
		return fmt.Errorf("%s: sheet %s: %w", file, sheet, err)
	}
	fmt.Printf("xlsx %s: %d rows, %d cells, %d bytes in %.2fs\n", file, n, cells, bytes, time.Since(start).Seconds())
	return nil
}

func query(ctx context.Context, dbPath, q string) error {
	db, err := sql.Open("duckdb", dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	fmt.Println(strings.Join(cols, "\t"))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = fmt.Sprint(v)
		}
		fmt.Println(strings.Join(out, "\t"))
	}
	return rows.Err()
}

func literal(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
