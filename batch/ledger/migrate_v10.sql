-- medrecon ledger, schema version 10: the digest version of each run.
--
-- A run's digest used to be computed at commit by reading the run's rows
-- back from the ledger, sorted by value (digest version 1). From this
-- version on a run is digested as its rows are appended, from the values
-- the run hands DuckDB: each row is hashed alone and a table's digest is
-- SHA-256 of its rows' hashes in sorted order (digest version 2, documented
-- in digest.go), so that the commit never reads its own night back.
--
-- runs.digest_version says which construction gave a run's content_sha256,
-- and verify recomputes each run with its own. Runs digested before this
-- version keep their digests: NULL here means version 1. The column is not
-- itself digested (the runs row's digested columns are listed in code), so
-- that no chained run's digest changes.

ALTER TABLE runs ADD COLUMN digest_version INTEGER;
