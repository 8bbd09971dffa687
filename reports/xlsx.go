package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"medrecon/batch/record"
)

// cell is one value of a spreadsheet row: text, a whole number or an amount.
type cell struct {
	text   string
	num    string // a decimal or integer written as a number cell
	amount bool   // num is money: format "#,##0.00"
	none   bool   // nothing is written: the cell stays empty, for someone to fill in
	keep   bool   // text formatted as text, as Excel keeps '6222…: a long digit string stays whole when edited
}

func text(s string) cell            { return cell{text: s} }
func integer(n int) cell            { return cell{num: strconv.Itoa(n)} }
func amount(d decimal.Decimal) cell { return cell{num: d.StringFixed(2), amount: true} }
func digits(s string) cell          { return cell{text: s, keep: true} }

// needsQuotePrefix reports whether a text cell could be read as a formula:
// following the OWASP advice on CSV injection, a value starting with = + - @,
// a tab or a carriage return. Such a cell keeps its value and gets the quote
// prefix style (SPEC 4.3), so that Excel and LibreOffice show it as text and
// never evaluate it, also after a user edits it (an institution name like
// =HYPERLINK(...) stays a name).
func needsQuotePrefix(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// textFormat is Excel's built-in number format 49, "@": text.
const textFormat = 49

// newQuoteStyle adds the cell format that Excel gives a cell typed as '=1+1:
// the quotePrefix attribute, which shows the value as text without storing
// the quote. excelize v2.11's Style has no field for the attribute, so it is
// set on the format record that NewStyle appended, through the workbook's
// exported Styles part; the text number format makes that record one of its
// own rather than the default format 0, which every plain cell uses.
func newQuoteStyle(f *excelize.File) (int, error) {
	id, err := f.NewStyle(&excelize.Style{NumFmt: textFormat})
	if err != nil {
		return 0, err
	}
	if id == 0 || f.Styles == nil || f.Styles.CellXfs == nil || id >= len(f.Styles.CellXfs.Xf) {
		return 0, fmt.Errorf("quote prefix style: format %d is not a format record of its own", id)
	}
	xf := &f.Styles.CellXfs.Xf[id]
	if xf.NumFmtID == nil || *xf.NumFmtID != textFormat {
		return 0, fmt.Errorf("quote prefix style: format %d is not the text format", id)
	}
	on := true
	xf.QuotePrefix = &on
	return id, nil
}

// sheet writes one table to a fresh workbook: a Chinese header row, frozen
// panes below it and column widths that fit the content.
type sheet struct {
	f      *excelize.File
	name   string
	widths []float64
	row    int
	money  int // style id of amount cells
	head   int // style id of the header row
	quote  int // style id of text cells that need a quote prefix
}

func newSheet(name string, header []string) (*sheet, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", name, err)
	}
	fmtStr := "#,##0.00"
	money, err := f.NewStyle(&excelize.Style{CustomNumFmt: &fmtStr})
	if err != nil {
		return nil, fmt.Errorf("sheet %s: amount style: %w", name, err)
	}
	head, err := f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E6E6E6"}},
	})
	if err != nil {
		return nil, fmt.Errorf("sheet %s: header style: %w", name, err)
	}
	quote, err := newQuoteStyle(f)
	if err != nil {
		return nil, fmt.Errorf("sheet %s: %w", name, err)
	}
	s := &sheet{f: f, name: name, widths: make([]float64, len(header)), money: money, head: head, quote: quote}
	if err := s.start(header); err != nil {
		return nil, err
	}
	return s, nil
}

// addSheet adds a sheet after the others of s's workbook, set up as
// newSheet sets up the first.
func (s *sheet) addSheet(name string, header []string) (*sheet, error) {
	if _, err := s.f.NewSheet(name); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", name, err)
	}
	n := &sheet{f: s.f, name: name, widths: make([]float64, len(header)), money: s.money, head: s.head, quote: s.quote}
	if err := n.start(header); err != nil {
		return nil, err
	}
	return n, nil
}

// start writes the header row, in the header style, and freezes it.
func (s *sheet) start(header []string) error {
	cells := make([]cell, len(header))
	for i, h := range header {
		cells[i] = text(h)
	}
	if err := s.add(cells); err != nil {
		return err
	}
	last, err := excelize.CoordinatesToCellName(len(header), 1)
	if err != nil {
		return err
	}
	if err := s.f.SetCellStyle(s.name, "A1", last, s.head); err != nil {
		return fmt.Errorf("sheet %s: %w", s.name, err)
	}
	if err := s.f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("sheet %s: freeze header: %w", s.name, err)
	}
	return nil
}

// add appends a row.
func (s *sheet) add(cells []cell) error {
	s.row++
	for i, c := range cells {
		if c.none {
			continue
		}
		ref, err := excelize.CoordinatesToCellName(i+1, s.row)
		if err != nil {
			return err
		}
		shown := c.text
		if c.num != "" {
			// SetCellDefault stores the decimal's digits as a number cell
			// without passing through float64.
			if err := s.f.SetCellDefault(s.name, ref, c.num); err != nil {
				return fmt.Errorf("sheet %s cell %s: %w", s.name, ref, err)
			}
			if c.amount {
				if err := s.f.SetCellStyle(s.name, ref, ref, s.money); err != nil {
					return fmt.Errorf("sheet %s cell %s: %w", s.name, ref, err)
				}
				shown = money(decimal.RequireFromString(c.num))
			} else {
				shown = c.num
			}
		} else {
			// SetCellStr writes a shared string, never a formula; the
			// quote prefix keeps Excel from reading one when the cell is edited.
			if err := s.f.SetCellStr(s.name, ref, c.text); err != nil {
				return fmt.Errorf("sheet %s cell %s: %w", s.name, ref, err)
			}
			if c.keep || needsQuotePrefix(c.text) {
				if err := s.f.SetCellStyle(s.name, ref, ref, s.quote); err != nil {
					return fmt.Errorf("sheet %s cell %s: %w", s.name, ref, err)
				}
			}
		}
		if i < len(s.widths) {
			s.widths[i] = max(s.widths[i], displayWidth(shown))
		}
	}
	return nil
}

// displayWidth estimates a cell's width in Excel's character units: CJK
// characters take two, and the longest line of a wrapped value counts.
func displayWidth(s string) float64 {
	var widest float64
	for _, line := range strings.Split(s, "\n") {
		var w float64
		for _, r := range line {
			if r >= 0x2E80 { // CJK and full-width forms
				w += 2
			} else {
				w++
			}
		}
		widest = max(widest, w)
	}
	return widest
}

// write sets the column widths and saves the workbook into w.
func (s *sheet) write(w io.Writer) error {
	if err := s.fit(); err != nil {
		return err
	}
	if err := s.f.Write(w); err != nil {
		return fmt.Errorf("sheet %s: %w", s.name, err)
	}
	return s.f.Close()
}

// fit sets the column widths to the content.
func (s *sheet) fit() error {
	for i, width := range s.widths {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := s.f.SetColWidth(s.name, col, col, min(max(width+2, 8), 80)); err != nil {
			return fmt.Errorf("sheet %s: %w", s.name, err)
		}
	}
	return nil
}

// excelEpoch is day 0 of Excel's 1900 date system as Excel counts it (with
// its phantom 29 February 1900, so serials from March 1900 on are right).
var excelEpoch = record.D(1899, 12, 30)

// setDateCell makes column col (1-based) of the sheet's last row the date
// day: its serial day number, exact, under the date style; a zero date
// leaves the cell blank.
func setDateCell(s *sheet, col int, day record.Date, style int) error {
	ref, err := excelize.CoordinatesToCellName(col, s.row)
	if err != nil {
		return err
	}
	if day.IsZero() {
		return s.f.SetCellDefault(s.name, ref, "")
	}
	if err := s.f.SetCellDefault(s.name, ref, strconv.Itoa(excelEpoch.DaysUntil(day))); err != nil {
		return fmt.Errorf("sheet %s cell %s: %w", s.name, ref, err)
	}
	if err := s.f.SetCellStyle(s.name, ref, ref, style); err != nil {
		return fmt.Errorf("sheet %s cell %s: %w", s.name, ref, err)
	}
	return nil
}
