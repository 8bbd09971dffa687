package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// KeyError says which policy key a visit needed and the tables lack
// (SPEC 2.5: "an error naming the missing key, not a silent zero").
type KeyError struct {
	Table string
	Key   string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("policy table %s has no row for %s", e.Table, e.Key)
}

// PsnCat is the person category used to pick rate rows (SPEC 2.5): resident
// for insutype 390, retired for psn_type 12xx or 退休, otherwise active.
func PsnCat(insutype, psnType string) string {
	switch {
	case insutype == "390":
		return PsnResident
	case strings.HasPrefix(psnType, "12") || strings.Contains(psnType, "退休"):
		return PsnRetired
	default:
		return PsnActive
	}
}

// MedCat is the medical category of a med_type code (SPEC 2.5): inpatient
// for 2x, chronic for 14, outpatient for every other code.
func MedCat(medType string) string {
	switch {
	case strings.HasPrefix(medType, "2"):
		return record.MedInpatient
	case medType == "14":
		return record.MedChronic
	default:
		return record.MedOutpatient
	}
}

// ClrType is the clearing type of a med_type code (SPEC 2.5): 2x → 21,
// 41 → 41, others → 11.
func ClrType(medType string) string {
	switch {
	case strings.HasPrefix(medType, "2"):
		return "21"
	case medType == "41":
		return "41"
	default:
		return "11"
	}
}

// Region returns the regions row of an insured region.
func (p *Policy) Region(admdvs string) (Region, error) {
	r, ok := p.Regions[admdvs]
	if !ok {
		return Region{}, &KeyError{Table: "regions", Key: "insuplc_admdvs=" + admdvs}
	}
	return r, nil
}

// Rate returns the rates row for a visit: among the rows of the visit's
// region, insurance type, person category and medical category whose level
// is the visit's or blank (every level), the one with the latest valid_from
// on or before the visit's enddate; at the same valid_from the row naming
// the level wins (SPEC 2.5).
func (p *Policy) Rate(admdvs, insutype, psnCat, medCat string, hospLv int, on record.Date) (Rate, error) {
	var best *Rate
	for i := range p.Rates {
		r := &p.Rates[i]
		if r.InsuplcAdmdvs != admdvs || r.Insutype != insutype || r.PsnCat != psnCat || r.MedCat != medCat {
			continue
		}
		if r.ValidFrom.After(on) || (r.HospLv != hospLv && r.HospLv != 0) {
			continue
		}
		if best == nil || r.ValidFrom.After(best.ValidFrom) ||
			(r.ValidFrom == best.ValidFrom && best.HospLv == 0 && r.HospLv != 0) {
			best = r
		}
	}
	if best != nil {
		return *best, nil
	}
	return Rate{}, &KeyError{Table: "rates", Key: fmt.Sprintf(
		"insuplc_admdvs=%s insutype=%s psn_cat=%s med_cat=%s hosp_lv=%d valid on %s",
		admdvs, insutype, psnCat, medCat, hospLv, on)}
}

// defaultAdjustments are SPEC 2.5's defaults, used for a filing status the
// adjustments table does not list for a region.
var defaultAdjustments = map[string]decimal.Decimal{
	record.StatusLongTerm:         decimal.Zero,
	record.StatusReferral:         decimal.RequireFromString("-0.10"),
	record.StatusTemporary:        decimal.RequireFromString("-0.10"),
	record.StatusEmergency:        decimal.Zero,
	record.StatusUnfiled:          decimal.RequireFromString("-0.10"),
	record.StatusUnfiledEmergency: decimal.RequireFromString("-0.10"),
}

// Adjustment returns the ratio delta for a filing status in a region.
func (p *Policy) Adjustment(admdvs, status string) decimal.Decimal {
	if d, ok := p.Adjustments[admdvs][status]; ok {
		return d
	}
	return defaultAdjustments[status]
}

// SeriousIllnessFor returns the serious-illness insurance of a region and
// insurance type; ok is false where there is none (its payment is zero).
func (p *Policy) SeriousIllnessFor(admdvs, insutype string) (s SeriousIllness, ok bool) {
	s, ok = p.Serious[admdvs+"/"+insutype]
	return s, ok
}

// Due returns the deadline that d gives a visit ending on enddate (SPEC 3.4):
// `+1m` is enddate plus one calendar month clamped to the month's end;
// `next-year-03-31` is 31 March of the year after enddate's year.
func (d Deadline) Due(enddate record.Date) record.Date {
	if d.PlusMonths > 0 {
		return enddate.AddMonths(d.PlusMonths)
	}
	return record.D(enddate.Year+1, time.Month(d.Month), d.Day)
}
