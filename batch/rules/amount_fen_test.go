package rules

import (
	"flag"
	"math/rand"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"medrecon/batch/policy"
	"medrecon/batch/record"
)

var fenVisits = flag.Int("fen.visits", 1_000_000, "random visits of TestAmountFenEqualsDecimal")

// TestAmountFenEqualsDecimal holds the integer calculation of the hot path
// to the decimal one of SPEC 3.2, to the fen, and its trace to the decimal
// one's words, on a million random visits:
// every amount and ratio the policy loader admits (whole fen, whole basis
// points), with amounts drawn often at band edges, at the threshold, at the
// annual caps and at the deductible, where rounding and clamping differ
// first. A failure prints the visit.
func TestAmountFenEqualsDecimal(t *testing.T) {
	r := rand.New(rand.NewSource(20261127))
	fen := func(max int64) record.Fen { return record.Fen(r.Int63n(max + 1)) }
	// near picks an amount at, just below or just above an edge, or anywhere.
	near := func(edges ...record.Fen) record.Fen {
		if r.Intn(3) == 0 {
			return fen(50_000_000) // up to 500000.00
		}
		e := edges[r.Intn(len(edges))]
		return max(0, e+record.Fen(r.Intn(5)-2))
	}
	bp := func(max int64) record.Bp { return record.Bp(r.Int63n(max + 1)) }
	failures := 0
	var buf []byte
	for i := range *fenVisits {
		rate := RateFen{Deductible: fen(300_000), YearBasis: r.Intn(2) == 0, Ratio: bp(10000), AnnualCap: 0}
		if r.Intn(4) > 0 {
			rate.AnnualCap = fen(50_000_000)
		}
		var serious *SeriousFen
		if r.Intn(2) == 0 {
			a, b := fen(20_000_000), fen(20_000_000)
			serious = &SeriousFen{Threshold: fen(3_000_000), Bands: []BandFen{
				{From: 0, To: a, Ratio: bp(10000)}, {From: a, To: a + b, Ratio: bp(10000)}, {From: a + b, Ratio: bp(10000)},
			}}
			if r.Intn(3) > 0 {
				serious.AnnualCap = fen(40_000_000)
			}
		}
		in := AmountFenInput{
			Rate: rate, Adjustment: record.Bp(r.Intn(2001) - 1000), Serious: serious,
			DeductibleBorne: near(rate.Deductible, 0),
			BasicPaid:       near(rate.AnnualCap, 0),
		}
		in.Inscope = near(rate.Deductible, in.DeductibleBorne, rate.AnnualCap-in.BasicPaid)
		if serious != nil {
			th := serious.Threshold
			in.SeriousBase = near(th, th+serious.Bands[0].To, th+serious.Bands[1].To, 0)
			in.SeriousPaid = near(serious.AnnualCap, 0)
		}
		got := AmountFen(in)
		want := Amount(decimalInput(in))
		// The trace rendered from the integers reads as the decimal one.
		trace, wantTrace := string(appendAmountSteps(buf[:0], in, got)), strings.Join(want.Steps, ";")
		if got.Ratio.Decimal().Equal(want.Ratio) && got.Deductible.Decimal().Equal(want.Deductible) &&
			got.Basic.Decimal().Equal(want.Basic) && got.Serious.Decimal().Equal(want.Serious) &&
			got.Payable.Decimal().Equal(want.Payable) && got.Eligible.Decimal().Equal(want.Eligible) &&
			got.CapReached == want.CapReached && trace == wantTrace {
			continue
		}
		if trace != wantTrace {
			t.Errorf("visit %d: trace\n %s\nwant\n %s", i, trace, wantTrace)
		}
		t.Errorf("visit %d %+v (serious %+v):\n integer ratio %s ded %s basic %s eligible %s serious %s payable %s cap %v\n decimal ratio %s ded %s basic %s eligible %s serious %s payable %s cap %v",
			i, in, in.Serious, got.Ratio.Decimal(), got.Deductible, got.Basic, got.Eligible, got.Serious, got.Payable, got.CapReached,
			want.Ratio, want.Deductible, want.Basic, want.Eligible, want.Serious, want.Payable, want.CapReached)
		if failures++; failures == 5 {
			t.FailNow()
		}
	}
}

// decimalInput is the same visit for the decimal calculation.
func decimalInput(in AmountFenInput) AmountInput {
	basis := policy.BasisVisit
	if in.Rate.YearBasis {
		basis = policy.BasisYear
	}
	out := AmountInput{
		Inscope: in.Inscope.Decimal(),
		Rate: policy.Rate{Deductible: in.Rate.Deductible.Decimal(), DeductibleBasis: basis,
			Ratio: in.Rate.Ratio.Decimal(), AnnualCap: in.Rate.AnnualCap.Decimal()},
		Adjustment:  in.Adjustment.Decimal(),
		Year:        record.YearTotal{DeductibleBorne: in.DeductibleBorne.Decimal(), BasicPaid: in.BasicPaid.Decimal()},
		SeriousBase: in.SeriousBase.Decimal(),
		SeriousPaid: in.SeriousPaid.Decimal(),
	}
	if s := in.Serious; s != nil {
		d := policy.SeriousIllness{Threshold: s.Threshold.Decimal(), AnnualCap: s.AnnualCap.Decimal()}
		for _, b := range s.Bands {
			d.Bands = append(d.Bands, policy.Band{From: b.From.Decimal(), To: b.To.Decimal(), Ratio: b.Ratio.Decimal()})
		}
		out.Serious = &d
	}
	return out
}

// The worked examples of SPEC 3.2, in integer form.
func TestAmountFenWorkedExamples(t *testing.T) {
	for _, tc := range []struct {
		name       string
		inscope    string
		ded, ratio string
		adjustment string
		want       string
	}{
		{"Shijiazhuang employee, long-term filing: (80000 − 1500) × 0.90", "80000.00", "1500", "0.90", "0", "70650.00"},
		{"province A level 3: (18000 − 1500) × 0.80", "18000.00", "1500", "0.80", "0", "13200.00"},
		{"referral filing instead: 0.90 − 0.10", "80000.00", "1500", "0.90", "-0.10", "62800.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rate, err := RateFenOf(policy.Rate{Deductible: dec(tc.ded), DeductibleBasis: policy.BasisVisit, Ratio: dec(tc.ratio), AnnualCap: decimal.Zero})
			if err != nil {
				t.Fatal(err)
			}
			in, _ := record.FenOf(dec(tc.inscope))
			adj, _ := record.BpOf(dec(tc.adjustment))
			if got := AmountFen(AmountFenInput{Inscope: in, Rate: rate, Adjustment: adj}).Payable.String(); got != tc.want {
				t.Errorf("payable %s, want %s", got, tc.want)
			}
		})
	}
}

func TestFenString(t *testing.T) {
	for _, tc := range []struct {
		f    record.Fen
		want string
	}{{0, "0.00"}, {5, "0.05"}, {-5, "-0.05"}, {123456, "1234.56"}, {-100, "-1.00"}, {7065000, "70650.00"}} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("Fen(%d) = %q, want %q", tc.f, got, tc.want)
		}
	}
	for _, tc := range []struct {
		x    int64
		want record.Fen
	}{{4999, 0}, {5000, 1}, {-5000, -1}, {-4999, 0}, {15000, 2}} {
		if got := record.RoundBp(tc.x); got != tc.want {
			t.Errorf("RoundBp(%d) = %d, want %d (half away from zero)", tc.x, got, tc.want)
		}
	}
}
