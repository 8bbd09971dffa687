package record

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

// FenOf and BpOf take a fast path for small coefficients and decimal's
// arithmetic for the rest; both must give the same answers.
func TestFenOfAndBpOf(t *testing.T) {
	for _, tc := range []struct {
		in   decimal.Decimal
		fen  Fen
		fErr bool
		bp   Bp
		bErr bool
	}{
		{decimal.RequireFromString("70650.00"), 7065000, false, 706500000, true},
		{decimal.RequireFromString("0.9"), 90, false, 9000, false},
		{decimal.RequireFromString("-0.10"), -10, false, -1000, false},
		{decimal.RequireFromString("0.825"), 0, true, 8250, false},
		{decimal.RequireFromString("0.12345"), 0, true, 0, true},
		{decimal.RequireFromString("12.300"), 1230, false, 123000, false}, // a third decimal that is zero: slow path for fen, exact
		{decimal.New(15, 3), 1500000, false, 0, true},                     // 15000, positive exponent
		{decimal.Zero, 0, false, 0, false},
		{decimal.Decimal{}, 0, false, 0, false},
		{decimal.RequireFromString("1000000000000.00"), 100_000_000_000_000, false, 0, true}, // 10^12 yuan, the limit
		{decimal.RequireFromString("1000000000000.01"), 0, true, 0, true},
		{decimal.RequireFromString("-1000000000000.01"), 0, true, 0, true},
		{decimal.RequireFromString("99999999999999999999.99"), 0, true, 0, true}, // beyond int64
		{decimal.RequireFromString("100"), 10000, false, 1_000_000, false},
		{decimal.RequireFromString("100.0001"), 0, true, 0, true},
	} {
		f, err := FenOf(tc.in)
		if (err != nil) != tc.fErr || (err == nil && f != tc.fen) {
			t.Errorf("FenOf(%s) = %d, %v; want %d, error %v", tc.in, f, err, tc.fen, tc.fErr)
		}
		if err != nil && !errors.Is(err, ErrNotExact) {
			t.Errorf("FenOf(%s): %v is not ErrNotExact", tc.in, err)
		}
		b, err := BpOf(tc.in)
		if (err != nil) != tc.bErr || (err == nil && b != tc.bp) {
			t.Errorf("BpOf(%s) = %d, %v; want %d, error %v", tc.in, b, err, tc.bp, tc.bErr)
		}
	}
}

func TestFenOfDoesNotAllocate(t *testing.T) {
	d := decimal.RequireFromString("70650.00")
	if n := testing.AllocsPerRun(100, func() { FenOf(d) }); n != 0 {
		t.Errorf("FenOf(70650.00) allocates %v times", n)
	}
}

func TestNullFen(t *testing.T) {
	if d := (NullFen{}).Decimal(); d.Valid {
		t.Errorf("NULL fen gives %v", d)
	}
	for _, tc := range []struct {
		f    Fen
		want string
	}{{0, "0.00"}, {-1, "-0.01"}, {123450, "1234.50"}} {
		d := NullFen{Fen: tc.f, Valid: true}.Decimal()
		if !d.Valid || d.Decimal.StringFixed(2) != tc.want || d.Decimal.Exponent() != -2 {
			t.Errorf("NullFen{%d}.Decimal() = %v", tc.f, d)
		}
	}
}

func TestInRange(t *testing.T) {
	for _, tc := range []struct {
		f  Fen
		ok bool
	}{{0, true}, {maxFen, true}, {-maxFen, true}, {maxFen + 1, false}, {-maxFen - 1, false}} {
		if err := tc.f.InRange(); (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrNotExact)) {
			t.Errorf("%d.InRange() = %v", tc.f, err)
		}
	}
}

// TestContributionFen: what a visit adds, in fen, is what Contribution adds
// in decimals, and nothing for a subject that does not count.
func TestContributionFen(t *testing.T) {
	a := Assessment{SubjectKind: KindSettlement, Deductible: 150000, BasicPay: 7065000, EligibleBase: 935000, SeriousPay: 1234}
	for _, tc := range []struct {
		kind, status string
		want         YearFen
	}{
		{KindSettlement, SetlBalanced, YearFen{150000, 7065000, 935000, 1234, 1}},
		{KindSettlement, SetlMismatch, YearFen{150000, 7065000, 935000, 1234, 1}},
		{KindClaim, ClaimReview, YearFen{150000, 7065000, 935000, 1234, 1}},
		{KindClaim, ClaimPending, YearFen{}},
		{KindClaim, ClaimRejected, YearFen{}},
		{KindSettlement, SetlRefunded, YearFen{}},
	} {
		a.SubjectKind, a.Status = tc.kind, tc.status
		got := ContributionFen(a)
		if got != tc.want {
			t.Errorf("%s %s: ContributionFen = %+v, want %+v", tc.kind, tc.status, got, tc.want)
		}
		d := Contribution(a)
		if d.Visits != got.Visits || !d.BasicPaid.Equal(got.BasicPaid.Decimal()) || !d.DeductibleBorne.Equal(got.DeductibleBorne.Decimal()) ||
			!d.EligibleBase.Equal(got.EligibleBase.Decimal()) || !d.SeriousPaid.Equal(got.SeriousPaid.Decimal()) {
			t.Errorf("%s %s: Contribution = %+v, ContributionFen = %+v", tc.kind, tc.status, d, got)
		}
	}
}
