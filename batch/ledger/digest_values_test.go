package ledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/marcboeker/go-duckdb/v2"
	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// castCases are values of each column type the digested tables use, as the
// writer hands them to the appender: edge values, then random ones.
func castCases(seed uint64) map[string][]driver.Value {
	r := rand.New(rand.NewPCG(seed, seed))
	shanghai := time.FixedZone("CST", 8*3600)
	c := map[string][]driver.Value{
		"VARCHAR": {"", "a", " ", "S1", "张三丰", "天津市第一中心医院", "😀 emoji", "e\u0301 combining", "tab\tnew\nline",
			`quote ' and " and \`, "a\x00b", "\x00", "∅", strings.Repeat("长", 5000), "trailing space ", "=1+1",
			"130102198001011234", "\u200b", "\ufeffbom", "\xff\xfe bad UTF-8"},
		"INTEGER": {int32(0), int32(1), int32(-1), int32(math.MaxInt32), int32(math.MinInt32), int32(3), int32(100000)},
		"BIGINT":  {int64(0), int64(1), int64(-1), int64(math.MaxInt64), int64(math.MinInt64), int64(1 << 40), int32(7)},
		"BOOLEAN": {true, false},
		"DATE": {date(record.D(2025, 3, 1)), date(record.D(1970, 1, 1)), date(record.D(1969, 12, 31)),
			date(record.D(1900, 1, 1)), date(record.D(2000, 2, 29)), date(record.D(1, 1, 1)), date(record.D(999, 12, 31)),
			date(record.D(9999, 12, 31)), date(record.D(10000, 1, 1)), date(record.D(0, 6, 15)), date(record.D(-44, 3, 15)),
			// Not what date() makes, but what a time.Time turns into.
			time.Date(2025, 3, 1, 1, 0, 0, 0, shanghai), time.Date(2025, 3, 1, 23, 30, 0, 0, shanghai),
			time.Date(1969, 12, 31, 12, 0, 0, 0, time.UTC), time.Date(1960, 6, 1, 18, 0, 0, 0, time.UTC)},
		"TIMESTAMP": {time.Date(2025, 3, 10, 10, 30, 0, 0, time.UTC), time.Date(2025, 3, 10, 10, 30, 5, 500_000_000, time.UTC),
			time.Date(2025, 3, 10, 10, 30, 5, 123_456_000, time.UTC), time.Date(2025, 3, 10, 10, 30, 5, 1000, time.UTC),
			time.Date(2025, 3, 10, 10, 30, 5, 999, time.UTC), time.Date(2025, 3, 10, 10, 30, 5, 120_000_000, time.UTC),
			time.Date(2026, 4, 10, 9, 0, 0, 0, shanghai), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(1969, 12, 31, 23, 59, 59, 500_000_000, time.UTC), time.Date(1900, 1, 1, 0, 0, 0, 1000, time.UTC),
			time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_999_000, time.UTC),
			time.Date(0, 1, 1, 12, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"DECIMAL(18,2)": {money(dec2("70650.00")), money(dec2("-0.50")), money(dec2("0")), money(dec2("0.00")), money(dec2("0.01")),
			money(dec2("-0.01")), money(dec2("1.005")), money(dec2("-1.005")), money(dec2("123.4")), money(dec2("-100000")),
			money(dec2("9999999999999999.99")), money(dec2("-9999999999999999.99")), money(dec2("1e3")),
			// What an int64 count of fen gives the appender.
			int64(7065000), int64(-50), int64(0), int64(5)},
		"DECIMAL(9,4)": {ratio(dec2("0.85")), ratio(dec2("1")), ratio(dec2("0")), ratio(dec2("-0.1")), ratio(dec2("0.00005")),
			ratio(dec2("99999.9999")), ratio(dec2("-99999.9999")), ratio(dec2("0.0001")), int64(9000)},
	}
	alphabet := []rune("aZ09 -_.,;:'\"\\/\t张三丰医院结算明细😀é∅¥")
	for range 300 {
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		c["VARCHAR"] = append(c["VARCHAR"], b.String())
		c["INTEGER"] = append(c["INTEGER"], int32(r.Uint32()))
		c["BIGINT"] = append(c["BIGINT"], int64(r.Uint64()))
		day := record.D(1900, 1, 1).AddDays(r.IntN(365 * 250))
		c["DATE"] = append(c["DATE"], date(day))
		c["TIMESTAMP"] = append(c["TIMESTAMP"], time.Unix(r.Int64N(1<<33)-1<<32, r.Int64N(1e9)).In(shanghai))
		fen := r.Int64N(2e12) - 1e12
		if r.IntN(2) == 0 {
			fen = r.Int64N(2000) - 1000
		}
		c["DECIMAL(18,2)"] = append(c["DECIMAL(18,2)"], money(decimal.New(fen, -2)))
		c["DECIMAL(9,4)"] = append(c["DECIMAL(9,4)"], ratio(decimal.New(r.Int64N(2e8)-1e8, -4)))
	}
	return c
}

func dec2(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestEncodingIsDuckDBCast holds the Go encoding of digest version 2 to
// DuckDB's own CAST(… AS VARCHAR) of what the appender stored, value by
// value, for every column type of the digested tables, NULL included.
func TestEncodingIsDuckDBCast(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	conn := mustConn(t, l)
	const seed = 20260601
	cases := castCases(seed)

	// Every type a digested column has is tried here.
	lay, err := layouts(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_catalog = current_database() AND table_schema = 'main'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tbl, col, typ string
		if err := rows.Scan(&tbl, &col, &typ); err != nil {
			t.Fatal(err)
		}
		if lay[tbl] != nil && cases[typ] == nil {
			t.Errorf("digested column %s.%s is %s, which this test does not try", tbl, col, typ)
		}
	}
	rows.Close()

	for typ, vals := range cases {
		t.Run(typ, func(t *testing.T) {
			enc, err := encoderOf(typ)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TABLE cast_check (i INTEGER, v `+typ+`)`); err != nil {
				t.Fatal(err)
			}
			vals := append(vals, nil)
			err = appendRows(ctx, conn, "", "cast_check", len(vals), 2, func(i int, v []driver.Value) {
				v[0], v[1] = int32(i), vals[i]
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := conn.QueryContext(ctx, `SELECT i, CAST(v AS VARCHAR) FROM cast_check ORDER BY i`)
			if err != nil {
				t.Fatal(err)
			}
			defer got.Close()
			n := 0
			for got.Next() {
				var i int
				var cast sql.NullString
				if err := got.Scan(&i, &cast); err != nil {
					t.Fatal(err)
				}
				n++
				if vals[i] == nil {
					if cast.Valid {
						t.Errorf("NULL casts to %q", cast.String)
					}
					continue
				}
				mine, err := enc(nil, vals[i])
				if err != nil {
					t.Errorf("value %d (%#v): %v", i, vals[i], err)
					continue
				}
				if !cast.Valid || string(mine) != cast.String {
					t.Errorf("value %d (%#v): Go encodes %q, DuckDB casts %q (seed %d)", i, vals[i], mine, cast.String, seed)
				}
			}
			if err := got.Err(); err != nil {
				t.Fatal(err)
			}
			if n != len(vals) {
				t.Errorf("%d rows read back of %d", n, len(vals))
			}
		})
	}
}

// TestEncodingRefusesAnUnknownValue: a value of a Go type the appender would
// not store as the column's type is an error, never a guess.
func TestEncodingRefusesAnUnknownValue(t *testing.T) {
	for _, tc := range []struct {
		typ string
		v   driver.Value
	}{
		{"VARCHAR", 12}, {"INTEGER", "12"}, {"BIGINT", 1.5}, {"BOOLEAN", "true"}, {"DATE", "2025-03-01"},
		{"TIMESTAMP", record.D(2025, 3, 1)}, {"DECIMAL(18,2)", "70650.00"}, {"DECIMAL(18,2)", duckdb.Decimal{}},
	} {
		enc, err := encoderOf(tc.typ)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := enc(nil, tc.v); err == nil {
			t.Errorf("%s value %#v encodes as %q, want an error", tc.typ, tc.v, out)
		}
	}
	if _, err := encoderOf("DOUBLE"); err == nil {
		t.Errorf("a DOUBLE column has an encoder; the digest has no floating-point columns")
	}
}
