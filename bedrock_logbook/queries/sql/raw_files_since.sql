-- purpose: The current snapshot's data files (logbook_files()) that may hold a row at or after a time: a file list for raw_invocations_of that skips older files unopened.
-- grain: one list of file paths, a subset of logbook_files() in its order
-- layer: raw
-- kind: macro
-- depends:
-- A file is kept unless its manifest says its newest ts is older than `since`
-- (logbook_files_newest_ts(), from the Iceberg column bounds; a file without a bound is
-- kept). A NULL `since` keeps no file. Why: a ts filter alone still opens every file of the
-- snapshot to read its row-group statistics (365 footers, ~0.4 s cold for a year of daily
-- files); `since` is a constant when bound, so the list is too, and read_parquet gets only
-- the files it needs. Callers still filter ts: this only drops files with no row to keep.
CREATE OR REPLACE MACRO raw_files_since(since) AS
list_filter(
    logbook_files(),
    lambda f, i: since IS NOT NULL
        AND coalesce(logbook_files_newest_ts()[i] >= epoch_us(CAST(since AS TIMESTAMPTZ)), true)
);
