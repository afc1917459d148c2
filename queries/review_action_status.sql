-- review_action_status: progress of each Serious Case Review / Child Safeguarding Practice Review action plan at as_of.
--
-- One row per review with an action agreed on or before as_of; only those actions count.
-- Completed: completed_on <= as_of. Overdue: not completed and due_date < as_of. Open: neither.
-- completion_pct = 100 * completed / total; impact_evidenced counts completed actions whose
-- effect on practice is evidenced; median_days_to_complete over completed actions (null if none).
WITH actions AS (
    SELECT
        a.review_id,
        a.review_type,
        a.review_name,
        a.completed_on IS NOT NULL AND a.completed_on <= p.as_of AS completed,
        a.due_date < p.as_of AS past_due,
        a.impact_evidenced,
        CAST(a.completed_on AS BIGINT) - CAST(a.agreed_on AS BIGINT) AS days_to_complete
    FROM review_actions a
    CROSS JOIN params p
    WHERE a.agreed_on <= p.as_of
)
SELECT
    review_id,
    MIN(review_type) AS review_type,
    MIN(review_name) AS review_name,
    COUNT(*) AS actions_total,
    COUNT(*) FILTER (WHERE completed) AS actions_completed,
    COUNT(*) FILTER (WHERE NOT completed AND past_due) AS actions_overdue,
    COUNT(*) FILTER (WHERE NOT completed AND NOT past_due) AS actions_open,
    100.0 * COUNT(*) FILTER (WHERE completed) / COUNT(*) AS completion_pct,
    COUNT(*) FILTER (WHERE completed AND impact_evidenced) AS impact_evidenced,
    MEDIAN(CAST(days_to_complete AS DOUBLE)) FILTER (WHERE completed) AS median_days_to_complete
FROM actions
GROUP BY review_id
