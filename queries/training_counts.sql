-- training_counts: staff in post and staff with valid safeguarding children training at every period end, by organisation, professional group and required level.
--
-- What training_compliance and the SPC series count, by the rules of training_status: one row
-- per period end P (quarter and month ends), organisation, professional group and required level
-- with anyone in post. Counted without listing every post holder at every period end: a post
-- holder is in post at P when start_date <= P < the day after end_date, and compliant when
-- compliant_from <= P < compliant_until for one of their training_spells. Period ends are month
-- ends, so day <= P exactly when the month end of day <= P: the spans are counted per pair of
-- month ends first (far fewer rows than post holders), and those pairs matched to the period
-- ends.
WITH spans AS (
    SELECT organisation_code, professional_group, required_level,
           start_date AS from_day, end_date + INTERVAL '1 day' AS until_day,
           1 AS in_post, 0 AS compliant
    FROM staff
    UNION ALL
    SELECT organisation_code, professional_group, required_level,
           compliant_from, compliant_until,
           0, 1
    FROM training_spells
),
span AS (
    SELECT MIN(period_end) AS first_end, MAX(period_end) AS last_end FROM period_ends
),
monthly AS (
    -- Spans wholly before the first period end all fall together (from = until = first end) and,
    -- like spans starting after the last, match no period end below.
    SELECT
        x.organisation_code,
        x.professional_group,
        x.required_level,
        GREATEST(month_end(x.from_day), s.first_end)
            AS from_month,
        -- null: still open after the last period end (or in post with no end date)
        CASE WHEN x.until_day <= s.last_end
             THEN GREATEST(month_end(x.until_day), s.first_end)
        END AS until_month,
        SUM(x.in_post) AS in_post,
        SUM(x.compliant) AS compliant
    FROM span s
    CROSS JOIN spans x
    GROUP BY 1, 2, 3, 4, 5
)
SELECT
    e.period_end,
    m.organisation_code,
    m.professional_group,
    m.required_level,
    SUM(m.in_post) AS staff_in_post,
    SUM(m.compliant) AS staff_compliant
FROM period_ends e
JOIN monthly m
  ON m.from_month <= e.period_end
 AND (m.until_month IS NULL OR e.period_end < m.until_month)
GROUP BY e.period_end, m.organisation_code, m.professional_group, m.required_level
HAVING SUM(m.in_post) > 0
