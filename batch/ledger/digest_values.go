package ledger

import (
	"context"
	"database/sql/driver"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/marcboeker/go-duckdb/v2"
)

// Digest version 2 encodes each value in Go from the driver value the run
// hands DuckDB's appender, as the text DuckDB's CAST(… AS VARCHAR) gives
// for the value the appender stores: one small function per column type,
// each mirroring go-duckdb's conversion of that Go value (vector_setters.go,
// types.go) and DuckDB's cast of the stored value. TestEncodingIsDuckDBCast
// holds them to DuckDB on edge and random values of every column type the
// digested tables use. A nil value is NULL and never reaches them.

// encoder appends the VARCHAR text of a non-NULL value of one column type.
type encoder func(dst []byte, v driver.Value) ([]byte, error)

// encVarchar: a VARCHAR is its bytes. go-duckdb hands a string to DuckDB as
// a C string, so DuckDB stores it up to its first NUL byte.
func encVarchar(dst []byte, v driver.Value) ([]byte, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
		if i := strings.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return append(dst, s...), nil
	case []byte:
		return append(dst, x...), nil // stored with its length, NULs and all
	}
	return dst, fmt.Errorf("VARCHAR value of type %T", v)
}

// encInteger returns the encoder of an integer column of the given bits
// (INTEGER 32, BIGINT 64): go-duckdb converts a Go integer (or a Decimal's
// unscaled value) to the column's width as Go converts, wrapping.
func encInteger(bits int) encoder {
	return func(dst []byte, v driver.Value) ([]byte, error) {
		n, err := intOf(v)
		if err != nil {
			return dst, fmt.Errorf("INTEGER value: %w", err)
		}
		switch bits {
		case 8:
			n = int64(int8(n))
		case 16:
			n = int64(int16(n))
		case 32:
			n = int64(int32(n))
		}
		return strconv.AppendInt(dst, n, 10), nil
	}
}

// encDecimal returns the encoder of a DECIMAL(width, scale) column. The
// appender stores the integer it is given as the unscaled value, whatever
// scale a duckdb.Decimal says it has (ledger.money hands it the column's);
// DuckDB prints the unscaled value with scale decimals: 70650.00, -0.50,
// 0.00, 0.8500.
func encDecimal(scale int) encoder {
	return func(dst []byte, v driver.Value) ([]byte, error) {
		n, err := intOf(v)
		if err != nil {
			return dst, fmt.Errorf("DECIMAL value: %w", err)
		}
		return appendScaled(dst, n, scale), nil
	}
}

func appendScaled(dst []byte, n int64, scale int) []byte {
	u := uint64(n)
	if n < 0 {
		dst = append(dst, '-')
		u = -u
	}
	if scale == 0 {
		return strconv.AppendUint(dst, u, 10)
	}
	var digits [24]byte
	s := strconv.AppendUint(digits[:0], u, 10)
	if len(s) <= scale { // a leading zero and the decimals padded
		dst = append(dst, '0', '.')
		for range scale - len(s) {
			dst = append(dst, '0')
		}
		return append(dst, s...)
	}
	dst = append(dst, s[:len(s)-scale]...)
	dst = append(dst, '.')
	return append(dst, s[len(s)-scale:]...)
}

// intOf is the int64 go-duckdb stores for an integer or decimal cell.
func intOf(v driver.Value) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case int:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case uint64:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint:
		return int64(x), nil
	case duckdb.Decimal:
		if x.Value == nil {
			return 0, fmt.Errorf("decimal without a value")
		}
		if x.Value.IsUint64() {
			return int64(x.Value.Uint64()), nil
		}
		return x.Value.Int64(), nil
	}
	return 0, fmt.Errorf("type %T", v)
}

// encBoolean: true or false.
func encBoolean(dst []byte, v driver.Value) ([]byte, error) {
	b, ok := v.(bool)
	if !ok {
		return dst, fmt.Errorf("BOOLEAN value of type %T", v)
	}
	return strconv.AppendBool(dst, b), nil
}

// encDate: go-duckdb stores a time.Time as the days since 1970-01-01 of its
// UTC instant, its Unix seconds divided by 86,400 (toward zero) in an
// int32; DuckDB prints the day as YYYY-MM-DD (2025-03-01).
func encDate(dst []byte, v driver.Value) ([]byte, error) {
	t, ok := v.(time.Time)
	if !ok {
		return dst, fmt.Errorf("DATE value of type %T", v)
	}
	days := int32(t.UTC().Unix() / 86400)
	switch days {
	case math.MaxInt32:
		return append(dst, "infinity"...), nil
	case -math.MaxInt32:
		return append(dst, "-infinity"...), nil
	}
	return appendDate(dst, time.Unix(int64(days)*86400, 0).UTC(), ""), nil
}

// encTimestamp: go-duckdb stores a time.Time as the microseconds of its
// instant since 1970-01-01 UTC; DuckDB prints the UTC wall clock as
// YYYY-MM-DD HH:MM:SS, with the microseconds after a point when there are
// any, trailing zeros dropped (2025-03-10 10:30:00.25).
func encTimestamp(dst []byte, v driver.Value) ([]byte, error) {
	t, ok := v.(time.Time)
	if !ok {
		return dst, fmt.Errorf("TIMESTAMP value of type %T", v)
	}
	micros := t.UTC().UnixMicro()
	switch micros {
	case math.MaxInt64:
		return append(dst, "infinity"...), nil
	case -math.MaxInt64:
		return append(dst, "-infinity"...), nil
	}
	u := time.UnixMicro(micros).UTC()
	h, m, s := u.Clock()
	clock := []byte{' '}
	clock = append2(clock, h)
	clock = append(clock, ':')
	clock = append2(clock, m)
	clock = append(clock, ':')
	clock = append2(clock, s)
	if us := u.Nanosecond() / 1000; us != 0 {
		frac := []byte{'.'}
		for d := 100000; d > 0 && us > 0; d /= 10 {
			frac = append(frac, byte('0'+us/d))
			us %= d
		}
		clock = append(clock, frac...)
	}
	return appendDate(dst, u, string(clock)), nil
}

// appendDate prints t's day as DuckDB does, then clock: the year with at
// least four digits, and for a year before 1 its era, year 0 being
// "0001-… (BC)", before the clock.
func appendDate(dst []byte, t time.Time, clock string) []byte {
	y, mo, d := t.Date()
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	if y < 1000 {
		dst = append(dst, "000"[:4-digits(y)]...)
	}
	dst = strconv.AppendInt(dst, int64(y), 10)
	dst = append(dst, '-')
	dst = append2(dst, int(mo))
	dst = append(dst, '-')
	dst = append2(dst, d)
	if bc {
		dst = append(dst, " (BC)"...)
	}
	return append(dst, clock...)
}

func digits(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

func append2(dst []byte, n int) []byte { return append(dst, byte('0'+n/10), byte('0'+n%10)) }

// encoderOf returns the encoder of a column of DuckDB type typ, as
// information_schema.columns names it.
func encoderOf(typ string) (encoder, error) {
	switch typ {
	case "VARCHAR":
		return encVarchar, nil
	case "TINYINT":
		return encInteger(8), nil
	case "SMALLINT":
		return encInteger(16), nil
	case "INTEGER":
		return encInteger(32), nil
	case "BIGINT":
		return encInteger(64), nil
	case "BOOLEAN":
		return encBoolean, nil
	case "DATE":
		return encDate, nil
	case "TIMESTAMP":
		return encTimestamp, nil
	}
	var width, scale int
	if _, err := fmt.Sscanf(typ, "DECIMAL(%d,%d)", &width, &scale); err == nil && width <= 18 {
		return encDecimal(scale), nil
	}
	return nil, fmt.Errorf("no digest encoding for column type %s", typ)
}

// rowLayout says where a digested table's columns are among the values the
// appender takes (the table's columns in the schema's order) and how each is
// encoded.
type rowLayout struct {
	table   string
	width   int      // the table's columns
	names   []string // all of them, in order
	at      []int    // the digested columns (cols, then later) among them
	enc     []encoder
	first   int // len(cols): the rest are later columns
	subject int
}

// layouts reads the schema of the digested tables.
func layouts(ctx context.Context, q queryer) (map[string]*rowLayout, error) {
	type column struct{ name, typ string }
	cols := map[string][]column{}
	rows, err := q.QueryContext(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_catalog = current_database() AND table_schema = current_schema()
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("digest layout: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		var c column
		if err := rows.Scan(&t, &c.name, &c.typ); err != nil {
			return nil, fmt.Errorf("digest layout: %w", err)
		}
		cols[t] = append(cols[t], c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("digest layout: %w", err)
	}
	out := map[string]*rowLayout{}
	for _, t := range digestTables {
		have := cols[t.name]
		l := &rowLayout{table: t.name, width: len(have), first: len(t.cols), subject: t.subject}
		for _, c := range have {
			l.names = append(l.names, c.name)
		}
		for _, name := range append(t.cols[:len(t.cols):len(t.cols)], t.later...) {
			name = strings.Trim(name, `"`)
			i := -1
			for j, c := range have {
				if c.name == name {
					i = j
				}
			}
			if i < 0 {
				return nil, fmt.Errorf("digest layout: table %s has no column %s", t.name, name)
			}
			enc, err := encoderOf(have[i].typ)
			if err != nil {
				return nil, fmt.Errorf("digest layout: %s.%s: %w", t.name, name, err)
			}
			l.at, l.enc = append(l.at, i), append(l.enc, enc)
		}
		out[t.name] = l
	}
	return out, nil
}
