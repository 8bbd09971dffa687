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

// yuan formats an amount with two decimals, as every trace and detail does:
// d.StringFixed(2), done in int64 arithmetic when the amount fits, because
// traces format several amounts per visit and StringFixed goes through big.Int.
func yuan(d decimal.Decimal) string {
	exp := d.Exponent()
	if exp < -18 || exp > 2 || d.NumDigits() > 16 {
		return d.StringFixed(cent)
	}
	c := d.CoefficientInt64() // exact: at most 16 digits
	neg := c < 0
	if neg {
		c = -c
	}
	// cents = |d| × 100, rounded half away from zero like decimal's Round.
	var cents int64
	if exp >= -2 {
		cents = c * pow10[exp+2]
	} else {
		div := pow10[-exp-2]
		cents = c / div
		if 2*(c%div) >= div {
			cents++
		}
	}
	var buf [24]byte
	i := len(buf)
	for k := 0; k < 2; k++ {
		i--
		buf[i] = byte('0' + cents%10)
		cents /= 10
	}
	i--
	buf[i] = '.'
	if cents == 0 {
		i--
		buf[i] = '0'
	}
	for ; cents > 0; cents /= 10 {
		i--
		buf[i] = byte('0' + cents%10)
	}
	if neg && string(buf[i:]) != "0.00" {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

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
	record.AlreadyReimbursed:  record.SeverityError,
	record.SuspectedDuplicate: record.SeverityError,
	record.ClaimConflict:      record.SeverityError,
	record.LateSubmission:     record.SeverityWarning,
	record.ChronicNotFiled:    record.SeverityWarning,
	record.NonDesignated:      record.SeverityWarning,
	record.FilingUsed:         record.SeverityWarning,
	record.FilingLate:         record.SeverityWarning,
	record.NoValidFiling:      record.SeverityWarning,
	record.CapReached:         record.SeverityInfo,
	record.PaymentMismatch:    record.SeverityError,
	record.PaymentUnexpected:  record.SeverityError,
	record.PendingExpired:     record.SeverityWarning,
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
		Detail:      maskText(fmt.Sprintf(format, args...)),
	}
}

// withAmount gives a money finding its amount (record.Finding.Amount).
func withAmount(f record.Finding, amount decimal.Decimal) record.Finding {
	f.Amount = decimal.NewNullDecimal(amount)
	return f
}

// maskText is record.MaskText, skipping the regular expression when s has no
// run of 15 digits: an ID-like number needs one, and most details have none.
func maskText(s string) string {
	run := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			if run++; run >= 15 {
				return record.MaskText(s)
			}
		} else {
			run = 0
		}
	}
	return s
}

// trace joins the steps of a calculation the way traces are stored.
func trace(steps []string) string { return strings.Join(steps, ";") }
