-- medrecon ledger, schema version 3: assessments keep the serious-illness
-- base each visit added (eligible_base).
--
-- SPEC 3.2 adds eligible = in-scope − basic to a person's serious-illness
-- base; a visit that pays nothing (CHRONIC_NOT_FILED, NON_DESIGNATED) adds
-- nothing. The history used to work the base back out as inscope − basic_pay
-- and so took 1600.00 off the base when such a visit was refunded. Now the
-- history sums what each current assessment says it counted, so the base is
-- stored with the other counted amounts.
--
-- Rows written before this version get the base their visit added: nothing
-- where the visit paid nothing (ratio 0 is how a paid-nothing visit was
-- written), else in-scope − basic, never below zero.

ALTER TABLE assessments ADD COLUMN eligible_base DECIMAL(18,2);
UPDATE assessments
SET eligible_base = CASE WHEN ratio = 0 THEN 0 ELSE greatest(inscope - basic_pay, 0) END;
