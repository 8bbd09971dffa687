package ingest

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// Reasons of the rejects of decisions and payments rows, Chinese first.
const (
	reasonDecidedAfterAsOf = "复核日期晚于运行日期 / decided_on after the as-of date"
	reasonPaidAfterAsOf    = "支付日期晚于运行日期 / paid_on after the as-of date"
	reasonAdjustNoAmount   = "调整须填写核定金额 / adjust needs an amount"
	reasonAmountNotAdjust  = "核定金额仅用于调整 / an amount goes only with adjust (approve pays the computed amount, reject nothing)"
	reasonAdjustNegative   = "核定金额不能为负 / the adjusted amount must not be negative"
	reasonNeedsReason      = "驳回或调整须填写理由 / reject and adjust need a reason"
	reasonFailedNoReason   = "支付失败须填写失败原因 / a failed payment needs its reason"
	reasonFailedNegative   = "负数金额只能是成功的追回 / a negative amount is a recovery and must be a success"
)

// reasonBankRefAgain is the reject of a row whose bank_ref an earlier row of
// the same file holds with other content.
func reasonBankRefAgain(first int) string {
	return "银行流水号与本文件第" + strconv.Itoa(first) + "行相同但内容不同 / bank_ref already on row " +
		strconv.Itoa(first) + " of this file with other content"
}

var (
	decisionWords = map[string]string{
		"核准": record.DecisionApprove, "approve": record.DecisionApprove, "approved": record.DecisionApprove,
		"驳回": record.DecisionReject, "reject": record.DecisionReject, "rejected": record.DecisionReject,
		"调整": record.DecisionAdjust, "adjust": record.DecisionAdjust, "adjusted": record.DecisionAdjust,
	}
	paymentResults = map[string]string{
		"成功": record.PaymentSuccess, "success": record.PaymentSuccess, "succeeded": record.PaymentSuccess,
		"失败": record.PaymentFailed, "failed": record.PaymentFailed, "failure": record.PaymentFailed,
	}
)

// fillInFields are, for the kinds of file medrecon hands out to be filled
// in, the columns the office fills in: of a decisions row every column but
// claim_id (the worklist's reviewers' sheet); of a payments row the result
// of the payment, for claim_id and amount come filled in (the payments
// template of a run's exports, reports.ExportRun).
var fillInFields = map[string][]field{
	record.InputDecisions: {fDecision, fAmount, fReason, fReviewer, fDecidedOn},
	record.InputPayments:  {fPaidOn, fBankRef, fResult, fReason},
}

// undecided reports whether a row of a decisions file names a claim and
// decides nothing, or a row of a payments file reports no payment: every
// column the office fills in is blank. Such a row is passed over as a blank
// row is, neither a decision or payment nor a rejected row, and not counted
// in the file's rows.
//
// A payments template comes back with the payouts the bank has reported on
// filled in; the others have no result yet, stay approved, and return on
// the worklist once they are overdue. They are passed over for the reason
// that follows.
//
// The worklist's fill-in sheet (reports.WriteDeadlinesXLSX, sheet 待复核)
// lists every claim in review with its decision columns empty, and comes
// back as the next night's decisions file with only the claims the reviewer
// got to filled in. The rows left blank are claims not decided yet: they
// stay in review and are listed again on the next worklist. Reading them as
// decisions without a required field (SPEC 2.6) would fill the rejects with
// rows nobody got wrong, and push a sheet of 200 claims with 5 decided over
// --max-reject-ratio, stopping the night. Not counting them makes the sheet
// read exactly as a file of its filled rows alone would, so the ratio still
// judges what the reviewer wrote. A row with any decision column filled in
// (a reviewer's name without a 复核结论) is a decision and is checked as one.
func (p *parser) undecided(kind string, cells []string) bool {
	fields, ok := fillInFields[kind]
	if !ok {
		return false
	}
	for _, f := range fields {
		if i := p.cols.idx[f]; i >= 0 && i < len(cells) && strings.TrimSpace(normalize(cells[i])) != "" {
			return false
		}
	}
	if !p.cells.xlsx {
		for i := p.width; i < len(cells); i++ {
			if strings.TrimSpace(cells[i]) != "" {
				return false // a CSV cell past the header: beyondHeader rejects the row
			}
		}
	}
	return true
}

// decision reads a row of SPEC 2.6. English words are read in any case
// (Approve, APPROVE): a reviewer types them by hand, and no two of them
// differ only in case.
func (p *parser) decision(rc *rowCtx) {
	d := record.Decision{
		ClaimID:   rc.text(fClaimID, true),
		Decision:  rc.code(fDecision, decisionWords, true),
		Reason:    rc.text(fReason, false),
		Reviewer:  rc.text(fReviewer, true),
		DecidedOn: rc.date(fDecidedOn, true),
		Src:       rc.src,
	}
	amount, given, ok := rc.signedAmount(fAmount)
	switch d.Decision {
	case record.DecisionAdjust:
		// SPEC 2.6: adjust pays amount, which lies between 0 and the
		// computed amount; the upper bound needs the assessment (rules).
		switch {
		case !given:
			rc.reject(fAmount, "", reasonAdjustNoAmount)
		case ok && amount.Sign() < 0:
			rc.reject(fAmount, rc.raw(fAmount), reasonAdjustNegative)
		case ok:
			d.Amount = decimal.NullDecimal{Decimal: amount, Valid: true}
		}
	case record.DecisionApprove, record.DecisionReject:
		// An amount beside approve or reject says something the decision
		// does not: a reviewer who meant adjust, or a computed amount
		// copied in. Paying either way would be a guess.
		if ok {
			rc.reject(fAmount, rc.raw(fAmount), reasonAmountNotAdjust)
		}
	}
	if (d.Decision == record.DecisionReject || d.Decision == record.DecisionAdjust) && d.Reason == "" {
		rc.reject(fReason, "", reasonNeedsReason)
	}
	if !p.asOf.IsZero() && d.DecidedOn.After(p.asOf) {
		// A decision dated after the run would take effect before it was made.
		rc.reject(fDecidedOn, rc.raw(fDecidedOn), reasonDecidedAfterAsOf)
	}
	if !rc.bad {
		p.res.Decisions = append(p.res.Decisions, d)
	}
}

// payment reads a row of SPEC 2.7.
//
// Two choices where the spec is silent. A failed payment needs its reason:
// it returns to the worklist (SPEC 3.7), and without the bank's reason (a
// closed account, a wrong name) the office cannot act on it. A negative
// amount must be a success: SPEC 2.7 makes a negative success a recovery,
// and gives a failed one no meaning a rule could apply.
//
// bank_ref is the re-import key. Within one file a later row with an
// earlier row's bank_ref and the same content is kept, for the rules to
// take as the re-import it is (one rule for the same row in one file, two
// files or two nights); with other content it is rejected, the first row
// standing, since one bank transaction cannot have two outcomes.
func (p *parser) payment(rc *rowCtx) {
	pay := record.Payment{
		ClaimID: rc.text(fClaimID, true),
		PaidOn:  rc.date(fPaidOn, true),
		BankRef: rc.text(fBankRef, true),
		Result:  rc.code(fResult, paymentResults, true),
		Reason:  rc.text(fReason, false),
		Src:     rc.src,
	}
	amount, given, ok := rc.signedAmount(fAmount)
	if !given {
		rc.reject(fAmount, "", reasonRequired)
	}
	pay.Amount = amount
	if pay.Result == record.PaymentFailed {
		if pay.Reason == "" {
			rc.reject(fReason, "", reasonFailedNoReason)
		}
		if ok && amount.Sign() < 0 {
			rc.reject(fAmount, rc.raw(fAmount), reasonFailedNegative)
		}
	}
	if !p.asOf.IsZero() && pay.PaidOn.After(p.asOf) {
		rc.reject(fPaidOn, rc.raw(fPaidOn), reasonPaidAfterAsOf)
	}
	if rc.bad {
		return
	}
	if p.bankRefs == nil {
		p.bankRefs = map[string]int{}
	}
	if i, ok := p.bankRefs[pay.BankRef]; ok {
		if first := p.res.Payments[i]; !first.SameAs(pay) {
			rc.reject(fBankRef, pay.BankRef, reasonBankRefAgain(first.Src.Row))
			return
		}
	} else {
		p.bankRefs[pay.BankRef] = len(p.res.Payments)
	}
	p.res.Payments = append(p.res.Payments, pay)
}

// signedAmount reads a money cell that may be negative. given is false for
// a blank cell; ok is false for a blank one and for a bad one, which is
// rejected here.
func (rc *rowCtx) signedAmount(f field) (d decimal.Decimal, given, ok bool) {
	if normalize(rc.raw(f)) == "" {
		return decimal.Zero, false, false
	}
	n := len(rc.p.res.Rejects)
	d = rc.amount(f, false, true)
	if len(rc.p.res.Rejects) > n {
		return decimal.Zero, true, false
	}
	return d, true, true
}
