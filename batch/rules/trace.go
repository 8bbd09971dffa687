package rules

import (
	"strconv"

	"medrecon/batch/record"
)

// The trace (the ledger's trace column, SPEC 4.2) is the worked calculation
// in words. The hot path keeps the numbers (AmountFenInput, PayFen) and
// renders them here into one buffer per visit, with appends instead of fmt,
// in exactly the words Amount's Steps use; a property test holds the two to
// the same text.

// appendPercent appends a ratio in basis points as a percentage, as
// percent does for a decimal: 9000 → 90%, 8250 → 82.5%, 5 → 0.05%.
func appendPercent(b []byte, r record.Bp) []byte {
	if r < 0 {
		b = append(b, '-')
		r = -r
	}
	b = strconv.AppendInt(b, int64(r/100), 10)
	if frac := r % 100; frac != 0 {
		b = append(b, '.', byte('0'+frac/10))
		if frac%10 != 0 {
			b = append(b, byte('0'+frac%10))
		}
	}
	return append(b, '%')
}

// appendAmountSteps appends the steps of SPEC 3.2 for one visit, joined by
// ';', as Amount words them.
func appendAmountSteps(b []byte, in AmountFenInput, p PayFen) []byte {
	r := in.Rate
	if in.Adjustment != 0 {
		b = append(b, "比例 "...)
		b = appendPercent(b, r.Ratio)
		if in.Adjustment < 0 {
			b = append(b, " − "...)
		} else {
			b = append(b, " + "...)
		}
		b = appendPercent(b, max(in.Adjustment, -in.Adjustment))
		b = append(b, " = "...)
		b = appendPercent(b, p.Ratio)
		b = append(b, ';')
	}
	ded := dueDeductible(in)
	b = append(b, "起付线 "...)
	if r.YearBasis {
		b = r.Deductible.Append(b)
		b = append(b, "(按年, 本年已负担 "...)
		b = in.DeductibleBorne.Append(b)
		b = append(b, ", 尚余 "...)
		b = ded.Append(b)
		b = append(b, ')')
	} else {
		b = ded.Append(b)
		b = append(b, "(按次)"...)
	}
	b = append(b, ";("...)
	b = in.Inscope.Append(b)
	b = append(b, " − "...)
	b = ded.Append(b)
	b = append(b, ") × "...)
	b = appendPercent(b, p.Ratio)
	b = append(b, " = "...)
	b = p.Basic0.Append(b)
	if r.AnnualCap != 0 {
		b = append(b, ";封顶线 "...)
		b = r.AnnualCap.Append(b)
		b = append(b, " 本年已付 "...)
		b = in.BasicPaid.Append(b)
		b = append(b, ", 余额 "...)
		b = max(0, r.AnnualCap-in.BasicPaid).Append(b)
		if p.CapReached {
			b = append(b, ", 本次基本医疗以余额为限"...)
		}
	}
	b = append(b, ';')
	b = appendSeriousStep(b, in, p)
	b = append(b, ";应付 "...)
	return p.Payable.Append(b)
}

// appendSeriousStep appends the serious-illness step, as seriousPay words it.
func appendSeriousStep(b []byte, in AmountFenInput, p PayFen) []byte {
	s := in.Serious
	if s == nil {
		return append(b, "大病保险 无"...)
	}
	w := seriousWork(in, p.Eligible)
	b = append(b, "大病保险 累计基数 "...)
	b = in.SeriousBase.Append(b)
	b = append(b, " + "...)
	b = p.Eligible.Append(b)
	b = append(b, " = "...)
	b = (in.SeriousBase + p.Eligible).Append(b)
	b = append(b, ", 超起付 "...)
	b = s.Threshold.Append(b)
	b = append(b, " 部分 "...)
	b = w.above.Append(b)
	bandParts(w.above, s.Bands, func(part record.Fen, ratio record.Bp) {
		b = append(b, ", "...)
		b = part.Append(b)
		b = append(b, " × "...)
		b = appendPercent(b, ratio)
	})
	b = append(b, ", 累计应得 "...)
	b = record.RoundBp(w.due).Append(b)
	if w.capped {
		b = append(b, ", 封顶 "...)
		b = s.AnnualCap.Append(b)
	}
	b = append(b, ", 本年已得 "...)
	b = in.SeriousPaid.Append(b)
	b = append(b, ", 本次 "...)
	return p.Serious.Append(b)
}
