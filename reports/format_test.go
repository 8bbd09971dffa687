package reports

import (
	"testing"

	"medrecon/batch/record"
)

func TestMoney(t *testing.T) {
	tests := []struct {
		in, money, yuan string
	}{
		{"0", "0.00", "¥0.00"},
		{"5", "5.00", "¥5.00"},
		{"999.9", "999.90", "¥999.90"},
		{"1000", "1,000.00", "¥1,000.00"},
		{"70650.00", "70,650.00", "¥70,650.00"},
		{"1234567.89", "1,234,567.89", "¥1,234,567.89"},
		{"-300", "-300.00", "-¥300.00"},
		{"-1234567.5", "-1,234,567.50", "-¥1,234,567.50"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := money(dec(tt.in)); got != tt.money {
				t.Errorf("money(%s) = %q, want %q", tt.in, got, tt.money)
			}
			if got := yuan(dec(tt.in)); got != tt.yuan {
				t.Errorf("yuan(%s) = %q, want %q", tt.in, got, tt.yuan)
			}
		})
	}
}

func TestNeedsQuotePrefix(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"=SUM(A1:A9)", true},
		{"+86 138", true},
		{"-300", true},
		{"@cmd", true},
		{"\tTAB", true},
		{"\rCR", true},
		{"天津市第一中心医院", false},
		{"a=b", false},
		{" =1+1", false},
		{"'=1+1", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := needsQuotePrefix(tt.in); got != tt.want {
			t.Errorf("needsQuotePrefix(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestCodeLabel checks that every finding code of SPEC 3 has a Chinese name
// of its own.
func TestCodeLabel(t *testing.T) {
	codes := append(append([]string{record.AlreadyReimbursed, record.ClaimConflict}, record.FindingCodes...), record.LifeCodes...)
	seen := map[string]string{}
	for _, code := range codes {
		label := codeLabel(code)
		if label == code || label == "" {
			t.Errorf("codeLabel(%s) = %q, want a Chinese name", code, label)
		}
		if other, ok := seen[label]; ok {
			t.Errorf("codeLabel(%s) = %q, the name of %s too", code, label, other)
		}
		seen[label] = code
	}
	if got, want := codeLabel(record.AlreadyReimbursed), "已手工报销重复支付"; got != want {
		t.Errorf("codeLabel(ALREADY_REIMBURSED) = %q, want %q", got, want)
	}
	if got := codeLabel("NOT_A_CODE"); got != "NOT_A_CODE" {
		t.Errorf("an unknown code is named %q, want the code itself", got)
	}
}
