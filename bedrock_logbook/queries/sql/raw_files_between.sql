-- purpose: The current snapshot's data files (logbook_files()) that may hold a row with since <= ts < until: a file list for raw_invocations_of that skips the other files unopened.
-- grain: one list of file paths, a subset of logbook_files() in its order
-- layer: raw
-- kind: macro
-- depends:
-- A file is kept unless its manifest says all its rows are older than `since` or none is
-- older than `until` (logbook_files_newest_ts() / logbook_files_oldest_ts(), from the Iceberg
-- column bounds; a file without bounds is kept). A NULL `since` keeps no file (no range); a
-- NULL `until` bounds nothing. Why: a ts filter alone still opens every file of the
-- snapshot to read its row-group statistics (365 footers, ~0.4 s cold for a year of daily
-- files); bound parameters are constants, so the list is one too, and read_parquet gets
-- only the files it needs. Callers still filter ts: this only drops files with no row to keep.
CREATE OR REPLACE MACRO raw_files_between(since, until) AS
list_filter(
    logbook_files(),
    lambda f, i: since IS NOT NULL
        AND coalesce(logbook_files_newest_ts()[i] >= epoch_us(CAST(since AS TIMESTAMPTZ)), true)
        AND (until IS NULL
            OR coalesce(logbook_files_oldest_ts()[i] < epoch_us(CAST(until AS TIMESTAMPTZ)), true))
);
