-- compliance_headline: training and supervision compliance for the whole footprint and each organisation, by quarter.
--
-- The board's headline figures: per quarter end P, metric (training: compliant / in post;
-- supervision: supervised / requiring), for all organisations together (organisation_code null)
-- and for each organisation, with the RAG band. The same quarter a year earlier is in the same
-- view (12 quarters), so a report can say what changed.
WITH counts AS (
    SELECT 'training' AS metric, t.period_end, t.organisation_code,
           COUNT(*) FILTER (WHERE t.compliant) AS numerator, COUNT(*) AS denominator
    FROM training_status t
    JOIN quarter_ends q ON q.period_end = t.period_end
    WHERE date_part('month', t.period_end) IN (3, 6, 9, 12)  -- pushed down, as in training_compliance
    GROUP BY GROUPING SETS ((t.period_end), (t.period_end, t.organisation_code))
    UNION ALL
    SELECT 'supervision' AS metric, s.period_end, s.organisation_code,
           COUNT(*) FILTER (WHERE s.supervised) AS numerator, COUNT(*) AS denominator
    FROM supervision_status s
    JOIN quarter_ends q ON q.period_end = s.period_end
    WHERE date_part('month', s.period_end) IN (3, 6, 9, 12)  -- pushed down, as in training_compliance
    GROUP BY GROUPING SETS ((s.period_end), (s.period_end, s.organisation_code))
)
SELECT
    c.metric,
    c.period_end,
    c.organisation_code,
    c.numerator,
    c.denominator,
    100.0 * c.numerator / c.denominator AS pct,
    CASE
        WHEN 100.0 * c.numerator / c.denominator < p.red_below THEN 'red'
        WHEN 100.0 * c.numerator / c.denominator <= p.green_above THEN 'amber'
        ELSE 'green'
    END AS rag
FROM params p
CROSS JOIN counts c
WHERE c.denominator > 0
