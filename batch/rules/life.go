package rules

import (
	"cmp"
	"fmt"
	"slices"

	"medrecon/batch/record"
)

// A claim's life after its assessment (SPEC 2.6, 2.7, 3.7):
//
//	pending ──complete──▶ assessed: approved | rejected | review
//	pending ──deadline passed──▶ rejected (PENDING_EXPIRED)
//	review ──decision──▶ approved | rejected
//	rejected (LATE_SUBMISSION) ──appeal──▶ assessed again as if on time
//	approved | payment_failed ──payment──▶ paid | payment_failed
//
// Every step is a new assessment row of the claim (Seq orders a claim's rows
// within a run), a decisions or payments row, and perhaps a recovery or a
// finding; nothing is changed in place. Within a run the night's visits are
// assessed first, then pending claims expire, then the decisions apply in
// the order they were made, then the payments in the order they were paid:
// a decision takes effect from its run on, after the night's visits, so
// that a visit assessed before it keeps its amounts (SPEC 3.6, 3.7).
//
// A decision or payment that cannot apply is a rejected row of its file,
// with the column it fails on named as SPEC 2.6 and 2.7 name the fields
// (the rules do not know the file's own headers); a payment for a claim that
// exists but awaits no payment is kept and listed (PAYMENT_UNEXPECTED).

// DecisionNext is SPEC 2.6's table of what a decision does to a claim with
// current status status (late: rejected for LATE_SUBMISSION). ok is false
// when the decision may not apply. appeal is true when the claim is to be
// assessed again as if handed in on time; next is then "" (the assessment
// decides it).
func DecisionNext(status string, late bool, decision string) (next string, appeal, ok bool) {
	if status == record.ClaimRejected && late {
		switch decision {
		case record.DecisionApprove, record.DecisionAdjust:
			return "", true, true
		case record.DecisionReject:
			return record.ClaimRejected, false, true
		}
		return "", false, false
	}
	next, ok = decisionTable[[2]string{status, decision}]
	return next, false, ok
}

var decisionTable = map[[2]string]string{
	{record.ClaimReview, record.DecisionApprove}: record.ClaimApproved,
	{record.ClaimReview, record.DecisionAdjust}:  record.ClaimApproved,
	{record.ClaimReview, record.DecisionReject}:  record.ClaimRejected,
}

// PaymentNext is SPEC 3.7's table of what a payment result does to a claim
// with current status status. ok is false for a claim that awaits no
// payment (PAYMENT_UNEXPECTED: the status stays).
func PaymentNext(status, result string) (next string, ok bool) {
	next, ok = paymentTable[[2]string{status, result}]
	return next, ok
}

var paymentTable = map[[2]string]string{
	{record.ClaimApproved, record.PaymentSuccess}:      record.ClaimPaid,
	{record.ClaimApproved, record.PaymentFailed}:       record.ClaimPaymentFailed,
	{record.ClaimPaymentFailed, record.PaymentSuccess}: record.ClaimPaid,
	{record.ClaimPaymentFailed, record.PaymentFailed}:  record.ClaimPaymentFailed,
}

// Reasons of the rejected rows of decisions and payments, Chinese first.
const (
	reasonNoSuchClaim = "申请编号不存在 / no such claim in the ledger or this run"
	reasonAdjustAbove = "核定金额超过按规则计算的金额 / the adjusted amount is above the computed amount"
)

func reasonNotDecidable(status string) string {
	return fmt.Sprintf("申请状态为 %s, 复核决定只适用于待复核或因逾期被驳回(申诉)的申请 / a decision applies to a claim in review or rejected for LATE_SUBMISSION, this one is %s",
		status, status)
}

func reasonBankRef(first record.Payment) string {
	at := "the ledger"
	if first.Src.File != "" {
		at = fmt.Sprintf("%s row %d", first.Src.File, first.Src.Row)
	}
	return fmt.Sprintf("银行流水号已有内容不同的支付记录 / bank_ref already recorded with other content (%s)", at)
}

func rejectRow(src record.Source, col, value, reason string) record.Reject {
	return record.Reject{File: src.File, Sheet: src.Sheet, Row: src.Row, Col: col, Value: record.MaskText(value), Reason: reason}
}

// NewPayments sorts out the payments of a night by bank_ref (SPEC 2.7): a
// payment whose bank_ref the ledger (known) or an earlier row of the night
// holds is a re-import when it says the same (ignored, counted) and a
// rejected row when it does not; the rest are returned in input order.
// A night's payments go through it whole, before they are split by person
// (one bank_ref may name claims of different people).
func NewPayments(ps []record.Payment, known map[string]record.Payment) (fresh []record.Payment, ignored int, rejects []record.Reject) {
	order := slices.Clone(ps)
	slices.SortStableFunc(order, func(a, b record.Payment) int {
		return cmp.Or(cmp.Compare(a.Src.File, b.Src.File), cmp.Compare(a.Src.Sheet, b.Src.Sheet), cmp.Compare(a.Src.Row, b.Src.Row))
	})
	seen := map[string]record.Payment{}
	for _, p := range order {
		first, ok := known[p.BankRef]
		if !ok {
			first, ok = seen[p.BankRef]
		}
		switch {
		case !ok:
			seen[p.BankRef] = p
			fresh = append(fresh, p)
		case first.SameAs(p):
			ignored++
		default:
			rejects = append(rejects, rejectRow(p.Src, "bank_ref", p.BankRef, reasonBankRef(first)))
		}
	}
	return fresh, ignored, rejects
}

// claimLife is one claim's state as the night's life events see it.
type claimLife struct {
	claim      record.Claim
	a          record.Assessment // current
	late       bool              // rejected for LATE_SUBMISSION by a.'s run
	recoveries []record.Recovery // open
}

// lives returns the claims the night's life events may touch, by claim_id:
// every claim the history holds and every claim this run assessed, each in
// its state after the night's assessments.
func (e *evaluation) lives() map[string]*claimLife {
	out := map[string]*claimLife{}
	for id, k := range e.h.Claims {
		if k.Status == "" {
			continue // never assessed: not a claim a decision can name
		}
		out[id] = &claimLife{claim: k.Claim, a: k.Current, late: k.Late, recoveries: slices.Clone(k.Recoveries)}
	}
	claims := map[string]record.Claim{}
	for _, c := range e.out.Claims {
		claims[c.ClaimID] = c
	}
	late := map[string]bool{}
	for _, f := range e.out.Findings {
		if f.SubjectKind == record.KindClaim && f.Code == record.LateSubmission {
			late[f.SubjectID] = true
		}
	}
	for _, a := range e.out.Assessments {
		if a.SubjectKind != record.KindClaim {
			continue
		}
		l, ok := out[a.SubjectID]
		if !ok {
			l = &claimLife{}
			out[a.SubjectID] = l
		}
		if c, ok := claims[a.SubjectID]; ok {
			l.claim = c
		}
		l.a, l.late = a, late[a.SubjectID] && a.Status == record.ClaimRejected
	}
	for _, r := range e.out.Recoveries {
		if l, ok := out[r.ClaimID]; ok {
			l.recoveries = record.ApplyRecovery(l.recoveries, r)
		}
	}
	return out
}

// life applies SPEC 3.7 after the night's assessments: pending claims past
// their deadline expire, then decisions, then payments.
func (e *evaluation) life(b record.Batch, asOf record.Date) error {
	if len(e.h.Claims) == 0 && len(b.Decisions) == 0 && len(b.Payments) == 0 {
		return nil
	}
	ls := e.lives()
	e.expire(ls, b, asOf)
	ds := slices.Clone(b.Decisions)
	slices.SortStableFunc(ds, func(a, b record.Decision) int {
		return cmp.Or(a.DecidedOn.Compare(b.DecidedOn), cmp.Compare(a.Src.File, b.Src.File),
			cmp.Compare(a.Src.Sheet, b.Src.Sheet), cmp.Compare(a.Src.Row, b.Src.Row), cmp.Compare(a.ClaimID, b.ClaimID))
	})
	for _, d := range ds {
		if err := e.decide(ls[d.ClaimID], d); err != nil {
			return err
		}
	}
	ps, ignored, rejects := NewPayments(b.Payments, e.h.Payments)
	e.out.Ignored += ignored
	e.out.Rejects = append(e.out.Rejects, rejects...)
	slices.SortStableFunc(ps, func(a, b record.Payment) int {
		return cmp.Or(a.PaidOn.Compare(b.PaidOn), cmp.Compare(a.Src.File, b.Src.File),
			cmp.Compare(a.Src.Sheet, b.Src.Sheet), cmp.Compare(a.Src.Row, b.Src.Row), cmp.Compare(a.BankRef, b.BankRef))
	})
	for _, p := range ps {
		e.pay(ls[p.ClaimID], p)
	}
	return nil
}

// expire rejects PENDING_EXPIRED every pending claim of the history whose
// deadline is before the as-of date, unless the batch brings it (then its
// completion is judged by claims: after the deadline, LATE_SUBMISSION).
func (e *evaluation) expire(ls map[string]*claimLife, b record.Batch, asOf record.Date) {
	brought := map[string]bool{}
	for _, c := range b.Claims {
		brought[c.ClaimID] = true
	}
	var ids []string
	for id := range e.h.Claims {
		l := ls[id]
		if l != nil && !brought[id] && l.a.Status == record.ClaimPending && !l.a.Deadline.IsZero() && l.a.Deadline.Before(asOf) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		l := ls[id]
		a := zeroed(l.a, record.ClaimRejected)
		a.Trace = fmt.Sprintf("材料不齐, 待补; 申报期限 %s 已过 (运行日期 %s), 材料仍未补齐; 拒付, 应付 0.00, 不计入本年累计", l.a.Deadline, asOf)
		e.lifeRow(l, a, true)
		e.addFinding(finding(record.KindClaim, id, record.PendingExpired,
			"待补材料的申请已过申报期限 %s (运行日期 %s), 予以驳回", l.a.Deadline, asOf))
	}
}

// zeroed is a claim's assessment with status and nothing to pay.
func zeroed(a record.Assessment, status string) record.Assessment {
	a.Status = status
	a.BasicPay, a.SeriousPay, a.Payable, a.EligibleBase = 0, 0, 0, 0
	a.ReportedPay, a.Discrepancy = record.NullFen{}, record.NullFen{}
	return a
}

// lifeRow appends a claim's new current assessment a, after its rows of
// this run so far. With totals, the person's running totals lose what the
// claim counted before and gain what it counts now (record.Contribution).
func (e *evaluation) lifeRow(l *claimLife, a record.Assessment, totals bool) {
	if a.Seq = 1; l.a.Seq >= 1 {
		a.Seq = l.a.Seq + 1
	}
	if totals {
		before, after := contribution(l.a), contribution(a)
		if before != after {
			key := ClaimVisit(l.claim).YearKey()
			e.setTotal(key, e.total(key).sub(before).add(after))
		}
	}
	e.out.Assessments = append(e.out.Assessments, a)
	l.a = a
}

// decide applies one review decision (SPEC 2.6).
func (e *evaluation) decide(l *claimLife, d record.Decision) error {
	if l == nil {
		e.out.Rejects = append(e.out.Rejects, rejectRow(d.Src, "claim_id", d.ClaimID, reasonNoSuchClaim))
		return nil
	}
	next, appeal, ok := DecisionNext(l.a.Status, l.late, d.Decision)
	if !ok {
		e.out.Rejects = append(e.out.Rejects, rejectRow(d.Src, "decision", d.Decision, reasonNotDecidable(l.a.Status)))
		return nil
	}
	who := fmt.Sprintf("复核人 %s, 复核日期 %s", d.Reviewer, d.DecidedOn)
	// A decided appeal is final, as a decided review is: whatever this
	// decision makes of the claim, it is no longer one to appeal (the
	// ledger's history reads it the same way; see historyLife).
	wasLate := l.late
	l.late = false
	if appeal {
		refused, err := e.appeal(l, d, who)
		if err != nil || refused {
			l.late = wasLate // a refused decision decided nothing
			return err
		}
		e.out.Decisions = append(e.out.Decisions, d)
		return nil
	}
	var a record.Assessment
	switch {
	case next == record.ClaimRejected:
		a = zeroed(l.a, record.ClaimRejected)
		what := "复核驳回"
		if wasLate {
			what = "申诉驳回"
		}
		a.Trace = fmt.Sprintf("%s (%s, 理由 %s); 按规则计算 %s, 应付 0.00, 不计入本年累计", what, who, d.Reason, l.a.Payable.String())
	case d.Decision == record.DecisionAdjust:
		amount, ok := adjustAmount(d, l.a.Payable)
		if !ok {
			e.out.Rejects = append(e.out.Rejects, rejectRow(d.Src, "amount", d.Amount.Decimal.StringFixed(2), reasonAdjustAbove+" ("+l.a.Payable.String()+")"))
			return nil
		}
		a = adjusted(l.a, amount)
		a.Trace = fmt.Sprintf("复核调整 (%s, 理由 %s); 按规则计算 %s, 核定 %s (基本医疗 %s, 大病保险 %s)",
			who, d.Reason, l.a.Payable.String(), a.Payable.String(), a.BasicPay.String(), a.SeriousPay.String())
	default:
		a = l.a
		a.Status = next
		a.Trace = fmt.Sprintf("复核核准 (%s); 应付 %s (按规则计算)", who, a.Payable.String())
	}
	e.lifeRow(l, a, true)
	e.out.Decisions = append(e.out.Decisions, d)
	return nil
}

// adjusted is an approved claim paying amount (0 ≤ amount ≤ a.Payable)
// instead of what the rules computed. SPEC 2.6 fixes only the amount; the
// cut is taken from the serious-illness payment first (basic' = min(basic,
// amount), serious' = amount − basic'), so that the person's running totals
// count what the fund pays. The deductible borne and the serious-illness
// base stay as the rules worked them out: the adjustment is of the payment,
// not of the bill.
func adjusted(a record.Assessment, amount record.Fen) record.Assessment {
	a.Status = record.ClaimApproved
	a.BasicPay = min(a.BasicPay, amount)
	a.SeriousPay = amount - a.BasicPay
	a.Payable = amount
	return a
}

func adjustOK(d record.Decision, payable record.Fen) bool {
	_, ok := adjustAmount(d, payable)
	return ok
}

// adjustAmount is an adjust decision's amount in fen, and whether it is
// within payable. Ingest reads it with at most two decimals; an amount the
// integer form cannot hold is beyond any payable.
func adjustAmount(d record.Decision, payable record.Fen) (record.Fen, bool) {
	f, err := record.FenOf(d.Amount.Decimal)
	return f, err == nil && f <= payable
}

// appeal assesses a claim rejected for LATE_SUBMISSION again, as if handed
// in on time (SPEC 2.6), against the person's totals as they stand after
// the night's visits: its other checks stand, so the appeal gives approved,
// review (a suspected duplicate awaits a decision of its own), pending, or
// rejected on other grounds. Adjust pays its amount when the assessment
// comes out approved and the amount is within the computed one (else the
// decision is a rejected row and nothing changes); for any other outcome
// the outcome stands and the amount is not applied. refused reports the
// rejected row.
func (e *evaluation) appeal(l *claimLife, d record.Decision, who string) (refused bool, err error) {
	sub := &evaluation{
		p: e.p, h: e.h, filings: e.filings, voided: e.voided, shared: e.totals, totals: map[record.YearKey]yearFen{},
		refundedNow: e.refundedNow, batchSetl: e.batchSetl, runInvoices: e.runInvoices, runClaims: e.runClaims,
		moreUses: e.out.FilingUses,
	}
	if sub.runInvoices == nil {
		sub.runInvoices = map[record.InvoiceKey]record.PriorInvoice{}
	}
	chk := sub.check(l.claim, record.Date{}, true)
	pv := &pendingVisit{v: ClaimVisit(l.claim), check: &chk}
	if _, err := sub.assessPeople([]*pendingVisit{pv}); err != nil {
		return false, err
	}
	a := sub.out.Assessments[len(sub.out.Assessments)-1]
	prefix := fmt.Sprintf("申诉核准 (%s), 视为按期申请重新核定; ", who)
	if d.Decision == record.DecisionAdjust {
		switch {
		case a.Status != record.ClaimApproved:
			prefix = fmt.Sprintf("申诉调整 (%s, 理由 %s), 视为按期申请重新核定, 结果为 %s, 核定金额不适用; ", who, d.Reason, a.Status)
		case !adjustOK(d, a.Payable):
			e.out.Rejects = append(e.out.Rejects, rejectRow(d.Src, "amount", d.Amount.Decimal.StringFixed(2), reasonAdjustAbove+" ("+a.Payable.String()+")"))
			return true, nil
		default:
			amount, _ := adjustAmount(d, a.Payable)
			adj := adjusted(a, amount)
			key := ClaimVisit(l.claim).YearKey()
			sub.setTotal(key, sub.total(key).sub(contribution(a)).add(contribution(adj)))
			prefix = fmt.Sprintf("申诉调整 (%s, 理由 %s), 视为按期申请重新核定, 按规则计算 %s, 核定 %s (基本医疗 %s, 大病保险 %s); ",
				who, d.Reason, a.Payable.String(), adj.Payable.String(), adj.BasicPay.String(), adj.SeriousPay.String())
			a = adj
		}
	}
	a.Trace = prefix + a.Trace
	for k, t := range sub.totals {
		e.totals[k] = t
	}
	e.out.Findings = append(e.out.Findings, sub.out.Findings...)
	e.out.FilingUses = append(e.out.FilingUses, sub.out.FilingUses...)
	e.lifeRow(l, a, false) // sub counted it in the totals
	return false, nil
}

// pay applies one payment result (SPEC 2.7, 3.7).
func (e *evaluation) pay(l *claimLife, p record.Payment) {
	if l == nil {
		e.out.Rejects = append(e.out.Rejects, rejectRow(p.Src, "claim_id", p.ClaimID, reasonNoSuchClaim))
		return
	}
	e.out.Payments = append(e.out.Payments, p)
	via := fmt.Sprintf("银行流水号 %s, 支付日期 %s", p.BankRef, p.PaidOn)
	if p.Amount.Sign() < 0 {
		e.recover(l, p, via)
		return
	}
	next, ok := PaymentNext(l.a.Status, p.Result)
	if !ok {
		e.addFinding(withAmount(finding(record.KindClaim, p.ClaimID, record.PaymentUnexpected,
			"申请状态为 %s, 不应有支付; 支付%s %s (%s), 已记录待核查", l.a.Status, resultName(p.Result), yuan(p.Amount), via), p.Amount))
		return
	}
	a := l.a
	a.Status = next
	if p.Result == record.PaymentFailed {
		a.Trace = fmt.Sprintf("支付失败 (%s, 原因 %s): 应付 %s 仍待支付", via, p.Reason, a.Payable.String())
		e.lifeRow(l, a, true)
		return
	}
	a.Trace = fmt.Sprintf("支付成功 (%s): 支付 %s, 应付 %s", via, yuan(p.Amount), a.Payable.String())
	e.lifeRow(l, a, true)
	if diff := p.Amount.Sub(a.Payable.Decimal()); !diff.IsZero() {
		f := finding(record.KindClaim, p.ClaimID, record.PaymentMismatch, "支付 %s 与应付 %s 不符, 差额 %s (%s)",
			yuan(p.Amount), a.Payable.String(), yuan(diff), via)
		e.addFinding(withAmount(f, diff))
		if diff.Sign() > 0 {
			// SPEC 3.7: overpaid is a recovery.
			e.openRecovery(l, record.Recovery{SubjectKind: record.KindClaim, SubjectID: p.ClaimID, ClaimID: p.ClaimID, Amount: diff,
				Reason: fmt.Sprintf("多付 %s (%s)", yuan(diff), via)})
		}
	}
}

// recover applies a negative successful payment, money recovered from the
// person (SPEC 2.7): it settles the claim's oldest open recovery. Recovered
// other than the amount to recover is PAYMENT_MISMATCH; what is left to
// recover opens again. With no open recovery it is PAYMENT_UNEXPECTED.
func (e *evaluation) recover(l *claimLife, p record.Payment, via string) {
	got := p.Amount.Neg()
	if len(l.recoveries) == 0 {
		e.addFinding(withAmount(finding(record.KindClaim, p.ClaimID, record.PaymentUnexpected,
			"追回 %s (%s), 但该申请没有待追回款项, 已记录待核查", yuan(got), via), p.Amount))
		return
	}
	open := l.recoveries[0]
	settled := record.Recovery{SubjectKind: open.SubjectKind, SubjectID: open.SubjectID, ClaimID: open.ClaimID, Amount: got,
		Reason: fmt.Sprintf("追回 %s (%s)", yuan(got), via), Event: record.RecoverySettled}
	e.out.Recoveries = append(e.out.Recoveries, settled)
	l.recoveries = record.ApplyRecovery(l.recoveries, settled)
	if diff := got.Sub(open.Amount); !diff.IsZero() {
		e.addFinding(withAmount(finding(record.KindClaim, p.ClaimID, record.PaymentMismatch,
			"追回 %s 与应追回 %s 不符, 差额 %s (%s)", yuan(got), yuan(open.Amount), yuan(diff), via), diff))
		if diff.Sign() < 0 {
			e.openRecovery(l, record.Recovery{SubjectKind: open.SubjectKind, SubjectID: open.SubjectID, ClaimID: open.ClaimID,
				Amount: diff.Neg(), Reason: fmt.Sprintf("追回不足, 尚余 %s (%s)", yuan(diff.Neg()), via)})
		}
	}
}

func (e *evaluation) openRecovery(l *claimLife, r record.Recovery) {
	r.Event = record.RecoveryOpened
	e.out.Recoveries = append(e.out.Recoveries, r)
	if l != nil {
		l.recoveries = record.ApplyRecovery(l.recoveries, r)
	}
}

func resultName(result string) string {
	if result == record.PaymentFailed {
		return "失败"
	}
	return "成功"
}
