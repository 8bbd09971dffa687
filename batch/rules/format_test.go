package rules

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// TestYuanIsStringFixed checks the int64 fast path of yuan against
// decimal's StringFixed(2), including ties, negatives and huge values.
func TestYuanIsStringFixed(t *testing.T) {
	cases := []string{"0", "-0", "0.005", "-0.005", "0.004", "-0.004", "0.015", "1", "-1", "12.345", "-12.345",
		"99.995", "-99.995", "1234567.89", "0.1", "-0.1", "100", "1e2", "12e1", "5e-20", "123456789012345678901234.5678",
		"9999999999999999", "99999999999999.995", "-0.00000000000000000001", "0.125", "0.135"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		cases = append(cases, decimal.New(r.Int64N(2e12)-1e12, -int32(r.IntN(8))).String())
	}
	for _, s := range cases {
		d := decimal.RequireFromString(s)
		for _, x := range []decimal.Decimal{d, d.Round(2), d.Neg(), d.Mul(decimal.New(1, -3))} {
			if got, want := yuan(x), x.StringFixed(2); got != want {
				t.Errorf("yuan(%s) = %s, StringFixed(2) = %s", x, got, want)
			}
		}
	}
}
