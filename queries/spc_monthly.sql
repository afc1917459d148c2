-- spc_monthly: the statistical process control (SPC) points behind the Making Data Count charts, monthly over 36 months.
--
-- Series are spc_points (training and supervision, footprint and per organisation, 36 month
-- ends); a series keeps its months with a denominator and appears only with at least 12 of them.
-- XmR chart as NHSRplotthedots computes it:
-- mean of the values; moving ranges |v(i) - v(i-1)|, their average AMR, recomputed without moving
-- ranges >= 3.267 * AMR; limits mean -/+ 2.66 * AMR; near a limit beyond two thirds of that.
-- special_cause, the first that applies: outside a limit; a trend of 7+ points each strictly
-- higher / lower (a point between two trends takes the later one's); two of three consecutive
-- points on one side of the mean near a limit (the point itself near); a run of 7+ points on one
-- side of the mean (a point on the mean breaks it); else common_cause. Higher is better.
WITH series AS (
    SELECT *,
           100.0 * numerator / denominator AS value,
           COUNT(*) OVER w_all AS points_in_series
    FROM spc_points
    WHERE denominator > 0
    WINDOW w_all AS (PARTITION BY metric, organisation_code)
),
ranges AS (
    SELECT *,
           AVG(value) OVER w_all AS mean,
           ABS(value - LAG(value) OVER w_ord) AS moving_range,
           CASE
               WHEN value > LAG(value) OVER w_ord THEN 1
               WHEN value < LAG(value) OVER w_ord THEN -1
               WHEN value = LAG(value) OVER w_ord THEN 0
           END AS step
    FROM series
    WHERE points_in_series >= 12
    WINDOW w_all AS (PARTITION BY metric, organisation_code),
           w_ord AS (PARTITION BY metric, organisation_code ORDER BY month_end)
),
screened AS (
    SELECT *, AVG(moving_range) OVER (PARTITION BY metric, organisation_code) AS amr_all
    FROM ranges
),
limits AS (
    SELECT *,
           COALESCE(AVG(CASE WHEN moving_range < 3.267 * amr_all THEN moving_range END)
                    OVER (PARTITION BY metric, organisation_code), 0.0) AS amr
    FROM screened
),
flagged AS (
    SELECT *,
           mean - 2.66 * amr AS lower_limit,
           mean + 2.66 * amr AS upper_limit,
           CASE WHEN value > mean THEN 1 WHEN value < mean THEN -1 ELSE 0 END AS side,
           value <= mean + 2.66 * amr AND value > mean + (2.0 / 3.0) * 2.66 * amr AS near_high,
           value >= mean - 2.66 * amr AND value < mean - (2.0 / 3.0) * 2.66 * amr AS near_low,
           -- islands of equal steps (for trends) and of equal sides (for runs)
           SUM(CASE WHEN step IS NOT DISTINCT FROM prev_step THEN 0 ELSE 1 END)
               OVER (PARTITION BY metric, organisation_code ORDER BY month_end ROWS UNBOUNDED PRECEDING) AS step_island,
           SUM(CASE WHEN (CASE WHEN value > mean THEN 1 WHEN value < mean THEN -1 ELSE 0 END) = prev_side THEN 0 ELSE 1 END)
               OVER (PARTITION BY metric, organisation_code ORDER BY month_end ROWS UNBOUNDED PRECEDING) AS side_island
    FROM (
        SELECT *,
               LAG(step) OVER (PARTITION BY metric, organisation_code ORDER BY month_end) AS prev_step,
               LAG(CASE WHEN value > mean THEN 1 WHEN value < mean THEN -1 ELSE 0 END)
                   OVER (PARTITION BY metric, organisation_code ORDER BY month_end) AS prev_side
        FROM limits
    ) l
),
islands AS (
    SELECT *,
           -- a trend of 7 points is 6 consecutive steps the same way
           CASE WHEN step <> 0 AND COUNT(*) OVER (PARTITION BY metric, organisation_code, step_island) >= 6
                THEN step END AS trend_step,
           CASE WHEN side <> 0 AND COUNT(*) OVER (PARTITION BY metric, organisation_code, side_island) >= 7
                THEN side END AS run_side
    FROM flagged
),
neighbours AS (
    SELECT *,
           -- the step into the next point belongs to the later trend, so it wins
           COALESCE(LEAD(trend_step) OVER w, trend_step) AS trend,
           LAG(side, 2) OVER w AS side_m2, LAG(side, 1) OVER w AS side_m1,
           LEAD(side, 1) OVER w AS side_p1, LEAD(side, 2) OVER w AS side_p2,
           LAG(near_high, 2) OVER w AS high_m2, LAG(near_high, 1) OVER w AS high_m1,
           LEAD(near_high, 1) OVER w AS high_p1, LEAD(near_high, 2) OVER w AS high_p2,
           LAG(near_low, 2) OVER w AS low_m2, LAG(near_low, 1) OVER w AS low_m1,
           LEAD(near_low, 1) OVER w AS low_p1, LEAD(near_low, 2) OVER w AS low_p2
    FROM islands
    WINDOW w AS (PARTITION BY metric, organisation_code ORDER BY month_end)
),
causes AS (
    SELECT *,
           CASE
               WHEN value > upper_limit THEN 'above_upper_limit'
               WHEN value < lower_limit THEN 'below_lower_limit'
               WHEN trend = 1 THEN 'trend_increasing'
               WHEN trend = -1 THEN 'trend_decreasing'
               WHEN near_high AND (
                       (side_m2 = 1 AND side_m1 = 1 AND side = 1 AND (high_m2 OR high_m1))
                    OR (side_m1 = 1 AND side = 1 AND side_p1 = 1 AND (high_m1 OR high_p1))
                    OR (side = 1 AND side_p1 = 1 AND side_p2 = 1 AND (high_p1 OR high_p2)))
                   THEN 'two_of_three_above'
               WHEN near_low AND (
                       (side_m2 = -1 AND side_m1 = -1 AND side = -1 AND (low_m2 OR low_m1))
                    OR (side_m1 = -1 AND side = -1 AND side_p1 = -1 AND (low_m1 OR low_p1))
                    OR (side = -1 AND side_p1 = -1 AND side_p2 = -1 AND (low_p1 OR low_p2)))
                   THEN 'two_of_three_below'
               WHEN run_side = 1 THEN 'run_above'
               WHEN run_side = -1 THEN 'run_below'
               ELSE 'common_cause'
           END AS special_cause
    FROM neighbours
)
SELECT
    metric,
    organisation_code,
    month_end,
    numerator,
    denominator,
    value,
    mean,
    lower_limit,
    upper_limit,
    special_cause,
    CASE
        WHEN special_cause IN ('above_upper_limit', 'trend_increasing', 'two_of_three_above', 'run_above')
            THEN 'special_cause_improvement'
        WHEN special_cause IN ('below_lower_limit', 'trend_decreasing', 'two_of_three_below', 'run_below')
            THEN 'special_cause_concern'
        ELSE 'common_cause'
    END AS point_type
FROM causes
