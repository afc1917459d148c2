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
    -- Only the two columns the ordering needs: a window that carries the post holders' text
    -- columns through its sort ran five times slower at a national roll-up's size.
    SELECT t.staff_id, t.completed_on
    FROM staff s
    JOIN training t
      ON t.staff_id = s.staff_id
     AND t.level >= s.required_level
),
ordered AS (
    -- Each post holder's records in date order, to find the next one. The partition is only a
    -- split of the post holders into up to a hundred groups that sort (and run) independently;
    -- one post holder's records are always in the same group, so the next record is the same.
    -- One ordering of everything would run on one core; a partition per post holder would be
    -- hundreds of thousands of tiny partitions, far slower in DataFusion.
    SELECT staff_id, completed_on,
           CASE WHEN LEAD(staff_id) OVER w = staff_id THEN LEAD(completed_on) OVER w END
               AS next_completed_on
    FROM qualifying
    WINDOW w AS (PARTITION BY right(staff_id, 2) ORDER BY staff_id, completed_on)
),
spells AS (
    SELECT
        s.staff_id,
        s.organisation_code,
        s.professional_group,
        s.required_level,
        GREATEST(o.completed_on, s.start_date) AS compliant_from,
        -- LEAST skips nulls: no next record, or still in post
        LEAST(add_months(o.completed_on, p.training_validity_months), o.next_completed_on, s.end_date + INTERVAL '1 day')
            AS compliant_until
    -- The post holders before their records: the join builds its hash table on the post
    -- holders (params is one row) and streams the far more numerous records past it; listed
    -- the other way round, it built the table on every record.
    FROM params p
    CROSS JOIN staff s
    JOIN ordered o ON o.staff_id = s.staff_id
)
SELECT *
FROM spells
WHERE compliant_from < compliant_until
