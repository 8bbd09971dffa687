package ledger

import (
	"database/sql/driver"
	"fmt"
	"math/big"
	"time"

	"github.com/marcboeker/go-duckdb/v2"
	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// Scales of the ledger's DECIMAL columns.
const (
	moneyScale = 2 // DECIMAL(18,2)
	ratioScale = 4 // DECIMAL(9,4)
)

// money converts an amount for a DECIMAL(18,2) column. The appender takes the
// unscaled integer, so the value is rounded to the column's scale the way a
// DuckDB cast would (half away from zero); amounts reach here already rounded
// where SPEC 3.2 rounds, so this never changes a value the rules computed.
func money(d decimal.Decimal) duckdb.Decimal { return scaled(d, 18, moneyScale) }

func ratio(d decimal.Decimal) duckdb.Decimal { return scaled(d, 9, ratioScale) }

func scaled(d decimal.Decimal, width, scale uint8) duckdb.Decimal {
	// Most amounts already have at most scale decimals and few digits: then the
	// unscaled value is the coefficient times a power of ten, without the
	// three big.Int values that Round, Shift and BigInt make.
	if up := int(d.Exponent()) + int(scale); up >= 0 && up <= 2 && d.NumDigits() <= 16 {
		return duckdb.Decimal{Width: width, Scale: scale, Value: big.NewInt(d.CoefficientInt64() * [...]int64{1, 10, 100}[up])}
	}
	v := d.Round(int32(scale)).Shift(int32(scale)).BigInt()
	return duckdb.Decimal{Width: width, Scale: scale, Value: v}
}

func nullMoney(d decimal.NullDecimal) driver.Value {
	if !d.Valid {
		return nil
	}
	return money(d.Decimal)
}

// moneyFen converts an amount in fen for a DECIMAL(18,2) column without a
// big.Int: the appender stores an int64 in a DECIMAL(18,2), whose physical
// type is BIGINT, as the unscaled value itself, which for scale 2 is the
// fen. An amount too wide for the column becomes a duckdb.Decimal, so that
// checkWidths refuses it as it refuses a decimal.
func moneyFen(f record.Fen) driver.Value {
	if f >= -maxMoney && f <= maxMoney {
		return int64(f)
	}
	return duckdb.Decimal{Width: 18, Scale: moneyScale, Value: big.NewInt(int64(f))}
}

// maxMoney is the widest amount a DECIMAL(18,2) holds, in fen.
const maxMoney = record.Fen(999_999_999_999_999_999)

// ratioBp converts a ratio in basis points for a DECIMAL(9,4) column (physical
// type INTEGER) as moneyFen does an amount.
func ratioBp(b record.Bp) driver.Value {
	if b > -1_000_000_000 && b < 1_000_000_000 {
		return int32(b)
	}
	return duckdb.Decimal{Width: 9, Scale: ratioScale, Value: big.NewInt(int64(b))}
}

func nullFen(f record.NullFen) driver.Value {
	if !f.Valid {
		return nil
	}
	return moneyFen(f.Fen)
}

// nullText converts a string for a VARCHAR column that may be unknown; "" is NULL.
func nullText(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

// date converts a civil date for a DATE column; the zero Date is NULL.
func date(d record.Date) driver.Value {
	if d.IsZero() {
		return nil
	}
	return d.Time()
}

// timestamp converts a wall-clock time for a TIMESTAMP column; the zero time is NULL.
func timestamp(t time.Time) driver.Value {
	if t.IsZero() {
		return nil
	}
	return t
}

func nullString(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

// dec scans a DECIMAL column into a decimal.Decimal; NULL leaves Valid false.
type dec struct {
	decimal.NullDecimal
}

func (d *dec) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.Valid = false
		return nil
	case duckdb.Decimal:
		if x.Value == nil {
			d.Valid = false
			return nil
		}
		d.Decimal, d.Valid = decimal.NewFromBigInt(new(big.Int).Set(x.Value), -int32(x.Scale)), true
		return nil
	case *big.Int:
		d.Decimal, d.Valid = decimal.NewFromBigInt(x, 0), true
		return nil
	case int64:
		d.Decimal, d.Valid = decimal.NewFromInt(x), true
		return nil
	case int32:
		d.Decimal, d.Valid = decimal.NewFromInt(int64(x)), true
		return nil
	case string:
		v, err := decimal.NewFromString(x)
		if err != nil {
			return fmt.Errorf("ledger decimal %q: %w", x, err)
		}
		d.Decimal, d.Valid = v, true
		return nil
	}
	return fmt.Errorf("ledger decimal: unexpected %T", v)
}

// or returns the value, or zero when NULL.
func (d dec) or() decimal.Decimal {
	if !d.Valid {
		return decimal.Zero
	}
	return d.Decimal
}

// fenScan scans a DECIMAL(18,2) column into fen (NULL is 0 and not Valid),
// without a big.Int copy: the driver gives the column as a duckdb.Decimal
// whose unscaled value at scale 2 is the fen.
type fenScan struct {
	record.NullFen
}

func (f *fenScan) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		f.Fen, f.Valid = 0, false
		return nil
	case duckdb.Decimal:
		if x.Value == nil {
			f.Fen, f.Valid = 0, false
			return nil
		}
		if x.Scale == moneyScale && x.Value.IsInt64() {
			f.Fen, f.Valid = record.Fen(x.Value.Int64()), true
			return nil
		}
	}
	var d dec
	if err := d.Scan(v); err != nil {
		return err
	}
	if !d.Valid {
		f.Fen, f.Valid = 0, false
		return nil
	}
	x, err := record.FenOf(d.Decimal)
	if err != nil {
		return fmt.Errorf("ledger amount: %w", err)
	}
	f.Fen, f.Valid = x, true
	return nil
}

// bpScan scans a DECIMAL(9,4) column into basis points; NULL is 0.
type bpScan struct {
	record.Bp
}

func (b *bpScan) Scan(v any) error {
	if x, ok := v.(duckdb.Decimal); ok && x.Value != nil && x.Scale == ratioScale && x.Value.IsInt64() {
		b.Bp = record.Bp(x.Value.Int64())
		return nil
	}
	var d dec
	if err := d.Scan(v); err != nil {
		return err
	}
	if !d.Valid {
		b.Bp = 0
		return nil
	}
	x, err := record.BpOf(d.Decimal)
	if err != nil {
		return fmt.Errorf("ledger ratio: %w", err)
	}
	b.Bp = x
	return nil
}

// day scans a DATE column into a record.Date; NULL gives the zero Date.
type day struct {
	record.Date
}

func (d *day) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.Date = record.Date{}
		return nil
	case time.Time:
		d.Date = record.DateOf(x.UTC())
		return nil
	}
	return fmt.Errorf("ledger date: unexpected %T", v)
}

// str scans a nullable VARCHAR; NULL gives "".
type str string

func (s *str) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s = ""
	case string:
		*s = str(x)
	case []byte:
		*s = str(x)
	default:
		return fmt.Errorf("ledger text: unexpected %T", v)
	}
	return nil
}

// num scans a nullable integer; NULL gives 0.
type num int64

func (n *num) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*n = 0
	case int64:
		*n = num(x)
	case int32:
		*n = num(x)
	case int16:
		*n = num(x)
	case int8:
		*n = num(x)
	case uint64:
		*n = num(x)
	case uint32:
		*n = num(x)
	case *big.Int:
		*n = num(x.Int64())
	default:
		return fmt.Errorf("ledger number: unexpected %T", v)
	}
	return nil
}

// stamp scans a nullable TIMESTAMP as UTC wall clock.
type stamp struct {
	time.Time
}

func (t *stamp) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time = time.Time{}
	case time.Time:
		t.Time = x.UTC()
	default:
		return fmt.Errorf("ledger timestamp: unexpected %T", v)
	}
	return nil
}
