package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"medrecon/batch/record"
)

// The worklist as of a date (SPEC 3.7, issue 14): what a run did counts
// from its as-of date on. A claim's state as of the date is its latest
// assessment written by a run whose as-of date is not after it. A claim
// whose first assessment was written by a later run is taken in that first
// state: the claim was at the counter (the worklist keeps claims handed in
// by the date, dcla_date ≤ asOf), only the run that read it came later, and
// a past date still lists what the counter held then, as issue 14 asked.
// What later runs did to it (a completion, a decision, a payment) does not
// count. Payments and recoveries count only from runs not after the date.
//
// The latest version of a claim's own columns is chosen the same way, so
// that the bank account shown is the one held on the date.
//
// worklistStates needs one parameter, the date; bound holds it once.
const worklistStates = `
	WITH bound AS (SELECT CAST(? AS DATE) AS d),
	ra AS (
		SELECT r.run_id, o.ord, r.as_of FROM runs r JOIN run_order o ON o.run_id = r.run_id),
	a AS (
		SELECT a.subject_id, a.certno, a.deadline, a.status, a.payable, a.run_id, ra.ord, ra.as_of, a.rowid AS rid,
			row_number() OVER (PARTITION BY a.subject_id ORDER BY ra.ord, a.rowid) AS n
		FROM assessments a JOIN ra ON ra.run_id = a.run_id
		WHERE a.subject_kind = 'claim'),
	vis AS (
		SELECT *, status IS DISTINCT FROM lag(status) OVER (PARTITION BY subject_id ORDER BY ord, rid) AS starts
		FROM a WHERE as_of <= (SELECT d FROM bound) OR n = 1),
	cur AS (
		-- since_ord: the run whose row began the claim's last stretch in its status.
		SELECT *, max(CASE WHEN starts THEN ord END) OVER (PARTITION BY subject_id) AS since_ord
		FROM vis
		QUALIFY row_number() OVER (PARTITION BY subject_id ORDER BY ord DESC, rid DESC) = 1),
	cv AS (
		SELECT c.claim_id, c.psn_name, c.fixmedins_name, c.med_type, c.insuplc_admdvs, c.enddate, c.dcla_date,
			c.bank_name, c.bank_account, ra.ord, ra.as_of, c.rowid AS rid,
			min(ra.ord) OVER (PARTITION BY c.claim_id) AS first_ord
		FROM claims c JOIN ra ON ra.run_id = c.run_id),
	cl AS (
		SELECT * FROM cv WHERE as_of <= (SELECT d FROM bound) OR ord = first_ord
		QUALIFY row_number() OVER (PARTITION BY claim_id ORDER BY ord DESC, rid) = 1),
	late AS (
		SELECT DISTINCT run_id, subject_id FROM findings
		WHERE subject_kind = 'claim' AND code = '` + record.LateSubmission + `'),
	held AS (
		SELECT run_id, subject_id, string_agg(detail, '; ' ORDER BY rowid) AS detail FROM findings
		WHERE subject_kind = 'claim' AND code = '` + record.SuspectedDuplicate + `'
		GROUP BY run_id, subject_id)
	SELECT cur.subject_id, cur.certno, cl.psn_name, cl.fixmedins_name, cl.med_type, cl.enddate, cl.dcla_date,
		cur.deadline, cur.status, cur.payable, late.subject_id IS NOT NULL, cur.run_id,
		cl.insuplc_admdvs, since.as_of, held.detail, cl.bank_name, cl.bank_account
	FROM cur
	JOIN ra since ON since.ord = cur.since_ord
	LEFT JOIN cl ON cl.claim_id = cur.subject_id
	LEFT JOIN late ON late.run_id = cur.run_id AND late.subject_id = cur.subject_id
	LEFT JOIN held ON held.run_id = since.run_id AND held.subject_id = cur.subject_id
		AND cur.status = '` + record.ClaimReview + `'
	ORDER BY cur.subject_id`

// worklistFailed is each claim's latest failed payment by a run not after
// the date.
const worklistFailed = `
	SELECT ` + paymentCols + `
	FROM payments p JOIN runs r ON r.run_id = p.run_id JOIN run_order o ON o.run_id = p.run_id
	WHERE p.result = '` + record.PaymentFailed + `' AND r.as_of <= ?
	QUALIFY row_number() OVER (PARTITION BY p.claim_id ORDER BY o.ord DESC, p.rowid DESC) = 1`

// worklistRecoveries is every recovery event by a run not after the date,
// in the order the runs recorded them.
const worklistRecoveries = `
	SELECT r.subject_kind, r.subject_id, r.claim_id, r.amount, r.reason, r.event, r.run_id, runs.as_of
	FROM recoveries r JOIN runs ON runs.run_id = r.run_id JOIN run_order o ON o.run_id = r.run_id
	WHERE runs.as_of <= ?
	ORDER BY o.ord, r.rowid`

// worklistPaymentDays is payment_days per region as the latest run not
// after the date that kept them (schema version 9) kept them.
const worklistPaymentDays = `
	WITH last AS (
		SELECT d.run_id FROM run_payment_days d JOIN runs r ON r.run_id = d.run_id JOIN run_order o ON o.run_id = d.run_id
		WHERE r.as_of <= ?
		ORDER BY o.ord DESC LIMIT 1)
	SELECT d.run_id, d.region, d.payment_days FROM run_payment_days d JOIN last USING (run_id)
	ORDER BY d.region`

// Worklist reads what the office's worklist needs as of asOf (SPEC 3.7):
// every assessed claim in its state as of that date (see worklistStates),
// with its region, the day it took that status, why it is held if in
// review, its bank and its latest failed payment; and the recoveries open
// on that date. Claims are ordered by claim_id. Which claims the worklist
// lists is for package reports to say.
func (l *Ledger) Worklist(ctx context.Context, asOf record.Date) (record.Worklist, error) {
	w := record.Worklist{AsOf: asOf}
	err := func() error {
		conn, err := l.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		err = each(ctx, conn, worklistPaymentDays, []any{asOf.Time()}, func(r *sql.Rows) error {
			var (
				region string
				days   int
			)
			if err := r.Scan(&w.PaymentDaysRun, &region, &days); err != nil {
				return err
			}
			if w.PaymentDays == nil {
				w.PaymentDays = map[string]int{}
			}
			w.PaymentDays[region] = days
			return nil
		})
		if err != nil {
			return fmt.Errorf("payment days: %w", err)
		}
		failed := map[string]*record.Payment{}
		err = each(ctx, conn, worklistFailed, []any{asOf.Time()}, func(r *sql.Rows) error {
			p, err := scanPayment(r)
			failed[p.ClaimID] = &p
			return err
		})
		if err != nil {
			return fmt.Errorf("failed payments: %w", err)
		}
		err = each(ctx, conn, worklistStates, []any{asOf.Time()}, func(r *sql.Rows) error {
			var (
				c                                     record.ClaimState
				name, fixName, medType, insuplc, held str
				bankName, bankAccount                 str
				end, dcla, deadline, since            day
				payable                               dec
			)
			err := r.Scan(&c.ClaimID, &c.Certno, &name, &fixName, &medType, &end, &dcla,
				&deadline, &c.Status, &payable, &c.Late, &c.RunID,
				&insuplc, &since, &held, &bankName, &bankAccount)
			if err != nil {
				return err
			}
			c.PsnName, c.FixmedinsName, c.MedType = string(name), string(fixName), string(medType)
			c.Enddate, c.DclaDate, c.Deadline, c.Payable = end.Date, dcla.Date, deadline.Date, payable.or()
			c.InsuplcAdmdvs, c.Since, c.Held = string(insuplc), since.Date, string(held)
			c.BankName, c.BankAccount, c.LastFailed = string(bankName), string(bankAccount), failed[c.ClaimID]
			w.Claims = append(w.Claims, c)
			return nil
		})
		if err != nil {
			return fmt.Errorf("claim states: %w", err)
		}
		// A recovery is open while it has an opened event and no settled
		// one; a settled event closes the oldest open one of its subject
		// among its claim's, by the rules' own record.ApplyRecovery.
		type opened struct {
			record.OpenRecovery
			seq int // the opened event's place in the runs' order
		}
		open := map[string][]opened{}
		seq := 0
		err = each(ctx, conn, worklistRecoveries, []any{asOf.Time()}, func(r *sql.Rows) error {
			var (
				o      opened
				reason str
				amount dec
				on     day
			)
			if err := r.Scan(&o.SubjectKind, &o.SubjectID, &o.ClaimID, &amount, &reason, &o.Event, &o.RunID, &on); err != nil {
				return err
			}
			o.Amount, o.Reason, o.OpenedOn = amount.or(), string(reason), on.Date
			seq++
			o.seq = seq
			open[o.ClaimID] = record.ApplyRecoveryOf(open[o.ClaimID], o.Recovery, o, func(x opened) record.Recovery { return x.Recovery })
			return nil
		})
		if err != nil {
			return fmt.Errorf("recoveries: %w", err)
		}
		var all []opened
		for _, rs := range open {
			all = append(all, rs...)
		}
		slices.SortFunc(all, func(a, b opened) int { return a.seq - b.seq })
		for _, o := range all {
			w.Recoveries = append(w.Recoveries, o.OpenRecovery)
		}
		return nil
	}()
	if err != nil {
		return record.Worklist{}, fmt.Errorf("ledger %s: worklist as of %s: %w", l.path, asOf, err)
	}
	return w, nil
}
