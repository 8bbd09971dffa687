package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// SPEC 2.6 and 3.7 as tables: every status against every decision and
// payment result, the illegal ones included.
func TestDecisionNext(t *testing.T) {
	type want struct {
		next   string
		appeal bool
		ok     bool
	}
	statuses := []string{record.ClaimApproved, record.ClaimPaid, record.ClaimPaymentFailed, record.ClaimRejected, record.ClaimReview, record.ClaimPending}
	decisions := []string{record.DecisionApprove, record.DecisionAdjust, record.DecisionReject}
	cases := map[string]want{
		"review approve":      {record.ClaimApproved, false, true},
		"review adjust":       {record.ClaimApproved, false, true},
		"review reject":       {record.ClaimRejected, false, true},
		"late approve":        {"", true, true}, // an appeal: assessed again as if on time
		"late adjust":         {"", true, true},
		"late reject":         {record.ClaimRejected, false, true},
		"late-unknown appeal": {},
	}
	for _, late := range []bool{false, true} {
		for _, s := range statuses {
			for _, dec := range decisions {
				key := s + " " + dec
				if late {
					if s != record.ClaimRejected {
						continue // only a rejection can be for LATE_SUBMISSION
					}
					key = "late " + dec
				}
				w := cases[key] // every other pair is refused: a reject row
				next, appeal, ok := DecisionNext(s, late, dec)
				if (want{next, appeal, ok}) != w {
					t.Errorf("%s (late %v): DecisionNext = %q, appeal %v, ok %v; want %+v", key, late, next, appeal, ok, w)
				}
			}
		}
	}
	if _, _, ok := DecisionNext(record.ClaimRejected, true, "cancel"); ok {
		t.Error("an unknown decision word applied to an appeal")
	}
}

func TestPaymentNext(t *testing.T) {
	want := map[string]string{
		"approved success":       record.ClaimPaid,
		"approved failed":        record.ClaimPaymentFailed,
		"payment_failed success": record.ClaimPaid,
		"payment_failed failed":  record.ClaimPaymentFailed,
	}
	for _, s := range []string{record.ClaimApproved, record.ClaimPaid, record.ClaimPaymentFailed, record.ClaimRejected, record.ClaimReview, record.ClaimPending} {
		for _, r := range []string{record.PaymentSuccess, record.PaymentFailed} {
			next, ok := PaymentNext(s, r)
			w, legal := want[s+" "+r]
			if ok != legal || next != w {
				t.Errorf("PaymentNext(%s, %s) = %q, %v; want %q, %v (PAYMENT_UNEXPECTED when not legal)", s, r, next, ok, w, legal)
			}
		}
	}
}

// ledgerOf is what the ledger's History gives after the outcomes, for every
// person and claim they hold: the rules' stand-in for batch/ledger in the
// tests of a claim's life over several nights.
func ledgerOf(outs ...record.Outcome) record.History {
	h := record.NewHistory()
	claims := map[string]record.Claim{}
	setls := map[string]record.Settlement{}
	cur := map[[2]string]record.Assessment{}
	late := map[string]bool{}
	open := map[string][]record.Recovery{}
	for _, o := range outs {
		for _, c := range o.Claims {
			claims[c.ClaimID] = c
		}
		for _, s := range o.Settlements {
			if _, ok := setls[s.SetlID]; !ok {
				setls[s.SetlID] = s
			}
		}
		lateNow := map[string]bool{}
		for _, f := range o.Findings {
			if f.Code == record.LateSubmission {
				lateNow[f.SubjectID] = true
			}
		}
		for _, a := range o.Assessments {
			a.Trace, a.Seq = "", 0
			cur[[2]string{a.SubjectKind, a.SubjectID}] = a
			if a.SubjectKind == record.KindClaim {
				late[a.SubjectID] = lateNow[a.SubjectID] && a.Status == record.ClaimRejected
			}
		}
		for k, t := range o.Totals {
			h.Totals[k] = t
		}
		for _, r := range o.Recoveries {
			open[r.ClaimID] = record.ApplyRecovery(open[r.ClaimID], r)
		}
		for _, p := range o.Payments {
			if _, ok := h.Payments[p.BankRef]; !ok {
				h.Payments[p.BankRef] = p
			}
		}
	}
	for id, c := range claims {
		a := cur[[2]string{record.KindClaim, id}]
		h.Claims[id] = record.KnownClaim{Claim: c, Status: a.Status, Current: a, Late: late[id], Recoveries: open[id]}
		keys := invoiceKeys(c)
		for _, k := range keys {
			if p, ok := h.Invoices[k]; !ok || claimBefore(c.DclaDate, c.ClaimID, record.Claim{ClaimID: p.ClaimID, DclaDate: p.DclaDate}) {
				h.Invoices[k] = record.PriorInvoice{ClaimID: id, DclaDate: c.DclaDate}
			}
		}
		h.Visits[c.Certno] = append(h.Visits[c.Certno], record.PriorVisit{SubjectKind: record.KindClaim, SubjectID: id, Certno: c.Certno,
			FixmedinsCode: c.FixmedinsCode, Begndate: c.Begndate, Enddate: c.Enddate, MedCat: ClaimVisit(c).YearKey().MedCat,
			MedfeeSumamt: c.MedfeeSumamt, DclaDate: c.DclaDate, Invoices: keys, Current: a})
	}
	for id, s := range setls {
		a := cur[[2]string{record.KindSettlement, id}]
		k := SettlementVisit(s).YearKey()
		h.Settlements[id] = record.KnownSettlement{Settlement: s, Status: a.Status, MedCat: k.MedCat, Counted: record.Contribution(a), Year: k.Year}
		h.Visits[s.Certno] = append(h.Visits[s.Certno], record.PriorVisit{SubjectKind: record.KindSettlement, SubjectID: id, Certno: s.Certno,
			FixmedinsCode: s.FixmedinsCode, Begndate: s.Begndate, Enddate: s.Enddate, MedCat: k.MedCat, MedfeeSumamt: s.MedfeeSumamt,
			InitSetlID: s.InitSetlID, Current: a})
	}
	return h
}

// lifeNight1 assesses the claims the life tests decide and pay: A1
// approved (70650.00), R1 held in review (SUSPECTED_DUPLICATE of A1),
// L1 rejected LATE_SUBMISSION, N1 rejected NON_DESIGNATED, P1 pending
// (deadline 2026-03-31), P2 pending with a later deadline.
func lifeNight1(t *testing.T) record.Outcome {
	t.Helper()
	b := record.Batch{Claims: []record.Claim{
		claim("A1"),
		claim("R1", func(c *record.Claim) { c.FixmedinsCode, c.DclaDate = "H12000002", d("2025-04-02") }),
		claim("L1", func(c *record.Claim) {
			c.Begndate, c.Enddate, c.DclaDate = d("2025-05-01"), d("2025-05-05"), d("2026-04-05")
			c.InscpScpAmt, c.Invoices[0].InscpScpAmt = fen("10000"), fen("10000")
		}),
		claim("N1", func(c *record.Claim) { c.Begndate, c.Enddate, c.Designated = d("2025-06-10"), d("2025-06-12"), false }),
		claim("P1", func(c *record.Claim) {
			c.Begndate, c.Enddate, c.DclaDate, c.MaterialsComplete = d("2025-06-01"), d("2025-06-03"), d("2025-07-01"), false
		}),
		claim("P2", func(c *record.Claim) {
			c.Begndate, c.Enddate, c.DclaDate, c.MaterialsComplete = d("2026-01-05"), d("2026-01-10"), d("2026-01-20"), false
		}),
	}}
	o, err := Evaluate(b, record.NewHistory(), Config{AsOf: d("2026-04-10"), Policy: samplePolicy()})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"A1": record.ClaimApproved, "R1": record.ClaimReview, "L1": record.ClaimRejected,
		"N1": record.ClaimRejected, "P1": record.ClaimPending, "P2": record.ClaimPending} {
		if got := lastOf(o, id).Status; got != want {
			t.Fatalf("night 1: %s is %s, want %s", id, got, want)
		}
	}
	return o
}

func lastOf(o record.Outcome, id string) record.Assessment {
	var a record.Assessment
	for _, x := range o.Assessments {
		if x.SubjectID == id {
			a = x
		}
	}
	return a
}

func decision(id, what, amount, reason string, row int) record.Decision {
	dc := record.Decision{ClaimID: id, Decision: what, Reason: reason, Reviewer: "周虚构", DecidedOn: d("2026-04-15"),
		Src: record.Source{File: "decisions.csv", Row: row}}
	if amount != "" {
		dc.Amount = decimal.NewNullDecimal(dec(amount))
	}
	return dc
}

func payment(id, amount, result, ref, on string, row int) record.Payment {
	p := record.Payment{ClaimID: id, Amount: dec(amount), PaidOn: d(on), BankRef: ref, Result: result,
		Src: record.Source{File: "payments.csv", Row: row}}
	if result == record.PaymentFailed {
		p.Reason = "账户已销户"
	}
	return p
}

// lifeWant is what one night of decisions and payments must give for one claim.
type lifeWant struct {
	id       string
	statuses []string // the claim's new rows of the night, in order ("" none)
	payable  string   // of its last row, when statuses has one
	findings []string // codes on the claim raised this night
	rejects  []string // columns of the night's rejected rows
	recovery []string // events of the night's recoveries, "opened 50.00"
	stored   int      // decisions + payments rows recorded
	ignored  int
}

func checkLife(t *testing.T, o record.Outcome, w lifeWant) {
	t.Helper()
	var statuses []string
	var last record.Assessment
	for _, a := range o.Assessments {
		if a.SubjectKind == record.KindClaim && a.SubjectID == w.id {
			statuses = append(statuses, a.Status)
			last = a
		}
	}
	if !slices.Equal(statuses, w.statuses) {
		t.Errorf("%s: new rows %v, want %v", w.id, statuses, w.statuses)
	}
	if w.payable != "" && last.Payable != fen(w.payable) {
		t.Errorf("%s: payable %s, want %s (trace %s)", w.id, last.Payable, w.payable, last.Trace)
	}
	if got := findingCodes(o, w.id); !slices.Equal(got, w.findings) {
		t.Errorf("%s: findings %v, want %v", w.id, got, w.findings)
	}
	var cols []string
	for _, r := range o.Rejects {
		cols = append(cols, r.Col)
		if r.File == "" || r.Row == 0 || !strings.Contains(r.Reason, " / ") {
			t.Errorf("rejected row without its place or a reason in both languages: %+v", r)
		}
	}
	if !slices.Equal(cols, w.rejects) {
		t.Errorf("%s: rejected rows %v, want %v (%+v)", w.id, cols, w.rejects, o.Rejects)
	}
	var recs []string
	for _, r := range o.Recoveries {
		recs = append(recs, r.Event+" "+r.Amount.StringFixed(2))
	}
	if !slices.Equal(recs, w.recovery) {
		t.Errorf("%s: recoveries %v, want %v", w.id, recs, w.recovery)
	}
	if n := len(o.Decisions) + len(o.Payments); n != w.stored {
		t.Errorf("%s: %d decisions and payments recorded, want %d", w.id, n, w.stored)
	}
	if o.Ignored != w.ignored {
		t.Errorf("%s: %d ignored, want %d", w.id, o.Ignored, w.ignored)
	}
}

// Every transition of SPEC 3.7 on the second night, and every illegal one.
func TestClaimLife(t *testing.T) {
	n1 := lifeNight1(t)
	h := ledgerOf(n1)
	a1 := lastOf(n1, "A1").Payable.String()
	if a1 != "62800.00" { // (80000 − 1500) × (0.90 − 0.10 unfiled)
		t.Fatalf("A1 pays %s, want 62800.00", a1)
	}
	const rej = record.ClaimRejected
	tests := []struct {
		name string
		b    record.Batch
		asOf string // default 2026-03-31, the deadline of P1 itself
		w    lifeWant
	}{
		{"review approved pays the computed amount", record.Batch{Decisions: []record.Decision{decision("R1", record.DecisionApprove, "", "", 2)}}, "",
			lifeWant{id: "R1", statuses: []string{record.ClaimApproved}, payable: "62800.00", stored: 1}},
		{"review adjusted pays the amount", record.Batch{Decisions: []record.Decision{decision("R1", record.DecisionAdjust, "50000.00", "部分自费", 2)}}, "",
			lifeWant{id: "R1", statuses: []string{record.ClaimApproved}, payable: "50000.00", stored: 1}},
		{"adjusted to the computed amount itself", record.Batch{Decisions: []record.Decision{decision("R1", record.DecisionAdjust, "62800.00", "核对无误", 2)}}, "",
			lifeWant{id: "R1", statuses: []string{record.ClaimApproved}, payable: "62800.00", stored: 1}},
		{"adjusted to zero", record.Batch{Decisions: []record.Decision{decision("R1", record.DecisionAdjust, "0", "全部自费", 2)}}, "",
			lifeWant{id: "R1", statuses: []string{record.ClaimApproved}, payable: "0", stored: 1}},
		{"adjust above the computed amount is a rejected row", record.Batch{Decisions: []record.Decision{decision("R1", record.DecisionAdjust, "62800.01", "多报", 2)}}, "",
			lifeWant{id: "R1", rejects: []string{"amount"}}},
		{"review rejected pays nothing", record.Batch{Decisions: []record.Decision{decision("R1", record.DecisionReject, "", "重复报销", 2)}}, "",
			lifeWant{id: "R1", statuses: []string{rej}, payable: "0", stored: 1}},
		{"a decision on an approved claim is a rejected row", record.Batch{Decisions: []record.Decision{decision("A1", record.DecisionApprove, "", "", 2)}}, "",
			lifeWant{id: "A1", rejects: []string{"decision"}}},
		{"a decision on a pending claim is a rejected row", record.Batch{Decisions: []record.Decision{decision("P2", record.DecisionReject, "", "不符", 2)}}, "",
			lifeWant{id: "P2", rejects: []string{"decision"}}},
		{"a decision on a claim rejected on other grounds is a rejected row", record.Batch{Decisions: []record.Decision{decision("N1", record.DecisionApprove, "", "", 2)}}, "",
			lifeWant{id: "N1", rejects: []string{"decision"}}},
		{"a decision on an unknown claim is a rejected row", record.Batch{Decisions: []record.Decision{decision("C404", record.DecisionApprove, "", "", 2)}}, "",
			lifeWant{id: "C404", rejects: []string{"claim_id"}}},
		{"the second decision of a night finds the claim decided", record.Batch{Decisions: []record.Decision{
			decision("R1", record.DecisionApprove, "", "", 2), decision("R1", record.DecisionReject, "", "改判", 3)}}, "",
			lifeWant{id: "R1", statuses: []string{record.ClaimApproved}, rejects: []string{"decision"}, stored: 1}},
		{"an appeal approved assesses the late claim as if on time", record.Batch{Decisions: []record.Decision{decision("L1", record.DecisionApprove, "", "", 2)}}, "",
			lifeWant{id: "L1", statuses: []string{record.ClaimApproved}, payable: "6800.00", findings: []string{record.NoValidFiling}, stored: 1}},
		{"an appeal adjusted", record.Batch{Decisions: []record.Decision{decision("L1", record.DecisionAdjust, "5000", "部分自费", 2)}}, "",
			lifeWant{id: "L1", statuses: []string{record.ClaimApproved}, payable: "5000.00", findings: []string{record.NoValidFiling}, stored: 1}},
		{"an appeal adjusted above the computed amount is a rejected row", record.Batch{Decisions: []record.Decision{decision("L1", record.DecisionAdjust, "9000", "x", 2)}}, "",
			lifeWant{id: "L1", rejects: []string{"amount"}}},
		{"an appeal rejected", record.Batch{Decisions: []record.Decision{decision("L1", record.DecisionReject, "", "无正当理由", 2)}}, "",
			lifeWant{id: "L1", statuses: []string{rej}, payable: "0", stored: 1}},
		{"a decided appeal is final: a second appeal is a rejected row", record.Batch{Decisions: []record.Decision{
			decision("L1", record.DecisionReject, "", "无正当理由", 2), decision("L1", record.DecisionApprove, "", "", 3)}}, "",
			lifeWant{id: "L1", statuses: []string{rej}, payable: "0", rejects: []string{"decision"}, stored: 1}},
		{"an appeal refused for its amount leaves the claim to appeal", record.Batch{Decisions: []record.Decision{
			decision("L1", record.DecisionAdjust, "9000", "x", 2), decision("L1", record.DecisionApprove, "", "", 3)}}, "",
			lifeWant{id: "L1", statuses: []string{record.ClaimApproved}, payable: "6800.00", findings: []string{record.NoValidFiling}, rejects: []string{"amount"}, stored: 1}},

		{"paid the payable", record.Batch{Payments: []record.Payment{payment("A1", a1, record.PaymentSuccess, "B1", "2026-04-12", 2)}}, "",
			lifeWant{id: "A1", statuses: []string{record.ClaimPaid}, payable: a1, stored: 1}},
		{"overpaid: PAYMENT_MISMATCH and a recovery", record.Batch{Payments: []record.Payment{payment("A1", "62850", record.PaymentSuccess, "B1", "2026-04-12", 2)}}, "",
			lifeWant{id: "A1", statuses: []string{record.ClaimPaid}, payable: a1, findings: []string{record.PaymentMismatch}, recovery: []string{"opened 50.00"}, stored: 1}},
		{"underpaid: PAYMENT_MISMATCH, nothing to recover", record.Batch{Payments: []record.Payment{payment("A1", "62000", record.PaymentSuccess, "B1", "2026-04-12", 2)}}, "",
			lifeWant{id: "A1", statuses: []string{record.ClaimPaid}, payable: a1, findings: []string{record.PaymentMismatch}, stored: 1}},
		{"failed, then paid", record.Batch{Payments: []record.Payment{
			payment("A1", a1, record.PaymentFailed, "B1", "2026-04-12", 2), payment("A1", a1, record.PaymentSuccess, "B2", "2026-04-14", 3)}}, "",
			lifeWant{id: "A1", statuses: []string{record.ClaimPaymentFailed, record.ClaimPaid}, payable: a1, stored: 2}},
		{"a payment for a claim in review is PAYMENT_UNEXPECTED, kept", record.Batch{Payments: []record.Payment{payment("R1", "100", record.PaymentSuccess, "B1", "2026-04-12", 2)}}, "",
			lifeWant{id: "R1", findings: []string{record.PaymentUnexpected}, stored: 1}},
		{"a payment for a rejected claim is PAYMENT_UNEXPECTED, kept", record.Batch{Payments: []record.Payment{payment("N1", "100", record.PaymentSuccess, "B1", "2026-04-12", 2)}}, "",
			lifeWant{id: "N1", findings: []string{record.PaymentUnexpected}, stored: 1}},
		{"a failed payment for a pending claim is PAYMENT_UNEXPECTED", record.Batch{Payments: []record.Payment{payment("P2", "100", record.PaymentFailed, "B1", "2026-04-12", 2)}}, "",
			lifeWant{id: "P2", findings: []string{record.PaymentUnexpected}, stored: 1}},
		{"paid twice: the second is PAYMENT_UNEXPECTED", record.Batch{Payments: []record.Payment{
			payment("A1", a1, record.PaymentSuccess, "B1", "2026-04-12", 2), payment("A1", a1, record.PaymentSuccess, "B2", "2026-04-13", 3)}}, "",
			lifeWant{id: "A1", statuses: []string{record.ClaimPaid}, findings: []string{record.PaymentUnexpected}, stored: 2}},
		{"a payment for an unknown claim is a rejected row", record.Batch{Payments: []record.Payment{payment("C404", "100", record.PaymentSuccess, "B1", "2026-04-12", 2)}}, "",
			lifeWant{id: "C404", rejects: []string{"claim_id"}}},
		{"a recovery with nothing to recover is PAYMENT_UNEXPECTED", record.Batch{Payments: []record.Payment{payment("A1", "-50", record.PaymentSuccess, "B1", "2026-04-12", 2)}}, "",
			lifeWant{id: "A1", findings: []string{record.PaymentUnexpected}, stored: 1}},
		{"the same bank_ref twice with the same content is a re-import", record.Batch{Payments: []record.Payment{
			payment("A1", a1, record.PaymentSuccess, "B1", "2026-04-12", 2), payment("A1", a1, record.PaymentSuccess, "B1", "2026-04-12", 9)}}, "",
			lifeWant{id: "A1", statuses: []string{record.ClaimPaid}, payable: a1, stored: 1, ignored: 1}},
		{"the same bank_ref twice with other content is a rejected row", record.Batch{Payments: []record.Payment{
			payment("A1", a1, record.PaymentSuccess, "B1", "2026-04-12", 2), payment("A1", "1", record.PaymentSuccess, "B1", "2026-04-12", 9)}}, "",
			lifeWant{id: "A1", statuses: []string{record.ClaimPaid}, payable: a1, rejects: []string{"bank_ref"}, stored: 1}},

		{"a pending claim past its deadline expires", record.Batch{}, "2026-04-01",
			lifeWant{id: "P1", statuses: []string{rej}, payable: "0", findings: []string{record.PendingExpired}}},
		{"on its deadline day a pending claim waits", record.Batch{}, "2026-03-31",
			lifeWant{id: "P1"}},
		{"completed after the deadline: LATE_SUBMISSION on the completion date", record.Batch{Claims: []record.Claim{
			claim("P1", func(c *record.Claim) {
				c.Begndate, c.Enddate, c.DclaDate = d("2025-06-01"), d("2025-06-03"), d("2025-07-01")
			})}}, "2026-04-20",
			lifeWant{id: "P1", statuses: []string{rej}, payable: "0", findings: []string{record.LateSubmission, record.NoValidFiling}}},
		{"completed on the deadline day is on time", record.Batch{Claims: []record.Claim{
			claim("P1", func(c *record.Claim) {
				c.Begndate, c.Enddate, c.DclaDate = d("2025-06-01"), d("2025-06-03"), d("2025-07-01")
			})}}, "2026-03-31",
			lifeWant{id: "P1", statuses: []string{record.ClaimApproved}, findings: []string{record.NoValidFiling}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			asOf := tc.asOf
			if asOf == "" {
				asOf = "2026-03-31"
			}
			o, err := Evaluate(tc.b, h, Config{AsOf: d(asOf), Policy: samplePolicy()})
			if err != nil {
				t.Fatal(err)
			}
			checkLife(t, o, tc.w)
		})
	}
}

// A decision changes what the claim counts in its person's running totals
// from its run on (SPEC 3.7): approve keeps the review claim's share,
// adjust cuts its basic and serious payments to the amount, reject takes
// it back, an appeal adds the late claim's share.
func TestDecisionTotals(t *testing.T) {
	n1 := lifeNight1(t)
	h := ledgerOf(n1)
	key := record.YearKey{Certno: zhangSan, Year: 2025, MedCat: record.MedInpatient}
	before := h.Totals[key].BasicPaid
	for _, tc := range []struct {
		d     record.Decision
		delta string // basic paid after − before
	}{
		{decision("R1", record.DecisionApprove, "", "", 2), "0"},
		{decision("R1", record.DecisionAdjust, "50000", "部分自费", 2), "-12800"},
		{decision("R1", record.DecisionReject, "", "重复", 2), "-62800"},
		{decision("L1", record.DecisionApprove, "", "", 2), "6800"},
	} {
		o, err := Evaluate(record.Batch{Decisions: []record.Decision{tc.d}}, h, Config{AsOf: d("2026-03-31"), Policy: samplePolicy()})
		if err != nil {
			t.Fatal(err)
		}
		after, ok := o.Totals[key]
		if !ok {
			after = h.Totals[key]
		}
		if got := after.BasicPaid.Sub(before); !got.Equal(dec(tc.delta)) {
			t.Errorf("%s %s: basic paid changed by %s, want %s", tc.d.Decision, tc.d.ClaimID, got, tc.delta)
		}
	}
}

// Recoveries over three nights (SPEC 3.7): an overpayment and an
// ALREADY_REIMBURSED settlement open one each; a negative successful
// payment settles the oldest; recovered short, the rest opens again.
func TestRecoveries(t *testing.T) {
	p := samplePolicy()
	n1 := lifeNight1(t)
	// Night 2: A1 overpaid by 50.00, and the hospital's settlement for the
	// visit A1 paid arrives: ALREADY_REIMBURSED on a paid claim.
	n2, err := Evaluate(record.Batch{
		Settlements: []record.Settlement{setl("S1")},
		Payments:    []record.Payment{payment("A1", "62850", record.PaymentSuccess, "B1", "2026-04-12", 2)},
	}, ledgerOf(n1), Config{AsOf: d("2026-03-31"), Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	if got := findingCodes(n2, "S1"); !slices.Contains(got, record.AlreadyReimbursed) {
		t.Fatalf("S1 findings %v, want ALREADY_REIMBURSED", got)
	}
	var opened []string
	for _, r := range n2.Recoveries {
		opened = append(opened, fmt.Sprintf("%s %s/%s %s %s", r.Event, r.SubjectKind, r.SubjectID, r.ClaimID, r.Amount.StringFixed(2)))
	}
	want := []string{"opened settlement/S1 A1 62800.00", "opened claim/A1 A1 50.00"}
	if !slices.Equal(opened, want) {
		t.Fatalf("night 2 recoveries %v, want %v", opened, want)
	}
	// Night 3: 62800.00 recovered settles the settlement's recovery (the
	// oldest); 30.00 recovered of the 50.00 overpaid leaves 20.00 open.
	h3 := ledgerOf(n1, n2)
	if n := len(h3.Claims["A1"].Recoveries); n != 2 {
		t.Fatalf("A1 has %d open recoveries after night 2, want 2", n)
	}
	n3, err := Evaluate(record.Batch{Payments: []record.Payment{
		payment("A1", "-62800", record.PaymentSuccess, "B2", "2026-04-20", 2),
		payment("A1", "-30", record.PaymentSuccess, "B3", "2026-04-21", 3),
	}}, h3, Config{AsOf: d("2026-03-31"), Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	checkLife(t, n3, lifeWant{id: "A1", findings: []string{record.PaymentMismatch},
		recovery: []string{"settled 62800.00", "settled 30.00", "opened 20.00"}, stored: 2})
	if open := ledgerOf(n1, n2, n3).Claims["A1"].Recoveries; len(open) != 1 || !open[0].Amount.Equal(dec("20")) {
		t.Errorf("open after night 3: %+v, want 20.00 of the overpayment", open)
	}
}

func TestNewPayments(t *testing.T) {
	known := map[string]record.Payment{"B0": payment("A1", "1", record.PaymentSuccess, "B0", "2026-04-01", 5)}
	known["B0"] = record.Payment{ClaimID: "A1", Amount: dec("1.00"), PaidOn: d("2026-04-01"), BankRef: "B0", Result: record.PaymentSuccess}
	ps := []record.Payment{
		payment("A1", "1", record.PaymentSuccess, "B0", "2026-04-01", 2),    // the ledger's, again: a re-import
		payment("A2", "1", record.PaymentSuccess, "B0", "2026-04-01", 3),    // the ledger's bank_ref, another claim
		payment("A3", "5", record.PaymentSuccess, "B9", "2026-04-02", 4),    // new
		payment("A4", "5", record.PaymentSuccess, "B9", "2026-04-02", 5),    // B9 for another claim: rejected
		payment("A3", "5.00", record.PaymentSuccess, "B9", "2026-04-02", 6), // B9 again, the same: a re-import
	}
	fresh, ignored, rejects := NewPayments(ps, known)
	if len(fresh) != 1 || fresh[0].Src.Row != 4 || ignored != 2 || len(rejects) != 2 || rejects[0].Row != 3 || rejects[1].Row != 5 {
		t.Errorf("fresh %v, ignored %d, rejects %+v", fresh, ignored, rejects)
	}
}
