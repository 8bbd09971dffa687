-- medrecon ledger, schema version 12: the rows of each run (see keys.go).
--
-- explain reads a subject's rows by rowid (row_keys), and DuckDB 1.4.1
-- prunes no row group by a rowid filter, only by a real column's min/max:
-- so it also filters on the rows' run_id. It took one more query per key
-- to learn those runs, a scan of the run_id column of every row group of
-- three tables (5-6 ms on the 10M ledger, twice per explain). Every run
-- appends its rows of a keyed table in one piece, so the first and the
-- last rowid of each run's rows in each keyed table say the run of any
-- rowid.
--
-- Derived data like row_keys: not digested, written in the run's own
-- transaction, checked by verify (CheckKeys). A reader that finds a rowid
-- in no range, or in more than one, reads the runs from the rows instead.

CREATE TABLE run_rows (
    run_id     VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    first_row  BIGINT NOT NULL,
    last_row   BIGINT NOT NULL
);

INSERT INTO run_rows
SELECT * FROM (
    SELECT run_id, 'settlements' AS table_name, min(rowid) AS first_row, max(rowid) AS last_row FROM settlements GROUP BY run_id
    UNION ALL SELECT run_id, 'claims', min(rowid), max(rowid) FROM claims GROUP BY run_id
    UNION ALL SELECT run_id, 'assessments', min(rowid), max(rowid) FROM assessments GROUP BY run_id
    UNION ALL SELECT run_id, 'findings', min(rowid), max(rowid) FROM findings GROUP BY run_id)
ORDER BY table_name, first_row;
