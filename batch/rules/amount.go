package rules

import (
	"fmt"

	"github.com/shopspring/decimal"

	"medrecon/batch/policy"
	"medrecon/batch/record"
)

// AmountInput is everything SPEC 3.2 needs for one visit.
type AmountInput struct {
	Inscope     decimal.Decimal // in-scope amount of the visit
	Rate        policy.Rate
	Adjustment  decimal.Decimal        // ratio delta of the visit's filing status
	Serious     *policy.SeriousIllness // nil: no serious-illness insurance, pays 0
	Year        record.YearTotal       // the person's totals of this year and med_cat before the visit
	SeriousBase decimal.Decimal        // the year's eligible base over all med_cats before the visit
	SeriousPaid decimal.Decimal        // the year's serious-illness payments before the visit
}

// Pay is the amount owed for one visit (SPEC 3.2) and its worked calculation.
type Pay struct {
	Ratio      decimal.Decimal // ratio' = max(0, ratio + adjustment)
	Deductible decimal.Decimal // the deductible this visit bears: min(ded, in-scope)
	Basic      decimal.Decimal
	Serious    decimal.Decimal
	Payable    decimal.Decimal // basic + serious
	Eligible   decimal.Decimal // in-scope − basic, added to the serious-illness base
	CapReached bool            // basic0 was cut by the annual cap
	Steps      []string        // the trace, step by step
}

// Amount applies SPEC 3.2 to one visit. Basic and serious are each rounded
// half-up to 0.01 once; decimal's Round is half away from zero, which is
// half-up for these non-negative amounts. A zero annual cap means no cap.
func Amount(in AmountInput) Pay {
	p := Pay{Steps: make([]string, 0, 8)}
	step := func(format string, args ...any) { p.Steps = append(p.Steps, fmt.Sprintf(format, args...)) }
	r := in.Rate

	// SPEC 3.2: ratio' = max(0, rate.ratio + adjustment).
	p.Ratio = maxDec(decimal.Zero, r.Ratio.Add(in.Adjustment))
	if !in.Adjustment.IsZero() {
		sign := "+"
		if in.Adjustment.IsNegative() {
			sign = "−"
		}
		step("比例 %s %s %s = %s", percent(r.Ratio), sign, percent(in.Adjustment.Abs()), percent(p.Ratio))
	}

	// SPEC 3.2: ded = deductible still due.
	ded := r.Deductible
	if r.DeductibleBasis == policy.BasisYear {
		ded = maxDec(decimal.Zero, r.Deductible.Sub(in.Year.DeductibleBorne))
		step("起付线 %s(按年, 本年已负担 %s, 尚余 %s)", yuan(r.Deductible), yuan(in.Year.DeductibleBorne), yuan(ded))
	} else {
		step("起付线 %s(按次)", yuan(ded))
	}
	p.Deductible = minDec(ded, in.Inscope)

	// SPEC 3.2: basic0 = max(0, in-scope − ded) × ratio'.
	base := maxDec(decimal.Zero, in.Inscope.Sub(ded))
	basic0 := base.Mul(p.Ratio).Round(cent)
	step("(%s − %s) × %s = %s", yuan(in.Inscope), yuan(ded), percent(p.Ratio), yuan(basic0))

	// SPEC 3.2: basic = min(basic0, annual_cap − basic already paid) → CAP_REACHED if cut.
	p.Basic = basic0
	if !r.AnnualCap.IsZero() {
		room := maxDec(decimal.Zero, r.AnnualCap.Sub(in.Year.BasicPaid))
		if basic0.GreaterThan(room) {
			p.Basic, p.CapReached = room, true
			step("封顶线 %s 本年已付 %s, 余额 %s, 本次基本医疗以余额为限", yuan(r.AnnualCap), yuan(in.Year.BasicPaid), yuan(room))
		} else {
			step("封顶线 %s 本年已付 %s, 余额 %s", yuan(r.AnnualCap), yuan(in.Year.BasicPaid), yuan(room))
		}
	}

	// SPEC 3.2: eligible = in-scope − basic (the rounded basic, so that the
	// ledger's numbers add up).
	p.Eligible = maxDec(decimal.Zero, in.Inscope.Sub(p.Basic))
	p.Serious = seriousPay(in, p.Eligible, step)
	p.Payable = p.Basic.Add(p.Serious)
	step("应付 %s", yuan(p.Payable))
	return p
}

// seriousPay applies the serious-illness bands to the part of the year's
// cumulative base above the threshold, minus what earlier visits got,
// capped at the annual cap (SPEC 3.2).
func seriousPay(in AmountInput, eligible decimal.Decimal, step func(string, ...any)) decimal.Decimal {
	s := in.Serious
	if s == nil {
		step("大病保险 无")
		return decimal.Zero
	}
	cum := in.SeriousBase.Add(eligible)
	above := maxDec(decimal.Zero, cum.Sub(s.Threshold))
	due := decimal.Zero
	var parts string
	for _, b := range s.Bands {
		top := above
		if !b.To.IsZero() {
			top = minDec(above, b.To)
		}
		part := top.Sub(b.From)
		if !part.IsPositive() {
			continue
		}
		due = due.Add(part.Mul(b.Ratio))
		parts += fmt.Sprintf(", %s × %s", yuan(part), percent(b.Ratio))
	}
	capNote := ""
	if !s.AnnualCap.IsZero() && due.GreaterThan(s.AnnualCap) {
		due = s.AnnualCap
		capNote = fmt.Sprintf(", 封顶 %s", yuan(s.AnnualCap))
	}
	pay := maxDec(decimal.Zero, due.Sub(in.SeriousPaid)).Round(cent)
	step("大病保险 累计基数 %s + %s = %s, 超起付 %s 部分 %s%s, 累计应得 %s%s, 本年已得 %s, 本次 %s",
		yuan(in.SeriousBase), yuan(eligible), yuan(cum), yuan(s.Threshold), yuan(above), parts,
		yuan(due), capNote, yuan(in.SeriousPaid), yuan(pay))
	return pay
}
