package ledger

import (
	"errors"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// TestMissing: the keys a chunk changed that Begin did not delete, from two
// lists sorted by cmpKey.
func TestMissing(t *testing.T) {
	k := func(certno string, year int, cat string) record.YearKey {
		return record.YearKey{Certno: certno, Year: year, MedCat: cat}
	}
	a, b, c, d := k("1", 2025, "门诊"), k("1", 2025, "住院"), k("1", 2026, "住院"), k("2", 2025, "住院")
	for _, tc := range []struct {
		name       string
		changed    []record.YearKey
		deleted    []record.YearKey
		wantMissed []record.YearKey
	}{
		{"nothing changed", nil, []record.YearKey{a}, nil},
		{"nothing deleted", []record.YearKey{b, a}, nil, []record.YearKey{b, a}},
		{"all deleted", []record.YearKey{b, a, c}, []record.YearKey{b, a, c, d}, nil},
		{"one late at the start", []record.YearKey{b, a}, []record.YearKey{a}, []record.YearKey{b}},
		{"one late between", []record.YearKey{b, a, c}, []record.YearKey{b, c}, []record.YearKey{a}},
		{"late at the end", []record.YearKey{a, c, d}, []record.YearKey{b, a}, []record.YearKey{c, d}},
		{"same certno, other year", []record.YearKey{c}, []record.YearKey{b}, []record.YearKey{c}},
	} {
		if got := missing(tc.changed, tc.deleted); !cmp.Equal(got, tc.wantMissed) {
			t.Errorf("%s: missing %v, want %v", tc.name, got, tc.wantMissed)
		}
	}
}

// TestKeep: Begin keeps every replaced key, sorted, with a certno that does
// not share the night's record's text, and in fen only the totals with
// visits, which Commit writes back; an amount fen cannot hold stops it.
func TestKeep(t *testing.T) {
	text := "130102198001011232,130102198001011232,2025" // as ingest keeps a row: one string
	certno := text[:18]
	other := text[19:37]
	dec := decimal.RequireFromString
	replace := map[record.YearKey]record.YearTotal{
		{Certno: certno, Year: 2025, MedCat: "门诊"}:               {},
		{Certno: certno, Year: 2025, MedCat: "住院"}:               {DeductibleBorne: dec("600"), BasicPaid: dec("1234.56"), EligibleBase: dec("0.01"), SeriousPaid: dec("-2.50"), Visits: 2},
		{Certno: "110101199003074514", Year: 2024, MedCat: "住院"}: {Visits: 1},
		{Certno: other, Year: 2026, MedCat: "住院"}:                {},
	}
	keys, kept, err := keep(replace)
	if err != nil {
		t.Fatal(err)
	}
	want := []record.YearKey{
		{Certno: "110101199003074514", Year: 2024, MedCat: "住院"},
		{Certno: certno, Year: 2025, MedCat: "住院"},
		{Certno: certno, Year: 2025, MedCat: "门诊"},
		{Certno: certno, Year: 2026, MedCat: "住院"},
	}
	if !cmp.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	in := func(s string) bool {
		p, q := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(text)))
		return p >= q && p < q+uintptr(len(text))
	}
	for _, k := range keys {
		if in(k.Certno) {
			t.Errorf("key %v still points into the record's text", k)
		}
	}
	if unsafe.StringData(keys[1].Certno) != unsafe.StringData(keys[2].Certno) {
		t.Errorf("two keys of one person got a certno each")
	}
	wantKept := map[record.YearKey]yearFen{
		want[1]: {deductible: 60000, basic: 123456, eligible: 1, serious: -250, visits: 2},
		want[0]: {visits: 1},
	}
	if !cmp.Equal(kept, wantKept, cmp.AllowUnexported(yearFen{})) {
		t.Errorf("kept %v, want %v", kept, wantKept)
	}

	replace[record.YearKey{Certno: certno, Year: 2023}] = record.YearTotal{BasicPaid: dec("0.001"), Visits: 1}
	if _, _, err := keep(replace); !errors.Is(err, record.ErrNotExact) {
		t.Errorf("a total of 0.001 yuan: err %v, want ErrNotExact", err)
	}
}
