package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// peer is the yardstick of issue 17: SPEC 3.1–3.3's settlement assessment
// written as plain DuckDB SQL, the way an analyst would, so that the bench
// can put medrecon's time on a night beside what DuckDB alone needs for the
// same arithmetic. It is not medrecon's code and nothing depends on its
// result; `floor peer --check LEDGER` states in numbers how far it agrees.
//
// What it does, all in SQL over read_csv with typed columns (DECIMAL money,
// DATE dates):
//   - filing status (SPEC 3.1): filings joined on certno, filtered by place
//     (a province code like 120000 covers the province, a city code like
//     130100 the city, anything else only itself), validity (a blank enddate
//     of a referral, temporary or emergency filing lasts temp_filing_months,
//     end exclusive), cancellation (cancel_date before begndate), emergency
//     filed_date ≤ begndate + emergency_filing_days, chronic filings only for
//     med_type 14 (and counted as long_term); the most favourable adjustment
//     wins; none: unfiled, or unfiled_emergency for med_type 13 and 24;
//     med_type 14 without a chronic filing pays nothing;
//   - the rate row (SPEC 2.5): region, insutype, psn_cat, med_cat, hosp_lv
//     or blank, latest valid_from ≤ enddate, the named level first;
//   - the running quantities (SPEC 3.2) as window functions per person, year
//     of enddate and med_cat (serious illness: per person and year), ordered
//     by (enddate, begndate, setl_id): the yearly deductible due is
//     D − min(D, in-scope of earlier visits); basic is min(cap, cumulative
//     basic0) minus the same for the earlier visits; serious is the bands on
//     the cumulative eligible base, capped, rounded, minus the same for the
//     earlier visits;
//   - reconciliation (SPEC 3.3): discrepancy = hifp_pay + hifmi_pay −
//     expected, mismatch beyond the region's tolerance.
//
// What it leaves out: single-use temporary and referral filings (Xingtai
// 130500's temp_filing_single_use: every visit may use them); refunds beyond
// dropping refund rows and making the originals they name pay 0 and count
// for nothing in later visits' running totals (no REFUND_UNMATCHED, no
// second refund); a settlement seen twice keeps its first row, with
// no conflict check; claims (their rows, their checks and what approved
// claims add to the running totals); the ledger's history (every person
// starts the year at zero, so compare with a run into an empty ledger);
// statements, findings, traces, rejects (a row whose typed columns do not
// parse is skipped, not reported); and a person whose visits of one year
// fall under different serious-illness tables or rate rows with different
// deductibles or caps (the window sums assume one per partition).
func peer(ctx context.Context, dbPath, check, setlCSV, filingsCSV, policyDir string) error {
	db, err := sql.Open("duckdb", dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	pol := func(name string) string { return literal(filepath.Join(policyDir, name+".csv")) }
	start := time.Now()
	steps := []struct{ name, q string }{
		{"policy", `CREATE OR REPLACE TABLE peer_regions AS SELECT * FROM read_csv(` + pol("regions") + `, header = true,
			types = {'insuplc_admdvs': 'VARCHAR', 'emergency_filing_days': 'INTEGER', 'temp_filing_months': 'INTEGER',
			         'tolerance': 'DECIMAL(18,2)'})`},
		{"policy", `CREATE OR REPLACE TABLE peer_rates AS SELECT * FROM read_csv(` + pol("rates") + `, header = true,
			types = {'insuplc_admdvs': 'VARCHAR', 'insutype': 'VARCHAR', 'psn_cat': 'VARCHAR', 'med_cat': 'VARCHAR',
			         'hosp_lv': 'INTEGER', 'valid_from': 'DATE', 'deductible': 'DECIMAL(18,2)', 'deductible_basis': 'VARCHAR',
			         'ratio': 'DECIMAL(9,4)', 'annual_cap': 'DECIMAL(18,2)'})`},
		{"policy", `CREATE OR REPLACE TABLE peer_adjustments AS SELECT * FROM read_csv(` + pol("adjustments") + `, header = true,
			types = {'insuplc_admdvs': 'VARCHAR', 'filing_status': 'VARCHAR', 'ratio_delta': 'DECIMAL(9,4)'})`},
		{"policy", `CREATE OR REPLACE TABLE peer_serious AS SELECT * FROM read_csv(` + pol("serious_illness") + `, header = true,
			types = {'insuplc_admdvs': 'VARCHAR', 'insutype': 'VARCHAR', 'threshold': 'DECIMAL(18,2)', 'band_from': 'DECIMAL(18,2)',
			         'band_to': 'DECIMAL(18,2)', 'ratio': 'DECIMAL(9,4)', 'annual_cap': 'DECIMAL(18,2)'})`},
		{"settlements", `CREATE OR REPLACE TEMP TABLE peer_s AS
			SELECT setl_id, certno, insutype, psn_type, insuplc_admdvs, mdtrtarea_admvs, hosp_lv, med_type,
				begndate, enddate, inscp_scp_amt, coalesce(hifp_pay, 0) + coalesce(hifmi_pay, 0) AS reported,
				coalesce(refd_setl_flag, '0') = '1' AS refund, init_setl_id,
				row_number() OVER () AS rn
			FROM read_csv(` + literal(setlCSV) + `, header = true, ignore_errors = true,
				types = {'setl_id': 'VARCHAR', 'certno': 'VARCHAR', 'insutype': 'VARCHAR', 'psn_type': 'VARCHAR',
				         'insuplc_admdvs': 'VARCHAR', 'mdtrtarea_admvs': 'VARCHAR', 'hosp_lv': 'VARCHAR', 'med_type': 'VARCHAR',
				         'begndate': 'DATE', 'enddate': 'DATE', 'inscp_scp_amt': 'DECIMAL(18,2)',
				         'hifp_pay': 'DECIMAL(18,2)', 'hifmi_pay': 'DECIMAL(18,2)', 'refd_setl_flag': 'VARCHAR', 'init_setl_id': 'VARCHAR'})`},
		{"filings", `CREATE OR REPLACE TEMP TABLE peer_f AS
			SELECT filing_id, certno,
				CASE WHEN filing_kind IN ('长期居住', '异地长期居住', 'long_term', 'long-term', 'longterm') THEN 'long_term'
				     WHEN filing_kind IN ('转诊', '转诊转院', 'referral') THEN 'referral'
				     WHEN filing_kind IN ('临时外出', '临时外出就医', 'temporary') THEN 'temporary'
				     WHEN filing_kind IN ('急诊', '急诊抢救', 'emergency') THEN 'emergency'
				     WHEN filing_kind IN ('慢特病', '门诊慢特病', 'chronic') THEN 'chronic' END AS kind,
				mdtrtarea_admvs AS place, begndate, enddate, filed_date,
				status IN ('已撤销', '撤销', 'cancelled', 'canceled') AS cancelled, cancel_date
			FROM (SELECT *, row_number() OVER () AS rn FROM read_csv(` + literal(filingsCSV) + `, header = true, ignore_errors = true,
				types = {'filing_id': 'VARCHAR', 'certno': 'VARCHAR', 'filing_kind': 'VARCHAR', 'mdtrtarea_admvs': 'VARCHAR',
				         'begndate': 'DATE', 'enddate': 'DATE', 'filed_date': 'DATE', 'status': 'VARCHAR', 'cancel_date': 'DATE'}))
			QUALIFY row_number() OVER (PARTITION BY filing_id ORDER BY rn DESC) = 1`},
		// The visits: one per setl_id (its first row), refund rows dropped,
		// the originals they name kept but not counted.
		{"visits", `CREATE OR REPLACE TEMP TABLE peer_v AS
			SELECT s.setl_id, s.certno, s.insutype, s.insuplc_admdvs, s.mdtrtarea_admvs, s.med_type, s.begndate, s.enddate,
				s.inscp_scp_amt AS inscope, s.reported, year(s.enddate) AS yr,
				CASE WHEN s.insutype = '390' THEN 'resident'
				     WHEN s.psn_type LIKE '12%' OR s.psn_type LIKE '%退休%' THEN 'retired' ELSE 'active' END AS psn_cat,
				CASE WHEN s.med_type LIKE '2%' THEN 'inpatient' WHEN s.med_type = '14' THEN 'chronic' ELSE 'outpatient' END AS med_cat,
				CASE s.hosp_lv WHEN '一级' THEN 1 WHEN '二级' THEN 2 WHEN '三级' THEN 3 ELSE TRY_CAST(s.hosp_lv AS INTEGER) END AS hosp_lv,
				s.med_type IN ('13', '24') AS emergency,
				s.setl_id IN (SELECT init_setl_id FROM peer_s WHERE refund AND init_setl_id IS NOT NULL) AS refunded
			FROM peer_s s WHERE NOT s.refund
			QUALIFY row_number() OVER (PARTITION BY s.setl_id ORDER BY s.rn) = 1`},
		// SPEC 3.1: the most favourable covering filing of each visit.
		{"filing status", `CREATE OR REPLACE TEMP TABLE peer_fs AS
			SELECT v.setl_id, max(a.ratio_delta) AS delta, bool_or(f.kind = 'chronic') AS chronic_filed
			FROM peer_v v
			JOIN peer_f f ON f.certno = v.certno
			JOIN peer_regions r ON r.insuplc_admdvs = v.insuplc_admdvs
			JOIN peer_adjustments a ON a.insuplc_admdvs = v.insuplc_admdvs
				AND a.filing_status = CASE WHEN f.kind = 'chronic' THEN 'long_term' ELSE f.kind END
			WHERE CASE WHEN f.place LIKE '__0000' THEN left(v.mdtrtarea_admvs, 2) = left(f.place, 2)
			           WHEN f.place LIKE '____00' THEN left(v.mdtrtarea_admvs, 4) = left(f.place, 4)
			           ELSE v.mdtrtarea_admvs = f.place END
				AND (f.kind <> 'chronic' OR v.med_type = '14')
				AND NOT (f.cancelled AND (f.cancel_date IS NULL OR f.cancel_date < v.begndate))
				AND v.begndate >= f.begndate
				AND v.begndate <= coalesce(f.enddate,
					CASE WHEN f.kind IN ('referral', 'temporary', 'emergency')
					     THEN CAST(f.begndate + to_months(r.temp_filing_months) - INTERVAL 1 DAY AS DATE) END,
					DATE '9999-12-31')
				AND (f.kind <> 'emergency' OR f.filed_date <= v.begndate + r.emergency_filing_days)
			GROUP BY v.setl_id`},
		// SPEC 3.2, per visit: ratio', the rate row, the deductible due.
		{"rates", `CREATE OR REPLACE TEMP TABLE peer_r AS
			SELECT v.*, r.deductible AS ded_rate, r.deductible_basis, r.annual_cap, r.ratio AS rate_ratio,
				greatest(0, r.ratio + coalesce(fs.delta, u.ratio_delta)) AS ratio,
				v.med_type = '14' AND NOT coalesce(fs.chronic_filed, false) AS pays_nothing
			FROM peer_v v
			LEFT JOIN peer_fs fs USING (setl_id)
			LEFT JOIN peer_adjustments u ON u.insuplc_admdvs = v.insuplc_admdvs
				AND u.filing_status = CASE WHEN v.emergency THEN 'unfiled_emergency' ELSE 'unfiled' END
			JOIN peer_rates r ON r.insuplc_admdvs = v.insuplc_admdvs AND r.insutype = v.insutype AND r.psn_cat = v.psn_cat
				AND r.med_cat = v.med_cat AND (r.hosp_lv IS NULL OR r.hosp_lv = v.hosp_lv) AND r.valid_from <= v.enddate
			QUALIFY row_number() OVER (PARTITION BY v.setl_id ORDER BY r.valid_from DESC, r.hosp_lv IS NULL) = 1`},
		{"basic", `CREATE OR REPLACE TEMP TABLE peer_b AS
			WITH d AS (
				SELECT *,
					CAST(coalesce(sum(CASE WHEN refunded OR pays_nothing THEN 0 ELSE inscope END) OVER w, 0) AS DECIMAL(18,2)) AS inscope_before
				FROM peer_r
				WINDOW w AS (PARTITION BY certno, yr, med_cat ORDER BY enddate, begndate, setl_id
				             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
			), b0 AS (
				SELECT *,
					CASE WHEN pays_nothing THEN 0
					     WHEN deductible_basis = 'year' THEN greatest(0, ded_rate - least(ded_rate, inscope_before))
					     ELSE ded_rate END AS ded
				FROM d
			), b1 AS (
				SELECT *, CASE WHEN pays_nothing THEN 0 ELSE round(greatest(0, inscope - ded) * ratio, 2) END AS basic0
				FROM b0
			), b2 AS (
				SELECT *,
					CAST(coalesce(sum(CASE WHEN refunded THEN 0 ELSE basic0 END) OVER w, 0) AS DECIMAL(18,2)) AS basic0_before
				FROM b1
				WINDOW w AS (PARTITION BY certno, yr, med_cat ORDER BY enddate, begndate, setl_id
				             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
			)
			SELECT *,
				least(ded, inscope) AS deductible,
				CASE WHEN annual_cap = 0 THEN basic0
				     ELSE least(basic0, greatest(0, annual_cap - least(annual_cap, basic0_before))) END AS basic
			FROM b2`},
		{"serious", `CREATE OR REPLACE TEMP TABLE peer_e AS
			SELECT *,
				CASE WHEN pays_nothing THEN 0 ELSE greatest(0, inscope - basic) END AS eligible
			FROM peer_b`},
		{"serious", `CREATE OR REPLACE TEMP TABLE peer_c AS
			SELECT *,
				CAST(coalesce(sum(CASE WHEN refunded THEN 0 ELSE eligible END) OVER (
					PARTITION BY certno, yr ORDER BY enddate, begndate, setl_id
					ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS DECIMAL(18,2)) AS base_before
			FROM peer_e`},
		// The bands of each visit's serious-illness table, applied to the
		// base before the visit and with it; due is capped, then rounded.
		{"serious", `CREATE OR REPLACE TEMP TABLE peer_si AS
			WITH parts AS (
				SELECT c.setl_id, s.annual_cap,
					sum(greatest(0, least(greatest(0, c.base_before + c.eligible - s.threshold),
					                      coalesce(s.band_to, greatest(0, c.base_before + c.eligible - s.threshold))) - s.band_from) * s.ratio) AS due_with,
					sum(greatest(0, least(greatest(0, c.base_before - s.threshold),
					                      coalesce(s.band_to, greatest(0, c.base_before - s.threshold))) - s.band_from) * s.ratio) AS due_before
				FROM peer_c c JOIN peer_serious s ON s.insuplc_admdvs = c.insuplc_admdvs AND s.insutype = c.insutype
				WHERE NOT c.pays_nothing
				GROUP BY c.setl_id, s.annual_cap
			)
			SELECT setl_id,
				greatest(0, round(CASE WHEN annual_cap = 0 THEN due_with ELSE least(annual_cap, due_with) END, 2)
				          - round(CASE WHEN annual_cap = 0 THEN due_before ELSE least(annual_cap, due_before) END, 2)) AS serious
			FROM parts`},
		// SPEC 3.3: expected = basic + serious against hifp_pay + hifmi_pay.
		{"result", `CREATE OR REPLACE TABLE peer_assessments AS
			SELECT c.setl_id, c.certno, c.yr AS year, c.med_cat, c.inscope, CAST(c.deductible AS DECIMAL(18,2)) AS deductible,
				CAST(c.ratio AS DECIMAL(9,4)) AS ratio, CAST(c.basic AS DECIMAL(18,2)) AS basic_pay,
				CAST(coalesce(si.serious, 0) AS DECIMAL(18,2)) AS serious_pay,
				CAST(CASE WHEN c.refunded THEN 0 ELSE c.basic + coalesce(si.serious, 0) END AS DECIMAL(18,2)) AS payable,
				c.reported AS reported_pay,
				CAST(c.reported - c.basic - coalesce(si.serious, 0) AS DECIMAL(18,2)) AS discrepancy,
				CASE WHEN c.refunded THEN 'refunded'
				     WHEN abs(c.reported - c.basic - coalesce(si.serious, 0)) > g.tolerance THEN 'mismatch' ELSE 'balanced' END AS status
			FROM peer_c c
			LEFT JOIN peer_si si USING (setl_id)
			JOIN peer_regions g ON g.insuplc_admdvs = c.insuplc_admdvs`},
	}
	for _, s := range steps {
		if _, err := conn.ExecContext(ctx, s.q); err != nil {
			return fmt.Errorf("peer %s: %w", s.name, err)
		}
	}
	var rows, mismatches, unrated int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'mismatch'),
		(SELECT count(*) FROM peer_v) - count(*) FROM peer_assessments`).Scan(&rows, &mismatches, &unrated); err != nil {
		return err
	}
	fmt.Printf("peer %s: %d settlements assessed (%d mismatch, %d without a rate row) in %.2fs\n",
		setlCSV, rows, mismatches, unrated, time.Since(start).Seconds())
	if check == "" {
		return nil
	}
	return peerCheck(ctx, conn, check)
}

// peerCheck compares the peer's payable per setl_id with a medrecon ledger's
// current settlement assessments (the latest row of each subject by run order).
func peerCheck(ctx context.Context, conn *sql.Conn, ledger string) error {
	if _, err := conn.ExecContext(ctx, "ATTACH "+literal(ledger)+" AS ledger (READ_ONLY)"); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE peer_cmp AS
		WITH ord AS (SELECT run_id, row_number() OVER (ORDER BY started_at, run_id) AS ord FROM ledger.runs),
		cur AS (
			SELECT a.subject_id AS setl_id, a.status, a.filing_status, a.deductible, a.basic_pay, a.serious_pay, a.payable
			FROM ledger.assessments a JOIN ord USING (run_id)
			WHERE a.subject_kind = 'settlement'
			QUALIFY row_number() OVER (PARTITION BY a.subject_id ORDER BY ord.ord DESC, a.rowid DESC) = 1
		)
		SELECT coalesce(p.setl_id, c.setl_id) AS setl_id, c.status AS l_status, c.status = 'refunded' AS l_refunded, c.filing_status,
			p.deductible AS p_ded, c.deductible AS l_ded, p.basic_pay AS p_basic, c.basic_pay AS l_basic,
			p.serious_pay AS p_serious, c.serious_pay AS l_serious, p.payable AS p_pay, c.payable AS l_pay
		FROM peer_assessments p FULL JOIN cur c USING (setl_id)`); err != nil {
		return fmt.Errorf("check %s: %w", ledger, err)
	}
	var both, agree, peerOnly, ledgerOnly, refunds, basicOff, seriousOff, dedOff int64
	if err := conn.QueryRowContext(ctx, `SELECT
			count(*) FILTER (WHERE p_pay IS NOT NULL AND l_pay IS NOT NULL),
			count(*) FILTER (WHERE p_pay = l_pay),
			count(*) FILTER (WHERE l_pay IS NULL),
			count(*) FILTER (WHERE p_pay IS NULL),
			count(*) FILTER (WHERE p_pay IS NULL AND l_status = 'refund'),
			count(*) FILTER (WHERE p_basic <> l_basic AND NOT l_refunded),
			count(*) FILTER (WHERE p_serious <> l_serious AND NOT l_refunded),
			count(*) FILTER (WHERE p_ded <> l_ded AND NOT l_refunded)
		FROM peer_cmp`).Scan(&both, &agree, &peerOnly, &ledgerOnly, &refunds, &basicOff, &seriousOff, &dedOff); err != nil {
		return err
	}
	pct := 0.0
	if both > 0 {
		pct = 100 * float64(agree) / float64(both)
	}
	fmt.Printf("check %s: %d settlements in both, payable agrees to the fen on %d (%.3f%%); differ: payable %d, and outside refunded ones basic %d, serious %d, deductible %d; only the peer %d, only the ledger %d (%d of them refund rows, which the peer drops)\n",
		ledger, both, agree, pct, both-agree, basicOff, seriousOff, dedOff, peerOnly, ledgerOnly, refunds)
	rows, err := conn.QueryContext(ctx, `SELECT setl_id, filing_status, p_ded::VARCHAR, l_ded::VARCHAR, p_basic::VARCHAR, l_basic::VARCHAR,
			p_serious::VARCHAR, l_serious::VARCHAR, p_pay::VARCHAR, l_pay::VARCHAR
		FROM peer_cmp WHERE p_pay <> l_pay ORDER BY setl_id LIMIT 5`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var fs sql.NullString
		v := make([]string, 8)
		ptrs := []any{&id, &fs}
		for i := range v {
			ptrs = append(ptrs, &v[i])
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		fmt.Printf("  %s (%s): deductible %s / %s, basic %s / %s, serious %s / %s, payable %s / %s (peer / medrecon)\n",
			id, fs.String, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
	}
	return rows.Err()
}

// peerArgs parses `peer [--db DB] [--check LEDGER] SETTLEMENTS FILINGS POLICY_DIR`.
func peerArgs(args []string) (dbPath, check string, files []string, err error) {
	for len(args) > 0 && strings.HasPrefix(args[0], "--") {
		if len(args) < 2 {
			return "", "", nil, fmt.Errorf("peer: %s needs a value", args[0])
		}
		switch args[0] {
		case "--db":
			dbPath = args[1]
		case "--check":
			check = args[1]
		default:
			return "", "", nil, fmt.Errorf("peer: unknown option %s", args[0])
		}
		args = args[2:]
	}
	if len(args) != 3 {
		return "", "", nil, fmt.Errorf("usage: floor peer [--db DB] [--check LEDGER] SETTLEMENTS.csv FILINGS.csv POLICY_DIR")
	}
	return dbPath, check, args, nil
}
