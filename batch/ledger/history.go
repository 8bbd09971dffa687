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
// joined, so the work follows the size of the batch and of the matching
// history, never one query per key and never the whole ledger.
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
	const dropKeys = `DROP TABLE IF EXISTS q_certno; DROP TABLE IF EXISTS q_setl; DROP TABLE IF EXISTS q_claim; DROP TABLE IF EXISTS q_inv`
	defer conn.ExecContext(context.WithoutCancel(ctx), dropKeys)

	if err := loadKeys(ctx, conn, "q_certno", "certno VARCHAR", distinct(q.Certnos)); err != nil {
		return h, err
	}
	if err := loadKeys(ctx, conn, "q_setl", "setl_id VARCHAR", distinct(q.SetlIDs)); err != nil {
		return h, err
	}
	if err := loadKeys(ctx, conn, "q_claim", "claim_id VARCHAR", distinct(q.ClaimIDs)); err != nil {
		return h, err
	}
	if err := loadInvoiceKeys(ctx, conn, q.Invoices); err != nil {
		return h, err
	}
	steps := []struct {
		what string
		fn   func(context.Context, *sql.Conn, *record.History) error
	}{
		{"filings", historyFilings},
		{"filing uses", historyFilingUses},
		{"year totals", historyTotals},
		{"settlements", historySettlements},
		{"claims", historyClaims},
		{"invoices", historyInvoices},
		{"visits", historyVisits},
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
	return each(ctx, conn, `SELECT `+filingCols+` FROM filings f JOIN q_certno q ON q.certno = f.certno`, nil,
		func(r *sql.Rows) error {
			f, err := scanFiling(r)
			if err != nil {
				return err
			}
			h.Filings[f.FilingID] = f
			return nil
		})
}

// historyFilingUses returns, per filing, the first visit (by begndate) that used it.
func historyFilingUses(ctx context.Context, conn *sql.Conn, h *record.History) error {
	return each(ctx, conn, `
		SELECT u.filing_id, u.subject_kind, u.subject_id, u.begndate
		FROM filing_uses u
		WHERE u.filing_id IN (SELECT f.filing_id FROM filings f JOIN q_certno q ON q.certno = f.certno)
		QUALIFY row_number() OVER (PARTITION BY u.filing_id ORDER BY u.begndate, u.subject_kind, u.subject_id) = 1`, nil,
		func(r *sql.Rows) error {
			var (
				u    record.FilingUse
				begn day
			)
			if err := r.Scan(&u.FilingID, &u.SubjectKind, &u.SubjectID, &begn); err != nil {
				return err
			}
			u.Begndate = begn.Date
			h.FilingUses[u.FilingID] = u
			return nil
		})
}

func historyTotals(ctx context.Context, conn *sql.Conn, h *record.History) error {
	return each(ctx, conn, `
		SELECT t.certno, t.year, t.med_cat, t.deductible_borne, t.basic_paid, t.eligible_base, t.serious_paid, t.visits
		FROM year_totals t JOIN q_certno q ON q.certno = t.certno`, nil,
		func(r *sql.Rows) error {
			var (
				k                 record.YearKey
				year, visits      num
				ded, basic, el, s dec
			)
			if err := r.Scan(&k.Certno, &year, &k.MedCat, &ded, &basic, &el, &s, &visits); err != nil {
				return err
			}
			k.Year = int(year)
			h.Totals[k] = record.YearTotal{
				DeductibleBorne: ded.or(), BasicPaid: basic.or(), EligibleBase: el.or(), SeriousPaid: s.or(),
				Visits: int(visits),
			}
			return nil
		})
}

// currentOf selects the current assessment (latest run, then last written)
// of each subject of one kind whose id is in keyTable.keyCol.
func currentOf(kind, keyTable, keyCol string) string {
	return `SELECT a.*, o.ord AS run_ord
		FROM assessments a
		JOIN ` + keyTable + ` k ON k.` + keyCol + ` = a.subject_id
		JOIN run_order o ON o.run_id = a.run_id
		WHERE a.subject_kind = '` + kind + `'
		QUALIFY row_number() OVER (PARTITION BY a.subject_id ORDER BY o.ord DESC, a.rowid DESC) = 1`
}

// countsNothing says whether a settlement with this current status left the
// running totals (SPEC 3.2: refunded settlements count for nothing).
func countsNothing(status string) bool {
	switch status {
	case record.SetlRefunded, record.SetlRefund, record.SetlConflict:
		return true
	}
	return false
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

func historySettlements(ctx context.Context, conn *sql.Conn, h *record.History) error {
	return each(ctx, conn, `
		WITH cur AS (`+currentOf(record.KindSettlement, "q_setl", "setl_id")+`)
		SELECT `+settlementCols+`, cur.status, cur.deductible, cur.basic_pay, cur.inscope, cur.serious_pay
		FROM settlements s
		JOIN q_setl q ON q.setl_id = s.setl_id
		LEFT JOIN cur ON cur.subject_id = s.setl_id`, nil,
		func(r *sql.Rows) error {
			var (
				status                       str
				ded, basic, inscope, serious dec
			)
			s, err := scanSettlement(r, &status, &ded, &basic, &inscope, &serious)
			if err != nil {
				return err
			}
			k := record.KnownSettlement{
				Settlement: s,
				Status:     string(status),
				MedCat:     medCat(s.MedType),
				Year:       s.Enddate.Year,
			}
			if ded.Valid && !countsNothing(k.Status) {
				k.Counted = record.YearTotal{
					DeductibleBorne: ded.or(),
					BasicPaid:       basic.or(),
					EligibleBase:    inscope.or().Sub(basic.or()),
					SeriousPaid:     serious.or(),
					Visits:          1,
				}
			}
			h.Settlements[s.SetlID] = k
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
	claims, statuses, err := latestClaims(ctx, conn, "", "q_claim")
	if err != nil {
		return err
	}
	for i, c := range claims {
		h.Claims[c.ClaimID] = record.KnownClaim{Claim: c, Status: statuses[i]}
	}
	return nil
}

// latestClaims reads the latest version of every claim whose claim_id is in
// keyTable (a table, or a CTE that with defines, ending in a comma), with
// its invoices, and the status of its current assessment ("" if none).
func latestClaims(ctx context.Context, conn *sql.Conn, with, keyTable string) ([]record.Claim, []string, error) {
	var asm claimAssembler
	var statuses []string
	err := each(ctx, conn, `
		WITH `+with+`
		c AS (`+latestClaimRows(keyTable)+`),
		cur AS (`+currentOf(record.KindClaim, keyTable, "claim_id")+`)
		SELECT `+claimCols+`, cur.status
		FROM c LEFT JOIN cur ON cur.subject_id = c.claim_id
		ORDER BY c.claim_id, c.rid`, nil,
		func(r *sql.Rows) error {
			var status str
			c, inv, err := scanClaimRow(r, &status)
			if err != nil {
				return err
			}
			n := len(asm.claims)
			asm.add(c, inv)
			if len(asm.claims) > n {
				statuses = append(statuses, string(status))
			}
			return nil
		})
	return asm.claims, statuses, err
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

// historyVisits lists every settlement and claim of the query's people. A
// settlement is Refunded when a refund row names it, when its current status
// says so, or when it is itself a refund row: none of them is a paid visit
// for the duplicate checks of SPEC 3.4.
func historyVisits(ctx context.Context, conn *sql.Conn, h *record.History) error {
	// People are found by certno, which no scan can prune: every row of the
	// two largest tables is looked at. Each is scanned once, and for the
	// certno column alone; the other columns are read by rowid for the
	// matching rows only (on the 50-night soak ledger, a million rows each,
	// the history of a night went from 385 to 315 ms). The refunds among a
	// person's settlements (a refund row carries the certno of the
	// settlement it refunds) name the refunded ones.
	err := each(ctx, conn, `
		WITH s AS MATERIALIZED (
			SELECT s.setl_id, s.certno, s.fixmedins_code, s.begndate, s.enddate, s.medfee_sumamt,
				s.refd_setl_flag, s.init_setl_id
			FROM settlements s
			WHERE s.rowid IN (SELECT r.rowid FROM settlements r JOIN q_certno k ON k.certno = r.certno)),
		cur AS (
			SELECT a.subject_id, a.status
			FROM assessments a
			JOIN run_order o ON o.run_id = a.run_id
			WHERE a.rowid IN (SELECT r.rowid FROM assessments r JOIN q_certno k ON k.certno = r.certno)
				AND a.subject_kind = 'settlement'
			QUALIFY row_number() OVER (PARTITION BY a.subject_id ORDER BY o.ord DESC, a.rowid DESC) = 1),
		refunded AS (SELECT DISTINCT init_setl_id AS setl_id FROM s WHERE refd_setl_flag)
		SELECT s.setl_id, s.certno, s.fixmedins_code, s.begndate, s.enddate, s.medfee_sumamt, cur.status,
			s.refd_setl_flag OR rf.setl_id IS NOT NULL OR coalesce(cur.status = 'refunded', false)
		FROM s
		LEFT JOIN cur ON cur.subject_id = s.setl_id
		LEFT JOIN refunded rf ON rf.setl_id = s.setl_id`, nil,
		func(r *sql.Rows) error {
			var (
				v         = record.PriorVisit{SubjectKind: record.KindSettlement}
				code, st  str
				begn, end day
				medfee    dec
			)
			if err := r.Scan(&v.SubjectID, &v.Certno, &code, &begn, &end, &medfee, &st, &v.Refunded); err != nil {
				return err
			}
			v.FixmedinsCode, v.Status = string(code), string(st)
			v.Begndate, v.Enddate, v.MedfeeSumamt = begn.Date, end.Date, medfee.or()
			h.Visits[v.Certno] = append(h.Visits[v.Certno], v)
			return nil
		})
	if err != nil {
		return err
	}
	claims, statuses, err := latestClaims(ctx, conn,
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
			FixmedinsCode: c.FixmedinsCode, Begndate: c.Begndate, Enddate: c.Enddate,
			MedfeeSumamt: c.MedfeeSumamt, DclaDate: c.DclaDate, Invoices: invs, Status: statuses[i],
		})
	}
	for _, vs := range h.Visits {
		slices.SortFunc(vs, func(a, b record.PriorVisit) int {
			return cmp.Or(a.Enddate.Compare(b.Enddate), a.Begndate.Compare(b.Begndate),
				cmp.Compare(a.SubjectKind, b.SubjectKind), cmp.Compare(a.SubjectID, b.SubjectID))
		})
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
