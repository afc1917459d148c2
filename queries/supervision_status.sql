-- supervision_status: every post holder who needs safeguarding supervision at each period end, and whether they had it.
--
-- The one place the supervision rule is written (quality metric 11.a.5). Requiring at P: in post
-- at P, a supervision interval of m months, and started on or before P minus m months (so new
-- starters are not counted before a full interval). Supervised: a one_to_one or group session
-- with P minus m months < session_date <= P; ad_hoc sessions never count. Month offsets are
-- calendar months clamped to month end (period_offsets).
WITH requiring AS (
    SELECT
        e.period_end,
        o.shifted AS interval_start,
        s.staff_id,
        s.organisation_code,
        s.professional_group,
        s.supervision_interval_months
    FROM period_ends e
    JOIN staff s
      ON s.start_date <= e.period_end
     AND (s.end_date IS NULL OR s.end_date >= e.period_end)
    JOIN period_offsets o
      ON o.period_end = e.period_end
     AND o.months = s.supervision_interval_months
    WHERE s.start_date <= o.shifted
)
SELECT
    r.period_end,
    r.staff_id,
    r.organisation_code,
    r.professional_group,
    r.supervision_interval_months,
    COUNT(v.staff_id) > 0 AS supervised
FROM requiring r
-- Sessions joined to the requiring rows themselves (not to a second list of requiring rows), so
-- a filter on period_end (supervision_compliance's quarter ends) limits all of the work.
LEFT JOIN supervision v
  ON v.staff_id = r.staff_id
 AND v.kind IN ('one_to_one', 'group')
 AND v.session_date > r.interval_start
 AND v.session_date <= r.period_end
GROUP BY r.period_end, r.staff_id, r.organisation_code, r.professional_group, r.supervision_interval_months
