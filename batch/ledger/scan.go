package ledger

import (
	"medrecon/batch/record"
)

// settlementCols are the settlement columns scanSettlement reads, for a
// query that names the settlements table s.
const settlementCols = `s.setl_id, s.mdtrt_id, s.psn_no, s.psn_name, s.certno, s.insutype, s.psn_type,
	s.insuplc_admdvs, s.mdtrtarea_admvs, s.fixmedins_code, s.fixmedins_name, s.hosp_lv, s.med_type,
	s.begndate, s.enddate, s.setl_time, s.medfee_sumamt, s.inscp_scp_amt, s.act_pay_dedc, s.hifp_pay,
	s.hifmi_pay, s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay, s.refd_setl_flag, s.init_setl_id,
	s.src_file, s.src_row`

type scanner interface {
	Scan(dest ...any) error
}

// scanSettlement reads settlementCols and then extra destinations.
func scanSettlement(sc scanner, extra ...any) (record.Settlement, error) {
	var (
		s                                                  record.Settlement
		mdtrt, psnNo, name, insutype, psnType, insuplc     str
		area, code, fixName, medType, initID, srcFile      str
		hospLv, srcRow                                     num
		begn, end                                          day
		setlTime                                           stamp
		medfee, inscp, dedc, hifp, hifmi, fund, acct, cash fenScan
	)
	dest := []any{&s.SetlID, &mdtrt, &psnNo, &name, &s.Certno, &insutype, &psnType,
		&insuplc, &area, &code, &fixName, &hospLv, &medType,
		&begn, &end, &setlTime, &medfee, &inscp, &dedc, &hifp,
		&hifmi, &fund, &acct, &cash, &s.RefdSetlFlag, &initID,
		&srcFile, &srcRow}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return s, err
	}
	s.MdtrtID, s.PsnNo, s.PsnName, s.Insutype, s.PsnType = string(mdtrt), string(psnNo), string(name), string(insutype), string(psnType)
	s.InsuplcAdmdvs, s.MdtrtareaAdmvs, s.FixmedinsCode, s.FixmedinsName = string(insuplc), string(area), string(code), string(fixName)
	s.HospLv, s.MedType, s.InitSetlID = int(hospLv), string(medType), string(initID)
	s.Begndate, s.Enddate, s.SetlTime = begn.Date, end.Date, setlTime.Time
	s.MedfeeSumamt, s.InscpScpAmt, s.ActPayDedc, s.HifpPay = medfee.Fen, inscp.Fen, dedc.Fen, hifp.Fen
	s.HifmiPay, s.FundPaySumamt, s.AcctPay, s.PsnCashPay = hifmi.Fen, fund.Fen, acct.Fen, cash.Fen
	s.Src = record.Source{File: string(srcFile), Row: int(srcRow)}
	return s, nil
}

// claimCols are the columns of one claims row (one invoice) that scanClaimRow
// reads, for a query that names the claims table c.
const claimCols = `c.claim_id, c.certno, c.psn_name, c.insutype, c.psn_type, c.insuplc_admdvs,
	c.mdtrtarea_admvs, c.fixmedins_code, c.fixmedins_name, c.hosp_lv, c.designated, c.med_type,
	c.emergency, c.begndate, c.enddate, c.bill_code, c.bill_no, c.medfee_sumamt, c.inscp_scp_amt,
	c.dcla_date, c.materials_complete, c.src_file, c.src_row, c.bank_name, c.bank_account`

// scanClaimRow reads claimCols and then extra destinations: the claim's
// fields and the row's invoice (nil for a row without a bill).
func scanClaimRow(sc scanner, extra ...any) (record.Claim, *record.Invoice, error) {
	var (
		c                                                   record.Claim
		name, insutype, psnType, insuplc, area, code, fixNm str
		medType, billCode, billNo, srcFile, bank, account   str
		hospLv, srcRow                                      num
		begn, end, dcla                                     day
		medfee, inscp                                       fenScan
	)
	dest := []any{&c.ClaimID, &c.Certno, &name, &insutype, &psnType, &insuplc,
		&area, &code, &fixNm, &hospLv, &c.Designated, &medType,
		&c.Emergency, &begn, &end, &billCode, &billNo, &medfee, &inscp,
		&dcla, &c.MaterialsComplete, &srcFile, &srcRow, &bank, &account}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return c, nil, err
	}
	c.PsnName, c.Insutype, c.PsnType, c.InsuplcAdmdvs = string(name), string(insutype), string(psnType), string(insuplc)
	c.MdtrtareaAdmvs, c.FixmedinsCode, c.FixmedinsName = string(area), string(code), string(fixNm)
	c.HospLv, c.MedType = int(hospLv), string(medType)
	c.BankName, c.BankAccount = string(bank), string(account)
	c.Begndate, c.Enddate, c.DclaDate = begn.Date, end.Date, dcla.Date
	if billCode == "" && billNo == "" {
		// A claim stored without invoices keeps its totals on a bill-less row.
		c.MedfeeSumamt, c.InscpScpAmt = medfee.Fen, inscp.Fen
		return c, nil, nil
	}
	inv := &record.Invoice{
		BillCode: string(billCode), BillNo: string(billNo),
		MedfeeSumamt: medfee.Fen, InscpScpAmt: inscp.Fen,
		Src: record.Source{File: string(srcFile), Row: int(srcRow)},
	}
	return c, inv, nil
}

// claimAssembler folds consecutive rows of the same claim_id into claims,
// summing the invoices' amounts (SPEC 2.2).
type claimAssembler struct {
	claims []record.Claim
}

func (a *claimAssembler) add(c record.Claim, inv *record.Invoice) *record.Claim {
	n := len(a.claims)
	if n == 0 || a.claims[n-1].ClaimID != c.ClaimID {
		a.claims = append(a.claims, c)
		n++
	}
	cur := &a.claims[n-1]
	if inv != nil {
		cur.Invoices = append(cur.Invoices, *inv)
		cur.MedfeeSumamt += inv.MedfeeSumamt
		cur.InscpScpAmt += inv.InscpScpAmt
	}
	return cur
}

// assessmentCols are the assessment columns scanAssessment reads, for a
// query that names the assessments table a.
const assessmentCols = `a.subject_kind, a.subject_id, a.certno, a.year, a.filing_status, a.inscope,
	a.deductible, a.ratio, a.basic_pay, a.serious_pay, a.payable, a.reported_pay, a.discrepancy,
	a.status, a.deadline, a.trace, a.eligible_base`

func scanAssessment(sc scanner, extra ...any) (record.Assessment, error) {
	var (
		a                                                     record.Assessment
		year                                                  num
		fs, trace                                             str
		inscope, ded, basic, serious, payable, rep, dis, elig fenScan
		ratio                                                 bpScan
		deadline                                              day
	)
	dest := []any{&a.SubjectKind, &a.SubjectID, &a.Certno, &year, &fs, &inscope,
		&ded, &ratio, &basic, &serious, &payable, &rep, &dis,
		&a.Status, &deadline, &trace, &elig}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return a, err
	}
	a.Year, a.FilingStatus, a.Trace, a.Deadline = int(year), string(fs), string(trace), deadline.Date
	a.Inscope, a.Deductible, a.Ratio, a.BasicPay = inscope.Fen, ded.Fen, ratio.Bp, basic.Fen
	a.SeriousPay, a.Payable, a.EligibleBase = serious.Fen, payable.Fen, elig.Fen
	a.ReportedPay, a.Discrepancy = rep.NullFen, dis.NullFen
	return a, nil
}

// paymentCols are the payment columns scanPayment reads, for a query that
// names the payments table p.
const paymentCols = `p.claim_id, p.amount, p.paid_on, p.bank_ref, p.result, p.reason, p.src_file, p.src_row`

func scanPayment(sc scanner, extra ...any) (record.Payment, error) {
	var (
		p               record.Payment
		amount          dec
		paid            day
		reason, srcFile str
		srcRow          num
	)
	if err := sc.Scan(append([]any{&p.ClaimID, &amount, &paid, &p.BankRef, &p.Result, &reason, &srcFile, &srcRow}, extra...)...); err != nil {
		return p, err
	}
	p.Amount, p.PaidOn, p.Reason = amount.or(), paid.Date, string(reason)
	p.Src = record.Source{File: string(srcFile), Row: int(srcRow)}
	return p, nil
}

// decisionCols are the decision columns scanDecision reads, for a query
// that names the decisions table d.
const decisionCols = `d.claim_id, d.decision, d.amount, d.reason, d.reviewer, d.decided_on, d.src_file, d.src_row`

func scanDecision(sc scanner, extra ...any) (record.Decision, error) {
	var (
		d                         record.Decision
		amount                    dec
		decided                   day
		reason, reviewer, srcFile str
		srcRow                    num
	)
	if err := sc.Scan(append([]any{&d.ClaimID, &d.Decision, &amount, &reason, &reviewer, &decided, &srcFile, &srcRow}, extra...)...); err != nil {
		return d, err
	}
	d.Amount, d.Reason, d.Reviewer, d.DecidedOn = amount.NullDecimal, string(reason), string(reviewer), decided.Date
	d.Src = record.Source{File: string(srcFile), Row: int(srcRow)}
	return d, nil
}
