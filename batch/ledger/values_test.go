package ledger

import (
	"context"
	"database/sql/driver"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// TestScaledFastPath checks scaled's shortcut against Round, Shift and BigInt.
func TestScaledFastPath(t *testing.T) {
	ds := []decimal.Decimal{decimal.Zero, decimal.New(5, 1), decimal.New(-5, 2), decimal.New(12345, -2),
		decimal.New(-12345, -1), decimal.New(1, -3), decimal.New(-125, -3), decimal.RequireFromString("9999999999999999.99"),
		decimal.RequireFromString("123456789012345678901234.5")}
	r := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		ds = append(ds, decimal.New(r.Int64N(2e15)-1e15, int32(r.IntN(7))-4))
	}
	for _, d := range ds {
		for _, sc := range []uint8{moneyScale, ratioScale} {
			got := scaled(d, 18, sc)
			want := d.Round(int32(sc)).Shift(int32(sc)).BigInt()
			if got.Value.Cmp(want) != 0 || got.Scale != sc || got.Width != 18 {
				t.Errorf("scaled(%s, scale %d) = %s, want %s", d, sc, got.Value, want)
			}
		}
	}
}

// TestFenThroughDecimal appends amounts in fen and ratios in basis points
// into DECIMAL(18,2) and DECIMAL(9,4) columns as the writer does (an int64,
// an int32: no big.Int), and reads them back both as DuckDB prints them and
// through fenScan and bpScan: the same numbers to the fen, at the edges of
// the columns, and a value too wide is refused as a decimal is.
func TestFenThroughDecimal(t *testing.T) {
	l, _ := newLedger(t)
	conn := mustConn(t, l)
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE m (i INTEGER, a DECIMAL(18,2), r DECIMAL(9,4))`); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		f    record.Fen
		b    record.Bp
		text string
		rtxt string
	}{
		{0, 0, "0.00", "0.0000"},
		{1, 1, "0.01", "0.0001"},
		{-1, -1, "-0.01", "-0.0001"},
		{7065000, 9000, "70650.00", "0.9000"},
		{-12345, -1000, "-123.45", "-0.1000"},
		{999_999_999_999_999_999, 999_999_999, "9999999999999999.99", "99999.9999"},
		{-999_999_999_999_999_999, -999_999_999, "-9999999999999999.99", "-99999.9999"},
	}
	err := appendRows(ctx, conn, "temp", "m", len(rows), 3, func(i int, v []driver.Value) {
		v[0], v[1], v[2] = int32(i), moneyFen(rows[i].f), ratioBp(rows[i].b)
	})
	if err != nil {
		t.Fatal(err)
	}
	q, err := conn.QueryContext(ctx, `SELECT CAST(a AS VARCHAR), CAST(r AS VARCHAR), a, r FROM m ORDER BY i`)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	i := 0
	for ; q.Next(); i++ {
		var text, rtxt string
		var f fenScan
		var b bpScan
		if err := q.Scan(&text, &rtxt, &f, &b); err != nil {
			t.Fatal(err)
		}
		if w := rows[i]; text != w.text || rtxt != w.rtxt || f.Fen != w.f || !f.Valid || b.Bp != w.b {
			t.Errorf("row %d: stored %s, %s, read %d, %d; want %s, %s, %d, %d", i, text, rtxt, f.Fen, b.Bp, w.text, w.rtxt, w.f, w.b)
		}
	}
	if i != len(rows) {
		t.Fatalf("read %d rows, want %d", i, len(rows))
	}
	for _, f := range []record.Fen{maxMoney + 1, -maxMoney - 1, math.MaxInt64} {
		err := appendRows(ctx, conn, "temp", "m", 1, 3, func(_ int, v []driver.Value) { v[0], v[1], v[2] = int32(99), moneyFen(f), nil })
		if err == nil || !strings.Contains(err.Error(), "does not fit DECIMAL(18,2)") {
			t.Errorf("appending %d fen: %v, want refused as too wide", f, err)
		}
	}
}

// TestFenScanNull reads NULL as zero, not Valid.
func TestFenScanNull(t *testing.T) {
	f := fenScan{record.NullFen{Fen: 5, Valid: true}}
	if err := f.Scan(nil); err != nil || f.Valid || f.Fen != 0 {
		t.Errorf("Scan(nil) = %+v, %v", f, err)
	}
}
