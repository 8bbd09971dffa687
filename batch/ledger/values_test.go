package ledger

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
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
