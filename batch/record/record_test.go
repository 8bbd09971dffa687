package record

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestAddMonths(t *testing.T) {
	for _, tc := range []struct {
		name string
		from Date
		n    int
		want Date
	}{
		{"31 January + 1 month is the end of February", D(2025, time.January, 31), 1, D(2025, time.February, 28)},
		{"31 January + 1 month in a leap year", D(2024, time.January, 31), 1, D(2024, time.February, 29)},
		{"15 March + 1 month keeps the day", D(2025, time.March, 15), 1, D(2025, time.April, 15)},
		{"31 August + 6 months is the end of February", D(2025, time.August, 31), 6, D(2026, time.February, 28)},
		{"December + 1 month rolls the year", D(2025, time.December, 31), 1, D(2026, time.January, 31)},
		{"30 April + 1 month keeps day 30", D(2025, time.April, 30), 1, D(2025, time.May, 30)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.from.AddMonths(tc.n); got != tc.want {
				t.Errorf("%s + %d months = %s, want %s", tc.from, tc.n, got, tc.want)
			}
		})
	}
}

func TestDateCompareAndDays(t *testing.T) {
	a, b := D(2025, time.December, 31), D(2026, time.January, 1)
	if !a.Before(b) || b.Before(a) || !b.After(a) || a.Compare(a) != 0 {
		t.Errorf("ordering of %s and %s is wrong", a, b)
	}
	if n := a.DaysUntil(b); n != 1 {
		t.Errorf("DaysUntil = %d, want 1", n)
	}
	if n := b.DaysUntil(a); n != -1 {
		t.Errorf("DaysUntil backwards = %d, want -1", n)
	}
	if (Date{}).String() != "" || !(Date{}).IsZero() {
		t.Error("the zero Date must print empty and be IsZero")
	}
	if d, err := ParseISO("2026-04-10"); err != nil || d != D(2026, time.April, 10) {
		t.Errorf("ParseISO = %v, %v", d, err)
	}
	if _, err := ParseISO("2026-02-30"); err == nil {
		t.Error("ParseISO accepted 2026-02-30")
	}
}

func TestMaskID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"130102199001011234", "130102********1234"},
		{"13010219900101123X", "130102********123X"},
		{"130102900101123", "130102*****1123"}, // 15-digit old ID
		{"abc", "a*c"},
		{"", ""},
	} {
		if got := MaskID(tc.in); got != tc.want {
			t.Errorf("MaskID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := MaskText("证件号 130102199001011234 与 13010219900101123x 不符")
	if got != "证件号 130102********1234 与 130102********123x 不符" {
		t.Errorf("MaskText = %q", got)
	}
}

func TestMaskAccount(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"a 19-digit card keeps its last four", "6222021234567891234", "***************1234"},
		{"a 16-digit card", "6228480012345678", "************5678"},
		{"an account of 8 digits, the shortest accepted", "12345678", "****5678"},
		{"four characters or fewer are hidden whole", "1234", "****"},
		{"empty stays empty", "", ""},
		{"a cell as typed, spaces and all, is counted by characters", "6222 0212 3456", "**********3456"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MaskAccount(tc.in); got != tc.want {
				t.Errorf("MaskAccount(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestPaymentSameAs(t *testing.T) {
	a := Payment{ClaimID: "C1", Amount: decimal.RequireFromString("100"), PaidOn: D(2026, 4, 1), BankRef: "B1", Result: PaymentSuccess,
		Src: Source{File: "a.csv", Row: 2}}
	b := a
	b.Amount, b.Src = decimal.RequireFromString("100.00"), Source{File: "b.csv", Row: 9}
	if !a.SameAs(b) {
		t.Error("the same payment written 100 and 100.00, from another file, must be the same")
	}
	b.Amount = decimal.RequireFromString("100.01")
	if a.SameAs(b) {
		t.Error("another amount must not be the same")
	}
}
