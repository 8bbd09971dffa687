-- medrecon ledger, schema version 8: a claim's life (SPEC 2.6, 2.7, 3.7).
--
-- decisions, payments and recoveries hold one row per event, each with the
-- run that recorded it; nothing is updated in place. A decision and a
-- payment also change the claim's state through a new current assessment
-- row (statuses paid and payment_failed join approved, rejected, review and
-- pending). A recovery (追回) is open while it has an 'opened' row and no
-- 'settled' one for the same subject and claim. src_file and src_row say
-- which input row a decision or payment came from, as for claims.
--
-- claims gains the payee's bank (SPEC 2.2); the account is kept in full here
-- and masked everywhere but the payouts export. Runs before this version
-- stored no bank: their rows hold NULL, read back as "".

ALTER TABLE claims ADD COLUMN bank_name VARCHAR;
ALTER TABLE claims ADD COLUMN bank_account VARCHAR;

CREATE TABLE decisions (
    run_id     VARCHAR NOT NULL,
    claim_id   VARCHAR NOT NULL,
    decision   VARCHAR NOT NULL,
    amount     DECIMAL(18,2),
    reason     VARCHAR,
    reviewer   VARCHAR,
    decided_on DATE NOT NULL,
    src_file   VARCHAR,
    src_row    INTEGER
);

CREATE TABLE payments (
    run_id   VARCHAR NOT NULL,
    claim_id VARCHAR NOT NULL,
    amount   DECIMAL(18,2) NOT NULL,
    paid_on  DATE NOT NULL,
    bank_ref VARCHAR NOT NULL,
    result   VARCHAR NOT NULL,
    reason   VARCHAR,
    src_file VARCHAR,
    src_row  INTEGER
);

CREATE TABLE recoveries (
    run_id       VARCHAR NOT NULL,
    subject_kind VARCHAR NOT NULL,
    subject_id   VARCHAR NOT NULL,
    claim_id     VARCHAR NOT NULL,
    amount       DECIMAL(18,2) NOT NULL,
    reason       VARCHAR,
    event        VARCHAR NOT NULL
);
