package rules

import (
	"cmp"
	"fmt"
	"slices"

	"medrecon/batch/record"
)

// claimCheck is the outcome of SPEC 3.4's checks that do not depend on the
// amount: duplicates, deadline and materials.
type claimCheck struct {
	claim    record.Claim
	status   string // the strongest status so far (rejected > pending > review > approved)
	deadline record.Date
	steps    []string
}

// statusRank is SPEC 3.4's precedence: rejected > pending > review > approved.
var statusRank = map[string]int{record.ClaimApproved: 0, record.ClaimReview: 1, record.ClaimPending: 2, record.ClaimRejected: 3}

func worse(a, b string) string {
	if statusRank[b] > statusRank[a] {
		return b
	}
	return a
}

func claimText(c record.Claim) string {
	c.Invoices = slices.Clone(c.Invoices)
	for i := range c.Invoices {
		c.Invoices[i].Src = record.Source{}
	}
	return fmt.Sprintf("%v", c)
}

func overlaps(aFrom, aTo, bFrom, bTo record.Date) bool {
	return !aTo.Before(bFrom) && !bTo.Before(aFrom)
}

func sameInvoices(a, b []record.InvoiceKey) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[record.InvoiceKey]bool{}
	for _, k := range a {
		set[k] = true
	}
	for _, k := range b {
		if !set[k] {
			return false
		}
	}
	return true
}

func invoiceKeys(c record.Claim) []record.InvoiceKey {
	ks := make([]record.InvoiceKey, len(c.Invoices))
	for i, inv := range c.Invoices {
		ks[i] = record.InvoiceKey{BillCode: inv.BillCode, BillNo: inv.BillNo}
	}
	return ks
}

// claims applies SPEC 3.4's checks in (dcla_date, claim_id) order and
// returns the claims to assess.
func (e *evaluation) claims(batch []record.Claim, asOf record.Date) []claimCheck {
	cs := slices.Clone(batch)
	slices.SortStableFunc(cs, func(a, b record.Claim) int {
		if c := cmp.Or(a.DclaDate.Compare(b.DclaDate), cmp.Compare(a.ClaimID, b.ClaimID)); c != 0 {
			return c
		}
		return cmp.Compare(claimText(a), claimText(b))
	})
	seen := map[string]record.Claim{}
	e.runInvoices = map[record.InvoiceKey]record.PriorInvoice{}
	e.runClaims = map[string][]record.Claim{}
	var out []claimCheck
	for _, c := range cs {
		if prev, ok := seen[c.ClaimID]; ok {
			e.claimAgain(c, prev, "")
			continue
		}
		k, known := e.h.Claims[c.ClaimID]
		if known && k.Status != record.ClaimPending {
			if completes(k.Claim, c) {
				// Materials handed in for a claim already decided on other
				// grounds (rejected while incomplete): nothing changes.
				e.out.Ignored++
				continue
			}
			e.claimAgain(c, k.Claim, k.Status)
			continue
		} else if known && claimText(k.Claim) == claimText(c) {
			e.out.Ignored++
			continue
		}
		seen[c.ClaimID] = c
		e.out.Claims = append(e.out.Claims, c)
		// SPEC 3.7: materials completed on a later night are handed in on
		// the run's as-of date.
		var completed record.Date
		if known && !k.Claim.MaterialsComplete && c.MaterialsComplete {
			completed = asOf
		}
		out = append(out, e.check(c, completed, false))
	}
	return out
}

// check applies SPEC 3.4's checks to one claim against the ledger and the
// claims of this run before it. completed, when set, is the day a pending
// claim's materials were completed (SPEC 3.7: after the deadline it is
// LATE_SUBMISSION). onTime leaves the deadline out: an appeal approved
// assesses the claim as if it had been handed in on time (SPEC 2.6).
func (e *evaluation) check(c record.Claim, completed record.Date, onTime bool) claimCheck {
	chk := claimCheck{claim: c, status: record.ClaimApproved}
	add := func(code, status, format string, args ...any) {
		e.addFinding(finding(record.KindClaim, c.ClaimID, code, format, args...))
		chk.status = worse(chk.status, status)
	}
	keys := invoiceKeys(c)

	// SPEC 3.4 DUPLICATE_INVOICE: the earliest (dcla_date, claim_id) keeps
	// it. The detail reads the same whichever night the holder came.
	for _, k := range keys {
		pi, ok := e.h.Invoices[k]
		if !ok || pi.ClaimID == c.ClaimID {
			pi, ok = e.runInvoices[k]
		}
		if ok && pi.ClaimID != c.ClaimID {
			add(record.DuplicateInvoice, record.ClaimRejected, "票据 %s/%s 已在申请 %s (申请日期 %s) 中报销", k.BillCode, k.BillNo, pi.ClaimID, pi.DclaDate)
		} else if !ok {
			e.runInvoices[k] = record.PriorInvoice{ClaimID: c.ClaimID, DclaDate: c.DclaDate}
		}
	}

	// SPEC 3.4 ALREADY_SETTLED and SUSPECTED_DUPLICATE against settlements
	// that are not refunded.
	dupOf := func(kind, id, fixmedins string, begn, end record.Date, medfee string, inv []record.InvoiceKey) {
		if begn == c.Begndate && end == c.Enddate && medfee == c.MedfeeSumamt.String() &&
			(fixmedins != c.FixmedinsCode || kind == record.KindSettlement || !sameInvoices(inv, keys)) {
			add(record.SuspectedDuplicate, record.ClaimReview, "与%s %s 就诊日期 %s 至 %s、医疗费 %s 相同, 待复核",
				kindName(kind), id, begn, end, medfee)
		}
	}
	// The ledger's visits of the person: settlements that count, and
	// claims earlier by (dcla_date, claim_id) whichever night they came.
	for _, pv := range e.h.Visits[c.Certno] {
		switch {
		case pv.SubjectKind == record.KindSettlement:
			if !pv.Counts() || e.refundedNow[pv.SubjectID] != "" {
				continue // SPEC 3.3: a refunded settlement counts for nothing
			}
			if pv.FixmedinsCode == c.FixmedinsCode && overlaps(pv.Begndate, pv.Enddate, c.Begndate, c.Enddate) {
				add(record.AlreadySettled, record.ClaimRejected, "机构 %s 已有直接结算 %s (%s 至 %s)", pv.FixmedinsCode, pv.SubjectID, pv.Begndate, pv.Enddate)
			}
			dupOf(pv.SubjectKind, pv.SubjectID, pv.FixmedinsCode, pv.Begndate, pv.Enddate, pv.MedfeeSumamt.String(), nil)
		case pv.SubjectID != c.ClaimID && claimBefore(pv.DclaDate, pv.SubjectID, c):
			dupOf(pv.SubjectKind, pv.SubjectID, pv.FixmedinsCode, pv.Begndate, pv.Enddate, pv.MedfeeSumamt.String(), pv.Invoices)
		}
	}
	for _, s := range e.batchSetl[c.Certno] {
		if s.FixmedinsCode == c.FixmedinsCode && overlaps(s.Begndate, s.Enddate, c.Begndate, c.Enddate) {
			add(record.AlreadySettled, record.ClaimRejected, "机构 %s 已有直接结算 %s (%s 至 %s)", s.FixmedinsCode, s.SetlID, s.Begndate, s.Enddate)
		}
		dupOf(record.KindSettlement, s.SetlID, s.FixmedinsCode, s.Begndate, s.Enddate, s.MedfeeSumamt.String(), nil)
	}
	for _, p := range e.runClaims[c.Certno] {
		if p.ClaimID != c.ClaimID && claimBefore(p.DclaDate, p.ClaimID, c) {
			dupOf(record.KindClaim, p.ClaimID, p.FixmedinsCode, p.Begndate, p.Enddate, p.MedfeeSumamt.String(), invoiceKeys(p))
		}
	}
	if !onTime {
		e.runClaims[c.Certno] = append(e.runClaims[c.Certno], c)
	}

	// SPEC 3.4 LATE_SUBMISSION: the deadline day itself is on time.
	v := ClaimVisit(c)
	if region, err := e.p.Region(c.InsuplcAdmdvs); err == nil {
		due, rule := ClaimDeadline(v, region)
		chk.deadline = due
		chk.steps = append(chk.steps, fmt.Sprintf("申报期限 %s (%s), 申请日期 %s", due, rule.Words(), c.DclaDate))
		switch {
		case onTime:
			if Late(c.DclaDate, due) {
				chk.steps = append(chk.steps, "申诉核准, 视为按期申请")
			}
		case Late(c.DclaDate, due):
			add(record.LateSubmission, record.ClaimRejected, "申请日期 %s 晚于申报期限 %s (%s)", c.DclaDate, due, rule.Words())
		case !completed.IsZero() && Late(completed, due):
			// SPEC 3.7: the completion date is the run's as-of date.
			add(record.LateSubmission, record.ClaimRejected, "材料于 %s 补齐, 晚于申报期限 %s (%s)", completed, due, rule.Words())
		}
	}
	// SPEC 3.4: materials incomplete → pending.
	if !c.MaterialsComplete {
		chk.status = worse(chk.status, record.ClaimPending)
		chk.steps = append(chk.steps, "材料不齐, 待补")
	}
	return chk
}

// completes says whether c is first with its materials completed: the same
// claim in every column but materials_complete, 否 then 是.
func completes(first, c record.Claim) bool {
	if first.MaterialsComplete || !c.MaterialsComplete {
		return false
	}
	first.MaterialsComplete = true
	return claimText(first) == claimText(c)
}

// claimAgain handles a claim_id seen before: identical content is a
// re-import; other content is a CLAIM_CONFLICT and the first stands.
func (e *evaluation) claimAgain(c, first record.Claim, status string) {
	if claimText(first) == claimText(c) {
		e.out.Ignored++
		return
	}
	was := ""
	if status != "" {
		was = ", 原状态 " + status
	}
	e.addFinding(finding(record.KindClaim, c.ClaimID, record.ClaimConflict,
		"申请 %s 再次提交但内容不同%s, 以首次版本为准", c.ClaimID, was))
}

// claimBefore says whether the claim (dcla, id) is earlier than c in SPEC
// 3.4's order: by dcla_date, then claim_id, whichever night each arrived.
func claimBefore(dcla record.Date, id string, c record.Claim) bool {
	return cmp.Or(dcla.Compare(c.DclaDate), cmp.Compare(id, c.ClaimID)) < 0
}

func kindName(kind string) string {
	if kind == record.KindSettlement {
		return "直接结算"
	}
	return "申请"
}
