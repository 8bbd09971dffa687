-- medrecon ledger, schema version 4: findings carry the money they are
-- about (amount) and the institution of their subject (fixmedins_code), so
-- that auditors and finance can total what to recover from each hospital
-- without reading it out of the detail text. What each code's amount means
-- is documented on record.Finding.
--
-- Rows written before this version get the institution of their subject,
-- and AMOUNT_MISMATCH its discrepancy from the assessment the same run
-- wrote; other codes' amounts stay empty.

ALTER TABLE findings ADD COLUMN amount DECIMAL(18,2);
ALTER TABLE findings ADD COLUMN fixmedins_code VARCHAR;
UPDATE findings f SET fixmedins_code = f.subject_id WHERE f.subject_kind = 'statement';
UPDATE findings f SET fixmedins_code = s.fixmedins_code
FROM (SELECT setl_id, any_value(fixmedins_code) AS fixmedins_code FROM settlements GROUP BY setl_id) s
WHERE f.subject_kind = 'settlement' AND s.setl_id = f.subject_id;
UPDATE findings f SET fixmedins_code = c.fixmedins_code
FROM (SELECT claim_id, arg_max(fixmedins_code, rowid) AS fixmedins_code FROM claims GROUP BY claim_id) c
WHERE f.subject_kind = 'claim' AND c.claim_id = f.subject_id;
UPDATE findings f SET amount = a.discrepancy
FROM (SELECT run_id, subject_id, any_value(discrepancy) AS discrepancy FROM assessments
	WHERE subject_kind = 'settlement' AND status = 'mismatch' GROUP BY run_id, subject_id) a
WHERE f.code = 'AMOUNT_MISMATCH' AND a.run_id = f.run_id AND a.subject_id = f.subject_id;
