-- multiagency_contribution: health's contribution to child protection meetings by quarter (quality metric 11.a.2).
--
-- Per quarter end P and organisation: meetings it was asked to contribute to with
-- P minus 3 months < meeting_date <= P, how many it contributed to (attended or sent a report),
-- contribution_pct = 100 * contributed / meetings, and RAG with the multi-agency thresholds:
-- red below 60 %, amber 60-90 % inclusive, green above 90 % (params).
SELECT
    q.period_end,
    m.organisation_code,
    COUNT(*) AS meetings,
    COUNT(*) FILTER (WHERE m.contributed) AS contributed,
    100.0 * COUNT(*) FILTER (WHERE m.contributed) / COUNT(*) AS contribution_pct,
    CASE
        WHEN 100.0 * COUNT(*) FILTER (WHERE m.contributed) / COUNT(*) < MAX(p.multiagency_red_below) THEN 'red'
        WHEN 100.0 * COUNT(*) FILTER (WHERE m.contributed) / COUNT(*) <= MAX(p.multiagency_green_above) THEN 'amber'
        ELSE 'green'
    END AS rag
FROM quarter_ends q
-- params joins the small side: joined after the meetings, DataFusion built the cross join over
-- every meeting and emitted a batch per meeting (0.45 s instead of 0.05 s at 1,000,000 staff).
CROSS JOIN params p
JOIN period_offsets o
  ON o.period_end = q.period_end
 AND o.months = 3
JOIN multiagency_meetings m
  ON m.meeting_date > o.shifted
 AND m.meeting_date <= q.period_end
GROUP BY q.period_end, m.organisation_code
