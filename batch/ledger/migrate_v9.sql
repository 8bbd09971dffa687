-- medrecon ledger, schema version 9: each run's payment_days per region.
--
-- The worklist (`medrecon deadlines`, SPEC 3.7) lists approved claims unpaid
-- more than payment_days after approval, a column of the policy's regions
-- table. Runs kept only the policy's SHA-256, so a worklist could not know
-- a region's days from the ledger alone. Every run from this version on
-- writes its policy's payment_days per insured region (one row each, a few
-- a night); the worklist as of a date uses those of the latest run as of
-- that date. Runs before it wrote none: the worklist then counts the
-- default 30 days, and says so.

CREATE TABLE run_payment_days (
    run_id       VARCHAR NOT NULL,
    region       VARCHAR NOT NULL,
    payment_days INTEGER NOT NULL
);
