-- medrecon ledger, schema version 7: a digest per subject (SPEC 4.4).
--
-- run_subject_digests keeps, for each run and digested table, a short
-- digest (the first 8 bytes of SHA-256, as a BIGINT) of each subject's
-- rows: a settlement's setl_id, a claim's claim_id, an assessment's or a
-- finding's subject_kind and subject_id, and so on (digest.go). When a
-- run's rows no longer give its content digest, verify compares them and
-- names the subject that changed, appeared or went missing. Derived from
-- the rows, like run_digests, and left out of the digest.
--
-- runs.subjects_digested says a run has them. Runs committed before this
-- version get theirs once, in the transaction of the first run after the
-- upgrade, if their rows still give the content digest they recorded (a
-- run whose rows changed before then keeps none: verify names its table).

CREATE TABLE run_subject_digests (
    run_id     VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    subject    VARCHAR NOT NULL,
    digest     BIGINT NOT NULL
);

ALTER TABLE runs ADD COLUMN subjects_digested BOOLEAN;
