-- purpose: The raw table's planned data files, or none when the given derived-table test holds: what a live fallback passes to raw_invocations_of.
-- grain: a constant list of file paths, given a constant boolean
-- layer: raw
-- kind: macro
-- depends:
-- raw_files_unless(logbook_rollup_daily_current()) is [] while rollup_daily reflects the raw
-- snapshot read, else logbook_files(): both arguments are constants planned with the lake, so
-- the list folds before binding and a fallback branch that is not read binds no raw file
-- (raw_invocations_of's comment says why that matters).
CREATE OR REPLACE MACRO raw_files_unless(is_current) AS
    CASE WHEN is_current THEN CAST([] AS VARCHAR[]) ELSE logbook_files() END;
