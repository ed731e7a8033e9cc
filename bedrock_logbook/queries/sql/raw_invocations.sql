-- purpose: Every invocation in the lake table's current snapshot, typed, with its UTC date.
-- grain: one row per invocation (request_id is unique: kept once when writers raced)
-- layer: raw
-- depends: raw_invocations_of
-- The columns, types, dedupe rule and date are raw_invocations_of's; the files are the
-- current snapshot's, planned with pyiceberg (queries/connection.py: logbook_files()).
CREATE OR REPLACE VIEW raw_invocations AS
SELECT * FROM raw_invocations_of(logbook_files());
