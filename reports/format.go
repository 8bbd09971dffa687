package reports

import (
	"strings"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// money formats an amount with two decimals and thousands separators:
// -1234567.5 reads "-1,234,567.50". The ledger already rounded it; this only
// pads to two places (StringFixed rounds half away from zero, a no-op here).
func money(d decimal.Decimal) string {
	s := d.StringFixed(2)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteByte('.')
	b.WriteString(frac)
	return b.String()
}

// yuan is money with a ¥ sign.
func yuan(d decimal.Decimal) string {
	if d.IsNegative() {
		return "-¥" + money(d.Neg())
	}
	return "¥" + money(d)
}

// nullMoney formats an optional amount; "" when absent.
func nullMoney(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return money(d.Decimal)
}

// statusLabel names an assessment status in Chinese, keeping the ledger's
// word beside it so that auditors can match it to a query.
func statusLabel(s string) string {
	var zh string
	switch s {
	case record.ClaimApproved:
		zh = "核准支付"
	case record.ClaimRejected:
		zh = "不予支付"
	case record.ClaimReview:
		zh = "待复核"
	case record.ClaimPending:
		zh = "待补材料"
	case record.SetlBalanced:
		zh = "相符"
	case record.SetlMismatch:
		zh = "金额不符"
	case record.SetlRefunded:
		zh = "已退费"
	case record.SetlRefund:
		zh = "退费结算"
	case record.SetlConflict:
		zh = "版本冲突"
	default:
		return s
	}
	return zh + " " + s
}

// kindLabel names a subject kind in Chinese.
func kindLabel(k string) string {
	switch k {
	case record.KindSettlement:
		return "结算"
	case record.KindClaim:
		return "手工报销"
	case record.KindStatement:
		return "对总账"
	}
	return k
}

// filingLabel names a visit's filing status in Chinese.
func filingLabel(s string) string {
	var zh string
	switch s {
	case record.StatusLongTerm:
		zh = "长期居住备案"
	case record.StatusReferral:
		zh = "转诊备案"
	case record.StatusTemporary:
		zh = "临时外出备案"
	case record.StatusEmergency:
		zh = "急诊备案"
	case record.StatusUnfiled:
		zh = "未备案"
	case record.StatusUnfiledEmergency:
		zh = "未备案急诊"
	default:
		return s
	}
	return zh + " " + s
}

// severityLabel names a finding's severity in Chinese.
func severityLabel(s string) string {
	switch s {
	case record.SeverityInfo:
		return "提示"
	case record.SeverityWarning:
		return "警告"
	case record.SeverityError:
		return "错误"
	}
	return s
}

// codeLabel gives a finding code's Chinese name (SPEC 3).
func codeLabel(code string) string {
	switch code {
	case record.AmountMismatch:
		return "统筹支付金额不符"
	case record.TotalsInconsistent:
		return "费用合计不平"
	case record.RefundUnmatched:
		return "退费无原结算"
	case record.SettlementConflict:
		return "结算ID内容冲突"
	case record.StatementMismatch:
		return "对总账金额不符"
	case record.StatementOnly:
		return "医保中心多"
	case record.DetailOnly:
		return "医疗机构多"
	case record.DuplicateInvoice:
		return "票据重复报销"
	case record.AlreadySettled:
		return "已直接结算"
	case record.AlreadyReimbursed:
		return "已手工报销重复支付"
	case record.SuspectedDuplicate:
		return "疑似重复"
	case record.LateSubmission:
		return "超期申报"
	case record.ChronicNotFiled:
		return "慢特病未备案"
	case record.NonDesignated:
		return "非定点机构"
	case record.CapReached:
		return "达到年度限额"
	case record.FilingUsed:
		return "备案已使用"
	case record.FilingLate:
		return "急诊补备案超期"
	case record.NoValidFiling:
		return "无有效备案"
	case record.ClaimConflict:
		return "申请编号内容冲突"
	}
	return code
}
