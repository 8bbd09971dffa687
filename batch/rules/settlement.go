package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// SettlementDiff names each field in which two versions of a settlement
// differ, with its old and new value ("hifp_pay 120.00 → 150.00"); Src
// (where the row came from) is not compared. Nil means identical. Values
// are as stored; an ID number is masked where the finding is made.
func SettlementDiff(a, b record.Settlement) []string {
	var diff []string
	str := func(name, x, y string) {
		if x != y {
			diff = append(diff, name+" "+orBlank(x)+" → "+orBlank(y))
		}
	}
	dec := func(name string, x, y record.Fen) {
		if x != y {
			diff = append(diff, name+" "+x.String()+" → "+y.String())
		}
	}
	str("setl_id", a.SetlID, b.SetlID)
	str("mdtrt_id", a.MdtrtID, b.MdtrtID)
	str("psn_no", a.PsnNo, b.PsnNo)
	str("psn_name", a.PsnName, b.PsnName)
	str("certno", a.Certno, b.Certno)
	str("insutype", a.Insutype, b.Insutype)
	str("psn_type", a.PsnType, b.PsnType)
	str("insuplc_admdvs", a.InsuplcAdmdvs, b.InsuplcAdmdvs)
	str("mdtrtarea_admvs", a.MdtrtareaAdmvs, b.MdtrtareaAdmvs)
	str("fixmedins_code", a.FixmedinsCode, b.FixmedinsCode)
	str("fixmedins_name", a.FixmedinsName, b.FixmedinsName)
	str("hosp_lv", fmt.Sprint(a.HospLv), fmt.Sprint(b.HospLv))
	str("med_type", a.MedType, b.MedType)
	str("begndate", a.Begndate.String(), b.Begndate.String())
	str("enddate", a.Enddate.String(), b.Enddate.String())
	if !a.SetlTime.Equal(b.SetlTime) {
		str("setl_time", a.SetlTime.Format(time.DateTime), b.SetlTime.Format(time.DateTime))
	}
	dec("medfee_sumamt", a.MedfeeSumamt, b.MedfeeSumamt)
	dec("inscp_scp_amt", a.InscpScpAmt, b.InscpScpAmt)
	dec("act_pay_dedc", a.ActPayDedc, b.ActPayDedc)
	dec("hifp_pay", a.HifpPay, b.HifpPay)
	dec("hifmi_pay", a.HifmiPay, b.HifmiPay)
	dec("fund_pay_sumamt", a.FundPaySumamt, b.FundPaySumamt)
	dec("acct_pay", a.AcctPay, b.AcctPay)
	dec("psn_cash_pay", a.PsnCashPay, b.PsnCashPay)
	str("refd_setl_flag", fmt.Sprint(a.RefdSetlFlag), fmt.Sprint(b.RefdSetlFlag))
	str("init_setl_id", a.InitSetlID, b.InitSetlID)
	return diff
}

func orBlank(s string) string {
	if s == "" {
		return "(空)"
	}
	return s
}

// Reconciliation compares one settlement's reported fund payment with the
// expected one (SPEC 3.3).
type Reconciliation struct {
	Reported    record.Fen // hifp_pay + hifmi_pay
	Discrepancy record.Fen // reported − expected: positive overpaid, negative underpaid
	Status      string     // record.SetlBalanced or record.SetlMismatch
	Findings    []record.Finding
}

// Reconcile compares a settlement with the expected fund payment of SPEC 3.2
// (basic + serious) and checks that its own totals add up. It appends its
// step of the trace to b.
func Reconcile(s record.Settlement, expected, tolerance record.Fen, b []byte) (Reconciliation, []byte, error) {
	var r Reconciliation
	for _, f := range [...]record.Fen{s.HifpPay, s.HifmiPay, s.MedfeeSumamt, s.FundPaySumamt, s.AcctPay, s.PsnCashPay} {
		if err := f.InRange(); err != nil {
			return r, b, err
		}
	}
	hifp, hifmi, medfee, fund, acct, cash := s.HifpPay, s.HifmiPay, s.MedfeeSumamt, s.FundPaySumamt, s.AcctPay, s.PsnCashPay
	add := func(code string, amount record.Fen, format string, args ...any) {
		r.Findings = append(r.Findings, withAmount(finding(record.KindSettlement, s.SetlID, code, format, args...), amount.Decimal()))
	}
	// Decision: reported = hifp_pay + hifmi_pay, because expected includes the
	// serious-illness payment; for people without serious-illness insurance
	// hifmi_pay is 0 and this is exactly SPEC 3.3's hifp_pay comparison.
	r.Reported = hifp + hifmi
	r.Discrepancy = r.Reported - expected
	b = append(b, "申报基金支付 统筹 "...)
	b = hifp.Append(b)
	b = append(b, " + 大病 "...)
	b = hifmi.Append(b)
	b = append(b, " = "...)
	b = r.Reported.Append(b)
	b = append(b, ", 应付 "...)
	b = expected.Append(b)
	b = append(b, ", 差额 "...)
	b = r.Discrepancy.Append(b)
	b = append(b, " (容差 "...)
	b = tolerance.Append(b)
	b = append(b, ')')
	r.Status = record.SetlBalanced
	// SPEC 3.3: |reported − expected| > tolerance → AMOUNT_MISMATCH.
	if max(r.Discrepancy, -r.Discrepancy) > tolerance {
		r.Status = record.SetlMismatch
		side := "多付, 应向就医地追回"
		if r.Discrepancy < 0 {
			side = "少付"
		}
		add(record.AmountMismatch, r.Discrepancy, "申报基金支付 %s, 按政策应付 %s, 差额 %s (%s)", r.Reported, expected, r.Discrepancy, side)
	}
	// SPEC 3.3: medfee_sumamt ≠ fund_pay_sumamt + acct_pay + psn_cash_pay → TOTALS_INCONSISTENT.
	parts := fund + acct + cash
	if d := medfee - parts; max(d, -d) > tolerance {
		add(record.TotalsInconsistent, d, "医疗费总额 %s ≠ 基金支付 %s + 个人账户 %s + 个人现金 %s = %s",
			medfee, fund, acct, cash, parts)
	}
	return r, b, nil
}

// CompareStatement compares clearing-statement rows with the detail rows
// summed per institution, day, insutype and clr_type (SPEC 3.3). Findings
// have subject_kind statement and subject_id fixmedins_code; DETAIL_ONLY is
// judged only inside the periods the statement covers.
func CompareStatement(stmt []record.StatementRow, detail []record.DetailTotal, tolerance decimal.Decimal) []record.Finding {
	var out []record.Finding
	type key struct{ code, insutype, clr string }
	byKey := map[key][]record.DetailTotal{}
	for _, d := range detail {
		k := key{d.FixmedinsCode, d.Insutype, d.ClrType}
		byKey[k] = append(byKey[k], d)
	}
	// Each key's rows by day, so that a statement period is found by binary
	// search instead of a scan of every day of the key. Sums are exact, so
	// the order of the additions does not matter.
	for _, ds := range byKey {
		slices.SortStableFunc(ds, func(a, b record.DetailTotal) int { return a.Day.Compare(b.Day) })
	}
	matched := map[key]map[record.Date]bool{}
	for _, r := range stmt {
		k := key{r.FixmedinsCode, r.Insutype, r.ClrType}
		var cnt int64
		med, fund, acct := decimal.Zero, decimal.Zero, decimal.Zero
		seen := false
		ds := byKey[k]
		from, _ := slices.BinarySearchFunc(ds, r.StmtBegndate, func(d record.DetailTotal, day record.Date) int { return d.Day.Compare(day) })
		for _, d := range ds[from:] {
			if d.Day.After(r.StmtEnddate) {
				break
			}
			seen = true
			if matched[k] == nil {
				matched[k] = map[record.Date]bool{}
			}
			matched[k][d.Day] = true
			cnt += d.Count
			med, fund, acct = med.Add(d.MedfeeSumamt), fund.Add(d.FundPaySumamt), acct.Add(d.AcctPay)
		}
		period := fmt.Sprintf("%s 至 %s 险种 %s 清算类别 %s", r.StmtBegndate, r.StmtEnddate, r.Insutype, r.ClrType)
		if !seen {
			out = append(out, withAmount(finding(record.KindStatement, r.FixmedinsCode, record.StatementOnly,
				"%s: 对总账有 %d 笔, 医疗费 %s, 明细无记录 (医保中心多)", period, r.FixmedinsSetlCnt, yuan(r.MedfeeSumamt)), r.FundPaySumamt))
			continue
		}
		var diffs []string
		if r.FixmedinsSetlCnt != cnt {
			diffs = append(diffs, fmt.Sprintf("笔数 %d − %d = %d", r.FixmedinsSetlCnt, cnt, r.FixmedinsSetlCnt-cnt))
		}
		for _, f := range []struct {
			name      string
			stmt, det decimal.Decimal
		}{{"医疗费总额", r.MedfeeSumamt, med}, {"基金支付总额", r.FundPaySumamt, fund}, {"个人账户支出", r.AcctPay, acct}} {
			if d := f.stmt.Sub(f.det); d.Abs().GreaterThan(tolerance) {
				diffs = append(diffs, fmt.Sprintf("%s %s − %s = %s", f.name, yuan(f.stmt), yuan(f.det), yuan(d)))
			}
		}
		if len(diffs) > 0 {
			amount := r.FundPaySumamt.Sub(fund)
			if amount.IsZero() {
				amount = r.MedfeeSumamt.Sub(med)
			}
			out = append(out, withAmount(finding(record.KindStatement, r.FixmedinsCode, record.StatementMismatch,
				"%s: 对总账 − 明细: %s", period, strings.Join(diffs, "; ")), amount))
		}
	}
	// SPEC 3.3: detail rows the statement lacks, inside the periods it covers.
	type lack struct {
		k      key
		cnt    int64
		med    decimal.Decimal
		from   record.Date
		to     record.Date
		period bool
	}
	lacks := map[key]*lack{}
	covered := coverage(stmt)
	for k, ds := range byKey {
		for _, d := range ds {
			if matched[k][d.Day] {
				continue
			}
			if !covered(d.Day) {
				continue
			}
			l := lacks[k]
			if l == nil {
				l = &lack{k: k, med: decimal.Zero, from: d.Day, to: d.Day}
				lacks[k] = l
			}
			l.cnt += d.Count
			l.med = l.med.Add(d.MedfeeSumamt)
			if d.Day.Before(l.from) {
				l.from = d.Day
			}
			if d.Day.After(l.to) {
				l.to = d.Day
			}
		}
	}
	for _, l := range lacks {
		out = append(out, withAmount(finding(record.KindStatement, l.k.code, record.DetailOnly,
			"%s 至 %s 险种 %s 清算类别 %s: 明细有 %d 笔, 医疗费 %s, 对总账无记录 (医疗机构多)",
			l.from, l.to, l.k.insutype, l.k.clr, l.cnt, yuan(l.med)), l.med))
	}
	sortFindings(out)
	return out
}

// coverage returns whether a day lies in any statement row's period: the
// periods merged and sorted, searched by halves (a scan of every statement
// row for every detail row is quadratic on a province's night).
func coverage(stmt []record.StatementRow) func(record.Date) bool {
	type span struct{ from, to record.Date }
	spans := make([]span, 0, len(stmt))
	for _, r := range stmt {
		if !r.StmtEnddate.Before(r.StmtBegndate) {
			spans = append(spans, span{r.StmtBegndate, r.StmtEnddate})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	merged := spans[:0]
	for _, s := range spans {
		if n := len(merged); n > 0 && !s.from.After(merged[n-1].to) {
			if s.to.After(merged[n-1].to) {
				merged[n-1].to = s.to
			}
			continue
		}
		merged = append(merged, s)
	}
	return func(day record.Date) bool {
		// The last span starting on or before day is the only one that can hold it.
		i, found := slices.BinarySearchFunc(merged, day, func(s span, d record.Date) int { return s.from.Compare(d) })
		if found {
			return true
		}
		return i > 0 && !day.After(merged[i-1].to)
	}
}

func sortFindings(fs []record.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.SubjectKind != b.SubjectKind {
			return a.SubjectKind < b.SubjectKind
		}
		if a.SubjectID != b.SubjectID {
			return a.SubjectID < b.SubjectID
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Detail < b.Detail
	})
}
