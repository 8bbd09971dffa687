package rules

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"medrecon/batch/policy"
	"medrecon/batch/record"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// fen is an amount in fen, written in yuan.
func fen(s string) record.Fen {
	f, err := record.FenOf(dec(s))
	if err != nil {
		panic(err)
	}
	return f
}

func d(s string) record.Date {
	t, err := record.ParseISO(s)
	if err != nil {
		panic(err) // test literals only
	}
	return t
}

// idNo completes a 17-digit prefix with its GB 11643 check character.
func idNo(prefix17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(prefix17[i]-'0') * w
	}
	return prefix17 + string("10X98765432"[sum%11])
}

// Fictional people.
var (
	zhangSan = idNo("13010219800101123") // 张三, employee of Shijiazhuang
	liSi     = idNo("13050219750505432") // 李四, Xingtai
	wangWu   = idNo("13010219900909111") // 王五, resident
)

var plusOneMonth = policy.Deadline{Spec: "+1m", PlusMonths: 1}
var nextYearMar31 = policy.Deadline{Spec: "next-year-03-31", Month: 3, Day: 31}

func region(code, name string, singleUse bool) policy.Region {
	return policy.Region{InsuplcAdmdvs: code, Name: name, EmergencyFilingDays: 10, TempFilingMonths: 6,
		TempFilingSingleUse: singleUse, InpatientDeadline: nextYearMar31, OutpatientDeadline: plusOneMonth,
		Tolerance: dec("0.01")}
}

func rate(admdvs, insutype, psn, med string, lv int, from, ded, basis, ratio, cap string) policy.Rate {
	return policy.Rate{InsuplcAdmdvs: admdvs, Insutype: insutype, PsnCat: psn, MedCat: med, HospLv: lv,
		ValidFrom: d(from), Deductible: dec(ded), DeductibleBasis: basis, Ratio: dec(ratio), AnnualCap: dec(cap)}
}

var residentSerious = policy.SeriousIllness{InsuplcAdmdvs: "130100", Insutype: "390", Threshold: dec("15000"),
	Bands: []policy.Band{{From: dec("0"), To: dec("100000"), Ratio: dec("0.6")},
		{From: dec("100000"), To: dec("200000"), Ratio: dec("0.8")},
		{From: dec("200000"), Ratio: dec("0.9")}},
	AnnualCap: dec("400000")}

// samplePolicy is a small policy written as a literal: Shijiazhuang
// (130100) and Xingtai (130500, single-use temporary filings).
func samplePolicy() *policy.Policy {
	return &policy.Policy{
		Regions: map[string]policy.Region{
			"130100": region("130100", "石家庄市", false),
			"130500": region("130500", "邢台市", true),
		},
		Rates: []policy.Rate{
			rate("130100", "310", "active", "inpatient", 3, "2025-01-01", "1500", "visit", "0.90", "300000"),
			rate("130100", "310", "active", "inpatient", 3, "2025-07-01", "1200", "visit", "0.92", "300000"),
			rate("130100", "310", "active", "inpatient", 0, "2025-01-01", "800", "visit", "0.90", "300000"),
			rate("130100", "310", "active", "outpatient", 0, "2025-01-01", "100", "year", "0.50", "3000"),
			rate("130100", "310", "active", "chronic", 0, "2025-01-01", "0", "visit", "0.70", "20000"),
			rate("130100", "390", "resident", "inpatient", 0, "2025-01-01", "1000", "visit", "0.70", "150000"),
			rate("130500", "310", "active", "inpatient", 3, "2025-01-01", "1500", "visit", "0.80", "250000"),
			rate("130500", "310", "active", "outpatient", 0, "2025-01-01", "100", "year", "0.50", "3000"),
		},
		Adjustments: map[string]map[string]decimal.Decimal{},
		Serious:     map[string]policy.SeriousIllness{"130100/390": residentSerious},
	}
}

var setlSeq int

// setl builds a balanced-looking settlement of zhangSan at a level-3
// Tianjin hospital; options change it.
func setl(id string, opts ...func(*record.Settlement)) record.Settlement {
	s := record.Settlement{
		SetlID: id, MdtrtID: "M" + id, PsnName: "张三", Certno: zhangSan, Insutype: "310", PsnType: "1101",
		InsuplcAdmdvs: "130100", MdtrtareaAdmvs: "120101", FixmedinsCode: "H12000001", FixmedinsName: "天津某医院",
		HospLv: 3, MedType: "21", Begndate: d("2025-03-01"), Enddate: d("2025-03-10"),
		SetlTime:     time.Date(2025, 3, 10, 10, 0, 0, 0, time.UTC),
		MedfeeSumamt: fen("100000"), InscpScpAmt: fen("80000"), ActPayDedc: fen("1500"),
		HifpPay: fen("70650"), HifmiPay: fen("0"), FundPaySumamt: fen("70650"), AcctPay: fen("0"), PsnCashPay: fen("29350"),
		Src: record.Source{File: "settlements.csv", Row: 2},
	}
	for _, o := range opts {
		o(&s)
	}
	return s
}

// claim builds an approved-looking inpatient claim of zhangSan.
func claim(id string, opts ...func(*record.Claim)) record.Claim {
	c := record.Claim{
		ClaimID: id, Certno: zhangSan, PsnName: "张三", Insutype: "310", PsnType: "1101",
		InsuplcAdmdvs: "130100", MdtrtareaAdmvs: "120101", FixmedinsCode: "H12000001", FixmedinsName: "天津某医院",
		HospLv: 3, Designated: true, MedType: "21", Begndate: d("2025-03-01"), Enddate: d("2025-03-10"),
		DclaDate: d("2025-04-01"), MaterialsComplete: true, MedfeeSumamt: fen("100000"), InscpScpAmt: fen("80000"),
		Invoices: []record.Invoice{{BillCode: "BC", BillNo: "N" + id, MedfeeSumamt: fen("100000"), InscpScpAmt: fen("80000"),
			Src: record.Source{File: "claims.xlsx", Sheet: "申请明细", Row: 3}}},
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func longTerm(id, certno, place, begn string) record.Filing {
	return record.Filing{FilingID: id, Certno: certno, FilingKind: record.FilingLongTerm, MdtrtareaAdmvs: place,
		Begndate: d(begn), FiledDate: d(begn), Status: record.FilingValid}
}

func findingCodes(o record.Outcome, id string) []string {
	var cs []string
	for _, f := range o.Findings {
		if f.SubjectID == id {
			cs = append(cs, f.Code)
		}
	}
	return cs
}

func assessment(o record.Outcome, kind, id string) record.Assessment {
	for _, a := range o.Assessments {
		if a.SubjectKind == kind && a.SubjectID == id {
			return a
		}
	}
	panic(fmt.Sprintf("no assessment for %s %s", kind, id))
}
