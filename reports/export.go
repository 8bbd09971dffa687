package reports

import (
	"fmt"
	"os"
	"path/filepath"

	"medrecon/batch/record"
)

// ExportRun writes the finance office's spreadsheets of one run into dir:
// payouts.xlsx (the approved claims), findings.xlsx (every finding, with its
// amount as a number and the institution, so that what to recover can be
// totalled per hospital) and rejects.xlsx (every rejected input cell). The
// first column of every row is the run id, so that sheets of several nights
// can be put together and still say where each row came from.
func ExportRun(dir string, d record.RunData) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export run %s: %w", d.Run.RunID, err)
	}
	run := text(d.Run.RunID)
	payouts, err := newSheet("核准支付", []string{
		"运行编号", "申请编号", "姓名", "证件号码", "医疗机构", "年度", "应付金额", "基本医疗统筹", "大病保险", "计算过程",
	})
	if err != nil {
		return fmt.Errorf("export run %s: %w", d.Run.RunID, err)
	}
	for _, a := range d.Assessments {
		if a.SubjectKind != record.KindClaim || a.Status != record.ClaimApproved {
			continue
		}
		if err := payouts.add([]cell{
			run, text(record.MaskText(a.SubjectID)), text(a.PsnName), text(record.MaskID(a.Certno)), text(a.FixmedinsName),
			integer(a.Year), amount(a.Payable), amount(a.BasicPay), amount(a.SeriousPay), text(record.MaskText(a.Trace)),
		}); err != nil {
			return fmt.Errorf("export run %s: payouts: %w", d.Run.RunID, err)
		}
	}
	if err := saveSheet(filepath.Join(dir, "payouts.xlsx"), payouts); err != nil {
		return fmt.Errorf("export run %s: %w", d.Run.RunID, err)
	}

	findings, err := newSheet("问题清单", []string{"运行编号", "对象类型", "对象编号", "医疗机构编码", "问题代码", "问题", "级别", "金额", "说明"})
	if err != nil {
		return fmt.Errorf("export run %s: %w", d.Run.RunID, err)
	}
	for _, f := range d.Findings {
		money := text("")
		if f.Amount.Valid {
			money = amount(f.Amount.Decimal)
		}
		if err := findings.add([]cell{
			run, text(f.SubjectKind), text(record.MaskText(f.SubjectID)), text(f.FixmedinsCode), text(f.Code), text(codeLabel(f.Code)),
			text(f.Severity), money, text(record.MaskText(f.Detail)),
		}); err != nil {
			return fmt.Errorf("export run %s: findings: %w", d.Run.RunID, err)
		}
	}
	if err := saveSheet(filepath.Join(dir, "findings.xlsx"), findings); err != nil {
		return fmt.Errorf("export run %s: %w", d.Run.RunID, err)
	}

	rejects, err := newSheet("拒收行", []string{"运行编号", "文件", "工作表", "行", "列", "值", "原因"})
	if err != nil {
		return fmt.Errorf("export run %s: %w", d.Run.RunID, err)
	}
	for _, r := range d.Rejects {
		if err := rejects.add([]cell{
			run, text(r.File), text(r.Sheet), integer(r.Row), text(r.Col), text(record.MaskText(r.Value)), text(r.Reason),
		}); err != nil {
			return fmt.Errorf("export run %s: rejects: %w", d.Run.RunID, err)
		}
	}
	if err := saveSheet(filepath.Join(dir, "rejects.xlsx"), rejects); err != nil {
		return fmt.Errorf("export run %s: %w", d.Run.RunID, err)
	}
	return nil
}

// saveSheet writes the workbook next to path and renames it into place, so
// that the finance office never opens a half-written file.
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
