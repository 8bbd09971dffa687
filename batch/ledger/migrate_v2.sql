-- medrecon ledger, schema version 2: runs without its PRIMARY KEY.
--
-- Each night adds one row to runs and a few to input_files, and DuckDB gives
-- every night's append its own row group. Tables that small are rewritten
-- whole by every commit so that they stay one row group (see compactSmall in
-- commit.go); without that, a night that read run_order read one storage
-- block per earlier night. DuckDB keeps the rows a rewrite deletes for as
-- long as a table has an index, so the key on run_id had to go. A duplicate
-- run id is still refused: the commit checks for it before it writes the row.

CREATE TABLE runs_v2 (
    run_id        VARCHAR NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    as_of         DATE NOT NULL,
    status        VARCHAR NOT NULL,
    version       VARCHAR,
    policy_sha256 VARCHAR
);
INSERT INTO runs_v2 SELECT * FROM runs ORDER BY rowid;
DROP VIEW run_order;
DROP TABLE runs;
ALTER TABLE runs_v2 RENAME TO runs;
CREATE VIEW run_order AS
SELECT run_id, row_number() OVER (ORDER BY started_at, run_id) AS ord
FROM runs;
