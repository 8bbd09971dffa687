package ledger

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"

	"medrecon/batch/record"
)

// History returns what the ledger knows about the people, settlements,
// claims, invoices and statement periods of a batch (see record.History).
//
// The query's keys are loaded into temporary tables with the appender and
// joined, never one query per key.
//
// Why it reads as it does. DuckDB 1.4 keeps no clustered key and its
// min/max zone maps prune a scan only when the keys looked up fall in few
// row groups. A night's settlements, claims and invoices are mostly new, and
// their keys are looked up in the key columns alone (setl_id, claim_id,
// subject_id): those scans follow the ledger, but read one column. A
// night's people, thousands of them, hash into every row group, so row_keys
// cannot prune their lookup either (a few keys can: explain and
// ExpiredPending use it): the certno columns of settlements and assessments
// are scanned whole once per night, and that is the part of the history
// that grows with the ledger. Everything else is read only for the rows
// found, and only the columns the rules use: the trace, the largest column,
// is never read here (currentAssessmentCols; reading it took two thirds of
// a night's history on a 40-night soak ledger and grew with it). A derived
// per-person state table would not remove the certno scans: its rows would
// be appended per run like these, and a night's people hash into every row
// group of it too; it would only narrow the column scanned. Stopping them
// takes a table kept in certno order, which DuckDB does not keep under
// appends.
func (l *Ledger) History(ctx context.Context, q record.HistoryQuery) (record.History, error) {
	h, err := l.history(ctx, q)
	if err != nil {
		return record.History{}, fmt.Errorf("ledger %s: history: %w", l.path, masked(err))
	}
	return h, nil
}

func (l *Ledger) history(ctx context.Context, q record.HistoryQuery) (record.History, error) {
	h := record.NewHistory()
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return h, err
	}
	defer conn.Close()
	// Temporary tables live in the connection; they are dropped on the way
	// out so the pooled connection comes back clean.
	const dropKeys = `DROP TABLE IF EXISTS q_certno; DROP TABLE IF EXISTS q_setl; DROP TABLE IF EXISTS q_claim; DROP TABLE IF EXISTS q_inv;
		DROP TABLE IF EXISTS q_life; DROP TABLE IF EXISTS q_ref`
	defer conn.ExecContext(context.WithoutCancel(ctx), dropKeys)

	if err := loadKeys(ctx, conn, "q_certno", "certno VARCHAR", distinct(q.Certnos)); err != nil {
		return h, err
	}
	if err := loadKeys(ctx, conn, "q_setl", "setl_id VARCHAR", distinct(q.SetlIDs)); err != nil {
		return h, err
	}
	if err := loadKeys(ctx, conn, "q_claim", "claim_id VARCHAR", distinct(append(slices.Clone(q.ClaimIDs), q.LifeClaimIDs...))); err != nil {
		return h, err
	}
	if err := loadInvoiceKeys(ctx, conn, q.Invoices); err != nil {
		return h, err
	}
	if err := loadKeys(ctx, conn, "q_ref", "bank_ref VARCHAR", distinct(q.BankRefs)); err != nil {
		return h, err
	}
	if err := lifePeople(ctx, conn, distinct(q.LifeClaimIDs)); err != nil {
		return h, fmt.Errorf("people of decided and paid claims: %w", err)
	}
	steps := []struct {
		what string
		fn   func(context.Context, *sql.Conn, *record.History) error
	}{
		{"filings", historyFilings},
		{"settlements", historySettlements},
		{"claims", historyClaims},
		{"invoices", historyInvoices},
		{"visits", historyVisits},
		{"filing uses", historyFilingUses},
		{"claims' life", historyLife},
		{"payments", historyPayments},
	}
	for _, s := range steps {
		if err := s.fn(ctx, conn, &h); err != nil {
			return h, fmt.Errorf("%s: %w", s.what, err)
		}
	}
	if len(q.Statement) > 0 {
		if err := historyDetail(ctx, conn, q.Statement, &h); err != nil {
			return h, fmt.Errorf("settlement detail: %w", err)
		}
	}
	// The run reads none of the scanned blocks again. The key tables go
	// first, so that dropping the cache has nothing to write out.
	if _, err := conn.ExecContext(ctx, dropKeys); err != nil {
		return h, err
	}
	return h, l.dropCache(ctx)
}

func distinct(keys []string) []string {
	out := slices.Clone(keys)
	slices.Sort(out)
	return slices.Compact(out)
}

// loadKeys creates the temporary table name (one column) and appends keys.
func loadKeys(ctx context.Context, conn *sql.Conn, name, column string, keys []string) error {
	return keyTable(ctx, conn, name, column, len(keys), 1, func(i int, v []driver.Value) { v[0] = keys[i] })
}

func loadInvoiceKeys(ctx context.Context, conn *sql.Conn, keys []record.InvoiceKey) error {
	ks := slices.Clone(keys)
	slices.SortFunc(ks, func(a, b record.InvoiceKey) int {
		return cmp.Or(cmp.Compare(a.BillCode, b.BillCode), cmp.Compare(a.BillNo, b.BillNo))
	})
	ks = slices.Compact(ks)
	return keyTable(ctx, conn, "q_inv", "bill_code VARCHAR, bill_no VARCHAR", len(ks), 2,
		func(i int, v []driver.Value) { v[0], v[1] = ks[i].BillCode, ks[i].BillNo })
}

// keyTable creates (or empties) the temporary table name with columns, as
// in CREATE TABLE, and appends n rows, fill setting row i's values.
func keyTable(ctx context.Context, conn *sql.Conn, name, columns string, n, cols int, fill func(int, []driver.Value)) error {
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE `+name+` (`+columns+`)`); err != nil {
		return fmt.Errorf("key table %s: %w", name, err)
	}
	return appendRows(ctx, conn, "temp", name, n, cols, fill)
}

// errEnough, returned by each's fn, stops reading rows without an error.
var errEnough = errors.New("enough rows")

// each runs query and calls fn for every row, until fn returns errEnough.
func each(ctx context.Context, conn *sql.Conn, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); errors.Is(err, errEnough) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return rows.Err()
}

const filingCols = `f.filing_id, f.certno, f.filing_kind, f.mdtrtarea_admvs, f.begndate, f.enddate,
	f.filed_date, f.status, f.cancel_date, f.dise_code`

func scanFiling(sc scanner) (record.Filing, error) {
	var (
		f                            record.Filing
		area, dise                   str
		begn, end, filed, cancelDate day
	)
	err := sc.Scan(&f.FilingID, &f.Certno, &f.FilingKind, &area, &begn, &end, &filed, &f.Status, &cancelDate, &dise)
	f.MdtrtareaAdmvs, f.DiseCode = string(area), string(dise)
	f.Begndate, f.Enddate, f.FiledDate, f.CancelDate = begn.Date, end.Date, filed.Date, cancelDate.Date
	return f, err
}

func historyFilings(ctx context.Context, conn *sql.Conn, h *record.History) error {
	// Every version of a filing stays in the ledger (SPEC 2.3); the latest
	// (by run, then as written) is the one that counts.
	return each(ctx, conn, `SELECT `+filingCols+` FROM filings f JOIN q_certno q ON q.certno = f.certno
		JOIN run_order o ON o.run_id = f.run_id
		QUALIFY row_number() OVER (PARTITION BY f.filing_id ORDER BY o.ord DESC, f.rowid DESC) = 1`, nil,
		func(r *sql.Rows) error {
			f, err := scanFiling(r)
			if err != nil {
				return err
			}
			h.Filings[f.FilingID] = f
			return nil
		})
}

// historyFilingUses returns, per filing of the query's people, the first
// visit (by begndate) that used it and still counts: a use by a visit since
// refunded or rejected is no use (SPEC 3.1). It runs after historyVisits,
// whose visits say which ones count.
func historyFilingUses(ctx context.Context, conn *sql.Conn, h *record.History) error {
	counts := map[[2]string]bool{}
	for _, vs := range h.Visits {
		for _, v := range vs {
			counts[[2]string{v.SubjectKind, v.SubjectID}] = v.Counts()
		}
	}
	return each(ctx, conn, `
		SELECT u.filing_id, u.subject_kind, u.subject_id, u.begndate
		FROM filing_uses u
		WHERE u.filing_id IN (SELECT f.filing_id FROM filings f JOIN q_certno q ON q.certno = f.certno)
		ORDER BY u.filing_id, u.begndate, u.subject_kind, u.subject_id`, nil,
		func(r *sql.Rows) error {
			var (
				u    record.FilingUse
				begn day
			)
			if err := r.Scan(&u.FilingID, &u.SubjectKind, &u.SubjectID, &begn); err != nil {
				return err
			}
			u.Begndate = begn.Date
			if _, taken := h.FilingUses[u.FilingID]; !taken && counts[[2]string{u.SubjectKind, u.SubjectID}] {
				h.FilingUses[u.FilingID] = u
			}
			return nil
		})
}

// currentOf selects the current assessment (latest run, then last written)
// of each subject of one kind whose id is in keyTable.keyCol. Ledgers
// written before SPEC 3.3 made a conflict a finding only hold 'conflict'
// assessments; they are passed over, so the first version's stands.
func currentOf(kind, keyTable, keyCol string) string {
	return currentAmong(kind, keyTable, keyCol, `assessments a`, `a.rowid`)
}

// currentAssessmentCols are the columns of an assessment a that a current
// assessment (currentOf) carries: those that scanCurrent reads and the keys.
// Never a.*: the trace, the largest column of the ledger, would be read for
// every version of every subject the join looks at (on the 40-night soak
// ledger, 1.9 s of the 2.4 s history).
const currentAssessmentCols = `a.run_id, a.subject_kind, a.subject_id, a.certno, a.status, a.filing_status, a.inscope,
	a.deductible, a.ratio, a.basic_pay, a.serious_pay, a.payable, a.eligible_base, a.deadline`

// currentOfFrom is currentOf among the assessments of from, a FROM item
// with the rowid as rid (see keyedFrom).
func currentOfFrom(kind, keyTable, keyCol, from string) string {
	return currentAmong(kind, keyTable, keyCol, from, `a.rid`)
}

// currentAmong is currentOf among the assessments a of from, whose order of
// writing is rowid.
func currentAmong(kind, keyTable, keyCol, from, rowid string) string {
	return `SELECT ` + currentAssessmentCols + `, o.ord AS run_ord
		FROM ` + from + `
		JOIN ` + keyTable + ` k ON k.` + keyCol + ` = a.subject_id
		JOIN run_order o ON o.run_id = a.run_id
		WHERE a.subject_kind = '` + kind + `' AND a.status <> 'conflict'
		QUALIFY row_number() OVER (PARTITION BY a.subject_id ORDER BY o.ord DESC, ` + rowid + ` DESC) = 1`
}

// medCat is the medical category of a med_type code (SPEC 2.5): 2x
// inpatient, 14 chronic, every other code outpatient.
func medCat(medType string) string {
	switch {
	case strings.HasPrefix(medType, "2"):
		return record.MedInpatient
	case medType == "14":
		return record.MedChronic
	}
	return record.MedOutpatient
}

// currentCols are the columns of a current assessment cur that scanCurrent reads.
const currentCols = `cur.status, cur.filing_status, cur.inscope, cur.deductible, cur.ratio, cur.basic_pay,
	cur.serious_pay, cur.payable, cur.eligible_base, cur.deadline`

// scanCurrent returns destinations for currentCols and a function that
// fills a (whose kind, id, certno and year the caller sets) once they are
// scanned. A subject with no current assessment gets status "".
func scanCurrent(a *record.Assessment) ([]any, func()) {
	var (
		status, fs                              str
		inscope, ded, basic, serious, pay, elig fenScan
		ratio                                   bpScan
		deadline                                day
	)
	dest := []any{&status, &fs, &inscope, &ded, &ratio, &basic, &serious, &pay, &elig, &deadline}
	return dest, func() {
		a.Status, a.FilingStatus, a.Deadline = string(status), string(fs), deadline.Date
		a.Inscope, a.Deductible, a.Ratio, a.BasicPay = inscope.Fen, ded.Fen, ratio.Bp, basic.Fen
		a.SeriousPay, a.Payable, a.EligibleBase = serious.Fen, pay.Fen, elig.Fen
	}
}

func historySettlements(ctx context.Context, conn *sql.Conn, h *record.History) error {
	return each(ctx, conn, `
		WITH cur AS (`+currentOf(record.KindSettlement, "q_setl", "setl_id")+`)
		SELECT `+settlementCols+`, `+currentCols+`
		FROM settlements s
		JOIN q_setl q ON q.setl_id = s.setl_id
		LEFT JOIN cur ON cur.subject_id = s.setl_id`, nil,
		func(r *sql.Rows) error {
			var a record.Assessment
			dest, fill := scanCurrent(&a)
			s, err := scanSettlement(r, dest...)
			if err != nil {
				return err
			}
			fill()
			a.SubjectKind, a.SubjectID, a.Certno, a.Year = record.KindSettlement, s.SetlID, s.Certno, s.Enddate.Year
			h.Settlements[s.SetlID] = record.KnownSettlement{
				Settlement: s,
				Status:     a.Status,
				MedCat:     medCat(s.MedType),
				Year:       s.Enddate.Year,
				Counted:    record.Contribution(a),
			}
			return nil
		})
}

// latestClaimRows selects the rows of the latest version of every claim
// whose claim_id is in keyTable, with the row's rowid as rid.
func latestClaimRows(keyTable string) string {
	return `SELECT c.*, c.rowid AS rid
		FROM claims c
		JOIN ` + keyTable + ` k ON k.claim_id = c.claim_id
		JOIN run_order o ON o.run_id = c.run_id
		QUALIFY o.ord = max(o.ord) OVER (PARTITION BY c.claim_id)`
}

func historyClaims(ctx context.Context, conn *sql.Conn, h *record.History) error {
	claims, current, err := latestClaims(ctx, conn, "", "q_claim")
	if err != nil {
		return err
	}
	for i, c := range claims {
		h.Claims[c.ClaimID] = record.KnownClaim{Claim: c, Status: current[i].Status, Current: current[i]}
	}
	return nil
}

// lifePeople adds to the query's people and invoices those of the claims
// that decisions and payments name or that expire (HistoryQuery.LifeClaimIDs):
// deciding or re-assessing such a claim needs its person's visits and
// totals and the holders of its invoices, though no row of the batch names
// them. By key, like every history read.
func lifePeople(ctx context.Context, conn *sql.Conn, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := loadKeys(ctx, conn, "q_life", "claim_id VARCHAR", ids); err != nil {
		return err
	}
	for _, q := range []string{
		`INSERT INTO q_certno
			SELECT DISTINCT c.certno FROM claims c JOIN q_life k ON k.claim_id = c.claim_id
			EXCEPT SELECT certno FROM q_certno`,
		`INSERT INTO q_inv
			SELECT DISTINCT c.bill_code, c.bill_no FROM claims c JOIN q_life k ON k.claim_id = c.claim_id
			WHERE c.bill_code IS NOT NULL OR c.bill_no IS NOT NULL
			EXCEPT SELECT bill_code, bill_no FROM q_inv`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// historyLife adds to the query's known claims what their life needs
// (SPEC 2.6, 3.7): whether the claim stands rejected for LATE_SUBMISSION
// (an appeal may apply to it), and its open recoveries. It runs after
// historyClaims.
//
// A claim stands rejected for LATE_SUBMISSION when its current assessment
// is rejected, that run found it LATE_SUBMISSION, and no decision on it was
// recorded by that run or a later one: a decided appeal is final, as a
// decided review is, so a second appeal is a rejected row. (Within a run the
// rules do the same: a decision clears the claim's late mark.) Without the
// last condition a claim whose appeal was rejected on the night it was found
// late could be appealed again the next night, but not when both decisions
// came in one run (SPEC 3.6).
func historyLife(ctx context.Context, conn *sql.Conn, h *record.History) error {
	if len(h.Claims) == 0 {
		return nil
	}
	err := each(ctx, conn, `
		WITH cur AS (`+currentOf(record.KindClaim, "q_claim", "claim_id")+`)
		SELECT DISTINCT cur.subject_id
		FROM cur JOIN findings f ON f.run_id = cur.run_id AND f.subject_id = cur.subject_id
		WHERE cur.status = '`+record.ClaimRejected+`' AND f.subject_kind = 'claim' AND f.code = '`+record.LateSubmission+`'
			AND NOT EXISTS (SELECT 1 FROM decisions d JOIN run_order o ON o.run_id = d.run_id
				WHERE d.claim_id = cur.subject_id AND o.ord >= cur.run_ord)`, nil,
		func(r *sql.Rows) error {
			var id string
			if err := r.Scan(&id); err != nil {
				return err
			}
			if k, ok := h.Claims[id]; ok {
				k.Late = true
				h.Claims[id] = k
			}
			return nil
		})
	if err != nil {
		return err
	}
	open := map[string][]record.Recovery{}
	err = each(ctx, conn, `
		SELECT r.subject_kind, r.subject_id, r.claim_id, r.amount, r.reason, r.event
		FROM recoveries r JOIN q_claim k ON k.claim_id = r.claim_id JOIN run_order o ON o.run_id = r.run_id
		ORDER BY o.ord, r.rowid`, nil,
		func(r *sql.Rows) error {
			var (
				rc     record.Recovery
				reason str
				amount dec
			)
			if err := r.Scan(&rc.SubjectKind, &rc.SubjectID, &rc.ClaimID, &amount, &reason, &rc.Event); err != nil {
				return err
			}
			rc.Amount, rc.Reason = amount.or(), string(reason)
			open[rc.ClaimID] = record.ApplyRecovery(open[rc.ClaimID], rc)
			return nil
		})
	if err != nil {
		return err
	}
	for id, rs := range open {
		if k, ok := h.Claims[id]; ok && len(rs) > 0 {
			k.Recoveries = rs
			h.Claims[id] = k
		}
	}
	return nil
}

// historyPayments reads the ledger's payments whose bank_ref a payment of
// the batch carries, the first of each (SPEC 2.7: the same bank_ref again
// is a re-import).
func historyPayments(ctx context.Context, conn *sql.Conn, h *record.History) error {
	return each(ctx, conn, `
		SELECT `+paymentCols+`
		FROM payments p JOIN q_ref k ON k.bank_ref = p.bank_ref JOIN run_order o ON o.run_id = p.run_id
		QUALIFY row_number() OVER (PARTITION BY p.bank_ref ORDER BY o.ord, p.rowid) = 1`, nil,
		func(r *sql.Rows) error {
			p, err := scanPayment(r)
			if err != nil {
				return err
			}
			h.Payments[p.BankRef] = p
			return nil
		})
}

// ExpiredPending returns, by claim_id, the claims whose current assessment
// is pending with a deadline before asOf (SPEC 3.7: every run rejects them
// PENDING_EXPIRED). It looks at every claim of the ledger, not only the
// batch's people: the candidates are the pending rows of that age, and
// only those are checked for being current. The candidates are few (claims
// wait for their papers, then are decided): their assessments are read by
// row_keys, not by a scan of every assessment (on the 10M ledger, 1.25 s).
func (l *Ledger) ExpiredPending(ctx context.Context, asOf record.Date) ([]string, error) {
	var ids []string
	err := func() error {
		conn, err := l.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		var cand []string
		err = each(ctx, conn, `SELECT DISTINCT subject_id FROM assessments
			WHERE subject_kind = 'claim' AND status = '`+record.ClaimPending+`' AND deadline < ?
			ORDER BY subject_id`, []any{asOf.Time()}, func(r *sql.Rows) error {
			var id string
			err := r.Scan(&id)
			cand = append(cand, id)
			return err
		})
		if err != nil || len(cand) == 0 {
			return err
		}
		cur := currentOf(record.KindClaim, "q_cand", "claim_id")
		if len(cand) <= fewKeys {
			rids, err := keyedRowidsOf(ctx, conn, "assessments", "subject_id", cand)
			if err != nil {
				return err
			}
			cur = currentOfFrom(record.KindClaim, "q_cand", "claim_id", keyedFrom("assessments", "a", rids))
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS q_cand`)
		if err := loadKeys(ctx, conn, "q_cand", "claim_id VARCHAR", cand); err != nil {
			return err
		}
		return each(ctx, conn, `
			WITH cur AS (`+cur+`)
			SELECT subject_id FROM cur WHERE status = '`+record.ClaimPending+`' AND deadline < ?
			ORDER BY subject_id`, []any{asOf.Time()},
			func(r *sql.Rows) error {
				var id string
				err := r.Scan(&id)
				ids = append(ids, id)
				return err
			})
	}()
	if err != nil {
		return nil, fmt.Errorf("ledger %s: expired pending claims: %w", l.path, err)
	}
	return ids, nil
}

// latestClaims reads the latest version of every claim whose claim_id is in
// keyTable (a table, or a CTE that with defines, ending in a comma), with
// its invoices, and its current assessment (status "" if none).
func latestClaims(ctx context.Context, conn *sql.Conn, with, keyTable string) ([]record.Claim, []record.Assessment, error) {
	var asm claimAssembler
	var current []record.Assessment
	err := each(ctx, conn, `
		WITH `+with+`
		c AS (`+latestClaimRows(keyTable)+`),
		cur AS (`+currentOf(record.KindClaim, keyTable, "claim_id")+`)
		SELECT `+claimCols+`, `+currentCols+`
		FROM c LEFT JOIN cur ON cur.subject_id = c.claim_id
		ORDER BY c.claim_id, c.rid`, nil,
		func(r *sql.Rows) error {
			var a record.Assessment
			dest, fill := scanCurrent(&a)
			c, inv, err := scanClaimRow(r, dest...)
			if err != nil {
				return err
			}
			n := len(asm.claims)
			asm.add(c, inv)
			if len(asm.claims) > n {
				fill()
				a.SubjectKind, a.SubjectID, a.Certno, a.Year = record.KindClaim, c.ClaimID, c.Certno, c.Enddate.Year
				current = append(current, a)
			}
			return nil
		})
	return asm.claims, current, err
}

// historyInvoices finds, for each invoice asked, the earliest claim (by
// dcla_date, then claim_id; SPEC 3.4) whose latest version holds it.
func historyInvoices(ctx context.Context, conn *sql.Conn, h *record.History) error {
	return each(ctx, conn, `
		WITH holders AS (
			SELECT DISTINCT c.claim_id FROM claims c
			JOIN q_inv i ON i.bill_code = c.bill_code AND i.bill_no = c.bill_no),
		c AS (`+latestClaimRows("holders")+`)
		SELECT c.bill_code, c.bill_no, c.claim_id, c.dcla_date
		FROM c JOIN q_inv i ON i.bill_code = c.bill_code AND i.bill_no = c.bill_no
		QUALIFY row_number() OVER (PARTITION BY c.bill_code, c.bill_no ORDER BY c.dcla_date, c.claim_id) = 1`, nil,
		func(r *sql.Rows) error {
			var (
				k    record.InvoiceKey
				p    record.PriorInvoice
				dcla day
			)
			if err := r.Scan(&k.BillCode, &k.BillNo, &p.ClaimID, &dcla); err != nil {
				return err
			}
			p.DclaDate = dcla.Date
			h.Invoices[k] = p
			return nil
		})
}

// visitsQuery lists the settlements of the people in q_certno, refund rows
// included, each with its current assessment. People are found by certno,
// which no scan can prune: every row of the two largest tables is looked
// at. Each is scanned once for the certno column alone; the rows of the
// people are kept by rowid, and only the columns named here are read for
// them, never the trace (see currentAssessmentCols). (On the 50-night soak
// ledger, a million rows each, the rowid form took the history of a night
// from 385 to 315 ms.)
const visitsQuery = `
		WITH s AS MATERIALIZED (
			SELECT s.setl_id, s.certno, s.fixmedins_code, s.med_type, s.begndate, s.enddate, s.medfee_sumamt,
				s.init_setl_id
			FROM settlements s
			WHERE s.rowid IN (SELECT r.rowid FROM settlements r JOIN q_certno k ON k.certno = r.certno)),
		cur AS (
			SELECT ` + currentAssessmentCols + `
			FROM assessments a
			JOIN run_order o ON o.run_id = a.run_id
			WHERE a.rowid IN (SELECT r.rowid FROM assessments r JOIN q_certno k ON k.certno = r.certno)
				AND a.subject_kind = 'settlement' AND a.status <> 'conflict'
			QUALIFY row_number() OVER (PARTITION BY a.subject_id ORDER BY o.ord DESC, a.rowid DESC) = 1)
		SELECT s.setl_id, s.certno, s.fixmedins_code, s.med_type, s.begndate, s.enddate, s.medfee_sumamt,
			s.init_setl_id, ` + currentCols + `
		FROM s
		LEFT JOIN cur ON cur.subject_id = s.setl_id`

// historyVisits lists every settlement (refund rows included) and claim of
// the query's people with its current assessment, and sums the running
// totals from them (SPEC 3.2): each visit adds what its current assessment
// counted, or nothing once it is refunded, rejected or pending
// (record.Contribution). The totals are worked out from the rows on every
// run, so a visit keeps its contribution whichever night it arrived, and a
// refund or a new status takes back exactly what the visit had added.
func historyVisits(ctx context.Context, conn *sql.Conn, h *record.History) error {
	err := each(ctx, conn, visitsQuery, nil,
		func(r *sql.Rows) error {
			var (
				v                   = record.PriorVisit{SubjectKind: record.KindSettlement}
				code, medType, init str
				begn, end           day
				medfee              fenScan
			)
			dest, fill := scanCurrent(&v.Current)
			if err := r.Scan(append([]any{&v.SubjectID, &v.Certno, &code, &medType, &begn, &end, &medfee, &init}, dest...)...); err != nil {
				return err
			}
			fill()
			v.FixmedinsCode, v.MedCat, v.InitSetlID = string(code), medCat(string(medType)), string(init)
			v.Begndate, v.Enddate, v.MedfeeSumamt = begn.Date, end.Date, medfee.Fen
			v.Current.SubjectKind, v.Current.SubjectID, v.Current.Certno, v.Current.Year = v.SubjectKind, v.SubjectID, v.Certno, v.Enddate.Year
			h.Visits[v.Certno] = append(h.Visits[v.Certno], v)
			return nil
		})
	if err != nil {
		return err
	}
	claims, current, err := latestClaims(ctx, conn,
		`ids AS (SELECT DISTINCT c.claim_id FROM claims c JOIN q_certno k ON k.certno = c.certno),`, "ids")
	if err != nil {
		return err
	}
	for i, c := range claims {
		invs := make([]record.InvoiceKey, len(c.Invoices))
		for j, inv := range c.Invoices {
			invs[j] = record.InvoiceKey{BillCode: inv.BillCode, BillNo: inv.BillNo}
		}
		h.Visits[c.Certno] = append(h.Visits[c.Certno], record.PriorVisit{
			SubjectKind: record.KindClaim, SubjectID: c.ClaimID, Certno: c.Certno,
			FixmedinsCode: c.FixmedinsCode, Begndate: c.Begndate, Enddate: c.Enddate, MedCat: medCat(c.MedType),
			MedfeeSumamt: c.MedfeeSumamt, DclaDate: c.DclaDate, Invoices: invs, Current: current[i],
		})
	}
	for _, vs := range h.Visits {
		slices.SortFunc(vs, func(a, b record.PriorVisit) int {
			return cmp.Or(a.Enddate.Compare(b.Enddate), a.Begndate.Compare(b.Begndate),
				cmp.Compare(a.SubjectKind, b.SubjectKind), cmp.Compare(a.SubjectID, b.SubjectID))
		})
		for _, v := range vs {
			if v.Counts() {
				k := v.YearKey()
				h.Totals[k] = h.Totals[k].Add(record.Contribution(v.Current))
			}
		}
	}
	return nil
}

// historyDetail sums the ledger's settlement rows per institution, day of
// setl_time, insutype and clearing type (SPEC 3.3) over the days the
// statement covers, for every institution.
func historyDetail(ctx context.Context, conn *sql.Conn, st []record.StatementRow, h *record.History) error {
	from, to := st[0].StmtBegndate, st[0].StmtEnddate
	for _, s := range st[1:] {
		if s.StmtBegndate.Before(from) {
			from = s.StmtBegndate
		}
		if s.StmtEnddate.After(to) {
			to = s.StmtEnddate
		}
	}
	return each(ctx, conn, `
		SELECT s.fixmedins_code, CAST(s.setl_time AS DATE) AS day, s.insutype,
			CASE WHEN starts_with(s.med_type, '2') THEN '21' WHEN s.med_type = '41' THEN '41' ELSE '11' END AS clr_type,
			count(*), sum(s.medfee_sumamt), sum(s.fund_pay_sumamt), sum(s.acct_pay)
		FROM settlements s
		WHERE CAST(s.setl_time AS DATE) BETWEEN ? AND ?
		GROUP BY ALL
		ORDER BY 1, 2, 3, 4`, []any{from.Time(), to.Time()},
		func(r *sql.Rows) error {
			var (
				d                  record.DetailTotal
				dd                 day
				code, ins, clr     str
				n                  num
				medfee, fund, acct dec
			)
			if err := r.Scan(&code, &dd, &ins, &clr, &n, &medfee, &fund, &acct); err != nil {
				return err
			}
			d.FixmedinsCode, d.Day, d.Insutype, d.ClrType, d.Count = string(code), dd.Date, string(ins), string(clr), int64(n)
			d.MedfeeSumamt, d.FundPaySumamt, d.AcctPay = medfee.or(), fund.or(), acct.or()
			h.Detail = append(h.Detail, d)
			return nil
		})
}
