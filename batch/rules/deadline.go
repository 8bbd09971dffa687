package rules

import (
	"medrecon/batch/policy"
	"medrecon/batch/record"
)

// ClaimDeadline returns the last day a manual claim for the visit may be
// handed in (SPEC 3.4) and the rule that gave it: ordinary outpatient visits
// (med_cat outpatient and not an emergency) use the region's outpatient
// deadline, every other visit the inpatient one. The deadline day itself is
// on time.
func ClaimDeadline(v Visit, region policy.Region) (record.Date, policy.Deadline) {
	rule := region.InpatientDeadline
	if v.MedCat() == record.MedOutpatient && !v.Emergency {
		rule = region.OutpatientDeadline
	}
	return rule.Due(v.Enddate), rule
}

// Late reports whether a claim handed in on dcla missed its deadline.
func Late(dcla, deadline record.Date) bool { return dcla.After(deadline) }
