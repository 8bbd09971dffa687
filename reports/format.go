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
	case record.ClaimPaid:
		zh = "已支付"
	case record.ClaimPaymentFailed:
		zh = "支付失败"
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

// eventLabel names a recovery's event in Chinese, with the ledger's word.
func eventLabel(e string) string {
	switch e {
	case record.RecoveryOpened:
		return "开立 opened"
	case record.RecoverySettled:
		return "结清 settled"
	}
	return e
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
	case record.PendingExpired:
		return "待补材料逾期"
	case record.PaymentMismatch:
		return "支付金额不符"
	case record.PaymentUnexpected:
		return "非待支付申请的支付"
	}
	return code
}

// groupDigits puts thousands separators into the amounts inside a finding's
// text, as the PDF prints it: "差额 16650.00, 应付 …" reads "差额 16,650.00,
// 应付 …". The stored text keeps its plain digits. Only a run of four or
// more digits with a decimal fraction is an amount; digits that are part of
// a word (an id such as S2509050018, a masked ID number), of a date or of a
// dotted version, or that are grouped already, are left as they are.
func groupDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if !isDigit(s[i]) || joinedBefore(s, i) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		k := j // end of the fraction, if any
		if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
			for k = j + 1; k < len(s) && isDigit(s[k]); k++ {
			}
		}
		if k == j || j-i < 4 || joinedAfter(s, k) {
			b.WriteString(s[i:j])
			i = j
			continue
		}
		for n, c := range s[i:j] {
			if n > 0 && (j-i-n)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		b.WriteString(s[j:k])
		i = k
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// wordByte reports whether an ASCII byte next to digits makes them part of
// a word: a letter, a digit, an underscore or the * of a masked ID number.
func wordByte(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '*'
}

// joinedBefore reports whether the digits from s[i] continue what precedes
// them: a word, or a dot or comma right after a digit ("1.2", "1,234").
func joinedBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	c := s[i-1]
	return wordByte(c) || (c == '.' || c == ',') && i >= 2 && isDigit(s[i-2])
}

// joinedAfter reports whether what follows an amount ending before s[k]
// continues it: a word, or a dot or comma followed by a digit. A comma or a
// full stop that ends a clause does not.
func joinedAfter(s string, k int) bool {
	if k == len(s) {
		return false
	}
	c := s[k]
	return wordByte(c) || (c == '.' || c == ',') && k+1 < len(s) && isDigit(s[k+1])
}
