package ledger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"medrecon/batch/record"
)

// TestWorklistAsOf: the worklist's states, failed payments and open
// recoveries as of a date count what runs up to that date did, and nothing
// a later run did (SPEC 3.7, issue 14). Three nights:
//
//	10 April: C1 approved, C2 review (a suspected duplicate), C3 pending, C4 approved
//	20 April: C2 decided approved, C1's payment fails, C4 overpaid opens a
//	          recovery, C5 (handed in 5 April) is first read: review
//	1 May:    C1 paid, C4's recovery settled, C3 completed with a new account: approved
func TestWorklistAsOf(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	night := func(id string, asOf record.Date) record.RunInfo {
		return runInfo(id, asOf, time.Date(asOf.Year, asOf.Month, asOf.Day, 1, 0, 0, 0, time.UTC))
	}
	apr10, apr20, may1 := record.D(2026, 4, 10), record.D(2026, 4, 20), record.D(2026, 5, 1)
	mk := func(id string, dcla record.Date) record.Claim {
		c := claim(id, liSi, record.D(2026, 2, 1), dcla)
		c.Invoices[0].BillNo, c.Invoices[1].BillNo = id+"-1", id+"-2"
		c.BankName, c.BankAccount = "中国工商银行", "6222020402001234567"
		return c
	}
	a := func(id, status string) record.Assessment {
		return assessment(record.KindClaim, id, liSi, 2026, status)
	}
	dup := record.Finding{SubjectKind: record.KindClaim, Code: record.SuspectedDuplicate, Severity: record.SeverityError}
	c2dup, c5dup := dup, dup
	c2dup.SubjectID, c2dup.Detail = "C2", "与申请 C1 就诊日期相同, 待复核"
	c5dup.SubjectID, c5dup.Detail = "C5", "与申请 C2 就诊日期相同, 待复核"
	mustCommit(t, l, night("R1", apr10), nil, record.Outcome{
		Claims:      []record.Claim{mk("C1", apr10), mk("C2", apr10), mk("C3", record.D(2026, 4, 1)), mk("C4", apr10)},
		Assessments: []record.Assessment{a("C1", record.ClaimApproved), a("C2", record.ClaimReview), a("C3", record.ClaimPending), a("C4", record.ClaimApproved)},
		Findings:    []record.Finding{c2dup},
	}, nil)
	failed := record.Payment{ClaimID: "C1", Amount: d("70662.34"), PaidOn: record.D(2026, 4, 19), BankRef: "B1",
		Result: record.PaymentFailed, Reason: "账户已销户", Src: record.Source{File: "payments.csv", Row: 2}}
	recovery := record.Recovery{SubjectKind: record.KindClaim, SubjectID: "C4", ClaimID: "C4", Amount: d("10.00"),
		Reason: "多付 10.00", Event: record.RecoveryOpened}
	r2 := night("R2", apr20)
	r2.PaymentDays = map[string]int{"130100": 30, "130500": 45}
	mustCommit(t, l, r2, nil, record.Outcome{
		Claims:      []record.Claim{mk("C5", record.D(2026, 4, 5))},
		Assessments: []record.Assessment{a("C5", record.ClaimReview), a("C2", record.ClaimApproved), a("C1", record.ClaimPaymentFailed), a("C4", record.ClaimPaid)},
		Findings:    []record.Finding{c5dup},
		Decisions:   []record.Decision{{ClaimID: "C2", Decision: record.DecisionApprove, Reviewer: "周虚构", DecidedOn: apr20}},
		Payments: []record.Payment{failed, {ClaimID: "C4", Amount: d("70672.34"), PaidOn: apr20, BankRef: "B2",
			Result: record.PaymentSuccess}},
		Recoveries: []record.Recovery{recovery},
	}, nil)
	c3 := mk("C3", record.D(2026, 4, 1))
	c3.BankAccount = "6222020402009999888"
	settled := recovery
	settled.Event, settled.Reason = record.RecoverySettled, "追回 10.00"
	r3 := night("R3", may1)
	r3.PaymentDays = map[string]int{"130100": 20}
	mustCommit(t, l, r3, nil, record.Outcome{
		Claims:      []record.Claim{c3},
		Assessments: []record.Assessment{a("C1", record.ClaimPaid), a("C3", record.ClaimApproved)},
		Payments: []record.Payment{{ClaimID: "C1", Amount: d("70662.34"), PaidOn: may1, BankRef: "B3", Result: record.PaymentSuccess},
			{ClaimID: "C4", Amount: d("-10.00"), PaidOn: may1, BankRef: "B4", Result: record.PaymentSuccess}},
		Recoveries: []record.Recovery{settled},
	}, nil)

	type state struct {
		Status  string
		Since   record.Date
		Held    string
		Account string
		Failed  string // the failed payment's bank_ref
	}
	tests := []struct {
		asOf       record.Date
		want       map[string]state
		recoveries []string // open: claim_id and the day opened
		days       string   // the payment_days kept by the latest run as of the date
	}{
		{apr10, map[string]state{
			"C1": {record.ClaimApproved, apr10, "", "6222020402001234567", ""},
			"C2": {record.ClaimReview, apr10, c2dup.Detail, "6222020402001234567", ""},
			"C3": {record.ClaimPending, apr10, "", "6222020402001234567", ""},
			"C4": {record.ClaimApproved, apr10, "", "6222020402001234567", ""},
			// First read on 20 April: in its first state, since then.
			"C5": {record.ClaimReview, apr20, c5dup.Detail, "6222020402001234567", ""},
		}, nil, " map[]"}, // R1 kept none, as a run before schema version 9
		{record.D(2026, 4, 25), map[string]state{
			"C1": {record.ClaimPaymentFailed, apr20, "", "6222020402001234567", "B1"},
			"C2": {record.ClaimApproved, apr20, "", "6222020402001234567", ""},
			"C3": {record.ClaimPending, apr10, "", "6222020402001234567", ""},
			"C4": {record.ClaimPaid, apr20, "", "6222020402001234567", ""},
			"C5": {record.ClaimReview, apr20, c5dup.Detail, "6222020402001234567", ""},
		}, []string{"C4 2026-04-20"}, "R2 map[130100:30 130500:45]"},
		{may1, map[string]state{
			"C1": {record.ClaimPaid, may1, "", "6222020402001234567", "B1"},
			"C2": {record.ClaimApproved, apr20, "", "6222020402001234567", ""},
			"C3": {record.ClaimApproved, may1, "", "6222020402009999888", ""},
			"C4": {record.ClaimPaid, apr20, "", "6222020402001234567", ""},
			"C5": {record.ClaimReview, apr20, c5dup.Detail, "6222020402001234567", ""},
		}, nil, "R3 map[130100:20]"},
	}
	for _, tt := range tests {
		t.Run(tt.asOf.String(), func(t *testing.T) {
			w, err := l.Worklist(ctx, tt.asOf)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]state{}
			for _, c := range w.Claims {
				s := state{c.Status, c.Since, c.Held, c.BankAccount, ""}
				if c.LastFailed != nil {
					s.Failed = c.LastFailed.BankRef
				}
				got[c.ClaimID] = s
				if c.InsuplcAdmdvs != "130100" || c.PsnName != "李思远" {
					t.Errorf("%s: region %q name %q", c.ClaimID, c.InsuplcAdmdvs, c.PsnName)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("states as of %s (-want +got):\n%s", tt.asOf, diff)
			}
			var open []string
			for _, r := range w.Recoveries {
				open = append(open, r.ClaimID+" "+r.OpenedOn.String())
			}
			if diff := cmp.Diff(tt.recoveries, open); diff != "" {
				t.Errorf("open recoveries as of %s (-want +got):\n%s", tt.asOf, diff)
			}
			if days := fmt.Sprint(w.PaymentDaysRun, " ", w.PaymentDays); days != tt.days {
				t.Errorf("payment_days as of %s: %s, want %s", tt.asOf, days, tt.days)
			}
		})
	}
}
