-- The AWS accounts in the lake (the sidebar's account filter; whole lake, unfiltered).
SELECT coalesce(list_sort(list(DISTINCT account_id) FILTER (WHERE account_id IS NOT NULL)),
                []::VARCHAR[]) AS accounts
FROM raw_invocations
