-- supervision_compliance: staff who need safeguarding supervision and had it, by quarter (quality metric 11.a.5).
--
-- For each of the 12 quarter ends P, each organisation and professional group with anyone
-- requiring supervision: staff requiring, staff supervised (rules in supervision_status;
-- supervision_counts counts every period end), compliance_pct = 100 * supervised / requiring,
-- RAG as for training (params).
WITH counts AS (
    SELECT s.*
    FROM supervision_counts s
    JOIN quarter_ends q ON q.period_end = s.period_end
    -- Quarter ends fall in these months: saying so lets a session that has not yet computed
    -- supervision_counts compute only its quarter ends (the join alone is not pushed down).
    WHERE date_part('month', s.period_end) IN (3, 6, 9, 12)
)
SELECT
    c.period_end,
    c.organisation_code,
    c.professional_group,
    c.staff_requiring,
    c.staff_supervised,
    100.0 * c.staff_supervised / c.staff_requiring AS compliance_pct,
    CASE
        WHEN 100.0 * c.staff_supervised / c.staff_requiring < p.red_below THEN 'red'
        WHEN 100.0 * c.staff_supervised / c.staff_requiring <= p.green_above THEN 'amber'
        ELSE 'green'
    END AS rag
FROM params p
CROSS JOIN counts c
