package rules

import (
	"testing"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

func TestAmount(t *testing.T) {
	p := samplePolicy()
	sjzL3 := p.Rates[0]    // 130100 employee inpatient level 3: 1500, 90%
	provA := p.Rates[6]    // 130500 employee inpatient level 3: 1500, 80%
	outYear := p.Rates[3]  // outpatient, deductible 100 per year, 50%, cap 3000
	resident := p.Rates[5] // resident inpatient: 1000, 70%, cap 150000
	serious := residentSerious
	tests := []struct {
		name                       string
		in                         AmountInput
		basic, serious, deductible string
		capReached                 bool
	}{
		// SPEC 3.2 worked examples, verbatim.
		{name: "worked example 1: long-term filing, 80000 in scope, 1500, 90% → 70650.00 (person pays 29350.00 of 100000)",
			in: AmountInput{Inscope: dec("80000"), Rate: sjzL3}, basic: "70650.00", serious: "0.00", deductible: "1500"},
		{name: "worked example 2: province A 1500 80%, in scope 18000 → 13200.00 (person pays 6800.00 of 20000)",
			in: AmountInput{Inscope: dec("18000"), Rate: provA}, basic: "13200.00", serious: "0.00", deductible: "1500"},
		{name: "worked example 3: referral −10% → ratio 80% → 62800.00",
			in: AmountInput{Inscope: dec("80000"), Rate: sjzL3, Adjustment: dec("-0.10")}, basic: "62800.00", serious: "0.00", deductible: "1500"},
		{name: "ratio' is not below zero",
			in: AmountInput{Inscope: dec("80000"), Rate: sjzL3, Adjustment: dec("-1.5")}, basic: "0.00", serious: "0.00", deductible: "1500"},
		{name: "in-scope below the deductible pays nothing and bears only the in-scope",
			in: AmountInput{Inscope: dec("1000"), Rate: sjzL3}, basic: "0.00", serious: "0.00", deductible: "1000"},
		{name: "yearly deductible partly borne by an earlier visit",
			in:    AmountInput{Inscope: dec("500"), Rate: outYear, Year: record.YearTotal{DeductibleBorne: dec("60")}},
			basic: "230.00", serious: "0.00", deductible: "40"},
		{name: "yearly deductible fully borne already",
			in:    AmountInput{Inscope: dec("500"), Rate: outYear, Year: record.YearTotal{DeductibleBorne: dec("100")}},
			basic: "250.00", serious: "0.00", deductible: "0"},
		{name: "cap reached exactly is not a cut",
			in:    AmountInput{Inscope: dec("600"), Rate: outYear, Year: record.YearTotal{DeductibleBorne: dec("100"), BasicPaid: dec("2700")}},
			basic: "300.00", serious: "0.00", deductible: "0"},
		{name: "cap overshot by one cent is cut",
			in:    AmountInput{Inscope: dec("600.02"), Rate: outYear, Year: record.YearTotal{DeductibleBorne: dec("100"), BasicPaid: dec("2700")}},
			basic: "300.00", serious: "0.00", deductible: "0", capReached: true},
		{name: "cap already used up pays nothing",
			in:    AmountInput{Inscope: dec("600"), Rate: outYear, Year: record.YearTotal{DeductibleBorne: dec("100"), BasicPaid: dec("3000")}},
			basic: "0.00", serious: "0.00", deductible: "0", capReached: true},
		{name: "rounding half-up at .005",
			in:    AmountInput{Inscope: dec("100.01"), Rate: outYear, Year: record.YearTotal{DeductibleBorne: dec("100")}},
			basic: "50.01", serious: "0.00", deductible: "0"},
		{name: "rounding below .005 goes down",
			in:    AmountInput{Inscope: dec("100.008"), Rate: outYear, Year: record.YearTotal{DeductibleBorne: dec("100")}},
			basic: "50.00", serious: "0.00", deductible: "0"},
		// Resident: basic = (in − 1000) × 70%, eligible = in − basic.
		{name: "serious: base exactly at the threshold pays nothing",
			in:    AmountInput{Inscope: dec("1000"), Rate: resident, Serious: &serious, SeriousBase: dec("14000")},
			basic: "0.00", serious: "0.00", deductible: "1000"},
		{name: "serious: one yuan above the threshold at 60%",
			in:    AmountInput{Inscope: dec("1000"), Rate: resident, Serious: &serious, SeriousBase: dec("14001")},
			basic: "0.00", serious: "0.60", deductible: "1000"},
		{name: "serious: top of the first band (100000 above threshold)",
			in:    AmountInput{Inscope: dec("1000"), Rate: resident, Serious: &serious, SeriousBase: dec("114000")},
			basic: "0.00", serious: "60000.00", deductible: "1000"},
		{name: "serious: second band 80% up to 200000 above threshold",
			in:    AmountInput{Inscope: dec("1000"), Rate: resident, Serious: &serious, SeriousBase: dec("214000")},
			basic: "0.00", serious: "140000.00", deductible: "1000"},
		{name: "serious: open top band 90%",
			in:    AmountInput{Inscope: dec("1000"), Rate: resident, Serious: &serious, SeriousBase: dec("314000")},
			basic: "0.00", serious: "230000.00", deductible: "1000"},
		{name: "serious: capped at the annual cap 400000",
			in:    AmountInput{Inscope: dec("1000"), Rate: resident, Serious: &serious, SeriousBase: dec("600000")},
			basic: "0.00", serious: "400000.00", deductible: "1000"},
		{name: "serious: earlier payments of the year are taken off",
			in:    AmountInput{Inscope: dec("1000"), Rate: resident, Serious: &serious, SeriousBase: dec("114000"), SeriousPaid: dec("59000")},
			basic: "0.00", serious: "1000.00", deductible: "1000"},
		{name: "serious: own eligible part adds to the base",
			in:    AmountInput{Inscope: dec("51000"), Rate: resident, Serious: &serious},
			basic: "35000.00", serious: "600.00", deductible: "1000"},
		{name: "no serious-illness table pays 0",
			in:    AmountInput{Inscope: dec("1000"), Rate: resident, SeriousBase: dec("600000")},
			basic: "0.00", serious: "0.00", deductible: "1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Amount(tt.in)
			if got.Basic.StringFixed(2) != tt.basic || got.Serious.StringFixed(2) != tt.serious {
				t.Errorf("basic %s serious %s, want %s %s\n%v", got.Basic.StringFixed(2), got.Serious.StringFixed(2), tt.basic, tt.serious, got.Steps)
			}
			if !got.Deductible.Equal(dec(tt.deductible)) {
				t.Errorf("deductible borne %s, want %s", got.Deductible, tt.deductible)
			}
			if got.CapReached != tt.capReached {
				t.Errorf("CapReached %v, want %v", got.CapReached, tt.capReached)
			}
			if !got.Payable.Equal(got.Basic.Add(got.Serious)) {
				t.Errorf("payable %s ≠ basic + serious", got.Payable)
			}
		})
	}
}

func TestWorkedExamplePersonPays(t *testing.T) {
	p := samplePolicy()
	got := Amount(AmountInput{Inscope: dec("80000"), Rate: p.Rates[0]})
	if pays := dec("100000").Sub(got.Payable); pays.StringFixed(2) != "29350.00" {
		t.Errorf("person pays %s, want 29350.00", pays.StringFixed(2))
	}
	got = Amount(AmountInput{Inscope: dec("18000"), Rate: p.Rates[6]})
	if pays := dec("20000").Sub(got.Payable); pays.StringFixed(2) != "6800.00" {
		t.Errorf("person pays %s, want 6800.00", pays.StringFixed(2))
	}
}

func BenchmarkAmount(b *testing.B) {
	p := samplePolicy()
	s := residentSerious
	in := AmountInput{Inscope: dec("51234.56"), Rate: p.Rates[5], Adjustment: dec("-0.1"), Serious: &s,
		Year: record.YearTotal{BasicPaid: dec("1000"), DeductibleBorne: decimal.Zero}, SeriousBase: dec("20000")}
	b.ReportAllocs()
	for b.Loop() {
		Amount(in)
	}
}
