// Package policy loads and validates the region's policy tables (SPEC 2.5)
// and answers "which row applies to this visit". No region's numbers live in
// code: every value comes from the tables.
package policy

import (
	"strconv"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// Person categories (SPEC 2.5).
const (
	PsnActive   = "active"
	PsnRetired  = "retired"
	PsnResident = "resident"
)

// Deductible bases.
const (
	BasisVisit = "visit"
	BasisYear  = "year"
)

// Deadline is a manual-claim deadline rule: either "N-th month after the
// visit's enddate, clamped" (`+1m`) or "a fixed day of the year after
// enddate's year" (`next-year-03-31`).
type Deadline struct {
	Spec       string // as written in the table, for traces
	PlusMonths int    // > 0 for the `+Nm` form
	Month      int    // 1..12 for the `next-year-MM-DD` form
	Day        int
}

// Words says the rule in Chinese, for findings and traces that people read:
// "出院后 1 个月内" for +1m, "出院次年 3 月 31 日前" for next-year-03-31.
func (d Deadline) Words() string {
	if d.PlusMonths > 0 {
		return "出院后 " + strconv.Itoa(d.PlusMonths) + " 个月内"
	}
	return "出院次年 " + strconv.Itoa(d.Month) + " 月 " + strconv.Itoa(d.Day) + " 日前"
}

// Region is a row of the regions table.
type Region struct {
	InsuplcAdmdvs       string
	Name                string
	EmergencyFilingDays int
	TempFilingMonths    int
	TempFilingSingleUse bool
	InpatientDeadline   Deadline
	OutpatientDeadline  Deadline
	Tolerance           decimal.Decimal
	// PaymentDays is how long an approved claim may wait for its payment
	// before the worklist lists it (SPEC 3.7; optional column, default 30).
	PaymentDays int
}

// Rate is a row of the rates table. HospLv 0 means "any level" and is used
// only where no row names the visit's level.
type Rate struct {
	InsuplcAdmdvs   string
	Insutype        string
	PsnCat          string
	MedCat          string
	HospLv          int
	ValidFrom       record.Date
	Deductible      decimal.Decimal
	DeductibleBasis string // BasisVisit or BasisYear
	Ratio           decimal.Decimal
	AnnualCap       decimal.Decimal
}

// Band is one band of the serious-illness table: the part of the base above
// the threshold that falls in [From, To) is paid at Ratio. To is zero for the
// open top band.
type Band struct {
	From  decimal.Decimal
	To    decimal.Decimal
	Ratio decimal.Decimal
}

// SeriousIllness is the serious-illness insurance (大病保险) of one region
// and insurance type: the rows of the serious_illness table that share them.
type SeriousIllness struct {
	InsuplcAdmdvs string
	Insutype      string
	Threshold     decimal.Decimal
	Bands         []Band // ordered by From
	AnnualCap     decimal.Decimal
}

// Policy is the whole set of tables, validated.
type Policy struct {
	SHA256      string // of the policy source (the CSV tables in the order regions, rates, adjustments, serious_illness; or the workbook file), recorded per run
	Regions     map[string]Region
	Rates       []Rate                                // ordered by key, then ValidFrom
	Adjustments map[string]map[string]decimal.Decimal // admdvs → filing status → ratio delta
	Serious     map[string]SeriousIllness             // key admdvs + "/" + insutype
}
