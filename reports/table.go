package reports

import (
	"path/filepath"
	"strings"
)

// column is one column of a table: its heading, width in millimetres and
// alignment ("L", "R" or "C").
type column struct {
	head  string
	width float64
	align string
}

// table prints rows under a header row. Cells wrap within their column; a
// row that does not fit below the current position moves whole to the next
// page, where the header row is repeated, so no row is ever split or cut.
// Only a row taller than an entire page (which no real cell is) continues
// over pages, its lines carried on under a repeated header.
func (d *document) table(cols []column, rows [][]string) {
	pdf := d.pdf
	pdf.SetFont(fontFamily, "", tableFont)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.head
	}
	// A header row is never left alone at a page's foot: it starts a new
	// page unless the first row (or a few lines of it) fits below it.
	if pdf.GetY()+d.tableLead(cols, rows) > bodyBottom {
		d.newPage()
		pdf.SetFont(fontFamily, "", tableFont)
	}
	d.tableRow(cols, d.splitRow(cols, header), true)
	for _, row := range rows {
		cells := d.splitRow(cols, row)
		h := rowHeight(cells)
		if pdf.GetY()+h > bodyBottom {
			d.continuePage(cols, header)
		}
		for {
			fit := int((bodyBottom - pdf.GetY() - 1.6) / lineH)
			if rowHeight(cells) <= bodyBottom-pdf.GetY() || fit < 1 {
				d.tableRow(cols, cells, false)
				break
			}
			// Taller than a whole page: print what fits, continue overleaf.
			head, rest := cutLines(cells, fit)
			d.tableRow(cols, head, false)
			cells = rest
			d.continuePage(cols, header)
		}
	}
	pdf.SetFont(fontFamily, "", textFont)
	pdf.Ln(2)
}

// tableLead is the height a table needs at its start: its header row and
// its first row, or three lines of a first row taller than that. A heading
// above a table asks for this much room below it, so that the heading, the
// header row and a first row always stand on one page.
func (d *document) tableLead(cols []column, rows [][]string) float64 {
	size, _ := d.pdf.GetFontSize()
	d.pdf.SetFontSize(tableFont)
	defer d.pdf.SetFontSize(size)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.head
	}
	h := rowHeight(d.splitRow(cols, header))
	if len(rows) > 0 {
		h += min(rowHeight(d.splitRow(cols, rows[0])), 3*lineH+1.6)
	}
	return h
}

// continuePage carries a table over to a new page: the section's name
// marked （续） and the header row again.
func (d *document) continuePage(cols []column, header []string) {
	d.newPage()
	if d.section != "" {
		d.pdf.SetFont(fontFamily, "", 8)
		d.pdf.SetTextColor(90, 90, 90)
		d.pdf.CellFormat(bodyW, 5, d.section+"（续）", "", 1, "L", false, 0, "")
		d.pdf.SetTextColor(0, 0, 0)
	}
	d.pdf.SetFont(fontFamily, "", tableFont)
	d.tableRow(cols, d.splitRow(cols, header), true)
}

// splitRow wraps every cell of a row to its column width.
func (d *document) splitRow(cols []column, row []string) [][]string {
	cells := make([][]string, len(cols))
	for i, c := range cols {
		var s string
		if i < len(row) {
			s = row[i]
		}
		lines := d.wrap(s, c.width)
		if len(lines) == 0 {
			lines = []string{""}
		}
		cells[i] = lines
	}
	return cells
}

func rowHeight(cells [][]string) float64 {
	n := 1
	for _, c := range cells {
		n = max(n, len(c))
	}
	return float64(n)*lineH + 1.6
}

// cutLines splits wrapped cells after n lines.
func cutLines(cells [][]string, n int) (head, rest [][]string) {
	head = make([][]string, len(cells))
	rest = make([][]string, len(cells))
	for i, c := range cells {
		k := min(n, len(c))
		head[i], rest[i] = c[:k], c[k:]
		if len(rest[i]) == 0 {
			rest[i] = []string{""}
		}
	}
	return head, rest
}

// tableRow draws one row of wrapped cells with borders at the current position.
func (d *document) tableRow(cols []column, cells [][]string, header bool) {
	pdf := d.pdf
	h := rowHeight(cells)
	x, y := margin, pdf.GetY()
	pdf.SetDrawColor(170, 170, 170)
	pdf.SetLineWidth(0.1)
	for i, c := range cols {
		style := "D"
		if header {
			pdf.SetFillColor(230, 230, 230)
			style = "FD"
		}
		pdf.Rect(x, y, c.width, h, style)
		align := c.align
		if header {
			align = "C"
		}
		for j, l := range cells[i] {
			pdf.SetXY(x, y+0.8+float64(j)*lineH)
			pdf.CellFormat(c.width, lineH, l, "", 0, align, false, 0, "")
		}
		x += c.width
	}
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetXY(margin, y+h)
}

// fitName shortens a file's path to one line of a table cell w wide, so
// that a name is never broken over lines: the whole path if it fits, else
// its last element after "…/", else that name with its middle left out
// ("settlem…_refund.csv"), keeping its start and its end with the
// extension. The file's SHA-256 beside it identifies it exactly.
func (d *document) fitName(path string, w float64) string {
	size, _ := d.pdf.GetFontSize()
	d.pdf.SetFontSize(tableFont)
	defer d.pdf.SetFontSize(size)
	wmax := w - 2*d.pdf.GetCellMargin()
	fits := func(s string) bool { return d.pdf.GetStringWidth(s) <= wmax }
	if fits(path) {
		return path
	}
	base := path[strings.LastIndexAny(path, `/\`)+1:]
	if base != path && fits("…/"+base) {
		return "…/" + base
	}
	r := []rune(base)
	ext := len([]rune(filepath.Ext(base)))
	for keep := len(r) - 1; keep > 0; keep-- {
		tail := min(keep, max(keep/2, ext+2))
		if s := string(r[:keep-tail]) + "…" + string(r[len(r)-tail:]); fits(s) {
			return s
		}
	}
	return "…"
}
