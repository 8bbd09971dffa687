package main

import (
	"fmt"
	"path/filepath"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"medrecon/reports"
)

// The demo's office: what the reviewers and the finance office hand back on
// nights 2 and 3, filled in on the very files the nights before wrote (the
// worklist's sheets and the payments template), as people would fill them
// in. Every choice is fixed, so that the demo gives the same ledger
// everywhere.

const (
	demoReviewer = "周虚构"
	// demoAppeal is a claim night 1 rejects as late (handed in 8 days after
	// its deadline); its person brings a certificate from the hospital.
	demoAppeal = "BX2026040007"
	// demoUnpaid is the claim completed on night 2; finance leaves it
	// unpaid on night 3 while its account is checked.
	demoUnpaid = "BX2026030010"
)

// demoNight2: the reviewers decide the night-1 worklist's review claims on
// its fill-in sheet (the first adjusted to 80%, any other approved) and add
// the appeal as a row of their own; finance fills in night 1's payments
// template: all paid on 12 April, but the first fails (the account is
// closed) and the second is paid 100.00 too much.
func demoNight2(d demoDirs, in string) error {
	sheet, err := openSheet(d.worklist(1))
	if err != nil {
		return err
	}
	const payableCol = "M" // 按规则计算金额 of the fill-in sheet
	for r := 2; r <= sheet.rows; r++ {
		payable, err := sheet.amount(payableCol, r)
		if err != nil {
			return err
		}
		decision := []any{"核准", nil, nil, demoReviewer, "2026-04-12"}
		if r == 2 {
			decision = []any{"调整", payable.Mul(decimal.RequireFromString("0.8")).Round(2), "部分药品属自费项目", demoReviewer, "2026-04-12"}
		}
		if err := sheet.setRow("B", r, decision...); err != nil {
			return err
		}
	}
	err = sheet.setRow("A", sheet.rows+1, demoAppeal, "核准", nil, "住院期间未能按期申报, 已补交医院证明", demoReviewer, "2026-04-12")
	if err != nil {
		return err
	}
	if err := sheet.saveAs(filepath.Join(in, "复核决定.xlsx")); err != nil {
		return err
	}

	pay, err := d.paymentsTemplate(1)
	if err != nil {
		return err
	}
	for r := 2; r <= pay.rows; r++ {
		result := []any{"2026-04-12", fmt.Sprintf("DEMO0412%03d", r-1), "成功"}
		switch r {
		case 2:
			result = []any{"2026-04-12", fmt.Sprintf("DEMO0412%03d", r-1), "失败", "账户已销户"}
		case 3:
			amount, err := pay.amount("B", r)
			if err != nil {
				return err
			}
			if err := pay.setRow("B", r, amount.Add(decimal.NewFromInt(100))); err != nil {
				return err
			}
		}
		if err := pay.setRow("C", r, result...); err != nil {
			return err
		}
	}
	return pay.saveAs(filepath.Join(in, "支付结果.xlsx"))
}

// demoNight3: finance pays night 2's template on 19 April but for
// demoUnpaid, whose row it leaves blank (a row that reports no payment is
// passed over), pays again what the night-2 worklist lists as failed, and
// books what its 待追回 list says the person returned (a negative payment,
// SPEC 2.7).
func demoNight3(d demoDirs, in string) error {
	pay, err := d.paymentsTemplate(2)
	if err != nil {
		return err
	}
	ref := 0
	next := func() string { ref++; return fmt.Sprintf("DEMO0419%03d", ref) }
	for r := 2; r <= pay.rows; r++ {
		if pay.text("A", r) == demoUnpaid {
			continue
		}
		if err := pay.setRow("C", r, "2026-04-19", next(), "成功"); err != nil {
			return err
		}
	}
	list, err := openWorkbook(d.worklist(2))
	if err != nil {
		return err
	}
	defer list.Close()
	row := pay.rows + 1
	failed, err := list.sheet("支付失败")
	if err != nil {
		return err
	}
	for r := 2; r <= failed.rows; r++ { // 申请编号 A, 应付金额 E
		amount, err := failed.amount("E", r)
		if err != nil {
			return err
		}
		if err := pay.setRow("A", row, failed.text("A", r), amount, "2026-04-19", next(), "成功"); err != nil {
			return err
		}
		row++
	}
	open, err := list.sheet("待追回")
	if err != nil {
		return err
	}
	for r := 2; r <= open.rows; r++ { // 申请编号 C, 应追回金额 F
		amount, err := open.amount("F", r)
		if err != nil {
			return err
		}
		if err := pay.setRow("A", row, open.text("C", r), amount.Neg(), "2026-04-19", next(), "成功", "退回多付款"); err != nil {
			return err
		}
		row++
	}
	return pay.saveAs(filepath.Join(in, "支付结果.xlsx"))
}

// paymentsTemplate opens the payments template night n exported.
func (d demoDirs) paymentsTemplate(n int) (*officeSheet, error) {
	export, err := d.export(n)
	if err != nil {
		return nil, err
	}
	return openSheet(filepath.Join(export, reports.PaymentsTemplateFile))
}

// workbook is an XLSX the demo's office fills in.
type workbook struct{ f *excelize.File }

func openWorkbook(path string) (workbook, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return workbook{}, fmt.Errorf("open %s: %w", path, err)
	}
	return workbook{f}, nil
}

func (w workbook) Close() error { return w.f.Close() }

// sheet returns the named sheet of w.
func (w workbook) sheet(name string) (*officeSheet, error) {
	rows, err := w.f.GetRows(name)
	if err != nil {
		return nil, fmt.Errorf("%s: sheet %s: %w", w.f.Path, name, err)
	}
	return &officeSheet{f: w.f, name: name, rows: len(rows)}, nil
}

// officeSheet is one sheet of a workbook being filled in; rows counts its
// rows, the header row included.
type officeSheet struct {
	f    *excelize.File
	name string
	rows int
}

// openSheet opens path's first sheet, the one a workbook is read by.
func openSheet(path string) (*officeSheet, error) {
	w, err := openWorkbook(path)
	if err != nil {
		return nil, err
	}
	return w.sheet(w.f.GetSheetName(0))
}

func (s *officeSheet) text(col string, row int) string {
	v, _ := s.f.GetCellValue(s.name, fmt.Sprintf("%s%d", col, row))
	return v
}

// amount reads a money cell as stored, not as its number format shows it.
func (s *officeSheet) amount(col string, row int) (decimal.Decimal, error) {
	v, err := s.f.GetCellValue(s.name, fmt.Sprintf("%s%d", col, row), excelize.Options{RawCellValue: true})
	if err != nil {
		return decimal.Decimal{}, err
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%s: sheet %s cell %s%d: %q is not an amount", s.f.Path, s.name, col, row, v)
	}
	return d, nil
}

// setRow fills the cells of row from col on: text as text, an amount as a
// number cell (written from its decimal digits, never through float64),
// nil left as it is.
func (s *officeSheet) setRow(col string, row int, vals ...any) error {
	c, err := excelize.ColumnNameToNumber(col)
	if err != nil {
		return err
	}
	for i, v := range vals {
		cell, err := excelize.CoordinatesToCellName(c+i, row)
		if err != nil {
			return err
		}
		switch v := v.(type) {
		case nil:
		case string:
			err = s.f.SetCellStr(s.name, cell, v)
		case decimal.Decimal:
			err = s.f.SetCellDefault(s.name, cell, v.StringFixed(2))
		default:
			err = fmt.Errorf("cell %s: cannot write a %T", cell, v)
		}
		if err != nil {
			return err
		}
	}
	if row > s.rows {
		s.rows = row
	}
	return nil
}

func (s *officeSheet) saveAs(path string) error {
	defer s.f.Close()
	if err := s.f.SaveAs(path); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}
