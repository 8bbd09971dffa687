package reports

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/xuri/excelize/v2"

	"medrecon/batch/record"
)

// ExportFiles are the files ExportRun writes, in the order it writes them.
var ExportFiles = []string{PayoutsFile, PaymentsTemplateFile, "findings.xlsx", "rejects.xlsx", "recoveries.xlsx"}

// The finance office's files of a payout (SPEC 2.2, 2.7).
const (
	PayoutsFile          = "payouts.xlsx"
	PaymentsTemplateFile = "payments_template.xlsx"
)

// ExportRun writes the spreadsheets of one run into dir (SPEC 4.3):
//
//   - payouts.xlsx, for the finance office: the claims that stand approved
//     at the run's end, with what a bank-transfer batch needs (payee, masked
//     ID, amount, bank and the account in full, SPEC 2.2) and how the amount
//     was worked out;
//   - payments_template.xlsx, for the finance office to fill in with the
//     bank's results and hand back as a --payments file: the payouts' claim
//     ids and amounts in the columns of SPEC 2.7, the rest left blank;
//   - findings.xlsx: every finding, with its amount as a number and the
//     institution, so that what to recover can be totalled per hospital;
//   - rejects.xlsx: every rejected input cell;
//   - recoveries.xlsx, for the finance office: the run's recovery events
//     and the recoveries still open at its end, whichever run opened them.
//
// The first column of every row of the run's tables is the run id, so that
// sheets of several nights can be put together and still say where each
// row came from; the template alone keeps the payments file's columns and
// nothing else, so that it goes back in as it is.
func ExportRun(dir string, d record.RunData) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export run %s: %w", d.Run.RunID, err)
	}
	build := map[string]func(record.RunData) (*sheet, error){
		PayoutsFile:          payoutsSheet,
		PaymentsTemplateFile: paymentsTemplate,
		"findings.xlsx":      findingsSheet,
		"rejects.xlsx":       rejectsSheet,
		"recoveries.xlsx":    recoveriesSheet,
	}
	for _, name := range ExportFiles {
		s, err := build[name](d)
		if err != nil {
			return fmt.Errorf("export run %s: %s: %w", d.Run.RunID, name, err)
		}
		if err := saveSheet(filepath.Join(dir, name), s); err != nil {
			return fmt.Errorf("export run %s: %w", d.Run.RunID, err)
		}
	}
	return nil
}

// payoutsSheet lists the claims whose state at the run's end is approved:
// owed and not yet paid. A claim approved and paid in the same run is not
// listed (it would be paid twice); one whose payment failed waits on the
// worklist (SPEC 3.7), not here. The account is in full here only.
func payoutsSheet(d record.RunData) (*sheet, error) {
	s, err := newSheet("核准支付", []string{
		"运行编号", "申请编号", "收款人姓名", "证件号码", "应付金额", "开户银行", "银行账号",
		"医疗机构", "年度", "基本医疗统筹", "大病保险", "计算过程",
	})
	if err != nil {
		return nil, err
	}
	for _, a := range claimsAtEnd(d.Assessments, record.ClaimApproved, -1) {
		if err := s.add([]cell{
			text(d.Run.RunID), text(record.MaskText(a.SubjectID)), text(a.PsnName), text(record.MaskID(a.Certno)), amount(a.Payable.Decimal()),
			text(a.BankName), digits(a.BankAccount),
			text(a.FixmedinsName), integer(a.Year), amount(a.BasicPay.Decimal()), amount(a.SeriousPay.Decimal()), text(record.MaskText(a.Trace)),
		}); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// paymentsTemplate is the payments file of SPEC 2.7 as ingest reads it
// (its Chinese headers, one row per payout): claim_id in full, for it is the
// key the payment is matched by, and the amount due; paid_on, bank_ref,
// result and reason are for the finance office to fill in. It holds no
// account and no name: the payouts file beside it says who is paid where.
// The cells to fill in are tinted as in the reviewers' sheet of the
// worklist; paid_on is formatted as a date and the others as text (a long
// bank reference typed into a General cell would lose its last digits), and
// result offers 成功 and 失败.
func paymentsTemplate(d record.RunData) (*sheet, error) {
	s, err := newSheet("支付结果", []string{"申请编号", "支付金额", "支付日期", "银行流水号", "支付结果", "失败原因"})
	if err != nil {
		return nil, err
	}
	due := claimsAtEnd(d.Assessments, record.ClaimApproved, -1)
	for _, a := range due {
		if err := s.add([]cell{text(a.SubjectID), amount(a.Payable.Decimal())}); err != nil {
			return nil, err
		}
	}
	// Room for the headers and the longest values that will be typed in.
	for i, w := range []float64{0, 0, 10, 20, 8, 20} {
		s.widths[i] = max(s.widths[i], w)
	}
	if len(due) == 0 {
		return s, nil
	}
	last := len(due) + 1
	dateFmt := "yyyy-mm-dd"
	tint := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fillTint}}
	date, err := s.f.NewStyle(&excelize.Style{Fill: tint, CustomNumFmt: &dateFmt})
	if err != nil {
		return nil, fmt.Errorf("sheet %s: date style: %w", s.name, err)
	}
	fill, err := s.f.NewStyle(&excelize.Style{Fill: tint, NumFmt: textFormat})
	if err != nil {
		return nil, fmt.Errorf("sheet %s: fill-in style: %w", s.name, err)
	}
	for _, col := range []struct {
		name  string
		style int
	}{{"C", date}, {"D", fill}, {"E", fill}, {"F", fill}} {
		if err := s.f.SetCellStyle(s.name, fmt.Sprintf("%s2", col.name), fmt.Sprintf("%s%d", col.name, last), col.style); err != nil {
			return nil, fmt.Errorf("sheet %s: %w", s.name, err)
		}
	}
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("E2:E%d", last)
	if err := dv.SetDropList([]string{"成功", "失败"}); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", s.name, err)
	}
	if err := s.f.AddDataValidation(s.name, dv); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", s.name, err)
	}
	return s, nil
}

func findingsSheet(d record.RunData) (*sheet, error) {
	s, err := newSheet("问题清单", []string{"运行编号", "对象类型", "对象编号", "医疗机构编码", "问题代码", "问题", "级别", "金额", "说明"})
	if err != nil {
		return nil, err
	}
	for _, f := range d.Findings {
		money := text("")
		if f.Amount.Valid {
			money = amount(f.Amount.Decimal)
		}
		if err := s.add([]cell{
			text(d.Run.RunID), text(f.SubjectKind), text(record.MaskText(f.SubjectID)), text(f.FixmedinsCode), text(f.Code), text(codeLabel(f.Code)),
			text(f.Severity), money, text(record.MaskText(f.Detail)),
		}); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func rejectsSheet(d record.RunData) (*sheet, error) {
	s, err := newSheet("拒收行", []string{"运行编号", "文件", "工作表", "行", "列", "值", "原因"})
	if err != nil {
		return nil, err
	}
	for _, r := range d.Rejects {
		if err := s.add([]cell{
			text(d.Run.RunID), text(r.File), text(r.Sheet), integer(r.Row), text(r.Col), text(record.MaskText(r.Value)), text(r.Reason),
		}); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// recoveriesSheet has two sheets: the run's recovery events (opened and
// settled), and the recoveries open at the run's end whatever run opened
// them, so that one night's file is the whole of what is left to recover
// and the finance office need not net earlier nights' files against later
// ones. Both are as of the run: exported again after later runs, the file
// is the same.
func recoveriesSheet(d record.RunData) (*sheet, error) {
	events, err := newSheet("本次追回事项", []string{"运行编号", "事件", "申请编号", "姓名", "证件号码", "对象类型", "对象编号", "金额", "说明"})
	if err != nil {
		return nil, err
	}
	for _, r := range d.Recoveries {
		if err := events.add([]cell{
			text(d.Run.RunID), text(eventLabel(r.Event)), text(record.MaskText(r.ClaimID)), text(r.PsnName), text(record.MaskID(r.Certno)),
			text(r.SubjectKind), text(record.MaskText(r.SubjectID)), amount(r.Amount), text(record.MaskText(r.Reason)),
		}); err != nil {
			return nil, err
		}
	}
	open, err := events.addSheet("未结追回", []string{"运行编号", "开立运行", "申请编号", "姓名", "证件号码", "对象类型", "对象编号", "应追回金额", "说明"})
	if err != nil {
		return nil, err
	}
	for _, r := range d.OpenRecoveries {
		if err := open.add([]cell{
			text(d.Run.RunID), text(r.RunID), text(record.MaskText(r.ClaimID)), text(r.PsnName), text(record.MaskID(r.Certno)),
			text(r.SubjectKind), text(record.MaskText(r.SubjectID)), amount(r.Amount), text(record.MaskText(r.Reason)),
		}); err != nil {
			return nil, err
		}
	}
	// write fits the first sheet's columns as it saves the workbook.
	if err := open.fit(); err != nil {
		return nil, err
	}
	return events, nil
}

// saveSheet writes the workbook next to path and renames it into place, so
// that the finance office never opens a half-written file. The file is
// owner-only from its creation, before any content is in it: os.CreateTemp
// creates it 0600 (the umask may only narrow that) and the rename keeps
// the mode, whatever the file it replaces had. payouts.xlsx holds full bank
// accounts (SPEC 2.2) and every export names people.
func saveSheet(path string, s *sheet) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := s.write(tmp); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
