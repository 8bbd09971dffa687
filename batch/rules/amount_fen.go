package rules

import (
	"fmt"

	"medrecon/batch/policy"
	"medrecon/batch/record"
)

// RateFen is a rates row (SPEC 2.5) in the integer form of the hot path.
type RateFen struct {
	Deductible record.Fen
	YearBasis  bool // deductible_basis year: what the person already bore counts
	Ratio      record.Bp
	AnnualCap  record.Fen // 0: no cap
}

// BandFen is one serious-illness band: [From, To) above the threshold, To 0
// for the open top band.
type BandFen struct {
	From, To record.Fen
	Ratio    record.Bp
}

// SeriousFen is a serious-illness table (SPEC 2.5) in integer form.
type SeriousFen struct {
	Threshold record.Fen
	Bands     []BandFen
	AnnualCap record.Fen // 0: no cap
}

// AmountFenInput is AmountInput in integer form.
type AmountFenInput struct {
	Inscope         record.Fen
	Rate            RateFen
	Adjustment      record.Bp
	Serious         *SeriousFen // nil: no serious-illness insurance, pays 0
	DeductibleBorne record.Fen  // this year and med_cat, before the visit
	BasicPaid       record.Fen  // this year and med_cat, before the visit
	SeriousBase     record.Fen  // the year's eligible base over all med_cats, before the visit
	SeriousPaid     record.Fen  // the year's serious-illness payments, before the visit
}

// PayFen is Pay in integer form, without the trace: the numbers alone, for
// the hot path to keep and render only where people read them.
type PayFen struct {
	Ratio      record.Bp
	Deductible record.Fen
	Basic0     record.Fen // before the cap
	Basic      record.Fen
	Eligible   record.Fen
	Serious    record.Fen
	Payable    record.Fen
	CapReached bool
}

// AmountFen applies SPEC 3.2 to one visit in integer fen and basis points.
// It is Amount's calculation step for step; a property test holds the two to
// the same result, to the fen. Products of an amount and a ratio are exact
// in fen·basis points and rounded half-up once, as Amount rounds its exact
// decimals: basic at basic0, serious at the end.
func AmountFen(in AmountFenInput) PayFen {
	var p PayFen
	r := in.Rate
	// SPEC 3.2: ratio' = max(0, ratio + adjustment).
	p.Ratio = max(0, r.Ratio+in.Adjustment)
	ded := dueDeductible(in)
	p.Deductible = min(ded, in.Inscope)
	// basic0 = max(0, in-scope − ded) × ratio'.
	p.Basic0 = max(0, in.Inscope-ded).MulBp(p.Ratio)
	// basic = min(basic0, annual_cap − basic already paid) → CAP_REACHED if cut.
	p.Basic = p.Basic0
	if r.AnnualCap != 0 {
		if room := max(0, r.AnnualCap-in.BasicPaid); p.Basic0 > room {
			p.Basic, p.CapReached = room, true
		}
	}
	// eligible = in-scope − basic.
	p.Eligible = max(0, in.Inscope-p.Basic)
	if in.Serious != nil {
		// What the year's bands give, capped, less what the year already
		// got, rounded once.
		w := seriousWork(in, p.Eligible)
		p.Serious = record.RoundBp(max(0, w.due-int64(in.SeriousPaid)*10000))
	}
	p.Payable = p.Basic + p.Serious
	return p
}

// dueDeductible is SPEC 3.2's ded: the deductible still due, after what the
// person bore this year when the basis is the year.
func dueDeductible(in AmountFenInput) record.Fen {
	if in.Rate.YearBasis {
		return max(0, in.Rate.Deductible-in.DeductibleBorne)
	}
	return in.Rate.Deductible
}

// serious is the worked serious-illness calculation of a visit.
type serious struct {
	above  record.Fen // the year's cumulative base above the threshold
	due    int64      // what the bands give the year, in fen·basis points, capped
	capped bool       // due was cut to the annual cap
}

// seriousWork applies the bands to the part of the year's cumulative base
// (with this visit's eligible amount) above the threshold, summed exactly
// in fen·basis points and capped at the annual cap. in.Serious is not nil.
func seriousWork(in AmountFenInput, eligible record.Fen) serious {
	s := in.Serious
	w := serious{above: max(0, in.SeriousBase+eligible-s.Threshold)}
	bandParts(w.above, s.Bands, func(part record.Fen, ratio record.Bp) { w.due += int64(part) * int64(ratio) })
	if s.AnnualCap != 0 && w.due > int64(s.AnnualCap)*10000 {
		w.due, w.capped = int64(s.AnnualCap)*10000, true
	}
	return w
}

// bandParts calls fn with the part of above that falls in each band, for
// the bands where that part is positive, in band order.
func bandParts(above record.Fen, bands []BandFen, fn func(part record.Fen, ratio record.Bp)) {
	for _, b := range bands {
		top := above
		if b.To != 0 {
			top = min(above, b.To)
		}
		if part := top - b.From; part > 0 {
			fn(part, b.Ratio)
		}
	}
}

// RateFenOf converts a policy rates row to integer form. The policy loader
// refuses values the integer form cannot hold, so an error here means a
// policy built by hand.
func RateFenOf(r policy.Rate) (RateFen, error) {
	ded, err1 := record.FenOf(r.Deductible)
	ratio, err2 := record.BpOf(r.Ratio)
	annualCap, err3 := record.FenOf(r.AnnualCap)
	if err := firstErr(err1, err2, err3); err != nil {
		return RateFen{}, fmt.Errorf("rates row %s/%s: %w", r.InsuplcAdmdvs, r.ValidFrom, err)
	}
	return RateFen{Deductible: ded, YearBasis: r.DeductibleBasis == policy.BasisYear, Ratio: ratio, AnnualCap: annualCap}, nil
}

// SeriousFenOf converts a policy serious-illness table to integer form.
func SeriousFenOf(s policy.SeriousIllness) (SeriousFen, error) {
	th, err1 := record.FenOf(s.Threshold)
	annualCap, err2 := record.FenOf(s.AnnualCap)
	if err := firstErr(err1, err2); err != nil {
		return SeriousFen{}, fmt.Errorf("serious_illness: %w", err)
	}
	out := SeriousFen{Threshold: th, AnnualCap: annualCap, Bands: make([]BandFen, len(s.Bands))}
	for i, b := range s.Bands {
		from, err1 := record.FenOf(b.From)
		to, err2 := record.FenOf(b.To)
		ratio, err3 := record.BpOf(b.Ratio)
		if err := firstErr(err1, err2, err3); err != nil {
			return SeriousFen{}, fmt.Errorf("serious_illness band %s: %w", b.From, err)
		}
		out.Bands[i] = BandFen{From: from, To: to, Ratio: ratio}
	}
	return out, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
