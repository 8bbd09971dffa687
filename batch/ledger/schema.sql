-- medrecon ledger, schema version 1 (SPEC 4.2). Column names are a contract:
-- auditors query them directly. Money is DECIMAL(18,2), ratios DECIMAL(9,4),
-- visit dates DATE, run ids VARCHAR.
--
-- Run order: run ids sort in creation order within one as-of date
-- ("R20260410-001" < "R20260410-002"), but a back-dated run (as-of
-- 2026-04-09 started after R20260410-001) would sort first by id. "Latest"
-- therefore always means the greatest (started_at, run_id), as the run_order
-- view numbers them; rows of one run are told apart by insertion (rowid).
--
-- Indexes: DuckDB joins by hashing and prunes scans with per-block min/max, so
-- ART indexes would only slow the appender and grow the file. Version 1 kept
-- one key, runs.run_id; version 2 (migrate_v2.sql) drops it.

CREATE TABLE meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE runs (
    run_id        VARCHAR PRIMARY KEY,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    as_of         DATE NOT NULL,
    status        VARCHAR NOT NULL,
    version       VARCHAR,
    policy_sha256 VARCHAR
);

CREATE VIEW run_order AS
SELECT run_id, row_number() OVER (ORDER BY started_at, run_id) AS ord
FROM runs;

CREATE TABLE input_files (
    run_id   VARCHAR NOT NULL,
    path     VARCHAR NOT NULL,
    kind     VARCHAR NOT NULL,
    sha256   VARCHAR NOT NULL,
    rows     INTEGER NOT NULL,
    rejected INTEGER NOT NULL
);

-- SPEC 2.1; one row per setl_id (a conflicting second version is not stored).
CREATE TABLE settlements (
    setl_id         VARCHAR NOT NULL,
    mdtrt_id        VARCHAR,
    psn_no          VARCHAR,
    psn_name        VARCHAR,
    certno          VARCHAR NOT NULL,
    insutype        VARCHAR,
    psn_type        VARCHAR,
    insuplc_admdvs  VARCHAR,
    mdtrtarea_admvs VARCHAR,
    fixmedins_code  VARCHAR,
    fixmedins_name  VARCHAR,
    hosp_lv         INTEGER,
    med_type        VARCHAR,
    begndate        DATE,
    enddate         DATE,
    setl_time       TIMESTAMP,
    medfee_sumamt   DECIMAL(18,2),
    inscp_scp_amt   DECIMAL(18,2),
    act_pay_dedc    DECIMAL(18,2),
    hifp_pay        DECIMAL(18,2),
    hifmi_pay       DECIMAL(18,2),
    fund_pay_sumamt DECIMAL(18,2),
    acct_pay        DECIMAL(18,2),
    psn_cash_pay    DECIMAL(18,2),
    refd_setl_flag  BOOLEAN NOT NULL,
    init_setl_id    VARCHAR,
    run_id          VARCHAR NOT NULL,
    src_file        VARCHAR,
    src_row         INTEGER
);

-- SPEC 2.2, one row per invoice. A new version of a pending claim adds its
-- rows under a later run; the rows of the latest run holding the claim_id are
-- the claim.
CREATE TABLE claims (
    claim_id           VARCHAR NOT NULL,
    certno             VARCHAR NOT NULL,
    psn_name           VARCHAR,
    insutype           VARCHAR,
    psn_type           VARCHAR,
    insuplc_admdvs     VARCHAR,
    mdtrtarea_admvs    VARCHAR,
    fixmedins_code     VARCHAR,
    fixmedins_name     VARCHAR,
    hosp_lv            INTEGER,
    designated         BOOLEAN NOT NULL,
    med_type           VARCHAR,
    emergency          BOOLEAN NOT NULL,
    begndate           DATE,
    enddate            DATE,
    bill_code          VARCHAR,
    bill_no            VARCHAR,
    medfee_sumamt      DECIMAL(18,2),
    inscp_scp_amt      DECIMAL(18,2),
    dcla_date          DATE,
    materials_complete BOOLEAN NOT NULL,
    run_id             VARCHAR NOT NULL,
    src_file           VARCHAR,
    src_row            INTEGER
);

-- SPEC 2.3; one row per filing_id, the latest version (upserted).
CREATE TABLE filings (
    filing_id       VARCHAR NOT NULL,
    certno          VARCHAR NOT NULL,
    filing_kind     VARCHAR NOT NULL,
    mdtrtarea_admvs VARCHAR,
    begndate        DATE,
    enddate         DATE,
    filed_date      DATE,
    status          VARCHAR NOT NULL,
    cancel_date     DATE,
    dise_code       VARCHAR,
    run_id          VARCHAR NOT NULL
);

-- SPEC 2.4.
CREATE TABLE statements (
    fixmedins_code     VARCHAR NOT NULL,
    stmt_begndate      DATE NOT NULL,
    stmt_enddate       DATE NOT NULL,
    insutype           VARCHAR,
    clr_type           VARCHAR,
    fixmedins_setl_cnt BIGINT,
    medfee_sumamt      DECIMAL(18,2),
    fund_pay_sumamt    DECIMAL(18,2),
    acct_pay           DECIMAL(18,2),
    run_id             VARCHAR NOT NULL
);

-- Append-only: the row of a subject's latest run is its current assessment;
-- earlier rows stay so that any past run's report regenerates unchanged.
CREATE TABLE assessments (
    run_id        VARCHAR NOT NULL,
    subject_kind  VARCHAR NOT NULL,
    subject_id    VARCHAR NOT NULL,
    certno        VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    filing_status VARCHAR,
    inscope       DECIMAL(18,2),
    deductible    DECIMAL(18,2),
    ratio         DECIMAL(9,4),
    basic_pay     DECIMAL(18,2),
    serious_pay   DECIMAL(18,2),
    payable       DECIMAL(18,2),
    reported_pay  DECIMAL(18,2),
    discrepancy   DECIMAL(18,2),
    status        VARCHAR NOT NULL,
    deadline      DATE,
    trace         VARCHAR
);

CREATE TABLE findings (
    run_id       VARCHAR NOT NULL,
    subject_kind VARCHAR NOT NULL,
    subject_id   VARCHAR NOT NULL,
    code         VARCHAR NOT NULL,
    severity     VARCHAR NOT NULL,
    detail       VARCHAR
);

CREATE TABLE rejects (
    run_id VARCHAR NOT NULL,
    file   VARCHAR NOT NULL,
    sheet  VARCHAR,
    "row"  INTEGER,
    col    VARCHAR,
    value  VARCHAR,
    reason VARCHAR
);

-- Per-person running totals (SPEC 3.2 "already paid this year"), replaced
-- per (certno, year, med_cat) by each run so that no run rescans history.
CREATE TABLE year_totals (
    certno           VARCHAR NOT NULL,
    year             INTEGER NOT NULL,
    med_cat          VARCHAR NOT NULL,
    deductible_borne DECIMAL(18,2) NOT NULL,
    basic_paid       DECIMAL(18,2) NOT NULL,
    eligible_base    DECIMAL(18,2) NOT NULL,
    serious_paid     DECIMAL(18,2) NOT NULL,
    visits           INTEGER NOT NULL
);

-- Single-use temporary filings (SPEC 3.1): which visit used the filing.
CREATE TABLE filing_uses (
    filing_id    VARCHAR NOT NULL,
    subject_kind VARCHAR NOT NULL,
    subject_id   VARCHAR NOT NULL,
    begndate     DATE,
    run_id       VARCHAR NOT NULL
);
