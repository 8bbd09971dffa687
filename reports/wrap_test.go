package reports

import (
	"strings"
	"testing"
	"time"
)

func TestWrapKeepsEveryCharacter(t *testing.T) {
	doc := newDocument("t", "t", time.Time{})
	doc.newPage()
	doc.pdf.SetFont(fontFamily, "", tableFont)
	tests := []struct {
		name  string
		text  string
		width float64
	}{
		{"chinese breaks anywhere", strings.Repeat("就医地报告的统筹基金支出与应付金额不一致，请核对结算明细。", 4), 40},
		{"latin breaks at spaces", "The reported fund payment differs from the expected amount by 150.00 yuan", 30},
		{"a hash wider than the cell breaks inside", "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b", 25},
		{"mixed text and newlines", "统筹支付金额不符\nAMOUNT_MISMATCH 证件 120103********0098 差额 -300.00", 22},
		{"a cell narrower than one character", "宽字", 1},
		{"empty", "", 20},
		{"brackets stay with their content", "某某省某某市第12人民医院（集团）总院东院区（H90011）", 35},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := doc.wrap(tt.text, tt.width)
			if len(lines) == 0 {
				t.Fatal("no lines")
			}
			if got, want := squeeze(strings.Join(lines, "")), squeeze(tt.text); got != want {
				t.Errorf("wrapped text lost characters:\n got %q\nwant %q", got, want)
			}
			for _, l := range lines {
				if len([]rune(l)) > 1 && doc.pdf.GetStringWidth(l) > tt.width-2*doc.pdf.GetCellMargin()+1e-9 {
					t.Errorf("line %q is %.1f mm wide, cell holds %.1f", l, doc.pdf.GetStringWidth(l), tt.width)
				}
				if strings.HasPrefix(l, "，") || strings.HasPrefix(l, "。") || strings.HasPrefix(l, "）") {
					t.Errorf("line %q starts with closing punctuation", l)
				}
				if len(lines) > 1 && strings.HasSuffix(l, "（") {
					t.Errorf("line %q ends with opening punctuation", l)
				}
			}
		})
	}
}
