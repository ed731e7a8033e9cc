-- Freshness per account x source region (whole lake, unfiltered): newest record, requests,
-- and hours from it to the lake's newest record and to now.
SELECT
    coalesce(account_id, '(none)') AS account_id,
    coalesce(region, '(none)') AS region,
    count(*) AS requests,
    max(ts) AS newest_record,
    (epoch(max(max(ts)) OVER ()) - epoch(max(ts))) / 3600.0 AS hours_behind_newest,
    (epoch(current_timestamp) - epoch(max(ts))) / 3600.0 AS newest_ts_age_hours
FROM raw_invocations
GROUP BY ALL
ORDER BY hours_behind_newest DESC, account_id, region
