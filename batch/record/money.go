package record

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/shopspring/decimal"
)

// Fen is an amount of money as a whole number of fen (0.01 yuan): the
// integer form of the hot path (SPEC 3.2's amounts are to the fen), as
// financial ledgers that must be fast keep an integer of the smallest unit.
// decimal.Decimal stays at the edges: parsing, policy files, exports.
type Fen int64

// Bp is a ratio in basis points (1/10000): 0.90 is 9000, −0.10 is −1000.
// The ledger keeps ratios to four decimals, so a basis point is exact for
// every ratio it can hold.
type Bp int64

// Limits of the integer forms. An amount beyond maxFen yuan (10^12 yuan)
// could overflow an int64 once multiplied by a ratio in basis points.
const (
	maxFen   = Fen(100_000_000_000_000) // 10^12 yuan
	maxBp    = Bp(1_000_000)            // a ratio of 100
	bpPerOne = 10000
)

// NullFen is an amount that may be unknown (a nullable DECIMAL(18,2)):
// Valid false is NULL.
type NullFen struct {
	Fen   Fen
	Valid bool
}

// Decimal returns the amount as a decimal.NullDecimal, for the edges.
func (n NullFen) Decimal() decimal.NullDecimal {
	if !n.Valid {
		return decimal.NullDecimal{}
	}
	return decimal.NewNullDecimal(n.Fen.Decimal())
}

// ErrNotExact reports a decimal that the integer form cannot hold exactly.
var ErrNotExact = errors.New("cannot be held exactly")

// FenOf converts a decimal amount to fen. It refuses an amount with more
// than two decimals or beyond ±10^12 yuan. The amounts of every day (parsed
// with at most two decimals, read from the ledger's DECIMAL(18,2)) convert
// without allocating; only others take decimal's big.Int arithmetic.
func FenOf(d decimal.Decimal) (Fen, error) {
	if c, ok := smallCoefficient(d, -2); ok {
		if f := Fen(c * pow10[d.Exponent()+2]); f <= maxFen && f >= -maxFen {
			return f, nil
		}
	}
	f := d.Shift(2)
	if !f.IsInteger() {
		return 0, fmt.Errorf("amount %s has more than two decimals: %w", d, ErrNotExact)
	}
	if f.Abs().GreaterThan(decimal.NewFromInt(int64(maxFen))) {
		return 0, fmt.Errorf("amount %s is beyond ±10^12 yuan: %w", d, ErrNotExact)
	}
	return Fen(f.IntPart()), nil
}

// BpOf converts a decimal ratio to basis points. It refuses a ratio with
// more than four decimals or beyond ±100.
func BpOf(d decimal.Decimal) (Bp, error) {
	if c, ok := smallCoefficient(d, -4); ok {
		if b := Bp(c * pow10[d.Exponent()+4]); b <= maxBp && b >= -maxBp {
			return b, nil
		}
	}
	b := d.Shift(4)
	if !b.IsInteger() {
		return 0, fmt.Errorf("ratio %s has more than four decimals: %w", d, ErrNotExact)
	}
	if b.Abs().GreaterThan(decimal.NewFromInt(int64(maxBp))) {
		return 0, fmt.Errorf("ratio %s is beyond ±100: %w", d, ErrNotExact)
	}
	return Bp(b.IntPart()), nil
}

// Decimal returns the amount in yuan, with two decimals. Zero, the most
// common amount of all, is one shared value (a decimal is immutable).
func (f Fen) Decimal() decimal.Decimal {
	if f == 0 {
		return zeroFen
	}
	return decimal.New(int64(f), -2)
}

// Decimal returns the ratio, with four decimals.
func (b Bp) Decimal() decimal.Decimal {
	if b == 0 {
		return zeroBp
	}
	return decimal.New(int64(b), -4)
}

var zeroFen, zeroBp = decimal.New(0, -2), decimal.New(0, -4)

// String writes the amount as yuan with two decimals ("-1234.50"), without fmt.
func (f Fen) String() string { return string(f.Append(nil)) }

// Append appends the amount as String writes it.
func (f Fen) Append(b []byte) []byte {
	u := uint64(f)
	if f < 0 {
		b = append(b, '-')
		u = uint64(-f)
		if f == math.MinInt64 {
			u = uint64(math.MaxInt64) + 1
		}
	}
	b = strconv.AppendUint(b, u/100, 10)
	c := u % 100
	return append(b, '.', byte('0'+c/10), byte('0'+c%10))
}

// MulBp returns f × r rounded half-up to the fen (half away from zero, as
// decimal's Round: for the non-negative amounts of SPEC 3.2 that is
// half-up). f and r must be within the limits of FenOf and BpOf.
func (f Fen) MulBp(r Bp) Fen { return RoundBp(int64(f) * int64(r)) }

// RoundBp rounds an amount in fen·basis points (a sum of f × r products)
// half away from zero to the fen.
func RoundBp(x int64) Fen {
	if x < 0 {
		return -Fen((-x + bpPerOne/2) / bpPerOne)
	}
	return Fen((x + bpPerOne/2) / bpPerOne)
}

// smallCoefficient returns d's coefficient when d's exponent lies in
// [minExp, 0] and the coefficient has at most 14 digits, so that scaling it
// by up to 10^4 cannot overflow an int64. It reads the coefficient without
// allocating: NumDigits counts an int64 coefficient exactly, without big.Int
// arithmetic, and CoefficientInt64 is exact below 19 digits.
func smallCoefficient(d decimal.Decimal, minExp int32) (int64, bool) {
	exp := d.Exponent()
	if exp < minExp || exp > 0 || d.NumDigits() > 14 {
		return 0, false
	}
	return d.CoefficientInt64(), true
}

var pow10 = [...]int64{1, 10, 100, 1000, 10000}

// InRange reports the error FenOf gives for an amount beyond ±10^12 yuan,
// or nil: for amounts summed in fen (a claim's invoices) that the
// calculation must refuse as it refuses a decimal it cannot hold.
func (f Fen) InRange() error {
	if f > maxFen || f < -maxFen {
		return fmt.Errorf("amount %s is beyond ±10^12 yuan: %w", f, ErrNotExact)
	}
	return nil
}

// MaxFen is the largest amount FenOf accepts, 10^12 yuan: parsers that read
// fen directly refuse what lies beyond it as FenOf would.
const MaxFen = maxFen
