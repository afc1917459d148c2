-- training_status: every post holder in post at each period end, and whether their safeguarding children training is valid then.
--
-- The one place the training rule is written (quality metric 11.b); training_compliance and the
-- SPC series count from it. A post holder is in post at P when start_date <= P and end_date is
-- blank or on/after P. They are compliant at P when they hold a record at or above their
-- required level, completed on or before P and less than the validity period (36 months by
-- default) before P: P < completed_on + 36 months, in calendar months clamped to month end (a
-- course on 29 February 2020 expires on 28 February 2023).
WITH in_post AS (
    SELECT e.period_end, s.staff_id, s.organisation_code, s.professional_group, s.required_level
    FROM period_ends e
    JOIN staff s
      ON s.start_date <= e.period_end
     AND (s.end_date IS NULL OR s.end_date >= e.period_end)
)
SELECT
    i.period_end,
    i.staff_id,
    i.organisation_code,
    i.professional_group,
    i.required_level,
    COALESCE(BOOL_OR(t.completed_on <= i.period_end AND i.period_end < t.completed_on + p.training_validity), FALSE)
        AS compliant
FROM params p
CROSS JOIN in_post i
LEFT JOIN training t
  ON t.staff_id = i.staff_id
 AND t.level >= i.required_level
GROUP BY i.period_end, i.staff_id, i.organisation_code, i.professional_group, i.required_level
