-- quality_ratings_summary: the commissioner's quarterly RAG rating of each provider against each quality metric, with its movement.
--
-- One row per rating whose quarter_end is one of the 12 trend quarter ends. previous_rating is
-- the same organisation's and metric's rating at the previous quarter end (31 March before
-- 30 June, and so on), null if none; change is improved, worsened or same (red < amber < green),
-- null without a previous rating.
SELECT
    r.organisation_code,
    r.metric,
    r.quarter_end,
    r.rating,
    b.rating AS previous_rating,
    CASE
        WHEN b.rating IS NULL THEN NULL
        WHEN CASE r.rating WHEN 'green' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END
           > CASE b.rating WHEN 'green' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END THEN 'improved'
        WHEN CASE r.rating WHEN 'green' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END
           < CASE b.rating WHEN 'green' THEN 3 WHEN 'amber' THEN 2 ELSE 1 END THEN 'worsened'
        ELSE 'same'
    END AS change
FROM quality_ratings r
JOIN quarter_ends q ON q.period_end = r.quarter_end
LEFT JOIN quality_ratings b
  ON b.organisation_code = r.organisation_code
 AND b.metric = r.metric
 AND b.quarter_end = q.previous_period_end
