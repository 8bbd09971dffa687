package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"medrecon/batch/policy"
	"medrecon/batch/record"
)

// PlaceCovers reports whether a filing's place covers a treating place
// (SPEC 2.3): a code ending 0000 covers the province (its first two digits),
// one ending 00 the city (its first four), anything else only itself.
func PlaceCovers(filingPlace, place string) bool {
	switch {
	case len(filingPlace) == 6 && strings.HasSuffix(filingPlace, "0000"):
		return strings.HasPrefix(place, filingPlace[:2])
	case len(filingPlace) == 6 && strings.HasSuffix(filingPlace, "00"):
		return strings.HasPrefix(place, filingPlace[:4])
	}
	return filingPlace == place
}

// FilingValidity returns the days a filing is valid for (SPEC 3.1): from its
// begndate to until, inclusive; open is true when it has no end. A
// referral, temporary or emergency filing with a blank enddate lasts
// temp_filing_months calendar months, the end exclusive, so until is the day
// before begndate + months.
func FilingValidity(f record.Filing, region policy.Region) (until record.Date, open bool) {
	if !f.Enddate.IsZero() {
		return f.Enddate, false
	}
	switch f.FilingKind {
	case record.FilingReferral, record.FilingTemporary, record.FilingEmergency:
		// SPEC 3.1: a blank enddate means begndate + temp_filing_months (exclusive).
		return f.Begndate.AddMonths(region.TempFilingMonths).AddDays(-1), false
	}
	// SPEC 3.1: long_term (and chronic) is open-ended unless enddate is given.
	return record.Date{}, true
}

// cancelledBefore reports whether a filing no longer covers a visit that
// begins on begn: cancelled with cancel_date before begndate (a cancellation
// on the day itself still covers); cancelled with no cancel_date never covers.
func cancelledBefore(f record.Filing, begn record.Date) bool {
	if f.Status != record.FilingCancelled {
		return false
	}
	return f.CancelDate.IsZero() || f.CancelDate.Before(begn)
}

// FilingJudgement is the filing status of one visit (SPEC 3.1) and why.
type FilingJudgement struct {
	Status string         // the key of the adjustments table
	Filing *record.Filing // the filing counted; nil when unfiled
	// ChronicFiled says a chronic filing covers the visit (med_type 14 needs one).
	ChronicFiled bool
	// PaysNothing is set for CHRONIC_NOT_FILED and NON_DESIGNATED (SPEC 3.1
	// rules 4 and 5): every amount of the visit is zero.
	PaysNothing bool
	// SingleUse is set when the counted filing is a single-use temporary or
	// referral filing: the visit uses it up.
	SingleUse bool
	Findings  []record.Finding
	Trace     string
}

type candidate struct {
	f      record.Filing
	status string
	adj    decimal.Decimal
	rank   int
	why    string
}

// favour ranks equally favourable statuses (SPEC 3.1 rule 2, decision on
// ties): long_term, then emergency, referral, temporary.
var favour = map[string]int{
	record.FilingLongTerm:  0,
	record.FilingChronic:   1,
	record.FilingEmergency: 2,
	record.FilingReferral:  3,
	record.FilingTemporary: 4,
}

// FilingStatus judges a visit against the filings of its person (SPEC 3.1).
// used holds the single-use filings already taken, by filing_id; a use by
// the visit itself (a pending claim sent again) does not count against it.
func FilingStatus(v Visit, filings []record.Filing, p *policy.Policy, region policy.Region, used map[string]record.FilingUse) FilingJudgement {
	var (
		j     FilingJudgement
		cands []candidate
	)
	add := func(code, format string, args ...any) {
		j.Findings = append(j.Findings, finding(v.Kind, v.ID, code, format, args...))
	}
	chronicVisit := v.MedType == "14"
	for _, f := range filings {
		if f.Certno != v.Certno || !PlaceCovers(f.MdtrtareaAdmvs, v.MdtrtareaAdmvs) {
			continue
		}
		if f.FilingKind == record.FilingChronic && !chronicVisit {
			continue // a chronic filing matters only for med_type 14
		}
		if cancelledBefore(f, v.Begndate) {
			continue
		}
		until, open := FilingValidity(f, region)
		if v.Begndate.Before(f.Begndate) || (!open && v.Begndate.After(until)) {
			continue
		}
		window := fmt.Sprintf("%s 起长期", f.Begndate)
		if !open {
			window = fmt.Sprintf("%s 至 %s", f.Begndate, until)
		}
		why := fmt.Sprintf("备案 %s, 就医地 %s, 有效期 %s", f.FilingID, f.MdtrtareaAdmvs, window)
		status := f.FilingKind
		switch f.FilingKind {
		case record.FilingEmergency:
			// SPEC 3.1: an emergency filing counts if filed within
			// emergency_filing_days of the visit (the last day is on time).
			due := v.Begndate.AddDays(region.EmergencyFilingDays)
			if f.FiledDate.After(due) {
				add(record.FilingLate, "急诊备案 %s 办理日期 %s 晚于就诊日 %s + %d 天 (%s), 不予认可",
					f.FilingID, f.FiledDate, v.Begndate, region.EmergencyFilingDays, due)
				continue
			}
			why += fmt.Sprintf(", 办理日期 %s 不晚于 %s", f.FiledDate, due)
		case record.FilingReferral, record.FilingTemporary:
			if region.TempFilingSingleUse {
				if u, ok := used[f.FilingID]; ok && (u.SubjectKind != v.Kind || u.SubjectID != v.ID) {
					add(record.FilingUsed, "%s备案 %s 为一次性备案, 已由%s %s (就诊日 %s) 使用",
						statusName(f.FilingKind), f.FilingID, usedByName(u.SubjectKind), u.SubjectID, u.Begndate)
					continue
				}
				why += ", 一次性备案"
			}
		case record.FilingChronic:
			j.ChronicFiled = true
			// Decision: for a med_type 14 visit a chronic filing also counts
			// like a long-term one for the ratio.
			status = record.StatusLongTerm
			why += ", 慢特病备案按长期居住计"
		}
		cands = append(cands, candidate{f: f, status: status, adj: p.Adjustment(v.InsuplcAdmdvs, status), rank: favour[f.FilingKind], why: why})
	}
	// SPEC 3.1 rule 2: the most favourable (highest ratio, i.e. highest adjustment).
	sort.Slice(cands, func(a, b int) bool {
		x, y := cands[a], cands[b]
		if c := x.adj.Cmp(y.adj); c != 0 {
			return c > 0
		}
		if x.rank != y.rank {
			return x.rank < y.rank
		}
		return x.f.FilingID < y.f.FilingID
	})
	if len(cands) > 0 {
		c := cands[0]
		f := c.f
		j.Status, j.Filing = c.status, &f
		j.SingleUse = region.TempFilingSingleUse && (f.FilingKind == record.FilingReferral || f.FilingKind == record.FilingTemporary)
		j.Trace = fmt.Sprintf("备案状态 %s(%s)", statusName(c.status), c.why)
	} else {
		// SPEC 3.1 rule 3.
		j.Status = record.StatusUnfiled
		if v.Emergency {
			j.Status = record.StatusUnfiledEmergency
		}
		add(record.NoValidFiling, "就诊日 %s 在就医地 %s 无有效备案, 按%s计", v.Begndate, v.MdtrtareaAdmvs, statusName(j.Status))
		j.Trace = fmt.Sprintf("备案状态 %s(就诊日 %s 在就医地 %s 无有效备案)", statusName(j.Status), v.Begndate, v.MdtrtareaAdmvs)
	}
	// SPEC 3.1 rule 4: med_type 14 needs a chronic filing covering the visit.
	if chronicVisit && !j.ChronicFiled {
		j.PaysNothing = true
		add(record.ChronicNotFiled, "门诊慢特病就诊 %s 无覆盖的慢特病备案, 不予支付", v.Begndate)
		j.Trace += ";无慢特病备案, 不予支付"
	}
	// SPEC 3.1 rule 5: a non-designated institution pays nothing unless emergency.
	if !v.Designated && !v.Emergency {
		j.PaysNothing = true
		add(record.NonDesignated, "机构 %s 非定点且非急诊, 不予支付", v.FixmedinsCode)
		j.Trace += ";非定点机构且非急诊, 不予支付"
	} else if !v.Designated {
		j.Trace += ";非定点机构, 急诊可支付"
	}
	return j
}

// usedByName names, in the FILING_USED detail, the kind of visit that used a
// single-use filing up, so that the Chinese sentence carries no English
// subject_kind ("已由直接结算 S1 …", "已由手工报销申请 C1 …").
func usedByName(kind string) string {
	if kind == record.KindSettlement {
		return "直接结算"
	}
	return "手工报销申请"
}
