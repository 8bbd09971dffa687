package reports

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"medrecon/batch/record"
)

// reviewHeader heads the fill-in sheet: claim_id and the decision columns of
// SPEC 2.6 under their Chinese labels, in the order of a decisions file,
// then the claim's own columns. Nothing right of 复核日期 is a column of a
// decisions file (the reader ignores them), and none of them names one, so
// the sheet is told a decisions file by its header row.
var reviewHeader = []string{
	"申请编号", "复核结论", "核定金额", "理由", "复核人", "复核日期",
	"姓名", "证件号码", "医疗机构", "医疗类别", "出院日期", "申请日期", "按规则计算金额", "进入复核日期", "待复核原因", "基准日",
}

// The fill-in columns of reviewHeader (1-based).
const (
	colDecision  = 2
	colAmount    = 3
	colReason    = 4
	colReviewer  = 5
	colDecidedOn = 6
)

// empty is a fill-in cell: no value, only the tint set after the rows.
var empty = cell{none: true}

// decisionWords are what the 复核结论 column offers (SPEC 2.6).
var decisionWords = []string{"核准", "驳回", "调整"}

// WriteDeadlinesXLSX writes the office's worklist as a workbook, one sheet
// per section: 待复核, 申报期限, 核准超期未支付, 支付失败, 待追回. Dates are
// Excel dates formatted yyyy-mm-dd, so that the office can sort and filter
// by them; 医疗类别 is named (普通住院), not coded; ID numbers and bank
// accounts are masked.
//
// 待复核 is the reviewers' fill-in sheet and comes first: a workbook is read
// by its first sheet, so the file handed back unchanged but for the filled
// rows is the next night's decisions file, given as --decisions or dropped
// in the --in folder. Its decision columns are empty and tinted; 复核结论
// offers 核准 / 驳回 / 调整, 核定金额 takes an amount and 复核日期 a date.
// A row left blank is no decision (ingest passes it over) and the claim
// returns on the next worklist.
func WriteDeadlinesXLSX(w io.Writer, l OfficeWorklist) error {
	review, err := newSheet(sectionReview, reviewHeader)
	if err != nil {
		return fmt.Errorf("worklist xlsx: %w", err)
	}
	x := worklistBook{first: review, asOf: l.AsOf}
	if err := x.styles(); err != nil {
		return fmt.Errorf("worklist xlsx: %w", err)
	}
	steps := []func(OfficeWorklist) error{x.review, x.deadlines, x.unpaid, x.failed, x.recoveries}
	for _, step := range steps {
		if err := step(l); err != nil {
			return fmt.Errorf("worklist xlsx: %w", err)
		}
	}
	for _, s := range x.sheets {
		if err := s.fit(); err != nil {
			return fmt.Errorf("worklist xlsx: %w", err)
		}
	}
	if err := review.f.Write(w); err != nil {
		return fmt.Errorf("worklist xlsx: %w", err)
	}
	return review.f.Close()
}

// worklistBook holds the worklist workbook while its sheets are written.
type worklistBook struct {
	first  *sheet
	sheets []*sheet
	asOf   record.Date

	date      int // style of date cells
	fillText  int // a fill-in cell: tinted
	fillMoney int // a fill-in amount cell
	fillDate  int // a fill-in date cell
}

// fillTint is the colour of the cells a reviewer fills in.
const fillTint = "FFF2CC"

func (x *worklistBook) styles() error {
	dateFmt, moneyFmt := "yyyy-mm-dd", "#,##0.00"
	tint := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fillTint}}
	var err error
	if x.date, err = x.first.f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return fmt.Errorf("date style: %w", err)
	}
	if x.fillText, err = x.first.f.NewStyle(&excelize.Style{Fill: tint, NumFmt: textFormat}); err != nil {
		return fmt.Errorf("fill-in style: %w", err)
	}
	if x.fillMoney, err = x.first.f.NewStyle(&excelize.Style{Fill: tint, CustomNumFmt: &moneyFmt}); err != nil {
		return fmt.Errorf("fill-in amount style: %w", err)
	}
	if x.fillDate, err = x.first.f.NewStyle(&excelize.Style{Fill: tint, CustomNumFmt: &dateFmt}); err != nil {
		return fmt.Errorf("fill-in date style: %w", err)
	}
	return nil
}

// sheet returns the workbook's first sheet the first time, a new sheet
// after it every other time.
func (x *worklistBook) sheet(name string, header []string) (*sheet, error) {
	s := x.first
	if len(x.sheets) > 0 {
		var err error
		if s, err = x.first.addSheet(name, header); err != nil {
			return nil, err
		}
	}
	x.sheets = append(x.sheets, s)
	return s, nil
}

// dated is a column (1-based) of a row and the date it holds.
type dated struct {
	col int
	day record.Date
}

// dates makes the given columns of s's last row date cells.
func (x *worklistBook) dates(s *sheet, cols ...dated) error {
	for _, d := range cols {
		if err := setDateCell(s, d.col, d.day, x.date); err != nil {
			return err
		}
	}
	return nil
}

func (x *worklistBook) review(l OfficeWorklist) error {
	s, err := x.sheet(sectionReview, reviewHeader)
	if err != nil {
		return err
	}
	for _, it := range l.Review {
		// The claim id as every report shows it: an id that holds an ID
		// number is masked here too, and such a claim must be decided in
		// a decisions file of its own.
		if err := s.add([]cell{
			text(record.MaskText(it.ClaimID)), empty, empty, empty, empty, empty,
			text(it.PsnName), text(record.MaskID(it.Certno)), text(it.FixmedinsName), text(medTypeLabel(it.MedType)),
			text(it.Enddate.String()), text(it.DclaDate.String()), amount(it.Payable), text(it.Since.String()),
			text(record.MaskText(it.Held)), text(x.asOf.String()),
		}); err != nil {
			return err
		}
		if err := x.dates(s, dated{11, it.Enddate}, dated{12, it.DclaDate}, dated{14, it.Since}, dated{16, x.asOf}); err != nil {
			return err
		}
	}
	if len(l.Review) == 0 {
		return nil
	}
	last := s.row
	for _, c := range []struct{ col, style int }{
		{colDecision, x.fillText}, {colAmount, x.fillMoney}, {colReason, x.fillText}, {colReviewer, x.fillText}, {colDecidedOn, x.fillDate},
	} {
		from, _ := excelize.CoordinatesToCellName(c.col, 2)
		to, _ := excelize.CoordinatesToCellName(c.col, last)
		if err := s.f.SetCellStyle(s.name, from, to, c.style); err != nil {
			return fmt.Errorf("sheet %s: %w", s.name, err)
		}
	}
	// Room to write in: the fill-in columns are as wide as a date or a
	// short reason, whatever their empty cells would size them to.
	s.widths[colDecision-1] = max(s.widths[colDecision-1], 10)
	s.widths[colAmount-1] = max(s.widths[colAmount-1], 12)
	s.widths[colReason-1] = max(s.widths[colReason-1], 24)
	s.widths[colReviewer-1] = max(s.widths[colReviewer-1], 10)
	s.widths[colDecidedOn-1] = max(s.widths[colDecidedOn-1], 12)

	dv := excelize.NewDataValidation(true)
	from, _ := excelize.CoordinatesToCellName(colDecision, 2)
	to, _ := excelize.CoordinatesToCellName(colDecision, last)
	dv.Sqref = from + ":" + to
	if err := dv.SetDropList(decisionWords); err != nil {
		return fmt.Errorf("sheet %s: %w", s.name, err)
	}
	// A warning, not a stop: the reader also takes approve / reject / adjust.
	dv.SetError(excelize.DataValidationErrorStyleWarning, "复核结论", "请选择 核准、驳回 或 调整")
	if err := s.f.AddDataValidation(s.name, dv); err != nil {
		return fmt.Errorf("sheet %s: %w", s.name, err)
	}
	return nil
}

func (x *worklistBook) deadlines(l OfficeWorklist) error {
	s, err := x.sheet(sectionDeadlines, []string{
		"类别", "申请编号", "姓名", "证件号码", "医疗机构", "医疗类别", "出院日期", "申请日期", "截止日期", "剩余天数", "状态", "应付金额", "基准日",
	})
	if err != nil {
		return err
	}
	for _, it := range l.Deadlines {
		// The dates go in as text first, which sizes their columns, and
		// are then made date cells.
		if err := s.add([]cell{
			text(categoryLabel(it.Category)), text(record.MaskText(it.ClaimID)), text(it.PsnName), text(record.MaskID(it.Certno)),
			text(it.FixmedinsName), text(medTypeLabel(it.MedType)), text(it.Enddate.String()), text(it.DclaDate.String()),
			text(it.Deadline.String()), integer(it.DaysLeft), text(statusLabel(it.Status)), amount(it.Payable), text(x.asOf.String()),
		}); err != nil {
			return err
		}
		if err := x.dates(s, dated{7, it.Enddate}, dated{8, it.DclaDate}, dated{9, it.Deadline}, dated{13, x.asOf}); err != nil {
			return err
		}
	}
	return nil
}

func (x *worklistBook) unpaid(l OfficeWorklist) error {
	s, err := x.sheet(sectionUnpaid, []string{
		"申请编号", "姓名", "证件号码", "医疗机构", "应付金额", "核准日期", "已等天数", "付款期限天数", "开户银行", "银行账号", "基准日",
	})
	if err != nil {
		return err
	}
	for _, it := range l.Unpaid {
		if err := s.add([]cell{
			text(record.MaskText(it.ClaimID)), text(it.PsnName), text(record.MaskID(it.Certno)), text(it.FixmedinsName),
			amount(it.Payable), text(it.Since.String()), integer(it.Days), integer(it.PaymentDays),
			text(it.BankName), text(record.MaskAccount(it.BankAccount)), text(x.asOf.String()),
		}); err != nil {
			return err
		}
		if err := x.dates(s, dated{6, it.Since}, dated{11, x.asOf}); err != nil {
			return err
		}
	}
	return nil
}

func (x *worklistBook) failed(l OfficeWorklist) error {
	s, err := x.sheet(sectionFailed, []string{
		"申请编号", "姓名", "证件号码", "医疗机构", "应付金额", "支付日期", "支付金额", "失败原因", "银行流水号", "开户银行", "银行账号", "基准日",
	})
	if err != nil {
		return err
	}
	for _, it := range l.Failed {
		paid, reason, ref := text(""), "", ""
		if p := it.LastFailed; p != nil {
			paid, reason, ref = amount(p.Amount), p.Reason, p.BankRef
		}
		if err := s.add([]cell{
			text(record.MaskText(it.ClaimID)), text(it.PsnName), text(record.MaskID(it.Certno)), text(it.FixmedinsName),
			amount(it.Payable), text(failedOn(it).String()), paid, text(record.MaskText(reason)), text(record.MaskText(ref)),
			text(it.BankName), text(record.MaskAccount(it.BankAccount)), text(x.asOf.String()),
		}); err != nil {
			return err
		}
		if err := x.dates(s, dated{6, failedOn(it)}, dated{12, x.asOf}); err != nil {
			return err
		}
	}
	return nil
}

func (x *worklistBook) recoveries(l OfficeWorklist) error {
	s, err := x.sheet(sectionRecoveries, []string{
		"追回对象类型", "追回对象编号", "申请编号", "姓名", "证件号码", "应追回金额", "原因", "登记日期", "已过天数", "基准日",
	})
	if err != nil {
		return err
	}
	for _, r := range l.Recoveries {
		if err := s.add([]cell{
			text(kindLabel(r.SubjectKind)), text(record.MaskText(r.SubjectID)), text(record.MaskText(r.ClaimID)), text(r.Claim.PsnName),
			text(record.MaskID(r.Claim.Certno)), amount(r.Amount), text(record.MaskText(r.Reason)), text(r.OpenedOn.String()),
			integer(r.Days), text(x.asOf.String()),
		}); err != nil {
			return err
		}
		if err := x.dates(s, dated{8, r.OpenedOn}, dated{10, x.asOf}); err != nil {
			return err
		}
	}
	return nil
}
