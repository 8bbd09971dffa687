-- medrecon ledger, schema version 5: a run records the files it was given
-- that an earlier run had already imported (input_files.already_imported,
-- the run that imported the same bytes first) and how many settlements and
-- claims it ignored as identical re-sends (runs.ignored), so that its report
-- shows every file it was handed and its row counts add up (SPEC 4.3).
-- Earlier runs recorded neither: their already_imported rows do not exist
-- and their ignored count is unknown (NULL).

ALTER TABLE runs ADD COLUMN ignored INTEGER;
ALTER TABLE input_files ADD COLUMN already_imported VARCHAR;
