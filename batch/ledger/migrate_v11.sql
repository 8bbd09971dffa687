-- medrecon ledger, schema version 11: row keys (see keys.go).
--
-- A lookup by setl_id, claim_id, subject_id or certno read the whole key
-- column of its table: DuckDB keeps no clustered key, and the min/max of a
-- VARCHAR in a row group holds a short prefix only, which prunes nothing.
-- row_keys holds, per row of the four keyed tables and keyed column, the
-- DuckDB hash of the key, which column it is (kind, see keyedColumns) and
-- the row's rowid. Each run appends its own keys sorted by hash, in its
-- transaction; here the keys of every row already in the ledger are written
-- sorted by hash, so the min/max of key_hash prunes every row group but the
-- one or two whose range holds the hash looked up.
--
-- Derived data: not digested, not part of SPEC 4.2's contract; every read
-- checks the key on the row it finds.

CREATE TABLE row_keys (
    key_hash UBIGINT NOT NULL,
    kind     TINYINT NOT NULL,
    row_id   BIGINT NOT NULL
);

-- The keys are sorted whole, by hash, in four slices of the hash range (its
-- top two bits: keys.go's keysBackfill repeats the statement below with
-- SLICE 0 to 3), so that the sort of each slice stays within a few hundred
-- MB on the 10M ledger (one sort of every key took 2.5 GB, one sort per
-- column left seven sorted runs to look in). Each slice reads the key
-- columns again.
INSERT INTO row_keys
SELECT key_hash, kind, row_id FROM (
    SELECT hash(setl_id) AS key_hash, 1 AS kind, rowid AS row_id FROM settlements
    UNION ALL SELECT hash(certno), 2, rowid FROM settlements
    UNION ALL SELECT hash(claim_id), 3, rowid FROM claims
    UNION ALL SELECT hash(certno), 4, rowid FROM claims
    UNION ALL SELECT hash(subject_id), 5, rowid FROM assessments
    UNION ALL SELECT hash(certno), 6, rowid FROM assessments
    UNION ALL SELECT hash(subject_id), 7, rowid FROM findings)
WHERE key_hash >> 62 = SLICE
ORDER BY key_hash, kind, row_id;
