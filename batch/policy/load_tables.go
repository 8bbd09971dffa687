package policy

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// Columns of each table, exactly as SPEC 2.5 names them.
var (
	regionColumns = []string{"insuplc_admdvs", "name", "emergency_filing_days", "temp_filing_months",
		"temp_filing_single_use", "inpatient_deadline", "outpatient_deadline", "tolerance"}
	rateColumns = []string{"insuplc_admdvs", "insutype", "psn_cat", "med_cat", "hosp_lv", "valid_from",
		"deductible", "deductible_basis", "ratio", "annual_cap"}
	adjustmentColumns = []string{"insuplc_admdvs", "filing_status", "ratio_delta"}
	seriousColumns    = []string{"insuplc_admdvs", "insutype", "threshold", "band_from", "band_to", "ratio", "annual_cap"}
)

// DefaultPaymentDays is payment_days where the regions table has no such
// column or leaves it blank (SPEC 3.7).
const DefaultPaymentDays = 30

// Insurance types the policy may name (SPEC 2.1).
var insutypes = []string{"310", "390"}

var filingStatuses = []string{record.StatusLongTerm, record.StatusReferral, record.StatusTemporary,
	record.StatusEmergency, record.StatusUnfiled, record.StatusUnfiledEmergency}

var (
	zero     = decimal.Zero
	one      = decimal.NewFromInt(1)
	minusOne = decimal.NewFromInt(-1)
)

// build parses and cross-checks the four tables, in the order of tableNames.
func build(t [len(tableNames)]*table) (*Policy, error) {
	p := &Policy{}
	var err error
	if p.Regions, err = parseRegions(t[0]); err != nil {
		return nil, err
	}
	if p.Rates, err = parseRates(t[1], p.Regions); err != nil {
		return nil, err
	}
	if p.Adjustments, err = parseAdjustments(t[2], p.Regions); err != nil {
		return nil, err
	}
	if p.Serious, err = parseSerious(t[3], p.Regions); err != nil {
		return nil, err
	}
	return p, nil
}

func parseRegions(t *table) (map[string]Region, error) {
	if err := t.require(regionColumns...); err != nil {
		return nil, err
	}
	regions := make(map[string]Region, len(t.rows))
	for i := range t.rows {
		c := cells{t: t, i: i}
		r := Region{
			InsuplcAdmdvs:       c.region("insuplc_admdvs"),
			Name:                c.text("name"),
			EmergencyFilingDays: c.integer("emergency_filing_days", 0, 366),
			TempFilingMonths:    c.integer("temp_filing_months", 1, 120),
			TempFilingSingleUse: c.boolean("temp_filing_single_use"),
			InpatientDeadline:   c.deadline("inpatient_deadline"),
			OutpatientDeadline:  c.deadline("outpatient_deadline"),
			Tolerance:           c.money("tolerance", &zero, nil),
			PaymentDays:         c.optInteger("payment_days", 0, 3660, DefaultPaymentDays),
		}
		if c.err != nil {
			return nil, c.err
		}
		if _, dup := regions[r.InsuplcAdmdvs]; dup {
			return nil, t.fail(i, "insuplc_admdvs", ErrDuplicateKey)
		}
		regions[r.InsuplcAdmdvs] = r
	}
	return regions, nil
}

// knownRegion checks that column col of row i names a region of the regions table.
func knownRegion(t *table, i int, col string, regions map[string]Region) error {
	if _, ok := regions[t.cell(i, col)]; !ok {
		return t.fail(i, col, ErrUnknownRegion)
	}
	return nil
}

func parseRates(t *table, regions map[string]Region) ([]Rate, error) {
	if err := t.require(rateColumns...); err != nil {
		return nil, err
	}
	type key struct {
		admdvs, insutype, psnCat, medCat string
		hospLv                           int
		validFrom                        record.Date
	}
	seen := map[key]bool{}
	rates := make([]Rate, 0, len(t.rows))
	for i := range t.rows {
		c := cells{t: t, i: i}
		r := Rate{
			InsuplcAdmdvs:   c.region("insuplc_admdvs"),
			Insutype:        c.oneOf("insutype", insutypes...),
			PsnCat:          c.oneOf("psn_cat", PsnActive, PsnRetired, PsnResident),
			MedCat:          c.oneOf("med_cat", record.MedInpatient, record.MedOutpatient, record.MedChronic),
			HospLv:          c.hospLv("hosp_lv"),
			ValidFrom:       c.date("valid_from"),
			Deductible:      c.money("deductible", &zero, nil),
			DeductibleBasis: c.oneOf("deductible_basis", BasisVisit, BasisYear),
			Ratio:           c.ratio("ratio", &zero, &one),
			AnnualCap:       c.money("annual_cap", &zero, nil),
		}
		if c.err != nil {
			return nil, c.err
		}
		if err := knownRegion(t, i, "insuplc_admdvs", regions); err != nil {
			return nil, err
		}
		k := key{r.InsuplcAdmdvs, r.Insutype, r.PsnCat, r.MedCat, r.HospLv, r.ValidFrom}
		if seen[k] {
			return nil, t.fail(i, "valid_from", fmt.Errorf("%w: %s/%s/%s/%s/hosp_lv %d from %s",
				ErrDuplicateKey, r.InsuplcAdmdvs, r.Insutype, r.PsnCat, r.MedCat, r.HospLv, r.ValidFrom))
		}
		seen[k] = true
		rates = append(rates, r)
	}
	slices.SortStableFunc(rates, func(a, b Rate) int {
		return cmp.Or(
			cmp.Compare(a.InsuplcAdmdvs, b.InsuplcAdmdvs),
			cmp.Compare(a.Insutype, b.Insutype),
			cmp.Compare(a.PsnCat, b.PsnCat),
			cmp.Compare(a.MedCat, b.MedCat),
			cmp.Compare(a.HospLv, b.HospLv),
			a.ValidFrom.Compare(b.ValidFrom),
		)
	})
	return rates, nil
}

func parseAdjustments(t *table, regions map[string]Region) (map[string]map[string]decimal.Decimal, error) {
	if err := t.require(adjustmentColumns...); err != nil {
		return nil, err
	}
	adj := map[string]map[string]decimal.Decimal{}
	for i := range t.rows {
		c := cells{t: t, i: i}
		admdvs := c.region("insuplc_admdvs")
		status := c.oneOf("filing_status", filingStatuses...)
		delta := c.ratio("ratio_delta", &minusOne, &one)
		if c.err != nil {
			return nil, c.err
		}
		if err := knownRegion(t, i, "insuplc_admdvs", regions); err != nil {
			return nil, err
		}
		if _, dup := adj[admdvs][status]; dup {
			return nil, t.fail(i, "filing_status", fmt.Errorf("%w: %s/%s", ErrDuplicateKey, admdvs, status))
		}
		if adj[admdvs] == nil {
			adj[admdvs] = map[string]decimal.Decimal{}
		}
		adj[admdvs][status] = delta
	}
	return adj, nil
}

// parseSerious groups the serious_illness rows by region and insurance type
// into one SeriousIllness each, with bands ordered by band_from. The rows of
// one key must agree on threshold and annual_cap, and their bands must tile
// the base from 0 upward without overlap or gap; a blank band_to (the open
// top band) may only be the last.
func parseSerious(t *table, regions map[string]Region) (map[string]SeriousIllness, error) {
	if err := t.require(seriousColumns...); err != nil {
		return nil, err
	}
	type band struct {
		Band
		open bool
		row  int
	}
	out := map[string]SeriousIllness{}
	bands := map[string][]band{}
	var order []string
	for i := range t.rows {
		c := cells{t: t, i: i}
		s := SeriousIllness{
			InsuplcAdmdvs: c.region("insuplc_admdvs"),
			Insutype:      c.oneOf("insutype", insutypes...),
			Threshold:     c.money("threshold", &zero, nil),
		}
		b := band{row: i}
		b.From = c.money("band_from", &zero, nil)
		to, closed := c.optMoney("band_to", &zero)
		b.To, b.open = to, !closed
		b.Ratio = c.ratio("ratio", &zero, &one)
		s.AnnualCap = c.money("annual_cap", &zero, nil)
		if c.err != nil {
			return nil, c.err
		}
		if err := knownRegion(t, i, "insuplc_admdvs", regions); err != nil {
			return nil, err
		}
		if closed && !b.To.GreaterThan(b.From) {
			return nil, t.fail(i, "band_to", fmt.Errorf("%w: band_to must be above band_from %s", ErrBands, b.From))
		}
		key := s.InsuplcAdmdvs + "/" + s.Insutype
		if first, ok := out[key]; ok {
			if !first.Threshold.Equal(s.Threshold) {
				return nil, t.fail(i, "threshold", fmt.Errorf("%w: an earlier row of %s says %s", ErrDisagree, key, first.Threshold))
			}
			if !first.AnnualCap.Equal(s.AnnualCap) {
				return nil, t.fail(i, "annual_cap", fmt.Errorf("%w: an earlier row of %s says %s", ErrDisagree, key, first.AnnualCap))
			}
		} else {
			out[key] = s
			order = append(order, key)
		}
		bands[key] = append(bands[key], b)
	}
	for _, key := range order {
		bs := bands[key]
		slices.SortStableFunc(bs, func(a, b band) int { return a.From.Cmp(b.From) })
		next := decimal.Zero
		for j, b := range bs {
			if !b.From.Equal(next) {
				return nil, t.fail(b.row, "band_from", fmt.Errorf("%w: %s expects a band from %s", ErrBands, key, next))
			}
			if b.open && j != len(bs)-1 {
				return nil, t.fail(b.row, "band_to", fmt.Errorf("%w: %s has an open band below other bands", ErrBands, key))
			}
			next = b.To
		}
		s := out[key]
		s.Bands = make([]Band, len(bs))
		for j, b := range bs {
			s.Bands[j] = b.Band
		}
		out[key] = s
	}
	return out, nil
}
