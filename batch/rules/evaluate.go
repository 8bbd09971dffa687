package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"medrecon/batch/policy"
	"medrecon/batch/record"
)

// Config is what Evaluate needs besides the batch and the history.
type Config struct {
	AsOf   record.Date
	Policy *policy.Policy
}

// CheckPolicy returns an error naming the first visit (file, row, masked
// certno) whose region or rate row is missing (SPEC 2.5: an error naming the
// missing key, not a silent zero). The wrapped error is a *policy.KeyError.
func CheckPolicy(b record.Batch, p *policy.Policy) error {
	check := func(v Visit) error {
		if _, err := p.Region(v.InsuplcAdmdvs); err != nil {
			return err
		}
		_, err := v.Rate(p)
		return err
	}
	// Nearly every night passes: look the visits up in input order, one at
	// a time (a Visit is large; a slice of a million of them took longer to
	// grow than the lookups), and gather and sort them (to name the first
	// bad row by file and row) only on a miss.
	ok := true
	batchVisits(b, func(v Visit) bool {
		ok = check(v) == nil
		return ok
	})
	if ok {
		return nil
	}
	visits := make([]Visit, 0, len(b.Settlements)+len(b.Claims))
	batchVisits(b, func(v Visit) bool {
		visits = append(visits, v)
		return true
	})
	slices.SortFunc(visits, func(a, b Visit) int {
		return cmp.Or(cmp.Compare(a.Src.File, b.Src.File), cmp.Compare(a.Src.Sheet, b.Src.Sheet),
			cmp.Compare(a.Src.Row, b.Src.Row), assessOrder(a, b))
	})
	for _, v := range visits {
		if err := check(v); err != nil {
			return subjectErr(v, err)
		}
	}
	return nil
}

// batchVisits calls fn with each visit of the batch whose policy rows must
// exist: every settlement but refund rows, then every claim. It stops when
// fn returns false.
func batchVisits(b record.Batch, fn func(Visit) bool) {
	for i := range b.Settlements {
		if s := &b.Settlements[i]; !s.RefdSetlFlag && !fn(SettlementVisit(*s)) {
			return
		}
	}
	for i := range b.Claims {
		if !fn(ClaimVisit(b.Claims[i])) {
			return
		}
	}
}

func subjectErr(v Visit, err error) error {
	return fmt.Errorf("%s row %d (%s %s, 证件号 %s): %w", v.Src.File, v.Src.Row, v.Kind, v.ID, record.MaskID(v.Certno), err)
}

// evaluation is the state of one Evaluate call.
type evaluation struct {
	p       *policy.Policy
	h       record.History
	out     record.Outcome
	filings map[string][]record.Filing // by certno, History overlaid with the batch
	totals  map[record.YearKey]yearFen
	// shared, in one of assess's workers, is the whole run's totals before
	// assess (read only); the worker's own changes go to totals.
	shared map[record.YearKey]yearFen
	// refundedNow holds the settlements a refund row of this run cancels
	// (or one of the ledger that waited for its original), by the refund's id.
	refundedNow map[string]string
	// voided holds the ledger's visits that stop counting in this run
	// (refunded, or a held claim rejected ALREADY_SETTLED): their
	// single-use filings are free again (SPEC 3.1).
	voided map[[2]string]bool
	// The hot path's caches, per evaluation (each of assess's workers has
	// its own): the trace buffer, the integer serious-illness tables, the
	// rates rows' names.
	trace     []byte
	serious   map[[2]string]*SeriousFen
	rateNames map[rateKey]string
	// batchSetl holds this run's new non-refund settlements by certno.
	// The rows live in the slice settlements returns.
	batchSetl map[string][]*record.Settlement
	// runInvoices and runClaims are this run's claims as claims checks
	// them: the invoices they hold, and the claims by certno.
	runInvoices map[record.InvoiceKey]record.PriorInvoice
	runClaims   map[string][]record.Claim
	// moreUses are filing uses of this run that assessPeople must see
	// besides the ledger's: those of the night's visits, when an appeal
	// assesses a claim after them.
	moreUses []record.FilingUse
}

func (e *evaluation) addFinding(fs ...record.Finding) { e.out.Findings = append(e.out.Findings, fs...) }

// Evaluate applies SPEC 3 to a batch against what the ledger already holds
// and returns the rows to add.
func Evaluate(b record.Batch, h record.History, cfg Config) (record.Outcome, error) {
	e := &evaluation{
		p: cfg.Policy, h: h,
		totals:      map[record.YearKey]yearFen{},
		refundedNow: map[string]string{},
		voided:      map[[2]string]bool{},
		batchSetl:   map[string][]*record.Settlement{},
	}
	// Roughly one assessment and under two findings per settlement or claim:
	// growing these slices of large structs step by step costs more than
	// the rules themselves.
	if n := len(b.Settlements) + len(b.Claims); n > 0 {
		e.out.Assessments = make([]record.Assessment, 0, n)
		e.out.Findings = make([]record.Finding, 0, 2*n)
	}
	e.overlayFilings(b.Filings)
	newSetl := e.settlements(b.Settlements)
	e.alreadyPaid(newSetl, b.Claims)
	claims := e.claims(b.Claims, cfg.AsOf)
	if err := e.assess(newSetl, claims); err != nil {
		return record.Outcome{}, err
	}
	if err := e.life(b, cfg.AsOf); err != nil {
		return record.Outcome{}, err
	}
	e.statement(b.Statement)

	e.out.Totals = e.outTotals()
	e.institutions(b)
	sortOutcome(&e.out)
	return e.out, nil
}

// sortOutcome puts an outcome's rows in their deterministic order.
func sortOutcome(o *record.Outcome) {
	slices.SortFunc(o.Settlements, func(a, b record.Settlement) int { return cmp.Compare(a.SetlID, b.SetlID) })
	slices.SortFunc(o.Claims, func(a, b record.Claim) int { return cmp.Compare(a.ClaimID, b.ClaimID) })
	slices.SortFunc(o.FilingUses, func(a, b record.FilingUse) int { return cmp.Compare(a.FilingID, b.FilingID) })
	// A subject's rows in the order they happened: the refunded row of a
	// settlement refunded in this run after its assessment, so that it is
	// the one that stays current.
	// A claim's later rows of the run (SPEC 3.7) in the order of Seq.
	slices.SortStableFunc(o.Assessments, func(a, b record.Assessment) int {
		return cmp.Or(cmp.Compare(a.SubjectKind, b.SubjectKind), cmp.Compare(a.SubjectID, b.SubjectID), cmp.Compare(a.Seq, b.Seq),
			cmp.Compare(laterRow(a.Status), laterRow(b.Status)), cmp.Compare(a.Status, b.Status), cmp.Compare(a.Trace, b.Trace))
	})
	sortFindings(o.Findings)
	// Decisions, payments and recoveries by claim, each claim's in the
	// order they applied (stable).
	slices.SortStableFunc(o.Decisions, func(a, b record.Decision) int { return cmp.Compare(a.ClaimID, b.ClaimID) })
	slices.SortStableFunc(o.Payments, func(a, b record.Payment) int { return cmp.Compare(a.ClaimID, b.ClaimID) })
	slices.SortStableFunc(o.Recoveries, func(a, b record.Recovery) int { return cmp.Compare(a.ClaimID, b.ClaimID) })
	slices.SortStableFunc(o.Rejects, func(a, b record.Reject) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Sheet, b.Sheet), cmp.Compare(a.Row, b.Row), cmp.Compare(a.Col, b.Col))
	})
}

// institutions gives every finding the institution of its subject
// (record.Finding.FixmedinsCode): a statement line's is its subject id; a
// settlement's or claim's comes from the batch, or from the ledger for a
// subject of an earlier night (a held claim assessed again, a conflict).
func (e *evaluation) institutions(b record.Batch) {
	codes := make(map[[2]string]string, len(b.Settlements)+len(b.Claims))
	for i := range b.Settlements {
		codes[[2]string{record.KindSettlement, b.Settlements[i].SetlID}] = b.Settlements[i].FixmedinsCode
	}
	for i := range b.Claims {
		codes[[2]string{record.KindClaim, b.Claims[i].ClaimID}] = b.Claims[i].FixmedinsCode
	}
	for id, k := range e.h.Settlements {
		codes[[2]string{record.KindSettlement, id}] = k.Settlement.FixmedinsCode
	}
	for id, k := range e.h.Claims {
		codes[[2]string{record.KindClaim, id}] = k.Claim.FixmedinsCode
	}
	for _, vs := range e.h.Visits {
		for _, v := range vs {
			if k := [2]string{v.SubjectKind, v.SubjectID}; codes[k] == "" {
				codes[k] = v.FixmedinsCode
			}
		}
	}
	for i := range e.out.Findings {
		f := &e.out.Findings[i]
		if f.SubjectKind == record.KindStatement {
			f.FixmedinsCode = f.SubjectID
		} else {
			f.FixmedinsCode = codes[[2]string{f.SubjectKind, f.SubjectID}]
		}
	}
}

// sameFiling says whether two versions of a filing say the same, wherever
// each was read from.
func sameFiling(a, b record.Filing) bool {
	a.Src, b.Src = record.Source{}, record.Source{}
	return a == b
}

// overlayFilings lays the batch's filings over the ledger's: the same
// filing_id replaces the earlier version (SPEC 2.3).
func (e *evaluation) overlayFilings(batch []record.Filing) {
	fs := slices.Clone(batch)
	slices.SortStableFunc(fs, func(a, b record.Filing) int {
		return cmp.Or(cmp.Compare(a.FilingID, b.FilingID), cmp.Compare(a.Src.File, b.Src.File),
			cmp.Compare(a.Src.Sheet, b.Src.Sheet), cmp.Compare(a.Src.Row, b.Src.Row))
	})
	all := make(map[string]record.Filing, len(e.h.Filings)+len(fs))
	for id, f := range e.h.Filings {
		all[id] = f
	}
	upserts := make([]record.Filing, 0, len(fs))
	for i, f := range fs {
		all[f.FilingID] = f
		if i+1 < len(fs) && fs[i+1].FilingID == f.FilingID {
			continue // the last version of the batch wins
		}
		// A version the ledger already holds as the current one is no new
		// version: a registry sent whole every night adds nothing.
		if known, ok := e.h.Filings[f.FilingID]; !ok || !sameFiling(known, f) {
			upserts = append(upserts, f)
		}
	}
	e.out.Filings = upserts
	e.filings = map[string][]record.Filing{}
	for _, f := range all {
		e.filings[f.Certno] = append(e.filings[f.Certno], f)
	}
	for _, list := range e.filings {
		slices.SortFunc(list, func(a, b record.Filing) int { return cmp.Compare(a.FilingID, b.FilingID) })
	}
}

// settlements sorts out re-imports, conflicts and refunds (SPEC 3.3) and
// returns this run's new settlement rows that are visits.
func (e *evaluation) settlements(batch []record.Settlement) []record.Settlement {
	// Sort positions rather than the rows themselves: a settlement is a large
	// struct, and a million of them are slow to copy around.
	order := make([]int, len(batch))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		a, b := &batch[i], &batch[j]
		if c := cmp.Or(cmp.Compare(a.SetlID, b.SetlID), cmp.Compare(a.Src.File, b.Src.File),
			cmp.Compare(a.Src.Sheet, b.Src.Sheet), cmp.Compare(a.Src.Row, b.Src.Row)); c != 0 {
			return c
		}
		// Same id and place (generated rows): order by content, so that input order never matters.
		return cmp.Compare(fmt.Sprintf("%v", noSrc(*a)), fmt.Sprintf("%v", noSrc(*b)))
	})
	seen := make(map[string]*record.Settlement, len(batch)) // the first version in the batch
	fresh := make([]record.Settlement, 0, len(batch))
	var refunds []record.Settlement
	for _, i := range order {
		s := &batch[i]
		var first *record.Settlement
		if f, ok := seen[s.SetlID]; ok {
			first = f
		}
		if k, ok := e.h.Settlements[s.SetlID]; ok {
			first = &k.Settlement
		}
		if first == nil {
			seen[s.SetlID] = s
			fresh = append(fresh, *s)
			if s.RefdSetlFlag {
				refunds = append(refunds, *s)
			}
			continue
		}
		diff := SettlementDiff(*first, *s)
		if diff == nil {
			e.out.Ignored++ // SPEC 3.3: a re-import with identical content
			continue
		}
		// SPEC 3.3: different content → SETTLEMENT_CONFLICT, the first version
		// stands with its assessment: a conflict adds a finding, never an
		// assessment row.
		e.addFinding(finding(record.KindSettlement, s.SetlID, record.SettlementConflict,
			"结算 %s 再次出现但内容不同: %s; 以首次版本为准", s.SetlID, strings.Join(diff, "; ")))
	}
	if e.out.Settlements == nil {
		e.out.Settlements = fresh // sorted by setl_id already; nothing changes it below
	} else {
		e.out.Settlements = append(e.out.Settlements, fresh...)
	}

	// SPEC 3.3: a refund and its original match whichever arrives first. A
	// refund of the ledger that found no original (REFUND_UNMATCHED then)
	// cancels its original when the original arrives.
	waiting := e.waitingRefunds()
	for _, s := range fresh {
		if r, ok := waiting[s.SetlID]; ok && !s.RefdSetlFlag {
			e.refundedNow[s.SetlID] = r
			e.out.Assessments = append(e.out.Assessments, zeroAssessment(record.KindSettlement, s.SetlID, s.Certno, s.Enddate.Year,
				record.SetlRefunded, fmt.Sprintf("此前到达的退费结算 %s 冲销本结算, 不计入本年累计", r)))
		}
	}
	// SPEC 3.3: a refund row cancels init_setl_id.
	slices.SortFunc(refunds, func(a, b record.Settlement) int {
		return cmp.Or(a.SetlTime.Compare(b.SetlTime), cmp.Compare(a.SetlID, b.SetlID))
	})
	for _, r := range refunds {
		orig := r.InitSetlID
		tr := fmt.Sprintf("退费结算, 冲销原结算 %s", orig)
		o, inBatch := seen[orig]
		if !inBatch {
			o = &record.Settlement{}
		}
		k, inLedger := e.h.Settlements[orig]
		switch {
		case e.refundedNow[orig] != "":
			// SPEC 3.3: a second refund of one settlement.
			e.addFinding(finding(record.KindSettlement, r.SetlID, record.RefundUnmatched,
				"退费结算 %s 的原结算 %s 已被退费结算 %s 冲销", r.SetlID, orig, e.refundedNow[orig]))
			tr += ", 原结算已被冲销, 不匹配"
		case inBatch && !o.RefdSetlFlag:
			e.refundedNow[orig] = r.SetlID
			e.out.Assessments = append(e.out.Assessments, zeroAssessment(record.KindSettlement, orig, o.Certno, o.Enddate.Year,
				record.SetlRefunded, fmt.Sprintf("被退费结算 %s 冲销, 不计入本年累计", r.SetlID)))
		case inLedger && !k.Settlement.RefdSetlFlag && record.Counts(record.KindSettlement, k.Status):
			e.refundedNow[orig] = r.SetlID
			e.voided[[2]string{record.KindSettlement, orig}] = true
			// SPEC 3.3: a refunded settlement counts for nothing: what its
			// current assessment counted leaves the running totals.
			key := record.YearKey{Certno: k.Settlement.Certno, Year: k.Year, MedCat: k.MedCat}
			e.setTotal(key, e.total(key).sub(yearFenOf(k.Counted)))
			e.out.Assessments = append(e.out.Assessments, zeroAssessment(record.KindSettlement, orig, k.Settlement.Certno, k.Year,
				record.SetlRefunded, fmt.Sprintf("被退费结算 %s 冲销, 自本年累计扣除 起付线 %s、基本医疗 %s、大病基数 %s、大病保险 %s",
					r.SetlID, yuan(k.Counted.DeductibleBorne), yuan(k.Counted.BasicPaid), yuan(k.Counted.EligibleBase), yuan(k.Counted.SeriousPaid))))
		case inLedger && !k.Settlement.RefdSetlFlag && k.Status == record.SetlRefunded:
			e.addFinding(finding(record.KindSettlement, r.SetlID, record.RefundUnmatched,
				"退费结算 %s 的原结算 %s 已被冲销", r.SetlID, orig))
			tr += ", 原结算已被冲销, 不匹配"
		default:
			e.addFinding(finding(record.KindSettlement, r.SetlID, record.RefundUnmatched,
				"退费结算 %s 的原结算ID %s 未找到", r.SetlID, orig))
			tr += ", 原结算未找到, 不匹配"
		}
		e.out.Assessments = append(e.out.Assessments, zeroAssessment(record.KindSettlement, r.SetlID, r.Certno, r.Enddate.Year, record.SetlRefund, tr))
	}

	// A settlement refunded in this same run is still assessed, so that its
	// findings are those it would have had on a night before its refund
	// (SPEC 3.6), but it counts for nothing (SPEC 3.3): assess leaves it out
	// of the totals and the filing uses, and its refunded row stays current.
	visits := make([]record.Settlement, 0, len(fresh))
	for _, s := range fresh {
		if s.RefdSetlFlag {
			continue
		}
		visits = append(visits, s) // never grows past its capacity, so the pointer below stays good
		if e.refundedNow[s.SetlID] == "" {
			e.batchSetl[s.Certno] = append(e.batchSetl[s.Certno], &visits[len(visits)-1])
		}
	}
	return visits
}

// laterRow orders a subject's assessment rows of one run: a settlement's
// refunded row comes after its assessment.
func laterRow(status string) int {
	if status == record.SetlRefunded {
		return 1
	}
	return 0
}

func noSrc(s record.Settlement) record.Settlement { s.Src = record.Source{}; return s }

// waitingRefunds returns, by the setl_id they name, the ledger's refund rows
// of the batch's people whose original the ledger does not hold: they found
// nothing to cancel when they came, and wait for it. The first by setl_id
// takes the original; any other was a second refund already.
func (e *evaluation) waitingRefunds() map[string]string {
	var out map[string]string
	for _, vs := range e.h.Visits {
		for _, v := range vs {
			if v.InitSetlID == "" || v.SubjectKind != record.KindSettlement {
				continue
			}
			if _, known := e.h.Settlements[v.InitSetlID]; known {
				continue
			}
			if out == nil {
				out = map[string]string{}
			}
			if r, ok := out[v.InitSetlID]; !ok || v.SubjectID < r {
				out[v.InitSetlID] = v.SubjectID
			}
		}
	}
	return out
}

// alreadyPaid checks the run's new settlements against the ledger's claims
// for the same visit (SPEC 3.3: same certno and institution, overlapping
// dates). A claim already approved (paid, or its payment failed) paid the
// visit: ALREADY_REIMBURSED on the settlement, with the amount to recover,
// and a recovery opened for it (SPEC 3.7). A claim still held (review or
// pending) is assessed again and rejected ALREADY_SETTLED, and what it
// counted leaves the running totals. Claims the batch brings a new version
// of are judged with the batch's claims instead.
func (e *evaluation) alreadyPaid(setls []record.Settlement, batchClaims []record.Claim) {
	if len(e.h.Visits) == 0 {
		return
	}
	inBatch := make(map[string]bool, len(batchClaims))
	for _, c := range batchClaims {
		inBatch[c.ClaimID] = true
	}
	rejected := map[string]bool{}
	for i := range setls {
		s := &setls[i]
		if e.refundedNow[s.SetlID] != "" {
			continue
		}
		for _, pv := range e.h.Visits[s.Certno] {
			if pv.SubjectKind != record.KindClaim || pv.FixmedinsCode != s.FixmedinsCode ||
				!overlaps(pv.Begndate, pv.Enddate, s.Begndate, s.Enddate) {
				continue
			}
			switch pv.Current.Status {
			case record.ClaimApproved, record.ClaimPaid, record.ClaimPaymentFailed:
				e.addFinding(withAmount(finding(record.KindSettlement, s.SetlID, record.AlreadyReimbursed,
					"就诊 %s 至 %s 已由手工报销申请 %s 核准支付 %s, 本结算重复支付, 应追回 %s",
					pv.Begndate, pv.Enddate, pv.SubjectID, pv.Current.Payable.String(), pv.Current.Payable.String()), pv.Current.Payable.Decimal()))
				// SPEC 3.7: ALREADY_REIMBURSED opens a recovery, settled by a
				// negative successful payment for the claim.
				e.openRecovery(nil, record.Recovery{SubjectKind: record.KindSettlement, SubjectID: s.SetlID, ClaimID: pv.SubjectID,
					Amount: pv.Current.Payable.Decimal(), Reason: fmt.Sprintf("直接结算 %s 与手工报销申请 %s 重复支付", s.SetlID, pv.SubjectID)})
			case record.ClaimReview, record.ClaimPending:
				if inBatch[pv.SubjectID] || rejected[pv.SubjectID] {
					continue
				}
				rejected[pv.SubjectID] = true
				e.voided[[2]string{record.KindClaim, pv.SubjectID}] = true
				if pv.Counts() {
					key := pv.YearKey()
					e.setTotal(key, e.total(key).sub(contribution(pv.Current)))
				}
				a := pv.Current
				a.Status = record.ClaimRejected
				a.BasicPay, a.SeriousPay, a.Payable, a.EligibleBase = 0, 0, 0, 0
				a.ReportedPay, a.Discrepancy = record.NullFen{}, record.NullFen{}
				a.Trace = fmt.Sprintf("原状态 %s; 直接结算 %s 到达, 同一就诊已直接结算, 拒付, 应付 0.00, 不计入本年累计", pv.Current.Status, s.SetlID)
				e.out.Assessments = append(e.out.Assessments, a)
				e.addFinding(finding(record.KindClaim, pv.SubjectID, record.AlreadySettled,
					"机构 %s 已有直接结算 %s (%s 至 %s)", s.FixmedinsCode, s.SetlID, s.Begndate, s.Enddate))
			}
		}
	}
}

func zeroAssessment(kind, id, certno string, year int, status, tr string) record.Assessment {
	return record.Assessment{
		SubjectKind: kind, SubjectID: id, Certno: certno, Year: year, Status: status,
		Trace: tr,
	}
}
