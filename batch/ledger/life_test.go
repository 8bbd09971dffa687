package ledger

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"medrecon/batch/record"
)

// A claim's life in the ledger (schema version 8, SPEC 3.7): decisions,
// payments and recoveries are stored one row per event, and the history of
// the claims that a night's decisions and payments name brings their people
// (no row of the batch names them), whether a rejected claim was late (an
// appeal may apply), its open recoveries and the payments by bank_ref.
func TestLifeRoundTrip(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)

	run2 := runInfo("R20260411-001", record.D(2026, 4, 11), time.Date(2026, 4, 11, 1, 0, 0, 0, time.UTC))
	late := claim("C2", zhangSan, record.D(2025, 2, 1), record.D(2026, 4, 11))
	late.Invoices[0].BillNo, late.Invoices[1].BillNo = "C2-1", "C2-2"
	pending := claim("C3", zhangSan, record.D(2026, 1, 5), record.D(2026, 1, 20))
	pending.Invoices[0].BillNo, pending.Invoices[1].BillNo = "C3-1", "C3-2"
	pending.MaterialsComplete = false
	pendingA := assessment(record.KindClaim, "C3", zhangSan, 2026, record.ClaimPending)
	pendingA.Deadline = record.D(2026, 2, 5)
	paid := assessment(record.KindClaim, "C1", liSi, 2026, record.ClaimPaid)
	pay := record.Payment{ClaimID: "C1", Amount: d("70700.00"), PaidOn: record.D(2026, 4, 11), BankRef: "B1",
		Result: record.PaymentSuccess, Src: record.Source{File: "payments.csv", Row: 2}}
	out2 := record.Outcome{
		Claims: []record.Claim{late, pending},
		Assessments: []record.Assessment{
			paid,
			assessment(record.KindClaim, "C2", zhangSan, 2025, record.ClaimRejected),
			pendingA,
		},
		Findings: []record.Finding{{SubjectKind: record.KindClaim, SubjectID: "C2", Code: record.LateSubmission,
			Severity: record.SeverityWarning, Detail: "晚于申报期限"}},
		Decisions: []record.Decision{{ClaimID: "C1", Decision: record.DecisionApprove, Reviewer: "周虚构",
			DecidedOn: record.D(2026, 4, 10), Src: record.Source{File: "decisions.csv", Row: 2}}},
		Payments: []record.Payment{pay},
		Recoveries: []record.Recovery{
			{SubjectKind: record.KindSettlement, SubjectID: "S1", ClaimID: "C1", Amount: d("100.00"), Reason: "重复支付", Event: record.RecoveryOpened},
			{SubjectKind: record.KindClaim, SubjectID: "C1", ClaimID: "C1", Amount: d("50.00"), Reason: "多付", Event: record.RecoveryOpened},
			{SubjectKind: record.KindClaim, SubjectID: "C1", ClaimID: "C1", Amount: d("50.00"), Reason: "追回", Event: record.RecoverySettled},
		},
		Rejects: []record.Reject{{File: "decisions.csv", Row: 3, Col: "claim_id", Value: "C404", Reason: "申请不存在 / unknown claim"}},
	}
	mustCommit(t, l, run2, nil, out2, nil)

	h, err := l.History(ctx, record.HistoryQuery{LifeClaimIDs: []string{"C1", "C2", "C1"}, BankRefs: []string{"B1", "B404"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := h.Visits[liSi]; !ok {
		t.Errorf("the person of a decided claim is not in the history: %v", h.Visits)
	}
	if _, ok := h.Visits[zhangSan]; !ok {
		t.Errorf("the person of an appealed claim is not in the history")
	}
	if _, ok := h.Invoices[record.InvoiceKey{BillCode: late.Invoices[0].BillCode, BillNo: "C2-1"}]; !ok {
		t.Errorf("the invoices of an appealed claim are not in the history: %v", h.Invoices)
	}
	c1, c2 := h.Claims["C1"], h.Claims["C2"]
	if c1.Status != record.ClaimPaid || c1.Late || c1.Claim.BankAccount != "6222020402001234567" {
		t.Errorf("C1 = status %s late %v account %q", c1.Status, c1.Late, c1.Claim.BankAccount)
	}
	want := []record.Recovery{out2.Recoveries[0]}
	if diff := cmp.Diff(want, c1.Recoveries, decEqual); diff != "" {
		t.Errorf("open recoveries of C1 (-want +got):\n%s", diff)
	}
	if c2.Status != record.ClaimRejected || !c2.Late {
		t.Errorf("C2 = status %s late %v, want rejected and late", c2.Status, c2.Late)
	}
	if diff := cmp.Diff(map[string]record.Payment{"B1": pay}, h.Payments, decEqual); diff != "" {
		t.Errorf("payments by bank_ref (-want +got):\n%s", diff)
	}
	for table, n := range map[string]int{"decisions": 1, "payments": 1, "recoveries": 3, "rejects": 1} {
		var got int
		if err := l.db.QueryRow(`SELECT count(*) FROM `+table+` WHERE run_id = ?`, run2.RunID).Scan(&got); err != nil || got != n {
			t.Errorf("%s rows of run 2 = %d, %v; want %d", table, got, err, n)
		}
	}

	for _, tc := range []struct {
		asOf record.Date
		want []string
	}{
		{record.D(2026, 2, 5), nil}, // the deadline day itself is not past
		{record.D(2026, 2, 6), []string{"C3"}},
	} {
		got, err := l.ExpiredPending(ctx, tc.asOf)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("ExpiredPending(%s) = %v, want %v", tc.asOf, got, tc.want)
		}
	}
	// Once rejected, it is no longer pending.
	run3 := runInfo("R20260412-001", record.D(2026, 4, 12), time.Date(2026, 4, 12, 1, 0, 0, 0, time.UTC))
	mustCommit(t, l, run3, nil, record.Outcome{Assessments: []record.Assessment{
		assessment(record.KindClaim, "C3", zhangSan, 2026, record.ClaimRejected)}}, nil)
	if got, err := l.ExpiredPending(ctx, record.D(2026, 6, 1)); err != nil || len(got) != 0 {
		t.Errorf("ExpiredPending after the rejection = %v, %v; want none", got, err)
	}

	// A decided appeal is final, also when the run that found the claim late
	// decided it: the next night's history no longer counts it late (else a
	// second appeal would apply across nights but not within one run).
	run4 := runInfo("R20260413-001", record.D(2026, 4, 13), time.Date(2026, 4, 13, 1, 0, 0, 0, time.UTC))
	late4 := claim("C4", zhangSan, record.D(2025, 2, 2), record.D(2026, 4, 13))
	late4.Invoices[0].BillNo, late4.Invoices[1].BillNo = "C4-1", "C4-2"
	mustCommit(t, l, run4, nil, record.Outcome{
		Claims: []record.Claim{late4},
		Assessments: []record.Assessment{
			assessment(record.KindClaim, "C4", zhangSan, 2025, record.ClaimRejected),
			assessment(record.KindClaim, "C4", zhangSan, 2025, record.ClaimRejected),
		},
		Findings: []record.Finding{{SubjectKind: record.KindClaim, SubjectID: "C4", Code: record.LateSubmission,
			Severity: record.SeverityWarning, Detail: "晚于申报期限"}},
		Decisions: []record.Decision{{ClaimID: "C4", Decision: record.DecisionReject, Reason: "无正当理由", Reviewer: "周虚构",
			DecidedOn: record.D(2026, 4, 13), Src: record.Source{File: "decisions.csv", Row: 2}}},
	}, nil)
	h, err = l.History(ctx, record.HistoryQuery{LifeClaimIDs: []string{"C2", "C4"}})
	if err != nil {
		t.Fatal(err)
	}
	if c2, c4 := h.Claims["C2"], h.Claims["C4"]; !c2.Late || c4.Late || c4.Status != record.ClaimRejected {
		t.Errorf("after run 4: C2 late %v (want true), C4 %s late %v (want rejected, not late)", c2.Late, c4.Status, c4.Late)
	}
}

// The auditors' copy (SPEC 4.4) holds the tables of a claim's life, and the
// claims' bank accounts masked as everywhere but the ledger and the payouts
// export (SPEC 2.2), unless the copy is full.
func TestPublishMasksBankAccounts(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	out.Decisions = []record.Decision{{ClaimID: "C1", Decision: record.DecisionApprove, Reviewer: "周虚构", DecidedOn: record.D(2026, 4, 9)}}
	mustCommit(t, l, run, files, out, rejects)
	for _, tc := range []struct {
		full bool
		want string
	}{{false, "***************4567"}, {true, "6222020402001234567"}} {
		dir := t.TempDir()
		if _, err := l.Publish(ctx, dir, []byte("key"), tc.full); err != nil {
			t.Fatal(err)
		}
		var account string
		var decisions int
		err := l.db.QueryRow(`SELECT (SELECT DISTINCT bank_account FROM read_parquet('`+dir+`/claims/**/*.parquet', hive_partitioning = true)),
			(SELECT count(*) FROM read_parquet('`+dir+`/decisions.parquet'))`).Scan(&account, &decisions)
		if err != nil {
			t.Fatal(err)
		}
		if account != tc.want || decisions != 1 {
			t.Errorf("full %v: the copy's bank_account %q and %d decisions; want %q and 1", tc.full, account, decisions, tc.want)
		}
	}
}

// RunData brings a run's decisions, payments and recovery events with the
// claim's person and bank, and the recoveries open at that run's end
// (SPEC 3.7): a past run's stay as they were after a later run settles one.
func TestRunDataLife(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)

	run2 := runInfo("R20260411-001", record.D(2026, 4, 11), time.Date(2026, 4, 11, 1, 0, 0, 0, time.UTC))
	overpaid := record.Payment{ClaimID: "C1", Amount: d("70712.34"), PaidOn: record.D(2026, 4, 11), BankRef: "B1", Result: record.PaymentSuccess}
	twice := record.Recovery{SubjectKind: record.KindSettlement, SubjectID: "S1", ClaimID: "C1", Amount: d("100.00"), Reason: "重复支付", Event: record.RecoveryOpened}
	more := record.Recovery{SubjectKind: record.KindClaim, SubjectID: "C1", ClaimID: "C1", Amount: d("50.00"), Reason: "多付", Event: record.RecoveryOpened}
	mustCommit(t, l, run2, nil, record.Outcome{
		Assessments: []record.Assessment{assessment(record.KindClaim, "C1", liSi, 2026, record.ClaimPaid)},
		Payments:    []record.Payment{overpaid},
		Recoveries:  []record.Recovery{twice, more},
	}, nil)
	run3 := runInfo("R20260412-001", record.D(2026, 4, 12), time.Date(2026, 4, 12, 1, 0, 0, 0, time.UTC))
	back := record.Payment{ClaimID: "C1", Amount: d("-50.00"), PaidOn: record.D(2026, 4, 12), BankRef: "B2", Result: record.PaymentSuccess}
	settled := more
	settled.Reason, settled.Event = "追回", record.RecoverySettled
	mustCommit(t, l, run3, nil, record.Outcome{Payments: []record.Payment{back}, Recoveries: []record.Recovery{settled}}, nil)

	payee := record.ClaimParty{PsnName: "李思远", Certno: liSi, BankName: "中国工商银行石家庄分行", BankAccount: "6222020402001234567"}
	at := func(runID string, r record.Recovery) record.RunRecovery {
		return record.RunRecovery{Recovery: r, RunID: runID, ClaimParty: payee}
	}
	for _, tc := range []struct {
		run        string
		payments   []record.RunPayment
		recoveries []record.RunRecovery
		open       []record.RunRecovery
	}{
		{run.RunID, nil, nil, nil},
		{run2.RunID, []record.RunPayment{{Payment: overpaid, ClaimParty: payee}},
			[]record.RunRecovery{at(run2.RunID, twice), at(run2.RunID, more)},
			[]record.RunRecovery{at(run2.RunID, twice), at(run2.RunID, more)}},
		{run3.RunID, []record.RunPayment{{Payment: back, ClaimParty: payee}},
			[]record.RunRecovery{at(run3.RunID, settled)},
			[]record.RunRecovery{at(run2.RunID, twice)}},
	} {
		t.Run(tc.run, func(t *testing.T) {
			got, err := l.RunData(ctx, tc.run)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.payments, got.Payments, decEqual); diff != "" {
				t.Errorf("payments (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.recoveries, got.Recoveries, decEqual); diff != "" {
				t.Errorf("recovery events (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.open, got.OpenRecoveries, decEqual); diff != "" {
				t.Errorf("recoveries open at the run's end (-want +got):\n%s", diff)
			}
			var approved []string
			for _, a := range got.Assessments {
				if a.SubjectKind == record.KindClaim {
					approved = append(approved, a.SubjectID+" "+a.BankName+" "+a.BankAccount)
				}
			}
			if tc.run == run.RunID && !slices.Equal(approved, []string{"C1 中国工商银行石家庄分行 6222020402001234567"}) {
				t.Errorf("the payee's bank beside the claim's assessment: %q", approved)
			}
		})
	}
}
