-- spc_summary: the Making Data Count variation and assurance reading of each SPC series.
--
-- One row per series of spc_monthly: its number of points, its latest month and value, mean and
-- process limits, the target (the green threshold, 90 % by default), variation = the point_type
-- of the latest point, and assurance: consistent_fail when the target is above the upper limit
-- (the process will not meet it without change), consistent_pass when it is below the lower
-- limit, otherwise inconsistent.
WITH ranked AS (
    SELECT *,
           COUNT(*) OVER (PARTITION BY metric, organisation_code) AS points,
           ROW_NUMBER() OVER (PARTITION BY metric, organisation_code ORDER BY month_end DESC) AS recency
    FROM spc_monthly
)
SELECT
    r.metric,
    r.organisation_code,
    r.points,
    r.month_end AS latest_month,
    r.value AS latest_value,
    r.mean,
    r.lower_limit,
    r.upper_limit,
    p.spc_target AS target,
    r.point_type AS variation,
    CASE
        WHEN p.spc_target > r.upper_limit THEN 'consistent_fail'
        WHEN p.spc_target < r.lower_limit THEN 'consistent_pass'
        ELSE 'inconsistent'
    END AS assurance
FROM ranked r
CROSS JOIN params p
WHERE r.recency = 1
