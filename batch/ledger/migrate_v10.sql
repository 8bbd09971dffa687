-- medrecon ledger, schema version 10: row keys (see keys.go).
--
-- A lookup by setl_id, claim_id, subject_id or certno read the whole key
-- column of its table: DuckDB keeps no clustered key, and the min/max of a
-- VARCHAR in a row group holds a short prefix only, which prunes nothing.
-- row_keys holds, per row of the four keyed tables and keyed column, the
-- DuckDB hash of the key, which column it is (kind, see keyedColumns) and
-- the row's rowid. Each run appends its own keys sorted by hash, in its
-- transaction; here the keys of every row already in the ledger are written
-- sorted by hash, so the min/max of key_hash prunes every row group but the
-- few whose range holds the hash looked up.
--
-- Derived data: not digested, not part of SPEC 4.2's contract; every read
-- checks the key on the row it finds.

CREATE TABLE row_keys (
    key_hash UBIGINT NOT NULL,
    kind     TINYINT NOT NULL,
    row_id   BIGINT NOT NULL
);

-- One statement per keyed column, each sorted by hash: the sort of the
-- largest (findings) stays within a few hundred MB, where one sort of every
-- key took 2.5 GB on the 10M ledger; a lookup then reads one row group per
-- column's run of rows instead of one in all, a millisecond.
INSERT INTO row_keys SELECT hash(setl_id), 1, rowid FROM settlements ORDER BY 1, 3;
INSERT INTO row_keys SELECT hash(certno), 2, rowid FROM settlements ORDER BY 1, 3;
INSERT INTO row_keys SELECT hash(claim_id), 3, rowid FROM claims ORDER BY 1, 3;
INSERT INTO row_keys SELECT hash(certno), 4, rowid FROM claims ORDER BY 1, 3;
INSERT INTO row_keys SELECT hash(subject_id), 5, rowid FROM assessments ORDER BY 1, 3;
INSERT INTO row_keys SELECT hash(certno), 6, rowid FROM assessments ORDER BY 1, 3;
INSERT INTO row_keys SELECT hash(subject_id), 7, rowid FROM findings ORDER BY 1, 3;
