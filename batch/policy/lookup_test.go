package policy

import (
	"testing"

	"medrecon/batch/record"
)

// TestRateBlankLevel holds SPEC 2.5's choice of a rates row: among the rows
// for the visit's level or blank, the latest valid_from wins, and at the same
// valid_from the row naming the level wins.
func TestRateBlankLevel(t *testing.T) {
	tables := minimal()
	tables["rates"] = ratesHeader +
		"130100,310,active,inpatient,3,2024-01-01,1500,visit,0.80,500000\n" +
		"130100,310,active,inpatient,,2025-01-01,1000,visit,0.85,500000\n" +
		"130100,310,active,inpatient,3,2025-07-01,1200,visit,0.88,500000\n" +
		"130100,310,active,inpatient,,2025-07-01,1100,visit,0.86,500000\n" +
		"130100,310,active,inpatient,2,2026-01-01,900,visit,0.95,500000\n"
	p, err := LoadFS(mapFS(tables), "pol")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		level int
		on    record.Date
		want  string // the ratio of the row chosen
	}{
		{"only the level-3 row is valid yet", 3, record.D(2024, 6, 1), "0.8"},
		{"a newer blank-level row beats an older level-3 row", 3, record.D(2025, 3, 1), "0.85"},
		{"at the same valid_from the row naming the level wins", 3, record.D(2025, 8, 1), "0.88"},
		{"a level no row names takes the latest blank row", 1, record.D(2025, 8, 1), "0.86"},
		{"another level's newer row is never taken", 3, record.D(2026, 2, 1), "0.88"},
		{"a level's own newer row wins over the blank one", 2, record.D(2026, 2, 1), "0.95"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := p.Rate("130100", "310", PsnActive, record.MedInpatient, tc.level, tc.on)
			if err != nil {
				t.Fatal(err)
			}
			if r.Ratio.String() != tc.want {
				t.Errorf("ratio %s, want %s", r.Ratio, tc.want)
			}
		})
	}
}

func TestDeadlineWords(t *testing.T) {
	for _, tc := range []struct {
		d    Deadline
		want string
	}{
		{Deadline{Spec: "+1m", PlusMonths: 1}, "出院后 1 个月内"},
		{Deadline{Spec: "next-year-03-31", Month: 3, Day: 31}, "出院次年 3 月 31 日前"},
	} {
		if got := tc.d.Words(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.d.Spec, got, tc.want)
		}
	}
}
