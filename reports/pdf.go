package reports

import (
	"fmt"
	"io"
	"time"

	"github.com/jung-kurt/gofpdf"
)

// Page geometry of every PDF, in millimetres (A4 portrait).
const (
	pageW      = 210.0
	pageH      = 297.0
	margin     = 15.0
	bodyW      = pageW - 2*margin
	bodyBottom = pageH - 18.0 // the footer sits below this line
	lineH      = 4.2          // one line of table text at tableFont
	tableFont  = 7.5
	textFont   = 9.5
)

// china is UTC+8 without DST: the wall clock the agency reads. A fixed zone
// (not time.LoadLocation) keeps the output independent of the host's tzdata.
var china = time.FixedZone("UTC+8", 8*60*60)

// document wraps a gofpdf.Fpdf set up the same way for every report: the
// embedded font, deterministic metadata and a "第 x 页 / 共 y 页" footer.
type document struct {
	pdf     *gofpdf.Fpdf
	section string // the current heading, repeated above a table's continuation
}

// newDocument starts an A4 portrait PDF. stamp becomes the creation and
// modification date, so the same input gives the same bytes; footer is
// printed on every page beside the page numbers (the run id).
func newDocument(title, footer string, stamp time.Time) *document {
	if stamp.IsZero() {
		// gofpdf would put time.Now() in; an absent time must stay deterministic.
		stamp = time.Unix(0, 0)
	}
	stamp = stamp.UTC()
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(stamp)
	pdf.SetModificationDate(stamp)
	pdf.SetTitle(title, true)
	pdf.SetCreator("medrecon", true)
	pdf.SetProducer("medrecon", true)
	// The alias must be declared before the font is added so that gofpdf's
	// subset keeps the digits it substitutes at the end.
	pdf.AliasNbPages("{nb}")
	pdf.AddUTF8FontFromBytes(fontFamily, "", fontTTF)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, 0) // tables break pages themselves, never mid-row
	pdf.SetFooterFunc(func() {
		pdf.SetFont(fontFamily, "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.SetDrawColor(160, 160, 160)
		pdf.Line(margin, pageH-14, pageW-margin, pageH-14)
		pdf.SetXY(margin, pageH-13)
		pdf.CellFormat(bodyW/2, 5, footer, "", 0, "L", false, 0, "")
		pdf.CellFormat(bodyW/2, 5, fmt.Sprintf("第 %d 页 / 共 {nb} 页", pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.SetDrawColor(0, 0, 0)
	})
	pdf.SetFont(fontFamily, "", textFont)
	return &document{pdf: pdf}
}

// write finishes the document into w.
func (d *document) write(w io.Writer) error {
	if err := d.pdf.Output(w); err != nil {
		return fmt.Errorf("render pdf: %w", err)
	}
	return nil
}

// newPage starts a page; the footer of the previous one is drawn by gofpdf.
func (d *document) newPage() {
	d.pdf.AddPage()
	d.pdf.SetFont(fontFamily, "", textFont)
}

// title prints a report's main title.
func (d *document) title(s string) {
	d.pdf.SetFont(fontFamily, "", 18)
	d.pdf.CellFormat(bodyW, 12, s, "", 1, "C", false, 0, "")
	d.pdf.SetFont(fontFamily, "", textFont)
	d.pdf.Ln(2)
}

// heading prints a section heading, first moving to a new page if fewer
// than need millimetres would remain below it: what follows a heading up to
// its table's first row (tableLead) stays on the heading's page. Every
// heading is an entry of the PDF's outline (bookmarks).
func (d *document) heading(s string, need float64) {
	if d.pdf.GetY()+headingH+need > bodyBottom {
		d.newPage()
	}
	d.section = s
	d.pdf.Ln(2)
	d.pdf.Bookmark(s, 0, -1)
	d.pdf.SetFont(fontFamily, "", 13)
	d.pdf.SetFillColor(226, 234, 244)
	d.pdf.CellFormat(bodyW, 8, s, "", 1, "L", true, 0, "")
	d.pdf.SetFont(fontFamily, "", textFont)
	d.pdf.Ln(1.5)
}

// headingH is the height a heading takes, with the space around it.
const headingH = 11.5

// caption prints a line that names the table below it (a sub-section),
// moving to a new page first unless need millimetres fit below it too.
func (d *document) caption(s string, need float64) {
	if d.pdf.GetY()+6+need > bodyBottom {
		d.newPage()
	}
	d.pdf.SetFont(fontFamily, "", 10)
	d.pdf.CellFormat(bodyW, 6, s, "", 1, "L", false, 0, "")
	d.pdf.SetFont(fontFamily, "", textFont)
}

// pair is one label and value of a key-value block.
type pair struct{ label, value string }

// keyValues prints label: value lines, the value wrapped within the page.
func (d *document) keyValues(pairs []pair, labelW float64) {
	pdf := d.pdf
	pdf.SetFont(fontFamily, "", textFont)
	for _, p := range pairs {
		lines := d.wrap(p.value, bodyW-labelW)
		if len(lines) == 0 {
			lines = []string{""}
		}
		h := float64(len(lines)) * 5.5
		if pdf.GetY()+h > bodyBottom {
			d.newPage()
		}
		y := pdf.GetY()
		pdf.SetTextColor(80, 80, 80)
		pdf.SetXY(margin, y)
		pdf.CellFormat(labelW, 5.5, p.label, "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		for i, l := range lines {
			pdf.SetXY(margin+labelW, y+float64(i)*5.5)
			pdf.CellFormat(bodyW-labelW, 5.5, l, "", 0, "L", false, 0, "")
		}
		pdf.SetXY(margin, y+h)
	}
}

// noteHeight is the height note(s) takes.
func (d *document) noteHeight(s string) float64 {
	if s == "" {
		return 0
	}
	size, _ := d.pdf.GetFontSize()
	d.pdf.SetFontSize(8)
	defer d.pdf.SetFontSize(size)
	return float64(len(d.wrap(s, bodyW))) * 4.5
}

// note prints a line of small grey text.
func (d *document) note(s string) {
	d.pdf.SetFont(fontFamily, "", 8)
	d.pdf.SetTextColor(90, 90, 90)
	for _, l := range d.wrap(s, bodyW) {
		if d.pdf.GetY()+4.5 > bodyBottom {
			d.newPage()
			d.pdf.SetFont(fontFamily, "", 8)
			d.pdf.SetTextColor(90, 90, 90)
		}
		d.pdf.CellFormat(bodyW, 4.5, l, "", 1, "L", false, 0, "")
	}
	d.pdf.SetTextColor(0, 0, 0)
	d.pdf.SetFont(fontFamily, "", textFont)
}
