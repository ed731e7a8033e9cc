-- The AWS accounts in the lake (the sidebar's account filter; whole lake, unfiltered), from
-- the daily rollup (account_id is in its grain).
SELECT coalesce(list_sort(list(DISTINCT account_id) FILTER (WHERE account_id IS NOT NULL)),
                []::VARCHAR[]) AS accounts
FROM rollup_daily_live
