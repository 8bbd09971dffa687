package reports

import "testing"

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

func TestGuardFormula(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=SUM(A1:A9)", "'=SUM(A1:A9)"},
		{"+86 138", "'+86 138"},
		{"-300", "'-300"},
		{"@cmd", "'@cmd"},
		{"\tTAB", "'\tTAB"},
		{"\rCR", "'\rCR"},
		{"天津市第一中心医院", "天津市第一中心医院"},
		{"a=b", "a=b"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := guardFormula(tt.in); got != tt.want {
			t.Errorf("guardFormula(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
