package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"medrecon/batch/ledger"
)

// seedRuns is how many earlier nightly runs the synthetic rows are spread over.
const seedRuns = 10

// seed adds n assessments to a ledger that a real medrecon run has already
// created, as if seedRuns earlier nights had assessed them: one runs row per
// night (so that the run_order view ranks them before any real run), 90%
// settlements and 10% claims with their input rows, findings where a real
// run would raise them (about 1.4 per assessment) and the year_totals of
// n/8 people (3 categories each). The rows fall in visit year 2024, with
// setl_id ST20249…, claim_id SB2024 and 8 digits, and certnos of the fictional district
// 139901, so that none of them meets a batch that `medrecon gen` writes for
// 2025 and the benchmark run does the work of a night with a large history.
func seed(ctx context.Context, dbPath string, n int64) error {
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
	var clash int64
	err = conn.QueryRowContext(ctx, `SELECT count(*) FROM assessments WHERE subject_id LIKE 'ST20249%' OR subject_id LIKE 'SB2024________' OR certno LIKE '139901%'`).Scan(&clash)
	if err != nil {
		return fmt.Errorf("%s: is it a medrecon ledger? %w", dbPath, err)
	}
	if clash > 0 {
		return fmt.Errorf("%s: already holds %d seeded rows; seed a fresh copy", dbPath, clash)
	}
	people := max(n/8, 1)
	for _, q := range []string{
		// GB 11643 check character of a 17-digit body.
		`CREATE TEMP MACRO seed_check(b) AS substr('10X98765432', (list_sum(list_transform(range(17),
			i -> CAST(substr(b, i + 1, 1) AS INTEGER) * [7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2][i + 1])) % 11)::INTEGER + 1, 1)`,
		`CREATE TEMP MACRO seed_body(p) AS '139901' || strftime(DATE '1940-01-01' + CAST(p % 25000 AS INTEGER), '%Y%m%d') || lpad(CAST(p // 25000 AS VARCHAR), 3, '0')`,
		`CREATE TEMP MACRO seed_fen(i, salt, lo, hi) AS lo + (hash(i, salt) % (hi - lo))::BIGINT`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("seed macros: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE seed_people AS
		SELECT p, seed_body(p) || seed_check(seed_body(p)) AS certno FROM range(?) t(p)`, people); err != nil {
		return fmt.Errorf("seed people: %w", err)
	}
	for r := int64(0); r < seedRuns; r++ {
		start := time.Now()
		lo, hi := n*r/seedRuns, n*(r+1)/seedRuns
		if err := seedNight(ctx, conn, r, lo, hi, people); err != nil {
			return fmt.Errorf("seed night %d: %w", r+1, err)
		}
		fmt.Printf("seeded night %d: assessments %d..%d in %.1fs\n", r+1, lo, hi, time.Since(start).Seconds())
	}
	// year_totals: one row per person and category, spread over the nights.
	if _, err := conn.ExecContext(ctx, `INSERT INTO year_totals
		SELECT certno, 2024, cat,
			CAST(seed_fen(p, 11, 0, 80000) AS DECIMAL(18,2)) / 100,
			CAST(seed_fen(p, 12, 1000, 2000000) AS DECIMAL(18,2)) / 100,
			CAST(seed_fen(p, 13, 1000, 3000000) AS DECIMAL(18,2)) / 100,
			CAST(0 AS DECIMAL(18,2)),
			CAST(1 + seed_fen(p, 14, 0, 12) AS INTEGER)
		FROM seed_people, (VALUES ('inpatient'), ('outpatient'), ('chronic')) c(cat)`); err != nil {
		return fmt.Errorf("seed year_totals: %w", err)
	}
	// The seeded rows need their row keys, as a run's rows get them, or
	// explain would find them only by its slow path and verify would fail.
	if err := ledger.RebuildKeys(ctx, db); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	_, err = conn.ExecContext(ctx, "CHECKPOINT")
	return err
}

// seedNight inserts assessments lo..hi-1 as run number r.
func seedNight(ctx context.Context, conn *sql.Conn, r, lo, hi, people int64) error {
	day := time.Date(2025, time.January, 15, 2, 30, 0, 0, time.UTC).AddDate(0, 0, int(r))
	runID := "R" + day.Format("20060102") + "-001"
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO runs (run_id, started_at, finished_at, as_of, status, version, policy_sha256)
		VALUES (?, ?, ?, ?, 'committed', 'seed', 'seed')`,
		runID, day, day.Add(20*time.Minute), day.Format("2006-01-02"))
	if err != nil {
		return err
	}
	// One row per assessment: the visit, its amounts in fen, its outcome.
	_, err = tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE seed_v AS
		SELECT i,
			i % 10 = 9 AS is_claim,
			CASE WHEN i % 10 = 9 THEN 'SB2024' || lpad(CAST(i AS VARCHAR), 8, '0')
			     ELSE 'ST20249' || lpad(CAST(i AS VARCHAR), 9, '0') END AS id,
			hash(i, 1) % ? AS person,
			DATE '2024-01-01' + CAST(hash(i, 2) % 360 AS INTEGER) AS beg,
			CAST(hash(i, 3) % 8 AS INTEGER) AS los,
			seed_fen(i, 4, 2000, 3000000) AS fee,
			hash(i, 5) % 100 AS roll
		FROM range(?, ?) t(i)`, people, lo, hi)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE seed_a AS
		SELECT v.*, s.certno,
			fee * 80 // 100 AS inscope,
			CASE WHEN roll < 30 THEN LEAST(fee * 80 // 100, 70000) ELSE 0 END AS ded,
			CASE WHEN roll < 60 THEN 'unfiled' WHEN roll < 88 THEN 'long_term' WHEN roll < 95 THEN 'referral' ELSE 'temporary' END AS fstatus
		FROM seed_v v JOIN seed_people s ON s.p = v.person`)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE seed_p AS
		SELECT *, (inscope - ded) * 60 // 100 AS pay,
			CASE WHEN roll % 7 = 0 THEN 0 ELSE seed_fen(i, 6, 1, 5000) END AS diff
		FROM seed_a`)
	if err != nil {
		return err
	}
	yuan := func(fen string) string { return "CAST(" + fen + " AS DECIMAL(18,2)) / 100" }
	text := func(fen string) string { return "printf('%.2f', (" + fen + ") / 100.0)" }
	trace := strings.Join([]string{
		`'备案状态 ' || CASE fstatus WHEN 'unfiled' THEN '未备案(就诊日 ' || beg || ' 在就医地 110000 无有效备案)' ELSE '长期居住(备案 BA2024' || lpad(CAST(i % 1000000 AS VARCHAR), 8, '0') || ', 就医地 110000, 有效期 2023-09-10 起长期)' END`,
		`';政策 130100/310/在职/住院/二级 自2024-01-01;比例 70% − 10% = 60%;起付线 ' || ` + text("ded") + ` || '(按次)'`,
		`';(' || ` + text("inscope") + ` || ' − ' || ` + text("ded") + ` || ') × 60% = ' || ` + text("pay"),
		`';封顶线 500000.00 本年已付 0.00, 余额 500000.00;大病保险 无;应付 ' || ` + text("pay"),
		`CASE WHEN is_claim THEN '' ELSE ';申报基金支付 统筹 ' || ` + text("pay + diff") + ` || ' + 大病 0.00 = ' || ` + text("pay + diff") +
			` || ', 应付 ' || ` + text("pay") + ` || ', 差额 ' || ` + text("diff") + ` || ' (容差 0.01)' END`,
	}, " || ")
	_, err = tx.ExecContext(ctx, `INSERT INTO assessments
		SELECT ?, CASE WHEN is_claim THEN 'claim' ELSE 'settlement' END, id, certno, 2024, fstatus,
			`+yuan("inscope")+`, `+yuan("ded")+`, CAST(0.6 AS DECIMAL(9,4)), `+yuan("pay")+`, CAST(0 AS DECIMAL(18,2)), `+yuan("pay")+`,
			CASE WHEN is_claim THEN NULL ELSE `+yuan("pay + diff")+` END,
			CASE WHEN is_claim THEN NULL ELSE `+yuan("diff")+` END,
			CASE WHEN is_claim THEN (CASE WHEN roll < 85 THEN 'approved' ELSE 'rejected' END)
			     WHEN diff = 0 THEN 'balanced' ELSE 'mismatch' END,
			CASE WHEN is_claim THEN beg + CAST(los AS INTEGER) + 730 END,
			`+trace+`,
			CASE WHEN is_claim AND roll >= 85 THEN CAST(0 AS DECIMAL(18,2)) ELSE `+yuan("inscope - pay")+` END
		FROM seed_p`, runID)
	if err != nil {
		return fmt.Errorf("assessments: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO settlements
		SELECT id, 'MD2024' || lpad(CAST(i AS VARCHAR), 10, '0'), '1399' || lpad(CAST(person AS VARCHAR), 12, '0'), '张伟',
			certno, '310', '1101', '130100', '110000', 'H11010500017', '北京市朝阳区第一医院', 3,
			CASE WHEN los = 0 THEN '11' ELSE '21' END, beg, beg + los, CAST(beg + los AS TIMESTAMP) + INTERVAL 10 HOUR,
			`+yuan("fee")+`, `+yuan("inscope")+`, `+yuan("ded")+`, `+yuan("pay + diff")+`, CAST(0 AS DECIMAL(18,2)), `+yuan("pay + diff")+`,
			CAST(0 AS DECIMAL(18,2)), `+yuan("fee - pay - diff")+`, false, NULL, ?, 'settlements.csv', CAST(i - ? + 2 AS INTEGER)
		FROM seed_p WHERE NOT is_claim`, runID, lo)
	if err != nil {
		return fmt.Errorf("settlements: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO claims
		SELECT id, certno, '张伟', '310', '1101', '130100', '110000', 'H11010500017', '北京市朝阳区第一医院', 3, true,
			CASE WHEN los = 0 THEN '11' ELSE '21' END, false, beg, beg + los, '11010124', lpad(CAST(i AS VARCHAR), 10, '0'),
			`+yuan("fee")+`, `+yuan("inscope")+`, beg + los + 30, true, ?, 'claims.xlsx', CAST(i - ? + 3 AS INTEGER)
		FROM seed_p WHERE is_claim`, runID, lo)
	if err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO findings
		SELECT ?, 'settlement', id, 'AMOUNT_MISMATCH', 'error',
			'申报基金支付 ' || `+text("pay + diff")+` || ', 按政策应付 ' || `+text("pay")+` || ', 差额 ' || `+text("diff")+` || ' (多付, 应向就医地追回)',
			`+yuan("diff")+`, 'H11010500017'
		FROM seed_p WHERE NOT is_claim AND diff <> 0
		UNION ALL
		SELECT ?, CASE WHEN is_claim THEN 'claim' ELSE 'settlement' END, id, 'NO_VALID_FILING', 'warning',
			'就诊日 ' || beg || ' 在就医地 110000 无有效备案, 按未备案计', NULL, 'H11010500017'
		FROM seed_p WHERE fstatus = 'unfiled'`, runID, runID)
	if err != nil {
		return fmt.Errorf("findings: %w", err)
	}
	return tx.Commit()
}
