-- spc_disclosure: for each SPC series, how many of its months disclosure control hides, and whether the published report withholds the series' readings.
--
-- One row per series of spc_monthly. hidden_months counts its months whose numerator or
-- denominator is a count of people from 1 to disclosure_threshold - 1 (params): the report
-- prints such a month as *. Zero is not hidden. withheld is true when any month is hidden: the
-- series' mean, limits, variation and assurance, read with its other months, would give the
-- hidden counts away, so the report prints none of them (METRICS.md, disclosure control).
-- Ad-hoc SQL still shows every value.
WITH months AS (
    SELECT
        m.metric,
        m.organisation_code,
        CASE WHEN (m.denominator >= 1 AND m.denominator < p.disclosure_threshold)
                  OR (m.numerator >= 1 AND m.numerator < p.disclosure_threshold)
             THEN 1 ELSE 0 END AS hidden
    FROM spc_monthly m
    CROSS JOIN params p
)
SELECT
    metric,
    organisation_code,
    SUM(hidden) AS hidden_months,
    SUM(hidden) > 0 AS withheld
FROM months
GROUP BY metric, organisation_code
