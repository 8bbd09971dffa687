package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// WriteExplanation prints, as plain text for a terminal, how the ledger
// worked out one settlement's or claim's amount: the subject, each run's
// assessment with its trace, the findings, and the person's earlier visits
// of the year that consumed the running totals. ID numbers are masked.
func WriteExplanation(w io.Writer, e record.Explanation) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s)\n", kindLabel(e.SubjectKind), e.SubjectID, e.SubjectKind)
	switch {
	case e.Settlement != nil:
		writeSettlement(&b, e.Settlement)
	case e.Claim != nil:
		writeClaim(&b, e.Claim)
	}

	fmt.Fprintf(&b, "\n评估 assessments (%d)\n", len(e.Assessments))
	if len(e.Assessments) == 0 {
		b.WriteString("  （无）\n")
	}
	for _, a := range e.Assessments {
		writeAssessment(&b, a)
	}

	fmt.Fprintf(&b, "\n问题 findings (%d)\n", len(e.Findings))
	if len(e.Findings) == 0 {
		b.WriteString("  （无）\n")
	}
	for _, f := range e.Findings {
		fmt.Fprintf(&b, "  [%s %s] %s %s\n", severityLabel(f.Severity), f.Severity, f.Code, codeLabel(f.Code))
		if f.Code == record.SettlementConflict {
			if head, fields, tail, ok := conflictFields(f.Detail); ok {
				writeConflict(&b, head, fields, tail)
				continue
			}
		}
		writeIndented(&b, "    ", f.Detail)
	}

	if e.SubjectKind == record.KindClaim || len(e.Life) > 0 {
		// SPEC 3.7: the claim's life after its assessment, in order.
		fmt.Fprintf(&b, "\n复核、支付与追回 decisions, payments and recoveries (%d)\n", len(e.Life))
		if len(e.Life) == 0 {
			b.WriteString("  （无）\n")
		}
		for _, ev := range e.Life {
			writeLifeEvent(&b, ev)
		}
	}

	fmt.Fprintf(&b, "\n同年度此前就诊 earlier visits of the year (%d)\n", len(e.Earlier))
	if len(e.Earlier) == 0 {
		b.WriteString("  （无）\n")
	} else {
		var basic, serious decimal.Decimal
		for _, a := range e.Earlier {
			fmt.Fprintf(&b, "  %s %s  运行 %s  %s  基本 %s  大病 %s  应付 %s\n",
				kindLabel(a.SubjectKind), a.SubjectID, a.RunID, statusLabel(a.Status),
				money(a.BasicPay.Decimal()), money(a.SeriousPay.Decimal()), money(a.Payable.Decimal()))
			basic = basic.Add(a.BasicPay.Decimal())
			serious = serious.Add(a.SeriousPay.Decimal())
		}
		fmt.Fprintf(&b, "  合计 基本 %s  大病 %s\n", money(basic), money(serious))
	}
	if _, err := io.WriteString(w, record.MaskText(b.String())); err != nil {
		return fmt.Errorf("explain %s %s: %w", e.SubjectKind, e.SubjectID, err)
	}
	return nil
}

// field writes one "label  value" line of the subject block, the values
// aligned in a terminal where a CJK character takes two columns.
func field(b *strings.Builder, label, value string) {
	fmt.Fprintf(b, "  %s%s%s\n", label, strings.Repeat(" ", max(2, 16-int(displayWidth(label)))), value)
}

func writeSettlement(b *strings.Builder, s *record.Settlement) {
	field(b, "就诊ID", s.MdtrtID)
	field(b, "姓名", s.PsnName)
	field(b, "证件号码", record.MaskID(s.Certno))
	field(b, "险种类型", s.Insutype)
	field(b, "人员类别", s.PsnType)
	field(b, "参保地", s.InsuplcAdmdvs)
	field(b, "就医地", s.MdtrtareaAdmvs)
	field(b, "医疗机构", s.FixmedinsName+" ("+s.FixmedinsCode+")")
	field(b, "医院等级", fmt.Sprint(s.HospLv))
	field(b, "医疗类别", medTypeField(s.MedType))
	field(b, "入院/出院", s.Begndate.String()+" ~ "+s.Enddate.String())
	if !s.SetlTime.IsZero() {
		field(b, "结算时间", s.SetlTime.Format("2006-01-02 15:04:05"))
	}
	field(b, "医疗费总额", money(s.MedfeeSumamt.Decimal()))
	field(b, "符合范围金额", money(s.InscpScpAmt.Decimal()))
	field(b, "实付起付线", money(s.ActPayDedc.Decimal()))
	field(b, "统筹基金支出", money(s.HifpPay.Decimal()))
	field(b, "大病保险支出", money(s.HifmiPay.Decimal()))
	field(b, "基金支付总额", money(s.FundPaySumamt.Decimal()))
	field(b, "个人账户支出", money(s.AcctPay.Decimal()))
	field(b, "个人现金支出", money(s.PsnCashPay.Decimal()))
	if s.RefdSetlFlag {
		field(b, "退费", "是，原结算ID "+s.InitSetlID)
	}
	if s.Src.File != "" {
		field(b, "来源", source(s.Src))
	}
}

func writeClaim(b *strings.Builder, c *record.Claim) {
	field(b, "姓名", c.PsnName)
	field(b, "证件号码", record.MaskID(c.Certno))
	field(b, "险种类型", c.Insutype)
	field(b, "人员类别", c.PsnType)
	field(b, "参保地", c.InsuplcAdmdvs)
	field(b, "就医地", c.MdtrtareaAdmvs)
	field(b, "医疗机构", c.FixmedinsName+" ("+c.FixmedinsCode+")")
	field(b, "医院等级", fmt.Sprint(c.HospLv))
	field(b, "是否定点", yesNo(c.Designated))
	field(b, "医疗类别", medTypeField(c.MedType))
	field(b, "是否急诊", yesNo(c.Emergency))
	field(b, "入院/出院", c.Begndate.String()+" ~ "+c.Enddate.String())
	field(b, "申请日期", c.DclaDate.String())
	field(b, "材料齐全", yesNo(c.MaterialsComplete))
	field(b, "医疗费总额", money(c.MedfeeSumamt.Decimal()))
	field(b, "符合范围金额", money(c.InscpScpAmt.Decimal()))
	if c.BankName != "" {
		field(b, "开户银行", c.BankName)
	}
	if c.BankAccount != "" {
		field(b, "银行账号", record.MaskAccount(c.BankAccount)) // SPEC 2.2: in full only in the payouts export
	}
	for _, inv := range c.Invoices {
		line := fmt.Sprintf("%s-%s  总额 %s  范围内 %s", inv.BillCode, inv.BillNo, money(inv.MedfeeSumamt.Decimal()), money(inv.InscpScpAmt.Decimal()))
		if inv.Src.File != "" {
			line += "  (" + source(inv.Src) + ")"
		}
		field(b, "票据", line)
	}
}

// writeLifeEvent prints one decision, payment or recovery of a claim's
// life: who decided or paid what, when, and from which file row.
func writeLifeEvent(b *strings.Builder, ev record.LifeEvent) {
	switch {
	case ev.Decision != nil:
		d := ev.Decision
		line := fmt.Sprintf("  运行 %s: 复核决定 %s  复核人 %s  复核日期 %s", ev.RunID, decisionLabel(d.Decision), d.Reviewer, d.DecidedOn)
		if d.Amount.Valid {
			line += "  核定金额 " + money(d.Amount.Decimal)
		}
		if d.Reason != "" {
			line += "  理由 " + d.Reason
		}
		if d.Src.File != "" {
			line += "  (" + source(d.Src) + ")"
		}
		b.WriteString(line + "\n")
	case ev.Payment != nil:
		p := ev.Payment
		what := "支付"
		if p.Amount.Sign() < 0 {
			what = "追回款"
		}
		line := fmt.Sprintf("  运行 %s: %s %s  金额 %s  支付日期 %s  银行流水号 %s", ev.RunID, what, resultLabel(p.Result), money(p.Amount), p.PaidOn, p.BankRef)
		if p.Reason != "" {
			line += "  原因 " + p.Reason
		}
		if p.Src.File != "" {
			line += "  (" + source(p.Src) + ")"
		}
		b.WriteString(line + "\n")
	case ev.Recovery != nil:
		r := ev.Recovery
		fmt.Fprintf(b, "  运行 %s: 追回 %s  %s %s  申请 %s  金额 %s  %s\n", ev.RunID, eventLabel(r.Event), kindLabel(r.SubjectKind), r.SubjectID, r.ClaimID, money(r.Amount), r.Reason)
	}
}

func decisionLabel(d string) string {
	switch d {
	case record.DecisionApprove:
		return "核准 approve"
	case record.DecisionReject:
		return "驳回 reject"
	case record.DecisionAdjust:
		return "调整 adjust"
	}
	return d
}

func resultLabel(r string) string {
	switch r {
	case record.PaymentSuccess:
		return "成功 success"
	case record.PaymentFailed:
		return "失败 failed"
	}
	return r
}

// medTypeField shows a med_type code with its name, "21 普通住院".
func medTypeField(code string) string {
	if name := medTypeLabel(code); name != code {
		return code + " " + name
	}
	return code
}

func writeAssessment(b *strings.Builder, a record.RunAssessment) {
	fmt.Fprintf(b, "  运行 %s: %s\n", a.RunID, statusLabel(a.Status))
	field(b, "  备案状态", filingLabel(a.FilingStatus))
	field(b, "  年度", fmt.Sprint(a.Year))
	field(b, "  符合范围金额", money(a.Inscope.Decimal()))
	field(b, "  起付线", money(a.Deductible.Decimal()))
	field(b, "  支付比例", a.Ratio.Decimal().String())
	field(b, "  基本医疗统筹", money(a.BasicPay.Decimal()))
	field(b, "  大病保险", money(a.SeriousPay.Decimal()))
	field(b, "  应付", money(a.Payable.Decimal()))
	if a.ReportedPay.Valid {
		field(b, "  报告支付", nullMoney(a.ReportedPay.Decimal()))
	}
	if a.Discrepancy.Valid {
		field(b, "  差额", nullMoney(a.Discrepancy.Decimal()))
	}
	if !a.Deadline.IsZero() {
		field(b, "  申报截止日", a.Deadline.String())
	}
	b.WriteString("    计算过程 trace:\n")
	writeIndented(b, "      ", a.Trace)
}

// writeIndented writes each line of s with the given indent.
func writeIndented(b *strings.Builder, indent, s string) {
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(indent + line + "\n")
	}
}

func source(s record.Source) string {
	if s.Sheet != "" {
		return fmt.Sprintf("%s 工作表 %s 第 %d 行", s.File, s.Sheet, s.Row)
	}
	return fmt.Sprintf("%s 第 %d 行", s.File, s.Row)
}

func yesNo(v bool) string {
	if v {
		return "是"
	}
	return "否"
}

// conflictFields splits a SETTLEMENT_CONFLICT detail, "结算 S1 再次出现但内容
// 不同: hifp_pay 120.00 → 150.00; psn_name 张三 → 李四; 以首次版本为准" (the
// form batch/rules writes, one "name old → new" per field that differs, see
// rules.SettlementDiff), into its opening sentence, its fields and its closing
// words. ok is false for a detail of another form (an older ledger's), which
// is then printed as it stands.
func conflictFields(detail string) (head string, fields []string, tail string, ok bool) {
	head, rest, found := strings.Cut(detail, ": ")
	if !found || !strings.Contains(rest, " → ") {
		return "", nil, "", false
	}
	parts := strings.Split(rest, "; ")
	if n := len(parts); n > 1 && !strings.Contains(parts[n-1], " → ") {
		tail, parts = parts[n-1], parts[:n-1]
	}
	for _, p := range parts {
		if !strings.Contains(p, " → ") {
			return "", nil, "", false
		}
	}
	return head, parts, tail, true
}

// writeConflict prints a settlement conflict one field a line, under the
// sentence that names it: the field's Chinese label and name, then the
// standing (first) value → the value sent again.
func writeConflict(b *strings.Builder, head string, fields []string, tail string) {
	if tail != "" {
		head += ", " + tail
	}
	fmt.Fprintf(b, "    %s; 不同的字段 (首次 → 再次):\n", head)
	for _, f := range fields {
		name, change, _ := strings.Cut(f, " ")
		label := name
		if zh, ok := settlementFieldLabels[name]; ok {
			label = zh + " " + name
		}
		fmt.Fprintf(b, "      %s%s%s\n", label, strings.Repeat(" ", max(2, 30-int(displayWidth(label)))), change)
	}
}

// settlementFieldLabels are the Chinese labels of a settlement's fields
// (SPEC 2.1), as a conflict names them.
var settlementFieldLabels = map[string]string{
	"setl_id": "结算ID", "mdtrt_id": "就诊ID", "psn_no": "人员编号", "psn_name": "人员姓名", "certno": "证件号码",
	"insutype": "险种类型", "psn_type": "人员类别", "insuplc_admdvs": "参保地医保区划", "mdtrtarea_admvs": "就医地医保区划",
	"fixmedins_code": "定点医药机构编号", "fixmedins_name": "定点医药机构名称", "hosp_lv": "医院等级", "med_type": "医疗类别",
	"begndate": "开始日期", "enddate": "结束日期", "setl_time": "结算时间", "medfee_sumamt": "医疗费总额",
	"inscp_scp_amt": "符合政策范围金额", "act_pay_dedc": "实际支付起付线", "hifp_pay": "统筹基金支出",
	"hifmi_pay": "居民大病保险资金支出", "fund_pay_sumamt": "基金支付总额", "acct_pay": "个人账户支出",
	"psn_cash_pay": "个人现金支出", "refd_setl_flag": "退费结算标志", "init_setl_id": "原结算ID",
}
