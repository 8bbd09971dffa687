package rules

import (
	"medrecon/batch/policy"
	"medrecon/batch/record"
)

// Visit is what the rules need of one settlement or one claim: the person,
// the place, the dates and the in-scope amount.
type Visit struct {
	Kind           string // record.KindSettlement or record.KindClaim
	ID             string // setl_id or claim_id
	Certno         string
	InsuplcAdmdvs  string
	Insutype       string
	PsnType        string
	MdtrtareaAdmvs string
	FixmedinsCode  string
	HospLv         int
	MedType        string
	Emergency      bool
	Designated     bool
	Begndate       record.Date
	Enddate        record.Date
	MedfeeSumamt   record.Fen
	InscpScpAmt    record.Fen
	Src            record.Source
}

// SettlementVisit is the visit a settlement row stands for.
func SettlementVisit(s record.Settlement) Visit {
	return Visit{
		Kind: record.KindSettlement, ID: s.SetlID, Certno: s.Certno,
		InsuplcAdmdvs: s.InsuplcAdmdvs, Insutype: s.Insutype, PsnType: s.PsnType,
		MdtrtareaAdmvs: s.MdtrtareaAdmvs, FixmedinsCode: s.FixmedinsCode, HospLv: s.HospLv,
		MedType: s.MedType,
		// Decision: a settlement's emergency flag is med_type 13 (急诊) or 24
		// (急诊转住院); settlements are always at designated institutions.
		Emergency:  s.MedType == "13" || s.MedType == "24",
		Designated: true,
		Begndate:   s.Begndate, Enddate: s.Enddate,
		MedfeeSumamt: s.MedfeeSumamt, InscpScpAmt: s.InscpScpAmt, Src: s.Src,
	}
}

// ClaimVisit is the visit a manual claim stands for.
func ClaimVisit(c record.Claim) Visit {
	return Visit{
		Kind: record.KindClaim, ID: c.ClaimID, Certno: c.Certno,
		InsuplcAdmdvs: c.InsuplcAdmdvs, Insutype: c.Insutype, PsnType: c.PsnType,
		MdtrtareaAdmvs: c.MdtrtareaAdmvs, FixmedinsCode: c.FixmedinsCode, HospLv: c.HospLv,
		MedType: c.MedType, Emergency: c.Emergency, Designated: c.Designated,
		Begndate: c.Begndate, Enddate: c.Enddate,
		MedfeeSumamt: c.MedfeeSumamt, InscpScpAmt: c.InscpScpAmt, Src: claimSource(c),
	}
}

func claimSource(c record.Claim) record.Source {
	if len(c.Invoices) > 0 {
		return c.Invoices[0].Src
	}
	return record.Source{}
}

// MedCat is the visit's medical category (SPEC 2.5).
func (v Visit) MedCat() string { return policy.MedCat(v.MedType) }

// YearKey is the running-totals key of the visit (SPEC 3.2: the calendar
// year of enddate, per medical category).
func (v Visit) YearKey() record.YearKey {
	return record.YearKey{Certno: v.Certno, Year: v.Enddate.Year, MedCat: v.MedCat()}
}

// Rate looks up the rates row that applies to the visit (SPEC 2.5: chosen by
// the discharge date).
func (v Visit) Rate(p *policy.Policy) (policy.Rate, error) {
	return p.Rate(v.InsuplcAdmdvs, v.Insutype, policy.PsnCat(v.Insutype, v.PsnType), v.MedCat(), v.HospLv, v.Enddate)
}

// assessOrder is SPEC 3.2's order: enddate, begndate, then id (settlements
// before claims where ids tie, so that the order is total).
func assessOrder(a, b Visit) int {
	if c := a.Enddate.Compare(b.Enddate); c != 0 {
		return c
	}
	if c := a.Begndate.Compare(b.Begndate); c != 0 {
		return c
	}
	if a.ID != b.ID {
		if a.ID < b.ID {
			return -1
		}
		return 1
	}
	return cmpString(a.Kind, b.Kind)
}

// useOrder is the order in which visits take single-use filings: the first
// by begndate (SPEC 3.1), ties broken like assessOrder.
func useOrder(a, b Visit) int {
	if c := a.Begndate.Compare(b.Begndate); c != 0 {
		return c
	}
	return assessOrder(a, b)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
