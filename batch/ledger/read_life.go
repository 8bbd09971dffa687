package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"medrecon/batch/record"
)

// runLife reads what a run recorded of claims' lives (SPEC 3.7), for its
// PDF and exports: its decisions, payments and recovery events, each with
// the claim's person and bank, by claim_id and then in the order the run
// applied them (a claim's events are written in that order, so rowid keeps
// it). With lim, only the first lim.Payouts of each, and d.Summary.Life
// counts and sums them all; without, every row, and the recoveries open at
// the run's end.
func runLife(ctx context.Context, conn *sql.Conn, runID string, lim *ReportLimits, d *record.RunData) error {
	maxRows := -1
	if lim != nil {
		maxRows = max(lim.Payouts, 0)
	}
	var err error
	d.Decisions, err = runRows(ctx, conn, runID, "decisions d", decisionCols, maxRows, func(r *sql.Rows) (record.RunDecision, error) {
		var p partyScan
		dc, err := scanDecision(r, p.dest()...)
		return record.RunDecision{Decision: dc, ClaimParty: p.party()}, err
	})
	if err != nil {
		return err
	}
	d.Payments, err = runRows(ctx, conn, runID, "payments p", paymentCols, maxRows, func(r *sql.Rows) (record.RunPayment, error) {
		var p partyScan
		pay, err := scanPayment(r, p.dest()...)
		return record.RunPayment{Payment: pay, ClaimParty: p.party()}, err
	})
	if err != nil {
		return err
	}
	d.Recoveries, err = runRows(ctx, conn, runID, "recoveries r", recoveryCols, maxRows, func(r *sql.Rows) (record.RunRecovery, error) {
		return scanRecovery(r)
	})
	if err != nil {
		return err
	}

	if lim != nil {
		d.Summary.Life, err = lifeTotals(ctx, conn, runID)
		if err != nil {
			return fmt.Errorf("life totals: %w", err)
		}
		return nil
	}
	if d.OpenRecoveries, err = openRecoveries(ctx, conn, runID); err != nil {
		return fmt.Errorf("open recoveries: %w", err)
	}
	return nil
}

// runRows reads the run's rows of one table of a claim's life, given as
// "name alias" with cols qualified by that alias, each row with its claim's
// person and bank (partyCols follow cols), by claim_id and then rowid; at
// most maxRows of them (-1: all).
func runRows[T any](ctx context.Context, conn *sql.Conn, runID, table, cols string, maxRows int, scan func(*sql.Rows) (T, error)) ([]T, error) {
	name, alias, _ := strings.Cut(table, " ")
	var out []T
	err := each(ctx, conn, `WITH cp AS (`+partyOf("SELECT claim_id FROM "+name+" WHERE run_id = ?")+`)
		SELECT `+cols+`, `+partyCols+` FROM `+table+` LEFT JOIN cp ON cp.claim_id = `+alias+`.claim_id
		WHERE `+alias+`.run_id = ? ORDER BY `+alias+`.claim_id, `+alias+`.rowid`, []any{runID, runID, runID}, func(r *sql.Rows) error {
		if len(out) == maxRows {
			return errEnough
		}
		v, err := scan(r)
		out = append(out, v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// partyOf selects, for the claims that ids names, the person and bank of
// each claim's latest version up to the run (its first row), as RunData
// names the run's assessments. Its first argument is the run id; ids may
// take more.
func partyOf(ids string) string {
	return `SELECT c.claim_id, c.psn_name, c.certno, c.bank_name, c.bank_account
		FROM claims c JOIN run_order o ON o.run_id = c.run_id
		WHERE o.ord <= (SELECT ord FROM run_order WHERE run_id = ?) AND c.claim_id IN (` + ids + `)
		QUALIFY row_number() OVER (PARTITION BY c.claim_id ORDER BY o.ord DESC, c.rowid) = 1`
}

// partyCols are the columns partyScan reads, from partyOf named cp.
const partyCols = `cp.psn_name, cp.certno, cp.bank_name, cp.bank_account`

type partyScan struct{ name, certno, bank, account str }

func (p *partyScan) dest() []any { return []any{&p.name, &p.certno, &p.bank, &p.account} }

func (p *partyScan) party() record.ClaimParty {
	return record.ClaimParty{PsnName: string(p.name), Certno: string(p.certno), BankName: string(p.bank), BankAccount: string(p.account)}
}

// recoveryCols are the columns scanRecovery reads, for a query that names
// the recoveries table r and partyOf cp.
const recoveryCols = `r.subject_kind, r.subject_id, r.claim_id, r.amount, r.reason, r.event, r.run_id`

func scanRecovery(sc scanner) (record.RunRecovery, error) {
	var (
		rc     record.RunRecovery
		reason str
		amount dec
		p      partyScan
	)
	err := sc.Scan(append([]any{&rc.SubjectKind, &rc.SubjectID, &rc.ClaimID, &amount, &reason, &rc.Event, &rc.RunID}, p.dest()...)...)
	rc.Amount, rc.Reason, rc.ClaimParty = amount.or(), string(reason), p.party()
	return rc, err
}

// lifeTotals counts and sums the run's decisions by decision, payments by
// result and recovery events by event, ordered by table and key, as
// reports.Summarize does from the rows.
func lifeTotals(ctx context.Context, conn *sql.Conn, runID string) ([]record.LifeTotal, error) {
	var out []record.LifeTotal
	err := each(ctx, conn, `
		SELECT 'decisions', decision, count(*), sum(amount) FROM decisions WHERE run_id = ? GROUP BY decision
		UNION ALL
		SELECT 'payments', result, count(*), sum(amount) FROM payments WHERE run_id = ? GROUP BY result
		UNION ALL
		SELECT 'recoveries', event, count(*), sum(amount) FROM recoveries WHERE run_id = ? GROUP BY event
		ORDER BY 1, 2`, []any{runID, runID, runID}, func(r *sql.Rows) error {
		var (
			t      record.LifeTotal
			n      num
			amount dec
		)
		if err := r.Scan(&t.Table, &t.Key, &n, &amount); err != nil {
			return err
		}
		t.Count, t.Amount = int(n), amount.or()
		out = append(out, t)
		return nil
	})
	return out, err
}

// openRecoveries replays every recovery event up to the run, in the order
// the runs recorded them, by record.ApplyRunRecovery (the rule the next
// run applies): what is left is open at the run's end, whatever later runs
// settled. By claim_id, then as opened.
func openRecoveries(ctx context.Context, conn *sql.Conn, runID string) ([]record.RunRecovery, error) {
	open := map[string][]record.RunRecovery{}
	err := each(ctx, conn, `WITH cp AS (`+partyOf("SELECT claim_id FROM recoveries")+`)
		SELECT `+recoveryCols+`, `+partyCols+`
		FROM recoveries r JOIN run_order o ON o.run_id = r.run_id LEFT JOIN cp ON cp.claim_id = r.claim_id
		WHERE o.ord <= (SELECT ord FROM run_order WHERE run_id = ?)
		ORDER BY o.ord, r.rowid`, []any{runID, runID}, func(r *sql.Rows) error {
		rc, err := scanRecovery(r)
		if err != nil {
			return err
		}
		open[rc.ClaimID] = record.ApplyRunRecovery(open[rc.ClaimID], rc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []record.RunRecovery
	for _, id := range slices.Sorted(maps.Keys(open)) {
		out = append(out, open[id]...)
	}
	return out, nil
}
