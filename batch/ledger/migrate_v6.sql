-- medrecon ledger, schema version 6: the runs' hash chain (SPEC 4.4).
--
-- runs.content_sha256 is a digest of the rows a run committed, in a fixed
-- order and encoding (documented in digest.go); runs.chain_sha256 is
-- SHA-256(previous run's chain ‖ content). A run's PDF prints its chain, so a
-- signed paper copy fixes the ledger as it was; medrecon verify recomputes
-- them. run_digests keeps each run's per-table digests, so that verify can
-- name the table whose rows changed; like year_totals it is derived from the
-- rows and left out of the digest.
--
-- Runs committed before this version get their digests and chain once, in
-- the transaction of the first run that opens the ledger after the upgrade.

ALTER TABLE runs ADD COLUMN content_sha256 VARCHAR;
ALTER TABLE runs ADD COLUMN chain_sha256 VARCHAR;
CREATE TABLE run_digests (
    run_id     VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    rows       BIGINT NOT NULL,
    sha256     VARCHAR NOT NULL
);
