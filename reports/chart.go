package reports

import (
	"github.com/shopspring/decimal"
)

// bar is one bar of a horizontal bar chart.
type bar struct {
	label string
	value decimal.Decimal
	text  string // the value as printed at the right
}

const (
	barRowH   = 7.0
	barLabelW = 58.0
	barTextW  = 30.0
	minBarW   = 0.8
)

// barChart draws horizontal bars with gofpdf's rectangles, lines and text:
// a label column, the bars around a zero line (negative bars to its left in
// another colour) and the printed value at the right. Converting to float64
// here only decides a bar's length; the printed amounts are the decimals.
func (d *document) barChart(bars []bar) {
	pdf := d.pdf
	if len(bars) == 0 {
		d.note("（无数据）")
		return
	}
	var maxPos, maxNeg float64
	for _, b := range bars {
		v := b.value.InexactFloat64()
		maxPos = max(maxPos, v)
		maxNeg = max(maxNeg, -v)
	}
	span := maxPos + maxNeg
	if span == 0 {
		span = 1
	}
	areaX := margin + barLabelW + 2
	areaW := bodyW - barLabelW - barTextW - 4
	zeroX := areaX + areaW*maxNeg/span
	h := float64(len(bars)) * barRowH
	if pdf.GetY()+h+2 > bodyBottom {
		d.newPage()
	}
	top := pdf.GetY()
	pdf.SetFont(fontFamily, "", 7)
	for i, b := range bars {
		y := top + float64(i)*barRowH
		if i%2 == 0 {
			pdf.SetFillColor(246, 246, 246)
			pdf.Rect(margin, y, bodyW, barRowH, "F")
		}
		lines := d.wrap(b.label, barLabelW)
		if len(lines) > 2 {
			lines = lines[:2]
			lines[1] = trimToWidth(d, lines[1]+"…", barLabelW)
		}
		off := (barRowH - float64(len(lines))*3.2) / 2
		for j, l := range lines {
			pdf.SetXY(margin, y+off+float64(j)*3.2)
			pdf.CellFormat(barLabelW, 3.2, l, "", 0, "R", false, 0, "")
		}
		v := b.value.InexactFloat64()
		// A bar of one finding beside one of thousands would be thinner
		// than a hairline; every value but zero keeps a visible bar.
		w := areaW * abs(v) / span
		if v != 0 {
			w = max(w, minBarW)
		}
		if v >= 0 {
			pdf.SetFillColor(52, 101, 164)
			pdf.Rect(zeroX, y+1.5, w, barRowH-3, "F")
		} else {
			pdf.SetFillColor(204, 68, 51)
			pdf.Rect(zeroX-w, y+1.5, w, barRowH-3, "F")
		}
		pdf.SetXY(areaX+areaW+2, y)
		pdf.CellFormat(barTextW, barRowH, b.text, "", 0, "R", false, 0, "")
	}
	pdf.SetDrawColor(60, 60, 60)
	pdf.SetLineWidth(0.3)
	pdf.Line(zeroX, top, zeroX, top+h)
	pdf.SetLineWidth(0.2)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetFont(fontFamily, "", textFont)
	pdf.SetXY(margin, top+h+2)
}

// trimToWidth shortens s (which ends in "…") until it fits w.
func trimToWidth(d *document, s string, w float64) string {
	r := []rune(s)
	for len(r) > 1 && d.pdf.GetStringWidth(string(r))+2 > w {
		r = append(r[:len(r)-2], '…')
	}
	return string(r)
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
