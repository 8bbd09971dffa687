package reports

import (
	"strings"
	"unicode"
)

// wrap splits s into lines that fit a cell w millimetres wide in the
// current font. gofpdf's SplitText drops the character at which it breaks
// Chinese text, so reports wrap with this instead: a line may break after a
// space (the space is dropped), before or after a CJK character, and inside
// a word that is wider than the cell by itself (an ID, a hash). Nothing is
// ever lost; explicit newlines are kept.
func (d *document) wrap(s string, w float64) []string {
	wmax := w - 2*d.pdf.GetCellMargin()
	var lines []string
	for _, para := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		lines = append(lines, d.wrapLine([]rune(para), wmax)...)
	}
	return lines
}

func (d *document) wrapLine(r []rune, wmax float64) []string {
	var lines []string
	for len(r) > 0 {
		width := 0.0
		brk := -1 // index where the line may end (exclusive)
		skip := 0 // runes dropped at the break (a space)
		i := 0
		for ; i < len(r); i++ {
			cw := d.pdf.GetStringWidth(string(r[i]))
			if width+cw > wmax && i > 0 {
				break
			}
			width += cw
			switch {
			case unicode.IsSpace(r[i]):
				brk, skip = i, 1
			case i+1 < len(r) && (isWide(r[i]) || isWide(r[i+1])) && !closing(r[i+1]) && !opening(r[i]):
				brk, skip = i+1, 0
			}
		}
		if i == len(r) {
			lines = append(lines, string(r))
			break
		}
		if brk <= 0 {
			brk, skip = i, 0 // one word wider than the cell: break inside it
		}
		lines = append(lines, strings.TrimRightFunc(string(r[:brk]), unicode.IsSpace))
		r = r[brk+skip:]
	}
	if len(lines) == 0 {
		lines = []string{""}
	}
	return lines
}

// isWide reports whether r is a CJK ideograph or full-width punctuation,
// around which Chinese text may break.
func isWide(r rune) bool { return r >= 0x2E80 }

// opening reports whether r is punctuation that must not end a line.
func opening(r rune) bool { return strings.ContainsRune("（《「『“‘(", r) }

// closing reports whether r is punctuation that must not begin a line.
func closing(r rune) bool {
	return strings.ContainsRune("，。、；：？！）》」』”’％,.;:?!)%", r)
}
