package ledger

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"medrecon/batch/record"
)

// RunData reads back what one run wrote, for its PDF and exports: the run,
// its input files (by path), its assessments with the subject's name,
// institution and med_type (from the subject's latest version up to that
// run, so that a past run's report regenerates unchanged), its findings and
// its rejects, each in a stable order.
func (l *Ledger) RunData(ctx context.Context, runID string) (record.RunData, error) {
	return l.readRun(ctx, runID, nil)
}

// ReportLimits is how much of a run the PDF lists: the first FindingsPerCode
// findings of each code (largest amounts first), Payouts claims of each of
// the states approved, review and pending, and Rejects rejected rows.
type ReportLimits struct {
	FindingsPerCode, Payouts, Rejects int
}

// RunReportData is what the run PDF prints: the counts and sums of every
// assessment, finding and reject (Summary, FindingCounts), computed in SQL,
// and only the rows the PDF lists, in RunData's order and without traces.
// A province's night holds a million assessments; reading them into memory
// to add them up was most of the PDF's time and memory.
func (l *Ledger) RunReportData(ctx context.Context, runID string, lim ReportLimits) (record.RunData, error) {
	return l.readRun(ctx, runID, &lim)
}

func (l *Ledger) readRun(ctx context.Context, runID string, lim *ReportLimits) (record.RunData, error) {
	d, err := l.runData(ctx, runID, lim)
	if err != nil {
		return record.RunData{}, fmt.Errorf("ledger %s: run %s: %w", l.path, runID, masked(err))
	}
	return d, nil
}

func (l *Ledger) runData(ctx context.Context, runID string, lim *ReportLimits) (record.RunData, error) {
	var d record.RunData

	conn, err := l.db.Conn(ctx)
	if err != nil {
		return d, err
	}
	defer conn.Close()

	var (
		started, finished stamp
		asOf              day
		version, sum      str
	)
	var (
		ignored        num
		content, chain str
	)
	err = conn.QueryRowContext(ctx, `SELECT run_id, started_at, finished_at, as_of, status, version, policy_sha256, ignored,
			content_sha256, chain_sha256
		FROM runs WHERE run_id = ?`, runID).Scan(&d.Run.RunID, &started, &finished, &asOf, &d.Run.Status, &version, &sum, &ignored,
		&content, &chain)
	if errors.Is(err, sql.ErrNoRows) {
		return d, errors.New("no such run")
	}
	if err != nil {
		return d, err
	}
	d.Run.StartedAt, d.Run.FinishedAt, d.Run.AsOf = started.Time, finished.Time, asOf.Date
	d.Run.Version, d.Run.PolicySHA256, d.Run.Ignored = string(version), string(sum), int(ignored)
	d.Run.ContentSHA256, d.Run.ChainSHA256 = string(content), string(chain)

	err = each(ctx, conn, `SELECT run_id, path, kind, sha256, rows, rejected, already_imported FROM input_files
		WHERE run_id = ? ORDER BY path, kind, sha256`, []any{runID}, func(r *sql.Rows) error {
		var (
			f              record.InputFile
			rows, rejected num
			earlier        str
		)
		if err := r.Scan(&f.RunID, &f.Path, &f.Kind, &f.SHA256, &rows, &rejected, &earlier); err != nil {
			return err
		}
		f.Rows, f.Rejected, f.AlreadyImported = int(rows), int(rejected), string(earlier)
		d.Files = append(d.Files, f)
		return nil
	})
	if err != nil {
		return d, fmt.Errorf("input files: %w", err)
	}

	// Size the slices first: a million assessments grown by append spent
	// half of report's 41 s copying and scanning the growing slice.
	// For the PDF: the sums, then only the claims its three claims tables
	// list (reports.ListedClaims): the first lim.Payouts of each status,
	// approved, review and pending, by subject_id, each claim by its last
	// row of the run. The limit is a window's rank, not ORDER BY … LIMIT,
	// on which DuckDB 1.4.1 fails with an internal error over this query's
	// CTEs.
	var nAssess int64
	runRows, args := `SELECT a.*, a.rowid AS rid FROM assessments a WHERE a.run_id = ?`, []any{runID, runID}
	if lim == nil {
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM assessments WHERE run_id = ?`, runID).Scan(&nAssess); err != nil {
			return d, err
		}
	} else {
		if d.Summary, err = runSummary(ctx, conn, runID); err != nil {
			return d, fmt.Errorf("summary: %w", err)
		}
		runRows = `SELECT * FROM (` + lastRows + `) a
			WHERE a.subject_kind = 'claim' AND a.status IN ('approved', 'review', 'pending')
			QUALIFY row_number() OVER (PARTITION BY a.status ORDER BY a.subject_id, a.rid) <= ?`
		args = append(args, max(lim.Payouts, 0))
		nAssess = 3 * int64(max(lim.Payouts, 0))
	}
	d.Assessments = make([]record.AssessedRow, 0, nAssess)
	// The findings by kind and code: their counts size the slice, and go
	// with a sample of findings so that the PDF still counts them all.
	counts := []record.FindingCount{}
	err = each(ctx, conn, `SELECT subject_kind, code, count(*) FROM findings WHERE run_id = ?
		GROUP BY subject_kind, code ORDER BY subject_kind, code`, []any{runID}, func(r *sql.Rows) error {
		var c record.FindingCount
		var n num
		err := r.Scan(&c.SubjectKind, &c.Code, &n)
		c.N = int(n)
		counts = append(counts, c)
		return err
	})
	if err != nil {
		return d, fmt.Errorf("finding counts: %w", err)
	}
	nFind := 0
	for _, c := range counts {
		if lim != nil {
			nFind += min(c.N, max(lim.FindingsPerCode, 0))
		} else {
			nFind += c.N
		}
	}
	if lim != nil {
		d.FindingCounts = counts // not nil: Findings is a sample
	}
	d.Findings = make([]record.Finding, 0, nFind)
	cols := assessmentCols
	if lim != nil {
		cols = strings.Replace(cols, "a.trace", "'' AS trace", 1)
	}

	err = each(ctx, conn, `
		WITH me AS (SELECT ord FROM run_order WHERE run_id = ?),
		a AS (`+runRows+`),
		-- The run's settlements by id: a semi-join lets DuckDB skip the blocks
		-- of other nights instead of reading the whole table.
		s AS (
			SELECT 'settlement' AS kind, s.setl_id, s.psn_name, s.fixmedins_code, s.fixmedins_name, s.med_type,
				NULL AS bank_name, NULL AS bank_account
			FROM settlements s
			WHERE s.setl_id IN (SELECT subject_id FROM a WHERE subject_kind = 'settlement')),
		cl AS (
			SELECT 'claim' AS kind, c.claim_id, c.psn_name, c.fixmedins_code, c.fixmedins_name, c.med_type,
				c.bank_name, c.bank_account
			FROM claims c JOIN run_order o ON o.run_id = c.run_id CROSS JOIN me
			WHERE o.ord <= me.ord AND c.claim_id IN (SELECT subject_id FROM a WHERE subject_kind = 'claim')
			QUALIFY row_number() OVER (PARTITION BY c.claim_id ORDER BY o.ord DESC, c.rowid) = 1)
		SELECT `+cols+`,
			coalesce(s.psn_name, cl.psn_name), coalesce(s.fixmedins_code, cl.fixmedins_code),
			coalesce(s.fixmedins_name, cl.fixmedins_name), coalesce(s.med_type, cl.med_type),
			cl.bank_name, cl.bank_account
		FROM a
		-- Both joins are on (kind, id) columns only: a condition on a.subject_kind
		-- alone turns DuckDB's hash join into a nested loop, quadratic in the
		-- run's size (minutes for 200,000 settlements).
		LEFT JOIN s ON s.kind = a.subject_kind AND s.setl_id = a.subject_id
		LEFT JOIN cl ON cl.kind = a.subject_kind AND cl.claim_id = a.subject_id
		ORDER BY a.subject_kind, a.subject_id, a.rid`, args, func(r *sql.Rows) error {
		var name, code, fixName, medType, bank, account str
		a, err := scanAssessment(r, &name, &code, &fixName, &medType, &bank, &account)
		if err != nil {
			return err
		}
		d.Assessments = append(d.Assessments, record.AssessedRow{
			Assessment: a, PsnName: string(name), FixmedinsCode: string(code),
			FixmedinsName: string(fixName), MedType: string(medType),
			BankName: string(bank), BankAccount: string(account),
		})
		return nil
	})
	if err != nil {
		return d, fmt.Errorf("assessments: %w", err)
	}

	// The same order with or without the sample. The sample is, within one
	// code, the first lim.FindingsPerCode in the PDF's order, money findings
	// first: the keys of reports.FindingOrder, which must stay in step.
	findingsQuery := `SELECT ` + findingCols + ` FROM findings
		WHERE run_id = ? ORDER BY subject_kind, subject_id, code, detail, severity`
	args = []any{runID}
	if lim != nil {
		findingsQuery, args = findingSample(runID, counts, max(lim.FindingsPerCode, 0))
	}
	err = each(ctx, conn, findingsQuery, args,
		func(r *sql.Rows) error {
			f, err := scanFinding(r)
			d.Findings = append(d.Findings, f)
			return err
		})
	if err != nil {
		return d, fmt.Errorf("findings: %w", err)
	}

	maxRows := -1
	if lim != nil {
		maxRows = max(lim.Rejects, 0)
	}
	err = each(ctx, conn, `SELECT file, sheet, "row", col, value, reason FROM rejects
		WHERE run_id = ? ORDER BY file, "row", col, sheet, value, reason`, []any{runID},
		func(r *sql.Rows) error {
			if len(d.Rejects) == maxRows {
				return errEnough
			}
			var (
				rj                        record.Reject
				sheet, col, value, reason str
				row                       num
			)
			if err := r.Scan(&rj.File, &sheet, &row, &col, &value, &reason); err != nil {
				return err
			}
			rj.Sheet, rj.Row, rj.Col, rj.Value, rj.Reason = string(sheet), int(row), string(col), string(value), string(reason)
			d.Rejects = append(d.Rejects, rj)
			return nil
		})
	if err != nil {
		return d, fmt.Errorf("rejects: %w", err)
	}
	if err := runLife(ctx, conn, runID, lim, &d); err != nil {
		return d, err
	}
	return d, nil
}

// runSummary counts and sums a run's subjects per kind and status (each by
// its last row of the run), its
// settlements' discrepancies per institution, and its rejects: what
// reports.Summarize computes from a full RunData, here without reading the
// rows out of DuckDB. An institution's code and name are those of the
// settlement rows RunData joins; its name is the first non-empty one in
// RunData's order (subject_id, then insertion).
// lastRows selects each subject's last assessment row of the run (run_id
// is the query's first argument), with its rowid as rid: its state at the
// run's end. A settlement refunded in the run it arrived in has two rows,
// its assessment and then its refunded row; only the refunded one counts.
const lastRows = `SELECT a.*, a.rowid AS rid FROM assessments a WHERE a.run_id = ?
	QUALIFY row_number() OVER (PARTITION BY a.subject_kind, a.subject_id ORDER BY a.rowid DESC) = 1`

func runSummary(ctx context.Context, conn *sql.Conn, runID string) (*record.RunSummary, error) {
	s := &record.RunSummary{}
	err := each(ctx, conn, `
		SELECT subject_kind, status, count(*), sum(payable), sum(discrepancy), sum(abs(discrepancy))
		FROM (`+lastRows+`)
		GROUP BY subject_kind, status`, []any{runID}, func(r *sql.Rows) error {
		var (
			st                 record.StatusTotal
			n                  num
			payable, disc, abs dec
		)
		if err := r.Scan(&st.SubjectKind, &st.Status, &n, &payable, &disc, &abs); err != nil {
			return err
		}
		st.Count, st.Payable, st.Discrepancy, st.Abs = int(n), payable.or(), disc.or(), abs.or()
		s.Statuses = append(s.Statuses, st)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("statuses: %w", err)
	}
	err = each(ctx, conn, `
		WITH a AS (
			SELECT a.subject_id, a.rid, a.discrepancy FROM (`+lastRows+`) a
			WHERE a.subject_kind = 'settlement' AND a.discrepancy IS NOT NULL),
		s AS (
			SELECT s.setl_id, s.fixmedins_code, s.fixmedins_name FROM settlements s
			WHERE s.setl_id IN (SELECT subject_id FROM a))
		SELECT coalesce(s.fixmedins_code, ''),
			arg_min(s.fixmedins_name, struct_pack(id := a.subject_id, rid := a.rid)) FILTER (WHERE s.fixmedins_name <> ''),
			sum(a.discrepancy)
		FROM a LEFT JOIN s ON s.setl_id = a.subject_id
		GROUP BY 1`, []any{runID}, func(r *sql.Rows) error {
		var (
			in   record.InstitutionTotal
			name str
			disc dec
		)
		if err := r.Scan(&in.Code, &name, &disc); err != nil {
			return err
		}
		in.Name, in.Discrepancy = string(name), disc.or()
		s.Institutions = append(s.Institutions, in)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("institutions: %w", err)
	}
	var n int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM rejects WHERE run_id = ?`, runID).Scan(&n); err != nil {
		return nil, fmt.Errorf("rejects: %w", err)
	}
	s.Rejects = int(n)
	return s, nil
}

// findingSample is the query for the first n findings of each code in
// reports.FindingOrder's order, then in the PDF's: one ORDER BY … LIMIT a
// code, joined by UNION ALL. It is not a row_number() window partitioned by
// code, which DuckDB 1.4.1 computes with its parallel sort merge: on the
// 625,602 findings of a million-settlement night that query died with
// SIGSEGV in SortedRunMergerLocalState::TemplatedScanPartition in about one
// run of four, after the run had committed (it does not in 1.4.3, whose
// encrypted writes need httpfs; see doc.go). A LIMIT is a Top-N, which does
// not merge sorted runs: a process that opened that ledger and ran this
// query took 0.1 s, against 0.4 s with the window.
func findingSample(runID string, counts []record.FindingCount, n int) (string, []any) {
	var codes []string
	for _, c := range counts {
		if !slices.Contains(codes, c.Code) {
			codes = append(codes, c.Code)
		}
	}
	if len(codes) == 0 {
		return `SELECT ` + findingCols + ` FROM findings WHERE false`, nil
	}
	parts := make([]string, len(codes))
	var args []any
	for i, code := range codes {
		parts[i] = `(SELECT ` + findingCols + ` FROM findings WHERE run_id = ? AND code = ?
			ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 WHEN 'info' THEN 2 ELSE 3 END,
				abs(amount) DESC NULLS LAST, subject_kind, subject_id, code, coalesce(detail, ''), severity,
				amount NULLS LAST, coalesce(fixmedins_code, '')
			LIMIT ?)`
		args = append(args, runID, code, n)
	}
	return `SELECT ` + findingCols + ` FROM (` + strings.Join(parts, "\n\t\tUNION ALL ") + `)
		ORDER BY subject_kind, subject_id, code, detail, severity`, args
}

// findingCols are the columns scanFinding reads.
const findingCols = `subject_kind, subject_id, code, severity, detail, amount, fixmedins_code`

func scanFinding(sc scanner) (record.Finding, error) {
	var (
		f            record.Finding
		detail, code str
		amount       dec
	)
	err := sc.Scan(&f.SubjectKind, &f.SubjectID, &f.Code, &f.Severity, &detail, &amount, &code)
	f.Detail, f.FixmedinsCode, f.Amount = string(detail), string(code), amount.NullDecimal
	return f, err
}

// Explain returns what the ledger holds about one settlement or claim: its
// standing (settlement) or latest (claim) version, every assessment of it
// oldest first, its findings, and the person's visits of the same year that
// were assessed before it (whose amounts its own calculation built on).
func (l *Ledger) Explain(ctx context.Context, id string) (record.Explanation, error) {
	e, err := l.explain(ctx, id)
	if err != nil {
		return record.Explanation{}, fmt.Errorf("ledger %s: explain %s: %w", l.path, record.MaskText(id), masked(err))
	}
	return e, nil
}

func (l *Ledger) explain(ctx context.Context, id string) (record.Explanation, error) {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return record.Explanation{}, err
	}
	defer conn.Close()
	// Every lookup goes by row_keys (keys.go), not by a scan of the column.
	// An id the keys do not know, or whose assessments they do not know, is
	// looked for again in the tables themselves, so that keys that disagree
	// with the rows (which verify reports) never make explain say that a
	// subject does not exist or was never assessed.
	keys := newKeyRows(ctx, conn)
	keys.step = l.step
	e, err := explainBy(ctx, conn, keys, id)
	if errors.Is(err, errNoSubject) {
		keys.scan = true
		e, err = explainBy(ctx, conn, keys, id)
	}
	return e, err
}

var errNoSubject = errors.New("no settlement or claim has this id")

func explainBy(ctx context.Context, conn *sql.Conn, keys *keyRows, id string) (record.Explanation, error) {
	e := record.Explanation{SubjectID: id}
	var begn, end record.Date
	setls, bySetl, err := keys.from("s", "settlements", "setl_id", id)
	if err != nil {
		return e, err
	}
	s, err := scanSettlement(conn.QueryRowContext(ctx, `SELECT `+settlementCols+` FROM `+setls+` WHERE `+bySetl, id))
	keys.done("settlement")
	switch {
	case err == nil:
		e.SubjectKind, e.Settlement = record.KindSettlement, &s
		begn, end = s.Begndate, s.Enddate
	case errors.Is(err, sql.ErrNoRows):
		var asm claimAssembler
		claims, byClaim, err := keys.from("c", "claims", "claim_id", id)
		if err != nil {
			return e, err
		}
		err = each(ctx, conn, `
			SELECT `+claimCols+` FROM `+claims+` JOIN run_order o ON o.run_id = c.run_id
			WHERE `+byClaim+`
			QUALIFY o.ord = max(o.ord) OVER ()
			ORDER BY c.rid`, []any{id}, func(r *sql.Rows) error {
			c, inv, err := scanClaimRow(r)
			asm.add(c, inv)
			return err
		})
		if err != nil {
			return e, err
		}
		keys.done("claim")
		if len(asm.claims) == 0 {
			return e, errNoSubject
		}
		e.SubjectKind, e.Claim = record.KindClaim, &asm.claims[0]
		begn, end = e.Claim.Begndate, e.Claim.Enddate
	default:
		return e, err
	}

	var cur struct {
		ord int64
		ok  bool
		a   record.Assessment
	}
	assessments, byAssessment, err := keys.from("a", "assessments", "subject_id", id)
	if err != nil {
		return e, fmt.Errorf("assessments: %w", err)
	}
	err = each(ctx, conn, `
		SELECT `+assessmentCols+`, a.run_id, o.ord FROM `+assessments+` JOIN run_order o ON o.run_id = a.run_id
		WHERE a.subject_kind = ? AND `+byAssessment+` ORDER BY o.ord, a.rid`, []any{e.SubjectKind, id},
		func(r *sql.Rows) error {
			var ord num
			var ra record.RunAssessment
			a, err := scanAssessment(r, &ra.RunID, &ord)
			if err != nil {
				return err
			}
			ra.Assessment = a
			e.Assessments = append(e.Assessments, ra)
			cur.ord, cur.ok, cur.a = int64(ord), true, a
			return nil
		})
	if err != nil {
		return e, fmt.Errorf("assessments: %w", err)
	}
	keys.done("assessments")
	if len(e.Assessments) == 0 && !keys.scan {
		// Every settlement and claim is assessed in the run that brings it:
		// none found means keys that miss rows.
		return e, errNoSubject
	}

	findings, byFinding, err := keys.from("f", "findings", "subject_id", id)
	if err != nil {
		return e, fmt.Errorf("findings: %w", err)
	}
	err = each(ctx, conn, `
		SELECT `+findingCols+`
		FROM `+findings+` JOIN run_order o ON o.run_id = f.run_id
		WHERE f.subject_kind = ? AND `+byFinding+` ORDER BY o.ord, f.code, f.detail`, []any{e.SubjectKind, id},
		func(r *sql.Rows) error {
			f, err := scanFinding(r)
			e.Findings = append(e.Findings, f)
			return err
		})
	if err != nil {
		return e, fmt.Errorf("findings: %w", err)
	}
	keys.done("findings")
	if e.Life, err = life(ctx, conn, e.SubjectKind, id); err != nil {
		return e, fmt.Errorf("life: %w", err)
	}
	keys.done("life")
	if !cur.ok {
		return e, nil
	}
	e.Earlier, err = earlier(ctx, conn, keys, e.SubjectKind, id, cur.a.Certno, cur.a.Year, visitOrder{cur.ord, end, begn, id})
	if err != nil {
		return e, fmt.Errorf("earlier visits: %w", err)
	}
	keys.done("earlier visits")
	return e, nil
}

// life returns a claim's decisions, payments and recoveries (SPEC 3.7), or a
// settlement's recoveries, in the order the runs recorded them: by run, and
// within a run as the rules apply them (recoveries that a settlement opens,
// then decisions, then payments with the recoveries they open or settle).
func life(ctx context.Context, conn *sql.Conn, kind, id string) ([]record.LifeEvent, error) {
	type event struct {
		ord, step, rid int64
		ev             record.LifeEvent
	}
	var evs []event
	if kind == record.KindClaim {
		err := each(ctx, conn, `SELECT `+decisionCols+`, d.run_id, o.ord, d.rowid
			FROM decisions d JOIN run_order o ON o.run_id = d.run_id WHERE d.claim_id = ?`, []any{id},
			func(r *sql.Rows) error {
				var x event
				var ord, rid num
				dc, err := scanDecision(r, &x.ev.RunID, &ord, &rid)
				x.ord, x.step, x.rid, x.ev.Decision = int64(ord), 1, int64(rid), &dc
				evs = append(evs, x)
				return err
			})
		if err != nil {
			return nil, fmt.Errorf("decisions: %w", err)
		}
		err = each(ctx, conn, `SELECT `+paymentCols+`, p.run_id, o.ord, p.rowid
			FROM payments p JOIN run_order o ON o.run_id = p.run_id WHERE p.claim_id = ?`, []any{id},
			func(r *sql.Rows) error {
				var x event
				var ord, rid num
				p, err := scanPayment(r, &x.ev.RunID, &ord, &rid)
				x.ord, x.step, x.rid, x.ev.Payment = int64(ord), 2, int64(rid), &p
				evs = append(evs, x)
				return err
			})
		if err != nil {
			return nil, fmt.Errorf("payments: %w", err)
		}
	}
	col := "claim_id"
	if kind == record.KindSettlement {
		col = "subject_kind = 'settlement' AND r.subject_id"
	}
	err := each(ctx, conn, `SELECT r.subject_kind, r.subject_id, r.claim_id, r.amount, r.reason, r.event, r.run_id, o.ord, r.rowid
		FROM recoveries r JOIN run_order o ON o.run_id = r.run_id WHERE r.`+col+` = ?`, []any{id},
		func(r *sql.Rows) error {
			var (
				x        event
				rc       record.Recovery
				reason   str
				amount   dec
				ord, rid num
			)
			err := r.Scan(&rc.SubjectKind, &rc.SubjectID, &rc.ClaimID, &amount, &reason, &rc.Event, &x.ev.RunID, &ord, &rid)
			rc.Amount, rc.Reason = amount.or(), string(reason)
			// A settlement's recovery (ALREADY_REIMBURSED) opens before the
			// night's decisions; the others go with the payments.
			x.ord, x.step, x.rid, x.ev.Recovery = int64(ord), 2, int64(rid), &rc
			if rc.SubjectKind == record.KindSettlement && rc.Event == record.RecoveryOpened {
				x.step = 0
			}
			evs = append(evs, x)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("recoveries: %w", err)
	}
	// Within a run a payment's recoveries follow the night's payments
	// (each table keeps the order the rules applied its rows in; the
	// recovery's reason names its bank_ref).
	isRecovery := func(x event) int {
		if x.ev.Recovery != nil {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(evs, func(a, b event) int {
		return cmp.Or(cmp.Compare(a.ord, b.ord), cmp.Compare(a.step, b.step), cmp.Compare(isRecovery(a), isRecovery(b)), cmp.Compare(a.rid, b.rid))
	})
	out := make([]record.LifeEvent, len(evs))
	for i, x := range evs {
		out[i] = x.ev
	}
	return out, nil
}

// visitOrder places an assessed visit in the order SPEC 3.2 counts "already
// paid this year": by run, then within a run by (enddate, begndate, id).
type visitOrder struct {
	ord       int64
	end, begn record.Date
	id        string
}

func (v visitOrder) compare(w visitOrder) int {
	return cmp.Or(cmp.Compare(v.ord, w.ord), v.end.Compare(w.end), v.begn.Compare(w.begn), cmp.Compare(v.id, w.id))
}

// earlier returns the current assessments of the person's visits of the
// year that come before me, in that order.
func earlier(ctx context.Context, conn *sql.Conn, keys *keyRows, kind, id, certno string, year int, me visitOrder) ([]record.RunAssessment, error) {
	type row struct {
		ra record.RunAssessment
		at visitOrder
	}
	var rows []row
	var from, by [3]string
	for i, k := range []struct{ alias, table string }{{"a", "assessments"}, {"s", "settlements"}, {"c", "claims"}} {
		var err error
		if from[i], by[i], err = keys.from(k.alias, k.table, "certno", certno); err != nil {
			return nil, err
		}
	}
	err := each(ctx, conn, `
		WITH cur AS (
			SELECT a.*, o.ord FROM `+from[0]+` JOIN run_order o ON o.run_id = a.run_id
			WHERE `+by[0]+` AND a.year = ?
			QUALIFY row_number() OVER (PARTITION BY a.subject_kind, a.subject_id ORDER BY o.ord DESC, a.rid DESC) = 1),
		dates AS (
			SELECT 'settlement' AS kind, s.setl_id AS id, s.enddate, s.begndate FROM `+from[1]+` WHERE `+by[1]+`
			UNION ALL
			SELECT DISTINCT 'claim', c.claim_id, c.enddate, c.begndate FROM `+from[2]+` JOIN run_order o ON o.run_id = c.run_id
			WHERE `+by[2]+`
			QUALIFY o.ord = max(o.ord) OVER (PARTITION BY c.claim_id))
		SELECT `+assessmentCols+`, a.run_id, a.ord, d.enddate, d.begndate
		FROM cur a LEFT JOIN dates d ON d.kind = a.subject_kind AND d.id = a.subject_id
		WHERE NOT (a.subject_kind = ? AND a.subject_id = ?)`,
		[]any{certno, year, certno, certno, kind, id}, func(r *sql.Rows) error {
			var (
				x         row
				ord       num
				end, begn day
			)
			a, err := scanAssessment(r, &x.ra.RunID, &ord, &end, &begn)
			if err != nil {
				return err
			}
			x.ra.Assessment = a
			x.at = visitOrder{int64(ord), end.Date, begn.Date, a.SubjectID}
			if x.at.compare(me) < 0 {
				rows = append(rows, x)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(a.at.compare(b.at), cmp.Compare(a.ra.SubjectKind, b.ra.SubjectKind))
	})
	out := make([]record.RunAssessment, len(rows))
	for i, r := range rows {
		out[i] = r.ra
	}
	return out, nil
}

// ClaimStates returns every assessed claim's current state: its latest
// assessment with its latest version's names and dates, and whether that
// run found it late (LATE_SUBMISSION). Ordered by claim_id.
func (l *Ledger) ClaimStates(ctx context.Context) ([]record.ClaimState, error) {
	rows, err := l.db.QueryContext(ctx, `
		WITH cur AS (
			SELECT a.subject_id, a.certno, a.deadline, a.status, a.payable, a.run_id
			FROM assessments a JOIN run_order o ON o.run_id = a.run_id
			WHERE a.subject_kind = 'claim'
			QUALIFY row_number() OVER (PARTITION BY a.subject_id ORDER BY o.ord DESC, a.rowid DESC) = 1),
		cl AS (
			SELECT c.claim_id, c.psn_name, c.fixmedins_name, c.med_type, c.enddate, c.dcla_date
			FROM claims c JOIN run_order o ON o.run_id = c.run_id
			QUALIFY row_number() OVER (PARTITION BY c.claim_id ORDER BY o.ord DESC, c.rowid) = 1),
		late AS (
			SELECT DISTINCT run_id, subject_id FROM findings
			WHERE subject_kind = 'claim' AND code = '`+record.LateSubmission+`')
		SELECT cur.subject_id, cur.certno, cl.psn_name, cl.fixmedins_name, cl.med_type, cl.enddate, cl.dcla_date,
			cur.deadline, cur.status, cur.payable, late.subject_id IS NOT NULL, cur.run_id
		FROM cur
		LEFT JOIN cl ON cl.claim_id = cur.subject_id
		LEFT JOIN late ON late.run_id = cur.run_id AND late.subject_id = cur.subject_id
		ORDER BY cur.subject_id`)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: claim states: %w", l.path, err)
	}
	defer rows.Close()
	var out []record.ClaimState
	for rows.Next() {
		var (
			c                      record.ClaimState
			name, fixName, medType str
			end, dcla, deadline    day
			payable                dec
		)
		err := rows.Scan(&c.ClaimID, &c.Certno, &name, &fixName, &medType, &end, &dcla,
			&deadline, &c.Status, &payable, &c.Late, &c.RunID)
		if err != nil {
			return nil, fmt.Errorf("ledger %s: claim states: %w", l.path, err)
		}
		c.PsnName, c.FixmedinsName, c.MedType = string(name), string(fixName), string(medType)
		c.Enddate, c.DclaDate, c.Deadline, c.Payable = end.Date, dcla.Date, deadline.Date, payable.or()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger %s: claim states: %w", l.path, err)
	}
	return out, nil
}
