-- training_spells: for every post holder, the spells of days in which they are in post with valid safeguarding children training.
--
-- The one place the training rule is written (quality metric 11.b); training_status,
-- training_compliance and the SPC series all follow it. A post holder is in post at P when
-- start_date <= P and end_date is blank or on/after P. They are compliant at P when they hold a
-- record at or above their required level, completed on or before P and less than the validity
-- period (36 months by default) before P: P < completed_on + 36 months, in calendar months clamped
-- to month end (a course on 29 February 2020 expires on 28 February 2023).
-- If any qualifying record is valid at P, the latest one completed on or before P is, so each
-- record gives one spell, from its completion (or the start in post) until the first of its
-- expiry, the next qualifying record's completion and the day after leaving the post: a post
-- holder is in post and compliant at P exactly when compliant_from <= P < compliant_until for
-- one of their spells, and their spells never overlap, so each day is counted once.
WITH qualifying AS (
    SELECT s.staff_id, s.organisation_code, s.professional_group, s.required_level,
           s.start_date, s.end_date, t.completed_on,
           t.completed_on + p.training_validity AS expires_on
    FROM params p
    CROSS JOIN staff s
    JOIN training t
      ON t.staff_id = s.staff_id
     AND t.level >= s.required_level
),
ordered AS (
    -- One ordering of all the records rather than a window partition per post holder: the same
    -- next record, and far cheaper in DataFusion than hundreds of thousands of tiny partitions.
    SELECT *,
           CASE WHEN LEAD(staff_id) OVER w = staff_id THEN LEAD(completed_on) OVER w END
               AS next_completed_on
    FROM qualifying
    WINDOW w AS (ORDER BY staff_id, completed_on)
),
spells AS (
    SELECT
        staff_id,
        organisation_code,
        professional_group,
        required_level,
        GREATEST(completed_on, start_date) AS compliant_from,
        -- LEAST skips nulls: no next record, or still in post
        LEAST(expires_on, next_completed_on, end_date + INTERVAL '1 day') AS compliant_until
    FROM ordered
)
SELECT *
FROM spells
WHERE compliant_from < compliant_until
