-- compliance_headline: training and supervision compliance for the whole footprint and each organisation, by quarter.
--
-- The board's headline figures: per quarter end P, metric (training: compliant / in post;
-- supervision: supervised / requiring), for all organisations together (organisation_code null)
-- and for each organisation, with the RAG band. The same quarter a year earlier is in the same
-- view (12 quarters), so a report can say what changed.
-- Counted from the detailed views, so the rules and the quarter ends are theirs.
WITH counts AS (
    SELECT 'training' AS metric, period_end, organisation_code,
           SUM(staff_compliant) AS numerator, SUM(staff_in_post) AS denominator
    FROM training_compliance
    GROUP BY GROUPING SETS ((period_end), (period_end, organisation_code))
    UNION ALL
    SELECT 'supervision' AS metric, period_end, organisation_code,
           SUM(staff_supervised) AS numerator, SUM(staff_requiring) AS denominator
    FROM supervision_compliance
    GROUP BY GROUPING SETS ((period_end), (period_end, organisation_code))
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
