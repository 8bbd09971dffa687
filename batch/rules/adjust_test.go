package rules

import (
	"testing"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// TestAdjustAmount holds an adjust decision's amount against the payable in
// fen, as the decimal comparison did: equal is within, a fen more is not,
// and an amount the integer form cannot hold is beyond any payable.
func TestAdjustAmount(t *testing.T) {
	payable := fen("70650.00")
	for _, tc := range []struct {
		amount string
		want   record.Fen
		ok     bool
	}{
		{"70650", 7065000, true},
		{"70650.00", 7065000, true},
		{"70650.01", 7065001, false},
		{"0", 0, true},
		{"12.5", 1250, true},
		{"1000000000000.01", 0, false},
		{"99999999999999999999", 0, false},
	} {
		d := record.Decision{Decision: record.DecisionAdjust, Amount: decimal.NewNullDecimal(dec(tc.amount))}
		got, ok := adjustAmount(d, payable)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("adjustAmount(%s) = %d, %v; want %d, %v", tc.amount, got, ok, tc.want, tc.ok)
		}
	}
}

// TestAdjustedTakesFromSerious: the cut comes off the serious-illness
// payment first (SPEC 2.6), in fen.
func TestAdjustedTakesFromSerious(t *testing.T) {
	a := record.Assessment{BasicPay: fen("1000"), SeriousPay: fen("500"), Payable: fen("1500"), Status: record.ClaimReview}
	for _, tc := range []struct{ amount, basic, serious string }{
		{"1500", "1000", "500"},
		{"1200", "1000", "200"},
		{"1000", "1000", "0"},
		{"999.99", "999.99", "0"},
		{"0", "0", "0"},
	} {
		got := adjusted(a, fen(tc.amount))
		if got.Payable != fen(tc.amount) || got.BasicPay != fen(tc.basic) || got.SeriousPay != fen(tc.serious) || got.Status != record.ClaimApproved {
			t.Errorf("adjusted(%s) = basic %s serious %s payable %s %s", tc.amount, got.BasicPay, got.SeriousPay, got.Payable, got.Status)
		}
	}
}
