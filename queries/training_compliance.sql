-- training_compliance: staff compliant with safeguarding children training by quarter (quality metric 11.b).
--
-- For each of the 12 quarter ends P up to as_of, each organisation, professional group and
-- required level with anyone in post: staff in post, staff compliant (the rule is in
-- training_spells; training_counts counts every period end), compliance_pct = 100 * compliant /
-- in post (not rounded), and the quality metrics schedule's RAG: red below 75 %, amber 75-90 %
-- inclusive, green above 90 % (params).
WITH counts AS (
    SELECT t.*
    FROM training_counts t
    -- Read whole and then joined (no filter on period_end), so that the session computes
    -- training_counts once for this view and the SPC series: its month ends cost little more
    -- than its quarter ends.
    JOIN quarter_ends q ON q.period_end = t.period_end
)
SELECT
    c.period_end,
    c.organisation_code,
    c.professional_group,
    c.required_level,
    c.staff_in_post,
    c.staff_compliant,
    100.0 * c.staff_compliant / c.staff_in_post AS compliance_pct,
    CASE
        WHEN 100.0 * c.staff_compliant / c.staff_in_post < p.red_below THEN 'red'
        WHEN 100.0 * c.staff_compliant / c.staff_in_post <= p.green_above THEN 'amber'
        ELSE 'green'
    END AS rag
FROM params p
CROSS JOIN counts c
