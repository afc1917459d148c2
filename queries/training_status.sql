-- training_status: every post holder in post at each period end, and whether their safeguarding children training is valid then.
--
-- One row per post holder and period end P at which they are in post (start_date <= P and
-- end_date blank or on/after P); compliant when P falls in one of their training_spells, where
-- the training rule is written (quality metric 11.b). For looking up individuals: the compliance
-- views and the SPC series count from training_counts, which follows the same rule.
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
    -- spells never overlap, so at most one matches
    v.staff_id IS NOT NULL AS compliant
FROM in_post i
LEFT JOIN training_spells v
  ON v.staff_id = i.staff_id
 AND v.compliant_from <= i.period_end
 AND i.period_end < v.compliant_until
