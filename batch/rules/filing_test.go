package rules

import (
	"slices"
	"testing"

	"medrecon/batch/record"
)

func TestPlaceCovers(t *testing.T) {
	tests := []struct {
		name, filing, place string
		want                bool
	}{
		{"province code covers a district of the province", "120000", "120101", true},
		{"province code does not cover another province", "120000", "130101", false},
		{"city code covers its district", "130100", "130102", true},
		{"city code does not cover another city", "130100", "130202", false},
		{"exact code covers itself", "120101", "120101", true},
		{"exact code does not cover a neighbour", "120101", "120102", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlaceCovers(tt.filing, tt.place); got != tt.want {
				t.Errorf("PlaceCovers(%s, %s) = %v, want %v", tt.filing, tt.place, got, tt.want)
			}
		})
	}
}

func TestFilingStatus(t *testing.T) {
	p := samplePolicy()
	sjz := p.Regions["130100"]
	visit := func(begn string, opts ...func(*Visit)) Visit {
		v := ClaimVisit(claim("C1"))
		v.Begndate, v.Enddate = d(begn), d(begn).AddDays(3)
		for _, o := range opts {
			o(&v)
		}
		return v
	}
	filing := func(kind, begn, end string, opts ...func(*record.Filing)) record.Filing {
		f := record.Filing{FilingID: "F1", Certno: zhangSan, FilingKind: kind, MdtrtareaAdmvs: "120000",
			Begndate: d(begn), FiledDate: d(begn), Status: record.FilingValid}
		if end != "" {
			f.Enddate = d(end)
		}
		for _, o := range opts {
			o(&f)
		}
		return f
	}
	cancelled := func(on string) func(*record.Filing) {
		return func(f *record.Filing) {
			f.Status = record.FilingCancelled
			if on != "" {
				f.CancelDate = d(on)
			}
		}
	}
	filed := func(on string) func(*record.Filing) { return func(f *record.Filing) { f.FiledDate = d(on) } }
	emergency := func(v *Visit) { v.Emergency = true }
	chronicVisit := func(v *Visit) { v.MedType = "14" }
	nonDesignated := func(v *Visit) { v.Designated = false }
	tests := []struct {
		name        string
		v           Visit
		filings     []record.Filing
		status      string
		codes       []string
		paysNothing bool
	}{
		{"long-term filing covers from its begndate", visit("2025-01-01"),
			[]record.Filing{filing("long_term", "2025-01-01", "")}, "long_term", nil, false},
		{"long-term filing does not cover the day before", visit("2024-12-31"),
			[]record.Filing{filing("long_term", "2025-01-01", "")}, "unfiled", []string{"NO_VALID_FILING"}, false},
		{"long-term filing with enddate covers its last day", visit("2025-06-30"),
			[]record.Filing{filing("long_term", "2025-01-01", "2025-06-30")}, "long_term", nil, false},
		{"temporary filing, blank enddate: last day of 6 months", visit("2025-07-14"),
			[]record.Filing{filing("temporary", "2025-01-15", "")}, "temporary", nil, false},
		{"temporary filing, blank enddate: begndate + 6 months is outside", visit("2025-07-15"),
			[]record.Filing{filing("temporary", "2025-01-15", "")}, "unfiled", []string{"NO_VALID_FILING"}, false},
		{"referral filing with enddate covers the end day", visit("2025-02-01"),
			[]record.Filing{filing("referral", "2025-01-15", "2025-02-01")}, "referral", nil, false},
		{"cancelled the day before begndate does not cover", visit("2025-03-01"),
			[]record.Filing{filing("long_term", "2025-01-01", "", cancelled("2025-02-28"))}, "unfiled", []string{"NO_VALID_FILING"}, false},
		{"cancelled on begndate still covers", visit("2025-03-01"),
			[]record.Filing{filing("long_term", "2025-01-01", "", cancelled("2025-03-01"))}, "long_term", nil, false},
		{"cancelled without a date never covers", visit("2025-03-01"),
			[]record.Filing{filing("long_term", "2025-01-01", "", cancelled(""))}, "unfiled", []string{"NO_VALID_FILING"}, false},
		{"emergency filing on day 10 counts", visit("2025-03-01", emergency),
			[]record.Filing{filing("emergency", "2025-03-01", "", filed("2025-03-11"))}, "emergency", nil, false},
		{"emergency filing on day 11 is late", visit("2025-03-01", emergency),
			[]record.Filing{filing("emergency", "2025-03-01", "", filed("2025-03-12"))}, "unfiled_emergency", []string{"FILING_LATE", "NO_VALID_FILING"}, false},
		{"filing of another place does not cover", visit("2025-03-01"),
			[]record.Filing{filing("long_term", "2025-01-01", "", func(f *record.Filing) { f.MdtrtareaAdmvs = "310000" })}, "unfiled", []string{"NO_VALID_FILING"}, false},
		{"filing of another person does not cover", visit("2025-03-01"),
			[]record.Filing{filing("long_term", "2025-01-01", "", func(f *record.Filing) { f.Certno = liSi })}, "unfiled", []string{"NO_VALID_FILING"}, false},
		{"most favourable of several: long-term beats referral", visit("2025-03-01"),
			[]record.Filing{filing("referral", "2025-01-01", ""), filing("long_term", "2025-01-01", "", func(f *record.Filing) { f.FilingID = "F2" })}, "long_term", nil, false},
		{"chronic visit with chronic filing counts like long-term", visit("2025-03-01", chronicVisit),
			[]record.Filing{filing("chronic", "2025-01-01", "")}, "long_term", nil, false},
		{"chronic visit without chronic filing pays nothing", visit("2025-03-01", chronicVisit),
			[]record.Filing{filing("long_term", "2025-01-01", "")}, "long_term", []string{"CHRONIC_NOT_FILED"}, true},
		{"chronic filing does not count for an ordinary visit", visit("2025-03-01"),
			[]record.Filing{filing("chronic", "2025-01-01", "")}, "unfiled", []string{"NO_VALID_FILING"}, false},
		{"non-designated, not emergency, pays nothing", visit("2025-03-01", nonDesignated),
			[]record.Filing{filing("long_term", "2025-01-01", "")}, "long_term", []string{"NON_DESIGNATED"}, true},
		{"non-designated emergency pays", visit("2025-03-01", nonDesignated, emergency),
			nil, "unfiled_emergency", []string{"NO_VALID_FILING"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := FilingStatus(tt.v, tt.filings, p, sjz, nil)
			var codes []string
			for _, f := range j.Findings {
				codes = append(codes, f.Code)
			}
			slices.Sort(codes)
			if j.Status != tt.status || !slices.Equal(codes, tt.codes) || j.PaysNothing != tt.paysNothing {
				t.Errorf("got %s %v paysNothing=%v, want %s %v %v\n%s", j.Status, codes, j.PaysNothing, tt.status, tt.codes, tt.paysNothing, j.Trace)
			}
		})
	}
}

func TestClaimDeadline(t *testing.T) {
	sjz := samplePolicy().Regions["130100"]
	outpatient := func(end string) Visit {
		return Visit{MedType: "11", Enddate: d(end)}
	}
	tests := []struct {
		name string
		v    Visit
		dcla string
		due  string
		late bool
	}{
		{"outpatient: deadline day itself is on time", outpatient("2025-03-10"), "2025-04-10", "2025-04-10", false},
		{"outpatient: the day after is late", outpatient("2025-03-10"), "2025-04-11", "2025-04-10", true},
		{"outpatient: 31 January + 1 month is 28 February", outpatient("2025-01-31"), "2025-02-28", "2025-02-28", false},
		{"outpatient: 31 January + 1 month, 1 March is late", outpatient("2025-01-31"), "2025-03-01", "2025-02-28", true},
		{"outpatient in a leap year: 29 February", outpatient("2024-01-31"), "2024-02-29", "2024-02-29", false},
		{"emergency outpatient uses the inpatient rule", Visit{MedType: "13", Emergency: true, Enddate: d("2025-03-10")}, "2026-03-31", "2026-03-31", false},
		{"inpatient: 31 March next year is on time", Visit{MedType: "21", Enddate: d("2025-12-31")}, "2026-03-31", "2026-03-31", false},
		{"inpatient: 1 April next year is late", Visit{MedType: "21", Enddate: d("2025-12-31")}, "2026-04-01", "2026-03-31", true},
		{"chronic uses the inpatient rule", Visit{MedType: "14", Enddate: d("2025-05-01")}, "2026-03-31", "2026-03-31", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, _ := ClaimDeadline(tt.v, sjz)
			if due != d(tt.due) || Late(d(tt.dcla), due) != tt.late {
				t.Errorf("due %s late %v, want %s %v", due, Late(d(tt.dcla), due), tt.due, tt.late)
			}
		})
	}
}
