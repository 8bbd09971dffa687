package rules

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"medrecon/batch/policy"
	"medrecon/batch/record"
)

var (
	hundred = decimal.NewFromInt(100)
	cent    = int32(2)
)

// yuan formats an amount with two decimals, as every trace and detail does.
func yuan(d decimal.Decimal) string { return d.StringFixed(cent) }

// percent formats a ratio as a percentage: 0.9 → 90%, 0.825 → 82.5%.
func percent(d decimal.Decimal) string { return d.Mul(hundred).String() + "%" }

func maxDec(a, b decimal.Decimal) decimal.Decimal {
	if a.GreaterThan(b) {
		return a
	}
	return b
}

func minDec(a, b decimal.Decimal) decimal.Decimal {
	if a.LessThan(b) {
		return a
	}
	return b
}

var statusNames = map[string]string{
	record.StatusLongTerm:         "长期居住",
	record.StatusReferral:         "转诊",
	record.StatusTemporary:        "临时外出",
	record.StatusEmergency:        "急诊",
	record.StatusUnfiled:          "未备案",
	record.StatusUnfiledEmergency: "未备案急诊",
	record.FilingChronic:          "慢特病",
}

func statusName(s string) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return s
}

var psnCatNames = map[string]string{
	policy.PsnActive:   "在职",
	policy.PsnRetired:  "退休",
	policy.PsnResident: "居民",
}

var medCatNames = map[string]string{
	record.MedInpatient:  "住院",
	record.MedOutpatient: "门诊",
	record.MedChronic:    "门诊慢特病",
}

func hospLvName(lv int) string {
	switch lv {
	case 1:
		return "一级"
	case 2:
		return "二级"
	case 3:
		return "三级"
	}
	return "不限等级"
}

// rateName names a rates row as a trace shows it:
// 政策 130100/310/在职/住院/三级 自2025-01-01.
func rateName(r policy.Rate) string {
	return fmt.Sprintf("政策 %s/%s/%s/%s/%s 自%s", r.InsuplcAdmdvs, r.Insutype,
		psnCatNames[r.PsnCat], medCatNames[r.MedCat], hospLvName(r.HospLv), r.ValidFrom)
}

// Severities by code: money and duplicate problems are errors, filing and
// deadline problems warnings, a reached cap is information.
var severities = map[string]string{
	record.AmountMismatch:     record.SeverityError,
	record.TotalsInconsistent: record.SeverityError,
	record.RefundUnmatched:    record.SeverityError,
	record.SettlementConflict: record.SeverityError,
	record.StatementMismatch:  record.SeverityError,
	record.StatementOnly:      record.SeverityError,
	record.DetailOnly:         record.SeverityError,
	record.DuplicateInvoice:   record.SeverityError,
	record.AlreadySettled:     record.SeverityError,
	record.SuspectedDuplicate: record.SeverityError,
	record.ClaimConflict:      record.SeverityError,
	record.LateSubmission:     record.SeverityWarning,
	record.ChronicNotFiled:    record.SeverityWarning,
	record.NonDesignated:      record.SeverityWarning,
	record.FilingUsed:         record.SeverityWarning,
	record.FilingLate:         record.SeverityWarning,
	record.NoValidFiling:      record.SeverityWarning,
	record.CapReached:         record.SeverityInfo,
}

// Severity returns the severity of a finding code.
func Severity(code string) string {
	if s, ok := severities[code]; ok {
		return s
	}
	return record.SeverityWarning
}

// finding builds a finding; the detail is masked in case it quotes an ID.
func finding(kind, id, code, format string, args ...any) record.Finding {
	return record.Finding{
		SubjectKind: kind,
		SubjectID:   id,
		Code:        code,
		Severity:    Severity(code),
		Detail:      record.MaskText(fmt.Sprintf(format, args...)),
	}
}

// trace joins the steps of a calculation the way traces are stored.
func trace(steps []string) string { return strings.Join(steps, ";") }
